"""Documents out of leaked files: CSV/TSV, JSON, JSON lines, XLSX, SQL dumps, text and logs,
inside gzip, bzip2, xz, zip or tar, read from a bounded piece of an object or streamed whole.

``documents(data, name, content_type, truncated=…, limits=…)`` reads a piece (a ranged GET
of ``--max-bytes``); ``FileReader`` (or ``stream_documents``) reads chunks of any size in
bounded memory. Both return dicts the detector reads (``detect.scan_batch``): column and
field names as keys, plus ``_line``, ``_table``, ``_sheet``, ``_row``, ``_member``
(``META_KEYS``) saying where each came from. Malformed input never raises: reading stops with
a one-line reason in ``FileDocs.stopped`` and what was read is kept; skipped records are
counted with their first reasons. One module a format; ``sniff.py`` decides which.
"""

from __future__ import annotations

from .base import LINE, MEMBER, META_KEYS, ROW, SHEET, TABLE, FileDocs, Limits, Member
from .reader import FileReader, documents, stream_documents
from .sniff import Sniffed, sniff

__all__ = [
    "LINE",
    "MEMBER",
    "META_KEYS",
    "ROW",
    "SHEET",
    "TABLE",
    "FileDocs",
    "FileReader",
    "Limits",
    "Member",
    "Sniffed",
    "documents",
    "sniff",
    "stream_documents",
]
