"""A table without a usable key, read in one statement on a server on loopback: the session
that statement runs in, and a connection whose rows are still being read asked nothing
else."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from leakhound.errors import ProtocolError
from leakhound.models import Endpoint
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.base import ReadPlan
from leakhound.probes.mysql import ALLOW, sql
from leakhound.probes.mysql.read import MysqlReader, TablePages

from .replay import MYSQL_8_GREETING, ok, recorded, replay, result_set

MARIADB_GREETING = recorded("mariadb-10.11-greeting")
ROWS = [["a@example.com"], ["b@example.com"], ["c@example.com"]]
STATE = {"database": "d", "table": "t", "key": [], "kinds": [], "json": [], "ends": []}
# The login's OK, then the read-only session and transaction (three statements).
LOGGED_IN = [ok(2), ok(1), ok(1), ok(1)]


def _pages(port: int, size: int) -> TablePages:
    transport = Transport(Limits(read_timeout=5, total_timeout=10), Scope({("127.0.0.1", port)}))
    reader = MysqlReader(transport, Endpoint("127.0.0.1", port, "mysql"))
    pages = reader.partition(ReadPlan("d.t", 1, "offset", STATE, 3), 0, None, size=size)
    assert isinstance(pages, TablePages)
    return pages


def _statements(received: list[bytes]) -> list[str]:
    """The COM_QUERY statements the client wrote (the login's packet left out)."""
    return [p[1:].decode() for p in received if p[:1] == b"\x03"]


@pytest.mark.parametrize(
    ("greeting", "untimed"),
    [
        pytest.param(MARIADB_GREETING, "SET SESSION max_statement_time = 0", id="mariadb"),
        pytest.param(MYSQL_8_GREETING, "SET SESSION max_execution_time = 0", id="mysql"),
    ],
)
def test_a_streamed_table_is_read_on_a_session_that_waits_for_a_slow_reader_untimed(
    greeting: bytes, untimed: str
) -> None:
    # A reader held back by --docs-rate leaves the server's writes waiting: past the default
    # net_write_timeout (60 s) the server would drop the connection and its transaction;
    # a statement timeout would stop a long table midway.
    async def go() -> tuple[list[object], list[bytes]]:
        replies = [*LOGGED_IN, ok(1), ok(1), result_set(["email"], ROWS)]
        async with replay(greeting, replies) as played:
            pages = _pages(played.port, 10)
            try:
                page = await pages.next_page()
                assert page is not None
                return list(page.docs), played.received
            finally:
                await pages.close()

    docs, received = asyncio.run(go())
    assert len(docs) == 3
    statements = _statements(received)
    assert statements[-3:] == [
        "SET SESSION net_write_timeout = 3600",
        untimed,
        "SELECT * FROM `d`.`t` LIMIT 18446744073709551615 OFFSET 0",
    ]
    assert all(ALLOW.allows("query", s) for s in statements)


def test_a_server_without_a_statement_timeout_is_streamed_all_the_same() -> None:
    # MySQL before 5.7.8 has no max_execution_time: its refusal leaves the setting alone.
    from .replay import err

    async def go() -> int:
        unknown = err(1193, "Unknown system variable 'max_execution_time'", 1, "HY000")
        replies = [*LOGGED_IN, ok(1), unknown, result_set(["email"], ROWS)]
        async with replay(MYSQL_8_GREETING, replies) as played:
            pages = _pages(played.port, 10)
            try:
                page = await pages.next_page()
                return 0 if page is None else len(page.docs)
            finally:
                await pages.close()

    assert asyncio.run(go()) == 3


def test_the_write_timeout_is_one_bounded_value_on_the_allow_list() -> None:
    assert ALLOW.allows("query", sql.STREAM_WRITE_TIMEOUT)
    for other in (
        "SET SESSION net_write_timeout = 0",
        "SET SESSION net_write_timeout = 31536000",
        "SET GLOBAL net_write_timeout = 3600",
        "SET SESSION net_write_timeout = 3600, sql_log_bin = 0",
        "SET SESSION net_read_timeout = 3600",
    ):
        assert not ALLOW.allows("query", other), other


@asynccontextmanager
async def _answering(first: bytes, table: bytes) -> AsyncIterator[tuple[int, list[str]]]:
    """A server that lets anyone in, answers each SET or START with OK and a table's read
    with ``table``, keeping every statement received."""
    statements: list[str] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(first)
            await reader.readexactly(int.from_bytes((await reader.readexactly(4))[:3], "little"))
            writer.write(ok(2))
            while True:
                head = await reader.readexactly(4)
                payload = await reader.readexactly(int.from_bytes(head[:3], "little"))
                statements.append(payload[1:].decode())
                writer.write(table if payload[1:7] == b"SELECT" else ok(1))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1], statements


def test_a_connection_whose_rows_are_still_read_sends_no_other_statement() -> None:
    # A statement written while the server still sends a result set's rows would have its
    # answer read as rows (or the rows as its answer): refused before a byte is written.
    under_way = result_set(["email"], ROWS)[:-9]  # its rows, not yet their end (EOF)

    async def go() -> list[str]:
        async with _answering(MARIADB_GREETING, under_way) as (port, statements):
            pages = _pages(port, 1)
            try:
                page = await pages.next_page()
                assert page is not None and not pages.done
                conn = pages.conn
                assert conn is not None
                with pytest.raises(ProtocolError, match="still being read"):
                    await conn.query("SELECT COUNT(*) FROM `d`.`t`")
                with pytest.raises(ProtocolError, match="still being read"):
                    await conn.rows_part("SELECT * FROM `d`.`t` LIMIT 5", pages.decoder, 5)
                await asyncio.sleep(0.2)  # what was written, the server has read
                return statements
            finally:
                await pages.close()

    statements = asyncio.run(go())
    assert statements[-1] == "SELECT * FROM `d`.`t` LIMIT 18446744073709551615 OFFSET 0"
    assert not any("COUNT" in s or "LIMIT 5" in s for s in statements)
