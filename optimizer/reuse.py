"""Re-solving a built model when only numbers change, instead of building it again.

A sweep over caps, demands, prices or budgets solves many instances that differ only in
numbers. :class:`ModelCache` keeps the models it built, each with its persistent HiGHS
(``Highs(treat_fixed_vars_as_params=False)``). For new data it finds a kept model whose
structure is the same (every index set of :class:`optimizer.model.Index` equal: the same
offers, projects, binaries and capped pairs) and whose data differs only in numbers it knows
how to update, and then re-runs only the affected rule families of :mod:`optimizer.model` on
the existing model:

=====================================================  ==========================
changed numbers                                        re-run
=====================================================  ==========================
Minerals.demand, Demand.demand                         ``define_demand``
caps (the setting, Minerals.max_country_share,          ``define_country_cap``
CountryCaps)
Offers/Projects unit_cost and fixed_cost, shortfall    ``define_cost``
penalties, amortization_years
Projects.capex                                         ``define_budget``, ``define_cost``
Budgets.amount                                         ``define_budget``
=====================================================  ==========================

Each re-run replaces that family's Pyomo components (the variables stay); the persistent solver
sees the removed and added rows and the new objective and updates HiGHS in place. Anything else
(a capacity, a removed supplier, a new binary, a table this module does not know) builds a new
model. Every plan, reused or not, is re-checked by :func:`optimizer.checks.check_plan` against
the changed data inside :func:`optimizer.solve`; should a re-used model ever fail that check,
the scenario is solved again on a freshly built model.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field, fields

import pandas as pd

from .data import SourcingData
from .errors import CheckError

# (SourcingData table, column) -> rule families to re-run when only its numbers change.
_TABLE_FAMILIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("minerals", "demand"): ("define_demand",),
    ("minerals", "max_country_share"): ("define_country_cap",),
    ("minerals", "shortfall_penalty"): ("define_cost",),
    ("demand", "demand"): ("define_demand",),
    ("offers", "unit_cost"): ("define_cost",),
    ("offers", "quote_unit_cost"): ("define_cost",),
    ("offers", "fixed_cost"): ("define_cost",),
    ("projects", "unit_cost"): ("define_cost",),
    ("projects", "quote_unit_cost"): ("define_cost",),
    ("projects", "fixed_cost"): ("define_cost",),
    ("projects", "capex"): ("define_budget", "define_cost"),
    ("budgets", "amount"): ("define_budget",),
}
# Tables whose every change is a change of caps.
_CAP_TABLES = ("country_caps",)
_SETTING_FAMILIES: dict[str, tuple[str, ...]] = {
    "max_country_share": ("define_country_cap",),
    "amortization_years": ("define_cost",),
    "shortfall_penalty": ("define_cost",),
    "time_limit_s": (), "mip_gap": (), "quantity_unit": (),
}
# Index fields that hold numbers, and the family that reads them.
_INDEX_NUMBERS: dict[str, str] = {"cap": "define_country_cap", "demand": "define_demand"}
_ORDER = ("define_demand", "define_country_cap", "define_budget", "define_cost")


class _CannotReuse(Exception):
    pass


def _same_values(a: pd.Series, b: pd.Series) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a.tolist(), b.tolist()):
        if x is y or x == y:
            continue
        try:
            if pd.isna(x) and pd.isna(y):
                continue
        except (TypeError, ValueError):
            pass
        return False
    return True


def families_to_update(old: SourcingData, new: SourcingData) -> set[str] | None:
    """The rule families to re-run so that a model of ``old`` becomes one of ``new``, or None
    when the data differ in more than the numbers this module can update."""
    out: set[str] = set()
    for f in fields(old):
        a, b = getattr(old, f.name), getattr(new, f.name)
        if f.name in ("source", "warnings") or f.name.endswith("_rows"):
            continue  # where things came from (like excel_row), not what they are
        if f.name == "settings":
            for s in fields(a):
                if getattr(a, s.name) != getattr(b, s.name):
                    families = _SETTING_FAMILIES.get(s.name)
                    if families is None:
                        return None
                    out.update(families)
            continue
        if not isinstance(a, pd.DataFrame) or not isinstance(b, pd.DataFrame):
            if a != b:
                return None
            continue
        if a is b:
            continue
        columns = [c for c in a.columns if c != "excel_row"]
        if columns != [c for c in b.columns if c != "excel_row"]:
            return None
        if f.name in _CAP_TABLES:
            if len(a) != len(b) or not all(_same_values(a[c], b[c]) for c in columns):
                out.add("define_country_cap")
            continue
        if not a.index.equals(b.index):
            return None
        for column in columns:
            if _same_values(a[column], b[column]):
                continue
            families = _TABLE_FAMILIES.get((f.name, column))
            if families is None:
                return None
            out.update(families)
    return out


def _same_structure(a, b) -> set[str] | None:
    """Families whose numbers differ between two Index objects, or None if the sets differ."""
    extra: set[str] = set()
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name in _INDEX_NUMBERS:
            if x != y:
                extra.add(_INDEX_NUMBERS[f.name])
        elif x != y:
            return None
    return extra


class _Replacing:
    """Stands in for the model while a ``define_*`` function runs again: every component it
    creates replaces the one of the same name; everything else reads through."""

    def __init__(self, model) -> None:
        object.__setattr__(self, "_model", model)

    def __getattr__(self, name: str):
        return getattr(self._model, name)

    def __setattr__(self, name: str, value) -> None:
        model = self._model
        if model.component(name) is not None:
            model.del_component(name)
        model.add_component(name, value)


def _rerun(model, family: str, data: SourcingData, ix) -> None:
    from . import model as formulation

    func = getattr(formulation, family, None)
    if func is None:
        raise _CannotReuse(f"optimizer.model has no {family}")
    given = {"m": _Replacing(model), "data": data, "ix": ix}
    names = list(inspect.signature(func).parameters)
    if any(n not in given for n in names):
        raise _CannotReuse(f"{family} takes ({', '.join(names)})")
    func(*[given[n] for n in names])


@dataclass(eq=False)  # compared by identity: one kept model each
class _Entry:
    data: SourcingData
    model: object
    solver: object


@dataclass
class CacheStats:
    """How the solves went: ``built`` new models, ``reused`` updated ones, ``fallbacks``
    reused models that failed the check and were solved again from scratch."""

    built: int = 0
    reused: int = 0
    fallbacks: int = 0


@dataclass
class ModelCache:
    """Built models kept for re-solving (at most ``size``, the most recently used first).

    ``reuse=False`` builds every model anew (the plain :func:`optimizer.solve` path).
    """

    size: int = 2
    reuse: bool = True
    stats: CacheStats = field(default_factory=CacheStats)
    _entries: list[_Entry] = field(default_factory=list)

    def solve(self, data: SourcingData, time_limit: float | None = None,
              mip_gap: float | None = None, threads: int | None = None):
        """Solve ``data`` like :func:`optimizer.solve`, on an updated kept model when possible.

        Returns ``(SolveResult, reused)``.
        """
        from .solving import solve

        options = dict(time_limit=time_limit, mip_gap=mip_gap, threads=threads,
                       **_quiet_options())
        if self.reuse:
            for entry in list(self._entries):
                if not self._update(entry, data):
                    continue
                try:
                    result = solve(data, model=entry.model, solver=entry.solver, **options)
                except CheckError:
                    self._entries.remove(entry)
                    self.stats.fallbacks += 1
                    break
                except Exception:
                    self._entries.remove(entry)
                    raise
                entry.data = data
                self._entries.remove(entry)
                self._entries.insert(0, entry)
                self.stats.reused += 1
                return result, True
        from pyomo.contrib.solver.solvers.highs import Highs

        from .model import build_model

        model = build_model(data)
        solver = Highs(treat_fixed_vars_as_params=False)
        result = solve(data, model=model, solver=solver, **options)
        self.stats.built += 1
        if self.reuse and self.size > 0:
            self._entries.insert(0, _Entry(data, model, solver))
            del self._entries[self.size:]
        return result, False

    def _update(self, entry: _Entry, data: SourcingData) -> bool:
        """Make ``entry.model`` a model of ``data`` in place; False (untouched) if it cannot."""
        from .model import Index

        families = families_to_update(entry.data, data)
        if families is None:
            return False
        ix = Index.from_data(data)
        extra = _same_structure(entry.model.ix, ix)
        if extra is None:
            return False
        families |= extra
        try:
            for family in _ORDER:
                if family in families:
                    _rerun(entry.model, family, data, ix)
        except Exception:  # noqa: BLE001 - a half-updated model is never used again
            self._entries.remove(entry)
            return False
        entry.model.ix = ix
        return True


def _quiet_options() -> dict[str, object]:
    """Switch off the extra explanatory solves of :func:`optimizer.solve` where it has them:
    a study compares costs, and those solves would change the kept model."""
    from .solving import solve

    params = inspect.signature(solve).parameters
    return {name: False for name in ("diagnose", "marginals", "cost_without_caps")
            if name in params}


__all__ = ["ModelCache", "CacheStats", "families_to_update"]
