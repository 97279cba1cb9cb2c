"""Long tables written fast: rows spliced into the sheet XML that openpyxl saved.

openpyxl spends about 25 microseconds per cell (a Cell object, its style, then an XML element
when saving), so the results of a plan with 100,000 offers (about two million cells) took over
a minute to write. :func:`optimizer.writer.fill_sheet` writes the notes and the header with
openpyxl as usual, so they, the frozen panes and anything added later (charts, comments) stay
openpyxl's, and hands the table's rows after the first :data:`FAST_AFTER` to
:func:`defer_rows`; :func:`optimizer.writer.save_workbook` then calls :func:`splice`, which
writes those rows straight into the saved sheet's XML at about a microsecond per cell. The
columns are sized for every row (:func:`pending_widths`), spliced or not.

The cells are the ones openpyxl would write: numbers with the column's number format (the same
style ids, registered in the workbook before it is saved; the number itself as its shortest
text that reads back as the same double, where openpyxl writes 16 significant digits and can
differ in the last bit), booleans as booleans, blanks left out, and every
string as an inline string, never a formula; strings starting with ``= + - @``
get the quote prefix as in :func:`optimizer.writer.set_text`. Strings are cut at Excel's 32,767
characters and characters XML cannot hold raise openpyxl's ``IllegalCharacterError``, as a
plain openpyxl save would.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import weakref
import zipfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain

import numpy as np
import orjson
import pandas as pd
from isal import isal_zlib
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError

from . import forked

#: tables longer than this many rows have the rest spliced in by :func:`splice`: none are
#: kept for openpyxl (50 were: 0.04-0.09 s more at L, 0.05 s at XL, medians of 6 alternating)
FAST_AFTER = 0
#: rows formatted at a time: chunks are compressed in a helper thread while the next are made
CHUNK_ROWS = 5000
#: chunks formatted ahead of the one being compressed (at most this many held in memory)
IN_FLIGHT = 4
#: a table of at least this many cells has most of its rows formatted by a forked copy of the
#: process (_Aside)
FORK_CELLS = 100_000
#: the share of such a table's rows formatted by this process, first (the copy does the rest)
OWN_SHARE = 0.35
#: pandas.api.types.infer_dtype kinds whose values this module writes exactly as openpyxl does
WRITABLE = {"string", "floating", "integer", "boolean", "mixed-integer-float", "empty"}
#: text starting with one of these gets Excel's quote prefix, here and in writer.set_text, so
#: that editing the cell does not turn it into a formula
FORMULA_START = ("=", "+", "-", "@")
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+[0-9]+)(?::([A-Z]+)([0-9]+))?"\s*/>')
_LAST_ROW = re.compile(rb'<row r="([0-9]+)"')


@dataclass
class _Pending:
    table: pd.DataFrame  # the rows still to write
    first_row: int  # Excel row of table's first row
    number_styles: list[int | None]  # style id of a number in each column
    quote_style: int  # style id of text starting with = + - @
    # per column, each distinct text's escaped cell XML (see _text_tails); None for a column
    # written otherwise (numbers, booleans, mixed)
    tails: list[dict[str, str] | None]
    last_styles: list[int | None] | None = None  # per row, for a number in the last column
    aside: "_Aside | None" = None  # the forked copy formatting the later rows, if any


_PENDING: "weakref.WeakKeyDictionary[object, _Pending]" = weakref.WeakKeyDictionary()


def can_defer(table: pd.DataFrame) -> bool:
    """True when ``table`` has rows past :data:`FAST_AFTER` and holds only text, numbers,
    booleans and blanks."""
    return len(table) > FAST_AFTER and all(
        pd.api.types.infer_dtype(table[c], skipna=True) in WRITABLE for c in table.columns)


def defer_rows(ws, table: pd.DataFrame, first_row: int, formats: list[str | None],
               last_formats: list[str | None] | None = None) -> None:
    """Have :func:`splice` write ``table`` into ``ws`` from Excel row ``first_row`` on.

    ``formats`` is the number format of each column (None: General), as fill_sheet uses them;
    ``last_formats``, when given, the format of the last column row by row (None in it: the
    column's format), as ``SheetOut.row_formats``.
    """
    styles: dict[str | None, int | None] = {None: None}

    def style(fmt: str | None) -> int | None:
        if fmt not in styles:
            probe = Cell(ws)
            probe.number_format = fmt
            styles[fmt] = probe.style_id  # registers the style in the workbook
        return styles[fmt]

    number_styles = [style(fmt) for fmt in formats]
    last_styles = None if last_formats is None else [
        style(fmt or formats[-1]) for fmt in last_formats]
    probe = Cell(ws)
    probe.quotePrefix = True
    quote_attr = _style_attr(probe.style_id)
    tails = [_text_tails(table[c].tolist(), quote_attr) if table[c].dtype.kind not in "fiub"
             else None for c in table.columns]
    pending = _Pending(table, first_row, number_styles, probe.style_id, tails, last_styles)
    if len(table) * len(table.columns) >= FORK_CELLS and _Aside.can_start():
        # from now on, beside the rest of the writing
        pending.aside = _Aside(pending, _round_rows(len(table) * OWN_SHARE))
    _PENDING[ws] = pending


def _round_rows(n: float) -> int:
    """``n`` rows rounded to whole chunks, at least one."""
    return max(1, round(n / CHUNK_ROWS)) * CHUNK_ROWS


def cell_width(value) -> int:
    """Characters a column needs for ``value`` (not None or NaN), as the results workbooks
    size their columns: a text's length; a number as ``1,234.50`` or ``str()`` shows it,
    at most 30."""
    if isinstance(value, str):
        return len(value)
    return min(len(f"{value:,.2f}") if isinstance(value, float) else len(str(value)), 30)


def _column_width(values: pd.Series) -> int:
    """The largest :func:`cell_width` of ``values`` (0 if all blank), without a call per
    value: the widest number is the largest or the smallest one, and a text is measured once
    however often it repeats."""
    kind = values.dtype.kind
    if kind == "f":
        finite = values[np.isfinite(values.to_numpy())]
        widest = [cell_width(float(x)) for x in (finite.max(), finite.min())] if len(finite) \
            else []
        widest += [cell_width(float(x)) for x in values[np.isinf(values.to_numpy())].unique()]
        return max(widest, default=0)
    if kind in "iu":
        return max((cell_width(int(x)) for x in (values.max(), values.min())), default=0) \
            if len(values) else 0
    if kind == "b":
        return max((cell_width(bool(x)) for x in values.unique()), default=0)
    # text (and mixed) columns repeat their values (suppliers, minerals, countries): each
    # distinct value measured once
    return max((cell_width(v) for v in pd.unique(values) if not pd.isna(v)), default=0)


def pending_widths(ws) -> list[int]:
    """The width each column needs for the rows deferred for ``ws`` (0 if none), by the rule
    of :func:`cell_width`, as fill_sheet sizes the rows it writes itself. A text column's
    distinct texts are its tails' keys (a text's width is its length)."""
    pending = _PENDING.get(ws)
    if pending is None:
        return []
    return [max(map(len, tails), default=0) if tails is not None
            else _column_width(pending.table[column])
            for column, tails in zip(pending.table.columns, pending.tails)]


def splice(path: str, wb) -> None:
    """Rewrite the saved workbook at ``path`` with every deferred row in place."""
    targets = {ws.path.lstrip("/"): _PENDING.pop(ws) for ws in wb.worksheets if ws in _PENDING}
    if not targets:
        return
    spliced = path + ".rows"
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(
                spliced, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                pending = targets.get(info.filename)
                if pending is None:
                    dst.writestr(info, data)
                    continue
                entry = zipfile.ZipInfo(info.filename, info.date_time)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry._compresslevel = 1  # 3x faster than the default 6; the part ~17% larger
                with dst.open(entry, "w", force_zip64=True) as out:
                    if getattr(out, "_compressor", None) is not None:
                        out._compressor = _deflate()
                    _write_sheet(out, data, pending)
        os.replace(spliced, path)
    finally:
        for pending in targets.values():  # stop a copy whose rows were not written (an error)
            if pending.aside is not None:
                pending.aside.end()
        if os.path.exists(spliced):
            os.unlink(spliced)


def _deflate():
    """A raw deflate compressor for a sheet's part, in place of the one zipfile makes.

    ISA-L's (python-isal) at its level 1 compresses the XL benchmark's 56 MB of sheet XML in
    0.06 s where zlib's level 1 takes 0.26 s, into 8.0 MB instead of 8.5 MB: the helper thread
    no longer holds the rows back (write_results at XL, medians of 7 in three alternating
    runs: 0.66/0.60/0.67 -> 0.57/0.55/0.51 s). The stream is plain deflate, which every
    reader inflates; zipfile still computes the CRC and writes the headers.
    """
    return isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)


def _write_sheet(out, xml: bytes, pending: _Pending) -> None:
    head, sep, tail = xml.partition(b"</sheetData>")
    if not sep:  # openpyxl writes <sheetData/> for a sheet without cells
        head, sep, tail = xml.partition(b"<sheetData/>")
        head, sep = head + b"<sheetData>", b"</sheetData>"
    rows = _LAST_ROW.findall(head)
    if rows and int(rows[-1]) >= pending.first_row:
        raise AssertionError("cells were written below a table whose rows were deferred")
    last = pending.first_row + len(pending.table) - 1
    width = len(pending.table.columns)

    def dimension(match: re.Match) -> bytes:
        right = match.group(2)
        columns = max(width, column_index_from_string(right.decode()) if right else 1)
        return (b'<dimension ref="' + match.group(1) + b":"
                + f"{get_column_letter(columns)}{last}".encode() + b'"/>')

    out.write(_DIMENSION.sub(dimension, head, count=1))
    # zlib compresses a chunk without holding the GIL: while chunks are compressed and written
    # in a helper thread (one at a time, in order), the next are formatted here. Up to
    # IN_FLIGHT chunks wait: the helper needs the GIL between calls, and waiting for each chunk
    # before formatting the next cost 0.02 s at L, 0.07 s at XL (medians of 8).
    aside = pending.aside
    own = _rows_xml(pending, 0, aside.start) if aside else _rows_xml(pending)
    with ThreadPoolExecutor(max_workers=1) as writer:
        written: deque = deque()
        for chunk in (chain(own, aside.chunks()) if aside else own):
            if len(written) == IN_FLIGHT:
                written.popleft().result()
            written.append(writer.submit(out.write, chunk))
        for done in written:
            done.result()
    out.write(sep + tail)


class _Aside:
    """The rows of a table from ``start`` on, formatted by a forked copy of this process
    (:mod:`optimizer.forked`).

    Formatting is Python work, and Python runs one thread at a time. A copy forked when the
    table is deferred formats its later rows on the other core while this process writes the
    other sheets, saves the workbook and formats the rows before ``start``. The copy leaves
    its XML in a temporary file. One copy at a time (two cores on the machine measured). If
    the copy fails, its rows are formatted here, so an error (an illegal character) is raised
    as without it.
    """

    running = 0  # copies started and not yet waited for

    @classmethod
    def can_start(cls) -> bool:
        return cls.running == 0 and forked.available()

    def __init__(self, pending: _Pending, start: int) -> None:
        self.pending, self.start = pending, start
        self.file = tempfile.TemporaryFile()
        self.copy = forked.Forked(self._format)
        _Aside.running += 1
        self.end = weakref.finalize(self, _Aside._end, self.copy, self.file)

    def _format(self) -> None:  # in the copy
        for chunk in _rows_xml(self.pending, self.start):
            self.file.write(chunk)
        self.file.flush()  # the copy ends with os._exit, which flushes nothing

    @staticmethod
    def _end(copy: forked.Forked, file) -> None:
        copy.cancel()  # nothing left to stop once waited for
        file.close()
        _Aside.running -= 1

    def chunks(self):
        """The copy's XML in pieces of at most 1 MB once it is done (made here if it failed)."""
        try:
            if not self.copy.wait():
                yield from _rows_xml(self.pending, self.start)
                return
            self.file.seek(0)
            while piece := self.file.read(1 << 20):
                yield piece
        finally:
            self.end()


def _rows_xml(pending: _Pending, start: int = 0, stop: int | None = None):
    """The rows ``start:stop`` as XML, in chunks of :data:`CHUNK_ROWS` rows (bytes).

    A chunk's rows come from one compiled f-string, a field per column: a number in a column
    with no blank in the chunk is formatted in it (floats by :func:`_float_texts`), a text cell
    passes its escaped tail (:func:`_text_tails`, once per column). That is 20 % faster than
    joining cells formatted one by one (0.60 -> 0.49 s for the XL benchmark's tables), which
    remains the way for a column with a blank in the chunk (its field takes the cells, "" for a
    blank), with anything but text and numbers, or with a format per row.
    """
    table = pending.table.iloc[start:stop]
    letters = [get_column_letter(j + 1) for j in range(len(table.columns))]
    number_attr = [_style_attr(s) for s in pending.number_styles]
    quote_attr = _style_attr(pending.quote_style)
    kinds = [table[c].dtype.kind for c in table.columns]
    columns = [table.iloc[:, j].tolist() for j in range(len(kinds))]
    blank = [table.iloc[:, j].isna().to_numpy() for j in range(len(kinds))]
    finite = [np.isfinite(table.iloc[:, j].to_numpy()) if kind == "f" else None
              for j, kind in enumerate(kinds)]
    tails = pending.tails
    last = len(letters) - 1
    for a in range(0, len(table), CHUNK_ROWS):
        b = min(a + CHUNK_ROWS, len(table))
        rows = range(pending.first_row + start + a, pending.first_row + start + b)
        fields, args = [], [rows]
        for j, kind in enumerate(kinds):
            values = columns[j][a:b]
            arg, cell = f"a{len(args)}", f'<c r="{letters[j]}{{r}}"'
            if j == last and pending.last_styles is not None:
                # a format per row (the Charts sheet: shares and money in one column)
                fields.append(f"{{{arg}}}")
                args.append([_cell_xml(v, f"{letters[j]}{r}", _style_attr(s), quote_attr)
                             for r, v, s in zip(rows, values, pending.last_styles[start + a:])])
            elif kind == "f" and finite[j][a:b].all():  # no blank (NaN) either
                fields.append(f"{cell}{number_attr[j]}><v>{{{arg}}}</v></c>")
                args.append(_float_texts(values))
            elif kind == "f" and not blank[j][a:b].any():  # with an infinity
                fields.append(f"{cell}{number_attr[j]}><v>{{{arg}!r}}</v></c>")
                args.append(values)
            elif kind in "iu":
                fields.append(f"{cell}{number_attr[j]}><v>{{{arg}}}</v></c>")
                args.append(values)
            elif tails[j] is not None and not blank[j][a:b].any():
                fields.append(f"{cell}{{{arg}}}")
                args.append(list(map(tails[j].__getitem__, values)))
            elif tails[j] is not None:  # text and blanks: a cell per text, "" per blank
                fields.append(f"{{{arg}}}")
                args.append([f'<c r="{letters[j]}{r}"{tails[j][v]}' if type(v) is str else ""
                             for r, v in zip(rows, values)])
            else:
                fields.append(f"{{{arg}}}")
                args.append(_column_xml(values, letters[j], rows, kind, number_attr[j],
                                        quote_attr))
        yield "".join(map(_row_function(fields), *args)).encode()


def _float_texts(values: list[float]) -> list[str]:
    """Each (finite) float as the shortest text that reads back as the same double.

    orjson writes a whole list in C: formatting the XL benchmark's tables (526,000 float
    cells) took 0.40 s with ``repr`` per value and 0.30 s this way, medians of 7, three
    alternating runs. The digits are repr's; only the notation can differ, both valid in the
    file (1e-05 is written 0.00001, 1.5e-07 as 1.5e-7).
    """
    return orjson.dumps(values)[1:-1].decode().split(",")


def _row_function(fields: list[str]):
    """``lambda r, a1, a2, ...: f'<row r="{r}">' + fields + '</row>'``, compiled.

    The fields hold only markup, column letters, style ids and the argument names; no cell
    value is ever part of the compiled code (values are the arguments).
    """
    body = '<row r="{r}">' + "".join(fields) + "</row>"
    if re.search(r"['\\\n]", body):  # cannot happen: nothing user-written is in it
        raise AssertionError(f"unexpected character in a row template: {body!r}")
    params = "".join(f", a{k}" for k in range(1, len(fields) + 1))
    return eval(f"lambda r{params}: f'{body}'")  # noqa: S307 (see the docstring)


def _text_tails(values: list, quote_attr: str) -> dict[str, str] | None:
    """Each distinct text's cell XML after ``<c r="A1"`` (see :func:`_text_tail`), escaped once
    per column (names repeat down a column); blanks (None, NaN) have none. None when a cell is
    neither: a number, an illegal character, text longer than Excel holds; such a column is
    written cell by cell (:func:`_cell_xml`).

    The texts are checked and escaped all at once, joined: an illegal character is one
    character, so it is in the joined text exactly when it is in one of them, and NUL, which
    separates them for escaping, is one."""
    distinct = set(values)
    texts = [v for v in distinct if type(v) is str]
    if len(texts) < len(distinct) and not all(
            v is None or (type(v) is float and v != v) for v in distinct if type(v) is not str):
        return None
    if max(map(len, texts), default=0) > 32767 or ILLEGAL_CHARACTERS_RE.search("".join(texts)):
        return None
    escaped = _escape("\0".join(texts)).split("\0")
    return {text: _text_tail(text, quote_attr, cell) for text, cell in zip(texts, escaped)}


def _style_attr(style: int | None) -> str:
    return "" if style is None else f' s="{style}"'


def _column_xml(values: list, letter: str, rows: range, kind: str, number_attr: str,
                quote_attr: str) -> list[str]:
    """One column's cells as XML ("" for a blank): floats with a blank, booleans, and columns
    :func:`_text_tails` cannot write (integers and text are done in :func:`_rows_xml`)."""
    if kind == "f":  # floats, NaN blank
        return [f'<c r="{letter}{r}"{number_attr}><v>{v!r}</v></c>' if v == v else ""
                for r, v in zip(rows, values)]
    if kind == "b":
        return [f'<c r="{letter}{r}" t="b"><v>{int(v)}</v></c>' for r, v in zip(rows, values)]
    return [_cell_xml(v, f"{letter}{r}", number_attr, quote_attr) for r, v in zip(rows, values)]


def _escape(text: str) -> str:
    """XML character data: what xml.sax.saxutils.escape does, without importing the 25 ms of
    urllib and email modules that come with it."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def _text_tail(text: str, quote_attr: str, escaped: str | None = None) -> str:
    """A text cell's XML after ``<c r="A1"``: an inline string, quote-prefixed when it starts
    like a formula (``text`` already cut to Excel's length and free of illegal characters;
    ``escaped``, if given, is ``_escape(text)``). Spaces at either end are kept by
    ``xml:space="preserve"``, which openpyxl also writes only then (a tenth of a long sheet's
    XML, so of the time compressing it)."""
    style = quote_attr if text.startswith(FORMULA_START) else ""
    space = ' xml:space="preserve"' if text != text.strip() else ""
    body = _escape(text) if escaped is None else escaped
    return f'{style} t="inlineStr"><is><t{space}>{body}</t></is></c>'


def _cell_xml(value, ref: str, number_attr: str, quote_attr: str) -> str:
    """One cell of a column holding text, blanks and perhaps numbers or booleans."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = value[:32767]
        if ILLEGAL_CHARACTERS_RE.search(value):
            raise IllegalCharacterError(f"{value} cannot be used in worksheets.")
        return f'<c r="{ref}"{_text_tail(value, quote_attr)}'
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    try:
        number = float(value)
    except TypeError:  # pd.NA and the like: a blank, as fill_sheet leaves it
        return ""
    if math.isnan(number):
        return ""
    text = repr(int(value)) if isinstance(value, int) or (
        hasattr(value, "dtype") and value.dtype.kind in "iu") else repr(number)
    return f'<c r="{ref}"{number_attr}><v>{text}</v></c>'
