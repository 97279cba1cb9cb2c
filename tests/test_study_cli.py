"""``sourcing compare`` and ``sourcing sweep`` through click's CliRunner: exit codes, --json,
the comparison workbook."""

from __future__ import annotations

import json
import zipfile

import openpyxl
import pandas as pd
import pytest

from optimizer.template import write_input_workbook

from .conftest import frames, to_sheets

COLUMNS = ["scenario", "change", "target", "filter", "value"]


def workbook(tmp_path, scenarios: list[tuple] | None, name: str = "study.xlsx", **settings):
    """Gallium, demand 100: CN-A (China) 200 at 10, JP-B (Japan) 80 at 15."""
    f = to_sheets(frames(
        minerals=[{"mineral": "gallium", "demand": 100}],
        suppliers=[{"supplier": "CN-A", "country": "China"},
                   {"supplier": "JP-B", "country": "Japan"}],
        offers=[{"supplier": "CN-A", "mineral": "gallium", "unit_cost": 10, "capacity": 200},
                {"supplier": "JP-B", "mineral": "gallium", "unit_cost": 15, "capacity": 80}],
        settings=settings))
    if scenarios is not None:
        f["Scenarios"] = pd.DataFrame(scenarios, columns=COLUMNS)
    return write_input_workbook(f, tmp_path / name)


SCENARIOS = [
    ("cap 60%", "set", "max_country_share", None, 0.6),  # 60 x 10 + 40 x 15 = 1,200
    ("no China", "remove", "country", None, "China"),  # Japan alone, 80 < 100: infeasible
    ("Japan cheaper", "scale", "Offers.unit_cost", "supplier=JP-B", 0.5),  # 80 x 7.5 + 20 x 10
]


def test_compare_json_lists_base_and_every_scenario(run, tmp_path):
    """base 1,000; cap 60 %: 1,200; no China: infeasible; Japan at 7.5: 80 x 7.5 + 20 x 10 =
    800."""
    result = run("compare", workbook(tmp_path, SCENARIOS), "--json", "--workers", 1,
                 "-o", tmp_path / "c.xlsx")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["scenario"], r["status"]) for r in rows] == [
        ("base", "optimal"), ("cap 60%", "optimal"), ("no China", "infeasible"),
        ("Japan cheaper", "optimal")]
    assert [r["total_cost"] for r in rows] == [pytest.approx(1000), pytest.approx(1200), None,
                                                pytest.approx(800)]
    assert rows[1]["cost_change"] == pytest.approx(200)


def test_compare_writes_the_comparison_workbook_with_a_bar_chart(run, tmp_path):
    result = run("compare", workbook(tmp_path, SCENARIOS), "--workers", 1, "-q")
    assert result.exit_code == 0, result.output
    path = tmp_path / "outputs" / "study-compare.xlsx"
    assert f"comparison written to {path.relative_to(tmp_path)}" in result.stdout
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Comparison", "Allocations", "Scenarios"]
    header = [c.value for c in wb["Comparison"][3]]
    assert header[:5] == ["scenario", "status", "total_cost", "cost_change", "cost_change_pct"]
    assert "gallium: top_country_share" in header and "gallium: hhi" in header
    allocations = [[c.value for c in row] for row in wb["Allocations"].iter_rows()]
    assert allocations[0][:2] == ["scenario", "supplier"]
    assert ["base", "CN-A"] in [row[:2] for row in allocations]
    with zipfile.ZipFile(path) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert "<barChart>" in chart and "'Comparison'!$C$4:$C$7" in chart


def test_compare_text_keeps_scenario_names_as_text(run, tmp_path):
    result = run("compare", workbook(tmp_path, [("=HYPERLINK(1)", "set", "max_country_share",
                                                 None, 0.6)]), "--workers", 1)
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(tmp_path / "outputs" / "study-compare.xlsx")["Comparison"]
    assert ws["A5"].value == "=HYPERLINK(1)" and ws["A5"].data_type == "s"


def test_compare_reports_scenario_errors_located_with_the_closest_name(run, tmp_path):
    path = workbook(tmp_path, [("a", "set", "max_contry_share", None, 0.6),
                               ("b", "remove", "supplier", None, "JP-C")])
    result = run("compare", path, "--workers", 1)
    assert result.exit_code == 1
    assert "Scenarios!C2 (target): \"max_contry_share\" is not a setting or a Sheet.column " \
           "(did you mean 'max_country_share'?)" in result.stderr
    assert 'Scenarios!E3 (value): "JP-C" is not on the Suppliers sheet (did you mean ' \
           '"JP-B"?)' in result.stderr
    assert not (tmp_path / "outputs").exists()


def test_validate_checks_the_scenarios_too(run, tmp_path):
    bad = run("validate", workbook(tmp_path, [("a", "scale", "Offers.unit_cost",
                                               "supplier=XX", 2)]))
    assert bad.exit_code == 1 and 'no row of Offers has supplier "XX"' in bad.stderr
    good = run("validate", workbook(tmp_path, SCENARIOS, "good.xlsx"))
    assert good.exit_code == 0 and "3 scenarios" in good.stdout


def test_compare_without_a_scenarios_sheet_solves_the_base(run, tmp_path):
    result = run("compare", workbook(tmp_path, None), "--json", "--workers", 1)
    assert result.exit_code == 0
    assert [r["scenario"] for r in json.loads(result.stdout)] == ["base"]
    assert "no Scenarios sheet" in result.stderr


def test_compare_refuses_to_write_over_its_input(run, tmp_path):
    path = workbook(tmp_path, SCENARIOS)
    result = run("compare", path, "-o", path, "--workers", 1)
    assert result.exit_code == 2 and "refusing to write" in result.stderr


def test_sweep_json_names_points_by_their_settings_and_reports_infeasible_ones(run, tmp_path):
    """Cap 1: 1,000; 0.6: 1,200; 0.4: 40 % + 40 % < 100 %, infeasible; 0.5: 1,250."""
    result = run("sweep", workbook(tmp_path, None), "--set", "max_country_share=1,0.6,0.4,0.5",
                 "--json", "--workers", 1)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["scenario"], r["status"], r["total_cost"]) for r in rows] == [
        ("base", "optimal", pytest.approx(1000)),
        ("max_country_share=1", "optimal", pytest.approx(1000)),
        ("max_country_share=0.6", "optimal", pytest.approx(1200)),
        ("max_country_share=0.4", "infeasible", None),
        ("max_country_share=0.5", "optimal", pytest.approx(1250))]
    assert rows[2]["max_country_share"] == 0.6


def test_sweep_grid_multiplies_out_and_draws_a_line(run, tmp_path):
    result = run("sweep", workbook(tmp_path, None), "--set", "max_country_share=1,0.6",
                 "--scale", "Offers.unit_cost[supplier=JP-B]=1,0.5", "--workers", 1, "-q")
    assert result.exit_code == 0, result.output
    path = tmp_path / "outputs" / "study-sweep.xlsx"
    table = pd.read_excel(path, sheet_name="Comparison", header=2, engine="openpyxl")
    assert table["scenario"].tolist() == [
        "base", "max_country_share=1, Offers.unit_cost[supplier=JP-B]*1",
        "max_country_share=1, Offers.unit_cost[supplier=JP-B]*0.5",
        "max_country_share=0.6, Offers.unit_cost[supplier=JP-B]*1",
        "max_country_share=0.6, Offers.unit_cost[supplier=JP-B]*0.5"]
    with zipfile.ZipFile(path) as archive:
        assert "<lineChart>" in archive.read("xl/charts/chart1.xml").decode()


def test_sweep_needs_a_set(run, tmp_path):
    result = run("sweep", workbook(tmp_path, None))
    assert result.exit_code == 2 and "--set" in result.stderr


def test_sweep_reports_a_bad_target_as_a_usage_error_with_the_closest(run, tmp_path):
    result = run("sweep", workbook(tmp_path, None), "--set", "max_contry_share=1,0.5",
                 "--workers", 1)
    assert result.exit_code == 2
    assert "--set max_contry_share=1,0.5: \"max_contry_share\" is not a setting" in result.stderr
    assert "did you mean 'max_country_share'?" in result.stderr


def test_sweep_with_no_feasible_point_exits_3(run, tmp_path):
    result = run("sweep", workbook(tmp_path, None, max_country_share=0.4), "--set",
                 "max_country_share=0.3,0.2", "--json", "--workers", 1)
    assert result.exit_code == 3
    assert [r["total_cost"] for r in json.loads(result.stdout)] == [None, None, None]


def test_sweep_in_two_processes_equals_one(run, tmp_path):
    path = workbook(tmp_path, None)
    one = run("sweep", path, "--set", "max_country_share=1,0.8,0.6,0.5", "--json", "--workers",
              1, "-o", tmp_path / "one.xlsx")
    two = run("sweep", path, "--set", "max_country_share=1,0.8,0.6,0.5", "--json", "--workers",
              2, "-o", tmp_path / "two.xlsx")
    assert one.exit_code == two.exit_code == 0
    assert [r["total_cost"] for r in json.loads(one.stdout)] == \
        [r["total_cost"] for r in json.loads(two.stdout)]
