"""Rows as documents: each column a field, a JSON column a nested document, dates as ISO text.

The text protocol hands every value over as text; the column's type says what it was. Binary
data that is not UTF-8 (images, hashes) is left out as MongoDB's binary is: listed, not read.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

import orjson

from ...models import FieldType
from . import charsets
from .wire import (
    BINARY_CHARSET,
    BIT_TYPE,
    DATE_TYPES,
    FLOAT_TYPES,
    INTEGER_TYPES,
    JSON_TYPE,
    Column,
    Decoder,
    ResultSet,
    Row,
)

MAX_FIELDS = 5000  # field paths kept of one table (JSON columns included)
MAX_PATH = 512
_GEOMETRY = 255
# DATA_TYPE of information_schema.COLUMNS in neutral words; JSON leaves are "json:<type>".
_FIELD_TYPES: dict[str, FieldType] = {
    **{
        t: FieldType.TEXT
        for t in ("char", "varchar", "tinytext", "text", "mediumtext", "longtext", "json:string")
    },
    **{t: FieldType.KEYWORD for t in ("enum", "set", "uuid")},
    **{
        t: FieldType.NUMBER
        for t in (
            "tinyint",
            "smallint",
            "mediumint",
            "int",
            "integer",
            "bigint",
            "decimal",
            "numeric",
            "float",
            "double",
            "real",
            "bit",
            "year",
            "json:number",
        )
    },
    **{t: FieldType.DATE for t in ("date", "datetime", "timestamp")},
    **{
        t: FieldType.BINARY
        for t in ("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob")
    },
    **{
        t: FieldType.GEO_SHAPE
        for t in (
            "geometry",
            "point",
            "linestring",
            "polygon",
            "multipoint",
            "multilinestring",
            "multipolygon",
            "geometrycollection",
        )
    },
    "inet4": FieldType.IP,
    "inet6": FieldType.IP,
    "json:boolean": FieldType.BOOLEAN,
    "json": FieldType.OBJECT,
}
DATE_DATA_TYPES = frozenset({"date", "datetime", "timestamp"})


def field_type(native: str) -> FieldType:
    """A column's DATA_TYPE (or a JSON leaf's ``json:<type>``) in neutral words."""
    return _FIELD_TYPES.get(native.lower(), FieldType.UNKNOWN)


def value(column: Column, raw: bytes | None, json: bool = False, charset: str = "") -> Any:
    """One value as detection reads it; ``charset``: a text column read as its bytes, stored
    in that character set (``charsets.decode``)."""
    if raw is None:
        return None
    if charset and not json:
        return charsets.decode(raw, charset)
    kind = column.type
    if kind == JSON_TYPE or json:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return raw.decode("utf-8", "replace")
    if kind in INTEGER_TYPES:
        try:
            return int(raw)
        except ValueError:
            return raw.decode("ascii", "replace")
    if kind in FLOAT_TYPES:
        try:
            return float(raw)
        except ValueError:
            return raw.decode("ascii", "replace")
    if kind in DATE_TYPES:
        text = raw.decode("ascii", "replace")
        # "0000-00-00" is MySQL's zero date: no date at all.
        return None if text.startswith("0000-00-00") else text.replace(" ", "T", 1)
    if kind == BIT_TYPE:
        return int.from_bytes(raw, "big")
    if kind == _GEOMETRY:
        return None  # WKB: coordinates in binary, not text detection reads
    if column.charset == BINARY_CHARSET:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return raw.decode("utf-8", "replace")


def _date(raw: bytes) -> str | None:
    text = raw.decode("ascii", "replace")
    return None if text.startswith("0000-00-00") else text.replace(" ", "T", 1)


def _bits(raw: bytes) -> int:
    return int.from_bytes(raw, "big")


def _nothing(raw: bytes) -> None:
    return None


def converter(column: Column, json: bool = False, charset: str = "") -> Callable[[bytes], Any]:
    """What ``value`` does to the common values of a column, chosen once per result set: a
    builtin where one will do, which raises ValueError wherever ``value`` would do something
    else (text that is not UTF-8, a number that is not one); that row then goes through
    ``value``."""
    if charset and not json:
        return charsets.strict(charset)
    kind = column.type
    if kind == JSON_TYPE or json:
        return orjson.loads
    if kind in INTEGER_TYPES:
        return int
    if kind in FLOAT_TYPES:
        return float
    if kind in DATE_TYPES:
        return _date
    if kind == BIT_TYPE:
        return _bits
    if kind == _GEOMETRY:
        return _nothing
    return bytes.decode  # strict UTF-8: what is not falls back to ``value``


def decoder(
    json_columns: Collection[str] = (), stored: Mapping[str, str] | None = None
) -> Callable[[tuple[Column, ...]], Decoder]:
    """Rows decoded as they are read (``read_result``): documents of each value as ``value``
    makes it; ``stored``: the columns read as their bytes, with their character sets
    (``TableInfo.charsets``)."""
    stored = stored or {}

    def make(columns: tuple[Column, ...]) -> Decoder:
        # A column read as its bytes comes as binary (charset 63): one the server sent in
        # utf8mb4 after all (a table changed since it was described) is decoded as that.
        sets = [stored.get(c.name, "") if c.charset == BINARY_CHARSET else "" for c in columns]
        flags = [c.name in json_columns for c in columns]

        def careful(row: Row) -> dict[str, Any]:
            return {
                c.name: value(c, raw, j, cs)
                for c, raw, j, cs in zip(columns, row, flags, sets, strict=True)
            }

        fields = tuple(
            (c.name, converter(c, j, cs)) for c, j, cs in zip(columns, flags, sets, strict=True)
        )
        return Decoder(fields, careful)

    return make


def documents(
    result: ResultSet, json_columns: Collection[str] = (), stored: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Every row of a result set of raw values as a document (``decoder``)."""
    careful = decoder(json_columns, stored)(result.columns).careful
    return [careful(row) for row in result.rows]


def decoded(result: ResultSet) -> list[dict[str, Any]]:
    """Every row of a result set read with ``decoder``: already its document."""
    return result.rows


def json_fields(name: str, doc: Any) -> dict[str, str]:
    """Dotted paths and ``json:<type>`` of one JSON value's leaves (``customer_location.city``)."""
    out: dict[str, str] = {}

    def walk(value: Any, path: str, depth: int) -> None:
        if len(out) >= MAX_FIELDS or len(path) > MAX_PATH:
            return
        if isinstance(value, dict) and value and depth < 32:
            for key, inner in value.items():
                walk(inner, f"{path}.{key}", depth + 1)
            return
        out.setdefault(path, _json_type(value))

    walk(doc, name, 0)
    return out


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "json:boolean"
    if isinstance(value, int | float):
        return "json:number"
    if isinstance(value, str):
        return "json:string"
    if isinstance(value, list):
        return "json:array"
    if isinstance(value, dict):
        return "json:object"
    return "json:null"


def main_date(columns: Iterable[tuple[str, str]], names: tuple[str, ...]) -> str | None:
    """The date column a record is best dated by: a preferred name, else the first one."""
    dates = [name for name, data_type in columns if data_type.lower() in DATE_DATA_TYPES]
    for preferred in names:
        for name in dates:
            if name.lower() == preferred:
                return name
    return dates[0] if dates else None
