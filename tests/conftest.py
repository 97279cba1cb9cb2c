"""Tiny hand-built instances shared by the tests."""

from __future__ import annotations

import pandas as pd
import pytest

from optimizer import SourcingData

SHEET_ARGS = {"Minerals": "minerals", "Suppliers": "suppliers", "Offers": "offers",
              "CountryCaps": "country_caps", "Projects": "projects", "Budgets": "budgets",
              "Settings": "settings", "Sites": "sites", "Demand": "demand", "Lanes": "lanes",
              "Tariffs": "tariffs", "Currencies": "currencies", "Countries": "countries",
              "GroupRules": "group_rules", "Disruptions": "disruptions"}


def workbook(tmp_path, sheets: dict[str, list[list]], name="input.xlsx", hidden=()):
    """Sheets given as rows of cells (row 1 first), written exactly as given by openpyxl (no
    sheets: one empty Sheet1, as a workbook holds at least one)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        if title in hidden:
            ws.sheet_state = "hidden"
    if not sheets:
        wb.create_sheet("Sheet1")
    path = tmp_path / name
    wb.save(path)
    return path


#: a small valid workbook as rows of cells, for tests that break one thing at a time
GOOD = {
    "Minerals": [["mineral", "demand"], ["gallium", 100]],
    "Suppliers": [["supplier", "country"], ["CN-A", "China"], ["JP-B", "Japan"]],
    "Offers": [["supplier", "mineral", "unit_cost", "capacity"],
               ["CN-A", "gallium", 10, 200], ["JP-B", "gallium", 15, 80]],
}


def frames(**tables) -> dict[str, pd.DataFrame | dict]:
    """Tables as lists of dicts (or a dict for settings) -> DataFrames keyed like from_frames."""
    out = {}
    for name, rows in tables.items():
        out[name] = rows if name == "settings" or rows is None else pd.DataFrame(rows)
    return out


def data(**tables) -> SourcingData:
    """A validated instance from lists of row dicts, e.g. offers=[{...}, ...]."""
    return SourcingData.from_sheets(to_sheets(frames(**tables)))


def gallium_two_suppliers(**settings) -> SourcingData:
    """Gallium, demand 100; China offers 200 at 10, Japan 80 at 15."""
    return data(
        minerals=[{"mineral": "gallium", "demand": 100}],
        suppliers=[{"supplier": "CN-A", "country": "China"},
                   {"supplier": "JP-B", "country": "Japan"}],
        offers=[{"supplier": "CN-A", "mineral": "gallium", "unit_cost": 10, "capacity": 200},
                {"supplier": "JP-B", "mineral": "gallium", "unit_cost": 15, "capacity": 80}],
        settings=settings,
    )


def to_sheets(d: dict) -> dict[str, pd.DataFrame]:
    """from_frames keyword arguments -> {sheet name: DataFrame} for writing a workbook."""
    names = {v: k for k, v in SHEET_ARGS.items()}
    out = {}
    for arg, value in d.items():
        if arg == "settings":
            value = pd.DataFrame({"setting": list(value), "value": list(value.values())})
        out[names[arg]] = value
    return out


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Invoke the ``sourcing`` command in an empty working folder: ``run("solve", path)``."""
    from click.testing import CliRunner

    from optimizer.cli import main

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture
def tiny_workbook(tmp_path):
    """A small valid workbook on disk (the gallium instance with a 60 % cap)."""
    from optimizer.template import write_input_workbook

    f = frames(
        minerals=[{"mineral": "gallium", "demand": 100}],
        suppliers=[{"supplier": "CN-A", "country": "China"},
                   {"supplier": "JP-B", "country": "Japan"}],
        offers=[{"supplier": "CN-A", "mineral": "gallium", "unit_cost": 10, "capacity": 200},
                {"supplier": "JP-B", "mineral": "gallium", "unit_cost": 15, "capacity": 80}],
        settings={"max_country_share": 0.6},
    )
    path = tmp_path / "plan.xlsx"
    write_input_workbook(to_sheets(f), path)
    return path
