"""Validation: every mistake is reported with sheet, Excel row, column, value and expectation."""

from __future__ import annotations

import pytest

from optimizer import InputError, read_workbook

from .conftest import GOOD, workbook




def problems(path) -> list[str]:
    with pytest.raises(InputError) as info:
        read_workbook(path)
    return [str(p) for p in info.value.errors]


def test_valid_workbook_reads(tmp_path):
    data = read_workbook(workbook(tmp_path, GOOD))
    assert list(data.minerals.index) == ["gallium"]
    assert data.offers.loc[("CN-A", "gallium"), "country"] == "China"


def test_text_in_a_number_column_is_located(tmp_path):
    sheets = {**GOOD, "Offers": [*GOOD["Offers"][:2], ["JP-B", "gallium", 15, "abc"]]}
    assert problems(workbook(tmp_path, sheets)) == [
        'Offers!D3 (capacity): "abc" is not a number; expected a number >= 0']


def test_every_problem_is_reported_at_once(tmp_path):
    sheets = {
        "Minerals": [["mineral", "demand"], ["gallium", -5], ["gallium", 3]],
        "Suppliers": [["supplier", "country"], ["CN-A", "China"]],
        "Offers": [["supplier", "mineral", "unit_cost", "capacity", "min_order"],
                   ["CN-B", "gallium", 10, 200, None], ["CN-A", "gallium", "", 80, 90]],
    }
    found = problems(workbook(tmp_path, sheets))
    assert found == [
        "Minerals!B2 (demand): -5 is negative; expected a number >= 0",
        'Minerals!A3 (mineral): "gallium" is listed twice (first on row 2); '
        "expected each mineral once",
        'Offers!A2 (supplier): "CN-B" is not on the Suppliers sheet (did you mean "CN-A"?)',
        "Offers!C3 (unit_cost): is blank; expected a number >= 0",
    ]


def test_missing_sheet_suggests_the_closest_name(tmp_path):
    sheets = {"Minerals": GOOD["Minerals"], "Suppliers": GOOD["Suppliers"],
              "Offer": GOOD["Offers"]}
    assert problems(workbook(tmp_path, sheets)) == [
        "Offers: required sheet is missing (did you mean 'Offer'?)"]


def test_missing_column_suggests_the_closest_header(tmp_path):
    sheets = {**GOOD, "Offers": [["supplier", "mineral", "unit cost", "capacty"],
                                 ["CN-A", "gallium", 10, 200]]}
    assert problems(workbook(tmp_path, sheets)) == [
        "Offers!1: required column 'capacity' is missing from the header on row 1 "
        "(did you mean 'capacty'?)"]


def test_whole_percent_share_suggests_a_fraction(tmp_path):
    sheets = {**GOOD, "Settings": [["setting", "value"], ["max_country_share", 50]]}
    assert problems(workbook(tmp_path, sheets)) == [
        "Settings!B2 (value): 50 looks like a whole percent; a share is a fraction 0-1: "
        "write 0.5 (or 50%)"]


def test_unknown_setting_suggests_the_closest(tmp_path):
    sheets = {**GOOD, "Settings": [["setting", "value"], ["max_country_shar", 0.5]]}
    assert problems(workbook(tmp_path, sheets)) == [
        "Settings!A2 (setting): \"max_country_shar\" is not a known setting "
        "(did you mean 'max_country_share'?)"]


def test_min_order_above_capacity(tmp_path):
    sheets = {**GOOD, "Offers": [["supplier", "mineral", "unit_cost", "capacity", "min_order"],
                                 ["CN-A", "gallium", 10, 200, 300]]}
    assert problems(workbook(tmp_path, sheets)) == [
        "Offers!E2 (min_order): 300 is above the capacity 200; expected a min_order <= capacity"]


def test_duplicate_offer(tmp_path):
    sheets = {**GOOD, "Offers": [*GOOD["Offers"], ["cn-a", "Gallium", 11, 5]]}
    assert problems(workbook(tmp_path, sheets)) == [
        'Offers!B4 (mineral): "CN-A" already offers "gallium" on row 2; expected one offer per '
        "supplier and mineral"]


def test_cap_for_unknown_mineral_is_an_error(tmp_path):
    sheets = {**GOOD, "CountryCaps": [["country", "mineral", "max_share"],
                                      ["China", "galium", 0.5]]}
    assert problems(workbook(tmp_path, sheets)) == [
        'CountryCaps!B2 (mineral): "galium" is not on the Minerals sheet (did you mean '
        '"gallium"?)']


def test_project_on_unknown_budget_is_an_error(tmp_path):
    sheets = {**GOOD,
              "Projects": [["project", "mineral", "country", "capacity", "unit_cost", "capex",
                            "budget"], ["P", "gallium", "USA", 10, 5, 100, "DPA III"]],
              "Budgets": [["budget", "amount"], ["DPA", 1000], ["DOE", 50]]}
    assert problems(workbook(tmp_path, sheets)) == [
        'Projects!G2 (budget): "DPA III" is not on the Budgets sheet (did you mean "DPA"?)']


def test_blank_budget_with_several_lines_is_an_error(tmp_path):
    sheets = {**GOOD,
              "Projects": [["project", "mineral", "country", "capacity", "unit_cost", "capex"],
                           ["P", "gallium", "USA", 10, 5, 100]],
              "Budgets": [["budget", "amount"], ["DPA", 1000], ["DOE", 50]]}
    assert problems(workbook(tmp_path, sheets)) == [
        "Projects!2 (budget): is blank but there are several budget lines (DPA, DOE); "
        "expected the one that pays"]


def test_blank_budget_uses_the_only_line(tmp_path):
    sheets = {**GOOD,
              "Projects": [["project", "mineral", "country", "capacity", "unit_cost", "capex"],
                           ["P", "gallium", "USA", 10, 5, 100]],
              "Budgets": [["budget", "amount"], ["DPA", 1000]]}
    assert read_workbook(workbook(tmp_path, sheets)).projects.at["P", "budget"] == "DPA"


def test_shortfall_without_penalty_is_an_error(tmp_path):
    sheets = {**GOOD, "Settings": [["setting", "value"], ["allow_shortfall", "TRUE"]]}
    assert problems(workbook(tmp_path, sheets)) == [
        "Minerals!2 (shortfall_penalty): is blank, but allow_shortfall is TRUE and Settings has "
        "no shortfall_penalty; expected the cost per unit of unmet demand"]


def test_names_and_headers_match_case_insensitively_and_trimmed(tmp_path):
    sheets = {
        " minerals ": [[" Mineral ", "DEMAND"], [" gallium ", " 1,200 "]],
        "SUPPLIERS": [["Supplier", "Country"], ["CN-A", "China"]],
        "offers": [["supplier", "mineral", "unit_cost", "capacity"],
                   ["cn-a", "Gallium", "10", 2000]],
    }
    data = read_workbook(workbook(tmp_path, sheets))
    assert data.minerals.at["gallium", "demand"] == 1200
    assert list(data.offers.index) == [("CN-A", "gallium")]


def test_title_rows_above_the_header_and_blank_rows_are_skipped(tmp_path):
    sheets = {**GOOD, "Offers": [["Supplier offers, Q3 quotes"], [], ["supplier", "mineral",
                                 "unit_cost", "capacity", "notes"], [],
                                 ["CN-A", "gallium", 10, 200, "call back"], [None] * 4,
                                 ["JP-B", "gallium", 15, 80]]}
    data = read_workbook(workbook(tmp_path, sheets))
    assert data.offers["excel_row"].tolist() == [5, 7]


def test_percent_text_and_percent_cells_mean_the_same(tmp_path):
    sheets = {**GOOD, "CountryCaps": [["country", "mineral", "max_share"],
                                      ["China", "gallium", "60%"], ["Japan", None, 0.6]]}
    data = read_workbook(workbook(tmp_path, sheets))
    assert data.cap("China", "gallium") == pytest.approx(0.6)
    assert data.cap("Japan", "gallium") == pytest.approx(0.6)


def test_offer_of_a_mineral_nobody_demands_is_a_warning(tmp_path):
    sheets = {**GOOD, "Offers": [*GOOD["Offers"], ["CN-A", "cobalt", 30, 50]]}
    data = read_workbook(workbook(tmp_path, sheets))
    assert [str(w) for w in data.warnings] == [
        'Offers!B4 (mineral): "cobalt" is not on the Minerals sheet; this row is ignored']
    assert len(data.offers) == 2


def test_formula_without_saved_value_is_an_error(tmp_path):
    sheets = {**GOOD, "Offers": [*GOOD["Offers"][:2], ["JP-B", "gallium", 15, "=40*2"]]}
    assert problems(workbook(tmp_path, sheets)) == [
        "Offers!D3 (capacity): formula has no saved value (the workbook was saved by a program "
        "that does not calculate); open and save it once in a spreadsheet program"]


def test_repeated_rows_of_every_keyed_sheet_name_the_first_row(tmp_path):
    """One message shape for every sheet: what is repeated, the first row, what is expected."""
    sheets = {**GOOD,
              "CountryCaps": [["country", "mineral", "max_share"], ["China", None, 0.5],
                              ["china", None, 0.6]],
              "Sites": [["site", "country"], ["Texas", "United States"]],
              "Demand": [["site", "mineral", "demand"], ["Texas", "gallium", 5],
                         ["Texas", "gallium", 6]],
              "Lanes": [["supplier", "site", "transport_cost"], ["CN-A", "Texas", 1],
                        ["CN-A", "Texas", 2]],
              "Minerals": [["mineral", "demand"], ["gallium", None]]}
    assert problems(workbook(tmp_path, sheets)) == [
        'CountryCaps!A3 (country): a cap for "China" and "(every mineral)" is already on row 2;'
        " expected one cap per country and mineral",
        'Demand!B3 (mineral): demand for "gallium" at "Texas" is already on row 2; expected one '
        "row per site and mineral",
        'Lanes!B3 (site): a lane from "CN-A" to "Texas" for "(every mineral)" is already on row '
        "2; expected one lane per supplier, site and mineral",
    ]


def _cell_by_cell(raw, spec):
    """What _parse_sheet gives when every row goes through the per-cell checks (_parse_row)."""
    from optimizer.validate import _Collector, _find_header, _parse_row

    out = _Collector()
    header_index, columns = _find_header(raw, spec)
    specs = [(col, columns[col.name]) for col in spec.columns if col.name in columns]
    records = [_parse_row(raw, spec, specs, cells, i + 1, out)
               for i, cells in enumerate(raw.grid) if i > header_index]
    return [r for r in records if r is not None], out.problems


def test_column_pass_agrees_with_cell_by_cell_checks():
    """Clean columns are parsed a column at a time; a column or cell that does not fit must
    give the very records and problems (same order) as checking every cell."""
    import datetime
    import math

    from optimizer import schema
    from optimizer.validate import RawSheet, _Collector, _parse_sheet

    spec = next(s for s in schema.SHEETS if s.name == "Offers")
    header = ["supplier", "mineral", "unit_cost", "capacity", "min_order", "fixed_cost", "currency"]
    grid = [["Offers of 2024"], [], header]
    grid += [[f"S{i:03d} China", "gallium", 10.0 + i, 200.0, 0.0, 5.0, "USD"] for i in range(200)]
    dirty = [  # (row index in grid, column, value): every kind of cell the fast path refuses
        (5, 0, "  S-x   spaced  "), (6, 0, "#N/A"), (7, 0, True), (8, 0, 12.0),
        (9, 0, datetime.date(2024, 1, 1)), (10, 1, ""), (11, 1, None), (12, 2, "abc"),
        (13, 2, -5.0), (14, 2, "1,234"), (15, 2, "$7"), (16, 2, "25%"), (17, 2, math.inf),
        (18, 2, math.nan), (19, 2, -0.0), (20, 3, 0), (21, 3, True), (22, 3, "  "),
        (23, 4, None), (24, 4, ""), (25, 4, -1), (26, 5, "#REF!"), (27, 6, ""), (28, 6, 3.0),
        (29, 3, datetime.datetime(2024, 1, 1, 12)), (30, 2, 10**3), (31, 4, "x#y"),
    ]
    for i, j, value in dirty:
        grid[i][j] = value
    grid[40] = ["", None, "  ", "", None, "", ""]  # a blank row is skipped, not reported
    grid[41] = grid[41][:3]  # a short row: the missing cells are blank
    grid[42] = []
    raw = RawSheet("Offers", grid, uncached={(44, 3), (45, 9)})  # Excel rows; 0-based column

    out = _Collector()
    table = _parse_sheet(raw, spec, out)
    records, problems = _cell_by_cell(raw, spec)

    def exact(recs):  # repr tells -0.0 from 0.0 and 1 from 1.0; item order is part of it,
        # except on a row with a problem, whose bad cells the cell-by-cell pass adds last
        return [repr(sorted(r.items()) if r.get("_invalid") else list(r.items())) for r in recs]

    assert exact(table.records) == exact(records)
    assert out.problems == problems
    assert len(problems) == 18  # the dirty cells were reported, not silently parsed
    # and the clean column pass alone: a sheet without a dirty cell
    clean = RawSheet("Offers", [header, *grid[100:150]])
    out = _Collector()
    assert exact(_parse_sheet(clean, spec, out).records) == exact(_cell_by_cell(clean, spec)[0])
    assert out.problems == []


def test_dirty_cells_among_many_clean_rows_are_each_reported(tmp_path):
    suppliers = [f"S{i:03d}" for i in range(120)]
    offers = [[s, "gallium", 10.0 + i, 100.0] for i, s in enumerate(suppliers)]
    offers[10][3] = "abc"
    offers[20][2] = -5
    offers[30][0] = True
    offers[40][1] = None
    offers[50][0] = f"  {suppliers[50].lower()}  "  # resolves to S050: not a problem
    offers[60] = [None, None, None, None]  # a blank row
    offers[70][3] = 0.5
    sheets = {"Minerals": [["mineral", "demand"], ["gallium", 100]],
              "Suppliers": [["supplier", "country"], *[[s, "China"] for s in suppliers]],
              "Offers": [["supplier", "mineral", "unit_cost", "capacity"], *offers]}
    assert problems(workbook(tmp_path, sheets)) == [
        'Offers!D12 (capacity): "abc" is not a number; expected a number >= 0',
        "Offers!C22 (unit_cost): -5 is negative; expected a number >= 0",
        "Offers!A32 (supplier): True is not a name; expected a name",
        "Offers!B42 (mineral): is blank; expected a name",
    ]


def test_offers_read_by_column_equal_the_row_by_row_pass(monkeypatch):
    """Offers that keep every rule are validated a column at a time (validate._offers_by_column);
    the data must be the row-by-row pass's, value for value. By hand, EUR at 1.1 USD: A's
    unit_cost 10 EUR -> 11 USD and fixed_cost 100 EUR -> 110 USD, quote_unit_cost stays 10;
    B quotes in the base currency (blank): 12 USD, fx_rate 1. Blank min_order, fixed_cost and
    reservation_cost become 0; country comes from the supplier."""
    import pandas as pd

    from optimizer import validate as v

    frames = {
        "Minerals": pd.DataFrame({"mineral": ["gallium"], "demand": [10.0]}),
        "Suppliers": pd.DataFrame({"supplier": ["A", "B"], "country": ["China", "Japan"]}),
        "Offers": pd.DataFrame({"supplier": ["A", "B"], "mineral": ["gallium", "gallium"],
                                "unit_cost": [10.0, 12.0], "capacity": [8.0, 50.0],
                                "min_order": [None, 5.0], "fixed_cost": [100.0, None],
                                "currency": ["EUR", None]}),
        "Currencies": pd.DataFrame({"currency": ["EUR"], "rate": [1.1]}),
    }
    by_column = v.validate(v.raw_from_frames(frames)).offers
    taken = []
    monkeypatch.setattr(v, "_offers_by_column", lambda *args: taken.append(1))
    by_row = v.validate(v.raw_from_frames(frames)).offers
    assert taken  # the second read went row by row
    pd.testing.assert_frame_equal(by_column, by_row, check_exact=True)
    a, b = by_column.loc[("A", "gallium")], by_column.loc[("B", "gallium")]
    assert (a["unit_cost"], a["fixed_cost"]) == (pytest.approx(11.0), pytest.approx(110.0))
    assert (a["quote_unit_cost"], a["fx_rate"], a["currency"]) == (10.0, 1.1, "EUR")
    assert (b["unit_cost"], b["fx_rate"], b["currency"], b["min_order"]) == (12.0, 1.0, "USD", 5.0)
    assert (a["min_order"], b["fixed_cost"], a["reservation_cost"]) == (0.0, 0.0, 0.0)
    assert list(by_column["country"]) == ["China", "Japan"]


def test_offers_breaking_a_rule_are_reported_row_by_row(tmp_path):
    """The column pass gives up on any broken rule (here a mineral spelt unlike its sheet, a
    duplicate once it is resolved, and a min_order above capacity) and the row pass reports
    each problem on its own row."""
    import pandas as pd

    from optimizer import validate as v

    frames = {
        "Minerals": pd.DataFrame({"mineral": ["gallium"], "demand": [10.0]}),
        "Suppliers": pd.DataFrame({"supplier": ["A", "B"], "country": ["China", "Japan"]}),
        "Offers": pd.DataFrame({"supplier": ["A", "A", "B"],
                                "mineral": ["gallium", "Gallium ", "gallium"],
                                "unit_cost": [10.0, 11.0, 12.0], "capacity": [8.0, 9.0, 5.0],
                                "min_order": [None, None, 6.0]}),
    }
    with pytest.raises(InputError) as err:
        v.validate(v.raw_from_frames(frames))
    text = str(err.value)
    assert 'Offers!B3 (mineral): "A" already offers "gallium" on row 2' in text  # resolved
    assert "Offers!E4 (min_order): 6 is above the capacity 5" in text


def test_an_offers_sheet_without_rows_gives_the_same_empty_offers_both_ways(monkeypatch):
    """No offers at all: a warning per supplier, and the same empty table (object columns)
    from the column pass as from the row pass."""
    import pandas as pd

    from optimizer import validate as v

    frames = {
        "Minerals": pd.DataFrame({"mineral": ["gallium"], "demand": [10.0]}),
        "Suppliers": pd.DataFrame({"supplier": ["A"], "country": ["China"]}),
        "Offers": pd.DataFrame({"supplier": pd.Series([], dtype=object),
                                "mineral": pd.Series([], dtype=object),
                                "unit_cost": pd.Series([], dtype=float),
                                "capacity": pd.Series([], dtype=float)}),
    }
    by_column = v.validate(v.raw_from_frames(frames))
    monkeypatch.setattr(v, "_offers_by_column", lambda *args: None)
    by_row = v.validate(v.raw_from_frames(frames))
    pd.testing.assert_frame_equal(by_column.offers, by_row.offers)
    assert by_column.offers.empty and by_column.offers.index.dtypes.tolist() == [object] * 2
    assert [str(w) for w in by_column.warnings] == [
        'Suppliers!A2 (supplier): "A" has no valid offer on the Offers sheet']
