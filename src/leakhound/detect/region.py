"""Which countries a document points at: where a phone number without its country code is read.

The walk (``scan.py``) gives each string of a document to one ``Regions``, which keeps
votes: a country or locale field counts most, then a country named in an address field,
another phone's country code, an IBAN's country, an e-mail's country-code domain. Each
look is cheap (a field's name is known before its value is read; the value is searched
only when it holds an "@", a "+" or "00", or enough digits for an IBAN), so the walk pays
a few microseconds for a document and nothing is read twice.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, SUPPORTED_REGIONS

from .base import NO_CONTEXT, Context, Field
from .iban import IbanDetector, countries_of

# Strings with fewer digits hold no IBAN (the IBAN detector's own bound).
IBAN_DIGITS = IbanDetector.min_digits

# How much each kind of evidence counts.
FIELD_WEIGHT = 8.0  # "country": "FR", "locale": "fr_FR"
ADDRESS_WEIGHT = 6.0  # "address": "… 69002 Lyon, France"
PHONE_WEIGHT = 4.0  # "+33 6 …" elsewhere in the document
IBAN_WEIGHT = 3.0  # "FR76 3000 …"
EMAIL_WEIGHT = 2.0  # "…@orange.fr"

# Country-code domains that are sold as generic names (.co, .io, .me, .tv…) say nothing
# about where the writer lives.
_GENERIC_CCTLDS = frozenset(
    {
        *("ac", "ad", "ai", "as", "bz", "cc", "cd", "cm", "co", "fm", "gg", "gl", "gs", "im"),
        *("io", "is", "la", "ly", "me", "ms", "mu", "nu", "sc", "sh", "so", "st", "su", "tk"),
        *("tm", "to", "tv", "vc", "ws"),
    }
)
# An e-mail's domain ends in a two-letter label: the country code (".fr", ".co.uk").
_EMAIL_TLD = re.compile(r"@[\w\-]+(?:\.[\w\-]+)*\.([A-Za-z]{2})(?![\w\-])")
# "+33", "+44 (0)", "0049": an international prefix and the digits that follow it. The
# prefix must not glue onto a word or a longer number ("v1+2", "2000").
_PLUS = re.compile(r"\+[ \u00a0]?\(?(\d{1,3})\)?[ \u00a0\-.]?\(?\d")
_DOUBLE_ZERO = re.compile(r"00[ \u00a0\-]?(\d{1,3})[ \u00a0\-.]?\(?\d")
# Locale and language tags: "fr_FR", "en-GB", "de".
_LOCALE = re.compile(r"([a-z]{2,3})(?:[_\-]([A-Za-z]{2}))?(?:[.@].*)?")
# A language alone points at its main country (English at none: the US, the UK…).
_LANGUAGE_REGION = {"fr": "FR", "de": "DE", "nl": "NL", "es": "ES", "it": "IT", "pt": "PT"}
# Country names as support data writes them: English, and each country's own.
_COUNTRY_NAMES = {
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "u.s.a.": "US",
    "u.s.": "US",
    "america": "US",
    "united kingdom": "GB",
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "france": "FR",
    "germany": "DE",
    "deutschland": "DE",
    "allemagne": "DE",
    "spain": "ES",
    "españa": "ES",
    "espana": "ES",
    "espagne": "ES",
    "italy": "IT",
    "italia": "IT",
    "italie": "IT",
    "netherlands": "NL",
    "the netherlands": "NL",
    "nederland": "NL",
    "holland": "NL",
    "pays-bas": "NL",
    "belgium": "BE",
    "belgique": "BE",
    "belgië": "BE",
    "switzerland": "CH",
    "suisse": "CH",
    "schweiz": "CH",
    "svizzera": "CH",
    "austria": "AT",
    "österreich": "AT",
    "ireland": "IE",
    "portugal": "PT",
    "luxembourg": "LU",
    "canada": "CA",
}
# The last part of an address: "…, Lyon, France", "… 1012 AB Amsterdam Netherlands".
_ADDRESS_TAIL = re.compile(r"([^\W\d_][^\W\d_ .\-']*(?:[ .\-'][^\W\d_]+)*\.?)\W*$")


@cache
def _region_of_code(code: str) -> str | None:
    """The region of a country code ("33" -> "FR"), None when it names none or several
    that are not one country's (+1 is the US: the NANP's first region)."""
    regions = COUNTRY_CODE_TO_REGION_CODE.get(int(code))
    if not regions or regions[0] == "001":
        return None
    return regions[0]


def _calling_region(digits: str) -> str | None:
    """The region of the country code at the start of ``digits`` (1 to 3 digits long)."""
    for size in (1, 2, 3):
        if len(digits) >= size and int(digits[:size]) in COUNTRY_CODE_TO_REGION_CODE:
            return _region_of_code(digits[:size])
    return None


def region_named(value: str) -> str | None:
    """The country a short value names: "FR", "fr_FR", "en-GB", "France", "Deutschland"."""
    v = value.strip()
    if not v or len(v) > 60:
        return None
    upper = v.upper()
    if len(v) == 2 and upper in SUPPORTED_REGIONS:
        return "GB" if upper == "UK" else upper
    folded = v.casefold()
    named = _COUNTRY_NAMES.get(folded)
    if named is not None:
        return named
    m = _LOCALE.fullmatch(v)
    if m is not None:
        if m.group(2):
            region = m.group(2).upper()
            return region if region in SUPPORTED_REGIONS else None
        return _LANGUAGE_REGION.get(m.group(1).lower())
    return None


def address_region(value: str) -> str | None:
    """The country named at the end of an address ("… 69002 Lyon, France")."""
    m = _ADDRESS_TAIL.search(value)
    if m is None:
        return None
    words = m.group(1).casefold().split()
    for n in (3, 2, 1):  # "united states of america" … "france"
        if len(words) >= n:
            named = _COUNTRY_NAMES.get(" ".join(words[-n:]))
            if named is not None:
                return named
    return None


class Regions:
    """Votes for the countries one document points at, as its strings are walked."""

    __slots__ = ("other", "votes")

    def __init__(self) -> None:
        self.votes: dict[str, float] = {}
        self.other: set[str] = set()  # regions something other than a phone points at

    def _vote(self, region: str | None, weight: float, by_phone: bool = False) -> None:
        if region is not None:
            self.votes[region] = self.votes.get(region, 0.0) + weight
            if not by_phone:
                self.other.add(region)

    def read(self, value: str, field: Field, iban: bool = True) -> None:
        """Take what one string value says (``iban``: it may hold an IBAN, as far as the
        caller knows: scan.py asks its Hyperscan gates, in the pass it makes anyway)."""
        if field.place:
            if field.place == "address":
                self._vote(address_region(value), ADDRESS_WEIGHT)
            else:
                self._vote(region_named(value), FIELD_WEIGHT)
        if "@" in value:
            for m in _EMAIL_TLD.finditer(value):
                tld = m.group(1).lower()
                if tld not in _GENERIC_CCTLDS:
                    self._vote("GB" if tld == "uk" else tld.upper(), EMAIL_WEIGHT)
        if "+" in value:
            for m in _PLUS.finditer(value):
                self._vote(_calling_region(m.group(1)), PHONE_WEIGHT, by_phone=True)
        if "00" in value:
            for m in _DOUBLE_ZERO.finditer(value):
                if m.start() == 0 or not value[m.start() - 1].isalnum():
                    self._vote(_calling_region(m.group(1)), PHONE_WEIGHT, by_phone=True)
        if iban:
            for country in countries_of(value):
                self._vote(country, IBAN_WEIGHT)

    def context(self) -> Context:
        """The document's context: regions by votes, ties in the order first met."""
        if not self.votes:
            return NO_CONTEXT
        ranked = sorted(self.votes, key=self.votes.__getitem__, reverse=True)
        regions = tuple(r for r in ranked if r in SUPPORTED_REGIONS)
        return _context(regions, frozenset(r for r in regions if r not in self.other))


# Bounded: a document may rank any countries in any order, so the distinct answers grow
# with the documents read (1,630 in 400,000 of the lab's support cases, and without limit in
# a store written to defeat it). An answer evicted and made again compares and hashes as the
# old one did, so memo keys (scan.py) stay the same.
@lru_cache(maxsize=4096)
def _context(regions: tuple[str, ...], by_phone: frozenset[str] = frozenset()) -> Context:
    # One Context object per distinct answer, recently met: they are compared and hashed in
    # memo keys.
    return Context(regions, by_phone)
