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


def test_budget_re_solves_do_not_keep_their_models():
    """next_project solves the data again per candidate raise with the collector paused; each
    model built on the way (they hold cycles) is collected, not kept until the solve ends."""
    import pyomo.core as pyo

    from optimizer.example import example_data

    def models() -> int:
        return sum(isinstance(o, pyo.ConcreteModel) for o in gc.get_objects())

    before = models()
    with paused_gc():
        result = solve(example_data())  # its budgets table comes from re-solves
        assert result.budgets["next_project"].notna().any()
        assert models() - before <= 1  # at most the one model of this solve


def test_a_pause_that_is_not_resumed_leaves_the_collector_off():
    """For a process that ends with the block (the sourcing command): no last full walk."""
    try:
        with paused_gc(resume=False):
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_solve_command_run_in_process_turns_the_collector_back_on(tmp_path):
    """Only the console entry point (cli.run, which ends the process) leaves it off."""
    from click.testing import CliRunner

    from optimizer.cli import main

    outcome = CliRunner().invoke(main, ["solve", "-o", str(tmp_path / "plan.xlsx")])
    assert outcome.exit_code == 0, outcome.output
    assert gc.isenabled()


def test_the_solve_command_told_the_process_ends_leaves_the_collector_off(tmp_path):
    """As cli.run invokes it: no last full walk of the plan before os._exit."""
    from click.testing import CliRunner

    from optimizer.cli import main

    try:
        outcome = CliRunner().invoke(main, ["solve", "-o", str(tmp_path / "plan.xlsx")],
                                     obj={"process_ends": True})
        assert outcome.exit_code == 0, outcome.output
        assert not gc.isenabled()
    finally:
        gc.enable()
