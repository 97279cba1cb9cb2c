"""Would model.py's long rows as matrices meet the build target? An experiment.

    python -m bench.matrix_rows WORKBOOK        # prints two lines: model.py as it is, and with
                                                # total_supply and country_cap as matrix rows

``total_supply`` and ``country_cap`` hold almost all nonzeros of the generated LPs (200,000 of
208,000 at XL). Here they are built as ``pyomo.repn.beta.matrix.MatrixConstraint`` components
(the CSR arrays themselves, same rows, same term order), everything else of model.py unchanged,
and handed to HiGHS by :func:`to_highs`, which reads those arrays instead of walking
expressions. Both builds are checked to hand over the same model as :mod:`bench.direct` (same
arrays, same column order) and to solve to the same optimum. Medians of 3, collector paused.

This is a measurement, not an alternative model: the diagnosis, the marginal values and
optimizer/reuse.py need rows by name that can be changed, which ``MatrixConstraint`` does not
offer.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from itertools import chain

import numpy as np


def _csr(m, rows):
    """CSR arrays over the columns buy (by offer position), make, supplied of ``rows``: a list
    of (offer positions, +-1, projects, supplied coefficient, supplied first?) per row."""
    buy, make, supplied = m.buy_by_position, list(m.make.values()), list(m.supplied.values())
    make_at = {p: len(buy) + k for k, p in enumerate(m.make.keys())}
    supplied_at = {mm: len(buy) + len(make) + k for k, mm in enumerate(m.supplied.keys())}
    start, cols, vals = [0], [], []
    for offers, sign, projects, mineral, coef, first in rows:
        head = [(supplied_at[mineral], coef)] if first else []
        tail = [] if first else [(supplied_at[mineral], coef)]
        for j, v in head:
            cols.append(j)
            vals.append(v)
        cols.extend(offers)
        vals.extend([sign] * len(offers))
        cols.extend(make_at[p] for p in projects)
        vals.extend([sign] * len(projects))
        for j, v in tail:
            cols.append(j)
            vals.append(v)
        start.append(len(cols))
    return start, cols, vals, buy + make + supplied


def define_total_supply(m, ix) -> None:
    """total_supply as matrix rows: supplied[m] - sum buy - sum make = 0 (model.py's order)."""
    import pyomo.core as pyo
    from pyomo.repn.beta.matrix import MatrixConstraint

    m.supplied = pyo.Var(m.MINERALS, within=pyo.NonNegativeReals)
    rows = [(ix.positions_of_mineral.get(mm, ()), -1.0, ix.projects_of_mineral.get(mm, ()), mm,
             1.0, True) for mm in ix.minerals]
    start, cols, vals, varmap = _csr(m, rows)
    n = len(rows)
    m.total_supply = MatrixConstraint(n, len(varmap), len(cols), start, cols, vals, [0.0] * 2 * n,
                                      [MatrixConstraint.Equality] * n, varmap)


def define_country_cap(m, ix) -> None:
    """country_cap as matrix rows: sum buy + sum make - cap * supplied[m] <= 0."""
    from pyomo.repn.beta.matrix import MatrixConstraint

    rows = [(ix.positions_of.get((mm, c), ()), 1.0, ix.projects_of.get((mm, c), ()), mm,
             -ix.cap[mm, c], False) for mm, c in ix.capped]
    start, cols, vals, varmap = _csr(m, rows)
    n = len(rows)
    m.country_cap = MatrixConstraint(n, len(varmap), len(cols), start, cols, vals, [0.0] * 2 * n,
                                     [MatrixConstraint.UpperBound] * n, varmap)


def to_highs(model):
    """optimizer.highs_direct.to_highs, with MatrixConstraint rows read from their arrays."""
    import pyomo.core as pyo
    from pyomo.repn.beta.matrix import MatrixConstraint

    from bench.direct import Arrays
    from bench.direct import to_highs as pass_arrays
    from optimizer import highs_direct as hd

    recorder = hd._FirstSeen()
    visitor = hd.LinearRepnVisitor({}, var_recorder=recorder)
    blocks = []
    for comp in model.component_objects(pyo.Constraint, active=True, descend_into=True):
        if isinstance(comp, MatrixConstraint):
            used = [comp._varmap[j] for j in dict.fromkeys(comp._jcols)]  # first-seen order
            recorder.var_map.update(zip(map(id, used), used))
            blocks.append((comp, None))
        else:
            bounded = [hd._bounded(c) for c in comp.values() if c.active]
            blocks.append((bounded, [hd._walk(b, visitor, recorder, True)
                                     for _, b, _ in bounded]))
    objective = next(model.component_data_objects(pyo.Objective, active=True))
    cost_repn = hd._walk(objective.expr, visitor, recorder, True)
    columns = list(recorder.var_map.values())
    position = dict(zip(recorder.var_map, range(len(columns))))
    lower, upper, integer, _ = hd._column_bounds(columns, np.inf)
    lengths, index, value, row_lower, row_upper = [], [], [], [], []
    for block, repns in blocks:
        if repns is None:  # a MatrixConstraint
            at = np.fromiter(map(position.__getitem__, map(id, block._varmap)), np.int64,
                             len(block._varmap))
            lengths.append(np.diff(np.asarray(block._prows)))
            index.append(at[np.asarray(block._jcols)])
            value.append(np.asarray(block._vals, float))
            ranges, kinds = np.asarray(block._ranges, float), np.asarray(block._range_types)
            row_lower.append(np.where(kinds & block.LowerBound, ranges[0::2], -np.inf))
            row_upper.append(np.where(kinds & block.UpperBound, ranges[1::2], np.inf))
            continue
        lengths.append(np.array([len(r.linear) for r in repns], dtype=np.int64))
        index.append(np.fromiter(map(position.__getitem__,
                                     chain.from_iterable(r.linear for r in repns)), np.int64))
        value.append(np.fromiter(chain.from_iterable(r.linear.values() for r in repns), float))
        row_lower.append(np.array([-np.inf if lb is None else lb - r.constant
                                   for (lb, _, _), r in zip(block, repns)], dtype=float))
        row_upper.append(np.array([np.inf if ub is None else ub - r.constant
                                   for (_, _, ub), r in zip(block, repns)], dtype=float))
    start = np.concatenate([[0], np.cumsum(np.concatenate(lengths))]).astype(np.int32)
    cost = np.zeros(len(columns))
    cost[[position[k] for k in cost_repn.linear]] = list(cost_repn.linear.values())
    return pass_arrays(Arrays(cost, lower, upper, integer, np.concatenate(row_lower),
                              np.concatenate(row_upper), start,
                              np.concatenate(index).astype(np.int32), np.concatenate(value)))


def measure(data, matrix_rows: bool, repeat: int = 3) -> dict[str, float]:
    """Median build and hand-over seconds, and the direct build, for one way of building."""
    from bench.direct import build_highs
    from bench.stages import same_model
    from optimizer import highs_direct, model

    saved = model.define_total_supply, model.define_country_cap
    if matrix_rows:
        model.define_total_supply, model.define_country_cap = define_total_supply, \
            define_country_cap
    handover = to_highs if matrix_rows else (lambda m: highs_direct.to_highs(m)[0])
    try:
        runs = []
        for _ in range(repeat):
            gc.collect()
            gc.disable()
            started = time.perf_counter()
            built = model.build_model(data)
            middle = time.perf_counter()
            highs = handover(built)
            ended = time.perf_counter()
            started_direct = time.perf_counter()
            direct = build_highs(data)
            direct_seconds = time.perf_counter() - started_direct
            gc.enable()
            runs.append((middle - started, ended - middle, direct_seconds))
    finally:
        model.define_total_supply, model.define_country_cap = saved
    highs.run()
    direct.run()
    build, hand, direct_build = (statistics.median(r[k] for r in runs) for k in range(3))
    return {"build": build, "handover": hand, "direct_build": direct_build,
            "ratio": (build + hand) / direct_build, "same_model": same_model(highs, direct),
            "same_optimum": bool(np.isclose(highs.getInfo().objective_function_value,
                                            direct.getInfo().objective_function_value,
                                            rtol=1e-9))}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from optimizer import read_workbook

    data = read_workbook(argv[0])
    for label, matrix_rows in (("model.py", False), ("matrix rows", True)):
        r = measure(data, matrix_rows)
        print(f"{label:12s} build {r['build']:.3f} s  hand-over {r['handover']:.3f} s  "
              f"direct {r['direct_build']:.3f} s  ratio {r['ratio']:.2f}x  "
              f"same model {r['same_model']}  same optimum {r['same_optimum']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
