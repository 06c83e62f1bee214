"""What a leakhound process does once its start-up is over, whatever it runs."""

from __future__ import annotations

import gc

_frozen = False


def started() -> None:
    """Once a process: move what start-up built (modules, probes, detection's tables) out of
    the collector's reach. It lives as long as the process, and every full collection walked
    it again: over 30,000 support cases a worker spent 1.1-1.2 s of its 10-11 s in full
    collections, 0.16-0.18 s after; a full read of 1,000,000 PostgreSQL rows, 0.69-0.74 s,
    then 0.03 s (``benchmarks/collector.py``; ``benchmarks/README.md``, "The collector").
    Called by the command line and leakhound's own worker processes only: a process that
    merely imports leakhound (a Dask worker, a library user) is left as it is. Garbage is
    collected first: nothing already unreachable is kept for good."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()
