"""Per-source state while logs stream by: counters, a few example lines, nothing per line.

Memory grows with the sources and the indices they touch, never with the lines: each source
keeps its counters, up to ``EXAMPLES`` lines per action and ``MAX_TARGETS`` targets; the
timeline keeps one cell per hour and class.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .actions import (
    AGGREGATE,
    BULK_READ,
    CTX_MAYBE_PAGE,
    CTX_OPEN,
    CTX_PAGE,
    EXACT,
    FILE_WRITE,
    NAMES,
    PAGE_SIZE,
    READ,
    READS,
    ROWS_READ,
    UNCOUNTED,
)

EXAMPLES = 3  # lines kept for a bulk read and every graver action; one for the rest
EXAMPLE_CHARS = 400  # enough for a request line with its agent, or an audit event's core
MAX_TARGETS = 200
MAX_AGENTS = 5
OTHER = "(other targets)"

# Per-target counters of one source.
(
    T_REQUESTS,
    T_BYTES,
    T_PAGES,
    T_UPPER,
    T_EXACT,
    T_BYTES_SIZED,
    T_BYTES_UNSIZED,
    T_LOOPS,
    T_PLAIN,
    T_FILED,  # records a file-write put into a file on the server, as the log states them
    T_FOLDED,  # at most: the rows read for statements that fold them into one (GROUP_CONCAT)
    T_UNCOUNTED,  # reads that took records the log does not count (no upper bound)
    T_PLAIN_BYTES,  # bytes out of the single sized requests (T_PLAIN): what their pages held
    T_PLAIN_N,  # how many single sized requests: each returns at most what the index holds
    N_COUNTERS,
) = range(15)


class SourceState:
    """What one source address did, as counters."""

    __slots__ = (
        "actions",
        "agents",
        "basis",
        "bulk",
        "bytes_out",
        "denied",
        "examples",
        "first",
        "kind",
        "last",
        "requests",
        "targets",
    )

    def __init__(self, t: float, kind: str, basis: str) -> None:
        self.first = t
        self.last = t
        self.requests = 0
        self.bytes_out = 0
        self.denied = 0
        self.actions = [0] * len(NAMES)
        self.examples: dict[int, list[tuple[str, int, str]]] = {}
        self.targets: dict[str, list[int]] = {}
        self.agents: list[str] = []
        self.bulk: tuple[str | None, int] | None = None  # the scroll/PIT it opened: target, size
        self.kind = kind  # owner, known-scanner, unknown
        self.basis = basis


@dataclass
class FileState:
    """What one file held, and what could not be read in it."""

    path: str
    format: str
    lines: int = 0
    parsed: int = 0
    skipped: int = 0
    skipped_examples: list[tuple[int, str, str]] = field(default_factory=list)
    # why lines were skipped, each kind of reason's count (the first REASONS kinds; a kind is
    # a reason without the line's own text it quotes, ``reason_kind``): the summary names the
    # commonest, as "give --log-time-zone" for a log all of whose times say EST, by the first
    # reason of that kind (``reason_examples``)
    reasons: dict[str, int] = field(default_factory=dict)
    reason_examples: dict[str, str] = field(default_factory=dict)
    outside_window: int = 0
    first: float | None = None
    last: float | None = None
    offsets: set[str] = field(default_factory=set)
    backwards: int = 0  # lines more than SKEW seconds before the latest one seen
    notes: list[str] = field(default_factory=list)
    # The lines of its rotated set read before it: a parser numbers the lines of one set on
    # from file to file (it reads them as one stream); this file's own numbers start after.
    base: int = 0


SKEW = 300.0
OVERLONG = "over 1 MiB, cut out unread"  # the reason counted for a line the reader cut out
REASONS = 50  # kinds of reasons counted apart a file
# A value a reason quotes (Python's repr of the line's text: 'x', "it's", b'x'): a quote after
# no letter (not "the server's") to one followed by none
_QUOTED = re.compile(r"""(?<!\w)b?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")(?!\w)""")
# A number a reason says of its line unquoted: a W3C line's "5 fields where #Fields names 14",
# a csvlog row's "7 csvlog columns", Redis's and MySQL's "not a valid date: (2024, 2, 31, …)"
_NUMBER = re.compile(r"\d+")


def reason_kind(reason: str) -> str:
    """A reason without the values it quotes or the numbers it says: ``not an ISO 8601 time:
    '2024-13-01'`` and ``… '2024-14-01'`` are of one kind, ``not an ISO … time: …``, and so
    are ``5 fields where #Fields names 14`` and ``6 fields …``, counted together."""
    return _NUMBER.sub("…", _QUOTED.sub("…", reason))


# A search response under this size holds no hit: an empty page ends a scroll (its scroll id,
# took, _shards and an empty hits array are a few hundred bytes). A search of size 0 answering
# more carried more than a few counts: its aggregations returned documents (top_hits) or a
# field's values (terms), which an access log does not show apart: it is counted a read.
EMPTY_PAGE = 1024


class Activity:
    """The sink every parser writes to."""

    def __init__(
        self,
        classify: Callable[[str, str | None], tuple[str, str, str | None]],
        since: float | None = None,
        until: float | None = None,
    ) -> None:
        # A source is an address, and apart from it the requests whose user agent alone names
        # a known scanner: (address, that scanner's name, or None for the address's others).
        self.sources: dict[tuple[str, str | None], SourceState] = {}
        self._pairs: dict[tuple[str, str | None], SourceState] = {}  # (address, agent) → it
        self.timeline: dict[tuple[int, str], list[int]] = {}
        self.classify = classify
        self.since = since if since is not None else float("-inf")
        self.until = until if until is not None else float("inf")
        self.file: FileState = FileState("", "")
        self.files: list[FileState] = []

    def begin(self, path: str, fmt: str, base: int = 0) -> FileState:
        """Start counting a new file; ``base``: the lines of its rotated set before it."""
        self.file = FileState(path, fmt, base=base)
        self.files.append(self.file)
        return self.file

    def skip(self, lineno: int, line: bytes | str, reason: str) -> None:
        """Count a line that could not be read, keeping the first few as examples."""
        f = self.holding(lineno)
        f.skipped += 1
        kind = reason_kind(reason)
        if kind in f.reasons or len(f.reasons) < REASONS:
            f.reasons[kind] = f.reasons.get(kind, 0) + 1
            f.reason_examples.setdefault(kind, reason)
        if len(f.skipped_examples) < 5:
            text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
            f.skipped_examples.append((lineno - f.base, reason, text[:200]))

    def note(self, lineno: int, text: str) -> None:
        """Say ``text`` once in the notes of the file holding ``lineno``: a note about lines is
        told for the file they are in, not for every file of a rotated set read with it."""
        notes = self.holding(lineno).notes
        if text not in notes:
            notes.append(text)

    def holding(self, lineno: int) -> FileState:
        """The file a parser's ``lineno`` is in: in a rotated set read as one stream, an entry
        that began before the rotation and is read after it is in the file before."""
        f = self.file
        if lineno > f.base or not f.base:
            return f
        for before in reversed(self.files):
            if lineno > before.base:
                return before
        return f

    def add(
        self,
        src: str,
        t: float,
        action: int,
        target: str | None,
        records: int,
        how: int,
        nbytes: int,
        ok: bool,
        agent: str | None,
        ctx: int,
        line: bytes | str,
        lineno: int,
        *,
        seen: float | None = None,
    ) -> None:
        """Count one request (or flow, or command) of ``src`` at epoch ``t``; ``seen``: the
        time of ``line`` itself when the request is dated earlier (a Redis connection closed
        at ``seen``, counted from its accept, perhaps in the file before)."""
        f = self.file
        if f.base and lineno <= f.base:
            f = self.holding(lineno)  # begun in a file before, read on across the rotation
        f.parsed += 1
        if t < self.since or t > self.until:
            f.outside_window += 1
            return
        at = t if seen is None else seen
        if f.first is None or at < f.first:
            f.first = at
        if f.last is None or at > f.last:
            f.last = at
        elif at < f.last - SKEW:
            f.backwards += 1
        s = self._pairs.get((src, agent))
        if s is None:
            # A scanner's user agent is a claim on the requests that carry it, not on the
            # address: a client that sends one first and dumps under another agent next (or
            # shares the address, like a scan and a curl from one host) stays unknown there.
            kind, basis, claim = self.classify(src, agent)
            s = self.sources.get((src, claim))
            if s is None:
                s = self.sources[(src, claim)] = SourceState(t, kind, basis)
            elif basis not in s.basis:
                # The same class on another ground (an unknown address that also sent
                # leakhound's user agent): both said. Few grounds exist, so this stays short.
                s.basis = f"{s.basis}; {basis}"
            if len(self._pairs) > 65536:  # unique agents must not grow memory
                self._pairs.clear()
            self._pairs[(src, agent)] = s
        if t < s.first:
            s.first = t
        if t > s.last:
            s.last = t
        s.requests += 1
        s.bytes_out += nbytes
        cell = self.timeline.get((int(t) // 3600, s.kind))
        if cell is None:
            cell = self.timeline[(int(t) // 3600, s.kind)] = [0, 0]
        cell[0] += 1
        cell[1] += nbytes
        if agent and len(s.agents) < MAX_AGENTS and agent not in s.agents:
            s.agents.append(agent)
        if not ok:
            s.denied += 1
            return
        if action == AGGREGATE and nbytes >= EMPTY_PAGE:
            action = READ  # its records are estimated from its bytes, as an unsized read's
        if ctx:
            if ctx == CTX_OPEN:
                s.bulk = (target, records if how == PAGE_SIZE else 0)
            elif s.bulk is not None:  # a scroll page or a PIT page: of what the source opened
                target = s.bulk[0] or target
                if not records and s.bulk[1]:
                    records, how = s.bulk[1], PAGE_SIZE
                if ctx == CTX_MAYBE_PAGE:
                    action = BULK_READ
            elif ctx == CTX_PAGE:
                target = target or "*"
        s.actions[action] += 1
        ex = s.examples.get(action)
        if ex is None:
            ex = s.examples[action] = []
        keep = EXAMPLES if action >= BULK_READ else 1  # a probe, a listing, a read: one line
        if len(ex) < keep:
            text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
            ex.append((f.path, lineno - f.base, text[:EXAMPLE_CHARS]))
        if target is None:
            return
        counts = s.targets.get(target)
        if counts is None:
            if len(s.targets) >= MAX_TARGETS:
                target = OTHER
                counts = s.targets.get(target)
            if counts is None:
                counts = s.targets[target] = [0] * N_COUNTERS
        counts[T_REQUESTS] += 1
        counts[T_BYTES] += nbytes
        if action in READS:
            if how == EXACT:  # into a file on the server, or back to the client
                counts[T_FILED if action == FILE_WRITE else T_EXACT] += records
            elif how == ROWS_READ:
                counts[T_FOLDED] += records
            elif how == UNCOUNTED:
                counts[T_UNCOUNTED] += 1
            elif how == PAGE_SIZE and records and not ctx:
                counts[T_PLAIN] += records  # one search: at most its size
                counts[T_PLAIN_BYTES] += nbytes
                counts[T_PLAIN_N] += 1
            elif how == PAGE_SIZE and records:
                if 0 < nbytes < EMPTY_PAGE:  # the loop's last, empty page: no hit came back
                    return
                counts[T_PAGES] += 1
                counts[T_UPPER] += records
                counts[T_BYTES_SIZED] += nbytes
                if ctx == CTX_OPEN:
                    counts[T_LOOPS] += 1
            elif nbytes >= EMPTY_PAGE:  # smaller: a count, a size=0 search, an empty page
                counts[T_BYTES_UNSIZED] += nbytes
