"""FerretDB (MongoDB wire protocol, SQLite backend) as the lab's MongoDB: open and secured.

Built once with Go from the module proxy (see ferretdb/go.mod) and cached by hash under the lab
cache. The open instance has no authentication; the secured one runs FerretDB's SCRAM
authentication (``--test-enable-new-auth``) with the setup user ``lab`` in ``admin``: without
credentials ``listDatabases`` answers code 13 "requires authentication", as a real mongod does.

Data as an application that outgrew its first schema keeps it: database ``support`` with one
collection a year (``cases_2005`` … ``cases_2019``, the same documents as the Elasticsearch
indices, ``created_at`` a BSON date, ``_id`` the case id), ``hr.payroll``, and the marks bots
leave: database ``READ_ME_TO_RECOVER_YOUR_DATA`` with a ``README`` ransom note (the MongoDB
ransom campaigns' name), and an empty ``support.<10 chars>-meow`` collection (the meow wiper).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import hashlib
import os
import re
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import LabError
from .seeder import PAYROLL_INDEX, RANSOM_INDEX, SUPPORT_PREFIX, YEARS, Dataset, Doc
from .servers import LabStore, LabTarget, Server, exchange, version_of, wait_ready
from .state import PASSWORD, USERNAME, log_tail

_MODULE = Path(__file__).with_name("ferretdb")  # go.mod + go.sum: the pinned release
_GO_TIMEOUT = 1800.0  # a cold module cache fetches ~600 MB and compiles ~1,000 packages
PAYROLL = "hr.payroll"
RANSOM = "READ_ME_TO_RECOVER_YOUR_DATA.README"
AUTH_DATABASE = "admin"  # where the secured instance's setup user lives


def release() -> str:
    """The FerretDB version go.mod pins (v1.24.2)."""
    match = re.search(r"github\.com/FerretDB/FerretDB (v\S+)", (_MODULE / "go.mod").read_text())
    if not match:
        raise LabError(f"no FerretDB version in {_MODULE / 'go.mod'}")
    return match.group(1)


def find_go() -> str:
    """The go command (on PATH, else the official tarball's /usr/local/go/bin)."""
    go = shutil.which("go") or shutil.which("go", path="/usr/local/go/bin")
    if not go:
        raise LabError("go not found: install Go 1.24+ (golang.org/dl) to build FerretDB")
    return go


def build_key(go: str) -> str:
    """The cache key of a build: go.mod, go.sum and the Go version."""
    digest = hashlib.sha256()
    for path in sorted(p for p in _MODULE.iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(_go_version(go).encode())
    return digest.hexdigest()[:16]


def cached_binary(cache: Path) -> Path | None:
    """A FerretDB binary built earlier for these sources with any Go, or None."""
    for home in sorted(cache.glob(f"ferretdb-{release()}-*")):
        if (home / "BUILT").is_file() and (home / "ferretdb").is_file():
            return home / "ferretdb"
    return None


def build(cache: Path) -> Path:
    """The cached FerretDB binary for ferretdb/go.mod, built with Go when missing."""
    try:
        go = find_go()
    except LabError:
        earlier = cached_binary(cache)  # built here before, with a Go since removed
        if earlier is None:
            raise
        return earlier
    home = cache / f"ferretdb-{release()}-{build_key(go)}"
    if (home / "BUILT").is_file():
        return home / "ferretdb"
    cache.mkdir(parents=True, exist_ok=True)
    with _build_lock(cache):  # two labs starting at once build it once
        if (home / "BUILT").is_file():
            return home / "ferretdb"
        work = Path(tempfile.mkdtemp(prefix="ferretdb-build-", dir=cache))
        log = cache / "ferretdb-build.log"
        log.write_text("")
        try:
            _build_into(go, work, log)
            (work / "BUILT").write_text(f"{release()} {_go_version(go)}\n")
            shutil.rmtree(work / "src")  # 3 MB of source, a copy of the module cache's
            shutil.rmtree(home, ignore_errors=True)
            work.rename(home)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
    return home / "ferretdb"


def _build_into(go: str, work: Path, log: Path) -> None:
    """Download the pinned module (checked against go.sum), add version.txt, go build."""
    env = dict(os.environ)
    env |= {
        "GOTOOLCHAIN": "local",  # never download another toolchain
        "GOFLAGS": "-mod=readonly",  # go.sum must already hold every checksum
        "GOWORK": "off",  # a go.work above the cache would change what is built
        "CGO_ENABLED": "0",  # its SQLite driver is pure Go: no C compiler needed
        "GO111MODULE": "on",
    }
    pin = work / "pin"
    pin.mkdir()
    for name in ("go.mod", "go.sum"):
        shutil.copy2(_MODULE / name, pin / name)
    out = _go(
        [go, "mod", "download", "-json", "github.com/FerretDB/FerretDB"], pin, env, log,
        "download the FerretDB module",
    )  # fmt: skip
    match = re.search(r'"Dir":\s*"([^"]+)"', out)
    if not match:
        raise LabError(f"go mod download named no folder for FerretDB; log {log}")
    source = work / "src"
    shutil.copytree(match.group(1), source)
    for folder, _dirs, _files in os.walk(source):  # the module cache is read-only
        os.chmod(folder, 0o700)
    (source / "build" / "version" / "version.txt").write_text(release() + "\n")
    # -buildvcs=false: a cache inside a git work tree would stamp its commit, which FerretDB
    # compares with commit.txt and panics on.
    _go([go, "build", "-trimpath", "-buildvcs=false", "-o", str(work / "ferretdb"),
         "./cmd/ferretdb"], source, env, log, "go build FerretDB")  # fmt: skip
    check = subprocess.run([str(work / "ferretdb"), "--version"], capture_output=True,
                           text=True, timeout=60, check=False)  # fmt: skip
    if check.returncode != 0 or release() not in check.stdout:
        raise LabError(f"the FerretDB build does not run: {(check.stderr or check.stdout)[:300]}")


def _go(argv: list[str], cwd: Path, env: dict[str, str], log: Path, what: str) -> str:
    """Run one go command, its stderr to log; return its stdout or fail in one line."""
    try:
        with log.open("ab") as err:
            err.write(("\n$ " + " ".join(argv) + "\n").encode())
            err.flush()
            done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=err,
                                  timeout=_GO_TIMEOUT, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"cannot {what}: {exc}; log {log}") from exc
    if done.returncode != 0:
        raise LabError(f"cannot {what} (exit {done.returncode}); log {log}: {log_tail(log)}")
    return done.stdout.decode("utf-8", "replace")


@functools.cache  # asked for each instance at each up: one `go env` a process is enough
def _go_version(go: str) -> str:
    """`go env GOVERSION` (go1.26.8)."""
    try:
        out = subprocess.run(
            [go, "env", "GOVERSION"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "GOTOOLCHAIN": "local"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"cannot run {go}: {exc}") from exc
    return out.stdout.strip() or "unknown"  # fmt: skip


@contextlib.contextmanager
def _build_lock(cache: Path) -> Iterator[None]:
    """An exclusive lock on the FerretDB build in cache."""
    with (cache / "ferretdb-build.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class FerretDBStore(LabStore):
    """Two FerretDB processes on SQLite files: no authentication, and SCRAM with a user."""

    kind = "mongodb"
    name = "FerretDB"

    def __init__(self) -> None:
        """No binary yet: prepare() builds or finds it."""
        self._binary: Path | None = None

    def check(self, cache: Path) -> None:
        """A cached build, or go to make one."""
        if cached_binary(cache) is None:
            find_go()

    def prepare(self, server: Server, cache: Path) -> None:
        """Build FerretDB once (cached across labs); make the instance's SQLite folder."""
        self._binary = build(cache)
        (server.home / "data").mkdir(parents=True, exist_ok=True)

    def start(self, server: Server) -> int:
        """ferretdb on 127.0.0.1:PORT; the setup password goes through the environment."""
        from . import process

        if self._binary is None:
            raise LabError("FerretDB is not built: prepare() first")
        argv = [
            str(self._binary), "--handler=sqlite", f"--sqlite-url=file:{server.home / 'data'}/",
            f"--state-dir={server.home}", f"--listen-addr=127.0.0.1:{server.port}",
            "--debug-addr=-",  # its HTTP debug handler would take 127.0.0.1:8088 in every copy
            "--telemetry=disable", "--log-level=warn",
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("FERRETDB_")}
        if server.secured:
            # The user is made when the admin database does not exist yet, i.e. at first start.
            argv += ["--test-enable-new-auth", f"--setup-database={AUTH_DATABASE}",
                     f"--setup-username={USERNAME}"]  # fmt: skip
            env["FERRETDB_SETUP_PASSWORD"] = PASSWORD
        return process.spawn([*argv, *server.options], server.log, cwd=server.home, env=env)

    def wait(self, server: Server, pid: int, started: int | None) -> str:
        """An OP_MSG hello (allowed without credentials) answers ok: 1; the version is the
        binary's."""
        binary = self._binary

        def check() -> str | None:
            if not hello_ok(exchange(server.port, HELLO)):
                return None
            return version_of([str(binary), "--version"], r"version:\s*(v\S+)")

        return wait_ready(server, self.name, pid, started, check)

    def url(self, port: int) -> str:
        """mongodb://127.0.0.1:PORT"""
        return f"mongodb://127.0.0.1:{port}"

    def describe(self, role: str, version: str | None) -> str:
        """FerretDB VERSION, no auth / SCRAM."""
        if role == "secured":
            return f"FerretDB {version or '?'}, SCRAM: user {USERNAME} in {AUTH_DATABASE}"
        return f"FerretDB {version or '?'}, no authentication"

    def shape(self, dataset: Dataset) -> Dataset:
        """support.cases_YYYY, hr.payroll, the ransom note and the empty meow collection."""
        meow = next(name for name in dataset.indices if name.endswith("-meow"))
        containers: dict[str, dict[str, Any]] = {f"support.cases_{y}": {} for y in YEARS}
        containers |= {PAYROLL: {}, RANSOM: {}, f"support.{meow}": {}}
        docs: list[Doc] = []
        for doc in dataset.docs:
            if doc.index.startswith(SUPPORT_PREFIX):
                year = doc.index.removeprefix(SUPPORT_PREFIX)
                docs.append(doc.placed(f"support.cases_{year}", doc.id, dict(doc.source)))
            elif doc.index == PAYROLL_INDEX:
                docs.append(doc.placed(PAYROLL, doc.id, dict(doc.source)))
            elif doc.index == RANSOM_INDEX:
                docs.append(doc.placed(RANSOM, doc.id, dict(doc.source)))
        return Dataset(containers, docs)

    def write(self, target: LabTarget, shaped: Dataset) -> None:
        """Drop the lab's databases, create every collection, insert_many each."""
        client = _client(target)
        try:
            for database in sorted({name.split(".", 1)[0] for name in shaped.indices}):
                client.drop_database(database)
            by_container: dict[str, list[dict[str, Any]]] = {n: [] for n in shaped.indices}
            for doc in shaped.docs:
                by_container[doc.index].append(_bson(doc))
            for name, documents in by_container.items():
                database, collection = name.split(".", 1)
                client[database].create_collection(collection)
                if documents:
                    client[database][collection].insert_many(documents, ordered=False)
        finally:
            client.close()

    def count(self, target: LabTarget) -> dict[str, int]:
        """Documents of each lab collection (0 for a missing one), from collStats.

        FerretDB's count command decodes every document (1.4 s of its CPU for 10,000, more
        than inserting them); collStats counts the cells of the collection's SQLite table,
        one a document. The tests count again with count_documents.
        """
        client = _client(target)
        counts: dict[str, int] = {}
        try:
            names: dict[str, set[str]] = {}
            for database in client.list_database_names():
                names[database] = set(client[database].list_collection_names())
            for name in self._containers(names):
                database, collection = name.split(".", 1)
                if collection in names.get(database, set()):
                    stats = client[database].command("collStats", collection)
                    counts[name] = int(stats["count"])
                else:
                    counts[name] = 0
        finally:
            client.close()
        return counts

    @staticmethod
    def _containers(present: dict[str, set[str]]) -> list[str]:
        """The lab's collection names, with whatever meow collection support holds."""
        names = [f"support.cases_{y}" for y in YEARS] + [PAYROLL, RANSOM]
        names += [f"support.{c}" for c in sorted(present.get("support", ())) if c.endswith("-meow")]
        return names


def _hello() -> bytes:
    """OP_MSG {hello: 1, $db: "admin"}, BSON written out: no driver needed to ask."""
    body = b"\x10hello\x00" + struct.pack("<i", 1)
    body += b"\x02$db\x00" + struct.pack("<i", 6) + b"admin\x00"
    document = struct.pack("<i", len(body) + 5) + body + b"\x00"
    message = struct.pack("<iB", 0, 0) + document  # flagBits, section kind 0 (body)
    return struct.pack("<iiii", len(message) + 16, 1, 0, 2013) + message


HELLO = _hello()
_OK = b"\x01ok\x00" + struct.pack("<d", 1.0)  # the reply's {ok: 1.0} element


def hello_ok(reply: bytes) -> bool:
    """True for an OP_MSG reply (opcode 2013) whose document says ok: 1.0."""
    return len(reply) > 21 and struct.unpack("<i", reply[12:16])[0] == 2013 and _OK in reply


def _bson(doc: Doc) -> dict[str, Any]:
    """A document as inserted: _id the record's id, dates as BSON dates."""
    body: dict[str, Any] = {"_id": doc.id, **doc.source}
    if "created_at" in body:
        body["created_at"] = dt.datetime.fromisoformat(body["created_at"])
    if "hired_at" in body:
        body["hired_at"] = dt.datetime.fromisoformat(body["hired_at"]).replace(tzinfo=dt.UTC)
    return body


def _client(target: LabTarget) -> Any:
    """A pymongo client for a lab target (SCRAM as lab when secured)."""
    from pymongo import MongoClient

    auth: dict[str, Any] = {}
    if target.password:
        auth = {"username": target.username, "password": target.password,
                "authSource": AUTH_DATABASE}  # fmt: skip
    return MongoClient(
        "127.0.0.1",
        target.port,
        directConnection=True,
        serverSelectionTimeoutMS=30_000,
        socketTimeoutMS=300_000,
        **auth,
    )


STORE = FerretDBStore()
