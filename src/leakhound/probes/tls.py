"""TLS as the store kinds that speak their own protocol ask for it: a server that refused or
cut a connection in clear, asked again over TLS, and what a read plan keeps of that so that
a partition read in another process asks for TLS first too."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from ..errors import ConnectionLost, NetError, TlsError
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
    except TlsError as exc:  # a server over TLS whose certificate is not trusted: said
        raise TlsError(f"over TLS (a connection in clear was cut): {exc}") from exc
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


# Why a connection is in clear where TLS was not even tried (``Endpoint.tls`` "disable").
TLS_DISABLED = "TLS not tried: the target URL disables it"


def tls_from_start(transport: Transport, endpoint: Endpoint) -> bool:
    """Whether connections to the endpoint are over TLS from their first byte: its target
    URL asks for TLS (``Endpoint.tls``), or it refused one in clear and took one over TLS
    (``Transport.asks_tls_first``); never where its URL disables TLS."""
    if endpoint.tls == "disable":
        return False
    return endpoint.tls_required or transport.asks_tls_first(endpoint.host, endpoint.port)


def over_tls_said(endpoint: Endpoint) -> str:
    """What a verdict over TLS says of why: its target URL asked, or the server cut a
    connection in clear."""
    if endpoint.tls_required:
        return " (over TLS, as the target URL asks)"
    return " (over TLS: the server cut a connection in clear)"


def tls_context(transport: Transport, endpoint: Endpoint) -> ssl.SSLContext:
    """The TLS context of the endpoint's connections: verifying where its target URL asks
    (``verify-ca``, ``verify-full``) or the owner's credentials need it."""
    return transport.tls_context(endpoint.tls)


async def cut_in_clear(
    lost: ConnectionLost,
    endpoint: Endpoint,
    connect: Callable[[], Awaitable[C]],
    ask: Callable[[C], Awaitable[T]],
) -> tuple[C, T]:
    """After a connection in clear was cut or reset before any answer (``lost``), as a
    server of TLS alone cuts it: the same asked over TLS (``over_tls``). ``lost`` stands
    where the target URL disables TLS (said so) or no server answers over TLS; TlsError
    where one does with a certificate that fails verification."""
    if endpoint.tls == "disable":
        raise ConnectionLost(f"{lost} ({TLS_DISABLED})") from lost
    encrypted = await over_tls(connect, ask)
    if encrypted is None:
        raise lost
    return encrypted


async def connected(
    transport: Transport,
    endpoint: Endpoint,
    connect: Callable[[], Awaitable[C]],
    over: Callable[[], Awaitable[C]],
    ask: Callable[[C], Awaitable[T]],
) -> tuple[C, T | None]:
    """A connection (``connect``); where it was cut in clear before it was ready (the
    owner's login cut, as a server of TLS alone cuts it), one over TLS (``over``, asked
    ``ask``: its answer beside it, ``cut_in_clear``), the endpoint's next connections asking
    for TLS first. None beside a connection as made: its first question is still to ask."""
    try:
        return await connect(), None
    except ConnectionLost as exc:
        if tls_from_start(transport, endpoint):
            raise
        conn, first = await cut_in_clear(exc, endpoint, over, ask)
        transport.ask_tls_first(endpoint.host, endpoint.port)
        return conn, first


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
