"""Allocation-heavy stages run with Python's cyclic garbage collector paused."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector (as a `with` block or a decorator) and freeze what the stage
    built.

    Loading, mapping and writing build millions of long-lived objects without reference
    cycles, and each full collection would rescan all of them (at a million triples, loading
    took 21.6 s with the collector running and 5.7 s without). Re-enabling the collector is not
    enough: its next young collection would still scan everything the stage allocated (a
    tenth of a second at the flagship's size), so the survivors are frozen first, out of the
    collector's reach. They are still freed by reference counting when dropped; only cyclic
    garbage left from the stage itself would stay, and the stages make none.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
