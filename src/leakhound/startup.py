"""What a leakhound process does once its start-up is over, whatever it runs."""

from __future__ import annotations

import gc

# Containers allocated (net) between two young collections, where Python's default is 700. A
# page in flight (500-1,000 rows or documents, 2-3 containers each where a JSON value nests)
# outgrew 700: every young collection found it alive and moved it on, to be walked again by
# the older generations' collections. A full read of 1,020,001 MariaDB rows, frozen, spent
# 0.90-1.00 s of its 9.2-9.3 CPU seconds in collections; with 10,000, under 0.01 s of 7.6-8.1
# (``benchmarks/collector.py``; ``benchmarks/README.md``, "The collector"). Garbage in cycles
# waits a little longer: at most 10,000 containers more.
YOUNG = 10_000

_frozen = False


def started() -> None:
    """Once a process: move what start-up built (modules, probes, detection's tables) out of
    the collector's reach. It lives as long as the process, and every full collection walked
    it again: over 30,000 support cases a worker spent 1.1-1.2 s of its 10-11 s in full
    collections, 0.16-0.18 s after; a full read of 1,000,000 PostgreSQL rows, 0.69-0.74 s,
    then 0.03 s (``benchmarks/collector.py``; ``benchmarks/README.md``, "The collector").
    Young collections then come every ``YOUNG`` containers (unless the collector was turned
    off: a threshold of 0 stays). Called by the command line and leakhound's own worker
    processes only: a process that merely imports leakhound (a Dask worker, a library user)
    is left as it is. Garbage is collected first: nothing already unreachable is kept for
    good."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()
        young, older, oldest = gc.get_threshold()
        if 0 < young < YOUNG:
            gc.set_threshold(YOUNG, older, oldest)
