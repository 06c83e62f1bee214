"""A lab for a test session: start and seed it once, reuse a lab already seeded the same way."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx

from . import databases, objectstores, process
from .control import LabStatus, down, seed, status, truth, up
from .errors import LabError
from .seeder import SeedTruth
from .state import LabPaths, read_record


class LabSession(NamedTuple):
    """What a test gets: the running lab and the truth of the data in it."""

    status: LabStatus
    truth: SeedTruth  # the OpenSearch indices'

    def truth_of(self, kind: str) -> SeedTruth:
        """The truth of another store kind: redis, postgresql, mysql or mongodb."""
        found = truth(self.status.state_dir, kind)
        if found is None:
            raise LabError(f"no {kind} truth in {self.status.state_dir}: seed the lab")
        return found


@contextlib.contextmanager
def lab_session(state_dir: Path, records: int = 10_000, seed_: int = 1) -> Iterator[LabSession]:
    """Yield a running, seeded lab; stop it afterwards only if a session started it and this
    is the last session using it.

    Data left on disk by an earlier seed with the same records and seed is reused when the node,
    every database server and every object store still hold exactly what their truths say (a
    restarted lab keeps its data). Sessions sharing a state directory (two test runs, a test
    run and a benchmark) take turns to start and seed it, and the last one out stops a lab
    that one of them started: a lab started by hand (``leakhound lab up``) is left running.
    """
    paths = LabPaths(state_dir)
    me = _session_file(paths)
    with _sessions_locked(paths):
        if not status(state_dir).running:
            _started_mark(paths).write_text(me.name)
        current = up(state_dir)
        known = truth(state_dir)
        if not _still_seeded(current, known, records, seed_):
            known = seed(state_dir, records=records, seed=seed_)
        assert known is not None
        me.touch()
    try:
        yield LabSession(current, known)
    finally:
        with _sessions_locked(paths):
            me.unlink(missing_ok=True)
            if not _live_sessions(paths) and _started_mark(paths).exists():
                down(state_dir)
                _started_mark(paths).unlink(missing_ok=True)


def _sessions_dir(paths: LabPaths) -> Path:
    """One empty file a session using the lab: its pid and the kernel's start time."""
    return paths.root / "sessions"


def _started_mark(paths: LabPaths) -> Path:
    """Present while the running lab is one a session started (and so a session stops)."""
    return _sessions_dir(paths) / "started"


def _session_file(paths: LabPaths) -> Path:
    pid = os.getpid()
    return _sessions_dir(paths) / f"{pid}-{process.start_time(pid)}"


def _live_sessions(paths: LabPaths) -> list[Path]:
    """The sessions still using the lab; those of processes gone (killed) are forgotten."""
    live = []
    for entry in _sessions_dir(paths).glob("*-*"):
        pid, _, started = entry.name.partition("-")
        if pid.isdigit() and str(process.start_time(int(pid))) == started:
            live.append(entry)
        else:
            entry.unlink(missing_ok=True)
    return live


@contextlib.contextmanager
def _sessions_locked(paths: LabPaths) -> Iterator[None]:
    """One session at a time starts, seeds or stops the lab (a lock of its own: up, seed
    and down take the state directory's)."""
    _sessions_dir(paths).mkdir(parents=True, exist_ok=True)
    with (_sessions_dir(paths) / "lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _still_seeded(lab: LabStatus, known: SeedTruth | None, records: int, seed_: int) -> bool:
    """True when the truths match the request and every store still holds exactly that data."""
    if known is None or (known.records, known.seed) != (records, seed_):
        return False
    others = {kind: truth(lab.state_dir, kind) for kind in databases.KINDS}
    if any(t is None or (t.records, t.seed) != (records, seed_) for t in others.values()):
        return False
    targets = {(t.kind, t.role): t for t in lab.targets}
    if not databases.still_seeded(targets, others):
        return False
    with httpx.Client(base_url=lab.url("open"), timeout=30.0, trust_env=False) as http:
        for name, expected in known.indices.items():
            response = http.get(f"/{name}/_count")
            if response.status_code != 200 or response.json()["count"] != expected.documents:
                return False
    paths = LabPaths(lab.state_dir)
    return objectstores.still_seeded(paths, read_record(paths) or {}, records, seed_)
