"""The investigation's result: frozen values, and their JSON form (what is stored and shown).

Addresses are kept whole here: the owner needs them. Only rendering with ``redact=True``
masks them, through ``leakhound.redact``.
"""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, fields
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class Example:
    """One evidence line: where it is and what it says."""

    file: str
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Action:
    """One kind of thing a source did, how often, with example lines."""

    action: str
    count: int
    examples: tuple[Example, ...]


@dataclass(frozen=True, slots=True)
class Estimate:
    """Records read, with the method that gave it and its range (never a bare number)."""

    value: int
    lower: int
    upper: int
    method: str
    # False: some records were taken that no log line counts (a MySQL slow log's file write
    # without Rows_affected): ``upper`` is only what was counted, no bound
    bounded: bool = True

    @property
    def is_bound(self) -> bool:
        """The figure is its own upper bound (page sizes, counts of several sources added):
        the most the logs allow, never a likely figure."""
        return self.bounded and self.lower < self.upper == self.value

    @property
    def text(self) -> str:
        """``about 10,000 (9,900–10,100)``; ``up to 10,000``; ``up to 10,000 (at least
        40)``; ``at least 40 (no upper bound)``."""
        return self.of("")

    def of(self, noun: str) -> str:
        """The figure with its noun (none: ``text``): ``about 10,000 (9,900–10,100) records``,
        ``up to 10,000 records (at least 40)``, ``at least 40 records (no upper bound)``, ``an
        unknown number of records (no upper bound)``."""
        n = f" {noun}" if noun else ""
        if not self.bounded:
            if self.lower:
                return f"at least {self.lower:,}{n} (no upper bound)"
            return f"an unknown number of {noun} (no upper bound)" if noun else "unknown"
        if self.lower == self.upper:
            return f"{self.value:,}{n}"
        if self.is_bound:  # a bound, or bounds and counts added: as assess says an added figure
            return f"up to {self.upper:,}{n}" + (
                f" (at least {self.lower:,})" if self.lower else ""
            )
        return f"about {self.value:,} ({self.lower:,}–{self.upper:,}){n}"


@dataclass(frozen=True, slots=True)
class Target:
    """An index, collection, table or bucket a source touched."""

    name: str
    requests: int
    bytes_out: int
    personal: bool | None  # None: no scan to say


@dataclass(frozen=True, slots=True)
class Source:
    """Everything one source address did inside the window."""

    address: str
    kind: str  # owner, known-scanner, unknown
    kind_basis: str
    first_seen: str
    last_seen: str
    requests: int
    denied: int
    bytes_out: int
    targets: tuple[Target, ...]
    actions: tuple[Action, ...]
    records: Estimate | None
    user_agents: tuple[str, ...]
    read: bool = False  # it read documents (read, bulk-read or file-write that succeeded)

    @property
    def action_names(self) -> tuple[str, ...]:
        """The actions, gravest last."""
        return tuple(a.action for a in self.actions)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A line that could not be read, as an example."""

    line: int
    reason: str
    text: str


@dataclass(frozen=True, slots=True)
class LogFile:
    """One file read: its format, counts and what had to be skipped."""

    path: str
    format: str
    lines: int
    parsed: int
    skipped: int
    skipped_examples: tuple[Skipped, ...]
    outside_window: int
    first: str | None
    last: str | None
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Window:
    """The period read, and where its ends came from."""

    since: str | None
    until: str | None
    basis: str


@dataclass(frozen=True, slots=True)
class Summary:
    """The answers an owner is asked first."""

    first_unknown: str | None  # when the first unknown source touched the store
    first_unknown_source: str | None
    time_to_first_unknown: str | None  # from the window's start, in words
    unknown_sources: int
    unknown_readers: tuple[str, ...]  # unknown sources that read documents
    unknown_personal_readers: tuple[str, ...]  # … of indices the scan found personal data in
    records_unknown: Estimate | None  # records possibly taken by unknown parties
    wipes: tuple[str, ...]  # sources that wiped or left a ransom note
    sentence: str  # the one sentence assess and notify quote


@dataclass(frozen=True, slots=True)
class Hour:
    """One cell of the timeline: requests and bytes out of one class in one hour."""

    hour: str
    kind: str
    requests: int
    bytes_out: int


@dataclass(frozen=True, slots=True)
class Quiet:
    """Sources that only probed or were refused, beyond the ones listed: counted, not listed."""

    count: int
    requests: int
    bytes_out: int


@dataclass(frozen=True, slots=True)
class Investigation:
    """Who touched the store during the exposure window, from its logs."""

    generated_at: str
    tool_version: str
    scan_id: str | None
    window: Window
    files: tuple[LogFile, ...]
    sources: tuple[Source, ...]
    summary: Summary
    timeline: tuple[Hour, ...]
    scanner_data: str  # the date line of the shipped scanner ranges
    problems: tuple[str, ...]  # files that could not be read at all
    quiet: Quiet = Quiet(0, 0, 0)  # probe-only sources past the listed ones
    # what a LOG argument held that is no log to read (an error log, a folder in a folder),
    # each with why: passed over, not unread
    passed_over: tuple[str, ...] = ()


def to_dict(inv: Investigation) -> dict[str, Any]:
    """The JSON form as plain values (addresses whole)."""
    return asdict(inv)


def to_json_bytes(inv: Investigation) -> bytes:
    """The JSON form, serialised straight from the dataclasses (no copy: a log of many sources
    makes a big result)."""
    return orjson.dumps(inv, option=orjson.OPT_INDENT_2)


def _build(cls: Any, value: Any) -> Any:
    """A dataclass from its ``asdict`` form (nested dataclasses, tuples)."""
    if value is None:
        return None
    kwargs = {}
    for f in fields(cls):
        if f.name not in value and f.default is not MISSING:
            continue  # written before the field was: its default
        v = value.get(f.name)
        kwargs[f.name] = _NESTED[f.name](v) if f.name in _NESTED and v is not None else v
    return cls(**kwargs)


def _tuple(cls: Any) -> Any:
    return lambda items: tuple(_build(cls, i) for i in items)


_NESTED: dict[str, Any] = {
    "examples": _tuple(Example),
    "actions": _tuple(Action),
    "targets": _tuple(Target),
    "records": lambda v: _build(Estimate, v),
    "records_unknown": lambda v: _build(Estimate, v),
    "user_agents": tuple,
    "skipped_examples": _tuple(Skipped),
    "notes": tuple,
    "window": lambda v: _build(Window, v),
    "files": _tuple(LogFile),
    "sources": _tuple(Source),
    "summary": lambda v: _build(Summary, v),
    "timeline": _tuple(Hour),
    "unknown_readers": tuple,
    "unknown_personal_readers": tuple,
    "wipes": tuple,
    "problems": tuple,
    "passed_over": tuple,
    "quiet": lambda v: _build(Quiet, v),
}


def from_dict(d: dict[str, Any]) -> Investigation:
    """An ``Investigation`` back from its JSON form (as stored with a scan)."""
    result: Investigation = _build(Investigation, d)
    return result
