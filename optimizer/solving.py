"""Solving: data in, a checked :class:`SolveResult` out.

The solver outcome is data (a status string), not an exception: an infeasible instance returns a
result with ``status == "infeasible"`` and no tables. Only a failed independent check, which
would mean a bug, raises.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import pandas as pd

from .checks import Check, CostBreakdown, Plan, check_plan, checks_frame, plan_cost
from .data import SourcingData
from .errors import CheckError, OutputError, SolverError
from .files import check_model_path
from .gcpause import pausing_gc

if TYPE_CHECKING:  # pragma: no cover
    from .diagnose import Diagnosis

#: statuses that come with a plan
PLAN_STATUSES = ("optimal", "feasible")


@dataclass
class SolveResult:
    """The outcome of one solve.

    ``status`` is one of:

    - ``"optimal"``: proven optimal within ``mip_gap``;
    - ``"feasible"``: a plan found but stopped by the time limit, not proven optimal (see
      ``mip_gap`` for how far from optimal it may be);
    - ``"infeasible"``: no plan satisfies every rule;
    - ``"no_plan_found"``: the time limit passed before any plan was found.

    Money is in the data's currency per year; ``mip_gap`` is a fraction; seconds are wall time.
    The DataFrames follow output contract v1 and are empty when there is no plan.
    """

    status: str
    total_cost: float | None = None
    purchase_cost: float | None = None
    fixed_cost: float | None = None
    investment_cost: float | None = None
    shortfall_cost: float | None = None
    transport_cost: float | None = None
    tariff_cost: float | None = None
    reservation_cost: float | None = None
    expected_cost: float | None = None  # over Disruptions (None without them)
    cvar: float | None = None
    worst_scenario_cost: float | None = None
    best_bound: float | None = None
    mip_gap: float | None = None
    solve_seconds: float = 0.0  # hand-over and HiGHS (not the wait for the work beside it)
    solver: str = ""
    input_file: str = ""
    created_at: str = ""
    build_seconds: float = 0.0
    plan: Plan | None = None
    minerals: pd.DataFrame = field(default_factory=pd.DataFrame)
    allocations: pd.DataFrame = field(default_factory=pd.DataFrame)
    country_shares: pd.DataFrame = field(default_factory=pd.DataFrame)
    investments: pd.DataFrame = field(default_factory=pd.DataFrame)
    budgets: pd.DataFrame = field(default_factory=pd.DataFrame)
    flows: pd.DataFrame = field(default_factory=pd.DataFrame)
    sites: pd.DataFrame = field(default_factory=pd.DataFrame)
    checks: pd.DataFrame = field(default_factory=pd.DataFrame)
    message: str = ""
    cost_without_caps: float | None = None  # same instance, no country caps (marginals.py)
    diagnosis: Diagnosis | None = None  # why there is no plan (diagnose.py), when infeasible
    explain_seconds: float = 0.0  # wall time of the extra solves: marginals, cost_without_caps
    read_seconds: float = 0.0  # reading and validating the workbook (SourcingData.read_seconds)
    extract_seconds: float = 0.0  # solution -> plan, independent checks and output tables
    write_model_seconds: float = 0.0  # waiting for the model file (solve(write_model=...))
    write_seconds: float = 0.0  # writing the results workbook (set by write_results)

    def timings(self) -> dict[str, float]:
        """Wall time of each stage, in seconds: read, build, solve (hand-over to HiGHS and
        HiGHS itself), extract (plan, checks, tables), write (results workbook), write_model,
        explain (the extra solves for marginals and cost_without_caps)."""
        return {f"{stage}_seconds": getattr(self, f"{stage}_seconds") for stage in
                ("read", "build", "solve", "extract", "write", "write_model", "explain")}

    @property
    def has_plan(self) -> bool:
        return self.status in PLAN_STATUSES

    def summary(self) -> dict[str, object]:
        """The Summary sheet's items, in contract order (numbers as numbers)."""
        from .schema import SUMMARY_ITEMS

        return {item: getattr(self, item) for item in SUMMARY_ITEMS}


def solver_name() -> str:
    import highspy

    version = getattr(highspy.Highs(), "version", None)
    return f"HiGHS {version()}" if callable(version) else "HiGHS"


@pausing_gc
def solve(data: SourcingData, time_limit: float | None = None, mip_gap: float | None = None,
          threads: int | None = None, *, diagnose: bool = True, marginals: bool = True,
          cost_without_caps: bool = True,
          model: object = None, solver: object = None,
          write_model: str | Path | None = None,
          beside: Callable[[], object] | None = None) -> SolveResult:
    """Find the least-cost plan for ``data``.

    ``time_limit`` (seconds) and ``mip_gap`` (relative, e.g. 1e-4) override the workbook's
    Settings. The plan is re-checked against the data after the solve; a failed check raises
    :class:`optimizer.CheckError`.

    ``model`` is a model already built for ``data`` (or updated to match it) and ``solver`` the
    persistent ``Highs`` to solve it with; :mod:`optimizer.reuse` passes both to re-solve a
    model whose numbers changed instead of building it again.

    Extra solves explain the outcome (each can be switched off): with no feasible plan,
    ``diagnose`` fills ``result.diagnosis`` (:func:`optimizer.explain`); with a plan,
    ``marginals`` adds saving_per_point, capacity_value and the Budgets next_project columns,
    and ``cost_without_caps`` solves once more without country caps (see
    :mod:`optimizer.marginals`).

    ``write_model`` is a path ending in ``.mps`` or ``.lp``: the model exactly as handed to
    HiGHS is written there (by HiGHS itself), for audit or to try other solvers. HiGHS's C API
    writes it from a thread while the plan is read (:class:`ModelFile`); the file is the same
    as highspy's ``writeModel`` after the solve, which is the fallback.

    ``beside`` is a function called with no arguments in a thread while HiGHS solves: HiGHS
    releases Python's interpreter lock meanwhile, so work that does not need the plan (the next
    scenario's data, an import) runs at no cost to the solve while it is shorter than HiGHS's
    run. The solve waits for it before going on and raises what it raised. ``sourcing solve``
    imports the workbook writer there when it has not already (the bundled example). ``beside``
    must not solve anything itself: two HiGHS runs at once in one process share HiGHS's global
    task scheduler, which is not safe (ERGO-Code/HiGHS issues 810 and 3141).
    """
    if write_model is not None:
        check_model_path(write_model)
    from .highs_direct import Beside, solve_direct
    from .model import build_model

    settings = data.settings
    time_limit = settings.time_limit_s if time_limit is None else float(time_limit)
    mip_gap = settings.mip_gap if mip_gap is None else float(mip_gap)
    created = datetime.now(timezone.utc).isoformat(timespec="seconds")

    started = time.perf_counter()
    model = build_model(data) if model is None else model
    build_seconds = time.perf_counter() - started

    options: dict[str, object] = {"time_limit": time_limit, "rel_gap": mip_gap,
                                  "load_solutions": False,
                                  "raise_exception_on_nonoptimal_result": False}
    if threads is not None:
        options["threads"] = threads
    started = time.perf_counter()

    positions = []  # where the marginal values will read HiGHS's duals, made beside HiGHS

    def beside_highs() -> None:
        _look_ups(data, model, marginals)
        if marginals and work.handed is not None:
            from .marginals import Positions

            handed = work.handed
            positions.append(Positions(model, handed.columns, handed.rows, handed.column_of))
        if beside is not None:
            beside()

    work = Beside(beside_highs)
    try:
        if solver is None:  # solved once: handed over in one call (optimizer/highs_direct.py)
            res = solve_direct(model, beside_run=work, **options)
            highs = res.highs
        else:
            if not _has_integers(model):  # as solve_direct does (highs_direct.LP_PRESOLVE)
                from .highs_direct import LP_PRESOLVE

                options["solver_options"] = {"presolve": LP_PRESOLVE}
            with work:
                res = solver.solve(model, **options)
            highs = solver._solver_model
    except Exception as exc:  # HiGHS or Pyomo failing is not the user's fault
        raise SolverError(f"the solver failed: {exc}") from exc
    work.check()
    solve_seconds = time.perf_counter() - started - work.waited  # the solver's time only
    model_file = ModelFile(Path(write_model)) if write_model is not None else None
    if model_file is not None and work.handed is not None:
        model_file.start(work.handed.lp)  # beside the plan's reading, which is Python work
    base = dict(solve_seconds=solve_seconds, build_seconds=build_seconds,
                solver=solver_name(), input_file=data.source, created_at=created,
                read_seconds=getattr(data, "read_seconds", 0.0))
    try:
        result, settled = _read_solution(data, model, res, highs, solver, time_limit, diagnose,
                                         base)
    except Exception:  # a failed check: the model file is wanted all the more (a bug report)
        if model_file is not None:
            with contextlib.suppress(OutputError):
                model_file.finish(highs)
        raise
    except BaseException:  # interrupted
        if model_file is not None:
            model_file.cancel()
        raise
    if model_file is not None:
        result.write_model_seconds = model_file.finish(highs)
    if result.has_plan and (marginals or cost_without_caps):
        from .marginals import explain_plan

        # HiGHS still holds this plan unless _settle_binaries replaced it
        direct = res if solver is None and settled == float(res.incumbent_objective) else None
        explain_plan(result, data, model, time_limit=time_limit, mip_gap=mip_gap,
                     marginals=marginals, cost_without_caps=cost_without_caps, direct=direct,
                     positions=positions[0] if direct is not None and positions else None)
    return result


def _read_solution(data: SourcingData, model, res, highs, solver, time_limit: float,
                   diagnose: bool, base: dict) -> tuple[SolveResult, float | None]:
    """The result of a finished solve, before the explain columns: the checked plan and its
    tables, or why there is none. Also returns the objective as settled (None: no plan)."""
    from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
    import pyomo.core as pyo
    from .highs_direct import integer_columns_leak
    from .results import (allocations_table, budgets_table, country_shares_table,
                          extract_plan, flows_table, investments_table, minerals_table,
                          sites_table)

    tc, ss = res.termination_condition, res.solution_status
    if ss not in (SolutionStatus.optimal, SolutionStatus.feasible):
        if tc in (TerminationCondition.provenInfeasible,
                  TerminationCondition.infeasibleOrUnbounded,
                  TerminationCondition.locallyInfeasible):
            from .diagnose import explain_safely

            return SolveResult("infeasible", message="no plan satisfies every rule",
                               diagnosis=explain_safely(data, time_limit) if diagnose else None,
                               **base), None
        if tc in (TerminationCondition.maxTimeLimit, TerminationCondition.iterationLimit,
                  TerminationCondition.interrupted):
            return SolveResult("no_plan_found", message=f"no plan found within {time_limit:g} s",
                               **base), None
        raise SolverError(f"the solver stopped with {tc.name} and no plan")

    started = time.perf_counter()
    res.solution_loader.load_vars()
    objective = float(res.incumbent_objective)
    if solver is None and not integer_columns_leak(highs):
        settled, proven = objective, True  # nothing to settle (always so for a pure LP)
    else:
        settled, proven = _settle_binaries(model, objective, time_limit)
    bound = res.objective_bound
    bound = None if bound is None else float(bound)
    if settled != objective:  # the bound came from the leaky relaxation
        objective, bound = settled, (settled if proven else bound)
    status = "optimal" if ss == SolutionStatus.optimal else "feasible"
    gap = _gap(objective, bound)

    plan = extract_plan(model, data)
    # Under the expected and cvar objectives the solver's objective is a risk measure; the
    # plan's own (normal-times) cost is checked, and the risk measure is re-derived below.
    normal = objective if data.settings.objective == "cost" else \
        float(pyo.value(model.normal_cost))
    checks = check_plan(data, plan, normal)
    risk = _risk(data, plan, checks, objective)
    failed = [c for c in checks if c.status != "pass"]
    if failed:
        raise CheckError("the plan failed the independent check: "
                         + "; ".join(f"{c.check}: {c.detail}" for c in failed))
    cost: CostBreakdown = plan_cost(data, plan)
    allocations = allocations_table(data, plan)
    result = SolveResult(
        status=status,
        total_cost=normal,
        reservation_cost=cost.reservation_cost,
        expected_cost=risk.expected_cost if risk else None,
        cvar=risk.cvar if risk else None,
        worst_scenario_cost=risk.worst_scenario_cost if risk else None,
        purchase_cost=cost.purchase_cost,
        fixed_cost=cost.fixed_cost,
        investment_cost=cost.investment_cost,
        shortfall_cost=cost.shortfall_cost,
        transport_cost=cost.transport_cost,
        tariff_cost=cost.tariff_cost,
        best_bound=bound,
        mip_gap=gap,
        plan=plan,
        minerals=minerals_table(data, plan, allocations, risk),
        allocations=allocations,
        country_shares=country_shares_table(data, plan),
        investments=investments_table(data, plan),
        budgets=budgets_table(data, plan),
        flows=flows_table(data, plan),
        sites=sites_table(data, plan, allocations),
        checks=checks_frame(checks),
        message="optimal plan" if status == "optimal" else
        f"plan found at the time limit, not proven optimal (gap {gap:.2%})",
        extract_seconds=time.perf_counter() - started,
        **base,
    )
    return result, settled


def _has_integers(model) -> bool:
    """True when a variable of ``model`` is integer (binary). Each variable component of the
    model has one domain for all its elements, so its first element tells."""
    import pyomo.core as pyo

    return any(next(iter(var.values())).is_integer()
               for var in model.component_objects(pyo.Var, active=True) if len(var))


def _look_ups(data: SourcingData, model, marginals: bool) -> None:
    """Make, while HiGHS solves, the look-ups of the data and the model that the check, the
    tables and (with ``marginals``) the marginal values read after it (each kept where it
    belongs, computed once): about 0.1 s at XL, hidden by a MIP's run; an LP's run (0.1 s at
    XL, no presolve) now ends first, and the solve waits for the rest."""
    data.effective_caps()  # and supply_countries()
    data.arc_keys()  # and arcs()
    if not model.ix.network:  # cached properties: made on first read
        model.ix.single_site_arcs
    if marginals:
        model.ix.position_of_offer


def solve_plan_only(data: SourcingData, time_limit: float,
                    mip_gap: float | None = None) -> SolveResult:
    """:func:`solve` for a question asked while explaining another solve (a budget raised, caps
    dropped, a suggested change tried): no diagnosis, marginal values or cost without caps,
    at least 1 s, and the model it built collected right away. Its cycles would otherwise pile
    up while the collector is paused around the outer step (optimizer/gcpause.py)."""
    import gc

    result = solve(data, time_limit=max(1.0, time_limit), mip_gap=mip_gap, diagnose=False,
                   marginals=False, cost_without_caps=False)
    gc.collect()
    return result


def _write_model(highs, path: Path) -> None:
    """Write the model held by ``highs`` (a highspy.Highs) to ``path``, atomically and quietly."""
    from .files import atomic_write

    flag = highs.getOptionValue("output_flag")
    flag = flag[1] if isinstance(flag, tuple) else flag  # highspy 1.15 gives (status, value)
    highs.setOptionValue("output_flag", False)  # else HiGHS logs to stdout (breaks --json)
    try:
        atomic_write(path, lambda tmp: _highs_write(highs, tmp, path), "the model")
    finally:
        highs.setOptionValue("output_flag", flag)


def _highs_write(highs, tmp: str, path: Path) -> None:
    if highs.writeModel(tmp).name == "kError":
        raise OutputError(f"HiGHS could not write the model to {path}")


class ModelFile:
    """The model as handed to HiGHS, written to ``path`` from a thread through HiGHS's C API
    (:mod:`optimizer.highs_c`) while the solve reads the plan; :meth:`finish` puts the file
    in place (optimizer/files.py, as every output file).

    ``Highs.writeModel`` holds Python's interpreter lock (0.14-0.3 s at XL); the C API does
    not, so the file is written on the other core. :meth:`start` is called with the arrays
    handed over, right after the solve: started beside HiGHS instead, it would lengthen the
    solve of small models, which ends before the write. Where it was not started (a re-used
    model), the C API is not available or it failed, :meth:`finish` writes the file with
    highspy, in process (raising OutputError with the usual message if it cannot); the file
    is the same.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp: str | None = None
        self.thread: threading.Thread | None = None
        self.written = False
        self.seconds = 0.0  # this thread's time on the file: start() and finish()

    def start(self, lp) -> None:
        """Start writing ``lp`` (:class:`optimizer.highs_direct.LpArrays`) in a thread."""
        from . import highs_c
        from .files import temp_beside

        started = time.perf_counter()
        if not highs_c.available():
            return
        try:
            self.tmp = temp_beside(self.path, "the model")
        except OutputError:
            return  # finish() writes it in process, and reports what is wrong
        self.thread = threading.Thread(target=self._write, args=(lp, self.tmp),
                                       name="sourcing-model-file", daemon=True)
        self.thread.start()
        self.seconds += time.perf_counter() - started

    def _write(self, lp, tmp: str) -> None:
        from . import highs_c

        try:
            self.written = highs_c.write_model(lp, tmp)
        except Exception:  # finish() writes it in process, with highspy's own errors
            self.written = False

    def finish(self, highs) -> float:
        """Wait for the thread and put the file in place, or write the model ``highs`` holds
        here; returns the seconds this thread spent on the file (the start, the wait and the
        rename; or the whole write)."""
        from .files import put_in_place

        started = time.perf_counter()
        try:
            if self.thread is not None:
                self.thread.join()
            if self.written:
                put_in_place(self.tmp, self.path, "the model")
            else:
                _write_model(highs, self.path)
        finally:
            self._remove_tmp()
        self.seconds += time.perf_counter() - started
        return self.seconds

    def cancel(self) -> None:
        """Remove the file being written (the solve failed); the write itself, in HiGHS,
        cannot be stopped, so this waits for it."""
        if self.thread is not None:
            self.thread.join()
        self._remove_tmp()

    def _remove_tmp(self) -> None:
        if self.tmp is not None and os.path.exists(self.tmp):
            os.unlink(self.tmp)
        self.tmp = None


def _settle_binaries(model, objective: float, time_limit: float) -> tuple[float, bool]:
    """Make a MIP solution exact when a binary sits inside HiGHS's integrality tolerance.

    A binary at 4e-8 times a capacity of 1e9 lets a project supply 40 unfunded (or an offer
    skip its min_order) while paying almost none of its fixed cost. When that happens the
    leaking binaries are fixed at 0, and separately at 1, the model is re-solved with the
    other binaries free, and the better of the two exact answers is loaded. If neither solves,
    the solver's answer is kept (the independent check then decides). Returns the objective
    of the plan now loaded, and whether both re-solves ended proven (optimal or infeasible).
    """
    import pyomo.core as pyo
    from pyomo.contrib.solver.common.results import SolutionStatus
    from pyomo.contrib.solver.solvers.highs import Highs

    def leaking():
        return [v for v in model.component_data_objects(pyo.Var) if v.is_binary()
                and not v.fixed and v.value is not None and abs(v.value - round(v.value)) > 1e-9]

    leaks = leaking()
    if not leaks:
        return objective, True
    kept = [(v, v.value) for v in model.component_data_objects(pyo.Var)]
    best: tuple[float, list] | None = None
    proven = True
    for value in (0, 1):
        for v in leaks:
            v.fix(value)
        try:
            res = Highs().solve(model, time_limit=time_limit, load_solutions=False,
                                raise_exception_on_nonoptimal_result=False)
            proven &= res.solution_status == SolutionStatus.optimal or \
                res.termination_condition.name == "provenInfeasible"
            if res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible):
                res.solution_loader.load_vars()
                if not leaking() and (best is None or res.incumbent_objective < best[0]):
                    best = (float(res.incumbent_objective),
                            [(v, v.value) for v in model.component_data_objects(pyo.Var)])
        finally:
            for v in leaks:
                v.unfix()
    for v, value in (best[1] if best else kept):
        v.set_value(value, skip_validation=True)
    return (best[0], proven) if best else (objective, False)


def _risk(data: SourcingData, plan: Plan, checks: list[Check], objective: float):
    """Expected cost, CVaR and worst scenario cost of the plan over Disruptions (None without
    them), computed independently of the model; under the expected and cvar objectives the
    solver's objective must equal the recomputed one (a check is appended)."""
    from .resilience import evaluate, expected_shortfall, risk_summary

    if not len(data.disruptions):
        return None
    stressed = evaluate(data, plan, data.scenarios())
    risk = risk_summary(data, stressed)
    risk.expected_shortfall = expected_shortfall(data, plan, stressed)
    goal = data.settings.objective
    if goal != "cost":
        recomputed = risk.expected_cost + (data.settings.risk_weight * risk.cvar
                                           if goal == "cvar" else 0.0)
        diff = abs(recomputed - objective)
        ok = diff <= 1e-6 * max(1.0, abs(objective))
        checks.append(Check("objective", "pass" if ok else "fail",
                            f"{goal} objective recomputed from the plan {recomputed:,.6f} vs "
                            f"solver {objective:,.6f} (difference {diff:.3g})"))
    return risk


def _gap(objective: float, bound: float | None) -> float | None:
    if bound is None:
        return None
    return max(0.0, abs(objective - bound) / max(abs(objective), 1e-9)) if objective else \
        abs(bound)


__all__ = ["solve", "SolveResult", "Check"]
