"""A Kibana's reason is its own words and the cluster's reason after them: the cluster's is
asked to fit the room Kibana's leave, so that its end (why) is never cut."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from hostile.recorded import Answer, RecordedServer, Seen
from leakhound.models import Endpoint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.kibana import KibanaProbe

REALM = "r" * 200  # a realm as long as a reason keeps one


def _refusal(body: bytes) -> Answer:
    """Kibana's refusal of every API, a challenge naming a long realm."""
    return Answer(
        401,
        body,
        {
            "content-type": "application/json",
            "kbn-name": "kibana",
            "www-authenticate": f'Basic realm="{REALM}"',
        },
    )


def route(seen: Seen) -> Answer:
    """A Kibana whose status page refuses with a body over the first answer's cap, and whose
    console proxy refuses / alike and routes no data API (HTTP 404 of nobody's)."""
    if seen.path == "/api/status" or (
        seen.path == "/api/console/proxy" and urlsplit(seen.params.get("path", "")).path == "/"
    ):
        return _refusal(b"{" + b" " * (1024 * 1024 + 10) + b"}")
    return Answer(404, b"not found", {"content-type": "text/plain"})


def test_a_long_secured_reason_keeps_the_cluster_s_end() -> None:
    with RecordedServer(route) as server:

        async def go() -> Service:
            scope = Scope({("127.0.0.1", server.port)})
            async with Transport(Limits(read_timeout=5, total_timeout=10), scope) as transport:
                return await KibanaProbe().verdict(transport, Endpoint("127.0.0.1", server.port))

        got = asyncio.run(go())
    assert got.verdict == Verdict.SECURED, got.reason
    assert len(got.reason) <= 500
    assert got.reason.startswith("Kibana asks for credentials (HTTP 401 on /api/status, its body")
    assert ", and through the console proxy: / asks for credentials (HTTP 401, realm 'rrr" in (
        got.reason
    )
    assert got.reason.endswith(
        "; not served here: _cat/indices: HTTP 404; _search: HTTP 404: nothing readable was reached"
    )
    assert got.fingerprint.realm == REALM  # kept whole where it is not a reason's
