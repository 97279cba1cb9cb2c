"""The Python API: DataFrames in, typed result out, same answer as the workbook path."""

from __future__ import annotations

import pandas as pd
import pytest

import optimizer
from optimizer import InputError, SourcingData, read_workbook, solve


def test_public_api_is_importable():
    for name in ("read_workbook", "solve", "write_results", "SourcingData", "SolveResult",
                 "InputError"):
        assert hasattr(optimizer, name)


def test_every_exported_name_is_there_and_unknown_names_are_not():
    assert set(optimizer.__all__) <= set(dir(optimizer))
    for name in optimizer.__all__:
        assert getattr(optimizer, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'solver'"):
        optimizer.solver  # noqa: B018


def test_solve_and_stress_stay_functions_after_every_module_is_imported():
    """Names are loaded on first use; a submodule must never shadow a function of the API."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(optimizer.__path__):
        if module.name != "__main__":
            importlib.import_module(f"optimizer.{module.name}")
    assert callable(optimizer.solve) and callable(optimizer.stress)
    assert optimizer.solve.__module__ == "optimizer.solving"


def test_importing_the_command_line_does_not_import_pandas_or_pyomo():
    """``sourcing solve`` reads the workbook while these load (optimizer/prefetch.py)."""
    import subprocess
    import sys

    code = ("import sys, optimizer.cli; "
            "print(sorted(m for m in ('pandas', 'pyomo', 'highspy', 'openpyxl') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_build_from_dataframes_and_solve():
    d = SourcingData.from_frames(
        minerals=pd.DataFrame({"mineral": ["gallium"], "demand": [100.0]}),
        suppliers=pd.DataFrame({"supplier": ["CN-A", "JP-B"], "country": ["China", "Japan"]}),
        offers=pd.DataFrame({"supplier": ["CN-A", "JP-B"], "mineral": ["gallium"] * 2,
                             "unit_cost": [10, 15], "capacity": [200, 80]}),
        settings={"max_country_share": "60%"},
    )
    r = solve(d)
    assert (r.status, r.total_cost) == ("optimal", pytest.approx(1200))
    assert r.summary()["total_cost"] == r.total_cost
    assert list(r.allocations.columns)[:7] == ["supplier", "country", "mineral", "quantity",
                                               "unit_cost", "cost", "share"]


def test_dataframe_problems_are_located_like_sheet_rows():
    """Row 2 is the first data row, as if the frame were a sheet with its header on row 1."""
    with pytest.raises(InputError) as info:
        SourcingData.from_frames(
            minerals=pd.DataFrame({"mineral": ["gallium"], "demand": [100]}),
            suppliers=pd.DataFrame({"supplier": ["A"], "country": ["China"]}),
            offers=pd.DataFrame({"supplier": ["A", "A"], "mineral": ["gallium", "cobalt"],
                                 "unit_cost": [1, None], "capacity": [-3, 5]}),
        )
    assert [str(p) for p in info.value.errors] == [
        "Offers!D2 (capacity): -3 is negative; expected a number >= 0",
        "Offers!C3 (unit_cost): is blank; expected a number >= 0",
    ]


def test_dataframes_and_workbook_give_the_same_plan(tiny_workbook):
    from_file = solve(read_workbook(tiny_workbook))
    frames = {name: pd.read_excel(tiny_workbook, sheet_name=name, engine="openpyxl")
              for name in ("Minerals", "Suppliers", "Offers", "Settings")}
    from_frames = solve(SourcingData.from_frames(
        minerals=frames["Minerals"], suppliers=frames["Suppliers"], offers=frames["Offers"],
        settings=frames["Settings"]))
    assert from_frames.total_cost == pytest.approx(from_file.total_cost)
    pd.testing.assert_frame_equal(from_frames.allocations, from_file.allocations)


def solver_options(monkeypatch, d, **kwargs) -> dict:
    """The options handed to HiGHS by one solve (its first hand-over: optimizer/highs_direct)."""
    from optimizer import highs_direct

    seen = {}
    original = highs_direct.solve_direct

    def spy(model, **options):
        if not seen:
            seen.update(options)
        return original(model, **options)

    monkeypatch.setattr(highs_direct, "solve_direct", spy)
    solve(d, **kwargs)
    return seen


def test_settings_time_limit_and_gap_reach_the_solver(monkeypatch, tiny_workbook):
    d = read_workbook(tiny_workbook).with_settings(time_limit_s=42.0, mip_gap=0.02)
    seen = solver_options(monkeypatch, d)
    assert (seen["time_limit"], seen["rel_gap"]) == (42.0, 0.02)


def test_call_arguments_override_settings(monkeypatch, tiny_workbook):
    d = read_workbook(tiny_workbook).with_settings(time_limit_s=42.0, mip_gap=0.02)
    seen = solver_options(monkeypatch, d, time_limit=5, mip_gap=0.001)
    assert (seen["time_limit"], seen["rel_gap"]) == (5.0, 0.001)


def test_with_settings_returns_a_changed_copy(tiny_workbook):
    d = read_workbook(tiny_workbook)
    looser = d.with_settings(max_country_share=1.0)
    assert d.settings.max_country_share == 0.6
    assert solve(looser).total_cost == pytest.approx(1000)


def test_to_frames_round_trips_through_validation():
    from optimizer.example import example_data

    d = example_data()
    again = SourcingData.from_sheets(d.to_frames())
    assert again.settings == d.settings
    for name in ("minerals", "suppliers", "offers", "country_caps", "projects", "budgets"):
        pd.testing.assert_frame_equal(getattr(again, name).drop(columns="excel_row"),
                                      getattr(d, name).drop(columns="excel_row"),
                                      check_dtype=False)
