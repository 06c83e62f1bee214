"""People's names, from what a field is called ("first_name", "customer.name").

Without NER a name in free text is not found; ``ner.py`` is the seam for that. Here a
field's whole value is reported when the field's name says it holds a person's name and
the value looks like one.
"""

from __future__ import annotations

import itertools
import re
from typing import ClassVar

from .base import Detector, Field, Span
from .context import clamp, wordset
from .hints import PERSON, tokens

ENTITY = PERSON

# One to five words of letters (any script), with the apostrophes, hyphens and dots of
# "O'Brien", "Jean-Luc", "J. R. R."; no digits, no "@", nothing over 80 characters.
_NAME_WORD = r"[^\W\d_](?:[^\W\d_]|['’.\-])*"
# Up to five such words separated by whitespace: longer values are sentences.
_NAME = re.compile(rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,4}}")

# Parents under which a bare "name" is a person's.
_PERSON_PARENTS = wordset(
    "customer customers user users client clients contact contacts person people patient "
    "employee employees author sender recipient owner member buyer seller guest student "
    "passenger driver account profile billing shipping holder cardholder applicant "
    "candidate beneficiary subscriber participant attendee tenant resident caller agent "
    "reporter assignee requester from to cc bcc"
)
# Names under which a value is certainly a person's name.
_STRONG = wordset(
    "firstname lastname surname fullname forename givenname familyname nachname vorname "
    "nom prenom nombre apellido cognome middlename maidenname"
)
# Values that fill a name field without naming anyone.
_NOT_NAMES = wordset(
    "null none n/a na unknown anonymous test user admin administrator root guest default "
    "customer client john doe jane system service"
)


class PersonDetector(Detector):
    """PERSON from field names; normalized to the case-folded, single-spaced name."""

    id: ClassVar[str] = "person"
    entities: ClassVar[frozenset[str]] = frozenset({ENTITY})

    def find(self, text: str, field: Field) -> list[Span]:
        """The whole value when the field holds a person's name."""
        if ENTITY not in field.hints or len(text) > 80:
            return []
        value = text.strip()
        if not value or _NAME.fullmatch(value) is None or value.lower() in _NOT_NAMES:
            return []
        words = tokens(field.name)
        joined = "".join(words)
        if joined in _STRONG or _pair_is_strong(words):
            score = 0.75
        elif field.parent in _PERSON_PARENTS or any(w in _PERSON_PARENTS for w in words):
            score = 0.7
        elif " " in value and value[:1].isupper():
            score = 0.5  # a bare "name" holding "Jane Doe"
        else:
            score = 0.3  # a bare "name" holding one word: a product, a host, a person?
        start = text.index(value)
        normalized = " ".join(value.casefold().split())
        return [Span(ENTITY, start, start + len(value), clamp(score), normalized)]


def _pair_is_strong(words: list[str]) -> bool:
    return any(a + b in _STRONG for a, b in itertools.pairwise(words))
