"""A small Elasticsearch-like store on loopback that can be opened and closed while a watch
looks at it: the root, an index listing and a search with one customer record."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = {
    "name": "n1",
    "cluster_name": "toy",
    "cluster_uuid": "u1",
    "tagline": "You Know, for Search",
    "version": {"number": "7.17.0", "lucene_version": "8.11.1"},
}
# A raw personal value the store holds: it must never appear in an alert or a record.
RAW_EMAIL = "margaret.hamilton@apollo-guidance.example"


@dataclass
class ToyStore:
    """Open (answers without credentials) or closed (401 everywhere)."""

    port: int = 0
    opened: bool = True
    indices: dict[str, int] = field(default_factory=lambda: {"cases": 3})
    requests: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextmanager
def toy_store() -> Iterator[ToyStore]:
    state = ToyStore()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            if status == 401:
                self.send_header("www-authenticate", 'Basic realm="toy"')
            self.end_headers()
            self.wfile.write(data)

        def _serve(self) -> None:
            state.requests += 1
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            path = self.path.split("?")[0]
            if not state.opened:
                self._answer(401, {"error": "security_exception", "status": 401})
            elif path == "/":
                self._answer(200, ROOT)
            elif path == "/_cat/indices":
                self._answer(
                    200,
                    [
                        {
                            "index": n,
                            "health": "green",
                            "status": "open",
                            "docs.count": str(d),
                            "store.size": "1000",
                        }
                        for n, d in state.indices.items()
                    ],
                )
            elif path.endswith("/_count"):
                name = path.strip("/").split("/")[0]
                self._answer(200, {"count": state.indices.get(name, 0)})
            elif path.endswith("/_search"):
                hits = [
                    {
                        "_index": "cases",
                        "_id": str(i),
                        "_source": {"customer": {"email": RAW_EMAIL}, "body": "hello"},
                    }
                    for i in range(3)
                ]
                self._answer(200, {"hits": {"total": {"value": 3}, "hits": hits}})
            else:
                self._answer(200, {})

        do_GET = do_POST = do_HEAD = _serve

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
