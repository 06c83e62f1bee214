"""Where the lab keeps its files, and the lab.json record of what is running."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATE_ENV = "LEAKHOUND_LAB_DIR"
CACHE_ENV = "LEAKHOUND_LAB_CACHE"

# Fixed lab credentials of the "secured" and "partial" targets: a demo, not a secret.
USERNAME = "lab"
PASSWORD = "lab-password"  # noqa: S105 - a published lab value, the whole point is to know it
REALM = "leakhound lab"


def default_state_dir() -> Path:
    """$LEAKHOUND_LAB_DIR, else .lab in the nearest folder up from cwd with a pyproject.toml."""
    env = os.environ.get(STATE_ENV)
    if env:
        return Path(env).expanduser().resolve()
    cwd = Path.cwd().resolve()
    for folder in (cwd, *cwd.parents):
        # The repo root (where .gitignore lists /.lab/) when run from inside the repo.
        if (folder / "pyproject.toml").is_file():
            return folder / ".lab"
    return cwd / ".lab"


def cache_dir() -> Path:
    """$LEAKHOUND_LAB_CACHE, else $XDG_CACHE_HOME/leakhound-lab or ~/.cache/leakhound-lab."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "leakhound-lab"


@dataclass(frozen=True)
class LabPaths:
    """Every file the lab writes inside one state directory."""

    root: Path

    @property
    def record(self) -> Path:
        """lab.json: pids, start times and ports of the running processes."""
        return self.root / "lab.json"

    @property
    def truth(self) -> Path:
        """truth.json: what seed() wrote."""
        return self.root / "truth.json"

    @property
    def lock(self) -> Path:
        """Serialises up/down/seed on one state directory."""
        return self.root / "lab.lock"

    @property
    def node_home(self) -> Path:
        """The runner's base path: node_1/{config,data,logs} live under it."""
        return self.root / "opensearch"

    @property
    def node_log(self) -> Path:
        """The JVM's stdout and stderr (OpenSearch logs to its console too)."""
        return self.root / "logs" / "opensearch.log"

    @property
    def nginx_dir(self) -> Path:
        """nginx.conf, htpasswd, pid file and temp folders."""
        return self.root / "nginx"

    @property
    def nginx_log(self) -> Path:
        """nginx's error log (its stderr goes here too)."""
        return self.root / "logs" / "nginx-error.log"

    def server_home(self, kind: str, role: str) -> Path:
        """The folder of one database server instance (its data survives down/up)."""
        return self.root / kind / role

    def server_log(self, kind: str, role: str) -> Path:
        """The stdout and stderr of one database server instance."""
        return self.root / "logs" / f"{kind}-{role}.log"

    def truth_of(self, kind: str) -> Path:
        """The truth of what seed() wrote to the store kind (truth.json for Elasticsearch)."""
        return self.truth if kind == "elasticsearch" else self.root / f"truth-{kind}.json"


def read_record(paths: LabPaths) -> dict[str, Any] | None:
    """The lab.json record, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads(paths.record.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_record(paths: LabPaths, record: dict[str, Any]) -> None:
    """Replace lab.json atomically, so a reader never sees half a record."""
    tmp = paths.record.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    tmp.replace(paths.record)


@contextlib.contextmanager
def locked(paths: LabPaths) -> Iterator[None]:
    """Hold an exclusive lock on the state directory (two `up`s must not race)."""
    paths.root.mkdir(parents=True, exist_ok=True)
    with paths.lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def port_free(port: int) -> bool:
    """True when nothing is bound to 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int, preferred: list[int] | None = None) -> list[int]:
    """count distinct free loopback ports, reusing preferred ones when they are still free."""
    chosen: list[int] = []
    for port in preferred or []:
        if isinstance(port, int) and port > 0 and port not in chosen and port_free(port):
            chosen.append(port)
        if len(chosen) == count:
            return chosen
    held: list[socket.socket] = []
    try:
        # Hold each socket open until all are picked, so the kernel never hands out one twice.
        while len(chosen) < count:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            held.append(sock)
            port = sock.getsockname()[1]
            if port not in chosen:
                chosen.append(port)
    finally:
        for sock in held:
            sock.close()
    return chosen


def log_tail(path: Path, lines: int = 3) -> str:
    """The last non-empty lines of a log joined on one line, for one-line error messages."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 8192))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    tail = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " | ".join(tail) if tail else "(empty log)"
