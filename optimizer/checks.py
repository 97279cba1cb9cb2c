"""Independent checks: a plan re-verified from the input data alone, never from the model.

Everything here uses only :class:`SourcingData` and the plan's decisions (quantities, used
contracts, funded projects, shortfall), so a mistake in the Pyomo formulation shows up as a
failed check instead of a wrong plan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from .data import SourcingData

ABS_TOL = 1e-6  # solver feasibility tolerances are 1e-7..1e-6 on these scales
COST_REL_TOL = 1e-6


@dataclass(frozen=True)
class Plan:
    """A plan's decisions. Quantities in the workbook's quantity unit per year."""

    buy: dict[tuple[str, str], float]  # (supplier, mineral) -> quantity
    used: dict[tuple[str, str], bool]  # contract held (its fixed cost is paid)
    make: dict[str, float]  # project -> quantity
    funded: dict[str, bool]
    short: dict[tuple[str, str], float]  # (mineral, site) -> unmet demand
    ship: dict[tuple[str, str, str], float] = field(default_factory=dict)
    # (supplier or project, mineral, site) -> quantity delivered there
    qualified: dict[str, bool] = field(default_factory=dict)  # supplier fixed cost paid
    reserve: dict[tuple[str, str], float] = field(default_factory=dict)
    # capacity reserved under offers that reserve more than they buy (else reserved = bought)

    def reserved(self, offer: tuple[str, str]) -> float:
        """Capacity contracted under ``offer`` (>= what is bought)."""
        return self.reserve.get(offer, self.buy.get(offer, 0.0))


@dataclass(frozen=True)
class Check:
    """One rule re-verified: ``status`` is "pass" or "fail"; ``detail`` says what was compared."""

    check: str
    status: str
    detail: str


@dataclass(frozen=True)
class CostBreakdown:
    """Yearly cost of a plan recomputed from the data, in the workbook's currency."""

    purchase_cost: float
    fixed_cost: float
    investment_cost: float
    shortfall_cost: float
    transport_cost: float = 0.0
    tariff_cost: float = 0.0
    reservation_cost: float = 0.0

    @property
    def total_cost(self) -> float:
        return (self.purchase_cost + self.fixed_cost + self.investment_cost
                + self.shortfall_cost + self.transport_cost + self.tariff_cost
                + self.reservation_cost)


def _tol(reference: float) -> float:
    return ABS_TOL * max(1.0, abs(reference))


def plan_cost(data: SourcingData, plan: Plan) -> CostBreakdown:
    """The plan's cost from prices, fixed costs, capex and penalties in the data."""
    offers = data.offers
    price, offer_fixed = offers["unit_cost"].to_dict(), offers["fixed_cost"].to_dict()
    purchase = sum(price[o] * q for o, q in plan.buy.items())
    projects = data.projects
    purchase += sum(projects.at[p, "unit_cost"] * q for p, q in plan.make.items())
    fixed = sum(offer_fixed[o] for o, used in plan.used.items() if used)
    fixed += sum(data.suppliers.at[s, "fixed_cost"] for s, q in plan.qualified.items() if q)
    years = data.settings.amortization_years
    investment = sum(projects.at[p, "capex"] / years + projects.at[p, "fixed_cost"]
                     for p, funded in plan.funded.items() if funded)
    shortfall = sum((data.shortfall_penalty(mm) or 0.0) * q
                    for (mm, _site), q in plan.short.items())
    transport = tariff = 0.0
    if data.has_sites:
        arcs = data.arcs().set_index(["source", "mineral", "site"])
        for arc, q in plan.ship.items():
            if q and arc in arcs.index:
                row = arcs.loc[arc]
                transport += row["transport_cost"] * q
                tariff += row["tariff_rate"] * row["unit_cost"] * q
    reservation_cost = offers["reservation_cost"].to_dict()
    reservation = sum(reservation_cost[o] * plan.reserved(o)
                      for o in plan.buy if reservation_cost[o] > 0)
    return CostBreakdown(float(purchase), float(fixed), float(investment), float(shortfall),
                         float(transport), float(tariff), float(reservation))


def supply_by_country(data: SourcingData, plan: Plan) -> dict[str, dict[str, float]]:
    """mineral -> country -> quantity, counting offers and projects."""
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    country = data.offers["country"].to_dict()
    for o, q in plan.buy.items():
        out[o[1]][country[o]] += q
    for p, q in plan.make.items():
        out[data.projects.at[p, "mineral"]][data.projects.at[p, "country"]] += q
    return out


def check_plan(data: SourcingData, plan: Plan, objective: float | None) -> list[Check]:
    """Every rule of the contract, re-verified; ``objective`` is the solver's reported cost."""
    checks: list[Check] = []

    def record(name: str, failures: list[str], detail_ok: str) -> None:
        if failures:
            more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
            checks.append(Check(name, "fail", "; ".join(failures[:5]) + more))
        else:
            checks.append(Check(name, "pass", detail_ok))

    by_country = supply_by_country(data, plan)
    supplied = {mm: sum(by_country.get(mm, {}).values()) for mm in data.minerals.index}

    failures = []
    arrived: dict[tuple[str, str], float] = defaultdict(float)
    for (_source, mm, site), q in plan.ship.items():
        arrived[(mm, site)] += q
    site_demand = data.site_demand()
    for (mm, site), demand in site_demand.items():
        got = arrived[(mm, site)] + plan.short.get((mm, site), 0.0)
        if got < demand - _tol(demand):
            where = f"{mm} at {site}" if data.has_sites else mm
            failures.append(f"{where}: delivered {got:,.6g} + shortfall < demand {demand:,.6g}")
    record("demand met", failures, f"delivered plus shortfall >= demand for "
                                   f"{len(site_demand)} mineral-site pairs")

    failures = [f"{mm}: shortfall {q:,.6g} but allow_shortfall is FALSE"
                for (mm, _site), q in plan.short.items()
                if q > _tol(0) and not data.settings.allow_shortfall]
    failures += [f"{mm}: negative shortfall {q:,.6g}" for (mm, _site), q in plan.short.items()
                 if q < -_tol(0)]
    record("shortfall allowed", failures, "shortfall only where allowed")

    failures = []
    capacity = data.offers["capacity"].to_dict()
    for o, q in plan.buy.items():
        limit = capacity[o] if plan.used.get(o, True) else 0.0
        if q < -_tol(0) or q > limit + _tol(limit):
            failures.append(f"{o[0]} / {o[1]}: bought {q:,.6g}, capacity {limit:,.6g}")
    record("offer capacity", failures, f"0 <= quantity <= capacity for {len(plan.buy)} offers")

    failures = []
    min_order = data.offers["min_order"].to_dict()
    for o, q in plan.buy.items():
        least = min_order[o]
        if least > 0 and q > _tol(0) and q < least - _tol(least):
            failures.append(f"{o[0]} / {o[1]}: bought {q:,.6g}, min_order {least:,.6g}")
    record("minimum order", failures, "every offer used buys at least its min_order")

    failures = []
    for p, q in plan.make.items():
        limit = data.projects.at[p, "capacity"] if plan.funded.get(p, False) else 0.0
        if q < -_tol(0) or q > limit + _tol(limit):
            failures.append(f"{p}: makes {q:,.6g}, available capacity {limit:,.6g}"
                            + ("" if plan.funded.get(p) else " (not funded)"))
    record("project capacity", failures, "projects supply only if funded, within capacity")

    failures = []
    caps = data.effective_caps()
    for (mm, country), cap in caps.items():
        q = by_country.get(mm, {}).get(country, 0.0)
        total = supplied[mm]
        if q > cap * total + _tol(total):
            failures.append(f"{mm} from {country}: {q / total:.4%} > cap {cap:.4%}")
    record("country cap", failures, f"{len(caps)} mineral-country shares within their caps")

    failures = []
    lanes = {(a, m, t) for a, m, t in zip(*(data.arcs()[c] for c in ("source", "mineral",
                                                                       "site")))}
    shipped: dict[tuple[str, str], float] = defaultdict(float)
    for (source, mm, site), q in plan.ship.items():
        shipped[(source, mm)] += q
        if q > _tol(0) and (source, mm, site) not in lanes:
            failures.append(f"{source} ships {mm} to {site} with no lane")
    sources: dict[tuple[str, str], float] = defaultdict(float)
    for o, q in plan.buy.items():
        sources[o] += q
    for p, q in plan.make.items():
        sources[(p, data.projects.at[p, "mineral"])] += q
    for (source, mm), q in sources.items():
        if abs(shipped[(source, mm)] - q) > _tol(q):
            failures.append(f"{source} / {mm}: bought {q:,.6g} but shipped "
                            f"{shipped[(source, mm)]:,.6g}")
    record("lanes", failures, "every unit bought is shipped along an existing lane")

    failures = []
    buy_by_supplier: dict[str, float] = defaultdict(float)
    for (supplier, _mm), q in plan.buy.items():
        buy_by_supplier[supplier] += q
    suppliers = data.suppliers  # zip over columns: iterrows builds a Series per row (0.4 s/25k)
    for supplier, capacity, fixed_cost in zip(suppliers.index.tolist(),
                                              suppliers["capacity"].tolist(),
                                              suppliers["fixed_cost"].tolist()):
        total = buy_by_supplier[supplier]
        if pd.notna(capacity) and total > capacity + _tol(capacity):
            failures.append(f"{supplier}: {total:,.6g} across offers > capacity "
                            f"{capacity:,.6g}")
        if fixed_cost > 0 and total > _tol(0) and not plan.qualified.get(supplier):
            failures.append(f"{supplier}: supplies {total:,.6g} without its fixed cost paid")
    record("supplier limits", failures, "supplier-wide capacity and fixed costs hold")

    record("group rules", _group_failures(data, by_country, supplied),
           f"{len(data.group_rules)} group rules hold")
    record("diversification", _diversification_failures(data, plan, by_country, supplied),
           "max_supplier_share, min_suppliers and min_countries hold")
    record("n1 coverage", _n1_failures(data, plan), "losing any one country leaves enough "
                                                     "contracted capacity where required")

    failures = []
    for budget, amount in data.budgets["amount"].items():
        projects = data.projects[data.projects["budget"] == budget]
        used = sum(capex for p, capex in projects["capex"].items() if plan.funded.get(p))
        if used > amount + _tol(amount):
            failures.append(f"{budget}: capex {used:,.2f} > amount {amount:,.2f}")
    record("budget", failures, f"capex within {len(data.budgets)} budget lines")

    cost = plan_cost(data, plan)
    if objective is None:
        checks.append(Check("total cost", "fail", "the solver reported no objective"))
    else:
        diff = abs(cost.total_cost - objective)
        ok = diff <= COST_REL_TOL * max(1.0, abs(objective))
        checks.append(Check(
            "total cost", "pass" if ok else "fail",
            f"recomputed {cost.total_cost:,.6f} vs solver objective {objective:,.6f} "
            f"(difference {diff:.3g}, tolerance relative {COST_REL_TOL:g})"))
    return checks


def _group_failures(data: SourcingData, by_country, supplied) -> list[str]:
    failures = []
    members = data.group_members()
    for (group, mm), (lo, hi) in data.group_rules_by_mineral().items():
        total = supplied.get(mm, 0.0)
        q = sum(by_country.get(mm, {}).get(c, 0.0) for c in members.get(group, ()))
        if lo is not None and q < lo * total - _tol(total):
            failures.append(f"{mm} from {group}: {q:,.6g} < {lo:.2%} of {total:,.6g}")
        if hi is not None and q > hi * total + _tol(total):
            failures.append(f"{mm} from {group}: {q:,.6g} > {hi:.2%} of {total:,.6g}")
    return failures


def _diversification_failures(data: SourcingData, plan: Plan, by_country, supplied
                              ) -> list[str]:
    from .model import COUNT_SHARE

    failures = []
    minerals = data.minerals
    offers_of: dict[str, list] = defaultdict(list)
    for o, q in plan.buy.items():
        offers_of[o[1]].append((o, q))
    for mm, row in minerals.iterrows():
        total = supplied.get(mm, 0.0)
        eps = max(COUNT_SHARE * float(row["demand"]), COUNT_SHARE)
        offers = offers_of.get(mm, [])
        if pd.notna(row["max_supplier_share"]):
            for o, q in offers:
                if q > row["max_supplier_share"] * total + _tol(total):
                    failures.append(f"{mm}: {o[0]} supplies {q / total:.4%} > "
                                    f"{row['max_supplier_share']:.4%}")
        if pd.notna(row["min_suppliers"]) and row["min_suppliers"] > 0:
            counted = sum(1 for o, q in offers
                          if q >= max(data.offers.at[o, "min_order"], eps) - _tol(eps))
            if counted < row["min_suppliers"]:
                failures.append(f"{mm}: {counted} suppliers < min_suppliers "
                                f"{row['min_suppliers']:g}")
        if pd.notna(row["min_countries"]) and row["min_countries"] > 0:
            counted = sum(1 for q in by_country.get(mm, {}).values() if q >= eps - _tol(eps))
            if counted < row["min_countries"]:
                failures.append(f"{mm}: {counted} countries < min_countries "
                                f"{row['min_countries']:g}")
    return failures


def _n1_failures(data: SourcingData, plan: Plan) -> list[str]:
    failures = []
    for mm, f in data.minerals["n1_coverage"].dropna().items():
        if f <= 0:
            continue
        need = f * data.minerals.at[mm, "demand"]
        for lost in data.supply_countries().get(mm, ()):
            left = contracted_capacity(data, plan, mm, lost)
            if left < need - _tol(need):
                failures.append(f"{mm} without {lost}: {left:,.6g} contracted < "
                                f"{f:.2%} of demand ({need:,.6g})")
        for o, q in plan.buy.items():
            if o[1] == mm and not q - _tol(q) <= plan.reserved(o) <= \
                    data.offers.at[o, "capacity"] + _tol(q):
                failures.append(f"{o[0]} / {mm}: reserved {plan.reserved(o):,.6g} outside "
                                f"[bought {q:,.6g}, capacity]")
    return failures


def contracted_capacity(data: SourcingData, plan: Plan, mineral: str,
                        lost: str | None = None) -> float:
    """Reserved offer capacity plus funded project capacity for ``mineral``, outside ``lost``."""
    total = sum(plan.reserved(o) for o in plan.buy
                if o[1] == mineral and data.offers.at[o, "country"] != lost)
    projects, needs = data.projects, data.needs_funding()
    total += sum(float(projects.at[p, "capacity"]) for p, funded in plan.funded.items()
                 if (funded or not needs[p])
                 and projects.at[p, "mineral"] == mineral and projects.at[p, "country"] != lost)
    return total


def checks_frame(checks: list[Check]) -> pd.DataFrame:
    return pd.DataFrame([(c.check, c.status, c.detail) for c in checks],
                        columns=["check", "status", "detail"])
