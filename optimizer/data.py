"""Validated input data: what the model is built from.

A :class:`SourcingData` is only ever made by validation (from a workbook or from pandas
DataFrames), so everything downstream may assume clean, typed, cross-referenced tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import pandas as pd

from .errors import Problem


SINGLE_SITE = "(single site)"
_OPTIONAL_EMPTY = ("Sites", "Demand", "Lanes", "Tariffs", "Currencies", "Countries", "GroupRules",
                   "Disruptions")  # the site of a workbook without a Sites sheet


def _empty(columns: list[str], index: str | list[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in [*columns, "excel_row"]})
    return frame.set_index(index) if index is not None else frame


@dataclass(frozen=True)
class Settings:
    """Model-wide settings (the Settings sheet). Units: shares are fractions, times seconds."""

    max_country_share: float = 1.0
    amortization_years: float = 10.0
    allow_shortfall: bool = False
    shortfall_penalty: float | None = None
    time_limit_s: float = 60.0
    mip_gap: float = 1e-4
    currency: str = "USD"
    quantity_unit: str = "t"
    objective: str = "cost"
    spot_premium: float = 0.5
    risk_weight: float = 1.0
    cvar_alpha: float = 0.9

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class SourcingData:
    """Clean input tables, one per sheet, each with an ``excel_row`` column for messages.

    Tables (index, then columns):

    - ``minerals``: mineral; demand [quantity/year], max_country_share [fraction or NaN],
      shortfall_penalty [currency/quantity or NaN]
    - ``suppliers``: supplier; country
    - ``offers``: (supplier, mineral); country, unit_cost [currency/quantity], capacity
      [quantity/year], min_order [quantity/year], fixed_cost [currency/year]
    - ``country_caps``: row number; country, mineral (None = every mineral), max_share [fraction]
    - ``projects``: project; mineral, country, capacity, unit_cost, capex [currency], budget
      (None when there are no budget lines), fixed_cost
    - ``budgets``: budget; amount [currency]
    - ``sites``: site; country (empty: one implicit site, :data:`SINGLE_SITE`)
    - ``demand``: (site, mineral); demand [quantity/year] (empty without a Demand sheet, when
      ``minerals.demand`` is the demand at the single site; otherwise ``minerals.demand`` holds
      the total over sites)
    - ``lanes``: row; supplier (a supplier or project), site, mineral (None = every mineral),
      transport_cost [currency/quantity] (empty: every source ships everywhere at no cost)
    - ``tariffs``: row; origin, destination (countries), mineral (None = every), rate [fraction]
    - ``currencies``: currency; rate [base currency per unit]

    Money columns of offers and projects are in the base currency (``settings.currency``);
    ``currency``, ``quote_unit_cost`` and ``fx_rate`` keep the quote as written.

    Build one with :func:`optimizer.read_workbook` or :meth:`SourcingData.from_frames`.
    """

    settings: Settings
    minerals: pd.DataFrame
    suppliers: pd.DataFrame
    offers: pd.DataFrame
    country_caps: pd.DataFrame
    projects: pd.DataFrame
    budgets: pd.DataFrame
    sites: pd.DataFrame = field(default_factory=lambda: _empty(["site", "country"], "site"))
    demand: pd.DataFrame = field(
        default_factory=lambda: _empty(["site", "mineral", "demand"], ["site", "mineral"]))
    lanes: pd.DataFrame = field(
        default_factory=lambda: _empty(["supplier", "site", "mineral", "transport_cost"]))
    tariffs: pd.DataFrame = field(
        default_factory=lambda: _empty(["origin", "destination", "mineral", "rate"]))
    currencies: pd.DataFrame = field(
        default_factory=lambda: _empty(["currency", "rate"], "currency"))
    countries: pd.DataFrame = field(
        default_factory=lambda: _empty(["country", "groups"], "country"))
    group_rules: pd.DataFrame = field(
        default_factory=lambda: _empty(["group", "mineral", "min_share", "max_share"]))
    disruptions: pd.DataFrame = field(default_factory=lambda: _empty(
        ["scenario", "probability", "country", "supplier", "mineral", "capacity_factor"]))
    source: str = "<data>"
    warnings: list[Problem] = field(default_factory=list)
    settings_rows: dict[str, int] = field(default_factory=dict)  # setting -> its Excel row
    read_seconds: float = 0.0  # wall time read_workbook took to read and validate the file

    @classmethod
    def from_frames(
        cls,
        minerals: pd.DataFrame,
        suppliers: pd.DataFrame,
        offers: pd.DataFrame,
        country_caps: pd.DataFrame | None = None,
        projects: pd.DataFrame | None = None,
        budgets: pd.DataFrame | None = None,
        settings: dict[str, object] | pd.DataFrame | None = None,
    ) -> "SourcingData":
        """Validate pandas DataFrames laid out like the workbook's sheets.

        Each frame has the sheet's columns (e.g. ``offers`` has supplier, mineral, unit_cost,
        capacity, min_order, fixed_cost). ``settings`` is a dict ``{setting: value}`` or a frame
        with columns setting, value. Problems are reported as if each frame were a sheet with its
        header on row 1, so the first data row is row 2.

        Raises :class:`optimizer.InputError` listing every problem.
        """
        return cls.from_sheets({
            "Minerals": minerals, "Suppliers": suppliers, "Offers": offers,
            "CountryCaps": country_caps, "Projects": projects, "Budgets": budgets,
            "Settings": settings,
        })

    @classmethod
    def from_sheets(cls, frames: dict[str, pd.DataFrame | dict | None],
                    source: str = "<DataFrames>") -> "SourcingData":
        """Validate frames keyed by sheet name (``"Offers"``, ...), as :meth:`to_frames` gives.

        ``frames["Settings"]`` may also be a dict ``{setting: value}``.
        Raises :class:`optimizer.InputError` listing every problem.
        """
        from .validate import raw_from_frames, validate

        settings = frames.get("Settings")
        if isinstance(settings, dict):
            frames = {**frames, "Settings": pd.DataFrame(
                {"setting": list(settings), "value": list(settings.values())})}
        return validate(raw_from_frames(frames), source=source)

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The data laid out as the workbook's sheets again (contract columns, no excel_row).

        ``SourcingData.from_frames(**...)`` of the result validates to the same data, which is
        how what-if changes are applied: change the frames, validate again.
        """
        from . import schema

        offers, projects = self.offers.copy(), self.projects.copy()
        for table, money in ((offers, ("fixed_cost", "reservation_cost")),
                             (projects, ("capex", "fixed_cost"))):
            table["unit_cost"] = table["quote_unit_cost"]
            for column in money:
                table[column] = table[column] / table["fx_rate"]
        minerals = self.minerals.copy()
        if len(self.demand):
            minerals["demand"] = None  # demand comes from the Demand sheet
        tables = {"Minerals": minerals, "Suppliers": self.suppliers, "Offers": offers,
                  "CountryCaps": self.country_caps, "Projects": projects,
                  "Budgets": self.budgets, "Sites": self.sites, "Demand": self.demand,
                  "Lanes": self.lanes, "Tariffs": self.tariffs,
                  "Currencies": self.currencies[self.currencies["excel_row"].notna()],
                  "Countries": self.countries, "GroupRules": self.group_rules,
                  "Disruptions": self.disruptions}
        out: dict[str, pd.DataFrame] = {}
        for sheet, table in tables.items():
            columns = [c.name for c in schema.SHEETS_BY_NAME[sheet].columns]
            flat = table.reset_index() if any(n is not None for n in table.index.names) \
                else table
            if sheet in _OPTIONAL_EMPTY and flat.empty:
                continue  # an absent optional sheet stays absent
            out[sheet] = flat.reindex(columns=columns).reset_index(drop=True)
        settings = self.settings.as_dict()
        out["Settings"] = pd.DataFrame({"setting": list(settings),
                                        "value": list(settings.values())})
        return out

    def with_objective(self, objective: str) -> "SourcingData":
        """A copy planned for ``objective`` (cost, expected or cvar); the latter two need
        Disruptions scenarios. Raises ValueError with the reason otherwise."""
        objective = objective.strip().lower()
        if objective not in ("cost", "expected", "cvar"):
            raise ValueError(f"{objective!r} is not an objective; expected cost, expected or "
                             "cvar")
        if objective != "cost" and not len(self.disruptions):
            raise ValueError(f"objective {objective} needs Disruptions scenarios; this workbook "
                             "has none")
        return self.with_settings(objective=objective)

    def with_settings(self, **changes: object) -> "SourcingData":
        """A copy with some settings changed (the tables are shared, not copied)."""
        return replace(self, settings=replace(self.settings, **changes))

    # --- derived lookups used by the model, the checks and the results -----------------------
    def cap(self, country: str, mineral: str) -> float:
        """The cap on ``country``'s share of ``mineral``: the most specific rule wins.

        Precedence: CountryCaps(country, mineral), CountryCaps(country, blank),
        Minerals.max_country_share(mineral), Settings.max_country_share.
        """
        return self.caps_table().get((mineral, country), self._mineral_cap(mineral))

    def _mineral_cap(self, mineral: str) -> float:
        value = self.minerals.at[mineral, "max_country_share"]
        return float(self.settings.max_country_share if pd.isna(value) else value)

    def caps_table(self) -> dict[tuple[str, str], float]:
        """Caps from CountryCaps for every (mineral, country) they name, precedence applied."""
        caps: dict[tuple[str, str], float] = {}
        rows = self.country_caps
        for country, share in zip(rows["country"][rows["mineral"].isna()],
                                  rows["max_share"][rows["mineral"].isna()]):
            for mineral in self.minerals.index:
                caps[(mineral, country)] = float(share)
        specific = rows[rows["mineral"].notna()]
        for country, mineral, share in zip(specific["country"], specific["mineral"],
                                           specific["max_share"]):
            caps[(mineral, country)] = float(share)
        return caps

    def _cached(self, name: str, compute):
        """``compute()`` once per data object, kept on it under ``name`` (the tables are
        treated as read-only; so is the result): arcs, tariffs, caps and the like."""
        cached = self.__dict__.get(name)
        if cached is None:
            cached = compute()
            object.__setattr__(self, name, cached)
        return cached

    def supply_countries(self, offer_pairs=None) -> dict[str, list[str]]:
        """For each mineral, the countries that can supply it (offers and projects), sorted.

        ``offer_pairs``: the (mineral, country) pairs of the offers, when the caller has them
        already (optimizer.model's Index does); else they are read from the offers, once per
        data object (treat the result as read-only)."""
        if offer_pairs is None:
            return self._cached("_supply_countries_cache", lambda: self.supply_countries(
                zip(self.offers.index.get_level_values("mineral").tolist(),
                    self.offers["country"].tolist())))
        pairs = set(offer_pairs)
        pairs |= set(zip(self.projects["mineral"], self.projects["country"]))
        out: dict[str, list[str]] = {m: [] for m in self.minerals.index}
        for mineral, country in sorted(pairs):
            out[mineral].append(country)
        return out

    def effective_caps(self, offer_pairs=None) -> dict[tuple[str, str], float]:
        """Cap for every (mineral, country) that can supply the mineral (``offer_pairs`` as
        for :meth:`supply_countries`; without them, computed once per data object)."""
        if offer_pairs is None:
            return self._cached("_effective_caps_cache",
                                lambda: self._caps_of(self.supply_countries()))
        return self._caps_of(self.supply_countries(offer_pairs))

    def _caps_of(self, supply_countries: dict[str, list[str]]) -> dict[tuple[str, str], float]:
        specific = self.caps_table()
        mineral_cap = {m: self._mineral_cap(m) for m in self.minerals.index}
        return {
            (m, c): specific.get((m, c), mineral_cap[m])
            for m, countries in supply_countries.items()
            for c in countries
        }

    def needs_funding(self) -> pd.Series:
        """Per project: True when it costs capex or a fixed cost, so supplies only if funded
        (a project with neither is capacity available without a decision, and no binary)."""
        return (self.projects["capex"] > 0) | (self.projects["fixed_cost"] > 0)

    def shortfall_penalty(self, mineral: str) -> float | None:
        value = self.minerals.at[mineral, "shortfall_penalty"]
        return self.settings.shortfall_penalty if pd.isna(value) else float(value)

    # --- the network: sites, lanes, tariffs ----------------------------------------------------
    @property
    def has_sites(self) -> bool:
        """True when the workbook has a Sites sheet (demand, lanes and tariffs by site)."""
        return len(self.sites) > 0

    def site_names(self) -> list[str]:
        return list(self.sites.index) if self.has_sites else [SINGLE_SITE]

    def site_demand(self) -> dict[tuple[str, str], float]:
        """(mineral, site) -> demand [quantity/year], for every pair with demand."""
        if len(self.demand):
            return {(m, s): float(d) for (s, m), d in self.demand["demand"].items()}
        site = self.site_names()[0]
        return {(m, site): float(d) for m, d in self.minerals["demand"].items()}

    def tariff_rate(self, origin: str, site: str, mineral: str) -> float:
        """Ad valorem tariff on ``mineral`` from country ``origin`` into ``site``'s country."""
        if not self.has_sites or not len(self.tariffs):
            return 0.0
        return self._tariffs().get((origin, self.sites.at[site, "country"], mineral), 0.0)

    def _tariffs(self) -> dict[tuple[str, str, str], float]:
        """(origin, destination, mineral) -> rate, a specific mineral's row over a blank one;
        made once per data object."""
        def table() -> dict[tuple[str, str, str], float]:
            rates: dict[tuple[str, str, str], float] = {}
            general = self.tariffs[self.tariffs["mineral"].isna()]
            for o, d, r in zip(general["origin"], general["destination"], general["rate"]):
                for m in self.minerals.index:
                    rates[(o, d, m)] = float(r)
            specific = self.tariffs[self.tariffs["mineral"].notna()]
            for o, d, m, r in zip(specific["origin"], specific["destination"],
                                  specific["mineral"], specific["rate"]):
                rates[(o, d, m)] = float(r)
            return rates
        return self._cached("_tariff_cache", table)

    def arcs(self) -> pd.DataFrame:
        """Every way material can reach a site: one row per (source, mineral, site).

        Columns: kind ("offer" or "project"), source (supplier or project), mineral, site,
        country (of the source), unit_cost (base currency), transport_cost, tariff_rate,
        landed_unit_cost = unit_cost * (1 + tariff_rate) + transport_cost.
        Without a Lanes sheet every source reaches every site at no transport cost; with one,
        only listed lanes exist (a lane for a specific mineral overrides a blank-mineral lane).
        Computed once per data object (treat the result as read-only).
        """
        return self._cached("_arcs_cache", self._arcs)

    def arc_keys(self) -> set[tuple[str, str, str]]:
        """The (source, mineral, site) of every row of :meth:`arcs`, as a set; computed once
        per data object (read-only)."""
        def keys() -> set[tuple[str, str, str]]:
            arcs = self.arcs()
            return set(zip(arcs["source"].tolist(), arcs["mineral"].tolist(),
                           arcs["site"].tolist()))
        return self._cached("_arc_keys_cache", keys)

    def _arcs(self) -> pd.DataFrame:
        sources = pd.concat([
            pd.DataFrame({"kind": "offer",
                          "source": self.offers.index.get_level_values("supplier"),
                          "mineral": self.offers.index.get_level_values("mineral"),
                          "country": self.offers["country"].to_numpy(),
                          "unit_cost": self.offers["unit_cost"].to_numpy(dtype=float)}),
            pd.DataFrame({"kind": "project", "source": self.projects.index,
                          "mineral": self.projects["mineral"].to_numpy(),
                          "country": self.projects["country"].to_numpy(),
                          "unit_cost": self.projects["unit_cost"].to_numpy(dtype=float)}),
        ], ignore_index=True)
        if len(self.lanes):
            lanes = self.lanes
            specific = lanes[lanes["mineral"].notna()][["supplier", "site", "mineral",
                                                        "transport_cost"]]
            general = lanes[lanes["mineral"].isna()][["supplier", "site", "transport_cost"]]
            a = sources.merge(specific, left_on=["source", "mineral"],
                              right_on=["supplier", "mineral"])
            b = sources.merge(general, left_on="source", right_on="supplier")
            arcs = pd.concat([a, b], ignore_index=True).drop(columns="supplier")
            arcs = arcs.drop_duplicates(["kind", "source", "mineral", "site"], keep="first")
        else:
            sites = pd.DataFrame({"site": self.site_names()})
            arcs = sources.merge(sites, how="cross")
            arcs["transport_cost"] = 0.0
        arcs["transport_cost"] = arcs["transport_cost"].astype(float)
        if self.has_sites and len(self.tariffs):
            rates = self._tariffs()
            dest = self.sites["country"]
            arcs["tariff_rate"] = [rates.get((c, dest[s], m), 0.0) for c, s, m in
                                   zip(arcs["country"], arcs["site"], arcs["mineral"])]
        else:
            arcs["tariff_rate"] = 0.0
        arcs["landed_unit_cost"] = (arcs["unit_cost"] * (1 + arcs["tariff_rate"])
                                    + arcs["transport_cost"])
        return arcs.reset_index(drop=True)

    # --- resilience: groups and disruptions -----------------------------------------------------
    def group_members(self) -> dict[str, list[str]]:
        """group tag -> countries (Countries.groups), tags as first written."""
        members: dict[str, list[str]] = {}
        for country, groups in self.countries["groups"].items():
            for tag in filter(None, (t.strip() for t in str(groups or "").split(","))):
                members.setdefault(tag, []).append(country)
        return members

    def group_rules_by_mineral(self) -> dict[tuple[str, str], tuple[float | None, float | None]]:
        """(group, mineral) -> (min_share, max_share); a mineral's own rule beats a blank one."""
        rules: dict[tuple[str, str], tuple[float | None, float | None]] = {}
        table = self.group_rules
        for specific in (False, True):
            part = table[table["mineral"].notna() == specific]
            for g, mm, lo, hi in zip(part["group"], part["mineral"], part["min_share"],
                                     part["max_share"]):
                lo = None if pd.isna(lo) else float(lo)
                hi = None if pd.isna(hi) else float(hi)
                for mineral in ([mm] if specific else list(self.minerals.index)):
                    rules[(g, mineral)] = (lo, hi)
        return rules

    def scenarios(self) -> list["Disruption"]:
        """The Disruptions sheet as scenarios, in order of first appearance."""
        out: dict[str, Disruption] = {}
        for row in self.disruptions.itertuples(index=False):
            d = out.setdefault(row.scenario, Disruption(row.scenario, float(row.probability)))
            d.rules.append((None if pd.isna(row.country) else row.country,
                            None if pd.isna(row.supplier) else row.supplier,
                            None if pd.isna(row.mineral) else row.mineral,
                            float(row.capacity_factor)))
        return list(out.values())


@dataclass
class Disruption:
    """One disruption scenario: who loses what share of capacity, with what probability.

    ``rules`` holds (country, supplier, mineral, capacity_factor); None means "any".
    """

    name: str
    probability: float
    rules: list[tuple[str | None, str | None, str | None, float]] = field(default_factory=list)

    def factor(self, source: str, country: str, mineral: str) -> float:
        """Share of ``source``'s capacity for ``mineral`` that survives (the most severe rule)."""
        factor = 1.0
        for c, s, m, f in self.rules:
            if (c == country or s == source) and (m is None or m == mineral):
                factor = min(factor, f)
        return factor

    @classmethod
    def country_loss(cls, country: str) -> "Disruption":
        """The stress case 'everything from ``country`` is lost' (probability not used)."""
        return cls(f"loss of {country}", 0.0, [(country, None, None, 0.0)])
