"""A fake MySQL 8.0 on loopback that lets anyone in as root and answers every statement a scan
sends as a server would, unless ``answers`` says otherwise: a small shop of tables, each of
which a hostile server can replace with a result of the wrong shape or a name no server has.

Only what the client reads is built: the HandshakeV10, an OK to any login, and text result
sets (column definitions, EOF, rows, EOF). Every statement received is kept in ``statements``.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from . import servers as S

Value = str | bytes | None
# A column: its name, and its type (253: VAR_STRING; 3: LONG) where it is not text.
ColumnSpec = str | tuple[str, int]


def packet(seq: int, payload: bytes) -> bytes:
    """One packet: a 3-byte length, the sequence id, the payload."""
    return struct.pack("<I", len(payload))[:3] + bytes([seq & 0xFF]) + payload


def _lenenc(n: int) -> bytes:
    if n < 0xFB:
        return bytes([n])
    if n < 1 << 16:
        return b"\xfc" + n.to_bytes(2, "little")
    return b"\xfd" + n.to_bytes(3, "little")


def _string(value: Value) -> bytes:
    if value is None:
        return b"\xfb"
    raw = value.encode() if isinstance(value, str) else value
    return _lenenc(len(raw)) + raw


GREETING = (
    b"\x0a8.0.36\x00"
    + struct.pack("<I", 7)
    + b"abcdefgh\x00"
    + struct.pack("<H", 0xF7FF)  # PROTOCOL_41 and SECURE_CONNECTION among them
    + b"\x2d"
    + struct.pack("<H", 2)
    + struct.pack("<H", 0x0008)  # PLUGIN_AUTH (upper half)
    + b"\x15"
    + bytes(10)
    + b"ijklmnopqrst\x00mysql_native_password\x00"
)
OK = b"\x00\x00\x00\x02\x00\x00\x00"
EOF = b"\xfe\x00\x00\x02\x00"


def _column(spec: ColumnSpec) -> bytes:
    name, kind = (spec, 253) if isinstance(spec, str) else spec
    head = b"".join(_string(v) for v in ("def", "s", "t", "t", name, name))
    return head + b"\x0c" + struct.pack("<HIBH", 45, 255, kind, 0) + b"\x00\x00\x00"


def result(columns: list[ColumnSpec], rows: list[list[Value]]) -> bytes:
    """A text result set answering a COM_QUERY (sequence ids from 1)."""
    payloads = [_lenenc(len(columns)), *map(_column, columns), EOF]
    payloads += [b"".join(map(_string, row)) for row in rows] + [EOF]
    return b"".join(packet(seq, p) for seq, p in enumerate(payloads, 1))


def ended_by_error(columns: list[ColumnSpec], rows: list[list[Value]], code: int) -> bytes:
    """A text result set whose rows the server stops with an ERR packet (a statement killed
    or timed out midway) where their EOF would be."""
    whole = result(columns, rows)
    seq = 3 + len(columns) + len(rows)  # the EOF's sequence id
    stop = b"\xff" + struct.pack("<H", code) + b"#70100Query execution was interrupted"
    return whole[: -(4 + len(EOF))] + packet(seq, stop)


def many_rows(n: int) -> bytes:
    """A result set of one column and ``n`` rows of NULL (5 bytes each), ``n`` a multiple of
    256: the packets of one turn of the sequence ids, repeated."""
    head = packet(1, b"\x01") + packet(2, _column("x")) + packet(3, EOF)
    turn = b"".join(b"\x01\x00\x00" + bytes([(4 + i) & 0xFF]) + b"\xfb" for i in range(256))
    return head + turn * (n // 256) + packet(4, EOF)


def error(code: int, message: str) -> bytes:
    """An ERR packet answering a COM_QUERY."""
    return packet(1, b"\xff" + struct.pack("<H", code) + b"#42000" + message.encode())


TABLES = ["s", "n", "e", "r", "d", "a"]  # the columns of the LIST_TABLES statement


def table_row(schema: Value, name: Value) -> list[Value]:
    """One row of the table listing: an InnoDB table of 3 rows."""
    return [schema, name, "InnoDB", "3", "16384", "100"]


# A table without a usable key is read in one statement of every row after an offset.
EVERY_ROW = "SELECT * FROM `shop`.`a` LIMIT 18446744073709551615 OFFSET "


def _shop(sql: str) -> bytes:
    """What an honest server answers: two tables of three customers each."""
    if sql.startswith(("SET ", "START ")):
        return packet(1, OK)
    if sql.startswith("SELECT VERSION()"):
        return result(["v", "u", "c"], [["8.0.36", "root@%", "MySQL Community Server"]])
    if sql.startswith("SELECT COUNT(*) FROM information_schema"):
        return result(["c"], [["2"]])
    if sql.startswith("SELECT TABLE_SCHEMA"):
        return result(TABLES, [table_row("shop", "a"), table_row("shop", "b")])
    if sql.startswith("SELECT COLUMN_NAME"):
        return result(
            ["c", "d", "t", "n", "s"],
            [["id", "int", "int", "NO", None], ["email", "varchar", "text", "YES", "utf8mb4"]],
        )
    if sql.startswith("SELECT INDEX_NAME"):
        return result(["i", "u", "s", "c"], [["PRIMARY", "0", "1", "id"]])
    if sql.startswith("SELECT COUNT(*)"):
        return result(["c"], [["3"]])
    if sql.startswith(EVERY_ROW):  # a table without a key: every row from an offset
        offset = int(sql.rsplit(" ", 1)[1])
        rows = [[str(i), f"user{i}@example.com"] for i in (1, 2, 3)][offset:]
        return result([("id", 3), "email"], rows)
    if sql.startswith("SELECT *"):
        rows: list[list[Value]] = [[str(i), f"user{i}@example.com"] for i in (1, 2, 3)]
        return result([("id", 3), "email"], rows)
    return error(1064, "not understood")


Answer = Callable[[str], bytes | None]  # None: the honest server's answer
SLOW = 3.0  # seconds: past the read deadline of the hostile scans (2 s)


@dataclass
class FakeMysql:
    """The server; ``answers`` may replace the honest answer to any statement."""

    answers: Answer = lambda sql: None
    statements: list[str] = field(default_factory=list)
    # The first statement starting with this gets half its answer, then the connection is
    # cut; every later one is answered whole.
    cut_once: str | None = None
    cut_at: int | None = None  # where that answer is cut (None: at its half)
    # Statements answered after ``SLOW`` seconds (a server that walks past rows before the
    # first it sends): longer than the scans' read deadline.
    slow: Callable[[str], bool] = lambda sql: False

    async def __call__(self, conn: S.Conn) -> None:
        await conn.send(packet(0, GREETING))
        if await self._read(conn) is None:
            return
        await conn.send(packet(2, OK))
        while (payload := await self._read(conn)) is not None:
            sql = payload[1:].decode("utf-8", "replace")
            self.statements.append(sql)
            answer = self.answers(sql) or _shop(sql)
            if self.cut_once and sql.startswith(self.cut_once):
                self.cut_once = None
                await conn.send(answer[: self.cut_at or len(answer) // 2])
                return
            if self.slow(sql):
                await asyncio.sleep(SLOW)
            await conn.send(answer)

    @staticmethod
    async def _read(conn: S.Conn) -> bytes | None:
        try:
            head = await conn.reader.readexactly(4)
            return await conn.reader.readexactly(int.from_bytes(head[:3], "little"))
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
