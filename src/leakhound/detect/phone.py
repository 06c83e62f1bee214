"""Phone numbers, international and national (US, UK, FR, DE, ES, IT, NL), via phonenumbers."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

from .base import Detector, Field, Span
from .context import clamp, near, words_before, wordset

ENTITY = "PHONE_NUMBER"

# A run that could hold a phone number: optional "+", digits with the separators people
# type (space, NBSP, dot, dash, slash, parentheses), 7 digits at least. Not preceded by
# a letter, digit or one of ".-/+", so "KB5034441", "0x80070005", "v10.0.1" and the
# middle of longer ids never start a run. phonenumbers' matcher then decides, inside
# that window only: it knows each country's lengths and rejects dates and times.
_CANDIDATE = re.compile(r"(?<![\w.+\-/])\+?\(?\d[\d \t\u00a0().\-/]{5,26}\d(?!\w)")
_NON_DIGIT = re.compile(r"\D")
# An unbroken digit string: ids, timestamps and phone numbers look the same.
_BARE = re.compile(r"\+?\d+")

# Regions tried for numbers written without a country code, in the order that makes the
# most likely reading win when several countries accept the same digits.
_LEADING_ZERO_11 = ("GB", "DE", "IT", "NL", "FR")  # 0 + 10 digits: UK's usual shape
_LEADING_ZERO_10 = ("FR", "NL", "DE", "IT", "GB")  # 0 + 9 digits: FR, NL
_LEADING_ZERO = ("DE", "IT", "GB", "FR", "NL")
_NO_TRUNK = ("US", "ES", "IT")  # NANP, Spain, Italian mobiles have no trunk "0"

_MAX_WINDOWS = 32  # phonenumbers costs ~60 µs a try: bound the work on digit-heavy text

_CONTEXT_UP = wordset(
    "phone tel telephone call calls called calling mobile cell cellphone fax whatsapp sms "
    "text texted ring dial number contact reach telefon telefono telefone portable gsm tlf"
)
_CONTEXT_DOWN = wordset(
    "order invoice ticket ref reference serial sn build version ver kb id no tracking case "
    "sku part model po transaction txn confirmation account iban bic swift isbn ean upc "
    "imei error code hresult pid port epoch timestamp ts crc hash checksum patch release"
)


class PhoneDetector(Detector):
    """PHONE_NUMBER; normalized to E.164 ("+33612345678")."""

    id: ClassVar[str] = "phone"
    entities: ClassVar[frozenset[str]] = frozenset({ENTITY})
    numeric: ClassVar[bool] = True

    def find(self, text: str, field: Field) -> list[Span]:
        """Phone numbers in ``text``."""
        hinted = ENTITY in field.hints
        spans: list[Span] = []
        for tries, m in enumerate(_CANDIDATE.finditer(text)):
            if tries >= _MAX_WINDOWS:
                break
            window = m.group()
            digits = len(_NON_DIGIT.sub("", window))
            if digits < 7 or digits > 32:
                continue
            before = words_before(text, m.start())
            up = near(before, _CONTEXT_UP)
            if not (hinted or up):
                if near(before[-2:], _CONTEXT_DOWN) or _after_hash(text, m.start()):
                    continue  # "order 0612345678", "#4155550123": an id
                if _BARE.fullmatch(window) and not window.startswith("+"):
                    continue  # an unbroken digit string with nothing saying "phone"
            for start, end, e164, international in _numbers_in(window, hinted):
                score = 0.75 if international else 0.6
                if up:
                    score += 0.15
                spans.append(Span(ENTITY, m.start() + start, m.start() + end, clamp(score), e164))
        return spans


def _after_hash(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] == " ":
        i -= 1
    return i >= 0 and text[i] in "#№"


@lru_cache(maxsize=65536)
def _numbers_in(window: str, hinted: bool) -> tuple[tuple[int, int, str, bool], ...]:
    """(start, end, E.164, written internationally) for each number in one window."""
    compact = _NON_DIGIT.sub("", window)
    international = window.startswith("+") or compact.startswith("00")
    if international:
        regions: tuple[str, ...] = ("US",)  # any region: the "+" says which country
    elif compact.startswith("0"):
        if len(compact) == 11:
            regions = _LEADING_ZERO_11
        elif len(compact) == 10:
            regions = _LEADING_ZERO_10
        else:
            regions = _LEADING_ZERO
    else:
        regions = _NO_TRUNK
    for region in regions:
        found = tuple(
            (
                m.start,
                m.end,
                phonenumbers.format_number(m.number, PhoneNumberFormat.E164),
                international or m.raw_string.lstrip().startswith(("+", "00")),
            )
            for m in PhoneNumberMatcher(window, region, leniency=Leniency.VALID)
        )
        if found:
            return found
    if hinted and not international and window.isdigit() and len(window) >= 10:
        # A "phone" field holding 33612345678 or 14155550123: the "+" was dropped.
        try:
            number = phonenumbers.parse("+" + window, None)
        except phonenumbers.NumberParseException:
            return ()
        if phonenumbers.is_valid_number(number):
            return ((0, len(window), phonenumbers.format_number(number, PhoneNumberFormat.E164), True),)
    return ()
