"""Test-wide fixtures: every request any test sends is checked against the read-only policy."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from leakhound import net
from leakhound.lab.testing import LabSession, lab_session
from leakhound.probes.registry import PROBES

DATA = Path(__file__).parent / "data"
_RELEASE_PATHS = ("/_search/point_in_time", "/_pit", "/_search/scroll")


@pytest.fixture(scope="session", autouse=True)
def request_audit() -> Iterator[list[net.Request]]:
    """Record every request the suite's scans send; fail on any non-read method or any
    request outside its probe's allow-list.

    The one DELETE allowed is the release of a search context (PIT, scroll) at the root.
    """
    seen: list[net.Request] = []
    net.add_audit_hook(seen.append)
    yield seen
    net.remove_audit_hook(seen.append)
    writes = [r for r in seen if r.method not in ("GET", "HEAD", "POST")
              and not (r.method == "DELETE" and urlsplit(r.url).path in _RELEASE_PATHS)]
    assert not writes, f"non-read requests were sent: {writes[:5]}"
    # Independently of the layer's own check: every request of a probe fits its allow-list.
    kinds = {p.kind: p.allow for p in PROBES}
    off_list = [r for r in seen if r.kind in kinds
                and not kinds[r.kind].allows(r.method, urlsplit(r.url).path or "/")]
    assert not off_list, f"requests outside the allow-list were sent: {off_list[:5]}"


@pytest.fixture
def data_dir() -> Path:
    """The folder of recorded responses and sample inputs."""
    return DATA


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabSession]:
    """A running lab (a real OpenSearch node behind nginx, and open and secured Redis,
    PostgreSQL, MariaDB and FerretDB servers) seeded with 10,000 support cases (seed 1):
    ``lab.status``, ``lab.truth`` (the indices'), ``lab.truth_of(kind)``.

    State directory: $LEAKHOUND_LAB_DIR (a lab already up and seeded the same way there is
    reused and left running), else a fresh temporary one. Never skips: a lab that cannot start
    fails the tests that asked for it, with the reason.
    """
    env = os.environ.get("LEAKHOUND_LAB_DIR")
    state_dir = Path(env) if env else tmp_path_factory.getbasetemp() / "lab"
    with lab_session(state_dir) as session:
        yield session
