"""What a source did, in the few words an owner needs: the actions and their meaning."""

from __future__ import annotations

# Indices into a source's action counters; the order is the order of gravity shown to people.
PROBE, ENUMERATE, AGGREGATE, READ, BULK_READ, FILE_WRITE, WRITE, WIPE, RANSOM_NOTE = range(9)
NAMES = (
    "probe",
    "enumerate",
    "aggregate",
    "read",
    "bulk-read",
    "file-write",
    "write",
    "wipe",
    "ransom-note",
)
MEANING = {
    "probe": "touched the service without reading data (banner, health, a connection)",
    "enumerate": "listed what the store holds (indices, mappings, databases, bucket listing)",
    "aggregate": (
        "searched with size 0: no document came back, only counts and aggregations (a short "
        "answer can still list a few of a field's values; one whose body or size shows "
        "documents or values is a read)"
    ),
    "read": "read documents",
    "bulk-read": "read in bulk (scroll/PIT loops, large pages, dump tools, large flows)",
    "file-write": (
        "had the server write a file on its own disk (SELECT … INTO OUTFILE/DUMPFILE, COPY … "
        "TO a file): the records it selected, staged to be carried off, or a planted file"
    ),
    "write": "wrote or changed data",
    "wipe": "deleted indices, collections, tables or objects",
    "ransom-note": "left a ransom demand",
}
# The actions that take records out of the store (a file the server writes holds them too).
READS = frozenset((READ, BULK_READ, FILE_WRITE))

# How a record count attached to a log line was obtained (ROWS_READ: the rows the server read
# for a statement that folds many into one row it returns, GROUP_CONCAT: an upper bound;
# UNCOUNTED: records were taken, but the log does not count them: no upper bound).
NO_RECORDS, PAGE_SIZE, EXACT, ROWS_READ, UNCOUNTED = 0, 1, 2, 3, 4

# What a line does to the source's bulk context (a scroll or point in time it opened).
CTX_NONE, CTX_OPEN, CTX_PAGE, CTX_MAYBE_PAGE = 0, 1, 2, 3
