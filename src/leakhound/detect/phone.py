"""Phone numbers, international and national (US, UK, FR, DE, ES, IT, NL), via phonenumbers.

A candidate window holding one number is parsed for each plausible region and checked
with ``is_valid_number``; a window with more digits than any number has goes through
``PhoneNumberMatcher`` (leniency VALID), which finds the numbers inside it. Dates, clock
times, IP addresses, ids after "order"/"#" and bare digit strings with nothing saying
"phone" are refused before phonenumbers is asked, because asking costs 30-60 µs. A
number glued to a word is read when the word says "phone" ("Tel:+44 20 7183 8750",
"mobile07911123456") and read whole, never from the middle of a run: the national part
of "Tel:+44 20 …" alone would be another number, or another country's.

A number written without its country code is read first in the countries its document
points at (``Context.regions``: a country field, an address, an e-mail's domain, an
IBAN, another phone; ``region.py``), and scores higher there than when its country is
only guessed from the digits and their grouping. Where only other phones point at a
country, a number grouped as another country prints it, with that country's trunk "0",
is that country's ("+49 30 12345678 06 12 34 56 78" holds a French number), unless its
first group is as the phones' country prints it ("06 12 34 56 78" after "+31 20 123 4567"
is the Dutch mobile 06 12345678).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache
from itertools import pairwise
from typing import Any, ClassVar

import phonenumbers
from phonenumbers import (
    COUNTRY_CODE_TO_REGION_CODE,
    Leniency,
    PhoneMetadata,
    PhoneNumber,
    PhoneNumberFormat,
    PhoneNumberMatcher,
)

from .base import NO_CONTEXT, VALUE_CACHE_ENTRIES, Context, Detector, Field, Span
from .context import clamp, words_before, wordset
from .digits import DigitRegex

ENTITY = "PHONE_NUMBER"
# A field whose name says coordinates ("customer_lat", "geo.lon", "latitude"): a value that
# is one signed decimal there is a degree, however it reads as a national number ("50.82709"
# in a German customer's record is a valid number of Wesseling's area, and its latitude).
_GEO = "GEO_COORDINATES"
_DEGREES = re.compile(r"\s*[+\-]?\d{1,3}\.\d+\s*")

# A run that could hold a phone number: an optional "+" and/or "(", then digits with the
# separators people type (space, NBSP, dot, dash, slash, parentheses), ending on a digit.
# A digit or "(" must not follow a digit or one of "_+-./:", so the middle of longer ids,
# the seconds of "09:53:24.679590" and "v10.0.1" never start one; a "(" may follow ":" or
# "/" ("Tel:(415) …"). A run may also start glued to a word of three letters or more
# (every word saying "phone" has), straight or through one "." or ":" or "-"
# ("mobile07911123456", "Tel:07700…", "Fax-06 12 …", "Zeta12345678"), to any word
# through ":" or ".:" (the labels "M:07700…", "ph:020…", "Tel.:030…"), and a "+" after
# anything ("call+1…", "Tel:+44…", "users/+44…/", "1+1"): ``_candidates`` keeps those it
# should (a run glued by a "-" to a word saying nothing is read as before). Two letters
# or fewer straight before never start one ("KB5034441", "0x80070005", an IBAN's "FR76
# …"), so the most common glued runs cost nothing more. A run may end before an extension
# ("…0123x45", "…0123 ext 45"), which is not part of the number, but not before the next
# group of a UUID ("08275746-6499-4b5c-9156-…" is no +49 8275 7466499). A run has no
# longest: one longer than two numbers and what is between them is read number by number
# (``_split_long``), not cut where a cap falls, in the middle of a number. The first
# character comes before the look-behinds because `re` scans much faster for a pattern
# that starts with a character class, faster still with ASCII digits (``digits.py``);
# the usual refusal (a digit before) is tried first.
_CANDIDATE = DigitRegex(
    r"[+(\d](?<![\d_+][(\d])(?:(?<!-[(\d])|(?<=[^\W\d_]{3}-[(\d]))"
    r"(?:(?<=\+)|(?<![\w./:].)|(?<=[:/]\()"
    r"|(?<=[^\W\d_]{3}.)|(?<=[^\W\d_]{3}[.:].)|(?<=[^\W\d_]:.)|(?<=[^\W\d_]\.:.))"
    r"(?:(?<=\+)\(?\d|(?<=\()\d|(?<=\d))"
    r"[\d \t\u00a0().\-/]{5,}\d(?!(?!x\d|ext)\w|-[0-9a-fA-F]{4}-)"
)
# What may stand between a word and a run glued to it ("Tel.0612…", "Tel:0612…",
# "Tel.:0612…", "Fax-0612…").
_GLUE = ".:-"
# The longest word ``_glued_word`` reads before a run: longer than any word saying "phone".
_LONGEST_GLUED_WORD = 20
# A country code and a separator: "+33 6…", "+1-202…", "+44 (0)20…". Ids, digests and
# Base64 (whose alphabet holds "+" and "/") do not put a space, dot, dash or bracket after
# a "+" and three digits at most. Not after a digit: a sum, or a version's build
# ("3.5.26+352.30676427").
_SPACED_CODE = re.compile(r"\+\d{1,3}[ \t\u00a0().\-]")
# Everything but digits: counting them, and the compact form of a window.
_NON_DIGIT = re.compile(r"\D")
# A calendar date inside the run ("2024-03-05 10", "05/03/2024", the US "02/13/2014"):
# phonenumbers sees only the window, not the ":22:01" after it, so dates are refused here.
# Not followed by another separator and digit, so "06.12.34.56.78" stays a French number.
_DATE = re.compile(
    r"(?<![\d.\-/])(?:(?:19|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)?\d\d"
    r"|(?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:19|20)?\d\d)(?![-/.]?\d)"
)
# A date written with spaces and a four-digit year, day, month or year first ("03 09
# 2028", "9 3 2028", "2028 09 03"): no country groups a number of 7 or 8 digits so, and
# Germany's plan reads most of them ("03 09 2028" as +49 30 92028).
_SPACED_DATE = re.compile(
    r"(?:(?:0?[1-9]|[12]\d|3[01])[ \u00a0](?:0?[1-9]|1[0-2])"
    r"|(?:0?[1-9]|1[0-2])[ \u00a0](?:0?[1-9]|[12]\d|3[01]))[ \u00a0](?:19|20)\d\d"
    r"|(?:19|20)\d\d[ \u00a0](?:0?[1-9]|1[0-2])[ \u00a0](?:0?[1-9]|[12]\d|3[01])"
)
# A date written with spaces at the start of a run, a space after it.
_LEADING_SPACED_DATE = re.compile(rf"(?:{_SPACED_DATE.pattern})(?=[ \t\u00a0])")
# A date that is a group of its own in a run, spaces or the run's ends around it: the
# date at the start of "2028-09-03 06 12 34 56 78", the end of "020 7946 0958 12.03.2019",
# the middle of "020 7946 0958 12.03.2019 06 12 34 56 78" (``_undated``). A date written
# with spaces only first or last: inside a run its groups may be a number's.
_RUN_DATE = re.compile(
    rf"(?<![^ \t\u00a0])(?:{_DATE.pattern}|^(?:{_SPACED_DATE.pattern})(?=[ \t\u00a0])"
    rf"|(?:{_SPACED_DATE.pattern})$)(?![^ \t\u00a0])"
)
# A clock's hour ending a run, its minutes after it ("Tue Mar 05 2024 10:22:01", "… 06 12
# 34 56 78 10:30"): the hour is no digit of a number, and a run that is a year beside it
# ("05 2024 10", "2014 01 19 10") is a date with its month's name or spaces, not a number.
_HOUR = re.compile(r"[ \t\u00a0](?:[01]?\d|2[0-3])$")
_MINUTES = re.compile(r":[0-5]\d")
_YEAR = re.compile(r"(?:19|20)\d\d")
# Shapes no country in our list groups a phone number into, and that cost a parse per
# region to refuse: the US SSN (078-05-1120) and the Amex card (3714 496353 98431).
_NOT_PHONE_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}|\d{4}([ \-])\d{6}\1\d{5}")
# Digits in groups of four with one kind of separator, the last group maybe shorter.
_IN_FOURS = re.compile(r"\d{4}(?:([ \-.])\d{4})(?:\1\d{4})*(?:\1\d{1,4})?")
# A hyphen between two digits, where two numbers may be joined (``_split_joined``).
_JOIN = re.compile(r"(?<=\d)-(?=\d)")
# All of a stretch of text, as a match.
_WHOLE = re.compile(r".+", re.DOTALL)
# The mobile numbers Ofcom keeps for drama (07700 900000 to 900999) as the UK writes them:
# "07700 900123", "07700900123", "07700-900123", "07700 900 123", "(07700) 900123". Not
# "0770 0900123" (a German grouping), nor the rest of the 07 block: the UK refuses ranges it
# has not given out there that are German area codes ("07621 123456" is Lörrach).
_UK_07 = re.compile(r"\(?07700\)?[ \u00a0\-]?900[ \u00a0\-]?\d{3}")
# Runs of digits, to compare how a number is grouped with how its country groups it.
_DIGIT_RUN = re.compile(r"\d+")
# "(415) 555-0123", "1 (415) 555-0123": the North American way, area code in brackets.
_NANP_SHAPE = re.compile(r"(?:1[ \-]?)?\(\d{3}\)[ \-]?\d{3}[ \-.]\d{4}$")
# "415 555 0123": the North American grouping with spaces, an area code and an exchange
# that do not start with "0" or "1". A stretch of a long run with nothing saying "phone"
# is read when so grouped, as the tokens "415-555-0123" are: a row of figures is of one
# width ("120 340 560 780", "1024 2048 4096"), not three, then four digits, or else goes on
# in figures of those widths before and after the stretch ("256 512 1024 2048";
# ``_split_long``).
_NANP_SPACED = re.compile(r"[2-9]\d\d[ \t\u00a0][2-9]\d\d[ \t\u00a0]\d{4}")
# A group of four digits: a row of figures going on after a stretch so grouped.
_FOUR_DIGITS = re.compile(r"\d{4}")
# 81.2.69.160: an IPv4 address is ip.py's, though some read as valid phone numbers. Only
# octets up to 255: "616.03.34.52" is how Spain dots a mobile number.
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_DOTTED_QUAD = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}")
# What ends the numbers of a run as a date does (``_undated``): a date (``_RUN_DATE``) or an
# IPv4 address that is a group of its own ("0612345678 192.168.1.10" is no +49 612345678192
# and +49 168110). Not dotted groups straight after an international prefix, "+" or "00"
# and a country code ("+34 91.123.45.67", "0032 2.250.12.12"): that is how Spain and
# Belgium write their numbers, and ip.py gives way to them (``_AFTER_COUNTRY_CODE`` there).
# A part over 255 ("+32 2.555.12.12") or with a leading zero ("02.555.12.12") is no quad.
_RUN_BREAK = re.compile(
    rf"{_RUN_DATE.pattern}|(?<![^ \t\u00a0])(?<!\+\d[ \t\u00a0])(?<!\+\d\d[ \t\u00a0])"
    rf"(?<!\+\d\d\d[ \t\u00a0])(?<!(?<![^ \t\u00a0])00[1-9][ \t\u00a0])"
    rf"(?<!(?<![^ \t\u00a0])00[1-9]\d[ \t\u00a0])(?<!(?<![^ \t\u00a0])00[1-9]\d\d[ \t\u00a0])"
    rf"{_DOTTED_QUAD.pattern}(?![^ \t\u00a0])"
)
# An unbroken digit string: ids, timestamps and phone numbers look the same.
_BARE = re.compile(r"\+?\d+")
# Groups of two digits, the first not a trunk "0" ("63 15 43 75 72", "63.15.43.75.72"):
# how France prints a number, "0" first, with spaces or dots, and no country in our list
# prints one otherwise so. A window so written reads only as a number its country prints
# so (``_numbers_in``; Denmark's "32 12 34 56" in a Danish document), never grouped
# otherwise: not "tel 63 15 43 75 72" nor "63.15.43.75.72" as the North American +1 631
# 543 7572, nor a row of two-digit figures after a cue ("tel 82 18 42 25 73 11 94 …") as 8
# North American or Italian numbers in 60 groups.
_PAIRS_WITHOUT_TRUNK = re.compile(r"[1-9]\d(?:[ \t\u00a0.]\d\d)+")

# Regions tried for numbers written without a country code, in the order that makes the
# most likely reading win when several countries accept the same digits.
_LEADING_ZERO_11 = ("GB", "DE", "IT", "NL", "FR")  # 0 + 10 digits: UK's usual shape
_LEADING_ZERO_10 = ("FR", "NL", "DE", "IT", "GB")  # 0 + 9 digits: FR, NL
_LEADING_ZERO = ("DE", "IT", "GB", "FR", "NL")
_NO_TRUNK = ("US", "ES", "IT")  # NANP, Spain, Italian mobiles have no trunk "0"

# Digits a national number has in each region (trunk "0" included): regions that cannot
# hold this many digits are not asked.
_NATIONAL_LENGTHS = {
    "US": frozenset({10, 11}),
    "GB": frozenset({10, 11}),
    "FR": frozenset({10}),
    "NL": frozenset({10}),
    "ES": frozenset({9}),
    "IT": frozenset(range(6, 12)),
    "DE": frozenset(range(5, 15)),
}

# Regions whose trunk prefix is a "0" that parse() drops and nothing else: a national
# number there is the digits after that "0".
_TRUNK_ZERO = frozenset({"GB", "DE", "FR", "NL"})
_CC = {region: phonenumbers.country_code_for_region(region) for region in _NATIONAL_LENGTHS}

_MAX_WINDOWS = 32  # phonenumbers costs ~60 µs a try: bound the work on digit-heavy text

# Words saying "phone" just before a number, in the seven locales' languages: what people
# write before their own number ("call me on", "joignable au", "erreichbar unter",
# "llámenme al", "chiamatemi al", "bereikbaar op").
_CONTEXT_UP = wordset(
    # English
    "phone tel telephone call calls called calling mobile cell cellphone fax whatsapp sms "
    "text texted ring dial number contact reach line landline direct "
    # French
    "téléphone tél portable joindre joignable appeler appelez rappeler rappelez numéro fixe "
    # German
    "telefon handy handynummer mobil mobilnummer telefonnummer rufnummer festnetz anrufen "
    "erreichen erreichbar zurückrufen rückruf rufen "
    # Spanish
    "teléfono telefono tlf tfno móvil movil llamar llamarme llámenme llámeme llame número "
    "celular fijo "
    # Italian
    "cellulare cell chiamare chiamarmi chiamatemi richiamarmi richiamatemi numero "
    "raggiungibile telefonare "
    # Dutch
    "telefoon telefoonnummer mobiel mobiele nummer bellen bel bereiken bereikbaar "
    "terugbellen telefone gsm"
)
# Words saying "an id" just before a run of digits: order, invoice, serial, licence…
_CONTEXT_DOWN = wordset(
    "order invoice ticket ref reference serial sn build version ver kb id no tracking case "
    "sku part model po transaction txn confirmation account iban bic swift isbn ean upc "
    "imei error code hresult pid port epoch timestamp ts crc hash checksum patch release "
    "licence license key "
    # French
    "commande facture série serie licence référence réf dossier clé "
    # German
    "bestellung bestellnummer rechnung rechnungsnummer seriennummer lizenz lizenzschlüssel "
    "auftrag auftragsnummer kundennummer vorgang "
    # Spanish
    "pedido factura licencia referencia versión "
    # Italian
    "ordine fattura licenza riferimento versione pratica "
    # Dutch
    "bestelling bestelnummer factuur serienummer licentie referentie versie"
)

# How a number's country was read, and what each way scores: written with its country
# code; written nationally, in a country the document points at; written nationally,
# the country guessed from the digits alone.
_INTERNATIONAL, _IN_CONTEXT, _GUESSED = 0, 1, 2
_SCORES = (0.75, 0.65, 0.55)
# The document's countries tried before the usual order: a document rarely points at
# more than two, and each costs a parse.
_PREFERRED = 2
# Those countries as the window readers take them, each with whether only other phones
# point at it (``Context.by_phone``; ``_numbers_in``): one hashable key of their caches.
Preferred = tuple[tuple[str, bool], ...]


class PhoneDetector(Detector):
    """PHONE_NUMBER; normalized to E.164 ("+33612345678")."""

    id: ClassVar[str] = "phone"
    entities: ClassVar[frozenset[str]] = frozenset({ENTITY})
    numeric: ClassVar[bool] = True
    min_digits: ClassVar[int] = 7

    def clear_caches(self) -> None:
        """Forget the windows of digits read recently."""
        _numbers_in.cache_clear()

    contextual: ClassVar[bool] = True

    def find(self, text: str, field: Field) -> list[Span]:
        """Phone numbers in ``text``, national ones read in the usual countries."""
        return self.find_in(text, field, NO_CONTEXT)

    def find_in(self, text: str, field: Field, context: Context) -> list[Span]:
        """Phone numbers in ``text``, national ones read first in the document's countries."""
        hinted = ENTITY in field.hints
        if not hinted and _GEO in field.hints and _DEGREES.fullmatch(text):
            return []
        prefer = tuple((r, r in context.by_phone) for r in context.regions[:_PREFERRED])
        spans: list[Span] = []
        label_end = -2  # where the last run after a label ended: a number joined to it by
        # a hyphen ("M: 0612345678-0698765432") is under the same label
        for tries, (m, run, whole) in enumerate(_candidates(text, hinted, prefer)):
            if tries >= _MAX_WINDOWS:
                break
            window = m.group()
            # The words before first: a third of the windows follow one saying "an id"
            # (versions, order numbers), and reading them costs less than the number. A
            # number in a long run of them is under the words before the run, as all were
            # when the run was read as one window.
            if _labelled(text, run) or (m.start() - 1 == label_end and text[label_end] == "-"):
                cue, label_end = 1, m.end()
            else:
                cue = _nearest_cue(words_before(text, run))
            up = cue > 0
            bare = False
            if not (hinted or up):
                if cue < 0 or _after_hash(text, run):
                    continue  # "order 0612345678", "#4155550123": an id
                # An unbroken digit string with nothing saying "phone", unless it is
                # written as the document's country writes its numbers, trunk "0" first
                # ("0612345678" in a French customer's record); not one of a run of them.
                bare = (
                    whole
                    and window[0] != "+"
                    and not window.startswith("00")
                    and _BARE.fullmatch(window) is not None
                )
                if bare and window[0] != "0":
                    continue
                if (
                    not whole
                    and window[0] not in "+(0"
                    and (_BARE.fullmatch(window) or any(c in _SPACES for c in window))
                    and not _NANP_SPACED.fullmatch(window)
                ):
                    # A number of a long run with nothing saying "phone" is written with
                    # its country code or trunk "0", in one token ("415-555-0123") or as
                    # North America groups it ("415 555 0123", ``_NANP_SPACED``): a
                    # row of figures ("120 340 560 780", "sizes 1024 2048 4096 8192
                    # 16384") holds stretches that read as Spanish or Italian numbers,
                    # as unbroken ids do (``bare``).
                    continue
            numbers = _numbers_in(window, hinted, prefer)
            if not numbers or (bare and numbers[0][4] != _IN_CONTEXT):
                continue
            for start, end, e164, _, how in numbers:
                score = _SCORES[how]
                if up:
                    score += 0.15
                spans.append(Span(ENTITY, m.start() + start, m.start() + end, clamp(score), e164))
        return spans


def _candidates(
    text: str, hinted: bool, prefer: Preferred = ()
) -> Iterator[tuple[re.Match[str], int, bool]]:
    """The runs of ``text`` that could hold a phone number (``_CANDIDATE``), each with where
    the run it was read in starts and whether it is all of it (``_split_long``).

    A run glued to something before it is kept when the field says "phone" (``hinted``),
    when the word it is glued to does ("mobile07911123456", "Tel.0612…", "call+1577…"),
    or when it is a "+", a country code and a separator after anything but a digit ("a+33
    6 12 34 56 78"), which no id is written as. Any other glued run ("KB5034441
    0612345678", "abc+15774047737") is not, and the runs inside it are read as the
    candidate pattern would read them without it, so that a number after it is still
    found and none is read from the middle of it; but nothing is read in a "+", country
    code and separator after a digit ("2+33 6 12 34 56 78"), whose national part alone
    would be another country's number.
    A run of numbers joined by hyphens ("0612345678-0698765432") is read as its numbers
    (``_split_joined``), and a "+" after a hyphen after a number as the next one
    ("+33612345678-+33698765432", ``_joined_plus``); a run with a date as one of its groups
    is read around it ("020 7946 0958 12.03.2019", ``_undated``). A
    run followed by a clock's minutes loses its hour (``_HOUR``), or is dropped when what
    is left is a date. A run longer than two numbers and what is between them is read
    number by number (``_split_long``; ``prefer``: the document's countries).
    """
    candidate = _CANDIDATE.for_text(text)  # once: choosing reads the whole text
    tries = [_LONG_RUN_TRIES, _LONG_RUN_STEPS]  # shared by the long runs: bounded work
    for m in _undated(text, candidate, _split_joined(text, _unglued(text, hinted, candidate))):
        hour = _HOUR.search(m.group()) if _MINUTES.match(text, m.end()) else None
        if hour is None:
            yield from _read_run(text, m, hinted, prefer, tries)
            continue
        groups = _DIGIT_RUN.findall(m.group(), 0, hour.start())
        if _YEAR.fullmatch(groups[0]) or _YEAR.fullmatch(groups[-1]):
            continue  # a date and time
        for before in candidate.finditer(text, m.start(), m.start() + hour.start()):
            yield from _read_run(text, before, hinted, prefer, tries)


def _read_run(
    text: str, m: re.Match[str], hinted: bool, prefer: Preferred, tries: list[int]
) -> Iterator[tuple[re.Match[str], int, bool]]:
    """The run ``m`` as one window, or the numbers split from it (``_split_long``). The cue
    before a long run is decided first (``_run_cue``), as ``find_in`` decides it for each of
    its windows: a run after a word saying "an id" spends none of the text's ``tries``, and
    one with no cue only on the stretches ``find_in`` may keep. A run of one number's worth
    of digits (``one``) is one of find_in's windows whatever it holds, as it was before it
    could be split: yielded whole when refused or when no number is split from it, so that
    find_in's bound on windows counts it (``_reads_whole``)."""
    run = m.group()
    chars = len(run) - run.count(" ")
    if chars <= _MOST_DIGITS and (
        chars <= PhoneDetector.min_digits
        or not any(c in run for c in _SPACES)
        or _reads_whole(run, hinted, prefer)  # find_in reads it next, from the cache
    ):  # most runs: one group, too few digits to split, or a number; no need for the cue
        yield m, m.start(), True
        return
    one = chars <= _MOST_DIGITS or (
        len(run) <= _LONG_RUN and len(_NON_DIGIT.sub("", run)) <= _MOST_DIGITS
    )
    cue = _run_cue(text, m.start(), hinted)
    if cue < 0:
        if one:
            yield m, m.start(), True  # find_in refuses it
        return  # "order 12 34 56 …": find_in refuses each of its windows
    if _read_whole(m, hinted, prefer, tries):
        yield m, m.start(), True
        return
    split = False
    for number in _split_long(text, m, hinted, prefer, tries, cue > 0):
        split = True
        yield number
    if one and not split:
        yield m, m.start(), True  # read whole again, from the cache: none


def _run_cue(text: str, start: int, hinted: bool) -> int:
    """What ``find_in`` decides from the words before the run at ``start``, for every window
    of it: 1 when they are read as numbers after a word saying "phone" (or the field says
    so), -1 when they are refused as ids ("order", "#"), 0 when nothing says either. A run
    after a hyphen may be under a label before it (``find_in``'s ``label_end``): 1."""
    if hinted or (start and text[start - 1] == "-") or _labelled(text, start):
        return 1
    cue = _nearest_cue(words_before(text, start))
    if cue == 0 and _after_hash(text, start):
        return -1
    return cue


# The longest run read whole, as one window: two numbers and what is between them
# ("06 12 34 56 78 12.03.2019 06 98 76 54 32" and a little more), which the matcher
# splits (``_matched``). A longer run is read a number at a time (``_split_long``).
_LONG_RUN = 42
# The windows ``_split_long`` may ask phonenumbers about in one text: a long run of digit
# groups that hold no number ("1 2 3 4 …" over a megabyte) costs no more than this.
_LONG_RUN_TRIES = 4 * _MAX_WINDOWS
# The groups ``_split_long`` may pass in one text: reading none costs little, but not
# nothing ("1 2 3 4 …" over a megabyte, in which no stretch is read).
_LONG_RUN_STEPS = 16 * _LONG_RUN_TRIES
# The most windows one long run may ask about, and groups it may pass, since it last found
# a number or went on after junk; never more than a quarter of what the text has left
# (``_share``): four runs of junk figures spent all of the text's reads, and the numbers in a
# run after them were lost. Spent, the run goes on at its next group a number may start ("0",
# "+", "("; ``_after_junk``) with a new share: ten groups of junk before a number in the same
# run lost it.
_RUN_TRIES = _MAX_WINDOWS
_RUN_STEPS = 4 * _MAX_WINDOWS
# The most groups of digits a number is printed in: a "+", its country code and five
# groups (France, Sweden, Luxembourg; a test holds it to phonenumbers' formats). A longer
# stretch with a group of one digit is not grouped as printed, nor in groups of two digits
# or more (``_plain_groups``): no reading of it is kept, and none is asked for.
_MOST_GROUPS = 6
# The most digits a number has (E.164), and the most a window is read for: two numbers.
_MOST_DIGITS = 15
_MOST_READ = 32
# A group of a run: what spaces stand between.
_RUN_GROUP = re.compile(r"[^ \t\u00a0]+")
# Where a number may start in a group: its "+", first bracket or digit ("+33 6 …", "(415) …",
# "0612…").
_NUMBER_START = re.compile(r"[+(\d]")


def _read_whole(m: re.Match[str], hinted: bool, prefer: Preferred, tries: list[int]) -> bool:
    """True when the run ``m`` is read as one window: it holds one number's worth of digits,
    or two numbers' worth in ``_LONG_RUN`` characters at most where the matcher finds what
    is inside (all but fewer digits than a number has), or ``tries`` are spent. Not a
    longer run, nor one in which the matcher finds nothing, or leaves a number's worth
    ("06 12 34 56 78 06 98 76 54 32": it does not split numbers grouped with spaces):
    ``_split_long``. Asking the matcher is a try: it is asked again for the window,
    from its cache, unless the window's cue refuses it first. One number's worth of digits
    in several groups that reads as no number is split too, unless its shape is refused
    (``_refused``): a short figure beside a number ("tel 456 0612345678", "+44 (0)20 7946
    0958 21") lost the number with it. That read is find_in's next, from the cache: no try."""
    run = m.group()
    if len(run) > _LONG_RUN and len(run) - run.count(" ") > _MOST_DIGITS:
        return False
    digits = len(_NON_DIGIT.sub("", run))
    if _IN_FOURS.fullmatch(run):  # a card's or an IBAN's digits
        return True
    if digits <= _MOST_DIGITS:
        return _refused(run) or _reads_whole(run, hinted, prefer)
    if digits > _MOST_READ:
        return False
    if tries[0] <= 0:
        return True  # read as before: find_in's bound on windows holds
    tries[0] -= 1
    found = _numbers_in(run, hinted, prefer)
    # All it holds, too: digits enough for a number left out of those found are split from
    # it ("06 12 34 56 78 0611223344": the matcher finds the second only).
    covered = sum(len(_NON_DIGIT.sub("", run[start:end])) for start, end, *_ in found)
    return bool(found) and digits - covered < PhoneDetector.min_digits


def _split_long(
    text: str,
    m: re.Match[str],
    hinted: bool,
    prefer: Preferred,
    tries: list[int],
    cued: bool = True,
) -> Iterator[tuple[re.Match[str], int, bool]]:
    """Each number in the run ``m``, which is not read whole (``_read_whole``), with where
    the run starts and whether the number is all of it (never): from each group on, the
    longest stretch of groups that reads as one number grouped as its country prints it
    (``_one_number``), or else the longest that reads as one number in groups of two digits
    or more (``_plain_groups``), then on after it; a group that starts none is passed.
    Each stretch holds at most ``_MOST_DIGITS`` digits and ``_LONG_RUN`` characters, so the
    work is linear in the run; the phonenumbers reads and the groups passed in the whole
    text are bounded by ``tries`` (reads, groups), and in the run since its last number by
    ``_RUN_TRIES`` reads and ``_RUN_STEPS`` groups, a quarter of what the text has left at most
    (``_share``): a run of junk figures, or several, leave some to the runs after them. Its
    share spent, a run goes on at its next group starting with "+", "(" or "0", with a fresh
    share (``_after_junk``): a number after junk in the same run is still found. With
    nothing saying "phone" before the run (not ``cued``),
    a stretch ``find_in`` would refuse (``_marked``) is not read, nor one of more than
    ``_MOST_GROUPS`` groups that no country groups so: neither spends a read."""
    pos, end = m.start(), m.end()
    fruitless = steps = 0  # reads and groups since the run's last number
    reads, passes = _share(tries)  # the most of each it may spend before its next number
    passed = 0  # the digits of the group before when it was passed, read as no number
    while pos < end:
        if fruitless >= reads or steps >= passes:
            # The run's share spent on junk since its last number: on at the next group a
            # number of a run of junk most often starts ("+", "(" or a trunk "0"), with a
            # fresh share of what the text has left; the junk between is passed unread.
            # Each share is a quarter of what is left and every jump a step of the text's:
            # the text's bounds hold however long the run.
            pos, passed, (reads, passes) = _after_junk(text, pos, end, tries)
            if pos >= end:
                return
            fruitless = steps = 0
        steps += 1
        tries[1] -= 1
        while text[pos] in _SPACES:  # a run ends on a digit: the next group is there
            pos += 1
        limit = min(end, pos + _LONG_RUN)
        groups: list[tuple[int, int]] = []
        for g in _RUN_GROUP.finditer(text, pos, limit):
            if g.end() == limit < end and text[limit] not in _SPACES:
                break  # cut by the limit: not a group
            groups.append(g.span())
        if not groups:  # one group longer than any number: passed whole
            pos = next(_RUN_GROUP.finditer(text, pos, end)).end()
            continue
        first = _NUMBER_START.search(text, groups[0][0], groups[0][1])
        taken = ungrouped = 0
        if first is not None:
            start = first.start()
            # Not marked: find_in keeps only one token ("415-555-0123"), not a bare one, or
            # three as North America groups a number ("415 555 0123").
            marked = cued or _marked(text, start)
            most = len(groups) if marked else 1
            if not marked and len(groups) >= 3:
                nanp = _NANP_SPACED.fullmatch(text, start, groups[2][1])
                # Not a stretch of a row of figures whose widths go on: after a figure of
                # three digits passed, or before one of four ("sizes 256 512 1024 2048",
                # "widths 320 480 768 1024 1280": no US number there).
                row = passed == 3 or (len(groups) > 3 and _FOUR_DIGITS.fullmatch(text, *groups[3]))
                most = 3 if nanp and not row else 1
            for k in range(most, 0, -1):  # the longest reading first
                stop = groups[k - 1][1]
                while stop > start and not text[stop - 1].isdigit():
                    stop -= 1
                window = text[start:stop]
                digits = len(_NON_DIGIT.sub("", window))
                if digits > _MOST_DIGITS:
                    continue
                if digits < PhoneDetector.min_digits or (not marked and window.isdigit()):
                    break
                if k - _trunk_groups(window) > _MOST_GROUPS and not _plain_groups(window):
                    continue  # "1 2 3 4 5 6 7 8": no country prints a number so
                tries[0] -= 1
                fruitless += 1
                one = _one_number(window, k > 1, hinted, prefer)
                if one:
                    taken = stop
                    break
                if one is not None and not ungrouped and _plain_groups(window):
                    ungrouped = stop
                if fruitless >= reads:
                    # Cut short: not the longest stretch grouped otherwise either, when a
                    # shorter one unread may be the number grouped as printed ("06 98 76
                    # 54 32 01 23" read as German before "06 98 76 54 32"); on after
                    # the group (``_after_junk``).
                    ungrouped = 0
                    break
            # No stretch grouped as its country prints it: the longest that is one number
            # in groups of two digits or more, as people group them otherwise ("0151
            # 23456789", printed "01512 3456789"; Spain's "612 345 678"; "0207 946 0958").
            # With nothing saying "phone", a trunk "0" grouped so after a figure passed, its
            # other groups as long as it, is one of a row of them ("… 789 012 345 678 901":
            # Italy prints 012 345678), not a number in a column after one ("17 0151 …").
            if cued or text[start] != "0" or not _row_of(text[start:ungrouped], passed):
                taken = taken or ungrouped
        if taken:
            number = _WHOLE.match(text, start, taken)
            if number is not None:
                yield number, m.start(), False
            pos = taken
            fruitless = steps = passed = 0
            reads, passes = _share(tries)
        else:
            pos = groups[0][1]
            passed = len(_NON_DIGIT.sub("", text[groups[0][0] : pos]))


# Where a number in a run of junk most often starts: a group's "+", bracket or trunk "0".
_MARKED_GROUP = re.compile(r"(?<![^ \t\u00a0])[+(0]")


def _after_junk(text: str, pos: int, end: int, tries: list[int]) -> tuple[int, int, Shares]:
    """Where ``_split_long`` goes on in a run after its share of reads or groups is spent,
    the groups before ``pos`` done: the next group that starts with "+", "(" or "0"
    (``_MARKED_GROUP``), the digits of the group before it (what ``_split_long`` passed
    last), and a fresh share (``_share``); ``end`` when there is none or the text has too
    little left for a share. The jump is a step of the text's (``tries``): jumps are
    bounded too."""
    tries[1] -= 1
    share = _share(tries)
    marked = _MARKED_GROUP.search(text, pos, end) if min(share) > 0 else None
    if marked is None:
        return end, 0, share
    before = text[pos : marked.start()].split()
    return marked.start(), len(_NON_DIGIT.sub("", before[-1])) if before else 0, share


def _reads_whole(run: str, hinted: bool, prefer: Preferred) -> bool:
    """True when ``run``, one number's worth of digits, reads whole as a number: not when it
    reads as none ("tel 456 0612345678"), nor as one grouped otherwise than printed after
    a number written unbroken that has all the digits its country's numbers have
    (``_complete``): "tel 0612345678 456" is France's 06 12 34 56 78 and a figure, not
    Germany's 06123 45678456, which its open plan accepts. The split reads the unbroken
    number first, as alone, and passes the figure. A shorter one may go on in the groups
    after it ("0612345 678" is no German 06123 45 and a figure, but France's number)."""
    if not _numbers_in(run, hinted, prefer):
        return False
    first = _RUN_GROUP.match(run)
    if first is None or first.end() == len(run) or not first.group().isdigit():
        return True
    unbroken = first.group()
    return (
        len(unbroken) < PhoneDetector.min_digits
        or not _complete(unbroken, hinted)
        or _one_number(run, True, hinted, prefer) is not False
    )


def _complete(window: str, hinted: bool) -> bool:
    """True when ``window`` reads as one number, its country told by its digits alone, with
    as many digits as that country's longest numbers: no more of a run is its."""
    numbers = _numbers_in(window, hinted)
    if len(numbers) != 1 or numbers[0][:2] != (0, len(window)):
        return False
    number = phonenumbers.parse(numbers[0][2])
    regions = COUNTRY_CODE_TO_REGION_CODE.get(number.country_code or 0)
    lengths = _possible_lengths(regions[0]) if regions else frozenset()
    return bool(lengths) and len(phonenumbers.national_significant_number(number)) >= max(lengths)


# What a run may spend before its next number: (reads, groups).
Shares = tuple[int, int]


def _share(tries: list[int]) -> Shares:
    """The reads and groups a long run may spend on its way to its next number: at most
    ``_RUN_TRIES`` and ``_RUN_STEPS``, and a quarter of what the text has left of each
    (``tries``), so that runs of junk before it leave it a share, a smaller one the more
    junk came before: the text's bound holds, and a run after eight of junk still has the
    few reads a number grouped as printed takes."""
    return min(_RUN_TRIES, tries[0] // 4), min(_RUN_STEPS, tries[1] // 4)


def _row_of(window: str, width: int) -> bool:
    """True when the groups of digits of ``window`` after its first have ``width`` digits
    each (not 0): one more stretch of a row of like figures ("012 345 678" after "789",
    "0199 212 555" after "555"), not "0151 23456789" after "17"."""
    groups = _DIGIT_RUN.findall(window)
    return width > 0 and all(len(g) == width for g in groups[1:])


def _marked(text: str, start: int) -> bool:
    """True when a number of a long run starting at ``start`` may be kept with nothing saying
    "phone" before the run: it starts with a country code's "+", a bracket or a trunk "0",
    or follows a hyphen (``_run_cue``). ``find_in`` refuses the others written in several
    groups."""
    return text[start] in "+(0" or (start > 0 and text[start - 1] == "-")


def _plain_groups(window: str) -> bool:
    """True when no group of digits in ``window`` is a single digit: a number grouped
    otherwise than its country prints it ("0151 23456789"), not a row of small figures
    ("0 12 3 45 6 78 9" reads as +44 1234567890). A trunk "0" in brackets after a country
    code ("+44 (0)20 …") is no group."""
    return all(len(g) > 1 for g in _DIGIT_RUN.findall(_TRUNK_IN_BRACKETS.sub(" ", window)))


# A trunk "0" in brackets after a country code ("+33 (0) 6 12 …", "+44 (0)20 …"): dialled
# from abroad it is dropped, so it is no group of the number as its country prints it. It
# is replaced by a space, not removed: "+44 (0)20" is the groups "+44 20", not "+4420".
_TRUNK_IN_BRACKETS = re.compile(r"(?<=\d)[ \t\u00a0]*\(0\)")


def _trunk_groups(window: str) -> int:
    """How many groups of ``window`` (what spaces stand between) are a trunk "0" in brackets
    after a country code ("+33 (0) 6 12 34 56 78" is printed in six groups, not seven)."""
    return sum(1 for g in _RUN_GROUP.findall(window) if g == "(0)")


def _as_printed_abroad(window: str) -> str | None:
    """``window`` as phonenumbers' INTERNATIONAL format would group it when it is written
    with a country code ("+33 (0) 6 12 …" as "+33 6 12 …", "0033 6 12 …" as "33 6 12 …":
    the "00" of the international call prefix is no group); None when it is not."""
    if window[0] == "+":
        return _TRUNK_IN_BRACKETS.sub(" ", window)
    if window.startswith("00"):
        return _TRUNK_IN_BRACKETS.sub(" ", window[2:])
    return None


def _one_number(window: str, grouped: bool, hinted: bool, prefer: Preferred) -> bool | None:
    """True when ``window``, a stretch of a long run, reads whole as one number; written in
    several groups (``grouped``), grouped as its country prints it too: in a run of numbers
    grouped with spaces, the grouping tells best where one ends ("06 12 34 56 78 06 98" is
    a valid German number, and no French one). False when it reads as one number grouped
    otherwise, None when it does not read as one number. A reading in the document's
    country (``prefer``), which needs no grouping to confirm it, is grouped as printed when
    the country the digits alone point at prints it so: after "+49 30 12345678", "06 12 34
    56 78" is read in Germany but ends where France's grouping ends it, not in "06 12 34 56
    78 06 98", a longer German number grouped as no country prints it."""
    numbers = _numbers_in(window, hinted, prefer)
    if len(numbers) != 1 or numbers[0][:2] != (0, len(window)):
        return None
    if not grouped:
        return True
    number = phonenumbers.parse(numbers[0][2])
    abroad = _as_printed_abroad(window)
    if abroad is not None:
        written = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
        return _groups(abroad) == _groups(written)
    if _written_as_in(window, number):
        return True
    return numbers[0][4] == _IN_CONTEXT and _one_number(window, grouped, hinted, ()) is True


def _split_joined(text: str, runs: Iterator[re.Match[str]]) -> Iterator[re.Match[str]]:
    """Each run, or the pieces of one where a hyphen between two digits joins pieces of
    ``min_digits`` digits or more each: two numbers ("0612345678-0698765432", "06 12 34 56
    78-06 98 76 54 32"), which phonenumbers' matcher does not split. No number is grouped
    so ("06-12345678", "1-800-555-0199", "0151-23456789" have a shorter group)."""
    for m in runs:
        if "-" not in m.group():
            yield m
            continue
        start = m.start()
        bounds = [start, *(j.start() + start for j in _JOIN.finditer(m.group())), m.end()]
        pieces = [(a + (a > start), b) for a, b in pairwise(bounds)]
        if len(pieces) < 2 or any(
            len(_NON_DIGIT.sub("", text[a:b])) < PhoneDetector.min_digits for a, b in pieces
        ):
            yield m
            continue
        for a, b in pieces:
            piece = _WHOLE.match(text, a, b)
            if piece is not None:
                yield piece


def _undated(
    text: str, candidate: re.Pattern[str], runs: Iterator[re.Match[str]]
) -> Iterator[re.Match[str]]:
    """Each run, or the runs around the dates and IPv4 addresses that are groups of it
    (``_RUN_BREAK``): "17:32 03 09 2028 06 12 34 56 78", "call 020 7946 0958 12.03.2019",
    "0207946 0958 2019-03-12", "0612345678 192.168.1.10". Read whole, the run was refused
    as a date, and the number beside the date with it, or an address's octets were read as
    a number's digits; the date or address alone is no number. A run cut short by a date
    and time glued to its last group is read before that group ("020 7946 0958
    2019-03-12T10:00")."""
    for m in runs:
        run = m.group()
        if m.end() < len(text) and text[m.end()] in "-/.":
            # The run stopped inside a longer token: a date and time glued to its last group
            # ("020 7946 0958 2019-03-12T10:00", whose "T" ends no run) leaves its year in it.
            cut = max(run.rfind(space) for space in _SPACES) + 1
            if cut and _DATE.match(text, m.start() + cut):
                # What is before it is read as any run is: it may hold a date of its own
                # ("12.03.2019 0612345678 2019-03-12T10:00").
                before = _runs_in(text, candidate, m.start(), m.start() + cut)
                yield from _undated(text, candidate, _split_joined(text, before))
                continue
        if not _may_hold_date(run):
            yield m
            continue
        # The runs around a date are read as any run: they may be numbers joined by a
        # hyphen ("0612345678-06 12 34 56 78 2019-03-12"), or end with a date written with
        # spaces that was inside the whole run ("0612345678 03 09 2028 12.03.2019").
        start = 0
        for date in _RUN_BREAK.finditer(run):
            around = _runs_in(text, candidate, m.start() + start, m.start() + date.start())
            yield from _undated(text, candidate, _split_joined(text, around))
            start = date.end()
        if start == 0:
            yield m
        else:
            after = candidate.finditer(text, m.start() + start, m.end())
            yield from _undated(text, candidate, _split_joined(text, after))


def _runs_in(
    text: str, candidate: re.Pattern[str], start: int, end: int
) -> Iterator[re.Match[str]]:
    """The runs of ``text[start:end]``, a stretch of one run: as ``candidate`` finds them,
    or, for the second of two numbers joined by a hyphen (``_split_joined``), where no run
    starts (a digit after "-"), the stretch to its last digit ("0612345678-0698765432
    12.03.2019")."""
    if not (start and text[start - 1] == "-" and text[start].isdigit()):
        return candidate.finditer(text, start, end)
    while not text[end - 1].isdigit():
        end -= 1
    return _WHOLE.finditer(text, start, end)  # one match: the whole stretch


def _may_hold_date(run: str) -> bool:
    """False when ``run`` holds no date or address ``_RUN_BREAK`` reads, told in a third of
    the time a search takes on support tickets: such a date is one of its groups, with "-",
    "/" or ".", or three of them first or last, a year first or last of the three; such an
    address is one of its groups, with three "."."""
    groups = run.split()
    if len(groups) >= 3:
        for group in (groups[0], groups[2], groups[-3], groups[-1]):
            if len(group) == 4 and group[:2] in ("19", "20"):
                return True
    if "-" in run or "/" in run or "." in run:
        for group in groups:
            if 6 <= len(group) <= 10 and _DATE.fullmatch(group) is not None:
                return True
            if 7 <= len(group) <= 15 and _DOTTED_QUAD.fullmatch(group) is not None:
                return True
    return False


def _unglued(text: str, hinted: bool, candidate: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """``_candidates`` before the clock times are taken off (``candidate``: ``_CANDIDATE``
    compiled for ``text``)."""
    previous: re.Match[str] | None = None  # the last run read whole
    for m in candidate.finditer(text):
        start = m.start()
        if (
            hinted
            or not start
            or text[start - 1] == " "  # most runs: no call needed
            or not _glued(text[start - 1], text[start])
            or _glued_word(text, start) in _CONTEXT_UP
            or _labelled(text, start)
            or _joined_plus(text, start, previous)
        ):
            yield m
            previous = m
        elif _SPACED_CODE.match(text, start) is None:
            yield from candidate.finditer(text, start + 1, m.end())
            previous = None
        elif not text[start - 1].isdigit():
            yield m
            previous = m
        else:
            # A sum or a version's build ("2+33 6 12 34 56 78", "3.5.26+352.30676427"): not
            # a number, and its national part alone would be another country's (+34 6…).
            previous = None


def _joined_plus(text: str, start: int, previous: re.Match[str] | None) -> bool:
    """True when the run at ``start`` is a "+" joined by a hyphen to the run before it,
    read whole and holding a number's worth of digits ("+33612345678-+33698765432",
    "0612345678-+44 …"): the second of two numbers, as "-" joins them elsewhere
    (``_split_joined``). The run's own digits decide whether it is one; a "+" after a
    hyphen after anything else ("v2-+1", "5-+3") is glued."""
    return (
        text[start] == "+"
        and text[start - 1] == "-"
        and previous is not None
        and previous.end() == start - 1
        and len(_NON_DIGIT.sub("", previous.group())) >= PhoneDetector.min_digits
    )


def _glued(before: str, first: str) -> bool:
    """True when a run starting with ``first`` is glued to the character ``before`` it: a
    letter or digit, one of "_+-.", or a ":" before anything but a "+" or "(" ("Tel:+44 …"
    is not glued: people write it so, as they write "Tel: +44 …")."""
    if before == ":":
        return first not in "+("
    return before.isalnum() or before in "_+-."


def _glued_word(text: str, start: int) -> str:
    """The word a run at ``start`` is glued to (``_glued``), straight or through one or two
    of ``_GLUE`` ("Tel.:030…"), lower-cased; "" when there is none or it is longer than any
    word saying "phone"."""
    end = start - 1 if text[start - 1] in _GLUE else start
    if end > start - 2 and end and text[end - 1] in _GLUE:
        end -= 1
    begin = end
    while begin > 0 and end - begin <= _LONGEST_GLUED_WORD and text[begin - 1].isalpha():
        begin -= 1
    if begin == end or end - begin > _LONGEST_GLUED_WORD:
        return ""
    return text[begin:end].lower()


# Labels saying "phone" only as labels, a ":" or "." after them and the number next
# ("M: 07700 900456", "ph:020 7946 0958", "Mob. 07911 123456"): as words they are
# something else ("I'm on 2016100157": "m"; "pH 7", a "mob"). One letter counts in
# capitals and before a ":" only, as signatures write it ("T: +44 …", "M: 07…", "F:",
# "P:"); "t:1709634121" is a log's key.
_LABELS = wordset("mob ph")
_LETTER_LABELS = frozenset("MTFP")
_LONGEST_LABEL = 3
_SPACES = " \t\u00a0"
# The characters of a date ``_DATE`` reads, and its longest ("2019-03-12"): what
# ``_labelled`` looks through to a label.
_DATE_CHARS = frozenset("0123456789-/.")
_LONGEST_DATE = 10


def _labelled(text: str, start: int) -> bool:
    """True when the run at ``start`` follows a label saying "phone" (``_LABELS``), glued
    to it or after spaces, or with one date between ("P: 12.03.2019 0612345678": the label
    is the number's, as a cue word before the date is)."""
    i = start
    while i and text[i - 1] in _SPACES:
        i -= 1
    j = i
    while j and i - j <= _LONGEST_DATE and text[j - 1] in _DATE_CHARS:
        j -= 1
    if j < i and (not j or text[j - 1] in _SPACES) and _DATE.fullmatch(text, j, i):
        i = j
        while i and text[i - 1] in _SPACES:
            i -= 1
    colon = i > 0 and text[i - 1] == ":"
    i -= colon
    dot = i > 0 and text[i - 1] == "."
    i -= dot
    if not (colon or dot):
        return False
    j = i
    while j and i - j <= _LONGEST_LABEL and text[j - 1].isalpha():
        j -= 1
    if j == i or i - j > _LONGEST_LABEL or (j and (text[j - 1].isalnum() or text[j - 1] == "_")):
        return False
    if i - j == 1:
        return colon and text[j] in _LETTER_LABELS
    return text[j:i].lower() in _LABELS


# Words that say "phone" alone but only "a number" next to another word: "card number",
# "order number", "numéro de carte", "numéro de commande" are ids.
_NUMBER_WORDS = wordset("number numéro número numero nummer")
# Words that make a number word a card's ("card number 6304…", "numéro de carte"), but
# say nothing alone: "Lost or stolen card? +44 20 7946 0000" is the bank's line.
_CARD_WORDS = wordset("card cards credit debit carte karte kreditkarte tarjeta carta")
# Between a number word and the word it belongs to in French, Spanish and Italian.
_OF = wordset("de del di")


def _nearest_cue(before: list[str]) -> int:
    """1 when a word saying "phone" comes last before a number, -1 for one saying "an id"
    ("Numéro de série 327.850.3088": "série" is nearer than "numéro"; "card number
    6390…": "number" belongs to "card"), 0 for neither."""
    for i in range(len(before) - 1, -1, -1):
        word = before[i]
        if word in _CONTEXT_DOWN:
            return -1
        if word in _CONTEXT_UP:
            if word in _NUMBER_WORDS and _names_an_id(before, i):
                return -1
            return 1
    return 0


def _names_an_id(before: list[str], i: int) -> bool:
    """True when the number word ``before[i]`` is an id's or a card's: the word before it
    ("card number", "order number") or the word it is "of" ("numéro de carte")."""
    if i and (before[i - 1] in _CONTEXT_DOWN or before[i - 1] in _CARD_WORDS):
        return True
    after = before[i + 1 : i + 3]
    return len(after) == 2 and after[0] in _OF and after[1] in _CARD_WORDS


def _after_hash(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] == " ":
        i -= 1
    return i >= 0 and text[i] in "#№"


# What _numbers_in finds: (start, end, E.164, written internationally, how its country
# was read: _INTERNATIONAL, _IN_CONTEXT or _GUESSED).
_Number = tuple[int, int, str, bool, int]


@lru_cache(maxsize=VALUE_CACHE_ENTRIES)
def _numbers_in(window: str, hinted: bool, prefer: Preferred = ()) -> tuple[_Number, ...]:
    """The numbers in one window; ``prefer``: the countries its document points at."""
    compact = _NON_DIGIT.sub("", window)
    if len(compact) < 7 or len(compact) > _MOST_READ:
        return ()  # too short for any number; too long for two
    if _refused(window):
        return ()
    if window.isdigit() and 11 <= len(window) <= 15 and not window.startswith("0"):
        # 33612345678 or 14155550123 as an unbroken string: a "+" that was dropped. Not
        # past 15 digits, the most E.164 allows: 16 digits are a card or an id.
        dropped_plus = _valid_number("+" + window, window, "US")  # "+": region unused
        if dropped_plus is not None:
            return ((0, len(window), _e164(dropped_plus), True, _INTERNATIONAL),)
    if window.startswith("+"):
        regions: tuple[str, ...] = ("US",)  # any region: the "+" says which country
    elif compact.startswith("00"):
        regions = ("DE",)  # a region whose international call prefix is "00"
    elif compact.startswith("0"):
        if len(compact) == 11:
            regions = _LEADING_ZERO_11
        elif len(compact) == 10:
            regions = _LEADING_ZERO_10
        else:
            regions = _LEADING_ZERO
    elif _NANP_SHAPE.match(window):
        regions = ("US",)  # "(415) 555-0123": only North America writes numbers so
    else:
        regions = _NO_TRUNK
    if len(regions) > 1:
        regions = tuple(r for r in regions if len(compact) in _NATIONAL_LENGTHS[r]) or regions
    national = window[0] != "+" and compact[:2] != "00"
    # Two-digit groups with no trunk "0" are a number only as its country prints them.
    pairs = _PAIRS_WITHOUT_TRUNK.fullmatch(window) is not None
    if national and prefer:
        # The document's own countries first: a valid reading there needs no grouping
        # to confirm it ("0571 457379" is Minden in a German customer's record), unless
        # written in pairs with no trunk "0".
        tried = []
        for region, by_phone in prefer:  # by_phone: only other phones point at it
            if region not in regions and not _could_be_national(compact, region):
                continue
            number = _valid_number(window, compact, region)
            if number is not None and by_phone:
                elsewhere = _printed_elsewhere(window, compact, number, regions)
                if elsewhere is not None:
                    return ((0, len(window), _e164(elsewhere), False, _GUESSED),)
            if number is not None and not (pairs and not _written_as_in(window, number)):
                return ((0, len(window), _e164(number), False, _IN_CONTEXT),)
            if region == "GB" and _uk_07_read_elsewhere(window, compact, regions):
                return ((0, len(window), "+44" + compact[1:], False, _IN_CONTEXT),)
            tried.append(region)
        if tried and len(compact) <= 15:
            # Not the document's countries: the usual order, less what was just refused.
            regions = tuple(r for r in regions if r not in tried) or regions
    if len(compact) > 15:
        # Longer than any E.164 number: two numbers run together, or a number and
        # something else. The matcher finds what is inside, at ~350 µs a window: not
        # for a run grouped in fours the way cards and IBANs are printed
        # ("4111 1111 1111 1111", "1777 6317 0669 07"), which no country's numbers are.
        if _IN_FOURS.fullmatch(window) or pairs:
            # Nor in pairs with no trunk "0": none of the regions the matcher reads in
            # prints a number so (a stretch in a document's country is read by itself).
            return ()
        if window.isascii() and window.isdigit() and window[0] != "0":
            # An unbroken run with no trunk "0" and no "+": read in the US, Spain or
            # Italy, it holds one candidate, longer than any of their numbers even
            # without a country code ("1", "34", "39") or trunk "1". Cards and ids.
            return ()
        # Each number found is then read as a window of its own would be: its country
        # chosen by its own digits and the document's, not by the length of the run.
        return tuple(_reread(window, found, hinted, prefer) for found in _matched(window, regions))
    # One number at most: parsing the window costs about half a matcher run.
    fallback: tuple[_Number, ...] = ()
    intl = not national
    how = _INTERNATIONAL if intl else _GUESSED
    uk_07 = False
    for region in regions:
        number = _valid_number(window, compact, region)
        if number is None:
            uk_07 = uk_07 or (region == "GB" and national and _UK_07.fullmatch(window) is not None)
            continue
        if pairs and not _written_as_in(window, number):
            continue  # "63 15 43 75 72": no +1 631 543 7572
        if uk_07:
            return ((0, len(window), "+44" + compact[1:], False, how),)  # _uk_07_read_elsewhere
        found = ((0, len(window), _e164(number), intl, how),)
        if len(regions) == 1 or window.isdigit() or _written_as_in(window, number):
            # An unbroken run has no grouping to compare: the first region's reading wins.
            return found
        fallback = fallback or found
    return fallback


def _printed_elsewhere(
    window: str, compact: str, number: PhoneNumber, regions: tuple[str, ...]
) -> PhoneNumber | None:
    """The number ``window`` is in another of ``regions`` whose trunk prefix "0" it starts
    with and which prints it grouped as written, when ``number``, its reading in a country
    only other phones point at, is grouped otherwise; None when there is none. After
    "+49 30 12345678", "06 12 34 56 78" is France's number, not Germany's 06123 45678: the
    region of the number before says less than the grouping France prints and its "0".
    Not when its first group is the one that country prints, trunk "0" and area code or
    prefix, the rest grouped in pairs as people write them there too: after "+31 20 123
    4567", "06 12 34 56 78" is the Dutch mobile 06 12345678; after "+39 06 1234 5678",
    Rome's 06 12345678."""
    if compact[0] != "0" or window.isdigit() or _written_as_in(window, number):
        return None
    if _groups(window)[:1] == _national_groups(number)[:1]:
        return None
    for region in regions:
        if region not in _TRUNK_ZERO or region == phonenumbers.region_code_for_number(number):
            continue
        other = _valid_number(window, compact, region)
        if other is not None and _written_as_in(window, other):
            return other
    return None


def _refused(window: str) -> bool:
    """True when ``window`` is a date, an address, an SSN's or an Amex card's shape: no
    number, and no stretch of it is read as one either (``_read_whole``)."""
    return bool(
        _DATE.search(window)
        or _DOTTED_QUAD.fullmatch(window)
        or _SPACED_DATE.fullmatch(window)
        or _NOT_PHONE_SHAPE.fullmatch(window)
    )


def _reread(window: str, found: _Number, hinted: bool, prefer: Preferred) -> _Number:
    """A number the matcher ``found`` in a long ``window``, its country chosen as for a
    window holding it alone (``_numbers_in``): "0612345678 - 0698765432" was read in the
    order for 20 digits, Germany's first (+49 612345678), and a French document's
    country was not asked. The spaces the matcher may keep before it are dropped."""
    start, end = found[0], found[1]
    raw = window[start:end]
    start += len(raw) - len(raw.lstrip())
    alone = raw.strip()
    end = start + len(alone)
    if len(_NON_DIGIT.sub("", alone)) <= 15:  # shorter than the long window: no loop
        again = _numbers_in(alone, hinted, prefer)
        if len(again) == 1 and again[0][:2] == (0, len(alone)):
            return (start, end, *again[0][2:])
    return (start, end, *found[2:])


def _uk_07_read_elsewhere(window: str, compact: str, regions: tuple[str, ...]) -> bool:
    """True when ``window``, which the UK refuses, is in Ofcom's drama range as the UK
    writes it (``_UK_07``) and another of ``regions`` reads it.

    phonenumbers refuses the range Ofcom holds back (07700 900xxx), and Germany's open
    plan, whose patterns accept 07xxx area codes Germany does not have, then took "07700
    900123" as +49 7700 900123. Other 07 ranges the UK refuses stay with the country that
    reads them: Germany's 076xx and 077xx are towns. A German document's own numbers are
    read in Germany before this.
    """
    return _UK_07.fullmatch(window) is not None and any(
        _valid_number(window, compact, region) is not None for region in regions if region != "GB"
    )


def _could_be_national(compact: str, region: str) -> bool:
    """Whether ``compact`` has as many digits as a national number of ``region`` can
    (its trunk prefix "0" counted): cheaper than asking phonenumbers to parse."""
    lengths = _NATIONAL_LENGTHS.get(region)
    if lengths is not None:
        return len(compact) in lengths
    possible = _possible_lengths(region)
    n = len(compact) - (1 if compact[0] == "0" else 0)
    return n in possible


@cache
def _possible_lengths(region: str) -> frozenset[int]:
    metadata = PhoneMetadata.metadata_for_region(region)
    general = metadata.general_desc if metadata is not None else None
    if general is None or not general.possible_length:
        return frozenset()
    return frozenset(general.possible_length)


def _valid_number(window: str, compact: str, region: str) -> PhoneNumber | None:
    """The valid number ``window`` (``compact``: its digits) reads as in ``region``, or None.

    Where ``phonenumbers.parse`` would do no more than read a country code or drop a
    trunk "0", the number is built straight from the digits and checked against the
    region's patterns in one regex (``_is_valid``): a tenth of the cost of a parse and
    ``is_valid_number``. Every other window is parsed. Tests hold both ways to the same
    answers.
    """
    cc = 0
    national = ""
    if window[0] == "+":
        if window.count("+") == 1:
            cc, national = _international(compact)
    elif compact[:2] != "00":
        lead = compact[0]
        if region in _TRUNK_ZERO:
            if lead == "0" and compact[1:2] != "0":
                cc, national = _CC[region], compact[1:]
        elif region == "ES":
            # Nine digits, Spain's only length: parse() would read a leading "34" in
            # any other run as the country code.
            if lead != "0" and len(compact) == 9:
                cc, national = 34, compact
        elif region == "US":
            if len(compact) == 10 and lead not in "01":  # no trunk "1" to drop
                cc, national = 1, compact
        elif region == "IT" and compact[:2] not in ("39", "00") and len(compact) > 1:
            # Italy keeps its leading "0"; a leading "39" parse() may take for the
            # country code, and a run of zeros it counts apart.
            cc, national = 39, compact
    if not cc:
        if (
            region in _LONGEST_NATIONAL
            and window[0] != "+"
            and compact.isascii()
            and compact[0] != "0"
            and len(compact) - _strippable(compact, region) > _LONGEST_NATIONAL[region]
        ):
            # Too many digits for this region even less what parse() could take off the
            # front, and no international prefix (all of theirs start with "0").
            return None
        return _parsed(window, region)
    return _number(cc, national) if _is_valid(cc, national) else None


def _longest_national(region: str) -> int:
    metadata = PhoneMetadata.metadata_for_region(region)
    general = metadata.general_desc if metadata is not None else None
    if general is None or not general.possible_length:
        raise RuntimeError(f"phonenumbers has no lengths for {region}")
    return max(general.possible_length)


def _strippable(compact: str, region: str) -> int:
    """How many leading digits parse() may take off a number read in a region without a
    trunk "0": the country code and, in North America, a trunk "1" before and after it."""
    if region == "US":
        return min(3, len(compact) - len(compact.lstrip("1")))
    return 2 if compact[:2] == str(_CC[region]) else 0


# The most digits a national number has in the regions read without a trunk "0".
_LONGEST_NATIONAL = {region: _longest_national(region) for region in _NO_TRUNK}


def _international(compact: str) -> tuple[int, str]:
    """ "+" and digits as (country code, national number), or (0, "") when parse() must
    decide: a national prefix after the country code ("+44 (0)20 …"), no such code."""
    if compact[:1] == "0":
        return 0, ""
    for size in (1, 2, 3):
        cc = int(compact[:size])
        if cc in COUNTRY_CODE_TO_REGION_CODE:
            national = compact[size:]
            prefix = _prefix_for_parsing(cc)
            if not national or (prefix and prefix.match(national)) or national[:2] == "00":
                # A national prefix parse() may drop ("+44 (0)20 …"), or zeros parse()
                # counts apart: parse() decides. Italy's leading "0" stays, as it does.
                return 0, ""
            return cc, national
    return 0, ""


@cache
def _prefix_for_parsing(cc: int) -> re.Pattern[str] | None:
    region = COUNTRY_CODE_TO_REGION_CODE[cc][0]
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(cc, region)
    pattern = metadata.national_prefix_for_parsing if metadata else None
    return re.compile(pattern) if pattern else None


def _is_valid(cc: int, national: str) -> bool:
    """``is_valid_number`` for a number given as country code and national digits.

    phonenumbers tries the general pattern, then up to eleven type patterns one by one
    (premium, toll-free, …, fixed line, mobile), and for a code shared by several
    regions does it all again in each. Here each region answers with two patterns per
    length: the country's main region first, then, for a shared code (+1, +39, +44…),
    the others in phonenumbers' order (``_other_regions``). Any doubt (a main region
    picked by leading digits, a national number with a leading "0" or other than ASCII
    digits, which phonenumbers reads otherwise) goes to phonenumbers.
    """
    regions = COUNTRY_CODE_TO_REGION_CODE.get(cc)
    if not regions:
        return False
    general, typed = _patterns(regions[0], len(national))
    if general is not None and typed is not None:
        if general.fullmatch(national) and typed.fullmatch(national):
            return True
        if len(regions) == 1:
            return False
        others = _other_regions(cc, len(national))
        if others is not None and national[0] != "0" and national.isascii():
            # region_code_for_number's walk: the first region whose leading digits match,
            # or else whose patterns do, is the number's; it is valid if they match.
            for lead, general, typed in others:
                if lead is None:
                    if general.fullmatch(national) and typed.fullmatch(national):
                        return True
                elif lead.match(national):
                    return bool(general.fullmatch(national) and typed.fullmatch(national))
            return False
    return bool(phonenumbers.is_valid_number(_number(cc, national)))


def _number(cc: int, national: str) -> PhoneNumber:
    """The PhoneNumber parse() would make of these digits, leading zeros as it keeps them."""
    number = PhoneNumber(country_code=cc, national_number=int(national))
    if national[0] == "0":
        number.italian_leading_zero = True
        zeros = len(national) - len(national.lstrip("0"))
        if 1 < zeros < len(national):
            number.number_of_leading_zeros = zeros
    return number


_TYPE_DESCS = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


@lru_cache(maxsize=4096)
def _patterns(region: str, length: int) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """(general pattern, any type's pattern) of ``region`` for numbers of ``length``.

    (None, None) when the region cannot be answered this way: no metadata, a
    non-geographic code, or a region picked by leading digits among several.
    """
    metadata = PhoneMetadata.metadata_for_region(region, None)
    if metadata is None or metadata.leading_digits is not None:
        return None, None
    return _length_patterns(metadata, length)


# A region as region_code_for_number reads it: (its leading digits, or None where its
# patterns decide; general pattern; any type's pattern) for numbers of one length.
_Reader = tuple[re.Pattern[str] | None, re.Pattern[str], re.Pattern[str]]


@lru_cache(maxsize=4096)
def _other_regions(cc: int, length: int) -> tuple[_Reader, ...] | None:
    """Each region after the first that shares country code ``cc``, in phonenumbers'
    order, read for numbers of ``length``; None where phonenumbers must decide (a
    region's metadata names another code)."""
    readers: list[_Reader] = []
    for region in COUNTRY_CODE_TO_REGION_CODE[cc][1:]:
        metadata = PhoneMetadata.metadata_for_region(region, None)
        if metadata is None:
            continue  # phonenumbers skips it too
        if metadata.country_code != cc:
            return None
        leading = metadata.leading_digits
        lead = re.compile(leading) if leading is not None else None
        readers.append((lead, *_length_patterns(metadata, length)))
    return tuple(readers)


def _length_patterns(metadata: Any, length: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(general pattern, any type's pattern) of a region's metadata for ``length``."""

    def usable(desc: Any) -> bool:
        return (
            desc is not None
            and bool(desc.national_number_pattern)
            and (not desc.possible_length or length in desc.possible_length)
        )

    general = metadata.general_desc
    if general is None or not usable(general):
        return re.compile("(?!)"), re.compile("(?!)")  # no number of this length
    types = [
        getattr(metadata, name).national_number_pattern
        for name in _TYPE_DESCS
        if usable(getattr(metadata, name))
    ]
    typed = "|".join(f"(?:{p})" for p in types) if types else "(?!)"
    return re.compile(str(general.national_number_pattern)), re.compile(typed)


def _parsed(window: str, region: str) -> PhoneNumber | None:
    """``phonenumbers.parse`` and ``is_valid_number``: the reference ``_valid_number`` keeps."""
    try:
        number = phonenumbers.parse(window, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _matched(window: str, regions: tuple[str, ...]) -> tuple[_Number, ...]:
    """Every number the matcher finds in a long window, trying each plausible region.

    Where two regions read the same characters, the one whose grouping matches wins,
    then the earlier region.
    """
    candidates: list[tuple[bool, int, int, int, str, bool]] = []
    for rank, region in enumerate(regions):
        for m in PhoneNumberMatcher(window, region, leniency=Leniency.VALID):
            written_here = len(regions) == 1 or _written_as_in(m.raw_string, m.number)
            intl = m.raw_string.lstrip("( ").startswith(("+", "00"))
            candidates.append((not written_here, rank, m.start, m.end, _e164(m.number), intl))
    kept: list[_Number] = []
    for _, _, start, end, e164, intl in sorted(candidates):
        if all(end <= k[0] or start >= k[1] for k in kept):
            kept.append((start, end, e164, intl, _INTERNATIONAL if intl else _GUESSED))
    return tuple(sorted(kept))


def _e164(number: phonenumbers.PhoneNumber) -> str:
    # What format_number(E164) returns for a valid number, without its checks and copies.
    return f"+{number.country_code}{phonenumbers.national_significant_number(number)}"


def _written_as_in(raw: str, number: phonenumbers.PhoneNumber) -> bool:
    """True when ``raw`` groups its digits the way the number's country prints them.

    "030 12345678" is Berlin, "0301 234 5678" would be British: when several countries
    accept the same digits, the grouping tells them apart. In a country that writes an
    extension after a hyphen (``_HYPHEN_EXTENSION``), the digits before it are compared:
    "030 1234567-8" is Berlin's 030 1234567 and its extension 8, dialled as one number
    (+49 30 12345678), and no British number is written so.
    """
    groups = _groups(raw)
    if groups == _national_groups(number):
        return True
    if number.country_code not in _HYPHEN_EXTENSION_CODES or len(groups) != 3:
        return False
    extension = _HYPHEN_EXTENSION.search(raw)
    if extension is None:
        return False
    nsn = phonenumbers.national_significant_number(number)
    size = len(extension.group()) - 1
    if size >= len(nsn):
        return False
    main = PhoneNumber(country_code=number.country_code, national_number=int(nsn[:-size]))
    return groups[:-1] == _national_groups(main)


# An extension after a hyphen ending a number, as Germany (DIN 5008) and Austria write a
# direct line: area code, a space, the number, a hyphen and the extension ("030
# 1234567-89", "0221 12345-0"). It is part of the number dialled, and of its E.164 form.
# Up to five digits: Germany's longest extensions.
_HYPHEN_EXTENSION = re.compile(r"(?<=\d)-\d{1,5}$")
_HYPHEN_EXTENSION_CODES = frozenset({43, 49})


def _national_groups(number: phonenumbers.PhoneNumber) -> tuple[int, ...]:
    """``_groups(format_number(number, NATIONAL))``, at a fifth of its cost.

    format_number compiles (from re's cache) every pattern it tries and rewrites the
    format rule for each number; here each country's NATIONAL formats are prepared once
    (``_national_formats``) and tried in phonenumbers' order. A number with an
    extension, or of a country with no metadata, goes through format_number itself.
    Tests compare both on example numbers of every country.
    """
    formats = _national_formats(number.country_code)
    if formats is None or number.extension:
        return _groups(phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))
    nsn = phonenumbers.national_significant_number(number)
    for lead, pattern, rule in formats:
        if (lead is None or lead.match(nsn)) and pattern.fullmatch(nsn):
            return _groups(pattern.sub(rule, nsn))
    return _groups(nsn)


# The format rule's first group ("\\1"), which a national prefix rule ("0\\1") replaces:
# phonenumbers' own _FIRST_GROUP_PATTERN.
_FIRST_GROUP = re.compile(r"(\\\d)")


@cache
def _national_formats(
    cc: int,
) -> tuple[tuple[re.Pattern[str] | None, re.Pattern[str], str], ...] | None:
    """(leading digits, pattern, rule with the national prefix) of each NATIONAL format of
    a country code, in phonenumbers' order; None where format_number must decide."""
    if cc not in COUNTRY_CODE_TO_REGION_CODE:
        return None
    region = phonenumbers.region_code_for_country_code(cc)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(cc, region.upper())
    if metadata is None:
        return None
    formats: list[tuple[re.Pattern[str] | None, re.Pattern[str], str]] = []
    for fmt in metadata.number_format:
        if fmt.pattern is None or fmt.format is None:
            return None  # not phonenumbers' shape: let format_number decide
        lead = re.compile(fmt.leading_digits_pattern[-1]) if fmt.leading_digits_pattern else None
        rule = fmt.format
        if fmt.national_prefix_formatting_rule:
            rule = _FIRST_GROUP.sub(fmt.national_prefix_formatting_rule, rule, count=1)
        formats.append((lead, re.compile(fmt.pattern), rule))
    return tuple(formats)


def _groups(number: str) -> tuple[int, ...]:
    return tuple(len(g) for g in _DIGIT_RUN.findall(number))
