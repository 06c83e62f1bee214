"""IBANs: country code, length for that country, the ISO 7064 mod-97 check and the
country's own checks (stdnum); a bank code missing from stdnum's registry lowers the score."""

from __future__ import annotations

import re
from enum import Enum
from functools import cache, lru_cache
from typing import Any, ClassVar

from stdnum import iban, numdb
from stdnum.es import ccc
from stdnum.exceptions import InvalidComponent, ValidationError
from stdnum.iso7064 import mod_97_10

from .base import Detector, Field, Span
from .context import clamp, near, words_before, wordset
from .gate import START

ENTITY = "IBAN_CODE"

# Two capital letters, two check digits, then 11 to 30 letters or digits, either
# optionally in groups of four split by single spaces (the printed form), or in groups of
# four split by dashes, as forms and spreadsheets print them ("DE89-3704-0044-…"). Upper
# case only: IBANs are printed that way, and lower case would swallow the words after one.
# The greedy spaced tail may still run into a following code ("… 00 BIC"); the prefix of
# the country's IBAN length is what gets validated. A dashed run is one token: its groups
# are all of four but the last, it is not glued to another dash or word character (the
# start of a longer dashed reference is not an IBAN), and it must be exactly the
# country's length; spaces and dashes are never mixed. Not glued to a preceding word
# character; the first letter comes before that look-behind because `re` skips ahead
# much faster through a pattern that starts with a character class.
_CANDIDATE = re.compile(
    r"[A-Z](?<!\w[A-Z])[A-Z]\d{2}"
    r"(?:(?: ?[A-Z0-9]){11,30}(?![a-z0-9])"
    r"|(?P<dashed>(?:-[A-Z0-9]{4}){2,7}(?:-[A-Z0-9]{1,3})?)(?![\w\-]))"
)
_CONTEXT_UP = wordset("iban bank account rib konto cuenta conto virement transfer sepa")


@cache
def _rules(country: str) -> tuple[int, re.Pattern[str] | None, Any]:
    """(IBAN length, BBAN structure, stdnum's national module) of a country; length 0 if
    it issues none.

    stdnum's ``iban.is_valid`` looks these up again for every number (a third of its
    20-60 µs); each country has one length and one structure, so they are looked up once.
    """
    listed = _listed_countries()
    if listed is not None and country[:2] not in listed:
        return 0, None, None
    info = numdb.get("iban").info(country)
    structure = info[0][1].get("bban", "") if info and info[0][1] else ""
    if not structure:
        return 0, None, None
    length = 4 + sum(int(n) for n in _STRUCTURE_PART.findall(structure))
    return length, iban._struct_to_re(structure), iban._get_cc_module(country)


@cache
def _listed_countries() -> frozenset[str] | None:
    """The country codes stdnum's IBAN registry lists, or None if it lists anything but
    single two-letter codes. Candidates start with any two capitals: a registry lookup
    costs ~65 µs, and a long run meets most of the 676 pairs once."""
    prefixes = numdb.get("iban").prefixes
    if any(length != 2 or low != high for length, low, high, _, _ in prefixes):
        return None
    return frozenset(low for _, low, _, _, _ in prefixes)


class IbanCheck(Enum):
    """What the checks say of a compact IBAN."""

    INVALID = 0
    VALID = 1
    # Every check holds, the country's own check digits too, but the bank code is missing
    # from the registry stdnum bundles: a bank newer than the registry, or a textbook
    # number ("BE68 5390 0754 7034").
    UNLISTED_BANK = 2


def check_iban(compact: str) -> IbanCheck:
    """``stdnum.iban.is_valid`` for a compact upper-case IBAN, with the per-country rules
    cached: the check digits (ISO 7064 mod 97-10), the BBAN structure, then the
    country's own check where stdnum has one (Spain's CCC, …), in stdnum's order; and
    ``UNLISTED_BANK`` where stdnum refuses only the bank code."""
    length, structure, module = _rules(compact[:2])
    if len(compact) != length or structure is None:
        return IbanCheck.INVALID
    if not mod_97_valid(compact[4:] + compact[:4]) or not structure.match(compact[4:]):
        return IbanCheck.INVALID
    if module is not None:
        try:
            _OWN_CHECK.get(compact[:2], module.validate)(compact)
        except InvalidComponent:
            # Checked again here, whatever stdnum's order of checks: the national check
            # digits hold and the bank code alone is unknown.
            unlisted = _UNLISTED_BANK.get(compact[:2])
            if unlisted is not None and unlisted(compact):
                return IbanCheck.UNLISTED_BANK
            return IbanCheck.INVALID
        except ValidationError:
            return IbanCheck.INVALID
    return IbanCheck.VALID


def is_valid_iban(compact: str) -> bool:
    """``stdnum.iban.is_valid`` for a compact upper-case IBAN (``check_iban`` is VALID)."""
    return check_iban(compact) is IbanCheck.VALID


@cache
def _belgian_bank_listed(code: str) -> bool:
    """True when stdnum's registry of Belgian bank codes (be/banks.dat) has ``code``."""
    return bool(numdb.get("be/banks").info(code)[0][1])


def _belgian_unlisted_bank(compact: str) -> bool:
    """True for a Belgian IBAN whose own check digits hold (the account's first ten
    digits mod 97, 97 for 0, are its last two) but whose bank code stdnum does not list."""
    bban = compact[4:]  # twelve digits: the BBAN structure was matched
    return (int(bban[:10]) % 97 or 97) == int(bban[10:]) and not _belgian_bank_listed(bban[:3])


def _spanish_account(compact: str) -> None:
    """``stdnum.es.iban.validate`` of an IBAN whose checks ``check_iban`` has made: the
    account's own (CCC) check digits. The module makes stdnum's IBAN checks again first,
    three quarters of its 70 µs; a test holds both to the same answers."""
    ccc.validate(compact[4:])


# A country's own check, where its stdnum module would repeat the IBAN checks first.
_OWN_CHECK = {"ES": _spanish_account}


# The countries whose stdnum module refuses a bank code missing from a registry it
# bundles (stdnum 2.2: Belgium only), each with its own check of such an IBAN.
_UNLISTED_BANK = {"BE": _belgian_unlisted_bank}


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


# Strings longer than this are not kept by the cache below: its 4,096 entries are keyed by
# whole values, so without a limit a worker reading long texts would keep 4,096 of them
# (gigabytes of 1 MB fields) long after their page. With it the cache holds at most
# 4,096 x 2,048 characters (32 MiB of 4-byte characters, 8 MiB of ASCII); a longer string is
# searched twice, a pass that costs little beside the detectors reading all of it.
CACHED_CHARS = 2048


def _candidates(text: str) -> tuple[tuple[int, int, str, bool], ...]:
    """(start, end, matched text, dashed) of each candidate in ``text``.

    The walk reads a string's IBAN countries (``countries_of``, for region.py), then
    the detector reads its IBANs: one regex pass serves both (~3 µs of the ~7 the pass
    costs on 800 characters of a support ticket). Holds the strings of a page or so (up to
    ``CACHED_CHARS`` long); ``clear_caches`` drops them.
    """
    if len(text) > CACHED_CHARS:
        return _find_candidates(text)
    return _cached_candidates(text)


@lru_cache(maxsize=4096)
def _cached_candidates(text: str) -> tuple[tuple[int, int, str, bool], ...]:
    return _find_candidates(text)


def _find_candidates(text: str) -> tuple[tuple[int, int, str, bool], ...]:
    return tuple(
        (m.start(), m.end(), m.group(), m.group("dashed") is not None)
        for m in _CANDIDATE.finditer(text)
    )


def countries_of(text: str) -> list[str]:
    """The countries of the IBANs in ``text``, checked by length and check digits only.

    What ``region.py`` asks of every string that may hold one: the check digits alone
    refuse all but one in 97 look-alikes, at a third of the cost of the full validation
    (the BBAN structure, a country's own check), which the detector still does.
    """
    countries: list[str] = []
    for _, _, raw, _ in _candidates(text):
        compact = raw.replace(" ", "").replace("-", "")
        n = _rules(compact[:2])[0]
        if n and n <= len(compact) and mod_97_valid(compact[4:n] + compact[:4]):
            countries.append(compact[:2])
    return countries


# A bank code missing from the registry costs little: a random string of the right shape
# passes the two independent mod-97 checks (the IBAN's, the account's) once in 9,409
# (97²), and a registry shipped with a library lags behind new banks. Lower than a listed
# bank's 0.9 (0.95 against 1.0 with a context word or a field hint; both cap at 1.0), yet
# above the scans' 0.5 threshold even in a field named like an id (less 0.3: 0.55 against
# 0.6), and above a card or phone number read over the same digits (0.8 and 0.75 at most
# without their context words).
_SCORE = {IbanCheck.VALID: 0.9, IbanCheck.UNLISTED_BANK: 0.85}


class IbanDetector(Detector):
    """IBAN_CODE; normalized to the compact upper-case form."""

    id: ClassVar[str] = "iban"
    entities: ClassVar[frozenset[str]] = frozenset({ENTITY})
    # The first fifteen characters of any spaced or compact candidate (country, check
    # digits, eleven more), or the first fourteen of a dashed one (country, check digits,
    # two groups), at a word's start as the look-behind wants.
    gate: ClassVar[tuple[str, ...]] = (
        START + r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11}",
        START + r"[A-Z]{2}\d{2}(?:-[A-Z0-9]{4}){2}",
    )
    min_digits: ClassVar[int] = 8

    def clear_caches(self) -> None:
        """Forget the candidates of the strings read recently."""
        _cached_candidates.cache_clear()

    def find(self, text: str, field: Field) -> list[Span]:
        """IBANs in ``text``."""
        spans: list[Span] = []
        for start, stop, raw, dashed in _candidates(text):
            compact = raw.replace("-", "") if dashed else raw.replace(" ", "")
            n = _rules(compact[:2])[0]
            if not n or n > len(compact) or (dashed and n != len(compact)):
                continue
            check = check_iban(compact[:n])
            if check is IbanCheck.INVALID:
                continue
            if dashed:
                end = stop  # the whole run: its length is the country's
            elif len(compact) == len(raw):
                end = start + n
            else:  # after the n-th character that is not a space
                end = start + [i for i, ch in enumerate(raw) if ch != " "][n - 1] + 1
            score = _SCORE[check]
            if near(words_before(text, start), _CONTEXT_UP):
                score += 0.1
            spans.append(Span(ENTITY, start, end, clamp(score), compact[:n]))
        return spans
