"""What-if changes as data: one small vocabulary, parsed from the Scenarios sheet, from
``sourcing sweep --set`` and from Python, and applied to a copy of the data.

=========  =========================================  ===================  =====================
change     target                                     filter (optional)    value
=========  =========================================  ===================  =====================
set        a setting (``max_country_share``) or a     ``col=value;...``    the new value
           ``Sheet.column`` (``Offers.capacity``)
scale      a numeric setting or ``Sheet.column``      ``col=value;...``    factor: 1.3 is +30 %
remove     ``country``, ``supplier`` or ``project``   (none)               the name to remove
=========  =========================================  ===================  =====================

A filter selects rows of the target's sheet: ``column=value`` pairs joined by ``;``, every pair
must hold. Columns are the sheet's name columns (``mineral``, ``supplier``, ``country``, ...);
on Offers, ``country`` is the supplier's country. Names match like names elsewhere (ignoring
case and surrounding spaces). No filter means every row.

Changes are applied to the sheet-shaped frames of :meth:`SourcingData.to_frames` and the result
is validated again with :meth:`SourcingData.from_sheets`, so a scenario's data is as clean as a
workbook's and the original data is never touched. Every mistake (an unknown change, target,
column or name; a value of the wrong kind; data made invalid by the changes) is an
:class:`optimizer.InputError` located at the change that caused it, with the closest name.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pandas as pd

from . import schema
from .data import SourcingData
from .errors import InputError, Problem, closest, fmt_value

CHANGES = ("set", "scale", "remove")
REMOVE_TARGETS = ("country", "supplier", "project")
BASE = "base"  #: the name under which the unchanged data is always solved
_NUMERIC = ("number", "share", "positive", "rate")
SHEET = schema.SCENARIOS.name


@dataclass(frozen=True)
class Change:
    """One what-if change. ``value`` is the new value (set), the factor (scale) or the name to
    remove; ``filter`` is ``"column=value;column=value"`` (or a dict) selecting rows.

    ``sheet``, ``row`` and ``letters`` say where the change was written, for messages: the
    Scenarios sheet and its Excel row, or e.g. ``--set max_country_share=0.4``.
    """

    change: str
    target: str
    value: object
    filter: str | Mapping[str, object] = ""
    sheet: str = SHEET
    row: int | None = None
    letters: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.filter, Mapping):
            text = ";".join(f"{k}={v}" for k, v in self.filter.items())
            object.__setattr__(self, "filter", text)
        elif self.filter is None or (isinstance(self.filter, float) and math.isnan(self.filter)):
            object.__setattr__(self, "filter", "")

    def describe(self) -> str:
        """The change in words, e.g. ``scale Minerals.demand [mineral=gallium] by 1.3``."""
        where = f" [{self.filter}]" if str(self.filter).strip() else ""
        value = fmt_value(self.value)
        if _norm(self.change) == "scale":
            return f"scale {self.target}{where} by {value}"
        if _norm(self.change) == "remove":
            return f"remove {self.target} {value}"
        return f"set {self.target}{where} to {value}"

    def problem(self, column: str | None, message: str, value: object = None) -> Problem:
        """A located problem with this change (``column``: change, target, filter or value)."""
        letters = dict(self.letters)
        return Problem(self.sheet, message, self.row, column if self.row else None,
                       letters.get(column) if column else None, value)


@dataclass(frozen=True)
class Scenario:
    """A named what-if: its changes are applied together, in order, to the base data."""

    name: str
    changes: tuple[Change, ...] = ()
    rows: tuple[int, ...] = field(default=(), compare=False)  # Excel rows, for messages
    values: tuple[tuple[str, object], ...] = field(default=(), compare=False)  # sweep axes

    def describe(self) -> str:
        return "; ".join(c.describe() for c in self.changes) or "(no change)"


# --- names -------------------------------------------------------------------------------------
def _norm(text: object) -> str:
    from .validate import norm

    return norm(text)


def _key(name: object) -> str:
    from .validate import key

    return key(str(name))


def _blank(value: object) -> bool:
    from .validate import is_blank

    return is_blank(value)


def _model_sheets() -> dict[str, schema.Sheet]:
    return {_norm(s.name): s for s in schema.SHEETS if s.model_data and s.name != "Settings"}


@dataclass(frozen=True)
class _Target:
    kind: str  # "setting" | "column" | "remove"
    name: str  # setting name, column name, or what to remove
    sheet: str | None = None  # sheet of a column
    value_kind: str = "text"  # how the value is parsed


def _resolve_target(ch: Change, problems: list[Problem]) -> _Target | None:
    change = _norm(ch.change)
    if change not in CHANGES:
        hint = closest(change, CHANGES)
        problems.append(ch.problem("change", f"{fmt_value(ch.change)} is not a change; expected "
                                   + ("'" + hint + "'" if hint else "set, scale or remove")
                                   + (" (one of set, scale, remove)" if hint else ""), ch.change))
        return None
    raw = str(ch.target).strip()
    if change == "remove":
        what = _norm(raw)
        if what not in REMOVE_TARGETS:
            hint = closest(what, REMOVE_TARGETS)
            problems.append(ch.problem("target", f"{fmt_value(ch.target)} cannot be removed"
                                       + (f" (did you mean '{hint}'?)" if hint else "")
                                       + "; expected country, supplier or project", ch.target))
            return None
        if str(ch.filter).strip():
            problems.append(ch.problem("filter", "remove takes no filter; the value names what "
                                       "to remove", ch.filter))
            return None
        return _Target("remove", what, value_kind="name")
    if "." in raw:
        sheet_text, column_text = raw.split(".", 1)
        if _norm(sheet_text) == "settings":
            raw = column_text  # Settings.max_country_share is the setting
        else:
            return _resolve_column(ch, sheet_text, column_text, change, problems)
    setting = schema.SETTINGS_BY_NAME.get(_norm(raw))
    if setting is None:
        problems.append(ch.problem("target", _unknown_target_message(ch.target, raw), ch.target))
        return None
    if str(ch.filter).strip():
        problems.append(ch.problem("filter", f"a setting takes no filter ({setting.name} is one "
                                   "value for the whole model)", ch.filter))
        return None
    if change == "scale" and setting.kind not in _NUMERIC:
        problems.append(ch.problem("target", f"{setting.name} is not a number and cannot be "
                                   "scaled; use set", ch.target))
        return None
    return _Target("setting", setting.name, value_kind=setting.kind)


def _unknown_target_message(target: object, raw: str) -> str:
    settings = list(schema.SETTINGS_BY_NAME)
    columns = [f"{s.name}.{c.name}" for s in _model_sheets().values() for c in s.columns]
    # A bare column name: suggest the Sheet.columns that have it, else the closest name.
    matches = [c for c in columns if _norm(c.split(".", 1)[1]) == _norm(raw)]
    hint = " or ".join(f"'{c}'" for c in matches[:3])
    if not hint:
        hint = closest(raw, settings + columns)
        hint = f"'{hint}'" if hint else ""
    return (f"{fmt_value(target)} is not a setting or a Sheet.column"
            + (f" (did you mean {hint}?)" if hint else "")
            + "; expected e.g. max_country_share or Minerals.demand")


def _resolve_column(ch: Change, sheet_text: str, column_text: str, change: str,
                    problems: list[Problem]) -> _Target | None:
    sheets = _model_sheets()
    spec = sheets.get(_norm(sheet_text))
    if spec is None:
        hint = closest(sheet_text, [s.name for s in sheets.values()])
        problems.append(ch.problem("target", f"{fmt_value(sheet_text)} is not an input sheet"
                                   + (f" (did you mean '{hint}'?)" if hint else
                                      f"; expected one of {', '.join(s.name for s in sheets.values())}"),
                                   ch.target))
        return None
    col = next((c for c in spec.columns if c.name == _norm(column_text)), None)
    if col is None:
        hint = closest(column_text, [c.name for c in spec.columns])
        problems.append(ch.problem("target", f"{fmt_value(column_text)} is not a column of "
                                   f"{spec.name}" + (f" (did you mean '{spec.name}.{hint}'?)"
                                                     if hint else ""), ch.target))
        return None
    if col.name in spec.key:
        problems.append(ch.problem("target", f"{spec.name}.{col.name} names the rows of "
                                   f"{spec.name} and cannot be changed; use remove, or edit "
                                   "the sheet", ch.target))
        return None
    if change == "scale" and col.kind not in _NUMERIC:
        problems.append(ch.problem("target", f"{spec.name}.{col.name} is not a number and "
                                   "cannot be scaled; use set", ch.target))
        return None
    return _Target("column", col.name, spec.name, col.kind)


def _parse_value(ch: Change, target: _Target, problems: list[Problem]) -> object:
    """The change's value, parsed for its target; None after reporting a problem."""
    from .validate import _EXPECTED, _PARSERS, MISSING

    if _norm(ch.change) == "scale":
        number, err = _PARSERS["number"](ch.value)
        if err or number is MISSING or number < 0:
            problems.append(ch.problem("value", f"{fmt_value(ch.value)} is not a factor; "
                                       "expected a number >= 0 (1.3 is +30 %)", ch.value))
            return None
        return number
    kind = target.value_kind
    parsed, err = _PARSERS.get(kind, _PARSERS["text"])(ch.value)
    expected = _EXPECTED.get(kind, "a value")
    if err:
        problems.append(ch.problem("value", err if "expected" in err or "looks like" in err
                                   else f"{err}; expected {expected}", ch.value))
        return None
    if parsed is MISSING:
        problems.append(ch.problem("value", f"is blank; expected {expected}"))
        return None
    if kind in ("number", "positive", "rate") and isinstance(parsed, float) and parsed < 0:
        problems.append(ch.problem("value", f"{fmt_value(ch.value)} is negative; expected "
                                   f"{expected}", ch.value))
        return None
    return parsed


def _parse_filter(ch: Change, problems: list[Problem]) -> list[tuple[str, str]] | None:
    pairs: list[tuple[str, str]] = []
    for part in str(ch.filter).split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            problems.append(ch.problem("filter", f"{fmt_value(part.strip())} is not "
                                       "column=value; expected e.g. mineral=gallium or "
                                       "supplier=CN-A;mineral=gallium", ch.filter))
            return None
        column, value = part.split("=", 1)
        if not column.strip() or not value.strip():
            problems.append(ch.problem("filter", f"{fmt_value(part.strip())} lacks a column or "
                                       "a value; expected column=value", ch.filter))
            return None
        pairs.append((column.strip(), " ".join(value.split())))
    return pairs


# --- applying ----------------------------------------------------------------------------------
def _names(frame: pd.DataFrame | None, column: str) -> dict[str, str]:
    """key -> first spelling of the names in a frame's column."""
    out: dict[str, str] = {}
    if frame is None or column not in frame:
        return out
    for value in frame[column]:
        if isinstance(value, str) and not _blank(value):
            out.setdefault(_key(value), value)
    return out


def _supplier_country(frames: dict[str, pd.DataFrame]) -> dict[str, str]:
    suppliers = frames["Suppliers"]
    return {_key(s): c for s, c in zip(suppliers["supplier"], suppliers["country"])
            if isinstance(s, str)}


def _filter_column(frames: dict[str, pd.DataFrame], sheet: str, column: str) -> pd.Series:
    frame = frames[sheet]
    if sheet == "Offers" and column == "country" and "country" not in frame:
        countries = _supplier_country(frames)
        return frame["supplier"].map(lambda s: countries.get(_key(s)) if isinstance(s, str)
                                     else None)
    return frame[column]


def _select(frames: dict[str, pd.DataFrame], ch: Change, target: _Target,
            pairs: list[tuple[str, str]], problems: list[Problem]) -> pd.Series | None:
    """Boolean mask of the target sheet's rows the filter picks; None after a problem."""
    spec = schema.SHEETS_BY_NAME[target.sheet]
    frame = frames[target.sheet]
    columns = [c.name for c in spec.columns if c.kind == "name"]
    if target.sheet == "Offers" and "country" not in columns:
        columns.append("country")
    mask = pd.Series(True, index=frame.index)
    for column_text, value in pairs:
        column = _norm(column_text)
        if column not in columns:
            hint = closest(column_text, columns)
            problems.append(ch.problem("filter", f"{fmt_value(column_text)} is not a column "
                                       f"to filter {spec.name} by"
                                       + (f" (did you mean '{hint}'?)" if hint else "")
                                       + f"; expected one of {', '.join(columns)}", ch.filter))
            return None
        series = _filter_column(frames, target.sheet, column)
        keys = series.map(lambda v: _key(v) if isinstance(v, str) else None)
        if not (keys == _key(value)).any():
            if _appends_cap(target, pairs) and _known(frames, column, value):
                mask &= False
                continue
            known = sorted({v for v in series if isinstance(v, str)})
            hint = closest(value, known)
            problems.append(ch.problem("filter", f"no row of {spec.name} has {column} "
                                       f"{fmt_value(value)}"
                                       + (f" (did you mean {fmt_value(hint)}?)" if hint else ""),
                                       ch.filter))
            return None
        mask &= keys == _key(value)
    if not mask.any() and not _appends_cap(target, pairs):
        problems.append(ch.problem("filter", f"no row of {spec.name} matches all of "
                                   f"{fmt_value(ch.filter)}", ch.filter))
        return None
    return mask


def _appends_cap(target: _Target, pairs: list[tuple[str, str]]) -> bool:
    """A CountryCaps cap set for a country (and mineral) that has none yet adds that cap."""
    columns = {_norm(c) for c, _ in pairs}
    return target.sheet == "CountryCaps" and target.name == "max_share" and "country" in columns \
        and columns <= {"country", "mineral"}


def _known(frames: dict[str, pd.DataFrame], column: str, value: str) -> bool:
    if column == "mineral":
        return _key(value) in _names(frames["Minerals"], "mineral")
    return _key(value) in _countries(frames)


def _countries(frames: dict[str, pd.DataFrame]) -> dict[str, str]:
    out = _names(frames["Suppliers"], "country")
    for k, v in _names(frames.get("Projects"), "country").items():
        out.setdefault(k, v)
    return out


def _apply_one(frames: dict[str, pd.DataFrame], ch: Change, problems: list[Problem]) -> None:
    """Apply one change to ``frames`` in place; report what is wrong with it instead."""
    target = _resolve_target(ch, problems)
    if target is None:
        return
    value = _parse_value(ch, target, problems)
    if value is None:
        return
    change = _norm(ch.change)
    if target.kind == "remove":
        _remove(frames, ch, target.name, value, problems)
        return
    if target.kind == "setting":
        settings = frames["Settings"]
        rows = settings["setting"].map(_norm) == target.name
        if not rows.any():
            settings.loc[len(settings)] = [target.name, None]
            rows = settings["setting"].map(_norm) == target.name
        if change == "set":
            settings.loc[rows, "value"] = value
            return
        current = settings.loc[rows, "value"].iloc[0]
        if _blank(current):
            problems.append(ch.problem("target", f"{target.name} is blank in the data; there "
                                       "is nothing to scale (use set)", ch.target))
            return
        settings.loc[rows, "value"] = float(current) * value
        return
    if target.sheet not in frames:
        problems.append(ch.problem("target", f"the data has no {target.sheet} sheet; "
                                   f"{target.sheet}.{target.name} has nothing to change",
                                   ch.target))
        return
    pairs = _parse_filter(ch, problems)
    if pairs is None:
        return
    mask = _select(frames, ch, target, pairs, problems)
    if mask is None:
        return
    frame = frames[target.sheet]
    if not mask.any():  # a new CountryCaps row
        found = {_norm(c): v for c, v in pairs}
        country = _countries(frames).get(_key(found["country"]))
        mineral = _names(frames["Minerals"], "mineral").get(_key(found.get("mineral", "")))
        row = {c: None for c in frame.columns}
        row.update(country=country, mineral=mineral, max_share=value)
        frames[target.sheet] = pd.concat([frame, pd.DataFrame([row])], ignore_index=True)
        return
    if change == "set":
        frame[target.name] = frame[target.name].astype(object)
        frame.loc[mask, target.name] = value
        return
    cells = pd.to_numeric(frame.loc[mask, target.name], errors="coerce")
    if cells.isna().all():
        problems.append(ch.problem("target", f"{target.sheet}.{target.name} is blank on every "
                                   "row the filter picks; there is nothing to scale", ch.target))
        return
    frame[target.name] = frame[target.name].astype(object)
    frame.loc[mask, target.name] = [None if pd.isna(v) else float(v) * value for v in cells]


def _remove(frames: dict[str, pd.DataFrame], ch: Change, what: str, name: str,
            problems: list[Problem]) -> None:
    """Remove a supplier, project or country, and every row that refers to it."""
    if what == "country":
        candidates = _countries(frames)
    elif what == "supplier":
        candidates = _names(frames["Suppliers"], "supplier")
    else:
        candidates = _names(frames.get("Projects"), "project")
    if _key(name) not in candidates:
        hint = closest(name, candidates.values())
        where = {"country": "the country of a supplier or project",
                 "supplier": "on the Suppliers sheet", "project": "on the Projects sheet"}[what]
        problems.append(ch.problem("value", f"{fmt_value(name)} is not {where}"
                                   + (f" (did you mean {fmt_value(hint)}?)" if hint else ""),
                                   name))
        return
    suppliers: set[str] = set()  # keys of suppliers and projects whose rows go
    if what == "supplier":
        suppliers.add(_key(name))
    elif what == "project":
        suppliers.add(_key(name))
        _drop(frames, "Projects", "project", {_key(name)})
    else:
        country = _key(name)
        table = frames["Suppliers"]
        suppliers |= {_key(s) for s, c in zip(table["supplier"], table["country"])
                      if isinstance(c, str) and _key(c) == country}
        projects = frames.get("Projects")
        if projects is not None:
            gone = {_key(p) for p, c in zip(projects["project"], projects["country"])
                    if isinstance(c, str) and _key(c) == country}
            suppliers |= gone
            _drop(frames, "Projects", "project", gone)
        _drop(frames, "CountryCaps", "country", {country})
    for sheet, frame in list(frames.items()):
        if sheet != "Settings" and "supplier" in frame:
            _drop(frames, sheet, "supplier", suppliers)


def _drop(frames: dict[str, pd.DataFrame], sheet: str, column: str, keys: set[str]) -> None:
    frame = frames.get(sheet)
    if frame is None or column not in frame or not keys:
        return
    gone = frame[column].map(lambda v: isinstance(v, str) and _key(v) in keys)
    frames[sheet] = frame[~gone].reset_index(drop=True)


def apply_changes(data: SourcingData, changes: Iterable[Change],
                  scenario: str | None = None) -> SourcingData:
    """A new :class:`SourcingData` with ``changes`` applied in order; ``data`` is untouched.

    Raises :class:`optimizer.InputError` listing every problem, each located at the change
    that caused it (an unknown target, column or name comes with the closest one).
    """
    changes = list(changes)
    frames = {name: frame.copy() for name, frame in data.to_frames().items()}
    problems: list[Problem] = []
    for ch in changes:
        _apply_one(frames, ch, problems)
    if problems:
        raise InputError(problems)
    try:
        return SourcingData.from_sheets(frames, source=data.source)
    except InputError as exc:
        raise InputError(_after_changes(exc.errors, frames, changes, scenario)) from None


def _after_changes(errors: list[Problem], frames: dict[str, pd.DataFrame],
                   changes: list[Change], scenario: str | None) -> list[Problem]:
    """Problems in the changed data, located at the change that most likely caused each."""
    out = []
    for p in errors:
        spec = schema.SHEETS_BY_NAME.get(p.sheet)
        what = p.sheet
        frame = frames.get(p.sheet)
        if spec is not None and frame is not None and p.row is not None and spec.key and \
                0 <= p.row - 2 < len(frame):
            record = frame.iloc[p.row - 2]
            what += " (" + ", ".join(f"{k}={record[k]}" for k in spec.key
                                     if k in frame and not _blank(record[k])) + ")"
        if p.column:
            what += f" {p.column}"
        culprit = _culprit(p, changes)
        name = f"scenario {fmt_value(scenario)}" if scenario else "the changes"
        out.append(culprit.problem("value", f"after {name}, {what}: {p.message}"))
    return out


def _culprit(p: Problem, changes: list[Change]) -> Change:
    """The last change that targets the problem's sheet and column (else sheet, else last)."""
    def target(ch: Change) -> tuple[str, str]:
        sheet, dot, column = str(ch.target).strip().partition(".")
        if not dot or _norm(sheet) == "settings":
            return "settings", "value"
        return _norm(sheet), _norm(column)

    for same_column in (True, False):
        for ch in reversed(changes):
            sheet, column = target(ch)
            if sheet == _norm(p.sheet) and (not same_column or p.column in (None, column)):
                return ch
    return changes[-1]


# --- the Scenarios sheet -----------------------------------------------------------------------
def parse_scenarios(frame_or_sheet) -> list[Scenario]:
    """Scenarios from the Scenarios sheet (a ``RawSheet``) or a DataFrame with its columns.

    Rows with the same scenario name (ignoring case) form one scenario, in sheet order. Raises
    :class:`optimizer.InputError` for a malformed sheet: missing columns, blank cells, an
    unknown change, or a scenario called ``base``.
    """
    from .validate import RawSheet, _Collector, _parse_sheet, raw_from_frames

    sheet = frame_or_sheet
    if isinstance(sheet, pd.DataFrame):
        sheet = raw_from_frames({SHEET: sheet}).sheets[SHEET]
    if not isinstance(sheet, RawSheet):
        raise TypeError("expected the Scenarios sheet as a RawSheet or a pandas DataFrame")
    out = _Collector()
    table = _parse_sheet(sheet, schema.SCENARIOS, out)
    problems = list(out.problems)
    scenarios: dict[str, list] = {}
    names: dict[str, str] = {}
    for rec in table.records if table else []:
        if rec.get("_invalid"):
            continue
        letters = tuple(sorted(table.letters.items()))
        name = rec["scenario"]
        ch = Change(rec["change"], rec["target"], rec["value"], rec.get("filter") or "",
                    sheet.title, rec["excel_row"], letters)
        if _key(name) == BASE:
            problems.append(ch.problem("scenario", f"{fmt_value(name)} is the name of the "
                                       "unchanged data, solved anyway; give this scenario "
                                       "another name", name))
            continue
        if _norm(ch.change) not in CHANGES:
            _resolve_target(ch, problems)  # reports the unknown change with the closest
            continue
        canonical = names.setdefault(_key(name), name)
        scenarios.setdefault(canonical, []).append(ch)
    if problems:
        raise InputError(problems)
    return [Scenario(name, tuple(chs), tuple(c.row for c in chs))
            for name, chs in scenarios.items()]


def read_study(path: str | Path) -> tuple[SourcingData, list[Scenario]]:
    """Read a workbook's data and its Scenarios sheet (an empty list without one).

    Every problem (in the data, in the Scenarios sheet, and in each scenario's changes against
    the data) is reported at once in one :class:`optimizer.InputError`.
    """
    from .reader import read_raw
    from .validate import validate

    raw = read_raw(path)
    problems: list[Problem] = []
    data = scenarios = None
    try:
        data = validate(raw, source=str(path))
    except InputError as exc:
        problems += exc.problems
    sheet = raw.sheets.get(SHEET)
    try:
        scenarios = parse_scenarios(sheet) if sheet is not None else []
    except InputError as exc:
        problems += exc.problems
    if data is not None and scenarios:
        try:
            prepare(data, scenarios)
        except InputError as exc:
            problems += exc.problems
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    return data, scenarios


def prepare(data: SourcingData, scenarios: Sequence[Scenario]) -> list[tuple[str, SourcingData]]:
    """``[("base", data), (name, changed data), ...]``: every scenario applied to ``data``.

    Raises one :class:`optimizer.InputError` with the problems of every scenario.
    """
    problems: list[Problem] = []
    out: list[tuple[str, SourcingData]] = [(BASE, data)]
    seen = {BASE}
    for scenario in scenarios:
        if _key(scenario.name) in seen:
            where = scenario.changes[0] if scenario.changes else Change("set", "", None)
            problems.append(where.problem("scenario", f"scenario {fmt_value(scenario.name)} is "
                                          "given twice; expected each name once",
                                          scenario.name))
            continue
        seen.add(_key(scenario.name))
        try:
            out.append((scenario.name, apply_changes(data, scenario.changes, scenario.name)))
        except InputError as exc:
            problems += exc.errors
    if problems:
        unique = {(p.sheet, p.row, p.column, p.message): p for p in problems}
        raise InputError(list(unique.values()))  # a sweep repeats an axis' problem per point
    return out


def scenarios_frame(scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """The scenarios as Scenarios-sheet rows (scenario, change, target, filter, value)."""
    rows = [(s.name, c.change, c.target, c.filter or None, c.value)
            for s in scenarios for c in s.changes]
    return pd.DataFrame(rows, columns=[c.name for c in schema.SCENARIOS.columns])


# --- sweeps ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Axis:
    """One dimension of a sweep: a change applied with each of ``values`` in turn.

    ``label`` is how the axis is written (``max_country_share``,
    ``Offers.unit_cost[country=China]``) and heads its column in the comparison.
    """

    change: str
    target: str
    filter: str
    values: tuple[object, ...]
    label: str
    where: str  # for messages, e.g. "--set max_country_share=1,0.5"

    def name(self, value: object) -> str:
        text = value if isinstance(value, str) else fmt_value(value)
        return f"{self.label}{'*' if self.change == 'scale' else '='}{text}"


def parse_axis_key(key: str) -> tuple[str, str, str]:
    """``"[scale ]TARGET[FILTER]"`` -> (change, target, filter); the change defaults to set."""
    text = key.strip()
    change = "set"
    first, _, rest = text.partition(" ")
    if _norm(first) in ("set", "scale") and rest.strip():
        change, text = _norm(first), rest.strip()
    filt = ""
    if text.endswith("]") and "[" in text:
        text, filt = text[:-1].split("[", 1)
    return change, text.strip(), filt.strip()


def parse_axis(text: str, change: str = "set") -> tuple[str, list[str]]:
    """``"TARGET[FILTER]=V1,V2"`` (as given to ``--set``) -> (key, values as written)."""
    text = text.strip()
    close = text.find("]") if "[" in text.split("=", 1)[0] else -1
    split = text.find("=", close + 1) if close >= 0 else text.find("=")
    if split <= 0:
        raise InputError([Problem(f"--{change} {text}", "expected TARGET=VALUE,VALUE,... e.g. "
                                  "max_country_share=1,0.8,0.6 or "
                                  "Minerals.demand[mineral=gallium]=20,26")])
    key, values = text[:split].strip(), [v.strip() for v in text[split + 1:].split(",")]
    if not key or any(not v for v in values):
        raise InputError([Problem(f"--{change} {text}", "a target or a value is blank; "
                                  "expected TARGET=VALUE,VALUE,... with no empty value")])
    return (key if change == "set" else f"{change} {key}"), values


def grid_axes(grid: Mapping[str, Iterable[object]], where: Mapping[str, str] | None = None
              ) -> list[Axis]:
    """Axes from ``{key: values}``; a key is ``"[set |scale ]TARGET[FILTER]"``."""
    axes = []
    for key, values in grid.items():
        change, target, filt = parse_axis_key(key)
        values = tuple(values) if not isinstance(values, (str, bytes)) else (values,)
        label = target + (f"[{filt}]" if filt else "")
        axes.append(Axis(change, target, filt, values, label,
                         (where or {}).get(key, f"sweep {key}")))
    return axes


def sweep_scenarios(grid: Mapping[str, Iterable[object]] | Sequence[Axis]) -> list[Scenario]:
    """Every combination of the grid's values (several axes multiply out), each scenario named
    by its values, e.g. ``max_country_share=0.4``."""
    axes = list(grid) if isinstance(grid, Sequence) else grid_axes(grid)
    if not axes:
        return []
    out = []
    for combo in itertools.product(*[a.values for a in axes]):
        changes = tuple(Change(a.change, a.target, v, a.filter, a.where)
                        for a, v in zip(axes, combo))
        name = ", ".join(a.name(v) for a, v in zip(axes, combo))
        out.append(Scenario(name, changes,
                            values=tuple((a.label, _number(v)) for a, v in zip(axes, combo))))
    return out


def _number(value: object) -> object:
    """A sweep value as written on the command line ("0.4") as the number it means."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


__all__ = ["Change", "Scenario", "Axis", "apply_changes", "parse_scenarios", "read_study",
           "prepare", "sweep_scenarios", "grid_axes", "parse_axis", "scenarios_frame", "BASE"]
