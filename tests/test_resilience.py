"""Group rules, diversification, N-1 coverage, disruption objectives and stress tests,
each on a tiny instance whose optimum is worked out by hand."""

from __future__ import annotations

import pytest

from optimizer import InputError, solve
from optimizer.resilience import country_losses, cvar, evaluate, stress

from .conftest import data

CN_JP_US = [{"supplier": "CN", "country": "China"}, {"supplier": "JP", "country": "Japan"},
            {"supplier": "US", "country": "United States"}]
PRICES = [{"supplier": "CN", "mineral": "gallium", "unit_cost": 10, "capacity": 200},
          {"supplier": "JP", "mineral": "gallium", "unit_cost": 20, "capacity": 200},
          {"supplier": "US", "mineral": "gallium", "unit_cost": 30, "capacity": 200}]
GROUPS = [{"country": "Japan", "groups": "allied, FTA"},
          {"country": "United States", "groups": "allied"},
          {"country": "China", "groups": "concern"}]


def gallium(**extra):
    mineral = {"mineral": "gallium", "demand": 100, **extra.pop("mineral", {})}
    return data(minerals=[mineral], suppliers=extra.pop("suppliers", CN_JP_US),
                offers=extra.pop("offers", PRICES), **extra)


def test_group_min_share_binds():
    """At least 60 % from FTA (Japan): 60 * 20 + 40 * 10 = 1600."""
    r = solve(gallium(countries=GROUPS, group_rules=[{"group": "FTA", "mineral": "gallium",
                                                      "min_share": 0.6}]))
    assert r.total_cost == pytest.approx(1600)


def test_group_max_share_zero_excludes_a_group():
    """At most 0 % from 'concern' (China): all from Japan, 100 * 20 = 2000."""
    r = solve(gallium(countries=GROUPS, group_rules=[{"group": "concern", "max_share": 0}]))
    assert r.total_cost == pytest.approx(2000)


def test_a_minerals_own_group_rule_beats_the_blank_one():
    """allied >= 50 % for every mineral, but >= 20 % for gallium: 20 * 20 + 80 * 10 = 1200."""
    r = solve(gallium(countries=GROUPS, group_rules=[
        {"group": "allied", "min_share": 0.5},
        {"group": "allied", "mineral": "gallium", "min_share": 0.2}]))
    assert r.total_cost == pytest.approx(1200)


def test_group_rule_naming_an_unknown_group_is_located():
    with pytest.raises(InputError) as info:
        gallium(countries=GROUPS, group_rules=[{"group": "FTAA", "min_share": 0.1}])
    assert [str(p) for p in info.value.errors] == [
        'GroupRules!A2 (group): "FTAA" is not on the Countries (groups column) sheet '
        '(did you mean "FTA"?)']


TWO_CHINESE = [{"supplier": "A", "country": "China"}, {"supplier": "B", "country": "China"},
               {"supplier": "C", "country": "Japan"}]


def test_max_supplier_share_binds():
    """No one supplier above 40 %: A 40 * 10 + B 40 * 12 + C 20 * 20 = 400 + 480 + 400 = 1280."""
    r = solve(gallium(suppliers=TWO_CHINESE, mineral={"max_supplier_share": 0.4},
                      offers=[{"supplier": "A", "mineral": "gallium", "unit_cost": 10,
                               "capacity": 200},
                              {"supplier": "B", "mineral": "gallium", "unit_cost": 12,
                               "capacity": 200},
                              {"supplier": "C", "mineral": "gallium", "unit_cost": 20,
                               "capacity": 200}]))
    assert r.total_cost == pytest.approx(1280)


def test_min_suppliers_counts_only_suppliers_bought_at_their_min_order():
    """Three suppliers, each at least its min_order: C 10 (min 10), B 30 (min 30), A the rest 60:
    60 * 10 + 30 * 12 + 10 * 20 = 600 + 360 + 200 = 1160 (without the rule: 1000)."""
    r = solve(gallium(suppliers=TWO_CHINESE, mineral={"min_suppliers": 3},
                      offers=[{"supplier": "A", "mineral": "gallium", "unit_cost": 10,
                               "capacity": 200},
                              {"supplier": "B", "mineral": "gallium", "unit_cost": 12,
                               "capacity": 200, "min_order": 30},
                              {"supplier": "C", "mineral": "gallium", "unit_cost": 20,
                               "capacity": 200, "min_order": 10}]))
    assert r.total_cost == pytest.approx(1160)
    assert r.minerals.loc[0, "suppliers_used"] == 3


def test_min_countries_forces_a_second_country():
    """Two countries needed; Japan's C has min_order 5: 95 * 10 + 5 * 20 = 1050."""
    r = solve(gallium(suppliers=TWO_CHINESE, mineral={"min_countries": 2},
                      offers=[{"supplier": "A", "mineral": "gallium", "unit_cost": 10,
                               "capacity": 200},
                              {"supplier": "B", "mineral": "gallium", "unit_cost": 12,
                               "capacity": 200},
                              {"supplier": "C", "mineral": "gallium", "unit_cost": 20,
                               "capacity": 200, "min_order": 5}]))
    assert r.total_cost == pytest.approx(1050)
    assert r.minerals.loc[0, "countries_used"] == 2


def test_fractional_min_suppliers_is_an_error():
    with pytest.raises(InputError, match="is not a whole number"):
        gallium(mineral={"min_suppliers": 1.5})


def n1_instance(**mineral):
    """China A at 10 (cap 200); Japan B at 20 (cap 100), reserving B costs 1 per unit."""
    return gallium(suppliers=[{"supplier": "A", "country": "China"},
                              {"supplier": "B", "country": "Japan"}],
                   offers=[{"supplier": "A", "mineral": "gallium", "unit_cost": 10,
                            "capacity": 200},
                           {"supplier": "B", "mineral": "gallium", "unit_cost": 20,
                            "capacity": 100, "reservation_cost": 1}],
                   mineral=mineral)


def test_n1_coverage_forces_reserving_capacity_in_a_second_country():
    """Cover 50 % of demand without China: reserve 50 at Japan (bought 0) at 1 per unit.
    All 100 bought from China: 100 * 10 + 50 * 1 = 1050 (without the rule: 1000)."""
    r = solve(n1_instance(n1_coverage=0.5))
    assert r.total_cost == pytest.approx(1050)
    rows = r.allocations.set_index("supplier")
    assert (rows.loc["B", "quantity"], rows.loc["B", "reserved"]) == (0, pytest.approx(50))
    assert r.reservation_cost == pytest.approx(50)
    assert solve(n1_instance()).total_cost == pytest.approx(1000)


def test_n1_coverage_counts_a_funded_project_outside_the_lost_country():
    """A free US project of capacity 60 (no capex, not bought from) already covers 50 % if China
    is lost, and China's own 100 covers the loss of the US: 100 * 10 = 1000."""
    d = gallium(suppliers=[{"supplier": "A", "country": "China"}],
                offers=[{"supplier": "A", "mineral": "gallium", "unit_cost": 10,
                         "capacity": 200}],
                projects=[{"project": "P", "mineral": "gallium", "country": "United States",
                           "capacity": 60, "unit_cost": 50, "capex": 0}],
                mineral={"n1_coverage": 0.5})
    assert solve(d).total_cost == pytest.approx(1000)


def ban_instance(objective: str, japan_capacity: float = 200):
    """Gallium 100. China A at 10, Japan B at 14 (reserving B costs 1/unit), spot premium 50 %,
    penalty 100; a 10 % chance that China's supply is lost entirely."""
    return gallium(
        suppliers=[{"supplier": "A", "country": "China"}, {"supplier": "B", "country": "Japan"}],
        offers=[{"supplier": "A", "mineral": "gallium", "unit_cost": 10, "capacity": 200},
                {"supplier": "B", "mineral": "gallium", "unit_cost": 14,
                 "capacity": japan_capacity, "reservation_cost": 1}],
        mineral={"shortfall_penalty": 100},
        disruptions=[{"scenario": "China ban", "probability": 0.1, "country": "China",
                      "capacity_factor": 0}],
        settings={"objective": objective, "spot_premium": 0.5, "cvar_alpha": 0.9,
                  "risk_weight": 1})


def test_expected_objective_buys_china_and_reserves_nothing():
    """x from China, r reserved at Japan (r >= what Japan sells). Normal N = 1400 - 4x + r;
    in the ban the x lost is topped up at 14 as far as reserved, the rest spot at 21.
    Expected = 0.9 N + 0.1 S = 1500 - 3.9x when r is what Japan sells -> x = 100, r = 0:
    N = 1000, S = 1000 - 1000 + 100 * 21 = 2100, expected = 900 + 210 = 1110."""
    r = solve(ban_instance("expected"))
    assert r.expected_cost == pytest.approx(1110)
    assert r.total_cost == pytest.approx(1000)
    assert r.worst_scenario_cost == pytest.approx(2100)
    assert r.plan.reserved(("B", "gallium")) == pytest.approx(0)


def test_cvar_objective_reserves_japan_as_insurance():
    """CVaR at 90 % is the ban's cost (its 10 % is the whole tail), so the objective is
    0.9 N + 1.1 S = 3570 - 3.6x - 5.7r for r <= 100 -> x = 100, r = 100:
    N = 1000 + 100 = 1100, S = 1100 - 1000 + 100 * 14 = 1500,
    expected = 990 + 150 = 1140, CVaR = 1500, objective 2640."""
    r = solve(ban_instance("cvar"))
    assert (r.expected_cost, r.cvar) == (pytest.approx(1140), pytest.approx(1500))
    assert r.total_cost == pytest.approx(1100)
    assert r.plan.reserved(("B", "gallium")) == pytest.approx(100)
    assert set(r.checks["status"]) == {"pass"}
    assert "objective" in set(r.checks["check"])


def test_cost_objective_reports_its_risk_too():
    """The plain cost plan (all China, nothing reserved) has expected 1110 and CVaR 2100."""
    r = solve(ban_instance("cost"))
    assert (r.total_cost, r.expected_cost, r.cvar) == (
        pytest.approx(1000), pytest.approx(1110), pytest.approx(2100))


def test_stress_on_a_fixed_plan_matches_hand_arithmetic():
    """The cost plan with Japan able to sell only 60: the ban loses China's 100, Japan's 60
    come spot at 21, 40 go short at 100: 1000 - 1000 + 60 * 21 + 40 * 100 = 5260 (extra 4260,
    40 % short). Losing Japan costs nothing (nothing bought there)."""
    d = ban_instance("cost", japan_capacity=60)
    r = solve(d)
    table = stress(d, r.plan).table.set_index("case")
    ban = table.loc["China ban"]
    assert (ban["shortfall"], ban["shortfall_pct"], ban["case_cost"], ban["extra_cost"]) == (
        pytest.approx(40), pytest.approx(0.4), pytest.approx(5260), pytest.approx(4260))
    assert ban["fails"] == "yes"
    assert table.loc["loss of Japan", "extra_cost"] == pytest.approx(0)
    assert r.minerals.loc[0, "worst_country_loss_pct"] == pytest.approx(0.4)
    assert r.minerals.loc[0, "expected_shortfall"] == pytest.approx(0.1 * 40)


def test_country_losses_cover_every_supplying_country():
    d = ban_instance("cost")
    assert [w.name for w in country_losses(d)] == ["loss of China", "loss of Japan"]
    assert evaluate(d, solve(d).plan, []).table.empty


def test_cvar_of_a_discrete_distribution():
    """Outcomes (0.5, 10), (0.3, 20), (0.2, 50); the worst 30 %: 0.2 * 50 + 0.1 * 20 = 12,
    / 0.3 = 40."""
    assert cvar([(0.5, 10), (0.3, 20), (0.2, 50)], 0.7) == pytest.approx(40)


def test_probabilities_above_one_are_an_error():
    with pytest.raises(InputError, match="add up to 1.2"):
        gallium(mineral={"shortfall_penalty": 9},
                disruptions=[{"scenario": "a", "probability": 0.6, "country": "China",
                              "capacity_factor": 0},
                             {"scenario": "b", "probability": 0.6, "country": "Japan",
                              "capacity_factor": 0}])


def test_disruptions_need_a_shortfall_penalty():
    with pytest.raises(InputError, match="Disruptions sheet needs the cost of unmet demand"):
        gallium(disruptions=[{"scenario": "a", "probability": 0.1, "country": "China",
                              "capacity_factor": 0}])


def test_unknown_objective_suggests_the_closest():
    with pytest.raises(InputError, match="did you mean 'cvar'"):
        gallium(settings={"objective": "cvaR2"})


def test_allocation_costs_include_reservation_and_add_up_to_the_total():
    """N-1 instance: A 100 * 10 = 1000, B reserves 50 at 1 = 50; rows add up to 1050."""
    r = solve(n1_instance(n1_coverage=0.5))
    assert r.allocations["cost"].sum() == pytest.approx(1050)
    assert r.minerals["cost"].sum() == pytest.approx(r.total_cost)


def test_stress_is_part_of_the_public_api():
    import optimizer

    d = ban_instance("cost")
    result = optimizer.stress(d, optimizer.solve(d).plan)
    assert isinstance(result, optimizer.StressResult)
    assert result.costs["China ban"] == pytest.approx(2100)
