"""The input workbook contract, declared once as data.

Validation, the template workbook, the README table and the docs are all generated from these
declarations, so the contract cannot drift between them.

Kinds of column:

- ``name``   -- free text naming a thing (mineral, supplier, country, project, budget); trimmed.
- ``number`` -- a non-negative real number (a quantity or money amount).
- ``share``  -- a fraction 0..1; ``0.5``, a percent-formatted ``50%`` cell or the text ``"50%"``.
- ``rate``   -- a non-negative fraction that may exceed 1 (a tariff of 1.45 is 145 %); ``"25%"``
                text is accepted.
- ``bool``   -- TRUE/FALSE, yes/no, y/n, 1/0.
- ``text``   -- free text (settings values are typed per setting, see ``SETTINGS``).
"""

from __future__ import annotations

from dataclasses import dataclass

CONTRACT_VERSION = 1


@dataclass(frozen=True)
class Column:
    """One column of an input sheet."""

    name: str
    kind: str
    required: bool = False
    unit: str = ""
    description: str = ""
    refers_to: str | None = None  # sheet whose key this column must name
    allow_blank: bool = False  # a required header whose cells may still be blank


@dataclass(frozen=True)
class Sheet:
    """One input sheet: its columns and the columns that identify a row."""

    name: str
    required: bool
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    model_data: bool = True  # False: read with the workbook but not part of the model's data

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


@dataclass(frozen=True)
class Setting:
    """One row of the Settings sheet."""

    name: str
    kind: str  # share | number | bool | text | positive
    default: object
    unit: str = ""
    description: str = ""


SETTINGS: tuple[Setting, ...] = (
    Setting("max_country_share", "share", 1.0, "fraction",
            "Default cap on any single country's share of a mineral's supply."),
    Setting("amortization_years", "positive", 10.0, "years",
            "Years over which a project's capex is spread in the yearly cost."),
    Setting("allow_shortfall", "bool", False, "",
            "If TRUE, demand may go unmet at shortfall_penalty per unit instead of no plan."),
    Setting("shortfall_penalty", "number", None, "currency per quantity unit",
            "Cost per unit of unmet demand (when shortfall is allowed); Minerals may override."),
    Setting("time_limit_s", "positive", 60.0, "seconds", "Solver time limit."),
    Setting("mip_gap", "number", 1e-4, "fraction",
            "Relative optimality gap at which the solver may stop."),
    Setting("currency", "text", "USD", "", "Currency of every money column."),
    Setting("quantity_unit", "text", "t", "", "Unit of every quantity column."),
    Setting("objective", "text", "cost", "",
            "What to minimise: cost (the plan's normal-times cost), expected (expected cost over "
            "the Disruptions scenarios) or cvar (expected cost + risk_weight x CVaR)."),
    Setting("spot_premium", "number", 0.5, "fraction",
            "In a disruption, spot purchases cost unit_cost x (1 + spot_premium)."),
    Setting("risk_weight", "number", 1.0, "", "Weight of CVaR in the cvar objective."),
    Setting("cvar_alpha", "share", 0.9, "fraction",
            "CVaR level: the mean cost of the worst (1 - cvar_alpha) of outcomes."),
)
SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}

_MINERAL = "Minerals"
_SUPPLIER = "Suppliers"
_BUDGET = "Budgets"
_SITE = "Sites"
_CURRENCY = "Currencies"

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "Settings", False, "Model-wide settings, one per row.",
        (
            Column("setting", "name", True, "", "Name of the setting (see the list below)."),
            Column("value", "text", True, "", "Its value; blank keeps the default.",
                   allow_blank=True),
        ),
        key=("setting",),
    ),
    Sheet(
        "Minerals", True, "Each mineral to source and its yearly demand.",
        (
            Column("mineral", "name", True, "", "Name of the mineral."),
            Column("demand", "number", False, "quantity/year",
                   "Quantity needed per year; leave blank when a Demand sheet gives demand by "
                   "site."),
            Column("max_country_share", "share", False, "fraction",
                   "Cap on any one country's share of this mineral; overrides the setting."),
            Column("shortfall_penalty", "number", False, "currency/quantity",
                   "Cost per unit of unmet demand; overrides the setting."),
            Column("min_suppliers", "number", False, "count",
                   "Least number of suppliers to buy from (each at least its min_order)."),
            Column("min_countries", "number", False, "count",
                   "Least number of countries to source from."),
            Column("max_supplier_share", "share", False, "fraction",
                   "Largest share of this mineral any one supplier may provide."),
            Column("n1_coverage", "share", False, "fraction of demand",
                   "If any one country's supply vanished, the contracted capacity left must "
                   "still cover this share of demand."),
        ),
        key=("mineral",),
    ),
    Sheet(
        "Suppliers", True, "Each supplier and the country it ships from.",
        (
            Column("supplier", "name", True, "", "Name of the supplier."),
            Column("country", "name", True, "", "Country the supplier's material comes from."),
            Column("capacity", "number", False, "quantity/year",
                   "Most the supplier can deliver across all its offers (a shared plant)."),
            Column("fixed_cost", "number", False, "currency/year",
                   "Yearly cost of qualifying and keeping the supplier, paid once if any of its "
                   "offers is used."),
        ),
        key=("supplier",),
    ),
    Sheet(
        "Offers", True, "What each supplier can sell: one row per supplier and mineral.",
        (
            Column("supplier", "name", True, "", "Supplier making the offer.", _SUPPLIER),
            Column("mineral", "name", True, "", "Mineral offered.", _MINERAL),
            Column("unit_cost", "number", True, "currency/quantity", "Price per unit."),
            Column("capacity", "number", True, "quantity/year", "Most that can be bought per year."),
            Column("min_order", "number", False, "quantity/year",
                   "Least that must be bought per year if the offer is used at all."),
            Column("fixed_cost", "number", False, "currency/year",
                   "Yearly cost of holding the contract, paid if the offer is used."),
            Column("currency", "name", False, "",
                   "Currency of this row's money columns; blank means Settings.currency.",
                   _CURRENCY),
            Column("reservation_cost", "number", False, "currency/quantity",
                   "Yearly cost per unit of capacity reserved beyond what is bought (for "
                   "n1_coverage and disruptions)."),
        ),
        key=("supplier", "mineral"),
    ),
    Sheet(
        "CountryCaps", False, "Caps on one country's share of a mineral's supply.",
        (
            Column("country", "name", True, "", "Country capped."),
            Column("mineral", "name", False, "", "Mineral capped; blank means every mineral.",
                   _MINERAL),
            Column("max_share", "share", True, "fraction",
                   "Largest share of the mineral's supply that may come from the country."),
        ),
        key=("country", "mineral"),
    ),
    Sheet(
        "Projects", False, "New-capacity options that can be funded from a budget.",
        (
            Column("project", "name", True, "", "Name of the project."),
            Column("mineral", "name", True, "", "Mineral the project would supply.", _MINERAL),
            Column("country", "name", True, "", "Country where the capacity would be."),
            Column("capacity", "number", True, "quantity/year", "Most it can supply per year."),
            Column("unit_cost", "number", True, "currency/quantity", "Cost per unit supplied."),
            Column("capex", "number", True, "currency",
                   "One-off investment, paid from the budget; amortised in the yearly cost."),
            Column("budget", "name", False, "",
                   "Budget line that pays the capex; blank uses the only budget line.", _BUDGET),
            Column("fixed_cost", "number", False, "currency/year",
                   "Yearly cost of running the project if funded."),
            Column("currency", "name", False, "",
                   "Currency of this row's money columns; blank means Settings.currency.",
                   _CURRENCY),
        ),
        key=("project",),
    ),
    Sheet(
        "Budgets", False, "Money available for project capex, per budget line.",
        (
            Column("budget", "name", True, "", "Name of the budget line."),
            Column("amount", "number", True, "currency", "Most capex the line can pay."),
        ),
        key=("budget",),
    ),
    Sheet(
        "Sites", False, "Plants that need minerals (optional: without it there is one site).",
        (
            Column("site", "name", True, "", "Name of the plant or warehouse."),
            Column("country", "name", True, "", "Country the site is in (for tariffs)."),
        ),
        key=("site",),
    ),
    Sheet(
        "Demand", False, "Demand by site; replaces Minerals.demand.",
        (
            Column("site", "name", True, "", "Site that needs the mineral.", _SITE),
            Column("mineral", "name", True, "", "Mineral needed.", _MINERAL),
            Column("demand", "number", True, "quantity/year", "Quantity needed per year."),
        ),
        key=("site", "mineral"),
    ),
    Sheet(
        "Lanes", False, "Routes from suppliers (or projects) to sites; with this sheet, material "
                        "moves only along listed lanes.",
        (
            Column("supplier", "name", True, "", "Supplier or project shipping."),
            Column("site", "name", True, "", "Site receiving.", _SITE),
            Column("mineral", "name", False, "", "Mineral; blank means every mineral.",
                   _MINERAL),
            Column("transport_cost", "number", True, "currency/quantity",
                   "Freight cost per unit shipped along the lane."),
        ),
        key=("supplier", "site", "mineral"),
    ),
    Sheet(
        "Tariffs", False, "Import tariffs by origin and destination country.",
        (
            Column("origin", "name", True, "", "Country the material comes from."),
            Column("destination", "name", True, "", "Country of the receiving site."),
            Column("mineral", "name", False, "", "Mineral; blank means every mineral.",
                   _MINERAL),
            Column("rate", "rate", True, "fraction of unit_cost",
                   "Ad valorem tariff: 0.25 (or 25%) adds a quarter of the unit cost."),
        ),
        key=("origin", "destination", "mineral"),
    ),
    Sheet(
        "Countries", False, "Countries and the groups they belong to (for GroupRules).",
        (
            Column("country", "name", True, "", "Country name, as on Suppliers and Projects."),
            Column("groups", "text", False, "",
                   "Comma-separated group tags, e.g. allied, FTA."),
        ),
        key=("country",),
    ),
    Sheet(
        "GroupRules", False, "Least and most share of a mineral from a group of countries.",
        (
            Column("group", "name", True, "", "A group tag from Countries.groups."),
            Column("mineral", "name", False, "", "Mineral; blank means every mineral.",
                   _MINERAL),
            Column("min_share", "share", False, "fraction",
                   "At least this share of the mineral from the group."),
            Column("max_share", "share", False, "fraction",
                   "At most this share of the mineral from the group."),
        ),
        key=("group", "mineral"),
    ),
    Sheet(
        "Disruptions", False, "Disruption scenarios: what capacity survives, with what "
                              "probability.",
        (
            Column("scenario", "name", True, "", "Scenario name; rows with one name act "
                                                 "together."),
            Column("probability", "share", True, "fraction",
                   "Probability of the scenario in a year (the same on each of its rows)."),
            Column("country", "name", False, "", "Country hit (or give a supplier)."),
            Column("supplier", "name", False, "", "Supplier or project hit (or give a country)."),
            Column("mineral", "name", False, "", "Mineral hit; blank means every mineral.",
                   _MINERAL),
            Column("capacity_factor", "share", True, "fraction",
                   "Share of capacity that survives: 0 = total loss, 0.5 = half."),
        ),
    ),
    Sheet(
        "Currencies", False, "Exchange rates for quotes in other currencies.",
        (
            Column("currency", "name", True, "", "Currency code, e.g. EUR."),
            Column("rate", "positive", True, "base currency per unit",
                   "Value of one unit of this currency in Settings.currency."),
        ),
        key=("currency",),
    ),
)
# What-if studies (optimizer/scenarios.py); validation leaves this sheet to that module.
SCENARIOS = Sheet(
    "Scenarios", False, "What-if changes for `sourcing compare`: rows with the same scenario name "
                        "are applied together to a copy of the data.",
    (
        Column("scenario", "name", True, "",
               "Name of the what-if; rows with the same name apply together ('base' is the "
               "workbook as it is)."),
        Column("change", "name", True, "", "set, scale or remove."),
        Column("target", "name", True, "",
               "A setting (max_country_share), a Sheet.column (Offers.unit_cost), or for "
               "remove: country, supplier or project."),
        Column("filter", "text", False, "",
               "Which rows: column=value pairs joined by ';', e.g. mineral=gallium (on Offers, "
               "country is the supplier's country); blank means every row."),
        Column("value", "text", True, "",
               "The new value (set), the factor (scale: 1.3 is +30 %), or the name to remove."),
    ),
    model_data=False,
)
SHEETS = (*SHEETS, SCENARIOS)
SHEETS_BY_NAME = {s.name: s for s in SHEETS}

# Output contract v1: sheet -> columns, in order.
OUTPUT_SHEETS: dict[str, tuple[str, ...]] = {
    "Summary": ("item", "value"),
    "Minerals": ("mineral", "demand", "supplied", "shortfall", "cost", "average_unit_cost",
                 "suppliers_used", "countries_used", "top_country", "top_country_share", "hhi",
                 "worst_country_loss_pct", "expected_shortfall"),
    "Allocations": ("supplier", "country", "mineral", "quantity", "unit_cost", "cost", "share",
                    "site", "transport_cost", "tariff_cost", "landed_unit_cost", "currency",
                    "quote_unit_cost", "capacity_value", "reserved"),
    "CountryShares": ("mineral", "country", "quantity", "share", "cap", "binding",
                      "saving_per_point"),
    "Investments": ("project", "mineral", "country", "funded", "capacity", "quantity", "capex",
                    "budget"),
    "Budgets": ("budget", "amount", "used", "left", "next_project", "extra_budget_needed",
                "saving_if_funded"),
    "Flows": ("supplier", "site", "mineral", "quantity"),
    "Sites": ("site", "mineral", "demand", "supplied", "shortfall", "landed_cost"),
    "Checks": ("check", "status", "detail"),
    "Charts": ("chart", "series", "category", "value"),
}

#: columns filled after the plan by optimizer/marginals.py (blank when that is skipped)
MARGINAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "CountryShares": ("saving_per_point",),
    "Allocations": ("capacity_value",),
    "Budgets": ("next_project", "extra_budget_needed", "saving_if_funded"),
}

#: the sheet written beside the Summary when there is no feasible plan (optimizer/diagnose.py)
DIAGNOSIS_COLUMNS: tuple[str, ...] = (
    "conflict", "explanation", "option", "rule", "sheet", "row", "column", "current",
    "suggested", "change", "checked")

SUMMARY_ITEMS: tuple[str, ...] = (
    "status", "total_cost", "purchase_cost", "fixed_cost", "investment_cost", "shortfall_cost",
    "transport_cost", "tariff_cost", "reservation_cost",
    "cost_without_caps", "expected_cost", "cvar", "worst_scenario_cost", "best_bound", "mip_gap",
    "solve_seconds", "solver", "input_file", "created_at",
)


def contract_markdown() -> str:
    """Return the input contract as a Markdown table (used in README and tests)."""
    out = ["| sheet | column | required | unit | meaning |", "|---|---|---|---|---|"]
    for sheet in SHEETS:
        for col in sheet.columns:
            out.append(
                f"| {sheet.name}{'' if sheet.required else ' (optional)'} | {col.name} | "
                f"{'yes' if col.required else ''} | {col.unit} | {col.description} |"
            )
    out.append("")
    out.append("| setting | default | unit | meaning |")
    out.append("|---|---|---|---|")
    for s in SETTINGS:
        default = "" if s.default is None else s.default
        out.append(f"| {s.name} | {default} | {s.unit} | {s.description} |")
    return "\n".join(out)
