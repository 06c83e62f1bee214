"""The one HTTP layer against tiny local servers: scope, allow-list, redirects, caps, rate."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from hostile import servers as S  # tests/ is on sys.path, as for every test folder
from leakhound import net
from leakhound.errors import (
    ConnectError,
    NetError,
    PolicyError,
    ProtocolError,
    TimeoutError_,
    TooLargeError,
)
from leakhound.probes.elasticsearch import ALLOW

ANY_GET = net.rules("test", [("GET", r"/.*"), ("POST", r"/[a-z]+/_search")])


@pytest.fixture(scope="module")
def loop() -> Iterator[S.ServerLoop]:
    """One loop of small servers for the module."""
    with S.ServerLoop() as servers:
        yield servers


def _http(*ports: int, **limits: Any) -> net.Http:
    scope = net.Scope()
    for port in ports:
        scope.add("127.0.0.1", port)
    return net.Http(
        net.Limits(**{"connect_timeout": 1, "read_timeout": 2, "total_timeout": 5, **limits}), scope
    )


async def _get(http: net.Http, url: str, allow: net.AllowList = ANY_GET, **kw: Any) -> net.Response:
    async with http:
        return await http.get(url, allow, **kw)


def _received(loop: S.ServerLoop, port: int) -> list[S.Received]:
    return [r for r in loop.received if r.port == port]


# --------------------------------------------------------------------------- scope


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://127.0.0.2:{port}/", id="other-loopback-address"),
        pytest.param("http://127.0.0.1:{other}/", id="other-port-same-host"),
        pytest.param("http://169.254.169.254/latest/meta-data/", id="metadata"),
        pytest.param("http://[fe80::1]:{port}/", id="link-local-v6"),
        pytest.param("http://localhost:{port}/", id="name-of-the-same-host"),
        pytest.param("http://192.0.2.7:9200/", id="other-host"),
    ],
)
def test_out_of_scope_request_is_refused_before_any_connect(loop: S.ServerLoop, url: str) -> None:
    port = loop.serve(S.fixed(200, b"{}"))
    other = loop.serve(S.fixed(200, b"{}"))
    recorder = S.ConnectRecorder()
    with recorder.recording(), pytest.raises(PolicyError, match="not a target"):
        asyncio.run(_get(_http(port), url.format(port=port, other=other)))
    assert recorder.connects == [] and recorder.lookups == []
    assert _received(loop, other) == []


def test_in_scope_request_reaches_the_server(loop: S.ServerLoop) -> None:
    port = loop.serve(S.fixed(200, b'{"ok": true}'))
    recorder = S.ConnectRecorder()
    with recorder.recording():
        resp = asyncio.run(_get(_http(port), f"http://127.0.0.1:{port}/"))
    assert (resp.status, resp.json()) == (200, {"ok": True})
    assert recorder.off_loopback() == set() and recorder.connects


def test_proxy_settings_from_the_environment_are_ignored(
    loop: S.ServerLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = loop.serve(S.fixed(200, b"{}"))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://192.0.2.9:3128")
    recorder = S.ConnectRecorder()
    with recorder.recording():
        resp = asyncio.run(_get(_http(port), f"http://127.0.0.1:{port}/"))
    assert resp.status == 200 and recorder.off_loopback() == set()


# --------------------------------------------------------------------------- allow-list


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("PUT", "/logs", id="put-index"),
        pytest.param("DELETE", "/logs", id="delete-index"),
        pytest.param("POST", "/_bulk", id="bulk"),
        pytest.param("POST", "/logs/_doc", id="index-document"),
        pytest.param("POST", "/logs/_update_by_query", id="update-by-query"),
        pytest.param("POST", "/logs/_delete_by_query", id="delete-by-query"),
        pytest.param("POST", "/_search/../_bulk", id="dot-segments"),
        pytest.param("GET", "/_bulk", id="get-on-an-unlisted-api"),
        pytest.param("GET", "/_snapshot/_all", id="snapshot-api"),
        pytest.param("POST", "/_all/_close", id="close-all"),
    ],
)
def test_write_request_is_refused_before_any_byte_is_sent(
    loop: S.ServerLoop, method: str, path: str
) -> None:
    port = loop.serve(S.fixed(200, b"{}"))
    sent: list[net.Request] = []
    recorder = S.ConnectRecorder()
    net.add_audit_hook(sent.append)

    async def go() -> None:
        async with _http(port) as http:
            await http.request(method, f"http://127.0.0.1:{port}{path}", ALLOW, json={})

    try:
        with recorder.recording(), pytest.raises(PolicyError, match="read-only allow-list"):
            asyncio.run(go())
    finally:
        net.remove_audit_hook(sent.append)
    assert sent == [] and recorder.connects == [] and _received(loop, port) == []


def test_an_allow_list_cannot_name_a_write_method() -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        with pytest.raises(ValueError, match="not a read method"):
            net.rules("bad", [(method, "/.*")])


def test_audit_hook_sees_every_request_sent(loop: S.ServerLoop) -> None:
    port = loop.serve(S.fixed(200, b"{}"))
    sent: list[net.Request] = []
    net.add_audit_hook(sent.append)
    try:
        asyncio.run(_get(_http(port), f"http://127.0.0.1:{port}/", ALLOW))
    finally:
        net.remove_audit_hook(sent.append)
    assert sent == [net.Request("GET", f"http://127.0.0.1:{port}/", "elasticsearch")]


def _echo_headers() -> S.Handler:
    """Answers every request with the headers it received, as JSON."""

    async def handle(conn: S.Conn) -> None:
        while (req := await conn.request_or_400()) is not None:
            await conn.reply(200, orjson.dumps(req.headers))

    return handle


PROXY = net.rules("proxy", [("POST", r"/proxy", lambda q: q == "method=GET")])


def test_the_query_string_reaches_the_allow_list_before_anything_is_sent(
    loop: S.ServerLoop,
) -> None:
    port = loop.serve(_echo_headers())

    async def go(method: str) -> net.Response:
        async with _http(port) as http:
            return await http.request(
                "POST",
                f"http://127.0.0.1:{port}/proxy",
                PROXY,
                params={"method": method},
                headers={"kbn-xsrf": "true"},
            )

    with pytest.raises(PolicyError, match="read-only allow-list"):
        asyncio.run(go("DELETE"))
    assert _received(loop, port) == []
    resp = asyncio.run(go("GET"))
    assert resp.json()["kbn-xsrf"] == "true"  # the API's own header went with it
    assert [r.target for r in _received(loop, port)] == ["/proxy?method=GET"]


# --------------------------------------------------------------------------- redirects


def _chain() -> S.Handler:
    """/hop/N redirects to /hop/N+1, for ever."""

    async def handle(conn: S.Conn) -> None:
        while (req := await conn.request_or_400()) is not None:
            n = int(req.path.rsplit("/", 1)[-1] or 0) if req.path.startswith("/hop/") else 0
            await conn.reply(302, headers={"Location": f"/hop/{n + 1}"})

    return handle


def test_same_origin_redirects_are_followed_up_to_the_limit(loop: S.ServerLoop) -> None:
    port = loop.serve(_chain())
    resp = asyncio.run(_get(_http(port, max_redirects=3), f"http://127.0.0.1:{port}/hop/0"))
    assert resp.status == 302 and resp.url.endswith("/hop/3")
    assert [r.target for r in _received(loop, port)] == [f"/hop/{n}" for n in range(4)]


def test_same_origin_redirect_to_an_answer_is_followed(loop: S.ServerLoop) -> None:
    async def handle(conn: S.Conn) -> None:
        while (req := await conn.request_or_400()) is not None:
            if req.path == "/":
                await conn.reply(301, headers={"Location": "/moved/"})
            else:
                await conn.reply(200, b'{"here": 1}')

    port = loop.serve(handle)
    resp = asyncio.run(_get(_http(port), f"http://127.0.0.1:{port}/"))
    assert (resp.status, resp.json()) == (200, {"here": 1})
    assert resp.url == f"http://127.0.0.1:{port}/moved/"


@pytest.mark.parametrize(
    "location",
    [
        pytest.param("http://169.254.169.254/latest/meta-data/", id="metadata"),
        pytest.param("//169.254.169.254/", id="metadata-scheme-relative"),
        pytest.param("http://[fe80::1]:9200/", id="link-local-v6"),
        pytest.param("http://127.0.0.1:{other}/", id="other-target-port"),
        pytest.param("https://127.0.0.1:{port}/", id="scheme-change"),
        pytest.param("http://127.0.0.1:{port}@169.254.169.254/", id="userinfo-trick"),
        pytest.param("http://127.0.0.1:99999/", id="bad-port"),
    ],
)
def test_cross_origin_redirect_is_returned_not_followed(loop: S.ServerLoop, location: str) -> None:
    other = loop.serve(S.fixed(200, b"{}"))
    box: dict[str, str] = {}  # the Location may name the server's own port, known once served

    async def handle(conn: S.Conn) -> None:
        while await conn.request_or_400() is not None:
            await conn.reply(302, headers={"Location": box["location"]})

    port = loop.serve(handle)
    location = box["location"] = location.format(port=port, other=other)
    recorder = S.ConnectRecorder()
    with recorder.recording():
        resp = asyncio.run(_get(_http(port, other), f"http://127.0.0.1:{port}/"))
    assert resp.status == 302 and resp.headers["location"] == location
    assert len(_received(loop, port)) == 1 and _received(loop, other) == []
    assert recorder.off_loopback() == set()


def test_redirect_of_a_search_to_a_write_api_is_refused(loop: S.ServerLoop) -> None:
    port = loop.serve(S.redirect("/_bulk", 307))

    async def go() -> None:
        async with _http(port) as http:
            await http.request(
                "POST", f"http://127.0.0.1:{port}/logs/_search", ALLOW, json={"size": 1}
            )

    with pytest.raises(PolicyError, match="POST /_bulk"):
        asyncio.run(go())
    assert [(r.method, r.target) for r in _received(loop, port)] == [("POST", "/logs/_search")]


# --------------------------------------------------------------------------- size caps


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_body_over_the_cap_is_refused(loop: S.ServerLoop, chunked: bool) -> None:
    body = b"x" * 5000

    async def handle(conn: S.Conn) -> None:
        while await conn.request_or_400() is not None:
            if chunked:
                await conn.send(
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
                )
            else:
                await conn.reply(200, body)

    port = loop.serve(handle)
    url = f"http://127.0.0.1:{port}/"
    with pytest.raises(TooLargeError, match="4999 byte cap"):
        asyncio.run(_get(_http(port, max_body=4999), url))
    assert asyncio.run(_get(_http(port, max_body=5000), url)).body == body
    with pytest.raises(TooLargeError):  # a per-request cap can lower the limit, never raise it
        asyncio.run(_get(_http(port, max_body=4999), url, max_body=10_000))


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_answer_over_the_cap_says_its_status_and_what_was_read(
    loop: S.ServerLoop, chunked: bool
) -> None:
    body = b"[" + b'"name",' * 2000 + b'"end"]'

    async def handle(conn: S.Conn) -> None:
        while await conn.request_or_400() is not None:
            if chunked:
                await conn.send(
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
                )
            else:
                await conn.reply(200, body)

    port = loop.serve(handle)
    with pytest.raises(TooLargeError) as caught:
        asyncio.run(_get(_http(port, max_body=4999), f"http://127.0.0.1:{port}/"))
    exc = caught.value
    assert (exc.status, exc.cap) == (200, 4999)
    assert exc.read >= len(exc.head) > 0 and exc.head.startswith(b'["name",')
    assert body.startswith(exc.head)


def test_an_answer_declared_over_the_cap_and_closed_early_is_still_over_the_cap(
    loop: S.ServerLoop,
) -> None:
    # Its first bytes are read to say what answered; a server that then closes (a lie about
    # its length, or a crash) sent an answer over the cap all the same, not invalid HTTP.
    async def handle(conn: S.Conn) -> None:
        if await conn.request_or_400() is not None:
            await conn.send(b'HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n["a", "b",')

    port = loop.serve(handle)
    with pytest.raises(TooLargeError) as caught:
        asyncio.run(_get(_http(port, max_body=4999), f"http://127.0.0.1:{port}/"))
    assert (caught.value.status, caught.value.head) == (200, b'["a", "b",')


@pytest.mark.parametrize("status", [401, 403])
def test_a_refusal_declared_over_the_cap_is_cut_at_its_first_bytes_not_waited_for(
    loop: S.ServerLoop, status: int
) -> None:
    # A refusal, whatever was asked, is judged by its status: one that declares 100 MB and
    # then stalls is its first bytes, not a read to the cap that the read deadline ends.
    page = b"<html>" + b"x" * 1_000  # under the cap, and then nothing more

    async def handle(conn: S.Conn) -> None:
        if await conn.request_or_400() is not None:
            await conn.send(b"HTTP/1.1 %d No\r\nContent-Length: 100000000\r\n\r\n" % status + page)
            await asyncio.sleep(30)

    port = loop.serve(handle)
    http = _http(port, read_timeout=4, total_timeout=8, max_body=4999)
    got = asyncio.run(_get(http, f"http://127.0.0.1:{port}/"))
    assert (got.status, got.cut) == (status, True)
    assert got.body == page  # what came at once


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("status", [404, 407, 500])
def test_another_error_over_the_cap_is_over_the_cap_not_cut(
    loop: S.ServerLoop, status: int, chunked: bool
) -> None:
    # Only 401 and 403 are judged by their status whatever their size: any other error over
    # the cap (a proxy's 407 too) is an answer too large, as a 200 is.
    body = b"<html>" + b"x" * 5_000

    async def handle(conn: S.Conn) -> None:
        while await conn.request_or_400() is not None:
            if chunked:
                await conn.send(
                    b"HTTP/1.1 %d No\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"%x\r\n%s\r\n0\r\n\r\n" % (status, len(body), body)
                )
            else:
                await conn.reply(status, body)

    port = loop.serve(handle)
    with pytest.raises(TooLargeError) as caught:
        asyncio.run(_get(_http(port, max_body=4999), f"http://127.0.0.1:{port}/"))
    assert caught.value.status == status


def test_gzip_bomb_is_cut_at_the_cap_without_inflating_past_it(loop: S.ServerLoop) -> None:
    port = loop.serve(S.gzip_bomb(S.gzip_parts(), plain_bytes=1024**3))
    cap = 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError, match=f"{cap} byte cap"):
            asyncio.run(_get(_http(port, max_body=cap), f"http://127.0.0.1:{port}/"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # One network read of this stream inflates to ~64 MiB when decoded in one call.
    assert peak < 8 * cap, f"{peak / 2**20:.0f} MiB"


def test_an_answer_declared_over_the_cap_inflates_only_its_first_bytes(
    loop: S.ServerLoop,
) -> None:
    # Its first bytes say what answered (64 KiB): a gzip bomb declared over the cap is not
    # inflated to the cap for them.
    parts = S.gzip_parts()

    async def handle(conn: S.Conn) -> None:
        if await conn.request_or_400() is not None:
            await conn.send(
                b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                b"Content-Length: 1000000000000\r\n\r\n" + parts.head + parts.block * 8
            )

    port = loop.serve(handle)
    cap = 32 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError) as caught:
            asyncio.run(_get(_http(port, max_body=cap), f"http://127.0.0.1:{port}/"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.status == 200 and caught.value.head[:4] == bytes(4)
    assert peak < 8 * 1024 * 1024, f"{peak / 2**20:.0f} MiB"


def test_stacked_content_codings_are_refused(loop: S.ServerLoop) -> None:
    body = S.nested_gzip_body(S.gzip_parts(), 64 * 1024**2)
    port = loop.serve(S.nested_gzip_bomb(body))
    with pytest.raises(ProtocolError, match="stacked content codings"):
        asyncio.run(_get(_http(port), f"http://127.0.0.1:{port}/"))


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        pytest.param("gzip", lambda b: zlib.compress(b, wbits=31), id="gzip"),
        pytest.param("deflate", zlib.compress, id="deflate-zlib"),
        pytest.param("deflate", lambda b: zlib.compress(b, wbits=-15), id="deflate-raw"),
        pytest.param("identity", lambda b: b, id="identity"),
        pytest.param("br", lambda b: b, id="unknown-passes-through"),
    ],
)
def test_single_content_coding_is_decoded(loop: S.ServerLoop, encoding: str, compress: Any) -> None:
    plain = b'{"tagline": "You Know, for Search"}' * 50
    port = loop.serve(S.fixed(200, compress(plain), {"Content-Encoding": encoding}))
    assert asyncio.run(_get(_http(port), f"http://127.0.0.1:{port}/")).body == plain


def test_corrupt_gzip_is_a_protocol_error(loop: S.ServerLoop) -> None:
    port = loop.serve(S.fixed(200, b"this is not gzip", {"Content-Encoding": "gzip"}))
    with pytest.raises(ProtocolError, match="bad gzip body"):
        asyncio.run(_get(_http(port), f"http://127.0.0.1:{port}/"))


def test_json_with_too_many_values_is_refused_unparsed() -> None:
    flood = net.Response(200, {}, b"[" + b"{}," * net.MAX_JSON_VALUES + b"{}]", "http://h/x")
    with pytest.raises(TooLargeError, match="JSON values"):
        flood.json()
    fine = net.Response(200, {}, b"[" + b"1," * 1000 + b"1]", "http://h/x")
    assert len(fine.json()) == 1001


@pytest.mark.parametrize(
    ("body", "parsed"),
    [
        pytest.param(b'{"ok": true}', {"ok": True}, id="json"),
        pytest.param(b"null", None, id="json-null"),
        pytest.param(b"<html>502 Bad Gateway</html>", None, id="html"),
        pytest.param(b"[" + b"{}," * net.MAX_JSON_VALUES + b"{}]", None, id="flood"),
    ],
)
def test_json_or_none_reads_json_and_takes_anything_else_for_none(
    body: bytes, parsed: object
) -> None:
    # What a probe asks of an answer it only looks into: a proxy's HTML page or a flood
    # of values is no answer of the store, never an exception.
    assert net.Response(200, {}, body, "http://h/x").json_or_none() == parsed


# --------------------------------------------------------------------------- time


def test_silent_server_is_a_read_timeout(loop: S.ServerLoop) -> None:
    port = loop.serve(S.silent())
    start = time.monotonic()
    with pytest.raises(TimeoutError_, match=r"read timed out after 0\.5s"):
        asyncio.run(_get(_http(port, read_timeout=0.5), f"http://127.0.0.1:{port}/"))
    assert time.monotonic() - start < 3


def test_dripping_server_is_cut_by_the_total_timeout(loop: S.ServerLoop) -> None:
    port = loop.serve(S.drip(0.2))
    start = time.monotonic()
    with pytest.raises(TimeoutError_, match=r"no complete answer within 1\.5s"):
        asyncio.run(
            _get(_http(port, read_timeout=1, total_timeout=1.5), f"http://127.0.0.1:{port}/")
        )
    assert time.monotonic() - start < 4


def test_closed_port_is_connection_refused() -> None:
    port = S.closed_port()
    with pytest.raises(ConnectError, match="connection refused"):
        asyncio.run(_get(_http(port), f"http://127.0.0.1:{port}/"))


# --------------------------------------------------------------------------- rate, concurrency


def test_rate_limit_spaces_requests_to_one_host(loop: S.ServerLoop) -> None:
    port = loop.serve(S.fixed(200, b"{}"))
    n = 6

    async def go() -> float:
        async with _http(port, rate=5) as http:
            start = time.monotonic()
            await asyncio.gather(
                *(http.get(f"http://127.0.0.1:{port}/", ANY_GET) for _ in range(n))
            )
            return time.monotonic() - start

    assert asyncio.run(go()) >= (n - 1) / 5 - 0.05


def test_concurrency_cap_bounds_requests_in_flight(loop: S.ServerLoop) -> None:
    state = {"now": 0, "peak": 0}

    async def handle(conn: S.Conn) -> None:
        while await conn.request_or_400() is not None:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
            await asyncio.sleep(0.15)
            state["now"] -= 1
            await conn.reply(200, b"{}")

    port = loop.serve(handle)

    async def go() -> None:
        async with _http(port, concurrency=2) as http:
            await asyncio.gather(
                *(http.get(f"http://127.0.0.1:{port}/", ANY_GET) for _ in range(8))
            )

    asyncio.run(go())
    assert state["peak"] == 2


# Credentials travel only where a man in the middle cannot read them (net.OwnerAuth).


def _authed(insecure: bool = False) -> net.Http:
    scope = net.Scope()
    for host in ("192.0.2.10", "127.0.0.1", "::1", "localhost"):
        scope.add(host, 9200)
    return net.Http(scope=scope, auth=net.OwnerAuth(("owner", "pw"), insecure=insecure))


def test_credentials_are_never_sent_in_clear_beyond_loopback() -> None:
    http = _authed()
    with pytest.raises(PolicyError, match="not sent in clear"):
        http._check("GET", "http://192.0.2.10:9200/", ALLOW)
    http._check("GET", "https://192.0.2.10:9200/", ALLOW)  # verified TLS: allowed
    for url in ("http://127.0.0.1:9200/", "http://[::1]:9200/", "http://localhost:9200/"):
        http._check("GET", url, ALLOW)
    asyncio.run(http.aclose())


def test_insecure_auth_lifts_the_clear_text_refusal() -> None:
    http = _authed(insecure=True)
    http._check("GET", "http://192.0.2.10:9200/", ALLOW)
    asyncio.run(http.aclose())


def test_a_client_without_credentials_reads_plain_http_anywhere_in_scope() -> None:
    scope = net.Scope()
    scope.add("192.0.2.10", 9200)
    http = net.Http(scope=scope)
    http._check("GET", "http://192.0.2.10:9200/", ALLOW)
    asyncio.run(http.aclose())


def test_an_unreadable_ca_file_is_a_usage_error(tmp_path: Any) -> None:
    from leakhound.errors import UsageError

    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(UsageError, match="--ca-file"):
        net.Http(auth=net.OwnerAuth(("owner", "pw"), ca_file=str(bad)))


# --------------------------------------------------------------------------- cookies


@pytest.mark.parametrize(
    "cookie",
    [
        pytest.param("session=abc; Path=/", id="plain"),
        pytest.param("s=\x80\xff; Path=/", id="not-ascii"),
    ],
)
def test_a_targets_cookie_is_never_sent_back(loop: S.ServerLoop, cookie: str) -> None:
    """A scanner keeps no state from its targets: the next request carries no Cookie (and a
    cookie httpx could not encode breaks nothing)."""
    headers_seen: list[dict[str, str]] = []

    async def handle(conn: S.Conn) -> None:
        while (req := await conn.request_or_400()) is not None:
            headers_seen.append(req.headers)
            await conn.reply(200, b"{}", headers={"Set-Cookie": cookie})

    port = loop.serve(handle)

    async def twice() -> list[int]:
        async with _http(port) as http:
            return [
                (await http.get(f"http://127.0.0.1:{port}/{n}", ANY_GET)).status for n in range(2)
            ]

    assert asyncio.run(twice()) == [200, 200]
    assert [h.get("cookie") for h in headers_seen] == [None, None]


def test_the_secrets_of_credentials_are_each_password_and_its_basic_header(
    tmp_path: Any,
) -> None:
    import base64

    import httpx

    basic = base64.b64encode(b"app:s3cret").decode()
    assert net.secrets_of(None) == frozenset()
    assert net.secrets_of(("app", "s3cret")) == {"s3cret", basic}
    assert net.secrets_of(net.OwnerAuth(("app", "s3cret"))) == {"s3cret", basic}
    assert net.secrets_of(("app", "")) == frozenset()  # no password: nothing to hide
    netrc = tmp_path / "netrc"
    netrc.write_text(
        "machine a.example login app password s3cret\n"
        "machine b.example login ops password hunter22\n"
    )
    found = net.secrets_of(net.OwnerAuth(httpx.NetRCAuth(str(netrc))))
    assert {"s3cret", "hunter22", basic} <= found


# --------------------------------------------------------------------------- URLs too long


@pytest.mark.parametrize(
    ("path", "params"),
    [
        pytest.param("/db/_all_docs", {"startkey": '"' + "x" * 70_000 + '"'}, id="query"),
        pytest.param("/" + "x" * 70_000, None, id="path"),
    ],
)
def test_a_url_too_long_to_send_is_one_net_error_and_nothing_is_sent(
    loop: S.ServerLoop, path: str, params: dict[str, str] | None
) -> None:
    """An id past httpx's 65,536 characters as a key (a CouchDB startkey): the request fails
    as a request does, with its reason, not with httpx's own error out of every handler."""
    port = loop.serve(S.fixed(200, b"{}"))
    with pytest.raises(NetError, match=r"the request cannot be sent: .*too long"):
        asyncio.run(_get(_http(port), f"http://127.0.0.1:{port}{path}", params=params))
    assert _received(loop, port) == []
