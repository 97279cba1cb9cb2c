"""models/formulation.md and optimizer/model.py name the same things."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pyomo.environ as pyo

from optimizer import model as model_module
from optimizer.model import build_model

from .conftest import data

DOC = (Path(__file__).parent.parent / "models" / "formulation.md").read_text()


def full_model():
    """An instance that creates every component (binaries, projects, budgets, caps, shortfall)."""
    return build_model(data(
        minerals=[{"mineral": "gallium", "demand": 100}],
        suppliers=[{"supplier": "A", "country": "China"}, {"supplier": "B", "country": "Japan"}],
        offers=[{"supplier": "A", "mineral": "gallium", "unit_cost": 1, "capacity": 90,
                 "min_order": 5, "fixed_cost": 2},
                {"supplier": "B", "mineral": "gallium", "unit_cost": 2, "capacity": 90}],
        projects=[{"project": "P", "mineral": "gallium", "country": "USA", "capacity": 5,
                   "unit_cost": 1, "capex": 10}],
        budgets=[{"budget": "X", "amount": 100}],
        settings={"max_country_share": 0.6, "allow_shortfall": True, "shortfall_penalty": 9},
    ))


def test_every_pyomo_component_is_documented():
    m = full_model()
    names = [c.local_name for c in m.component_objects(
        (pyo.Set, pyo.Var, pyo.Constraint, pyo.Objective, pyo.Expression), descend_into=True)]
    names = [n for n in names if not n.endswith("_index")]  # Pyomo's implicit index sets
    missing = [n for n in names if f"`{n}" not in DOC]
    assert not missing, f"components not in models/formulation.md: {missing}"


def test_every_define_function_is_documented():
    defines = [n for n, _ in inspect.getmembers(model_module, inspect.isfunction)
               if n.startswith("define_")]
    assert defines, "model.py has no define_* functions"
    missing = [n for n in defines if f"`{n}`" not in DOC]
    assert not missing, f"define_* functions not in models/formulation.md: {missing}"


def test_every_documented_name_exists_in_the_code():
    m = full_model()
    documented = set(re.findall(r"`([A-Za-z_]+)(?:\[[^`]*\])?`", DOC))
    components = {c.local_name for c in m.component_objects(descend_into=True)}
    functions = {n for n, _ in inspect.getmembers(model_module, inspect.isfunction)}
    sets = {n for n in documented if n.isupper()}
    defines = {n for n in documented if n.startswith("define_")}
    assert sets <= components, sets - components
    assert defines <= functions, defines - functions
