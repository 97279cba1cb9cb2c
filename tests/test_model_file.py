"""The model file of ``solve(write_model=...)`` (solving.ModelFile): written through HiGHS's C
API (optimizer/highs_c.py) from a thread while the plan is read, byte for byte what highspy's
``writeModel`` writes, which is the fallback.

The tiny workbook is gallium, demand 100, with China (200 at 10) capped at 60 % and Japan (80
at 15): 60 * 10 + 40 * 15 = 1200.
"""

from __future__ import annotations

import threading

import pytest

from optimizer import CheckError, highs_c, read_workbook, solve, solving
from optimizer.checks import Check
from optimizer.highs_direct import hand_over
from optimizer.model import build_model

from .conftest import data

pytestmark = pytest.mark.skipif(not highs_c.available(), reason="HiGHS's C API not found")


def written_by_highspy(tiny_workbook, path) -> str:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(highs_c, "available", lambda: False)
        solve(read_workbook(tiny_workbook), write_model=path)
    return path.read_text()


def with_a_contract() -> object:
    """A MIP: A's offer has a fixed cost (a binary); B is dearer, without one."""
    return data(minerals=[{"mineral": "cobalt", "demand": 150}],
                suppliers=[{"supplier": "A", "country": "Chile"},
                           {"supplier": "B", "country": "Peru"}],
                offers=[{"supplier": "A", "mineral": "cobalt", "unit_cost": 10,
                         "capacity": 100, "fixed_cost": 5},
                        {"supplier": "B", "mineral": "cobalt", "unit_cost": 14,
                         "capacity": 500}])


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
@pytest.mark.parametrize("make", ["tiny", "with_a_contract"])
def test_the_c_api_writes_the_bytes_highspy_writes(make, suffix, tiny_workbook, tmp_path):
    d = read_workbook(tiny_workbook) if make == "tiny" else with_a_contract()
    handed = hand_over(build_model(d))
    assert (handed.lp.integer is not None) == (make == "with_a_contract")
    handed.highs.writeModel(str(tmp_path / f"highspy{suffix}"))
    assert highs_c.write_model(handed.lp, tmp_path / f"c_api{suffix}") is True
    assert (tmp_path / f"c_api{suffix}").read_bytes() == \
        (tmp_path / f"highspy{suffix}").read_bytes()


def test_the_model_file_is_written_from_a_thread(tiny_workbook, tmp_path, monkeypatch):
    threads = []
    write = highs_c.write_model
    monkeypatch.setattr(highs_c, "write_model", lambda lp, path: (
        threads.append(threading.current_thread().name), write(lp, path))[1])
    out = tmp_path / "models"
    solve(read_workbook(tiny_workbook), write_model=out / "tiny.lp")
    assert threads == ["sourcing-model-file"]
    assert (out / "tiny.lp").read_text() == written_by_highspy(tiny_workbook, out / "here.lp")
    assert sorted(p.name for p in out.iterdir()) == ["here.lp", "tiny.lp"]  # no temporary


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
@pytest.mark.parametrize("failure", ["reports an error", "raises"])
def test_the_model_file_is_written_with_highspy_when_the_c_api_fails(failure, tiny_workbook,
                                                                     tmp_path, monkeypatch,
                                                                     capfd):
    def fail(lp, path):
        if failure == "raises":
            raise OSError("no such symbol")
        return False

    monkeypatch.setattr(highs_c, "write_model", fail)
    out = tmp_path / "models"
    solve(read_workbook(tiny_workbook), write_model=out / "tiny.mps")
    assert (out / "tiny.mps").read_text() == written_by_highspy(tiny_workbook, out / "here.mps")
    assert sorted(p.name for p in out.iterdir()) == ["here.mps", "tiny.mps"]
    assert capfd.readouterr().err == ""  # no traceback from the thread


def test_the_model_file_is_kept_when_the_plan_fails_its_check(tiny_workbook, tmp_path,
                                                              monkeypatch):
    """A failed check is a bug to report with the model: the file is still written."""
    monkeypatch.setattr(solving, "check_plan", lambda data, plan, cost: [
        Check("demand", "fail", "made to fail")])
    out = tmp_path / "out"
    with pytest.raises(CheckError):
        solve(read_workbook(tiny_workbook), write_model=out / "tiny.mps")
    assert (out / "tiny.mps").stat().st_size > 0
    assert [p.name for p in out.iterdir()] == ["tiny.mps"]  # and no temporary file


def test_no_temporary_model_file_is_left_when_reading_the_plan_is_interrupted(
        tiny_workbook, tmp_path, monkeypatch):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(solving, "_read_solution", interrupted)  # after the write started
    out = tmp_path / "models"
    out.mkdir()
    with pytest.raises(KeyboardInterrupt):
        solve(read_workbook(tiny_workbook), write_model=out / "tiny.mps")
    assert list(out.iterdir()) == []
