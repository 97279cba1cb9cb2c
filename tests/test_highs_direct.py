"""optimizer/highs_direct.py hands a Pyomo model to HiGHS in one call (issue 7).

It must hand over exactly the model Pyomo's persistent HiGHS interface hands over (same columns
in the same order, same rows, bounds, costs and integrality), and report outcomes as it does.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from optimizer.example import example_data
from optimizer.highs_direct import integer_columns, solve_direct, to_highs
from optimizer.model import build_model


def lp_arrays(highs) -> dict[str, np.ndarray]:
    """The model's arrays, with the matrix dense (HiGHS may hold it by rows or by columns)."""
    lp = highs.getLp()
    a = lp.a_matrix_
    dense = np.zeros((lp.num_row_, lp.num_col_))
    by_rows = a.format_.name == "kRowwise"
    for k in range(len(a.start_) - 1):
        for p in range(a.start_[k], a.start_[k + 1]):
            dense[(k, a.index_[p]) if by_rows else (a.index_[p], k)] = a.value_[p]
    return {"cost": np.array(lp.col_cost_), "col_lower": np.array(lp.col_lower_),
            "col_upper": np.array(lp.col_upper_), "row_lower": np.array(lp.row_lower_),
            "row_upper": np.array(lp.row_upper_), "matrix": dense,
            "integer": np.array([t.name != "kContinuous" for t in lp.integrality_] or
                                [False] * lp.num_col_)}


def test_hands_over_the_model_pyomos_persistent_interface_hands_over():
    direct, _, _ = to_highs(build_model(example_data()))
    persistent = Highs()
    persistent.set_instance(build_model(example_data()))
    ours, theirs = lp_arrays(direct), lp_arrays(persistent._solver_model)
    assert ours["integer"].any()  # the example is a MIP: integrality is compared too
    for name in theirs:
        np.testing.assert_allclose(ours[name], theirs[name], err_msg=name)


def small_model(sense=pyo.minimize) -> pyo.ConcreteModel:
    """min/max x + 2y  s.t.  x + y >= 1,  x <= 3 (a bound),  y in [0, 2]; z is in no row."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 3))
    m.y = pyo.Var(bounds=(0, 2))
    m.z = pyo.Var()
    m.cover = pyo.Constraint(expr=m.x + m.y >= 1)
    m.cost = pyo.Objective(expr=m.x + 2 * m.y, sense=sense)
    return m


def test_minimum_and_values_loaded():
    """The cheapest cover takes x = 1, y = 0: cost 1."""
    m = small_model()
    res = solve_direct(m)
    res.solution_loader.load_vars()
    assert res.solution_status == SolutionStatus.optimal
    assert res.termination_condition == TerminationCondition.convergenceCriteriaSatisfied
    assert (res.incumbent_objective, res.objective_bound) == (pytest.approx(1), pytest.approx(1))
    assert (m.x.value, m.y.value) == (pytest.approx(1), pytest.approx(0))
    assert m.z.value is None  # in no row and not in the objective: not handed over


def test_maximisation_is_handed_over_as_such():
    """Maximising x + 2y takes both to their upper bounds: 3 + 2 * 2 = 7."""
    assert solve_direct(small_model(pyo.maximize)).incumbent_objective == pytest.approx(7)


def test_infeasible_model_is_reported_as_proven_infeasible():
    m = small_model()
    m.x.setub(0.25)
    m.y.setub(0.25)  # x + y <= 0.5 < 1
    res = solve_direct(m)
    assert res.termination_condition == TerminationCondition.provenInfeasible
    assert res.solution_status == SolutionStatus.noSolution and res.incumbent_objective is None


def test_nonlinear_rows_are_refused():
    m = small_model()
    m.bilinear = pyo.Constraint(expr=m.x * m.y <= 1)
    with pytest.raises(ValueError, match="bilinear is not linear"):
        to_highs(m)


def test_fixed_variables_are_handed_over_at_their_value():
    """y fixed at 2: x = 0 suffices for the cover, cost 2 * 2 = 4."""
    m = small_model()
    m.y.fix(2)
    res = solve_direct(m)
    assert res.incumbent_objective == pytest.approx(4)


def every_rule():
    """The example with diversification, N-1 coverage and group rules added (feasible or not:
    only the hand-over is compared)."""
    import pandas as pd

    from optimizer import SourcingData

    frames = example_data().to_frames()
    minerals = frames["Minerals"]
    minerals["min_suppliers"], minerals["min_countries"] = 2, 2
    minerals["max_supplier_share"], minerals["n1_coverage"] = 0.7, 0.2
    frames["Countries"] = pd.DataFrame([{"country": "Japan", "groups": "allies"},
                                        {"country": "Australia", "groups": "allies"}])
    frames["GroupRules"] = pd.DataFrame([{"group": "allies", "min_share": 0.05}])
    return SourcingData.from_sheets(frames)


def generated_mip():
    from bench.generate import generate
    from optimizer import SourcingData

    return SourcingData.from_sheets(generate("S", seed=4))


@pytest.mark.parametrize("make", [
    example_data, lambda: example_data().with_objective("cvar"),
    lambda: example_data().with_objective("expected"), every_rule, generated_mip],
    ids=["example", "cvar", "expected", "every-rule", "generated-mip"])
def test_fast_row_reader_hands_over_what_pyomos_visitor_does(make, monkeypatch):
    """to_highs reads model.py's rows directly; every array must be the one Pyomo's
    LinearRepnVisitor gives, column order included (HiGHS is sensitive to it)."""
    from bench.stages import same_model
    from optimizer import highs_direct

    fast, _, _ = to_highs(build_model(make()))

    def not_simple(*_args):
        raise highs_direct._NotSimple

    monkeypatch.setattr(highs_direct, "_linear_terms", not_simple)
    slow, _, _ = to_highs(build_model(make()))
    assert fast.getLp().num_col_ > 0 and same_model(fast, slow)


def bounds_model() -> pyo.ConcreteModel:
    """Every kind of bound a column can have: own bounds tighter or looser than the domain's,
    none, a mutable Param, a binary, a free variable, and (added by a test) a fixed one."""
    m = pyo.ConcreteModel()
    m.p = pyo.Param(initialize=4.0, mutable=True)
    m.a = pyo.Var(within=pyo.NonNegativeReals, bounds=(-5, 7))  # domain wins below: [0, 7]
    m.b = pyo.Var(within=pyo.Reals, bounds=(-2, None))
    m.c = pyo.Var(within=pyo.Reals)
    m.d = pyo.Var(within=pyo.Binary)
    m.e = pyo.Var(within=pyo.NonNegativeIntegers, bounds=(1, 9))
    m.f = pyo.Var(within=pyo.Reals, bounds=(0, m.p))
    m.row = pyo.Constraint(expr=m.a + m.b + m.c + m.d + m.e + m.f >= 1)
    m.cost = pyo.Objective(expr=m.a)
    return m


@pytest.mark.parametrize("fix", [False, True], ids=["plain", "with-a-fixed-variable"])
def test_column_bounds_are_the_ones_pyomo_gives(fix):
    """Columns' bounds and integrality equal VarData.bounds and is_integer(), with +-inf for
    none; a Param bound or a fixed variable takes the per-variable path and agrees too, and
    a fixed variable is reported."""
    from optimizer.highs_direct import _column_bounds

    m = bounds_model()
    if fix:
        m.b.fix(3)
    columns = [m.a, m.b, m.c, m.d, m.e, m.f]
    lower, upper, integer, any_fixed = _column_bounds(columns, np.inf)
    assert any_fixed == fix
    expected = [(3.0, 3.0) if v.fixed else tuple(
        (-np.inf if lb is None else lb) if k == 0 else (np.inf if lb is None else lb)
        for k, lb in enumerate(v.bounds)) for v in columns]
    assert list(zip(lower, upper)) == expected
    assert integer.tolist() == [False, False, False, True, True, False]


def test_a_variable_repeated_in_a_row_adds_up():
    """x + x + y >= 2 with x + 3y cost: the row holds 2x + y (one column for x, first)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 5))
    m.y = pyo.Var(bounds=(0, 5))
    m.row = pyo.Constraint(expr=pyo.quicksum([m.x, m.x, m.y]) >= 2)
    m.cost = pyo.Objective(expr=m.x + 3 * m.y)
    highs, columns, _ = to_highs(m)
    arrays = lp_arrays(highs)
    assert columns == [m.x, m.y]
    np.testing.assert_allclose(arrays["matrix"], [[2.0, 1.0]])
    res = solve_direct(m)  # x = 1 covers 2x >= 2: cost 1
    assert res.incumbent_objective == pytest.approx(1)


def test_a_run_of_variables_after_the_same_variable_adds_up():
    """y - (x + y + z) <= 0 is -x - z <= 0: y's terms cancel and y leaves the row, as Pyomo's
    visitor drops a zero coefficient."""
    m = pyo.ConcreteModel()
    m.x, m.y, m.z = pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(0, 1)), pyo.Var(bounds=(0, 1))
    m.row = pyo.Constraint(expr=m.y - pyo.quicksum([m.x, m.y, m.z]) <= 0)
    m.cost = pyo.Objective(expr=m.x + m.y + m.z)
    highs = to_highs(m)[0]
    # columns in first-seen order: y, x, z; y's coefficient is 0 and is not stored
    np.testing.assert_allclose(lp_arrays(highs)["matrix"], [[0.0, -1.0, -1.0]])
    assert highs.getNumNz() == 2


def test_variables_on_both_sides_are_read_as_lhs_minus_rhs():
    """x + y <= 2 z and y == x + z, not built as x + y - 2 z: 2x + y's columns first (x, y),
    then z; rows [1, 1, -2] <= 0 and [-1, 1, -1] == 0; 5 <= x + y + z stays a bound row.
    The same as Pyomo's own (lb, body, ub) of each row."""
    from pyomo.repn.linear import LinearRepnVisitor

    from optimizer.highs_direct import _bounded, _Difference

    m = pyo.ConcreteModel()
    m.x, m.y, m.z = (pyo.Var(bounds=(0, 9)) for _ in range(3))
    m.le = pyo.Constraint(expr=m.x + m.y <= 2 * m.z)
    m.eq = pyo.Constraint(expr=m.y == m.x + m.z)
    m.ge = pyo.Constraint(expr=5 <= m.x + m.y + m.z)
    m.cost = pyo.Objective(expr=m.x + m.y + m.z)
    for con in (m.le, m.eq, m.ge):
        lb, body, ub = _bounded(con)
        p_lb, p_body, p_ub = con.to_bounded_expression(evaluate_bounds=True)
        assert (lb, ub) == (p_lb, p_ub)
        if isinstance(body, _Difference):
            body = body.expression()
        mine = LinearRepnVisitor({}).walk_expression(body)
        pyomos = LinearRepnVisitor({}).walk_expression(p_body)
        assert (mine.linear, mine.constant) == (pyomos.linear, pyomos.constant)
    highs, columns, _ = to_highs(m)
    arrays = lp_arrays(highs)
    assert columns == [m.x, m.y, m.z]
    np.testing.assert_allclose(arrays["matrix"], [[1, 1, -2], [-1, 1, -1], [1, 1, 1]])
    np.testing.assert_allclose(arrays["row_lower"], [-np.inf, 0, 5])
    np.testing.assert_allclose(arrays["row_upper"], [0, 0, np.inf])


def example_lp_and_mip():
    """The example as an LP and as itself, a MIP (contracts and projects), each with the
    presolve option HiGHS should solve it with. Without fixed costs, minimum orders and
    projects its offers and caps are an LP."""
    from dataclasses import replace

    mip = example_data()
    lp = replace(mip, offers=mip.offers.assign(fixed_cost=0.0, min_order=0.0),
                 suppliers=mip.suppliers.assign(fixed_cost=0.0),
                 projects=mip.projects.iloc[0:0])
    return ((lp, "off"), (mip, "choose"))


def presolve_of(highs) -> str:
    value = highs.getOptionValue("presolve")
    return value[1] if isinstance(value, tuple) else value  # highspy 1.15: (status, value)


def test_a_pure_lp_is_solved_without_presolve_and_a_mip_with_it():
    """HiGHS's presolve cost this formulation's LPs more than it saved (highs_direct.LP_PRESOLVE);
    a MIP keeps HiGHS's default."""
    for d, presolve in example_lp_and_mip():
        res = solve_direct(build_model(d))
        assert (len(integer_columns(res.highs)) == 0) == (presolve == "off")
        assert presolve_of(res.highs) == presolve
        assert res.termination_condition == TerminationCondition.convergenceCriteriaSatisfied


def test_the_re_use_path_solves_a_pure_lp_without_presolve_too():
    """optimizer.reuse keeps models in Pyomo's persistent HiGHS; a kept LP's first solve is
    not presolved either (its re-solves start from a basis), a MIP's keeps the default."""
    from optimizer.reuse import ModelCache

    for d, presolve in example_lp_and_mip():
        cache = ModelCache()
        result, reused = cache.solve(d)
        assert result.status == "optimal" and not reused
        assert presolve_of(cache._entries[0].solver._solver_model) == presolve
