"""The cluster behind a Kibana, reached through its console proxy as if it were the cluster.

``ConsoleProxy`` is an ``Http`` the Elasticsearch probe and reader use unchanged: each request
they make of the cluster (``GET {base}/_cat/indices``, ``POST {base}/{index}/_search``…) is
checked against the Elasticsearch allow-list, then sent as ``POST {base}/api/console/proxy
?path=…&method=GET`` through the real client, under the Kibana allow-list (which judges the
query string again). Only GET passes: a POST read the cluster answers by GET alike (search,
count, scroll pages) goes as GET with its body; anything else (opening a point in time,
releasing a scroll) is refused before it leaves, so full reads go by scroll and a scroll
context expires on its own.

What comes back is the cluster's answer: Kibana 7 and OpenSearch Dashboards pass its status
through; Kibana 8 answers 200 and puts it in ``x-console-proxy-status-code``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from ...errors import PolicyError, ProtocolError, TooLargeError
from ...net import Http, Policy, Response, Transport
from .allow import ALLOW, PROXY_PATH, READ_AS_GET

# Kibana asks for kbn-xsrf on every POST, OpenSearch Dashboards for osd-xsrf; neither minds the
# other's. (The header only proves the request is not a browser's cross-site form.)
XSRF_HEADERS = {"kbn-xsrf": "true", "osd-xsrf": "true"}
STATUS_HEADER = "x-console-proxy-status-code"
# Kibana 7's console.proxyFilter refuses a path with this text/plain answer (HTTP 403).
_FILTERED = b"Unable to send requests to that path"


class ConsoleProxy(Http):
    """An ``Http`` whose requests reach the cluster behind one Kibana's console proxy.

    It holds no connection of its own (``Http.__init__`` is not called: the Kibana
    transport's client carries every request), so only ``request``/``get`` are used.
    """

    def __init__(self, http: Http, base: str) -> None:
        self._outer = http
        self._base = base.rstrip("/")
        self.limits, self.scope = http.limits, http.scope

    async def aclose(self) -> None:
        """Nothing to close: the Kibana transport owns the client."""
        return None

    async def request(
        self,
        method: str,
        url: str,
        allow: Policy,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        max_body: int | None = None,
        headers: Mapping[str, str] | None = None,
        decode: bool = True,
    ) -> Response:
        """Send one cluster request through the console proxy, as a GET (``decode`` as for
        ``Http.request``: the proxy's answer as stored, or decoded; a refusal, relayed or
        not, cut at the cap as ``Http.request`` cuts one)."""
        if not url.startswith(self._base):
            raise PolicyError(f"{url[:100]!r} is not behind {self._base}")
        path = url[len(self._base) :] or "/"
        if urlsplit(path).query:
            raise PolicyError(
                "a cluster request through the console proxy takes its query as params"
            )
        if not allow.allows(method, path):
            raise PolicyError(f"{method} {path} is not on the {allow.kind} read-only allow-list")
        if method not in ("GET", "HEAD") and not (method == "POST" and READ_AS_GET.fullmatch(path)):
            raise PolicyError(f"{method} {path} cannot pass the console proxy as a GET")
        if params:
            # "pretty" first: OpenSearch Dashboards appends "?pretty=true" to a path that has
            # no "?pretty" (after a query it would corrupt the last parameter); Kibana adds it
            # anyway.
            path += "?" + urlencode({"pretty": "true", **params})
        try:
            response = await self._outer.request(
                "POST",
                self._base + PROXY_PATH,
                ALLOW,
                json=json,
                params={"path": path, "method": "GET"},
                max_body=max_body,
                headers=XSRF_HEADERS,
                decode=decode,
            )
        except TooLargeError as exc:
            # Over the cap, the status is the cluster's as Kibana 8's header relays it too:
            # a refusal is one whatever its size, its body cut at the cap.
            status = _relayed(exc.status, exc.headers) if exc.status is not None else None
            if status in (401, 403):
                assert status is not None
                return Response(status, exc.headers, exc.head, url, None, cut=True)
            raise TooLargeError(
                str(exc),
                status=status,
                read=exc.read,
                head=exc.head,
                cap=exc.cap,
                headers=exc.headers,
            ) from exc
        return _cluster_answer(response, url)


def _cluster_answer(response: Response, url: str) -> Response:
    """The cluster's answer inside the proxy's: its status from Kibana 8's header."""
    if response.status == 403 and _FILTERED in response.body[:500]:
        raise ProtocolError("Kibana's console.proxyFilter refuses the path")
    status = _relayed(response.status, response.headers)
    if status is None:
        # The cluster's status is unknown: its answer cannot be read as a success.
        relayed = response.headers.get(STATUS_HEADER, "")
        raise ProtocolError(f"the console proxy relays no status ({relayed[:20]!r})")
    return Response(status, response.headers, response.body, url, response.tls, response.cut)


def _relayed(status: int, headers: Mapping[str, str]) -> int | None:
    """The cluster's status in the proxy's answer: Kibana 8's header where it answers 200,
    else the proxy's own; None where the header holds no status."""
    relayed = headers.get(STATUS_HEADER)
    if status != 200 or relayed is None:
        return status
    if not (relayed.isascii() and relayed.isdigit() and len(relayed) == 3):
        return None
    return int(relayed)


class ProxyTransport(Transport):
    """A ``Transport`` whose HTTP client is the console proxy of one Kibana."""

    def __init__(self, outer: Transport, base: str) -> None:
        super().__init__(outer.limits, outer.scope, ca_file=outer.ca_file)
        self.credentials = outer.credentials
        self._proxy = ConsoleProxy(outer.http, base)

    @property
    def http(self) -> Http:
        """The console proxy, as an HTTP client of the cluster."""
        return self._proxy

    async def aclose(self) -> None:
        """Nothing to close: the outer transport owns the connections."""
        return None
