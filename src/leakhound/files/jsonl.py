"""JSON lines (one value a line) and JSON documents (records streamed out of their arrays)."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from .base import LINE, Doc, LineSplitter, Sink, Stop, clip


def _loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        # orjson refuses integers past 64 bits, which are valid JSON.
        return json.loads(text)


def _doc(value: Any, line: int | None) -> Doc:
    """A document from one JSON value: an object as it is, anything else under "value"."""
    doc: Doc = {} if line is None else {LINE: line}
    if type(value) is dict:
        doc.update(value)
    else:
        doc["value"] = value
    return doc


class JsonLinesParser:
    """JSON lines: each line's value a document, malformed lines counted with their reason."""

    format = "jsonl"

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._split = LineSplitter(sink, "line")

    def feed(self, data: str) -> None:
        """Read the next piece of text."""
        self._lines(self._split.line, self._split.feed(data))

    def close(self, cut: bool) -> None:
        """End of input; a last line cut by the byte cap is dropped."""
        self._lines(self._split.line, self._split.close(cut))

    def _lines(self, first: int, lines: list[str]) -> None:
        sink = self._sink
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                value = _loads(line)
            except (ValueError, RecursionError) as exc:
                sink.skip(f"line {first + i}: not JSON ({clip(str(exc), 60)})")
                continue
            sink.add(_doc(value, first + i))


# Structural characters, and the rest of a string after its opening quote.
_STRUCT = re.compile(r'["{}\[\],]')
_STRING_REST = re.compile(r'(?:[^"\\]++|\\.)*+"', re.DOTALL)  # possessive: no backtracking
# Arrays this deep at most are searched for records ({"data": {"rows": [...]}} is depth 2).
_MAX_ARRAY_DEPTH = 4


class JsonParser:
    """A JSON document: the objects of its arrays streamed as documents, else the whole value.

    ``[{...}, {...}]`` and ``{"users": [{...}, ...], ...}`` give one document per object, read
    as the text arrives (a cut file keeps its complete records). A value with no array of
    objects is one document, read at the end if it fits the record cap.
    """

    format = "json"

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._max = sink.limits.max_record
        self._buf = ""
        self._pos = 0  # where scanning resumes in _buf
        self._depth = 0
        self._stack: list[str] = []  # open containers, "[" or "{"
        self._array: int | None = None  # depth of the array whose elements are records
        self._start: int | None = None  # offset in _buf of the record being read
        self._streamed = False  # some record came out of an array: no whole-value parse
        self._whole = True  # _buf still holds the document from its first character
        self._line = 1  # line number at _buf[0]
        self._line_pos = 0  # offset in _buf up to which _line counts newlines
        self._line_at = 1

    def feed(self, data: str) -> None:
        """Read the next piece of text."""
        self._buf += data
        self._scan()
        self._trim()

    def close(self, cut: bool) -> None:
        """End of input: the whole value if no array gave records; a cut record is dropped."""
        self._scan()
        if self._start is not None and self._array is not None:
            line = self._line_of(self._start)
            self._sink.skip(
                f"line {line}: record "
                + ("cut by the byte cap, dropped" if cut else "not closed at the end of the file")
            )
        if self._streamed:
            return
        if not self._whole:
            self._sink.skip(
                f"JSON value longer than {self._max} characters and no array of "
                "records in it: not read"
            )
            return
        text = self._buf.strip()
        if not text:
            return
        if cut:
            self._sink.skip("JSON value cut by the byte cap, dropped")
            return
        try:
            value = _loads(text)
        except (ValueError, RecursionError) as exc:
            self._sink.skip(f"not JSON ({clip(str(exc), 60)})")
            return
        self._sink.add(_doc(value, None))

    def _line_of(self, offset: int) -> int:
        if offset < self._line_pos:
            return self._line + self._buf.count("\n", 0, offset)
        self._line_at += self._buf.count("\n", self._line_pos, offset)
        self._line_pos = offset
        return self._line_at

    def _scan(self) -> None:
        buf = self._buf
        pos = self._pos
        struct = _STRUCT.search
        while True:
            m = struct(buf, pos)
            if m is None:
                pos = len(buf)
                break
            c = m.group()
            i = m.start()
            if c == '"':
                end = _STRING_REST.match(buf, i + 1)
                if end is None:
                    pos = i  # the string goes on in the next chunk
                    break
                pos = end.end()
                continue
            pos = i + 1
            if c == "{" or c == "[":
                if self._array is not None and self._depth == self._array and self._start is None:
                    self._start = i  # an object or array record starts
                if c == "[" and self._array is None and self._depth < _MAX_ARRAY_DEPTH:
                    nxt = _first_char(buf, pos)
                    if nxt is None:
                        pos = i  # decide when the next character is here
                        break
                    if nxt == "{" or (nxt == "[" and self._depth == 0):
                        self._array = self._depth + 1
                self._stack.append(c)
                self._depth += 1
            elif c == "}" or c == "]":
                if not self._stack:
                    raise Stop(f"JSON: unbalanced {c!r} at line {self._line_of(i)}")
                self._stack.pop()
                self._depth -= 1
                if self._array is not None:
                    if self._depth == self._array and self._start is not None:
                        self._record(self._start, i + 1)
                    elif self._depth == self._array - 1:
                        self._array = None  # the array of records closed: look for another
            elif c == "," and self._depth == self._array and self._start is not None:
                self._record(self._start, i)
        self._pos = pos
        if self._start is not None and len(buf) - self._start > self._max:
            raise Stop(
                f"JSON record at line {self._line_of(self._start)} longer than "
                f"{self._max} characters; stopped"
            )

    def _record(self, start: int, end: int) -> None:
        line = self._line_of(start)
        self._start = None
        self._streamed = True
        if end - start > self._max:
            self._sink.skip(f"line {line}: record longer than {self._max} characters, skipped")
            return
        text = self._buf[start:end]
        try:
            value = _loads(text)
        except (ValueError, RecursionError) as exc:
            self._sink.skip(f"line {line}: not JSON ({clip(str(exc), 60)})")
            return
        self._sink.add(_doc(value, line))

    def _trim(self) -> None:
        """Forget text already read, once records stream (a whole value is kept to the end)."""
        if self._whole and not self._streamed:
            if len(self._buf) <= self._max:
                return
            self._whole = False  # too long to read as one value: only its arrays are read
        keep = self._pos if self._start is None else self._start
        if keep <= 0:
            return
        self._line_of(keep)
        self._line = self._line_at
        self._line_pos = 0
        self._buf = self._buf[keep:]
        self._pos -= keep
        if self._start is not None:
            self._start -= keep


def _first_char(buf: str, pos: int) -> str | None:
    """The first non-blank character at or after pos, or None if the buffer ends first."""
    n = len(buf)
    while pos < n:
        c = buf[pos]
        if c not in " \t\r\n":
            return c
        pos += 1
    return None
