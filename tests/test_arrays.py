"""optimizer/arrays.py: rows and a linear expression held as arrays (issue 7).

They must be the same model as the same rows written as Pyomo expressions: the same HiGHS
arrays, columns in the same order; and read as ordinary Pyomo components by everything that
reads them one at a time.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.contrib.solver.solvers.highs import Highs

from optimizer.arrays import ArrayExpression, ArrayRows
from optimizer.highs_direct import solve_direct, to_highs
from tests.test_highs_direct import lp_arrays

# Three offers and a spare: x[1], x[2] from country A, x[3] from country B; x[4] is only in the
# objective. s is the mineral's total. Unit costs 1, 2, 3, 0.5; capacities 10 each.
COST = [1.0, 2.0, 3.0, 0.5]


def _base() -> pyo.ConcreteModel:
    m = pyo.ConcreteModel()
    m.X = pyo.Set(initialize=[1, 2, 3, 4])
    m.x = pyo.Var(m.X, bounds=(0, 10))
    m.s = pyo.Var(within=pyo.NonNegativeReals)
    m.CAPS = pyo.Set(initialize=[("g", "A"), ("g", "B")], dimen=2)
    m.columns = [m.x[1], m.x[2], m.x[3], m.x[4], m.s]
    return m


def array_model(cap_b: float = 0.0) -> pyo.ConcreteModel:
    """total:  s - x1 - x2 - x3 = 0;  cap[g,A]: x1 + x2 - 0.5 s <= 0;
    cap[g,B]: x3 - cap_b s <= 0 (cap_b = 0 makes a zero term, kept in the arrays);
    demand: s >= 10 (an expression row);  cost: 1 x1 + 2 x2 + 3 x3 + 0.5 x4."""
    m = _base()
    m.total = ArrayRows(pyo.Set(initialize=["g"]), m.columns, [0, 4], [4, 0, 1, 2],
                        [1.0, -1.0, -1.0, -1.0], 0.0, 0.0)
    m.demand = pyo.Constraint(expr=m.s >= 10)
    m.cap = ArrayRows(m.CAPS, m.columns, [0, 3, 5], [0, 1, 4, 2, 4],
                      [1.0, 1.0, -0.5, 1.0, -cap_b], -np.inf, 0.0)
    m.purchase = ArrayExpression(m.columns, [0, 1, 2, 3], COST)
    m.cost = pyo.Objective(expr=m.purchase)
    return m


def expression_model(cap_b: float = 0.0) -> pyo.ConcreteModel:
    """:func:`array_model` with every row and the cost as Pyomo expressions."""
    m = _base()
    x, s = m.x, m.s
    m.total = pyo.Constraint(["g"], rule=lambda _, g: s - x[1] - x[2] - x[3] == 0)
    m.demand = pyo.Constraint(expr=m.s >= 10)
    rows = {("g", "A"): x[1] + x[2] - 0.5 * s, ("g", "B"): x[3] - cap_b * s}
    m.cap = pyo.Constraint(m.CAPS, rule=lambda _, g, c: rows[g, c] <= 0)
    m.purchase = pyo.Expression(expr=sum(c * x[k + 1] for k, c in enumerate(COST)))
    m.cost = pyo.Objective(expr=m.purchase)
    return m


def assert_same_handover(a: pyo.ConcreteModel, b: pyo.ConcreteModel) -> None:
    (ha, columns_a, rows_a), (hb, columns_b, rows_b) = to_highs(a), to_highs(b)
    assert [v.name for v in columns_a] == [v.name for v in columns_b]
    assert [r.name for r in rows_a] == [r.name for r in rows_b]
    arrays_a, arrays_b = lp_arrays(ha), lp_arrays(hb)
    for name in arrays_b:
        np.testing.assert_array_equal(arrays_a[name], arrays_b[name], err_msg=name)
    la, lb = ha.getLp().a_matrix_, hb.getLp().a_matrix_
    for part in ("start_", "index_", "value_"):  # the same sparse matrix, zero terms dropped
        np.testing.assert_array_equal(getattr(la, part), getattr(lb, part), err_msg=part)


@pytest.mark.parametrize("cap_b", [0.0, 0.4], ids=["zero-cap", "cap"])
def test_arrays_hand_over_what_the_same_expressions_hand_over(cap_b):
    assert_same_handover(array_model(cap_b), expression_model(cap_b))


def test_array_model_solves_to_the_hand_computed_optimum():
    """Demand 10, A at most half of it (5), B at most 0.6 of it (6): A's cheapest x1 = 5
    at 1, the other 5 from B's x3 at 3 (x2 at 2 is in A, which is full); x4 is in no row and
    costs 0.5 > 0, so 0. Cost 5 * 1 + 5 * 3 = 20."""
    m = array_model(cap_b=0.6)
    result = solve_direct(m)
    result.load_vars()
    assert result.incumbent_objective == pytest.approx(20.0)
    assert [pyo.value(m.x[k]) for k in (1, 2, 3, 4)] == pytest.approx([5, 0, 5, 0])
    assert pyo.value(m.purchase) == pytest.approx(20.0)


def test_a_row_reads_as_an_ordinary_constraint():
    m = array_model()
    row = m.cap["g", "A"]
    assert ("g", "A") in m.cap and ("g", "C") not in m.cap
    assert list(m.cap.keys()) == [("g", "A"), ("g", "B")]
    assert row.name == "cap[g,A]"
    assert (row.lb, row.ub) == (None, 0.0)
    assert str(row.body) == "x[1] + x[2] - 0.5*s"
    assert m.total["g"].equality and (m.total["g"].lb, m.total["g"].ub) == (0.0, 0.0)
    for v, value in zip(m.columns, [4, 2, 3, 0, 10]):
        v.set_value(value)
    assert pyo.value(row.body) == pytest.approx(1.0)  # 4 + 2 - 5
    assert row.from_arrays and m.cap.whole()


def test_a_row_given_a_new_expression_is_handed_over_as_that_expression():
    """cap[g,A] set to x1 <= 3: the arrays no longer say what the row is."""
    a, b = array_model(), expression_model()
    for m in (a, b):
        m.cap["g", "A"].set_value(m.x[1] <= 3)
    assert not a.cap["g", "A"].from_arrays and not a.cap.whole()
    assert_same_handover(a, b)


def test_a_deactivated_row_is_left_out():
    a, b = array_model(), expression_model()
    for m in (a, b):
        m.cap["g", "B"].deactivate()
    assert not a.cap.whole()
    assert_same_handover(a, b)
    assert to_highs(a)[0].getNumRow() == 3


def test_a_fixed_variable_in_the_arrays_becomes_a_constant():
    """x2 fixed at 1: the hand-over reads every row through Pyomo's visitor, as for
    expressions (cap[g,A] becomes x1 - 0.5 s <= -1)."""
    a, b = array_model(), expression_model()
    for m in (a, b):
        m.x[2].fix(1)
    assert_same_handover(a, b)
    assert to_highs(a)[0].getLp().row_upper_[2] == -1.0


def test_pyomos_persistent_solver_reads_them_as_expressions():
    """As optimizer/reuse.py uses it; the optimum is the hand-computed 20 of cap_b = 0.6."""
    m = array_model(cap_b=0.6)
    result = Highs().solve(m)
    assert result.incumbent_objective == pytest.approx(20.0)


def test_an_array_expression_reads_as_a_named_expression():
    m = array_model()
    assert str(m.purchase.expr) == "x[1] + 2.0*x[2] + 3.0*x[3] + 0.5*x[4]"
    for v, value in zip(m.columns, [1, 1, 1, 2, 0]):
        v.set_value(value)
    assert pyo.value(m.cost) == pytest.approx(7.0)
    assert m.purchase.from_arrays
    m.purchase.set_value(m.x[1])
    assert not m.purchase.from_arrays and pyo.value(m.cost) == 1.0


def test_an_array_expression_met_twice_in_the_objective_adds_up_as_expressions_do():
    """cost = 0.3 purchase + 0.7 (purchase + x1): x1 gets 0.3 + 0.7 + 0.7 = 1.7 (the
    expected and cvar objectives meet the normal cost more than once)."""
    a, b = array_model(), expression_model()
    for m in (a, b):
        m.cost.deactivate()
        m.risk = pyo.Objective(expr=0.3 * m.purchase + 0.7 * (m.purchase + m.x[1]))
    assert_same_handover(a, b)
    assert lp_arrays(to_highs(a)[0])["cost"][1] == pytest.approx(1.7)  # x1: after s


def test_arrays_that_are_not_a_sparse_matrix_are_refused():
    m = _base()
    with pytest.raises(ValueError, match="CSR"):
        ArrayRows(m.CAPS, m.columns, [0, 3], [0, 1], [1.0, 1.0], -np.inf, 0.0)
    with pytest.raises(ValueError, match="outside"):
        ArrayRows(m.CAPS, m.columns, [0, 1, 2], [0, 9], [1.0, 1.0], -np.inf, 0.0)
    with pytest.raises(ValueError, match="neither"):
        ArrayRows(m.CAPS, m.columns, [0, 1, 2], [0, 1], [1.0, 1.0], -np.inf, np.inf)
    with pytest.raises(ValueError, match="outside"):
        ArrayExpression(m.columns, [7], [1.0])
    with pytest.raises(ValueError, match="keys for"):
        m.too_few = ArrayRows(pyo.Set(initialize=["g"]), m.columns, [0, 1, 2], [0, 1],
                              [1.0, 1.0], -np.inf, 0.0)


def test_model_columns_follow_the_offers_order():
    """model.py numbers the long rows' columns by offer position: buy_by_position[k] must be
    buy of the k-th offer, and the use columns follow OFFERS_WITH_USE (both are read from the
    Var's own dict, not looked up)."""
    from optimizer.example import example_data
    from optimizer.model import build_model

    data = example_data()
    m = build_model(data)
    assert m.buy_by_position == [m.buy[o] for o in data.offers.index]
    assert m.core_columns == (m.buy_by_position + [m.make[p] for p in data.projects.index]
                              + [m.supplied[mm] for mm in data.minerals.index])
    use = m.offer_capacity.columns[len(m.buy_by_position):]
    assert len(use) > 0 and use == [m.use[o] for o in m.OFFERS_WITH_USE]


def test_a_row_deleted_and_added_again_is_handed_over_as_its_expression():
    """cap[g,B] replaced by x3 <= 4 through Pyomo's own item assignment."""
    a, b = array_model(), expression_model()
    for m in (a, b):
        del m.cap["g", "B"]
        m.cap["g", "B"] = m.x[3] <= 4
    assert not a.cap.whole()
    assert_same_handover(a, b)


def test_the_offer_set_is_the_set_pyomo_builds_from_the_offers():
    """model.py fills O in one dict call; it must behave as Set(initialize=offers) does."""
    from optimizer.example import example_data
    from optimizer.model import build_model

    data = example_data()
    m = build_model(data)
    offers = list(data.offers.index)
    m.PUBLIC = pyo.Set(initialize=offers, dimen=2, ordered=True)
    assert list(m.OFFERS) == list(m.PUBLIC) == offers
    assert len(m.OFFERS) == len(offers) and m.OFFERS.dimen == 2
    for k in (1, 7, len(offers)):
        assert m.OFFERS.at(k) == m.PUBLIC.at(k) and m.OFFERS.ord(offers[k - 1]) == k
    assert offers[3] in m.OFFERS and ("nobody", "gallium") not in m.OFFERS
    assert m.OFFERS.first() == offers[0] and m.OFFERS.last() == offers[-1]


def test_the_hand_over_asks_each_array_component_once_whether_it_is_whole(monkeypatch):
    """A component whose last row has a new expression is read row by row; whole() walks
    every row, so asking it again for each row would make the hand-over quadratic in the rows
    (to_highs at XL with the last cap row deactivated: 3.0 s, against 1.0 s asking once)."""
    m = array_model()
    m.cap["g", "B"].set_value(m.x[3] <= 4)
    calls = []
    original = ArrayRows.whole
    monkeypatch.setattr(ArrayRows, "whole", lambda self: calls.append(self.name) or
                        original(self))
    to_highs(m)
    assert sorted(calls) == ["cap", "total"]
