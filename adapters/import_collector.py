"""Python's cycle collector while an event import runs (adapters.event_import.apply_events, every caller's
path: the command, `evaluate`, the tests)."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between the cycle collector's youngest-generation passes while an import runs (the default is
# 700 on Python 3.11-3.13): see import_collector below.
IMPORT_GC_THRESHOLD = 10_000


@contextmanager
def import_collector() -> Iterator[None]:
    """The cycle collector tuned for an import, and put back after it. An import keeps the whole file's
    events, and a batch's events with what they owe the shared counts, alive while it allocates on every
    event: with the default settings the collector scans those same objects again and again, a large share
    of the import's time. Frozen, what exists as the import starts (the file's events, everything start-up
    built) is left out of every collection; a higher first threshold makes collections rarer. Garbage cycles
    are still collected. A process that froze objects itself keeps its own freeze, untouched."""
    thresholds, ours = gc.get_threshold(), gc.get_freeze_count() == 0
    if ours:
        gc.collect()
        gc.freeze()
    gc.set_threshold(IMPORT_GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if ours:
            gc.unfreeze()
