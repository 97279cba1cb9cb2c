"""Where an output file may go, and writing it so that nothing is lost.

Every file this package writes (results and study workbooks, the example and the template, the
HTML report, ``--write-model``) is checked with :func:`check_target` and written with
:func:`atomic_write`: an input workbook is never the target, a file open in Excel is left
alone, and an interrupted run leaves the old file or the new one, never half of one.

Kept apart from the workbook writer so that ``sourcing solve`` can check its target before a
long solve without importing openpyxl, whose import then runs beside HiGHS (optimizer/cli.py).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from .errors import OutputError


#: the model file formats HiGHS writes, by extension (``--write-model``)
MODEL_FORMATS = (".mps", ".lp")


def check_model_path(path: str | Path) -> None:
    """Refuse a model file name HiGHS cannot write (it picks the format by extension)."""
    if Path(path).suffix.lower() not in MODEL_FORMATS:
        raise ValueError(f"cannot write the model to {path}: the file name must end in .mps or "
                         ".lp (the format is taken from the extension)")


def check_target(target: Path, inputs: Iterable[str | Path] = ()) -> None:
    """Refuse to write over an input, into a file open in Excel, or where we cannot write."""
    resolved = target.resolve()
    for source in inputs:
        source = Path(source)
        if source.exists() and (source.resolve() == resolved or (
                target.exists() and os.path.samefile(source, target))):
            raise OutputError(f"refusing to write the results over the input workbook {source}; "
                              "choose another output path with -o")
    lock = target.with_name("~$" + target.name)
    if lock.exists():
        raise OutputError(f"{target} seems to be open in Excel (lock file {lock.name} beside it);"
                          " close it, or choose another output path")
    if target.exists() and target.is_dir():
        raise OutputError(f"{target} is a folder; give a file name ending in .xlsx")
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputError(f"{target} is not writable")


def _file_mode(target: Path) -> int:
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def temp_beside(target: Path, what: str = "") -> str:
    """A new, empty temporary file beside ``target`` (its folder made if need be), so that a
    rename can put it in place (:func:`put_in_place`). Raises :class:`OutputError` when the
    folder cannot take it."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".~" + target.stem, suffix=target.suffix.lower(),
                                   dir=target.parent)
    except OSError as exc:
        where = f"{what} to {target.parent}" if what else f"to {target.parent}"
        raise OutputError(f"cannot write {where}: {exc.strerror or exc}") from None
    os.close(fd)
    return tmp


def put_in_place(tmp: str, target: Path, what: str = "") -> Path:
    """Rename the written temporary file ``tmp`` (from :func:`temp_beside`) over ``target``,
    with the permissions a plain save gives; ``tmp`` is removed on any error. Raises
    :class:`OutputError` when it cannot be done."""
    try:
        os.chmod(tmp, _file_mode(target))  # mkstemp makes 0600; keep what a plain save gives
        os.replace(tmp, target)
    except OSError as exc:
        raise _cannot(target, what, exc) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def atomic_write(target: Path, write: Callable[[str], None], what: str = "") -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``target``, then rename it into place.

    An interrupted run leaves the old file or the new one, never half of one; the temporary
    file is removed on any error. Raises :class:`OutputError` when the file cannot be written.
    """
    tmp = temp_beside(target, what)
    try:
        try:
            write(tmp)
        except OSError as exc:
            raise _cannot(target, what, exc) from None
        return put_in_place(tmp, target, what)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _cannot(target: Path, what: str, exc: OSError) -> OutputError:
    label = f"{what} to {target}" if what else str(target)
    return OutputError(f"cannot write {label}: {exc.strerror or exc}")


__all__ = ["atomic_write", "check_target", "put_in_place", "temp_beside"]
