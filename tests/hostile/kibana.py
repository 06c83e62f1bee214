"""A fake Kibana 7/8 or OpenSearch Dashboards 2 on loopback: the recorded ``/api/status``
answers (``tests/data/kibana/``) and a console proxy that forwards to a real cluster (the
lab's OpenSearch node) the way each version's route does.

What each flavour does, from its console proxy route's source (cited in the data README):
Kibana 7 and 8 build the cluster URL as ``host + "/" + path`` and add ``pretty=true`` unless
the path has it; Kibana 7 and OpenSearch Dashboards pass the cluster's status through, Kibana 8
answers 200 and carries it in ``x-console-proxy-status-code``; OpenSearch Dashboards appends
``?pretty=true`` to a path that does not contain ``?pretty`` (after a query string this
corrupts its last parameter) and wraps the cluster's errors in hapi's error shape. Every POST
must carry the flavour's XSRF header. "/" redirects to the default app (or, ``secured``, to
the login page); with ``secured`` every API answer is a 401, as when Kibana's security is on
and no session is given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from .recorded import Answer, RecordedServer, Seen, as_json, recorded


@dataclass(frozen=True)
class Flavour:
    """What distinguishes one Kibana from another here."""

    status_file: str
    name_header: str
    xsrf_header: str
    status_in_header: bool  # Kibana 8: 200 + x-console-proxy-status-code
    pretty_quirk: bool  # OpenSearch Dashboards' "?pretty=true" appended to the path text


FLAVOURS = {
    "kibana-7": Flavour("kibana/status-kibana-7.17.0.json", "kbn-name", "kbn-xsrf", False, False),
    "kibana-8": Flavour("kibana/status-kibana-8.11.3.json", "kbn-name", "kbn-xsrf", True, False),
    "osd-2": Flavour(
        "kibana/status-opensearch-dashboards-2.11.0.json", "osd-name", "osd-xsrf", False, True
    ),
}
VERBS = ("HEAD", "GET", "POST", "PUT", "DELETE")


def _boom(status: int, error: str, message: str, name: tuple[str, str]) -> Answer:
    return as_json(
        status, {"statusCode": status, "error": error, "message": message}, **{name[0]: name[1]}
    )


class FakeKibana(RecordedServer):
    """One fake Kibana; ``upstream`` is the cluster its console proxy forwards to."""

    def __init__(
        self,
        flavour: str,
        upstream: str | None,
        *,
        secured: bool = False,
        filtered: bool = False,
        status_file: str | None = None,
    ) -> None:
        self.flavour = FLAVOURS[flavour]
        self.upstream = upstream
        self.secured, self.filtered = secured, filtered
        self.status_file = status_file or self.flavour.status_file
        self.forwarded: list[tuple[str, str]] = []  # (method, url) sent to the cluster
        self._client = httpx.Client(timeout=60, trust_env=False)
        super().__init__(self._route)

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self._client.close()

    def _route(self, seen: Seen) -> Answer:
        name = (self.flavour.name_header, "kibana-fake")
        if not seen.path.startswith("/api/"):
            # The application's pages: "/" goes to the default app, or to the login page when
            # security is on; both are HTML.
            if seen.path == "/":
                where = "/login?next=%2F" if self.secured else "/app/home"
                return Answer(302, b"", {"location": where, name[0]: name[1]})
            if seen.path in ("/login", "/app/home"):
                return Answer(
                    200,
                    b"<!DOCTYPE html><html><title>Elastic</title></html>",
                    {"content-type": "text/html; charset=utf-8", name[0]: name[1]},
                )
            return _boom(404, "Not Found", "Not Found", name)
        if self.secured:  # API routes answer 401 without a session
            return recorded("kibana/status-kibana-8.11.3-401.json", **{name[0]: name[1]})
        if seen.method == "GET" and seen.path == "/api/status":
            return recorded(self.status_file, **{name[0]: name[1]})
        if seen.path != "/api/console/proxy" or seen.method != "POST":
            return _boom(404, "Not Found", "Not Found", name)
        if self.flavour.xsrf_header not in seen.headers:
            return _boom(
                400,
                "Bad Request",
                f"Request must contain a {self.flavour.xsrf_header} header.",
                name,
            )
        params = seen.params
        method, path = params.get("method", ""), params.get("path", "")
        if method.upper() not in VERBS or not path:
            return _boom(400, "Bad Request", "[request query]: invalid method or path", name)
        if self.filtered:
            return recorded("kibana/proxy-filtered-kibana-7.17.0.json")
        assert self.upstream is not None
        return self._forward(method.upper(), path, seen, name)

    def _forward(self, method: str, path: str, seen: Seen, name: tuple[str, str]) -> Answer:
        if self.flavour.pretty_quirk:
            url_path = "/" + path.lstrip("/")
            if "?pretty" not in url_path:
                url_path += "?pretty=true"
            url = self.upstream.rstrip("/") + url_path  # type: ignore[union-attr]
        else:
            parts = urlsplit("/" + path.lstrip("/"))
            query = parse_qsl(parts.query, keep_blank_values=True)
            if not any(k == "pretty" for k, _ in query):
                query.append(("pretty", "true"))
            url = f"{self.upstream.rstrip('/')}{parts.path}?{urlencode(query)}"  # type: ignore[union-attr]
        self.forwarded.append((method, url))
        headers = {"content-type": seen.headers["content-type"]} if seen.body else {}
        got = self._client.request(method, url, content=seen.body or None, headers=headers)
        out = {
            "content-type": got.headers.get("content-type", "application/json"),
            name[0]: name[1],
        }
        if self.flavour.status_in_header:
            out["x-console-proxy-status-code"] = str(got.status_code)
            out["x-console-proxy-status-text"] = got.reason_phrase
            return Answer(200, got.content, out)
        if self.flavour.pretty_quirk and got.status_code >= 400:
            # OpenSearch Dashboards answers the client's ResponseError with customError.
            return _boom(got.status_code, got.reason_phrase, json.dumps(got.json()), name)
        return Answer(got.status_code, got.content, out)
