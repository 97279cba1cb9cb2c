"""The ``sourcing`` command, driven through click's CliRunner: every command and exit code."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from optimizer.schema import SUMMARY_ITEMS
from optimizer.template import write_input_workbook

from .conftest import frames, to_sheets


def infeasible_workbook(tmp_path) -> Path:
    """China alone can supply, but may supply at most 50 %."""
    f = frames(minerals=[{"mineral": "gallium", "demand": 100}],
               suppliers=[{"supplier": "CN-A", "country": "China"}],
               offers=[{"supplier": "CN-A", "mineral": "gallium", "unit_cost": 10,
                        "capacity": 500}],
               settings={"max_country_share": 0.5})
    return write_input_workbook(to_sheets(f), tmp_path / "infeasible.xlsx")


def broken_workbook(tmp_path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Minerals"
    ws.append(["mineral", "demand"])
    ws.append(["gallium", "lots"])
    ws = wb.create_sheet("Suppliers")
    ws.append(["supplier", "country"])
    ws.append(["A", "China"])
    ws = wb.create_sheet("Offers")
    ws.append(["supplier", "mineral", "unit_cost", "capacity"])
    ws.append(["B", "gallium", 10, -1])
    path = tmp_path / "broken.xlsx"
    wb.save(path)
    return path


def test_solve_without_a_workbook_solves_the_bundled_example(run, tmp_path):
    result = run("solve")
    assert result.exit_code == 0, result.output
    assert "rare earth oxide" in result.stdout
    assert "Results written to outputs/critical_minerals-plan.xlsx" in result.stdout
    assert (tmp_path / "outputs" / "critical_minerals-plan.xlsx").exists()


def test_solve_writes_next_to_the_input_name_by_default(run, tiny_workbook, tmp_path):
    result = run("solve", tiny_workbook)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "outputs" / "plan-plan.xlsx").exists()


def test_solve_json_prints_only_the_summary_object(run, tiny_workbook, tmp_path):
    result = run("solve", tiny_workbook, "--json", "-o", tmp_path / "x.xlsx")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert list(summary)[:len(SUMMARY_ITEMS)] == list(SUMMARY_ITEMS)  # then the stage timings
    assert summary["total_cost"] == pytest.approx(1200)
    assert isinstance(summary["solve_seconds"], float)


def test_solve_options_reach_the_solver(run, tiny_workbook, tmp_path):
    result = run("solve", tiny_workbook, "--time-limit", "5", "--mip-gap", "0.01",
                 "-o", tmp_path / "custom.xlsx")
    assert result.exit_code == 0
    assert (tmp_path / "custom.xlsx").exists()


def test_broken_workbook_exits_1_listing_every_problem(run, tmp_path):
    result = run("solve", broken_workbook(tmp_path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Error: the workbook has 3 problems:",
        '  Minerals!B2 (demand): "lots" is not a number; expected a number >= 0',
        '  Offers!A2 (supplier): "B" is not on the Suppliers sheet',
        "  Offers!D2 (capacity): -1 is negative; expected a number >= 0",
        "1 warning:",
        '  Suppliers!A2 (supplier): "A" has no valid offer on the Offers sheet',
    ]
    assert not (tmp_path / "outputs").exists()


def test_infeasible_workbook_exits_3(run, tmp_path):
    result = run("solve", infeasible_workbook(tmp_path))
    assert result.exit_code == 3
    assert "no feasible plan" in result.stderr


def test_unknown_option_is_a_usage_error(run):
    assert run("solve", "--frobnicate").exit_code == 2


def test_output_over_the_input_is_refused_with_exit_2(run, tiny_workbook):
    before = tiny_workbook.read_bytes()
    result = run("solve", tiny_workbook, "-o", tiny_workbook)
    assert result.exit_code == 2
    assert "over the input workbook" in result.stderr
    assert tiny_workbook.read_bytes() == before


def test_not_an_xlsx_file_gets_one_sentence(run, tmp_path):
    csv = tmp_path / "offers.xlsx"
    csv.write_text("supplier,mineral\nA,gallium\n")
    result = run("solve", csv)
    assert result.exit_code == 1
    assert "is not an Excel workbook (.xlsx)" in result.stderr
    assert "Traceback" not in result.output


def test_example_writes_the_bundled_workbook(run, tmp_path):
    result = run("example", tmp_path / "mine.xlsx")
    assert result.exit_code == 0
    assert run("validate", tmp_path / "mine.xlsx").exit_code == 0


def test_template_writes_a_workbook_that_solves(run, tmp_path):
    assert run("template", tmp_path / "blank.xlsx").exit_code == 0
    result = run("solve", tmp_path / "blank.xlsx", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["status"] == "optimal"


def test_validate_reports_problems_with_exit_1(run, tmp_path):
    result = run("validate", broken_workbook(tmp_path))
    assert result.exit_code == 1
    assert "Offers!D2 (capacity)" in result.stderr


def test_validate_clean_workbook_exits_0(run, tiny_workbook):
    result = run("validate", tiny_workbook)
    assert result.exit_code == 0
    assert "no problems found" in result.stdout


def test_every_command_has_help(run):
    for command in ("solve", "example", "template", "validate"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert len(result.stdout.splitlines()) > 3


def disruption_workbook(tmp_path) -> Path:
    """China A at 10, Japan B at 14 (Japan capacity 60); a 10 % chance China is lost."""
    f = frames(minerals=[{"mineral": "gallium", "demand": 100, "shortfall_penalty": 100}],
               suppliers=[{"supplier": "A", "country": "China"},
                          {"supplier": "B", "country": "Japan"}],
               offers=[{"supplier": "A", "mineral": "gallium", "unit_cost": 10,
                        "capacity": 200},
                       {"supplier": "B", "mineral": "gallium", "unit_cost": 14,
                        "capacity": 60}],
               disruptions=[{"scenario": "China ban", "probability": 0.1, "country": "China",
                             "capacity_factor": 0}],
               settings={"spot_premium": 0.5})
    return write_input_workbook(to_sheets(f), tmp_path / "risky.xlsx")


def test_stress_solves_and_writes_the_stress_workbook(run, tmp_path):
    """Cost plan: all 100 from China. Ban: 60 spot at 21 + 40 short at 100 = 5260, extra 4260."""
    result = run("stress", disruption_workbook(tmp_path), "-o", tmp_path / "s.xlsx")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["China", "ban", "4,260", "gallium", "40%"]
    wb = openpyxl.load_workbook(tmp_path / "s.xlsx")
    assert wb.sheetnames == ["Summary", "Stress", "StressByCase"]
    assert len(wb["StressByCase"]._charts) == 1


def test_stress_reads_a_plan_from_a_results_workbook(run, tmp_path):
    book = disruption_workbook(tmp_path)
    assert run("solve", book, "-o", tmp_path / "plan.xlsx").exit_code == 0
    result = run("stress", book, "--plan", tmp_path / "plan.xlsx", "--json",
                 "-o", tmp_path / "s.xlsx")
    assert result.exit_code == 0
    rows = {(r["case"], r["mineral"]): r for r in json.loads(result.stdout)}
    assert rows[("China ban", "gallium")]["extra_cost"] == pytest.approx(4260)
    assert rows[("loss of Japan", "gallium")]["extra_cost"] == pytest.approx(0)


def test_objective_flag_overrides_settings(run, tmp_path):
    """Under cvar the plan reserves Japan's 60 as insurance: the ban then costs
    60 * 14 + 40 * 100 instead of 60 * 21 + 40 * 100, so the worst scenario is cheaper."""
    book = disruption_workbook(tmp_path)
    plain = json.loads(run("solve", book, "--json", "-o", tmp_path / "a.xlsx").stdout)
    hedged = json.loads(run("solve", book, "--json", "--objective", "cvar",
                            "-o", tmp_path / "b.xlsx").stdout)
    assert hedged["worst_scenario_cost"] < plain["worst_scenario_cost"]


def test_objective_without_disruptions_is_a_usage_error(run, tiny_workbook):
    result = run("solve", tiny_workbook, "--objective", "expected")
    assert result.exit_code == 2
    assert "needs Disruptions scenarios" in result.stderr


def test_no_marginals_skips_the_marginal_columns(run, tiny_workbook, tmp_path):
    """The 60 % cap binds (China at 60 of 100), so with marginals it has a saving per point;
    without them the column is blank."""
    import pandas as pd

    assert run("solve", tiny_workbook, "-o", tmp_path / "a.xlsx").exit_code == 0
    assert run("solve", tiny_workbook, "--no-marginals", "-o", tmp_path / "b.xlsx").exit_code == 0
    with_values = pd.read_excel(tmp_path / "a.xlsx", sheet_name="CountryShares", engine="openpyxl")
    without = pd.read_excel(tmp_path / "b.xlsx", sheet_name="CountryShares", engine="openpyxl")
    assert with_values["saving_per_point"].notna().all()
    assert without["saving_per_point"].isna().all()


def as_process(*args, cwd: Path):
    """``python -m optimizer ARGS`` as its own process: the console entry point (cli.run), which
    ends the process without interpreter teardown once the command is done."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "optimizer", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_the_process_prints_all_its_json_and_exits_0(tiny_workbook, tmp_path):
    done = as_process("solve", tiny_workbook, "-o", tmp_path / "result.xlsx", "--json",
                      cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "optimal"
    assert (tmp_path / "result.xlsx").exists()


def test_the_process_keeps_the_exit_codes_and_its_messages(tmp_path):
    broken = as_process("solve", broken_workbook(tmp_path), cwd=tmp_path)
    assert broken.returncode == 1 and "problem" in broken.stderr
    infeasible = as_process("solve", infeasible_workbook(tmp_path), cwd=tmp_path)
    assert infeasible.returncode == 3 and "no feasible plan" in infeasible.stderr
    usage = as_process("solve", "--no-such-option", cwd=tmp_path)
    assert usage.returncode == 2 and "no-such-option" in usage.stderr
