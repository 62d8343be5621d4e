"""Python's cycle collector paused around work that builds many small objects and no cycles.

Loading the kept network, building tie graphs, maps and exports, and importing each make hundreds
of thousands of dicts, lists and strings that form no reference cycles.  The collector's passes
over that growing heap cost time and free nothing (reference counting frees them as usual): at a
million triples, parsing the kept network takes 0.40 s with the collector and 0.18 s without.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """The collector paused while the block runs, then as it was (nested uses are fine)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
