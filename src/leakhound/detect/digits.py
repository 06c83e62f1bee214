"""Candidate regexes that scan whole strings for digits, at ASCII speed where that is exact.

In a str pattern ``\\d`` is any Unicode decimal digit, which `re` tests character by
character through a Unicode lookup; ``[0-9]`` is a bitmap. A scan for a pattern that
starts with a digit class visits every character of the string, so the bitmap halves
it (6 µs instead of 12 for a phone candidate over an 800-character ticket). The two
read a string the same way whenever it holds no decimal digit but 0-9: always for
ASCII and Latin-1 text (Latin-1 has no other), and for other text without one ("٣",
"４"). ``DigitRegex`` keeps both and picks per string.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

# A decimal digit other than 0-9 (Python's \d less ASCII), as gate.py looks for one.
_OTHER_DIGIT = re.compile(r"[^\x00-\x7f\D]")


def only_ascii_digits(text: str) -> bool:
    """True when the only characters ``\\d`` matches in ``text`` are 0-9."""
    if text.isascii():
        return True
    try:
        text.encode("latin-1")  # one C loop; the search below costs 3 µs on a ticket
    except UnicodeEncodeError:
        return _OTHER_DIGIT.search(text) is None
    return True


def ascii_digits(pattern: str) -> str:
    """``pattern`` with each ``\\d`` written as ``[0-9]`` (``0-9`` inside a class).

    For patterns without ``re.VERBOSE`` (whose comments this does not parse) and
    without ``\\D``, which has no equivalent inside a class.
    """
    out: list[str] = []
    in_class = False
    class_start = -1  # index in ``pattern`` of the class's first member
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            escaped = pattern[i + 1]
            if escaped == "D":
                raise ValueError(f"\\D in {pattern!r}")
            if escaped == "d":
                out.append("0-9" if in_class else "[0-9]")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]" and i != class_start:  # "[]…]", "[^]…]": a literal "]" first
                in_class = False
            elif ch == "[" and pattern[i + 1 : i + 2] == ":":
                raise ValueError(f"set syntax in {pattern!r}")
        elif ch == "[":
            in_class = True
            class_start = i + 2 if pattern[i + 1 : i + 2] == "^" else i + 1
        out.append(ch)
        i += 1
    if in_class:
        raise ValueError(f"unterminated class in {pattern!r}")
    return "".join(out)


class DigitRegex:
    """A pattern compiled as written and with ASCII digit classes; ``finditer`` picks
    the second for a string where both read alike (``only_ascii_digits``)."""

    __slots__ = ("ascii", "unicode")

    def __init__(self, pattern: str, flags: int = 0):
        if flags & re.VERBOSE:
            raise ValueError("DigitRegex does not read re.VERBOSE patterns")
        self.unicode = re.compile(pattern, flags)
        self.ascii = re.compile(ascii_digits(pattern), flags)

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        """``re.finditer`` of the pattern as written, over ``text`` (``pos``, ``endpos``:
        as ``re.Pattern.finditer`` reads them; look-behinds see before ``pos``)."""
        return self.for_text(text).finditer(text, pos, endpos)

    def for_text(self, text: str) -> re.Pattern[str]:
        """The compiled pattern ``finditer`` uses for ``text``: for several scans of parts of
        one text, as choosing reads all of it."""
        return self.ascii if only_ascii_digits(text) else self.unicode
