"""A root that asks for credentials while the data APIs answer otherwise: a reverse proxy that
guards ``/`` and routes nothing else (404, 405), or a root whose refusal is a page larger than
the first answer's cap. The verdict is decided by what was read: nothing, behind a challenge, is
``secured``, said so in its reason; nothing behind a bare 403 names no Elasticsearch at all."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from hostile import servers as S
from hostile.recorded import Answer, RecordedServer, Seen, as_json
from leakhound.models import Endpoint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.elasticsearch.probe import ElasticsearchProbe
from leakhound.probes.http_root import FIRST_ANSWER_CAP

CHALLENGE = {"www-authenticate": 'Basic realm="proxy"'}
LOGIN = b"<html><body>Please log in</body></html>"
DENIED = {"error": {"type": "security_exception", "reason": "missing credentials"}, "status": 401}


def _verdict(port: int) -> Service:
    async def go() -> Service:
        scope = Scope({("127.0.0.1", port)})
        async with Transport(Limits(read_timeout=5, total_timeout=10), scope) as transport:
            return await ElasticsearchProbe().verdict(transport, Endpoint("127.0.0.1", port))

    return asyncio.run(go())


def _scan(route: Callable[[Seen], Answer]) -> Service:
    with RecordedServer(route) as server:
        return _verdict(server.port)


def _proxy(root: Answer, cat: Answer, search: Answer) -> Callable[[Seen], Answer]:
    def route(seen: Seen) -> Answer:
        return {"/": root, "/_cat/indices": cat, "/_search": search}.get(
            seen.path, Answer(404, b"not found")
        )

    return route


ROOT_401 = Answer(401, LOGIN, {"content-type": "text/html", **CHALLENGE})
NOT_FOUND = Answer(404, b"<html>404 Not Found</html>", {"content-type": "text/html"})
NOT_ALLOWED = Answer(405, b"<html>405 Not Allowed</html>", {"content-type": "text/html"})


def test_a_challenge_on_the_root_and_unrouted_data_apis_is_secured_and_says_so() -> None:
    got = _scan(_proxy(ROOT_401, NOT_FOUND, NOT_ALLOWED))
    assert got.verdict == Verdict.SECURED
    assert got.reason == (
        "/ asks for credentials (HTTP 401, realm 'proxy'); not served here: "
        "_cat/indices: HTTP 404; _search: HTTP 405: nothing readable was reached"
    )
    assert got.closed_apis == ("/",) and got.open_apis == ()
    assert got.fingerprint is not None and got.fingerprint.realm == "proxy"


def test_one_data_api_refused_and_one_unrouted_behind_a_challenge_is_secured() -> None:
    got = _scan(_proxy(ROOT_401, as_json(401, DENIED, **CHALLENGE), NOT_FOUND))
    assert got.verdict == Verdict.SECURED
    assert got.reason == (
        "/ asks for credentials (HTTP 401, realm 'proxy'); _cat/indices ask for them; "
        "not served here: _search: HTTP 404: nothing readable was reached"
    )
    assert got.closed_apis == ("/", "_cat/indices")


def test_an_unrouted_data_api_beside_a_failing_one_stays_unsettled_and_names_both() -> None:
    got = _scan(_proxy(ROOT_401, NOT_FOUND, Answer(502, b"Bad Gateway")))
    assert got.verdict == Verdict.ERROR
    assert got.reason == (
        "/ asks for credentials (HTTP 401, realm 'proxy'); not served here: "
        "_cat/indices: HTTP 404; _search: HTTP 502 (failed)"
    )


def test_a_bare_403_root_with_no_data_api_served_is_no_elasticsearch() -> None:
    # nginx's answer for a folder without an index page, and 404 for every other path:
    # no challenge, no refusal of a data API, nothing that answers as Elasticsearch.
    forbidden = Answer(403, b"<html>403 Forbidden</html>", {"content-type": "text/html"})
    got = _scan(_proxy(forbidden, NOT_FOUND, NOT_FOUND))
    assert got.verdict == Verdict.not_of("elasticsearch")
    assert got.reason == (
        "HTTP 403 on / without an auth challenge, and no data API served "
        "(_cat/indices: HTTP 404; _search: HTTP 404): nothing answers as Elasticsearch"
    )


BIG = FIRST_ANSWER_CAP + 4096


@pytest.mark.parametrize(
    ("status", "body"),
    [
        pytest.param(401, LOGIN + b" " * BIG, id="401-declared-length"),
        pytest.param(403, b"x" * BIG, id="403-declared-length"),
    ],
)
def test_a_challenge_larger_than_the_first_answer_cap_is_judged_by_status_and_headers(
    status: int, body: bytes
) -> None:
    root = Answer(status, body, {"content-type": "text/html", **CHALLENGE})
    got = _scan(_proxy(root, as_json(401, DENIED, **CHALLENGE), as_json(401, DENIED, **CHALLENGE)))
    assert got.verdict == Verdict.SECURED
    assert got.reason == (
        f"HTTP {status}, realm 'proxy', its body over the {FIRST_ANSWER_CAP:,} byte cap "
        "not read whole"
    )
    assert got.closed_apis == ("/", "_cat/indices", "_search")


def test_an_endless_challenge_is_cut_at_the_cap_and_judged() -> None:
    # No length declared: the body read to the cap, then the connection let go.
    chunk = b"%x\r\n%s\r\n" % (65536, b"<" * 65536)

    async def handle(conn: S.Conn) -> None:
        while (req := await conn.request_or_400()) is not None:
            if req.path != "/":
                body = b'{"error":"no","status":401}'
                await conn.reply(401, body, headers={"WWW-Authenticate": 'Basic realm="x"'})
                continue
            await conn.send(
                b"HTTP/1.1 401 Unauthorized\r\nContent-Type: text/html\r\n"
                b'WWW-Authenticate: Basic realm="x"\r\nTransfer-Encoding: chunked\r\n\r\n'
            )
            for _ in range(2 * FIRST_ANSWER_CAP // 65536 + 1):
                await conn.send(chunk)
            return

    with S.ServerLoop() as loop:
        got = _verdict(loop.serve(handle))
    assert got.verdict == Verdict.SECURED
    assert got.reason.startswith("HTTP 401, realm 'x', its body over the ")


@pytest.mark.parametrize("status", [401, 403])
def test_a_large_refusal_without_a_challenge_is_judged_as_a_small_one(status: int) -> None:
    # A 401 or 403 refuses whatever its size: over the cap it is decided as the same status
    # under it is, its body said not to be read whole, not a "root answer too large".
    small = _scan(
        _proxy(Answer(status, LOGIN, {"content-type": "text/html"}), DENIED_CAT, NOT_FOUND)
    )
    root = Answer(status, b" " * BIG, {"content-type": "text/html"})
    got = _scan(_proxy(root, DENIED_CAT, NOT_FOUND))
    assert got.verdict == small.verdict == Verdict.SECURED, got.reason
    cut = f", its body over the {FIRST_ANSWER_CAP:,} byte cap not read whole"
    assert got.reason == small.reason.replace(", no realm", ", no realm" + cut)
    assert got.closed_apis == small.closed_apis == ("/", "_cat/indices")


DENIED_CAT = as_json(401, DENIED)


# Elasticsearch's own 404 (an index not found, for a user who may see none): the cluster
# answered there, the address serves the API.
INDEX_NOT_FOUND = as_json(
    404,
    {"error": {"type": "index_not_found_exception", "reason": "no such index [*]"}, "status": 404},
)
ANONYMOUS_403 = as_json(
    403,
    {
        "error": {
            "type": "security_exception",
            "reason": "action [cluster:monitor/main] is unauthorized for user [_anonymous]",
        },
        "status": 403,
    },
)


def test_elasticsearchs_own_404_on_the_data_apis_is_no_unserved_path() -> None:
    # Behind a bare 403 it was taken for a proxy's 404, and the cluster for no Elasticsearch.
    forbidden = Answer(403, b"<html>403 Forbidden</html>", {"content-type": "text/html"})
    got = _scan(_proxy(forbidden, INDEX_NOT_FOUND, INDEX_NOT_FOUND))
    assert got.verdict == Verdict.ERROR
    assert "not served here" not in got.reason
    assert got.reason.endswith("_cat/indices: HTTP 404; _search: HTTP 404 (failed)")


def test_elasticsearchs_own_404_behind_a_challenge_is_not_secured() -> None:
    got = _scan(_proxy(ROOT_401, INDEX_NOT_FOUND, INDEX_NOT_FOUND))
    assert got.verdict == Verdict.ERROR
    assert "not served here" not in got.reason


def test_elasticsearchs_own_refusal_on_the_root_is_elasticsearch_without_a_challenge() -> None:
    # An anonymous user without cluster:monitor/main: a 403 in Elasticsearch's JSON and no
    # WWW-Authenticate; the data APIs not routed here. Not "nothing answers as Elasticsearch".
    got = _scan(_proxy(ANONYMOUS_403, NOT_FOUND, NOT_FOUND))
    assert got.verdict == Verdict.SECURED
    assert got.reason == (
        "/ asks for credentials (HTTP 403, no realm); not served here: "
        "_cat/indices: HTTP 404; _search: HTTP 404: nothing readable was reached"
    )


def _spring(status: int, error: str, path: str) -> Answer:
    body = {"timestamp": "2026-01-01T00:00:00.000+00:00", "status": status, "error": error}
    return as_json(status, {**body, "path": path})


def test_a_web_frameworks_json_errors_name_no_elasticsearch() -> None:
    # Spring's error documents hold "error" and "status" too, but no typed error object.
    root = _spring(403, "Forbidden", "/")
    got = _scan(
        _proxy(root, _spring(404, "Not Found", "/_cat/indices"), _spring(404, "Not Found", "/"))
    )
    assert got.verdict == Verdict.not_of("elasticsearch")
    assert got.reason == (
        "HTTP 403 on / without an auth challenge, and no data API served "
        "(_cat/indices: HTTP 404; _search: HTTP 404): nothing answers as Elasticsearch"
    )


def test_a_401_without_a_challenge_still_asks_for_credentials() -> None:
    # Only a bare 403 (a folder nginx will not list) names nothing: a 401 is a request for
    # credentials by its status (a token gateway's, with no WWW-Authenticate).
    gateway = as_json(401, {"message": "Unauthorized"})
    got = _scan(_proxy(gateway, NOT_FOUND, NOT_FOUND))
    assert got.verdict == Verdict.SECURED
    assert got.reason == (
        "/ asks for credentials (HTTP 401, no realm); not served here: "
        "_cat/indices: HTTP 404; _search: HTTP 404: nothing readable was reached"
    )
