"""Python's cyclic garbage collector paused while a large plan is read, built, solved, written.

Reading 100,000 offers, building their Pyomo model and writing the results create millions of
objects that stay alive until the step ends. Each time the collector's oldest generation runs
it walks every one of them, for nothing: they are not garbage. On the XL benchmark that made
the model build twice as slow (1.7 s -> 0.8 s with the collector paused; bench/README.md).
Reference counting still frees every object that is not part of a cycle, and the collector
runs as usual once the outermost paused step returns. The re-solves that explain a plan or
check a diagnosis throw whole models away inside a paused step: they go through
:func:`optimizer.solving.solve_plan_only`, which collects after each, so the cycles of those
models do not pile up.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from typing import Callable, Iterator, TypeVar

F = TypeVar("F", bound=Callable)


@contextlib.contextmanager
def paused_gc(resume: bool = True) -> Iterator[None]:
    """Disable the cyclic collector in the block; re-enable it after if it was enabled.

    ``resume=False`` leaves it off: for a process that ends when the block does, where turning
    it back on only starts one last walk over every object still alive (after
    ``sourcing solve``: 0.11 s for the 20,000-offer benchmark LP, 0.29 s for 100,000).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled and resume:
            gc.enable()


def pausing_gc(func: F) -> F:
    """Decorator: ``func`` runs with the cyclic collector paused (see :func:`paused_gc`)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with paused_gc():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
