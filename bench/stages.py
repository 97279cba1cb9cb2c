"""One process, one workbook: the Pyomo build and hand-over against the direct-highspy build.

    python -m bench.stages WORKBOOK        # prints one JSON object

Times, in the same process and on the same data: ``build_model`` (Pyomo), the hand-over to
HiGHS (``set_instance`` of Pyomo's ``contrib.solver`` HiGHS interface, as optimizer/solve.py
uses it), HiGHS's own run, loading the solution back into Pyomo, and the yardstick
(:mod:`bench.direct`: NumPy arrays -> ``highspy.passModel``). Both models are solved and must have
the same size and optimum, else the yardstick is not the same model and the ratio is void.
"""

from __future__ import annotations

import json
import sys
import time


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = argv[0]
    from optimizer import read_workbook

    out: dict[str, object] = {}
    started = time.perf_counter()
    data = read_workbook(path)
    out["read_seconds"] = time.perf_counter() - started

    from pyomo.contrib.solver.solvers.highs import Highs

    from optimizer.model import build_model

    started = time.perf_counter()
    model = build_model(data)
    out["pyomo_build_seconds"] = time.perf_counter() - started
    solver = Highs()
    started = time.perf_counter()
    solver.set_instance(model)
    out["handover_seconds"] = time.perf_counter() - started
    h = solver._solver_model
    started = time.perf_counter()
    res = solver.solve(model, load_solutions=False, raise_exception_on_nonoptimal_result=False)
    out["pyomo_solve_call_seconds"] = time.perf_counter() - started
    out["highs_run_seconds"] = h.getRunTime()
    started = time.perf_counter()
    res.solution_loader.load_vars()
    out["load_seconds"] = time.perf_counter() - started
    out["pyomo_objective"] = res.incumbent_objective
    out["rows"], out["cols"], out["nonzeros"] = h.getNumRow(), h.getNumCol(), h.getNumNz()
    lp = h.getLp()
    out["binaries"] = sum(1 for t in lp.integrality_ if t.name != "kContinuous")

    from bench.direct import build_highs

    started = time.perf_counter()
    direct = build_highs(data)
    out["direct_build_seconds"] = time.perf_counter() - started
    out["direct_shape"] = [direct.getNumRow(), direct.getNumCol(), direct.getNumNz()]
    direct.setOptionValue("mip_rel_gap", data.settings.mip_gap)
    direct.run()
    out["direct_objective"] = direct.getInfo().objective_function_value
    out["same_model"] = (out["direct_shape"] == [out["rows"], out["cols"], out["nonzeros"]]
                         and abs(out["direct_objective"] - out["pyomo_objective"])
                         <= 1e-6 * max(1.0, abs(out["pyomo_objective"])) * (
                             1 if out["binaries"] == 0 else 100))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
