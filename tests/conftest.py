"""Test-wide fixtures: every request any test sends is checked against the read-only policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from leakhound import net
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
