"""The results workbook: contract v1 columns, numbers as numbers, text as text, nothing lost."""

from __future__ import annotations

import hashlib

import openpyxl
import pandas as pd
import pytest

from optimizer import OutputError, read_workbook, solve, write_results
from optimizer.schema import OUTPUT_SHEETS, SUMMARY_ITEMS
from optimizer.template import write_input_workbook

from .conftest import data, frames, to_sheets


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_results_workbook_has_every_contract_sheet_and_column(tiny_workbook, tmp_path):
    result = solve(read_workbook(tiny_workbook))
    out = write_results(result, tmp_path / "out.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == list(OUTPUT_SHEETS)
    for name, columns in OUTPUT_SHEETS.items():
        header = [c.value for c in wb[name][1]]
        assert header == list(columns), name
        assert wb[name].freeze_panes == "A2"


def test_results_read_back_equal_the_result(tiny_workbook, tmp_path):
    result = solve(read_workbook(tiny_workbook))
    out = write_results(result, tmp_path / "out.xlsx")
    summary = pd.read_excel(out, sheet_name="Summary", engine="openpyxl")
    assert summary["item"].tolist() == list(SUMMARY_ITEMS)
    values = dict(zip(summary["item"], summary["value"]))
    assert float(values["total_cost"]) == pytest.approx(1200)
    assert values["status"] == "optimal"
    allocations = pd.read_excel(out, sheet_name="Allocations", engine="openpyxl")
    pd.testing.assert_frame_equal(allocations, result.allocations, check_dtype=False)
    shares = openpyxl.load_workbook(out)["CountryShares"]
    assert shares["D2"].number_format == "0.0%"
    assert isinstance(shares["D2"].value, float)


def test_formula_like_names_come_back_as_text(tmp_path):
    """A supplier named like a formula must never become one in the output."""
    names = ["=HYPERLINK(\"http://x\",\"click\")", "+SUM(1,1)", "-1+2", "@cmd"]
    d = data(minerals=[{"mineral": "=gallium", "demand": 4}],
             suppliers=[{"supplier": n, "country": "China"} for n in names],
             offers=[{"supplier": n, "mineral": "=gallium", "unit_cost": 1 + i, "capacity": 1}
                     for i, n in enumerate(names)])
    out = write_results(solve(d), tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(out)["Allocations"]
    cells = [ws.cell(row=r, column=1) for r in range(2, 6)]
    assert sorted(c.value for c in cells) == sorted(names)
    assert all(c.data_type == "s" for c in cells)
    assert ws["C2"].value == "=gallium" and ws["C2"].data_type == "s"


def test_output_never_overwrites_the_input(tiny_workbook):
    before = digest(tiny_workbook)
    result = solve(read_workbook(tiny_workbook))
    with pytest.raises(OutputError, match="over the input workbook"):
        write_results(result, tiny_workbook)
    assert digest(tiny_workbook) == before


def test_solving_leaves_the_input_untouched(tiny_workbook, tmp_path):
    before = digest(tiny_workbook)
    write_results(solve(read_workbook(tiny_workbook)), tmp_path / "out.xlsx")
    assert digest(tiny_workbook) == before


def test_output_open_in_excel_is_refused_without_damage(tiny_workbook, tmp_path):
    target = tmp_path / "plan-out.xlsx"
    target.write_bytes(b"old results")
    (tmp_path / "~$plan-out.xlsx").write_bytes(b"lock")
    with pytest.raises(OutputError, match="open in Excel"):
        write_results(solve(read_workbook(tiny_workbook)), target)
    assert target.read_bytes() == b"old results"


def test_write_is_atomic_and_leaves_no_temporary_file(tiny_workbook, tmp_path):
    out_dir = tmp_path / "new" / "folder"
    write_results(solve(read_workbook(tiny_workbook)), out_dir / "out.xlsx")
    assert [p.name for p in out_dir.iterdir()] == ["out.xlsx"]


def test_input_workbook_round_trips_through_the_reader(tmp_path):
    f = frames(minerals=[{"mineral": "gallium", "demand": 100, "max_country_share": 0.5}],
               suppliers=[{"supplier": "=A", "country": "China"}],
               offers=[{"supplier": "=A", "mineral": "gallium", "unit_cost": 3,
                        "capacity": 200}])
    path = write_input_workbook(to_sheets(f), tmp_path / "in.xlsx")
    d = read_workbook(path)
    assert list(d.suppliers.index) == ["=A"]
    assert d.minerals.at["gallium", "max_country_share"] == 0.5
