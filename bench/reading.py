"""Reading a big workbook: python-calamine against openpyxl (read-only), and the formula scan.

    python -m bench.reading WORKBOOK [--repeat 3]      # prints a Markdown table

Measures, for the contract's sheets of WORKBOOK (median of ``--repeat``):

- ``calamine``: ``CalamineWorkbook.from_path`` + ``to_python`` per sheet (what
  optimizer/reader.py does for values);
- ``openpyxl read-only``: ``load_workbook(read_only=True, data_only=True)`` and ``iter_rows``
  (values only);
- the reader's file checks (``_check_archive``: zip structure, sizes, entity declarations);
- the formula scan (``_uncached_formulas``: formula cells without a saved value), on the sheets
  as they are (no formulas: one search of the XML) and forced through the full cell-by-cell
  regex (as for a workbook that holds any formula);
- ``read_raw`` and ``read_workbook`` (read_raw + validation) end to end.

It also checks that both readers give the same values, cell by cell.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import zipfile
from pathlib import Path


def _time(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reading")
    parser.add_argument("workbook", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    path, repeat = args.workbook, args.repeat

    import openpyxl
    from python_calamine import CalamineWorkbook

    from optimizer import reader, schema
    from optimizer.validate import norm

    wanted = {norm(s.name) for s in schema.SHEETS}

    def calamine():
        book = CalamineWorkbook.from_path(str(path))
        return {t: book.get_sheet_by_name(t).to_python(skip_empty_area=False)
                for t in book.sheet_names if norm(t) in wanted}

    def openpyxl_read_only():
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)]
                    for ws in wb.worksheets if norm(ws.title) in wanted}
        finally:
            wb.close()

    members = reader._check_archive(path)
    xml_paths = reader._sheet_xml_paths(path, members)

    def formula_scan():
        return {t: reader._uncached_formulas(path, m) for t, m in xml_paths.items()
                if norm(t) in wanted}

    def formula_scan_full():
        """The cell-by-cell pass a workbook with any formula gets."""
        out = {}
        with zipfile.ZipFile(path) as archive:
            for t, m in xml_paths.items():
                if norm(t) not in wanted:
                    continue
                data = archive.read(m)
                found = set()
                for match in reader._CELL.finditer(data):
                    body = match.group(2) or b""
                    if reader._FORMULA.search(body) and not reader._HAS_VALUE.search(body):
                        found.add(match.group(1))
                out[t] = found
        return out

    rows = []
    t_cal, grid_cal = _time(calamine, repeat)
    rows.append(("calamine: values of the contract's sheets", t_cal))
    t_opx, grid_opx = _time(openpyxl_read_only, max(1, min(repeat, 2)))
    rows.append(("openpyxl read_only: the same values", t_opx))
    rows.append(("reader._check_archive (zip, sizes, entity declarations)",
                 _time(lambda: reader._check_archive(path), repeat)[0]))
    rows.append(("formula scan as is (one search per sheet XML)",
                 _time(formula_scan, repeat)[0]))
    rows.append(("formula scan, full cell-by-cell pass", _time(formula_scan_full, repeat)[0]))
    rows.append(("reader.read_raw (all of the above that the reader does)",
                 _time(lambda: reader.read_raw(path), repeat)[0]))
    t_read, data = _time(lambda: reader.read_workbook(path), repeat)
    rows.append(("reader.read_workbook (read_raw + validation)", t_read))

    mismatches = 0
    for title, grid in grid_cal.items():
        other = grid_opx.get(title, [])
        for i, row in enumerate(grid):
            orow = other[i] if i < len(other) else []
            for j, value in enumerate(row):
                o = orow[j] if j < len(orow) else None
                a = None if value == "" else value
                if a != o and not (isinstance(a, (int, float)) and isinstance(o, (int, float))
                                   and float(a) == float(o)):
                    mismatches += 1
    cells = sum(len(r) for g in grid_cal.values() for r in g)
    print(f"{path.name}: {len(data.offers):,} offers, {cells:,} cells in the contract's sheets; "
          f"calamine and openpyxl differ in {mismatches} cells")
    print("| step | seconds |\n|---|---|")
    for what, seconds in rows:
        print(f"| {what} | {seconds:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
