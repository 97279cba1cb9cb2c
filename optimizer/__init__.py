"""Plan resilient sourcing portfolios for critical minerals.

Read a workbook, solve, write the plan::

    from optimizer import read_workbook, solve, write_results
    data = read_workbook("inputs/critical_minerals.xlsx")
    result = solve(data)
    print(result.status, result.total_cost)
    write_results(result, "outputs/plan.xlsx")

or build the data from pandas DataFrames with :meth:`SourcingData.from_frames`.
"""

from .data import Settings, SourcingData
from .diagnose import Diagnosis, explain
from .errors import (CheckError, InputError, OutputError, Problem, SolverError, SourcingError,
                     WorkbookFileError)
from .reader import read_plan, read_workbook
from .scenarios import Change, Scenario, apply_changes, read_study
from .solve import SolveResult, solve
from .stress import StressResult, stress
from .study import Study, compare, run_study, run_sweep, sweep
from .study_writer import write_comparison
from .report import write_report
from .writer import write_results, write_stress

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
