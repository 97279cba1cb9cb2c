"""Pictures native to Excel: the Charts sheet of the results workbook.

The chart data is a long table (output sheet ``Charts``: chart, series, category, value), one
row per bar segment or point, so it is readable by people and programs alike; the openpyxl
charts beside it draw from those cells and stay live in Excel and LibreOffice. The same table
feeds the SVG pictures of the HTML report (:mod:`optimizer.report`).

Charts:

- ``country shares``: per mineral a stacked bar of the countries' shares of supply, with the
  cap on the largest supplying country marked;
- ``cost breakdown``: the yearly cost by part (purchase, fixed, investment, ...);
- ``price of the caps``: total cost with and without the country caps (when computed);
- ``budget use``: per budget line the capex used and left.
"""

from __future__ import annotations

import math

import pandas as pd
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.series import SeriesLabel
from openpyxl.comments import Comment

from .schema import OUTPUT_SHEETS

SHARES, COSTS, PRICE, BUDGETS = "country shares", "cost breakdown", "price of the caps", \
    "budget use"
CAP_SERIES = "cap on the largest country"
#: cost parts shown, in order, if the result has them
COST_PARTS = ("purchase_cost", "fixed_cost", "investment_cost", "shortfall_cost",
              "transport_cost", "tariff_cost")
#: what the marginal-value columns mean, shown as a comment on their header cells
COLUMN_NOTES: dict[tuple[str, str], str] = {
    ("CountryShares", "saving_per_point"):
        "Yearly cost saved if this cap were one percentage point higher (0: the cap does not "
        "bind). Holds for the chosen projects and contracts and for small changes.",
    ("Allocations", "capacity_value"):
        "Yearly cost saved per extra unit of this offer's (or project's) capacity. Holds for "
        "the chosen projects and contracts and for small changes.",
    ("Budgets", "next_project"):
        "The unfunded project(s) that more money on this line would buy first (found by "
        "solving again with the budget raised); blank: more money lowers no cost.",
    ("Budgets", "extra_budget_needed"): "Extra money this line needs to fund next_project.",
    ("Budgets", "saving_if_funded"): "Yearly cost saved by funding next_project.",
}


def _number(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def chart_table(result) -> pd.DataFrame:
    """The Charts sheet of a solved ``result`` (columns chart, series, category, value).

    Shares are fractions, money in the data's currency per year (budgets: currency). Rows of
    one (chart, series) are consecutive and every series of a chart lists the same categories
    in the same order.
    """
    rows: list[tuple[str, str, str, float]] = []
    shares = result.country_shares
    minerals = result.minerals["mineral"].tolist() if len(result.minerals) else []
    if len(shares):
        used = shares[shares["quantity"] > 0]
        order = used.groupby("country")["quantity"].sum().sort_values(ascending=False)
        # columns as lists: iterating a pandas column makes a Python call per element
        share = {(m, c): float(s) for m, c, s in zip(used["mineral"].tolist(),
                                                     used["country"].tolist(),
                                                     used["share"].tolist())}
        for country in order.index:
            rows += [(SHARES, country, m, share.get((m, country), 0.0)) for m in minerals]
        # the cap of each mineral's largest supplying country (the first listed on a tie)
        top = used.sort_values("share", ascending=False, kind="stable") \
            .drop_duplicates("mineral")
        cap = dict(zip(top["mineral"], top["cap"]))
        rows += [(SHARES, CAP_SERIES, m, float(cap.get(m, 0.0))) for m in minerals]
    for part in COST_PARTS:
        value = _number(getattr(result, part, None))
        if value is not None:
            rows.append((COSTS, "cost", part, value))
    without = _number(getattr(result, "cost_without_caps", None))
    if without is not None and result.total_cost is not None:
        rows.append((PRICE, "total cost", "with the caps", float(result.total_cost)))
        rows.append((PRICE, "total cost", "without caps", without))
    budgets = result.budgets
    if len(budgets):
        for series in ("used", "left"):
            rows += [(BUDGETS, series, b, float(v)) for b, v in zip(budgets["budget"],
                                                                     budgets[series])]
    return pd.DataFrame(rows, columns=list(OUTPUT_SHEETS["Charts"]))


def row_formats(table: pd.DataFrame, money: str, share: str) -> list[str]:
    """Number format of each row's value: shares as percentages, the rest as money."""
    return [share if chart == SHARES else money for chart in table["chart"].tolist()]


def _blocks(table: pd.DataFrame, chart: str, first_row: int) -> list[tuple[str, int, int]]:
    """(series, first Excel row, last Excel row) of each series of ``chart``."""
    out: list[tuple[str, int, int]] = []
    for i, (c, series) in enumerate(zip(table["chart"].tolist(), table["series"].tolist())):
        if c != chart:
            continue
        r = first_row + i
        if out and out[-1][0] == series and out[-1][2] == r - 1:
            out[-1] = (series, out[-1][1], r)
        else:
            out.append((series, r, r))
    return out


def _bar(title: str, y_title: str, stacked: bool = False) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    chart.title = title
    chart.y_axis.title = y_title
    chart.height, chart.width = 8.5, 18
    if stacked:
        chart.grouping = "stacked"
        chart.overlap = 100
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.scaling.min = 0  # bars start at zero, also in LibreOffice
    chart.y_axis.number_format = "#,##0"
    return chart


def _value_labels(chart) -> None:
    chart.dataLabels = DataLabelList()
    chart.dataLabels.showVal = True
    for flag in ("showSerName", "showCatName", "showLegendKey", "showPercent"):
        setattr(chart.dataLabels, flag, False)


def add_charts(ws, table: pd.DataFrame, header_row: int = 1, currency: str = "") -> int:
    """Draw the charts of ``table`` (written on ``ws`` with its header on ``header_row``).

    Returns how many charts were added. Charts sit to the right of the table, one under the
    other.
    """
    first = header_row + 1
    value_col, category_col = 4, 3
    anchor_row, added = 2, 0

    def place(chart) -> None:
        nonlocal anchor_row, added
        ws.add_chart(chart, f"F{anchor_row}")
        anchor_row += 18
        added += 1

    def series_into(chart, blocks) -> None:
        for series, r1, r2 in blocks:
            values = Reference(ws, min_col=value_col, min_row=r1, max_row=r2)
            chart.add_data(values, titles_from_data=False)
            chart.series[-1].tx = SeriesLabel(v=str(series))
        if blocks:
            _, r1, r2 = blocks[0]
            chart.set_categories(Reference(ws, min_col=category_col, min_row=r1, max_row=r2))

    money = f"money ({currency}/year)" if currency else "money per year"
    blocks = _blocks(table, SHARES, first)
    if blocks:
        bars = [b for b in blocks if b[0] != CAP_SERIES]
        cap = [b for b in blocks if b[0] == CAP_SERIES]
        chart = _bar("Country shares of each mineral (marker: cap on the largest country)",
                     "share of supply", stacked=True)
        series_into(chart, bars)
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
        chart.y_axis.number_format = "0%"
        chart.width = max(18, 3 * len({c for c in table.loc[table["chart"] == SHARES,
                                                              "category"]}))
        if cap:
            line = LineChart()
            series_into(line, cap)
            for s in line.series:
                s.graphicalProperties.line.noFill = True
                s.marker.symbol = "dash"
                s.marker.size = 20
                s.marker.graphicalProperties.solidFill = "C00000"
                s.marker.graphicalProperties.line.solidFill = "C00000"
            chart += line
        place(chart)
    # one labelled series each: no legend, the values on the bars
    for kind, title in ((COSTS, "Cost breakdown"),
                        (PRICE, "Price of the caps: total cost with and without them")):
        blocks = _blocks(table, kind, first)
        if blocks:
            chart = _bar(title, money)
            series_into(chart, blocks)
            chart.legend = None
            _value_labels(chart)
            place(chart)
    blocks = _blocks(table, BUDGETS, first)
    if blocks:
        chart = _bar("Budget use", f"capex ({currency})" if currency else "capex",
                     stacked=True)
        series_into(chart, blocks)
        place(chart)
    return added


def add_column_notes(wb) -> None:
    """Comment the header cells of the marginal-value columns with what they mean."""
    for (sheet, column), text in COLUMN_NOTES.items():
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 5)):
            for cell in row:
                if cell.value == column:
                    cell.comment = Comment(text, "sourcing")
                    break


__all__ = ["chart_table", "add_charts", "add_charts_sheet", "add_column_notes", "row_formats",
           "COLUMN_NOTES"]


def add_charts_sheet(wb, result) -> None:
    """Add the Charts sheet (table and charts) to a results workbook, in contract order, and
    comment the marginal-value columns' headers. Used by :func:`optimizer.write_results`."""
    from .writer import MONEY, SHARE, SheetOut, fill_sheet

    table = chart_table(result) if result.has_plan else pd.DataFrame(
        columns=list(OUTPUT_SHEETS["Charts"]))
    order = list(OUTPUT_SHEETS)
    index = sum(1 for name in wb.sheetnames if name in order
                and order.index(name) < order.index("Charts"))
    ws = wb.create_sheet("Charts", index=index)
    header = fill_sheet(ws, SheetOut("Charts", table, row_formats=row_formats(table, MONEY,
                                                                              SHARE)))
    add_charts(ws, table, header)
    add_column_notes(wb)
