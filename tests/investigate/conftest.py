"""Fixtures of the investigation tests: the samples folder and a one-call investigation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from leakhound.investigate import Investigation, Options, Source, investigate
from leakhound.investigate.classify import networks

SAMPLES = Path(__file__).parent.parent / "data" / "investigate"

Run = Callable[..., Investigation]


@pytest.fixture
def run() -> Run:
    """``run(path, ..., owner=[CIDR], scanners=[CIDR], **Options)`` → the investigation."""

    def _run(
        *paths: Path | str, owner: tuple[str, ...] = (), scanners: tuple[str, ...] = (), **kw: Any
    ) -> Investigation:
        options = Options(
            owner=networks(list(owner), "--owner", "owner"),
            scanners=networks(list(scanners), "--scanners", "given"),
            **kw,
        )
        return investigate([str(p) for p in paths], options)

    return _run


def by_address(inv: Investigation) -> dict[str, Source]:
    """The sources of an investigation by address."""
    return {s.address: s for s in inv.sources}
