"""A MongoDB or Redis verdict asks again over TLS only where the server cut the connection in
clear before answering (a server of TLS alone does): a server that answers something else (an
HTTP server on the kind's port) is not sent a second connection and a TLS hello."""

from __future__ import annotations

import asyncio

import pytest

from leakhound.models import Endpoint, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.mongodb import MongodbProbe
from leakhound.probes.redis import RedisProbe

from . import servers as S

PROBES = {"mongodb": MongodbProbe(), "redis": RedisProbe()}


def _counted(handler: S.Handler, seen: list[int]) -> S.Handler:
    async def handle(conn: S.Conn) -> None:
        seen.append(1)
        await handler(conn)

    return handle


async def _reset_after_reading(conn: S.Conn) -> None:
    await conn.reader.read(65536)
    S.reset(conn)


def _verdict(kind: str, handler: S.Handler) -> tuple[Verdict, str, int]:
    seen: list[int] = []
    with S.ServerLoop() as loop:
        port = loop.serve(_counted(handler, seen))
        limits = Limits(connect_timeout=1, read_timeout=1, total_timeout=3)
        transport = Transport(limits, Scope({("127.0.0.1", port)}))
        service = asyncio.run(PROBES[kind].verdict(transport, Endpoint("127.0.0.1", port)))
    return service.verdict, service.reason, len(seen)


@pytest.mark.parametrize("kind", sorted(PROBES))
def test_an_http_server_on_the_port_is_asked_once_in_clear(kind: str) -> None:
    verdict, reason, connections = _verdict(
        kind, S.raw_reply(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    )
    assert verdict == Verdict.not_of(kind), reason
    assert connections == 1


@pytest.mark.parametrize("kind", sorted(PROBES))
def test_a_server_resetting_a_connection_in_clear_is_asked_over_tls(kind: str) -> None:
    verdict, reason, connections = _verdict(kind, _reset_after_reading)
    # The second connection's TLS hello is reset too: the failure in clear stands.
    assert connections == 2
    assert verdict in (Verdict.not_of(kind), Verdict.ERROR), reason
    assert "reset" in reason and "\n" not in reason
