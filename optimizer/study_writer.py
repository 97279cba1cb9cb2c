"""The comparison workbook of a what-if study, written with :mod:`optimizer.writer`.

Sheets: Comparison (one row per scenario, with a native Excel chart of total cost by scenario:
bars for a comparison, a line for a sweep), Allocations (every scenario's allocations in one
long table with a scenario column) and Scenarios (the changes each scenario made). Written
atomically; text stays text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pandas as pd

from .scenarios import BASE, scenarios_frame
from .writer import MONEY, QUANTITY, SHARE, SheetOut, new_workbook, save_workbook


def _formats(table: pd.DataFrame) -> dict[str, str]:
    out = {"total_cost": MONEY, "cost_change": MONEY, "cost_change_pct": SHARE}
    for column in table.columns:
        what = str(column).rsplit(": ", 1)[-1]
        if ": " in str(column):
            out[column] = {"top_country_share": SHARE, "hhi": "0.000",
                           "shortfall": QUANTITY}.get(what, "General")
    return out


def _chart(study, n_rows: int):
    """Add the cost chart below the Comparison table."""
    from openpyxl.chart import BarChart, LineChart, Reference, Series

    def decorate(ws, header_row: int) -> None:
        first = header_row + 1
        last = header_row + n_rows
        if study.kind == "sweep" and n_rows > 1 and ws.cell(row=first, column=1).value == BASE:
            first += 1  # the curve is over the grid; the base is a reference row
        if last < first:
            return
        if study.kind == "sweep":
            chart = LineChart()
            chart.title = "Total cost along the sweep"
            chart.x_axis.title = ", ".join(study.axes)
        else:
            chart = BarChart()
            chart.type = "col"
            chart.title = "Total cost by scenario"
            chart.x_axis.title = "scenario"
        chart.y_axis.title = f"total cost ({study.currency}/year)".replace(" ()", "")
        chart.y_axis.number_format = "#,##0"
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        values = Reference(ws, min_col=3, min_row=first, max_row=last)
        series = Series(values, title="total_cost")
        category = 1  # scenario names; a one-axis sweep is labelled by the axis' values
        if study.kind == "sweep":
            series.marker.symbol = "circle"
            series.smooth = False
            costs = [c for c in study.comparison["total_cost"].iloc[first - header_row - 1:]
                     if c is not None and c == c]
            if costs and min(costs) > 0:
                chart.y_axis.scaling.min = _nice_floor(0.9 * min(costs))
            if len(study.axes) == 1:
                category = list(study.comparison.columns).index(study.axes[0]) + 1
        chart.series.append(series)
        chart.set_categories(Reference(ws, min_col=category, min_row=first, max_row=last))
        chart.legend = None
        chart.width, chart.height = 24, 12
        ws.add_chart(chart, f"A{header_row + n_rows + 3}")

    return decorate


def _nice_floor(x: float) -> float:
    """``x`` rounded down to two significant digits (an axis minimum)."""
    import math

    step = 10 ** (math.floor(math.log10(x)) - 1)
    return math.floor(x / step) * step


def comparison_sheets(study) -> list[SheetOut]:
    """The sheets of the comparison workbook for an :class:`optimizer.study.Study`."""
    table = study.comparison
    what = "sweep" if study.kind == "sweep" else "comparison"
    notes = [f"What-if {what} of {study.source or 'the data'}: {len(table)} scenarios, the "
             "first is the data as it is (base). Money in "
             f"{study.currency or 'the workbook currency'} per year; cost_change is against "
             "the base. Blank cells: no plan."]
    return [
        SheetOut("Comparison", table, notes=notes, formats=_formats(table),
                 decorate=_chart(study, len(table))),
        SheetOut("Allocations", study.allocations),
        SheetOut("Scenarios", scenarios_frame(study.scenarios)),
    ]


def write_comparison(study, path: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """Write the study's comparison workbook to ``path`` atomically; ``inputs`` (and the
    study's own input file) are never overwritten. Raises :class:`optimizer.OutputError`."""
    inputs = [*inputs, *([study.source] if study.source and Path(study.source).exists() else [])]
    return save_workbook(new_workbook(comparison_sheets(study)), path, inputs)


__all__ = ["write_comparison", "comparison_sheets"]
