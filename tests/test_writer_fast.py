"""Long tables are written by splicing rows into the sheet XML (optimizer/xlsx_fast.py).

The spliced cells must be the cells openpyxl itself would have written: same values, types,
number formats, quote prefixes; text stays text.
"""

from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.exceptions import IllegalCharacterError

from optimizer import xlsx_fast
from optimizer.writer import SheetOut, new_workbook, save_workbook

TRICKY = pd.DataFrame({
    "supplier": ["A & B <Ltd>", "=HYPERLINK(\"http://x\")", "+1 555", "-minus", "@at",
                 "  padded  ", None, "ünïcødé"],
    "mineral": ["gallium"] * 8,
    "quantity": [1.5, 0.0, -2.25, 1e-12, 123456789.123, float("nan"), 7.0, 1 / 3],
    "share": [0.5, 1.0, 0.0, 0.25, 0.125, 0.75, None, 0.1],
    "binding": [True, False, True, False, True, False, True, False],
    "count": [1, 2, 3, 4, 5, 6, 7, 8],
})


def cells(path):
    ws = openpyxl.load_workbook(path)["Allocations"]
    return [[(c.value, c.data_type, c.number_format, c.quotePrefix) for c in row]
            for row in ws.iter_rows()]


def write(path, table, fast_after):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(xlsx_fast, "FAST_AFTER", fast_after)
        return save_workbook(new_workbook([SheetOut("Allocations", table,
                                                    notes=["a note"])]), path)


def test_spliced_rows_are_the_cells_openpyxl_writes(tmp_path):
    slow = cells(write(tmp_path / "slow.xlsx", TRICKY, fast_after=10_000))
    fast = cells(write(tmp_path / "fast.xlsx", TRICKY, fast_after=2))
    assert len(fast) == len(slow) == 2 + 1 + len(TRICKY)  # note, blank row, header, rows
    for slow_row, fast_row in zip(slow, fast):
        for s, f in zip(slow_row, fast_row):
            if isinstance(s[0], float) and math.isnan(s[0]):
                continue
            # openpyxl reads an inline string back as data_type "s", like a shared one
            assert f == s


def test_formula_text_stays_text_in_spliced_rows(tmp_path):
    path = write(tmp_path / "fast.xlsx", TRICKY, fast_after=0)
    ws = openpyxl.load_workbook(path)["Allocations"]
    cell = ws["A5"]  # note, blank, header, row 4 = first data row, row 5 the formula text
    assert (cell.value, cell.data_type, cell.quotePrefix) == \
        ("=HYPERLINK(\"http://x\")", "s", True)


def test_spliced_sheet_reports_its_full_size(tmp_path):
    path = write(tmp_path / "fast.xlsx", TRICKY, fast_after=2)
    ws = openpyxl.load_workbook(path, read_only=True)["Allocations"]
    assert ws.calculate_dimension() == "A1:F11"


def test_characters_xml_cannot_hold_are_refused_as_openpyxl_does(tmp_path):
    table = pd.DataFrame({"supplier": ["ok", "ok", "bad\x01"], "quantity": [1.0, 2.0, 3.0]})
    with pytest.raises(IllegalCharacterError):
        write(tmp_path / "fast.xlsx", table, fast_after=1)


def test_spliced_rows_keep_a_format_per_row_in_the_last_column(tmp_path):
    """The Charts sheet formats its value column row by row (shares, money); spliced rows get
    the same formats as rows written by openpyxl."""
    table = pd.DataFrame({"chart": ["shares"] * 4 + ["cost"] * 4,
                          "value": [0.5, 0.25, None, 1.0, 1234.5, 0.0, 7.0, float("nan")]})
    formats = ["0.0%" if c == "shares" else "#,##0.00" for c in table["chart"]]

    def written(name, fast_after):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(xlsx_fast, "FAST_AFTER", fast_after)
            path = save_workbook(new_workbook([SheetOut("Allocations", table,
                                                        row_formats=formats)]), tmp_path / name)
        return cells(path)

    slow, fast = written("slow.xlsx", 10_000), written("fast.xlsx", 2)
    assert fast == slow
    assert [row[1][2] for row in fast[1:] if row[1][0] is not None] == \
        [f for f, v in zip(formats, table["value"]) if v == v]  # blanks stay General


def test_chunks_with_and_without_blanks_give_the_cells_openpyxl_writes(tmp_path):
    """Rows are formatted a chunk at a time: a column with no blank in the chunk goes through
    the compiled row template, one with a blank cell by cell. Chunks of 2 rows here, so each
    column is written both ways; every cell must still be what openpyxl writes, in order."""
    table = pd.DataFrame({
        "supplier": ["A & B", "=SUM(A1)", "plain", None, "x", "y"],
        "mineral": ["gallium", "germanium", "gallium", "cobalt", "-neg", "it's"],
        "quantity": [1.5, float("nan"), 2.0, 3.25, 1 / 3, 1e-300],
        "count": [1, 2, 3, 4, 5, 6],
    })
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(xlsx_fast, "CHUNK_ROWS", 2)
        mp.setattr(xlsx_fast, "IN_FLIGHT", 1)  # 3 chunks: the third waits for the first
        fast = cells(write(tmp_path / "fast.xlsx", table, fast_after=0))
    slow = cells(write(tmp_path / "slow.xlsx", table, fast_after=10_000))
    assert fast == slow


def test_spaces_at_either_end_of_spliced_text_are_kept(tmp_path):
    """Excel drops spaces at the ends of a text unless the cell says xml:space="preserve";
    like openpyxl, the spliced rows say it exactly for such texts."""
    import zipfile

    path = write(tmp_path / "fast.xlsx", TRICKY, fast_after=0)
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert '<t xml:space="preserve">  padded  </t>' in xml
    assert "<t>gallium</t>" in xml and '<t xml:space="preserve">gallium' not in xml


def test_columns_are_as_wide_whether_rows_are_spliced_or_not(tmp_path):
    """Widths count every row: a wide number, a negative one, an int, a boolean and a mixed
    column met only in spliced rows widen their columns as if openpyxl had written them."""
    table = pd.DataFrame({
        "supplier": ["a", "b", "c", "a much longer supplier name", None, "d"],
        "quantity": [1.0, 2.0, 3.0, 12_345_678.9, float("nan"), -5.25],
        "count": [1, 2, 3, 4, 5, -1_234_567],
        "binding": [True, True, True, False, True, True],
        "mixed": pd.Series([1, 2, 3, 2.5, None, 123_456_789], dtype=object),
    })

    def widths(name, fast_after):
        path = write(tmp_path / name, table, fast_after)
        ws = openpyxl.load_workbook(path)["Allocations"]
        return [ws.column_dimensions[letter].width for letter in "ABCDE"]

    slow, fast = widths("slow.xlsx", 10_000), widths("fast.xlsx", 2)
    assert fast == slow
    assert slow[1] == len("12,345,678.90") + 2


def test_floats_read_back_as_the_same_doubles_whatever_their_notation(tmp_path):
    """Spliced floats are written in their shortest notation (orjson's: 0.00001 where repr
    writes 1e-05); every one must read back as the very double written."""
    values = [1e-05, 1.5e-07, 5e-324, 2.2250738585072014e-308, -0.0, 1e16, 1.2345e17,
              1e300, 0.30000000000000004, 123456789.123, -7.938547269786955e-05, 100.0]
    table = pd.DataFrame({"supplier": [f"s{i}" for i in range(len(values))],
                          "quantity": values})
    fast = cells(write(tmp_path / "fast.xlsx", table, fast_after=0))
    got = [row[1][0] for row in fast[3:]]
    assert [math.copysign(1, v) for v in got] == [math.copysign(1, v) for v in values]
    assert got == values


def test_spliced_parts_are_deflated_and_pass_the_zip_crc_check(tmp_path):
    """The spliced sheets are compressed by ISA-L's deflate (xlsx_fast._deflate), not by
    zipfile's own: the archive must still be a plain deflated zip whose checksums hold."""
    import zipfile

    table = pd.DataFrame({"supplier": [f"s{i % 7}" for i in range(20_000)],
                          "quantity": [i / 3 for i in range(20_000)]})
    path = write(tmp_path / "fast.xlsx", table, fast_after=0)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.compress_type == zipfile.ZIP_DEFLATED
        assert sheet.compress_size < sheet.file_size / 4
    assert cells(path)[-1][1][0] == 19_999 / 3


@pytest.mark.parametrize("values, tails", [
    (["A & B <Ltd>", "=SUM(A1)", "  padded  ", "ünïcødé", "A & B <Ltd>", None, float("nan"),
      "", "+1", "@x", "-y", "tab\tin", "a\nb", "x" * 32767], "each"),
    ([None, float("nan")], "each"),
    (["ok", "bad\x01"], None),  # illegal: written cell by cell, which raises
    (["ok", "nul\x00inside"], None),
    (["ok", "x" * 32768], None),  # longer than Excel holds: cut cell by cell
    (["ok", 3.5], None),  # a number among texts
    (["ok", True], None),
])
def test_text_tails_made_at_once_are_each_texts_own_tail(values, tails):
    """_text_tails checks and escapes a column's distinct texts joined together; each tail must
    be the one _text_tail makes for that text alone, and a column it cannot write so is
    refused as a whole."""
    quote = ' s="7"'
    got = xlsx_fast._text_tails(values, quote)
    if tails is None:
        assert got is None
    else:
        texts = {v for v in values if isinstance(v, str)}
        assert got == {v: xlsx_fast._text_tail(v, quote) for v in texts}
