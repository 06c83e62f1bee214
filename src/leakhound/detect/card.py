"""Payment card numbers: known issuer ranges, right length, Luhn checksum."""

from __future__ import annotations

import itertools
from typing import ClassVar

from .base import Detector, Field, Span
from .context import clamp, near, words_before, wordset
from .digits import DigitRegex
from .gate import END, START
from .hints import tokens

ENTITY = "CREDIT_CARD"

# 13 to 19 digits, either unbroken or in groups split by one space or dash (4-4-4-4,
# Amex 4-6-5). Not touching a letter, digit, dash or dot on either side, so the middle
# of a longer id, a UUID or a dotted version is never a candidate. The separator is
# captured once and required to stay the same (the backreference) so that a run of
# unrelated numbers ("12 2024-01 ...") does not glue into one. The first digit comes
# before the look-behind: `re` skips ahead much faster through a pattern that starts
# with a character class, faster still with ASCII digits (``digits.py``).
_CANDIDATE = DigitRegex(
    r"\d(?<![\w\-.]\d)\d{3}(?:([ \-]?)\d{2,6}(?:\1\d{1,7}){0,4})(?![\w\-]|\.\d)"
)

# Issuer identification ranges (prefix -> lengths), from the networks' published tables.
# A 16-digit id that passes Luhn by chance still has to start like a real card.
_RANGES: tuple[tuple[int, int, frozenset[int]], ...] = (
    (4, 4, frozenset({13, 16, 19})),  # Visa
    (51, 55, frozenset({16})),  # Mastercard
    (2221, 2720, frozenset({16})),  # Mastercard 2-series
    (34, 34, frozenset({15})),  # American Express
    (37, 37, frozenset({15})),
    (6011, 6011, frozenset({16, 17, 18, 19})),  # Discover
    (644, 649, frozenset({16, 17, 18, 19})),
    (65, 65, frozenset({16, 17, 18, 19})),
    (3528, 3589, frozenset({16, 17, 18, 19})),  # JCB
    (2131, 2131, frozenset({15})),  # JCB's 15-digit numbers (and 1800, under UATP's 1)
    (1, 1, frozenset({15})),  # UATP, the airlines' card
    (300, 305, frozenset({14, 15, 16, 17, 18, 19})),  # Diners Club
    (36, 36, frozenset({14, 15, 16, 17, 18, 19})),
    (38, 39, frozenset({14, 15, 16, 17, 18, 19})),  # 14 digits before Discover's network
    (62, 62, frozenset({16, 17, 18, 19})),  # UnionPay
    (50, 50, frozenset({12, 13, 14, 15, 16, 17, 18, 19})),  # Maestro
    (56, 58, frozenset({12, 13, 14, 15, 16, 17, 18, 19})),
    (67, 67, frozenset({12, 13, 14, 15, 16, 17, 18, 19})),
    (2200, 2204, frozenset({16, 17, 18, 19})),  # Mir
)

_CONTEXT_UP = wordset(
    "card cards credit debit visa mastercard amex american express discover jcb diners "
    "maestro unionpay cc pan payment paid pay cb carte tarjeta karte kreditkarte cvv expiry"
)
# Outside the issuer table a Luhn-valid number is a card only when the words just before it
# name a payment card, not merely a card or a credit: a brand, the card's security code or
# expiry, or a phrase ("read card number 3504 …", "n° de carte 0604 …"). "card" alone is
# also a SIM, gift or loyalty card, and "credit"/"debit" a credit note or a direct debit.
# The table lags behind issuers, and a leak holds what customers typed.
_CARD_CUE_WORDS = wordset(
    "visa mastercard amex discover jcb diners maestro unionpay cvv cvc expiry "
    "creditcard cardnumber kreditkarte kreditkartennummer kartennummer girokarte bankkarte "
    "kaartnummer"
)
_CARD_CUE_PHRASES = frozenset(
    tuple(phrase.split())
    for phrase in (
        "card number",
        "card no",
        "card nr",
        "card num",
        "credit card",
        "debit card",
        "bank card",
        "payment card",
        "de carte",
        "carte bancaire",
        "carte bleue",
        "tarjeta de crédito",
        "tarjeta de credito",
        "tarjeta de débito",
        "de tarjeta",
        "carta di credito",
        "numero carta",
        "karten nr",
    )
)
# Cards that are not payment cards: "SIM card number", "gift card no", "carte de fidélité",
# and field names such as "sim_card", "loyalty_card" or "card_id".
_NOT_PAYMENT = wordset("sim gift loyalty fidélité member membership library id ids identity iccid")
# An ICCID, the SIM's number, starts with 89 (telecommunications) and passes Luhn: never
# a payment card's prefix.
_ICCID_PREFIX = "89"
_CONTEXT_DOWN = wordset(
    "order invoice ticket ref reference serial sn build version id tracking case sku imei "
    "transaction txn confirmation account iban isbn ean upc uuid hash"
)
# "credit"/"debit" that name an accounting document or a bank transfer, not a card: a credit
# note or memo, a direct debit (its mandate reference is no card number).
_NOT_A_CARD_CREDIT = frozenset(
    {("credit", "note"), ("credit", "memo"), ("debit", "note"), ("debit", "memo")}
)
_DIRECT_DEBIT = ("direct", "debit")


# The ranges by prefix width, so each width's prefix is read once per number.
_BY_WIDTH = tuple(
    (width, tuple((low, high, lengths) for low, high, lengths in _RANGES if len(str(low)) == width))
    for width in sorted({len(str(low)) for low, _, _ in _RANGES})
)
# Luhn: what a digit in a doubled position adds.
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def issuer_matches(digits: str) -> bool:
    """True when the number starts in a known issuer range with a length that range uses."""
    n = len(digits)
    for width, ranges in _BY_WIDTH:
        prefix = int(digits[:width])
        for low, high, lengths in ranges:
            if low <= prefix <= high and n in lengths:
                return True
    return False


def luhn_valid(digits: str) -> bool:
    """The Luhn check (``stdnum.luhn.is_valid`` on digits) without its generic machinery.

    ASCII digits only, as stdnum: "４１１１…" in full-width digits is not a card here.
    """
    if not digits.isascii():
        return False
    total = sum(map(int, digits[-1::-2])) + sum(_DOUBLED[int(d)] for d in digits[-2::-2])
    return total % 10 == 0


class CardDetector(Detector):
    """CREDIT_CARD; normalized to its digits."""

    id: ClassVar[str] = "card"
    entities: ClassVar[frozenset[str]] = frozenset({ENTITY})
    # Twelve digits at least, each after a digit or one separator, at word boundaries
    # (the candidate's look-arounds refuse a word character on either side).
    gate: ClassVar[tuple[str, ...]] = (START + r"\d{4}(?:[ \-]?\d){8,}" + END,)
    min_digits: ClassVar[int] = 12
    numeric: ClassVar[bool] = True

    def find(self, text: str, field: Field) -> list[Span]:
        """Card numbers in ``text``."""
        spans: list[Span] = []
        for m in _CANDIDATE.finditer(text):
            sep = m.group(1)
            digits = m.group().replace(sep, "") if sep else m.group()
            if not 12 <= len(digits) <= 19:
                continue
            if not luhn_valid(digits):
                continue  # nine random numbers in ten fail it
            before = words_before(text, m.start())
            document = _document_not_card(before)
            up = near(before, _CONTEXT_UP) and not document
            if not issuer_matches(digits):
                # 16-digit ids that pass Luhn by chance mostly fall outside the table: a
                # number there is a card only when it is called one, by the words just
                # before it or by its field's name.
                if digits.startswith(_ICCID_PREFIX) or near(before, _NOT_PAYMENT):
                    continue
                if not (_called_a_card(before) or _card_field(field)):
                    continue
                if near(before[-2:], _CONTEXT_DOWN):
                    continue
                spans.append(Span(ENTITY, m.start(), m.end(), 0.75, digits))
                continue
            if sep:
                score = 0.8  # grouped the way cards are printed
            elif up or ENTITY in field.hints:
                score = 0.7
            else:
                # An unbroken digit string that nothing calls a card: most such strings
                # are ids, and about one random 16-digit id in twenty passes both tests.
                score = 0.4
            if up:
                score += 0.15
            elif document or near(before[-2:], _CONTEXT_DOWN):
                score -= 0.4
            spans.append(Span(ENTITY, m.start(), m.end(), clamp(score), digits))
        return spans


def _document_not_card(before: list[str]) -> bool:
    """True when the words before a number are a credit note, a debit memo or a direct
    debit, and no other word there calls it a card: the number is the document's."""
    pairs = set(itertools.pairwise(before))
    if pairs.isdisjoint(_NOT_A_CARD_CREDIT) and _DIRECT_DEBIT not in pairs:
        return False
    return not near([w for w in before if w not in ("credit", "debit")], _CONTEXT_UP)


def _called_a_card(before: list[str]) -> bool:
    """True when the words before a number name a payment card (a brand, "card number")."""
    if near(before, _CARD_CUE_WORDS):
        return True
    return any(
        tuple(before[i : i + len(phrase)]) == phrase
        for phrase in _CARD_CUE_PHRASES
        for i in range(len(before) - len(phrase) + 1)
    )


def _card_field(field: Field) -> bool:
    """True when a field's name calls its value a payment card: "card_number", not
    "card_id", "sim_card" or "loyalty_card" (nor "number" under "sim_card")."""
    if ENTITY not in field.hints:
        return False
    return _NOT_PAYMENT.isdisjoint(tokens(field.name)) and _NOT_PAYMENT.isdisjoint(
        tokens(field.parent)
    )
