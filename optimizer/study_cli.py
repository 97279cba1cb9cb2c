"""``sourcing compare`` and ``sourcing sweep``: thin click commands over :mod:`optimizer.study`.

Registered on the ``sourcing`` group in :mod:`optimizer.cli`. Exit codes as for ``solve``:
0 the study ran (infeasible scenarios are results, listed as such); 1 the workbook or its
Scenarios sheet has errors; 2 usage error (a bad ``--set``, an unusable output path or Dask
scheduler); 3 no scenario, not even the base, has a feasible plan; 4 the solver or the
independent check failed on some scenario (a bug: please report it).
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INFEASIBLE, EXIT_INTERNAL = 0, 1, 2, 3, 4


def _default_workers() -> int:
    from .study import default_workers  # when needed: optimizer.study imports pandas

    return default_workers()


def _study_options(func):
    """Options shared by compare and sweep."""
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                  help="Comparison workbook [default: outputs/<input name>-<command>.xlsx].")
    @click.option("--workers", type=click.IntRange(min=1), default=_default_workers,
                  show_default="number of cores",
                  help="Solve in this many local processes (1: in this process).")
    @click.option("--scheduler", metavar="ADDRESS",
                  help="Send the solves to this Dask distributed scheduler, e.g. "
                       "tcp://10.0.0.5:8786 (needs the 'distributed' extra).")
    @click.option("--no-reuse", is_flag=True,
                  help="Build every scenario's model anew instead of updating a built one.")
    @click.option("--time-limit", type=click.FloatRange(min=0, min_open=True),
                  metavar="SECONDS", help="Solver time limit per scenario.")
    @click.option("--mip-gap", type=click.FloatRange(min=0, max=1), metavar="GAP",
                  help="Relative optimality gap (e.g. 0.001); overrides Settings.mip_gap.")
    @click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
    @click.option("--json", "as_json", is_flag=True,
                  help="Print one JSON array (an object per scenario) on stdout, and nothing "
                       "else.")
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


@click.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@_study_options
def compare(workbook: Path, output: Path | None, workers: int, scheduler: str | None,
            no_reuse: bool, time_limit: float | None, mip_gap: float | None, quiet: bool,
            as_json: bool) -> None:
    """Solve WORKBOOK as it is (scenario 'base') and with each scenario of its Scenarios
    sheet, and write one comparison workbook."""
    from . import cli
    from .errors import InputError
    from .scenarios import read_study

    try:
        data, scenarios = read_study(workbook)
    except InputError as exc:
        cli._report_input_error(exc)
    cli._report_warnings(data.warnings)
    if not scenarios:
        click.echo(f"{workbook} has no Scenarios sheet (or it is empty): only the base is "
                   "solved", err=True)
    _run(data, scenarios, workbook, output or Path("outputs") / f"{workbook.stem}-compare.xlsx",
         dict(workers=workers, scheduler=scheduler, reuse=not no_reuse, time_limit=time_limit,
              mip_gap=mip_gap), quiet, as_json)


@click.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--set", "sets", multiple=True, metavar="TARGET=V1,V2,...",
              help="Values to set, e.g. max_country_share=1,0.8,0.6 or "
                   "'Minerals.demand[mineral=gallium]=20,26'. Repeat to multiply out a grid.")
@click.option("--scale", "scales", multiple=True, metavar="TARGET=F1,F2,...",
              help="Factors to scale by, e.g. 'Offers.unit_cost[country=China]=1,1.25,1.5'.")
@_study_options
def sweep(workbook: Path, sets: tuple[str, ...], scales: tuple[str, ...], output: Path | None,
          workers: int, scheduler: str | None, no_reuse: bool, time_limit: float | None,
          mip_gap: float | None, quiet: bool, as_json: bool) -> None:
    """Solve WORKBOOK for every combination of the --set and --scale values and write one
    comparison workbook with the cost along the sweep.

    A TARGET is a setting (max_country_share) or a Sheet.column (Budgets.amount), optionally
    with a filter in brackets: Minerals.demand[mineral=gallium]. Values are separated by
    commas (numbers without thousands separators). Each point is a scenario named by its
    values, e.g. max_country_share=0.4; the base (the workbook as it is) is solved too.
    """
    from . import cli
    from .errors import InputError
    from .reader import read_workbook
    from .scenarios import grid_axes, parse_axis

    if not sets and not scales:
        cli._fail("give at least one --set TARGET=V1,V2,... (or --scale), e.g. "
                  "--set max_country_share=1,0.8,0.6,0.5", EXIT_USAGE)
    try:
        data = read_workbook(workbook)
    except InputError as exc:
        cli._report_input_error(exc)
    cli._report_warnings(data.warnings)
    try:
        grid: dict[str, list[str]] = {}
        where: dict[str, str] = {}
        for option, texts in (("set", sets), ("scale", scales)):
            for text in texts:
                key, values = parse_axis(text, option)
                grid[key] = values
                where[key] = f"--{option} {text}"
        axes = grid_axes(grid, where)
    except InputError as exc:
        _report_usage(exc)
    _run(data, axes, workbook, output or Path("outputs") / f"{workbook.stem}-sweep.xlsx",
         dict(workers=workers, scheduler=scheduler, reuse=not no_reuse, time_limit=time_limit,
              mip_gap=mip_gap), quiet, as_json, sweep=True)


def _report_usage(exc) -> None:
    errors = exc.errors
    click.echo(f"Error: {len(errors)} problem{'s' if len(errors) != 1 else ''} with the sweep:",
               err=True)
    for problem in errors:
        click.echo(f"  {problem}", err=True)
    sys.exit(EXIT_USAGE)


def _run(data, scenarios, workbook: Path, target: Path, options: dict, quiet: bool,
         as_json: bool, sweep: bool = False) -> None:
    from . import cli
    from .errors import InputError, OutputError
    from .files import check_target
    from .study import SchedulerError, records, run_study, run_sweep
    from .study_writer import write_comparison

    try:
        check_target(target, [workbook])
    except OutputError as exc:
        cli._fail(str(exc), EXIT_USAGE)
    total = (len(scenarios) if not sweep else _points(scenarios)) + 1
    bar = None
    if not quiet and total >= 4:
        bar = click.progressbar(length=total, label="Solving scenarios", file=sys.stderr,
                                show_pos=True)
        bar.__enter__()

    def progress(outcome, done, n) -> None:
        if bar is not None:
            bar.update(1)

    try:
        run = run_sweep if sweep else run_study
        study = run(data, scenarios, on_result=progress, **options)
    except InputError as exc:  # a --set value that does not fit its target (compare's
        _report_usage(exc)     # scenarios were checked when the workbook was read)
    except SchedulerError as exc:
        cli._fail(str(exc), EXIT_USAGE)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    try:
        written = write_comparison(study, target, [workbook])
    except OutputError as exc:
        cli._fail(str(exc), EXIT_USAGE)
    if as_json:
        click.echo(json.dumps(records(study.comparison)))
    else:
        click.echo(_table(study))
        click.echo(f"\n{len(study.outcomes)} scenarios solved in {study.seconds:.1f} s; "
                   f"comparison written to {written}")
    errors = [o for o in study.outcomes if o.status == "error"]
    for o in errors:
        click.echo(f"Error: scenario {o.scenario!r}: {o.error} (this is a bug; please report "
                   "it with the workbook)", err=True)
    if errors:
        sys.exit(EXIT_INTERNAL)
    if not any(o.total_cost is not None for o in study.outcomes):
        click.echo("Error: no scenario has a feasible plan", err=True)
        sys.exit(EXIT_INFEASIBLE)


def _points(axes) -> int:
    n = 1
    for axis in axes:
        n *= len(axis.values)
    return n


def _table(study) -> str:
    """Scenario, status, total cost and change, for the terminal."""
    rows = [("scenario", "status", "total cost", "change")]
    for r in study.comparison.itertuples(index=False):
        cost = "-" if r.total_cost is None or r.total_cost != r.total_cost else \
            f"{r.total_cost:,.0f}"
        pct = r.cost_change_pct
        change = "-" if pct is None or pct != pct else f"{pct:+.1%}"
        rows.append((str(r.scenario), str(r.status), cost, change))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for k, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
