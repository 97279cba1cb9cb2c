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
    short_minerals: list[str]
    capped: list[tuple[str, str]]  # (mineral, country) with cap < 1
    cap: dict[tuple[str, str], float]
    offers_of_mineral: dict[str, list[Offer]] = field(default_factory=dict)
    projects_of_mineral: dict[str, list[str]] = field(default_factory=dict)
    offers_of: dict[tuple[str, str], list[Offer]] = field(default_factory=dict)
    projects_of: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    projects_of_budget: dict[str, list[str]] = field(default_factory=dict)

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
            short_minerals=list(data.minerals.index) if data.settings.allow_shortfall else [],
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
        return ix


def build_model(data: SourcingData) -> pyo.ConcreteModel:
    """The sourcing model for ``data`` (see ``models/formulation.md``)."""
    m = pyo.ConcreteModel(name="sourcing")
    ix = Index.from_data(data)
    m.ix = ix  # kept for result extraction; not a Pyomo component
    define_sets(m, ix)
    define_purchase(m, data, ix)
    define_projects(m, data, ix)
    define_shortfall(m, ix)
    define_total_supply(m, ix)
    define_demand(m, data, ix)
    define_country_cap(m, ix)
    define_budget(m, data, ix)
    define_cost(m, data, ix)
    return m


def define_sets(m: pyo.ConcreteModel, ix: Index) -> None:
    """Sets M (minerals), O (offers), O^use, P (projects), P^fund, B (budgets), K (capped pairs)."""
    m.MINERALS = pyo.Set(initialize=ix.minerals, ordered=True)
    m.OFFERS = pyo.Set(initialize=ix.offers, dimen=2, ordered=True)
    m.OFFERS_WITH_USE = pyo.Set(initialize=ix.offers_with_use, dimen=2, ordered=True)
    m.PROJECTS = pyo.Set(initialize=ix.projects, ordered=True)
    m.PROJECTS_WITH_FUND = pyo.Set(initialize=ix.projects_with_fund, ordered=True)
    m.BUDGETS = pyo.Set(initialize=ix.budgets, ordered=True)
    m.CAPPED = pyo.Set(initialize=ix.capped, dimen=2, ordered=True)
    m.SHORT_MINERALS = pyo.Set(initialize=ix.short_minerals, ordered=True)


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


def define_shortfall(m: pyo.ConcreteModel, ix: Index) -> None:
    """short[m] >= 0, only when Settings.allow_shortfall is TRUE."""
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


def define_demand(m: pyo.ConcreteModel, data: SourcingData, ix: Index) -> None:
    """demand:  supplied[m] + short[m] >= demand[m]."""
    demand = data.minerals["demand"].to_dict()
    short = set(ix.short_minerals)

    def rule(_, mineral):
        lhs = m.supplied[mineral] + (m.short[mineral] if mineral in short else 0)
        return lhs >= demand[mineral]

    m.demand = pyo.Constraint(m.MINERALS, rule=rule)


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
    shortfall_cost  = sum_m shortfall_penalty[m] short[m]
    """
    offer_price = data.offers["unit_cost"].to_dict()
    offer_fixed = data.offers["fixed_cost"].to_dict()
    project = data.projects
    years = data.settings.amortization_years
    m.purchase_cost = pyo.Expression(expr=pyo.quicksum(
        [offer_price[o] * m.buy[o] for o in ix.offers]
        + [project.at[p, "unit_cost"] * m.make[p] for p in ix.projects]))
    m.fixed_cost = pyo.Expression(expr=pyo.quicksum(
        [offer_fixed[o] * m.use[o] for o in ix.offers_with_use if offer_fixed[o] > 0]))
    m.investment_cost = pyo.Expression(expr=pyo.quicksum(
        [(project.at[p, "capex"] / years + project.at[p, "fixed_cost"]) * m.fund[p]
         for p in ix.projects_with_fund]))
    m.shortfall_cost = pyo.Expression(expr=pyo.quicksum(
        [data.shortfall_penalty(mm) * m.short[mm] for mm in ix.short_minerals]))
    m.cost = pyo.Objective(
        expr=m.purchase_cost + m.fixed_cost + m.investment_cost + m.shortfall_cost,
        sense=pyo.minimize)
