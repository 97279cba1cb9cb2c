"""What-if changes: each kind on a tiny instance worked out by hand, and located errors."""

from __future__ import annotations

import pandas as pd
import pytest

from optimizer import InputError, solve
from optimizer.scenarios import (Change, apply_changes, parse_axis, parse_scenarios, prepare,
                                 read_study, sweep_scenarios)
from optimizer.template import write_input_workbook

from .conftest import data, frames, to_sheets


def three_suppliers(**settings):
    """Gallium, demand 100: CN-A (China) 200 at 10, JP-B (Japan) 80 at 15, KR-C (Korea) 100
    at 20. Without a cap the plan is 100 from China: cost 1,000."""
    return data(**three_supplier_tables(**settings))


def three_supplier_tables(**settings):
    return frames(
        minerals=[{"mineral": "gallium", "demand": 100}],
        suppliers=[{"supplier": "CN-A", "country": "China"},
                   {"supplier": "JP-B", "country": "Japan"},
                   {"supplier": "KR-C", "country": "Korea"}],
        offers=[{"supplier": "CN-A", "mineral": "gallium", "unit_cost": 10, "capacity": 200},
                {"supplier": "JP-B", "mineral": "gallium", "unit_cost": 15, "capacity": 80},
                {"supplier": "KR-C", "mineral": "gallium", "unit_cost": 20, "capacity": 100}],
        settings=settings,
    )


def cost(d) -> float:
    result = solve(d)
    assert result.status == "optimal"
    return result.total_cost


def test_base_costs_1000():
    """100 t from China at 10 = 1,000."""
    assert cost(three_suppliers()) == pytest.approx(1000)


def test_set_a_setting_changes_the_default_cap():
    """max_country_share 0.6: China 60 at 10 + Japan 40 at 15 = 600 + 600 = 1,200."""
    changed = apply_changes(three_suppliers(), [Change("set", "max_country_share", 0.6)])
    assert changed.settings.max_country_share == 0.6
    assert cost(changed) == pytest.approx(1200)


def test_settings_dot_name_is_the_same_setting():
    changed = apply_changes(three_suppliers(), [Change("set", "Settings.max_country_share", "60%")])
    assert changed.settings.max_country_share == 0.6


def test_set_a_column_on_filtered_rows():
    """CN-A capacity 50: China 50 at 10 + Japan 50 at 15 = 500 + 750 = 1,250."""
    changed = apply_changes(three_suppliers(),
                            [Change("set", "Offers.capacity", 50, "supplier=cn-a ")])
    assert changed.offers.at[("CN-A", "gallium"), "capacity"] == 50
    assert changed.offers.at[("JP-B", "gallium"), "capacity"] == 80
    assert cost(changed) == pytest.approx(1250)


def test_scale_demand_of_one_mineral():
    """Demand x1.3 = 130 with a 60 % cap: China 78 at 10 + Japan 52 at 15 = 780 + 780 = 1,560."""
    changed = apply_changes(three_suppliers(max_country_share=0.6),
                            [Change("scale", "Minerals.demand", 1.3, "mineral=Gallium")])
    assert changed.minerals.at["gallium", "demand"] == pytest.approx(130)
    assert cost(changed) == pytest.approx(1560)


def test_scale_prices_by_supplier_country_on_offers():
    """Chinese prices x2 = 20 with a 60 % cap: Japan at its cap, 60 at 15 = 900, and 40 at 20
    from China or Korea = 800: 1,700 (Japan's and Korea's prices are unchanged)."""
    changed = apply_changes(three_suppliers(max_country_share=0.6),
                            [Change("scale", "Offers.unit_cost", 2, {"country": "china"})])
    assert changed.offers["unit_cost"].tolist() == [20, 15, 20]
    assert cost(changed) == pytest.approx(1700)


def test_remove_a_country_removes_its_suppliers_and_offers():
    """Without China: Japan 80 at 15 + Korea 20 at 20 = 1,200 + 400 = 1,600."""
    changed = apply_changes(three_suppliers(), [Change("remove", "country", "CHINA")])
    assert list(changed.suppliers.index) == ["JP-B", "KR-C"]
    assert len(changed.offers) == 2
    assert cost(changed) == pytest.approx(1600)


def test_remove_a_supplier():
    """Without JP-B and a 60 % cap: China 60 at 10 + Korea 40 at 20 = 600 + 800 = 1,400."""
    changed = apply_changes(three_suppliers(max_country_share=0.6),
                            [Change("remove", "supplier", "JP-B")])
    assert cost(changed) == pytest.approx(1400)


def test_set_a_country_cap_that_does_not_exist_yet_adds_it():
    """CountryCaps China 0.6 (a new row): same plan as the 60 % setting, 1,200."""
    changed = apply_changes(three_suppliers(),
                            [Change("set", "CountryCaps.max_share", 0.6, "country=china")])
    assert changed.country_caps[["country", "max_share"]].values.tolist() == [["China", 0.6]]
    assert cost(changed) == pytest.approx(1200)


def test_changes_of_a_scenario_apply_in_order():
    """Capacity of CN-A set to 50, then scaled by 1.2 = 60."""
    changed = apply_changes(three_suppliers(), [
        Change("set", "Offers.capacity", 50, "supplier=CN-A"),
        Change("scale", "Offers.capacity", 1.2, "supplier=CN-A;mineral=gallium")])
    assert changed.offers.at[("CN-A", "gallium"), "capacity"] == pytest.approx(60)


def test_the_original_data_is_untouched():
    base = three_suppliers()
    before = {name: getattr(base, name).copy() for name in ("minerals", "suppliers", "offers")}
    apply_changes(base, [Change("scale", "Offers.unit_cost", 3), Change("remove", "country",
                                                                         "Japan"),
                         Change("set", "max_country_share", 0.5)])
    assert base.settings.max_country_share == 1.0
    for name, frame in before.items():
        pd.testing.assert_frame_equal(getattr(base, name), frame)


# --- errors, located like any other input error ------------------------------------------------
def problems_of(rows: list[tuple], d=None) -> list[str]:
    """Problems of Scenarios-sheet rows (scenario, change, target, filter, value)."""
    table = pd.DataFrame(rows, columns=["scenario", "change", "target", "filter", "value"])
    with pytest.raises(InputError) as info:
        prepare(d or three_suppliers(), parse_scenarios(table))
    return [str(p) for p in info.value.errors]


def test_unknown_change_names_the_closest():
    assert problems_of([("s", "scael", "Offers.unit_cost", None, 2)]) == [
        'Scenarios!B2 (change): "scael" is not a change; expected \'scale\' (one of set, '
        'scale, remove)']


def test_unknown_setting_names_the_closest():
    assert problems_of([("s", "set", "max_contry_share", None, 0.5)]) == [
        'Scenarios!C2 (target): "max_contry_share" is not a setting or a Sheet.column (did you '
        "mean 'max_country_share'?); expected e.g. max_country_share or Minerals.demand"]


def test_unknown_sheet_and_column_name_the_closest():
    found = problems_of([("s", "set", "Ofers.capacity", None, 1),
                         ("s", "set", "Offers.capacty", None, 1)])
    assert found == [
        'Scenarios!C2 (target): "Ofers" is not an input sheet (did you mean \'Offers\'?)',
        'Scenarios!C3 (target): "capacty" is not a column of Offers (did you mean '
        "'Offers.capacity'?)"]


def test_a_bare_column_name_suggests_its_sheet():
    assert "did you mean 'Minerals.demand' or 'Demand.demand'?" in problems_of(
        [("s", "scale", "demand", None, 2)])[0]


def test_unknown_filter_column_and_name_name_the_closest():
    found = problems_of([("s", "scale", "Offers.unit_cost", "contry=China", 2),
                         ("t", "scale", "Offers.unit_cost", "country=Chnia", 2)])
    assert found == [
        'Scenarios!D2 (filter): "contry" is not a column to filter Offers by (did you mean '
        "'country'?); expected one of supplier, mineral, currency, country",
        'Scenarios!D3 (filter): no row of Offers has country "Chnia" (did you mean "China"?)']


def test_unknown_name_to_remove_names_the_closest():
    assert problems_of([("s", "remove", "supplier", None, "JP-C")]) == [
        'Scenarios!E2 (value): "JP-C" is not on the Suppliers sheet (did you mean "JP-B"?)']


def test_a_value_of_the_wrong_kind_is_located_at_the_value():
    assert problems_of([("s", "set", "Offers.capacity", "supplier=CN-A", "lots")]) == [
        'Scenarios!E2 (value): "lots" is not a number; expected a number >= 0']


def test_data_made_invalid_by_the_changes_is_located_at_the_change():
    found = problems_of([("s", "scale", "max_country_share", None, 1),
                         ("s", "scale", "Minerals.max_country_share", None, 2)],
                        data(minerals=[{"mineral": "gallium", "demand": 10,
                                        "max_country_share": 0.8}],
                             suppliers=[{"supplier": "A", "country": "X"}],
                             offers=[{"supplier": "A", "mineral": "gallium", "unit_cost": 1,
                                      "capacity": 10}]))
    assert len(found) == 1
    assert found[0].startswith('Scenarios!E3 (value): after scenario "s", Minerals '
                               "(mineral=gallium) max_country_share: 1.6")


def test_every_problem_of_every_scenario_at_once():
    assert len(problems_of([("a", "set", "nope", None, 1), ("b", "remove", "country", None,
                                                             "Mars")])) == 2


def test_base_is_a_reserved_scenario_name():
    table = pd.DataFrame([("Base", "set", "max_country_share", None, 0.5)],
                         columns=["scenario", "change", "target", "filter", "value"])
    with pytest.raises(InputError, match="A2 .scenario.: \"Base\" is the name of the unchanged"):
        parse_scenarios(table)


def test_rows_with_the_same_name_form_one_scenario(tmp_path):
    f = to_sheets(three_supplier_tables())
    f["Scenarios"] = pd.DataFrame(
        [("tight", "set", "max_country_share", None, 0.6), ("no Korea", "remove", "country",
                                                            None, "Korea"),
         ("TIGHT ", "scale", "Offers.unit_cost", "supplier=JP-B", 2)],
        columns=["scenario", "change", "target", "filter", "value"])
    path = write_input_workbook(f, tmp_path / "study.xlsx")
    d, scenarios = read_study(path)
    assert [(s.name, len(s.changes)) for s in scenarios] == [("tight", 2), ("no Korea", 1)]
    assert [c.row for c in scenarios[0].changes] == [2, 4]
    assert len(d.offers) == 3


def test_a_workbook_without_scenarios_reads_as_none(tiny_workbook):
    assert read_study(tiny_workbook)[1] == []


# --- sweeps -------------------------------------------------------------------------------------
def test_sweep_axes_multiply_out_and_name_each_point():
    names = [s.name for s in sweep_scenarios({"max_country_share": [1, 0.5],
                                              "scale Offers.unit_cost[country=China]": [1, 2]})]
    assert names == ["max_country_share=1, Offers.unit_cost[country=China]*1",
                     "max_country_share=1, Offers.unit_cost[country=China]*2",
                     "max_country_share=0.5, Offers.unit_cost[country=China]*1",
                     "max_country_share=0.5, Offers.unit_cost[country=China]*2"]


def test_command_line_axis_keeps_the_filter_whole():
    assert parse_axis("Minerals.demand[mineral=gallium]=20,26") == (
        "Minerals.demand[mineral=gallium]", ["20", "26"])
    assert parse_axis("Offers.unit_cost=1,1.5", "scale") == ("scale Offers.unit_cost",
                                                             ["1", "1.5"])
