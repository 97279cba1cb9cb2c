"""Result extraction: solved model -> :class:`Plan`; plan + data -> the output tables.

The tables follow output contract v1 (``schema.OUTPUT_SHEETS``). They are computed from the
plan and the input data only, so they agree with the independent checks by construction.
"""

from __future__ import annotations

from itertools import compress, repeat
from operator import itemgetter

import numpy as np
import pandas as pd
import pyomo.core as pyo

from .checks import (Plan, effective_caps, offer_values, sum_by_key, supply_by_country,
                     values_for)
from .data import SourcingData
from .schema import MARGINAL_COLUMNS, OUTPUT_SHEETS

ZERO = 1e-9  # solver noise below this is reported as exactly zero


def _clean(value: float | None) -> float:
    value = float(value or 0.0)
    return 0.0 if abs(value) < ZERO else value


def _values(var) -> list[float]:
    """:func:`_clean` value of each element of an indexed variable, in its index order (or of
    each variable of a list)."""
    return _value_array(var).tolist()


def _value_array(var) -> np.ndarray:
    """:func:`_values` as an array."""
    elements = var if isinstance(var, list) else var.values()
    values = np.fromiter((v.value or 0.0 for v in elements), float, len(var))
    return np.where(np.abs(values) < ZERO, 0.0, values)


def extract_plan(model: pyo.ConcreteModel, data: SourcingData) -> Plan:
    """The decisions of a solved model (values already loaded into the variables).

    Each variable is read by zipping its values with the index list it was built on (the same
    order; a plain pass is 3x faster than ``model.buy[o]`` per offer).
    """
    ix = model.ix
    # m.buy in offer order: its values() walks Pyomo's index (0.04 s at 100,000 offers)
    bought = _value_array(model.buy_by_position)
    quantities = bought.tolist()
    buy = dict(zip(ix.offers, quantities))
    used = dict(zip(ix.offers, (bought > 0).tolist()))  # q > 0, offer by offer
    for o, v in zip(ix.offers_with_use, model.use.values()):
        used[o] = round(v.value or 0.0) == 1
    make = {p: _clean(v.value) for p, v in zip(ix.projects, model.make.values())}
    funded = {p: q > 0 for p, q in make.items()}
    for p, v in zip(ix.projects_with_fund, model.fund.values()):
        funded[p] = round(v.value or 0.0) == 1
    short = {pair: _clean(v.value) for pair, v in zip(ix.short_minerals, model.short.values())}
    ship: dict[tuple[str, str, str], float] = {}
    if ix.network:
        ship = dict(zip(ix.offer_arcs, _values(model.ship)))
        mineral = data.projects["mineral"]
        for (p, t), v in zip(ix.project_arcs, model.ship_project.values()):
            arc = (p, mineral[p], t)
            ship[arc] = ship.get(arc, 0.0) + _clean(v.value)
    else:
        site = data.site_names()[0]
        arcs = ix.single_site_arcs if ix.site_names[:1] == [site] else \
            [(s, mm, site) for s, mm in ix.offers]
        ship = dict(zip(arcs, quantities))  # (s, mm, site) per offer of buy
        for p, q in make.items():
            arc = (p, data.projects.at[p, "mineral"], site)
            ship[arc] = ship.get(arc, 0.0) + q
    qualified = {s: round(v.value or 0.0) == 1
                 for s, v in zip(ix.suppliers_with_fixed_cost, model.qualify.values())}
    reserve = {o: max(_clean(v.value), buy[o]) for o, v in model.reserve.items()}
    return Plan(buy, used, make, funded, short, ship, qualified, reserve)


def _frame(sheet: str, rows: list[tuple]) -> pd.DataFrame:
    columns = list(OUTPUT_SHEETS[sheet])
    later = MARGINAL_COLUMNS.get(sheet, ())  # filled by optimizer/marginals.py
    table = pd.DataFrame(rows, columns=[c for c in columns if c not in later])
    return table.reindex(columns=columns) if later else table


def _frame_of_columns(sheet: str, columns: dict[str, object]) -> pd.DataFrame:
    """Like :func:`_frame`, from columns (lists or arrays) instead of rows."""
    later = MARGINAL_COLUMNS.get(sheet, ())
    table = pd.DataFrame({c: columns[c] for c in OUTPUT_SHEETS[sheet] if c not in later})
    return table.reindex(columns=list(OUTPUT_SHEETS[sheet])) if later else table


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

    # 1. Every offer or project that supplies or holds a contract (a "source"), with its
    #    quantity, reserved capacity and yearly fixed cost. Offers as arrays over plan.buy.
    n = len(plan.buy)
    total = np.fromiter(plan.buy.values(), float, n)
    used = np.fromiter(values_for(plan.used, plan.buy), bool, n)  # None (not listed) -> False
    reserved = np.fromiter(map(plan.reserve.get, plan.buy, plan.buy.values()), float, n) \
        if plan.reserve else total.copy()  # nothing reserved beyond what is bought
    fixed = np.where(used, np.asarray(offer_values(data, plan, "fixed_cost"), float), 0.0)
    fixed += np.asarray(offer_values(data, plan, "reservation_cost"), float) * reserved
    active = (total > 0) | used | (reserved > 0)
    if any(plan.qualified.values()):
        # the supplier's fixed cost, spread over its offers by quantity
        supplier_total = sum_by_key(map(itemgetter(0), plan.buy), total)
        for i, (s, _mm) in enumerate(plan.buy):
            if active[i] and plan.qualified.get(s) and supplier_total.get(s):
                fixed[i] += data.suppliers.at[s, "fixed_cost"] * (total[i] / supplier_total[s])
    keep = np.flatnonzero(active)
    kept = _take(list(plan.buy), keep)
    kinds = ["offer"] * len(keep)
    names, minerals = list(map(itemgetter(0), kept)), list(map(itemgetter(1), kept))
    country, price, currency, quote = (
        np.asarray(offer_values(data, plan, c), dtype=object)[keep].tolist()
        for c in ("country", "unit_cost", "currency", "quote_unit_cost"))
    total, fixed, reserved = total[keep].tolist(), fixed[keep].tolist(), reserved[keep].tolist()
    projects, years = data.projects, data.settings.amortization_years
    project_rows = dict(zip(projects.index, projects.to_dict("records")))
    for p, q in plan.make.items():
        if plan.funded.get(p):
            row = project_rows[p]
            for column, value in ((kinds, "project"), (names, p), (minerals, row["mineral"]),
                                  (country, row["country"]), (price, row["unit_cost"]),
                                  (currency, row["currency"]),
                                  (quote, row["quote_unit_cost"]), (total, q),
                                  (fixed, row["capex"] / years + row["fixed_cost"]),
                                  (reserved, q)):
                column.append(value)

    # 2. One row per source and site it supplies (the first site, at 0, if it supplies none).
    site_names, ship = data.site_names(), plan.ship
    if len(site_names) == 1:
        site = site_names[0]
        at = None  # a row per source, in order
        shipped = np.fromiter(map(ship.get, zip(names, minerals, repeat(site)), repeat(0.0)),
                              float, len(names))
        quantity = np.where(shipped > 0, shipped, 0.0)  # NaN and -0.0 -> 0.0, as q > 0 does
        sites, split = [site] * len(names), np.zeros(len(names), bool)
    else:
        at, sites, quantity, split = [], [], [], []
        for i, (s, mm) in enumerate(zip(names, minerals)):
            to = [(t, q) for t in site_names if (q := ship.get((s, mm, t), 0.0)) > 0] \
                or [(site_names[0], 0.0)]
            for t, q in to:
                at.append(i), sites.append(t), quantity.append(q), split.append(len(to) > 1)
        at, split = np.asarray(at, dtype=np.intp), np.asarray(split, bool)
    if not len(sites):
        return _frame("Allocations", [])

    # 3. The row's costs, as NumPy columns (the same operations, in the same order, as
    #    q * (price + transport + tariff) + fixed * (q / total) per row).
    rows = range(len(names)) if at is None else at.tolist()
    name_of, mineral_of = _take(names, at), _take(minerals, at)
    lane_costs = _lane_costs(data)
    transport, tariff_rate = (np.array(c, float).reshape(-1) for c in zip(*(
        lane_costs.get((kinds[i], name_of[r], mineral_of[r], sites[r]), (0.0, 0.0))
        for r, i in enumerate(rows)))) if lane_costs else (np.zeros(len(sites)),) * 2
    q = np.asarray(quantity, float)
    at = slice(None) if at is None else at
    price_, total_ = np.asarray(price, float)[at], np.asarray(total, float)[at]
    fixed_, reserved_ = np.asarray(fixed, float)[at], np.asarray(reserved, float)[at]
    tariff = tariff_rate * price_
    landed = price_ + transport + tariff
    mineral_supplied = np.array([supplied.get(mm) or 0.0 for mm in mineral_of], float)
    with np.errstate(divide="ignore", invalid="ignore"):
        part = q / total_  # the row's part of its source (where total > 0)
        share = np.where(mineral_supplied != 0, q / mineral_supplied, 0.0)
    cost = q * landed + np.where(total_ > 0, fixed_ * part, fixed_)
    table = _frame_of_columns("Allocations", {
        "supplier": name_of, "country": _take(country, rows),
        "mineral": mineral_of, "quantity": q, "unit_cost": price_, "cost": cost,
        "share": share, "site": sites, "transport_cost": transport, "tariff_cost": tariff,
        "landed_unit_cost": landed, "currency": _take(currency, rows),
        "quote_unit_cost": np.asarray(quote, float)[at],
        "reserved": np.where((total_ > 0) & split, reserved_ * part, reserved_)})
    # by mineral (in the workbook's order), quantity (largest first), supplier, site
    order = {mm: i for i, mm in enumerate(data.minerals.index)}
    return _sort(table, list(map(order.get, mineral_of, repeat(len(order)))), -q,
                 _ranks(name_of), _ranks(sites))


def _take(values: list, at) -> list:
    """``[values[i] for i in at]``; ``values`` itself when ``at`` is None or every position in
    order, C-level otherwise."""
    if at is None or (isinstance(at, range) and at == range(len(values))):
        return values
    at = at.tolist() if isinstance(at, np.ndarray) else list(at)
    if len(at) == 1:
        return [values[at[0]]]
    return list(itemgetter(*at)(values)) if at else []


def _ranks(values: list[str]) -> np.ndarray:
    """Each value's place among the distinct values sorted (as pandas sorts strings)."""
    place = {v: i for i, v in enumerate(sorted(set(values)))}
    return np.fromiter(map(place.__getitem__, values), np.intp, len(values))


def _sort(table: pd.DataFrame, *keys) -> pd.DataFrame:
    """``table`` sorted by ``keys`` (one number per row each; the first decides first, rows
    equal in all keep their order): what ``sort_values`` by the columns gives, without
    sorting the same 50,000 strings per column again (2x faster)."""
    return table.take(np.lexsort(keys[::-1])).reset_index(drop=True)


def _lane_costs(data: SourcingData) -> dict[tuple[str, str, str, str], tuple[float, float]]:
    """(kind, source, mineral, site) -> (transport_cost, tariff_rate) of every arc that has
    either; other arcs cost (0.0, 0.0) (data.arcs() holds a row for every arc)."""
    arcs = data.arcs()
    costly = ((arcs["transport_cost"] != 0) | (arcs["tariff_rate"] != 0)).to_numpy()
    if not costly.any():
        return {}
    arcs = arcs[costly]
    return dict(zip(zip(*(arcs[c].tolist() for c in ("kind", "source", "mineral", "site"))),
                    zip(arcs["transport_cost"].tolist(), arcs["tariff_rate"].tolist())))


def flows_table(data: SourcingData, plan: Plan) -> pd.DataFrame:
    """Supplier (or project) -> site -> mineral -> quantity, for every positive flow."""
    quantity = np.fromiter(plan.ship.values(), float, len(plan.ship))
    positive = quantity > 0
    if not positive.any():
        return _frame("Flows", [])
    arcs = list(compress(plan.ship, positive))
    sources, minerals, sites = (list(map(itemgetter(k), arcs)) for k in range(3))
    quantity = quantity[positive]
    table = _frame_of_columns("Flows", {"supplier": sources, "site": sites,
                                        "mineral": minerals, "quantity": quantity})
    # by site, mineral, quantity (largest first), supplier
    return _sort(table, _ranks(sites), _ranks(minerals), -quantity, _ranks(sources))


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
    caps = effective_caps(data, plan)
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
    expected_shortfall are defined in :mod:`optimizer.resilience` (the latter blank without
    Disruptions).
    """
    from .resilience import worst_country_loss

    worst = worst_country_loss(data, plan)
    short: dict[str, float] = {}
    for (mm, _site), q in plan.short.items():
        short[mm] = short.get(mm, 0) + q
    # Grouped once instead of filtered per mineral; each mineral's sums are the same NumPy
    # (pairwise) sums over its rows in table order, and groupby sums per country as before.
    rows_of = allocations.groupby("mineral", sort=False).indices
    quantity, alloc_cost = allocations["quantity"].to_numpy(), allocations["cost"].to_numpy()
    supplying = allocations[allocations["quantity"] > 0]
    suppliers_used = supplying.groupby("mineral")["supplier"].nunique()
    by_country = supplying.groupby(["mineral", "country"])["quantity"].sum()
    countries_of: dict[str, tuple[list, list]] = {}
    for (mm, country), q in zip(by_country.index.tolist(), by_country.tolist()):
        names, values = countries_of.setdefault(mm, ([], []))
        names.append(country)
        values.append(q)
    no_rows = np.array([], dtype=np.intp)
    rows = []
    for mm, demand in data.minerals["demand"].items():
        at = rows_of.get(mm, no_rows)
        supplied = float(quantity[at].sum())
        buy_cost = float(alloc_cost[at].sum())
        cost = buy_cost + (data.shortfall_penalty(mm) or 0.0) * short.get(mm, 0)
        names, values = countries_of.get(mm, ([], []))
        top, top_share, hhi = _concentration(names, values, supplied)
        rows.append((
            mm, demand, supplied, short.get(mm, 0), cost,
            buy_cost / supplied if supplied > 0 else None,
            int(suppliers_used.get(mm, 0)), len(names), top, top_share, hhi,
            worst[mm],
            risk.expected_shortfall[mm] if risk is not None else None,
        ))
    return _frame("Minerals", rows)


def _concentration(countries: list[str], quantities: list[float], supplied: float
                   ) -> tuple[str | None, float | None, float | None]:
    """The top country, its share and the HHI of a mineral's supply by country (countries in
    sorted order): what ``shares = pd.Series(quantities, countries) / supplied`` sorted by
    share, largest first, gives as ``shares.index[0]``, ``shares.iloc[0]`` and
    ``(shares ** 2).sum()``. In NumPy (150 tiny Series cost 30 ms at XL); pandas only to
    break a tie for the top share."""
    if not countries:
        return None, None, None
    shares = np.asarray(quantities, dtype=float)
    if not supplied > 0:  # nothing to divide by: the quantities, unsorted
        return countries[0], float(shares[0]), float((shares ** 2).sum())
    shares = shares / supplied
    largest = shares.max()
    if (shares == largest).sum() > 1:  # a tie: pandas' sort decides which country is first
        top = pd.Series(shares, index=countries).sort_values(ascending=False).index[0]
    else:
        top = countries[int(shares.argmax())]
    # tied shares are equal numbers, so every descending order sums the same squares
    return top, float(largest), float((np.sort(shares)[::-1] ** 2).sum())


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
