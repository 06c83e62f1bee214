"""What the findings database gives back: typed records of stored scans.

``SqliteStore.load`` returns a ``ScanRecord``; renderers, assess and notify read its
attributes, never raw dicts. ``ScanRecord.to_dict`` is the scan's JSON shape
(``schema/scan-result.schema.json``, less the summary a report adds).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..models import TargetResult, Verdict, from_dict, to_dict


@dataclass(frozen=True, slots=True)
class History:
    """What earlier scans saw of the same endpoint."""

    first_seen: str | None = None
    first_scan_id: str | None = None
    first_seen_exposed: str | None = None  # the first scan that found it open or partial
    previous_scans: int = 0
    previous_verdict: Verdict | None = None


@dataclass(frozen=True, slots=True)
class ResultRecord(TargetResult):
    """One stored result with the endpoint's history across scans."""

    history: History = field(default_factory=History)

    @classmethod
    def of(cls, result: TargetResult, history: History) -> ResultRecord:
        """A result as the store keeps it."""
        return cls(result.service, result.containers, result.inventory_error,
                   result.truncated, result.full, result.authenticated, history)


@dataclass(frozen=True, slots=True)
class Tool:
    """What wrote the scan."""

    name: str = "leakhound"
    version: str = ""


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """One stored scan: when, what was asked, and every result."""

    scan_id: str
    started_at: str
    finished_at: str | None
    status: str  # running, done, interrupted, failed
    targets: tuple[str, ...]
    options: dict[str, Any]
    tool: Tool
    results: tuple[ResultRecord, ...]

    @property
    def exposed(self) -> Iterator[ResultRecord]:
        """The results of endpoints open or partly open."""
        return (r for r in self.results if r.exposed)

    def to_dict(self) -> dict[str, Any]:
        """The scan as JSON-ready data."""
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanRecord:
        """A scan from its JSON shape (as ``to_dict`` or ``--format json`` wrote it)."""
        return from_dict(cls, {k: v for k, v in data.items() if k not in ("$schema", "summary")})


def result_from_json(body: dict[str, Any], history: History) -> ResultRecord:
    """A stored result body (``to_dict`` of a TargetResult) with its history."""
    return ResultRecord.of(from_dict(TargetResult, body), history)

