"""What-if studies: solve the base and every scenario, then compare them.

:func:`run_study` applies each scenario to a copy of the data (every problem in any scenario is
reported before anything is solved), then solves the base and the scenarios

- serially in this process (``workers=1``), re-using built models where only numbers change
  (:class:`optimizer.reuse.ModelCache`);
- in ``workers`` local processes (spawned, HiGHS with one thread each), or
- on an existing Dask distributed cluster (``scheduler``: its address or a ``Client``).

Workers receive each scenario's data, never a Pyomo model, and send back a plain
:class:`Outcome`. The results are the same whichever way they ran.

:func:`compare` and :func:`sweep` return the comparison as a DataFrame with one row per
scenario; :func:`run_study` and :func:`run_sweep` return a :class:`Study` that also holds every
scenario's allocations and what :func:`optimizer.study_writer.write_comparison` writes.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

import pandas as pd

from .data import SourcingData
from .errors import SourcingError
from .scenarios import BASE, Axis, Change, Scenario, grid_axes, prepare, sweep_scenarios

#: scenarios in a run before a progress bar is worth showing
PROGRESS_MIN = 4
PER_MINERAL = ("top_country", "top_country_share", "hhi", "shortfall")


@dataclass
class Outcome:
    """One scenario's solve, as plain data (what a worker sends back).

    ``status`` is the :class:`optimizer.SolveResult` status, or ``"error"`` when the solver or
    the independent check failed (``error`` says how). ``reused`` is True when the solve
    updated an already built model; ``seconds`` is the wall time of build and solve.
    """

    scenario: str
    status: str
    result: object = None  # SolveResult
    reused: bool = False
    seconds: float = 0.0
    error: str = ""

    @property
    def total_cost(self) -> float | None:
        return None if self.result is None else self.result.total_cost


# --- solving one scenario (also in worker processes) -------------------------------------------
_LOCAL = threading.local()


def _cache(reuse: bool):
    from .reuse import ModelCache

    cache = getattr(_LOCAL, "cache", None)
    if cache is None or cache.reuse != reuse:
        cache = _LOCAL.cache = ModelCache(reuse=reuse)
    return cache


def solve_scenario(name: str, data: SourcingData, time_limit: float | None = None,
                   mip_gap: float | None = None, threads: int | None = None,
                   reuse: bool = True) -> Outcome:
    """Solve one scenario's data; models are kept per process (and thread) for re-use."""
    started = time.perf_counter()
    try:
        result, reused = _cache(reuse).solve(data, time_limit=time_limit, mip_gap=mip_gap,
                                             threads=threads)
    except SourcingError as exc:  # SolverError or CheckError: a bug, reported per scenario
        return Outcome(name, "error", None, False, time.perf_counter() - started, str(exc))
    return Outcome(name, result.status, result, reused, time.perf_counter() - started)


# --- the study ---------------------------------------------------------------------------------
@dataclass
class Study:
    """The outcome of a study: the base first, then each scenario in the order given.

    ``comparison`` has one row per scenario (see :func:`comparison_table`); ``allocations``
    every scenario's Allocations in one long table with a scenario column. ``axes`` names the
    swept targets of a sweep (empty for a comparison). Money in ``currency`` per year.
    """

    outcomes: list[Outcome]
    scenarios: list[Scenario]
    comparison: pd.DataFrame
    allocations: pd.DataFrame
    kind: str = "compare"  # or "sweep"
    axes: list[str] = field(default_factory=list)
    currency: str = ""
    seconds: float = 0.0
    source: str = ""

    @property
    def reused(self) -> int:
        """How many scenarios were solved by updating an already built model."""
        return sum(o.reused for o in self.outcomes)


def _as_scenarios(scenarios) -> list[Scenario]:
    if isinstance(scenarios, Mapping):
        return [Scenario(str(name), tuple(changes)) for name, changes in scenarios.items()]
    out = []
    for s in scenarios:
        if isinstance(s, Scenario):
            out.append(s)
        else:
            raise TypeError("scenarios must be Scenario objects or a dict {name: [Change, ...]}")
    return out


def run_study(data: SourcingData, scenarios: Sequence[Scenario] | Mapping[str, Sequence[Change]],
              *, workers: int = 1, scheduler=None, reuse: bool = True,
              time_limit: float | None = None, mip_gap: float | None = None,
              on_result: Callable[[Outcome, int, int], None] | None = None,
              kind: str = "compare", axes: Sequence[str] = ()) -> Study:
    """Solve ``data`` as scenario ``base`` and every scenario applied to it.

    ``scenarios`` is a list of :class:`Scenario` or a dict ``{name: [Change, ...]}``.
    ``workers`` > 1 solves in that many spawned local processes; ``scheduler`` (a Dask
    scheduler address such as ``"tcp://10.0.0.5:8786"``, or a ``distributed.Client``) sends the
    work to a Dask cluster instead. ``reuse=False`` builds every model anew. ``time_limit``
    (seconds) and ``mip_gap`` override each scenario's settings. ``on_result(outcome, done,
    total)`` is called as each scenario finishes.

    Raises :class:`optimizer.InputError` listing the problems of every scenario before solving
    anything. A scenario with no feasible plan is a result (status ``infeasible``), not an error.
    """
    started = time.perf_counter()
    scenarios = _as_scenarios(scenarios)
    prepared = prepare(data, scenarios)
    options = dict(time_limit=time_limit, mip_gap=mip_gap, reuse=reuse)
    if scheduler is not None:
        outcomes = _run_dask(prepared, scheduler, options, on_result)
    elif workers > 1 and len(prepared) > 1:
        outcomes = _run_processes(prepared, min(workers, len(prepared)), options, on_result)
    else:
        outcomes = _run_serial(prepared, options, on_result)
    minerals = list(data.minerals.index)
    by_name = {s.name: s for s in scenarios}
    return Study(
        outcomes=outcomes,
        scenarios=scenarios,
        comparison=comparison_table(outcomes, minerals, by_name, list(axes)),
        allocations=allocations_table(outcomes),
        kind=kind,
        axes=list(axes),
        currency=data.settings.currency,
        seconds=time.perf_counter() - started,
        source=data.source,
    )


def run_sweep(data: SourcingData, grid: Mapping[str, Iterable[object]] | Sequence[Axis],
              **options) -> Study:
    """Solve every point of ``grid`` (and the base); see :func:`sweep`."""
    axes = list(grid) if isinstance(grid, Sequence) else grid_axes(grid)
    return run_study(data, sweep_scenarios(axes), kind="sweep",
                     axes=[a.label for a in axes], **options)


def compare(data: SourcingData, scenarios: Sequence[Scenario] | Mapping[str, Sequence[Change]],
            **options) -> pd.DataFrame:
    """Solve the base and every scenario; one row per scenario (see :func:`comparison_table`).

    Example::

        compare(data, {"China 40 %": [Change("set", "CountryCaps.max_share", 0.4,
                                             "country=China")],
                       "no Russia": [Change("remove", "country", "Russia")]})

    Options as for :func:`run_study` (``workers``, ``scheduler``, ``reuse``, ``time_limit``,
    ``mip_gap``).
    """
    return run_study(data, scenarios, **options).comparison


def sweep(data: SourcingData, grid: Mapping[str, Iterable[object]], **options) -> pd.DataFrame:
    """Solve every combination of ``grid``'s values; one row per point, the base first.

    ``grid`` maps a target to its values, e.g. ``{"max_country_share": [1, 0.8, 0.6]}``;
    several keys multiply out. A key is ``TARGET`` or ``TARGET[FILTER]`` (a setting or a
    ``Sheet.column``, e.g. ``"Minerals.demand[mineral=gallium]"``) and sets the value; prefix
    it with ``"scale "`` to multiply instead. Each point is a scenario named by its values
    (``max_country_share=0.4``) and the table has a column per key with the point's value.
    Infeasible points have status ``infeasible`` and a blank cost.
    """
    return run_sweep(data, grid, **options).comparison


# --- runners -----------------------------------------------------------------------------------
def _run_serial(prepared, options, on_result) -> list[Outcome]:
    outcomes = []
    for i, (name, d) in enumerate(prepared):
        outcome = solve_scenario(name, d, **options)
        outcomes.append(outcome)
        if on_result:
            on_result(outcome, i + 1, len(prepared))
    return outcomes


def _run_processes(prepared, workers: int, options, on_result) -> list[Outcome]:
    """Spawned processes (never fork: HiGHS' thread pool does not survive it), one HiGHS
    thread each so that ``workers`` solves use ``workers`` cores."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    context = multiprocessing.get_context("spawn")
    results: dict[int, Outcome] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(solve_scenario, name, d, threads=1, **options): i
                   for i, (name, d) in enumerate(prepared)}
        try:
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if on_result:
                    on_result(results[futures[future]], len(results), len(prepared))
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return [results[i] for i in range(len(prepared))]


def _run_dask(prepared, scheduler, options, on_result) -> list[Outcome]:
    """The same tasks on a Dask distributed cluster (its workers need this package)."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise SchedulerError("--scheduler needs Dask distributed: pip install "
                             "'critical-minerals-sourcing[distributed]'") from exc
    own = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler, timeout="20s") if own else scheduler
    except Exception as exc:  # noqa: BLE001 - an unreachable address is the user's to fix
        raise SchedulerError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        futures = [client.submit(solve_scenario, name, d, threads=1, pure=False, **options)
                   for name, d in prepared]
        index = {f.key: i for i, f in enumerate(futures)}
        results: dict[int, Outcome] = {}
        for future in as_completed(futures):
            results[index[future.key]] = future.result()
            if on_result:
                on_result(results[index[future.key]], len(results), len(prepared))
        return [results[i] for i in range(len(prepared))]
    finally:
        if own:
            client.close()


class SchedulerError(SourcingError):
    """The Dask scheduler cannot be used (not installed, or not reachable)."""


# --- tables ------------------------------------------------------------------------------------
def comparison_table(outcomes: Sequence[Outcome], minerals: Sequence[str],
                     scenarios: Mapping[str, Scenario] | None = None,
                     axes: Sequence[str] = ()) -> pd.DataFrame:
    """One row per scenario, the base first.

    Columns: scenario, status, total_cost [currency/year], cost_change (against the base),
    cost_change_pct [fraction]; then per mineral ``"<mineral>: top_country"``,
    ``": top_country_share"`` [fraction], ``": hhi"`` (1 = a single country) and
    ``": shortfall"`` [quantity/year]; funded_projects; for a sweep a column per axis with the
    point's value; changes (in words) and message. Numbers are blank when there is no plan.
    """
    scenarios = scenarios or {}
    base = next((o.total_cost for o in outcomes if o.scenario == BASE), None)
    rows = []
    for o in outcomes:
        r = o.result
        cost = o.total_cost
        change = None if cost is None or base is None else cost - base
        row: dict[str, object] = {
            "scenario": o.scenario, "status": o.status, "total_cost": cost,
            "cost_change": change,
            "cost_change_pct": None if change is None or not base else change / base,
        }
        table = r.minerals.set_index("mineral") if r is not None and len(r.minerals) else None
        for m in minerals:
            for what in PER_MINERAL:
                value = None
                if table is not None and m in table.index and o.status in ("optimal",
                                                                          "feasible"):
                    value = _plain(table.at[m, what])
                row[f"{m}: {what}"] = value
        funded = None
        if r is not None and len(r.investments):
            inv = r.investments
            funded = ", ".join(inv.loc[inv["funded"] == "yes", "project"].astype(str))
        row["funded_projects"] = funded
        scenario = scenarios.get(o.scenario)
        values = dict(scenario.values) if scenario is not None else {}
        for axis in axes:
            row[axis] = _plain(values.get(axis))
        row["changes"] = scenario.describe() if scenario is not None else (
            "(the workbook as it is)" if o.scenario == BASE else "")
        row["message"] = o.error or (r.message if r is not None else "")
        rows.append(row)
    columns = ["scenario", "status", "total_cost", "cost_change", "cost_change_pct",
               *[f"{m}: {w}" for m in minerals for w in PER_MINERAL], "funded_projects",
               *axes, "changes", "message"]
    return pd.DataFrame(rows, columns=columns)


def allocations_table(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    """Every scenario's Allocations (output contract) in one table, a scenario column first."""
    parts = [r.allocations.assign(scenario=o.scenario) for o in outcomes
             if (r := o.result) is not None and o.status in ("optimal", "feasible")]
    parts = [p for p in parts if len(p)]
    if not parts:
        from .schema import OUTPUT_SHEETS

        return pd.DataFrame(columns=["scenario", *OUTPUT_SHEETS["Allocations"]])
    table = pd.concat(parts, ignore_index=True)
    return table[["scenario", *[c for c in table.columns if c != "scenario"]]]


def _plain(value: object) -> object:
    if value is None:
        return None
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, str):
        value = item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def records(table: pd.DataFrame) -> list[dict[str, object]]:
    """The table's rows as JSON-ready dicts (blank cells as None, numbers as Python numbers)."""
    return [{k: _plain(v) for k, v in zip(table.columns, row)}
            for row in table.itertuples(index=False, name=None)]


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


__all__ = ["compare", "sweep", "run_study", "run_sweep", "Study", "Outcome", "solve_scenario",
           "comparison_table", "allocations_table", "records", "SchedulerError",
           "default_workers"]
