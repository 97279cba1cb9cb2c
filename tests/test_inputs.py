"""The committed workbooks in inputs/ are what the code generates, and they solve."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from optimizer import read_workbook, solve
from optimizer.example import example_data, write_example
from optimizer.template import write_template

INPUTS = Path(__file__).resolve().parent.parent / "inputs"
TABLES = ("minerals", "suppliers", "offers", "country_caps", "projects", "budgets")


def same_data(a, b) -> None:
    assert a.settings == b.settings
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=False)


@pytest.mark.parametrize("name, writer", [("critical_minerals.xlsx", write_example),
                                          ("template.xlsx", write_template)])
def test_committed_workbook_matches_its_generator(tmp_path, name, writer):
    """Regenerate with: python scripts/make_inputs.py"""
    same_data(read_workbook(INPUTS / name), read_workbook(writer(tmp_path / name)))


def test_bundled_example_equals_the_committed_workbook():
    same_data(example_data(), read_workbook(INPUTS / "critical_minerals.xlsx"))


def test_bundled_example_is_clean_and_solves_with_binding_caps_and_a_budget_choice():
    data = read_workbook(INPUTS / "critical_minerals.xlsx")
    assert data.warnings == []
    r = solve(data)
    assert r.status == "optimal"
    assert (r.country_shares["binding"] == "yes").any()
    assert set(r.investments["funded"]) == {"yes", "no"}
    assert r.solve_seconds < 30


def test_template_has_instructions_tables_comments_and_dropdowns():
    wb = openpyxl.load_workbook(INPUTS / "template.xlsx")
    assert wb.sheetnames[0] == "Instructions"
    offers = wb["Offers"]
    assert list(offers.tables) == ["tblOffers"]
    assert offers["A1"].comment is not None and "Supplier" in offers["A1"].comment.text
    lists = [dv for dv in offers.data_validations.dataValidation if dv.type == "list"]
    assert {dv.formula1 for dv in lists} == {"Suppliers!$A$2:$A$2001", "Minerals!$A$2:$A$2001",
                                             "Currencies!$A$2:$A$2001"}
    caps = wb["CountryCaps"]
    assert caps["C2"].number_format == "0%"
    assert offers.freeze_panes == "A2"
