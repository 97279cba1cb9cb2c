"""Workbooks as people make them, and hostile files: read the same, or refused in one sentence.

The fixture workbooks in tests/fixtures/ come from scripts/make_fixtures.py (LibreOffice makes
the LibreOffice ones; CI only reads the committed files).
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import optimizer.reader
import optimizer.files
from optimizer import InputError, read_workbook, solve
from optimizer.errors import WorkbookFileError

from .conftest import GOOD, workbook

FIXTURES = Path(__file__).parent / "fixtures"
SAME_AS_PLAIN = ["excel_table.xlsx", "libreoffice.xlsx", "libreoffice_table.xlsx",
                 "formulas_libreoffice.xlsx"]




def plan(result) -> dict[tuple[str, str], float]:
    return {(r.supplier, r.mineral): round(r.quantity, 6)
            for r in result.allocations.itertuples(index=False)}


# --- the same instance, laid out as plain ranges, Excel Tables, and saved by LibreOffice -------
def test_plain_fixture_solves_to_the_hand_computed_plan():
    """Gallium (demand 1,200, any country at most 60 %): China's 720 at 10 = 7,200. The other
    480: the US project's 360 at 11 plus capex 1,000 / 10 years = 4,060, cheaper than 360 from
    Japan at 15 = 5,400, so it is funded (1,000 <= budget 1,500); Japan supplies the last 120
    at 15 = 1,800. Germanium (demand 10, China capped at 50 %): 5 from China at 20 = 100 and 5
    from Belgium at 30 = 150 (min_order 2 is met). Total 7,200 + 4,060 + 1,800 + 250 = 13,310.
    """
    result = solve(read_workbook(FIXTURES / "plain.xlsx"))
    assert result.status == "optimal"
    assert result.total_cost == pytest.approx(13_310)
    assert plan(result) == {("CN-A", "gallium"): 720, ("US recovery line", "gallium"): 360,
                            ("JP-B", "gallium"): 120, ("CN-A", "germanium"): 5,
                            ("BE-C", "germanium"): 5}


def test_fixtures_are_what_they_claim_to_be():
    """Guards the tests below against a fixture that silently became a plain openpyxl file."""
    def parts(name):
        with zipfile.ZipFile(FIXTURES / name) as z:
            return z.namelist(), z.read("xl/workbook.xml")

    for name in ("libreoffice.xlsx", "libreoffice_table.xlsx", "formulas_libreoffice.xlsx"):
        members, book = parts(name)
        assert b'appName="Calc"' in book and "xl/sharedStrings.xml" in members, name
    for name in ("excel_table.xlsx", "libreoffice_table.xlsx"):
        members, _ = parts(name)
        assert sum(m.startswith("xl/tables/table") for m in members) == 7, name
    members, book = parts("plain.xlsx")
    assert not any(m.startswith("xl/tables/") for m in members)


@pytest.mark.parametrize("name", SAME_AS_PLAIN)
def test_layout_reads_to_the_same_data_as_the_plain_workbook(name):
    plain = read_workbook(FIXTURES / "plain.xlsx").to_frames()
    other = read_workbook(FIXTURES / name)
    assert other.warnings == []
    frames = other.to_frames()
    assert list(frames) == list(plain)
    for sheet, table in plain.items():
        pd.testing.assert_frame_equal(frames[sheet], table, obj=f"{name} {sheet}")


@pytest.mark.parametrize("name", SAME_AS_PLAIN)
def test_layout_solves_to_the_same_plan_as_the_plain_workbook(name):
    plain = solve(read_workbook(FIXTURES / "plain.xlsx"))
    other = solve(read_workbook(FIXTURES / name))
    assert other.total_cost == pytest.approx(plain.total_cost)
    assert plan(other) == plan(plain)


def test_excel_table_layout_puts_the_header_below_a_title_row():
    data = read_workbook(FIXTURES / "excel_table.xlsx")
    assert data.offers["excel_row"].tolist() == [4, 5, 6, 7]


def test_formulas_without_saved_values_are_listed_until_saved_once_by_a_spreadsheet():
    with pytest.raises(InputError) as info:
        read_workbook(FIXTURES / "formulas.xlsx")
    assert [p.location for p in info.value.errors] == [
        "Minerals!B2 (demand)", "Offers!D2 (capacity)", "Budgets!B2 (amount)"]
    assert all("open and save it once" in p.message for p in info.value.errors)
    assert read_workbook(FIXTURES / "formulas_libreoffice.xlsx").minerals.at[
        "gallium", "demand"] == 1200


def test_opendocument_file_is_refused_with_advice(run):
    result = run("validate", FIXTURES / "libreoffice.ods")
    assert result.exit_code == 1
    assert "is an OpenDocument spreadsheet (.ods); save it as an Excel workbook (.xlsx)" in \
        result.stderr


# --- hidden sheets -----------------------------------------------------------------------------
def test_hidden_sheet_of_ours_is_still_read(tmp_path):
    sheets = {**GOOD, "Settings": [["setting", "value"], ["max_country_share", 0.6]]}
    data = read_workbook(workbook(tmp_path, sheets, hidden={"Settings"}))
    assert data.settings.max_country_share == 0.6


def test_hidden_sheet_that_is_not_ours_is_ignored(tmp_path):
    sheets = {**GOOD, "Lookups": [["supplier", "capacity"], ["??", "lots"], ["=1/0"]]}
    data = read_workbook(workbook(tmp_path, sheets, hidden={"Lookups"}))
    assert data.warnings == []
    assert len(data.offers) == 2


def test_visible_sheet_wins_over_a_hidden_copy_with_the_same_name(tmp_path):
    old = [["supplier", "mineral", "unit_cost", "capacity"], ["CN-A", "gallium", 99, 1]]
    sheets = {"Minerals": GOOD["Minerals"], "Suppliers": GOOD["Suppliers"], " offers": old,
              "Offers": GOOD["Offers"]}
    data = read_workbook(workbook(tmp_path, sheets, hidden={" offers"}))
    assert data.offers.loc[("CN-A", "gallium"), "unit_cost"] == 10


# --- warnings: listed apart from errors, the solve goes on -------------------------------------
WARNED = {
    "Minerals": GOOD["Minerals"],
    "Suppliers": [*GOOD["Suppliers"], ["KR-D", "Korea"]],
    "Offers": [*GOOD["Offers"], ["CN-A", "cobalt", 30, 50]],
    "CountryCaps": [["country", "mineral", "max_share"], ["Russia", None, 0]],
}


def test_supplier_with_no_offers_is_a_warning(tmp_path):
    warnings = [str(w) for w in read_workbook(workbook(tmp_path, WARNED)).warnings]
    assert 'Suppliers!A4 (supplier): "KR-D" has no valid offer on the Offers sheet' in warnings


def test_country_cap_on_a_country_that_supplies_nothing_is_a_warning(tmp_path):
    warnings = [str(w) for w in read_workbook(workbook(tmp_path, WARNED)).warnings]
    assert 'CountryCaps!A2 (country): "Russia" supplies nothing of anything; this cap has no ' \
           "effect" in warnings


def test_offer_of_a_mineral_nobody_demands_is_a_warning(tmp_path):
    data = read_workbook(workbook(tmp_path, WARNED))
    assert 'Offers!B4 (mineral): "cobalt" is not on the Minerals sheet; this row is ignored' \
        in [str(w) for w in data.warnings]
    assert all(w.severity == "warning" for w in data.warnings)
    assert list(data.offers.index) == [("CN-A", "gallium"), ("JP-B", "gallium")]


def test_cli_lists_warnings_apart_and_solves(run, tmp_path):
    result = run("solve", workbook(tmp_path, WARNED), "-o", tmp_path / "plan.xlsx")
    assert result.exit_code == 0
    assert "3 warnings (the solve goes on):" in result.stderr
    assert "Error" not in result.stderr
    assert (tmp_path / "plan.xlsx").exists()


def test_cli_lists_errors_then_warnings_under_their_own_heading(run, tmp_path):
    sheets = {**WARNED, "Minerals": [["mineral", "demand"], ["gallium", "lots"]]}
    result = run("validate", workbook(tmp_path, sheets))
    assert result.exit_code == 1
    errors, warnings = result.stderr.split("warnings:")
    assert 'Minerals!B2 (demand): "lots" is not a number' in errors
    assert '"cobalt" is not on the Minerals sheet' in warnings
    assert '"KR-D" has no valid offer' in warnings


# --- several planted mistakes: every one reported with sheet, row and column -------------------
def test_every_planted_mistake_is_reported_with_sheet_row_and_column(run, tmp_path):
    title = [["Q3 quotes"], []]  # the header is on row 3, data from row 4
    sheets = {
        "Settings": [*title, ["setting", "value"], ["max_country_share", 60],
                     ["allow_shortfall", "maybe"]],
        "Minerals": [*title, ["mineral", "demand"], ["gallium", "1,2OO"], ["germanium", -3]],
        "Suppliers": [*title, ["supplier", "country"], ["CN-A", "China"], ["JP-B", None],
                      ["CN-A", "China"]],
        "Offers": [*title, ["supplier", "mineral", "unit_cost", "capacity", "min_order"],
                   ["CN-A", "gallium", 10, 200, 300], ["JP-C", "gallium", 15, 80, None],
                   ["CN-A", "germanium", "=A1*2", 5, None]],
        "CountryCaps": [*title, ["country", "mineral", "max_share"], ["China", "galium", 0.5]],
        "Projects": [*title, ["project", "mineral", "country", "capacity", "unit_cost", "capex",
                              "budget"], ["Line", "gallium", "USA", 10, 5, 100, "DPA III"]],
        "Budgets": [*title, ["budget", "amount"], ["DPA", 1000]],
    }
    planted = [
        ("Settings", 4, "B", "value", "looks like a whole percent"),
        ("Settings", 5, "B", "value", "is not TRUE/FALSE"),
        ("Minerals", 4, "B", "demand", "is not a number"),
        ("Minerals", 5, "B", "demand", "is negative"),
        ("Suppliers", 5, "B", "country", "is blank"),
        ("Suppliers", 6, "A", "supplier", "is listed twice (first on row 4)"),
        ("Offers", 4, "E", "min_order", "is above the capacity 200"),
        ("Offers", 5, "A", "supplier", 'is not on the Suppliers sheet (did you mean "JP-B"?)'),
        ("Offers", 6, "C", "unit_cost", "formula has no saved value"),
        ("CountryCaps", 4, "B", "mineral", 'did you mean "gallium"?'),
        ("Projects", 4, "G", "budget", 'did you mean "DPA"?'),
    ]
    path = workbook(tmp_path, sheets)
    with pytest.raises(InputError) as info:
        read_workbook(path)
    found = info.value.errors
    for sheet, row, letter, column, words in planted:
        assert any(p.sheet == sheet and p.row == row and p.column_ref == letter
                   and p.column == column and words in p.message for p in found), \
            (sheet, row, column, words, [str(p) for p in found])
    assert len(found) == len(planted), [str(p) for p in found]
    result = run("validate", path)
    assert result.exit_code == 1
    assert f"the workbook has {len(planted)} problems" in result.stderr
    for sheet, row, letter, column, _ in planted:
        assert f"{sheet}!{letter}{row} ({column})" in result.stderr


# --- hostile files -----------------------------------------------------------------------------
_LEVELS = '<!ENTITY lol0 "lol">' + "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
BOMB = f"<!DOCTYPE lolz [{_LEVELS}]>".encode()  # &lol9; is 10**9 x "lol": 3 GB if expanded


def rewrite(source: Path, target: Path, changes: dict) -> Path:
    """Copy an xlsx, passing the named members' bytes through the given functions."""
    with zipfile.ZipFile(source) as zin, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            data = zin.read(name)
            zout.writestr(name, changes[name](data) if name in changes else data)
    return target


def _with_bomb(xml: bytes, old: bytes) -> bytes:
    assert old in xml
    if xml.startswith(b"<?xml"):
        end = xml.index(b"?>") + 2
        xml = xml[:end] + BOMB + xml[end:]
    else:
        xml = BOMB + xml
    return xml.replace(old, b"&lol9;", 1)


def test_entity_bomb_in_a_sheet_is_refused(run, tmp_path):
    bomb = rewrite(workbook(tmp_path, GOOD), tmp_path / "bomb.xlsx",
                   {"xl/worksheets/sheet1.xml": lambda x: _with_bomb(x, b"gallium")})
    result = run("validate", bomb)
    assert result.exit_code == 1
    assert "part xl/worksheets/sheet1.xml declares XML entities (<!DOCTYPE>), which " \
           "spreadsheet programs never write; refused as unsafe" in result.stderr
    assert "Traceback" not in result.output


def test_entity_bomb_in_shared_strings_is_refused(tmp_path):
    bomb = rewrite(FIXTURES / "libreoffice.xlsx", tmp_path / "bomb.xlsx",
                   {"xl/sharedStrings.xml": lambda x: _with_bomb(x, b"gallium")})
    with pytest.raises(WorkbookFileError, match="sharedStrings.xml declares XML entities"):
        read_workbook(bomb)


def test_calamine_itself_does_not_expand_entities(tmp_path):
    """The second line of defence: without our check, calamine stops at the entity."""
    from python_calamine import CalamineWorkbook

    bomb = rewrite(FIXTURES / "libreoffice.xlsx", tmp_path / "bomb.xlsx",
                   {"xl/sharedStrings.xml": lambda x: _with_bomb(x, b"gallium")})
    with pytest.raises(Exception, match="entity"):
        CalamineWorkbook.from_path(str(bomb)).get_sheet_by_name("Minerals").to_python()


def _padded_sheet(tmp_path, pad: int, name="padded.xlsx") -> Path:
    """A valid workbook whose Minerals sheet XML carries ``pad`` bytes of spaces (they compress
    about 1000 to 1), streamed so that the test itself stays small."""
    source = workbook(tmp_path, GOOD, name="source.xlsx")
    target = tmp_path / name
    with zipfile.ZipFile(source) as zin, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(info.filename, data)
                continue
            head, tail = data.split(b"<sheetData>")
            with zout.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(head + b"<sheetData>")
                chunk = b" " * (1 << 20)
                for _ in range(pad // len(chunk)):
                    fh.write(chunk)
                fh.write(tail)
    return target


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail the test if the workbook XML is ever handed to calamine."""
    import python_calamine

    class Refuse:
        @staticmethod
        def from_path(path):
            raise AssertionError("calamine was asked to parse a workbook that should be refused")

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Refuse)


def test_workbook_unpacking_past_the_size_limit_is_refused_before_parsing(
        monkeypatch, no_parsing, tmp_path):
    monkeypatch.setattr(optimizer.reader, "MAX_UNPACKED_BYTES", 4 << 20)
    path = _padded_sheet(tmp_path, 5 << 20)
    assert path.stat().st_size < 64 << 10
    with pytest.raises(WorkbookFileError, match=r"would unpack to 5 MB \(limit 4 MB\); refused "
                                                "as a possible zip bomb"):
        read_workbook(path)


def test_highly_compressed_part_is_refused_as_a_zip_bomb_at_the_default_limits(
        run, no_parsing, tmp_path):
    path = _padded_sheet(tmp_path, 12 << 20)
    result = run("validate", path)
    assert result.exit_code == 1
    assert "part xl/worksheets/sheet1.xml would unpack 12 MB from" in result.stderr
    assert "refused as a possible zip bomb" in result.stderr


def test_part_larger_than_its_declared_size_is_refused(tmp_path):
    """A zip whose headers understate a part's size cannot slip past the size limit: the
    reader stops at the declared size."""
    raw = bytearray(_padded_sheet(tmp_path, 2 << 20).read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    for sig, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30),
                                               (b"PK\x01\x02", 24, 28, 46)):
        i = raw.find(sig)
        while i != -1:
            (n,) = struct.unpack_from("<H", raw, i + name_len_at)
            if raw[i + name_at:i + name_at + n] == name:
                struct.pack_into("<I", raw, i + size_at, 2000)
            i = raw.find(sig, i + 4)
    liar = tmp_path / "liar.xlsx"
    liar.write_bytes(bytes(raw))
    with zipfile.ZipFile(liar) as z:
        assert z.getinfo(name.decode()).file_size == 2000
    with pytest.raises(WorkbookFileError):
        read_workbook(liar)


def _truncated(tmp_path) -> bytes:
    data = workbook(tmp_path, GOOD, name="whole.xlsx").read_bytes()
    return data[: len(data) // 2]


def _damaged_part(tmp_path) -> bytes:
    """The Minerals sheet stored uncompressed, with one letter changed after its checksum."""
    buf = io.BytesIO()
    with zipfile.ZipFile(workbook(tmp_path, GOOD, name="whole.xlsx")) as z, \
            zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
        for name in z.namelist():
            out.writestr(name, z.read(name))
    data = buf.getvalue()
    assert data.index(b"gallium") > data.index(b"xl/worksheets/sheet1.xml")
    return data.replace(b"gallium", b"gallion", 1)


def _zip_without_workbook(tmp_path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    return buf.getvalue()


NOT_WORKBOOKS = {
    "renamed CSV": (lambda tmp: b"supplier,mineral\nCN-A,gallium\n",
                    "is not an Excel workbook (.xlsx); if it is a CSV or text file, open it in a "
                    "spreadsheet program and save as .xlsx"),
    "empty file": (lambda tmp: b"", "the file is empty"),
    "old .xls": (lambda tmp: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
                 "is an old-style .xls (or encrypted) workbook; open it in a spreadsheet program "
                 "and save it as .xlsx"),
    "truncated zip": (_truncated, "is a damaged .xlsx file (File is not a zip file)"),
    "damaged part": (_damaged_part, "is a damaged .xlsx file (Bad CRC-32 for file "
                                    "'xl/worksheets/sheet1.xml')"),
    "zip of something else": (_zip_without_workbook,
                              "is not an .xlsx; save it as an Excel workbook (.xlsx)"),
}


@pytest.mark.parametrize("kind", NOT_WORKBOOKS)
def test_non_workbook_gets_one_sentence_and_exit_1(run, tmp_path, kind):
    make, sentence = NOT_WORKBOOKS[kind]
    path = tmp_path / "input.xlsx"
    path.write_bytes(make(tmp_path))
    for command in (("validate", path), ("solve", path, "-o", tmp_path / "out.xlsx")):
        result = run(*command)
        assert result.exit_code == 1, result.output
        assert result.stderr.splitlines() == ["Error: the workbook has 1 problem:",
                                              f"  {path}: {sentence}"]
        assert result.stdout == ""
        assert not (tmp_path / "out.xlsx").exists()


def test_corrupt_part_inside_a_valid_zip_gets_one_sentence(run, tmp_path):
    path = rewrite(workbook(tmp_path, GOOD), tmp_path / "corrupt.xlsx",
                   {"xl/workbook.xml": lambda x: x[: len(x) // 2]})
    result = run("validate", path)
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 2
    assert "Traceback" not in result.output


# --- outputs -----------------------------------------------------------------------------------
def test_target_that_cannot_be_replaced_is_refused_with_exit_2_without_damage(
        run, tmp_path, monkeypatch):
    """os.replace failing is what a read-only folder or a file locked by Windows gives; it is
    simulated because tests run as root, which ignores file permissions."""
    source = workbook(tmp_path, GOOD)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "plan.xlsx"
    target.write_bytes(b"yesterday's plan")

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(optimizer.files.os, "replace", refuse)
    result = run("solve", source, "-o", target)
    assert result.exit_code == 2
    assert f"Error: cannot write {target}: Permission denied" in result.stderr
    assert target.read_bytes() == b"yesterday's plan"
    assert sorted(p.name for p in out_dir.iterdir()) == ["plan.xlsx"]


def test_target_inside_a_file_is_refused_with_exit_2(run, tmp_path):
    source = workbook(tmp_path, GOOD)
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    result = run("solve", source, "-o", blocker / "plan.xlsx")
    assert result.exit_code == 2
    assert f"cannot write to {blocker}" in result.stderr
    assert blocker.read_text() == "a file, not a folder"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write into read-only folders")
def test_read_only_folder_is_refused_with_exit_2(run, tmp_path):
    source = workbook(tmp_path, GOOD)
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = run("solve", source, "-o", folder / "plan.xlsx")
    finally:
        folder.chmod(0o755)
    assert result.exit_code == 2
    assert "Permission denied" in result.stderr
    assert list(folder.iterdir()) == []


# --- the template, filled in by hand -----------------------------------------------------------
def test_template_filled_in_by_hand_solves(tmp_path):
    """As someone would in a spreadsheet program: the example rows of every data sheet are
    deleted, the user's rows typed in their place, one of them below the end of the Table; the
    Settings keep their defaults. Cobalt, demand 100; Congo may supply at most 70 %: 70 from
    Congo at 30 = 2,100 and 30 from Australia at 40 = 1,200, total 3,300."""
    from optimizer.template import write_template

    path = write_template(tmp_path / "mine.xlsx")
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if ws.title not in ("Instructions", "Settings"):
            for row in ws.iter_rows(min_row=2):
                for cell in row:
                    cell.value = None

    def put(sheet: str, row: int, values: dict[str, object]) -> None:
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        for j, name in enumerate(header, start=1):
            ws.cell(row=row, column=j).value = values.get(name)

    put("Minerals", 2, {"mineral": "cobalt", "demand": 100})
    put("Suppliers", 2, {"supplier": "Congo Mining", "country": "Congo (Kinshasa)"})
    put("Suppliers", 3, {"supplier": "Aus Cobalt", "country": "Australia"})
    put("Offers", 2, {"supplier": "Congo Mining", "mineral": "cobalt", "unit_cost": 30,
                      "capacity": 500})
    put("Offers", 3, {"supplier": "Aus Cobalt", "mineral": "cobalt", "unit_cost": 40,
                      "capacity": 500})
    put("CountryCaps", 2, {"country": "Congo (Kinshasa)", "mineral": "cobalt",
                           "max_share": 0.7})
    wb.save(path)
    result = solve(read_workbook(path))
    assert result.status == "optimal"
    assert result.total_cost == pytest.approx(3300)
    assert plan(result) == {("Congo Mining", "cobalt"): 70, ("Aus Cobalt", "cobalt"): 30}


def test_mineral_with_zero_demand_solves_and_shows_no_top_country(run, tmp_path):
    """Found by the property tests: germanium needed 0 this year. Gallium comes all from China
    at 10 (no cap): 100 x 10 = 1,000; germanium gets nothing and has no top country."""
    sheets = {**GOOD, "Minerals": [["mineral", "demand"], ["gallium", 100], ["germanium", 0]]}
    result = run("solve", workbook(tmp_path, sheets), "-o", tmp_path / "plan.xlsx")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("germanium"))
    assert line.split()[4:6] == ["-", "-"]
    assert "total cost 1,000.00" in result.stdout


@pytest.mark.parametrize("xml, holds", [
    (b'<c r="A1"><f>SUM(B1:B3)</f><v>6</v></c>', True),
    (b'<c r="A1"><f t="shared" ref="A1:A9" si="0"/></c>', True),
    (b'<c r="A1"><f/></c>', True),
    (b'<x:c r="A1"><x:f>1+1</x:f></x:c>', True),
    (b'<x:c r="A1"><x:f\n>1+1</x:f></x:c>', True),
    (b'<dataValidation><formula1>"a,b"</formula1></dataValidation><c><v>1</v></c>', False),
    (b'<c r="A1" t="inlineStr"><is><t>&lt;f&gt; is text</t></is></c>', False),
    (b'<sheetFormatPr defaultRowHeight="15"/><c r="A1"><v>1</v></c>', False),
])
def test_the_formula_prefilter_never_misses_what_the_formula_scan_finds(xml, holds):
    """The reader skips its formula scan when no <f> element can be in a sheet; it must say
    so only when the scan's own pattern finds nothing."""
    from optimizer.reader import _FORMULA, _may_hold_formula

    assert bool(_FORMULA.search(xml)) == holds
    assert _may_hold_formula(xml) == holds


def test_a_formula_without_a_saved_value_reads_as_an_empty_cell():
    """The reader scans a sheet's XML for such formulas only when a cell reads as empty: every
    cell the scan finds must be one (calamine's reading of them)."""
    from optimizer.reader import read_raw

    raw = read_raw(FIXTURES / "formulas.xlsx")
    found = [(name, r, j) for name, sheet in raw.sheets.items() for r, j in sheet.uncached]
    assert found
    for name, r, j in found:
        assert raw.sheets[name].grid[r - 1][j] == ""


@pytest.mark.parametrize("grid, empty", [
    ([["supplier", "capacity"], ["CN-A", 200.0], ["JP-B", 0.0]], False),
    ([["supplier", "capacity"], ["CN-A", ""], ["JP-B", 0.0]], True),
    ([["supplier", "capacity"], ["CN-A", None]], True),
    ([["supplier", "capacity"], ["CN-A"]], True),  # a short row
    ([], False),
])
def test_only_a_sheet_with_an_empty_cell_is_scanned_for_formulas(grid, empty):
    from optimizer.reader import _has_empty_cell

    assert _has_empty_cell(grid) == empty
