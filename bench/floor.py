"""The least any Pyomo-based ``sourcing solve`` can take: is the issue 7 ratio reachable?

    python -m bench.floor WORKBOOK [--target 3] [--repeat 3]      # prints a table and JSON

Measures, medians of ``--repeat`` runs, each in a fresh process where start-up matters:

- ``HiGHS alone``: ``python -m bench.highs_alone`` on the MPS of the model (what issue 7 divides
  by); the MPS is written once with ``sourcing solve --write-model``;
- ``start-up``: a Python process that only imports what a solve cannot do without: pandas (the
  data model), pyomo.core (the model), highspy (the solver), openpyxl (the results workbook);
- ``read``: python-calamine reading the contract's cells, nothing checked (``read_raw``);
- ``Pyomo build, cheapest``: the same LP (arrays from ``bench/direct.py``) put into Pyomo the
  cheapest way we know: one ``Var`` over ``range(n)``, each row and the objective one
  ``LinearExpression`` from the CSR arrays, garbage collector paused. No data handling at all;
- ``hand-over``: :func:`optimizer.highs_direct.to_highs` of that model (one ``passModel``);
- ``Pyomo build, matrix``: the same LP as one ``Var`` over ``range(n)`` (bounds set after
  construction) and one ``MatrixConstraint`` (``pyomo.repn.beta.matrix``) holding the CSR
  arrays themselves, the objective one ``LinearExpression``;
- ``hand-over, matrix``: that model to HiGHS, its rows read from the ``MatrixConstraint``'s
  arrays (no expression is walked), its bounds from the variables, one ``passModel``;
- ``HiGHS run``: ``run()`` on the handed-over model, in process (no file reading);
- ``direct build``: :func:`bench.direct.build_highs` from the validated data (arrays with NumPy,
  one ``passModel``), the yardstick of the build ratio.

The sum of start-up, read, the cheaper Pyomo build and hand-over and HiGHS's run is a floor for
any ``sourcing solve`` built on Pyomo: it leaves out validating the data, the independent check,
the result tables and writing the workbook, all of which the issue asks for. If the floor alone
exceeds ``target x HiGHS alone``, the target cannot be met with Pyomo as the modelling layer.
``build_ratio_floor`` is the same for the build ratio: (arrays from the data + the matrix build
+ its hand-over) / the direct build.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# ends with os._exit, as the sourcing command does (optimizer.cli.run): no teardown
STARTUP = "import pandas, pyomo.core, highspy, openpyxl, python_calamine, os; os._exit(0)"


def _seconds(args: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, out.stdout


def pyomo_from_arrays(arrays):
    """The LP of ``arrays`` as a Pyomo model, built as cheaply as Pyomo allows."""
    import pyomo.core as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

    n = len(arrays.col_cost)
    lower, upper = arrays.col_lower.tolist(), arrays.col_upper.tolist()
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(n), bounds=lambda _, j: (lower[j], upper[j]))
    x = list(m.x.values())
    start, index, value = arrays.start.tolist(), arrays.index.tolist(), arrays.value.tolist()
    row_lower, row_upper = arrays.row_lower.tolist(), arrays.row_upper.tolist()
    inf = float("inf")

    def row(_, i):
        a, b = start[i], start[i + 1]
        body = LinearExpression(linear_coefs=value[a:b], linear_vars=[x[j] for j in index[a:b]])
        lo = None if row_lower[i] == -inf else row_lower[i]
        up = None if row_upper[i] == inf else row_upper[i]
        return (lo, body, up)

    m.rows = pyo.Constraint(range(len(row_lower)), rule=row)
    cost = arrays.col_cost.tolist()
    used = [j for j in range(n) if cost[j]]
    m.cost = pyo.Objective(expr=LinearExpression(linear_coefs=[cost[j] for j in used],
                                                 linear_vars=[x[j] for j in used]))
    return m


def matrix_from_arrays(arrays):
    """The LP of ``arrays`` as a Pyomo model whose rows are one MatrixConstraint."""
    import numpy as np
    import pyomo.core as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression
    from pyomo.repn.beta.matrix import MatrixConstraint

    n, n_row = len(arrays.col_cost), len(arrays.row_lower)
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(n))
    x = list(m.x.values())
    for var, lo, up in zip(x, arrays.col_lower.tolist(), arrays.col_upper.tolist()):
        var.setlb(None if lo == -np.inf else lo)
        var.setub(None if up == np.inf else up)
    kinds = (np.where(np.isfinite(arrays.row_lower), MatrixConstraint.LowerBound, 0)
             | np.where(np.isfinite(arrays.row_upper), MatrixConstraint.UpperBound, 0))
    m.rows = MatrixConstraint(n_row, n, len(arrays.value), arrays.start, arrays.index,
                              arrays.value,
                              np.column_stack([arrays.row_lower, arrays.row_upper]).ravel(),
                              kinds.tolist(), x)
    m.cost = pyo.Objective(expr=LinearExpression(linear_coefs=arrays.col_cost.tolist(),
                                                 linear_vars=x))
    return m


def matrix_to_highs(model):
    """Hand a :func:`matrix_from_arrays` model to HiGHS from the arrays the model holds."""
    from operator import attrgetter

    import numpy as np

    from bench.direct import Arrays, to_highs

    rows, x = model.rows, list(model.x.values())
    # the variables' domain is Reals, so their own bounds are their bounds
    lower = np.array(list(map(attrgetter("_lb"), x)), dtype=float)  # None -> NaN
    upper = np.array(list(map(attrgetter("_ub"), x)), dtype=float)
    ranges = np.asarray(rows._ranges, dtype=float)
    kinds = np.asarray(rows._range_types)
    repn = model.cost.expr
    position = {id(v): j for j, v in enumerate(x)}
    cost = np.zeros(len(x))
    cost[[position[id(v)] for v in repn.linear_vars]] = repn.linear_coefs
    return to_highs(Arrays(
        cost, np.where(np.isnan(lower), -np.inf, lower), np.where(np.isnan(upper), np.inf, upper),
        np.zeros(len(x), dtype=bool),
        np.where(kinds & rows.LowerBound, ranges[0::2], -np.inf),
        np.where(kinds & rows.UpperBound, ranges[1::2], np.inf),
        np.asarray(rows._prows, np.int32), np.asarray(rows._jcols, np.int32),
        np.asarray(rows._vals, float)))


def _timed(func, *args):
    """``(func(*args), seconds it took)``."""
    started = time.perf_counter()
    result = func(*args)
    return result, time.perf_counter() - started


def in_process(workbook: Path) -> dict[str, float]:
    """read, the two Pyomo builds and hand-overs, the direct build and HiGHS run, in this
    process, the collector paused while building."""
    import numpy as np

    from bench.direct import build_arrays, build_highs
    from bench.stages import same_model
    from optimizer.highs_direct import to_highs
    from optimizer.reader import read_raw, read_workbook

    _, read = _timed(read_raw, workbook)
    data = read_workbook(workbook)
    gc.disable()
    arrays, arrays_seconds = _timed(build_arrays, data)
    model, build = _timed(pyomo_from_arrays, arrays)
    (highs, _, _), handover = _timed(to_highs, model)
    matrix, matrix_build = _timed(matrix_from_arrays, arrays)
    from_matrix, matrix_handover = _timed(matrix_to_highs, matrix)
    direct, direct_build = _timed(build_highs, data)
    gc.enable()
    _, run = _timed(highs.run)
    from_matrix.run()
    if not np.isclose(from_matrix.getInfo().objective_function_value,
                      highs.getInfo().objective_function_value, rtol=1e-9):
        raise AssertionError("the MatrixConstraint model solves to a different optimum")
    return {"read": read, "pyomo_build_cheapest": build, "handover": handover,
            "pyomo_build_matrix": matrix_build, "handover_matrix": matrix_handover,
            "arrays_from_data": arrays_seconds, "direct_build": direct_build,
            "same_model_matrix": float(same_model(from_matrix, direct)), "highs_run": run}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor")
    parser.add_argument("workbook", type=Path)
    parser.add_argument("--target", type=float, default=3.0, help="the issue's ratio")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        mps = Path(tmp) / "model.mps"
        subprocess.run([py, "-m", "optimizer", "solve", str(args.workbook), "-o",
                        str(Path(tmp) / "out.xlsx"), "--write-model", str(mps),
                        "--no-marginals", "--no-cost-without-caps", "--json"],
                       check=True, capture_output=True)
        alone = statistics.median(_seconds([py, "-m", "bench.highs_alone", str(mps)])[0]
                                  for _ in range(args.repeat))
    startup = statistics.median(_seconds([py, "-c", STARTUP])[0] for _ in range(args.repeat))
    runs = [json.loads(_seconds([py, "-m", "bench.floor", str(args.workbook), "--inner"])[1])
            for _ in range(args.repeat)]
    parts = {"start-up (interpreter + imports)": startup}
    for key in ("read", "pyomo_build_cheapest", "handover", "pyomo_build_matrix",
                "handover_matrix", "highs_run"):
        parts[key] = statistics.median(r[key] for r in runs)
    extra = {key: statistics.median(r[key] for r in runs)
             for key in ("arrays_from_data", "direct_build")}
    pyomo = min(parts["pyomo_build_cheapest"] + parts["handover"],
                parts["pyomo_build_matrix"] + parts["handover_matrix"])
    floor = parts["start-up (interpreter + imports)"] + parts["read"] + pyomo \
        + parts["highs_run"]
    out = {"workbook": str(args.workbook), "highs_alone": alone, **parts, **extra,
           "same_model_matrix": all(r["same_model_matrix"] for r in runs), "floor": floor,
           "floor_ratio": floor / alone, "target_ratio": args.target,
           "target_seconds": args.target * alone,
           "build_ratio_floor": (extra["arrays_from_data"] + parts["pyomo_build_matrix"]
                                 + parts["handover_matrix"]) / extra["direct_build"]}
    for key, value in out.items():
        print(f"{key:34s} {value:.3f}" if isinstance(value, float) else f"{key:34s} {value}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    if "--inner" in sys.argv:
        print(json.dumps(in_process(Path(sys.argv[1]))))
        sys.exit(0)
    sys.exit(main())
