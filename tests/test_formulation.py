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


def cvar_model():
    """An instance under the cvar objective, so the disruption components exist."""
    return build_model(data(
        minerals=[{"mineral": "gallium", "demand": 100, "shortfall_penalty": 50,
                   "n1_coverage": 0.5, "min_suppliers": 1, "min_countries": 1,
                   "max_supplier_share": 0.9}],
        suppliers=[{"supplier": "A", "country": "China"}, {"supplier": "B", "country": "Japan"}],
        offers=[{"supplier": "A", "mineral": "gallium", "unit_cost": 1, "capacity": 90,
                 "min_order": 5},
                {"supplier": "B", "mineral": "gallium", "unit_cost": 2, "capacity": 90}],
        countries=[{"country": "Japan", "groups": "allied"}],
        group_rules=[{"group": "allied", "min_share": 0.1, "max_share": 0.9}],
        disruptions=[{"scenario": "ban", "probability": 0.1, "country": "China",
                      "capacity_factor": 0}],
        settings={"objective": "cvar"},
    ))


def test_every_pyomo_component_is_documented():
    components = list(full_model().component_objects(
        (pyo.Set, pyo.Var, pyo.Constraint, pyo.Objective, pyo.Expression), descend_into=True))
    components += list(cvar_model().component_objects(
        (pyo.Set, pyo.Var, pyo.Constraint, pyo.Objective, pyo.Expression), descend_into=True))
    names = [c.local_name for c in components]
    names = [n for n in names if not n.endswith("_index")]  # Pyomo's implicit index sets
    missing = sorted({n for n in names if f"`{n}" not in DOC})
    assert not missing, f"components not in models/formulation.md: {missing}"


def test_every_define_function_is_documented():
    defines = [n for n, _ in inspect.getmembers(model_module, inspect.isfunction)
               if n.startswith("define_")]
    assert defines, "model.py has no define_* functions"
    missing = [n for n in defines if f"`{n}`" not in DOC]
    assert not missing, f"define_* functions not in models/formulation.md: {missing}"


def test_every_documented_name_exists_in_the_code():
    documented = set(re.findall(r"`([A-Za-z_]+)(?:\[[^`]*\])?`", DOC))
    components = {c.local_name for m in (full_model(), cvar_model())
                  for c in m.component_objects(descend_into=True)}
    components |= {n for n in vars(model_module) if n.isupper()}  # module constants
    functions = {n for n, _ in inspect.getmembers(model_module, inspect.isfunction)}
    sets = {n for n in documented if n.isupper()}
    defines = {n for n in documented if n.startswith("define_")}
    assert sets <= components, sets - components
    assert defines <= functions, defines - functions
