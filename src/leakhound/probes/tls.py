"""TLS as the store kinds that speak their own protocol ask for it: a server that refused or
cut a connection in clear, asked again over TLS, and what a read plan keeps of that so that
a partition read in another process asks for TLS first too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from ..errors import NetError
from ..models import Endpoint
from ..net import Transport
from .base import ReadPlan


class _Closing(Protocol):
    async def close(self) -> None: ...


C = TypeVar("C", bound=_Closing)
T = TypeVar("T")


async def over_tls(
    connect: Callable[[], Awaitable[C]], ask: Callable[[C], Awaitable[T]]
) -> tuple[C, T] | None:
    """A connection over TLS (``connect``) and its answer to the kind's first question
    (``ask``), where the server answers one there; None where it does not (no server of the
    kind over TLS either: the failure in clear stands)."""
    try:
        conn = await connect()
    except NetError:
        return None
    try:
        return conn, await ask(conn)
    except NetError:
        await conn.close()
        return None
    except BaseException:
        await conn.close()
        raise


def tls_planned(transport: Transport, endpoint: Endpoint) -> dict[str, bool]:
    """What a read plan's state keeps of its endpoint's TLS (``{"tls": True}`` where it
    refused a connection in clear and took one over TLS), so that a partition read in
    another process (a worker of the scan, a Dask task) asks for TLS first too
    (``tls_followed``)."""
    return {"tls": True} if transport.asks_tls_first(endpoint.host, endpoint.port) else {}


def tls_followed(plan: ReadPlan, transport: Transport, endpoint: Endpoint) -> None:
    """A partition's connections ask for TLS first where its plan says so (``tls_planned``)."""
    if isinstance(plan.state, dict) and plan.state.get("tls") is True:
        transport.ask_tls_first(endpoint.host, endpoint.port)
