"""Hand a Pyomo model to HiGHS in one call: arrays built in one pass, then ``passModel``.

Pyomo's persistent HiGHS interface (``pyomo.contrib.solver.solvers.highs.Highs``) adds the
model row by row and keeps maps for later updates; for a model solved once that bookkeeping is
most of the hand-over: about 1.8 s for 100,000 offers where this took about 0.8 s (0.2 s since
the long rows are arrays), and loading the solution back 0.23 s where this takes 0.03 s
(bench/README.md). :func:`optimizer.solve` uses this module when it is not given a persistent
solver to re-use (``optimizer.reuse`` passes one).

Rows are read as expressions, except a whole :class:`optimizer.arrays.ArrayRows` (every row
active and unchanged), which is passed on from its arrays, and the objective's
:class:`optimizer.arrays.ArrayExpression` parts, taken by position.

Columns are the variables in the order they first appear in the constraints, then the
objective, as the persistent interface orders them (HiGHS's simplex is sensitive to it: the
declaration order solved five times slower on the XL benchmark). Variables in no constraint and
not in the objective are not handed over and keep no value, as with the persistent interface.
The result mimics the parts of Pyomo's ``Results`` that :func:`optimizer.solve` reads.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from itertools import chain, groupby
from operator import attrgetter
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd
import pyomo.core as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.core.base.var import ScalarVar, VarData
from pyomo.core.expr.numeric_expr import (LinearExpression, MonomialTermExpression,
                                          NegationExpression, SumExpression)
from pyomo.core.expr.numvalue import NumericConstant, native_types
from pyomo.core.expr.relational_expr import EqualityExpression, InequalityExpression
from pyomo.repn.linear import LinearRepnVisitor

from .arrays import ArrayExpression, ArrayRowData, ArrayRows

_NUMBERS = frozenset({int, float, np.float64, np.int64})
_VARIABLES = frozenset({VarData, ScalarVar})
_SUMS = frozenset({LinearExpression, SumExpression})
_ARGS = attrgetter("args")


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
        load_values(self.highs, self.columns)


def load_values(highs, columns: list) -> None:
    """Put the values of the solution ``highs`` holds into ``columns`` (the Pyomo variable of
    each column, as :func:`to_highs` returns them)."""
    for var, value in zip(columns, highs.getSolution().col_value):
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


def _add_block(variables_in_row: list, factors: list, terms: dict, variables: dict) -> None:
    """Add ``factors[k] * variables_in_row[k]`` to ``terms`` with C-level dict calls."""
    ids = list(map(id, variables_in_row))
    block = dict(zip(ids, factors))
    if len(block) == len(ids) and block.keys().isdisjoint(terms):
        terms.update(block)
    else:  # a variable twice in the row, or already met in it: add up one by one
        for key, factor in zip(ids, factors):
            terms[key] = terms.get(key, 0.0) + factor
    variables.update(zip(ids, variables_in_row))  # a known variable keeps its first place


def _linear_terms(expr, coef: float, terms: dict, variables: dict,
                  arrays: "_ArrayTerms | None" = None) -> float:
    """Add ``coef * expr`` to ``terms`` (id(var) -> coefficient); return its constant part.

    Reads the few node types model.py builds (variables, monomials, LinearExpression, sums,
    negations, named expressions, numbers) directly; anything else (a product of expressions,
    a mutable parameter, ...) raises _NotSimple and that row goes to Pyomo's visitor.
    Variables are recorded in ``variables`` in the order they are met, as the visitor's
    recorder does. Only for models without fixed variables (the visitor makes those constants).
    """
    cls = expr.__class__
    if cls in _SUMS:  # the bulk: sums of variables and monomials
        constant = 0.0
        args = expr.args
        at = 0
        # model.py's long rows are runs of plain variables or of number * variable: a run is
        # read with C-level calls, anything else one by one, in order (columns keep the order
        # in which variables are first met)
        for kind, run in groupby(map(type, args)):
            count = len(list(run))
            chunk = args[at:at + count]
            at += count
            if count > 1 and kind in _VARIABLES:
                _add_block(chunk, [coef] * count, terms, variables)
                continue
            if count > 1 and kind is MonomialTermExpression:
                factors, chunk_vars = zip(*map(_ARGS, chunk))
                if set(map(type, factors)) <= _NUMBERS and set(map(type, chunk_vars)) <= \
                        _VARIABLES:
                    if coef != 1.0:
                        factors = [coef * f for f in factors]
                    _add_block(chunk_vars, factors, terms, variables)
                    continue
            for arg in chunk:
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
                    constant += _linear_terms(arg, coef, terms, variables, arrays)
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
    if cls is ArrayExpression and expr.from_arrays:
        if arrays is not None:  # kept as arrays (its variables recorded here, in order)
            arrays.add(expr, coef, variables)
        else:  # its terms, as a LinearExpression's
            _add_block(expr.variables(),
                       (expr.value if coef == 1.0 else coef * expr.value).tolist(),
                       terms, variables)
        return 0.0
    if cls is NumericConstant:  # a named expression with nothing in it holds one
        return coef * expr.value
    if cls in _VARIABLES or cls is MonomialTermExpression:
        return _linear_terms(SumExpression([expr]), coef, terms, variables, arrays)
    if cls is NegationExpression:
        return _linear_terms(expr.args[0], -coef, terms, variables, arrays)
    if getattr(expr, "is_named_expression_type", None) and expr.is_named_expression_type():
        return _linear_terms(expr.expr, coef, terms, variables, arrays)
    raise _NotSimple


class _Repn:
    """What to_highs reads of a row: its linear part and constant, as LinearRepn holds them."""

    __slots__ = ("linear", "constant", "nonlinear", "arrays")

    def __init__(self, linear: dict, constant: float, arrays: list = ()) -> None:
        self.linear, self.constant, self.nonlinear = linear, constant, None
        self.arrays = arrays  # (ArrayExpression, coefficient, _Terms) not in ``linear``


class _Difference:
    """The body ``lhs - rhs`` of a row with variables on both sides, not built: Pyomo's
    ``lhs - rhs`` copies every term of a long ``lhs`` into a new expression."""

    __slots__ = ("lhs", "rhs")

    def __init__(self, lhs, rhs) -> None:
        self.lhs, self.rhs = lhs, rhs

    def expression(self):
        return self.lhs - self.rhs


_RELATIONS = frozenset({InequalityExpression, EqualityExpression})


def _bounded(con) -> tuple:
    """``con.to_bounded_expression(evaluate_bounds=True)``, with the body of a row that has
    variables on both sides left as a :class:`_Difference` (same bounds: 0 or None, 0)."""
    expr = con._expr
    if expr.__class__ in _RELATIONS:
        lhs, rhs = expr.args
        if lhs.__class__ not in native_types and lhs.is_potentially_variable() and \
                rhs.__class__ not in native_types and rhs.is_potentially_variable():
            return (0 if expr.__class__ is EqualityExpression else None), _Difference(lhs, rhs), 0
    return con.to_bounded_expression(evaluate_bounds=True)


def _walk(expr, visitor, recorder: "_FirstSeen", fast: bool,
          arrays: "_ArrayTerms | None" = None):
    """The linear representation of ``expr``: the fast reader, else Pyomo's visitor.
    With ``arrays``, the ArrayExpressions met are kept in it, not added to the terms."""
    if fast:
        terms: dict[int, float] = {}
        try:  # variables go straight into the recorder: re-adding one keeps its first place
            if expr.__class__ is _Difference:  # lhs's terms, then rhs's: as in lhs - rhs
                constant = _linear_terms(expr.lhs, 1.0, terms, recorder.var_map, arrays)
                constant += _linear_terms(expr.rhs, -1.0, terms, recorder.var_map, arrays)
            else:
                constant = _linear_terms(expr, 1.0, terms, recorder.var_map, arrays)
        except _NotSimple:  # the variables met so far were met in the visitor's order too
            if arrays is not None:
                arrays.parts.clear()
        else:
            # the visitor drops terms that cancel or are zero; so does this
            if 0 in terms.values():
                terms = {k: c for k, c in terms.items() if c != 0}
            return _Repn(terms, constant, arrays.parts if arrays is not None else ())
    return visitor.walk_expression(expr.expression() if expr.__class__ is _Difference
                                   else expr)


_PLAIN_BOUNDS = frozenset({float, int, type(None)})


def _plain_bounds(bounds: list) -> np.ndarray | None:
    """Numbers or None (-> NaN) as an array; None for a NaN given as a bound, Pyomo's error to
    raise on the per-variable path."""
    nones = bounds.count(None)
    if nones == len(bounds):  # model.py's lower bounds: none of its own, the domain's 0
        return np.full(nones, np.nan)
    array = np.array(bounds, dtype=float)
    return array if int(np.isnan(array).sum()) == nones else None


def _column_bounds(columns: list, inf: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Lower and upper bound (+-inf for none) and integrality of each column's variable, and
    whether any of them is fixed (its bounds are then its value).

    What ``VarData.bounds`` gives per variable (the tighter of its own bounds and its domain's),
    computed for all columns at once when every bound is a plain number or None and no
    variable is fixed (model.py's case; a fifth of the hand-over at 100,000 offers otherwise);
    else variable by variable through Pyomo. The attributes are read in one pass over the
    variables: each pass over 100,000 of them costs 10-20 ms.
    """
    n = len(columns)
    lbs, ubs, domains, fixed = map(list, zip(*[(v._lb, v._ub, v._domain, v._fixed)
                                               for v in columns])) if n else ([], [], [], [])
    domain_ids = np.fromiter(map(id, domains), dtype=np.uint64, count=n)
    _, first, which = np.unique(domain_ids, return_index=True, return_inverse=True)
    table = []  # per distinct domain: (lower, upper, integer?), from one of its variables
    for var in map(columns.__getitem__, first.tolist()):
        d_lb, d_ub = var.domain.bounds()
        table.append((-inf if d_lb is None else d_lb, inf if d_ub is None else d_ub,
                      var.is_integer()))
    any_fixed = any(fixed)
    plain = (not any_fixed and set(map(type, lbs)) <= _PLAIN_BOUNDS
             and set(map(type, ubs)) <= _PLAIN_BOUNDS)
    if plain:
        lower, upper = _plain_bounds(lbs), _plain_bounds(ubs)
        plain = lower is not None and upper is not None
    integer = np.array([t[2] for t in table], dtype=bool)[which]
    if plain:
        d_lower = np.array([t[0] for t in table], dtype=float)[which]
        d_upper = np.array([t[1] for t in table], dtype=float)[which]
        lower = np.where(np.isnan(lower), d_lower, np.maximum(lower, d_lower))
        upper = np.where(np.isnan(upper), d_upper, np.minimum(upper, d_upper))
        return lower, upper, integer, any_fixed
    lower, upper = np.empty(n), np.empty(n)
    for j, var in enumerate(columns):
        if var.fixed:
            lower[j] = upper[j] = var.value
            continue
        lb, ub = var.bounds
        lower[j] = -inf if lb is None else lb
        upper[j] = inf if ub is None else ub
    return lower, upper, integer, any_fixed


class _Terms:
    """Terms held as arrays (the matrix of an :class:`ArrayRows`, the vector of an
    :class:`ArrayExpression`): ``column`` numbers entries of the list ``columns``."""

    __slots__ = ("columns", "column", "used", "column_of")

    def __init__(self, columns: list, column: np.ndarray, var_map: dict, known: dict) -> None:
        """Record the variables in ``var_map`` as the expression reader would, in order of
        first appearance (a zero coefficient too: the reader records a variable before
        dropping its term). ``known`` maps id(list of columns) to the HiGHS column of each of
        its variables already recorded (-1: not yet, or not known by position)."""
        self.columns, self.column = columns, column
        column_of = known.get(id(columns))
        if column_of is None:
            column_of = known[id(columns)] = np.full(len(columns), -1, dtype=np.int32)
        self.column_of = column_of
        self.used = None  # every entry's column known (the common case for a second array)
        if (column_of[column] >= 0).all():
            return
        self.used = pd.unique(column)  # in order of first appearance
        met = self.used[column_of[self.used] < 0]  # arrays sharing columns: each variable once
        new = list(map(columns.__getitem__, met.tolist()))
        ids = list(map(id, new))
        # variables first met in rows read one by one (a MIP's offer_capacity) keep their place
        fresh = ~np.fromiter(map(var_map.__contains__, ids), dtype=bool, count=len(ids))
        before = len(var_map)
        var_map.update(zip(ids, new))  # a known variable keeps its first place
        if len(var_map) - before == int(fresh.sum()):  # the fresh ones numbered as added
            column_of[met[fresh]] = np.arange(before, len(var_map), dtype=np.int32)

    def index(self, position: dict) -> np.ndarray:
        """HiGHS's column of each entry."""
        column_of = self.column_of
        unknown = () if self.used is None else \
            self.used[column_of[self.used] < 0]  # first met in rows read one by one
        if len(unknown):
            column_of[unknown] = np.fromiter(
                map(position.__getitem__, map(id, map(self.columns.__getitem__,
                                                      unknown.tolist()))),
                dtype=np.int32, count=len(unknown))
        return column_of[self.column]


class _Block:
    """A whole :class:`ArrayRows` in the hand-over: its rows straight from its arrays."""

    __slots__ = ("rows", "terms")

    def __init__(self, rows: ArrayRows, var_map: dict, known: dict) -> None:
        self.rows = rows
        self.terms = _Terms(rows.columns, rows.column, var_map, known)


class _ArrayTerms:
    """The :class:`ArrayExpression` parts of the objective, met by the reader in order."""

    __slots__ = ("known", "parts")

    def __init__(self, known: dict) -> None:
        self.known = known
        self.parts: list = []

    def add(self, expr: ArrayExpression, coef: float, var_map: dict) -> None:
        self.parts.append((expr, coef, _Terms(expr.columns, expr.column, var_map, self.known)))


class _Rows:
    """Consecutive rows read one at a time: their bounds and linear representations."""

    __slots__ = ("constraints", "bounded", "repns")

    def __init__(self, constraints: list, visitor, recorder: _FirstSeen, fast: bool) -> None:
        self.constraints = constraints
        # (lb, body, ub) once per row: each of con.lb, con.ub and con.body rebuilds the body
        self.bounded = list(map(_bounded, constraints))
        self.repns = [_walk(body, visitor, recorder, fast) for _, body, _ in self.bounded]


def _segments(constraints: list) -> list:
    """``constraints`` (active, in model order) as runs of rows read one at a time (lists)
    and whole :class:`ArrayRows` components."""
    segments: list = []
    run: list | None = None
    whole: dict[int, bool] = {}  # id(ArrayRows) -> whole(), asked once per component
    last = None
    for con in constraints:
        if con.__class__ is ArrayRowData:
            rows = con.parent_component()
            if rows is last:
                continue
            if id(rows) not in whole:
                whole[id(rows)] = rows.whole()
            if whole[id(rows)]:
                segments.append(rows)
                last, run = rows, None
                continue
        if run is None:
            run = []
            segments.append(run)
        run.append(con)
    return segments


def _read(segments: list, objective, fast: bool) -> tuple[_FirstSeen, list, object]:
    """Each segment read (:class:`_Block` or :class:`_Rows`), the objective's linear
    representation, and the recorder holding their variables in first-seen order."""
    recorder = _FirstSeen()
    visitor = LinearRepnVisitor({}, var_recorder=recorder)
    known: dict[int, np.ndarray] = {}
    parts = [_Block(segment, recorder.var_map, known) if segment.__class__ is ArrayRows
             else _Rows(segment, visitor, recorder, fast) for segment in segments]
    return recorder, parts, _walk(objective.expr, visitor, recorder, fast, _ArrayTerms(known))


def _matrix(parts: list, position: dict, inf: float) -> tuple[np.ndarray, ...]:
    """Row-wise matrix (start, index, value) and row bounds of the read segments."""
    counts, indices, values, lowers, uppers = [], [], [], [], []
    for part in parts:
        if part.__class__ is _Block:
            rows = part.rows
            # zero entries (a cap of 0) are passed on: passModel drops them, as the reader
            # drops zero terms
            counts.append(np.diff(rows.start))
            indices.append(part.terms.index(position))
            values.append(rows.value)
            lowers.append(np.where(np.isneginf(rows.lower), -inf, rows.lower))
            uppers.append(np.where(np.isposinf(rows.upper), inf, rows.upper))
            continue
        repns = part.repns
        count = np.fromiter(map(len, (r.linear for r in repns)), dtype=np.int64,
                            count=len(repns))
        total = int(count.sum())
        counts.append(count)
        indices.append(np.fromiter(
            map(position.__getitem__, chain.from_iterable(r.linear for r in repns)),
            dtype=np.int32, count=total))
        values.append(np.fromiter(chain.from_iterable(r.linear.values() for r in repns),
                                  dtype=float, count=total))
        lower, upper = np.empty(len(repns)), np.empty(len(repns))
        for i, ((lb, _, ub), repn) in enumerate(zip(part.bounded, repns)):
            lower[i] = -inf if lb is None else lb - repn.constant
            upper[i] = inf if ub is None else ub - repn.constant
        lowers.append(lower)
        uppers.append(upper)
    count = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    start = np.zeros(len(count) + 1, dtype=np.int32)
    np.cumsum(count, out=start[1:])

    def joined(arrays: list, dtype) -> np.ndarray:
        return np.concatenate(arrays).astype(dtype, copy=False) if arrays else \
            np.zeros(0, dtype=dtype)

    return (start, joined(indices, np.int32), joined(values, float), joined(lowers, float),
            joined(uppers, float))


def _cost(repn, position: dict, n_col: int) -> np.ndarray | None:
    """The cost of each column from the objective's representation; None when a column has
    terms in more than one place (in its terms and its ArrayExpressions), whose sum would
    depend on the order of adding them up."""
    cost = np.zeros(n_col)
    at = np.fromiter(map(position.__getitem__, repn.linear), dtype=np.int64,
                     count=len(repn.linear))
    arrays = getattr(repn, "arrays", ())  # Pyomo's visitor keeps none
    if arrays:
        array_at = [terms.index(position) for _, _, terms in arrays]
        if np.bincount(np.concatenate([at, *array_at]), minlength=n_col).max(initial=0) > 1:
            return None
        for (expr, coef, _), where in zip(arrays, array_at):
            value = expr.value if coef == 1.0 else coef * expr.value
            cost[where] = np.where(value == 0, 0.0, value)  # as a dropped term: 0, not -0
    cost[at] = np.fromiter(repn.linear.values(), dtype=float, count=len(repn.linear))
    return cost


@dataclass(frozen=True)
class LpArrays:
    """The LP (or MIP) handed to HiGHS, as the arrays given to ``passModel``: ``start``,
    ``index`` and ``value`` the constraint matrix row by row; ``integer`` marks the integer
    columns (None: none). Also what :mod:`optimizer.highs_c` writes the model file from."""

    sense_minimize: bool
    offset: float
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    integer: np.ndarray | None

    @property
    def num_col(self) -> int:
        return len(self.cost)

    @property
    def num_row(self) -> int:
        return len(self.row_lower)


class HandOver(NamedTuple):
    """A model as handed to HiGHS: ``columns[j]`` the Pyomo variable of column j, ``rows[i]``
    the Pyomo constraint of row i, ``lp`` the arrays passed, ``column_of`` each column's
    position by ``id`` of its variable."""

    highs: object  # the highspy.Highs holding the model
    columns: list
    rows: list
    lp: LpArrays
    column_of: dict[int, int]


def to_highs(model: pyo.ConcreteModel):
    """The model's active constraints and its one active objective in a new ``highspy.Highs``.

    Returns ``(highs, columns, rows)``, ``columns[j]`` being the Pyomo variable of column j and
    ``rows[i]`` the Pyomo constraint of row i. Raises ValueError for a nonlinear constraint or
    objective. A whole :class:`optimizer.arrays.ArrayRows` is passed on from its arrays.
    """
    return hand_over(model)[:3]


def hand_over(model: pyo.ConcreteModel) -> HandOver:
    """:func:`to_highs`, also returning the arrays handed over (:class:`HandOver`)."""
    import highspy

    inf = highspy.kHighsInf
    constraints = list(model.component_data_objects(pyo.Constraint, active=True,
                                                    descend_into=True))
    objectives = list(model.component_data_objects(pyo.Objective, active=True,
                                                   descend_into=True))
    if len(objectives) != 1:
        raise ValueError(f"expected one active objective, found {len(objectives)}")
    objective = objectives[0]
    recorder, parts, cost_repn = _read(_segments(constraints), objective, fast=True)
    columns = list(recorder.var_map.values())
    col_lower, col_upper, integer, any_fixed = _column_bounds(columns, inf)
    if any_fixed:
        # the fast reader keeps a fixed variable as a column; the visitor makes it a
        # constant, row by row (arrays included: their rows are built as expressions)
        recorder, parts, cost_repn = _read([constraints], objective, fast=False)
        columns = list(recorder.var_map.values())
        col_lower, col_upper, integer, _ = _column_bounds(columns, inf)
    named = [(objective.name, cost_repn)]
    for part in parts:
        if part.__class__ is _Rows:
            named += [(c.name, r) for c, r in zip(part.constraints, part.repns)
                      if r.nonlinear is not None]
    for what, repn in named:
        if repn.nonlinear is not None:
            raise ValueError(f"{what} is not linear")

    position = dict(zip(recorder.var_map, range(len(columns))))
    n_col = len(columns)
    start, index, value, row_lower, row_upper = _matrix(parts, position, inf)
    n_row = len(row_lower)
    cost = _cost(cost_repn, position, n_col)
    if cost is None:  # a column with terms in several places: add them up in reading order
        visitor = LinearRepnVisitor({}, var_recorder=recorder)
        cost = _cost(_walk(objective.expr, visitor, recorder, True), position, n_col)

    arrays = LpArrays(objective.sense == pyo.minimize, float(cost_repn.constant), cost,
                      col_lower, col_upper, row_lower, row_upper, start, index, value,
                      integer if integer.any() else None)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lower, col_upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    lp.offset_ = arrays.offset
    lp.sense_ = highspy.ObjSense.kMinimize if arrays.sense_minimize \
        else highspy.ObjSense.kMaximize
    matrix = lp.a_matrix_
    matrix.format_ = highspy.MatrixFormat.kRowwise
    matrix.num_col_, matrix.num_row_ = n_col, n_row
    matrix.start_, matrix.index_, matrix.value_ = start, index, value
    lp.a_matrix_ = matrix
    if arrays.integer is not None:
        lp.integrality_ = [highspy.HighsVarType.kInteger if k else
                           highspy.HighsVarType.kContinuous for k in integer]
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.passModel(lp)
    return HandOver(highs, columns, constraints, arrays, position)


#: HiGHS's ``presolve`` option for a model without integer columns. HiGHS's presolve took most
#: of the run on this formulation's LPs and saved the simplex little: the generated instances
#: (bench/generate.py) ran 0.59-0.91 -> 0.10 s at XL (two seeds), 0.13 -> 0.02 s at L (three),
#: 0.013 -> 0.002 s at M, the example's LP 0.027 -> 0.011 s, the same optima; the network
#: benchmark's LPs (bench/bench_network.py) the same either way. A MIP keeps HiGHS's default,
#: which its branch and bound needs. Set to "choose" (HiGHS's default) to presolve LPs too.
LP_PRESOLVE = "off"


class Beside:
    """``work()`` run in a thread for the time of a ``with`` block that runs HiGHS.

    highspy releases Python's interpreter lock while HiGHS solves (a Python loop beside the XL
    benchmark's 0.6 s run kept its full speed), so ``work`` costs the solve nothing while it is
    shorter than HiGHS's run. Leaving the block waits for ``work``; :meth:`check` then raises
    what it raised, in the caller's thread (apart from the solver's own errors). ``work``
    must not run HiGHS: runs in two threads at once share HiGHS's global scheduler, which is
    not safe (ERGO-Code/HiGHS issues 810 and 3141). ``handed`` is the :class:`HandOver` of
    the model being solved, set before ``work`` starts, for work that reads it.
    """

    def __init__(self, work: Callable[[], object]) -> None:
        self.work = work
        self.handed: HandOver | None = None
        self.raised: BaseException | None = None
        self.waited = 0.0  # seconds the block's end waited for ``work`` (HiGHS was done)
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        try:
            self.work()
        except BaseException as exc:  # raised again by check(), in the caller's thread
            self.raised = exc

    def __enter__(self) -> "Beside":
        self._thread = threading.Thread(target=self._run, name="sourcing-beside-highs",
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        if self._thread is not None:
            started = time.perf_counter()
            self._thread.join()
            self.waited = time.perf_counter() - started

    def check(self) -> None:
        """Raise what ``work`` raised, if anything."""
        if self.raised is not None:
            raise self.raised


def solve_direct(model: pyo.ConcreteModel, time_limit: float | None = None,
                 rel_gap: float | None = None, threads: int | None = None,
                 beside_run: Beside | None = None, **_ignored) -> DirectResult:
    """Hand ``model`` to HiGHS with :func:`to_highs`, solve it, report as Pyomo would.

    ``time_limit`` in seconds, ``rel_gap`` the relative MIP gap; ``beside_run`` runs its work
    while HiGHS runs (see :class:`Beside`). Other keyword arguments
    (``load_solutions``, ...) are accepted and ignored: values are loaded by ``load_vars()``.
    """
    import highspy

    handed = hand_over(model)
    highs, columns, rows = handed[:3]
    if threads is not None:
        highs.setOptionValue("threads", int(threads))
    if time_limit is not None:
        highs.setOptionValue("time_limit", float(time_limit))
    if rel_gap is not None:
        highs.setOptionValue("mip_rel_gap", float(rel_gap))
    if handed.lp.integer is None:
        highs.setOptionValue("presolve", LP_PRESOLVE)
    if beside_run is not None:
        beside_run.handed = handed
    # started after the hand-over, which needs the interpreter lock itself
    with beside_run if beside_run is not None else contextlib.nullcontext():
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
