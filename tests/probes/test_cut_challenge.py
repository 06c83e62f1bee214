"""A refusal on the first path asked (CouchDB's ``/``, Kibana's ``/api/status``) whose body is
over the first answer's cap is judged by its status and headers, its body cut there
(``Response.cut``): the reason says the body was not read whole, as Elasticsearch's does, not
that it was read and found to be something else."""

from __future__ import annotations

import asyncio

from hostile.recorded import Answer, RecordedServer, Seen, as_json
from leakhound.models import Endpoint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.base import Probe
from leakhound.probes.couchdb import CouchdbProbe
from leakhound.probes.http_root import FIRST_ANSWER_CAP
from leakhound.probes.kibana import KibanaProbe

CHALLENGE = {"www-authenticate": 'Basic realm="proxy"'}
BIG = b"<html>" + b" " * (FIRST_ANSWER_CAP + 4096) + b"</html>"
CUT = f", its body over the {FIRST_ANSWER_CAP:,} byte cap not read whole"
ES_DENIED = {"error": {"type": "security_exception", "reason": "missing credentials"}}


def _verdict(probe: Probe, answers: dict[str, Answer]) -> Service:
    def route(seen: Seen) -> Answer:
        return answers.get(seen.path, Answer(404, b"not found"))

    with RecordedServer(route) as server:

        async def go() -> Service:
            scope = Scope({("127.0.0.1", server.port)})
            async with Transport(Limits(read_timeout=5, total_timeout=10), scope) as transport:
                return await probe.verdict(transport, Endpoint("127.0.0.1", server.port))

        return asyncio.run(go())


def test_a_couchdb_root_refusal_over_the_cap_says_its_body_was_not_read() -> None:
    root = Answer(401, BIG, {"content-type": "text/html", **CHALLENGE})
    got = _verdict(CouchdbProbe(), {"/": root})
    assert got.verdict == Verdict.not_of("couchdb")
    assert got.reason == "HTTP 401 on /" + CUT


def test_a_small_couchdb_root_refusal_of_another_server_says_so() -> None:
    root = Answer(401, b"<html>Please log in</html>", {"content-type": "text/html", **CHALLENGE})
    got = _verdict(CouchdbProbe(), {"/": root})
    assert got.verdict == Verdict.not_of("couchdb")
    assert got.reason == "HTTP 401 on / without CouchDB's error answer"


def test_a_kibana_status_refusal_over_the_cap_says_its_body_was_not_read() -> None:
    status = Answer(401, BIG, {"content-type": "text/html", "kbn-name": "kibana", **CHALLENGE})
    proxy = as_json(401, ES_DENIED | {"status": 401}, **CHALLENGE)
    got = _verdict(KibanaProbe(), {"/api/status": status, "/api/console/proxy": proxy})
    assert got.verdict == Verdict.SECURED
    assert got.reason.startswith(
        f"Kibana asks for credentials (HTTP 401 on /api/status{CUT}), and through the console "
        "proxy: "
    )


def test_an_unnamed_status_refusal_over_the_cap_says_its_body_was_not_read() -> None:
    status = Answer(401, BIG, {"content-type": "text/html", **CHALLENGE})
    got = _verdict(KibanaProbe(), {"/api/status": status})
    assert got.verdict == Verdict.not_of("kibana")
    assert got.reason == "HTTP 401 on /api/status with no Kibana status" + CUT
