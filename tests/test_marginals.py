"""Marginal values, budget options and cost_without_caps, against hand arithmetic and against
finite differences (solve again with the rule moved, compare the cost)."""

from __future__ import annotations

import inspect

import pyomo.environ as pyo
import pytest

from optimizer import SourcingData, solve
from optimizer.model import build_model

from .conftest import data, gallium_two_suppliers

TWO_SUPPLIERS = [{"supplier": "A", "country": "Chile"}, {"supplier": "B", "country": "Peru"}]


def cost(d: SourcingData) -> float:
    return solve(d, marginals=False, cost_without_caps=False).total_cost


def with_frames(d: SourcingData, sheet: str, column: str, row: int, value) -> SourcingData:
    frames = d.to_frames()
    frames[sheet].loc[row, column] = value
    return SourcingData.from_sheets(frames)


def three_countries() -> SourcingData:
    """Gallium 100, every country <= 40 %: China 10/unit (cap 200), Japan 12 (cap 200),
    Peru 20 (cap 200). Plan: China 40, Japan 40, Peru 20 = 400 + 480 + 400 = 1280.
    One more point for China (41 %): China 41, Japan 40, Peru 19: 410 + 480 + 380 = 1270,
    saving 10 = 1 unit moved from Peru (20) to China (10). Japan's point also saves
    1 * (20 - 12) = 8. Peru's cap does not bind: 0."""
    return data(minerals=[{"mineral": "gallium", "demand": 100}],
                suppliers=[{"supplier": "CN", "country": "China"},
                           {"supplier": "JP", "country": "Japan"},
                           {"supplier": "PE", "country": "Peru"}],
                offers=[{"supplier": s, "mineral": "gallium", "unit_cost": c, "capacity": 200}
                        for s, c in (("CN", 10), ("JP", 12), ("PE", 20))],
                settings={"max_country_share": 0.4})


def test_saving_per_point_of_a_binding_cap_by_hand():
    """Cap 60 %: China 60 at 10 + Japan 40 at 15 = 1200; at 61 %: 610 + 585 = 1195.
    Saving per point = 5 = 0.01 * 100 units * (15 - 10). Japan's cap is not binding: 0."""
    shares = solve(gallium_two_suppliers(max_country_share=0.6)).country_shares
    saving = dict(zip(shares["country"], shares["saving_per_point"]))
    assert saving == pytest.approx({"China": 5.0, "Japan": 0.0})


@pytest.mark.parametrize("country, row", [("China", 0), ("Japan", 1), ("Peru", 2)])
def test_saving_per_point_equals_the_finite_difference(country, row):
    """Move one country's cap from 40 % to 41 % (a CountryCaps row) and solve again."""
    d = three_countries()
    shares = solve(d).country_shares.set_index("country")
    base = cost(d)
    frames = d.to_frames()
    frames["CountryCaps"] = frames["CountryCaps"].iloc[0:0]
    frames["CountryCaps"].loc[0] = [country, "gallium", 0.41]
    moved = cost(SourcingData.from_sheets(frames))
    assert shares.loc[country, "saving_per_point"] == pytest.approx(base - moved, abs=1e-6)
    assert base - moved == pytest.approx({"China": 10, "Japan": 8, "Peru": 0}[country])


def test_saving_per_point_holds_with_a_fixed_cost_contract():
    """As in the hand case but Japan's contract has a fixed cost of 50 (a binary): the plan
    keeps it, the cost is 1250, and one more point for China still saves 5."""
    d = data(minerals=[{"mineral": "gallium", "demand": 100}],
             suppliers=[{"supplier": "CN-A", "country": "China"},
                        {"supplier": "JP-B", "country": "Japan"}],
             offers=[{"supplier": "CN-A", "mineral": "gallium", "unit_cost": 10,
                      "capacity": 200},
                     {"supplier": "JP-B", "mineral": "gallium", "unit_cost": 15,
                      "capacity": 80, "fixed_cost": 50}],
             settings={"max_country_share": 0.6})
    r = solve(d)
    assert r.total_cost == pytest.approx(1250)
    saving = dict(zip(r.country_shares["country"], r.country_shares["saving_per_point"]))
    assert saving["China"] == pytest.approx(5.0)
    moved = cost(with_frames(d, "Settings", "value", 0, 0.61))
    assert saving["China"] == pytest.approx(r.total_cost - moved)


def test_capacity_value_of_a_bound_offer_by_hand():
    """A sells 70 at 10, B the rest at 12 (1060). One more unit of A saves 12 - 10 = 2;
    B has spare capacity: 0."""
    d = data(minerals=[{"mineral": "cobalt", "demand": 100}], suppliers=TWO_SUPPLIERS,
             offers=[{"supplier": "A", "mineral": "cobalt", "unit_cost": 10, "capacity": 70},
                     {"supplier": "B", "mineral": "cobalt", "unit_cost": 12, "capacity": 500}])
    alloc = solve(d).allocations
    value = dict(zip(alloc["supplier"], alloc["capacity_value"]))
    assert value == pytest.approx({"A": 2.0, "B": 0.0})
    assert cost(d) - cost(with_frames(d, "Offers", "capacity", 0, 71)) == pytest.approx(2.0)


def test_capacity_value_of_a_used_contract_and_a_funded_project():
    """Demand 150. A: 10/unit, capacity 100, fixed cost 5 (a binary). Project P: 8/unit,
    capacity 30, capex 100 (10/year over 10 years). B: 14/unit, plenty.
    Plan: P 30 + A 100 + B 20 = 240 + 10 + 1000 + 5 + 280 = 1535.
    One more unit of A replaces one of B: saves 4. One more unit of P replaces one of B:
    saves 14 - 8 = 6."""
    d = data(minerals=[{"mineral": "cobalt", "demand": 150}],
             suppliers=TWO_SUPPLIERS,
             offers=[{"supplier": "A", "mineral": "cobalt", "unit_cost": 10, "capacity": 100,
                      "fixed_cost": 5},
                     {"supplier": "B", "mineral": "cobalt", "unit_cost": 14, "capacity": 500}],
             projects=[{"project": "P", "mineral": "cobalt", "country": "USA", "capacity": 30,
                        "unit_cost": 8, "capex": 100}])
    r = solve(d)
    assert r.total_cost == pytest.approx(1535)
    value = dict(zip(r.allocations["supplier"], r.allocations["capacity_value"]))
    assert value == pytest.approx({"A": 4.0, "P": 6.0, "B": 0.0})
    assert r.total_cost - cost(with_frames(d, "Projects", "capacity", 0, 31)) == \
        pytest.approx(6.0)


@pytest.mark.parametrize("make", ["three_countries", "project_and_bound_offer"])
def test_marginal_values_read_by_highs_position_equal_those_read_by_component(make):
    """optimizer.solve reads the duals by HiGHS row and column (marginals.Positions, made
    while HiGHS solves); the look-up by Pyomo component gives the same numbers, exactly.
    three_countries: binding caps (China 10, Japan 8, Peru 0 per point). The other: an offer
    at its capacity (A: 14 - 10 = 4) and a project at its capacity (P: 14 - 8 = 6)."""
    import copy

    from optimizer.highs_direct import solve_direct
    from optimizer.marginals import Positions, _direct_duals, _fill_marginals

    d = three_countries() if make == "three_countries" else data(
        minerals=[{"mineral": "cobalt", "demand": 150}], suppliers=TWO_SUPPLIERS,
        offers=[{"supplier": "A", "mineral": "cobalt", "unit_cost": 10, "capacity": 100},
                {"supplier": "B", "mineral": "cobalt", "unit_cost": 14, "capacity": 500}],
        projects=[{"project": "P", "mineral": "cobalt", "country": "USA", "capacity": 30,
                   "unit_cost": 8, "capex": 100}])
    result = solve(d, marginals=False, cost_without_caps=False)
    model = build_model(d)
    direct = solve_direct(model)
    direct.load_vars()
    by_component, by_position = copy.deepcopy(result), copy.deepcopy(result)
    _fill_marginals(by_component, d, model, *_direct_duals(direct))
    _fill_marginals(by_position, d, model, *_direct_duals(direct),
                    positions=Positions(model, direct.columns, direct.rows))
    for table in ("country_shares", "allocations"):
        assert getattr(by_position, table).equals(getattr(by_component, table))
    values = dict(zip(by_position.allocations["supplier"],
                      by_position.allocations["capacity_value"]))
    savings = dict(zip(by_position.country_shares["country"],
                       by_position.country_shares["saving_per_point"]))
    if make == "three_countries":
        assert savings == pytest.approx({"China": 10.0, "Japan": 8.0, "Peru": 0.0})
    else:
        assert values == pytest.approx({"A": 4.0, "P": 6.0, "B": 0.0})


def test_budget_next_project_by_hand():
    """Demand 100 of cobalt; offer A at 20/unit. Projects, 50 units each, budget line 100:
    P1 at 10/unit, capex 60 (6/year): saves 50 * 10 - 6 = 494;
    P2 at 12/unit, capex 80 (8/year): saves 50 * 8 - 8 = 392.
    Both cost 140 > 100, so the plan funds P1: 500 + 1000 + 6 = 1506.
    Next project P2 needs 60 + 80 - 100 = 40 more and saves 392 (cost 1114)."""
    d = data(minerals=[{"mineral": "cobalt", "demand": 100}],
             suppliers=[{"supplier": "A", "country": "Chile"}],
             offers=[{"supplier": "A", "mineral": "cobalt", "unit_cost": 20, "capacity": 200}],
             projects=[{"project": "P1", "mineral": "cobalt", "country": "USA",
                        "capacity": 50, "unit_cost": 10, "capex": 60},
                       {"project": "P2", "mineral": "cobalt", "country": "USA",
                        "capacity": 50, "unit_cost": 12, "capex": 80}],
             budgets=[{"budget": "DPA", "amount": 100}])
    r = solve(d)
    assert r.total_cost == pytest.approx(1506)
    row = r.budgets.iloc[0]
    assert row["next_project"] == "P2"
    assert row["extra_budget_needed"] == pytest.approx(40)
    assert row["saving_if_funded"] == pytest.approx(392)


def test_budget_with_nothing_worth_buying_has_no_next_project():
    """P costs 50/unit against an offer at 20: more money buys nothing useful."""
    d = data(minerals=[{"mineral": "cobalt", "demand": 100}],
             suppliers=[{"supplier": "A", "country": "Chile"}],
             offers=[{"supplier": "A", "mineral": "cobalt", "unit_cost": 20, "capacity": 200}],
             projects=[{"project": "P", "mineral": "cobalt", "country": "USA",
                        "capacity": 50, "unit_cost": 50, "capex": 60}],
             budgets=[{"budget": "DPA", "amount": 10}])
    row = solve(d).budgets.iloc[0]
    assert row["next_project"] is None and row["saving_if_funded"] == 0


def test_cost_without_caps_by_hand_and_skippable():
    """Cap 60 %: 1200. Without caps all 100 from China at 10: 1000."""
    d = gallium_two_suppliers(max_country_share=0.6)
    assert solve(d).cost_without_caps == pytest.approx(1000)
    assert solve(d, cost_without_caps=False).cost_without_caps is None


def test_marginals_leave_a_reused_model_as_it_was():
    """optimizer.reuse may solve the same model again: binaries stay binary and unfixed."""
    d = data(minerals=[{"mineral": "gallium", "demand": 100}],
             suppliers=[{"supplier": "A", "country": "China"}],
             offers=[{"supplier": "A", "mineral": "gallium", "unit_cost": 1, "capacity": 200,
                      "fixed_cost": 3}])
    if "model" not in inspect.signature(solve).parameters:
        pytest.skip("solve() takes no model to reuse yet")
    model = build_model(d)
    before = [(v.name, v.domain, v.fixed) for v in model.component_data_objects(pyo.Var)]
    solve(d, model=model)
    after = [(v.name, v.domain, v.fixed) for v in model.component_data_objects(pyo.Var)]
    assert after == before


def test_cost_without_caps_also_drops_group_rules():
    """Group allies (Japan) must supply >= 50 %: 50 from China at 10 + 50 from Japan at 15 =
    1250. Without caps and group rules: all from China, 1000."""
    from optimizer.schema import SHEETS_BY_NAME

    if "GroupRules" not in SHEETS_BY_NAME:
        pytest.skip("no GroupRules sheet in this contract")
    import pandas as pd

    d = SourcingData.from_sheets({
        "Minerals": pd.DataFrame([{"mineral": "gallium", "demand": 100}]),
        "Suppliers": pd.DataFrame([{"supplier": "CN", "country": "China"},
                                   {"supplier": "JP", "country": "Japan"}]),
        "Offers": pd.DataFrame([{"supplier": "CN", "mineral": "gallium", "unit_cost": 10,
                                 "capacity": 200},
                                {"supplier": "JP", "mineral": "gallium", "unit_cost": 15,
                                 "capacity": 200}]),
        "Countries": pd.DataFrame([{"country": "Japan", "groups": "allies"}]),
        "GroupRules": pd.DataFrame([{"group": "allies", "min_share": 0.5}]),
    })
    r = solve(d)
    assert (r.total_cost, r.cost_without_caps) == pytest.approx((1250, 1000))


@pytest.mark.parametrize("seed", [1, 2])
def test_lp_cost_without_caps_equals_solving_the_data_without_caps(seed):
    """A pure LP's cost_without_caps is a warm re-solve with the cap and group rows freed
    (marginals.lp_without_caps); it must equal the optimum of the model built from
    without_caps(data), on generated instances where caps and a group rule bind."""
    import pandas as pd

    from bench.generate import generate
    from optimizer.marginals import solve_without_caps

    sheets = generate("S", seed=seed, lp=True)
    sheets["Countries"] = pd.DataFrame([{"country": "China", "groups": "big"},
                                        {"country": "Australia", "groups": "big"}])
    sheets["GroupRules"] = pd.DataFrame([{"group": "big", "max_share": 0.45}])
    d = SourcingData.from_sheets(sheets)
    r = solve(d, marginals=False)
    assert r.cost_without_caps < r.total_cost  # the rules bind
    assert r.cost_without_caps == pytest.approx(solve_without_caps(d), rel=1e-9)


def _warm_and_cold(d: SourcingData):
    """The budget columns and cost_without_caps of one plan, answered by WarmResolve (the
    plan's own HiGHS, from the plan) and by solving the changed data again."""
    from optimizer import highs_direct
    from optimizer.marginals import WarmResolve, add_budget_options, solve_without_caps

    seen = {}
    solve_direct = highs_direct.solve_direct

    def keep(model, **options):
        seen["res"], seen["model"] = solve_direct(model, **options), model
        return seen["res"]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(highs_direct, "solve_direct", keep)
        result = solve(d, marginals=False, cost_without_caps=False)
    warm = WarmResolve(seen["res"], seen["model"])
    cold = result.budgets.copy()
    add_budget_options(result, d, mip_gap=1e-6)
    warm_budgets = result.budgets.copy()
    result.budgets = cold
    from optimizer import marginals

    def no_cold_solve(*_args):
        raise AssertionError("WarmResolve fell back to solving the data")

    with pytest.MonkeyPatch.context() as mp:  # every answer must come from the warm model
        mp.setattr(marginals, "solve_plan_only", no_cold_solve)
        add_budget_options(result, d, mip_gap=1e-6, again=warm)
    return (warm_budgets, result.budgets, warm.without_caps(60, 1e-6),
            solve_without_caps(d, mip_gap=1e-6))


@pytest.mark.parametrize("make", ["example", "generated"])
def test_warm_mip_re_solves_answer_as_solving_the_changed_data(make):
    """Budget raises and dropped caps answered in the plan's own HiGHS give the same projects,
    money and savings as solving the changed data from scratch (a MIP each time)."""
    from bench.generate import generate
    from optimizer.example import example_data

    d = example_data() if make == "example" else SourcingData.from_sheets(generate("S", seed=3))
    cold, warm, warm_uncapped, cold_uncapped = _warm_and_cold(d)
    assert warm_uncapped is not None  # answered warm
    assert cold["next_project"].notna().any()  # some budget has a project worth funding
    assert list(warm["next_project"]) == list(cold["next_project"])
    for column in ("extra_budget_needed", "saving_if_funded"):
        assert warm[column].fillna(-1).tolist() == pytest.approx(
            cold[column].fillna(-1).tolist(), rel=1e-5)
    assert warm_uncapped == pytest.approx(cold_uncapped, rel=1e-5)
