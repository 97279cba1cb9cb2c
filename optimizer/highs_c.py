"""HiGHS's C API, reached through ctypes, for a step that must not hold Python's lock.

``highspy.Highs.writeModel`` holds Python's interpreter lock while HiGHS writes the file (0.14-0.3
s at XL), so neither a thread nor the solve around it can go on meanwhile. The highspy wheel
ships HiGHS as a shared library (``libhighs``) with HiGHS's C API, and ctypes releases the lock
for every foreign call. :func:`write_model` therefore gives HiGHS the same arrays in a second,
separate ``Highs`` and has it write the file, from a thread, while HiGHS solves the model in
the first. The file is byte for byte what highspy's ``writeModel`` writes for the same model
(the same library, the same ``passModel`` behind ``Highs_passLp``; tests/test_model_file.py
compares them). Where the library or a function is missing, :func:`available` is False and
callers use highspy. The signatures below are HiGHS 1.15's C API (``highs_c_api.h``);
setup.cfg keeps highspy within 1.15, and the integer width is asked of the library.
"""

from __future__ import annotations

import ctypes
import glob
import os
from functools import lru_cache

import numpy as np

#: HiGHS's status codes (HighsStatus): ok, warning; error is -1
_FINE = (0, 1)


@lru_cache(maxsize=1)
def _library():
    """The C API of the HiGHS that highspy uses, or None."""
    try:
        import highspy
    except ImportError:  # pragma: no cover - highspy is a dependency
        return None
    folder = os.path.dirname(highspy.__file__)
    for path in sorted(glob.glob(os.path.join(folder, "*highs*"))):
        if path.endswith((".py", ".pyi")) or "_core" in os.path.basename(path):
            continue
        try:
            lib = ctypes.CDLL(path)
            lib.Highs_getSizeofHighsInt.restype = ctypes.c_int
            size = lib.Highs_getSizeofHighsInt()
            integer = {4: (ctypes.c_int32, np.int32), 8: (ctypes.c_int64, np.int64)}[size]
            for name in ("Highs_create", "Highs_destroy", "Highs_passLp", "Highs_passMip",
                         "Highs_setBoolOptionValue", "Highs_writeModel"):
                getattr(lib, name)
        except (OSError, AttributeError, KeyError):
            continue
        c_int, pointer = integer[0], ctypes.c_void_p
        lib.Highs_create.restype = pointer
        lib.Highs_create.argtypes = []
        lib.Highs_destroy.argtypes = [pointer]
        lib.Highs_setBoolOptionValue.argtypes = [pointer, ctypes.c_char_p, c_int]
        lib.Highs_setBoolOptionValue.restype = c_int
        lp = [pointer, c_int, c_int, c_int, c_int, c_int, ctypes.c_double] + [pointer] * 8
        lib.Highs_passLp.argtypes = lp
        lib.Highs_passLp.restype = c_int
        lib.Highs_passMip.argtypes = lp + [pointer]
        lib.Highs_passMip.restype = c_int
        lib.Highs_writeModel.argtypes = [pointer, ctypes.c_char_p]
        lib.Highs_writeModel.restype = c_int
        return lib, integer[1]
    return None


def available() -> bool:
    """True when HiGHS's C API was found beside highspy."""
    return _library() is not None


def write_model(lp, path: str | os.PathLike) -> bool:
    """Write ``lp`` (an :class:`optimizer.highs_direct.LpArrays`) to ``path`` as HiGHS's
    ``writeModel`` does (the format by the extension: .mps or .lp), without holding Python's
    interpreter lock. Returns False, having written nothing usable, if HiGHS reports an error
    or its C API is not available; raises nothing else."""
    found = _library()
    if found is None:
        return False
    lib, integer = found
    arrays = [np.ascontiguousarray(a, dtype=float) for a in (
        lp.cost, lp.col_lower, lp.col_upper, lp.row_lower, lp.row_upper)]
    arrays += [np.ascontiguousarray(lp.start, dtype=integer),
               np.ascontiguousarray(lp.index, dtype=integer),
               np.ascontiguousarray(lp.value, dtype=float)]
    if lp.integer is not None:
        arrays.append(np.ascontiguousarray(lp.integer, dtype=integer))
    pointers = [a.ctypes.data_as(ctypes.c_void_p) for a in arrays]
    highs = lib.Highs_create()
    if not highs:
        return False
    try:
        # silent: HiGHS would log "Writing the model to ..." on stdout (breaks --json)
        if lib.Highs_setBoolOptionValue(highs, b"output_flag", 0) not in _FINE:
            return False
        rowwise, sense = 2, (1 if lp.sense_minimize else -1)  # MatrixFormat, ObjSense
        head = (highs, lp.num_col, lp.num_row, len(arrays[6]), rowwise, sense, lp.offset)
        passed = lib.Highs_passMip(*head, *pointers) if lp.integer is not None \
            else lib.Highs_passLp(*head, *pointers)
        if passed not in _FINE:
            return False
        return lib.Highs_writeModel(highs, os.fsencode(path)) in _FINE
    finally:
        lib.Highs_destroy(highs)


__all__ = ["available", "write_model"]
