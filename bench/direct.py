"""The yardstick: the same model built straight into highspy from NumPy arrays, no Pyomo.

Issue 7 asks that building the Pyomo model and handing it to HiGHS take no more than 3x this.
It covers the core formulation of ``models/formulation.md`` that the generated instances use
(offers with optional use binaries, projects and budgets, shortfall, total_supply, demand,
country caps). :func:`check_supported` refuses data with other features (sites and lanes,
supplier-wide limits, group rules, diversification, reserves, disruptions), so the yardstick is
never silently a different model; ``bench/run.py`` also checks that both builds have the same
size and optimum.

Columns: buy[o], use[o in O^use], make[p], fund[p in P^fund], short[m,t], supplied[m], then
reordered by first appearance in the rows, as Pyomo orders them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.data import SourcingData


@dataclass
class Arrays:
    """A linear program in HiGHS's terms: bounds, costs and a row-wise (CSR) matrix."""

    col_cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray  # bool per column
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray  # CSR: row i holds entries start[i]:start[i+1]
    index: np.ndarray
    value: np.ndarray

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(rows, columns, nonzeros, integer columns)."""
        return len(self.row_lower), len(self.col_cost), len(self.value), int(self.integer.sum())


def check_supported(data: SourcingData) -> None:
    """Raise ValueError if ``data`` uses a rule family the yardstick does not build."""
    unsupported = []
    if getattr(data, "has_sites", False):
        unsupported.append("sites and lanes")
    suppliers = data.suppliers
    for column, what in (("capacity", "supplier capacity"), ("fixed_cost", "supplier fixed cost")):
        if column in suppliers and (suppliers[column].fillna(0) > 0).any():
            unsupported.append(what)
    for name in ("group_rules", "disruptions"):
        if len(getattr(data, name, ())):
            unsupported.append(name)
    for column in ("max_supplier_share", "min_suppliers", "min_countries", "n1_coverage"):
        if column in data.minerals and data.minerals[column].notna().any():
            unsupported.append(column)
    if "reservation_cost" in data.offers and (data.offers["reservation_cost"] > 0).any():
        unsupported.append("reservation_cost")
    if getattr(data.settings, "objective", "cost") != "cost":
        unsupported.append("objective other than cost")
    if unsupported:
        raise ValueError("the direct build covers the core model only; this data uses "
                         + ", ".join(unsupported))


def effective_caps(data: SourcingData) -> pd.Series:
    """Cap of every (mineral, country) that can supply, as ``SourcingData.effective_caps`` but
    vectorised: CountryCaps(c, m), then CountryCaps(c, blank), then Minerals.max_country_share,
    then Settings.max_country_share. Minerals in sheet order, then countries sorted."""
    offers, projects = data.offers, data.projects
    pairs = pd.DataFrame({
        "mineral": np.concatenate([offers.index.get_level_values("mineral").to_numpy(object),
                                   projects["mineral"].to_numpy(object)]),
        "country": np.concatenate([offers["country"].to_numpy(object),
                                   projects["country"].to_numpy(object)]),
    }).drop_duplicates()
    pairs["order"] = pd.Categorical(pairs["mineral"], categories=list(data.minerals.index)).codes
    pairs = pairs.sort_values(["order", "country"]).drop(columns="order")
    cap = pairs["mineral"].map(data.minerals["max_country_share"]).astype(float)
    cap = cap.fillna(float(data.settings.max_country_share))
    rules = data.country_caps
    blank = rules[rules["mineral"].isna()]
    by_country = pairs["country"].map(dict(zip(blank["country"], blank["max_share"])))
    cap = cap.where(by_country.isna(), by_country.astype(float))
    specific = rules[rules["mineral"].notna()]
    by_pair = pd.Series(specific["max_share"].to_numpy(float), index=pd.MultiIndex.from_arrays(
        [specific["mineral"], specific["country"]]))
    index = pd.MultiIndex.from_frame(pairs)
    exact = by_pair.reindex(index).to_numpy() if len(by_pair) else np.full(len(pairs), np.nan)
    return pd.Series(np.where(np.isnan(exact), cap.to_numpy(), exact), index=index)


def build_arrays(data: SourcingData) -> Arrays:
    """The model of ``models/formulation.md`` (core rules) as arrays, vectorised with NumPy."""
    check_supported(data)
    offers, projects, minerals = data.offers, data.projects, data.minerals
    mineral_names = list(minerals.index)
    n_m, n_o, n_p = len(mineral_names), len(offers), len(projects)
    o_min = pd.Categorical(offers.index.get_level_values("mineral"),
                           categories=mineral_names).codes.astype(np.int64)
    p_min = pd.Categorical(projects["mineral"], categories=mineral_names).codes.astype(np.int64)
    o_cap = offers["capacity"].to_numpy(float)
    o_min_order = offers["min_order"].to_numpy(float)
    o_fixed = offers["fixed_cost"].to_numpy(float)
    p_cap = projects["capacity"].to_numpy(float)
    p_capex = projects["capex"].to_numpy(float)
    p_fixed = projects["fixed_cost"].to_numpy(float)

    with_use = np.flatnonzero((o_min_order > 0) | (o_fixed > 0))
    with_fund = np.flatnonzero((p_capex > 0) | (p_fixed > 0))
    demand = data.site_demand() if hasattr(data, "site_demand") else \
        {(m, ""): float(d) for m, d in minerals["demand"].items()}
    demand_keys = list(demand)
    short_keys = demand_keys if data.settings.allow_shortfall else []

    # Column blocks.
    c_buy = 0
    c_use = c_buy + n_o
    c_make = c_use + len(with_use)
    c_fund = c_make + n_p
    c_short = c_fund + len(with_fund)
    c_supplied = c_short + len(short_keys)
    n_col = c_supplied + n_m
    years = data.settings.amortization_years
    penalty = [data.shortfall_penalty(m) for m, _ in short_keys]
    col_cost = np.concatenate([
        offers["unit_cost"].to_numpy(float), o_fixed[with_use],
        projects["unit_cost"].to_numpy(float), p_capex[with_fund] / years + p_fixed[with_fund],
        np.asarray(penalty, float), np.zeros(n_m)])
    col_lower = np.zeros(n_col)
    col_upper = np.concatenate([o_cap, np.ones(len(with_use)), p_cap, np.ones(len(with_fund)),
                                np.full(len(short_keys) + n_m, np.inf)])
    integer = np.zeros(n_col, bool)
    integer[c_use:c_make] = True
    integer[c_fund:c_short] = True

    rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (row, col, value) per family
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    n_row = 0

    def add(row, col, val, lo, up) -> None:
        nonlocal n_row
        rows.append((np.asarray(row) + n_row, np.asarray(col), np.asarray(val, float)))
        lower.append(np.asarray(lo, float))
        upper.append(np.asarray(up, float))
        n_row += len(lower[-1])

    k = np.arange(len(with_use))
    # offer_capacity: buy - capacity * use <= 0
    add(np.repeat(k, 2), np.column_stack([c_buy + with_use, c_use + k]).ravel(),
        np.column_stack([np.ones(len(k)), -o_cap[with_use]]).ravel(),
        np.full(len(k), -np.inf), np.zeros(len(k)))
    # min_order: min_order * use - buy <= 0 (buy >= min_order * use, signed as Pyomo signs it)
    has_min = np.flatnonzero(o_min_order[with_use] > 0)
    k2 = np.arange(len(has_min))
    add(np.repeat(k2, 2), np.column_stack([c_buy + with_use[has_min], c_use + has_min]).ravel(),
        np.column_stack([-np.ones(len(k2)), o_min_order[with_use[has_min]]]).ravel(),
        np.full(len(k2), -np.inf), np.zeros(len(k2)))
    # project_capacity: make - capacity * fund <= 0
    k3 = np.arange(len(with_fund))
    add(np.repeat(k3, 2), np.column_stack([c_make + with_fund, c_fund + k3]).ravel(),
        np.column_stack([np.ones(len(k3)), -p_cap[with_fund]]).ravel(),
        np.full(len(k3), -np.inf), np.zeros(len(k3)))
    # total_supply: supplied[m] - sum buy(m) - sum make(m) = 0
    add(np.concatenate([np.arange(n_m), o_min, p_min]),
        np.concatenate([c_supplied + np.arange(n_m), c_buy + np.arange(n_o),
                        c_make + np.arange(n_p)]),
        np.concatenate([np.ones(n_m), -np.ones(n_o), -np.ones(n_p)]),
        np.zeros(n_m), np.zeros(n_m))
    # demand: supplied[m] + short[m,t] >= D[m,t]
    d_min = pd.Categorical([m for m, _ in demand_keys],
                           categories=mineral_names).codes.astype(np.int64)
    n_d = len(demand_keys)
    short_rows = np.arange(len(short_keys))  # short_keys is demand_keys or empty
    add(np.concatenate([np.arange(n_d), short_rows]),
        np.concatenate([c_supplied + d_min, c_short + short_rows]),
        np.ones(n_d + len(short_rows)), np.fromiter(demand.values(), float, n_d),
        np.full(n_d, np.inf))
    # country_cap, per (m, c) with cap < 1: sum buy(m,c) + sum make(m,c) - cap * supplied[m] <= 0
    caps = effective_caps(data)
    caps = caps[caps < 1.0]
    if len(caps):
        pair = caps.index
        o_pair = pair.get_indexer(pd.MultiIndex.from_arrays(
            [offers.index.get_level_values("mineral"), offers["country"]]))
        p_pair = pair.get_indexer(pd.MultiIndex.from_arrays(
            [projects["mineral"], projects["country"]])) if n_p else np.zeros(0, int)
        cap_min = pd.Categorical(pair.get_level_values("mineral"),
                                 categories=mineral_names).codes.astype(np.int64)
        o_in, p_in = np.flatnonzero(o_pair >= 0), np.flatnonzero(p_pair >= 0)
        add(np.concatenate([o_pair[o_in], p_pair[p_in], np.arange(len(caps))]),
            np.concatenate([c_buy + o_in, c_make + p_in, c_supplied + cap_min]),
            np.concatenate([np.ones(len(o_in) + len(p_in)), -caps.to_numpy()]),
            np.full(len(caps), -np.inf), np.zeros(len(caps)))
    # budget: sum capex * fund <= amount (lines with no capex to pay are skipped)
    budgets = data.budgets
    if len(budgets) and len(with_fund):
        b_of = pd.Categorical(projects["budget"].to_numpy()[with_fund],
                              categories=list(budgets.index)).codes.astype(np.int64)
        pays = np.flatnonzero((b_of >= 0) & (p_capex[with_fund] > 0))
        used = np.unique(b_of[pays])
        line = np.searchsorted(used, b_of[pays])
        add(line, c_fund + pays, p_capex[with_fund][pays], np.full(len(used), -np.inf),
            budgets["amount"].to_numpy(float)[used])

    row = np.concatenate([r for r, _, _ in rows])
    col = np.concatenate([c for _, c, _ in rows])
    val = np.concatenate([v for _, _, v in rows])
    if len(col) and (col.min() < 0 or col.max() >= n_col):
        raise AssertionError("a column index is out of range")  # HiGHS would crash on it
    order = np.argsort(row, kind="stable")
    start = np.zeros(n_row + 1, np.int32)
    np.cumsum(np.bincount(row, minlength=n_row), out=start[1:])
    col, val = col[order], val[order]
    # Columns in order of first appearance in the rows, as Pyomo hands them to HiGHS (its
    # simplex is sensitive to the order: declaration order solved 5x slower at XL).
    seen, first = np.unique(col, return_index=True)
    unseen = np.setdiff1d(np.arange(n_col), seen)
    by_appearance = np.concatenate([seen[np.argsort(first, kind="stable")], unseen])
    new = np.empty(n_col, np.int64)
    new[by_appearance] = np.arange(n_col)
    return Arrays(col_cost[by_appearance], col_lower[by_appearance], col_upper[by_appearance],
                  integer[by_appearance], np.concatenate(lower), np.concatenate(upper), start,
                  new[col].astype(np.int32), val)


def to_highs(arrays: Arrays):
    """A highspy.Highs holding the model (``passModel``), quiet."""
    import highspy

    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    n_row, n_col = len(arrays.row_lower), len(arrays.col_cost)
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_ = arrays.col_cost
    lp.col_lower_ = arrays.col_lower
    lp.col_upper_ = np.where(np.isinf(arrays.col_upper), inf, arrays.col_upper)
    lp.row_lower_ = np.where(np.isinf(arrays.row_lower), -inf, arrays.row_lower)
    lp.row_upper_ = np.where(np.isinf(arrays.row_upper), inf, arrays.row_upper)
    matrix = lp.a_matrix_
    matrix.format_ = highspy.MatrixFormat.kRowwise
    matrix.num_col_, matrix.num_row_ = n_col, n_row
    matrix.start_, matrix.index_, matrix.value_ = arrays.start, arrays.index, arrays.value
    lp.a_matrix_ = matrix
    if arrays.integer.any():
        lp.integrality_ = np.where(arrays.integer, highspy.HighsVarType.kInteger,
                                   highspy.HighsVarType.kContinuous).tolist()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    return h


def build_highs(data: SourcingData):
    """:func:`build_arrays` then :func:`to_highs`: the yardstick timed by bench/run.py."""
    return to_highs(build_arrays(data))
