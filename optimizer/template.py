"""Input workbooks that explain themselves: the blank template and the bundled example.

Both share one layout, generated from the contract in :mod:`optimizer.schema`:

- an Instructions sheet: what each sheet and column means, units, how caps combine;
- each data sheet an Excel Table (header on row 1, frozen) with a comment on every header cell;
- drop-down lists (data validation) for references to minerals, suppliers, countries and budget
  lines, numeric validation (>= 0; shares 0-1), percent format for share columns.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from . import schema
from .writer import SheetOut, fill_sheet, save_workbook, set_text

VALIDATED_ROWS = 2000  # drop-downs and number checks reach this far below the header
_AUTHOR = "sourcing"
_FORMATS = {"share": "0%", "number": "#,##0.##", "rate": "0%"}

# Where each reference column takes its drop-down list from: (sheet, key column).
_LIST_SOURCES = {
    ("Offers", "supplier"): ("Suppliers", "supplier"),
    ("Offers", "mineral"): ("Minerals", "mineral"),
    ("CountryCaps", "mineral"): ("Minerals", "mineral"),
    ("CountryCaps", "country"): ("Suppliers", "country"),
    ("Projects", "mineral"): ("Minerals", "mineral"),
    ("Projects", "budget"): ("Budgets", "budget"),
    ("Projects", "country"): ("Suppliers", "country"),
    ("Offers", "currency"): ("Currencies", "currency"),
    ("Projects", "currency"): ("Currencies", "currency"),
    ("Demand", "site"): ("Sites", "site"),
    ("Demand", "mineral"): ("Minerals", "mineral"),
    ("Lanes", "supplier"): ("Suppliers", "supplier"),
    ("Lanes", "site"): ("Sites", "site"),
    ("Lanes", "mineral"): ("Minerals", "mineral"),
    ("Tariffs", "mineral"): ("Minerals", "mineral"),
    ("Tariffs", "destination"): ("Sites", "country"),
}
# Countries may be new (a project in a country with no supplier yet): warn, do not forbid.
_SOFT_LISTS = {("CountryCaps", "country"), ("Projects", "country"),
               ("Lanes", "supplier"),  # a lane may also start at a project
               ("Tariffs", "destination")}


def template_frames() -> dict[str, pd.DataFrame]:
    """One example row per sheet; together they validate and solve (Japan is capped at 50 %,
    so the funded US project supplies the other half of the gallium to the one plant).

    Lanes is left empty on purpose: without lanes every supplier ships to every site."""
    settings = [(s.name, s.default) for s in schema.SETTINGS]

    def frame(sheet: str, rows: list[tuple]) -> pd.DataFrame:
        columns = [c.name for c in schema.SHEETS_BY_NAME[sheet].columns]
        return pd.DataFrame([(*row, *[None] * (len(columns) - len(row))) for row in rows],
                            columns=columns)

    return {
        "Settings": pd.DataFrame(settings, columns=["setting", "value"]),
        "Minerals": frame("Minerals", [("gallium", None, None, 2_000_000.0)]),
        "Suppliers": frame("Suppliers", [("Example supplier", "Japan", None, None)]),
        "Offers": frame("Offers", [("Example supplier", "gallium", 500_000.0, 60.0, 0.0, 0.0,
                                    None)]),
        "CountryCaps": frame("CountryCaps", [("Japan", "gallium", 0.5)]),
        "Projects": frame("Projects", [("Example recovery line", "gallium", "United States",
                                        25.0, 550_000.0, 30_000_000.0, "Example budget", 0.0,
                                        None)]),
        "Budgets": frame("Budgets", [("Example budget", 50_000_000.0)]),
        "Sites": frame("Sites", [("Example plant", "United States")]),
        "Demand": frame("Demand", [("Example plant", "gallium", 40.0)]),
        "Lanes": frame("Lanes", []),
        "Tariffs": frame("Tariffs", [("China", "United States", "gallium", 0.25)]),
        "Currencies": frame("Currencies", [("EUR", 1.08)]),
        # a what-if for `sourcing compare`: Japan at 40 % leaves 24 t to the US project
        "Scenarios": frame("Scenarios", [("Japan capped at 40%", "set", "CountryCaps.max_share",
                                          "country=Japan;mineral=gallium", 0.4)]),
        "Countries": frame("Countries", [("Japan", "allied"), ("United States", "allied")]),
        "GroupRules": frame("GroupRules", [("allied", "gallium", 0.6, None)]),
        "Disruptions": frame("Disruptions", [("Japan outage", 0.05, "Japan", None, None, 0.5)]),
    }


def instructions() -> list[list[str]]:
    """The Instructions sheet's rows, generated from the contract."""
    rows: list[list[str]] = [
        ["How to fill in this workbook"],
        [""],
        ["Each sheet below is one table with its header on row 1. Sheet and column names are "
         "matched ignoring case and surrounding spaces; extra columns and sheets are ignored "
         "(use them for notes). Required sheets: Minerals, Suppliers, Offers."],
        ["Shares are fractions from 0 to 1: type 0.5, 50% or \"50%\". Yes/no cells take "
         "TRUE/FALSE, yes/no or 1/0. Quantities are per year in the Settings quantity_unit; "
         "money is in the Settings currency."],
        ["Country caps combine from the most specific rule: CountryCaps(country, mineral), then "
         "CountryCaps(country, blank mineral), then Minerals.max_country_share, then "
         "Settings.max_country_share (default 100 %)."],
        ["One plant? Delete the Sites and Demand rows and type demand on the Minerals sheet. "
         "Several plants: list them on Sites and give demand by site on Demand (Minerals.demand "
         "blank). Lanes is optional: without it every supplier ships to every site at no cost; "
         "with it, material moves only along listed lanes. Money in another currency: name it "
         "in the currency column and give its rate on Currencies."],
        ["Check the workbook with: sourcing validate WORKBOOK. Solve it with: sourcing solve "
         "WORKBOOK."],
        [""],
        ["sheet", "column", "required", "unit", "meaning"],
    ]
    for sheet in schema.SHEETS:
        rows.append([sheet.name, "", "sheet required" if sheet.required else "optional sheet",
                     "", sheet.description])
        for col in sheet.columns:
            rows.append([sheet.name, col.name, "yes" if col.required else "", col.unit,
                         col.description])
    rows += [[""], ["setting", "default", "", "unit", "meaning"]]
    for s in schema.SETTINGS:
        rows.append([s.name, "" if s.default is None else str(s.default), "", s.unit,
                     s.description])
    return rows


def _instructions_sheet(wb: Workbook) -> None:
    ws = wb.create_sheet("Instructions", 0)
    for r, row in enumerate(instructions(), start=1):
        for c, text in enumerate(row, start=1):
            set_text(ws.cell(row=r, column=c), text)
    ws["A1"].font = Font(bold=True, size=14)
    for r in range(1, ws.max_row + 1):
        if ws.cell(row=r, column=1).value in ("sheet", "setting"):
            for c in range(1, 6):
                ws.cell(row=r, column=c).font = Font(bold=True)
    for r in range(3, 7):
        ws.cell(row=r, column=1).alignment = Alignment(wrap_text=False)
    for letter, width in zip("ABCDE", (22, 20, 16, 20, 90)):
        ws.column_dimensions[letter].width = width


def _decorate(spec: schema.Sheet, n_rows: int, columns: list[str]):
    """Table, header comments, validation and formats for one data sheet."""

    def decorate(ws, header_row: int) -> None:
        last_col = get_column_letter(len(columns))
        last_row = header_row + max(n_rows, 1)
        table = Table(displayName=f"tbl{spec.name}", ref=f"A{header_row}:{last_col}{last_row}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(table)
        first, last = header_row + 1, header_row + VALIDATED_ROWS
        for j, name in enumerate(columns, start=1):
            letter = get_column_letter(j)
            try:
                col = spec.column(name)
            except KeyError:
                continue  # the user's own note column
            text = f"{col.description}" + (f" Unit: {col.unit}." if col.unit else "") + \
                (" Required." if col.required else " Optional.")
            ws.cell(row=header_row, column=j).comment = Comment(text, _AUTHOR, width=300,
                                                                height=110)
            cells = f"{letter}{first}:{letter}{last}"
            source = _LIST_SOURCES.get((spec.name, name))
            if source is not None:
                src_letter = get_column_letter(
                    [c.name for c in schema.SHEETS_BY_NAME[source[0]].columns].index(source[1]) + 1)
                dv = DataValidation(
                    type="list",
                    formula1=f"{source[0]}!${src_letter}${first}:${src_letter}${last}",
                    allow_blank=True,
                    errorStyle="warning" if (spec.name, name) in _SOFT_LISTS else "stop",
                    error=f"Pick a {source[1]} listed on the {source[0]} sheet.",
                    errorTitle=f"Unknown {source[1]}")
            elif col.kind == "share":
                dv = DataValidation(type="decimal", operator="between", formula1="0",
                                    formula2="1", allow_blank=True,
                                    error="A share is a fraction from 0 to 1 (0.5 or 50%).",
                                    errorTitle="Not a share")
            elif col.kind in ("number", "rate", "positive"):
                dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                                    allow_blank=True, error="Expected a number >= 0.",
                                    errorTitle="Not a number >= 0")
            else:
                dv = None
            if dv is not None:
                dv.showErrorMessage = True
                ws.add_data_validation(dv)
                dv.add(cells)
            if col.kind in _FORMATS:
                for r in range(first, last + 1 if n_rows == 0 else header_row + n_rows + 1):
                    ws.cell(row=r, column=j).number_format = _FORMATS[col.kind]

    return decorate


def input_workbook(frames: dict[str, pd.DataFrame], extra: list[SheetOut] = ()) -> Workbook:
    """An input workbook in the template layout holding ``frames`` (keyed by sheet name)."""
    wb = Workbook()
    wb.remove(wb.active)
    _instructions_sheet(wb)
    for spec in schema.SHEETS:
        frame = frames.get(spec.name)
        if frame is None:
            frame = pd.DataFrame(columns=[c.name for c in spec.columns])
        columns = [str(c) for c in frame.columns]
        formats = {c.name: _FORMATS[c.kind] for c in spec.columns if c.kind in _FORMATS}
        sheet = SheetOut(spec.name, frame, formats=formats,
                         decorate=_decorate(spec, len(frame), columns))
        fill_sheet(wb.create_sheet(spec.name), sheet)
    for sheet in extra:
        fill_sheet(wb.create_sheet(sheet.name), sheet)
    return wb


def write_input_workbook(frames: dict[str, pd.DataFrame], path: str | Path,
                         extra: list[SheetOut] = ()) -> Path:
    """Write input tables (keyed by sheet name) in the template layout, atomically."""
    return save_workbook(input_workbook(frames, extra), path)


def write_template(path: str | Path) -> Path:
    """Write the blank, self-explaining input workbook (one example row per sheet)."""
    return write_input_workbook(template_frames(), path)
