"""A single self-contained HTML page of a result, for people who do not open Excel.

The page holds the same tables as the results workbook and the same charts as its Charts sheet
(:func:`optimizer.charts.chart_table`), drawn as inline SVG written here by hand: no script, no
style sheet or font from the network, nothing to install. When there is no plan, it holds the
Summary and the diagnosis instead. The markup is well-formed XML (XHTML syntax), so any XML
parser can check it.
"""

from __future__ import annotations

import math
import os
from html import escape
from pathlib import Path
from typing import Iterable

import pandas as pd

from .charts import BUDGETS, CAP_SERIES, COLUMN_NOTES, COSTS, PRICE, SHARES, chart_table
from .errors import OutputError
from .files import atomic_write

PALETTE = ("#1f4e78", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#843c0c",
           "#a9d18e", "#8faadc", "#f4b183", "#ffd966", "#c9c9c9", "#264478", "#9e480e",
           "#636363", "#997300")
SHARE_COLUMNS = {"share", "cap", "max_share", "top_country_share", "mip_gap", "tariff_rate"}
TEXT_COLUMNS = {"row", "conflict"}
CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:2em;
color:#222;max-width:75em}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th{background:#1f4e78;color:#fff;padding:.3em .6em;text-align:left}
td{padding:.25em .6em;border-bottom:1px solid #e3e3e3}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#555;font-style:italic}.why{background:#fff4e5;padding:.8em;border-left:4px solid
#c55a11}figure{margin:1em 0}figcaption{font-weight:600;margin-bottom:.3em}
svg text{font-family:inherit;font-size:12px}
"""


def _fmt(column: str, value) -> tuple[str, bool]:
    """A cell as text, and whether it is a number (right-aligned)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "", False
    if isinstance(value, bool) or isinstance(value, str):
        return str(value), False
    if isinstance(value, (int, float)) or hasattr(value, "__float__"):
        x = float(value)
        if column in TEXT_COLUMNS:
            return f"{x:.0f}", True
        if column in SHARE_COLUMNS:
            return f"{x:.1%}", True
        if x == round(x) and abs(x) < 1e15:
            return f"{x:,.0f}", True
        return f"{x:,.2f}", True
    return str(value), False


def html_table(table: pd.DataFrame, notes: dict[str, str] | None = None) -> str:
    """A DataFrame as an HTML table; ``notes`` become tooltips of the column headers."""
    notes = notes or {}
    head = "".join(f'<th title="{escape(notes[c])}">{escape(str(c))} *</th>' if c in notes
                   else f"<th>{escape(str(c))}</th>" for c in table.columns)
    body = []
    for row in table.itertuples(index=False, name=None):
        cells = []
        for column, value in zip(table.columns, row):
            text, number = _fmt(str(column), value)
            cells.append(f'<td class="n">{escape(text)}</td>' if number
                         else f"<td>{escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


# --- SVG charts --------------------------------------------------------------------------------
def _nice_max(x: float) -> float:
    if x <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(x))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * magnitude >= x:
            return step * magnitude
    return 10 * magnitude


def _short(x: float) -> str:
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:.3g}{suffix}"
    return f"{x:.3g}"


def svg_bars(title: str, categories: list[str], series: list[tuple[str, list[float]]],
             stacked: bool = False, percent: bool = False,
             markers: tuple[str, list[float]] | None = None) -> str:
    """A column chart as SVG: one group (or stack) of bars per category.

    ``markers`` draws a red dash per category at the given value (e.g. a cap), labelled in the
    legend. Values of ``percent`` charts are fractions, drawn on a 0-100 % axis.
    """
    n = max(1, len(categories))
    group = max(60, min(120, 900 // n))
    left, top, bottom = 70, 30, 70
    plot_w, plot_h = group * n, 240
    legend = [name for name, _ in series] + ([markers[0]] if markers else [])
    legend_rows = math.ceil(len(legend) / 4) if len(series) > 1 or markers else 0
    width = max(left + plot_w + 20, left + min(4, len(legend)) * 200 if legend_rows else 0)
    height = top + plot_h + bottom + 18 * legend_rows
    if percent:
        top_value = 1.0
    elif stacked:
        top_value = _nice_max(max([sum(v[i] for _, v in series) for i in range(n)] or [0]))
    else:
        top_value = _nice_max(max([max(v) for _, v in series if v] or [0]))
    if markers:
        top_value = max(top_value, _nice_max(max(markers[1] or [0])) if not percent else 1.0)

    def y(value: float) -> float:
        return top + plot_h - plot_h * (value / top_value if top_value else 0)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">']
    for k in range(5):
        value = top_value * k / 4
        yy = y(value)
        label = f"{value:.0%}" if percent else _short(value)
        out.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + plot_w}" y2="{yy:.1f}" '
                   f'stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">'
                   f'{escape(label)}</text>')
    bar_w = (group * 0.6) if stacked or len(series) == 1 else group * 0.8 / len(series)
    for i, category in enumerate(categories):
        x0 = left + i * group + (group - (bar_w if stacked or len(series) == 1
                                          else bar_w * len(series))) / 2
        base = 0.0
        for s, (name, values) in enumerate(series):
            value = values[i] if i < len(values) else 0.0
            if value <= 0:
                continue
            color = PALETTE[s % len(PALETTE)]
            if stacked:
                y1, y2, x = y(base + value), y(base), x0
                base += value
            else:
                y1, y2 = y(value), y(0)
                x = x0 + (0 if len(series) == 1 else s * bar_w)
            shown = f"{value:.1%}" if percent else f"{value:,.2f}"
            out.append(f'<rect x="{x:.1f}" y="{y1:.1f}" width="{bar_w:.1f}" '
                       f'height="{max(0.0, y2 - y1):.1f}" fill="{color}"><title>'
                       f'{escape(f"{category}, {name}: {shown}")}</title></rect>')
            if not stacked and len(series) == 1:
                out.append(f'<text x="{x + bar_w / 2:.1f}" y="{y1 - 4:.1f}" '
                           f'text-anchor="middle">{escape(_short(value))}</text>')
        if markers and i < len(markers[1]):
            value = markers[1][i]
            yy = y(value)
            out.append(f'<line x1="{x0 - 6:.1f}" y1="{yy:.1f}" x2="{x0 + bar_w + 6:.1f}" '
                       f'y2="{yy:.1f}" stroke="#c00000" stroke-width="3"><title>'
                       f'{escape(f"{category}, {markers[0]}: {value:.1%}")}</title></line>')
        cx = left + i * group + group / 2
        out.append(f'<text x="{cx:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                   f'{escape(category[:18])}</text>')
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
               f'y2="{top + plot_h}" stroke="#444"/>')
    if legend_rows:
        for k, name in enumerate(legend):
            lx = left + (k % 4) * 200
            ly = top + plot_h + 40 + 18 * (k // 4)
            if markers and k == len(legend) - 1:
                out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 14}" y2="{ly - 4}" '
                           f'stroke="#c00000" stroke-width="3"/>')
            else:
                out.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" '
                           f'fill="{PALETTE[k % len(PALETTE)]}"/>')
            out.append(f'<text x="{lx + 18}" y="{ly}">{escape(name[:30])}</text>')
    out.append("</svg>")
    return "".join(out)


def _series(table: pd.DataFrame, chart: str) -> tuple[list[str], list[tuple[str, list[float]]]]:
    rows = table[table["chart"] == chart]
    categories = list(dict.fromkeys(rows["category"]))
    series = []
    for name in dict.fromkeys(rows["series"]):
        mine = rows[rows["series"] == name]
        value = dict(zip(mine["category"], mine["value"]))
        series.append((str(name), [float(value.get(c, 0.0)) for c in categories]))
    return [str(c) for c in categories], series


def charts_html(table: pd.DataFrame) -> str:
    """The charts of a Charts table as SVG figures."""
    parts = []
    if (table["chart"] == SHARES).any():
        categories, series = _series(table, SHARES)
        cap = [s for s in series if s[0] == CAP_SERIES]
        bars = [s for s in series if s[0] != CAP_SERIES]
        parts.append(_figure("Country shares of each mineral (red: cap on the largest country)",
                             svg_bars(SHARES, categories, bars, stacked=True, percent=True,
                                      markers=cap[0] if cap else None)))
    for chart, caption, stacked in ((COSTS, "Cost breakdown (per year)", False),
                                    (PRICE, "Price of the caps: total cost with and without "
                                            "them", False),
                                    (BUDGETS, "Budget use (capex used and left)", True)):
        if (table["chart"] == chart).any():
            categories, series = _series(table, chart)
            parts.append(_figure(caption, svg_bars(chart, categories, series,
                                                   stacked=stacked)))
    return "".join(parts)


def _figure(caption: str, svg: str) -> str:
    return f"<figure><figcaption>{escape(caption)}</figcaption>{svg}</figure>"


# --- the page ----------------------------------------------------------------------------------
_TABLES = (("Minerals", "minerals"), ("Allocations", "allocations"),
           ("Country shares", "country_shares"), ("Investments", "investments"),
           ("Budgets", "budgets"), ("Flows", "flows"), ("Sites", "sites"), ("Checks", "checks"))


def report_html(result, title: str | None = None) -> str:
    """The report page of a :class:`optimizer.SolveResult` as one string of HTML."""
    name = Path(result.input_file).name if result.input_file else "sourcing plan"
    title = title or f"Sourcing plan: {name}"
    summary = pd.DataFrame({"item": list(result.summary()),
                            "value": list(result.summary().values())})
    body = [f"<h1>{escape(title)}</h1>",
            f'<p class="note">{escape(result.message or result.status)}</p>',
            "<h2>Summary</h2>", html_table(summary)]
    diagnosis = getattr(result, "diagnosis", None)
    if not result.has_plan:
        if diagnosis is not None:
            lines = "".join(f"{escape(line)}<br/>" for line in diagnosis.text().splitlines())
            body += ["<h2>Why there is no plan</h2>", f'<p class="why">{lines}</p>',
                     html_table(diagnosis.table())]
    else:
        table = chart_table(result)
        if len(table):
            body += ["<h2>Charts</h2>", charts_html(table)]
        notes = {column: text for (_, column), text in COLUMN_NOTES.items()}
        body.append('<p class="note">Columns marked * are marginal values: they hold for the '
                    "chosen projects and contracts and for small changes (hover for details)."
                    "</p>")
        for heading, attribute in _TABLES:
            frame = getattr(result, attribute, None)
            if isinstance(frame, pd.DataFrame) and len(frame):
                body += [f"<h2>{escape(heading)}</h2>", html_table(frame, notes)]
    return ("<!DOCTYPE html>\n"
            '<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head>'
            '<meta charset="utf-8"/><meta name="viewport" '
            'content="width=device-width, initial-scale=1"/>'
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def write_report(result, path: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """Write the report page of ``result`` to ``path`` atomically; return the path.

    Refuses to overwrite any of ``inputs`` (and ``result.input_file``). Raises
    :class:`optimizer.OutputError` when the file cannot be written.
    """
    target = Path(path)
    for source in [*inputs, *([result.input_file] if result.input_file else [])]:
        source = Path(source)
        if source.exists() and target.exists() and os.path.samefile(source, target):
            raise OutputError(f"refusing to write the report over {source}; choose another path")
    if target.exists() and target.is_dir():
        raise OutputError(f"{target} is a folder; give a file name ending in .html")
    text = report_html(result)

    def write(tmp: str) -> None:
        Path(tmp).write_text(text, encoding="utf-8")

    return atomic_write(target, write)


__all__ = ["report_html", "write_report", "svg_bars", "html_table", "charts_html"]
