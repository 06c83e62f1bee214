"""Helpers of the investigation tests (a module of its own name: ``conftest`` is ambiguous
across test folders)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from leakhound.investigate import Investigation, Options, Source, investigate
from leakhound.investigate.classify import networks

SAMPLES = Path(__file__).parent.parent / "data" / "investigate"

Run = Callable[..., Investigation]


def run_investigation(
    *paths: Path | str, owner: tuple[str, ...] = (), scanners: tuple[str, ...] = (), **kw: Any
) -> Investigation:
    """``investigate`` with ``--owner``/``--scanners`` values and any other ``Options``."""
    options = Options(
        owner=networks(list(owner), "--owner", "owner"),
        scanners=networks(list(scanners), "--scanners", "given"),
        **kw,
    )
    return investigate([str(p) for p in paths], options)


def by_address(inv: Investigation) -> dict[str, Source]:
    """The sources of an investigation by address."""
    return {s.address: s for s in inv.sources}
