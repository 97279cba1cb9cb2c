"""Stress tests: a fixed plan evaluated under disruptions, without re-optimising contracts.

For each case (every Disruptions scenario, and the loss of each single supplying country) the
plan's contracts, reservations and funded projects are fixed; what survives is used at contract
prices, spare capacity is bought spot at ``unit_cost * (1 + spot_premium)``, and the rest is
shortfall at its penalty (the same second stage as :func:`optimizer.model.add_recourse`).

Also the resilience metrics of a plan: expected cost, CVaR and worst scenario cost over the
Disruptions scenarios, and per mineral the worst single-country loss and expected shortfall.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .checks import Plan, offer_sums, offer_values, plan_cost
from .data import Disruption, SourcingData

STRESS_COLUMNS = ("case", "kind", "probability", "mineral", "demand", "shortfall",
                  "shortfall_pct", "case_cost", "extra_cost", "fails")


@dataclass
class StressResult:
    """Per case and mineral (``table``) and per case (``costs``: case -> yearly cost)."""

    table: pd.DataFrame
    costs: dict[str, float]
    normal_cost: float


def evaluate(data: SourcingData, plan: Plan, scenarios: list[Disruption],
             losses: list[Disruption] = ()) -> StressResult:
    """The second stage of every case for the fixed ``plan``, computed directly.

    With the plan fixed, each (case, mineral) is a single covering constraint with bounded
    sources, so the cheapest cover is found greedily (top-ups at contract price, spot at the
    premium, project top-ups, shortfall at its penalty, cheapest first): the same optimum as
    the second stage of the model (:func:`optimizer.model.add_recourse`) without using it.
    """
    normal = plan_cost(data, plan).total_cost
    projects = data.projects
    premium = 1.0 + data.settings.spot_premium
    short_normal: dict[str, float] = {}
    for (mm, _site), q in plan.short.items():
        short_normal[mm] = short_normal.get(mm, 0.0) + q
    # Per mineral, every source once: (name, country, unit_cost, bought, reserved, capacity).
    by_mineral: dict[str, list[tuple]] = {mm: [] for mm in data.minerals.index}
    for (o, q), country, price, capacity in zip(
            plan.buy.items(), *(offer_values(data, plan, c) for c in ("country", "unit_cost",
                                                                     "capacity"))):
        by_mineral[o[1]].append((o[0], country, float(price), q, plan.reserved(o),
                                 float(capacity), True))
    needs = data.needs_funding()
    for p, row in projects.iterrows():
        cap = float(row["capacity"]) if plan.funded.get(p) or not needs[p] else 0.0
        q = plan.make.get(p, 0.0)
        by_mineral[row["mineral"]].append((p, row["country"], float(row["unit_cost"]), q, cap,
                                           cap, False))
    rows, costs = [], {}
    cases = [("scenario", w) for w in scenarios] + [("country loss", w) for w in losses]
    for kind, w in cases:
        case_cost = normal
        for mm, demand in data.minerals["demand"].items():
            delivered, lost_value, sources = 0.0, 0.0, []
            for name, country, price, q, r, cap, is_offer in by_mineral[mm]:
                f = w.factor(name, country, mm)
                delivered += f * q
                lost_value += (1 - f) * price * q
                sources.append((price, f * (r - q)))
                if is_offer:
                    sources.append((price * premium, f * (cap - r)))
            gap = max(0.0, float(demand) - short_normal.get(mm, 0.0) - delivered)
            fill, short = _cheapest_cover(gap, sources, data.shortfall_penalty(mm) or 0.0)
            case_cost += fill - lost_value
            short = 0.0 if short < 1e-9 else short
            d = float(demand)
            rows.append([w.name, kind, w.probability, mm, d, short, short / d if d > 0 else 0.0,
                         None, None, "yes" if short > 1e-6 * max(1.0, d) else "no"])
        costs[w.name] = case_cost
    for row in rows:
        row[7], row[8] = costs[row[0]], costs[row[0]] - normal
    return StressResult(pd.DataFrame(rows, columns=list(STRESS_COLUMNS)), costs, normal)


def worst_country_loss(data: SourcingData, plan: Plan) -> dict[str, float]:
    """Per mineral, the largest share of demand that the capacity left could not cover if any
    one supplying country were lost (contracted, spare and funded project capacity outside
    it; normal-times shortfall is not counted again). 0 when every loss can be covered."""
    capacity: dict[str, dict[str, float]] = {mm: {} for mm in data.minerals.index}
    offers = data.offers
    by_pair = offer_sums(data, 1, "country", offers["capacity"].to_numpy(float))
    for (mm, country), cap in by_pair.items():  # summed in the offers' order, as a loop would
        capacity[mm][country] = cap
    needs = data.needs_funding()
    for p, row in data.projects.iterrows():
        if plan.funded.get(p) or not needs[p]:
            c = capacity[row["mineral"]]
            c[row["country"]] = c.get(row["country"], 0.0) + row["capacity"]
    short: dict[str, float] = {}
    for (mm, _site), q in plan.short.items():
        short[mm] = short.get(mm, 0.0) + q
    out = {}
    for mm, demand in data.minerals["demand"].items():
        need = float(demand) - short.get(mm, 0.0)
        total = sum(capacity[mm].values())
        worst = max((max(0.0, need - (total - c)) for c in capacity[mm].values()), default=0.0)
        out[mm] = worst / demand if demand > 0 else 0.0
    return out


def _cheapest_cover(gap: float, sources: list[tuple[float, float]], penalty: float
                    ) -> tuple[float, float]:
    """Cover ``gap`` from (price, amount) sources, cheapest first, the rest (or anything
    dearer than the penalty) as shortfall; return (cost, shortfall)."""
    cost = 0.0
    for price, amount in sorted(sources):
        if gap <= 0:
            break
        if amount <= 0 or price >= penalty:
            continue
        take = min(gap, amount)
        cost += take * price
        gap -= take
    return cost + gap * penalty, gap


def country_losses(data: SourcingData) -> list[Disruption]:
    """One stress case per country that can supply anything."""
    countries = sorted({c for cs in data.supply_countries().values() for c in cs})
    return [Disruption.country_loss(c) for c in countries]


def stress(data: SourcingData, plan: Plan) -> StressResult:
    """Every Disruptions scenario, then the loss of each single supplying country."""
    return evaluate(data, plan, data.scenarios(), country_losses(data))


@dataclass
class RiskSummary:
    """A plan's risk over the Disruptions scenarios (normal times has probability 1 - sum p).

    Money in the data's currency per year.
    """

    expected_cost: float
    cvar: float
    worst_scenario_cost: float
    expected_shortfall: dict[str, float] | None = None  # per mineral, quantity per year


def cvar(outcomes: list[tuple[float, float]], alpha: float) -> float:
    """CVaR at level ``alpha`` of a discrete distribution of (probability, cost):
    the mean cost of the worst (1 - alpha) of the probability mass.

    Equals min_eta eta + 1/(1-alpha) sum p max(0, cost - eta), the form used in the model.
    """
    tail = 1.0 - alpha
    if tail <= 0:
        return max(c for p, c in outcomes if p > 0)
    left, total = tail, 0.0
    for p, c in sorted(outcomes, key=lambda pc: -pc[1]):
        take = min(p, left)
        total += take * c
        left -= take
        if left <= 1e-15:
            break
    return total / tail


def risk_summary(data: SourcingData, result: StressResult) -> RiskSummary | None:
    """Expected cost, CVaR and worst scenario cost; None without Disruptions."""
    scenarios = data.scenarios()
    if not scenarios:
        return None
    p0 = 1.0 - sum(w.probability for w in scenarios)
    outcomes = [(p0, result.normal_cost)] + [(w.probability, result.costs[w.name])
                                             for w in scenarios]
    expected = sum(p * c for p, c in outcomes)
    worst = max(result.costs[w.name] for w in scenarios)
    return RiskSummary(expected, cvar(outcomes, data.settings.cvar_alpha), worst)


def expected_shortfall(data: SourcingData, plan: Plan, result: StressResult
                       ) -> dict[str, float]:
    """Per mineral: p_0 x normal shortfall + sum over scenarios of p_w x shortfall in w
    (quantity per year)."""
    scen = result.table[result.table["kind"] == "scenario"]
    p0 = 1.0 - sum(w.probability for w in data.scenarios())
    out = {}
    for mm in data.minerals.index:
        normal = sum(q for (m2, _site), q in plan.short.items() if m2 == mm)
        part = scen[scen["mineral"] == mm]
        out[mm] = p0 * normal + float((part["probability"] * (part["shortfall"] + normal)).sum())
    return out
