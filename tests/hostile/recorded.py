"""A small HTTP server on loopback that answers from a route function, for servers that cannot
run here (Kibana, CouchDB 3): the fakes in ``kibana.py`` and ``couchdb.py`` serve recorded
answers (``tests/data/``) through it, so a probe runs end to end over real HTTP.

Every request is kept (method, path, raw query, headers, body) for the tests to check what
actually reached the wire.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DATA = Path(__file__).parents[1] / "data"


@dataclass
class Seen:
    """One request as it reached the server."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @property
    def params(self) -> dict[str, str]:
        """The query string's parameters (the last of a repeated name)."""
        return dict(parse_qsl(self.query, keep_blank_values=True))

    def json(self) -> Any:
        """The body as JSON, None when empty or invalid."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass
class Answer:
    """What the server sends back."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Route = Callable[[Seen], Answer]


def recorded(path: str, **headers: str) -> Answer:
    """A recorded answer (``tests/data/<path>``: {"source", "status", "headers", "body"})."""
    data = json.loads((DATA / path).read_text())
    body = data["body"]
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return Answer(data["status"], raw, {**data.get("headers", {}), **headers})


def as_json(status: int, body: Any, **headers: str) -> Answer:
    """A JSON answer."""
    return Answer(
        status, json.dumps(body).encode(), {"content-type": "application/json", **headers}
    )


class RecordedServer:
    """A threaded HTTP/1.1 server on 127.0.0.1, answering every request through ``route``."""

    def __init__(self, route: Route) -> None:
        self.route = route
        self.received: list[Seen] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: with Nagle's algorithm the body waits for
            # the client's delayed ACK of the headers, ~40 ms a request on a kept-alive
            # connection. The bytes on the wire are the same either way.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _handle(self) -> None:
                size = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(size) if size else b""
                parts = urlsplit(self.path)
                seen = Seen(
                    self.command,
                    parts.path,
                    parts.query,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                outer.received.append(seen)
                try:
                    answer = outer.route(seen)
                except Exception as exc:  # a bug in a fake must show, not hang the client
                    answer = Answer(500, f"fake server error: {exc!r}".encode())
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        if name.lower() not in ("content-length", "transfer-encoding"):
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    # A late answer (a route that stalls past the client's deadline): the
                    # client has gone, as it should; nothing to print in the test's output.
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name=f"recorded-{self.port}"
        )

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> RecordedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)
