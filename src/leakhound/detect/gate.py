"""One Hyperscan pass over a string tells which detectors could find anything in it.

Most detectors scan a whole string with a Python regex before they validate anything, and
on 800 bytes of prose each such pass costs 5-40 µs, found or not. A detector may declare
a ``gate``: patterns of which one must match somewhere in a string for its ``find`` to
return anything. All gates go into one Hyperscan database (a multi-pattern automaton
scanned in one pass, a few µs for 800 bytes), and a detector whose gates stay shut is
not run on that string.

A gate only ever skips work, never adds a finding: each gate pattern is a necessary
condition of its detector's own candidate pattern (tests compare results with and
without gates, on ASCII and on multilingual text). Where Hyperscan is not installed or
reports an error, every gate counts as open.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

hyperscan: Any
try:  # wheels exist for Linux and macOS; elsewhere every detector simply runs
    import hyperscan
except ImportError:  # pragma: no cover - depends on the platform
    hyperscan = None


# Word boundaries for gates: Hyperscan has no look-behind; but a gate only needs to know
# that a match exists, so the character before or after may be consumed. Python's
# ``(?<![\w\-])`` implies START.
START = r"(?:^|\W)"
END = r"(?:\W|$)"
# What Python's ``\s`` matches in ASCII: Hyperscan's ``\s`` and the C0 separators
# U+001C..U+001F.
SPACE = r"[\s\x1c-\x1f]"


def _on_match(gate_id: int, start: int, end: int, flags: int, fired: set[int]) -> None:
    fired.add(gate_id)


class _Database:
    """A compiled block-mode Hyperscan database, with a scratch space per thread
    (Hyperscan refuses one scratch used by two scans at once)."""

    def __init__(self, expressions: Sequence[bytes], ids: Sequence[int], flag: int):
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(
            expressions=list(expressions),
            ids=list(ids),
            elements=len(expressions),
            flags=[flag] * len(expressions),
        )
        self._local = threading.local()

    def scan(self, raw: bytes, on_match: Any, context: Any = None) -> bool:
        """Report every match to ``on_match``; False when Hyperscan failed."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._db)
        try:
            self._db.scan(raw, match_event_handler=on_match, context=context, scratch=scratch)
        except hyperscan.error:
            return False
        return True


def _ascii(text: str) -> bytes:
    """``text`` as ASCII, one "?" per other character (a lone surrogate too): same offsets."""
    return text.encode("ascii") if text.isascii() else text.encode("ascii", "replace")


class Gates:
    """The gates of several detectors, compiled into one database.

    ``patterns`` pairs a gate id (the detector's index in the caller's list) with one
    pattern in Hyperscan syntax; a detector may have several; ``(?i)`` makes one
    caseless. The database reads ASCII, where ``\\d``, ``\\w``, ``\\W`` and ``\\s``
    mean what Python's ``re`` means on such text. Other text is read with each non-ASCII
    character as "?": still exact for the gates, whose patterns need no non-ASCII
    character and for which "?", like a letter with an accent, is no digit, no space and
    a word boundary where Python sees none (a looser gate, never a stricter one) — unless
    the text holds a non-ASCII digit ("４", "٣"), space (NBSP) or a character that
    lower-cases to ASCII (the Kelvin sign, dotted capital I): those mean something to
    the detectors, so every gate opens. (Hyperscan's own Unicode mode would take those
    too, but compiling it costs three seconds in every process.)
    """

    def __init__(self, patterns: Sequence[tuple[int, str]]):
        self.ids = frozenset(i for i, _ in patterns)
        self._db: _Database | None = None
        if hyperscan is not None and patterns:
            self._db = _Database(
                [p.encode("ascii") for _, p in patterns],
                [i for i, _ in patterns],
                hyperscan.HS_FLAG_SINGLEMATCH,
            )

    @property
    def active(self) -> bool:
        """False when there is nothing to gate with (no Hyperscan, no patterns)."""
        return self._db is not None

    def open_in(self, text: str) -> set[int] | None:
        """The gate ids with a pattern matching in ``text``; None means "assume all"."""
        if self._db is None:
            return None
        if not text.isascii() and (
            _NON_ASCII_DIGIT.search(text)
            or _NON_ASCII_SPACE.search(text)
            or "\u0130" in text
            or "\u212a" in text
        ):
            return None
        fired: set[int] = set()
        return fired if self._db.scan(_ascii(text), _on_match, fired) else None


# Non-ASCII digits and spaces (Python's \d and \s): with the two characters whose lower
# case is ASCII (U+0130, U+212A), what the detectors could use and "?" would hide. One
# class each, which `re` scans at C speed (an alternation of them runs 3x slower).
_NON_ASCII_DIGIT = re.compile(r"[^\x00-\x7f\D]")
_NON_ASCII_SPACE = re.compile(r"[^\x00-\x7f\S]")


class Literals:
    """Where any of a few ASCII strings occurs in a text, ignoring ASCII case: one
    Hyperscan pass instead of a ``str.find`` loop per string (a third of the cost for
    a dozen strings over 800 characters).

    ``starts(text)`` gives the start offset in ``text`` of every occurrence,
    overlapping ones included, in no particular order; None where the caller must
    search itself (no Hyperscan). Non-ASCII characters are read as "?", as ``Gates``
    does: no string here holds one, and the only one whose lower case is an ASCII
    letter is the Kelvin sign, which the strings may not contain (``__init__``
    refuses "k").
    """

    def __init__(self, strings: Sequence[str]):
        if any(not s.isascii() or "k" in s.lower() for s in strings):
            raise ValueError("Literals takes ASCII strings without a 'k'")
        self._lengths = [len(s) for s in strings]
        self._db: _Database | None = None
        if hyperscan is not None and strings:
            self._db = _Database(
                ["".join(f"\\x{ord(c):02x}" for c in s).encode() for s in strings],
                range(len(strings)),
                hyperscan.HS_FLAG_CASELESS,
            )

    def starts(self, text: str) -> list[int] | None:
        if self._db is None:
            return None
        found: list[int] = []
        lengths = self._lengths

        def on_match(i: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            found.append(end - lengths[i])

        return found if self._db.scan(_ascii(text), on_match) else None
