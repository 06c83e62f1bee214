"""up, seed, down and status of the lab, recorded in lab.json: an OpenSearch node plus nginx, the
database servers (Redis, PostgreSQL, MariaDB, FerretDB; open and secured each) and the object
stores and CouchDB (MinIO, Azurite, pouchdb-server: objectstores.py)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import databases, mongodb, nginx, objectstores, opensearch, process
from .errors import LabError
from .extras import require_lab
from .seeder import Dataset, SeedTruth, populate, read_truth
from .servers import LabTarget
from .state import (
    PASSWORD,
    REALM,
    USERNAME,
    LabPaths,
    cache_dir,
    default_state_dir,
    free_ports,
    locked,
    read_record,
    write_record,
)

__all__ = ["LabStatus", "LabTarget", "build", "down", "seed", "status", "truth", "up"]

_NODE_TIMEOUT = 180.0  # a loaded 2-core CI machine; about 5 s is usual here
_SEARCH_KIND = "elasticsearch"


@dataclass(frozen=True)
class LabStatus:
    """What runs in one lab state directory; targets is empty when the lab is down."""

    state_dir: Path
    running: bool
    targets: tuple[LabTarget, ...]
    username: str
    password: str
    realm: str
    opensearch_version: str | None
    node_pid: int | None
    nginx_pid: int | None
    node_log: Path
    # kind -> server version ("7.0.15", "15.18", "10.11.19", "v1.24.2")
    versions: Mapping[str, str] = field(default_factory=dict)
    # "kind/role" -> pid of each database server that runs
    pids: Mapping[str, int] = field(default_factory=dict)

    def target(self, role: str, kind: str = _SEARCH_KIND) -> LabTarget:
        """The running target of this kind and role ("open", "secured"; "partial" for
        Elasticsearch, S3, Azure Blob and CouchDB)."""
        for target in self.targets:
            if target.role == role and target.kind == kind:
                return target
        raise LabError(f"no running lab target {kind}/{role} in {self.state_dir}")

    def url(self, role: str, kind: str = _SEARCH_KIND) -> str:
        """The URL of the target with this role (and kind: elasticsearch, redis, postgresql,
        mysql, mongodb, s3, azblob, couchdb)."""
        return self.target(role, kind).url

    @property
    def auth(self) -> tuple[str, str]:
        """(username, password) of the secured and partial targets."""
        return (self.username, self.password)

    def __str__(self) -> str:
        """A few lines for a terminal: the targets and the credentials."""
        if not self.running:
            return f"lab down ({self.state_dir})"
        lines = [f"lab up ({self.state_dir}), OpenSearch {self.opensearch_version}"]
        lines += [f"  {t.role:<8} {t.url:<48} {t.description}" for t in self.targets]
        lines.append(
            f"  credentials {self.username}:{self.password} (realm {self.realm!r}); "
            "Redis: the password alone; Azurite: its development account key"
        )
        return "\n".join(lines)


class _Record:
    """lab.json being edited by several threads: every change under one lock, then written."""

    def __init__(self, paths: LabPaths, record: dict[str, Any]) -> None:
        """Hold record; nothing is written until the first edit."""
        self.paths = paths
        self.data = record
        self._lock = threading.Lock()

    def edit(self, change: Callable[[dict[str, Any]], None]) -> None:
        """Apply change to the record and write lab.json, atomically for other threads."""
        with self._lock:
            change(self.data)
            write_record(self.paths, self.data)


def up(state_dir: Path | None = None) -> LabStatus:
    """Start what of the lab is not running (building launchers once); return its status.

    OpenSearch starts first; the database servers (initdb, mariadb-install-db and the FerretDB
    build on the first up) and the object stores start beside it in threads, so the whole stays
    fast. Each part that still runs is kept: OpenSearch with nginx, each database server, the
    object stores together.
    """
    require_lab()
    paths = _paths(state_dir)
    with locked(paths):
        previous = read_record(paths) or {}
        current = _status(paths, previous)
        if current.running:
            return current
        cache = cache_dir()
        search_up = _alive(previous, "node") and _alive(previous, "nginx")
        todo = [(s, role) for s, role in databases.instances()
                if not databases.alive(previous, s.kind, role)]  # fmt: skip
        objects_up = objectstores.alive(previous)
        # What half of an earlier lab still runs: stopped, to start again with the rest.
        databases.stop(previous, [databases.key(s.kind, role) for s, role in todo])
        if not search_up:
            _stop_search(previous)
        if not objects_up:
            objectstores.stop(previous)
        for store in dict.fromkeys(s for s, _ in todo):
            store.check(cache)  # a missing program fails before anything starts
        launcher = None if search_up else opensearch.build(cache)
        installs = None if objects_up else objectstores.build(cache)
        preferred = [] if search_up else [
            _get(previous, "node", "port"), *_get(previous, "nginx", "ports")]  # fmt: skip
        preferred += [databases.entry(previous, s.kind, role).get("port") for s, role in todo]
        ports = free_ports((0 if search_up else 3) + len(todo), preferred)
        taken = list(ports)  # the object stores pick theirs around these
        record = _Record(paths, dict(previous))
        record.data["version"] = 1
        record.data["started_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        search_ports = [] if search_up else ports[:3]
        ports = ports[len(search_ports) :]
        wanted = {(s.kind, role): port for (s, role), port in zip(todo, ports, strict=True)}
        for (kind, role), port in wanted.items():
            log = str(paths.server_log(kind, role))
            record.data.setdefault("stores", {})
            if not isinstance(record.data["stores"], dict):
                record.data["stores"] = {}
            record.data["stores"][databases.key(kind, role)] = {"port": port, "log": log}
        try:
            with ThreadPoolExecutor(max_workers=len(databases.STORES) + 1) as pool:
                if launcher is not None:
                    # The JVM first: it takes longest, and the servers start while it boots.
                    node_port, secured_port, partial_port = search_ports
                    pid = opensearch.start(launcher, paths.node_home, node_port, paths.node_log)
                    node = {"port": node_port, "log": str(paths.node_log), "pid": pid,
                            "start_time": process.start_time(pid)}  # fmt: skip
                    nginx_part = {"ports": [secured_port, partial_port],
                                  "log": str(paths.nginx_log)}  # fmt: skip
                    record.edit(lambda r: r.update(
                        launcher=str(launcher.home), node=node, nginx=nginx_part))  # fmt: skip
                else:
                    record.edit(lambda r: None)
                jobs = [pool.submit(job) for job in databases.start(paths, cache, wanted,
                                                                    record.edit)]  # fmt: skip
                if installs is not None:
                    jobs.append(pool.submit(_start_objects, paths, installs, previous, taken,
                                            record))  # fmt: skip
                try:
                    if launcher is not None:
                        _start_search(paths, record)
                finally:
                    for job in jobs:
                        job.result()
        except BaseException:
            _stop(record.data)
            raise
        return _status(paths, record.data)


def _start_search(paths: LabPaths, record: _Record) -> None:
    """Wait for the node, then start nginx in front of it and wait for it."""
    node = record.data["node"]
    version = opensearch.wait_ready(
        node["port"], node["pid"], node["start_time"], paths.node_log, _NODE_TIMEOUT
    )
    record.edit(lambda r: r.update(opensearch_version=version))
    secured_port, partial_port = record.data["nginx"]["ports"]
    pid = nginx.start(paths, node["port"], secured_port, partial_port, USERNAME, PASSWORD, REALM)
    started = process.start_time(pid)
    record.edit(lambda r: r["nginx"].update(pid=pid, start_time=started))
    nginx.wait_ready([secured_port, partial_port], pid, started, paths.nginx_log)


def _start_objects(
    paths: LabPaths,
    installs: objectstores.Installs,
    previous: Mapping[str, Any],
    taken: list[int],
    record: _Record,
) -> None:
    """Start the object stores and CouchDB on ports other than taken, record them at once, wait
    for them and record their versions."""
    started = objectstores.start(paths, installs, dict(previous), taken=taken)
    record.edit(lambda r: r.update(started))
    ready = {name: dict(part) for name, part in started.items()}
    objectstores.wait_ready(ready)
    record.edit(lambda r: r.update(ready))


def build() -> dict[str, Path]:
    """Build (or find in the cache) what up() builds, all at once: the OpenSearch launcher with
    Maven, FerretDB and MinIO with Go, the npm installs of Azurite and pouchdb-server; return
    where each is. up() does this itself when needed; calling it first keeps a cold first build
    (minutes) out of a timed step such as a test."""
    cache = cache_dir()
    with ThreadPoolExecutor(max_workers=2) as pool:
        ferretdb = pool.submit(mongodb.build, cache)
        objects = pool.submit(objectstores.build, cache)
        launcher = opensearch.build(cache)
        installs = objects.result()
        return {
            "opensearch": launcher.home,
            "ferretdb": ferretdb.result(),
            "minio": installs.minio,
            "azurite": installs.azurite,
            "pouchdb-server": installs.pouchdb,
        }


def down(state_dir: Path | None = None) -> LabStatus:
    """Stop the lab's processes (SIGTERM, then SIGKILL); keep every file; safe to repeat."""
    paths = _paths(state_dir)
    with locked(paths):
        record = read_record(paths)
        if record is None:
            return _status(paths, None)
        _stop(record)
        parts = [record.get("node"), record.get("nginx"), *databases.section(record).values()]
        for part in parts:
            if isinstance(part, dict):
                part["pid"] = None
                part["start_time"] = None
        objectstores.forget(record)
        write_record(paths, record)
        return _status(paths, record)


def status(state_dir: Path | None = None) -> LabStatus:
    """What runs in the state directory now (checks the recorded processes, not the network)."""
    paths = _paths(state_dir)
    return _status(paths, read_record(paths))


def _paths(state_dir: Path | None) -> LabPaths:
    """LabPaths of the given or default state directory."""
    root = Path(state_dir).expanduser().resolve() if state_dir else default_state_dir()
    return LabPaths(root)


def _get(record: Mapping[str, Any], part: str, key: str) -> Any:
    """record[part][key] or a harmless default when lab.json is old, partial or hand-edited."""
    section = record.get(part)
    value = section.get(key) if isinstance(section, dict) else None
    if key == "ports":
        return value if isinstance(value, list) else []
    return value


def _alive(record: Mapping[str, Any], part: str) -> bool:
    """Whether the recorded process of part ("node" or "nginx") still runs."""
    return process.alive(_get(record, part, "pid"), _get(record, part, "start_time"))


def _stop_search(record: Mapping[str, Any]) -> None:
    """Stop nginx first (it fronts the node), then the node, which needs time to close."""
    process.stop(_get(record, "nginx", "pid"), _get(record, "nginx", "start_time"), timeout=10)
    process.stop(_get(record, "node", "pid"), _get(record, "node", "start_time"), timeout=30)


def _stop(record: Mapping[str, Any]) -> None:
    """Stop everything recorded: the database servers while nginx and the node stop, and the
    object stores."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        search = pool.submit(_stop_search, record)
        objects = pool.submit(objectstores.stop, record)
        databases.stop(record)
        search.result()
        objects.result()


def _status(paths: LabPaths, record: Mapping[str, Any] | None) -> LabStatus:
    """Build a LabStatus from a lab.json record and the live process table."""
    record = record or {}
    node_up, nginx_up = _alive(record, "node"), _alive(record, "nginx")
    stores_up = {databases.key(s.kind, role): databases.alive(record, s.kind, role)
                 for s, role in databases.instances()}  # fmt: skip
    running = (node_up and nginx_up and bool(_get(record, "node", "port"))
               and all(stores_up.values()) and objectstores.alive(record))  # fmt: skip
    targets: tuple[LabTarget, ...] = ()
    if running:
        secured, partial = _get(record, "nginx", "ports")
        targets = (
            LabTarget("open", _url(_get(record, "node", "port")), "OpenSearch, no auth"),
            LabTarget("secured", _url(secured), "nginx basic auth on every path",
                      _SEARCH_KIND, USERNAME, PASSWORD),
            LabTarget("partial", _url(partial), "nginx: / and /_cat/* open, the rest needs auth",
                      _SEARCH_KIND, USERNAME, PASSWORD),
            *databases.targets(record),
            *(LabTarget(role, url, text, kind, *_object_credentials(kind, role))
              for kind, role, url, text in objectstores.targets(record)),
        )  # fmt: skip
    versions = {}
    pids = {}
    for store, role in databases.instances():
        found = databases.entry(record, store.kind, role)
        if found.get("version"):
            versions[store.kind] = str(found["version"])
        if stores_up[databases.key(store.kind, role)]:
            pids[databases.key(store.kind, role)] = int(found["pid"])
    for kind, section in (("s3", "minio"), ("azblob", "azurite"), ("couchdb", "couchdb-open")):
        if _get(record, section, "version"):
            versions[kind] = str(_get(record, section, "version"))
    return LabStatus(
        state_dir=paths.root,
        running=running,
        targets=targets,
        username=USERNAME,
        password=PASSWORD,
        realm=REALM,
        opensearch_version=record.get("opensearch_version"),
        node_pid=_get(record, "node", "pid") if node_up else None,
        nginx_pid=_get(record, "nginx", "pid") if nginx_up else None,
        node_log=paths.node_log,
        versions=versions,
        pids=pids,
    )


def _url(port: int) -> str:
    """The loopback URL of a port."""
    return f"http://127.0.0.1:{port}"


def _object_credentials(kind: str, role: str) -> tuple[str | None, str | None]:
    """The lab's credentials where they read an object store's target that asks for some:
    MinIO's root user, the CouchDB admin; Azurite's account key is its own (azurite.py)."""
    if kind in ("s3", "couchdb") and role != "open":
        return USERNAME, PASSWORD
    return None, None


def seed(state_dir: Path | None = None, records: int = 10_000, seed: int = 1) -> SeedTruth:
    """Replace the lab's data with `records` synthetic support cases and more; return the
    OpenSearch truth (the other kinds': truth(kind=...)).

    The cases are generated once and written to OpenSearch, to the eight database servers and
    to the object stores at the same time; each store is counted back against its truth before
    the truth is saved.
    """
    require_lab()
    paths = _paths(state_dir)
    with locked(paths):
        current = _status(paths, read_record(paths))
        if not current.running:
            raise LabError(f"the lab is not running in {paths.root}: call leakhound.lab.up() first")
        targets = {(t.kind, t.role): t for t in current.targets}
        record = read_record(paths) or {}

        def beside(dataset: Dataset) -> None:
            # The object stores and CouchDB while the database servers are written.
            with ThreadPoolExecutor(max_workers=1) as pool:
                objects = pool.submit(
                    objectstores.populate, paths, record, records, seed, dataset=dataset
                )
                databases.seed_all(targets, paths, dataset, records, seed)
                objects.result()

        return populate(current.url("open"), paths, records, seed, beside=beside)


def truth(state_dir: Path | None = None, kind: str = _SEARCH_KIND) -> SeedTruth | None:
    """The truth of the last seed() for a store kind (default: the OpenSearch indices), or
    None; kinds: elasticsearch, redis, postgresql, mysql, mongodb (the object stores' truths
    are documents of their own: objectstores.truths())."""
    if kind in objectstores.KINDS:
        raise LabError(
            f"the {kind} truth is a document of its own: leakhound.lab.objectstores.truths()"
        )
    if kind != _SEARCH_KIND:
        databases.by_kind(kind)  # an unknown kind is a mistake, not "not seeded"
    return read_truth(_paths(state_dir), kind)
