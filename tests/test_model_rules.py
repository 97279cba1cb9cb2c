"""Each model rule binding on a tiny instance whose optimum is worked out by hand."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from optimizer import solve
from optimizer.model import build_model

from .conftest import data, gallium_two_suppliers

TWO_SUPPLIERS = [{"supplier": "A", "country": "Chile"}, {"supplier": "B", "country": "Peru"}]


def binaries(model) -> int:
    return sum(1 for v in model.component_data_objects(pyo.Var) if v.is_binary())


def test_cheapest_offer_wins_without_a_cap():
    """No cap: all 100 from China at 10 -> 100 * 10 = 1000."""
    r = solve(gallium_two_suppliers())
    assert r.status == "optimal"
    assert r.total_cost == pytest.approx(1000)


def test_country_cap_binds():
    """Cap 60 %: China 60 * 10 + Japan 40 * 15 = 600 + 600 = 1200."""
    r = solve(gallium_two_suppliers(max_country_share=0.6))
    assert r.total_cost == pytest.approx(1200)
    shares = r.country_shares.set_index("country")
    assert shares.loc["China", "share"] == pytest.approx(0.6)
    assert shares.loc["China", "binding"] == "yes"
    assert shares.loc["Japan", "binding"] == "no"


def test_offer_capacity_binds():
    """A sells 70 at 10, B the rest at 12: 70 * 10 + 30 * 12 = 700 + 360 = 1060."""
    d = data(minerals=[{"mineral": "cobalt", "demand": 100}], suppliers=TWO_SUPPLIERS,
             offers=[{"supplier": "A", "mineral": "cobalt", "unit_cost": 10, "capacity": 70},
                     {"supplier": "B", "mineral": "cobalt", "unit_cost": 12, "capacity": 500}])
    r = solve(d)
    assert r.total_cost == pytest.approx(1060)
    assert dict(zip(r.allocations["supplier"], r.allocations["quantity"])) == \
        pytest.approx({"A": 70, "B": 30})


def test_min_order_forces_buying_more_than_demand():
    """Demand 100. A: 10/unit. B: 8/unit but at least 120 if used.
    A only: 100 * 10 = 1000; B only: 120 * 8 = 960 (20 more than needed); mixing cannot beat
    960 because B must take 120 >= demand. Optimum 960, supplied 120."""
    d = data(minerals=[{"mineral": "lithium", "demand": 100}], suppliers=TWO_SUPPLIERS,
             offers=[{"supplier": "A", "mineral": "lithium", "unit_cost": 10, "capacity": 100},
                     {"supplier": "B", "mineral": "lithium", "unit_cost": 8, "capacity": 200,
                      "min_order": 120}])
    r = solve(d)
    assert r.total_cost == pytest.approx(960)
    assert r.minerals.loc[0, "supplied"] == pytest.approx(120)


def test_min_order_too_large_keeps_offer_unused():
    """Demand 100. A: 10/unit. B: 8/unit, min 150: B costs >= 1200 > A's 1000. Optimum 1000."""
    d = data(minerals=[{"mineral": "lithium", "demand": 100}], suppliers=TWO_SUPPLIERS,
             offers=[{"supplier": "A", "mineral": "lithium", "unit_cost": 10, "capacity": 100},
                     {"supplier": "B", "mineral": "lithium", "unit_cost": 8, "capacity": 200,
                      "min_order": 150}])
    r = solve(d)
    assert r.total_cost == pytest.approx(1000)
    assert list(r.allocations["supplier"]) == ["A"]


def test_fixed_cost_paid_once_then_offer_filled():
    """Demand 150; A 10/unit cap 100; B 8/unit cap 100 with a fixed cost of 250.
    A 100 + B 50: 1000 + 400 + 250 = 1650.  B 100 + A 50: 800 + 250 + 500 = 1550 (best)."""
    d = data(minerals=[{"mineral": "graphite", "demand": 150}], suppliers=TWO_SUPPLIERS,
             offers=[{"supplier": "A", "mineral": "graphite", "unit_cost": 10, "capacity": 100},
                     {"supplier": "B", "mineral": "graphite", "unit_cost": 8, "capacity": 100,
                      "fixed_cost": 250}])
    r = solve(d)
    assert r.total_cost == pytest.approx(1550)
    assert r.fixed_cost == pytest.approx(250)
    assert r.purchase_cost == pytest.approx(1300)


def test_fixed_cost_not_worth_paying():
    """Demand 100; A 10/unit; B 8/unit + 250 fixed: B = 1050 > A = 1000. Optimum 1000."""
    d = data(minerals=[{"mineral": "graphite", "demand": 100}], suppliers=TWO_SUPPLIERS,
             offers=[{"supplier": "A", "mineral": "graphite", "unit_cost": 10, "capacity": 100},
                     {"supplier": "B", "mineral": "graphite", "unit_cost": 8, "capacity": 100,
                      "fixed_cost": 250}])
    r = solve(d)
    assert r.total_cost == pytest.approx(1000)
    assert r.fixed_cost == 0


def project_instance(budget: float) -> dict:
    """Gallium demand 100 at 20/unit from China; two projects, 60 capacity each:
    P-US unit 5, capex 1000 (100/yr over 10 years); P-JP unit 6, capex 800 (80/yr)."""
    return dict(
        minerals=[{"mineral": "gallium", "demand": 100}],
        suppliers=[{"supplier": "CN-A", "country": "China"}],
        offers=[{"supplier": "CN-A", "mineral": "gallium", "unit_cost": 20, "capacity": 100}],
        projects=[{"project": "P-US", "mineral": "gallium", "country": "United States",
                   "capacity": 60, "unit_cost": 5, "capex": 1000},
                  {"project": "P-JP", "mineral": "gallium", "country": "Japan",
                   "capacity": 60, "unit_cost": 6, "capex": 800}],
        budgets=[{"budget": "DPA", "amount": budget}],
    )


def test_budget_binds_and_picks_the_better_project():
    """Budget 1500 funds one project (both need 1800).
    P-US: 60 * 5 + 100 + 40 * 20 = 1200.  P-JP: 60 * 6 + 80 + 40 * 20 = 1240.  None: 2000."""
    r = solve(data(**project_instance(1500)))
    assert r.total_cost == pytest.approx(1200)
    funded = dict(zip(r.investments["project"], r.investments["funded"]))
    assert funded == {"P-US": "yes", "P-JP": "no"}
    assert r.investment_cost == pytest.approx(100)
    assert r.budgets.loc[0, "used"] == pytest.approx(1000)
    assert r.budgets.loc[0, "left"] == pytest.approx(500)


def test_bigger_budget_funds_both_projects():
    """Budget 2000: P-US 60 * 5 + P-JP 40 * 6 + 100 + 80 = 300 + 240 + 180 = 720."""
    r = solve(data(**project_instance(2000)))
    assert r.total_cost == pytest.approx(720)


def test_project_counts_toward_its_countrys_cap():
    """China 10/unit, a US project at 30/unit with no capex; cap 50 %:
    50 * 10 + 50 * 30 = 2000; the project has no binary (nothing to pay up front)."""
    d = data(minerals=[{"mineral": "gallium", "demand": 100}],
             suppliers=[{"supplier": "CN-A", "country": "China"}],
             offers=[{"supplier": "CN-A", "mineral": "gallium", "unit_cost": 10,
                      "capacity": 200}],
             projects=[{"project": "P", "mineral": "gallium", "country": "United States",
                        "capacity": 100, "unit_cost": 30, "capex": 0}],
             settings={"max_country_share": 0.5})
    assert binaries(build_model(d)) == 0
    r = solve(d)
    assert r.total_cost == pytest.approx(2000)
    assert r.investments.loc[0, "funded"] == "yes"


def test_shortfall_at_penalty_when_capacity_is_short():
    """Demand 100, only 60 available at 10, penalty 50: 600 + 40 * 50 = 2600."""
    d = data(minerals=[{"mineral": "germanium", "demand": 100}], suppliers=TWO_SUPPLIERS,
             offers=[{"supplier": "A", "mineral": "germanium", "unit_cost": 10, "capacity": 60}],
             settings={"allow_shortfall": True, "shortfall_penalty": 50})
    r = solve(d)
    assert r.total_cost == pytest.approx(2600)
    assert r.shortfall_cost == pytest.approx(2000)
    assert r.minerals.loc[0, "shortfall"] == pytest.approx(40)


def test_cheap_penalty_means_buying_nothing():
    """Penalty 5 per unit short is below the price 10 (per mineral, overriding the setting 50):
    buying nothing costs 100 * 5 = 500."""
    d = data(minerals=[{"mineral": "germanium", "demand": 100, "shortfall_penalty": 5}],
             suppliers=TWO_SUPPLIERS,
             offers=[{"supplier": "A", "mineral": "germanium", "unit_cost": 10,
                      "capacity": 60}],
             settings={"allow_shortfall": "yes", "shortfall_penalty": 50})
    r = solve(d)
    assert r.total_cost == pytest.approx(500)


def test_without_shortfall_short_capacity_is_infeasible():
    """Demand 100 but only 60 can be bought and shortfall is not allowed: no plan."""
    d = data(minerals=[{"mineral": "germanium", "demand": 100}], suppliers=TWO_SUPPLIERS,
             offers=[{"supplier": "A", "mineral": "germanium", "unit_cost": 10, "capacity": 60}])
    r = solve(d)
    assert r.status == "infeasible"
    assert not r.has_plan
    assert r.total_cost is None


def test_single_country_under_a_cap_is_infeasible():
    """Only China can supply, and China may supply at most 50 %: no plan."""
    d = data(minerals=[{"mineral": "gallium", "demand": 100}],
             suppliers=[{"supplier": "CN-A", "country": "China"}],
             offers=[{"supplier": "CN-A", "mineral": "gallium", "unit_cost": 10,
                      "capacity": 500}],
             settings={"max_country_share": 0.5})
    assert solve(d).status == "infeasible"


CAPS = [{"country": "China", "mineral": None, "max_share": 0.6},
        {"country": "China", "mineral": "gallium", "max_share": 0.5}]


@pytest.mark.parametrize("caps, expected", [
    (CAPS, 1500),       # CountryCaps(China, gallium) 0.5: 50 * 10 + 50 * 20 = 1500
    (CAPS[:1], 1400),   # CountryCaps(China, blank) 0.6:   60 * 10 + 40 * 20 = 1400
    ([], 1300),         # Minerals.max_country_share 0.7:  70 * 10 + 30 * 20 = 1300
    (None, 1100),       # Settings.max_country_share 0.9:  90 * 10 + 10 * 20 = 1100
])
def test_most_specific_cap_wins(caps, expected):
    """China 10/unit, Japan 20/unit, demand 100; the cap on China decides the cost."""
    mineral = {"mineral": "gallium", "demand": 100}
    if caps is not None:
        mineral["max_country_share"] = 0.7
    d = data(minerals=[mineral],
             suppliers=[{"supplier": "CN-A", "country": "China"},
                        {"supplier": "JP-B", "country": "Japan"}],
             offers=[{"supplier": "CN-A", "mineral": "gallium", "unit_cost": 10, "capacity": 200},
                     {"supplier": "JP-B", "mineral": "gallium", "unit_cost": 20,
                      "capacity": 200}],
             country_caps=caps or None,
             settings={"max_country_share": 0.9})
    assert solve(d).total_cost == pytest.approx(expected)


def test_pure_lp_instance_creates_no_binaries():
    """No min_order, no fixed_cost, no projects: the model must stay a linear program."""
    model = build_model(gallium_two_suppliers(max_country_share=0.6))
    assert binaries(model) == 0


def test_binaries_only_for_offers_that_need_them():
    """One offer with a fixed cost, one plain: exactly one binary."""
    d = data(minerals=[{"mineral": "graphite", "demand": 100}], suppliers=TWO_SUPPLIERS,
             offers=[{"supplier": "A", "mineral": "graphite", "unit_cost": 10, "capacity": 100},
                     {"supplier": "B", "mineral": "graphite", "unit_cost": 8, "capacity": 100,
                      "fixed_cost": 250}])
    assert binaries(build_model(d)) == 1


def test_country_cap_rows_hold_only_that_countrys_offers():
    """Each cap row: the country's own offers plus the mineral's total supply variable."""
    model = build_model(gallium_two_suppliers(max_country_share=0.6))
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(model.country_cap["gallium", "China"].body)
    names = sorted(v.name for v in repn.linear_vars)
    assert names == ["buy[CN-A,gallium]", "supplied[gallium]"]


def test_minerals_costs_add_up_to_total_cost():
    """The per-mineral costs (allocations + shortfall penalty) sum to the total."""
    r = solve(data(**project_instance(1500)))
    assert r.minerals["cost"].sum() == pytest.approx(r.total_cost)
    assert r.allocations["cost"].sum() + r.shortfall_cost == pytest.approx(r.total_cost)


def test_offers_are_grouped_by_mineral_and_country_in_sheet_order():
    """Index groups offers by position, groups in order of first appearance, positions
    ascending: rows 0..4 = (A, ga, CN), (B, ge, JP), (C, ga, CN), (D, ga, JP), (E, ge, JP)."""
    import pandas as pd

    from optimizer.model import _groups, _pair_groups

    minerals = pd.Index(["ga", "ge", "ga", "ga", "ge"])
    countries = pd.Index(["CN", "JP", "CN", "JP", "JP"])
    assert _groups(minerals) == {"ga": [0, 2, 3], "ge": [1, 4]}
    assert _groups(pd.MultiIndex.from_arrays([minerals, countries])) == {
        ("ga", "CN"): [0, 2], ("ge", "JP"): [1, 4], ("ga", "JP"): [3]}
    assert list(_groups(minerals)) == ["ga", "ge"]
    codes, uniques = pd.factorize(minerals)
    pairs = _pair_groups(codes, uniques, countries)
    assert pairs == _groups(pd.MultiIndex.from_arrays([minerals, countries]))
    assert list(pairs) == [("ga", "CN"), ("ge", "JP"), ("ga", "JP")]


def test_offer_groups_as_offers_match_their_positions():
    """offers_of_mineral / offers_of / offers_of_supplier (made on first use) list the offers
    at the grouped positions, in sheet order: gallium_two_suppliers has offers
    (CN-A, gallium) in China and (JP-B, gallium) in Japan."""
    from optimizer.model import Index

    ix = Index.from_data(gallium_two_suppliers(max_country_share=0.6))
    assert ix.offers_of_mineral == {"gallium": ix.offers}
    assert ix.offers_of == {("gallium", c): [o] for o, c in zip(ix.offers, ["China", "Japan"])}
    assert ix.offers_of_supplier == {o[0]: [o] for o in ix.offers}


def test_a_qualified_suppliers_fixed_cost_is_spread_over_its_allocations_by_quantity():
    """CN-A (fixed 500/year) and JP-B (300) both qualify; caps of 70 % split each mineral.
    CN-A sells 112 gallium and 30 germanium (142 in all), JP-B 48 and 20 (68). By hand:
    CN-A gallium 112 * 10 + 500 * 112/142 = 1514.366; CN-A germanium 30 * 7 + 500 * 30/142 =
    315.634; JP-B gallium 48 * 15 + 300 * 48/68 = 931.765; JP-B germanium 20 * 9 + 300 * 20/68
    = 268.235. The rows add up to the total cost."""
    d = data(
        minerals=[{"mineral": "gallium", "demand": 160}, {"mineral": "germanium", "demand": 50}],
        suppliers=[{"supplier": "CN-A", "country": "China", "fixed_cost": 500},
                   {"supplier": "JP-B", "country": "Japan", "fixed_cost": 300}],
        offers=[{"supplier": "CN-A", "mineral": "gallium", "unit_cost": 10, "capacity": 200},
                {"supplier": "CN-A", "mineral": "germanium", "unit_cost": 7, "capacity": 30},
                {"supplier": "JP-B", "mineral": "gallium", "unit_cost": 15, "capacity": 80},
                {"supplier": "JP-B", "mineral": "germanium", "unit_cost": 9, "capacity": 80}],
        settings={"max_country_share": 0.7})
    r = solve(d)
    cost = {(s, m): c for s, m, c in r.allocations[["supplier", "mineral", "cost"]].itertuples(
        index=False)}
    assert cost == pytest.approx({("CN-A", "gallium"): 1120 + 500 * 112 / 142,
                                  ("CN-A", "germanium"): 210 + 500 * 30 / 142,
                                  ("JP-B", "gallium"): 720 + 300 * 48 / 68,
                                  ("JP-B", "germanium"): 180 + 300 * 20 / 68})
    assert sum(cost.values()) == pytest.approx(r.total_cost)
