"""What the file parsers share: the limits, the result of one file, and the sink documents go to."""

from __future__ import annotations

import csv
import lzma
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any, Protocol

MiB = 1 << 20

# Keys the parsers add to a document beside the file's own fields. The detector reads them
# like any field: line numbers are small integers (no detector reads integers under 10^5
# as personal data) and table, sheet and member names are what a finding is grouped by.
LINE = "_line"  # line where the record starts, from 1 (text formats)
TABLE = "_table"  # SQL dumps: the table the row belongs to
SHEET = "_sheet"  # XLSX: the sheet's name
ROW = "_row"  # XLSX: the row number in its sheet, from 1
MEMBER = "_member"  # archives: the member's path inside the archive
META_KEYS = frozenset({LINE, TABLE, SHEET, ROW, MEMBER})

Doc = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one file may cost: bytes decompressed, ratio, documents, record and cell sizes."""

    max_output: int | None = 64 * MiB  # bytes decompressed per object; None: no cap (full reads)
    max_ratio: int = 200  # decompressed bytes per compressed byte, past the first MiB
    max_docs: int | None = 100_000  # documents per object; None: no cap
    max_record: int = 1 * MiB  # characters of one line, CSV record, JSON element or SQL row
    max_cell: int = 64 * 1024  # characters kept of one XLSX cell or shared string
    max_fields: int = 1024  # columns of one row; more are dropped
    max_sheets: int = 4  # XLSX sheets read, in workbook order
    max_shared_strings: int = 262_144  # XLSX shared strings kept
    max_shared_chars: int = 16 * MiB  # characters of XLSX shared strings kept
    max_members: int = 256  # archive members opened (zip, tar)
    max_nesting: int = 2  # archives inside archives (a .csv.gz inside a .zip is one)
    max_buffer: int = 64 * MiB  # bytes buffered for what needs a whole file (XLSX)
    max_reasons: int = 5  # reasons kept for skipped rows (all are counted)


class Stop(Exception):
    """Reading must stop here; ``str(e)`` is the one-line reason."""


class Full(Stop):
    """A cap for the whole object was reached (documents, decompressed bytes): stop everything."""


# What malformed input raises from the standard library's decoders and parsers; caught where
# one file or member is read, and turned into a one-line reason. Anything else is our bug.
INPUT_ERRORS: tuple[type[Exception], ...] = (
    ValueError,  # UnicodeError, json and csv errors among them
    csv.Error,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    EOFError,
    OSError,
    RecursionError,
)


# Stop and the input errors: what ends the reading of one file or member, with a reason.
READ_ERRORS: tuple[type[Exception], ...] = (Stop, *INPUT_ERRORS)


def reason_of(exc: BaseException) -> str:
    """One line saying why reading stopped."""
    if isinstance(exc, Stop):
        return clip(str(exc), 200)
    return clip(f"{type(exc).__name__}: {exc}", 200)


@dataclass(frozen=True, slots=True)
class Member:
    """One member of an archive: its name, the format it was read as, its documents."""

    name: str
    format: str
    rows: int
    note: str | None = None  # why it was not read, or not to its end


@dataclass(frozen=True, slots=True)
class FileDocs:
    """What one file gave: documents, the format read, counts, and why reading stopped early."""

    name: str
    format: str  # "csv", "tsv", "json", "jsonl", "xlsx", "sql", "text", "binary", "gzip+csv"…
    docs: tuple[Doc, ...]
    rows: int  # documents made (also those handed out already by FileReader.feed)
    skipped: int  # records that could not be read, each counted
    reasons: tuple[str, ...]  # the first reasons for skipped records, one line each
    truncated: bool  # the input was cut (by the caller's byte cap or by ours)
    stopped: str | None  # why reading ended before the end of the input; None: read to its end
    members: tuple[Member, ...] = ()  # archives: each member met


class Parser(Protocol):
    """One format's incremental parser: text (or bytes) in, documents out to its sink."""

    def feed(self, data: Any) -> None:
        """Read the next piece of the input."""

    def close(self, cut: bool) -> None:
        """End of input; ``cut``: it ends mid-record, so a last partial record is dropped."""


@dataclass
class Sink:
    """Where parsers put documents and skipped records; stops reading at the document cap."""

    limits: Limits
    docs: list[Doc] = field(default_factory=list)
    rows: int = 0
    skipped: int = 0
    reasons: list[str] = field(default_factory=list)
    extra: Doc | None = None  # keys added to every document (an archive member's name)
    parent: Sink | None = None

    def add(self, doc: Doc) -> None:
        """Keep one document; Full once the document cap is reached."""
        root = self
        while root.parent is not None:
            root = root.parent
        cap = self.limits.max_docs
        if cap is not None and root.rows >= cap:
            raise Full(f"stopped at the cap of {cap} documents")
        if self.extra:
            doc.update(self.extra)
        node: Sink | None = self
        while node is not None:
            node.rows += 1
            node = node.parent
        root.docs.append(doc)
        if cap is not None and root.rows >= cap:
            raise Full(f"stopped at the cap of {cap} documents")

    def skip(self, reason: str) -> None:
        """Count one record that could not be read, keeping the first few reasons."""
        node: Sink | None = self
        while node is not None:
            node.skipped += 1
            if len(node.reasons) < self.limits.max_reasons:
                node.reasons.append(reason)
            node = node.parent

    def child(self, member: str) -> Sink:
        """A sink for one archive member: its documents carry the member's name."""
        extra = {**(self.extra or {}), MEMBER: member}
        return Sink(self.limits, extra=extra, parent=self)

    def drain(self) -> list[Doc]:
        """The documents kept since the last drain."""
        out, self.docs = self.docs, []
        return out


def clip(text: str, n: int = 80) -> str:
    """A piece of input fit for a one-line reason: control characters out, at most n chars."""
    flat = "".join(c if c.isprintable() else " " for c in text[:n])
    return flat + ("…" if len(text) > n else "")


class LineSplitter:
    """Complete lines out of text chunks; a line over the record cap is skipped, not kept.

    Each line keeps its "\\n" (CSV needs it inside quoted fields). A skipped line comes out
    as "\\n", so line numbers stay right; parsers ignore blank lines.
    """

    def __init__(self, sink: Sink, what: str = "line") -> None:
        self._sink = sink
        self._max = sink.limits.max_record
        self._what = what
        self._parts: list[str] = []  # pieces of the current, unfinished line
        self._size = 0
        self._skipping = False  # the current line is over the cap: drop it to its end
        self.line = 1  # number of the next line to come out

    def feed(self, text: str) -> list[str]:
        """The lines that this chunk completes, each with its newline."""
        lines = text.split("\n")
        tail = lines.pop()
        if lines:
            first = lines[0]
            if self._skipping:
                lines[0] = ""
                self._skipping = False
            elif self._parts:
                first = "".join(self._parts) + first
                lines[0] = first
            self._parts, self._size = [], 0
            out = [ln + "\n" for ln in lines]
            for i, ln in enumerate(out):
                if len(ln) > self._max:
                    self._skip_at(self.line + i)
                    out[i] = "\n"
            self.line += len(out)
        else:
            out = []
        if tail and not self._skipping:
            self._parts.append(tail)
            self._size += len(tail)
            if self._size > self._max:
                self._skip_at(self.line)
                self._parts, self._size, self._skipping = [], 0, True
        return out

    def close(self, cut: bool) -> list[str]:
        """The last line, if the input did not end with a newline and was not cut."""
        if self._skipping or not self._parts:
            return []
        rest = "".join(self._parts)
        self._parts = []
        if cut:
            if rest.strip():
                self._sink.skip(f"{self._what} {self.line}: cut by the byte cap, dropped")
            return []
        return [rest]

    def _skip_at(self, number: int) -> None:
        self._sink.skip(f"{self._what} {number}: longer than {self._max} characters, skipped")
