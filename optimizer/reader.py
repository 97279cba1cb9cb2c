"""Workbook reading: an .xlsx file in, a :class:`RawWorkbook` of cell grids out.

Values come from python-calamine (about ten times faster than openpyxl on large sheets); the
file is first checked as a zip archive so that zip bombs and non-workbooks are refused before any
XML is parsed, and formula cells that carry no saved value are found from the sheet XML (both
readers would silently return them as blank).
"""

from __future__ import annotations

import posixpath
import re
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

# No pandas here (validation is imported when called): the sourcing command reads the cells in
# a thread while pandas, Pyomo and HiGHS are imported (optimizer/prefetch.py).
from . import schema
from .errors import Problem, WorkbookFileError
from .gcpause import pausing_gc

if TYPE_CHECKING:
    from .data import SourcingData

MAX_UNPACKED_BYTES = 1 << 30  # 1 GiB of XML is far beyond any real sourcing workbook
MAX_RATIO = 200  # compressed -> uncompressed; real sheets compress about 5-20x
MAX_MEMBERS = 10_000
_XML_HEAD_BYTES = 64 * 1024  # how much of each XML part is scanned for entity declarations

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_HAS_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]+</(?:\w+:)?v>|<(?:\w+:)?is>")


@dataclass
class RawSheet:
    """A sheet's cells as values: ``grid[i]`` is Excel row ``i + 1``, ``grid[i][j]`` column j."""

    title: str
    grid: list[list[object]]
    uncached: set[tuple[int, int]] = field(default_factory=set)  # (excel row, 0-based column)


@dataclass
class RawWorkbook:
    """The sheets of one input, keyed by contract sheet name; ``titles`` lists every sheet."""

    sheets: dict[str, RawSheet]
    titles: list[str]
    source: str


def norm(text: object) -> str:
    """How sheet and column names are compared: case-insensitive, spaces as underscores."""
    return re.sub(r"[\s\-]+", "_", str(text).strip().lower())


@pausing_gc
def read_workbook(path: str | Path) -> SourcingData:
    """Read and validate an input workbook (.xlsx).

    Returns validated :class:`SourcingData`; raises :class:`optimizer.InputError` listing every
    problem (sheet, Excel row, column, value, what was expected), or
    :class:`optimizer.WorkbookFileError` when the file is not a readable workbook.
    The file is only read, never modified.
    """
    from . import prefetch
    from .validate import validate

    started = time.perf_counter()
    raw = prefetch.take(path) or read_raw(path)
    data = validate(raw, source=str(path))
    data.read_seconds = time.perf_counter() - started
    return data


def read_raw(path: str | Path) -> RawWorkbook:
    """The contract's sheets of a workbook as cell grids, after the file-level safety checks."""
    path = Path(path)
    members = _check_archive(path)
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        titles = list(book.sheet_names)
        wanted = {norm(s.name): s.name for s in schema.SHEETS}
        chosen: dict[str, str] = {}
        # Our sheets are read even when hidden; other hidden sheets are ignored like any extra
        # sheet. If two sheets match one name, a visible worksheet wins over a hidden one.
        for title in sorted(titles, key=_sheet_rank(book)):
            name = wanted.get(norm(title))
            if name is not None and name not in chosen:
                chosen[name] = title
        xml_paths = _sheet_xml_paths(path, members)
        sheets: dict[str, RawSheet] = {}
        for name, title in chosen.items():
            grid = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
            uncached = _uncached_formulas(path, xml_paths.get(title)) \
                if _has_empty_cell(grid) else set()
            sheets[name] = RawSheet(title, grid, uncached)
    except WorkbookFileError:
        raise
    except (DefusedXmlException, SafeET.ParseError) as exc:
        raise WorkbookFileError(str(path), f"the workbook's XML is malformed or unsafe and was "
                                           f"refused ({type(exc).__name__})") from None
    except Exception as exc:  # calamine raises its own error types for corrupt files
        raise WorkbookFileError(str(path), f"cannot be read as an Excel workbook: {exc}") from None
    return RawWorkbook(sheets, titles, str(path))


def _check_archive(path: Path) -> list[zipfile.ZipInfo]:
    """Refuse anything that is not a plausible .xlsx before parsing it."""
    where = str(path)
    if not path.exists():
        raise WorkbookFileError(where, "file not found")
    if path.is_dir():
        raise WorkbookFileError(where, "is a folder, not a workbook")
    size = path.stat().st_size
    if size == 0:
        raise WorkbookFileError(where, "the file is empty")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise WorkbookFileError(where, "is an old-style .xls (or encrypted) workbook; open it in "
                                       "a spreadsheet program and save it as .xlsx")
    if not head.startswith(b"PK"):
        raise WorkbookFileError(where, "is not an Excel workbook (.xlsx); if it is a CSV or text "
                                       "file, open it in a spreadsheet program and save as .xlsx")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise WorkbookFileError(where, f"is a damaged .xlsx file ({exc})") from None
    if len(members) > MAX_MEMBERS:
        raise WorkbookFileError(where, f"holds {len(members)} parts; refused as unsafe")
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED_BYTES:
        raise WorkbookFileError(where, f"would unpack to {total / 2**20:,.0f} MB (limit "
                                       f"{MAX_UNPACKED_BYTES / 2**20:,.0f} MB); refused as a "
                                       "possible zip bomb")
    for m in members:
        if m.file_size > 10 * 2**20 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise WorkbookFileError(where, f"part {m.filename} would unpack {m.file_size / 2**20:,.0f}"
                                           f" MB from {m.compress_size / 2**10:,.0f} KB; refused "
                                           "as a possible zip bomb")
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        kind = "an OpenDocument spreadsheet (.ods)" if "content.xml" in names else "not an .xlsx"
        raise WorkbookFileError(where, f"is {kind}; save it as an Excel workbook (.xlsx)")
    _refuse_entity_declarations(path, members)
    return members


def _refuse_entity_declarations(path: Path, members: list[zipfile.ZipInfo]) -> None:
    """Refuse XML parts that declare a DOCTYPE or entities (where entity bombs live).

    Spreadsheet programs never write them. calamine does not expand entities (it stops at the
    first one it does not know) and the parts read here go through defusedxml, so this check
    is for a clear message, and to stay safe whatever the parser does. Only the head of each
    part is inflated: a declaration must come before the root element.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            for m in members:
                if not m.filename.lower().endswith((".xml", ".rels", ".vml")):
                    continue
                with archive.open(m) as fh:
                    head = fh.read(_XML_HEAD_BYTES).upper()
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise WorkbookFileError(str(path), f"part {m.filename} declares XML entities "
                                            "(<!DOCTYPE>), which spreadsheet programs never "
                                            "write; refused as unsafe (a possible entity bomb)")
    except (zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, RuntimeError) as exc:
        raise WorkbookFileError(str(path), f"is a damaged .xlsx file ({exc})") from None


def _sheet_rank(book):
    """Sort key putting visible worksheets before hidden ones and chart sheets."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    meta = {m.name: m for m in getattr(book, "sheets_metadata", [])}

    def rank(title: str) -> tuple[bool, bool]:
        m = meta.get(title)
        if m is None:
            return (False, False)
        return (m.typ != SheetTypeEnum.WorkSheet, m.visible != SheetVisibleEnum.Visible)

    return rank


def _sheet_xml_paths(path: Path, members: list[zipfile.ZipInfo]) -> dict[str, str]:
    """Sheet title -> the archive member holding its XML."""
    with zipfile.ZipFile(path) as archive:
        book = SafeET.fromstring(archive.read("xl/workbook.xml"))
        rels_name = "xl/_rels/workbook.xml.rels"
        if rels_name not in {m.filename for m in members}:
            return {}
        rels = SafeET.fromstring(archive.read(rels_name))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG}Relationship")}
    out: dict[str, str] = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        if target:
            full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
            out[sheet.get("name")] = full
    return out


def _uncached_formulas(path: Path, member: str | None) -> set[tuple[int, int]]:
    """(Excel row, 0-based column) of formula cells that have no saved value."""
    if member is None:
        return set()
    with zipfile.ZipFile(path) as archive:
        try:
            data = archive.read(member)
        except KeyError:
            return set()
    if not _may_hold_formula(data) or not _FORMULA.search(data):
        return set()
    found: set[tuple[int, int]] = set()
    for match in _CELL.finditer(data):
        body = match.group(2) or b""
        if _FORMULA.search(body) and not _HAS_VALUE.search(body):
            ref = _REF.search(match.group(1))
            if ref:
                found.add((int(ref.group(2)), _column_index(ref.group(1).decode())))
    return found


def _has_empty_cell(grid: list[list[object]]) -> bool:
    """True when a cell of ``grid`` is empty (or a row is short). calamine reads a formula
    without a saved value as an empty cell, so only then can the sheet hold one, and only
    then is its XML scanned (:func:`_uncached_formulas`): at XL the Offers scan took 0.11 s
    (inflating 23 MB of XML, then searching it) and this test 0.02 s."""
    width = max(map(len, grid), default=0)
    return any(len(row) != width or "" in row or None in row for row in grid)


def _may_hold_formula(data: bytes) -> bool:
    """False when no ``<f>`` element (``<f ...>``, ``<f/>``, ``<x:f>``) can be in ``data``: every
    match of _FORMULA has "<f" or ":f" then a space, ">" or "/". Finding those is twice as fast
    as the regex (0.05 against 0.10 s for the XL benchmark's sheets, which hold "<formula1>" in
    their drop-downs but no formula), and the read runs on the command's critical path."""
    for tag in (b"<f", b":f"):
        at = data.find(tag)
        while at != -1:
            after = data[at + 2:at + 3]
            if after in (b">", b"/") or after.isspace():
                return True
            at = data.find(tag, at + 2)
    return False


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def read_plan(path: str | Path, data: SourcingData):
    """A plan read back from a results workbook written by ``sourcing solve``.

    Reads Allocations (supplier, mineral, quantity, reserved), Investments (project, funded)
    and Minerals (mineral, shortfall); rows naming a project in the supplier column are that
    project's output. Raises :class:`optimizer.InputError` when the workbook does not fit
    ``data`` (an allocation for an offer that is not in the input).
    """
    from python_calamine import CalamineWorkbook

    from .checks import Plan
    from .errors import InputError

    path = Path(path)
    _check_archive(path)
    book = CalamineWorkbook.from_path(str(path))
    tables = {}
    for name in ("Allocations", "Investments", "Minerals"):
        if name not in book.sheet_names:
            raise WorkbookFileError(str(path), f"has no {name} sheet; expected a results "
                                               "workbook written by sourcing solve")
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        header = [str(h) for h in rows[0]]
        tables[name] = [dict(zip(header, r)) for r in rows[1:] if any(v != "" for v in r)]
    buy = {o: 0.0 for o in data.offers.index}
    reserve: dict[tuple[str, str], float] = {}
    make = {p: 0.0 for p in data.projects.index}
    problems = []
    for i, row in enumerate(tables["Allocations"], start=2):
        key = (str(row.get("supplier")), str(row.get("mineral")))
        q = float(row.get("quantity") or 0.0)
        if key in buy:
            buy[key] += q
            if row.get("reserved") not in (None, ""):
                reserve[key] = reserve.get(key, 0.0) + float(row["reserved"])
        elif key[0] in make:
            make[key[0]] += q
        else:
            problems.append(Problem("Allocations", f"{key[0]!r} / {key[1]!r} is not an offer "
                                    "or project of the input workbook", i, "supplier", "A",
                                    key[0]))
    if problems:
        raise InputError(problems)
    funded = {str(r.get("project")): str(r.get("funded")).lower() == "yes"
              for r in tables["Investments"]}
    site = data.site_names()[0]
    short = {(str(r.get("mineral")), site): float(r.get("shortfall") or 0.0)
             for r in tables["Minerals"] if float(r.get("shortfall") or 0.0) > 0}
    used = {o: q > 0 for o, q in buy.items()}
    qualified = {s: any(q > 0 for (s2, _m), q in buy.items() if s2 == s)
                 for s in data.suppliers.index[data.suppliers["fixed_cost"] > 0]}
    return Plan(buy, used, make, {p: funded.get(p, False) for p in make}, short, {},
                qualified, reserve)


__all__ = ["read_workbook", "read_raw", "read_plan", "Problem"]
