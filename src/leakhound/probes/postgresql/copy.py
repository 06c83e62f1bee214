"""``COPY … TO STDOUT``'s text format as documents: a row a line, its values separated by tabs,
``\\N`` for NULL, and backslash escapes for what would break the line (``\\n``, ``\\t``,
``\\\\``…). The values are the same text the simple query protocol gives (the same output
functions), so a row reads as ``cell`` reads a query's values.

This is the form pg_dump reads a table in. A page comes back as one run of lines that is
decoded and split by C code (``bytes.decode``, ``str.split``); Python touches a value only
when it holds an escape or its column is not text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ...errors import ProtocolError
from .connection import JSON_TYPES, TYPED, cell, json_value
from .wire import STRAY

_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
# What COPY TO writes after a backslash, and what it stood for; any other character stands
# for itself (COPY FROM's rule), octal and hex forms are never written by the server.
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
NULL = "\\N"


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


class CopyRows:
    """The documents of COPY text lines whose values are the columns, then, for a page read
    in ctid order, the row's position as the last value (``SELECT *, ctid::text``)."""

    def __init__(self, columns: Sequence[tuple[str, int]]) -> None:
        self.names = [name for name, _ in columns]
        self.convert = [
            (name, conv) for name, type_oid in columns if (conv := _converter(type_oid)) is not None
        ]

    def documents(
        self, lines: list[bytes], *, positioned: bool = True
    ) -> tuple[list[dict[str, Any]], str]:
        """The rows of a page as documents, and the last row's position ("" where the rows
        were read without theirs)."""
        if not lines:
            return [], ""
        text = b"".join(lines).decode("utf-8", STRAY)  # SQL_ASCII's bytes: wire.STRAY
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
