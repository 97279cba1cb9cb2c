"""What each rule costs: marginal values of a solved plan and the price of the caps.

Four kinds of number, all in the data's currency per year:

- ``CountryShares.saving_per_point``: how much the total cost would fall if that country's cap
  on that mineral were one percentage point higher (0 when the cap does not bind);
- ``Allocations.capacity_value``: what one more unit of that offer's (or project's) capacity
  would save, per quantity unit;
- ``Budgets.next_project``, ``extra_budget_needed``, ``saving_if_funded``: the unfunded project
  that more money would buy first, how much more money that takes and what it saves;
- ``cost_without_caps`` (Summary): the cost of the same instance with no country caps and no
  group rules (GroupRules): the price of resilience.

The first two are dual values of the linear program left when every yes/no decision (contract
used, project funded, supplier qualified) is fixed at the plan's value. They therefore hold
**for the chosen projects and contracts**, and for small changes: a change large enough to make
another contract or project worth taking is not priced by them. Budgets are lumpy, so their
duals say nothing useful: the budget columns come from solving again with the budget raised.

Where the plan came from :mod:`optimizer.highs_direct` under ``objective = cost``, every extra
solve happens in the ``highspy.Highs`` that found the plan: the duals are read from it (a MIP's
after one LP with the binaries fixed), a pure LP's cost without caps is a warm re-solve with the
cap rows freed, and a MIP's re-solves (budget raised, caps dropped) start from the plan
(:class:`WarmResolve`). Otherwise, or when such a re-solve cannot answer exactly, the changed
data is solved from scratch, settled and checked like any plan.

Signs (Pyomo + HiGHS, minimisation): a ``<=`` row has a dual ``y <= 0`` and the optimal cost
changes by ``y`` per unit of right-hand side; a variable at its upper bound has a reduced cost
``r <= 0`` and the cost changes by ``r`` per unit of bound. The cap row
``sum_{o in O(m,c)} buy[o] + ... <= cap * supplied[m]`` moves its right-hand side by
``supplied[m]`` per unit of cap, so ``d cost / d cap = y * supplied[m]`` and one point (0.01)
saves ``-0.01 * y * supplied[m]``.
"""

from __future__ import annotations

import dataclasses
import time
from itertools import repeat
from typing import Callable

import numpy as np
import pyomo.core as pyo

from .data import SourcingData
from .highs_direct import integer_columns, integer_columns_leak
from .solving import solve_plan_only

POINT = 0.01  # one percentage point, as a fraction
_TOL = 1e-9


def _lp_duals(model: pyo.ConcreteModel, time_limit: float):
    """Fix every binary at its value, solve the LP; return (duals, bound duals) or None.

    Bound duals: per variable, d cost / d (its upper bound), see :func:`_bound_dual`."""
    from pyomo.contrib.solver.common.results import SolutionStatus
    from pyomo.contrib.solver.solvers.highs import Highs

    for var in model.component_data_objects(pyo.Var, descend_into=True):
        if var.is_binary():
            # HiGHS keeps a fixed integer column integral (a MIP, no duals): make it continuous
            value = round(var.value or 0.0)
            var.domain = pyo.UnitInterval
            var.fix(value)
    res = Highs().solve(model, time_limit=max(1.0, time_limit), load_solutions=False,
                        raise_exception_on_nonoptimal_result=False)
    if res.solution_status != SolutionStatus.optimal:
        return None
    try:
        duals = res.solution_loader.get_duals()
        reduced = res.solution_loader.get_reduced_costs()
    except Exception:  # e.g. NoDualsError: the values stay blank rather than fail the solve
        return None
    res.solution_loader.load_vars()
    variables = list(reduced.keys())
    return duals, _ById(variables, [_bound_dual(v, float(reduced[v])) for v in variables])


def _row_dual(duals, component, index) -> float:
    if component is None or index not in component:
        return 0.0
    con = component[index]
    return float(duals.get(con, 0.0)) if con.active else 0.0


def _value(var) -> float:
    return 0.0 if var is None else float(pyo.value(var) or 0.0)


def _bound_dual(var, rc: float) -> float:
    """d cost / d (upper bound of var): its reduced cost ``rc`` when it sits at that bound.
    (:func:`_read_duals` does the same for every HiGHS column at once.)"""
    if var.ub is None or var.value is None:
        return 0.0
    at_ub = var.value >= var.ub - 1e-7 * max(1.0, abs(var.ub))
    return rc if at_ub and rc < 0 else 0.0


def saving_per_point(model, duals, mineral: str, country: str) -> float:
    """Cost saved by one more percentage point of cap on (mineral, country); 0 if not binding."""
    cap_rows = getattr(model, "country_cap", None)
    return _saving(_row_dual(duals, cap_rows, (mineral, country)), _supplied(model, mineral))


def _supplied(model, mineral: str) -> float:
    return _value(model.supplied[mineral]) if mineral in model.supplied else 0.0


def _saving(y: float, supplied: float) -> float:
    """One point of a cap whose row has dual ``y``, on a mineral supplied ``supplied``."""
    return _clean(-y * supplied * POINT)


def offer_capacity_value(model, duals, bound_duals, offer) -> float:
    """Cost saved per extra unit of ``offer``'s capacity, with contracts fixed as chosen.

    Offers.capacity appears as the bound of buy[o], in offer_capacity[o] (times use[o]) and in
    supplier_use[o] (times qualify[s]); raising it moves all three. ``duals`` by constraint and
    ``bound_duals`` by variable as :func:`_lp_duals` returns them.
    """
    d = bound_duals.get(model.buy[offer])
    use = getattr(model, "use", None)
    if use is not None and offer in use:
        d += _row_dual(duals, getattr(model, "offer_capacity", None), offer) * _value(use[offer])
    qualify = getattr(model, "qualify", None)
    if qualify is not None and offer[0] in qualify:
        d += _row_dual(duals, getattr(model, "supplier_use", None), offer) * _value(
            qualify[offer[0]])
    return _clean(-d)


def project_capacity_value(model, duals, bound_duals, project: str) -> float:
    """Cost saved per extra unit of a funded project's capacity."""
    d = bound_duals.get(model.make[project])
    fund = getattr(model, "fund", None)
    if fund is not None and project in fund:
        d += _row_dual(duals, getattr(model, "project_capacity", None), project) * _value(
            fund[project])
    return _clean(-d)


def _clean(x: float) -> float:
    return 0.0 if abs(x) < 1e-9 * max(1.0, abs(x)) or abs(x) < 1e-7 else float(x)


def _clean_all(x: np.ndarray) -> np.ndarray:
    """:func:`_clean` of each element."""
    size = np.abs(x)
    return np.where((size < 1e-9 * np.maximum(1.0, size)) | (size < 1e-7), 0.0, x)


def _direct_duals(direct):
    """Duals and bound duals from the ``highspy.Highs`` that solved the plan (no Pyomo).

    An LP's duals are there already. A MIP's binaries are fixed at their values and made
    continuous, the LP is solved in the same ``Highs``, and the columns are put back as they
    were. Returns (duals by constraint, bound duals by variable, as :func:`_lp_duals`) or None.
    """
    import highspy

    highs = direct.highs
    lp = highs.getLp()
    integer = integer_columns(highs)
    if not len(integer):
        return _read_duals(direct)
    n = len(integer)
    lower = np.asarray(lp.col_lower_)[integer]
    upper = np.asarray(lp.col_upper_)[integer]
    values = np.round(np.asarray(highs.getSolution().col_value)[integer])
    highs.changeColsIntegrality(n, integer, np.full(n, highspy.HighsVarType.kContinuous))
    highs.changeColsBounds(n, integer, values, values)
    try:
        highs.run()
        return _read_duals(direct)
    finally:  # changing the model clears HiGHS's solution: read it first
        highs.changeColsBounds(n, integer, lower, upper)
        highs.changeColsIntegrality(n, integer, np.full(n, highspy.HighsVarType.kInteger))


def _read_duals(direct):
    import highspy

    highs = direct.highs
    solution = highs.getSolution()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal or not solution.dual_valid:
        return None
    value, dual = np.asarray(solution.col_value), np.asarray(solution.col_dual)
    upper = np.asarray(highs.getLp().col_upper_)
    # as _bound_dual: the reduced cost of a column sitting at a finite upper bound, if < 0
    finite = np.isfinite(upper)
    tolerance = 1e-7 * np.maximum(1.0, np.abs(np.where(finite, upper, 0.0)))
    at_upper = finite & (value >= np.where(finite, upper, 0.0) - tolerance)
    bound = np.where(at_upper & (dual < 0), dual, 0.0)
    return _ById(direct.rows, np.asarray(solution.row_dual)), _ById(direct.columns, bound)


class _ById:
    """Values by Pyomo component, as ``.get`` reads them (a Pyomo variable is not hashable),
    and by HiGHS position (``values``: row or column order).

    The look-up by component is made on first use: 100,000 columns take 0.03-0.04 s, and
    a pure LP's marginal values read the arrays by position instead (:class:`Positions`).
    """

    def __init__(self, components, values) -> None:
        self.values = np.asarray(values, dtype=float)
        self._components = components  # keeps the ids valid
        self._by_id: dict[int, float] | None = None

    def _values(self) -> dict[int, float]:
        if self._by_id is None:
            self._by_id = dict(zip(map(id, self._components), self.values.tolist()))
        return self._by_id

    def get(self, component, default: float = 0.0) -> float:
        return self._values().get(id(component), default)

    def values_of(self, components: list, default: float = 0.0) -> np.ndarray:
        """:meth:`get` of each of ``components``, as an array (C-level lookups)."""
        return np.fromiter(map(self._values().get, map(id, components), repeat(default)),
                           dtype=float, count=len(components))

    def at(self, positions: np.ndarray, default: float = 0.0) -> np.ndarray:
        """The values at ``positions`` (-1: not a row or column of HiGHS, ``default``)."""
        positions = np.asarray(positions, dtype=np.intp)
        if not len(self.values):
            return np.full(len(positions), default)
        return np.where(positions >= 0, self.values[positions], default)


class Positions:
    """Where the components the marginal values read sit in HiGHS's arrays (-1: nowhere):
    each offer's ``buy`` column (in ``model.buy_by_position`` order) and each country cap's
    row (by (mineral, country)).

    Made from the hand-over's ``columns`` and ``rows`` (:func:`optimizer.highs_direct.to_highs`),
    so it can be made while HiGHS solves (``optimizer.solve`` does): at 100,000 offers it
    takes about 0.05 s, and reading the duals by position after the solve replaces a look-up
    per component (reading the duals and filling the two columns at XL: 0.13-0.20 -> 0.06 s).
    """

    def __init__(self, model: pyo.ConcreteModel, columns: list, rows: list,
                 column_of: dict[int, int] | None = None) -> None:
        if column_of is None:  # the hand-over's own map (HandOver.column_of), else made here
            column_of = dict(zip(map(id, columns), range(len(columns))))
        row_of = dict(zip(map(id, rows), range(len(rows))))
        buy = model.buy_by_position
        self.buy = np.fromiter(map(column_of.get, map(id, buy), repeat(-1)), dtype=np.intp,
                               count=len(buy))
        cap = getattr(model, "country_cap", None)
        # _row_dual's rule: an inactive row has no dual (to_highs hands over active rows only)
        self.cap_row = {} if cap is None else {
            key: row_of.get(id(con), -1) for key, con in cap.items()}


def add_marginal_values(result, data: SourcingData, model: pyo.ConcreteModel,
                        time_limit: float = 60.0, direct=None,
                        positions: Positions | None = None) -> bool:
    """Fill CountryShares.saving_per_point and Allocations.capacity_value in ``result``.

    ``model`` is the solved model. ``direct`` is the :class:`optimizer.highs_direct.DirectResult`
    of that solve, when it was solved that way: the duals are then read from its ``Highs``
    (an LP's straight away; a MIP's after one LP solve with the binaries fixed), and by
    position, with ``positions`` (:class:`Positions` of that hand-over, made here if None).
    Otherwise the binaries are fixed in ``model`` for one LP solve and restored. Returns
    False, the columns left blank, if the fixed LP could not be solved.
    """
    if direct is not None:
        got = _direct_duals(direct)
        if got is None:
            return False
        if positions is None:
            positions = Positions(model, direct.columns, direct.rows)
        _fill_marginals(result, data, model, *got, positions=positions)
        return True
    saved = [(v, v.domain, v.fixed, v.value)
             for v in model.component_data_objects(pyo.Var, descend_into=True)]
    try:
        got = _lp_duals(model, time_limit)
        if got is None:
            return False
        _fill_marginals(result, data, model, *got)
    finally:  # leave the model as it was: optimizer.reuse may solve it again
        for var, domain, fixed, value in saved:
            var.domain = domain
            var.set_value(value, skip_validation=True)
            if fixed:
                var.fix()
            else:
                var.unfix()
    return True


def _fill_marginals(result, data: SourcingData, model: pyo.ConcreteModel, duals,
                    bound_duals, positions: Positions | None = None) -> None:
    """The two columns from ``duals`` by constraint and ``bound_duals`` by variable, read by
    HiGHS position where ``positions`` is given (the same numbers, without a look-up per
    component: see :class:`Positions`)."""
    shares = result.country_shares
    if len(shares):
        minerals, countries = shares["mineral"].tolist(), shares["country"].tolist()
        if positions is None:
            shares["saving_per_point"] = [saving_per_point(model, duals, m, c)
                                          for m, c in zip(minerals, countries)]
        else:  # saving_per_point, the cap's dual read by its row
            y = duals.at([positions.cap_row.get(key, -1) for key in zip(minerals, countries)])
            supplied = {m: _supplied(model, m) for m in set(minerals)}
            shares["saving_per_point"] = [_saving(y_i, supplied[m])
                                          for y_i, m in zip(y.tolist(), minerals)]
    alloc = result.allocations
    if len(alloc):
        projects = set(data.projects.index)
        offers = model.ix.offers
        position = model.ix.position_of_offer  # the order m.buy was built in
        # an offer without a use or qualify binary has only its bound: read those at once
        bound_only = not (len(getattr(model, "use", ())) or len(getattr(model, "qualify", ())))
        sources = alloc["supplier"].tolist()
        rows = list(map(position.get, zip(sources, alloc["mineral"].tolist())))  # None: project
        if bound_only:
            bound = bound_duals.values_of(model.buy_by_position) if positions is None \
                else bound_duals.at(positions.buy)
            by_position = _clean_all(-bound).tolist()
            values = [None if at is None else by_position[at] for at in rows]
        else:
            values = [None if at is None else
                      offer_capacity_value(model, duals, bound_duals, offers[at]) for at in rows]
        for k in [k for k, at in enumerate(rows) if at is None and sources[k] in projects]:
            values[k] = project_capacity_value(model, duals, bound_duals, sources[k])
        alloc["capacity_value"] = values


# --- budgets: solve again with more money -----------------------------------------------------
def _with_amount(data: SourcingData, budget: str, amount: float) -> SourcingData:
    budgets = data.budgets.copy()
    budgets.at[budget, "amount"] = amount
    return dataclasses.replace(data, budgets=budgets)


def next_project(data: SourcingData, result, budget: str, time_limit: float = 60.0,
                 mip_gap: float = 1e-4, tries: int = 3, again: "WarmResolve | None" = None
                 ) -> tuple[str | None, float | None, float]:
    """The unfunded project(s) more money on ``budget`` would buy first.

    Candidate raises are the smallest extra amounts at which one more unfunded project fits,
    on its own or in place of a funded one (``used + capex_p [- capex_q] - amount``), tried in
    increasing order (at most ``tries``), then the budget raised to the capex of all its
    projects. The first re-solve whose cost is lower than the plan's (by more than the relative
    ``mip_gap``) gives ``(projects newly funded, extra money it uses, saving per year)``.
    Returns ``(None, None, 0.0)`` when more money buys nothing that lowers the cost.

    Each re-solve is a :class:`WarmResolve` of the model that found the plan when ``again`` is
    given (and it can answer), else a new solve of the data with the budget raised.
    """
    projects = data.projects
    plan = result.plan
    mine = [p for p in projects.index if projects.at[p, "budget"] == budget
            and float(projects.at[p, "capex"]) > 0]
    amount = float(data.budgets.at[budget, "amount"])
    used = sum(float(projects.at[p, "capex"]) for p in mine if plan.funded.get(p))
    unfunded = [p for p in mine if not plan.funded.get(p)]
    if not unfunded:
        return None, None, 0.0
    capex = {p: float(projects.at[p, "capex"]) for p in mine}
    levels = {used + capex[p] - amount for p in unfunded}
    levels |= {used - capex[q] + capex[p] - amount for p in unfunded for q in mine
               if plan.funded.get(q)}
    levels = sorted(x for x in levels if x > _TOL * max(1.0, amount))[:tries]
    everything = sum(capex.values()) - amount
    if everything > _TOL and (not levels or levels[-1] < everything):
        levels.append(everything)
    base = float(result.total_cost)
    threshold = max(1e-6, mip_gap) * max(1.0, abs(base))
    started = time.perf_counter()
    for extra in levels:
        left = time_limit - (time.perf_counter() - started)
        if left <= 0:
            break
        got = again.with_budget(budget, amount + extra, left, mip_gap) if again else None
        if got is None:  # no warm model, or it could not answer exactly: solve the data
            solved = solve_plan_only(_with_amount(data, budget, amount + extra), left, mip_gap)
            got = (float(solved.total_cost), solved.plan.funded) if solved.has_plan else False
        if not got or base - got[0] <= threshold:
            continue
        cost, funded = got
        new = [p for p in mine if funded.get(p) and not plan.funded.get(p)]
        new_used = sum(capex[p] for p in mine if funded.get(p))
        return (", ".join(new) if new else None, max(0.0, new_used - amount), base - cost)
    return None, None, 0.0


def add_budget_options(result, data: SourcingData, time_limit: float = 60.0,
                       mip_gap: float = 1e-4, again: "WarmResolve | None" = None) -> None:
    """Fill Budgets.next_project, extra_budget_needed and saving_if_funded in ``result``."""
    budgets = result.budgets
    if not len(budgets):
        return
    rows = [next_project(data, result, b, time_limit, mip_gap, again=again)
            for b in budgets["budget"]]
    budgets["next_project"] = [r[0] for r in rows]
    budgets["extra_budget_needed"] = [r[1] for r in rows]
    budgets["saving_if_funded"] = [r[2] for r in rows]


# --- the price of the caps --------------------------------------------------------------------
def _drop_country_caps(data: SourcingData) -> SourcingData:
    minerals = data.minerals.copy()
    minerals["max_country_share"] = float("nan")
    return dataclasses.replace(
        data, country_caps=data.country_caps.iloc[0:0],
        minerals=minerals,
        settings=dataclasses.replace(data.settings, max_country_share=1.0))


def _drop_group_rules(data: SourcingData) -> SourcingData:
    rules = getattr(data, "group_rules", None)
    if rules is None or not len(rules):
        return data
    return dataclasses.replace(data, group_rules=rules.iloc[0:0])


#: each removes one family of share rules from the data; a new family of share rules adds one
UNCAPS: list[Callable[[SourcingData], SourcingData]] = [_drop_country_caps, _drop_group_rules]


def without_caps(data: SourcingData) -> SourcingData:
    """``data`` without share rules: country caps, group rules (every rule in :data:`UNCAPS`)."""
    for uncap in UNCAPS:
        data = uncap(data)
    return data


def solve_without_caps(data: SourcingData, time_limit: float = 60.0,
                       mip_gap: float = 1e-4) -> float | None:
    """Total cost of the same instance without country caps and group rules (None: no plan)."""
    result = solve_plan_only(without_caps(data), time_limit, mip_gap)
    return float(result.total_cost) if result.has_plan else None


#: the model's rows for the rules :data:`UNCAPS` removes from the data
CAP_ROWS = ("country_cap", "group_min", "group_max")


def _cap_rows(direct, model: pyo.ConcreteModel) -> list[int]:
    """Positions in ``direct.rows`` (the HiGHS rows) of the model's :data:`CAP_ROWS`."""
    caps = {id(c) for name in CAP_ROWS if hasattr(model, name)
            for c in getattr(model, name).values()}
    return [i for i, c in enumerate(direct.rows) if id(c) in caps]


def lp_without_caps(direct, model: pyo.ConcreteModel, time_limit: float = 60.0) -> float | None:
    """:func:`solve_without_caps` for a solved pure LP, in the ``Highs`` that solved it.

    The rows in :data:`CAP_ROWS` are freed (bounds -inf..inf) and the LP re-solved from the
    optimal basis it holds, usually a few simplex iterations instead of a new model. The same
    optimum as solving ``without_caps(data)``: those rows are the only place the removed rules
    enter the model (tests/test_marginals.py compares the two). Only for ``objective = cost``,
    where the LP's objective is the total cost.
    """
    import highspy

    highs = direct.highs
    rows = np.asarray(_cap_rows(direct, model), dtype=np.int32)
    if len(rows):
        inf = highspy.kHighsInf
        highs.changeRowsBounds(len(rows), rows, np.full(len(rows), -inf),
                               np.full(len(rows), inf))
        highs.setOptionValue("time_limit", float(max(1.0, time_limit)))
        highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return float(highs.getInfo().objective_function_value)


class WarmResolve:
    """Solve the model that found a MIP plan again with some rows' bounds changed, in the same
    ``highspy.Highs`` and starting from the plan (still feasible: the changes only relax).

    Saves building, handing over and checking a new model per question (budget raised, caps
    dropped): about 40 % of each re-solve at 20,000 offers (bench/README.md). Only under
    ``objective = cost``, where HiGHS's objective is the total cost. A method returns None when
    it cannot answer exactly (no plan within the time limit, or a binary inside HiGHS's
    integrality tolerance, which :func:`optimizer.solve` settles); the caller then solves the
    changed data from scratch.
    """

    def __init__(self, direct, model: pyo.ConcreteModel) -> None:
        import highspy

        self._direct = direct
        self._model = model
        self._row = {id(c): i for i, c in enumerate(direct.rows)}
        self._col = {id(v): j for j, v in enumerate(direct.columns)}
        self._start = highspy.HighsSolution()
        self._start.col_value = list(direct.highs.getSolution().col_value)

    def with_budget(self, budget: str, amount: float, time_limit: float, mip_gap: float
                    ) -> tuple[float, dict[str, bool]] | None:
        """(total cost, funded by project) with ``budget``'s amount set to ``amount``."""
        rows = getattr(self._model, "budget", None)
        if rows is None or budget not in rows or id(rows[budget]) not in self._row:
            return None
        return self._solve({self._row[id(rows[budget])]: amount}, time_limit, mip_gap)

    def without_caps(self, time_limit: float, mip_gap: float) -> float | None:
        """Total cost with the rows of :data:`CAP_ROWS` freed."""
        got = self._solve(dict.fromkeys(_cap_rows(self._direct, self._model), float("inf")),
                          time_limit, mip_gap)
        return None if got is None else got[0]

    def _solve(self, uppers: dict[int, float], time_limit: float, mip_gap: float
               ) -> tuple[float, dict[str, bool]] | None:
        import highspy

        highs = self._direct.highs
        lp = highs.getLp()
        kept = {i: (lp.row_lower_[i], lp.row_upper_[i]) for i in uppers}
        # a budget row has no constant term (model.define_budget), so its upper bound in HiGHS
        # is the amount itself; a freed row loses its lower bound too
        for i, upper in uppers.items():
            highs.changeRowBounds(i, -highspy.kHighsInf if upper == float("inf")
                                  else kept[i][0], min(upper, highspy.kHighsInf))
        try:
            highs.setSolution(self._start)
            highs.setOptionValue("time_limit", float(max(1.0, time_limit)))
            highs.setOptionValue("mip_rel_gap", float(mip_gap))
            highs.run()
            if highs.getInfo().primal_solution_status != 2 or integer_columns_leak(highs):
                return None
            cost = float(highs.getInfo().objective_function_value)
            values = highs.getSolution().col_value
            fund = getattr(self._model, "fund", {})
            funded = {p: values[self._col[id(v)]] > 0.5 for p, v in fund.items()
                      if id(v) in self._col}
            return cost, funded
        finally:
            for i, (lower, upper) in kept.items():
                highs.changeRowBounds(i, lower, upper)


def explain_plan(result, data: SourcingData, model: pyo.ConcreteModel,
                 time_limit: float = 60.0, mip_gap: float = 1e-4, marginals: bool = True,
                 cost_without_caps: bool = True, direct=None,
                 positions: Positions | None = None) -> None:
    """Add the marginal values, budget options and cost_without_caps to a solved ``result``.

    Called by :func:`optimizer.solve`, which passes ``direct`` (the
    :class:`optimizer.highs_direct.DirectResult` of the solve) when the plan came straight from
    it: the duals are then read from HiGHS and a pure LP's cost without caps is a warm re-solve
    of the same ``Highs``; ``positions``, if given, are the :class:`Positions` of that hand-over
    (made while HiGHS solved). ``result.explain_seconds`` records the time it took.
    """
    started = time.perf_counter()
    warm = direct is not None and data.settings.objective == "cost"
    mip = warm and bool(len(integer_columns(direct.highs)))
    again = WarmResolve(direct, model) if mip else None  # before the duals move HiGHS's solution
    if marginals:
        add_marginal_values(result, data, model, time_limit, direct=direct,
                            positions=positions)
        add_budget_options(result, data, time_limit, mip_gap, again=again)
    if cost_without_caps:
        if warm and not mip:
            result.cost_without_caps = lp_without_caps(direct, model, time_limit)
        else:
            uncapped = again.without_caps(time_limit, mip_gap) if again else None
            result.cost_without_caps = uncapped if uncapped is not None else \
                solve_without_caps(data, time_limit, mip_gap)  # settled and checked
    result.explain_seconds = time.perf_counter() - started


__all__ = ["explain_plan", "add_marginal_values", "add_budget_options", "next_project",
           "solve_without_caps", "lp_without_caps", "CAP_ROWS", "without_caps", "WarmResolve",
           "Positions", "saving_per_point", "offer_capacity_value",
           "project_capacity_value", "UNCAPS", "POINT"]
