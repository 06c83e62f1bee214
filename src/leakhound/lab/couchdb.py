"""pouchdb-server (the CouchDB HTTP API on LevelDB) for the lab's CouchDB targets: three servers.

``open``: no admin ("admin party": anyone reads, writes and configures). ``partial``: an admin
is set; one database (READABLE_DB) has a ``_security`` with no members, so anyone reads it,
while every other one admits only admins. ``secured``: an admin is set and every database
admits only admins. On both, ``/_all_dbs`` stays public (pouchdb-server has no setting to close
it). Seeding is plain HTTP with the admin's basic auth: an anonymous PUT of a database crashes
pouchdb-server 4.2.0 once an admin is set, so nothing here writes anonymously.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from . import npm, process
from .errors import LabError
from .seeder import Doc
from .state import log_tail

PACKAGE = "pouchdb-server"  # npm/pouchdb-server/package.json pins pouchdb-server 4.2.0
ROLES = ("open", "partial", "secured")
READABLE_DB = "support-cases-2019"  # the one database anyone may read on the partial server
# A _security object that admits only server admins (members: the _admin role); an empty one
# (no member names, no member roles) leaves the database public, as in CouchDB.
ADMIN_ONLY: dict[str, Any] = {"admins": {"names": [], "roles": []},
                              "members": {"names": [], "roles": ["_admin"]}}  # fmt: skip
PUBLIC: dict[str, Any] = {"admins": {"names": [], "roles": []},
                          "members": {"names": [], "roles": []}}  # fmt: skip
_NAME = re.compile(r"^[a-z][a-z0-9_$()+/-]*$")  # what CouchDB accepts as a database name


def install(cache: Path) -> Path:
    """The cached npm install of pouchdb-server (``npm ci`` on the first call)."""
    return npm.install(PACKAGE, cache)


def db_name(index: str) -> str:
    """The database of an index: the same name, made valid (it must start with a letter)."""
    return index if _NAME.match(index) else "db-" + index


def security(role: str, db: str) -> dict[str, Any] | None:
    """The _security of db on the server of role; None: leave the default (public)."""
    if role == "open":
        return None
    if role == "partial" and db == READABLE_DB:
        return PUBLIC
    return ADMIN_ONLY


def start(home: Path, folder: Path, port: int, log: Path, admin: tuple[str, str] | None) -> int:
    """Start pouchdb-server on 127.0.0.1:port with its files in folder; return its pid."""
    node = npm.find_node()
    main = home / "node_modules" / "pouchdb-server" / "lib" / "index.js"
    if not main.is_file():
        raise LabError(f"pouchdb-server is not installed in {home}: delete that folder")
    (folder / "data").mkdir(parents=True, exist_ok=True)
    # Rewritten at every start (pouchdb-server replaces the password by a pbkdf2 hash itself),
    # keeping the server's uuid, which it stores there at its first start.
    config: dict[str, Any] = {"log": {"file": str(folder / "log.txt")}}
    try:
        old = json.loads((folder / "config.json").read_text())
        if isinstance(old, dict) and isinstance(old.get("couchdb"), dict):
            config["couchdb"] = old["couchdb"]
    except (OSError, ValueError):
        pass
    if admin is not None:
        config["admins"] = {admin[0]: admin[1]}
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    argv = [node, str(main), "--host", "127.0.0.1", "--port", str(port),
            "--dir", str(folder / "data") + "/", "--config", str(folder / "config.json"),
            "--no-color"]  # fmt: skip
    # cwd: it writes log.txt and the _users/_replicator stores relative to it.
    return process.spawn(argv, log, cwd=folder)


def wait_ready(port: int, pid: int, started: int | None, log: Path, timeout: float) -> str:
    """Wait until GET / answers with pouchdb-server's welcome; return its version."""
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=5.0, trust_env=False) as http:
        while time.monotonic() < deadline:
            if not process.alive(pid, started):
                raise LabError(f"pouchdb-server exited during startup; log {log}: "
                               f"{log_tail(log)}")  # fmt: skip
            try:
                response = http.get(url)
                if response.status_code == 200:
                    return str(response.json().get("version", ""))
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.2)
    raise LabError(f"pouchdb-server did not answer on {url} within {timeout:.0f} s; log {log}")


def seed(
    url: str, role: str, databases: Mapping[str, Sequence[Doc]], admin: tuple[str, str] | None
) -> None:
    """Replace the lab's databases on one server with documents and their _security."""
    auth = admin if role != "open" else None
    with httpx.Client(base_url=url, auth=auth, timeout=120.0, trust_env=False) as http:
        for name, docs in databases.items():
            gone = http.delete(f"/{name}")
            if gone.status_code not in (200, 202, 404):
                _ok(gone)
            _ok(http.put(f"/{name}"))
            for start in range(0, len(docs), 1000):
                body = {"docs": [{"_id": d.id, **d.source} for d in docs[start : start + 1000]]}
                result = _ok(http.post(f"/{name}/_bulk_docs", json=body)).json()
                failed = [r for r in result if isinstance(r, dict) and r.get("error")]
                if failed:
                    raise LabError(f"_bulk_docs into {name} rejected: {json.dumps(failed[0])}")
            wanted = security(role, name)
            if wanted is not None:
                _ok(http.put(f"/{name}/_security", json=wanted))


def count_docs(url: str, db: str, admin: tuple[str, str] | None) -> int:
    """The doc_count of db, read as admin (or anonymously on the open server)."""
    with httpx.Client(base_url=url, auth=admin, timeout=30.0, trust_env=False) as http:
        return int(_ok(http.get(f"/{db}")).json()["doc_count"])


def _ok(response: httpx.Response) -> httpx.Response:
    """response, or a LabError naming the request when the server refused it."""
    if response.status_code >= 300:
        request = response.request
        raise LabError(f"pouchdb-server: {request.method} {request.url.path} -> "
                       f"{response.status_code}: {response.text[:200]}")  # fmt: skip
    return response
