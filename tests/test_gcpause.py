"""The cyclic garbage collector is paused inside read_workbook, solve and write_results (for
speed: optimizer/gcpause.py) and always comes back as it was."""

from __future__ import annotations

import gc

import pytest

from optimizer import read_workbook, solve
from optimizer.errors import WorkbookFileError
from optimizer.gcpause import paused_gc, pausing_gc

from .conftest import gallium_two_suppliers


def test_collector_is_off_inside_and_back_on_after_an_error():
    seen = []

    @pausing_gc
    def step():
        seen.append(gc.isenabled())
        raise ValueError("boom")

    assert gc.isenabled()
    with pytest.raises(ValueError):
        step()
    assert seen == [False] and gc.isenabled()


def test_a_nested_pause_does_not_turn_the_collector_back_on_early():
    with paused_gc():
        with paused_gc():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off():
    gc.disable()
    try:
        solve(gallium_two_suppliers(max_country_share=0.6))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_solve_and_a_failed_read_leave_the_collector_on(tmp_path):
    solve(gallium_two_suppliers(max_country_share=0.6))
    assert gc.isenabled()
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(WorkbookFileError):
        read_workbook(bad)
    assert gc.isenabled()


def test_a_nested_step_frees_its_cycles_when_it_returns():
    """Models built by re-solves inside a solve hold cycles; they must not pile up."""
    class Node:
        pass

    with paused_gc():
        with paused_gc():
            a, b = Node(), Node()
            a.other, b.other = b, a
            ids = {id(a), id(b)}
            del a, b
        assert not ids & {id(o) for o in gc.get_objects() if isinstance(o, Node)}
