"""``--write-model`` and the stage timings (issue 7): the model HiGHS solved, and where time went.

The tiny workbook is gallium, demand 100, with China (200 at 10) capped at 60 % and Japan (80 at
15): 60 * 10 + 40 * 15 = 1200, so any file holding the model HiGHS solved must solve to 1200.
"""

from __future__ import annotations

import json

import highspy
import pytest

from optimizer import read_workbook, solve

STAGES = ["read_seconds", "build_seconds", "solve_seconds", "extract_seconds", "write_seconds"]


def highs_alone(path) -> float:
    """Objective of the model file, solved by highspy alone (no Pyomo)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(path))
    h.run()
    return h.getInfo().objective_function_value


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_write_model_writes_the_model_highs_solved(run, tiny_workbook, tmp_path, suffix):
    model = tmp_path / "models" / f"tiny{suffix}"
    result = run("solve", tiny_workbook, "-o", tmp_path / "x.xlsx", "--write-model", model)
    assert result.exit_code == 0, result.output
    assert highs_alone(model) == pytest.approx(1200)


def test_write_model_keeps_json_output_clean(run, tiny_workbook, tmp_path):
    """HiGHS logs "Writing the model to ..." unless silenced; stdout must stay one object."""
    result = run("solve", tiny_workbook, "-o", tmp_path / "x.xlsx", "--json",
                 "--write-model", tmp_path / "tiny.mps")
    assert json.loads(result.stdout)["total_cost"] == pytest.approx(1200)


def test_write_model_other_extension_is_a_usage_error(run, tiny_workbook, tmp_path):
    result = run("solve", tiny_workbook, "-o", tmp_path / "x.xlsx", "--write-model",
                 tmp_path / "tiny.txt")
    assert result.exit_code == 2
    assert "must end in .mps or .lp" in result.output
    assert not (tmp_path / "tiny.txt").exists()


def test_json_reports_the_seconds_of_every_stage(run, tiny_workbook, tmp_path):
    result = run("solve", tiny_workbook, "-o", tmp_path / "x.xlsx", "--json")
    summary = json.loads(result.stdout)
    for stage in STAGES:
        assert isinstance(summary[stage], float) and summary[stage] > 0, stage


def test_api_write_model_and_timings(tiny_workbook, tmp_path):
    from optimizer import write_results

    data = read_workbook(tiny_workbook)
    assert data.read_seconds > 0
    result = solve(data, write_model=tmp_path / "tiny.lp")
    write_results(result, tmp_path / "results.xlsx")
    timings = result.timings()
    assert all(timings[stage] > 0 for stage in STAGES)
    assert timings["read_seconds"] == data.read_seconds
    assert highs_alone(tmp_path / "tiny.lp") == pytest.approx(result.total_cost)


def test_api_refuses_a_model_path_it_cannot_write(tiny_workbook, tmp_path):
    with pytest.raises(ValueError, match=r"\.mps or \.lp"):
        solve(read_workbook(tiny_workbook), write_model=tmp_path / "tiny.xlsx")
