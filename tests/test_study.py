"""Studies: compare and sweep, serial, in processes and on Dask; model re-use."""

from __future__ import annotations

import pytest

from optimizer import Change, apply_changes, compare, run_study, run_sweep, solve, sweep
from optimizer.example import example_data
from optimizer.reuse import ModelCache
from optimizer.scenarios import sweep_scenarios

from .conftest import gallium_two_suppliers

CAPS = [1, 0.8, 0.6, 0.5, 0.4, 0.3]
SCENARIOS = {
    "China 40%": [Change("set", "CountryCaps.max_share", 0.4, "country=China")],
    "gallium +30%": [Change("scale", "Minerals.demand", 1.3, "mineral=gallium")],
    "no Russia, prices +50%": [Change("remove", "country", "Russia"),
                               Change("scale", "Offers.unit_cost", 1.5)],
    "budget 100M": [Change("set", "Budgets.amount", 100e6)],
}


@pytest.fixture(scope="module")
def example():
    return example_data()


@pytest.fixture(scope="module")
def serial_compare(example):
    return run_study(example, SCENARIOS)


def test_compare_has_the_base_first_then_each_scenario(serial_compare):
    assert serial_compare.comparison["scenario"].tolist() == ["base", *SCENARIOS]


def test_compare_costs_equal_independent_solves_of_the_changed_data(example, serial_compare):
    table = serial_compare.comparison.set_index("scenario")
    assert table.at["base", "total_cost"] == pytest.approx(solve(example).total_cost, rel=1e-9)
    for name, changes in SCENARIOS.items():
        alone = solve(apply_changes(example, changes))
        assert table.at[name, "total_cost"] == pytest.approx(alone.total_cost, rel=1e-9), name


def test_cost_change_is_against_the_base(serial_compare):
    table = serial_compare.comparison.set_index("scenario")
    base = table.at["base", "total_cost"]
    for name in SCENARIOS:
        assert table.at[name, "cost_change"] == pytest.approx(table.at[name, "total_cost"] - base)
        assert table.at[name, "cost_change_pct"] == pytest.approx(
            table.at[name, "cost_change"] / base)


def test_comparison_has_concentration_per_mineral_and_funded_projects(example, serial_compare):
    row = serial_compare.comparison.iloc[0]
    minerals = solve(example).minerals.set_index("mineral")
    for mineral in example.minerals.index:
        assert row[f"{mineral}: top_country"] == minerals.at[mineral, "top_country"]
        assert row[f"{mineral}: hhi"] == pytest.approx(minerals.at[mineral, "hhi"])
        assert row[f"{mineral}: shortfall"] == pytest.approx(minerals.at[mineral, "shortfall"])
    assert "US Louisiana Ga recovery" in row["funded_projects"]


def test_allocations_of_every_scenario_in_one_long_table(serial_compare):
    table = serial_compare.allocations
    assert table.columns[0] == "scenario"
    assert set(table["scenario"]) == {"base", *SCENARIOS}
    for o in serial_compare.outcomes:
        mine = table[table["scenario"] == o.scenario]
        assert mine["cost"].sum() + o.result.shortfall_cost == pytest.approx(o.total_cost)


def test_cap_sweep_cost_never_falls_as_the_cap_tightens(example):
    table = sweep(example, {"max_country_share": CAPS})
    points = table[table["scenario"] != "base"]
    assert points["scenario"].tolist() == [f"max_country_share={c:g}" for c in CAPS]
    assert points["max_country_share"].tolist() == CAPS
    costs = points["total_cost"].tolist()
    assert all(b >= a - 1e-6 * abs(a) for a, b in zip(costs, costs[1:])), costs


def test_an_infeasible_point_is_reported_and_the_sweep_goes_on():
    """Demand 100; China 200 at 10, Japan 80 at 15; the cap holds for each country. Cap 1:
    100 x 10 = 1,000; cap 0.6: 60 x 10 + 40 x 15 = 1,200; cap 0.4: two countries can supply at
    most 40 % + 40 % = 80 % of the total: infeasible; cap 0.5 after it: 50 x 10 + 50 x 15 =
    1,250."""
    table = sweep(gallium_two_suppliers(), {"max_country_share": [1, 0.6, 0.4, 0.5]})
    assert table["status"].tolist() == ["optimal"] * 3 + ["infeasible", "optimal"]
    costs = table["total_cost"].tolist()
    assert costs[:3] == pytest.approx([1000, 1000, 1200])
    assert costs[3] is None or costs[3] != costs[3]
    assert costs[4] == pytest.approx(1250)


def test_sweep_re_uses_the_built_model_and_gets_the_same_costs(example):
    reused = run_sweep(example, {"max_country_share": CAPS})
    rebuilt = run_sweep(example, {"max_country_share": CAPS}, reuse=False)
    assert reused.reused >= len(CAPS) - 2  # the base and the uncapped point differ in structure
    assert rebuilt.reused == 0
    assert reused.comparison["total_cost"].tolist() == pytest.approx(
        rebuilt.comparison["total_cost"].tolist(), rel=1e-9)


@pytest.mark.parametrize("grid", [
    {"scale Minerals.demand[mineral=gallium]": [1.1, 1.2]},
    {"scale Offers.unit_cost[country=China]": [1.5, 2]},
    {"Budgets.amount": [1e8, 0]},
    {"scale Projects.capex": [0.5, 2]},
    {"amortization_years": [5, 20]},
])
def test_every_number_family_is_updated_in_place_and_re_checked(example, grid):
    cache = ModelCache()
    cache.solve(example)
    for scenario in sweep_scenarios(grid):
        changed = apply_changes(example, scenario.changes)
        result, reused = cache.solve(changed)
        assert reused, scenario.name
        assert set(result.checks["status"]) == {"pass"}  # re-checked against the changed data
        assert result.total_cost == pytest.approx(solve(changed).total_cost, rel=1e-9)


def test_a_changed_capacity_builds_a_new_model(example):
    cache = ModelCache()
    cache.solve(example)
    changed = apply_changes(example, [Change("scale", "Offers.capacity", 0.5)])
    result, reused = cache.solve(changed)
    assert not reused and cache.stats.built == 2
    assert result.total_cost == pytest.approx(solve(changed).total_cost, rel=1e-9)


def test_local_processes_give_the_serial_results(example, serial_compare):
    parallel = run_study(example, SCENARIOS, workers=2)
    assert parallel.comparison.drop(columns="message").equals(
        serial_compare.comparison.drop(columns="message"))


def test_a_dask_cluster_gives_the_serial_results(example, serial_compare):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = run_study(example, SCENARIOS, scheduler=client)
        address = run_study(example, {"China 40%": SCENARIOS["China 40%"]},
                            scheduler=cluster.scheduler_address)
    assert on_dask.comparison.drop(columns="message").equals(
        serial_compare.comparison.drop(columns="message"))
    assert address.comparison["total_cost"].tolist() == serial_compare.comparison[
        "total_cost"].tolist()[:2]


def test_compare_accepts_a_dict_and_calls_back_per_scenario():
    seen = []
    table = compare(gallium_two_suppliers(),
                    {"cap 60%": [Change("set", "max_country_share", 0.6)]},
                    on_result=lambda o, done, total: seen.append((o.scenario, done, total)))
    assert table["total_cost"].tolist() == pytest.approx([1000, 1200])
    assert seen == [("base", 1, 2), ("cap 60%", 2, 2)]


def test_the_template_example_scenario_solves(tmp_path):
    """Template: gallium 40 t; Japan offers 60 at 500,000 capped at 50 %, the US project 25 at
    550,000 with 30M capex over 10 years. Base: 20 x 0.5M + 20 x 0.55M + 3M = 24M. Japan at
    40 %: 16 x 0.5M + 24 x 0.55M + 3M = 24.2M."""
    from optimizer.scenarios import read_study
    from optimizer.template import write_template

    data, scenarios = read_study(write_template(tmp_path / "template.xlsx"))
    table = compare(data, scenarios)
    assert table["scenario"].tolist() == ["base", "Japan capped at 40%"]
    assert table["total_cost"].tolist() == pytest.approx([24e6, 24.2e6])
