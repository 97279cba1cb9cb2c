"""Model building: validated data in, a Pyomo model out.

:func:`build_model` reads like a table of contents: one ``define_*`` function per family of
sets, variables or rules, each with its math in the docstring and the same name as the section
of ``models/formulation.md`` and the Pyomo component it creates. Every component is indexed by a
sparse set of pairs that exist in the data; binaries appear only where a rule needs them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress

# pyomo.core, not pyomo.environ: the model needs no solver or transformation plugins, and
# loading them all costs about 0.12 s per run (the whole solve of a 20,000-offer LP is ~1 s)
import numpy as np
import pandas as pd
import pyomo.core as pyo

from .arrays import ArrayExpression, ArrayRows
from .data import SourcingData

Offer = tuple[str, str]  # (supplier, mineral)


@dataclass
class Index:
    """Sparse index sets and adjacency lists, computed once from the data."""

    minerals: list[str]
    offers: list[Offer]
    offers_with_use: list[Offer]
    projects: list[str]
    projects_with_fund: list[str]
    budgets: list[str]
    short_minerals: list[tuple[str, str]]  # (mineral, site) that may fall short
    capped: list[tuple[str, str]]  # (mineral, country) with cap < 1
    cap: dict[tuple[str, str], float]
    projects_of_mineral: dict[str, list[str]] = field(default_factory=dict)
    # offers grouped as positions in ``offers`` (the long rows are built from these; the same
    # groups as offers are the properties offers_of_mineral, offers_of, offers_of_supplier)
    positions_of_mineral: dict[str, list[int]] = field(default_factory=dict)
    positions_of: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (m, country)
    positions_with_use: list[int] = field(default_factory=list)
    projects_of: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    projects_of_budget: dict[str, list[str]] = field(default_factory=dict)
    # --- network (sites, lanes, tariffs) and supplier-wide rules ---
    network: bool = False
    demand: dict[tuple[str, str], float] = field(default_factory=dict)  # (mineral, site)
    offer_arcs: list[tuple[str, str, str]] = field(default_factory=list)  # (supplier, m, site)
    project_arcs: list[tuple[str, str]] = field(default_factory=list)  # (project, site)
    transport: dict[tuple, float] = field(default_factory=dict)  # arc -> cost per unit
    tariff: dict[tuple, float] = field(default_factory=dict)  # arc -> tariff per unit
    inflow: dict[tuple[str, str], tuple[list, list]] = field(default_factory=dict)
    suppliers_with_capacity: list[str] = field(default_factory=list)
    suppliers_with_fixed_cost: list[str] = field(default_factory=list)
    site_names: list[str] = field(default_factory=list)  # data.site_names()

    # The groups as offers, made on first use: only the rules of a MIP and the diagnosis read
    # them, and making their 100,000 tuples up front was a third of Index.from_data.
    @cached_property
    def offers_of_mineral(self) -> dict[str, list[Offer]]:
        return self._offers_at(self.positions_of_mineral)

    @cached_property
    def offers_of(self) -> dict[tuple[str, str], list[Offer]]:
        """Offers of each (mineral, country)."""
        return self._offers_at(self.positions_of)

    @cached_property
    def position_of_offer(self) -> dict[Offer, int]:
        """Each offer's position in ``offers`` (the order ``buy`` was built in)."""
        return dict(zip(self.offers, range(len(self.offers))))

    @cached_property
    def single_site_arcs(self) -> list[tuple[str, str, str]]:
        """Without a network, each offer's one arc (supplier, mineral, the site), in ``offers``
        order: the keys of a plan's shipments (results.extract_plan), made while HiGHS
        solves (optimizer.solve)."""
        site = self.site_names[0]
        return [(supplier, mineral, site) for supplier, mineral in self.offers]

    @cached_property
    def offers_of_supplier(self) -> dict[str, list[Offer]]:
        return self._offers_at(_groups(pd.Index([supplier for supplier, _ in self.offers])))

    def _offers_at(self, groups: dict) -> dict:
        at = self.offers.__getitem__
        return {key: list(map(at, positions)) for key, positions in groups.items()}

    @classmethod
    def from_data(cls, data: SourcingData) -> "Index":
        offers = data.offers
        keys: list[Offer] = list(offers.index)
        needs_use = (offers["min_order"] > 0) | (offers["fixed_cost"] > 0)
        projects = data.projects
        needs_fund = data.needs_funding()
        codes, minerals = pd.factorize(offers.index.get_level_values("mineral"))
        positions_of = _pair_groups(codes, minerals, offers["country"])
        caps = data.effective_caps(positions_of.keys())  # the offers' pairs, once
        ix = cls(
            minerals=list(data.minerals.index),
            offers=keys,
            offers_with_use=list(offers.index[needs_use.to_numpy()]),
            projects=list(projects.index),
            projects_with_fund=list(projects.index[needs_fund.to_numpy()]),
            budgets=list(data.budgets.index),
            short_minerals=[],  # (mineral, site) pairs, set below
            capped=[mc for mc, share in caps.items() if share < 1.0],
            cap=caps,
        )
        ix.positions_with_use = np.flatnonzero(needs_use.to_numpy()).tolist()
        ix.positions_of_mineral = _positions(codes, minerals.tolist())
        ix.positions_of = positions_of
        p_by_mineral: dict[str, list[str]] = defaultdict(list)
        p_by_pair: dict[tuple[str, str], list[str]] = defaultdict(list)
        p_by_budget: dict[str, list[str]] = defaultdict(list)
        for name, mineral, country, budget in zip(
                projects.index.tolist(), projects["mineral"].tolist(),
                projects["country"].tolist(), projects["budget"].tolist()):
            p_by_mineral[mineral].append(name)
            p_by_pair[(mineral, country)].append(name)
            if budget is not None:
                p_by_budget[budget].append(name)
        ix.projects_of_mineral, ix.projects_of = dict(p_by_mineral), dict(p_by_pair)
        ix.projects_of_budget = dict(p_by_budget)
        ix.demand = data.site_demand()
        ix.site_names = data.site_names()
        if data.settings.allow_shortfall:
            ix.short_minerals = list(ix.demand)
        ix.network = data.has_sites
        if ix.network:
            ix._add_arcs(data)
        suppliers = data.suppliers
        ix.suppliers_with_capacity = list(suppliers.index[suppliers["capacity"].notna()])
        ix.suppliers_with_fixed_cost = list(suppliers.index[suppliers["fixed_cost"] > 0])
        return ix

    def _add_arcs(self, data: SourcingData) -> None:
        arcs = data.arcs()
        inflow: dict[tuple[str, str], tuple[list, list]] = defaultdict(lambda: ([], []))
        for kind, source, mineral, site, transport, rate, price in zip(
                arcs["kind"], arcs["source"], arcs["mineral"], arcs["site"],
                arcs["transport_cost"], arcs["tariff_rate"], arcs["unit_cost"]):
            if kind == "offer":
                arc: tuple = (source, mineral, site)
                self.offer_arcs.append(arc)
                inflow[(mineral, site)][0].append(arc)
            else:
                arc = (source, site)
                self.project_arcs.append(arc)
                inflow[(mineral, site)][1].append(arc)
            if transport:
                self.transport[arc] = float(transport)
            if rate:
                self.tariff[arc] = float(rate) * float(price)
        self.inflow = dict(inflow)


def _groups(keys: pd.Index) -> dict:
    """Positions of each distinct key in ``keys``, keys in order of first appearance and
    positions ascending (what appending row by row gives, from one pandas grouping)."""
    codes, uniques = pd.factorize(keys)
    return _positions(codes, uniques.tolist())


def _pair_groups(a: np.ndarray, a_uniques: pd.Index, second) -> dict:
    """:func:`_groups` of the pairs ``(a_uniques[a[i]], second[i])`` (``a, a_uniques`` as
    ``pd.factorize`` gives them), from integer codes: a third of the time of factorizing
    the pairs themselves."""
    b, b_uniques = pd.factorize(second)
    codes, pairs = pd.factorize(a.astype(np.int64) * len(b_uniques) + b)
    a_of, b_of = np.divmod(pairs, len(b_uniques))
    return _positions(codes, list(zip(a_uniques[a_of].tolist(), b_uniques[b_of].tolist())))


def _positions(codes: np.ndarray, uniques: list) -> dict:
    """``{uniques[k]: positions where codes == k}``, positions ascending."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    order = order.tolist()
    return {key: order[bounds[k]:bounds[k + 1]] for k, key in enumerate(uniques)}


def build_model(data: SourcingData) -> pyo.ConcreteModel:
    """The sourcing model for ``data`` (see ``models/formulation.md``)."""
    m = pyo.ConcreteModel(name="sourcing")
    ix = Index.from_data(data)
    m.ix = ix  # kept for result extraction; not a Pyomo component
    define_sets(m, ix)
    define_purchase(m, data, ix)
    define_projects(m, data, ix)
    define_shipments(m, ix)
    define_supplier_limits(m, data, ix)
    define_shortfall(m, ix)
    define_total_supply(m, ix)
    define_demand(m, ix)
    define_country_cap(m, ix)
    define_group_rules(m, data, ix)
    define_diversification(m, data, ix)
    define_reservation(m, data, ix)
    define_n1_coverage(m, data, ix)
    define_budget(m, data, ix)
    define_cost(m, data, ix)
    define_disruptions(m, data, ix)
    return m


def define_sets(m: pyo.ConcreteModel, ix: Index) -> None:
    """Sets M, O, O^use, P, P^fund, B, K; the demand pairs (m, t); the lanes L^O and L^P;
    the suppliers with a supplier-wide capacity S^cap or fixed cost S^fix."""
    m.MINERALS = pyo.Set(initialize=ix.minerals, ordered=True)
    m.OFFERS = _offer_set(ix.offers)
    m.OFFERS_WITH_USE = pyo.Set(initialize=ix.offers_with_use, dimen=2, ordered=True)
    m.PROJECTS = pyo.Set(initialize=ix.projects, ordered=True)
    m.PROJECTS_WITH_FUND = pyo.Set(initialize=ix.projects_with_fund, ordered=True)
    m.BUDGETS = pyo.Set(initialize=ix.budgets, ordered=True)
    m.CAPPED = pyo.Set(initialize=ix.capped, dimen=2, ordered=True)
    m.DEMANDS = pyo.Set(initialize=list(ix.demand), dimen=2, ordered=True)
    m.SHORT_MINERALS = pyo.Set(initialize=ix.short_minerals, dimen=2, ordered=True)
    m.OFFER_LANES = pyo.Set(initialize=ix.offer_arcs, dimen=3, ordered=True)
    m.PROJECT_LANES = pyo.Set(initialize=ix.project_arcs, dimen=2, ordered=True)
    m.SUPPLIERS_WITH_CAPACITY = pyo.Set(initialize=ix.suppliers_with_capacity, ordered=True)
    m.SUPPLIERS_WITH_FIXED_COST = pyo.Set(initialize=ix.suppliers_with_fixed_cost,
                                          ordered=True)


def _offer_set(offers: list[Offer]) -> pyo.Set:
    """The ordered set O of (supplier, mineral) pairs, filled in one dict call.

    ``Set(initialize=offers)`` checks and inserts the pairs one at a time: 0.07 s for 100,000
    offers, against 0.02 s here. The offers' index is already checked (distinct pairs of
    names, validate.py), so this writes the insertion-ordered set's own dict directly, as
    Set.update would fill it (pyomo 6.10, pinned; tests/test_arrays.py compares the two).
    """
    offer_set = pyo.Set(dimen=2, ordered=True)
    offer_set.construct()
    offer_set._values = dict.fromkeys(offers)
    offer_set._ordered_values = None  # Pyomo's cache for positional access, made on demand
    return offer_set


def define_purchase(m: pyo.ConcreteModel, data: SourcingData, ix: Index) -> None:
    """buy[s,m] >= 0 per offer; use[s,m] binary only where min_order > 0 or fixed_cost > 0.

    Without a binary, the capacity is the variable's upper bound: 0 <= buy <= capacity.
    With one:  min_order * use <= buy <= capacity * use   (offer_capacity, min_order).
    """
    m.buy = pyo.Var(m.OFFERS, within=pyo.NonNegativeReals)
    # buy[o] by offer position, kept like m.ix (not a component): the long rows and the cost
    # are built from it. Read from the Var's own dict, which a dense Var fills in the order of
    # its index set: m.buy.values() looks each offer up again, 0.03 s at 100,000 offers.
    m.buy_by_position = list(m.buy._data.values())
    # bounds set after construction: a bounds rule is called once per offer through Pyomo's
    # initializer machinery, 0.1 s more at 100,000 offers. ``_ub`` is what setub() sets for a
    # plain float, without its per-call checks for expressions and units (0.03 s -> 0.01 s).
    for var, cap in zip(m.buy_by_position, data.offers["capacity"].tolist()):
        var._ub = cap
    m.use = pyo.Var(m.OFFERS_WITH_USE, within=pyo.Binary)
    # Both rows as arrays (optimizer.arrays.ArrayRows) over buy by position, then use in the
    # order of OFFERS_WITH_USE; the offers without a binary need neither row.
    columns = m.buy_by_position + list(m.use._data.values())  # use: filled in index order
    at = np.asarray(ix.positions_with_use, dtype=np.int64)
    use_at = len(m.buy_by_position) + np.arange(len(at))
    capacity = data.offers["capacity"].to_numpy(float)[at]
    min_order = data.offers["min_order"].to_numpy(float)[at]
    # offer_capacity:  buy - capacity * use <= 0
    m.offer_capacity = ArrayRows(m.OFFERS_WITH_USE, columns, np.arange(0, 2 * len(at) + 1, 2),
                                 np.column_stack([at, use_at]).ravel(),
                                 np.column_stack([np.ones(len(at)), -capacity]).ravel(),
                                 -np.inf, 0.0)
    # min_order:  min_order * use - buy <= 0 (buy >= min_order * use, read right to left)
    has_min = min_order > 0
    m.OFFERS_WITH_MIN_ORDER = pyo.Set(
        initialize=list(compress(ix.offers_with_use, has_min)), dimen=2, ordered=True)
    k = int(has_min.sum())
    m.min_order = ArrayRows(m.OFFERS_WITH_MIN_ORDER, columns, np.arange(0, 2 * k + 1, 2),
                            np.column_stack([use_at[has_min], at[has_min]]).ravel(),
                            np.column_stack([min_order[has_min], -np.ones(k)]).ravel(),
                            -np.inf, 0.0)


def define_projects(m: pyo.ConcreteModel, data: SourcingData, ix: Index) -> None:
    """make[p] >= 0 per project; fund[p] binary where the project costs capex or a fixed cost.

    project_capacity:  make[p] <= capacity[p] * fund[p]  (a bound when there is no binary).
    """
    capacity = data.projects["capacity"].to_dict()
    m.make = pyo.Var(m.PROJECTS, within=pyo.NonNegativeReals,
                     bounds=lambda _, p: (0.0, capacity[p]))
    m.fund = pyo.Var(m.PROJECTS_WITH_FUND, within=pyo.Binary)
    m.project_capacity = pyo.Constraint(
        m.PROJECTS_WITH_FUND, rule=lambda _, p: m.make[p] <= capacity[p] * m.fund[p])


def define_shipments(m: pyo.ConcreteModel, ix: Index) -> None:
    """With sites: ship[s,m,t] >= 0 per offer lane and ship_project[p,t] >= 0 per project lane.

    offer_shipments:   buy[s,m] = sum_t ship[s,m,t]
    project_shipments: make[p]  = sum_t ship_project[p,t]
    Without a Sites sheet there is one site and buy/make arrive there directly: no ship vars.
    """
    m.ship = pyo.Var(m.OFFER_LANES, within=pyo.NonNegativeReals)
    m.ship_project = pyo.Var(m.PROJECT_LANES, within=pyo.NonNegativeReals)
    if not ix.network:
        return
    lanes_of_offer: dict[Offer, list] = defaultdict(list)
    for arc in ix.offer_arcs:
        lanes_of_offer[arc[:2]].append(arc)
    lanes_of_project: dict[str, list] = defaultdict(list)
    for arc in ix.project_arcs:
        lanes_of_project[arc[0]].append(arc)
    m.offer_shipments = pyo.Constraint(m.OFFERS, rule=lambda _, s, mm: m.buy[s, mm] == sum(
        m.ship[a] for a in lanes_of_offer.get((s, mm), ())))
    m.project_shipments = pyo.Constraint(m.PROJECTS, rule=lambda _, p: m.make[p] == sum(
        m.ship_project[a] for a in lanes_of_project.get(p, ())))


def define_supplier_limits(m: pyo.ConcreteModel, data: SourcingData, ix: Index) -> None:
    """Supplier-wide rules (Suppliers.capacity, Suppliers.fixed_cost).

    supplier_capacity:  sum_m buy[s,m] <= capacity[s]               for s in S^cap
    supplier_use:       buy[s,m] <= capacity[s,m] * qualify[s]      for s in S^fix, (s,m) in O
    qualify[s] is binary: the supplier's fixed cost is paid once if any of its offers is used.
    """
    supplier_cap = data.suppliers["capacity"].to_dict() if ix.suppliers_with_capacity else {}
    offer_cap = data.offers["capacity"].to_dict() if ix.suppliers_with_fixed_cost else {}
    m.supplier_capacity = pyo.Constraint(
        m.SUPPLIERS_WITH_CAPACITY,
        rule=lambda _, s: (sum(m.buy[o] for o in ix.offers_of_supplier.get(s, ()))
                           <= supplier_cap[s]) if ix.offers_of_supplier.get(s)
        else pyo.Constraint.Skip)
    m.qualify = pyo.Var(m.SUPPLIERS_WITH_FIXED_COST, within=pyo.Binary)
    m.SUPPLIER_OFFERS = pyo.Set(
        initialize=[o for s in ix.suppliers_with_fixed_cost
                    for o in ix.offers_of_supplier.get(s, ())], dimen=2, ordered=True)
    m.supplier_use = pyo.Constraint(
        m.SUPPLIER_OFFERS, rule=lambda _, s, mm: m.buy[s, mm] <= offer_cap[s, mm] * m.qualify[s])


def define_shortfall(m: pyo.ConcreteModel, ix: Index) -> None:
    """short[m,t] >= 0 per demand pair, only when Settings.allow_shortfall is TRUE."""
    m.short = pyo.Var(m.SHORT_MINERALS, within=pyo.NonNegativeReals)


def _core_column_numbers(m: pyo.ConcreteModel, ix: Index) -> tuple[dict, dict]:
    """Where each project's make and each mineral's supplied sit in ``m.core_columns``."""
    make_at = len(m.buy_by_position)
    supplied_at = make_at + len(ix.projects)
    return ({p: make_at + k for k, p in enumerate(ix.projects)},
            {mineral: supplied_at + k for k, mineral in enumerate(ix.minerals)})


def define_total_supply(m: pyo.ConcreteModel, ix: Index) -> None:
    """total_supply:  supplied[m] = sum_{o in O(m)} buy[o] + sum_{p in P(m)} make[p].

    One variable per mineral, so each country-cap row holds only its own country's terms.
    Held as arrays (:class:`optimizer.arrays.ArrayRows`) over ``m.core_columns``: buy by
    offer position, then make, then supplied; each row reads supplied - buys - makes = 0.
    """
    m.supplied = pyo.Var(m.MINERALS, within=pyo.NonNegativeReals)
    # kept like m.ix (not a component): the columns of the long rows, shared by them
    m.core_columns = m.buy_by_position + list(m.make.values()) + list(m.supplied.values())
    make_column, supplied_column = _core_column_numbers(m, ix)
    column: list[int] = []
    value: list[float] = []
    start = [0]
    for mineral in ix.minerals:
        terms = [supplied_column[mineral]]
        terms += ix.positions_of_mineral.get(mineral, ())
        terms += [make_column[p] for p in ix.projects_of_mineral.get(mineral, ())]
        column += terms
        value += [1.0] + [-1.0] * (len(terms) - 1)
        start.append(len(column))
    m.total_supply = ArrayRows(m.MINERALS, m.core_columns, start, column, value, 0.0, 0.0)


def define_demand(m: pyo.ConcreteModel, ix: Index) -> None:
    """demand, for every (mineral m, site t) with demand D[m,t]:

    without sites:  supplied[m] + short[m,t] >= D[m,t]   (the one site gets everything)
    with sites:     sum_{lanes into t} ship + sum ship_project + short[m,t] >= D[m,t]
    """
    short = set(ix.short_minerals)

    def rule(_, mineral, site):
        if ix.network:
            offer_arcs, project_arcs = ix.inflow.get((mineral, site), ([], []))
            inflow = pyo.quicksum([m.ship[a] for a in offer_arcs]
                                  + [m.ship_project[a] for a in project_arcs])
        else:
            inflow = m.supplied[mineral]
        lhs = inflow + (m.short[mineral, site] if (mineral, site) in short else 0)
        return lhs >= ix.demand[mineral, site]

    m.demand = pyo.Constraint(m.DEMANDS, rule=rule)


def define_country_cap(m: pyo.ConcreteModel, ix: Index) -> None:
    """country_cap, for every (m, c) with cap(c, m) < 1:

    sum_{o in O(m, c)} buy[o] + sum_{p in P(m, c)} make[p] <= cap(c, m) * supplied[m].

    Held as arrays over ``m.core_columns`` (see define_total_supply), each row read as
    buys + makes - cap * supplied <= 0.
    """
    make_column, supplied_column = _core_column_numbers(m, ix)
    column: list[int] = []
    value: list[float] = []
    start = [0]
    for mineral, country in ix.capped:
        terms = list(ix.positions_of.get((mineral, country), ()))
        terms += [make_column[p] for p in ix.projects_of.get((mineral, country), ())]
        value += [1.0] * len(terms)
        value.append(-ix.cap[mineral, country])
        terms.append(supplied_column[mineral])
        column += terms
        start.append(len(column))
    m.country_cap = ArrayRows(m.CAPPED, m.core_columns, start, column, value, -np.inf, 0.0)


def define_budget(m: pyo.ConcreteModel, data: SourcingData, ix: Index) -> None:
    """budget:  sum_{p in P(b)} capex[p] * fund[p] <= amount[b]."""
    capex = data.projects["capex"].to_dict()
    amount = data.budgets["amount"].to_dict()
    with_fund = set(ix.projects_with_fund)

    def rule(_, budget):
        terms = [capex[p] * m.fund[p] for p in ix.projects_of_budget.get(budget, ())
                 if p in with_fund and capex[p] > 0]
        if not terms:
            return pyo.Constraint.Skip
        return pyo.quicksum(terms) <= amount[budget]

    m.budget = pyo.Constraint(m.BUDGETS, rule=rule)


def define_cost(m: pyo.ConcreteModel, data: SourcingData, ix: Index) -> None:
    """Objective ``cost`` (per year), the sum of four named parts:

    purchase_cost   = sum_o unit_cost[o] buy[o] + sum_p unit_cost[p] make[p]
    fixed_cost      = sum_{o in O^use} fixed_cost[o] use[o]
    investment_cost = sum_{p in P^fund} (capex[p] / amortization_years + fixed_cost[p]) fund[p]
    shortfall_cost  = sum_{m,t} shortfall_penalty[m] short[m,t]
    transport_cost  = sum_{lanes} transport_cost * ship
    tariff_cost     = sum_{lanes} tariff_rate(origin, site country, m) * unit_cost * ship
    (fixed_cost also holds sum_{s in S^fix} supplier fixed_cost[s] qualify[s])
    """
    offer_fixed = dict(zip(ix.offers_with_use,  # read by position: only these need one
                           data.offers["fixed_cost"].to_numpy(float)[ix.positions_with_use]
                           .tolist()))
    project = data.projects
    years = data.settings.amortization_years
    # a term per offer and project, over m.core_columns (buy by position, then make)
    m.purchase_cost = ArrayExpression(
        m.core_columns, np.arange(len(m.buy_by_position) + len(project)),
        np.concatenate([data.offers["unit_cost"].to_numpy(float),
                        project["unit_cost"].to_numpy(float)]))
    supplier_fixed = data.suppliers["fixed_cost"]
    m.fixed_cost = pyo.Expression(expr=pyo.quicksum(
        [offer_fixed[o] * m.use[o] for o in ix.offers_with_use if offer_fixed[o] > 0]
        + [float(supplier_fixed[s]) * m.qualify[s] for s in ix.suppliers_with_fixed_cost]))
    m.investment_cost = pyo.Expression(expr=pyo.quicksum(
        [(project.at[p, "capex"] / years + project.at[p, "fixed_cost"]) * m.fund[p]
         for p in ix.projects_with_fund]))
    m.shortfall_cost = pyo.Expression(expr=pyo.quicksum(
        [data.shortfall_penalty(mm) * m.short[mm, t] for mm, t in ix.short_minerals]))

    def lane_var(arc):
        return m.ship[arc] if len(arc) == 3 else m.ship_project[arc]

    m.transport_cost = pyo.Expression(expr=pyo.quicksum(
        [cost * lane_var(arc) for arc, cost in ix.transport.items()]))
    m.tariff_cost = pyo.Expression(expr=pyo.quicksum(
        [cost * lane_var(arc) for arc, cost in ix.tariff.items()]))
    reservation = data.offers["reservation_cost"]
    reservation = reservation[reservation > 0].to_dict()
    m.reservation_cost = pyo.Expression(expr=pyo.quicksum(
        [cost * reserved(m, o) for o, cost in reservation.items()]))
    m.normal_cost = pyo.Expression(
        expr=m.purchase_cost + m.fixed_cost + m.investment_cost + m.shortfall_cost
        + m.transport_cost + m.tariff_cost + m.reservation_cost)
    if data.settings.objective == "cost":
        m.cost = pyo.Objective(expr=m.normal_cost, sense=pyo.minimize)


def reserved(m: pyo.ConcreteModel, offer: Offer):
    """Capacity reserved under an offer: the reserve variable where one exists, else buy."""
    return m.reserve[offer] if offer in m.reserve else m.buy[offer]


def _supply_of(m: pyo.ConcreteModel, ix: Index, mineral: str, countries) -> list:
    terms = []
    for c in countries:
        terms += [m.buy[o] for o in ix.offers_of.get((mineral, c), ())]
        terms += [m.make[p] for p in ix.projects_of.get((mineral, c), ())]
    return terms


def define_group_rules(m: pyo.ConcreteModel, data: SourcingData, ix: Index) -> None:
    """group_min / group_max, for every (group g, mineral m) with a GroupRules row:

    min_share(g,m) * supplied[m] <= sum_{c in g} supply(m, c) <= max_share(g,m) * supplied[m]
    """
    members = data.group_members()
    rules = data.group_rules_by_mineral()
    mins = [(g, mm) for (g, mm), (lo, _hi) in rules.items() if lo is not None and lo > 0]
    maxs = [(g, mm) for (g, mm), (_lo, hi) in rules.items() if hi is not None and hi < 1]
    m.GROUP_MIN = pyo.Set(initialize=mins, dimen=2, ordered=True)
    m.GROUP_MAX = pyo.Set(initialize=maxs, dimen=2, ordered=True)
    m.group_min = pyo.Constraint(m.GROUP_MIN, rule=lambda _, g, mm: pyo.quicksum(
        _supply_of(m, ix, mm, members.get(g, ()))) >= rules[g, mm][0] * m.supplied[mm])
    m.group_max = pyo.Constraint(m.GROUP_MAX, rule=lambda _, g, mm: pyo.quicksum(
        _supply_of(m, ix, mm, members.get(g, ()))) <= rules[g, mm][1] * m.supplied[mm])


COUNT_SHARE = 1e-6  # a supplier or country "counts" only above this share of demand


def define_diversification(m: pyo.ConcreteModel, data: SourcingData, ix: Index) -> None:
    """Per-mineral diversification (Minerals.min_suppliers, min_countries, max_supplier_share).

    supplier_share:  buy[s,m] <= max_supplier_share[m] * supplied[m]
    counted_order:   buy[s,m] >= max(min_order[s,m], eps_m) * counted[s,m]    (binary counted)
    min_suppliers:   sum_s counted[s,m] >= min_suppliers[m]
    country_order:   supply(m,c) >= eps_m * country_counted[c,m]             (binary)
    min_countries:   sum_c country_counted[c,m] >= min_countries[m]
    eps_m = COUNT_SHARE * demand[m]: a supplier counts only when it is really bought from.
    Binaries exist only for minerals with min_suppliers or min_countries above 1... or 0.
    """
    minerals = data.minerals
    share = minerals["max_supplier_share"].dropna()
    share_rows = [o for mm, v in share.items() if v < 1 for o in ix.offers_of_mineral.get(mm, ())]
    m.SUPPLIER_SHARE = pyo.Set(initialize=share_rows, dimen=2, ordered=True)
    m.supplier_share = pyo.Constraint(m.SUPPLIER_SHARE, rule=lambda _, s, mm: m.buy[s, mm]
                                      <= float(share[mm]) * m.supplied[mm])

    eps = {mm: max(COUNT_SHARE * float(d), COUNT_SHARE) for mm, d in minerals["demand"].items()}
    k_sup = minerals["min_suppliers"].dropna()
    k_sup = k_sup[k_sup > 0]
    min_order = data.offers["min_order"].to_dict() if len(k_sup) else {}
    counted = [o for mm in k_sup.index for o in ix.offers_of_mineral.get(mm, ())]
    m.COUNTED_OFFERS = pyo.Set(initialize=counted, dimen=2, ordered=True)
    m.counted = pyo.Var(m.COUNTED_OFFERS, within=pyo.Binary)
    m.counted_order = pyo.Constraint(m.COUNTED_OFFERS, rule=lambda _, s, mm: m.buy[s, mm] >= max(
        min_order[s, mm], eps[mm]) * m.counted[s, mm])
    m.MIN_SUPPLIERS = pyo.Set(initialize=list(k_sup.index), ordered=True)
    m.min_suppliers = pyo.Constraint(m.MIN_SUPPLIERS, rule=lambda _, mm: pyo.quicksum(
        [m.counted[o] for o in ix.offers_of_mineral.get(mm, ())]) >= float(k_sup[mm]))

    k_cty = minerals["min_countries"].dropna()
    k_cty = k_cty[k_cty > 0]
    countries = data.supply_countries() if len(k_cty) else {}
    pairs = [(c, mm) for mm in k_cty.index for c in countries.get(mm, ())]
    m.COUNTED_COUNTRIES = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    m.country_counted = pyo.Var(m.COUNTED_COUNTRIES, within=pyo.Binary)
    m.country_order = pyo.Constraint(m.COUNTED_COUNTRIES, rule=lambda _, c, mm: pyo.quicksum(
        _supply_of(m, ix, mm, [c])) >= eps[mm] * m.country_counted[c, mm])
    m.MIN_COUNTRIES = pyo.Set(initialize=list(k_cty.index), ordered=True)
    m.min_countries = pyo.Constraint(m.MIN_COUNTRIES, rule=lambda _, mm: pyo.quicksum(
        [m.country_counted[c, mm] for c in countries.get(mm, ())]) >= float(k_cty[mm]))


def needs_reserve(data: SourcingData) -> set[str]:
    """Minerals whose offers get a reserve variable: n1_coverage > 0, or every mineral when
    the objective weighs disruptions."""
    if data.settings.objective != "cost" and len(data.disruptions):
        return set(data.minerals.index)
    n1 = data.minerals["n1_coverage"].dropna()
    return set(n1[n1 > 0].index)


def define_reservation(m: pyo.ConcreteModel, data: SourcingData, ix: Index) -> None:
    """reserve[s,m]: capacity contracted under an offer, buy <= reserve <= capacity.

    reserve_covers_buy:  reserve[s,m] >= buy[s,m]
    reserve_contract:    reserve[s,m] <= capacity[s,m] * use[s,m]   (offers with a binary)
    Only for minerals with n1_coverage (or all, under the expected and cvar objectives);
    elsewhere reserved = bought.
    """
    minerals = needs_reserve(data)
    rows = [o for o in ix.offers if o[1] in minerals] if minerals else []
    capacity = data.offers["capacity"].to_dict() if rows else {}
    m.RESERVE_OFFERS = pyo.Set(initialize=rows, dimen=2, ordered=True)
    m.reserve = pyo.Var(m.RESERVE_OFFERS, within=pyo.NonNegativeReals,
                        bounds=lambda _, s, mm: (0.0, capacity[s, mm]))
    m.reserve_covers_buy = pyo.Constraint(m.RESERVE_OFFERS, rule=lambda _, s, mm:
                                          m.reserve[s, mm] >= m.buy[s, mm])
    with_use = set(ix.offers_with_use)
    m.RESERVE_CONTRACTS = pyo.Set(initialize=[o for o in rows if o in with_use], dimen=2,
                                  ordered=True)
    m.reserve_contract = pyo.Constraint(m.RESERVE_CONTRACTS, rule=lambda _, s, mm:
                                        m.reserve[s, mm] <= capacity[s, mm] * m.use[s, mm])


def _project_capacity_expr(m: pyo.ConcreteModel, data: SourcingData, p: str, factor=1.0):
    """Capacity a project makes available: capacity * fund, or capacity without a binary."""
    capacity = float(data.projects.at[p, "capacity"]) * factor
    return capacity * m.fund[p] if p in m.fund else capacity


def define_n1_coverage(m: pyo.ConcreteModel, data: SourcingData, ix: Index) -> None:
    """n1_coverage, for every mineral m with n1_coverage f > 0 and country c that can supply it:

    sum_{o in O(m), country(o) != c} reserve[o] + sum_{p in P(m), country(p) != c}
        capacity[p] * fund[p]  >=  f * demand[m]
    """
    f = data.minerals["n1_coverage"].dropna()
    f = f[f > 0]
    demand = data.minerals["demand"]
    countries = data.supply_countries() if len(f) else {}
    pairs = [(mm, c) for mm in f.index for c in countries.get(mm, ())]
    m.N1_PAIRS = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    country_of = data.offers["country"].to_dict() if pairs else {}

    def rule(_, mm, lost):
        terms = [reserved(m, o) for o in ix.offers_of_mineral.get(mm, ())
                 if country_of[o] != lost]
        terms += [_project_capacity_expr(m, data, p) for p in ix.projects_of_mineral.get(mm, ())
                  if data.projects.at[p, "country"] != lost]
        row = pyo.quicksum(terms) >= float(f[mm]) * float(demand[mm])
        if isinstance(row, bool):  # only fixed capacity outside the lost country
            return pyo.Constraint.Feasible if row else pyo.Constraint.Infeasible
        return row

    m.n1_coverage = pyo.Constraint(m.N1_PAIRS, rule=rule)


def add_recourse(b, data: SourcingData, scenarios, plan_vars, normal_cost) -> None:
    """Second stage: each disruption scenario w met from what survives of the plan.

    Every source delivers the surviving share f of what the plan buys (f from Disruptions;
    f = 1 for sources the scenario does not hit); the gap to demand is covered, cheapest first:

    topup[w,s,m]   <= f * (reserve[s,m] - buy[s,m])    at unit_cost     (reserved, not bought)
    spot[w,s,m]    <= f * (capacity[s,m] - reserve[s,m]) at unit_cost * (1 + spot_premium)
    make_top[w,p]  <= f * (capacity[p] * fund[p] - make[p]) at the project's unit_cost
    scenario_demand: sum f buy + topup + spot + sum f make + make_top + short_in[w,m]
                     >= demand[m] - normal shortfall[m]
    scenario_cost[w] = normal_cost - sum (1 - f) unit_cost buy - sum (1 - f) unit_cost[p] make
                       + the cost of the top-ups, spot purchases and short_in at its penalty
    (transport and tariffs are taken as in normal times.)
    ``plan_vars`` maps "buy", "reserve", "make", "fund", "short" to functions giving a
    variable (when planning) or a number (a fixed plan, see optimizer.resilience).
    """
    buy, reserve, make = plan_vars["buy"], plan_vars["reserve"], plan_vars["make"]
    fund, short = plan_vars["fund"], plan_vars["short"]
    offers, projects = data.offers, data.projects
    premium = 1.0 + data.settings.spot_premium
    names = [w.name for w in scenarios]
    by_name = {w.name: w for w in scenarios}
    o_rows = [(w, s, mm) for w in names for (s, mm) in offers.index]
    p_rows = [(w, p) for w in names for p in projects.index]
    b.SCENARIOS = pyo.Set(initialize=names, ordered=True)
    b.SCENARIO_OFFERS = pyo.Set(initialize=o_rows, dimen=3, ordered=True)
    b.SCENARIO_PROJECTS = pyo.Set(initialize=p_rows, dimen=2, ordered=True)
    b.SCENARIO_MINERALS = pyo.Set(initialize=[(w, mm) for w in names
                                              for mm in data.minerals.index], dimen=2)
    factor = {(w, s, mm): by_name[w].factor(s, offers.at[(s, mm), "country"], mm)
              for (w, s, mm) in o_rows}
    pfactor = {(w, p): by_name[w].factor(p, projects.at[p, "country"],
                                         projects.at[p, "mineral"]) for (w, p) in p_rows}
    capacity = offers["capacity"].to_dict()
    pcapacity = projects["capacity"].to_dict()
    b.topup = pyo.Var(b.SCENARIO_OFFERS, within=pyo.NonNegativeReals)
    b.spot = pyo.Var(b.SCENARIO_OFFERS, within=pyo.NonNegativeReals)
    b.make_top = pyo.Var(b.SCENARIO_PROJECTS, within=pyo.NonNegativeReals)
    b.short_in = pyo.Var(b.SCENARIO_MINERALS, within=pyo.NonNegativeReals)
    b.topup_limit = pyo.Constraint(b.SCENARIO_OFFERS, rule=lambda _, w, s, mm: b.topup[w, s, mm]
                                   <= factor[w, s, mm] * (reserve((s, mm)) - buy((s, mm))))
    b.spot_limit = pyo.Constraint(b.SCENARIO_OFFERS, rule=lambda _, w, s, mm: b.spot[w, s, mm]
                                  <= factor[w, s, mm] * (capacity[s, mm] - reserve((s, mm))))
    b.make_limit = pyo.Constraint(b.SCENARIO_PROJECTS, rule=lambda _, w, p: b.make_top[w, p]
                                  <= pfactor[w, p] * (pcapacity[p] * fund(p) - make(p)))
    of_mineral: dict[str, list] = defaultdict(list)
    for (s, mm) in offers.index:
        of_mineral[mm].append(s)
    p_of_mineral: dict[str, list] = defaultdict(list)
    for p, mm in projects["mineral"].items():
        p_of_mineral[mm].append(p)
    demand = data.minerals["demand"]
    b.scenario_demand = pyo.Constraint(b.SCENARIO_MINERALS, rule=lambda _, w, mm: pyo.quicksum(
        [factor[w, s, mm] * buy((s, mm)) + b.topup[w, s, mm] + b.spot[w, s, mm]
         for s in of_mineral[mm]]
        + [pfactor[w, p] * make(p) + b.make_top[w, p] for p in p_of_mineral[mm]])
        + b.short_in[w, mm] >= float(demand[mm]) - short(mm))
    price = offers["unit_cost"].to_dict()
    pprice = projects["unit_cost"].to_dict()
    penalty = {mm: data.shortfall_penalty(mm) or 0.0 for mm in data.minerals.index}
    b.scenario_cost = pyo.Expression(b.SCENARIOS, rule=lambda _, w: normal_cost + pyo.quicksum(
        [price[s, mm] * (b.topup[w, s, mm] + premium * b.spot[w, s, mm]
                         - (1 - factor[w, s, mm]) * buy((s, mm)))
         for (s, mm) in offers.index]
        + [pprice[p] * (b.make_top[w, p] - (1 - pfactor[w, p]) * make(p))
           for p in projects.index]
        + [penalty[mm] * b.short_in[w, mm] for mm in data.minerals.index]))


def define_disruptions(m: pyo.ConcreteModel, data: SourcingData, ix: Index) -> None:
    """Objectives over Disruptions scenarios (two-stage, extensive form), when
    Settings.objective is ``expected`` or ``cvar``:

    expected_cost = p_0 * normal_cost + sum_w p_w * scenario_cost[w],  p_0 = 1 - sum_w p_w
    cvar_value    = eta + 1 / (1 - alpha) * sum_k p_k * excess[k],
                    excess[k] >= cost_k - eta, excess >= 0, k in {normal} + scenarios
    expected: minimise expected_cost.   cvar: minimise expected_cost + risk_weight * cvar_value.
    """
    if data.settings.objective == "cost":
        return
    scenarios = data.scenarios()
    short_sites: dict[str, list] = defaultdict(list)
    for mm, t in ix.short_minerals:
        short_sites[mm].append((mm, t))
    add_recourse(m, data, scenarios, {
        "buy": lambda o: m.buy[o], "reserve": lambda o: reserved(m, o),
        "make": lambda p: m.make[p], "fund": lambda p: m.fund[p] if p in m.fund else 1.0,
        "short": lambda mm: pyo.quicksum(m.short[k] for k in short_sites.get(mm, ())),
    }, m.normal_cost)
    p0 = 1.0 - sum(w.probability for w in scenarios)
    prob = {w.name: w.probability for w in scenarios}
    m.expected_cost = pyo.Expression(expr=p0 * m.normal_cost + pyo.quicksum(
        [prob[w] * m.scenario_cost[w] for w in prob]))
    outcomes = ["(normal)", *prob]
    weight = {"(normal)": p0, **prob}
    m.OUTCOMES = pyo.Set(initialize=outcomes, ordered=True)
    m.cvar_eta = pyo.Var(within=pyo.Reals)
    m.cvar_excess = pyo.Var(m.OUTCOMES, within=pyo.NonNegativeReals)
    m.cvar_excess_def = pyo.Constraint(m.OUTCOMES, rule=lambda _, k: m.cvar_excess[k] >= (
        m.normal_cost if k == "(normal)" else m.scenario_cost[k]) - m.cvar_eta)
    alpha = data.settings.cvar_alpha
    m.cvar_value = pyo.Expression(expr=m.cvar_eta + (1.0 / (1.0 - alpha)) * pyo.quicksum(
        [weight[k] * m.cvar_excess[k] for k in outcomes]))
    if data.settings.objective == "expected":
        m.cost = pyo.Objective(expr=m.expected_cost, sense=pyo.minimize)
    else:
        m.cost = pyo.Objective(expr=m.expected_cost + data.settings.risk_weight * m.cvar_value,
                               sense=pyo.minimize)
