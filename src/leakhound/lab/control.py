"""up, seed, down and status of the lab: an OpenSearch node plus nginx, recorded in lab.json;
the object stores and CouchDB beside them (objectstores.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import nginx, objectstores, opensearch, process
from .errors import LabError
from .seeder import SeedTruth, populate, read_truth
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

_NODE_TIMEOUT = 180.0  # a loaded 2-core CI machine; about 5 s is usual here


@dataclass(frozen=True)
class LabTarget:
    """One lab endpoint and the verdict a scanner should reach on it."""

    role: str  # "open", "secured" or "partial" (leakhound.models.Verdict values)
    url: str  # http://127.0.0.1:PORT
    description: str
    kind: str = "elasticsearch"  # the store kind: elasticsearch, s3, azblob, couchdb


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

    def url(self, role: str, kind: str = "elasticsearch") -> str:
        """The URL of the target of this kind with this role ("open", "secured", "partial")."""
        for target in self.targets:
            if target.role == role and target.kind == kind:
                return target.url
        raise LabError(f"no running lab target {kind} {role!r} in {self.state_dir}")

    @property
    def auth(self) -> tuple[str, str]:
        """(username, password) of the secured and partial targets."""
        return (self.username, self.password)

    def __str__(self) -> str:
        """A few lines for a terminal: the targets and the credentials."""
        if not self.running:
            return f"lab down ({self.state_dir})"
        lines = [f"lab up ({self.state_dir}), OpenSearch {self.opensearch_version}"]
        lines += [f"  {t.role:<8} {t.url}  {t.description}" for t in self.targets]
        lines.append(f"  credentials {self.username}:{self.password} (realm {self.realm!r})")
        return "\n".join(lines)


def up(state_dir: Path | None = None) -> LabStatus:
    """Start the lab if it is not running (building the launcher once); return its status."""
    paths = _paths(state_dir)
    with locked(paths):
        current = _status(paths, read_record(paths))
        if current.running:
            return current
        previous = read_record(paths) or {}
        _stop(previous)  # whatever half of an earlier lab still runs
        launcher = opensearch.build(cache_dir())
        installs = objectstores.build(cache_dir())
        ports = free_ports(3, [_get(previous, "node", "port"), *_get(previous, "nginx", "ports")])
        node_port, secured_port, partial_port = ports
        record: dict[str, Any] = {
            "version": 1,
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "launcher": str(launcher.home),
            "node": {"port": node_port, "log": str(paths.node_log)},
            "nginx": {"ports": [secured_port, partial_port], "log": str(paths.nginx_log)},
        }
        pid = opensearch.start(launcher, paths.node_home, node_port, paths.node_log)
        record["node"] |= {"pid": pid, "start_time": process.start_time(pid)}
        write_record(paths, record)  # written at once so that down() can stop a half-started lab
        try:
            record |= objectstores.start(paths, installs, previous, taken=ports)
            write_record(paths, record)
            version = opensearch.wait_ready(
                node_port, pid, record["node"]["start_time"], paths.node_log, _NODE_TIMEOUT
            )
            record["opensearch_version"] = version
            pid = nginx.start(
                paths, node_port, secured_port, partial_port, USERNAME, PASSWORD, REALM
            )
            record["nginx"] |= {"pid": pid, "start_time": process.start_time(pid)}
            write_record(paths, record)
            nginx.wait_ready(
                [secured_port, partial_port], pid, record["nginx"]["start_time"], paths.nginx_log
            )
            objectstores.wait_ready(record)
            write_record(paths, record)
        except BaseException:
            _stop(record)
            raise
        return _status(paths, record)


def down(state_dir: Path | None = None) -> LabStatus:
    """Stop the lab's processes (SIGTERM, then SIGKILL); keep every file; safe to repeat."""
    paths = _paths(state_dir)
    with locked(paths):
        record = read_record(paths)
        if record is None:
            return _status(paths, None)
        _stop(record)
        for part in ("node", "nginx"):
            if isinstance(record.get(part), dict):
                record[part]["pid"] = None
                record[part]["start_time"] = None
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


def _get(record: dict[str, Any], part: str, key: str) -> Any:
    """record[part][key] or a harmless default when lab.json is old, partial or hand-edited."""
    section = record.get(part)
    value = section.get(key) if isinstance(section, dict) else None
    if key == "ports":
        return value if isinstance(value, list) else []
    return value


def _alive(record: dict[str, Any], part: str) -> bool:
    """Whether the recorded process of part ("node" or "nginx") still runs."""
    return process.alive(_get(record, part, "pid"), _get(record, part, "start_time"))


def _stop(record: dict[str, Any]) -> None:
    """Stop nginx first (it fronts the node), then the node, which needs time to close."""
    process.stop(_get(record, "nginx", "pid"), _get(record, "nginx", "start_time"), timeout=10)
    process.stop(_get(record, "node", "pid"), _get(record, "node", "start_time"), timeout=30)
    objectstores.stop(record)


def _status(paths: LabPaths, record: dict[str, Any] | None) -> LabStatus:
    """Build a LabStatus from a lab.json record and the live process table."""
    record = record or {}
    node_up, nginx_up = _alive(record, "node"), _alive(record, "nginx")
    running = node_up and nginx_up and bool(_get(record, "node", "port"))
    running = running and objectstores.alive(record)
    targets: tuple[LabTarget, ...] = ()
    if running:
        secured, partial = _get(record, "nginx", "ports")
        targets = (
            LabTarget("open", _url(_get(record, "node", "port")), "OpenSearch, no auth"),
            LabTarget("secured", _url(secured), "nginx basic auth on every path"),
            LabTarget("partial", _url(partial), "nginx: / and /_cat/* open, the rest needs auth"),
        )
        targets += tuple(
            LabTarget(role, url, text, kind)
            for kind, role, url, text in objectstores.targets(record)
        )
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
    )


def _url(port: int) -> str:
    """The loopback URL of a port."""
    return f"http://127.0.0.1:{port}"


def seed(state_dir: Path | None = None, records: int = 10_000, seed: int = 1) -> SeedTruth:
    """Replace the lab's data with `records` synthetic support cases and more; return the truth."""
    paths = _paths(state_dir)
    with locked(paths):
        current = _status(paths, read_record(paths))
        if not current.running:
            raise LabError(f"the lab is not running in {paths.root}: call leakhound.lab.up() first")
        truth = populate(current.url("open"), paths, records, seed)
        objectstores.populate(paths, read_record(paths) or {}, records, seed)
        return truth


def truth(state_dir: Path | None = None) -> SeedTruth | None:
    """The truth.json of the last seed() in the state directory, or None."""
    return read_truth(_paths(state_dir))
