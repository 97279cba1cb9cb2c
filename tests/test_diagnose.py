"""Infeasibility diagnosis: the explanation names the rows in conflict and changes that work.

Every suggested change is asserted by applying it to the data and solving again, as a user
would: the tests never trust the diagnosis' own ``checked`` flag alone.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo
import pytest

from optimizer import SourcingData, explain, solve
from optimizer.diagnose import HARD_RULES, RULES, apply_suggestions
from optimizer.model import build_model
from optimizer.schema import SHEETS_BY_NAME

from .conftest import data

CN_JP = [{"supplier": "CN-A", "country": "China"}, {"supplier": "JP-B", "country": "Japan"}]


def caps_too_tight() -> SourcingData:
    """Gallium demand 100; China (200 at 10) capped at 50 % by CountryCaps row 2; Japan sells 20.

    China <= 50 % of supply means supply <= 2 * (non-China) = 2 * 20 = 40 < 100.
    Fixes: China's cap to 80/100 = 80 %; or Japan's capacity to 50 (50 + 50 = 100);
    or demand to 40.
    """
    return data(minerals=[{"mineral": "gallium", "demand": 100}], suppliers=CN_JP,
                offers=[{"supplier": "CN-A", "mineral": "gallium", "unit_cost": 10,
                         "capacity": 200},
                        {"supplier": "JP-B", "mineral": "gallium", "unit_cost": 15,
                         "capacity": 20}],
                country_caps=[{"country": "China", "mineral": "gallium", "max_share": 0.5}])


def budget_too_small() -> SourcingData:
    """Cobalt demand 100; offer A sells at most 40; project P (capacity 100, capex 50) is the
    only other source, but budget line DPA (Budgets row 2) holds 30 and shortfall is not
    allowed. Fixes: DPA to 50; A's capacity to 100; or demand to 40."""
    return data(minerals=[{"mineral": "cobalt", "demand": 100}],
                suppliers=[{"supplier": "A", "country": "Chile"}],
                offers=[{"supplier": "A", "mineral": "cobalt", "unit_cost": 10, "capacity": 40}],
                projects=[{"project": "P", "mineral": "cobalt", "country": "USA",
                           "capacity": 100, "unit_cost": 5, "capex": 50}],
                budgets=[{"budget": "DPA", "amount": 30}])


def min_orders_do_not_fit() -> SourcingData:
    """Gallium demand 100, every country <= 50 % (Settings row 3). China sells at most 60;
    Japan's offer must take at least 80 if used (Offers row 3).

    Japan alone is 100 % > 50 %; with Japan used, Japan >= 80 and China <= 60, so Japan's
    share >= 80 / 140 = 57.1 % > 50 %. Fixes: Japan's minimum order to 60 (60 + 60, 50 % each);
    China's capacity to 80 (80 + 80); Japan's cap to 57.2 % (57.14 % rounded up to 0.1 %).
    """
    return data(minerals=[{"mineral": "gallium", "demand": 100}], suppliers=CN_JP,
                offers=[{"supplier": "CN-A", "mineral": "gallium", "unit_cost": 10,
                         "capacity": 60},
                        {"supplier": "JP-B", "mineral": "gallium", "unit_cost": 12,
                         "capacity": 100, "min_order": 80}],
                settings={"allow_shortfall": False, "max_country_share": 0.5})


def solves(d: SourcingData) -> bool:
    return solve(d, diagnose=False, marginals=False, cost_without_caps=False).has_plan


def by_rule(diagnosis, rule: str):
    """The options of the first conflict that change only rows of ``rule``."""
    return [o for o in diagnosis.conflicts[0].options if {c.rule for c in o.changes} == {rule}]


def test_every_constraint_of_the_model_is_registered_for_diagnosis():
    """A new rule family must get a Rule in diagnose.RULES (or be declared a definition)."""
    d = SourcingData.from_sheets({
        "Minerals": pd.DataFrame([{"mineral": "gallium", "max_country_share": 0.6}]),
        "Suppliers": pd.DataFrame([{"supplier": "A", "country": "China", "capacity": 80,
                                    "fixed_cost": 1},
                                   {"supplier": "B", "country": "Japan"}]),
        "Offers": pd.DataFrame([{"supplier": "A", "mineral": "gallium", "unit_cost": 1,
                                 "capacity": 90, "min_order": 5, "fixed_cost": 2},
                                {"supplier": "B", "mineral": "gallium", "unit_cost": 2,
                                 "capacity": 90}]),
        "Projects": pd.DataFrame([{"project": "P", "mineral": "gallium", "country": "USA",
                                   "capacity": 5, "unit_cost": 1, "capex": 10}]),
        "Budgets": pd.DataFrame([{"budget": "X", "amount": 100}]),
        "Sites": pd.DataFrame([{"site": "S1", "country": "USA"}]),
        "Demand": pd.DataFrame([{"site": "S1", "mineral": "gallium", "demand": 100}]),
        "Settings": {"allow_shortfall": False},
    })
    model = build_model(d)
    registered = {rule.component for rule in RULES} | set(HARD_RULES)
    constraints = {c.local_name for c in model.component_objects(pyo.Constraint)}
    missing = constraints - registered
    assert not missing, (f"constraints {sorted(missing)} are not in optimizer/diagnose.py RULES "
                         "(relaxable, with a describer) or HARD_RULES (definitions)")


def test_caps_too_tight_names_the_rows_in_conflict():
    explanation = explain(caps_too_tight()).text()
    assert explanation.startswith(
        "gallium: demand 100 (Minerals row 2) cannot be met while China <= 50 % "
        "(CountryCaps row 2): outside China only 20 can be bought (Offers row 3).")


def test_caps_too_tight_offers_cap_capacity_and_demand_each_checked():
    """The three fixes worked out in caps_too_tight, each applied and solved again."""
    d = caps_too_tight()
    diagnosis = explain(d)
    assert len(diagnosis.conflicts) == 1 and diagnosis.checked
    cap, = by_rule(diagnosis, "country_cap")
    capacity, = by_rule(diagnosis, "offer_capacity")
    demand, = by_rule(diagnosis, "demand")
    assert [(c.sheet, c.row, c.column, c.current, c.suggested) for c in cap.changes] == \
        [("CountryCaps", 2, "max_share", 0.5, 0.8)]
    assert [(c.sheet, c.row, c.suggested) for c in capacity.changes] == [("Offers", 3, 50)]
    assert [(c.sheet, c.row, c.suggested) for c in demand.changes] == [("Minerals", 2, 40)]
    for option in (cap, capacity, demand):
        assert option.checked
        assert solves(apply_suggestions(d, option.changes)), option.text
    assert "raise China's cap for gallium (CountryCaps row 2) from 50 % to at least 80 %" in \
        diagnosis.text()


def test_a_change_just_short_of_the_suggestion_does_not_solve():
    """The suggestions are tight: China's cap at 79 % still leaves 100 out of reach
    (20 / 0.21 = 95.2 < 100)."""
    frames = caps_too_tight().to_frames()
    frames["CountryCaps"].loc[0, "max_share"] = 0.79
    assert not solves(SourcingData.from_sheets(frames))


def test_budget_too_small_points_at_the_budget_row_and_its_fix_solves():
    d = budget_too_small()
    diagnosis = explain(d)
    assert "budget line DPA has 30 USD (Budgets row 2)" in diagnosis.text()
    budget, = by_rule(diagnosis, "budget")
    assert [(c.sheet, c.row, c.column, c.suggested) for c in budget.changes] == \
        [("Budgets", 2, "amount", 50)]
    assert solves(apply_suggestions(d, budget.changes))
    capacity, = by_rule(diagnosis, "offer_capacity")
    assert [(c.row, c.suggested) for c in capacity.changes] == [(2, 100)]
    assert solves(apply_suggestions(d, capacity.changes))


def test_minimum_orders_that_cannot_fit_point_at_the_min_order_row():
    d = min_orders_do_not_fit()
    diagnosis = explain(d)
    text = diagnosis.text()
    assert "JP-B's gallium offer must take at least 80 if used (Offers row 3)" in text
    least, = by_rule(diagnosis, "min_order")
    assert [(c.sheet, c.row, c.column, c.suggested) for c in least.changes] == \
        [("Offers", 3, "min_order", 60)]
    assert solves(apply_suggestions(d, least.changes))
    capacity, = by_rule(diagnosis, "offer_capacity")
    assert [(c.row, c.suggested) for c in capacity.changes] == [(2, 80)]
    assert solves(apply_suggestions(d, capacity.changes))


def test_a_cap_set_in_settings_names_the_settings_row_and_adds_a_country_cap_row():
    """The 50 % comes from Settings row 3; the fix adds a CountryCaps row for Japan only."""
    d = min_orders_do_not_fit()
    cap, = by_rule(explain(d), "country_cap")
    change, = cap.changes
    assert (change.sheet, change.row, change.suggested) == ("CountryCaps", None, 0.572)
    assert "(Settings row 3, max_country_share)" in change.text
    fixed = apply_suggestions(d, cap.changes)
    assert fixed.cap("Japan", "gallium") == pytest.approx(0.572)
    assert fixed.cap("China", "gallium") == pytest.approx(0.5)
    assert solves(fixed)


def test_smallest_means_fewest_cells_first():
    """Demand 100; offers A and B sell 30 each. Lowering demand to 60 changes one cell;
    raising capacity needs one cell too (A to 70). Both are single changes; adding capacity
    to both offers (two cells) is never chosen."""
    d = data(minerals=[{"mineral": "lithium", "demand": 100}],
             suppliers=[{"supplier": "A", "country": "Chile"},
                        {"supplier": "B", "country": "Peru"}],
             offers=[{"supplier": "A", "mineral": "lithium", "unit_cost": 10, "capacity": 30},
                     {"supplier": "B", "mineral": "lithium", "unit_cost": 10, "capacity": 30}])
    diagnosis = explain(d)
    assert all(len(o.changes) == 1 for o in diagnosis.conflicts[0].options)
    demand, = by_rule(diagnosis, "demand")
    assert demand.changes[0].suggested == 60
    assert "lithium: demand 100 (Minerals row 2) is more than can be bought" in diagnosis.text()


def test_two_independent_conflicts_are_numbered_and_fixed_together():
    """Gallium as in caps_too_tight (cap from Minerals row 2); cobalt demand 50 but JP-B sells
    30. Applying the first option of both makes the workbook solve."""
    d = data(minerals=[{"mineral": "gallium", "demand": 100, "max_country_share": 0.5},
                       {"mineral": "cobalt", "demand": 50}], suppliers=CN_JP,
             offers=[{"supplier": "CN-A", "mineral": "gallium", "unit_cost": 10, "capacity": 200},
                     {"supplier": "JP-B", "mineral": "gallium", "unit_cost": 15, "capacity": 20},
                     {"supplier": "JP-B", "mineral": "cobalt", "unit_cost": 15, "capacity": 30}])
    diagnosis = explain(d)
    assert [c.minerals for c in diagnosis.conflicts] == [["gallium"], ["cobalt"]]
    text = diagnosis.text()
    assert text.startswith("1. gallium: ") and "\n2. cobalt: " in text
    assert "(Minerals row 2, max_country_share)" in text
    assert diagnosis.checked and solves(diagnosis.apply(d))
    assert solves(diagnosis.apply(d, {0: 1, 1: 1}))


def test_demand_by_site_points_at_the_demand_sheet_row():
    """Sites S1 (demand 30) and S2 (demand 50) of gallium; one supplier sells 60 in all.
    Lowering S2's demand (Demand row 3) to 30 or the capacity to 80 fixes it."""
    d = SourcingData.from_sheets({
        "Minerals": pd.DataFrame([{"mineral": "gallium"}]),
        "Suppliers": pd.DataFrame([{"supplier": "A", "country": "Japan"}]),
        "Offers": pd.DataFrame([{"supplier": "A", "mineral": "gallium", "unit_cost": 1,
                                 "capacity": 60}]),
        "Sites": pd.DataFrame([{"site": "S1", "country": "USA"},
                               {"site": "S2", "country": "USA"}]),
        "Demand": pd.DataFrame([{"site": "S1", "mineral": "gallium", "demand": 30},
                                {"site": "S2", "mineral": "gallium", "demand": 50}]),
    })
    diagnosis = explain(d)
    capacity, = by_rule(diagnosis, "offer_capacity")
    assert [(c.row, c.suggested) for c in capacity.changes] == [(2, 80)]
    demands = [c for o in by_rule(diagnosis, "demand") for c in o.changes]
    assert {(c.sheet, c.row) for c in demands} <= {("Demand", 2), ("Demand", 3)}
    for option in diagnosis.conflicts[0].options:
        assert solves(apply_suggestions(d, option.changes)), option.text


def test_supplier_wide_capacity_points_at_the_suppliers_row():
    """Supplier A sells gallium (90) and germanium (90) but at most 100 in all (Suppliers row
    2); demand 60 + 60 = 120. Raising A's capacity to 120 fixes it."""
    d = data(minerals=[{"mineral": "gallium", "demand": 60},
                       {"mineral": "germanium", "demand": 60}],
             suppliers=[{"supplier": "A", "country": "Japan", "capacity": 100}],
             offers=[{"supplier": "A", "mineral": "gallium", "unit_cost": 1, "capacity": 90},
                     {"supplier": "A", "mineral": "germanium", "unit_cost": 1, "capacity": 90}])
    diagnosis = explain(d)
    assert len(diagnosis.conflicts) == 1
    assert diagnosis.conflicts[0].minerals == ["gallium", "germanium"]
    supplier, = by_rule(diagnosis, "supplier_capacity")
    assert [(c.sheet, c.row, c.suggested) for c in supplier.changes] == [("Suppliers", 2, 120)]
    assert solves(apply_suggestions(d, supplier.changes))


def test_solve_fills_the_diagnosis_only_when_infeasible_and_asked():
    assert solve(caps_too_tight()).diagnosis is not None
    assert solve(caps_too_tight(), diagnose=False).diagnosis is None
    assert solve(budget_too_small().with_settings(allow_shortfall=True,
                                                  shortfall_penalty=1000)).diagnosis is None


def test_diagnosis_table_has_one_row_per_change():
    table = explain(caps_too_tight()).table()
    assert list(table["option"]) == ["A", "B", "C"]
    assert set(table["sheet"]) == {"CountryCaps", "Offers", "Minerals"}
    assert set(table["checked"]) == {"yes"}


def test_explaining_a_feasible_instance_says_so():
    frames = caps_too_tight().to_frames()
    frames["CountryCaps"].loc[0, "max_share"] = 0.8
    diagnosis = explain(SourcingData.from_sheets(frames))
    assert diagnosis.conflicts == [] and "the rules can all hold" in diagnosis.text()


def allies_too_small() -> SourcingData:
    """Gallium 100; group allies (Japan, Australia: 10 each) must supply >= 60 % (GroupRules
    row 2); China sells 200. Allies <= 20 so supply <= 20 / 0.6 = 33.3. Fixes: the minimum
    share to 20 % (20 of 100); one allied capacity to 50 (60 of 100); demand to 33.33."""
    if "GroupRules" not in SHEETS_BY_NAME:
        pytest.skip("no GroupRules sheet in this contract")
    return SourcingData.from_sheets({
        "Minerals": pd.DataFrame([{"mineral": "gallium", "demand": 100}]),
        "Suppliers": pd.DataFrame([{"supplier": "CN", "country": "China"},
                                   {"supplier": "JP", "country": "Japan"},
                                   {"supplier": "AU", "country": "Australia"}]),
        "Offers": pd.DataFrame([{"supplier": s, "mineral": "gallium", "unit_cost": c,
                                 "capacity": q}
                                for s, c, q in (("CN", 10, 200), ("JP", 15, 10), ("AU", 15, 10))]),
        "Countries": pd.DataFrame([{"country": "Japan", "groups": "allies"},
                                   {"country": "Australia", "groups": "allies"}]),
        "GroupRules": pd.DataFrame([{"group": "allies", "mineral": "gallium",
                                     "min_share": 0.6}]),
    })


def test_group_rule_too_tight_points_at_the_group_rules_row():
    d = allies_too_small()
    diagnosis = explain(d)
    assert "group allies (Japan, Australia) >= 60 % (GroupRules row 2)" in diagnosis.text()
    share, = by_rule(diagnosis, "group_min")
    assert [(c.sheet, c.row, c.column, c.suggested) for c in share.changes] == \
        [("GroupRules", 2, "min_share", 0.2)]
    demand, = by_rule(diagnosis, "demand")
    assert demand.changes[0].suggested == pytest.approx(33.33)
    for option in diagnosis.conflicts[0].options:
        assert option.checked and solves(apply_suggestions(d, option.changes)), option.text
