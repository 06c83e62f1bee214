"""Places where someone lives or is: addresses, cities, postcodes, from field names.

Without NER a place in free text is not found; ``ner.py`` is the seam for that.
"""

from __future__ import annotations

import re
from typing import ClassVar

from .base import Detector, Field, Span
from .context import clamp, wordset
from .hints import LOCATION, tokens

ENTITY = LOCATION

# How much each kind of field pins someone down: a street address is a home, a country
# is millions of people.
_WEIGHTS: tuple[tuple[frozenset[str], float], ...] = (
    (wordset("address addresses street streetaddress adresse strasse addr line1 line2"), 0.7),
    (wordset("zip zipcode postcode postal postalcode plz cp"), 0.5),
    (wordset("city town village ville ciudad stadt"), 0.5),
    (wordset("region state province county"), 0.35),
    (wordset("country location"), 0.3),
)
# Postcodes: up to ten letters, digits, spaces or dashes ("75001", "SW1A 1AA", "1012 AB").
_POSTCODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-]{1,9}")
# Anything else: must contain a letter, at most 200 characters.
_HAS_LETTER = re.compile(r"[^\W\d_]")
_NOT_PLACES = wordset("null none n/a na unknown other - default test")


class LocationDetector(Detector):
    """LOCATION from field names; normalized to the case-folded, single-spaced value."""

    id: ClassVar[str] = "location"
    entities: ClassVar[frozenset[str]] = frozenset({ENTITY})

    def find(self, text: str, field: Field) -> list[Span]:
        """The whole value when the field holds an address or a place."""
        if ENTITY not in field.hints or len(text) > 200:
            return []
        value = text.strip()
        if len(value) < 2 or value.lower() in _NOT_PLACES:
            return []
        words = set(tokens(field.name)) | {"".join(tokens(field.name))}
        if not words - {"name", "keyword", "raw", "text"}:
            words |= set(tokens(field.parent))
        score = 0.3
        for vocabulary, weight in _WEIGHTS:
            if words & vocabulary:
                score = weight
                break
        if score == 0.5 and words & _WEIGHTS[1][0]:
            if _POSTCODE.fullmatch(value) is None:
                return []
        elif _HAS_LETTER.search(value) is None:
            return []  # "48.85,2.35" in a "location" field is geo.py's
        start = text.index(value)
        normalized = " ".join(value.casefold().split())
        return [Span(ENTITY, start, start + len(value), clamp(score), normalized)]
