"""An inventory's one connection, opened again when a statement past its deadline closed it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

from ..errors import NetError

# New connections an inventory on one connection (MySQL's, PostgreSQL's per database) opens
# after a statement closed it (past the read deadline): a server that stalls on every
# container costs a few deadlines, not one a container.
RECONNECTS = 3


class _Stream(Protocol):
    @property
    def closed(self) -> bool: ...


class _Connection(Protocol):
    @property
    def stream(self) -> _Stream: ...

    async def close(self) -> None: ...


C = TypeVar("C", bound=_Connection)


class Reconnecting(Generic[C]):
    """The connection an inventory reads its containers on, one after the other.

    ``ready()`` hands it back, or a new one when the last statement closed it (a read past
    its deadline): ``RECONNECTS`` times at most, or until a login fails. After that the
    closed connection is handed back, and each container's statements fail at once, so its
    listed estimate stands, said to be unread.
    """

    def __init__(self, conn: C, reopen: Callable[[], Awaitable[C]]) -> None:
        self.conn = conn
        self._reopen = reopen
        self._left = RECONNECTS

    async def ready(self) -> C:
        """The connection to send the next container's statements on."""
        if self.conn.stream.closed and self._left > 0:
            self._left -= 1
            try:
                self.conn = await self._reopen()
            except NetError:
                self._left = 0
        return self.conn

    async def close(self) -> None:
        """Close the connection in use."""
        await self.conn.close()


def on_demand(conn: C, reopen: Callable[[], Awaitable[C]] | None) -> Callable[[], Awaitable[C]]:
    """The connection to send a listing's next statement on: ``conn`` until an error closed
    it, then the one ``reopen`` gives (``Reconnecting.ready``). Without ``reopen``, ``conn``
    even closed: its statements then fail at once (ClosedError)."""
    current = conn

    async def ready() -> C:
        nonlocal current
        if reopen is not None and current.stream.closed:
            current = await reopen()
        return current

    return ready
