"""optimizer/prefetch.py: the sourcing command reads the workbook's cells in a thread while it
imports pandas, Pyomo and HiGHS; what it hands over must be what a plain read gives."""

from __future__ import annotations

import os

import pytest

from optimizer import InputError, WorkbookFileError, prefetch, read_workbook
from optimizer.reader import read_raw

from .conftest import workbook


def test_nothing_is_taken_when_nothing_was_started(tiny_workbook):
    assert prefetch.take(tiny_workbook) is None


def test_the_cells_read_ahead_are_the_cells_of_a_plain_read(tiny_workbook):
    prefetch.start(tiny_workbook)
    ahead = prefetch.take(tiny_workbook)
    assert ahead is not None and ahead == read_raw(tiny_workbook)
    assert prefetch.take(tiny_workbook) is None  # taken once


def test_read_workbook_uses_the_cells_read_ahead(tiny_workbook, monkeypatch):
    prefetch.start(tiny_workbook)
    prefetch._pending[os.path.abspath(tiny_workbook)].join()
    import optimizer.reader

    def no_second_read(_path):
        raise AssertionError("read the file again")

    monkeypatch.setattr(optimizer.reader, "read_raw", no_second_read)
    assert len(read_workbook(tiny_workbook).offers) > 0


def test_a_file_changed_after_the_read_started_is_read_again(tiny_workbook):
    prefetch.start(tiny_workbook)
    prefetch._pending[os.path.abspath(tiny_workbook)].join()
    stat = os.stat(tiny_workbook)
    os.utime(tiny_workbook, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert prefetch.take(tiny_workbook) is None


def test_a_file_that_is_not_a_workbook_fails_as_a_plain_read_does(tmp_path):
    bad = tmp_path / "notes.xlsx"
    bad.write_text("supplier,country\n")
    with pytest.raises(WorkbookFileError) as plain:
        read_workbook(bad)
    prefetch.start(bad)
    with pytest.raises(WorkbookFileError) as ahead:
        read_workbook(bad)
    assert str(ahead.value) == str(plain.value)


def test_problems_in_the_cells_are_reported_as_by_a_plain_read(tmp_path):
    path = workbook(tmp_path, {"Minerals": [["mineral", "demand"], ["gallium", "lots"]]})
    with pytest.raises(InputError) as plain:
        read_workbook(path)
    prefetch.start(path)
    with pytest.raises(InputError) as ahead:
        read_workbook(path)
    assert [str(p) for p in ahead.value.problems] == [str(p) for p in plain.value.problems]


def test_sourcing_solve_reads_the_workbook_once_and_ahead(run, tiny_workbook, monkeypatch):
    """The command starts the read from its WORKBOOK argument; validation takes those cells."""
    import threading

    import optimizer.reader

    plain = optimizer.reader.read_raw
    readers: list[str] = []

    def counted(path):
        readers.append(threading.current_thread().name)
        return plain(path)

    monkeypatch.setattr(optimizer.reader, "read_raw", counted)
    result = run("solve", tiny_workbook, "-o", "results.xlsx")
    assert result.exit_code == 0, result.output
    assert readers == ["sourcing-prefetch"]


def test_checking_the_model_path_imports_no_pandas_before_the_read_starts():
    """click may run --write-model's check before WORKBOOK's callback starts the read; an
    import of pandas there (0.3 s) delayed the read at XL by as much."""
    import subprocess
    import sys

    code = ("import sys\nfrom pathlib import Path\nfrom optimizer import cli\n"
            "cli._model_path(Path('model.mps'))\n"
            "print(sorted(m for m in ('pandas', 'numpy', 'pyomo', 'optimizer.solving')"
            " if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
