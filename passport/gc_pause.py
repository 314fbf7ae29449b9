"""Pausing Python's cycle collector around work that makes many small objects at once.

Parsing a CASE package or building the "who is ready" list makes hundreds of thousands of small
objects (dicts, dataclasses) that hold no reference cycles. While they are made, the cycle collector
runs again and again over the growing heap: a quarter to a third of the time, measured by the
benchmarks in bench/. Reference counting still frees every one of them; the collector only waits until
the work is done. It is one switch for the whole process, so a pause started while it was already off
never turns it back on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
