"""One Hyperscan pass over a string tells which detectors could find anything in it.

Most detectors scan a whole string with a Python regex before they validate anything, and
on 800 bytes of prose each such pass costs 5-40 µs, found or not. A detector may declare
a ``gate``: patterns of which one must match somewhere in a string for its ``find`` to
return anything. All gates go into one Hyperscan database (a multi-pattern automaton
scanned in one pass, a few µs for 800 bytes), and a detector whose gates stay shut is
not run on that string.

A gate only ever skips work, never adds a finding: each gate pattern is a necessary
condition of its detector's own candidate pattern (tests compare results with and
without gates, on ASCII and on multilingual text). Where Hyperscan is not installed,
cannot take a string (lone surrogates are not UTF-8) or reports an error, every gate
counts as open.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

hyperscan: Any
try:  # wheels exist for Linux and macOS; elsewhere every detector simply runs
    import hyperscan
except ImportError:  # pragma: no cover - depends on the platform
    hyperscan = None


# Word boundaries for gates: Hyperscan has no look-behind, and no ``\b`` in the Unicode
# mode non-ASCII text needs; but a gate only needs to know that a match exists, so the
# character before or after may be consumed. Python's ``(?<![\w\-])`` implies START.
START = r"(?:^|\W)"
END = r"(?:\W|$)"
# What Python's ``\s`` matches on ``str`` beyond Unicode's White_Space: the C0
# separators U+001C..U+001F.
SPACE = r"[\s\x1c-\x1f]"


def _on_match(gate_id: int, start: int, end: int, flags: int, fired: set[int]) -> None:
    fired.add(gate_id)


class Gates:
    """The gates of several detectors, compiled into one database per kind of text.

    ``patterns`` pairs a gate id (the detector's index in the caller's list) with one
    pattern in Hyperscan syntax; a detector may have several; ``(?i)`` makes one
    caseless. ASCII strings go through a database with ASCII classes, where ``\\d``,
    ``\\w`` and ``\\W`` mean what Python's ``re`` means on such text; other strings
    through one compiled with Unicode properties (UTF-8, UCP), where they mean what
    Python means on any ``str``: "４１１１ …" and "١٢٣" are digits to the detectors, so
    they must be to the gates.
    """

    def __init__(self, patterns: Sequence[tuple[int, str]]):
        self.ids = frozenset(i for i, _ in patterns)
        self._ascii: Any = None
        self._unicode: Any = None
        self._local = threading.local()
        if hyperscan is None or not patterns:
            return
        single = hyperscan.HS_FLAG_SINGLEMATCH
        self._ascii = _compile(patterns, single)
        self._unicode = _compile(patterns, single | hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_UCP)

    @property
    def active(self) -> bool:
        """False when there is nothing to gate with (no Hyperscan, no patterns)."""
        return self._ascii is not None

    def open_in(self, text: str) -> set[int] | None:
        """The gate ids with a pattern matching in ``text``; None means "assume all"."""
        if self._ascii is None:
            return None
        if text.isascii():
            db, raw, kind = self._ascii, text.encode("ascii"), "ascii"
        else:
            try:
                raw = text.encode("utf-8")
            except UnicodeEncodeError:  # lone surrogates: not something Hyperscan may read
                return None
            db, kind = self._unicode, "unicode"
        scratches = getattr(self._local, "scratches", None)
        if scratches is None:
            scratches = self._local.scratches = {}
        scratch = scratches.get(kind)
        if scratch is None:
            # A scratch space per thread: Hyperscan refuses one used by two scans at once.
            scratch = scratches[kind] = hyperscan.Scratch(db)
        fired: set[int] = set()
        try:
            db.scan(raw, match_event_handler=_on_match, context=fired, scratch=scratch)
        except hyperscan.error:
            return None
        return fired


def _compile(patterns: Sequence[tuple[int, str]], flags: int) -> Any:
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(
        expressions=[p.encode("utf-8") for _, p in patterns],
        ids=[i for i, _ in patterns],
        elements=len(patterns),
        flags=[flags] * len(patterns),
    )
    return db
