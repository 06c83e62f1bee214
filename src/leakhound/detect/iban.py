"""IBANs: country code, length for that country and the ISO 7064 mod-97 check (stdnum)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, ClassVar

from stdnum import iban, numdb
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_97_10

from .base import Detector, Field, Span
from .context import clamp, near, words_before, wordset
from .gate import START

ENTITY = "IBAN_CODE"

# Two capital letters, two check digits, then 11 to 30 letters or digits, optionally in
# groups of four split by single spaces (the printed form). Upper case only: IBANs are
# printed that way, and lower case would swallow the words after one. The greedy tail
# may still run into a following code ("… 00 BIC"); the prefix of the country's IBAN
# length is what gets validated. Not glued to a preceding word character; the first
# letter comes before that look-behind because `re` skips ahead much faster through a
# pattern that starts with a character class.
_CANDIDATE = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]){11,30}(?![a-z0-9])")
_CONTEXT_UP = wordset("iban bank account rib konto cuenta conto virement transfer sepa")


@cache
def _rules(country: str) -> tuple[int, re.Pattern[str] | None, Any]:
    """(IBAN length, BBAN structure, stdnum's national module) of a country; length 0 if
    it issues none.

    stdnum's ``iban.is_valid`` looks these up again for every number (a third of its
    20-60 µs); each country has one length and one structure, so they are looked up once.
    """
    info = numdb.get("iban").info(country)
    structure = info[0][1].get("bban", "") if info and info[0][1] else ""
    if not structure:
        return 0, None, None
    length = 4 + sum(int(n) for n in _STRUCTURE_PART.findall(structure))
    return length, iban._struct_to_re(structure), iban._get_cc_module(country)


def is_valid_iban(compact: str) -> bool:
    """``stdnum.iban.is_valid`` for a compact upper-case IBAN, with the per-country rules
    cached: the check digits (ISO 7064 mod 97-10), the BBAN structure, then the
    country's own check where stdnum has one (Spain's CCC, …), in stdnum's order."""
    length, structure, module = _rules(compact[:2])
    if len(compact) != length or structure is None:
        return False
    if not mod_97_valid(compact[4:] + compact[:4]) or not structure.match(compact[4:]):
        return False
    if module is not None:
        try:
            module.validate(compact)
        except ValidationError:
            return False
    return True


_STRUCTURE_PART = re.compile(r"(\d+)!?[nac]")
# Letters as ISO 7064 reads them: A=10 … Z=35.
_LETTER_VALUES = str.maketrans({chr(ord("A") + i): str(10 + i) for i in range(26)})


def mod_97_valid(number: str) -> bool:
    """``stdnum.iso7064.mod_97_10.is_valid`` for digits and capital letters: the number
    with each letter written as its value, mod 97, is 1. One ``int()`` instead of one
    per character."""
    try:
        return int(number.translate(_LETTER_VALUES)) % 97 == 1
    except ValueError:
        return mod_97_10.is_valid(number)


def countries_of(text: str) -> list[str]:
    """The countries of the IBANs in ``text``, checked by length and check digits only.

    What ``region.py`` asks of every string that may hold one: the check digits alone
    refuse all but one in 97 look-alikes, at a third of the cost of the full validation
    (the BBAN structure, a country's own check), which the detector still does.
    """
    countries: list[str] = []
    for m in _CANDIDATE.finditer(text):
        compact = m.group().replace(" ", "")
        n = _rules(compact[:2])[0]
        if n and n <= len(compact) and mod_97_valid(compact[4:n] + compact[:4]):
            countries.append(compact[:2])
    return countries


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
            compact = raw.replace(" ", "")
            n = _rules(compact[:2])[0]
            if not n or n > len(compact) or not is_valid_iban(compact[:n]):
                continue
            if len(compact) == len(raw):
                end = m.start() + n
            else:  # after the n-th character that is not a space
                end = m.start() + [i for i, ch in enumerate(raw) if ch != " "][n - 1] + 1
            score = 0.9
            if near(words_before(text, m.start()), _CONTEXT_UP):
                score += 0.1
            spans.append(Span(ENTITY, m.start(), end, clamp(score), compact[:n]))
        return spans
