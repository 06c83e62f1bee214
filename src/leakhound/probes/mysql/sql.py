"""Every statement leakhound sends to MySQL, built here and nowhere else.

Names that come from the server are never pasted: an identifier is quoted with backticks (a
backtick in it doubled), and a name compared in ``information_schema`` is a hexadecimal literal
(``X'6869'``), which no character of the name can end early whatever the ``sql_mode``
(``NO_BACKSLASH_ESCAPES`` changes what a backslash means in a quoted string; it cannot touch
hex digits). Key values in a keyset read are numbers the server printed, or hex literals with
an introducer (``_utf8mb4 X'…'``) so that they compare in the column's own collation.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from ...detect.email import NOT_ONE_ADDRESS, ONE_ADDRESS
from ..estimate import MAX_WINDOW_ROWS
from .charsets import KNOWN

# Schemas of the server itself: never containers, never read (mysql.user above all).
SYSTEM_SCHEMAS = ("information_schema", "performance_schema", "mysql", "sys")
_SYSTEM = ", ".join(f"'{s}'" for s in SYSTEM_SCHEMAS)
# Views are left out: reading one runs its query, whose cost and reach (other tables, other
# servers through FEDERATED) leakhound cannot bound.
_USER_TABLES = (
    f"TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND TABLE_SCHEMA NOT IN ({_SYSTEM})"
)

READ_ONLY_SESSION = "SET SESSION TRANSACTION READ ONLY"
START_READ_ONLY = "START TRANSACTION READ ONLY"
# MySQL before 5.6.5 and MariaDB before 10.0 know neither statement above: a plain transaction
# then (every statement is still a SELECT from the allow-list).
START = "START TRANSACTION"
# TIMESTAMP values (kept in UTC, shown in the session's zone) read in UTC: their years are
# counted as the other stores count theirs, and the times shown say one instant.
UTC_SESSION = "SET time_zone = '+00:00'"
WHO = "SELECT VERSION(), CURRENT_USER(), @@version_comment"
# Which store the server is of (``replication.py``), all read-only and answered to whoever
# logged in, the replica status only with a replication privilege (root has it): a Galera
# cluster's state UUID (its nodes' own; an empty set elsewhere), the server's own id (MySQL's
# UUID made at its first start; MariaDB's number, set by hand, 1 by default, and whether it
# keeps a binary log, which a replica's source must), and what it replicates from: MariaDB's
# every connection, MySQL's every channel (``SHOW SLAVE STATUS`` before MySQL 8.0.22).
GALERA_STATE = "SHOW STATUS LIKE 'wsrep_cluster_state_uuid'"
MYSQL_SERVER = "SELECT @@server_uuid"
MARIADB_SERVER = "SELECT @@server_id, @@log_bin"
MARIADB_REPLICAS = "SHOW ALL SLAVES STATUS"
MYSQL_REPLICAS = "SHOW REPLICA STATUS"
MYSQL_REPLICAS_BEFORE_8022 = "SHOW SLAVE STATUS"
# Constants throughout (no name from the server in them).
COUNT_TABLES = "SELECT COUNT(*) FROM information_schema.TABLES WHERE " + _USER_TABLES  # noqa: S608
LIST_TABLES = (
    "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE, TABLE_ROWS, DATA_LENGTH, AVG_ROW_LENGTH "
    "FROM information_schema.TABLES WHERE "
    + _USER_TABLES
    + " ORDER BY TABLE_SCHEMA, TABLE_NAME LIMIT "
)
COLUMNS_OF = (
    "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, CHARACTER_SET_NAME FROM "
    "information_schema.COLUMNS WHERE TABLE_SCHEMA = {schema} AND TABLE_NAME = {table} "
    "ORDER BY ORDINAL_POSITION"
)
# Unique indexes (the primary key first), column by column; and which columns lead an index.
KEYS_OF = (
    "SELECT INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME FROM "
    "information_schema.STATISTICS WHERE TABLE_SCHEMA = {schema} AND TABLE_NAME = {table} "
    "ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX"
)
# MariaDB's JSON is LONGTEXT with a json_valid() check named after the column.
CHECKS_OF = (
    "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE "
    "CONSTRAINT_SCHEMA = {schema} AND TABLE_NAME = {table}"
)
MAX_KEY_COLUMNS = 32  # InnoDB's limit on an index's columns is 16; MyISAM's 32


def ident(name: str) -> str:
    """A quoted identifier: backticks around it, a backtick in it doubled."""
    if "\0" in name or not name:
        raise ValueError("an identifier cannot be empty or hold NUL")
    return "`" + name.replace("`", "``") + "`"


def table(schema: str, name: str) -> str:
    """`schema`.`table`"""
    return f"{ident(schema)}.{ident(name)}"


def hexlit(value: str | bytes) -> str:
    """A string as a hexadecimal literal (UTF-8 bytes)."""
    raw = value.encode() if isinstance(value, str) else value
    return f"X'{raw.hex()}'"


def columns_of(schema: str, name: str) -> str:
    """The columns of one table, in order."""
    return COLUMNS_OF.format(schema=hexlit(schema), table=hexlit(name))


def keys_of(schema: str, name: str) -> str:
    """The index columns of one table."""
    return KEYS_OF.format(schema=hexlit(schema), table=hexlit(name))


def checks_of(schema: str, name: str) -> str:
    """The check constraints of one table (MariaDB)."""
    return CHECKS_OF.format(schema=hexlit(schema), table=hexlit(name))


def list_tables(limit: int) -> str:
    """The first ``limit`` user tables with their estimates."""
    return f"{LIST_TABLES}{int(limit)}"


def count(schema: str, name: str) -> str:
    """The exact number of rows."""
    return f"SELECT COUNT(*) FROM {table(schema, name)}"  # noqa: S608


def date_range(schema: str, name: str, column: str) -> str:
    """The first and last value of one column (a date's range, a key's)."""
    c = ident(column)
    return f"SELECT MIN({c}), MAX({c}) FROM {table(schema, name)}"  # noqa: S608


def count_windows(
    schema: str,
    name: str,
    column: str,
    ranges: Sequence[tuple[int, int]],
    most: int = MAX_WINDOW_ROWS,
) -> str:
    """For each [start, end) of ``ranges``, a column: the rows whose whole-number ``column``
    lies in it, counted up to ``most + 1`` (the server stops there). Each is a range of its
    index, its end written inclusive (``end - 1`` still fits the column's type where
    ``end`` may not)."""
    c, t = ident(column), table(schema, name)
    counts = ", ".join(
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM {t} WHERE {c} >= {int(start)} "  # noqa: S608
        f"AND {c} <= {int(end) - 1} LIMIT {int(most) + 1}) AS w)"
        for start, end in ranges
    )
    return f"SELECT {counts}"


def by_year(schema: str, name: str, column: str) -> str:
    """The rows a year of one date column (NULL: the rows without a date)."""
    c = ident(column)
    return f"SELECT YEAR({c}), COUNT(*) FROM {table(schema, name)} GROUP BY 1"  # noqa: S608


# A session's statement timeout: MySQL's (5.7.8+, milliseconds, SELECTs) or MariaDB's
# (10.1+, seconds).
MAX_EXECUTION_TIME = "SET SESSION max_execution_time = "
MAX_STATEMENT_TIME = "SET SESSION max_statement_time = "


def statement_timeout(seconds: float, *, mariadb: bool) -> str:
    """The session's statement timeout in the server's own words."""
    if mariadb:
        return f"{MAX_STATEMENT_TIME}{max(1, min(int(seconds), 999_999))}"
    return f"{MAX_EXECUTION_TIME}{max(1, min(int(seconds * 1000), 999_999_999))}"


# A table read in one statement (``from_offset``) takes as long as the table and as the
# reader's pace (``--docs-rate``, a slow consumer): while the reader reads nothing, the
# server waits on a full socket, and past ``net_write_timeout`` (60 s by default) it drops
# the connection, and with it the statement's transaction. Its session waits up to an hour
# a write (a bound: a reader gone, the server still frees the connection) and has no
# statement timeout, as mysqldump's and mariadb-dump's sessions have none. Session
# variables only, never data, never another session's.
STREAM_WRITE_SECONDS = 3600
STREAM_WRITE_TIMEOUT = f"SET SESSION net_write_timeout = {STREAM_WRITE_SECONDS}"


def stream_session(*, mariadb: bool) -> tuple[str, ...]:
    """The statements that make a session fit to read a table in one statement."""
    untimed = f"{MAX_STATEMENT_TIME if mariadb else MAX_EXECUTION_TIME}0"
    return (STREAM_WRITE_TIMEOUT, untimed)


# A text column's values compared as stored, code point for code point: the column's own
# collation may hold two people one value (``utf8mb4_unicode_ci``, ``utf8mb4_0900_ai_ci``,
# ``utf8mb4_uca1400_ai_ci``: "josé@x.com" and "jose@x.com", "Jane" and "jane"), and a
# listing that gave one of them would count one person where leakhound's reading of each
# value counts two (an address's letter case is folded by that reading, its accents are
# not). Converted first, so that a column of any character set (latin1, utf8mb3) may be
# collated so. ``utf8mb4_bin`` pads with spaces, as every server has it (MySQL 5.5 to 9,
# MariaDB): values that differ in trailing spaces alone are one, as the identifier read in
# either is one.
AS_STORED = "CONVERT({column} USING utf8mb4) COLLATE utf8mb4_bin"


def as_stored(column: str) -> str:
    """A text column's value compared as stored (``AS_STORED``)."""
    return AS_STORED.format(column=ident(column))


# A value as stored (``{v}``) lower-cased where it is one address leakhound reads whole and
# counts as that (``email.ONE_ADDRESS``, ``email.NOT_ONE_ADDRESS``), ASCII alone (else NULL,
# which no count counts): each such value is one address (``models.StoreDistinct.folded``).
# Not merely shaped like one: " jane@x.com", "<jane@x.com>" and "jane @ x.com" are three
# values and jane@x.com's one address, "a@b.c" and "icon@2x.png" none. ASCII, since not
# every server folds every letter as leakhound does: a value it would fold apart counts no
# more people than leakhound reads.
ADDRESS_FOLDED = (
    f"CASE WHEN {{v}} REGEXP '{ONE_ADDRESS}' AND LOWER({{v}}) NOT REGEXP '{NOT_ONE_ADDRESS}' "
    "AND LENGTH({v}) = CHAR_LENGTH({v}) THEN LOWER({v}) END"
)


def count_distinct(schema: str, name: str, column: str) -> str:
    """The distinct non-null values of one column three ways: as stored (``AS_STORED``),
    those that are each one whole e-mail address lower-cased (``ADDRESS_FOLDED``), and byte for byte
    but trailing spaces, which ``AS_STORED`` pads alike (``HEX``: ``AS_STORED`` converts
    each byte its character set cannot map into "?", which merges values)."""
    v = as_stored(column)
    return (
        f"SELECT COUNT(DISTINCT {v}), COUNT(DISTINCT {ADDRESS_FOLDED.replace('{v}', v)}), "  # noqa: S608
        f"COUNT(DISTINCT HEX(TRIM(TRAILING ' ' FROM {ident(column)}))) FROM {table(schema, name)}"
    )


def count_alike(schema: str, name: str, column: str) -> str:
    """One column's distinct values three ways: in its own collation, as stored
    (``AS_STORED``), and as pairs of both. The three equal, its collation holds apart
    exactly the values held apart as stored in this table (``distinct.merges_nothing``)."""
    c, v = ident(column), as_stored(column)
    return (
        f"SELECT COUNT(DISTINCT {c}), COUNT(DISTINCT {v}), COUNT(DISTINCT {c}, {v}) "  # noqa: S608
        f"FROM {table(schema, name)}"
    )


def distinct_after(
    schema: str, name: str, column: str, after: str | None, limit: int, *, own: bool = False
) -> str:
    """The next ``limit`` distinct values of one column, as stored (``AS_STORED``) and in
    that order, after ``after`` (None: from the first); ``own``: the column itself, in its
    own collation and order (an index on it reads a page alone), where that collation merges
    no two values as stored (``count_alike``)."""
    v = ident(column) if own else as_stored(column)
    cond = (
        f"{ident(column)} IS NOT NULL"
        if after is None
        else f"{v} > {literal('text', after.encode())}"
    )
    return (
        f"SELECT DISTINCT {v} FROM {table(schema, name)} WHERE {cond} "  # noqa: S608
        f"ORDER BY {v} LIMIT {int(limit)}"
    )


def distinct_bytes_after(schema: str, name: str, column: str, after: str | None, limit: int) -> str:
    """The next ``limit`` distinct values of one text column as its bytes (``columns``: a
    character set the session cannot carry whole, whose values ``AS_STORED`` would list as
    one "?"), each beside its MD5, in the order of that, after the MD5 ``after`` (32 hex
    digits: ``keyset.keyset_bytes``; None: from the first)."""
    v = f"CAST({ident(column)} AS BINARY)"
    if after is not None and not _MD5.fullmatch(after):
        raise ValueError(f"not an MD5: {after[:40]!r}")
    # The MD5 as a hex literal (a binary string: compared byte for byte, in the order of its
    # digits), as every value a statement holds.
    cond = f"{ident(column)} IS NOT NULL" if after is None else f"MD5({v}) > {hexlit(after)}"
    return (
        f"SELECT DISTINCT {v}, MD5({v}) FROM {table(schema, name)} WHERE {cond} "  # noqa: S608
        f"ORDER BY 2 LIMIT {int(limit)}"
    )


_MD5 = re.compile(r"[0-9a-f]{32}")


def columns(names: Sequence[str] = (), binary: Collection[str] = ()) -> str:
    """What a read selects: every column (``*``), or, where some of ``names`` are
    ``binary`` (text in a character set the session's utf8mb4 cannot carry whole:
    ``charsets.lossy``), each by name, those as their bytes (``CAST(… AS BINARY)``, under
    their own name)."""
    if not binary:
        return "*"
    return ", ".join(
        f"CAST({ident(n)} AS BINARY) AS {ident(n)}" if n in binary else ident(n) for n in names
    )


def first_rows(schema: str, name: str, limit: int, cols: str = "*") -> str:
    """Up to ``limit`` rows in the order the server finds cheapest."""
    return f"SELECT {cols} FROM {table(schema, name)} LIMIT {int(limit)}"  # noqa: S608


_NUMBER = re.compile(r"-?\d{1,65}(?:\.\d{1,30})?")


def literal(kind: str, raw: bytes) -> str:
    """A key value as the server printed it, back as a literal of its ``kind``: ``number``
    (digits only, checked), ``text`` (compared in the column's collation), ``text:<charset>``
    (the same, its bytes read as stored in that character set: ``columns``) or ``binary``."""
    if kind == "number":
        value = raw.decode("ascii", "replace")
        if not _NUMBER.fullmatch(value):
            raise ValueError(f"not a number: {value[:40]!r}")
        return value
    if kind.startswith("text:"):
        charset = kind.removeprefix("text:")
        if charset not in KNOWN:  # a name no server has (a stored plan's): never sent
            raise ValueError(f"not a character set: {charset[:40]!r}")
        return f"_{charset} {hexlit(raw)}"
    return f"_{'binary' if kind == 'binary' else 'utf8mb4'} {hexlit(raw)}"


def after_key(
    schema: str,
    name: str,
    key: list[str],
    kinds: list[str],
    after: list[bytes] | None,
    limit: int,
    upto: list[bytes] | None = None,
    select: str = "*",
) -> str:
    """The next ``limit`` rows in key order, after the key values ``after`` (None: from the
    first) and up to ``upto`` included (None: to the last); ``select``: ``columns``."""
    cols = ", ".join(ident(k) for k in key)
    conditions = []
    if after is not None:
        values = [literal(kind, raw) for kind, raw in zip(kinds, after, strict=True)]
        conditions.append(_after(key, values))
    if upto is not None:
        values = [literal(kind, raw) for kind, raw in zip(kinds, upto, strict=True)]
        conditions.append(_upto(key, values))
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT {select} FROM {table(schema, name)}{where} ORDER BY {cols} LIMIT {int(limit)}"  # noqa: S608


def _after(key: list[str], values: list[str]) -> str:
    """(a, b) > (x, y) spelt out: a > x OR (a = x AND b > y). MariaDB reads a row constructor
    comparison as a scan of the whole index; this form is a range on the key's first column."""
    first = f"{ident(key[0])} > {values[0]}"
    if len(key) == 1:
        return first
    return f"({first} OR ({ident(key[0])} = {values[0]} AND {_after(key[1:], values[1:])}))"


def _upto(key: list[str], values: list[str]) -> str:
    """(a, b) <= (x, y) spelt out the same way: a < x OR (a = x AND b <= y)."""
    if len(key) == 1:
        return f"{ident(key[0])} <= {values[0]}"
    first = f"{ident(key[0])} < {values[0]}"
    return f"({first} OR ({ident(key[0])} = {values[0]} AND {_upto(key[1:], values[1:])}))"


def key_at(
    schema: str, name: str, key: list[str], offset: int, binary: Collection[str] = ()
) -> str:
    """The key of the row at ``offset`` in key order (where a partition ends): read from the
    key's index alone (its ``binary`` columns as their bytes, ``columns``)."""
    cols = ", ".join(ident(k) for k in key)
    picked = columns(key, binary) if binary else cols
    return (
        f"SELECT {picked} FROM {table(schema, name)} ORDER BY {cols} LIMIT 1 OFFSET {int(offset)}"  # noqa: S608
    )


def at_keys(schema: str, name: str, key: str, values: list[int], cols: str = "*") -> str:
    """The rows whose whole-number ``key`` is one of ``values`` (a sample's places): one
    index lookup each."""
    listed = ", ".join(str(int(v)) for v in values)
    return f"SELECT {cols} FROM {table(schema, name)} WHERE {ident(key)} IN ({listed})"  # noqa: S608


def at_random(schema: str, name: str, share: float, limit: int, seed: int, cols: str = "*") -> str:
    """Each row with chance ``share`` (``RAND`` seeded: the same rows every time the table is
    scanned in the same order), at most ``limit`` of them: one pass over the table."""
    chance = "1" if share >= 1 else f"{max(share, 1e-12):.12f}"
    return (
        f"SELECT {cols} FROM {table(schema, name)} WHERE RAND({int(seed)}) < {chance} "  # noqa: S608
        f"LIMIT {int(limit)}"
    )


ALL_ROWS = 18446744073709551615  # MySQL's LIMIT for "to the end" (an OFFSET needs a LIMIT)


def from_offset(schema: str, name: str, offset: int, cols: str = "*") -> str:
    """Every row from ``offset`` on, in the server's order (a table without a usable key, read
    in one statement whose rows are taken as they arrive)."""
    return f"SELECT {cols} FROM {table(schema, name)} LIMIT {ALL_ROWS} OFFSET {int(offset)}"  # noqa: S608


# The most rows an honest answer holds to a statement without a LIMIT: information_schema's
# of one table (MySQL's limit is 4,096 columns), a count, a range, a year a row (0-9999, NULL).
UNLIMITED_ROWS = 10_001
_LIMIT = re.compile(r" LIMIT (\d+)(?: OFFSET \d+)?$")
_IN = re.compile(r" IN \((-?\d+(?:, -?\d+)*)\)$")


def rows_at_most(statement: str) -> int:
    """The most rows an honest answer to a statement built here holds: its LIMIT, one a value
    of its ``IN`` list (a unique key's), else ``UNLIMITED_ROWS``. A server that answers more
    is not answering the statement (and would have us build millions of rows)."""
    if m := _LIMIT.search(statement):
        return int(m[1])
    if m := _IN.search(statement):
        return m[1].count(",") + 1
    return UNLIMITED_ROWS
