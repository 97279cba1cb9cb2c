"""Steps run by a forked copy of the process (optimizer/forked.py): the rows of the largest
results table. Whatever the copy does, the files are the ones this process writes without it,
byte for byte, and a copy that fails leaves the step to this process."""

from __future__ import annotations

import os
import time
import zipfile

import pandas as pd
import pytest
from openpyxl.utils.exceptions import IllegalCharacterError

from optimizer import forked, xlsx_fast
from optimizer.writer import SheetOut, new_workbook, save_workbook

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


def test_a_fork_that_fails_leaves_the_work_to_this_process(tmp_path, monkeypatch):
    def no_room():
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(os, "fork", no_room)
    out = tmp_path / "done"
    assert forked.Forked(lambda: out.write_text("copy")).wait() is False
    assert not out.exists()


def test_cancel_stops_a_copy_that_still_runs():
    copy = forked.Forked(lambda: time.sleep(60))
    started = time.perf_counter()
    copy.cancel()
    assert time.perf_counter() - started < 5
    assert copy.wait() is False  # nothing left to wait for


# --- the rows of a long table (xlsx_fast._Aside) -------------------------------------------------
LONG = pd.DataFrame({
    "supplier": [f"supplier {k % 37} & <co>" if k % 11 else "=not a formula"
                 for k in range(3000)],
    "mineral": ["gallium", "germanium", None] * 1000,
    "quantity": [k / 7 if k % 13 else float("nan") for k in range(3000)],
    "count": list(range(3000)),
    "binding": [k % 2 == 0 for k in range(3000)],
})


def sheet_parts(tmp_path, name, table, fork: bool, chunk_rows: int = 400,
                **patches) -> dict[str, bytes]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(forked, "ENABLED", fork)
        mp.setattr(xlsx_fast, "FORK_CELLS", 1000)  # LONG has 15,000 cells
        # several chunks on either side of the split
        mp.setattr(xlsx_fast, "CHUNK_ROWS", chunk_rows)
        for attr, value in patches.items():
            mp.setattr(xlsx_fast._Aside, attr, value)
        path = save_workbook(new_workbook([SheetOut("Allocations", table, notes=["a note"])]),
                             tmp_path / name)
    with zipfile.ZipFile(path) as book:
        return {n: book.read(n) for n in book.namelist() if n != "docProps/core.xml"}


@pytest.mark.parametrize("chunk_rows", [400, 3])  # chunks larger and smaller than a buffer
def test_rows_formatted_by_a_copy_are_the_rows_formatted_here(tmp_path, chunk_rows):
    started = []
    original = xlsx_fast._Aside.__init__

    def counted(self, pending, start):
        started.append(start)
        original(self, pending, start)

    by_copy = sheet_parts(tmp_path, "copy.xlsx", LONG, fork=True, chunk_rows=chunk_rows,
                          __init__=counted)
    assert started and 0 < started[0] < len(LONG)  # the copy did the rows from there on
    assert by_copy == sheet_parts(tmp_path, "here.xlsx", LONG, fork=False,
                                  chunk_rows=chunk_rows)


def test_rows_are_formatted_here_when_no_copy_can_be_forked(tmp_path, monkeypatch):
    def no_room():
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(os, "fork", no_room)
    assert sheet_parts(tmp_path, "nofork.xlsx", LONG, fork=True) == \
        sheet_parts(tmp_path, "here.xlsx", LONG, fork=False)
    assert xlsx_fast._Aside.running == 0


def test_rows_are_formatted_here_when_the_copy_fails(tmp_path):
    def fail(self):
        raise RuntimeError("the copy cannot format")

    assert sheet_parts(tmp_path, "failed.xlsx", LONG, fork=True, _format=fail) == \
        sheet_parts(tmp_path, "here.xlsx", LONG, fork=False)


def test_an_illegal_character_in_the_copys_rows_is_raised_here(tmp_path):
    bad = LONG.copy()
    bad.loc[2900, "supplier"] = "bad\x01"
    with pytest.raises(IllegalCharacterError):
        sheet_parts(tmp_path, "bad.xlsx", bad, fork=True)
    assert list(tmp_path.iterdir()) == []  # nothing left behind
    assert xlsx_fast._Aside.running == 0  # the next long table may fork again


def test_a_copy_is_stopped_when_writing_fails_before_its_rows(tmp_path, monkeypatch):
    """An error while the sheets before the long table are written: its copy is not left
    running (nor counted as running, which would keep the next tables from forking)."""
    def fail(out, xml, pending):
        raise OSError("disk full")

    monkeypatch.setattr(xlsx_fast, "_write_sheet", fail)
    with pytest.raises(Exception, match="disk full"):
        sheet_parts(tmp_path, "full.xlsx", LONG, fork=True)
    assert xlsx_fast._Aside.running == 0
