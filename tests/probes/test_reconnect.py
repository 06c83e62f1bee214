"""An inventory's connection opened again after a statement closed it, a few times at most."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from leakhound.errors import ConnectError
from leakhound.probes.reconnect import RECONNECTS, Reconnecting


@dataclass
class _Stream:
    closed: bool = False


@dataclass
class _Conn:
    number: int
    stream: _Stream = field(default_factory=_Stream)

    async def close(self) -> None:
        self.stream.closed = True


def test_an_open_connection_is_kept_and_a_closed_one_replaced_a_few_times() -> None:
    async def run() -> list[int]:
        opened = [0]

        async def reopen() -> _Conn:
            opened[0] += 1
            return _Conn(opened[0])

        conns = Reconnecting(_Conn(0), reopen)
        seen = []
        for _ in range(RECONNECTS + 3):
            conn = await conns.ready()
            seen.append(conn.number)
            conn.stream.closed = True  # every statement on it times out
        await conns.close()
        return seen

    seen = asyncio.run(run())
    assert seen[: RECONNECTS + 1] == list(range(RECONNECTS + 1))
    assert seen[RECONNECTS + 1 :] == [RECONNECTS, RECONNECTS]  # no more logins


def test_a_failed_login_ends_the_reconnects() -> None:
    async def run() -> tuple[int, int]:
        tries = [0]

        async def reopen() -> _Conn:
            tries[0] += 1
            raise ConnectError("refused")

        conns = Reconnecting(_Conn(0), reopen)
        conns.conn.stream.closed = True
        for _ in range(5):
            conn = await conns.ready()
        return tries[0], conn.number

    assert asyncio.run(run()) == (1, 0)
