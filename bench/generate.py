"""Seeded instance generator: contract-valid input workbooks of a chosen size.

    python -m bench.generate --size L --seed 1 -o bench/instances/L-1.xlsx
    python -m bench.generate --size XL --seed 1 --lp -o bench/instances/XL-1-lp.xlsx

The structure imitates the public production figures behind the bundled example:

- suppliers are spread over ~45 countries whose weights are skewed (China far ahead, then
  Australia, the Congo (Kinshasa), Chile, Indonesia, ...); each mineral has one *leader* country
  (China for most, another big producer for the rest) whose offers are large and cheap;
- offer capacities are log-normal around the country's weight, prices log-normal around a
  per-mineral base price, with a discount for the leader;
- no country may supply more than 50 % of a mineral (Settings), China at most 40 % of any
  mineral, Russia nothing (CountryCaps), and a tenth of the minerals cap their leader at 30 %;
  demand is set below what the caps allow, so every instance is feasible, but the leader's cheap
  capacity exceeds its cap, so the caps bind;
- unless ``--lp``: about 3 % of offers carry a yearly fixed cost and 3 % a minimum order (a
  binary each), and projects compete for budget lines that cannot fund all of them.

``--lp`` drops the fixed costs, minimum orders, projects and budgets: a pure LP, for the
timing ratios of issue 7, which are stated for pure LPs.

Sizes (offers): S ~100, M ~2,000, L ~20,000, XL ~100,000.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Size:
    """How big an instance is: counts of minerals, suppliers, offers, projects, budget lines."""

    minerals: int
    suppliers: int
    offers: int
    projects: int
    budgets: int


SIZES: dict[str, Size] = {
    "S": Size(minerals=5, suppliers=40, offers=100, projects=3, budgets=1),
    "M": Size(minerals=20, suppliers=500, offers=2_000, projects=10, budgets=2),
    "L": Size(minerals=60, suppliers=5_000, offers=20_000, projects=30, budgets=3),
    "XL": Size(minerals=150, suppliers=25_000, offers=100_000, projects=60, budgets=4),
}

# Country, weight (roughly its share of world production of critical minerals, in %).
COUNTRIES: tuple[tuple[str, float], ...] = (
    ("China", 40), ("Australia", 8), ("Congo (Kinshasa)", 6), ("Chile", 5), ("Indonesia", 5),
    ("Russia", 4), ("South Africa", 4), ("United States", 4), ("Brazil", 3), ("Canada", 3),
    ("Argentina", 2), ("Peru", 2), ("Kazakhstan", 2), ("India", 2), ("Japan", 2),
    ("Philippines", 1.5), ("Burma (Myanmar)", 1.5), ("Vietnam", 1), ("Mexico", 1),
    ("Germany", 1), ("Belgium", 1), ("Zimbabwe", 1), ("Madagascar", 1), ("Mozambique", 1),
    ("Turkey", 1), ("Malaysia", 1), ("South Korea", 1), ("Finland", 0.5), ("Norway", 0.5),
    ("Morocco", 0.5), ("Gabon", 0.5), ("Zambia", 0.5), ("Tanzania", 0.5), ("Bolivia", 0.5),
    ("Cuba", 0.5), ("New Caledonia", 0.5), ("Rwanda", 0.3), ("Nigeria", 0.3), ("Namibia", 0.3),
    ("Sweden", 0.3), ("Poland", 0.3), ("Spain", 0.3), ("Portugal", 0.3), ("Austria", 0.2),
    ("Estonia", 0.2),
)
# The USGS 2022 list of critical minerals; larger instances add product forms.
ELEMENTS = (
    "aluminum", "antimony", "arsenic", "barite", "beryllium", "bismuth", "cerium", "cesium",
    "chromium", "cobalt", "dysprosium", "erbium", "europium", "fluorspar", "gadolinium",
    "gallium", "germanium", "graphite", "hafnium", "holmium", "indium", "iridium", "lanthanum",
    "lithium", "lutetium", "magnesium", "manganese", "neodymium", "nickel", "niobium",
    "palladium", "platinum", "praseodymium", "rhodium", "rubidium", "ruthenium", "samarium",
    "scandium", "tantalum", "tellurium", "terbium", "thulium", "tin", "titanium", "tungsten",
    "vanadium", "ytterbium", "yttrium", "zinc", "zirconium",
)
FORMS = ("", " oxide", " metal", " concentrate", " chemical")
PROJECT_COUNTRIES = ("United States", "Canada", "Australia", "Japan", "Germany", "Finland")
LEADER_SHARE_OF_CAPACITY = 0.55  # the leader country's share of a mineral's offered capacity
MAX_COUNTRY_SHARE = 0.5
CHINA_CAP = 0.4
LEADER_CAP = 0.3
FIXED_COST_SHARE = 0.03  # of offers, in the MIP variant
MIN_ORDER_SHARE = 0.03


def mineral_names(n: int) -> list[str]:
    """``n`` distinct mineral names: the critical-minerals list, then product forms of it."""
    names = [e + f for f in FORMS for e in ELEMENTS]
    if n > len(names):
        names += [f"mineral {i:04d}" for i in range(len(names), n)]
    return names[:n]


def generate(size: str | Size, seed: int = 1, lp: bool = False) -> dict[str, pd.DataFrame]:
    """The input sheets (keyed by sheet name) of one seeded instance.

    ``size`` is ``"S"``, ``"M"``, ``"L"``, ``"XL"`` or a :class:`Size`. Quantities in t/year,
    money in USD. The same ``(size, seed, lp)`` always gives the same tables.
    """
    spec = SIZES[size] if isinstance(size, str) else size
    rng = np.random.default_rng(seed)
    names = [c for c, _ in COUNTRIES]
    weight = np.array([w for _, w in COUNTRIES], dtype=float)
    minerals = mineral_names(spec.minerals)
    n_m = len(minerals)

    # Suppliers: countries drawn by weight^0.7 (big producers have more firms, less than
    # proportionally); each supplier is one firm in one country.
    p_country = weight ** 0.7 / (weight ** 0.7).sum()
    sup_country = rng.choice(len(names), size=spec.suppliers, p=p_country)
    suppliers = pd.DataFrame({
        "supplier": [f"S{i:06d} {names[c].split()[0]}" for i, c in enumerate(sup_country)],
        "country": [names[c] for c in sup_country],
    })

    # Offers: each supplier offers a few distinct minerals (popular minerals more often).
    popularity = rng.uniform(0.3, 1.0, n_m)
    popularity /= popularity.sum()
    per_supplier = np.maximum(1, rng.poisson(spec.offers / spec.suppliers, spec.suppliers))
    per_supplier = np.minimum(per_supplier, n_m)
    sup_idx = np.repeat(np.arange(spec.suppliers), per_supplier)
    min_idx = np.concatenate([rng.choice(n_m, size=k, replace=False, p=popularity)
                              for k in per_supplier])
    off_country = sup_country[sup_idx]
    n_o = len(sup_idx)

    # Each mineral's leader: China for most, another top producer for the rest.
    leader = np.where(rng.random(n_m) < 0.65, 0, rng.integers(1, 8, n_m))
    is_leader = off_country == leader[min_idx]
    base_price = np.exp(rng.uniform(np.log(2e3), np.log(2e6), n_m))  # USD/t
    price = base_price[min_idx] * rng.lognormal(0.0, 0.15, n_o) * np.where(is_leader, 0.8, 1.1)
    capacity = rng.lognormal(0.0, 1.0, n_o) * weight[off_country] ** 0.5
    # Scale each mineral's leader capacity to LEADER_SHARE_OF_CAPACITY of the mineral's total.
    for j in range(n_m):
        mine = min_idx == j
        lead, rest = mine & is_leader, mine & ~is_leader
        if lead.any() and rest.any():
            target = LEADER_SHARE_OF_CAPACITY / (1 - LEADER_SHARE_OF_CAPACITY)
            capacity[lead] *= target * capacity[rest].sum() / capacity[lead].sum()
    mineral_scale = np.exp(rng.uniform(np.log(10), np.log(1e5), n_m))  # t/year per mineral
    total_cap = np.bincount(min_idx, weights=capacity, minlength=n_m)
    capacity = np.round(capacity * mineral_scale[min_idx] / np.maximum(total_cap[min_idx], 1e-9)
                        * 3.0, 2) + 0.01

    # Caps, in contract precedence: specific (country, mineral) > (country, blank) > mineral
    # column > Settings.
    capped_leader = rng.random(n_m) < 0.1
    specific = [(names[leader[j]], minerals[j], LEADER_CAP) for j in range(n_m)
                if capped_leader[j]]
    caps_rows = [("China", None, CHINA_CAP), ("Russia", None, 0.0)] + specific
    mineral_cap = np.where(rng.random(n_m) < 0.1, 0.6, np.nan)

    def cap_of(c: int, j: int) -> float:
        if capped_leader[j] and c == leader[j]:
            return LEADER_CAP
        if names[c] == "China":
            return CHINA_CAP
        if names[c] == "Russia":
            return 0.0
        return MAX_COUNTRY_SHARE if np.isnan(mineral_cap[j]) else float(mineral_cap[j])

    # Projects (MIP variant): new capacity in allied countries, cheaper to run than imports.
    projects = pd.DataFrame(columns=["project", "mineral", "country", "capacity", "unit_cost",
                                     "capex", "budget", "fixed_cost"])
    budgets = pd.DataFrame(columns=["budget", "amount"])
    if not lp:
        budget_names = [f"Budget line {b + 1}" for b in range(spec.budgets)]
        p_min = rng.integers(0, n_m, spec.projects)
        p_cap = np.round(mineral_scale[p_min] * rng.uniform(0.05, 0.15, spec.projects), 2)
        p_price = np.round(base_price[p_min] * rng.uniform(0.6, 0.9, spec.projects), 2)
        p_capex = np.round(p_cap * base_price[p_min] * rng.uniform(0.5, 3.0, spec.projects), -3)
        p_budget = rng.integers(0, spec.budgets, spec.projects)
        projects = pd.DataFrame({
            "project": [f"P{k:04d} {minerals[j]} plant" for k, j in enumerate(p_min)],
            "mineral": [minerals[j] for j in p_min],
            "country": rng.choice(PROJECT_COUNTRIES, spec.projects),
            "capacity": p_cap, "unit_cost": p_price, "capex": p_capex,
            "budget": [budget_names[b] for b in p_budget],
            "fixed_cost": np.round(p_capex * rng.uniform(0.0, 0.02, spec.projects), -2),
        })
        spent = np.bincount(p_budget, weights=p_capex, minlength=spec.budgets)
        budgets = pd.DataFrame({"budget": budget_names,
                                "amount": np.round(np.maximum(spent, 1e6) * 0.4, -3)})

    # Demand: 90 % of the most the caps allow (so feasible), at most 45 % of the capacity.
    demand = np.zeros(n_m)
    for j in range(n_m):
        mine = min_idx == j
        by_country = np.bincount(off_country[mine], weights=capacity[mine],
                                 minlength=len(names))
        caps = np.array([cap_of(c, j) for c in range(len(names))])
        demand[j] = min(0.9 * _max_capped_supply(by_country, caps), 0.45 * by_country.sum())
    demand = np.round(np.maximum(demand, 0.01), 2)

    min_order = np.zeros(n_o)
    fixed_cost = np.zeros(n_o)
    if not lp:
        has_fixed = rng.random(n_o) < FIXED_COST_SHARE
        has_min = rng.random(n_o) < MIN_ORDER_SHARE
        fixed_cost[has_fixed] = np.round(capacity[has_fixed] * price[has_fixed]
                                         * rng.uniform(0.01, 0.05, has_fixed.sum()), 0)
        min_order[has_min] = np.round(capacity[has_min] * rng.uniform(0.2, 0.6, has_min.sum()), 2)

    offers = pd.DataFrame({
        "supplier": suppliers["supplier"].to_numpy()[sup_idx],
        "mineral": np.array(minerals, dtype=object)[min_idx],
        "unit_cost": np.round(price, 2),
        "capacity": capacity,
        "min_order": min_order,
        "fixed_cost": fixed_cost,
    })
    if lp:
        offers = offers.drop(columns=["min_order", "fixed_cost"])
    settings = pd.DataFrame([("max_country_share", MAX_COUNTRY_SHARE), ("time_limit_s", 600),
                             ("mip_gap", 1e-4)], columns=["setting", "value"])
    return {
        "Settings": settings,
        "Minerals": pd.DataFrame({"mineral": minerals, "demand": demand,
                                  "max_country_share": mineral_cap}),
        "Suppliers": suppliers,
        "Offers": offers,
        "CountryCaps": pd.DataFrame(caps_rows, columns=["country", "mineral", "max_share"]),
        "Projects": projects,
        "Budgets": budgets,
    }


def _max_capped_supply(capacity: np.ndarray, caps: np.ndarray) -> float:
    """Largest total X with sum_c min(cap_c X, capacity_c) >= X (the caps are shares of X)."""
    lo, hi = 0.0, float(capacity.sum())
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.minimum(caps * mid, capacity).sum() >= mid * (1 - 1e-12):
            lo = mid
        else:
            hi = mid
    return lo


def write(frames: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write the sheets in the template layout (optimizer.template), atomically."""
    from optimizer.template import write_input_workbook

    frames = {k: v for k, v in frames.items() if not (v.empty and k in ("Projects", "Budgets"))}
    return write_input_workbook(frames, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--size", choices=list(SIZES), required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lp", action="store_true",
                        help="pure LP: no fixed costs, minimum orders, projects or budgets")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    frames = generate(args.size, args.seed, args.lp)
    generated = time.perf_counter() - started
    path = write(frames, args.output)
    print(f"{path}: {len(frames['Offers']):,} offers, {len(frames['Minerals'])} minerals, "
          f"{len(frames['Suppliers']):,} suppliers, {len(frames['Projects'])} projects "
          f"(generated in {generated:.1f} s, written in "
          f"{time.perf_counter() - started - generated:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
