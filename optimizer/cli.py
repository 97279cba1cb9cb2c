"""The ``sourcing`` command: a thin click layer over the Python API.

Exit codes: 0 a plan was found (or the workbook is valid); 1 the workbook has errors (every
problem listed on stderr); 2 usage error, including an output path that cannot be used;
3 no feasible plan; 4 the solver or the independent check failed (a bug: please report it).
"""

from __future__ import annotations

import importlib
import json
import math
import os
import sys
from pathlib import Path

import click

# Only light modules here; the commands import what they use. ``sourcing solve`` starts reading
# the workbook before pandas, Pyomo and HiGHS are imported (optimizer/prefetch.py).
from . import prefetch
from .errors import CheckError, InputError, OutputError, SolverError
from .gcpause import paused_gc

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INFEASIBLE, EXIT_INTERNAL = 0, 1, 2, 3, 4


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _report_input_error(exc: InputError) -> None:
    errors = exc.errors
    click.echo(f"Error: the workbook has {len(errors)} problem{'s' if len(errors) != 1 else ''}:",
               err=True)
    for problem in errors:
        click.echo(f"  {problem}", err=True)
    _report_warnings([p for p in exc.problems if p.severity == "warning"], going_on=False)
    sys.exit(EXIT_INPUT)


def _report_warnings(warnings, going_on: bool = True) -> None:
    if warnings:
        click.echo(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
                   + (" (the solve goes on):" if going_on else ":"), err=True)
        for problem in warnings:
            click.echo(f"  {problem}", err=True)


def run(prog_name: str = "sourcing") -> None:
    """The console entry point: run :func:`main`, then end the process without tearing the
    interpreter down.

    Freeing every object of a large plan and unloading pandas, Pyomo and HiGHS took 0.15-0.3 s
    after the command had finished (bench/README.md). By then every file is closed and renamed
    into place; stdout and stderr are flushed here. A command that leaves threads or worker
    processes behind (compare and sweep with workers or a Dask scheduler) exits normally so
    their clean-up runs.
    """
    try:
        # tells the commands that the process ends when they return (see solve)
        main(prog_name=prog_name, obj={"process_ends": True})
        code = EXIT_OK
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or EXIT_OK
        else:  # a message: Python would print it and exit 1
            print(exc.code, file=sys.stderr)
            code = 1
    import threading

    multiprocessing = sys.modules.get("multiprocessing")  # never imported: no children
    if threading.active_count() > 1 or (multiprocessing and multiprocessing.active_children()):
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # e.g. a closed pipe: let Python report it as usual
        sys.exit(code)
    os._exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="critical-minerals-sourcing")
def main() -> None:
    """Plan resilient sourcing portfolios for critical minerals from Excel workbooks."""


def _start_reading(_ctx, _param, value: Path | None) -> Path | None:
    """Start reading WORKBOOK's cells while the solver's modules are imported; the read is
    used only if it is for the same, unchanged file (optimizer/prefetch.py)."""
    if value is not None:
        prefetch.start(value)
    return value


@main.command()
@click.argument("workbook", required=False, type=click.Path(dir_okay=False, path_type=Path),
                callback=_start_reading)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Results workbook [default: outputs/<input name>-plan.xlsx].")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Solver time limit; overrides Settings.time_limit_s.")
@click.option("--mip-gap", type=click.FloatRange(min=0, max=1), metavar="GAP",
              help="Relative optimality gap (e.g. 0.001); overrides Settings.mip_gap.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the Summary items and the seconds each stage took (read_seconds, "
                   "build_seconds, ...) as one JSON object on stdout, and nothing else.")
@click.option("--write-model", type=click.Path(dir_okay=False, path_type=Path),
              callback=lambda _ctx, _param, value: _model_path(value), metavar="PATH",
              help="Also write the model exactly as handed to HiGHS, as .mps or .lp (by "
                   "extension).")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH.html",
              help="Also write a self-contained HTML page with the tables and charts.")
@click.option("--no-marginals", "skip_marginals", is_flag=True,
              help="Skip the marginal values (saving_per_point, capacity_value, next_project): "
                   "extra solves that dominate the run time on large workbooks.")
@click.option("--no-cost-without-caps", "skip_uncapped", is_flag=True,
              help="Skip the extra solve without country caps (Summary cost_without_caps).")
@click.option("--objective", type=click.Choice(["cost", "expected", "cvar"]),
              help="What to minimise; overrides Settings.objective (expected and cvar weigh "
                   "the Disruptions scenarios).")
def solve(workbook: Path | None, output: Path | None, time_limit: float | None,
          mip_gap: float | None, as_json: bool, write_model: Path | None,
          report: Path | None = None, skip_uncapped: bool = False,
          skip_marginals: bool = False,
          objective: str | None = None) -> None:
    """Solve WORKBOOK (default: the bundled example) and write the results workbook.

    With no feasible plan (exit code 3) the explanation goes to stderr and the workbook holds
    the Summary and a Diagnosis sheet instead of the plan.
    """
    # one pause for read, solve and write: the collector would otherwise walk the data after
    # the read and the model after the solve (optimizer/gcpause.py); not resumed when the
    # process ends right after (run() says so)
    process_ends = (click.get_current_context().obj or {}).get("process_ends", False)
    with paused_gc(resume=not process_ends):
        _solve(workbook, output, time_limit, mip_gap, as_json, write_model, report,
               skip_uncapped, skip_marginals, objective)


def _solve(workbook: Path | None, output: Path | None, time_limit: float | None,
           mip_gap: float | None, as_json: bool, write_model: Path | None,
           report: Path | None, skip_uncapped: bool, skip_marginals: bool,
           objective: str | None) -> None:
    from .files import check_target
    from .reader import read_workbook
    from .solving import solve as solve_data

    if workbook:
        # A big workbook's cells take longer to read than the imports above: the modules the
        # solve needs later load while the read finishes (XL: 0.15 s less end to end, medians
        # of 7 alternating runs; L, whose read ends first: no change). The writer's too, since
        # an LP's HiGHS run (no presolve) is shorter than the work beside it (_import_writer).
        explain = ("marginals",) if not (skip_marginals and skip_uncapped) else ()
        for module in ("highs_direct", "model", "resilience", "results", *explain, "writer",
                       "charts"):
            importlib.import_module(f".{module}", __package__)
        importlib.import_module("highspy")

    try:
        if workbook:
            data = read_workbook(workbook)
        else:
            from .example import example_data

            data = example_data()
    except InputError as exc:
        _report_input_error(exc)
    _report_warnings(data.warnings)
    if objective:
        try:
            data = data.with_objective(objective)
        except ValueError as exc:
            _fail(str(exc), EXIT_USAGE)
    name = workbook.stem if workbook else "critical_minerals"
    target = output or Path("outputs") / f"{name}-plan.xlsx"
    try:
        check_target(target, [workbook] if workbook else [])
        result = solve_data(data, time_limit=time_limit, mip_gap=mip_gap,
                            write_model=write_model, cost_without_caps=not skip_uncapped,
                            marginals=not skip_marginals, beside=_import_writer)
    except OutputError as exc:
        _fail(str(exc), EXIT_USAGE)
    except (SolverError, CheckError) as exc:
        _fail(f"{exc} (this is a bug; please report it with the workbook)", EXIT_INTERNAL)
    if not result.has_plan:
        message = f"no feasible plan: {result.message}"
        if result.diagnosis is not None:  # explain, and write the Summary and Diagnosis
            message += "\n" + result.diagnosis.text()
            written = _write(result, target, report, workbook)
            message += f"\nSummary and Diagnosis written to {written}"
        if as_json:
            click.echo(json.dumps(_jsonable({**result.summary(), **result.timings()})))
        _fail(message, EXIT_INFEASIBLE)
    written = _write(result, target, report, workbook)
    if as_json:
        click.echo(json.dumps(_jsonable({**result.summary(), **result.timings()})))
        return
    click.echo(_table(result))
    click.echo(f"\n{result.message}: total cost {result.total_cost:,.2f} "
               f"{data.settings.currency}/year")
    click.echo(f"Results written to {written}")
    if report:
        click.echo(f"Report written to {report}")


def _import_writer() -> None:
    """Import the results workbook's writer (openpyxl: about 0.06 s) while HiGHS solves, which
    leaves the interpreter free (optimizer.solve's ``beside``), unless the read of a workbook
    had it imported already. Up to L the imports before the solve are on the critical path
    (the cells are read before they end): medians of 15 alternating runs, S 0.619 -> 0.585 s,
    M 0.812 -> 0.758 s, L 1.226 -> 1.168 s, when HiGHS still presolved LPs."""
    importlib.import_module(".writer", __package__)
    importlib.import_module(".charts", __package__)


def _write(result, target: Path, report: Path | None, workbook: Path | None) -> Path:
    """Write the results workbook (and the HTML report); a path that cannot be used exits 2."""
    from .writer import write_results

    inputs = [workbook] if workbook else []
    try:
        written = write_results(result, target, inputs)
        if report:
            from .report import write_report

            write_report(result, report, [*inputs, written])
    except OutputError as exc:
        _fail(str(exc), EXIT_USAGE)
    return written


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def example(path: Path) -> None:
    """Write the bundled example workbook to PATH, to open and edit."""
    from . import example as bundled

    try:
        written = bundled.write_example(path)
    except OutputError as exc:
        _fail(str(exc), EXIT_USAGE)
    click.echo(f"Example workbook written to {written}")


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def template(path: Path) -> None:
    """Write a blank, self-explaining input workbook to PATH."""
    from .template import write_template

    try:
        written = write_template(path)
    except OutputError as exc:
        _fail(str(exc), EXIT_USAGE)
    click.echo(f"Template workbook written to {written}")


@main.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
def validate(workbook: Path) -> None:
    """Check WORKBOOK against the input contract without solving."""
    from .scenarios import read_study

    try:
        data, scenarios = read_study(workbook)  # and every change on its Scenarios sheet
    except InputError as exc:
        _report_input_error(exc)
    _report_warnings(data.warnings)
    click.echo(f"{workbook}: no problems found ({len(data.minerals)} minerals, "
               f"{len(data.suppliers)} suppliers, {len(data.offers)} offers, "
               f"{len(data.projects)} projects"
               + (f", {len(scenarios)} scenarios" if scenarios else "") + ")")


@main.command()
@click.argument("workbook", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--plan", "plan_path", type=click.Path(dir_okay=False, exists=True,
                                                     path_type=Path),
              help="A results workbook from sourcing solve to stress (default: solve now).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Stress workbook [default: outputs/<input name>-stress.xlsx].")
@click.option("--json", "as_json", is_flag=True,
              help="Print the stress table as a JSON array on stdout, and nothing else.")
def stress(workbook: Path | None, plan_path: Path | None, output: Path | None,
           as_json: bool) -> None:
    """Stress a plan: every Disruptions scenario and the loss of each supplying country.

    The plan is not re-optimised: what survives is used, spare capacity is bought spot, the
    rest is shortfall. Writes a Stress sheet with a chart.
    """
    from . import example as bundled
    from .files import check_target
    from .reader import read_plan, read_workbook
    from .resilience import risk_summary
    from .resilience import stress as run_stress
    from .solving import solve as solve_data
    from .writer import write_stress

    try:
        data = read_workbook(workbook) if workbook else bundled.example_data()
        name = workbook.stem if workbook else "critical_minerals"
        target = output or Path("outputs") / f"{name}-stress.xlsx"
        inputs = [p for p in (workbook, plan_path) if p]
        check_target(target, inputs)
        if plan_path:
            plan = read_plan(plan_path, data)
        else:
            result = solve_data(data, diagnose=False, marginals=False, cost_without_caps=False)
            if not result.has_plan:
                _fail(f"no feasible plan to stress: {result.message}", EXIT_INFEASIBLE)
            plan = result.plan
        stressed = run_stress(data, plan)
        written = write_stress(stressed, risk_summary(data, stressed), target, inputs)
    except InputError as exc:
        _report_input_error(exc)
    except OutputError as exc:
        _fail(str(exc), EXIT_USAGE)
    except (SolverError, CheckError) as exc:
        _fail(f"{exc} (this is a bug; please report it with the workbook)", EXIT_INTERNAL)
    table = stressed.table
    if as_json:
        click.echo(table.to_json(orient="records"))
        return
    failing = table[table["fails"] == "yes"]
    width = max(len(c) for c in table["case"])
    click.echo(f"{'case':<{width}}  {'extra cost':>14}  minerals short")
    for case, cost in stressed.costs.items():
        short = failing[failing["case"] == case]
        detail = ", ".join(f"{r.mineral} {r.shortfall_pct:.0%}" for r in short.itertuples())
        click.echo(f"{case:<{width}}  {cost - stressed.normal_cost:>14,.0f}  {detail or '-'}")
    click.echo(f"\nStress workbook written to {written}")


def _model_path(value: Path | None) -> Path | None:
    if value is not None:
        # not from .solving: click may run this before WORKBOOK's callback starts the read,
        # and importing pandas here (0.3 s) delayed the read by as much (XL: read_seconds
        # 0.36-0.55 -> 0.6-0.85 s with --write-model)
        from .files import check_model_path

        try:
            check_model_path(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def _table(result) -> str:
    """A short per-mineral table for the terminal."""
    rows = [("mineral", "demand", "supplied", "shortfall", "top country", "share", "cost")]
    for r in result.minerals.itertuples(index=False):
        rows.append((r.mineral, f"{r.demand:,.1f}", f"{r.supplied:,.1f}", f"{r.shortfall:,.1f}",
                     r.top_country if isinstance(r.top_country, str) else "-",  # NaN: none
                     "-" if r.top_country_share is None or math.isnan(r.top_country_share)
                     else f"{r.top_country_share:.0%}",
                     f"{r.cost:,.0f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for k, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) if i in (0, 4) else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _jsonable(summary: dict[str, object]) -> dict[str, object]:
    return {k: (float(v) if hasattr(v, "__float__") and not isinstance(v, (int, float, bool, str))
                else v) for k, v in summary.items()}


def _register_studies() -> None:
    """``sourcing compare`` and ``sourcing sweep`` live in optimizer/study_cli.py."""
    from .study_cli import compare, sweep

    main.add_command(compare)
    main.add_command(sweep)


_register_studies()

if __name__ == "__main__":  # pragma: no cover
    main()
