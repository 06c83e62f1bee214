"""Test-wide fixtures: every request any test sends is checked against the read-only policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leakhound import net

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session", autouse=True)
def request_audit() -> Iterator[list[net.Request]]:
    """Record every request the suite's scans send; fail on any non-read method."""
    seen: list[net.Request] = []
    net.add_audit_hook(seen.append)
    yield seen
    net.remove_audit_hook(seen.append)
    writes = [r for r in seen if r.method not in ("GET", "HEAD", "POST")]
    assert not writes, f"non-read requests were sent: {writes[:5]}"


@pytest.fixture
def data_dir() -> Path:
    """The folder of recorded responses and sample inputs."""
    return DATA
