"""Result extraction: solved model -> :class:`Plan`; plan + data -> the output tables.

The tables follow output contract v1 (``schema.OUTPUT_SHEETS``). They are computed from the
plan and the input data only, so they agree with the independent checks by construction.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from .checks import Plan, supply_by_country
from .data import SourcingData
from .schema import OUTPUT_SHEETS

ZERO = 1e-9  # solver noise below this is reported as exactly zero


def _clean(value: float | None) -> float:
    value = float(value or 0.0)
    return 0.0 if abs(value) < ZERO else value


def extract_plan(model: pyo.ConcreteModel) -> Plan:
    """The decisions of a solved model (values already loaded into the variables)."""
    ix = model.ix
    buy = {o: _clean(model.buy[o].value) for o in ix.offers}
    used = {o: buy[o] > 0 for o in ix.offers}
    for o in ix.offers_with_use:
        used[o] = round(model.use[o].value or 0.0) == 1
    make = {p: _clean(model.make[p].value) for p in ix.projects}
    funded = {p: make[p] > 0 for p in ix.projects}
    for p in ix.projects_with_fund:
        funded[p] = round(model.fund[p].value or 0.0) == 1
    short = {mm: _clean(model.short[mm].value) for mm in ix.short_minerals}
    return Plan(buy, used, make, funded, short)


def _frame(sheet: str, rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(OUTPUT_SHEETS[sheet]))


def allocations_table(data: SourcingData, plan: Plan) -> pd.DataFrame:
    """One row per offer or funded project that supplies something.

    cost = quantity * unit_cost + the yearly fixed cost of the contract (offers) or of the
    project (capex / amortization_years + fixed_cost), so the rows add up to the total cost
    less any shortfall penalty. share = quantity / total supplied of the mineral.
    """
    by_country = supply_by_country(data, plan)
    supplied = {mm: sum(c.values()) for mm, c in by_country.items()}
    offers = data.offers
    years = data.settings.amortization_years
    rows = []
    for o, q in plan.buy.items():
        if q <= 0 and not plan.used.get(o):
            continue
        price = offers.at[o, "unit_cost"]
        fixed = offers.at[o, "fixed_cost"] if plan.used.get(o) else 0.0
        rows.append((o[0], offers.at[o, "country"], o[1], q, price, q * price + fixed,
                     q / supplied[o[1]] if supplied.get(o[1]) else 0.0))
    projects = data.projects
    for p, q in plan.make.items():
        if not plan.funded.get(p):
            continue
        mm, price = projects.at[p, "mineral"], projects.at[p, "unit_cost"]
        yearly = projects.at[p, "capex"] / years + projects.at[p, "fixed_cost"]
        rows.append((p, projects.at[p, "country"], mm, q, price, q * price + yearly,
                     q / supplied[mm] if supplied.get(mm) else 0.0))
    table = _frame("Allocations", rows)
    order = {mm: i for i, mm in enumerate(data.minerals.index)}
    return table.sort_values(["mineral", "quantity", "supplier"], ascending=[True, False, True],
                             key=lambda s: s.map(order) if s.name == "mineral" else s,
                             ignore_index=True)


def country_shares_table(data: SourcingData, plan: Plan) -> pd.DataFrame:
    """Every country that can supply each mineral: its quantity, share, cap, and if it binds."""
    by_country = supply_by_country(data, plan)
    caps = data.effective_caps()
    rows = []
    for mm, countries in data.supply_countries().items():
        total = sum(by_country.get(mm, {}).values())
        for country in countries:
            q = by_country.get(mm, {}).get(country, 0.0)
            cap = caps[(mm, country)]
            share = q / total if total > 0 else 0.0
            binding = cap < 1 and total > 0 and q >= cap * total - 1e-6 * max(1.0, total)
            rows.append((mm, country, q, share, cap, "yes" if binding else "no"))
    return _frame("CountryShares", rows)


def minerals_table(data: SourcingData, plan: Plan, allocations: pd.DataFrame) -> pd.DataFrame:
    """Per mineral: demand, supply, cost and concentration.

    cost = the mineral's allocation costs + its shortfall penalty; average_unit_cost = the
    allocation costs / quantity supplied; suppliers_used counts offers and projects that supply;
    hhi = sum over countries of share^2 (1 = a single country).
    """
    rows = []
    for mm, demand in data.minerals["demand"].items():
        alloc = allocations[allocations["mineral"] == mm]
        supplied = float(alloc["quantity"].sum())
        short = plan.short.get(mm, 0.0)
        buy_cost = float(alloc["cost"].sum())
        cost = buy_cost + (data.shortfall_penalty(mm) or 0.0) * short
        shares = alloc[alloc["quantity"] > 0].groupby("country")["quantity"].sum()
        shares = (shares / supplied).sort_values(ascending=False) if supplied > 0 else shares
        top = shares.index[0] if len(shares) else None
        rows.append((
            mm, demand, supplied, short, cost,
            buy_cost / supplied if supplied > 0 else None,
            int((alloc["quantity"] > 0).sum()), int(len(shares)),
            top, float(shares.iloc[0]) if len(shares) else None,
            float((shares ** 2).sum()) if len(shares) else None,
        ))
    return _frame("Minerals", rows)


def investments_table(data: SourcingData, plan: Plan) -> pd.DataFrame:
    rows = [(p, r["mineral"], r["country"], "yes" if plan.funded.get(p) else "no", r["capacity"],
             plan.make.get(p, 0.0), r["capex"], r["budget"])
            for p, r in data.projects.iterrows()]
    return _frame("Investments", rows)


def budgets_table(data: SourcingData, plan: Plan) -> pd.DataFrame:
    rows = []
    for budget, amount in data.budgets["amount"].items():
        projects = data.projects[data.projects["budget"] == budget]
        used = float(sum(c for p, c in projects["capex"].items() if plan.funded.get(p)))
        rows.append((budget, amount, used, amount - used))
    return _frame("Budgets", rows)
