"""``COPY … TO STDOUT``'s text format as documents: a row a line, its values separated by tabs,
``\\N`` for NULL, and backslash escapes for what would break the line (``\\n``, ``\\t``,
``\\\\``…). The values are the same text the simple query protocol gives (the same output
functions), so a row reads as ``cell`` reads a query's values.

This is the form pg_dump reads a table in. A page of a window (rows without their position)
is read whole at once: its escapes undone on its bytes, then decoded, split and zipped into
documents by C code (``bytes.replace`` an escape, ``bytes.decode``, ``str.split``, ``dict``,
``orjson.loads`` over a column), Python touching neither an escape nor a value. A page
holding what only a row at a time can undo (an escaped tab or backslash, an escape COPY TO
does not write), a page read in order, and a page that does not have the shape it must have
are read a row at a time, where its errors are found and told.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import Any

import orjson

from ...errors import ProtocolError
from .connection import JSON_TYPES, TYPED, cell, json_value

_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
# What COPY TO writes after a backslash, and what it stood for; any other character stands
# for itself (COPY FROM's rule), octal and hex forms are never written by the server.
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
NULL = "\\N"
# The escapes a whole page's bytes can undo at once (after its line ends became tabs, and where
# no backslash is escaped, so each backslash starts the escape its next byte names); ``\N``
# (NULL, always a whole value) becomes a NUL, which no PostgreSQL text holds. Not here: ``\t``
# (a tab is the separator), ``\\`` (the backslash after it starts no escape), what COPY TO
# never writes. Each is one ``bytes.replace``: a copy of the page, never an object an escape.
_PAGE_ESCAPES = (
    (b"\\n", b"\n"),
    (b"\\r", b"\r"),
    (b"\\b", b"\b"),
    (b"\\f", b"\f"),
    (b"\\v", b"\v"),
)
_NULL_TEXT = "\0"


def _unescape(value: str) -> str | None:
    if value == NULL:
        return None
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m[1], m[1]), value)


def _values(row: str) -> list[Any]:
    """A row's values, its escapes undone. Line ends (``\\n``, ``\\r``, most of the escapes
    support text holds) are undone on the whole row at once where no escaped backslash can
    make a ``\\n`` something else; a value that still holds a backslash is undone alone."""
    if "\\\\" not in row:
        row = row.replace("\\n", "\n").replace("\\r", "\r")
        if "\\" not in row:
            return row.split("\t")
    return [_unescape(v) if "\\" in v else v for v in row.split("\t")]


def _converter(type_oid: int) -> Callable[[str | None], Any] | None:
    """How a column's text becomes the document's value; None: it stays the text."""
    if type_oid in JSON_TYPES:
        return json_value
    if type_oid not in TYPED:
        return None
    return lambda text: cell(text, type_oid)


def _json_column(values: list[Any]) -> list[Any]:
    """A json or jsonb column's values as ``json_value`` makes them, parsed by C code where
    every one parses."""
    try:
        return list(map(orjson.loads, values))
    except (orjson.JSONDecodeError, TypeError):  # a value that is not JSON, or a NULL
        return [json_value(v) for v in values]


def _column_converter(type_oid: int) -> Callable[[list[Any]], list[Any]] | None:
    """How a column's values of a page become the documents' values; None: they stay text."""
    if type_oid in JSON_TYPES:
        return _json_column
    each = _converter(type_oid)
    return None if each is None else lambda values: list(map(each, values))


def _page_text(page: bytes) -> tuple[str, bool] | None:
    """A page's values as one text, each followed by a tab (its line ends became tabs), its
    escapes undone and each NULL a NUL; and whether it holds a NULL. None: the page holds
    what only a row at a time can undo."""
    flat = page.replace(b"\n", b"\t")
    if 0x5C not in flat:  # no backslash: nothing to undo
        return flat.decode("utf-8", "replace"), False
    if b"\\\\" in flat:  # an escaped backslash: the backslash after it starts no escape
        return None
    nulls = b"\\N" in flat
    if nulls:
        if 0 in page:  # a NUL of the server's own would read as a NULL
            return None
        # A whole value: between two tabs (twice: a NULL beside a NULL shares its tab), or
        # the page's first.
        flat = flat.replace(b"\t\\N\t", b"\t\0\t").replace(b"\t\\N\t", b"\t\0\t")
        if flat.startswith(b"\\N\t"):
            flat = b"\0" + flat[2:]
    for escape, char in _PAGE_ESCAPES:
        if escape in flat:
            flat = flat.replace(escape, char)
    if 0x5C in flat:  # an escape not undone here (``\t``, ``\N`` inside a value…)
        return None
    return flat.decode("utf-8", "replace"), nulls


class CopyRows:
    """The documents of COPY text lines whose values are the columns, then, for a page read
    in ctid order, the row's position as the last value (``SELECT *, ctid::text``)."""

    def __init__(self, columns: Sequence[tuple[str, int]]) -> None:
        self.names = [name for name, _ in columns]
        self.convert = [
            (name, conv) for name, type_oid in columns if (conv := _converter(type_oid)) is not None
        ]
        self.columns = [
            (at, over)
            for at, (_, type_oid) in enumerate(columns)
            if (over := _column_converter(type_oid)) is not None
        ]

    def documents(
        self, lines: list[bytes], *, positioned: bool = True
    ) -> tuple[list[dict[str, Any]], str]:
        """The rows of a page as documents, and the last row's position ("" where the rows
        were read without theirs)."""
        if not lines:
            return [], ""
        if not positioned and self.names and (docs := self._whole(lines)) is not None:
            return docs, ""
        return self._by_row(lines, positioned)

    def _by_row(self, lines: list[bytes], positioned: bool) -> tuple[list[dict[str, Any]], str]:
        """``documents`` a row at a time: every row's shape checked, its errors told."""
        text = b"".join(lines).decode("utf-8", "replace")
        if not text.endswith("\n"):
            raise ProtocolError("a COPY row without its line end")
        names, convert = self.names, self.convert
        width = len(names) + positioned
        docs: list[dict[str, Any]] = []
        values: list[Any] = []
        rows = text[:-1].split("\n")
        if not width:  # a table of no columns (CREATE TABLE t ()): an empty line a row
            if any(rows):
                raise ProtocolError("a COPY row with values for a table of no columns")
            if len(rows) != len(lines):
                raise ProtocolError("a COPY line holding more than one row")
            return [{} for _ in rows], ""
        for row in rows:
            values = _values(row) if "\\" in row else row.split("\t")
            if len(values) != width:
                raise ProtocolError(f"a COPY row of {len(values)} values for {width} columns")
            doc = dict(zip(names, values, strict=False))  # the position, last, left out
            for name, conv in convert:
                doc[name] = conv(doc[name])
            docs.append(doc)
        if len(docs) != len(lines):
            raise ProtocolError("a COPY line holding more than one row")
        if not positioned:
            return docs, ""
        position = values[-1]
        if not isinstance(position, str):
            raise ProtocolError("a COPY row without its position")
        return docs, position

    def _whole(self, lines: list[bytes]) -> list[dict[str, Any]] | None:
        """A window's page read whole at once (the module's docstring); None where it is to
        be read a row at a time."""
        names, width, count = self.names, len(self.names), len(lines)
        # A line a row: each ends with its line end and holds no other, and its tabs
        # separate exactly its columns' values.
        if (
            sum(map(bytes.endswith, lines, repeat(b"\n", count))) != count
            or list(map(bytes.count, lines, repeat(b"\t", count))).count(width - 1) != count
        ):
            return None
        page = b"".join(lines)
        if page.count(b"\n") != count or (got := _page_text(page)) is None:
            return None
        text, nulls = got
        values: list[Any] = text.split("\t")
        values.pop()  # after the last line end
        if nulls:
            values = [None if v == _NULL_TEXT else v for v in values]
        for at, convert in self.columns:
            values[at::width] = convert(values[at::width])
        row = iter(values)  # zip takes a name first: it stops at the row's end, not past it
        return [dict(zip(names, row, strict=False)) for _ in repeat(None, count)]
