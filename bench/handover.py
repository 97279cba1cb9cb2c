"""Ways to hand the Pyomo model to HiGHS, each timed in a fresh process.

    python -m bench.handover WORKBOOK [--repeat 3]        # prints a Markdown table

Paths (the model is built once per process with optimizer.model.build_model, then):

- ``persistent``: ``pyomo.contrib.solver.solvers.highs.Highs`` (set_instance, then solve);
- ``appsi``: ``pyomo.contrib.appsi.solvers.highs.Highs`` (the older persistent interface);
- ``lp-file``: Pyomo's LP writer, then ``highspy.readModel``;
- ``mps-file``: Pyomo's MPS writer, then ``highspy.readModel``;
- ``direct``: optimizer/highs_direct.py (LinearRepnVisitor, one ``passModel``), what
  ``optimizer.solve`` uses;
- ``numpy``: bench/direct.py, no Pyomo at all (the yardstick; its "build" is the arrays).

Reported: build, hand-over (everything between the built model and ``run``), HiGHS's run, and
loading the values back into Pyomo (where there is a Pyomo model), medians of ``--repeat``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PATHS = ("persistent", "appsi", "lp-file", "mps-file", "direct", "numpy")


def one(path: str, workbook: str) -> dict[str, float]:
    from optimizer import read_workbook

    data = read_workbook(workbook)
    out: dict[str, float] = {}
    if path == "numpy":
        from bench.direct import build_arrays, to_highs

        started = time.perf_counter()
        arrays = build_arrays(data)
        out["build"] = time.perf_counter() - started
        started = time.perf_counter()
        h = to_highs(arrays)
        out["handover"] = time.perf_counter() - started
        started = time.perf_counter()
        h.run()
        out["run"] = time.perf_counter() - started
        out["objective"] = h.getInfo().objective_function_value
        return out

    from optimizer.model import build_model

    started = time.perf_counter()
    model = build_model(data)
    out["build"] = time.perf_counter() - started
    if path in ("persistent", "appsi"):
        if path == "persistent":
            from pyomo.contrib.solver.solvers.highs import Highs
        else:
            from pyomo.contrib.appsi.solvers.highs import Highs
        opt = Highs()
        started = time.perf_counter()
        opt.set_instance(model)
        out["handover"] = time.perf_counter() - started
        if path == "persistent":
            res = opt.solve(model, load_solutions=False,
                            raise_exception_on_nonoptimal_result=False)
            out["run"] = opt._solver_model.getRunTime()
            started = time.perf_counter()
            res.solution_loader.load_vars()
            out["load"] = time.perf_counter() - started
            out["objective"] = res.incumbent_objective
        else:
            opt.config.load_solution = False
            started = time.perf_counter()
            res = opt.solve(model)
            out["run"] = time.perf_counter() - started
            started = time.perf_counter()
            res.solution_loader.load_vars()
            out["load"] = time.perf_counter() - started
            out["objective"] = res.best_feasible_objective
    elif path in ("lp-file", "mps-file"):
        import highspy

        with tempfile.TemporaryDirectory() as tmp:
            name = os.path.join(tmp, "model." + path.split("-")[0])
            started = time.perf_counter()
            _, symbols = model.write(name, format=path.split("-")[0],
                                     io_options={"symbolic_solver_labels": False})
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            h.readModel(name)
            out["handover"] = time.perf_counter() - started
        started = time.perf_counter()
        h.run()
        out["run"] = time.perf_counter() - started
        out["objective"] = h.getInfo().objective_function_value
    elif path == "direct":
        from optimizer.highs_direct import load_values, to_highs

        started = time.perf_counter()
        h, columns, _ = to_highs(model)
        out["handover"] = time.perf_counter() - started
        started = time.perf_counter()
        h.run()
        out["run"] = time.perf_counter() - started
        started = time.perf_counter()
        load_values(h, columns)
        out["load"] = time.perf_counter() - started
        out["objective"] = h.getInfo().objective_function_value
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.handover")
    parser.add_argument("workbook")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--path", choices=PATHS, help=argparse.SUPPRESS)  # one, in this process
    parser.add_argument("--paths", nargs="+", default=list(PATHS), choices=PATHS)
    args = parser.parse_args(argv)
    if args.path:
        print(json.dumps(one(args.path, args.workbook)))
        return 0
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(
        __file__)))}
    results: dict[str, list[dict]] = {p: [] for p in args.paths}
    for _ in range(args.repeat):
        for path in args.paths:  # interleaved, so load from other processes hits all alike
            done = subprocess.run([sys.executable, "-m", "bench.handover", args.workbook,
                                   "--path", path], capture_output=True, text=True, env=env)
            if done.returncode:
                print(f"{path} failed: {done.stderr[-1500:]}", file=sys.stderr)
                continue
            results[path].append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{os.path.basename(args.workbook)}: medians of {args.repeat} fresh processes, "
          f"seconds")
    print("| path | build | hand-over | HiGHS run | load values | build + hand-over | "
          "objective |\n|---|---|---|---|---|---|---|")
    for path, runs in results.items():
        if not runs:
            continue

        def med(key: str) -> float | None:
            values = [r[key] for r in runs if key in r]
            return statistics.median(values) if values else None
        cells = [med(k) for k in ("build", "handover", "run", "load")]
        total = (cells[0] or 0) + (cells[1] or 0)
        print(f"| {path} | " + " | ".join("-" if c is None else f"{c:.2f}" for c in cells)
              + f" | {total:.2f} | {med('objective'):.6g} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
