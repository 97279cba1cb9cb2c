"""Random models: rows and costs held as arrays hand HiGHS what the same expressions do.

Each example builds one model twice, once with ``ArrayRows`` / ``ArrayExpression`` and once
with the same rows and cost written as Pyomo expressions (terms in the same order), then
changes both alike (a fixed variable, a deactivated row, a row given a new expression) and
compares the hand-over array for array, column and row names included. CI runs the same 40
examples every time (``SOURCING_HYPOTHESIS_PROFILE=long`` explores at random, see
tests/test_properties.py).
"""

from __future__ import annotations

import pyomo.environ as pyo
from hypothesis import given
from hypothesis import strategies as st
from pyomo.core.expr.numeric_expr import LinearExpression

from optimizer.arrays import ArrayExpression, ArrayRows

from .test_arrays import assert_same_handover
from .test_properties import PROFILE

COEFS = st.sampled_from([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0])
BOUNDS = st.sampled_from([("le", None, 4.0), ("ge", 1.0, None), ("eq", 2.0, 2.0),
                          ("range", -1.0, 5.0)])


@st.composite
def specs(draw) -> dict:
    n = draw(st.integers(2, 6))
    columns = st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True)
    row = st.tuples(columns.flatmap(lambda cs: st.tuples(
        st.just(cs), st.lists(COEFS, min_size=len(cs), max_size=len(cs)))), BOUNDS)
    families = draw(st.lists(st.tuples(st.sampled_from(["arrays", "expressions"]),
                                       st.booleans(),  # arrays over the reversed columns
                                       st.lists(row, min_size=1, max_size=4)),
                             min_size=1, max_size=3))
    cost_columns = draw(columns)
    return {
        "n": n,
        "bounds": draw(st.lists(st.sampled_from([(0.0, 10.0), (None, 3.0), (-1.0, None),
                                                 (None, None)]), min_size=n, max_size=n)),
        "families": families,
        "cost": (cost_columns, draw(st.lists(COEFS, min_size=len(cost_columns),
                                             max_size=len(cost_columns)))),
        "extra_cost": draw(st.one_of(st.none(), st.tuples(st.integers(0, n - 1), COEFS))),
        "fixed": draw(st.one_of(st.none(), st.integers(0, n - 1))),
        "deactivated": draw(st.one_of(st.none(), st.tuples(st.integers(0, 2),
                                                           st.integers(0, 3)))),
        "reset": draw(st.one_of(st.none(), st.tuples(st.integers(0, 2), st.integers(0, 3)))),
    }


def _relation(body, kind: str, lower, upper):
    if kind == "le":
        return body <= upper
    if kind == "ge":
        return body >= lower
    if kind == "eq":
        return body == lower
    return pyo.inequality(lower, body, upper)


def build(spec: dict, arrays: bool) -> pyo.ConcreteModel:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(spec["n"]))
    for j, (lower, upper) in enumerate(spec["bounds"]):
        m.x[j].setlb(lower)
        m.x[j].setub(upper)
    forward = [m.x[j] for j in range(spec["n"])]
    backward = forward[::-1]
    for f, (kind, reverse, rows) in enumerate(spec["families"]):
        table = backward if reverse else forward
        index = pyo.Set(initialize=range(len(rows)))
        m.add_component(f"I{f}", index)
        if arrays and kind == "arrays":
            start, column, value = [0], [], []
            for (cs, coefs), _ in rows:
                column += [spec["n"] - 1 - c if reverse else c for c in cs]
                value += coefs
                start.append(len(column))
            lower = [float("-inf") if lo is None else lo for _, (_, lo, _) in rows]
            upper = [float("inf") if up is None else up for _, (_, _, up) in rows]
            m.add_component(f"rows{f}", ArrayRows(index, table, start, column, value, lower,
                                                  upper))
        else:
            m.add_component(f"rows{f}", pyo.Constraint(index, rule=lambda _, i, rows=rows:
                _relation(LinearExpression(linear_coefs=rows[i][0][1],
                                           linear_vars=[forward[c] for c in rows[i][0][0]]),
                          *rows[i][1])))
    cs, coefs = spec["cost"]
    if arrays:
        m.purchase = ArrayExpression(forward, cs, coefs)
    else:
        m.purchase = pyo.Expression(expr=LinearExpression(
            linear_coefs=coefs, linear_vars=[forward[c] for c in cs]))
    extra = spec["extra_cost"]
    m.cost = pyo.Objective(expr=m.purchase + (extra[1] * m.x[extra[0]] if extra else 0))
    return m


def change(m: pyo.ConcreteModel, spec: dict) -> None:
    """The same changes on either model."""
    families = len(spec["families"])
    if spec["fixed"] is not None:
        m.x[spec["fixed"]].fix(1.5)
    for what in ("deactivated", "reset"):
        if spec[what] is None:
            continue
        f, i = spec[what]
        rows = getattr(m, f"rows{f % families}")
        i %= len(rows)
        if what == "deactivated":
            rows[i].deactivate()
        else:
            rows[i].set_value(m.x[0] <= 2)


@PROFILE
@given(specs())
def test_arrays_hand_over_what_the_same_expressions_hand_over(spec):
    a, b = build(spec, arrays=True), build(spec, arrays=False)
    change(a, spec)
    change(b, spec)
    assert_same_handover(a, b)
