"""One entry point for a whole piece of a file (``documents``) and one for a stream of chunks
(``FileReader``): the format sniffed, layers of compression and archives opened, documents out."""

from __future__ import annotations

import codecs
from collections.abc import Generator, Iterable
from typing import Any

from .archive import Budget, Decompress, Node, Report, TarWalk, ZipWalk
from .base import (
    READ_ERRORS,
    Doc,
    FileDocs,
    Limits,
    Member,
    Parser,
    Sink,
    Stop,
    reason_of,
)
from .delimited import DelimitedParser
from .jsonl import JsonLinesParser, JsonParser
from .sniff import COMPRESSED, HEAD_BYTES, sniff
from .sqldump import SqlDumpParser
from .text import TextParser
from .xlsx import read_workbook

_SUFFIXES = {"gzip": (".gz", ".gzip", ".tgz"), "bz2": (".bz2",), "xz": (".xz",)}


def _inner_name(name: str, kind: str) -> str:
    """The name of what a compressed file holds: data.csv.gz -> data.csv, x.tgz -> x.tar."""
    low = name.lower()
    for suffix in _SUFFIXES.get(kind, ()):
        if low.endswith(suffix):
            return name[: -len(suffix)] + (".tar" if suffix == ".tgz" else "")
    return name


class _Text:
    """Bytes decoded incrementally (bad bytes replaced) into a text parser."""

    def __init__(self, encoding: str, parser: Parser) -> None:
        self._decode = codecs.getincrementaldecoder(encoding)(errors="replace").decode
        self._parser = parser

    def feed(self, data: bytes) -> None:
        text = self._decode(data)
        if text:
            self._parser.feed(text)

    def close(self, cut: bool) -> None:
        text = self._decode(b"", final=not cut)
        if text:
            self._parser.feed(text)
        self._parser.close(cut)


class _Whole:
    """What must be read whole (XLSX: its directory is at its end), buffered up to a cap."""

    def __init__(self, sink: Sink, budget: Budget, report: Report) -> None:
        self._sink = sink
        self._budget = budget
        self._report = report
        self._parts: list[bytes] = []
        self._size = 0
        self._over = False

    def feed(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._sink.limits.max_buffer:
            self._over = True
            self._parts = []
        elif not self._over:
            self._parts.append(data)

    def close(self, cut: bool) -> None:
        if self._over:
            raise Stop(f"XLSX over {self._sink.limits.max_buffer} bytes: not read")
        if cut:
            raise Stop(
                f"XLSX cut at {self._size} bytes: a workbook is read whole (its zip "
                "directory is at its end); read the whole object to see its rows"
            )
        read_workbook(b"".join(self._parts), self._sink, self._budget, self._report.notes.append)


class _Head:
    """The start of a file: held until its format is known, then handed to the right node."""

    def __init__(
        self,
        sink: Sink,
        name: str,
        content_type: str | None,
        budget: Budget,
        report: Report,
        depth: int,
        members: list[tuple[str, Sink, Report]],
    ) -> None:
        self._sink = sink
        self._name = name
        self._ctype = content_type
        self._budget = budget
        self._report = report
        self._depth = depth
        self._members = members
        self._held: list[bytes] = []
        self._size = 0
        self._node: Node | None = None

    def feed(self, data: bytes) -> None:
        if self._node is not None:
            self._node.feed(data)
            return
        self._held.append(data)
        self._size += len(data)
        if self._size >= HEAD_BYTES:
            self._start()

    def close(self, cut: bool) -> None:
        if self._node is None:
            self._start()
        assert self._node is not None
        self._node.close(cut)

    def _start(self) -> None:
        data = b"".join(self._held)
        self._held = []
        found = sniff(data[:HEAD_BYTES], self._name, self._ctype)
        self._report.formats.append(found.format)
        self._node = self._node_for(found.format, found.encoding, found.label)
        if data:
            self._node.feed(data)

    def _node_for(self, fmt: str, encoding: str | None, label: str | None) -> Node:
        sink, report, limits = self._sink, self._report, self._budget.limits
        nested = fmt in (*COMPRESSED, "zip", "tar")
        if nested and self._depth >= limits.max_nesting:
            return _Listed(report, f"{fmt} nested {self._depth} deep: not opened")
        if fmt in ("gzip", "bz2", "xz"):
            inner = _Head(
                sink,
                _inner_name(self._name, fmt),
                None,
                self._budget,
                report,
                self._depth + 1,
                self._members,
            )
            return Decompress(fmt, inner, self._budget, report)
        if fmt == "zstd":
            return _Listed(report, "zstd-compressed: not read (no bounded zstd decoder here)")
        if fmt == "zip":
            return ZipWalk(self._opener(), self._budget, report)
        if fmt == "tar":
            return TarWalk(self._opener(), limits, report)
        if fmt == "xlsx":
            return _Whole(sink, self._budget, report)
        if fmt == "binary":
            return _Listed(report, f"listed, not parsed: {label}")
        if fmt == "empty":
            return _Listed(report, None)
        assert encoding is not None
        parser: Parser
        if fmt in ("csv", "tsv"):
            parser = DelimitedParser(sink, "\t" if fmt == "tsv" else None)
        elif fmt == "jsonl":
            parser = JsonLinesParser(sink)
        elif fmt == "json":
            parser = JsonParser(sink)
        elif fmt == "sql":
            parser = SqlDumpParser(sink)
        else:
            parser = TextParser(sink)
        return _Text(encoding, parser)

    def _opener(self) -> Any:
        def open_member(name: str) -> tuple[Node, Any]:
            child = self._sink.child(name)
            report = Report()
            self._members.append((name, child, report))
            head = _Head(child, name, None, self._budget, report, self._depth + 1, self._members)
            return head, report.notes.append

        return open_member


class _Listed:
    """A file that is listed, not read: binaries, what is nested too deep, zstd."""

    def __init__(self, report: Report, note: str | None) -> None:
        if note:
            report.notes.append(note)

    def feed(self, data: bytes) -> None:
        pass

    def close(self, cut: bool) -> None:
        pass


class FileReader:
    """Documents out of a file that arrives in chunks, memory bounded whatever its size.

    ``feed(chunk)`` returns the documents that chunk completed; ``close(truncated=…)`` the
    last ones; ``result()`` the counts, the format and the reasons (its ``docs`` are the
    documents not handed out yet: none after feed/close were used). Malformed input never
    raises: reading stops with a one-line reason, and what was read is kept.
    """

    def __init__(
        self, name: str, content_type: str | None = None, limits: Limits | None = None
    ) -> None:
        self.limits = limits or Limits()
        self.name = name
        self._sink = Sink(self.limits)
        self._report = Report()
        self._budget = Budget(self.limits)
        self._members: list[tuple[str, Sink, Report]] = []
        self._head = _Head(
            self._sink, name, content_type, self._budget, self._report, 0, self._members
        )
        self._stopped: str | None = None
        self._closed = False

    def feed(self, chunk: bytes) -> list[Doc]:
        """Read the next chunk; the documents it completed."""
        if self._stopped is None and not self._closed:
            try:
                self._head.feed(chunk)
            except READ_ERRORS as exc:
                self._stop(exc)
        return self._sink.drain()

    def close(self, *, truncated: bool = False) -> list[Doc]:
        """End of input (``truncated``: cut by a byte cap, so a last partial record is dropped)."""
        if self._closed:
            return self._sink.drain()
        self._closed = True
        if truncated:
            self._report.truncated = True
        try:
            self._head.close(truncated or self._stopped is not None)
        except READ_ERRORS as exc:
            if self._stopped is None:
                self._stop(exc)
        return self._sink.drain()

    def _stop(self, exc: BaseException) -> None:
        self._stopped = reason_of(exc)
        if self._budget.over:
            self._report.truncated = True  # cut by our cap on decompressed bytes

    def result(self) -> FileDocs:
        """What the file gave: the documents not handed out yet, the counts and the reasons."""
        sink, report = self._sink, self._report
        stopped = self._stopped or (report.notes[0] if report.notes else None)
        members = tuple(
            Member(name, "+".join(r.formats) or "empty", s.rows, "; ".join(r.notes) or None)
            for name, s, r in self._members
        )
        return FileDocs(
            name=self.name,
            format="+".join(report.formats) or "empty",
            docs=tuple(sink.drain()),
            rows=sink.rows,
            skipped=sink.skipped,
            reasons=tuple(sink.reasons),
            truncated=report.truncated,
            stopped=stopped,
            members=members,
        )


def documents(
    data: bytes,
    name: str,
    content_type: str | None = None,
    *,
    truncated: bool = False,
    limits: Limits | None = None,
) -> FileDocs:
    """The documents in a piece of a file (``truncated``: the piece is the object's start)."""
    reader = FileReader(name, content_type, limits)
    docs: list[Doc] = []
    view = memoryview(data)
    # Chunks, so that decompression bombs and long lines are caught at the same bounds as
    # in a streamed read.
    for i in range(0, len(data), 1 << 20):
        docs += reader.feed(bytes(view[i : i + (1 << 20)]))
    docs += reader.close(truncated=truncated)
    result = reader.result()
    return FileDocs(
        result.name,
        result.format,
        tuple(docs),
        result.rows,
        result.skipped,
        result.reasons,
        result.truncated,
        result.stopped,
        result.members,
    )


def stream_documents(
    chunks: Iterable[bytes],
    name: str,
    content_type: str | None = None,
    *,
    truncated: bool = False,
    limits: Limits | None = None,
) -> Generator[list[Doc], None, FileDocs]:
    """Pages of documents from a file read in chunks (``--depth full``); the summary is the
    generator's return value (a FileDocs without documents)."""
    reader = FileReader(name, content_type, limits)
    for chunk in chunks:
        page = reader.feed(chunk)
        if page:
            yield page
    page = reader.close(truncated=truncated)
    if page:
        yield page
    return reader.result()
