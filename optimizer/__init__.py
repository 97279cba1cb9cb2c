"""Plan resilient sourcing portfolios for critical minerals.

Read a workbook, solve, write the plan::

    from optimizer import read_workbook, solve, write_results
    data = read_workbook("inputs/critical_minerals.xlsx")
    result = solve(data)
    print(result.status, result.total_cost)
    write_results(result, "outputs/plan.xlsx")

or build the data from pandas DataFrames with :meth:`SourcingData.from_frames`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# Names are imported on first use (PEP 562): the ``sourcing`` command starts reading the
# workbook before pandas, Pyomo and HiGHS are imported (optimizer/prefetch.py), and
# ``import optimizer`` alone should not cost half a second.
_EXPORTS = {
    "data": ["Settings", "SourcingData"],
    "diagnose": ["Diagnosis", "explain"],
    "errors": ["CheckError", "InputError", "OutputError", "Problem", "SolverError",
               "SourcingError", "WorkbookFileError"],
    "reader": ["read_plan", "read_workbook"],
    "scenarios": ["Change", "Scenario", "apply_changes", "read_study"],
    "solving": ["SolveResult", "solve"],
    "resilience": ["StressResult", "stress"],
    "study": ["Study", "compare", "run_study", "run_sweep", "sweep"],
    "study_writer": ["write_comparison"],
    "report": ["write_report"],
    "writer": ["write_results", "write_stress"],
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

if TYPE_CHECKING:  # what type checkers and IDEs see
    from .data import Settings, SourcingData
    from .diagnose import Diagnosis, explain
    from .errors import (CheckError, InputError, OutputError, Problem, SolverError,
                         SourcingError, WorkbookFileError)
    from .reader import read_plan, read_workbook
    from .report import write_report
    from .resilience import StressResult, stress
    from .scenarios import Change, Scenario, apply_changes, read_study
    from .solving import SolveResult, solve
    from .study import Study, compare, run_study, run_sweep, sweep
    from .study_writer import write_comparison
    from .writer import write_results, write_stress


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'optimizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # next time a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULE_OF))


__version__ = "0.1.0"

__all__ = [
    "read_workbook", "solve", "write_results", "SourcingData", "Settings", "SolveResult",
    "Problem", "SourcingError", "InputError", "WorkbookFileError", "OutputError", "SolverError",
    "CheckError", "__version__",
    # explaining a result: why there is no plan; the HTML report
    "explain", "Diagnosis", "write_report",
    # what-if studies
    "Change", "Scenario", "apply_changes", "read_study", "compare", "sweep", "run_study",
    "run_sweep", "Study", "write_comparison",
    # resilience: a fixed plan under disruptions
    "stress", "StressResult", "read_plan", "write_stress",
]
