"""What information_schema says of one table: its columns with their types, the JSON columns
(MariaDB's JSON is LONGTEXT with a ``json_valid`` check), the key a full read pages along and
the columns that lead an index (where a date range is cheap to ask)."""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import ProtocolError
from ...models import Container
from . import sql
from .charsets import KNOWN, lossy
from .connection import Connection
from .wire import Greeting, ResultSet, text

# Engines whose tables live on another server: reading one makes the target connect out.
REMOTE_ENGINES = frozenset({"federated", "connect", "spider"})
_NUMBER_TYPES = frozenset(
    {"tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "numeric", "year"}
)
_BINARY_TYPES = frozenset({"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"})
# Types whose order or printed value does not survive a round trip as a literal: never a key.
_NOT_KEYS = frozenset({"float", "double", "real", "enum", "set", "bit", "json", "geometry"})


@dataclass(frozen=True, slots=True)
class TableInfo:
    """What information_schema says of one table: columns, a key to read it in order by, the
    columns that lead an index, the JSON columns."""

    columns: tuple[tuple[str, str], ...]  # name, DATA_TYPE (MariaDB's JSON as "json")
    key: tuple[str, ...]  # the primary key, else a unique key of NOT NULL columns, else ()
    key_kinds: tuple[str, ...]  # number, text or binary: how a key value is written back
    key_source: str  # "primary", "unique" or ""
    leading: frozenset[str]
    json: tuple[str, ...]
    # Text columns whose character set the session's utf8mb4 cannot carry whole
    # (``charsets.lossy``), with it: read as their bytes (``select``).
    charsets: tuple[tuple[str, str], ...] = ()

    @property
    def select(self) -> str:
        """What a read of its rows selects (``sql.columns``)."""
        return sql.columns([c for c, _ in self.columns], dict(self.charsets))


_WHOLE_NUMBER_TYPES = frozenset({"tinyint", "smallint", "mediumint", "int", "integer", "bigint"})


def whole_key(info: TableInfo) -> str | None:
    """The table's key when it is one whole-number column (a range of it is a range of its
    index, one row a value at most), else None."""
    if len(info.key) != 1:
        return None
    return info.key[0] if dict(info.columns).get(info.key[0]) in _WHOLE_NUMBER_TYPES else None


def is_mariadb(greeting: Greeting) -> bool:
    """MariaDB says so in its version ("5.5.5-10.11.19-MariaDB-…")."""
    return "mariadb" in greeting.version.lower()


def _kind(data_type: str, charset: str | None = None) -> str | None:
    """How a key value is written back (``sql.literal``): a text column read as its bytes
    (``charsets.lossy``) in its own character set."""
    data_type = data_type.lower()
    if data_type in _NOT_KEYS:
        return None
    if data_type in _NUMBER_TYPES:
        return "number"
    if data_type in _BINARY_TYPES:
        return "binary"
    if charset and charset not in KNOWN:
        # A server's lie (``charsets.KNOWN``): its name would go back in a key's literal
        # (``_<name> X'…'``), so not a key; its values are still read, byte for byte.
        return None
    return f"text:{charset}" if charset else "text"


async def describe(conn: Connection, schema: str, name: str) -> TableInfo:
    """Columns, keys and JSON columns of one table, from information_schema (a column of a
    character set neither MySQL nor MariaDB has is read byte for byte, never a key: ``_kind``)."""
    got = await conn.query(sql.columns_of(schema, name), width=5)
    columns = [
        (text(r[0] or b"", 256), text(r[1] or b"", 64).lower(), r[3] == b"YES") for r in got.rows
    ]
    charsets = tuple(
        (text(r[0] or b"", 256), text(r[4], 64).lower())
        for r in got.rows
        if r[4] is not None and lossy(text(r[4], 64))
    )
    if not all(c and "\0" not in c for c, _, _ in columns):
        # No MySQL column is so named: a statement could not quote it (sql.ident).
        raise ProtocolError("a column name that is empty or holds NUL")
    json: set[str] = {c for c, t, _ in columns if t == "json"}
    if is_mariadb(conn.greeting) and any(t == "longtext" for _, t, _ in columns):
        checks = await conn.run(sql.checks_of(schema, name))
        if isinstance(checks, ResultSet):  # MariaDB before 10.2 has no CHECK_CONSTRAINTS
            clauses = {text(r[0] or b"", 600) for r in checks.rows}
            json |= {
                c
                for c, t, _ in columns
                if t == "longtext" and f"json_valid({sql.ident(c)})" in clauses
            }
    types = {c: ("json" if c in json else t) for c, t, _ in columns}
    nullable = {c for c, _, n in columns if n}
    indexes: dict[str, tuple[bool, list[str]]] = {}
    leading: set[str] = set()
    for index, non_unique, seq, column in (
        await conn.query(sql.keys_of(schema, name), width=4)
    ).rows:
        label, col = text(index or b"", 256), text(column or b"", 256)
        unique, cols = indexes.setdefault(label, (non_unique == b"0", []))
        cols.append(col)
        if seq == b"1":
            leading.add(col)
    key: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    source = ""
    for label, (unique, cols) in indexes.items():  # PRIMARY first (ORDER BY)
        found = tuple(_kind(types.get(c, "json"), dict(charsets).get(c)) for c in cols)
        if (
            unique
            and cols
            and len(cols) <= sql.MAX_KEY_COLUMNS
            and None not in found
            and not nullable.intersection(cols)
        ):
            key, kinds = tuple(cols), tuple(k for k in found if k)
            source = "primary" if label == "PRIMARY" else "unique"
            break
    return TableInfo(
        tuple(types.items()),
        key,
        kinds,
        source,
        frozenset(leading),
        tuple(c for c, _ in types.items() if c in json),
        charsets,
    )


def where(container: Container) -> tuple[str, str]:
    """The database and table of a container."""
    schema, table = container.details.get("database"), container.details.get("table")
    if not isinstance(schema, str) or not isinstance(table, str):
        schema, _, table = container.name.partition(".")
    return schema, table


def rows_that_fit(size: int, average: int | None, budget: int) -> int:
    """At most ``size`` rows, fewer where rows of ``average`` bytes would fill more than a
    quarter of one reply's byte budget (a table of documents or images): a page over the
    budget would fail the same way however often it was asked again."""
    if not average or average <= 0:
        return max(1, size)
    return max(1, min(size, budget // 4 // average))
