"""The independent check catches a plan that breaks a rule, without looking at the model."""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimizer import solve
from optimizer.checks import Plan, check_plan, plan_cost

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
