"""Hand a Pyomo model to HiGHS in one call: arrays built in one pass, then ``passModel``.

Pyomo's persistent HiGHS interface (``pyomo.contrib.solver.solvers.highs.Highs``) adds the
model row by row and keeps maps for later updates; for a model solved once that bookkeeping is
most of the hand-over: about 1.8 s for 100,000 offers where this takes about 0.8 s, and loading
the solution back 0.23 s where this takes 0.03 s (bench/README.md). :func:`optimizer.solve` uses
this module when it is not given a persistent solver to re-use (``optimizer.reuse`` passes one).

Columns are the variables in the order they first appear in the constraints, then the
objective, as the persistent interface orders them (HiGHS's simplex is sensitive to it: the
declaration order solved five times slower on the XL benchmark). Variables in no constraint and
not in the objective are not handed over and keep no value, as with the persistent interface.
The result mimics the parts of Pyomo's ``Results`` that :func:`optimizer.solve` reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.core as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.core.base.var import ScalarVar, VarData
from pyomo.core.expr.numeric_expr import (LinearExpression, MonomialTermExpression,
                                          NegationExpression, SumExpression)
from pyomo.core.expr.numvalue import NumericConstant
from pyomo.repn.linear import LinearRepnVisitor

_NUMBERS = frozenset({int, float, np.float64, np.int64})
_VARIABLES = frozenset({VarData, ScalarVar})
_SUMS = frozenset({LinearExpression, SumExpression})


class _FirstSeen:
    """Variable recorder for LinearRepnVisitor: one column per variable, in order of appearance
    (Pyomo's own recorders add every index of a variable's component at once)."""

    def __init__(self) -> None:
        self.var_map: dict[int, object] = {}

    def add(self, var) -> None:
        self.var_map[id(var)] = var


@dataclass
class DirectResult:
    """What :func:`optimizer.solve` reads from a solve, named as in Pyomo's ``Results``."""

    termination_condition: TerminationCondition
    solution_status: SolutionStatus
    incumbent_objective: float | None
    objective_bound: float | None
    highs: object  # the highspy.Highs holding the model and its solution
    columns: list  # columns[j]: the Pyomo variable of column j
    rows: list  # rows[i]: the Pyomo constraint of row i

    @property
    def solution_loader(self) -> "DirectResult":
        return self

    def load_vars(self) -> None:
        """Put the solution's values into the Pyomo variables."""
        for var, value in zip(self.columns, self.highs.getSolution().col_value):
            var.set_value(value, skip_validation=True)


def integer_columns(highs) -> np.ndarray:
    """Indices of the integer columns of the model ``highs`` holds (none for an LP)."""
    import highspy

    integer = highspy.HighsVarType.kInteger
    return np.flatnonzero(np.fromiter((t == integer for t in highs.getLp().integrality_),
                                      dtype=bool))


def integer_columns_leak(highs) -> bool:
    """True when an integer column of the solved ``highs`` is not at an integer (then
    ``optimizer.solve`` settles the binaries, see its ``_settle_binaries``)."""
    values = np.asarray(highs.getSolution().col_value)[integer_columns(highs)]
    return bool((np.abs(values - np.round(values)) > 1e-9).any())


class _NotSimple(Exception):
    """An expression :func:`_linear_terms` leaves to Pyomo's LinearRepnVisitor."""


def _linear_terms(expr, coef: float, terms: dict, variables: dict) -> float:
    """Add ``coef * expr`` to ``terms`` (id(var) -> coefficient); return its constant part.

    Reads the few node types model.py builds (variables, monomials, LinearExpression, sums,
    negations, named expressions, numbers) directly; anything else (a product of expressions,
    a mutable parameter, ...) raises _NotSimple and that row goes to Pyomo's visitor.
    Variables are recorded in ``variables`` in the order they are met, as the visitor's
    recorder does. Only for models without fixed variables (the visitor makes those constants).
    """
    cls = expr.__class__
    if cls in _SUMS:  # the bulk: sums of variables and monomials, read in one loop
        constant = 0.0
        for arg in expr.args:
            kind = arg.__class__
            if kind is MonomialTermExpression:
                factor, arg = arg.args
                if factor.__class__ not in _NUMBERS or arg.__class__ not in _VARIABLES:
                    raise _NotSimple
                factor *= coef
            elif kind in _VARIABLES:
                factor = coef
            elif kind in _NUMBERS:
                constant += coef * arg
                continue
            else:
                constant += _linear_terms(arg, coef, terms, variables)
                continue
            key = id(arg)
            if key in terms:
                terms[key] += factor
            else:
                terms[key] = factor
                variables[key] = arg
        return constant
    if cls in _NUMBERS:
        return coef * expr
    if cls is NumericConstant:  # a named expression with nothing in it holds one
        return coef * expr.value
    if cls in _VARIABLES or cls is MonomialTermExpression:
        return _linear_terms(SumExpression([expr]), coef, terms, variables)
    if cls is NegationExpression:
        return _linear_terms(expr.args[0], -coef, terms, variables)
    if getattr(expr, "is_named_expression_type", None) and expr.is_named_expression_type():
        return _linear_terms(expr.expr, coef, terms, variables)
    raise _NotSimple


class _Repn:
    """What to_highs reads of a row: its linear part and constant, as LinearRepn holds them."""

    __slots__ = ("linear", "constant", "nonlinear")

    def __init__(self, linear: dict, constant: float) -> None:
        self.linear, self.constant, self.nonlinear = linear, constant, None


def _walk(expr, visitor, recorder: "_FirstSeen", fast: bool):
    """The linear representation of ``expr``: the fast reader, else Pyomo's visitor."""
    if not fast:
        return visitor.walk_expression(expr)
    terms: dict[int, float] = {}
    try:  # variables go straight into the recorder: re-adding one keeps its first place
        constant = _linear_terms(expr, 1.0, terms, recorder.var_map)
    except _NotSimple:  # the variables met so far were met in the visitor's order too
        return visitor.walk_expression(expr)
    # the visitor drops terms that cancel or are zero; so does this
    return _Repn({k: c for k, c in terms.items() if c != 0}, constant)


def to_highs(model: pyo.ConcreteModel):
    """The model's active constraints and its one active objective in a new ``highspy.Highs``.

    Returns ``(highs, columns, rows)``, ``columns[j]`` being the Pyomo variable of column j and
    ``rows[i]`` the Pyomo constraint of row i. Raises ValueError for a nonlinear constraint or
    objective.
    """
    import highspy

    inf = highspy.kHighsInf
    recorder = _FirstSeen()
    visitor = LinearRepnVisitor({}, var_recorder=recorder)
    constraints = list(model.component_data_objects(pyo.Constraint, active=True,
                                                    descend_into=True))
    # the fast reader keeps fixed variables as columns; the visitor makes them constants
    fast = not any(v.fixed for v in model.component_data_objects(pyo.Var, descend_into=True))
    rows = [_walk(c.body, visitor, recorder, fast) for c in constraints]
    objectives = list(model.component_data_objects(pyo.Objective, active=True,
                                                   descend_into=True))
    if len(objectives) != 1:
        raise ValueError(f"expected one active objective, found {len(objectives)}")
    objective = objectives[0]
    cost_repn = _walk(objective.expr, visitor, recorder, fast)
    for what, repn in [(objective.name, cost_repn)] + [
            (c.name, r) for c, r in zip(constraints, rows) if r.nonlinear is not None]:
        if repn.nonlinear is not None:
            raise ValueError(f"{what} is not linear")

    columns = list(recorder.var_map.values())
    position = {vid: j for j, vid in enumerate(recorder.var_map)}
    n_col, n_row = len(columns), len(rows)
    col_lower, col_upper = np.empty(n_col), np.empty(n_col)
    integer = np.zeros(n_col, dtype=bool)
    kinds: dict[int, bool] = {}  # id(domain) -> integer?
    for j, var in enumerate(columns):
        if var.fixed:
            col_lower[j] = col_upper[j] = var.value
        else:
            lb, ub = var.bounds
            col_lower[j] = -inf if lb is None else lb
            col_upper[j] = inf if ub is None else ub
        domain = var.domain
        kind = kinds.get(id(domain))
        if kind is None:
            kind = kinds[id(domain)] = var.is_integer()
        integer[j] = kind

    start = np.zeros(n_row + 1, dtype=np.int32)
    np.cumsum([len(r.linear) for r in rows], out=start[1:])
    index = np.fromiter((position[vid] for r in rows for vid in r.linear), dtype=np.int32,
                        count=int(start[-1]))
    value = np.fromiter((coef for r in rows for coef in r.linear.values()), dtype=float,
                        count=int(start[-1]))
    row_lower, row_upper = np.empty(n_row), np.empty(n_row)
    for i, (con, repn) in enumerate(zip(constraints, rows)):
        lb, ub = con.lb, con.ub
        row_lower[i] = -inf if lb is None else lb - repn.constant
        row_upper[i] = inf if ub is None else ub - repn.constant
    cost = np.zeros(n_col)
    for vid, coef in cost_repn.linear.items():
        cost[position[vid]] += coef

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lower, col_upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    lp.offset_ = float(cost_repn.constant)
    lp.sense_ = highspy.ObjSense.kMinimize if objective.sense == pyo.minimize \
        else highspy.ObjSense.kMaximize
    matrix = lp.a_matrix_
    matrix.format_ = highspy.MatrixFormat.kRowwise
    matrix.num_col_, matrix.num_row_ = n_col, n_row
    matrix.start_, matrix.index_, matrix.value_ = start, index, value
    lp.a_matrix_ = matrix
    if integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if k else
                           highspy.HighsVarType.kContinuous for k in integer]
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.passModel(lp)
    return highs, columns, constraints


def solve_direct(model: pyo.ConcreteModel, time_limit: float | None = None,
                 rel_gap: float | None = None, threads: int | None = None,
                 **_ignored) -> DirectResult:
    """Hand ``model`` to HiGHS with :func:`to_highs`, solve it, report as Pyomo would.

    ``time_limit`` in seconds, ``rel_gap`` the relative MIP gap; other keyword arguments
    (``load_solutions``, ...) are accepted and ignored: values are loaded by ``load_vars()``.
    """
    import highspy

    highs, columns, rows = to_highs(model)
    if threads is not None:
        highs.setOptionValue("threads", int(threads))
    if time_limit is not None:
        highs.setOptionValue("time_limit", float(time_limit))
    if rel_gap is not None:
        highs.setOptionValue("mip_rel_gap", float(rel_gap))
    highs.run()
    status = highs.getModelStatus()
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2
    ms = highspy.HighsModelStatus
    tc = {
        ms.kOptimal: TerminationCondition.convergenceCriteriaSatisfied,
        ms.kInfeasible: TerminationCondition.provenInfeasible,
        ms.kUnboundedOrInfeasible: TerminationCondition.infeasibleOrUnbounded,
        ms.kUnbounded: TerminationCondition.unbounded,
        ms.kTimeLimit: TerminationCondition.maxTimeLimit,
        ms.kIterationLimit: TerminationCondition.iterationLimit,
        ms.kObjectiveBound: TerminationCondition.objectiveLimit,
        ms.kObjectiveTarget: TerminationCondition.objectiveLimit,
        ms.kSolutionLimit: TerminationCondition.iterationLimit,
        ms.kInterrupt: TerminationCondition.interrupted,
        ms.kHighsInterrupt: TerminationCondition.interrupted,
    }.get(status, TerminationCondition.error if status in (
        ms.kLoadError, ms.kModelError, ms.kPresolveError, ms.kSolveError, ms.kPostsolveError)
        else TerminationCondition.unknown)
    if status == ms.kOptimal:
        ss = SolutionStatus.optimal
    else:
        ss = SolutionStatus.feasible if has_solution else SolutionStatus.noSolution
    objective = info.objective_function_value if has_solution else None
    if info.mip_node_count == -1:  # an LP: the bound is the optimum, when there is one
        bound = objective if status == ms.kOptimal else None
    else:
        bound = info.mip_dual_bound
    return DirectResult(tc, ss, objective, bound, highs, columns, rows)
