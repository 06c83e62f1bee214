"""An HTTP kind's first request: the schemes it tries, the path it is sent to, and the URL
its verdict names where no scheme answered."""

from __future__ import annotations

import asyncio
import socket

from hostile.recorded import RecordedServer, as_json
from leakhound.models import Endpoint, Service, Verdict
from leakhound.net import Limits, Scope, Transport, rules
from leakhound.probes.http_root import FirstAnswer, first_answer
from leakhound.targets import Kinds, parse_targets, targets

ALLOW = rules("test", [("GET", r"/(.*/)?")])
PG = Kinds(((5432, "postgresql"),), {"postgresql": ("postgresql",), "http": (), "https": ()})


def _ask(ep: Endpoint) -> FirstAnswer | Service:
    async def go() -> FirstAnswer | Service:
        scope = Scope()
        scope.add("127.0.0.1", ep.port)
        async with Transport(Limits(read_timeout=5, total_timeout=10), scope) as transport:
            return await first_answer(
                transport, ep, "test", "/", ALLOW, too_large=Verdict.ERROR, what="root"
            )

    return asyncio.run(go())


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_closed_bare_port_keeps_the_url_tried() -> None:
    """An HTTP kind's verdict no answer decided names the URL it tried, http:// first on a
    bare port: the field every Elasticsearch result has carried."""
    port = _closed_port()
    got = _ask(Endpoint("127.0.0.1", port))
    assert isinstance(got, Service) and got.verdict == Verdict.CLOSED
    assert got.url == f"http://127.0.0.1:{port}"
    named = _ask(Endpoint("127.0.0.1", port, "https"))
    assert isinstance(named, Service) and named.url == f"https://127.0.0.1:{port}"


def test_http_and_https_of_one_proxied_path_are_both_tried() -> None:
    """https://h/es named before http://h/es: one target (one key) that tries https, then
    http, and keeps the one that answers; only https was tried, a TLS error reported."""
    with RecordedServer(lambda seen: as_json(200, {"path": seen.path})) as server:
        hp = f"127.0.0.1:{server.port}"
        specs = parse_targets([f"https://{hp}/es", f"http://{hp}/es/"], PG)
        (target,) = targets(specs)
        assert target.endpoint.key == f"{hp}/es"
        got = _ask(target.endpoint)
    assert isinstance(got, FirstAnswer)
    assert (got.scheme, got.base) == ("http", f"http://{hp}/es")
    assert [s.path for s in server.received] == ["/es/"]


def test_http_kinds_beside_a_database_url_are_not_sent_to_its_database() -> None:
    """A bare port and postgresql://h:p/db1 are one target logged in to db1; the HTTP kinds
    tried on it asked http://h:p/db1/, a path of the database, not of any HTTP server."""
    with RecordedServer(lambda seen: as_json(200, {})) as server:
        hp = f"127.0.0.1:{server.port}"
        (target,) = targets(parse_targets([hp, f"postgresql://reader@{hp}/db1"], PG))
        ep = target.endpoint
        assert (ep.scheme, ep.base_path) == (None, "/db1")
        assert ep.url("postgresql") == f"postgresql://reader@{hp}/db1"
        assert ep.url() == hp
        got = _ask(ep)
    assert isinstance(got, FirstAnswer) and got.base == f"http://{hp}"
    assert [s.path for s in server.received] == ["/"]
