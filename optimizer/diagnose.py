"""Why there is no plan: the fewest workbook changes that make one exist, each checked.

When :func:`optimizer.solve` finds no feasible plan it calls :func:`explain`. The same model is
built with :func:`optimizer.model.build_model` and then made *elastic*: every rule family listed
in :data:`RULES` may be broken, by a non-negative slack, and the model looks for the smallest
set of breaks that makes it feasible. Each break is told back as a change to one workbook cell
("raise China's cap for gallium (CountryCaps row 4) from 50 % to at least 80 %"), every
suggested change is applied to a copy of the data and solved again, and only changes that were
confirmed that way are called fixes.

*Smallest* is lexicographic:

1. the fewest workbook cells changed (each cell of the workbook counts once, however many model
   rows it feeds: an offer's capacity is the bound of ``buy`` and a term of ``offer_capacity``
   and ``supplier_use``; one slack relaxes all of them);
2. among those, the least total change, each change measured as a fraction of its mineral's
   quantity scale ``U_m = demand_m + sum of the capacities of m's offers and projects`` (a
   supplier's capacity: the sum of ``U_m`` over its minerals; a budget line: the capex of the
   projects it pays for).

A *conflict* is a group of changes that touch the same minerals (a budget touches the minerals
of its projects). For each conflict the search is repeated with one rule family at a time, so
the explanation offers alternatives: "raise the cap, or add capacity, or lower demand".

Adding a rule family to the model: add one :class:`Rule` to :data:`RULES` (or its component
name to :data:`HARD_RULES` if it is a definition that no workbook cell can relax);
``tests/test_diagnose.py`` fails while a constraint of the model is in neither.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Hashable, Iterable

import pandas as pd

from .data import SourcingData

if TYPE_CHECKING:  # pragma: no cover
    import pyomo.core as pyo  # imported where used, so `import optimizer` stays light

Frames = dict[str, pd.DataFrame]

#: model components that are definitions, not rules: never relaxed
HARD_RULES: tuple[str, ...] = (
    "total_supply", "offer_shipments", "project_shipments",  # flows add up
    "counted_order", "country_order",  # what counts as a supplier or country used
    "reserve_covers_buy",  # reserved capacity covers what is bought
    "topup_limit", "spot_limit", "make_limit", "scenario_demand", "cvar_excess_def",  # recourse
)

_TOL = 1e-6


# --- what a diagnosis is made of --------------------------------------------------------------
@dataclass(frozen=True)
class Suggestion:
    """One workbook cell to change. ``row`` is the Excel row (None: add a row to ``sheet``).

    ``current`` and ``suggested`` are in the column's unit (shares as fractions).
    ``apply`` changes a :meth:`SourcingData.to_frames` dict in place.
    """

    rule: str
    sheet: str
    row: int | None
    column: str
    current: float | None
    suggested: float
    text: str
    minerals: frozenset[str] = frozenset()
    apply: Callable[[Frames], None] = field(default=lambda frames: None, compare=False,
                                            repr=False)


@dataclass
class Option:
    """Changes that together resolve one conflict; ``checked`` if solving again confirmed it."""

    changes: list[Suggestion]
    checked: bool = False

    @property
    def text(self) -> str:
        return " and ".join(c.text for c in self.changes)


@dataclass
class Conflict:
    """Rules that cannot all hold, in the user's words, and the options that resolve them."""

    minerals: list[str]
    explanation: str
    options: list[Option]


@dataclass
class Diagnosis:
    """Why there is no feasible plan and what to change (see the module docstring).

    ``checked`` is True when the first option of every conflict, applied together to the data,
    was solved again and gave a plan. ``seconds`` is the wall time of the whole diagnosis.
    """

    conflicts: list[Conflict]
    checked: bool = False
    seconds: float = 0.0
    note: str = ""

    @property
    def changes(self) -> list[Suggestion]:
        """The first option of every conflict: one set of changes that makes the data solve."""
        return [c for conflict in self.conflicts if conflict.options
                for c in conflict.options[0].changes]

    def apply(self, data: SourcingData, choice: dict[int, int] | None = None) -> SourcingData:
        """``data`` with the changes applied (option ``choice[k]`` for conflict k, default 0)."""
        changes = []
        for k, conflict in enumerate(self.conflicts):
            if conflict.options:
                changes += conflict.options[(choice or {}).get(k, 0)].changes
        return apply_suggestions(data, changes)

    def text(self) -> str:
        """The explanation as plain text (what the CLI prints on stderr)."""
        if not self.conflicts:
            return self.note or "no change to the rules was found that gives a plan"
        lines = []
        for k, conflict in enumerate(self.conflicts, start=1):
            prefix = f"{k}. " if len(self.conflicts) > 1 else ""
            lines.append(prefix + conflict.explanation)
            shown = [o for o in conflict.options if o.checked]
            if shown:
                lines.append("   Any one of these makes the workbook solve (each checked by "
                             "solving again" + (", with one fix for every other conflict"
                                                if len(self.conflicts) > 1 else "") + "):")
                for i, option in enumerate(shown):
                    lines.append(f"   - or {option.text}." if i else
                                 f"   - {_sentence(option.text)}")
            else:
                lines.append("   A change that removes this conflict (not confirmed by solving "
                             "again):")
                for option in conflict.options[:1]:
                    lines.append(f"   - {_sentence(option.text)}")
        if len(self.conflicts) > 1:
            lines.append("Make one change from every numbered conflict" + (
                "; the first of each, together, was checked to give a plan." if self.checked
                else "."))
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def table(self) -> pd.DataFrame:
        """The Diagnosis sheet: one row per change (columns ``schema.DIAGNOSIS_COLUMNS``).

        Changes with the same conflict and option letter go together; ``checked`` is "yes"
        when solving again with them (and the first option of every other conflict) gave a
        plan.
        """
        from .schema import DIAGNOSIS_COLUMNS

        rows = []
        for k, conflict in enumerate(self.conflicts, start=1):
            for i, option in enumerate(conflict.options):
                for change in option.changes:
                    rows.append((k, conflict.explanation, chr(ord("A") + i), change.rule,
                                 change.sheet, change.row, change.column, change.current,
                                 change.suggested, _sentence(change.text),
                                 "yes" if option.checked else "no"))
        return pd.DataFrame(rows, columns=list(DIAGNOSIS_COLUMNS), dtype=object)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def apply_suggestions(data: SourcingData, changes: Iterable[Suggestion]) -> SourcingData:
    """A copy of ``data`` with ``changes`` applied, validated again (the input is untouched)."""
    frames = {k: (v.copy() if isinstance(v, pd.DataFrame) else v)
              for k, v in data.to_frames().items()}
    for change in changes:
        change.apply(frames)
    return SourcingData.from_sheets(frames, source=data.source)


# --- the registry of relaxable rules ----------------------------------------------------------
@dataclass
class Context:
    """What describers see: the data, the solved elastic model and per-mineral scales."""

    data: SourcingData
    model: pyo.ConcreteModel
    scale: dict[str, float]  # U_m, see the module docstring
    sources: dict[str, int]  # number of offers and projects per mineral

    def value(self, var) -> float:
        return float(var.value or 0.0)


@dataclass(frozen=True)
class Rule:
    """How one rule family of the model is relaxed and told back in the user's words.

    ``component`` is a Pyomo Constraint (``kind="constraint"``: each row gets a slack) or a Var
    whose upper bounds are a workbook value (``kind="upper_bound"``). Rows of one ``family``
    with the same index share one slack (one workbook cell). ``describe(ctx, index, amount)``
    returns the :class:`Suggestion` that absorbs a slack of ``amount`` (row units); ``limit``
    is the largest slack that could matter (a big-M), ``scale`` the unit for the total change;
    ``minerals`` the minerals the cell concerns; ``gate`` an optional binary that must be 1 for
    the slack to be used (capacity can only be added to an offer that is used); ``why`` a short
    clause for the conflict's explanation; ``cell`` maps a row's index to the workbook cell it
    comes from when several rows share one (Minerals.max_supplier_share caps every offer of
    the mineral).
    """

    family: str
    component: str
    describe: Callable[[Context, object, float], Suggestion]
    minerals: Callable[[Context, object], frozenset[str]]
    limit: Callable[[Context, object], float]
    scale: Callable[[Context, object], float]
    kind: str = "constraint"
    gate: Callable[[pyo.ConcreteModel, object], object] | None = None
    why: Callable[[Context, object], str] | None = None
    cell: Callable[[object], Hashable] | None = None  # rows of one workbook cell share a slack


# formatting in the user's terms
def _q(x: float) -> str:
    """A quantity or amount as people write it: 1,234.5 / 30 / 0.125."""
    if x == 0:
        return "0"
    if abs(x - round(x)) < 1e-9 * max(1.0, abs(x)):
        return f"{round(x):,}"
    digits = max(0, 3 - int(math.floor(math.log10(abs(x)))))
    return f"{x:,.{digits}f}".rstrip("0").rstrip(".")


def _pct(x: float) -> str:
    return f"{x * 100:.1f}".rstrip("0").rstrip(".") + " %"


def _step(x: float) -> float:
    """Rounding step: four significant figures."""
    return 10.0 ** (math.floor(math.log10(abs(x))) - 3) if x else 1.0


def _up(x: float, step: float | None = None) -> float:
    """``x`` rounded up to a readable value (solver noise of 1e-9 relative ignored)."""
    step = step or _step(x)
    return round(math.ceil((x - 1e-9 * max(1.0, abs(x))) / step) * step, 10)


def _down(x: float, step: float | None = None) -> float:
    if x <= 0:
        return 0.0
    step = step or _step(x)
    return max(0.0, round(math.floor((x + 1e-9 * max(1.0, abs(x))) / step) * step, 10))


def _row(table: pd.DataFrame, key) -> int | None:
    try:
        value = table.at[key, "excel_row"]
    except KeyError:
        return None
    return None if pd.isna(value) else int(value)


def _where(sheet: str, row: int | None) -> str:
    return f"{sheet} row {row}" if row is not None else sheet


def _set(frames: Frames, sheet: str, match: dict[str, object], column: str, value) -> None:
    frame = frames[sheet]
    mask = pd.Series(True, index=frame.index)
    for col, want in match.items():
        mask &= frame[col].isna() if want is None else (frame[col] == want)
    frame[column] = frame[column].astype(object)
    frame.loc[mask, column] = value


def _money(ctx: Context, x: float) -> str:
    return f"{_q(x)} {ctx.data.settings.currency}"


# demand ----------------------------------------------------------------------------------------
def _demand_key(index) -> tuple[str, str | None]:
    return (index[0], index[1]) if isinstance(index, tuple) else (index, None)


def _has_demand_sheet(data: SourcingData) -> bool:
    demand = getattr(data, "demand", None)
    return isinstance(demand, pd.DataFrame) and len(demand) > 0


def _demand_value(ctx: Context, index) -> tuple[float, str, int | None]:
    mineral, site = _demand_key(index)
    if _has_demand_sheet(ctx.data) and site is not None:
        return (float(ctx.data.demand.at[(site, mineral), "demand"]), "Demand",
                _row(ctx.data.demand, (site, mineral)))
    return (float(ctx.data.minerals.at[mineral, "demand"]), "Minerals",
            _row(ctx.data.minerals, mineral))


def _describe_demand(ctx: Context, index, amount: float) -> Suggestion:
    mineral, site = _demand_key(index)
    demand, sheet, row = _demand_value(ctx, index)
    new = _down(demand - amount)
    at = f" at {site}" if sheet == "Demand" else ""

    def apply(frames: Frames) -> None:
        if sheet == "Demand":
            _set(frames, "Demand", {"site": site, "mineral": mineral}, "demand", new)
        else:
            _set(frames, "Minerals", {"mineral": mineral}, "demand", new)

    return Suggestion("demand", sheet, row, "demand", demand, new,
                  f"lower the demand for {mineral}{at} ({_where(sheet, row)}) from {_q(demand)} "
                  f"to at most {_q(new)}", frozenset([mineral]), apply)


def _why_demand(ctx: Context, index) -> str:
    mineral, site = _demand_key(index)
    demand, sheet, row = _demand_value(ctx, index)
    at = f" at {site}" if sheet == "Demand" else ""
    return f"demand {_q(demand)}{at} ({_where(sheet, row)})"


# capacity of offers, projects, suppliers -----------------------------------------------------
def _offer_name(offer) -> str:
    return f"{offer[0]}'s {offer[1]} offer"


def _raise_capacity(ctx: Context, rule: str, sheet: str, table, index, match: dict,
                    what: str, minerals: frozenset[str], amount: float) -> Suggestion:
    """Raise the capacity cell of one row of ``sheet`` by ``amount`` (rounded up)."""
    capacity = float(table.at[index, "capacity"])
    new = _up(capacity + amount)
    row = _row(table, index)

    def apply(frames: Frames) -> None:
        _set(frames, sheet, match, "capacity", new)

    return Suggestion(rule, sheet, row, "capacity", capacity, new,
                      f"raise {what} ({_where(sheet, row)}) from {_q(capacity)} to at least "
                      f"{_q(new)}", minerals, apply)


def _describe_offer_capacity(ctx: Context, index, amount: float) -> Suggestion:
    return _raise_capacity(ctx, "offer_capacity", "Offers", ctx.data.offers, index,
                           {"supplier": index[0], "mineral": index[1]},
                           f"the capacity of {_offer_name(index)}", frozenset([index[1]]),
                           amount)


def _describe_project_capacity(ctx: Context, index, amount: float) -> Suggestion:
    projects = ctx.data.projects
    return _raise_capacity(ctx, "project_capacity", "Projects", projects, index,
                           {"project": index}, f"the capacity of project {index}",
                           frozenset([projects.at[index, "mineral"]]), amount)


def _supplier_minerals(ctx: Context, supplier) -> frozenset[str]:
    offers = ctx.data.offers
    return frozenset(m for s, m in offers.index if s == supplier)


def _describe_supplier_capacity(ctx: Context, index, amount: float) -> Suggestion:
    return _raise_capacity(ctx, "supplier_capacity", "Suppliers", ctx.data.suppliers, index,
                           {"supplier": index}, f"{index}'s capacity across all its offers",
                           _supplier_minerals(ctx, index), amount)


def _why_supplier_capacity(ctx: Context, index) -> str:
    suppliers = ctx.data.suppliers
    return (f"{index} can deliver at most {_q(float(suppliers.at[index, 'capacity']))} in all "
            f"({_where('Suppliers', _row(suppliers, index))})")


# minimum orders -----------------------------------------------------------------------------
def _describe_min_order(ctx: Context, index, amount: float) -> Suggestion:
    offers = ctx.data.offers
    least = float(offers.at[index, "min_order"])
    new = _down(least - amount)
    row = _row(offers, index)

    def apply(frames: Frames) -> None:
        _set(frames, "Offers", {"supplier": index[0], "mineral": index[1]}, "min_order", new)

    return Suggestion("min_order", "Offers", row, "min_order", least, new,
                  f"lower the minimum order of {_offer_name(index)} ({_where('Offers', row)}) "
                  f"from {_q(least)} to at most {_q(new)}", frozenset([index[1]]), apply)


def _why_min_order(ctx: Context, index) -> str:
    offers = ctx.data.offers
    return (f"{_offer_name(index)} must take at least {_q(float(offers.at[index, 'min_order']))}"
            f" if used ({_where('Offers', _row(offers, index))})")


# country caps ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CapSource:
    """Where the cap on (mineral, country) comes from (see ``SourcingData.cap``)."""

    sheet: str
    row: int | None
    column: str
    specific: bool  # the row caps exactly this country and mineral
    what: str  # e.g. "CountryCaps row 4", "Settings row 2 (max_country_share)"


def cap_source(data: SourcingData, mineral: str, country: str) -> CapSource:
    """The workbook row that sets the cap on ``country``'s share of ``mineral``."""
    caps = data.country_caps
    same_country = caps["country"] == country
    specific = caps[same_country & (caps["mineral"] == mineral)]
    if len(specific):
        row = int(specific["excel_row"].iloc[-1])
        return CapSource("CountryCaps", row, "max_share", True, f"CountryCaps row {row}")
    general = caps[same_country & caps["mineral"].isna()]
    if len(general):
        row = int(general["excel_row"].iloc[-1])
        return CapSource("CountryCaps", row, "max_share", False,
                         f"CountryCaps row {row}, for every mineral")
    if not pd.isna(data.minerals.at[mineral, "max_country_share"]):
        row = _row(data.minerals, mineral)
        return CapSource("Minerals", row, "max_country_share", False,
                         f"{_where('Minerals', row)}, max_country_share")
    row = getattr(data, "settings_rows", {}).get("max_country_share")
    return CapSource("Settings", row, "value", False,
                     f"{_where('Settings', row)}, max_country_share")


def _cap_pair(index) -> tuple[str, str]:
    return index[0], index[1]  # country_cap is indexed (mineral, country)


def _country_quantity(ctx: Context, mineral: str, country: str) -> float:
    ix = ctx.model.ix
    q = sum(ctx.value(ctx.model.buy[o]) for o in ix.offers_of.get((mineral, country), ()))
    q += sum(ctx.value(ctx.model.make[p]) for p in ix.projects_of.get((mineral, country), ()))
    return q


def _describe_country_cap(ctx: Context, index, amount: float) -> Suggestion:
    mineral, country = _cap_pair(index)
    cap = float(ctx.model.ix.cap[mineral, country])
    supplied = ctx.value(ctx.model.supplied[mineral])
    needed = _country_quantity(ctx, mineral, country) / supplied if supplied > 0 else 1.0
    needed = max(needed, cap + amount / supplied if supplied > 0 else 1.0)
    new = min(1.0, _up(needed, 0.001))
    source = cap_source(ctx.data, mineral, country)

    if source.specific:
        def apply(frames: Frames) -> None:
            _set(frames, "CountryCaps", {"country": country, "mineral": mineral}, "max_share",
                 new)
        text = (f"raise {country}'s cap for {mineral} ({source.what}) from {_pct(cap)} to at "
                f"least {_pct(new)}")
        return Suggestion("country_cap", source.sheet, source.row, source.column, cap, new, text,
                      frozenset([mineral]), apply)

    def apply(frames: Frames) -> None:
        row = pd.DataFrame([{"country": country, "mineral": mineral, "max_share": new}])
        old = frames.get("CountryCaps")
        frames["CountryCaps"] = row if old is None or not len(old) else pd.concat(
            [old, row], ignore_index=True)
    text = (f"raise {country}'s cap for {mineral} from {_pct(cap)} ({source.what}) to at least "
            f"{_pct(new)}: add a CountryCaps row {country}, {mineral}, {_pct(new)}")
    return Suggestion("country_cap", "CountryCaps", None, "max_share", cap, new, text,
                  frozenset([mineral]), apply)


def _why_country_cap(ctx: Context, index) -> str:
    mineral, country = _cap_pair(index)
    data = ctx.data
    cap = float(ctx.model.ix.cap[mineral, country])
    offers = data.offers
    outside = [(o, float(offers.at[o, "capacity"])) for o in ctx.model.ix.offers_of_mineral.get(
        mineral, ()) if offers.at[o, "country"] != country]
    projects = [(p, float(data.projects.at[p, "capacity"]))
                for p in ctx.model.ix.projects_of_mineral.get(mineral, ())
                if data.projects.at[p, "country"] != country]
    total = sum(c for _, c in outside) + sum(c for _, c in projects)
    rows = sorted(r for r in (_row(offers, o) for o, _ in outside) if r is not None)
    where = f" (Offers row{'s' if len(rows) > 1 else ''} {', '.join(map(str, rows))})" \
        if rows else ""
    extra = f", {_q(sum(c for _, c in projects))} of it from projects" if projects else ""
    return (f"{country} <= {_pct(cap)} ({cap_source(data, mineral, country).what}): outside "
            f"{country} only {_q(total)} can be bought{where}{extra}")


# budgets ----------------------------------------------------------------------------------
def _budget_projects(ctx: Context, budget) -> list[str]:
    return list(ctx.model.ix.projects_of_budget.get(budget, ()))


def _describe_budget(ctx: Context, index, amount: float) -> Suggestion:
    budgets = ctx.data.budgets
    money = float(budgets.at[index, "amount"])
    new = _up(money + amount)
    row = _row(budgets, index)

    def apply(frames: Frames) -> None:
        _set(frames, "Budgets", {"budget": index}, "amount", new)

    minerals = frozenset(ctx.data.projects.at[p, "mineral"] for p in _budget_projects(ctx, index))
    return Suggestion("budget", "Budgets", row, "amount", money, new,
                  f"raise budget line {index} ({_where('Budgets', row)}) from "
                  f"{_money(ctx, money)} to at least {_money(ctx, new)}", minerals, apply)


def _why_budget(ctx: Context, index) -> str:
    budgets, projects = ctx.data.budgets, ctx.data.projects
    paid = sorted(_budget_projects(ctx, index), key=lambda p: float(projects.at[p, "capex"]))
    paid = [p for p in paid if float(projects.at[p, "capex"]) > 0]
    shown = ", ".join(f"{p} {_money(ctx, float(projects.at[p, 'capex']))} "
                      f"({_where('Projects', _row(projects, p))})" for p in paid[:3])
    more = f" and {len(paid) - 3} more" if len(paid) > 3 else ""
    return (f"budget line {index} has {_money(ctx, float(budgets.at[index, 'amount']))} "
            f"({_where('Budgets', _row(budgets, index))})"
            + (f" for projects costing {shown}{more}" if paid else ""))


# resilience rules: groups of countries, diversification, N-1 coverage ---------------------------
def _mineral_row(ctx: Context, mineral: str) -> int | None:
    return _row(ctx.data.minerals, mineral)


def _mineral_value(ctx: Context, mineral: str, column: str) -> float:
    return float(ctx.data.minerals.at[mineral, column])


def _set_mineral(mineral: str, column: str, value) -> Callable[[Frames], None]:
    return lambda frames: _set(frames, "Minerals", {"mineral": mineral}, column, value)


def _group_source(data: SourcingData, group: str, mineral: str):
    """The GroupRules row that sets (group, mineral): specific beats blank mineral."""
    rules = data.group_rules
    same = rules[rules["group"] == group]
    specific = same[same["mineral"] == mineral]
    if len(specific):
        return specific.iloc[-1], True
    return same[same["mineral"].isna()].iloc[-1], False


def _group_share(ctx: Context, group: str, mineral: str) -> float:
    members = ctx.data.group_members().get(group, ())
    supplied = ctx.value(ctx.model.supplied[mineral])
    q = sum(_country_quantity(ctx, mineral, c) for c in members)
    return q / supplied if supplied > 0 else 0.0


def _describe_group(column: str):
    lowest = column == "min_share"

    def describe(ctx: Context, index, amount: float) -> Suggestion:
        group, mineral = index
        row, specific = _group_source(ctx.data, group, mineral)
        current = float(row[column])
        share = _group_share(ctx, group, mineral)
        new = max(0.0, _down(share, 0.001)) if lowest else min(1.0, _up(share, 0.001))
        excel = None if pd.isna(row["excel_row"]) else int(row["excel_row"])
        word = "minimum" if lowest else "maximum"
        verb = "lower" if lowest else "raise"

        if specific:
            def apply(frames: Frames) -> None:
                _set(frames, "GroupRules", {"group": group, "mineral": mineral}, column, new)
            text = (f"{verb} the {word} share of group {group} in {mineral} "
                    f"({_where('GroupRules', excel)}) from {_pct(current)} to "
                    f"{'at most' if lowest else 'at least'} {_pct(new)}")
            return Suggestion(f"group_{column[:3]}", "GroupRules", excel, column,
                              current, new, text, frozenset([mineral]), apply)

        def apply(frames: Frames) -> None:
            added = {"group": group, "mineral": mineral, "min_share": row["min_share"],
                     "max_share": row["max_share"], column: new}
            frames["GroupRules"] = pd.concat([frames["GroupRules"], pd.DataFrame([added])],
                                             ignore_index=True)
        text = (f"{verb} the {word} share of group {group} in {mineral} from {_pct(current)} "
                f"({_where('GroupRules', excel)}, for every mineral) to "
                f"{'at most' if lowest else 'at least'} {_pct(new)}: add a GroupRules row "
                f"{group}, {mineral}, {column} {_pct(new)}")
        return Suggestion(f"group_{column[:3]}", "GroupRules", None, column, current, new, text,
                          frozenset([mineral]), apply)

    return describe


def _why_group(column: str):
    def why(ctx: Context, index) -> str:
        group, mineral = index
        row, _ = _group_source(ctx.data, group, mineral)
        excel = None if pd.isna(row["excel_row"]) else int(row["excel_row"])
        sign = ">=" if column == "min_share" else "<="
        members = ", ".join(ctx.data.group_members().get(group, ()))
        return (f"group {group} ({members}) {sign} {_pct(float(row[column]))} "
                f"({_where('GroupRules', excel)})")
    return why


def _describe_supplier_share(ctx: Context, index, amount: float) -> Suggestion:
    mineral = index[1]
    current = _mineral_value(ctx, mineral, "max_supplier_share")
    supplied = ctx.value(ctx.model.supplied[mineral])
    largest = max((ctx.value(ctx.model.buy[o]) for o in ctx.model.ix.offers_of_mineral.get(
        mineral, ())), default=0.0)
    needed = max(largest / supplied if supplied > 0 else 1.0,
                 current + amount / supplied if supplied > 0 else 1.0)
    new = min(1.0, _up(needed, 0.001))
    row = _mineral_row(ctx, mineral)
    return Suggestion("supplier_share", "Minerals", row, "max_supplier_share", current, new,
                      f"raise the largest share one supplier may have of {mineral} "
                      f"({_where('Minerals', row)}, max_supplier_share) from {_pct(current)} to "
                      f"at least {_pct(new)}", frozenset([mineral]),
                      _set_mineral(mineral, "max_supplier_share", new))


def _why_supplier_share(ctx: Context, index) -> str:
    mineral = index[1]
    return (f"no supplier above {_pct(_mineral_value(ctx, mineral, 'max_supplier_share'))} "
            f"({_where('Minerals', _mineral_row(ctx, mineral))}, max_supplier_share)")


def _describe_least_count(column: str, what: str):
    def describe(ctx: Context, index, amount: float) -> Suggestion:
        current = _mineral_value(ctx, index, column)
        new = float(max(0, math.floor(current - amount + 1e-6)))
        row = _mineral_row(ctx, index)
        return Suggestion(column, "Minerals", row, column, current, new,
                          f"lower the least number of {what} for {index} "
                          f"({_where('Minerals', row)}, {column}) from {_q(current)} to at most "
                          f"{_q(new)}", frozenset([index]), _set_mineral(index, column, new))
    return describe


def _why_least_count(column: str, what: str):
    def why(ctx: Context, index) -> str:
        return (f"at least {_q(_mineral_value(ctx, index, column))} {what} "
                f"({_where('Minerals', _mineral_row(ctx, index))}, {column})")
    return why


def _describe_n1(ctx: Context, index, amount: float) -> Suggestion:
    mineral = index[0]
    current = _mineral_value(ctx, mineral, "n1_coverage")
    demand = _mineral_value(ctx, mineral, "demand")
    new = max(0.0, _down(current - amount / demand, 0.001)) if demand > 0 else 0.0
    row = _mineral_row(ctx, mineral)
    return Suggestion("n1_coverage", "Minerals", row, "n1_coverage", current, new,
                      f"lower the share of {mineral} demand that must survive losing any one "
                      f"country ({_where('Minerals', row)}, n1_coverage) from {_pct(current)} to "
                      f"at most {_pct(new)}", frozenset([mineral]),
                      _set_mineral(mineral, "n1_coverage", new))


def _why_n1(ctx: Context, index) -> str:
    mineral = index[0]
    return (f"{_pct(_mineral_value(ctx, mineral, 'n1_coverage'))} of demand must survive losing "
            f"any one country ({_where('Minerals', _mineral_row(ctx, mineral))}, n1_coverage)")


# scopes and limits -------------------------------------------------------------------------
def _offer_minerals(ctx: Context, index) -> frozenset[str]:
    return frozenset([index[1]])


def _project_minerals(ctx: Context, index) -> frozenset[str]:
    return frozenset([ctx.data.projects.at[index, "mineral"]])


def _mineral_scale(ctx: Context, minerals: Iterable[str]) -> float:
    return max(1.0, sum(ctx.scale.get(m, 0.0) for m in minerals))


def _qty_scale(minerals_of: Callable[[Context, object], frozenset[str]]):
    """U summed over the minerals a cell concerns: the limit and unit of quantity slacks."""
    return lambda ctx, index: _mineral_scale(ctx, minerals_of(ctx, index))


_qty_limit = _qty_scale


def _cap_minerals(ctx: Context, index) -> frozenset[str]:
    return frozenset([_cap_pair(index)[0]])


def _cap_limit(ctx: Context, index) -> float:
    mineral = _cap_pair(index)[0]
    return (ctx.sources.get(mineral, 0) + 1) * _mineral_scale(ctx, [mineral])


def _cap_limit_of(mineral_of: Callable[[object], str]):
    return lambda ctx, index: (ctx.sources.get(mineral_of(index), 0) + 1) * _mineral_scale(
        ctx, [mineral_of(index)])


def _group_limit(ctx: Context, index) -> float:
    return _cap_limit_of(lambda i: i[1])(ctx, index)


def _count_scale(ctx: Context, index) -> float:
    """A count of suppliers or countries, measured against the number of offers."""
    return max(1.0, float(len(ctx.model.ix.offers_of_mineral.get(index, ()))))


def _budget_minerals(ctx: Context, index) -> frozenset[str]:
    return frozenset(ctx.data.projects.at[p, "mineral"] for p in _budget_projects(ctx, index))


def _budget_limit(ctx: Context, index) -> float:
    return max(1.0, sum(float(ctx.data.projects.at[p, "capex"])
                        for p in _budget_projects(ctx, index)))


def _maybe(component: str):
    def gate(model, index):
        var = getattr(model, component, None)
        return var[index] if var is not None and index in var else None
    return gate


def _supplier_gate(model, index):
    qualify = getattr(model, "qualify", None)
    return qualify[index[0]] if qualify is not None and index[0] in qualify else None


_offer_limit = _qty_limit(_offer_minerals)
_project_limit = _qty_limit(_project_minerals)
_supplier_limit = _qty_limit(_supplier_minerals)

#: every relaxable rule family of the model, in the order alternatives are offered
RULES: tuple[Rule, ...] = (
    Rule("country_cap", "country_cap", _describe_country_cap, _cap_minerals, _cap_limit,
         _qty_scale(_cap_minerals), why=_why_country_cap),
    Rule("offer_capacity", "buy", _describe_offer_capacity, _offer_minerals, _offer_limit,
         _qty_scale(_offer_minerals), kind="upper_bound"),
    Rule("offer_capacity", "offer_capacity", _describe_offer_capacity, _offer_minerals,
         _offer_limit, _qty_scale(_offer_minerals), gate=_maybe("use")),
    Rule("offer_capacity", "supplier_use", _describe_offer_capacity, _offer_minerals,
         _offer_limit, _qty_scale(_offer_minerals), gate=_supplier_gate),
    Rule("project_capacity", "make", _describe_project_capacity, _project_minerals,
         _project_limit, _qty_scale(_project_minerals), kind="upper_bound"),
    Rule("project_capacity", "project_capacity", _describe_project_capacity, _project_minerals,
         _project_limit, _qty_scale(_project_minerals), gate=_maybe("fund")),
    Rule("supplier_capacity", "supplier_capacity", _describe_supplier_capacity,
         _supplier_minerals, _supplier_limit, _qty_scale(_supplier_minerals),
         why=_why_supplier_capacity),
    Rule("budget", "budget", _describe_budget, _budget_minerals, _budget_limit, _budget_limit,
         why=_why_budget),
    Rule("offer_capacity", "reserve", _describe_offer_capacity, _offer_minerals, _offer_limit,
         _qty_scale(_offer_minerals), kind="upper_bound"),
    Rule("offer_capacity", "reserve_contract", _describe_offer_capacity, _offer_minerals,
         _offer_limit, _qty_scale(_offer_minerals), gate=_maybe("use")),
    Rule("group_max", "group_max", _describe_group("max_share"),
         lambda ctx, index: frozenset([index[1]]), _group_limit,
         lambda ctx, index: _mineral_scale(ctx, [index[1]]), why=_why_group("max_share")),
    Rule("group_min", "group_min", _describe_group("min_share"),
         lambda ctx, index: frozenset([index[1]]), _group_limit,
         lambda ctx, index: _mineral_scale(ctx, [index[1]]), why=_why_group("min_share")),
    Rule("supplier_share", "supplier_share", _describe_supplier_share, _offer_minerals,
         _cap_limit_of(lambda index: index[1]), _qty_scale(_offer_minerals),
         why=_why_supplier_share, cell=lambda index: index[1]),
    Rule("min_suppliers", "min_suppliers", _describe_least_count("min_suppliers", "suppliers"),
         lambda ctx, index: frozenset([index]),
         lambda ctx, index: _mineral_value(ctx, index, "min_suppliers"), _count_scale,
         why=_why_least_count("min_suppliers", "suppliers")),
    Rule("min_countries", "min_countries", _describe_least_count("min_countries", "countries"),
         lambda ctx, index: frozenset([index]),
         lambda ctx, index: _mineral_value(ctx, index, "min_countries"), _count_scale,
         why=_why_least_count("min_countries", "countries")),
    Rule("n1_coverage", "n1_coverage", _describe_n1, lambda ctx, index: frozenset([index[0]]),
         lambda ctx, index: max(1.0, _mineral_value(ctx, index[0], "demand")),
         lambda ctx, index: _mineral_scale(ctx, [index[0]]), why=_why_n1,
         cell=lambda index: index[0]),
    Rule("min_order", "min_order", _describe_min_order, _offer_minerals,
         lambda ctx, o: max(1.0, float(ctx.data.offers.at[o, "min_order"])),
         _qty_scale(_offer_minerals), why=_why_min_order),
    Rule("demand", "demand", _describe_demand,
         lambda ctx, index: frozenset([_demand_key(index)[0]]),
         lambda ctx, index: max(1.0, _demand_value(ctx, index)[0]),
         lambda ctx, index: _mineral_scale(ctx, [_demand_key(index)[0]]), why=_why_demand),
)


# --- the elastic model ------------------------------------------------------------------------
@dataclass
class _Cell:
    """One relaxable workbook cell: its slack, its 0/1 'changed' variable and its rule."""

    key: Hashable
    rule: Rule
    index: object
    limit: float
    scale: float
    minerals: frozenset[str]


@dataclass
class Elastic:
    """The model with every registered rule relaxable; see :func:`elastic_model`."""

    model: pyo.ConcreteModel
    ctx: Context
    cells: list[_Cell]


def _scales(data: SourcingData) -> tuple[dict[str, float], dict[str, int]]:
    scale = {m: float(d) for m, d in data.minerals["demand"].fillna(0.0).items()}
    sources: dict[str, int] = defaultdict(int)
    for (_, mineral), capacity in data.offers["capacity"].items():
        scale[mineral] = scale.get(mineral, 0.0) + float(capacity)
        sources[mineral] += 1
    for mineral, capacity in zip(data.projects["mineral"], data.projects["capacity"]):
        scale[mineral] = scale.get(mineral, 0.0) + float(capacity)
        sources[mineral] += 1
    return scale, dict(sources)


def elastic_model(data: SourcingData, rules: Iterable[Rule] = RULES) -> Elastic:
    """``build_model(data)`` with each registered row and bound given a slack.

    Each workbook cell k gets a slack ``s_k in [0, limit_k]`` and a binary ``changed_k`` with
    ``s_k <= limit_k * changed_k`` (and ``s_k <= limit_k * gate`` for gated rows). A row
    ``body <= ub`` becomes ``body <= ub + s_k``, ``body >= lb`` becomes ``body >= lb - s_k``; a
    variable's upper bound ``ub`` becomes the row ``x <= ub + s_k``. The cost objective is
    deactivated; ``elastic_count`` (number of cells changed) and ``elastic_size`` (sum of
    ``s_k / scale_k``) are added, inactive.
    """
    import pyomo.core as pyo

    from .model import build_model

    model = build_model(data)
    scale, sources = _scales(data)
    ctx = Context(data, model, scale, sources)
    cells: dict[Hashable, _Cell] = {}
    rows: list[tuple[Hashable, object, float, float]] = []  # (cell, body, bound, sign)
    gates: list[tuple[Hashable, object]] = []
    for rule in rules:
        component = getattr(model, rule.component, None)
        if component is None:
            continue
        for index, item in list(component.items()):
            if rule.kind == "upper_bound":
                if item.ub is None or item.is_fixed():
                    continue
                parts = [(item, float(item.ub), 1.0)]
                item.setub(None)
            else:
                if not item.active:
                    continue
                parts = []
                if item.ub is not None:
                    parts.append((item.body, float(pyo.value(item.ub)), 1.0))
                if item.lb is not None:
                    parts.append((item.body, float(pyo.value(item.lb)), -1.0))
                item.deactivate()
            for body, bound, sign in parts:
                where = rule.cell(index) if rule.cell is not None else index
                key = (rule.family, where, sign) if len(parts) > 1 else (rule.family, where)
                if key not in cells:
                    cells[key] = _Cell(key, rule, index, float(rule.limit(ctx, index)),
                                       float(rule.scale(ctx, index)), rule.minerals(ctx, index))
                rows.append((key, body, bound, sign))
                if rule.gate is not None:
                    gate = rule.gate(model, index)
                    if gate is not None:
                        gates.append((key, gate))
    order = list(cells)
    number = {key: i for i, key in enumerate(order)}
    model.ELASTIC_CELLS = pyo.RangeSet(0, len(order) - 1) if order else pyo.Set(initialize=[])
    model.elastic_slack = pyo.Var(model.ELASTIC_CELLS, within=pyo.NonNegativeReals,
                                  bounds=lambda _, i: (0.0, cells[order[i]].limit))
    model.elastic_changed = pyo.Var(model.ELASTIC_CELLS, within=pyo.Binary)
    model.elastic_rows = pyo.ConstraintList()
    for key, body, bound, sign in rows:
        s = model.elastic_slack[number[key]]
        model.elastic_rows.add(body - s <= bound if sign > 0 else body + s >= bound)
    for i, key in enumerate(order):
        model.elastic_rows.add(model.elastic_slack[i]
                               <= cells[key].limit * model.elastic_changed[i])
    for key, gate in gates:
        model.elastic_rows.add(model.elastic_slack[number[key]] <= cells[key].limit * gate)
    model.cost.deactivate()
    model.elastic_count = pyo.Objective(expr=pyo.quicksum(
        [model.elastic_changed[i] for i in model.ELASTIC_CELLS]))
    model.elastic_size = pyo.Objective(expr=pyo.quicksum(
        [model.elastic_slack[i] / cells[order[i]].scale for i in model.ELASTIC_CELLS]))
    model.elastic_size.deactivate()
    model.elastic_most = pyo.Param(mutable=True, initialize=len(order))
    model.elastic_limit = pyo.Constraint(expr=pyo.quicksum(
        [model.elastic_changed[i] for i in model.ELASTIC_CELLS]) <= model.elastic_most)
    return Elastic(model, ctx, [cells[k] for k in order])


def _solve(model: pyo.ConcreteModel, time_limit: float, mip_gap: float) -> bool:
    from pyomo.contrib.solver.common.results import SolutionStatus
    from pyomo.contrib.solver.solvers.highs import Highs

    res = Highs().solve(model, time_limit=max(0.1, time_limit), rel_gap=mip_gap,
                        load_solutions=False, raise_exception_on_nonoptimal_result=False)
    if res.solution_status not in (SolutionStatus.optimal, SolutionStatus.feasible):
        return False
    res.solution_loader.load_vars()
    return True


def smallest_changes(elastic: Elastic, allowed: Iterable[int] | None = None,
                     time_limit: float = 60.0) -> list[tuple[_Cell, float]] | None:
    """The smallest set of cell changes (lexicographic, see the module docstring).

    Only cells numbered in ``allowed`` may change (all when None). Returns ``(cell, slack)``
    pairs, or None when no change of the allowed cells makes the model feasible.
    """
    import pyomo.core as pyo

    m = elastic.model
    allowed = set(range(len(elastic.cells)) if allowed is None else allowed)
    for i in m.ELASTIC_CELLS:
        if i in allowed:
            m.elastic_changed[i].unfix()
        else:
            m.elastic_changed[i].fix(0)
    started = time.perf_counter()
    m.elastic_most.set_value(len(elastic.cells))
    m.elastic_count.activate()
    m.elastic_size.deactivate()
    if not _solve(m, time_limit, 0.0):
        return None
    count = round(pyo.value(m.elastic_count))
    m.elastic_most.set_value(count)
    m.elastic_count.deactivate()
    m.elastic_size.activate()
    if not _solve(m, time_limit - (time.perf_counter() - started), 1e-6):
        return None
    out = []
    for i in sorted(allowed):
        s = float(m.elastic_slack[i].value or 0.0)
        cell = elastic.cells[i]
        if s > _TOL * max(1.0, cell.scale * 1e-3):
            out.append((cell, s))
    return out


# --- explain ----------------------------------------------------------------------------------
def _groups(changes: list[tuple[_Cell, float]]) -> list[list[tuple[_Cell, float]]]:
    """Changes that share a mineral, transitively, form one conflict."""
    groups: list[tuple[set[str], list]] = []
    for item in changes:
        minerals = set(item[0].minerals)
        joined = [g for g in groups if g[0] & minerals or not minerals]
        merged = (set(minerals), [item])
        for g in joined:
            merged[0].update(g[0])
            merged[1][:0] = g[1]
            groups.remove(g)
        groups.append(merged)
    return [g[1] for g in groups]


def _describe(elastic: Elastic, found: list[tuple[_Cell, float]]) -> list[Suggestion]:
    return [cell.rule.describe(elastic.ctx, cell.index, s) for cell, s in found]


def _explanation(elastic: Elastic, minerals: list[str], cells: list[_Cell]) -> str:
    ctx = elastic.ctx
    seen, clauses, demand = set(), [], []
    for cell in cells:
        if cell.rule.why is None or cell.key in seen:
            continue
        seen.add(cell.key)
        (demand if cell.rule.family == "demand" else clauses).append(cell.rule.why(ctx, cell.index))
    head = ", ".join(minerals) + ": "
    if demand and clauses:
        return head + f"{' and '.join(demand)} cannot be met while " + "; ".join(clauses) + "."
    if demand:  # only demand and capacity rows: there is not enough to buy
        capacity = [c for c in cells if c.rule.family in ("offer_capacity", "project_capacity")]
        rows = sorted({ch.row for ch in (c.rule.describe(ctx, c.index, 0.0) for c in capacity)
                       if ch.row is not None})
        listed = ", ".join(map(str, rows))
        where = f" (capacity in Offers row{'s' if len(rows) > 1 else ''} {listed})" if rows else ""
        return head + f"{' and '.join(demand)} is more than can be bought{where}."
    if len(clauses) == 1:
        return head + f"{clauses[0]} cannot be met with the offers and projects in the workbook."
    return head + "these rules cannot all hold: " + ("; ".join(clauses) or "see the options") + "."


def _works(data: SourcingData, changes: list[Suggestion], time_limit: float) -> bool:
    from .errors import InputError
    from .solving import solve_plan_only

    try:
        fixed = apply_suggestions(data, changes)
    except InputError:
        return False
    return solve_plan_only(fixed, time_limit).has_plan


def explain(data: SourcingData, time_limit: float | None = None) -> Diagnosis:
    """Explain why ``data`` has no feasible plan: conflicts, options, each checked.

    ``time_limit`` (seconds, default Settings.time_limit_s) bounds the whole diagnosis; the
    search for alternatives stops when it runs out. See the module docstring for what the
    smallest set of changes means.
    """
    started = time.perf_counter()
    budget = data.settings.time_limit_s if time_limit is None else float(time_limit)

    def left() -> float:
        return budget - (time.perf_counter() - started)

    elastic = elastic_model(data)
    primary = smallest_changes(elastic, time_limit=left())
    if primary is None:
        return Diagnosis([], note="no change to the registered rules gives a plan within the "
                                  "time limit", seconds=time.perf_counter() - started)
    if not primary:
        return Diagnosis([], note="the rules can all hold: the solver stopped before finding a "
                                  "plan; try a longer time limit",
                         seconds=time.perf_counter() - started)
    number = {cell.key: i for i, cell in enumerate(elastic.cells)}
    position = {m: i for i, m in enumerate(data.minerals.index)}
    groups = sorted(_groups(primary), key=lambda g: min(
        (position.get(m, 0) for cell, _ in g for m in cell.minerals), default=0))
    group_changes = [_describe(elastic, g) for g in groups]
    # every group's first option, together, must make the workbook solve
    all_first = [c for changes in group_changes for c in changes]
    checked = _works(data, all_first, left())
    families = list(dict.fromkeys(rule.family for rule in RULES))
    conflicts = []
    for k, group in enumerate(groups):
        minerals = sorted(set().union(*(cell.minerals for cell, _ in group)),
                          key=list(data.minerals.index).index)
        others = [number[cell.key] for j, g in enumerate(groups) if j != k for cell, _ in g]
        other_changes = [c for j, ch in enumerate(group_changes) if j != k for c in ch]
        options = [Option(group_changes[k], checked)]
        cells_seen = [cell for cell, _ in group]
        for family in families:
            if left() <= 0:
                break
            mine = [i for i, cell in enumerate(elastic.cells)
                    if cell.rule.family == family and cell.minerals & set(minerals)]
            if not mine:
                continue
            allowed = others + mine
            found = smallest_changes(elastic, allowed, time_limit=left())
            if not found:
                continue
            mine = [(cell, s) for cell, s in found if number[cell.key] not in others]
            changes = _describe(elastic, mine)
            if not changes or any(o.changes == changes for o in options):
                continue
            cells_seen += [cell for cell, _ in mine]
            options.append(Option(changes, _works(data, other_changes + changes, left())))
        options = [options[0]] + sorted(options[1:], key=lambda o: (not o.checked,
                                                                    len(o.changes)))
        # the rows that some option changes are the rows in conflict
        conflicts.append(Conflict(minerals, _explanation(elastic, minerals, cells_seen),
                                  options))
    return Diagnosis(conflicts, checked, time.perf_counter() - started)


def explain_safely(data: SourcingData, time_limit: float | None = None) -> Diagnosis:
    """:func:`explain`, but a failure to explain becomes a note instead of an exception."""
    started = time.perf_counter()
    try:
        return explain(data, time_limit)
    except Exception as exc:  # the infeasible status stands; the explanation is a bonus
        return Diagnosis([], note=f"the diagnosis itself failed ({type(exc).__name__}: {exc}); "
                                  "please report it with the workbook",
                         seconds=time.perf_counter() - started)


__all__ = ["explain", "explain_safely", "Diagnosis", "Conflict", "Option", "Suggestion",
           "Rule", "RULES", "HARD_RULES", "elastic_model", "smallest_changes",
           "apply_suggestions", "cap_source"]
