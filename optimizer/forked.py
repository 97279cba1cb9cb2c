"""One step run by a forked copy of this process, on the other core, while this one goes on.

Python runs one thread at a time, and formatting the rows of the results workbook holds the
interpreter lock throughout. On Linux a forked copy of the process can run such a step: it
starts in about 10 ms at XL, shares the parent's memory copy-on-write, does that one step,
leaves its output in a file and ends with ``os._exit`` (no atexit handlers, no flushing of the
parent's buffers, no clean-up of state it shares with the parent). The copy is not free: every
page the parent writes to while it lives is copied first (refcounts count as writes).

Callers always keep a way to do the step themselves: :meth:`Forked.wait` says whether the copy
succeeded, and if it did not (or forking is not available: Windows, macOS, :data:`ENABLED`
False) the caller runs the step in this process, so an error is raised here with its usual
message. What the copy writes is what the step writes in process, byte for byte; the tests
check it both ways.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import warnings
from typing import Callable

#: set to False to run every step in this process (the tests compare both ways)
ENABLED = True


def available() -> bool:
    """True when a step can be run by a forked copy (Linux, and :data:`ENABLED`)."""
    return ENABLED and hasattr(os, "fork") and sys.platform.startswith("linux")


class Forked:
    """``work()`` run by a forked copy of this process; :meth:`wait` for its outcome.

    Call only when :func:`available`. ``work`` must leave its result in a file (the copy's
    memory goes away with it) and must not print.
    """

    def __init__(self, work: Callable[[], object]) -> None:
        with warnings.catch_warnings():
            # Python 3.12+ warns when forking while threads run (HiGHS keeps idle workers).
            # The copy runs one Python step and writes a file: it takes no lock that another
            # thread of this process could have held at the fork, and never solves.
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                pid = os.fork()
            except OSError:  # no room for a copy: wait() says so, and the caller does the step
                pid = None
        if pid == 0:  # the copy
            code = 1
            try:
                gc.disable()  # a collection would touch, so copy, every object
                work()
                code = 0
            finally:
                os._exit(code)  # also on an exception: the parent does the step again
        self._pid = pid or 0

    def wait(self) -> bool:
        """Wait for the copy to end; True when ``work`` returned without an exception."""
        if not self._pid:
            return False
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        return os.waitstatus_to_exitcode(status) == 0

    def cancel(self) -> None:
        """Stop the copy if it still runs (its output is no longer wanted)."""
        if self._pid:
            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except OSError:
                pass
            self._pid = 0


__all__ = ["ENABLED", "Forked", "available"]
