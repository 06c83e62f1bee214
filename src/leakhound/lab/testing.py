"""A lab for a test session: start and seed it once, reuse a lab already seeded the same way."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx

from . import databases, objectstores
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
    """Yield a running, seeded lab; stop it afterwards only if this call started it.

    Data left on disk by an earlier seed with the same records and seed is reused when the node,
    every database server and every object store still hold exactly what their truths say (a
    restarted lab keeps its data).
    """
    started_here = not status(state_dir).running
    current = up(state_dir)
    try:
        known = truth(state_dir)
        if not _still_seeded(current, known, records, seed_):
            known = seed(state_dir, records=records, seed=seed_)
        assert known is not None
        yield LabSession(current, known)
    finally:
        if started_here:
            down(state_dir)


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
