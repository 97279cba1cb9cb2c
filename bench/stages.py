"""One process, one workbook: the Pyomo build and hand-over against the direct-highspy build.

    python -m bench.stages WORKBOOK        # prints one JSON object

Times, in the same process and on the same data: ``build_model`` (Pyomo), the hand-over to
HiGHS (optimizer/highs_direct.py, as ``optimizer.solve`` does it), HiGHS's own run, loading the
solution back into Pyomo, and the yardstick (:mod:`bench.direct`: NumPy arrays ->
``highspy.passModel``). ``same_model`` says whether both hold identical arrays (bounds, costs,
matrix, integrality); if not, the yardstick is not the same model and the ratio is void.
"""

from __future__ import annotations

import json
import sys
import time


def same_model(a, b) -> bool:
    """True when two highspy models hold identical arrays (bounds, costs, matrix, types)."""
    import numpy as np

    la, lb = a.getLp(), b.getLp()
    for name in ("col_cost_", "col_lower_", "col_upper_", "row_lower_", "row_upper_"):
        if not np.array_equal(np.asarray(getattr(la, name)), np.asarray(getattr(lb, name))):
            return False
    ma, mb = la.a_matrix_, lb.a_matrix_
    return (ma.format_ == mb.format_
            and all(np.array_equal(np.asarray(getattr(ma, k)), np.asarray(getattr(mb, k)))
                    for k in ("start_", "index_", "value_"))
            and [t.name for t in la.integrality_] == [t.name for t in lb.integrality_])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = argv[0]
    from optimizer import read_workbook

    out: dict[str, object] = {}
    started = time.perf_counter()
    data = read_workbook(path)
    out["read_seconds"] = time.perf_counter() - started

    from bench.direct import build_highs
    from optimizer.gcpause import paused_gc
    from optimizer.highs_direct import load_values, to_highs
    from optimizer.model import build_model

    with paused_gc():  # as optimizer.solve builds (optimizer/gcpause.py); both builds alike
        started = time.perf_counter()
        model = build_model(data)
        out["pyomo_build_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        h, columns, _ = to_highs(model)  # the hand-over optimizer.solve uses
        out["handover_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        direct = build_highs(data)
        out["direct_build_seconds"] = time.perf_counter() - started
    out["same_model"] = same_model(h, direct)

    h.setOptionValue("mip_rel_gap", data.settings.mip_gap)
    started = time.perf_counter()
    h.run()
    out["highs_run_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    load_values(h, columns)
    out["load_seconds"] = time.perf_counter() - started
    out["pyomo_objective"] = h.getInfo().objective_function_value
    out["rows"], out["cols"], out["nonzeros"] = h.getNumRow(), h.getNumCol(), h.getNumNz()
    out["binaries"] = sum(1 for t in h.getLp().integrality_ if t.name != "kContinuous")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
