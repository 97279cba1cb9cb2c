"""Workbook writing: tables in, an .xlsx file out, atomically and with text kept as text.

Every workbook this package writes (results, the bundled example, the template) goes through
:func:`save_workbook`, so the safety rules live in one place:

- a string is always stored as a string, never as a formula (openpyxl would store ``"=..."``
  as a formula); strings starting with ``= + - @`` also get Excel's quote prefix so that
  editing the cell does not turn them into one;
- the file is written to a temporary file beside the target and renamed over it, so an
  interrupted run leaves the old file or the new one, never half of one, and an input
  workbook is never the target (both in :mod:`optimizer.files`, which every output file uses).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import xlsx_fast
from .files import atomic_write, check_target
from .gcpause import pausing_gc

MONEY = "#,##0.00"
QUANTITY = "#,##0.00"
SHARE = "0.0%"
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")

# Number format by column name, shared by every sheet of every workbook.
COLUMN_FORMATS: dict[str, str] = {
    **{c: SHARE for c in ("share", "cap", "max_share", "max_country_share",
                          "top_country_share", "mip_gap")},
    **{c: MONEY for c in ("unit_cost", "cost", "fixed_cost", "capex", "amount", "used", "left",
                          "average_unit_cost", "shortfall_penalty", "total_cost",
                          "purchase_cost", "investment_cost", "shortfall_cost", "best_bound",
                          "transport_cost", "tariff_cost", "landed_unit_cost", "landed_cost",
                          "quote_unit_cost")},
    **{c: QUANTITY for c in ("quantity", "demand", "supplied", "shortfall", "capacity",
                             "min_order")},
    **{c: MONEY for c in ("cost_without_caps", "saving_per_point", "capacity_value",
                          "extra_budget_needed", "saving_if_funded")},
    "hhi": "0.000",
    "shortfall_pct": SHARE, "worst_country_loss_pct": SHARE,
    **{c: MONEY for c in ("case_cost", "extra_cost", "expected_cost", "cvar",
                          "worst_scenario_cost", "reservation_cost", "normal_cost")},
    **{c: QUANTITY for c in ("reserved", "expected_shortfall")},
    "solve_seconds": "0.00",
}


@dataclass
class SheetOut:
    """One sheet to write: a table, plus optional notes above it and a hook for extras."""

    name: str
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # per-column overrides
    row_formats: list[str | None] | None = None  # per-row format of the last column
    decorate: Callable | None = None  # called with (worksheet, header_row) for extras


def set_text(cell, value: str) -> None:
    """Store ``value`` in ``cell`` as text, whatever it starts with."""
    cell.value = value
    cell.data_type = "s"
    if value.startswith(xlsx_fast.FORMULA_START):
        cell.quotePrefix = True


def _cell_value(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bool):
        return value
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, str):
        return item()
    return value


def fill_sheet(ws, sheet: SheetOut) -> int:
    """Write notes, a bold frozen header and the rows; return the header's row number."""
    for i, note in enumerate(sheet.notes, start=1):
        set_text(ws.cell(row=i, column=1), note)
        ws.cell(row=i, column=1).font = Font(italic=True)
    header_row = len(sheet.notes) + (1 if sheet.notes else 0) + 1
    columns = [str(c) for c in sheet.table.columns]
    widths = [len(c) for c in columns]
    for j, name in enumerate(columns, start=1):
        cell = ws.cell(row=header_row, column=j)
        set_text(cell, name)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    formats = [sheet.formats.get(c, COLUMN_FORMATS.get(c)) for c in columns]
    table = sheet.table  # its rows past xlsx_fast.FAST_AFTER are spliced in after the save
    deferred = sheet.decorate is None and xlsx_fast.can_defer(table)
    if deferred:
        table = table.iloc[:xlsx_fast.FAST_AFTER]
    for i, row in enumerate(table.itertuples(index=False, name=None)):
        r = header_row + 1 + i
        for j, raw in enumerate(row):
            value = _cell_value(raw)
            cell = ws.cell(row=r, column=j + 1)
            if isinstance(value, str):
                set_text(cell, value)
                widths[j] = max(widths[j], xlsx_fast.cell_width(value))
                continue
            cell.value = value
            fmt = formats[j]
            if sheet.row_formats is not None and j == len(row) - 1:
                fmt = sheet.row_formats[i] or fmt
            if fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.number_format = fmt
            if value is not None:
                widths[j] = max(widths[j], xlsx_fast.cell_width(value))
    if deferred:
        rest = xlsx_fast.FAST_AFTER
        xlsx_fast.defer_rows(ws, sheet.table.iloc[rest:], header_row + 1 + rest, formats,
                             None if sheet.row_formats is None else sheet.row_formats[rest:])
        widths = [max(w, n) for w, n in zip(widths, xlsx_fast.pending_widths(ws))]
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = f"A{header_row + 1}"  # a reference, not ws.cell(): no empty cell
    if sheet.decorate is not None:
        sheet.decorate(ws, header_row)
    return header_row


def save_workbook(wb: Workbook, target: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """Save ``wb`` to ``target`` atomically (temporary file + rename); return the path."""
    target = Path(target)
    check_target(target, inputs)

    def write(tmp: str) -> None:
        wb.save(tmp)
        xlsx_fast.splice(tmp, wb)  # the rows of long tables that fill_sheet deferred

    return atomic_write(target, write)


def new_workbook(sheets: list[SheetOut]) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        fill_sheet(wb.create_sheet(sheet.name), sheet)
    return wb


def results_sheets(result) -> list[SheetOut]:
    """The sheets of output contract v1 for a :class:`optimizer.SolveResult`."""
    from .schema import OUTPUT_SHEETS

    summary = result.summary()
    item_formats = [COLUMN_FORMATS.get(item) for item in summary]
    sheets = [SheetOut("Summary", pd.DataFrame({"item": list(summary),
                                                "value": list(summary.values())}),
                       row_formats=item_formats)]
    tables = {"Minerals": result.minerals, "Allocations": result.allocations,
              "CountryShares": result.country_shares, "Investments": result.investments,
              "Budgets": result.budgets, "Flows": result.flows, "Sites": result.sites,
              "Checks": result.checks}
    for name, table in tables.items():
        if table.empty and list(table.columns) != list(OUTPUT_SHEETS[name]):
            table = pd.DataFrame(columns=list(OUTPUT_SHEETS[name]))
        sheets.append(SheetOut(name, table))
    return sheets


@pausing_gc
def write_results(result, path: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """Write a :class:`optimizer.SolveResult` as a results workbook (output contract v1).

    ``inputs`` lists workbooks that must never be overwritten (the input's own path is always
    refused, also when ``result.input_file`` names it). The file is written atomically.
    Raises :class:`optimizer.OutputError` when the target cannot be written. Sets
    ``result.write_seconds`` to the wall time taken.
    """
    started = time.perf_counter()
    inputs = [*inputs, *([result.input_file] if result.input_file else [])]
    if not result.has_plan and getattr(result, "diagnosis", None) is not None:
        # no plan: the Summary and why (optimizer/diagnose.py)
        sheets = [results_sheets(result)[0], SheetOut("Diagnosis", result.diagnosis.table())]
        written = save_workbook(new_workbook(sheets), path, inputs)
        result.write_seconds = time.perf_counter() - started
        return written
    from .charts import add_charts_sheet

    wb = new_workbook(results_sheets(result))
    add_charts_sheet(wb, result)  # the Charts sheet; notes on the marginal-value columns
    written = save_workbook(wb, path, inputs)
    result.write_seconds = time.perf_counter() - started
    return written


def write_stress(stressed, risk, path: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """Write a stress test: Summary (risk of the plan), Stress (case x mineral) and
    StressByCase (extra cost and shortfall per case) with a native Excel bar chart."""
    from openpyxl.chart import BarChart, Reference

    summary = {"normal_cost": stressed.normal_cost}
    if risk is not None:
        summary.update(expected_cost=risk.expected_cost, cvar=risk.cvar,
                       worst_scenario_cost=risk.worst_scenario_cost)
    table = stressed.table
    pivot = table.pivot_table(index="case", columns="mineral", values="shortfall_pct",
                              sort=False).reset_index()
    pivot.columns = ["case", *[f"{m} shortfall" for m in pivot.columns[1:]]]
    pivot.insert(1, "extra_cost", [stressed.costs[c] - stressed.normal_cost
                                   for c in pivot["case"]])
    share_cols = {c: SHARE for c in pivot.columns if c.endswith(" shortfall")}

    def chart(ws, header_row: int) -> None:
        bar = BarChart()
        bar.type, bar.title = "bar", "Extra yearly cost by stress case"
        bar.y_axis.title = "extra cost"
        n = len(pivot)
        bar.add_data(Reference(ws, min_col=2, min_row=header_row, max_row=header_row + n),
                     titles_from_data=True)
        bar.set_categories(Reference(ws, min_col=1, min_row=header_row + 1,
                                     max_row=header_row + n))
        bar.height, bar.width = max(7.5, 0.6 * n), 18
        ws.add_chart(bar, f"{get_column_letter(len(pivot.columns) + 2)}{header_row}")

    sheets = [
        SheetOut("Summary", pd.DataFrame({"item": list(summary), "value": list(summary.values())}),
                 formats={"value": MONEY}),
        SheetOut("Stress", table, notes=[
            "The plan's contracts, reservations and funded projects are fixed; what survives is "
            "used, spare capacity is bought spot at the premium, the rest is shortfall."]),
        SheetOut("StressByCase", pivot, formats={"extra_cost": MONEY, **share_cols},
                 decorate=chart),
    ]
    return save_workbook(new_workbook(sheets), path, inputs)
