"""Solving: data in, a checked :class:`SolveResult` out.

The solver outcome is data (a status string), not an exception: an infeasible instance returns a
result with ``status == "infeasible"`` and no tables. Only a failed independent check, which
would mean a bug, raises.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import pandas as pd

from .checks import Check, CostBreakdown, Plan, check_plan, checks_frame, plan_cost
from .data import SourcingData
from .errors import CheckError, SolverError

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
    best_bound: float | None = None
    mip_gap: float | None = None
    solve_seconds: float = 0.0
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


def solve(data: SourcingData, time_limit: float | None = None, mip_gap: float | None = None,
          threads: int | None = None, *, diagnose: bool = True, marginals: bool = True,
          cost_without_caps: bool = True,
          model: object = None, solver: object = None) -> SolveResult:
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
    """
    from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
    from pyomo.contrib.solver.solvers.highs import Highs

    from .model import build_model
    from .results import (allocations_table, budgets_table, country_shares_table,
                          extract_plan, flows_table, investments_table, minerals_table,
                          sites_table)

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
    try:
        res = (Highs() if solver is None else solver).solve(model, **options)
    except Exception as exc:  # HiGHS or Pyomo failing is not the user's fault
        raise SolverError(f"the solver failed: {exc}") from exc
    solve_seconds = time.perf_counter() - started

    base = dict(solve_seconds=solve_seconds, build_seconds=build_seconds,
                solver=solver_name(), input_file=data.source, created_at=created)
    tc, ss = res.termination_condition, res.solution_status
    if ss not in (SolutionStatus.optimal, SolutionStatus.feasible):
        if tc in (TerminationCondition.provenInfeasible,
                  TerminationCondition.infeasibleOrUnbounded,
                  TerminationCondition.locallyInfeasible):
            from .diagnose import explain_safely

            return SolveResult("infeasible", message="no plan satisfies every rule",
                               diagnosis=explain_safely(data, time_limit) if diagnose else None,
                               **base)
        if tc in (TerminationCondition.maxTimeLimit, TerminationCondition.iterationLimit,
                  TerminationCondition.interrupted):
            return SolveResult("no_plan_found", message=f"no plan found within {time_limit:g} s",
                               **base)
        raise SolverError(f"the solver stopped with {tc.name} and no plan")

    res.solution_loader.load_vars()
    objective = float(res.incumbent_objective)
    bound = res.objective_bound
    bound = None if bound is None else float(bound)
    status = "optimal" if ss == SolutionStatus.optimal else "feasible"
    gap = _gap(objective, bound)

    plan = extract_plan(model, data)
    checks = check_plan(data, plan, objective)
    failed = [c for c in checks if c.status != "pass"]
    if failed:
        raise CheckError("the plan failed the independent check: "
                         + "; ".join(f"{c.check}: {c.detail}" for c in failed))
    cost: CostBreakdown = plan_cost(data, plan)
    allocations = allocations_table(data, plan)
    result = SolveResult(
        status=status,
        total_cost=objective,
        purchase_cost=cost.purchase_cost,
        fixed_cost=cost.fixed_cost,
        investment_cost=cost.investment_cost,
        shortfall_cost=cost.shortfall_cost,
        transport_cost=cost.transport_cost,
        tariff_cost=cost.tariff_cost,
        best_bound=bound,
        mip_gap=gap,
        plan=plan,
        minerals=minerals_table(data, plan, allocations),
        allocations=allocations,
        country_shares=country_shares_table(data, plan),
        investments=investments_table(data, plan),
        budgets=budgets_table(data, plan),
        flows=flows_table(data, plan),
        sites=sites_table(data, plan, allocations),
        checks=checks_frame(checks),
        message="optimal plan" if status == "optimal" else
        f"plan found at the time limit, not proven optimal (gap {gap:.2%})",
        **base,
    )
    if marginals or cost_without_caps:
        from .marginals import explain_plan

        explain_plan(result, data, model, time_limit=time_limit, mip_gap=mip_gap,
                     marginals=marginals, cost_without_caps=cost_without_caps)
    return result


def _gap(objective: float, bound: float | None) -> float | None:
    if bound is None:
        return None
    return max(0.0, abs(objective - bound) / max(abs(objective), 1e-9)) if objective else \
        abs(bound)


__all__ = ["solve", "SolveResult", "Check"]
