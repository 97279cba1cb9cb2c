"""The independent check catches a plan that breaks a rule, without looking at the model."""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimizer import solve
from optimizer.checks import Plan, check_plan, plan_cost
from optimizer.model import build_model

from .conftest import data, gallium_two_suppliers
from .test_model_rules import project_instance


def bought(d, buy: dict) -> Plan:
    """A plan that buys ``buy`` and delivers it all to the workbook's single site."""
    site = d.site_names()[0]
    return Plan(buy=buy, used={}, make={}, funded={}, short={},
                ship={(s, m, site): q for (s, m), q in buy.items()})


def failed(d, plan, objective) -> dict[str, str]:
    return {c.check: c.detail for c in check_plan(d, plan, objective) if c.status == "fail"}


def optimal_plan(d):
    r = solve(d)
    return r.plan, r.total_cost


def test_an_optimal_plan_passes_every_check():
    d = gallium_two_suppliers(max_country_share=0.6)
    plan, cost = optimal_plan(d)
    assert failed(d, plan, cost) == {}


def test_a_share_above_the_cap_fails():
    """All 100 from China under a 60 % cap: the country-cap check must fail."""
    d = gallium_two_suppliers(max_country_share=0.6)
    plan = bought(d, {("CN-A", "gallium"): 100.0, ("JP-B", "gallium"): 0.0})
    assert "country cap" in failed(d, plan, 1000.0)


def test_unmet_demand_fails():
    d = gallium_two_suppliers()
    plan = bought(d, {("CN-A", "gallium"): 90.0, ("JP-B", "gallium"): 0.0})
    assert set(failed(d, plan, 900.0)) == {"demand met"}


def test_buying_above_capacity_fails():
    d = gallium_two_suppliers()
    plan = bought(d, {("CN-A", "gallium"): 10.0, ("JP-B", "gallium"): 90.0})
    assert "offer capacity" in failed(d, plan, 1450.0)


def test_a_wrong_objective_fails_the_cost_check():
    d = gallium_two_suppliers(max_country_share=0.6)
    plan, cost = optimal_plan(d)
    assert set(failed(d, plan, cost * (1 + 1e-5))) == {"total cost"}


def test_funding_over_budget_fails():
    d = data(**project_instance(1500))
    plan, _ = optimal_plan(d)
    both = replace(plan, funded={"P-US": True, "P-JP": True})
    assert "budget" in failed(d, both, plan_cost(d, both).total_cost)


def test_a_project_supplying_without_funding_fails():
    d = data(**project_instance(1500))
    plan, _ = optimal_plan(d)
    unfunded = replace(plan, funded={"P-US": False, "P-JP": False})
    assert "project capacity" in failed(d, unfunded, plan_cost(d, unfunded).total_cost)


def test_recomputed_cost_matches_hand_arithmetic():
    """P-US funded: 60 * 5 + 40 * 20 purchase = 1100; capex 1000 / 10 years = 100."""
    d = data(**project_instance(1500))
    plan, _ = optimal_plan(d)
    cost = plan_cost(d, plan)
    assert (cost.purchase_cost, cost.investment_cost) == pytest.approx((1100, 100))


def test_buying_without_delivering_fails_the_lanes_check():
    d = gallium_two_suppliers()
    plan = replace(bought(d, {("CN-A", "gallium"): 100.0, ("JP-B", "gallium"): 0.0}), ship={})
    assert "lanes" in failed(d, plan, 1000.0)


def test_totals_derived_from_a_plan_follow_the_plan_and_the_data():
    """plan_cost and supply_by_country are computed once per plan and data object: a plan
    changed with dataclasses.replace, or other data, gets its own; a pickled plan carries none."""
    import pickle

    from optimizer.checks import supply_by_country

    d = data(**project_instance(1500))
    plan, _ = optimal_plan(d)  # P-US funded: 60 from it, 40 from China
    cost = plan_cost(d, plan)
    assert plan_cost(d, plan) is cost
    assert supply_by_country(d, plan)["gallium"] == pytest.approx(
        {"China": 40, "United States": 60, "Japan": 0})

    longer = d.with_settings(amortization_years=2 * d.settings.amortization_years)
    assert plan_cost(longer, plan).investment_cost == pytest.approx(50)  # 1000 / 20 years
    assert plan_cost(d, plan).investment_cost == pytest.approx(100)

    more = replace(plan, buy={o: 2 * q for o, q in plan.buy.items()})
    assert supply_by_country(d, more)["gallium"]["China"] == pytest.approx(80)
    assert plan_cost(d, more).purchase_cost == pytest.approx(60 * 5 + 80 * 20)
    assert supply_by_country(d, plan)["gallium"]["China"] == pytest.approx(40)

    copy = pickle.loads(pickle.dumps(plan))
    assert copy == plan and "_memos" not in vars(copy)
    assert plan_cost(d, copy) == cost


def test_a_supplier_over_its_capacity_or_without_its_fixed_cost_fails():
    """CN-A may sell 150 in all (supplier-wide capacity) and charges 500 a year to be
    qualified; the plan buys 160 from it without paying that: both are reported, with the
    numbers. JP-B (no supplier-wide limits) passes."""
    d = data(
        minerals=[{"mineral": "gallium", "demand": 160}],
        suppliers=[{"supplier": "CN-A", "country": "China", "capacity": 150, "fixed_cost": 500},
                   {"supplier": "JP-B", "country": "Japan"}],
        offers=[{"supplier": "CN-A", "mineral": "gallium", "unit_cost": 10, "capacity": 200},
                {"supplier": "JP-B", "mineral": "gallium", "unit_cost": 15, "capacity": 80}],
    )
    plan = bought(d, {("CN-A", "gallium"): 160.0, ("JP-B", "gallium"): 0.0})
    assert failed(d, plan, 1600.0)["supplier limits"] == (
        "CN-A: 160 across offers > capacity 150; CN-A: supplies 160 without its fixed cost paid")
    paid = replace(plan, qualified={"CN-A": True},
                   buy={("CN-A", "gallium"): 150.0, ("JP-B", "gallium"): 10.0},
                   ship={("CN-A", "gallium", d.site_names()[0]): 150.0,
                         ("JP-B", "gallium", d.site_names()[0]): 10.0})
    assert "supplier limits" not in failed(d, paid, 150 * 10 + 10 * 15 + 500)


def test_shipping_without_a_lane_or_other_than_bought_fails_the_lanes_check():
    """CN-A buys 100 but ships 60 (40 missing); a source no lane knows ships 5: both named."""
    d = gallium_two_suppliers()
    site = d.site_names()[0]
    plan = replace(bought(d, {("CN-A", "gallium"): 100.0, ("JP-B", "gallium"): 0.0}),
                   ship={("CN-A", "gallium", site): 60.0, ("XX", "gallium", site): 5.0})
    assert failed(d, plan, 1000.0)["lanes"] == (
        f"XX ships gallium to {site} with no lane; CN-A / gallium: bought 100 but shipped 60")


def _generated(size: str = "M"):
    """A generated instance (bench/generate.py): many suppliers, minerals and countries."""
    from bench.generate import generate
    from optimizer import SourcingData

    return SourcingData.from_sheets(generate(size, seed=3))


def test_group_sums_by_the_datas_codes_equal_sums_by_key():
    """A plan in the data's order is summed by supplier and by (mineral, country) through the
    offers index's codes (checks.offer_sums): the same keys in the same order and the same
    numbers, bit for bit, as summing key by key (sum_by_key)."""
    import numpy as np

    from optimizer.checks import offer_sums, sum_by_key

    d = _generated()
    offers = d.offers.index.tolist()
    q = np.random.default_rng(7).lognormal(3, 2, len(offers))
    by_pair = sum_by_key(zip([m for _s, m in offers], d.offers["country"].tolist()), q)
    assert list(offer_sums(d, 1, "country", q).items()) == list(by_pair.items())
    by_supplier = sum_by_key([s for s, _m in offers], q)
    assert list(offer_sums(d, 0, None, q).items()) == list(by_supplier.items())


def test_group_sums_with_a_blank_country_are_summed_key_by_key():
    """A blank has no code: offer_sums then sums the (mineral, country) pairs by key itself,
    None as a country like any other, giving what sum_by_key gives."""
    import numpy as np

    from optimizer.checks import offer_sums, sum_by_key

    d = _generated("S")
    offers = d.offers.copy()
    offers.iloc[3, offers.columns.get_loc("country")] = None
    d = replace(d, offers=offers)
    q = np.arange(len(offers), dtype=float)
    pairs = zip(offers.index.get_level_values("mineral").tolist(), offers["country"].tolist())
    assert list(offer_sums(d, 1, "country", q).items()) == list(sum_by_key(pairs, q).items())


def test_a_plan_in_any_order_gets_the_same_checks_and_totals():
    """The independent check and the totals take a plan in the data's order through the
    offers' codes and any other plan key by key: a solved plan and the same plan with its
    offers reversed give the same results."""
    from optimizer.checks import supply_by_country

    d = _generated("S")
    r = solve(d)
    plan = r.plan
    reversed_plan = replace(plan, buy=dict(reversed(plan.buy.items())),
                            used=dict(reversed(plan.used.items())))
    for c, c_rev in zip(check_plan(d, plan, r.total_cost),
                        check_plan(d, reversed_plan, r.total_cost)):
        assert (c.check, c.status) == (c_rev.check, c_rev.status)
    by_country, by_country_rev = supply_by_country(d, plan), supply_by_country(d, reversed_plan)
    assert by_country.keys() == by_country_rev.keys()
    for mm, countries in by_country.items():
        assert countries == pytest.approx(by_country_rev[mm], rel=1e-12, abs=1e-9)
    assert plan_cost(d, plan).total_cost == pytest.approx(
        plan_cost(d, reversed_plan).total_cost, rel=1e-12)


def test_values_for_reads_aligned_dicts_by_position_and_others_by_key():
    from optimizer.checks import values_for

    keys = {("a", "x"): 1.0, ("b", "x"): 2.0}
    assert list(values_for({("a", "x"): True, ("b", "x"): False}, keys)) == [True, False]
    assert list(values_for({("b", "x"): False, ("a", "x"): True}, keys)) == [True, False]
    assert list(values_for({("b", "x"): False}, keys, "none")) == ["none", False]


def test_shipments_summed_by_source_equal_sums_by_key_with_one_arc_or_several():
    """One site: each (source, mineral) ships along one arc, and its sum is that quantity
    (-0.0 comes out as 0.0, as bincount gives it). Two sites: CN-A's 60 and 40 add to 100.
    Keys, order and numbers are sum_by_key's either way."""
    from operator import itemgetter

    import numpy as np

    from optimizer.checks import _sum_by_source, sum_by_key

    one_site = {("CN-A", "gallium", "Plant"): 60.0, ("JP-B", "gallium", "Plant"): -0.0,
                ("P", "gallium", "Plant"): 1e-300}
    two_sites = {("CN-A", "gallium", "Plant"): 60.0, ("JP-B", "gallium", "Plant"): 5.0,
                 ("CN-A", "gallium", "Depot"): 40.0}
    for ship in (one_site, two_sites):
        q = np.fromiter(ship.values(), float, len(ship))
        got, expected = _sum_by_source(ship, q), sum_by_key(map(itemgetter(0, 1), ship), q)
        assert list(got.items()) == list(expected.items())
        assert [np.signbit(v) for v in got.values()] == \
            [np.signbit(v) for v in expected.values()]
    assert _sum_by_source(two_sites, np.array([60.0, 5.0, 40.0]))[("CN-A", "gallium")] == 100.0


def test_a_plans_shipments_go_to_the_datas_one_site_whatever_the_model_was_built_with():
    """Without a network every offer ships its quantity to the site: extract_plan takes the
    arcs the model's index made while HiGHS solved (Index.single_site_arcs), unless the data
    now names another site. Gallium 100 at 60 % cap: CN-A 60, JP-B 40 (1200)."""
    from optimizer.highs_direct import solve_direct
    from optimizer.results import extract_plan

    d = gallium_two_suppliers(max_country_share=0.6)
    model = build_model(d)
    solve_direct(model).load_vars()
    site = d.site_names()[0]
    expected = {("CN-A", "gallium", site): 60.0, ("JP-B", "gallium", site): 40.0}
    assert extract_plan(model, d).ship == pytest.approx(expected)
    model.ix.site_names = ["Elsewhere"]
    model.ix.__dict__.pop("single_site_arcs", None)
    assert extract_plan(model, d).ship == pytest.approx(expected)
