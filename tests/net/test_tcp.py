"""Raw TCP under the policy: scope before connect, the command allow-list before a byte leaves,
deadlines and a byte budget on every reply."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from hostile import servers as S  # tests/ is on sys.path, as for every test folder
from leakhound import net
from leakhound.errors import (
    ConnectError,
    PolicyError,
    ProtocolError,
    TimeoutError_,
    TooLargeError,
)
from leakhound.net import FrameReader, Limits, Scope, Transport

ALLOW = net.commands("test", {"PING", "READ"}, never={"FLUSHALL"})


class RawServer:
    """Accepts connections on loopback, records every byte received, answers ``reply`` to each
    chunk (or nothing, or closes)."""

    def __init__(self, reply: bytes | None = b"+PONG\r\n", close: bool = False) -> None:
        self.reply, self.close = reply, close
        self.received = bytearray()
        self.connections = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = False

    def __enter__(self) -> RawServer:
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        return self

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._client, args=(conn,), daemon=True).start()

    def _client(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        with conn:
            while not self._stop:
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                self.received += data
                if self.close:
                    return
                if self.reply is not None:
                    conn.sendall(self.reply)

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self.thread.join(2)
        self.sock.close()


def _transport(port: int, **limits: float) -> Transport:
    scope = Scope()
    scope.add("127.0.0.1", port)
    return Transport(Limits(**limits), scope)  # type: ignore[arg-type]


async def _line(frames: FrameReader) -> bytes:
    return await frames.line()


def _exchange(port: int, command: str, payload: bytes, **limits: float) -> bytes | None:
    async def go() -> bytes | None:
        stream = await _transport(port, **limits).tcp("127.0.0.1", port, ALLOW, scheme="test")
        try:
            return await stream.exchange(command, payload, _line)
        finally:
            await stream.close()

    return asyncio.run(go())


@pytest.fixture
def server() -> Iterator[RawServer]:
    with RawServer() as s:
        yield s


def test_an_allowed_command_is_sent_and_answered(server: RawServer) -> None:
    assert _exchange(server.port, "PING", b"PING\r\n") == b"+PONG"
    assert bytes(server.received) == b"PING\r\n"


@pytest.mark.parametrize("command", ["FLUSHALL", "CONFIG", "ping", ""])
def test_a_command_off_the_list_never_leaves(server: RawServer, command: str) -> None:
    with pytest.raises(PolicyError, match="not on the test read-only allow-list"):
        _exchange(server.port, command, b"FLUSHALL\r\n")
    assert bytes(server.received) == b""  # connected, but not a byte written


def test_a_command_list_cannot_allow_what_it_forbids() -> None:
    with pytest.raises(ValueError, match="allowed and forbidden"):
        net.commands("bad", {"GET", "FLUSHALL"}, never={"FLUSHALL"})


def test_an_out_of_scope_endpoint_is_refused_before_any_connect(server: RawServer) -> None:
    async def go() -> None:
        await _transport(server.port).tcp("127.0.0.1", server.port + 1, ALLOW, scheme="test")

    with pytest.raises(PolicyError, match="not a target"):
        asyncio.run(go())
    assert server.connections == 0


def test_every_command_is_audited_before_it_is_sent(server: RawServer) -> None:
    seen: list[net.Request] = []
    net.add_audit_hook(seen.append)
    try:
        _exchange(server.port, "PING", b"PING\r\n")
    finally:
        net.remove_audit_hook(seen.append)
    assert seen == [net.Request("PING", f"test://127.0.0.1:{server.port}", "test")]


def test_a_reply_over_the_budget_is_refused() -> None:
    with RawServer(reply=b"x" * 5000 + b"\r\n") as s, pytest.raises(TooLargeError):
        _exchange(s.port, "PING", b"PING\r\n", max_body=1024)


def test_a_silent_peer_is_a_read_timeout() -> None:
    with RawServer(reply=None) as s, pytest.raises(TimeoutError_, match="read timed out"):
        _exchange(s.port, "PING", b"PING\r\n", read_timeout=0.3)


def test_a_peer_that_closes_midway_is_one_protocol_error() -> None:
    with RawServer(close=True) as s, pytest.raises(ProtocolError):
        _exchange(s.port, "PING", b"PING\r\n")


def test_a_lying_length_costs_the_budget_not_memory() -> None:
    async def read_declared(frames: FrameReader) -> bytes:
        return await frames.exactly(2**31)  # "a 2 GB frame follows"

    async def go() -> None:
        with RawServer() as s:
            stream = await _transport(s.port, max_body=1 << 20).tcp(
                "127.0.0.1", s.port, ALLOW, scheme="test"
            )
            try:
                await stream.exchange("READ", b"READ\r\n", read_declared)
            finally:
                await stream.close()

    with pytest.raises(TooLargeError):
        asyncio.run(go())


def test_a_closed_port_is_a_connect_error() -> None:
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(ConnectError, match="refused"):
        _exchange(port, "PING", b"PING\r\n")


def test_a_failed_exchange_closes_the_connection(server: RawServer) -> None:
    async def go() -> None:
        stream = await _transport(server.port, max_body=2).tcp(
            "127.0.0.1", server.port, ALLOW, scheme="test"
        )
        with pytest.raises(TooLargeError):
            await stream.exchange("PING", b"PING\r\n", _line)
        with pytest.raises(ProtocolError, match="closed after an error"):
            await stream.exchange("PING", b"PING\r\n", _line)  # its framing is lost

    asyncio.run(go())


def test_bytes_received_but_not_read_before_a_tls_handshake_are_refused(
    server: RawServer,
) -> None:
    # Bytes still in asyncio's buffer (no reader took them) when TLS starts would be read
    # as if they had come encrypted: a man in the middle's injection.
    async def go() -> bool:
        stream = await _transport(server.port).tcp("127.0.0.1", server.port, ALLOW, scheme="t")
        await stream.exchange("PING", b"PING\r\n", None)  # its answer left unread
        while not stream._reader._buffer:  # type: ignore[attr-defined]
            await asyncio.sleep(0.01)
        with pytest.raises(ProtocolError, match="more than its grant of TLS"):
            await stream.start_tls(net.tls.insecure_context())
        return stream.closed

    assert asyncio.run(go())


def test_a_tls_handshake_the_server_never_answers_is_a_timeout() -> None:
    async def go() -> bool:
        with RawServer(reply=None) as s:
            transport = _transport(s.port, connect_timeout=0.2)
            stream = await transport.tcp("127.0.0.1", s.port, ALLOW, scheme="t")
            with pytest.raises(TimeoutError_, match="TLS handshake timed out"):
                await stream.start_tls(net.tls.insecure_context())
            return stream.closed

    assert asyncio.run(go())


def test_bytes_past_a_reply_are_the_next_exchange_s() -> None:
    # Two lines arrive in one read: the second is the answer to the next command, not lost.
    async def go() -> list[bytes | None]:
        with RawServer(reply=b"+ONE\r\n+TWO\r\n") as s:
            stream = await _transport(s.port).tcp("127.0.0.1", s.port, ALLOW, scheme="test")
            try:
                first = await stream.exchange("PING", b"PING\r\n", _line)
                second = await stream.exchange("PING", b"PING\r\n", _line)
            finally:
                await stream.close()
        return [first, second]

    assert asyncio.run(go()) == [b"+ONE", b"+TWO"]


@pytest.mark.parametrize("cut", [1, 3, 4, 5, 9])
def test_a_reply_cut_anywhere_reads_whole(cut: int) -> None:
    async def go() -> tuple[bytes, bytes, bytes]:
        reader = asyncio.StreamReader()
        frames = FrameReader(reader, Limits())
        data = b"$4\r\nabcd\r\n+OK\r\n"
        reader.feed_data(data[:cut])
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, reader.feed_data, data[cut:])
        return await frames.line(), await frames.exactly(6), await frames.line()

    assert asyncio.run(go()) == (b"$4", b"abcd\r\n", b"+OK")


def test_a_line_without_its_end_stops_at_the_limit() -> None:
    async def go() -> bytes:
        reader = asyncio.StreamReader()
        reader.feed_data(b"+" + b"x" * 100)
        reader.feed_eof()
        return await FrameReader(reader, Limits()).line(limit=50)

    with pytest.raises(ProtocolError, match="longer than 50 bytes"):
        asyncio.run(go())


def _fed(data: bytes, eof: bool = True, **limits: Any) -> FrameReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    if eof:
        reader.feed_eof()
    return FrameReader(reader, Limits(**limits))


def test_frames_read_in_place_are_spent_from_the_budget() -> None:
    async def go() -> tuple[bytes, int, int]:
        frames = _fed(b"abcdef", max_body=10)
        await frames.fill(4)
        data, at = frames.buffered()
        frames.advance(4)
        with pytest.raises(ProtocolError):
            frames.advance(len(data) - at)  # more than is buffered
        return data[at : at + 4], frames.budget, len(frames.pending)

    assert asyncio.run(go()) == (b"abcd", 6, 2)


def test_a_fill_over_the_budget_is_refused_before_it_is_read() -> None:
    async def go() -> None:
        # Nothing more is ever sent: a fill that waited for the bytes would time out.
        await _fed(b"ab", eof=False, max_body=1024, read_timeout=0.2).fill(2048)

    with pytest.raises(TooLargeError):
        asyncio.run(go())


def test_a_fill_the_peer_closes_before_is_one_protocol_error() -> None:
    async def go() -> None:
        await _fed(b"ab").fill(3)

    with pytest.raises(ProtocolError):
        asyncio.run(go())


def _paced(first_after: float, rest_after: float) -> tuple[float | None, BaseException | None]:
    """A server that answers PING with "+PO" after ``first_after`` seconds and "NG\\r\\n"
    ``rest_after`` seconds later, read with a 0.4 s read deadline and a 2 s wait for the
    reply's first bytes: (seconds the exchange took, or the error it raised)."""

    async def go() -> tuple[float | None, BaseException | None]:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readline()
            await asyncio.sleep(first_after)
            writer.write(b"+PO")
            await writer.drain()
            await asyncio.sleep(rest_after)
            writer.write(b"NG\r\n")
            await writer.drain()
            await asyncio.sleep(3)
            writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        stream = await _transport(port, read_timeout=0.4, total_timeout=10).tcp(
            "127.0.0.1", port, ALLOW, scheme="test"
        )
        began = asyncio.get_running_loop().time()
        try:
            await stream.exchange("PING", b"PING\r\n", _line, wait=2.0)
            return asyncio.get_running_loop().time() - began, None
        except TimeoutError_ as exc:
            return None, exc
        finally:
            await stream.close()
            server.close()

    return asyncio.run(go())


def test_a_reply_s_first_bytes_may_take_the_wait_given() -> None:
    took, error = _paced(first_after=1.0, rest_after=0.0)
    assert error is None and took is not None and took >= 1.0  # past the 0.4 s read deadline


def test_the_wait_is_for_the_first_bytes_alone_the_rest_keep_the_read_deadline() -> None:
    # The first bytes at once, then a stall longer than the read deadline: a server that
    # stalls mid-reply gets the read deadline, not the wait meant for its first bytes.
    took, error = _paced(first_after=0.0, rest_after=1.0)
    assert took is None and "read timed out after 0.4s" in str(error)


def test_the_rate_of_a_host_counts_its_http_requests_and_its_commands_alike() -> None:
    # An HTTP kind asks who is there over raw TCP while its own request is pending
    # (probes/http_root.ask_who): a --rate per host bounds both, not each on its own.
    allow = net.rules("test", [("GET", r"/.*")])
    with S.ServerLoop() as loop:
        port = loop.serve(S.fixed(200, b"{}"))
        scope = Scope()
        scope.add("127.0.0.1", port)

        async def go() -> float:
            async with Transport(Limits(rate=2.0), scope) as transport:
                # Timed from before the first request: the second may leave 0.5 s after the
                # first left, however long the first took to be answered (a loaded machine).
                start = time.monotonic()
                await transport.http.get(f"http://127.0.0.1:{port}/", allow)
                stream = await transport.tcp("127.0.0.1", port, allow, scheme="http")
                try:
                    await stream.exchange("GET", b"GET / HTTP/1.0\r\n\r\n", None, statement="/")
                finally:
                    await stream.close()
                return time.monotonic() - start

        assert asyncio.run(go()) >= 0.45
