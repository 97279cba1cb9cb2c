"""Steps run by a forked copy of the process (optimizer/forked.py): the model file. Whatever
the copy does, the file is the one this process writes without it, byte for byte, and a copy
that fails leaves the step to this process.

The tiny workbook is gallium, demand 100, with China (200 at 10) capped at 60 % and Japan (80
at 15): 60 * 10 + 40 * 15 = 1200.
"""

from __future__ import annotations

import os
import time

import pytest

from optimizer import CheckError, forked, read_workbook, solve, solving
from optimizer.checks import Check

pytestmark = pytest.mark.skipif(not forked.available(), reason="forks only on Linux")


def test_a_forked_copy_runs_the_work_in_another_process(tmp_path):
    out = tmp_path / "pid"
    copy = forked.Forked(lambda: out.write_text(str(os.getpid())))
    assert copy.wait() is True
    assert int(out.read_text()) != os.getpid()


def test_a_copy_whose_work_raises_reports_failure_and_prints_nothing(capfd):
    def fail():
        raise RuntimeError("boom")

    assert forked.Forked(fail).wait() is False
    assert capfd.readouterr() == ("", "")


def test_cancel_stops_a_copy_that_still_runs():
    copy = forked.Forked(lambda: time.sleep(60))
    started = time.perf_counter()
    copy.cancel()
    assert time.perf_counter() - started < 5
    assert copy.wait() is False  # nothing left to wait for


# --- the model file (solving.ModelFile) ----------------------------------------------------------
def model_text(tiny_workbook, path, fork: bool) -> str:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(forked, "ENABLED", fork)
        solve(read_workbook(tiny_workbook), write_model=path)
    return path.read_text()


def test_the_model_file_is_the_same_written_by_a_copy_or_in_process(tiny_workbook, tmp_path):
    started = []
    with pytest.MonkeyPatch.context() as mp:
        original = forked.Forked.__init__
        mp.setattr(forked.Forked, "__init__",
                   lambda self, work: (started.append(work), original(self, work))[1])
        by_copy = model_text(tiny_workbook, tmp_path / "copy.lp", fork=True)
    assert started  # the copy did write it
    assert by_copy == model_text(tiny_workbook, tmp_path / "here.lp", fork=False)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".lp") == \
        ["copy.lp", "here.lp"]  # no temporary file (".~copy....lp") left beside them


def test_the_model_file_is_written_here_when_the_copy_fails(tiny_workbook, tmp_path,
                                                            monkeypatch):
    def fail(self):
        raise RuntimeError("the copy cannot write")

    monkeypatch.setattr(solving.ModelFile, "_write_in_copy", fail)
    text = model_text(tiny_workbook, tmp_path / "tiny.lp", fork=True)
    assert text == model_text(tiny_workbook, tmp_path / "here.lp", fork=False)


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
