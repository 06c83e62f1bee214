"""A table read in one ``COPY`` (``_CtidStream``) from a server on loopback: a server that is
silent while its scan passes over rows it does not send is waited for, within a bound; and a
connection whose COPY is still being read asks nothing else."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from hostile.postgresql import GREETING, command, message, result
from leakhound.errors import ProtocolError, TimeoutError_
from leakhound.models import Endpoint
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.base import ReadPlan, note_of
from leakhound.probes.postgresql import read
from leakhound.probes.postgresql.read import STREAM, PostgresqlReader, _CtidStream, silence

ROWS = [b"%d\tuser%d@example.com\t(%d,1)\n" % (n, n, n) for n in range(1, 5)]
STATE = {"database": "db", "schema": "public", "table": "t", "starts": [0], "blocks": 4}
READ_DEADLINE = 0.3  # seconds; each silence of the servers below is longer


@asynccontextmanager
async def _server(
    parts: list[tuple[float, list[bytes]]], statements: list[str]
) -> AsyncIterator[int]:
    """A server that lets anyone in and answers a COPY with ``parts``: each after its
    seconds of silence (``inf``: never), then the COPY's end; a part of no rows after a
    silence closes the connection instead."""

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            (length,) = struct.unpack(">i", await reader.readexactly(4))
            await reader.readexactly(length - 4)
            writer.write(GREETING)
            while True:
                head = await reader.readexactly(5)
                body = await reader.readexactly(struct.unpack(">i", head[1:])[0] - 4)
                if head[:1] != b"Q":
                    return  # Terminate
                sql = body.rstrip(b"\0").decode()
                statements.append(sql)
                if sql.startswith("SET "):
                    writer.write(command())
                elif sql.endswith(" LIMIT 0"):
                    writer.write(result(["id", "email"], []))
                elif sql.startswith("COPY ("):
                    writer.write(message(b"H", b"\0\0\0"))
                    for seconds, rows in parts:
                        await writer.drain()
                        await asyncio.sleep(seconds)
                        if not rows and seconds:  # silent, then gone
                            return
                        writer.write(b"".join(message(b"d", row) for row in rows))
                    n = sum(len(rows) for _, rows in parts)
                    end = message(b"c", b"") + message(b"C", b"COPY %d\0" % n)
                    writer.write(end + message(b"Z", b"I"))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


def _stream(port: int, size: int) -> _CtidStream:
    scope = Scope({("127.0.0.1", port)})
    transport = Transport(Limits(read_timeout=READ_DEADLINE, total_timeout=5), scope)
    reader = PostgresqlReader(transport, Endpoint("127.0.0.1", port, "postgresql"))
    pages = reader.partition(ReadPlan("db.public.t", 1, STREAM, STATE, 4), 0, None, size=size)
    assert isinstance(pages, _CtidStream)
    return pages


def _read(parts: list[tuple[float, list[bytes]]], size: int) -> list[Any]:
    async def go() -> list[Any]:
        async with _server(parts, []) as port:
            pages = _stream(port, size)
            try:
                got: list[Any] = []
                while (page := await pages.next_page()) is not None:
                    got += [doc["email"] for doc in page.docs]
                return got
            finally:
                await pages.close()

    return asyncio.run(go())


EVERY = [f"user{n}@example.com" for n in range(1, 5)]


def test_a_stream_silent_while_its_scan_passes_over_dead_rows_midway_reads_on() -> None:
    # Rows 1-2, then the server passes over a run of dead rows (silent past the read
    # deadline), then rows 3-4: the second part is waited for, not asked again.
    assert _read([(0, ROWS[:2]), (3 * READ_DEADLINE, ROWS[2:])], size=2) == EVERY


def test_a_stream_silent_before_its_first_row_reads_on() -> None:
    # The table's first blocks hold dead rows only: the first part is waited for too.
    assert _read([(3 * READ_DEADLINE, ROWS)], size=10) == EVERY


def test_a_server_that_holds_a_stream_without_a_row_is_given_up_on_past_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(read, "_MAX_SILENCE", 2 * READ_DEADLINE)
    with pytest.raises(TimeoutError_):
        _read([(0, ROWS[:2]), (float("inf"), ROWS[2:])], size=2)


@pytest.mark.parametrize(
    ("blocks", "after", "seconds"),
    [
        pytest.param(None, None, 10, id="unknown-table"),
        pytest.param(6400 * 50, None, 60, id="table-of-2.5-GiB"),
        pytest.param(6400, "(640000,3)", 110, id="position-past-the-counted-blocks"),
        pytest.param(4_294_967_295, None, 3600, id="hostile-size-capped"),
    ],
)
def test_the_silence_a_stream_is_allowed_is_its_table_scanned_at_the_slowest_at_most_an_hour(
    blocks: int | None, after: str | None, seconds: float
) -> None:
    assert silence(blocks, after) == seconds


def test_a_connection_whose_copy_is_still_read_sends_no_other_statement() -> None:
    # A statement written while the server still sends a COPY's rows would have its answer
    # read as rows (or the rows as its answer): refused before a byte is written.
    statements: list[str] = []

    async def go() -> None:
        async with _server([(0, ROWS[:2]), (1.0, ROWS[2:])], statements) as port:
            pages = _stream(port, 2)
            try:
                assert await pages.next_page() is not None and not pages.done
                conn = pages.conn
                assert conn is not None
                with pytest.raises(ProtocolError, match="still being read"):
                    await conn.run("SET statement_timeout = 0")
                with pytest.raises(ProtocolError, match="still being read"):
                    await conn.copy(pages.statement())
                with pytest.raises(ProtocolError, match="still being read"):
                    await conn.copy_part(pages.statement(), 2)
                await asyncio.sleep(0.2)  # what was written, the server has read
            finally:
                await pages.close()

    asyncio.run(go())
    assert (
        statements[-1].startswith("COPY (") and sum(s.startswith("COPY") for s in statements) == 1
    )


def test_a_server_that_trickles_rows_within_the_silence_is_cut_off_at_the_parts_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each row after nearly the silence allowed (past the read deadline): every read is in
    # time, the part is not. Its total deadline (1 s and the silence past the read deadline)
    # ends it, not the rows' pace.
    monkeypatch.setattr(read, "_MAX_SILENCE", 2 * READ_DEADLINE)
    trickled = [(1.5 * READ_DEADLINE, [ROWS[n % 4]]) for n in range(20)]

    async def go() -> None:
        async with _server(trickled, []) as port:
            scope = Scope({("127.0.0.1", port)})
            transport = Transport(Limits(read_timeout=READ_DEADLINE, total_timeout=1), scope)
            reader = PostgresqlReader(transport, Endpoint("127.0.0.1", port, "postgresql"))
            pages = reader.partition(ReadPlan("db.public.t", 1, STREAM, STATE, 4), 0, None, size=50)
            try:
                await pages.next_page()
            finally:
                await pages.close()

    with pytest.raises(TimeoutError_, match=r"no complete answer within 1\.3s"):
        asyncio.run(go())


def test_a_server_silent_before_every_part_spends_the_silence_of_the_whole_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The stream may be silent 5 read deadlines in all (its table's size, however large
    # the server says it is, gives at most _MAX_SILENCE): a server silent 4 before each
    # part has the first read, and is given up on in the second, not an allowance a part.
    monkeypatch.setattr(read, "_MAX_SILENCE", 5 * READ_DEADLINE)
    with pytest.raises(TimeoutError_, match=r"of the 1\.5s a stream of this table may be silent"):
        _read([(4 * READ_DEADLINE, ROWS[:2]), (4 * READ_DEADLINE, ROWS[2:])], size=2)


def _resumed(parts: list[tuple[float, list[bytes]]], position: dict[str, Any]) -> list[Any]:
    """The positions of a stream resumed at ``position``, its server answering ``parts``."""

    async def go() -> list[Any]:
        async with _server(parts, []) as port:
            scope = Scope({("127.0.0.1", port)})
            transport = Transport(Limits(read_timeout=READ_DEADLINE, total_timeout=5), scope)
            reader = PostgresqlReader(transport, Endpoint("127.0.0.1", port, "postgresql"))
            plan = ReadPlan("db.public.t", 1, STREAM, STATE, 4)
            pages = reader.partition(plan, 0, position, size=2)
            try:
                got: list[Any] = []
                while (page := await pages.next_page()) is not None:
                    got.append(page.position)
                return got
            finally:
                await pages.close()

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("parts", "ctids"),
    [
        pytest.param([(0, ROWS[2:])], ["(4,1)"], id="rows-after-it"),
        # Nothing after the position (deleted meanwhile): an empty page says it all the same.
        pytest.param([(0, [])], ["(2,1)"], id="nothing-after-it"),
    ],
)
def test_a_stream_resumed_after_a_row_says_it_was_read_in_more_snapshots(
    parts: list[tuple[float, list[bytes]]], ctids: list[str]
) -> None:
    positions = _resumed(parts, {"ctid": "(2,1)"})
    assert [p["ctid"] for p in positions] == ctids
    assert all(p["resumed"] == 1 for p in positions)
    assert (note_of(positions[-1]) or "").startswith("read in 2 snapshots, not one: ")
    # Resumed once more from its checkpoint: the count goes on.
    again = _resumed([(0, [])], positions[-1])
    assert (note_of(again[-1]) or "").startswith("read in 3 snapshots, not one: its one COPY was ")


def test_a_stream_read_from_its_first_row_in_one_copy_says_nothing_more() -> None:
    assert all(note_of(p) is None and "resumed" not in p for p in _resumed([(0, ROWS)], {}))


def test_an_honest_server_sending_slow_parts_keeps_the_silence_for_its_dead_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Rows sent at a steady pace, each well within the read deadline, in parts that take
    # longer than it: the server is never silent, so none of the 1.5 s the stream may be
    # silent in all is spent. A run of dead rows after them (silent 2 read deadlines) is
    # waited for, as it would be first.
    monkeypatch.setattr(read, "_MAX_SILENCE", 5 * READ_DEADLINE)
    rows = [b"%d\tuser%d@example.com\t(%d,1)\n" % (n, n, n) for n in range(1, 18)]
    paced = [(0.6 * READ_DEADLINE, [row]) for row in rows[:16]]
    got = _read([*paced, (2 * READ_DEADLINE, rows[16:])], size=4)
    assert got == [f"user{n}@example.com" for n in range(1, 18)]


def test_a_server_silent_then_gone_spends_the_silence_it_was_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Silent 4 read deadlines, then the connection closed: the silence is taken from the 5
    # the stream may have in all though the part failed, so the page asked again waits
    # with what is left (a server closing each time would otherwise hold every attempt).
    from leakhound.scanner import full

    monkeypatch.setattr(read, "_MAX_SILENCE", 5 * READ_DEADLINE)
    monkeypatch.setattr(full, "RETRIES", 1)

    async def go() -> None:
        async with _server([(4 * READ_DEADLINE, [])], []) as port:
            pages = _stream(port, 2)
            try:
                await full.next_page(pages)
            finally:
                await pages.close()

    with pytest.raises(TimeoutError_, match=r"waited with 0\.\d+s left of the 1\.5s"):
        asyncio.run(go())


def test_quick_parts_give_the_stream_no_more_silence_than_it_is_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Twelve parts sent at once (each well within the read deadline), then a silence of
    # 8 read deadlines: past the 5 the stream may be silent in all, however quick the parts
    # before it were (their time short of the read deadline is not silence to spend later).
    monkeypatch.setattr(read, "_MAX_SILENCE", 5 * READ_DEADLINE)
    rows = [b"%d\tuser%d@example.com\t(%d,1)\n" % (n, n, n) for n in range(1, 14)]
    quick = [(0.0, [row]) for row in rows[:12]]
    with pytest.raises(TimeoutError_, match=r"of the 1\.5s a stream of this table may be silent"):
        _read([*quick, (8 * READ_DEADLINE, rows[12:])], size=1)
