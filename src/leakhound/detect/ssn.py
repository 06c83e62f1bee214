"""US Social Security numbers: area, group and serial checked against never-issued ranges."""

from __future__ import annotations

from typing import ClassVar

from .base import Detector, Field, Span
from .context import clamp, near, words_before, wordset
from .digits import DigitRegex
from .gate import END, START

ENTITY = "US_SSN"

# AAA-GG-SSSS with the same separator twice (dash, space, or none). Not touching a
# digit, letter, dash, dot or slash, so phone numbers (415-555-0123), dates, versions and
# parts of longer ids are not candidates. (The first digit comes before the look-behind:
# `re` skips ahead much faster through a pattern that starts with a character class,
# faster still with ASCII digits: ``digits.py``.)
_CANDIDATE = DigitRegex(r"(\d(?<![\w\-./]\d)\d{2})([- ]?)(\d{2})\2(\d{4})(?![\w\-/]|\.\d)")

# Numbers printed in advertising and documentation, never a person's.
_KNOWN_FAKES = frozenset({"078051120", "219099999", "123456789", "111111111", "999999999"})

_CONTEXT_UP = wordset("ssn ss social security soc sec taxpayer itin tin")
_CONTEXT_DOWN = wordset(
    "order invoice ticket ref reference serial sn build version id tracking case sku "
    "phone tel fax zip routing aba account"
)


def valid_ssn(area: str, group: str, serial: str) -> bool:
    """False for numbers the SSA never issues: area 000, 666, 900-999; group 00; serial 0000."""
    return (
        area not in ("000", "666")
        and area[0] != "9"
        and group != "00"
        and serial != "0000"
        and area + group + serial not in _KNOWN_FAKES
    )


class SsnDetector(Detector):
    """US_SSN; normalized to nine digits."""

    id: ClassVar[str] = "ssn"
    entities: ClassVar[frozenset[str]] = frozenset({ENTITY})
    # The candidate with any separator where one may stand, its look-arounds (no word
    # character on either side) as word boundaries.
    gate: ClassVar[tuple[str, ...]] = (START + r"\d{3}[\- ]?\d{2}[\- ]?\d{4}" + END,)
    min_digits: ClassVar[int] = 9
    numeric: ClassVar[bool] = True

    def find(self, text: str, field: Field) -> list[Span]:
        """SSNs in ``text``."""
        spans: list[Span] = []
        hinted = ENTITY in field.hints
        for m in _CANDIDATE.finditer(text):
            area, sep, group, serial = m.groups()
            if not valid_ssn(area, group, serial):
                continue
            before = words_before(text, m.start())
            up = near(before, _CONTEXT_UP)
            if not (up or hinted) and (not sep or near(before[-2:], _CONTEXT_DOWN)):
                continue  # nine bare digits, or an id: nothing says "SSN"
            score = 0.6 if sep == "-" else 0.45
            if up:
                score += 0.3
            spans.append(Span(ENTITY, m.start(), m.end(), clamp(score), area + group + serial))
        return spans
