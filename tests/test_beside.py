"""``optimizer.solve(..., beside=f)``: f runs in a thread while HiGHS solves (issue 7).

highspy releases Python's interpreter lock during HiGHS's run, so work that does not need the
plan costs the solve nothing; ``sourcing solve`` imports the workbook writer there. The solve
must wait for the work, report what it raised as it was raised, and be unchanged otherwise.
"""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from optimizer import solve
from optimizer.example import example_data
from optimizer.highs_direct import Beside


def test_the_work_runs_once_in_another_thread_and_the_plan_is_unchanged():
    calls = []
    plain = solve(example_data())
    result = solve(example_data(), beside=lambda: calls.append(threading.current_thread()))
    assert len(calls) == 1 and calls[0] is not threading.main_thread()
    assert (result.status, result.total_cost) == (plain.status, plain.total_cost)
    assert result.allocations.equals(plain.allocations)


def test_the_solve_waits_for_the_work_before_going_on():
    started, finished = threading.Event(), []

    def work():
        started.set()
        threading.Event().wait(0.2)  # longer than HiGHS takes on the example
        finished.append(True)

    solve(example_data(), beside=work)
    assert started.is_set() and finished == [True]


def test_what_the_work_raises_is_raised_after_the_solve_not_as_a_solver_error():
    def work():
        raise LookupError("no such scenario")

    with pytest.raises(LookupError, match="no such scenario"):
        solve(example_data(), beside=work)


def test_a_persistent_solver_runs_the_work_too():
    """optimizer.reuse solves with Pyomo's persistent HiGHS interface."""
    from pyomo.contrib.solver.solvers.highs import Highs

    from optimizer.model import build_model

    data, calls = example_data(), []
    result = solve(data, model=build_model(data), solver=Highs(treat_fixed_vars_as_params=False),
                   beside=lambda: calls.append(1))
    assert calls == [1] and result.status == "optimal"


def test_beside_joins_its_thread_when_the_block_raises():
    done = []
    work = Beside(lambda: done.append(1))
    with pytest.raises(RuntimeError):
        with work:
            raise RuntimeError("HiGHS failed")
    assert done == [1] and not work._thread.is_alive()
    work.check()  # the work itself raised nothing


def test_sourcing_solve_imports_openpyxl_while_highs_runs_not_before():
    """At L the imports before the solve are on the critical path; openpyxl (about 0.08 s)
    is imported beside HiGHS instead (optimizer/cli.py, _import_writer)."""
    code = (
        "import sys, optimizer.highs_direct as hd\n"
        "enter = hd.Beside.__enter__\n"
        "def spy(self):\n"
        "    print('openpyxl before HiGHS:', 'openpyxl' in sys.modules, file=sys.stderr)\n"
        "    return enter(self)\n"
        "hd.Beside.__enter__ = spy\n"
        "from optimizer.cli import main\n"
        "main(['solve', '-o', sys.argv[1], '--json'], standalone_mode=False)\n"
        "print('openpyxl after:', 'openpyxl' in sys.modules, file=sys.stderr)\n")
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, "-c", code, str(Path(tmp) / "plan.xlsx")],
                             capture_output=True, text=True, check=True)
    assert "openpyxl before HiGHS: False" in out.stderr
    assert "openpyxl after: True" in out.stderr


def test_the_look_ups_read_after_the_solve_are_made_beside_highs(monkeypatch):
    """The caps, the lanes and the offers' positions (the check, the tables, the marginal
    values) are made in the thread that runs while HiGHS solves."""
    import optimizer.solving as solving

    threads = []
    made = solving._look_ups
    monkeypatch.setattr(solving, "_look_ups", lambda *args: (
        threads.append(threading.current_thread()), made(*args)))
    solve(example_data())
    assert len(threads) == 1 and threads[0] is not threading.main_thread()


def test_a_solve_without_marginal_values_makes_no_offer_positions(monkeypatch):
    """The offers' positions (100,000 keys at XL) are read only by the marginal values; the
    many solves of a diagnosis ask for none."""
    import optimizer.model as model_module

    built = []
    build = model_module.build_model
    monkeypatch.setattr(model_module, "build_model",
                        lambda data: built.append(build(data)) or built[-1])
    solve(example_data(), marginals=False, cost_without_caps=False)
    assert "position_of_offer" not in vars(built[0].ix)
    solve(example_data())
    assert "position_of_offer" in vars(built[1].ix)


def test_data_changed_by_replace_gets_its_own_caps_and_lanes():
    """SourcingData keeps its look-ups (effective_caps, supply_countries, arc_keys) once made;
    a changed copy (with_settings, dataclasses.replace) starts without them."""
    data = example_data()
    before = data.effective_caps()
    tighter = data.with_settings(max_country_share=0.3)
    assert tighter.effective_caps() != before  # the settings' cap applies where no other does
    assert data.effective_caps() is before  # kept, unchanged
    assert data.effective_caps(zip(data.offers.index.get_level_values("mineral"),
                                   data.offers["country"])) == before
    assert data.arc_keys() == set(zip(data.arcs()["source"], data.arcs()["mineral"],
                                      data.arcs()["site"]))


def test_solve_seconds_leave_out_the_wait_for_the_work():
    """The Summary's solve_seconds is the solver's time: work that outlasts HiGHS's run (here
    0.6 s against a few milliseconds on the example) is waited for, but not counted."""
    result = solve(example_data(), beside=lambda: threading.Event().wait(0.6))
    assert result.solve_seconds < 0.3
