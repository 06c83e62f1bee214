"""A fake PostgreSQL 16 on loopback that lets anyone in (trust) and answers every statement a
scan sends as a server would, unless ``answers`` says otherwise: one database of two tables,
each of which a hostile server can replace with a result of the wrong shape or a name no
server has.

Only what the client reads is built: AuthenticationOk, a ParameterStatus, ReadyForQuery, and
simple-query results (RowDescription, DataRows, CommandComplete, ReadyForQuery). Every
statement received is kept in ``statements``.
"""

from __future__ import annotations

import asyncio
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from . import servers as S

Value = str | None
TEXT, INT8 = 25, 20


def message(kind: bytes, body: bytes) -> bytes:
    """One backend message: its type byte, length and body."""
    return kind + struct.pack(">i", len(body) + 4) + body


READY = message(b"Z", b"I")
GREETING = (
    message(b"R", struct.pack(">i", 0))
    + message(b"S", b"server_version\x0016.4\x00")
    + message(b"K", struct.pack(">ii", 1, 2))
    + READY
)


def result(columns: list[str | tuple[str, int]], rows: list[list[Value]]) -> bytes:
    """A simple query's answer: its columns (text unless a type oid is given), its rows."""
    described = b""
    for spec in columns:
        name, oid = (spec, TEXT) if isinstance(spec, str) else spec
        described += name.encode() + b"\x00" + struct.pack(">ihihih", 0, 0, oid, -1, -1, 0)
    out = message(b"T", struct.pack(">h", len(columns)) + described)
    for row in rows:
        body = struct.pack(">h", len(row))
        for value in row:
            raw = None if value is None else value.encode()
            body += struct.pack(">i", -1) if raw is None else struct.pack(">i", len(raw)) + raw
        out += message(b"D", body)
    return out + message(b"C", b"SELECT %d\x00" % len(rows)) + READY


def many_rows(n: int) -> bytes:
    """A result of ``n`` rows of one NULL each (11 bytes a row)."""
    head = message(
        b"T", struct.pack(">h", 1) + b"x\x00" + struct.pack(">ihihih", 0, 0, TEXT, -1, -1, 0)
    )
    row = message(b"D", struct.pack(">hi", 1, -1))
    return head + row * n + message(b"C", b"SELECT %d\x00" % n) + READY


def command(tag: bytes = b"SET") -> bytes:
    """The answer to a statement without rows."""
    return message(b"C", tag + b"\x00") + READY


def copy(rows: list[bytes]) -> bytes:
    """The answer to a ``COPY … TO STDOUT``: one CopyData a row."""
    out = message(b"H", b"\x00\x00\x00")
    out += b"".join(message(b"d", row) for row in rows)
    return out + message(b"c", b"") + message(b"C", b"COPY %d\x00" % len(rows)) + READY


# A table's rows as COPY sends them; its first window (after ctid (0,0)) holds them all.
ROWS = [b"%d\tuser%d@example.com\n" % (i, i) for i in (1, 2, 3)]
TABLES = ["nspname", "relname", "reltuples", "size", "blocks", "relkind", "relallvisible"]


def table_row(schema: Value, name: Value) -> list[Value]:
    """One row of the table listing: a table of 3 rows in one block."""
    return [schema, name, "3", "8192", "1", "r", "1"]


STREAM = 'COPY (SELECT *, ctid::text AS "?ctid" FROM ONLY '
# The plan of a range of ctids where the server scans it alone (PostgreSQL 14 and later).
RANGE_PLAN = result(["QUERY PLAN"], [["Tid Range Scan on a"], ["  TID Cond: (ctid > '(0,0)')"]])


def _shop(sql: str) -> bytes:
    """What an honest server answers: two tables of three customers each."""
    if sql.startswith("SET "):
        return command()
    if sql.startswith("EXPLAIN (COSTS OFF) SELECT"):  # a server before 14: a whole scan
        return result(["QUERY PLAN"], [["Seq Scan on a"], ["  Filter: (ctid > '(0,0)')"]])
    if sql.startswith("SELECT datname"):
        return result(["datname"], [["shop"]])
    if sql.startswith("SELECT n.nspname, c.relname, c.reltuples"):
        return result(TABLES, [table_row("public", "a"), table_row("public", "b")])
    if sql.startswith("SELECT table_schema"):
        rows = [["public", t, c, k] for t in "ab" for c, k in (("id", "bigint"), ("email", "text"))]
        return result(["s", "t", "c", "k"], rows)
    if sql.startswith("SELECT n.nspname, c.relname, a.attname"):
        return result(["s", "t", "c"], [["public", "a", "id"], ["public", "b", "id"]])
    if sql.startswith("SELECT count(*)"):
        return result([("count", INT8)], [["3"]])
    if sql.startswith(STREAM) and "ORDER BY" not in sql:
        # A server that cannot scan a range of ctids: the table in one COPY, after a ctid.
        after = re.search(r"WHERE ctid > '\((\d+),(\d+)\)'", sql)
        start = (int(after[1]), int(after[2])) if after else (-1, 0)
        rows = [r[:-1] + b"\t(0,%d)\n" % n for n, r in enumerate(ROWS, 1) if (0, n) > start]
        return copy(rows)
    if sql.startswith("COPY ("):
        return copy(ROWS if "ctid > '(0,0)'" in sql else [])
    if sql.startswith("SELECT *"):
        rows = [[str(i), f"user{i}@example.com"] for i in (1, 2, 3)]
        return result([("id", INT8), "email"], [] if sql.endswith(" LIMIT 0") else rows)
    return message(b"E", b"SERROR\x00C42601\x00Mnot understood\x00\x00") + READY


Answer = Callable[[str], bytes | None]  # None: the honest server's answer
SLOW = 3.0  # seconds: past the read deadline of the hostile scans (2 s)


@dataclass
class FakePostgresql:
    """The server; ``answers`` may replace the honest answer to any statement."""

    answers: Answer = lambda sql: None
    statements: list[str] = field(default_factory=list)
    # The first statement starting with this gets half its answer, then the connection is
    # cut; every later one is answered whole.
    cut_once: str | None = None
    # Statements answered after ``SLOW`` seconds (a server that passes over rows before the
    # first it sends): longer than the scans' read deadline.
    slow: Callable[[str], bool] = lambda sql: False

    async def __call__(self, conn: S.Conn) -> None:
        try:
            (length,) = struct.unpack(">i", await conn.reader.readexactly(4))
            await conn.reader.readexactly(length - 4)
            await conn.send(GREETING)
            while True:
                head = await conn.reader.readexactly(5)
                body = await conn.reader.readexactly(struct.unpack(">i", head[1:])[0] - 4)
                if head[:1] != b"Q":
                    return  # Terminate
                sql = body.rstrip(b"\x00").decode("utf-8", "replace")
                self.statements.append(sql)
                answer = self.answers(sql) or _shop(sql)
                if self.cut_once and sql.startswith(self.cut_once):
                    self.cut_once = None
                    await conn.send(answer[: len(answer) // 2])
                    return
                if self.slow(sql):
                    await asyncio.sleep(SLOW)
                await conn.send(answer)
        except (asyncio.IncompleteReadError, ConnectionError):
            return
