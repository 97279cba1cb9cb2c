"""Result extraction: solved model -> :class:`Plan`; plan + data -> the output tables.

The tables follow output contract v1 (``schema.OUTPUT_SHEETS``). They are computed from the
plan and the input data only, so they agree with the independent checks by construction.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from .checks import Plan, supply_by_country
from .data import SourcingData
from .schema import MARGINAL_COLUMNS, OUTPUT_SHEETS

ZERO = 1e-9  # solver noise below this is reported as exactly zero


def _clean(value: float | None) -> float:
    value = float(value or 0.0)
    return 0.0 if abs(value) < ZERO else value


def extract_plan(model: pyo.ConcreteModel, data: SourcingData) -> Plan:
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
    short = {pair: _clean(model.short[pair].value) for pair in ix.short_minerals}
    ship: dict[tuple[str, str, str], float] = {}
    if ix.network:
        for (s, mm, t) in ix.offer_arcs:
            ship[(s, mm, t)] = _clean(model.ship[s, mm, t].value)
        mineral = data.projects["mineral"]
        for (p, t) in ix.project_arcs:
            arc = (p, mineral[p], t)
            ship[arc] = ship.get(arc, 0.0) + _clean(model.ship_project[p, t].value)
    else:
        site = data.site_names()[0]
        for (s, mm), q in buy.items():
            ship[(s, mm, site)] = q
        for p, q in make.items():
            arc = (p, data.projects.at[p, "mineral"], site)
            ship[arc] = ship.get(arc, 0.0) + q
    qualified = {s: round(model.qualify[s].value or 0.0) == 1
                 for s in ix.suppliers_with_fixed_cost}
    reserve = {o: max(_clean(model.reserve[o].value), buy[o]) for o in model.RESERVE_OFFERS}
    return Plan(buy, used, make, funded, short, ship, qualified, reserve)


def _frame(sheet: str, rows: list[tuple]) -> pd.DataFrame:
    columns = list(OUTPUT_SHEETS[sheet])
    later = MARGINAL_COLUMNS.get(sheet, ())  # filled by optimizer/marginals.py
    table = pd.DataFrame(rows, columns=[c for c in columns if c not in later])
    return table.reindex(columns=columns) if later else table


def allocations_table(data: SourcingData, plan: Plan) -> pd.DataFrame:
    """One row per offer or funded project and site it supplies.

    reserved is the capacity contracted under the offer (>= quantity; split over sites by
    quantity). unit_cost is in the base currency; transport_cost and tariff_cost are per unit, so
    landed_unit_cost = unit_cost + transport_cost + tariff_cost; currency and quote_unit_cost
    are the quote as written. cost = quantity * landed_unit_cost + the row's share (by
    quantity) of the yearly fixed costs of its contract (with its reservation cost), its
    supplier's qualification, or its project (capex / amortization_years + fixed_cost); so the rows add up to the total cost
    less any shortfall penalty. share = quantity / total supplied of the mineral.
    """
    by_country = supply_by_country(data, plan)
    supplied = {mm: sum(c.values()) for mm, c in by_country.items()}
    offers, projects = data.offers, data.projects
    years = data.settings.amortization_years
    arcs = data.arcs().set_index(["kind", "source", "mineral", "site"])
    supplier_total: dict[str, float] = {}
    for (s, _mm), q in plan.buy.items():
        supplier_total[s] = supplier_total.get(s, 0.0) + q

    offer_rows = dict(zip(offers.index, offers.to_dict("records")))
    project_rows = dict(zip(projects.index, projects.to_dict("records")))
    arc_rows = dict(zip(arcs.index, arcs.to_dict("records")))
    site_names = data.site_names()

    def yearly_fixed(kind: str, source: str, mineral: str) -> float:
        if kind == "project":
            row = project_rows[source]
            return row["capex"] / years + row["fixed_cost"] if plan.funded.get(source) else 0.0
        row = offer_rows[(source, mineral)]
        fixed = row["fixed_cost"] if plan.used.get((source, mineral)) else 0.0
        fixed += row["reservation_cost"] * plan.reserved((source, mineral))
        if plan.qualified.get(source) and supplier_total.get(source):
            # the supplier's fixed cost, spread over its offers by quantity
            fixed += data.suppliers.at[source, "fixed_cost"] * (
                plan.buy[(source, mineral)] / supplier_total[source])
        return fixed

    rows = []
    for kind, source, mineral, total, active in (
            [("offer", s, mm, q, q > 0 or plan.used.get((s, mm))
              or plan.reserved((s, mm)) > 0) for (s, mm), q in plan.buy.items()]
            + [("project", p, projects.at[p, "mineral"], q, plan.funded.get(p)) for p, q in
               plan.make.items()]):
        if not active:
            continue
        fixed = yearly_fixed(kind, source, mineral)
        sites = [(t, plan.ship.get((source, mineral, t), 0.0)) for t in site_names]
        sites = [(t, q) for t, q in sites if q > 0] or [(sites[0][0], 0.0)]
        if kind == "offer":
            row = offer_rows[(source, mineral)]
        else:
            row = project_rows[source]
        for site, q in sites:
            arc = arc_rows.get((kind, source, mineral, site))
            price = float(row["unit_cost"])
            transport = float(arc["transport_cost"]) if arc is not None else 0.0
            tariff = float(arc["tariff_rate"]) * price if arc is not None else 0.0
            landed = price + transport + tariff
            share_of_fixed = fixed * (q / total) if total > 0 else fixed
            reserved = plan.reserved((source, mineral)) if kind == "offer" else total
            rows.append((source, row["country"], mineral, q, price, q * landed + share_of_fixed,
                         q / supplied[mineral] if supplied.get(mineral) else 0.0,
                         site, transport, tariff, landed, row["currency"],
                         float(row["quote_unit_cost"]),
                         reserved * (q / total) if total > 0 and len(sites) > 1 else reserved))
    table = _frame("Allocations", rows)
    order = {mm: i for i, mm in enumerate(data.minerals.index)}
    return table.sort_values(["mineral", "quantity", "supplier", "site"],
                             ascending=[True, False, True, True],
                             key=lambda s: s.map(order) if s.name == "mineral" else s,
                             ignore_index=True)


def flows_table(data: SourcingData, plan: Plan) -> pd.DataFrame:
    """Supplier (or project) -> site -> mineral -> quantity, for every positive flow."""
    rows = [(source, site, mm, q) for (source, mm, site), q in plan.ship.items() if q > 0]
    return _frame("Flows", sorted(rows, key=lambda r: (r[1], r[2], -r[3], r[0])))


def sites_table(data: SourcingData, plan: Plan, allocations: pd.DataFrame) -> pd.DataFrame:
    """Per site and mineral: demand, what arrives, shortfall and landed cost.

    landed_cost = sum over arriving flows of quantity * landed_unit_cost (purchase, transport
    and tariff; yearly fixed costs are not split by site here).
    """
    landed = (allocations["quantity"] * allocations["landed_unit_cost"]).groupby(
        [allocations["site"], allocations["mineral"]]).sum()
    arrived = allocations.groupby(["site", "mineral"])["quantity"].sum()
    rows = []
    for (mm, site), demand in data.site_demand().items():
        rows.append((site, mm, demand, float(arrived.get((site, mm), 0.0)),
                     plan.short.get((mm, site), 0.0), float(landed.get((site, mm), 0.0))))
    return _frame("Sites", rows)


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


def minerals_table(data: SourcingData, plan: Plan, allocations: pd.DataFrame,
                   risk=None) -> pd.DataFrame:
    """Per mineral: demand, supply, cost and concentration.

    cost = the mineral's allocation costs + its shortfall penalty; average_unit_cost = the
    allocation costs / quantity supplied; suppliers_used counts offers and projects that supply;
    hhi = sum over countries of share^2 (1 = a single country); worst_country_loss_pct and
    expected_shortfall are defined in :mod:`optimizer.stress` (the latter blank without
    Disruptions).
    """
    from .stress import worst_country_loss

    worst = worst_country_loss(data, plan)
    rows = []
    for mm, demand in data.minerals["demand"].items():
        alloc = allocations[allocations["mineral"] == mm]
        supplied = float(alloc["quantity"].sum())
        short = sum(q for (m2, _site), q in plan.short.items() if m2 == mm)
        buy_cost = float(alloc["cost"].sum())
        cost = buy_cost + (data.shortfall_penalty(mm) or 0.0) * short
        shares = alloc[alloc["quantity"] > 0].groupby("country")["quantity"].sum()
        sources = alloc.loc[alloc["quantity"] > 0, "supplier"].nunique()
        shares = (shares / supplied).sort_values(ascending=False) if supplied > 0 else shares
        top = shares.index[0] if len(shares) else None
        rows.append((
            mm, demand, supplied, short, cost,
            buy_cost / supplied if supplied > 0 else None,
            int(sources), int(len(shares)),
            top, float(shares.iloc[0]) if len(shares) else None,
            float((shares ** 2).sum()) if len(shares) else None,
            worst[mm],
            risk.expected_shortfall[mm] if risk is not None else None,
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
