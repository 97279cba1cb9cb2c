"""Read the input workbook's cells in a thread while the ``sourcing`` command imports the rest.

``sourcing solve`` spends about 0.45 s importing pandas, Pyomo, HiGHS and openpyxl before it can
validate anything. python-calamine parses the sheet XML without holding the interpreter lock,
so :func:`start` runs :func:`optimizer.reader.read_raw` in a thread meanwhile, and
:func:`optimizer.reader.read_workbook` takes the cells with :func:`take` instead of reading the
file again. The result is used only for the same, unchanged file (path, size and modification
time as when the read started); any error the read raised is raised again by :func:`take`, in
the caller's thread, so messages and exit codes are those of a plain read. The API is
unaffected: nothing is started unless a command asks.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .reader import RawWorkbook

_pending: dict[str, "_Read"] = {}


def _identity(path: str | Path) -> tuple[str, int, int] | None:
    """(absolute path, size, modification time in ns); None if the file cannot be stat'ed."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return os.path.abspath(path), stat.st_size, stat.st_mtime_ns


class _Read(threading.Thread):
    def __init__(self, path: str | Path, identity: tuple[str, int, int]) -> None:
        super().__init__(name="sourcing-prefetch", daemon=True)
        self.path, self.identity = path, identity
        self.raw: RawWorkbook | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        from .reader import read_raw  # imports no pandas (see reader.py)

        try:
            self.raw = read_raw(self.path)
        except BaseException as exc:  # handed to the caller of take()
            self.error = exc


def start(path: str | Path) -> None:
    """Start reading the cells of the workbook at ``path`` in a background thread."""
    identity = _identity(path)
    if identity is None or identity[0] in _pending:
        return  # a missing file is reported by the plain read, with its usual message
    _pending[identity[0]] = read = _Read(path, identity)
    read.start()


def take(path: str | Path) -> "RawWorkbook | None":
    """The cells :func:`start` read for ``path``, or None if nothing was started for this file
    or it has changed since. Waits for the read to finish; raises what the read raised."""
    identity = _identity(path)
    read = _pending.pop(identity[0], None) if identity else None
    if read is None:
        return None
    read.join()
    if read.identity != identity:
        return None  # changed while or after it was read: read it again
    if read.error is not None:
        raise read.error
    return read.raw
