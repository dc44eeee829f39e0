"""Fewer passes of Python's cyclic garbage collector during long bulk work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def fewer_collections(threshold: int = 100_000) -> Iterator[None]:
    """Raise the young generation's threshold for the duration, restore it after (a `with`
    block, or a decorator: `@fewer_collections()`).

    Planning and writing 100,000 attendance rows allocates millions of short-lived objects
    (rows, tuples, model instances) that form no cycles worth finding; with the default
    threshold (700 allocations) the collector runs thousands of times over them. Reference
    counting still frees everything as before; only the search for cycles is rarer. The
    threshold is per process: another thread's work meanwhile is only collected less often."""
    old = gc.get_threshold()
    gc.set_threshold(max(threshold, old[0]), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)
