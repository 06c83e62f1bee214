"""A table without a usable key, read in one statement on a server on loopback: the session
that statement runs in, and a connection whose rows are still being read asked nothing
else."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from leakhound.errors import ClosedError, NetError, ProtocolError, TimeoutError_
from leakhound.models import Endpoint
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.base import ReadPlan, note_of
from leakhound.probes.mysql import ALLOW, sql
from leakhound.probes.mysql.read import MysqlReader, TablePages
from leakhound.probes.mysql.wire import NATIVE, Greeting

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


class _Cut:
    """A connection whose statement's rows stop, the connection lost, after ``cut`` rows
    (``None``: never): every statement it is asked for kept."""

    greeting = Greeting("10.11.19-MariaDB", 1, 0, b"", NATIVE)

    def __init__(self, rows: list[int], statements: list[str | None], cut: int | None) -> None:
        self.rows, self.statements, self.cut = rows, statements, cut

    async def streaming(self, *, mariadb: bool) -> None:
        pass

    async def rows_part(
        self, statement: str | None, decoder: Any, upto: int, *, wait: float | None = None
    ) -> Any:
        self.statements.append(statement)
        if self.cut is not None and self.cut < upto:
            raise ClosedError("connection broken: the server went away")
        part, self.rows = self.rows[:upto], self.rows[upto:]
        if self.cut is not None:
            self.cut -= len(part)
        return (), [{"n": n} for n in part], not self.rows

    async def close(self) -> None:
        pass


def _positions_over(conns: list[Any], monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The positions of a keyless table's pages of 2 read over ``conns`` in turn (each lost
    connection replaced by the next), a failed page asked again as the pipeline asks it."""
    left = iter(conns)

    async def connected(*_: Any) -> Any:
        return next(left)

    async def go() -> list[dict[str, Any]]:
        pages = _pages(1, 2)
        positions: list[dict[str, Any]] = []
        while True:
            try:
                page = await pages.next_page()
            except ClosedError:
                continue
            if page is None:
                return positions
            positions.append(page.position)

    monkeypatch.setattr("leakhound.probes.mysql.read.connect", connected)
    return asyncio.run(go())


def test_a_stream_whose_connection_is_lost_says_it_was_resumed_in_another_transaction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The server dropped the connection after two pages: the read begins its statement again
    # at the rows read so far, in a new transaction, and its positions say so from then on.
    statements: list[str | None] = []
    table = list(range(10))
    positions = _positions_over(
        [_Cut(table, statements, 4), _Cut(table[4:], statements, None)], monkeypatch
    )
    assert [p["offset"] for p in positions] == [2, 4, 6, 8, 10]
    assert [note_of(p) is not None for p in positions] == [False, False, True, True, True]
    assert positions[-1]["resumed"] == 1
    assert statements[0] is not None and statements[0].endswith(" OFFSET 0")
    assert statements[3] is not None and statements[3].endswith(" OFFSET 4")


def test_a_stream_read_in_one_transaction_says_nothing_more() -> None:
    async def go() -> list[Any]:
        pages = _pages(1, 3)
        pages.conn = _Cut(list(range(7)), [], None)  # type: ignore[assignment]
        got = []
        while (page := await pages.next_page()) is not None:
            got.append(page.position)
        return got

    assert asyncio.run(go()) == [{"offset": 3}, {"offset": 6}, {"offset": 7}]


def test_a_resumed_statement_that_fails_before_its_rows_is_not_counted_a_transaction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Lost after two pages; the statement begun again at the rows read so far fails before
    # its first row (asked again), the next one reads on: the rows came from two
    # transactions, not three.
    statements: list[str | None] = []
    table = list(range(10))
    conns = [
        _Cut(table, statements, 4),
        _Cut(table[4:], statements, 0),
        _Cut(table[4:], statements, None),
    ]
    positions = _positions_over(conns, monkeypatch)
    assert [p["offset"] for p in positions] == [2, 4, 6, 8, 10]
    assert positions[-1]["resumed"] == 1
    assert (note_of(positions[-1]) or "").startswith("read in 2 transactions")


def test_a_statement_begun_again_that_sends_no_row_still_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Lost after four rows; the rows after them deleted meanwhile, the statement begun again
    # at row 4 sends none: the read was still one of two transactions, and an empty page
    # carries the note (rows may have been missed: those deleted shifted the offset).
    statements: list[str | None] = []
    positions = _positions_over(
        [_Cut(list(range(6)), statements, 4), _Cut([], statements, None)], monkeypatch
    )
    assert [p["offset"] for p in positions] == [2, 4, 4]
    assert statements[-1] is not None and statements[-1].endswith(" OFFSET 4")
    assert positions[-1]["resumed"] == 1
    assert (note_of(positions[-1]) or "").startswith("read in 2 transactions")


class _Silent(_Cut):
    """A connection whose statement sends nothing within its wait (a deadline passed)."""

    def __init__(self) -> None:
        super().__init__([], [], None)
        self.waits: list[float | None] = []

    async def rows_part(
        self, statement: str | None, decoder: Any, upto: int, *, wait: float | None = None
    ) -> Any:
        self.statements.append(statement)
        self.waits.append(wait)
        raise TimeoutError_(f"read timed out after {wait}s")


@pytest.mark.parametrize(
    ("offset", "wait", "final"),
    [
        pytest.param(2_000_000, 30.0, False, id="walked-in-30s"),
        # 10 billion rows at 100,000 a second would be 27 hours: an hour at most, then it
        # stops, saying why, and is not asked again.
        pytest.param(10_000_000_000, 3600.0, True, id="capped"),
    ],
)
def test_a_statement_begun_again_waits_an_hour_at_most_for_its_first_row(
    offset: int, wait: float, final: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    silent = _Silent()

    async def connected(*_: Any) -> Any:
        return silent

    async def go() -> NetError:
        pages = _pages(1, 2)
        pages.offset = offset
        with pytest.raises(TimeoutError_) as caught:
            await pages.next_page()
        return caught.value

    monkeypatch.setattr("leakhound.probes.mysql.read.connect", connected)
    exc = asyncio.run(go())
    assert silent.waits == [wait]
    assert _pages(1, 2).retryable(exc) is not final
    if final:
        assert str(exc).startswith(
            f"the statement begun again at row {offset:,}, given 3600s (the most it may wait) "
        )
