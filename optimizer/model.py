"""Model building: validated data in, a Pyomo model out.

:func:`build_model` reads like a table of contents: one ``define_*`` function per family of
sets, variables or rules, each with its math in the docstring and the same name as the section
of ``models/formulation.md`` and the Pyomo component it creates. Every component is indexed by a
sparse set of pairs that exist in the data; binaries appear only where a rule needs them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyomo.environ as pyo

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
    offers_of_mineral: dict[str, list[Offer]] = field(default_factory=dict)
    projects_of_mineral: dict[str, list[str]] = field(default_factory=dict)
    offers_of: dict[tuple[str, str], list[Offer]] = field(default_factory=dict)
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
    offers_of_supplier: dict[str, list[Offer]] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: SourcingData) -> "Index":
        offers = data.offers
        keys: list[Offer] = list(offers.index)
        needs_use = (offers["min_order"] > 0) | (offers["fixed_cost"] > 0)
        projects = data.projects
        needs_fund = (projects["capex"] > 0) | (projects["fixed_cost"] > 0)
        caps = data.effective_caps()
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
        by_mineral: dict[str, list[Offer]] = defaultdict(list)
        by_pair: dict[tuple[str, str], list[Offer]] = defaultdict(list)
        for (supplier, mineral), country in zip(keys, offers["country"]):
            by_mineral[mineral].append((supplier, mineral))
            by_pair[(mineral, country)].append((supplier, mineral))
        p_by_mineral: dict[str, list[str]] = defaultdict(list)
        p_by_pair: dict[tuple[str, str], list[str]] = defaultdict(list)
        p_by_budget: dict[str, list[str]] = defaultdict(list)
        for name, mineral, country, budget in zip(projects.index, projects["mineral"],
                                                  projects["country"], projects["budget"]):
            p_by_mineral[mineral].append(name)
            p_by_pair[(mineral, country)].append(name)
            if budget is not None:
                p_by_budget[budget].append(name)
        ix.offers_of_mineral, ix.offers_of = dict(by_mineral), dict(by_pair)
        ix.projects_of_mineral, ix.projects_of = dict(p_by_mineral), dict(p_by_pair)
        ix.projects_of_budget = dict(p_by_budget)
        ix.demand = data.site_demand()
        if data.settings.allow_shortfall:
            ix.short_minerals = list(ix.demand)
        ix.network = data.has_sites
        if ix.network:
            ix._add_arcs(data)
        suppliers = data.suppliers
        ix.suppliers_with_capacity = list(suppliers.index[suppliers["capacity"].notna()])
        ix.suppliers_with_fixed_cost = list(suppliers.index[suppliers["fixed_cost"] > 0])
        by_supplier: dict[str, list[Offer]] = defaultdict(list)
        for o in keys:
            by_supplier[o[0]].append(o)
        ix.offers_of_supplier = dict(by_supplier)
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
    define_budget(m, data, ix)
    define_cost(m, data, ix)
    return m


def define_sets(m: pyo.ConcreteModel, ix: Index) -> None:
    """Sets M, O, O^use, P, P^fund, B, K; the demand pairs (m, t); the lanes L^O and L^P;
    the suppliers with a supplier-wide capacity S^cap or fixed cost S^fix."""
    m.MINERALS = pyo.Set(initialize=ix.minerals, ordered=True)
    m.OFFERS = pyo.Set(initialize=ix.offers, dimen=2, ordered=True)
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


def define_purchase(m: pyo.ConcreteModel, data: SourcingData, ix: Index) -> None:
    """buy[s,m] >= 0 per offer; use[s,m] binary only where min_order > 0 or fixed_cost > 0.

    Without a binary, the capacity is the variable's upper bound: 0 <= buy <= capacity.
    With one:  min_order * use <= buy <= capacity * use   (offer_capacity, min_order).
    """
    capacity = data.offers["capacity"].to_dict()
    min_order = data.offers["min_order"].to_dict()
    m.buy = pyo.Var(m.OFFERS, within=pyo.NonNegativeReals,
                    bounds=lambda _, s, mm: (0.0, capacity[s, mm]))
    m.use = pyo.Var(m.OFFERS_WITH_USE, within=pyo.Binary)
    m.offer_capacity = pyo.Constraint(
        m.OFFERS_WITH_USE, rule=lambda _, s, mm: m.buy[s, mm] <= capacity[s, mm] * m.use[s, mm])
    m.OFFERS_WITH_MIN_ORDER = pyo.Set(
        initialize=[o for o in ix.offers_with_use if min_order[o] > 0], dimen=2, ordered=True)
    m.min_order = pyo.Constraint(
        m.OFFERS_WITH_MIN_ORDER, rule=lambda _, s, mm: m.buy[s, mm] >= min_order[s, mm] * m.use[s, mm])


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
    supplier_cap = data.suppliers["capacity"].to_dict()
    offer_cap = data.offers["capacity"].to_dict()
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


def define_total_supply(m: pyo.ConcreteModel, ix: Index) -> None:
    """total_supply:  supplied[m] = sum_{o in O(m)} buy[o] + sum_{p in P(m)} make[p].

    One variable per mineral, so each country-cap row holds only its own country's terms.
    """
    m.supplied = pyo.Var(m.MINERALS, within=pyo.NonNegativeReals)

    def rule(_, mineral):
        terms = [m.buy[o] for o in ix.offers_of_mineral.get(mineral, ())]
        terms += [m.make[p] for p in ix.projects_of_mineral.get(mineral, ())]
        return m.supplied[mineral] == pyo.quicksum(terms)

    m.total_supply = pyo.Constraint(m.MINERALS, rule=rule)


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
    """

    def rule(_, mineral, country):
        terms = [m.buy[o] for o in ix.offers_of.get((mineral, country), ())]
        terms += [m.make[p] for p in ix.projects_of.get((mineral, country), ())]
        return pyo.quicksum(terms) <= ix.cap[mineral, country] * m.supplied[mineral]

    m.country_cap = pyo.Constraint(m.CAPPED, rule=rule)


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
    offer_price = data.offers["unit_cost"].to_dict()
    offer_fixed = data.offers["fixed_cost"].to_dict()
    project = data.projects
    years = data.settings.amortization_years
    m.purchase_cost = pyo.Expression(expr=pyo.quicksum(
        [offer_price[o] * m.buy[o] for o in ix.offers]
        + [project.at[p, "unit_cost"] * m.make[p] for p in ix.projects]))
    supplier_fixed = data.suppliers["fixed_cost"].to_dict()
    m.fixed_cost = pyo.Expression(expr=pyo.quicksum(
        [offer_fixed[o] * m.use[o] for o in ix.offers_with_use if offer_fixed[o] > 0]
        + [supplier_fixed[s] * m.qualify[s] for s in ix.suppliers_with_fixed_cost]))
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
    m.cost = pyo.Objective(
        expr=m.purchase_cost + m.fixed_cost + m.investment_cost + m.shortfall_cost
        + m.transport_cost + m.tariff_cost,
        sense=pyo.minimize)
