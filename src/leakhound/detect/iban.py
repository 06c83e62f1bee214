"""IBANs: country code, length for that country and the ISO 7064 mod-97 check (stdnum)."""

from __future__ import annotations

import re
from typing import ClassVar

from stdnum import iban

from .base import Detector, Field, Span
from .context import clamp, near, words_before, wordset
from .gate import START

ENTITY = "IBAN_CODE"

# Two capital letters, two check digits, then 11 to 30 letters or digits, optionally in
# groups of four split by single spaces (the printed form). Upper case only: IBANs are
# printed that way, and lower case would swallow the words after one. The greedy tail
# may still run into a following code ("… 00 BIC"); the longest prefix that passes
# mod-97 is kept. Not glued to a preceding word character; the first letter comes before
# that look-behind because `re` skips ahead much faster through a pattern that starts
# with a character class.
_CANDIDATE = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]){11,30}(?![a-z0-9])")
_CONTEXT_UP = wordset("iban bank account rib konto cuenta conto virement transfer sepa")


class IbanDetector(Detector):
    """IBAN_CODE; normalized to the compact upper-case form."""

    id: ClassVar[str] = "iban"
    entities: ClassVar[frozenset[str]] = frozenset({ENTITY})
    # The first fifteen characters of any candidate (country, check digits, eleven more),
    # at a word's start as the look-behind wants.
    gate: ClassVar[tuple[str, ...]] = (START + r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11}",)
    min_digits: ClassVar[int] = 8

    def find(self, text: str, field: Field) -> list[Span]:
        """IBANs in ``text``."""
        spans: list[Span] = []
        for m in _CANDIDATE.finditer(text):
            raw = m.group()
            positions = [i for i, ch in enumerate(raw) if ch != " "]
            compact = "".join(raw[i] for i in positions)
            for n in range(min(len(compact), 34), 14, -1):
                if iban.is_valid(compact[:n]):
                    break
            else:
                continue
            end = m.start() + positions[n - 1] + 1
            score = 0.9
            if near(words_before(text, m.start()), _CONTEXT_UP):
                score += 0.1
            spans.append(Span(ENTITY, m.start(), end, clamp(score), compact[:n]))
        return spans
