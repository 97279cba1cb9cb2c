"""Pyomo components held as arrays: rows as a sparse matrix, a linear expression as a vector.

The longest parts of :mod:`optimizer.model` hold a term or a row per offer: the rows
``total_supply``, ``country_cap``, ``offer_capacity`` and ``min_order`` and the expression
``purchase_cost``. As Pyomo expressions they cost a Python object per term to build and a dict
entry per term to read back at the hand-over; held as arrays over a list of variables they are
NumPy work, and :func:`optimizer.highs_direct.to_highs` passes them on whole.

They stay ordinary Pyomo components to everything else. Each row of an :class:`ArrayRows` is a
``ConstraintData`` under the family's own index (``country_cap[mineral, country]``), and an
:class:`ArrayExpression` is a named ``Expression``. Whatever reads them as expressions (duals,
the diagnosis, Pyomo's persistent solver, ``value()``, ``pprint``) gets one, built from the
arrays the first time it is asked for and kept. Setting a row's or the expression's value
detaches it from the arrays. Both read and write Pyomo's own storage attribute of the
expression (``_expr``, ``_args_``) through a property, which ties them to the Pyomo version
pinned in setup.cfg; tests/test_arrays.py checks what each reader sees.
"""

from __future__ import annotations

from itertools import repeat
from weakref import ref as weakref_ref

import numpy as np
import pyomo.core as pyo
from pyomo.core.base.constraint import ConstraintData, IndexedConstraint
from pyomo.core.base.expression import ScalarExpression
from pyomo.core.expr.numeric_expr import LinearExpression


class ArrayRowData(ConstraintData):
    """One row of an :class:`ArrayRows`: row ``_row`` of its matrix until its expression is
    set; the expression is built on first use."""

    __slots__ = ("_row", "_built")

    def __init__(self, component: "ArrayRows", index, row: int) -> None:
        # ConstraintData.__init__ would set the expression; the slots are filled here instead
        self._component = weakref_ref(component)
        self._index = index
        self._active = True
        self._row = row
        self._built = None

    def _get_expr(self):
        if self._built is None and self._row is not None:
            self._built = self.parent_component().row_expression(self._row)
        return self._built

    def _set_expr(self, expr) -> None:
        self._built = expr
        self._row = None  # the row is now its expression, not the arrays

    # every ConstraintData method reads and writes the expression through ``_expr``
    _expr = property(_get_expr, _set_expr)

    @property
    def from_arrays(self) -> bool:
        """True while the row is its row of the component's matrix."""
        return self._row is not None


class ArrayRows(IndexedConstraint):
    """An indexed constraint ``lower[i] <= sum_k value[k] * columns[column[k]] <= upper[i]``,
    row ``i`` being the ``i``-th key of ``index_set`` and ``k`` in ``start[i]:start[i+1]``.

    ``columns`` is a list of Pyomo variables (several components may share one); ``lower`` and
    ``upper`` use -inf/inf for no bound. A column appears at most once per row. Terms keep the
    order given: :func:`optimizer.highs_direct.to_highs` numbers HiGHS's columns by first
    appearance, as it does for expressions.
    """

    def __init__(self, index_set, columns: list, start, column, value, lower, upper,
                 **kwargs) -> None:
        super().__init__(index_set, **kwargs)
        self.columns = columns
        self.start = np.asarray(start, dtype=np.int64)
        self.column = np.asarray(column, dtype=np.int64)
        self.value = np.asarray(value, dtype=float)
        n = len(self.start) - 1
        self.lower = np.broadcast_to(np.asarray(lower, dtype=float), (n,)).copy()
        self.upper = np.broadcast_to(np.asarray(upper, dtype=float), (n,)).copy()
        if self.start[0] != 0 or self.start[-1] != len(self.column) or \
                len(self.value) != len(self.column) or np.any(np.diff(self.start) < 0):
            raise ValueError("start, column and value are not a CSR matrix")
        if len(self.column) and (self.column.min() < 0 or self.column.max() >= len(columns)):
            raise ValueError("a column number is outside the list of columns")
        if np.any(np.isneginf(self.lower) & np.isposinf(self.upper)):
            raise ValueError("a row has neither a lower nor an upper bound")

    @property
    def n_rows(self) -> int:
        return len(self.lower)

    def construct(self, data=None) -> None:
        if self._constructed:
            return
        self._constructed = True
        if self._anonymous_sets is not None:  # an index set made on the spot
            for index_set in self._anonymous_sets:
                index_set.construct()
        keys = list(self.index_set())
        if len(keys) != self.n_rows:
            raise ValueError(f"{self.name}: {len(keys)} keys for {self.n_rows} rows")
        self._data.update(zip(keys, map(ArrayRowData, repeat(self), keys, range(len(keys)))))

    def whole(self) -> bool:
        """True when every row is active and still its row of the matrix: then the arrays are
        the rows, in key order."""
        rows = self._data
        return len(rows) == self.n_rows and all(  # (a row deleted and added again is not ours)
            r.__class__ is ArrayRowData and r._active and r._row is not None
            for r in rows.values())

    def row_expression(self, i: int):
        """Row ``i`` as a Pyomo relational expression."""
        a, b = int(self.start[i]), int(self.start[i + 1])
        columns = self.columns
        body = LinearExpression(linear_coefs=self.value[a:b].tolist(),
                                linear_vars=[columns[j] for j in self.column[a:b].tolist()])
        lower, upper = float(self.lower[i]), float(self.upper[i])
        if lower == upper:
            return body == lower
        if np.isneginf(lower):
            return body <= upper
        if np.isposinf(upper):
            return body >= lower
        return pyo.inequality(lower, body, upper)


class ArrayExpression(ScalarExpression):
    """A named expression ``sum_k value[k] * columns[column[k]]`` (a ``LinearExpression`` once
    built, terms in the order given). ``columns`` is a list of Pyomo variables."""

    def __init__(self, columns: list, column, value, **kwargs) -> None:
        self._given = (None,)
        # None until constructed, then "arrays" (not built yet), "built" (built from the
        # arrays) or "set" (its value was set since: the arrays no longer say what it is)
        self._state: str | None = None
        super().__init__(**kwargs)
        self.columns = columns
        self.column = np.asarray(column, dtype=np.int64)
        self.value = np.asarray(value, dtype=float)
        self._variables: list | None = None
        if len(self.column) != len(self.value):
            raise ValueError("column and value differ in length")
        if len(self.column) and (self.column.min() < 0 or self.column.max() >= len(columns)):
            raise ValueError("a column number is outside the list of columns")

    def construct(self, data=None) -> None:
        if self._constructed:
            return
        super().construct(data)  # sets the expression to None: there is no rule
        self._state = "arrays"

    @property
    def from_arrays(self) -> bool:
        """True while the arrays are the expression."""
        return self._state in ("arrays", "built")

    def variables(self) -> list:
        """The variable of each term, in term order (made once)."""
        if self._variables is None:
            columns = self.columns
            self._variables = list(map(columns.__getitem__, self.column.tolist()))
        return self._variables

    def _get_args(self) -> tuple:
        if self._state == "arrays":
            self._given = (LinearExpression(linear_coefs=self.value.tolist(),
                                            linear_vars=self.variables()),)
            self._state = "built"
        return self._given

    def _set_args(self, args: tuple) -> None:
        self._given = args
        if self._state is not None:
            self._state = "set"

    # NamedExpressionData reads and writes its expression as ``_args_ = (expr,)``
    _args_ = property(_get_args, _set_args)


__all__ = ["ArrayRows", "ArrayRowData", "ArrayExpression"]
