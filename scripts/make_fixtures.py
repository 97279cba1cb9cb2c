"""Make the fixture workbooks in tests/fixtures/: one small instance, laid out the ways people do.

    PYTHONPATH=. python scripts/make_fixtures.py

Needs LibreOffice for the LibreOffice-written files (Debian: ``apt-get install
libreoffice-calc-nogui``); the tests only read the committed files, so CI does not need it.

The instance (the optimum is worked out in tests/test_excel_robustness.py):

- gallium, demand 1,200 t: CN-A (China) 2,400 at 10, JP-B (Japan) 960 at 15; the US recovery
  line project, 360 t/year at 11 for capex 1,000 (from the budget line DPA, 1,500);
- germanium, demand 10 t: CN-A 50 at 20, BE-C (Belgium) 50 at 30 with a min_order of 2;
- Settings cap any country at 60 %; CountryCaps hold China to 50 % of germanium.

Files:

- ``plain.xlsx``: plain ranges, header on row 1, every value typed as its type (openpyxl);
- ``excel_table.xlsx``: each data sheet an Excel Table (ListObject) under a title row and a
  blank row, numbers typed as text ("1,200", " 960 "), a percent-formatted cap, the text "50%",
  allow_shortfall as "no", the Settings sheet hidden and a hidden note sheet of the user's own;
- ``libreoffice.ods``: plain.xlsx saved by LibreOffice as OpenDocument (refused, with advice);
- ``libreoffice.xlsx``: that .ods saved by LibreOffice as .xlsx (shared strings, LibreOffice's
  own styles and number formats);
- ``libreoffice_table.xlsx``: excel_table.xlsx opened and saved as .xlsx by LibreOffice;
- ``formulas.xlsx``: plain, but demand and capacities are formulas with no saved values (as
  openpyxl and other non-calculating programs write them);
- ``formulas_libreoffice.xlsx``: formulas.xlsx opened and saved once by LibreOffice, which
  calculates and saves the values.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
from openpyxl.worksheet.table import Table, TableStyleInfo

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures"

SHEETS: dict[str, list[list[object]]] = {
    "Settings": [["setting", "value"], ["max_country_share", 0.6], ["amortization_years", 10],
                 ["allow_shortfall", False]],
    "Minerals": [["mineral", "demand"], ["gallium", 1200], ["germanium", 10]],
    "Suppliers": [["supplier", "country"], ["CN-A", "China"], ["JP-B", "Japan"],
                  ["BE-C", "Belgium"]],
    "Offers": [["supplier", "mineral", "unit_cost", "capacity", "min_order"],
               ["CN-A", "gallium", 10, 2400, None], ["JP-B", "gallium", 15, 960, None],
               ["CN-A", "germanium", 20, 50, None], ["BE-C", "germanium", 30, 50, 2]],
    "CountryCaps": [["country", "mineral", "max_share"], ["China", "germanium", 0.5]],
    "Projects": [["project", "mineral", "country", "capacity", "unit_cost", "capex", "budget"],
                 ["US recovery line", "gallium", "United States", 360, 11, 1000, "DPA"]],
    "Budgets": [["budget", "amount"], ["DPA", 1500]],
}

# How excel_table.xlsx types some cells: (sheet, data row index from 1, column) -> cell value.
AS_TYPED = {
    ("Minerals", 1, "demand"): "1,200",
    ("Offers", 1, "capacity"): " 2,400 ",
    ("Offers", 2, "capacity"): " 960 ",
    ("Offers", 1, "unit_cost"): "$10",
    ("CountryCaps", 1, "max_share"): "50%",
    ("Settings", 3, "value"): "no",
}

# Formulas with no cached value in formulas.xlsx; they evaluate to the values in SHEETS.
FORMULAS = {
    ("Minerals", 1, "demand"): "=12*100",
    ("Offers", 1, "capacity"): "=2*1200",
    ("Budgets", 1, "amount"): "=1000+500",
}


def _cells(overrides: dict) -> dict[str, list[list[object]]]:
    out = {}
    for name, rows in SHEETS.items():
        header = rows[0]
        new = [list(header)]
        for i, row in enumerate(rows[1:], start=1):
            new.append([overrides.get((name, i, col), value) for col, value in zip(header, row)])
        out[name] = new
    return out


def plain(path: Path, sheets: dict[str, list[list[object]]] | None = None) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in (sheets or SHEETS).items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)


def excel_table(path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in _cells(AS_TYPED).items():
        ws = wb.create_sheet(name)
        ws.append([f"{name}: Q3 supplier quotes, do not circulate"])
        ws.append([])
        for row in rows:
            ws.append(row)
        ref = f"A3:{openpyxl.utils.get_column_letter(len(rows[0]))}{2 + len(rows)}"
        table = Table(displayName=f"tbl{name}", ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium9", showRowStripes=True)
        ws.add_table(table)
        ws.freeze_panes = "A4"
        if name == "Settings":
            ws["B4"].number_format = "0%"  # max_country_share 0.6 shows as 60%
            ws.sheet_state = "hidden"
    notes = wb.create_sheet("Lookups")
    notes.append(["supplier", "minerals", "contact"])
    notes.append(["CN-A", "abc", "=not a formula"])
    notes.sheet_state = "hidden"
    wb.save(path)


def formulas(path: Path) -> None:
    plain(path, _cells(FORMULAS))


def libreoffice(source: Path, fmt: str, target: Path) -> None:
    """Open ``source`` in LibreOffice (headless) and save it as ``fmt`` at ``target``."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        sys.exit("LibreOffice is needed: apt-get install libreoffice-calc-nogui")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        src = work / ("in" + source.suffix)
        shutil.copyfile(source, src)
        filters = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "ods": "ods"}
        subprocess.run([soffice, f"-env:UserInstallation=file://{work}/profile", "--headless",
                        "--calc", "--convert-to", filters[fmt], "--outdir", str(work / "out"),
                        str(src)], check=True, capture_output=True, timeout=300)
        shutil.copyfile(work / "out" / f"in.{fmt}", target)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    plain(OUT / "plain.xlsx")
    excel_table(OUT / "excel_table.xlsx")
    formulas(OUT / "formulas.xlsx")
    libreoffice(OUT / "plain.xlsx", "ods", OUT / "libreoffice.ods")
    libreoffice(OUT / "libreoffice.ods", "xlsx", OUT / "libreoffice.xlsx")
    libreoffice(OUT / "excel_table.xlsx", "xlsx", OUT / "libreoffice_table.xlsx")
    libreoffice(OUT / "formulas.xlsx", "xlsx", OUT / "formulas_libreoffice.xlsx")
    for path in sorted(OUT.iterdir()):
        print(f"{path.relative_to(OUT.parent.parent)}  {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
