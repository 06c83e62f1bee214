"""Timestamps of the log formats, to UTC epoch seconds; cached where they repeat."""

from __future__ import annotations

import calendar
import math
import re
import time
from datetime import UTC, datetime, timedelta, timezone, tzinfo

_MONTHS = {
    m.encode(): i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
# The zone: Z, an offset of hours and minutes or of hours alone (ISO 8601's ±hh, as log4j's
# %d{ISO8601_OFFSET_DATE_TIME_HH} writes it: 22:30:06,949+02), UTC or GMT
_ISO = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(\.\d+)?\s*"
    r"(Z|[+-]\d\d(?::?\d\d)?|UTC|GMT)?\s*$"
)


class BadTime(ValueError):
    """A timestamp that is not in the format's shape."""


_clf_cache: dict[bytes, tuple[float, bytes]] = {}
_clf_day: dict[bytes, tuple[float, bytes]] = {}  # "05/Mar/2019 +0000" → its midnight, zone


# A CLF time: its day of two digits, of one or space-padded (Apache's %e), its clock of two
# ASCII digits each, and what follows its seconds: its zone, after a space or glued to them
# (``13:55:36+0000``, as a GoAccess time-format ``%T%z`` or Apache's ``%{…%S%z}t`` writes it)
_CLF_PARTS = re.compile(rb" ?(\d\d?)/([A-Za-z]{3})/(\d{4}):(\d\d):(\d\d):(\d\d(?:\.\d+)?)\s*(\S*)")


# A clock's two ASCII digits, 00 to 59, to their value: one lookup checks and reads them (int()
# takes b"+1" and b" 1", and costs more than the dict on every line of a log)
_SIXTY = {b"%02d" % n: n for n in range(60)}


def clf(text: bytes) -> tuple[float, bytes]:
    """``10/Oct/2000:13:55:36 -0700`` (nginx/Apache ``%t``, S3), or with the zone glued to the
    time (``…13:55:36-0700``) → (epoch, offset); with no zone (Apache's
    ``%{%d/%b/%Y:%H:%M:%S}t``), its wall clock as UTC and the offset ``b""``."""
    hit = _clf_cache.get(text)
    if hit is not None:
        return hit
    # The usual 26 bytes (05/Mar/2019:04:00:00 +0000, or 25 with the zone glued): the day and
    # zone once, the clock by slicing, so a log with a new second on every line still costs
    # no full parse per line.
    # The clock's colons and digits checked as the full parse checks them, so the two agree on
    # every time.
    fast = (
        len(text) in (25, 26)
        and text[11] == 58
        and text[14] == 58
        and text[17] == 58
        and text[20] in b" +-"
    )
    if fast:
        base = _clf_day.get(text[:11] + text[20:])
        if base is not None:
            h, m, sec = _SIXTY.get(text[12:14]), _SIXTY.get(text[15:17]), _SIXTY.get(text[18:20])
            if h is not None and h < 24 and m is not None and sec is not None:
                return base[0] + h * 3600 + m * 60 + sec, base[1]
    parts = _CLF_PARTS.fullmatch(text)
    try:
        if parts is None:
            raise ValueError
        day, mon, year, hh, mm, ss, off = parts.groups()
        # A day, hour, minute or second out of range (31/Feb, 04:60, a leap second's :60) is
        # no time: timegm would carry it into the next one, as datetime and ``iso`` refuse it
        wall = datetime(int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss[:2]))
        epoch = calendar.timegm(wall.timetuple())
        frac = float(b"0" + ss[2:]) if len(ss) > 2 else 0.0
        if off.isalpha() and off not in (b"Z", b"UTC", b"GMT"):  # CET, as Apache's %Z writes
            named = meanings(off.decode(), wall)  # as spelt: a lower-case word is none
            if len(named) != 1:
                raise BadTime(unknown_zone(off.decode(), None, named)) from None
            epoch -= named[0] * 60
        elif off and off not in (b"Z", b"UTC", b"GMT"):  # a --log-format's "%t %^" gives those
            sign = -1 if off[:1] == b"-" else 1
            digits = off.lstrip(b"+-").replace(b":", b"")
            if len(digits) not in (2, 4):  # ±hh (a "%t %^" zone field's +02) or ±hhmm
                raise ValueError
            epoch -= sign * (int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60)
    except BadTime:
        raise
    except (ValueError, KeyError, IndexError):
        raise BadTime(f"not a [day/Mon/year:hh:mm:ss zone] time: {text[:40]!r}") from None
    if len(_clf_cache) > 100_000:
        _clf_cache.clear()
        _clf_day.clear()
    result = (epoch + frac, off)  # b"" for a time written with no zone
    _clf_cache[text] = result
    if fast and not frac and off.decode("ascii", "replace") not in _ERAS:  # one meaning all day
        midnight = epoch - (int(hh) * 3600 + int(mm) * 60 + int(ss[:2]))
        _clf_day[text[:11] + text[20:]] = (midnight, result[1])
    return result


_iso_cache: dict[str, tuple[float, str]] = {}
_iso_hour: dict[str, tuple[float, str]] = {}  # "2023-06-01T10+00:00" → its epoch, zone


def iso(text: str) -> tuple[float, str]:
    """ISO 8601 (``2019-03-05T10:00:00.123Z``, ``…+01:00``, ``… UTC``) → (epoch, offset)."""
    hit = _iso_cache.get(text)
    if hit is not None:
        return hit
    # 2023-06-01T10:00:05.123+00:00: the hour and zone once, minutes, seconds and fraction by
    # slicing (audit and database logs give every line its own millisecond).
    # Its colons checked, both: "2026-12-07T10 00:00+01:00" (a time cut at its first colon
    # and joined by a space) is not 10:00:00, and is read by the regex, or not at all.
    if (
        len(text) >= 20
        and text[4] == "-"
        and text[10] in "T "
        and text[13] == ":"
        and text[16] == ":"
    ):
        rest = text[19:]
        frac = ""
        if rest[:1] in ".,":
            n = 1
            while n < len(rest) and rest[n].isdecimal():  # not isdigit: "²" is no int
                n += 1
            frac, rest = rest[1:n], rest[n:]
            if not frac:  # "10:00:00.Z": a point and no digit, which the regex refuses
                rest = "."
        base = _iso_hour.get(text[:13] + rest)
        if base is not None and text[14:16].isdecimal() and text[17:19].isdecimal():
            fm, fs = int(text[14:16]), int(text[17:19])
            # Second 60 (a leap second) as datetime takes it: none, as the full parse says
            if fm < 60 and fs < 60:
                return base[0] + fm * 60 + fs + (float("0." + frac) if frac else 0.0), base[1]
    m = _ISO.match(text.strip().replace(",", "."))  # log4j writes 22:30:06,949
    if not m:
        raise BadTime(f"not an ISO 8601 time: {text[:40]!r}")
    y, mo, d, hh, mi, ss, frac, off = m.groups()
    try:
        epoch = calendar.timegm((int(y), int(mo), int(d), int(hh), int(mi), int(ss), 0, 0, 0))
        datetime(int(y), int(mo), int(d), int(hh), int(mi), int(ss))  # range check
    except ValueError:
        raise BadTime(f"not a valid date: {text[:40]!r}") from None
    off = off or "Z"
    if off not in ("Z", "UTC", "GMT"):
        sign = -1 if off[0] == "-" else 1
        digits = off[1:].replace(":", "")
        epoch -= sign * (int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60)
    result = (epoch + (float(frac) if frac else 0.0), off)
    if len(_iso_cache) > 100_000:
        _iso_cache.clear()
        _iso_hour.clear()
    clean = text.strip()
    if len(clean) >= 20 and clean[16] == ":":
        zone = clean[19:].lstrip(".,0123456789")
        _iso_hour[clean[:13] + zone] = (epoch - int(mi) * 60 - int(ss), off)
    if not frac:  # fractional times rarely repeat: cache only whole seconds
        _iso_cache[text] = result
    return result


def epoch_text(t: float) -> float:
    """Epoch seconds from a number or numeric text (flow logs, CloudTrail Lake exports)."""
    return float(t)


def to_iso(t: float | None) -> str | None:
    """Epoch seconds → ``2019-03-05T10:00:00Z`` (None stays None)."""
    if t is None:
        return None
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_user_time(text: str) -> float:
    """``--since``/``--until``: ISO 8601 date or date-time, UTC unless an offset is given."""
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        value += "T00:00:00"
    t, _ = iso(value)
    return t


# Zone abbreviations that name one offset wherever the tz database uses them (minutes east of
# UTC), in PostgreSQL's log_time and access logs' times (Apache's %Z), spelt as it spells them
# (ChST). IST (India, Ireland, Israel), CST (US, China, Cuba), CDT, AST, ADT, PST (US
# Pacific, and the Philippines' +08 in Asia/Manila), EST (US Eastern, and Australian Eastern
# as tzdata before 2014f wrote it) and WIT are left out: they need --log-time-zone.
# Every alphabetic abbreviation the tz database gives a zone from 2019 on is here or in
# MEANINGS (a test checks the system's): one in neither (WIB was) is read only in a named
# --log-time-zone whose own abbreviation it is, never at a fixed offset (+07:00), whose name
# (UTC+07:00) is no abbreviation.
ABBREVIATIONS = {
    "UTC": 0, "GMT": 0, "UT": 0, "WET": 0, "WEST": 60, "BST": 60, "CET": 60, "CEST": 120,
    "MET": 60, "MEST": 120, "EET": 120, "EEST": 180, "MSK": 180, "MSD": 240,
    "EDT": -240, "MST": -420, "MDT": -360, "PDT": -420, "AKST": -540, "AKDT": -480,
    "HST": -600, "HDT": -540, "NST": -210, "NDT": -150, "JST": 540, "KST": 540, "AWST": 480,
    "AWDT": 540, "ACST": 570, "ACDT": 630, "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
    "SAST": 120, "CAT": 120, "EAT": 180, "WAT": 60, "IDT": 180, "PKT": 300, "PKST": 360,
    "HKT": 480, "WIB": 420, "WITA": 480, "ChST": 600,
}  # fmt: skip
# Abbreviations of several offsets, in the tz database or as systems outside it write them:
# their meanings (minutes east of UTC). A time written with one is read only in a
# --log-time-zone that uses it, never guessed; one given as a fixed offset (+05:30) that is
# one of them on that date (``meant_then``) reads the abbreviation at that offset, as a named
# zone that uses it does. IST:
# India, Irish summer time, Israel; CST: US Central, Cuba, China, and Australian Central
# (Adelaide, Darwin) as tzdata before 2014f wrote it, standard and summer time alike (CST/CST,
# ACST/ACDT since); EST: US Eastern, and Australian Eastern likewise (EST/EST for AEST/AEDT:
# a Sydney server of those systems writes EST in January at +11); CDT: US Central, Cuba; AST:
# Atlantic, and Arabia's as systems before tzdata 2017a wrote it (ADT its summer time); PST:
# US Pacific, Philippines; SST: Samoa, and Singapore as some write it; GST: Guam's before
# 2000, the Gulf's (Dubai), and South Georgia's (-02), as tzdata before 2017a wrote both;
# WIT: eastern Indonesia (Jayapura), and western (Jakarta, +07) as systems before tzdata 2013e
# wrote it (WIT, CIT, EIT then).
MEANINGS = {
    "IST": (330, 60, 120), "CST": (-360, -300, 480, 570, 630), "CDT": (-300, -240),
    "EST": (-300, 600, 660),
    "AST": (-240, 180), "ADT": (-180, 240), "PST": (-480, 480), "SST": (-660, 480),
    "GST": (600, 240, -120), "WIT": (540, 420),
}  # fmt: skip
AMBIGUOUS = frozenset(MEANINGS)
# What the tz database spells today for an abbreviation it spelt otherwise before, in letters:
# in a named --log-time-zone (Australia/Sydney), EST is read where the zone writes AEST or AEDT
# then (and Perth's WST where it writes AWST or AWDT). Where it writes a number for the letters
# it wrote before (+04 for Dubai's GST, +11 for Lord Howe's LHST), ``FORMER`` decides.
SPELT_SINCE = {"EST": ("AEST", "AEDT"), "CST": ("ACST", "ACDT"), "WST": ("AWST", "AWDT")}
# Abbreviations the tz database wrote from 2000 on and spells otherwise since, mostly as numbers
# (its 2014f, 2016d-2016j and 2017a releases: SGT is +08, BRT -03, LHST +1030 and +11 now), at
# every offset each meant then (minutes east of UTC): every tzdata release from 2014e on
# compiled with zic, each zone's abbreviation from 2000 on beside the system's of today at the
# same instant (2014e, 2016c and 2016j alone missed Chile's CLT and Easter Island's EAST of
# 2015, a year at summer time's offset, Choibalsan's CHOST +10 of 2001-2006, Qyzylorda's QYZST
# of 2000-2004 and Vostok's VOST). One meaning, and in no other table: read as such anywhere,
# as ``ABBREVIATIONS``.
# Several (VET, -04:30 from 2007 to 2016, -04 before and since; AMT, the Amazon's -04 and
# Armenia's +04): read only at a --log-time-zone's offset then, else refused naming them. One
# the tables give another meaning today (BST, Bougainville's +11 from 2014 to 2016, British
# summer time's +01) is read in a named zone that now spells that time as a number only at
# that zone's offset, never at the other's, and with no zone given only where it had one
# meaning (BST before December 2014 and from 2018: ``_ERAS``).
FORMER = {
    "ACT": (-300,), "ACWDT": (585,), "ACWST": (525,), "AFT": (270,), "ALMST": (420,),
    "ALMT": (360,), "AMST": (-180, 300), "AMT": (-240, 240), "ANAST": (720, 780),
    "ANAT": (660, 720), "AQTST": (300, 360), "AQTT": (240, 300), "ARST": (-180, -120),
    "ART": (-180,), "AZOST": (0,), "AZOT": (-60,), "AZST": (300,), "AZT": (240,),
    "BDST": (420,), "BDT": (360,), "BNT": (480,), "BOT": (-240,), "BRST": (-120,),
    "BRT": (-180,), "BST": (660,), "BTT": (360,), "CAST": (660,), "CCT": (390,),
    "CHADT": (825,), "CHAST": (765,), "CHOST": (540, 600), "CHOT": (480, 540), "CHUT": (600,),
    "CKT": (-600,), "CLST": (-180,), "CLT": (-240, -180), "COT": (-300,), "CVT": (-60,),
    "CWST": (525, 585), "CXT": (420,), "DAVT": (300, 420), "DDUT": (600,), "EASST": (-300,),
    "EAST": (-360, -300), "ECT": (-300,), "EGST": (0,), "EGT": (-60,), "FET": (180,),
    "FJST": (780,), "FJT": (720,), "FKST": (-180,), "FKT": (-240,), "FNST": (-60,),
    "FNT": (-120,), "GALT": (-360,), "GAMT": (-540,), "GEST": (240, 300), "GET": (180, 240),
    "GFT": (-180,), "GILT": (720,), "GYT": (-240,), "HADT": (-540,), "HAST": (-600,),
    "HOVST": (480,), "HOVT": (420,), "ICT": (420,), "IOT": (360,), "IRDT": (270,),
    "IRKST": (540,), "IRKT": (480, 540), "IRST": (210,), "KGST": (360,), "KGT": (300, 360),
    "KOST": (660,), "KRAST": (480,), "KRAT": (420, 480), "LHDT": (660,), "LHST": (630, 660),
    "LINT": (840,), "LKT": (360,), "MAGST": (720,), "MAGT": (600, 660, 720), "MART": (-570,),
    "MAWT": (300, 360), "MHT": (720,), "MIST": (660,), "MMT": (390,), "MPT": (600,),
    "MUST": (300,), "MUT": (240,), "MVT": (300,), "MYT": (480,), "NCT": (660,),
    "NFT": (660, 690), "NOVST": (420,), "NOVT": (360, 420), "NPT": (345,), "NRT": (720,),
    "NUT": (-660,), "OMSST": (420,), "OMST": (360, 420), "ORAST": (300,), "ORAT": (240, 300),
    "PET": (-300,), "PETST": (720, 780), "PETT": (660, 720), "PGT": (600,), "PHOT": (780,),
    "PHT": (480,), "PMDT": (-120,), "PMST": (-180,), "PONT": (660,), "PWT": (540,),
    "PYST": (-180,), "PYT": (-240,), "QYZST": (420,), "QYZT": (360,), "RET": (240,),
    "ROTT": (-180,),
    "SAKST": (660,), "SAKT": (600, 660), "SAMST": (240, 300), "SAMT": (180, 240),
    "SBT": (660,), "SCT": (240,), "SDT": (-600,), "SGT": (480,), "SRET": (660,),
    "SRT": (-180,), "SYOT": (180,), "TAHT": (-600,), "TFT": (300,), "TJT": (300,),
    "TKT": (-660, 780), "TLT": (540,), "TMT": (300,), "TOST": (840,), "TOT": (780,),
    "TVT": (720,), "UCT": (0,), "ULAST": (540,), "ULAT": (480,), "UYST": (-120,),
    "UYT": (-180,), "UZT": (300,), "VET": (-270, -240), "VLAST": (660,), "VLAT": (600, 660),
    "VOLST": (240,), "VOLT": (180, 240), "VOST": (360,), "VUT": (660,), "WAKT": (720,),
    "WARST": (-180,),
    "WART": (-240,), "WAST": (120,), "WFT": (720,), "WGST": (-120,), "WGT": (-180,),
    "WSDT": (-600, 840), "WSST": (780,), "WST": (-660, 480, 540, 780), "XJT": (360,),
    "YAKST": (600,), "YAKT": (540, 600), "YEKST": (360,), "YEKT": (300, 360),
}  # fmt: skip
# The abbreviations a named zone decides between a meaning of today and a former one (BST):
# read alone, by the table, where no --log-time-zone was given (where they had one meaning
# then: ``_ERAS``), and again in one that was
ZONE_DECIDES = frozenset(a.encode() for a in FORMER if a in ABBREVIATIONS)
# Abbreviations the tz database gave another meaning before 2019 (or gave one since, in a
# release some systems still run), by the wall clock a time was written at, [from, to): their
# meanings then. MSK was Moscow's permanent "summer" time, +04,
# from 27 March 2011 (02:00 at +03) to 26 October 2014, whose hour from 01:00 came twice, at +04
# and then at +03; KST was also Pyongyang's own +08:30 from 15 August 2015 to 5 May 2018, as
# it was Seoul's +09 (from 23:30 of the 14th, which came again at +08:30, to 23:30 of 4 May,
# when Pyongyang's clocks went on to midnight). A test checks them against the system's tz
# database from 2000 on.
_ERAS: dict[str, tuple[tuple[datetime, datetime, tuple[int, ...]], ...]] = {
    "MSK": (
        (datetime(2011, 3, 27, 2), datetime(2014, 10, 26, 1), (240,)),
        (datetime(2014, 10, 26, 1), datetime(2014, 10, 26, 2), (240, 180)),
    ),
    "KST": ((datetime(2015, 8, 14, 23, 30), datetime(2018, 5, 4, 23, 30), (540, 510)),),
    # BST: British summer time's +01, and from 28 December 2014 (03:00, its clocks put on from
    # 02:00 at +10) Bougainville's +11 as tzdata 2014i to 2016j wrote it (``FORMER``): two
    # meanings then, which only a zone decides, as IST's. Up to 2018 only: 2017a wrote +11,
    # and a system still on a release of 2014-2016 writing a log of today is next to none,
    # where every London server writes BST each summer: read as +01 again. (Bangladesh's
    # standard time, +06, tzdata spelt BDT, then +06: never BST.)
    "BST": ((datetime(2014, 12, 28, 3), datetime(2018, 1, 1), (60, 660)),),
}


def meanings(abbr: str, wall: datetime) -> tuple[int, ...]:
    """The offsets (minutes east of UTC) a zone abbreviation, as spelt, names at a wall-clock
    time: one (``ABBREVIATIONS``, or its meaning then), several, or none known (``()``)."""
    for start, end, offsets in _ERAS.get(abbr, ()):
        if start <= wall < end:
            return offsets
    one = ABBREVIATIONS.get(abbr)
    if one is not None:
        return (one,)
    return MEANINGS.get(abbr) or FORMER.get(abbr, ())


def every_meaning(abbr: str, wall: datetime) -> tuple[int, ...]:
    """``meanings`` and the meanings the tz database gave ``abbr`` before it spelt them as
    numbers (``FORMER``): what a named zone spelling a number then may have written it for."""
    now = meanings(abbr, wall)
    return now + tuple(m for m in FORMER.get(abbr, ()) if m not in now)


_lettered_cache: dict[str, dict[int, tuple[tzinfo, ...]]] = {}


def _lettered(abbr: str) -> dict[int, tuple[tzinfo, ...]]:
    """The zones of the system's tz database that write ``abbr`` (or what they spell it since,
    ``SPELT_SINCE``) from 2000 on, by the offset (minutes east) they write it at: sampled at
    noon on 15 January and 15 July of every year, either side of a summer time."""
    hit = _lettered_cache.get(abbr)
    if hit is not None:
        return hit
    from zoneinfo import ZoneInfo, available_timezones

    names = (abbr, *SPELT_SINCE.get(abbr, ()))
    found: dict[int, dict[str, tzinfo]] = {}
    for name in sorted(available_timezones()):
        zone = ZoneInfo(name)
        for year in range(2000, datetime.now(UTC).year + 2):
            for month in (1, 7):
                local = datetime(year, month, 15, 12, tzinfo=zone)
                offset = local.utcoffset()
                if local.tzname() in names and offset is not None:
                    found.setdefault(offset // _MINUTE, {})[name] = zone
    result = {minutes: tuple(zones.values()) for minutes, zones in found.items()}
    _lettered_cache[abbr] = result
    return result


def meant_then(abbr: str, wall: datetime, minutes: int) -> bool:
    """Whether ``abbr``, written at the wall clock ``wall``, meant ``minutes`` east of UTC then:
    one of its meanings (``every_meaning``) that a zone writing it in those letters was at then
    (IST's +01:00 in Irish summer time only, +02:00 in Israel's winter only; EST's +11:00 in
    Australian summer only), or one no zone writes in letters now (Riyadh's AST, Singapore's
    SST, Caracas's VET: the tables' meanings, at any date)."""
    if minutes not in every_meaning(abbr, wall):
        return False
    zones = _lettered(abbr).get(minutes)
    if not zones:
        return True
    # Kept by the hour where its first and last second agree (a change of clocks inside it
    # read second by second): a log of IST at +05:30 asks on every line, a new second on most,
    # and the zones' datetimes cost as much again as the rest of ``abbreviated``
    key = (abbr, minutes, wall.year, wall.month, wall.day, wall.hour)
    hit = _meant_hour.get(key)
    if hit is not None:
        return hit
    first = _meant_in(zones, abbr, wall.replace(minute=0, second=0, microsecond=0), minutes)
    last = _meant_in(zones, abbr, wall.replace(minute=59, second=59, microsecond=0), minutes)
    if first != last:
        return _meant_in(zones, abbr, wall, minutes)
    if len(_meant_hour) > 10_000:
        _meant_hour.clear()
    _meant_hour[key] = first
    return first


_meant_hour: dict[tuple[str, int, int, int, int, int], bool] = {}


def _meant_in(zones: tuple[tzinfo, ...], abbr: str, wall: datetime, minutes: int) -> bool:
    """Whether one of ``zones`` wrote ``abbr`` at ``minutes`` east at the wall clock ``wall``
    (either side of an hour its clocks repeated)."""
    names = (abbr, *SPELT_SINCE.get(abbr, ()))
    for zone in zones:
        for fold in (0, 1):
            local = wall.replace(tzinfo=zone, fold=fold)
            offset = local.utcoffset()
            if offset is not None and offset // _MINUTE == minutes and local.tzname() in names:
                return True
    return False


def unknown_zone(abbr: str, zone: tzinfo | None = None, offsets: tuple[int, ...] = ()) -> str:
    """Why a time written with a zone abbreviation not in ``ABBREVIATIONS`` is not read (in
    ``zone``, --log-time-zone, when one was given); ``offsets``: the ones it names then
    (``meanings``), said so that a reader sees which --log-time-zone would read it."""
    if not abbr.isupper():  # cet, est: words, not abbreviations as a zone database spells them
        return f"not a zone abbreviation: {abbr!r} (written in upper case, as CET)"
    if len(offsets) > 1:
        named = [f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}:{abs(m) % 60:02d}" for m in offsets]
        said = f"the zone {abbr} names several offsets, {', '.join(named[:-1])} and {named[-1]}: "
    else:
        said = f"the zone {abbr} names no offset known: "
    if zone is not None:  # given, and that is not its zone then: another need not be given
        return said + f"the --log-time-zone given, {zone}, does not use it at that time"
    return said + "give --log-time-zone (the server's zone)"


_MINUTE = timedelta(minutes=1)
_ABBREVIATED = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(\.\d+)?\s+([A-Za-z]{2,6}|[+-]\d\d(?::?\d\d)?)$"
)


def abbreviated(text: str, zone: tzinfo | None) -> tuple[float, str]:
    """A time written with its zone's abbreviation or a bare hour offset, as PostgreSQL writes
    ``log_time`` in its ``log_timezone`` (``2026-12-07 00:36:17.107 CET``, ``… +03``) → (epoch,
    the abbreviation). With ``zone`` (--log-time-zone), an abbreviation that zone uses at that
    time decides (CEST or CET picks the side of a summer-time change); else one that names a
    single offset (``ABBREVIATIONS``)."""
    m = _ABBREVIATED.match(text.strip())
    if not m:
        raise BadTime(f"not an ISO 8601 time: {text[:40]!r}")
    y, mo, d, hh, mi, ss = (int(g) for g in m.groups()[:6])
    frac = float(m[7]) if m[7] else 0.0
    abbr = m[8]
    try:
        wall = datetime(y, mo, d, hh, mi, ss)
    except ValueError:
        raise BadTime(f"not a valid date: {text[:40]!r}") from None
    if abbr[0] in "+-":  # -03, or +0545 for a zone with minutes (Asia/Kathmandu)
        digits = abbr[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:] or 0)
        minutes = -minutes if abbr[0] == "-" else minutes
    else:
        found: set[float] = set()  # the times the zone's folds spelt so give it
        numbers = False  # whether the zone spells the time as a number (+11), no letters
        if zone is not None:
            every = every_meaning(abbr, wall)
            for fold in (0, 1):
                local = wall.replace(tzinfo=zone, fold=fold)
                named = local.tzname() or ""
                # A number where the tz database wrote letters before (2017a): the letters
                # read at that offset if it is one they meant (Lord Howe's LHST at +1030)
                spelt = named[:1] in ("+", "-") and not isinstance(zone, timezone)
                numbers = numbers or spelt
                offset = local.utcoffset()
                # as spelt (ChST too): ist is a word, not IST
                if (
                    named == abbr
                    or named in SPELT_SINCE.get(abbr, ())
                    or (spelt and offset is not None and offset // _MINUTE in every)
                ):
                    found.add(local.timestamp())
            if len(found) == 1:
                return found.pop() + frac, abbr
        # Two: the hour a change of clocks repeated, spelt alike on both sides (Moscow's MSK of
        # 26 October 2014, Sydney's EST of before 2014f at the end of summer), or skipped (a
        # wall clock never there, fold 0 and 1 its two sides): the abbreviation's one meaning
        # then decides, as it does in ``clf``, else it is not guessed
        offsets = meanings(abbr, wall)
        if numbers:  # the zone's letters of then are no more: any meaning they had, then
            offsets = every_meaning(abbr, wall)
        got = offsets[0] if len(offsets) == 1 else None
        if isinstance(zone, timezone):  # a fixed offset: one of its meanings then?
            fixed = zone.utcoffset(None) // _MINUTE
            if meant_then(abbr, wall, fixed):
                got = fixed
        if got is None and found:
            raise BadTime(
                f"the zone {abbr} names two offsets at that time in {zone}, an hour its clocks "
                "repeated or skipped: not guessed"
            )
        if got is None:
            raise BadTime(unknown_zone(abbr, zone, offsets))
        minutes = got
    return calendar.timegm(wall.timetuple()) - minutes * 60 + frac, abbr


# A time written with its offset and its zone's abbreviation both, the offset first, as
# Apache's %{%d/%b/%Y:%H:%M:%S %z %Z}t writes them: 07/Jun/2026:10:00:00 +0530 IST (a UTC
# server's +0000 UTC, London's +0000 GMT in winter). A clock before the offset: the -07 of a
# date (2026-12-07 CET) is no offset
_OFFSET_AND_LETTERS = re.compile(r"(.+?:\d\d(?:\.\d+)?)\s*([+-]\d\d(?::?\d\d)?)\s+([A-Za-z]{2,6})")


def offset_and_letters(text: str) -> float | None:
    """A CLF or ISO time written with its offset and its zone's abbreviation both
    (``07/Jun/2026:10:00:00 +0530 IST``) → its epoch, read at the offset (``at_offset``);
    None for a time not so written."""
    m = _OFFSET_AND_LETTERS.fullmatch(text.strip())
    if m is None:
        return None
    return at_offset(m[1], m[2], m[3])


def at_offset(base: str, offset: str, abbr: str) -> float:
    """A time ``base`` (CLF or ISO, no zone) that a log wrote with the offset ``offset`` and
    the zone abbreviation ``abbr`` (in the time, or one in a ``%z`` field): read at the offset,
    which says which IST is meant with no --log-time-zone, the abbreviation checked to mean
    that offset on that date as at a fixed --log-time-zone (``meant_then``); BadTime where it
    does not (CET at +0530, IST at +0100 in January), or where the time is none."""
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    fixed = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))
    if clf_like(base):
        t, _ = clf(f"{base} {offset}".encode())
    else:
        t, _ = iso(f"{base} {offset}")
    if abbr in ("UTC", "GMT"):  # +0000 UTC: UTC itself, at no other offset
        if fixed.utcoffset(None):
            raise BadTime(
                f"the offset and the zone abbreviation written are not one: {offset!r} and {abbr!r}"
            )
        return t
    if abbr.isupper() and not (abbr in ABBREVIATIONS or abbr in MEANINGS or abbr in FORMER):
        return t  # letters the tables do not know (ABBREVIATIONS): the offset says it all
    try:
        if clf_like(base):
            lettered, _ = clf_named(f"{base} {abbr}".encode(), fixed)
        else:
            lettered, _ = abbreviated(f"{base} {abbr}", fixed)
    except BadTime:
        lettered = None
    if lettered is None or abs(lettered - t) >= 1:
        raise BadTime(
            f"the offset and the zone abbreviation written are not one: {offset!r} and {abbr!r}"
        )
    return t


def clf_like(text: str) -> bool:
    """Whether a time begins as CLF's ``day/Mon/``, its day of two digits or of one (no server
    writes one by default; Apache's ``%{%e/%b/%Y:%H:%M:%S %z}t`` does, space-padded)."""
    return (text[2:3] == "/" and text[6:7] == "/") or (text[1:2] == "/" and text[5:6] == "/")


_CLF_NAMED = re.compile(r"(\d\d?)/(\w{3})/(\d{4}):(\d\d):(\d\d):(\d\d(?:\.\d+)?)\s*([A-Za-z]{2,6})")


def clf_named(text: bytes, zone: tzinfo | None) -> tuple[float, bytes]:
    """A CLF time whose zone is an abbreviation ``clf`` does not read alone (IST, CST), or one a
    zone decides (BST), read as ``abbreviated`` reads one: where ``zone`` (--log-time-zone) uses
    it at that time; BadTime (why) otherwise."""
    # A log of BST read in Europe/London comes here every line, a new second on most: the
    # offset the zone decides is kept by the hour (where it is one all the hour), so a line
    # costs a regex and a sum, not ``abbreviated``'s datetimes (twice the time of the log)
    key = (text, zone)
    hit = _named_cache.get(key)
    if hit is not None:
        return hit
    m = _CLF_NAMED.fullmatch(text.decode("ascii", "replace").strip())
    if m is None or m[2].encode() not in _MONTHS:
        raise BadTime(f"not a [day/Mon/year:hh:mm:ss zone] time: {text[:40]!r}")
    d, mon, y, hh, mi, ss, abbr = m.groups()
    day = f"{y}-{_MONTHS[mon.encode()]:02d}-{int(d):02d}"
    hour = (day, hh, abbr, zone)
    minutes = _named_hour.get(hour)
    if minutes is not None and int(mi) < 60 and int(ss[:2]) < 60:  # 04:60 refused below
        wall = calendar.timegm((int(y), _MONTHS[mon.encode()], int(d), int(hh), int(mi), 0))
        t = wall + float(ss) - minutes * 60
    else:
        t, _ = abbreviated(f"{day} {hh}:{mi}:{ss} {abbr}", zone)
        if minutes is None and (offset := _hour_offset(day, hh, abbr, zone)) is not None:
            if len(_named_hour) > 10_000:
                _named_hour.clear()
            _named_hour[hour] = offset
    if len(_named_cache) > 100_000:
        _named_cache.clear()
    _named_cache[key] = (t, abbr.encode())
    return t, abbr.encode()


def _hour_offset(day: str, hh: str, abbr: str, zone: tzinfo | None) -> int | None:
    """The offset (minutes east) ``abbreviated`` reads ``abbr`` at in ``zone`` all through an
    hour of the wall clock, the same at its first second and its last; None where it is not
    (a change of clocks at 00:01, as Gaza's and Goose Bay's were) or the time is refused."""
    found = set()
    for clock in ("00:00", "59:59"):
        try:
            t, _ = abbreviated(f"{day} {hh}:{clock} {abbr}", zone)
        except BadTime:
            return None
        wall = datetime.fromisoformat(f"{day}T{hh}:{clock}").replace(tzinfo=UTC).timestamp()
        found.add(round((wall - t) / 60))
    return found.pop() if len(found) == 1 else None


# Keyed by the zone itself, not its id(): a zone let go may leave its id to the next one made
# (a --log-time-zone of +08:00, then one of -06:00), which read the first's times from here
_named_cache: dict[tuple[bytes, tzinfo | None], tuple[float, bytes]] = {}
_named_hour: dict[tuple[str, str, str, tzinfo | None], int] = {}  # (day, hour, abbr, zone)


_local_cache: dict[tuple[int | tzinfo | None, ...], float] = {}


def local_time(parts: tuple[int, int, int, int, int, int], zone: tzinfo | None) -> float:
    """A wall-clock time a log wrote with no zone (year, month, day, hour, minute, second),
    read in ``zone`` (the server's, ``--log-time-zone``; a time a change of summer time
    repeats is its first), else as UTC."""
    key = (*parts, zone)
    hit = _local_cache.get(key)
    if hit is not None:
        return hit
    try:
        value = datetime(*parts, tzinfo=zone or UTC).timestamp()
    except (ValueError, OverflowError):
        raise BadTime(f"not a valid date: {parts!r}") from None
    if len(_local_cache) > 100_000:
        _local_cache.clear()
    _local_cache[key] = value
    return value


def has_zone(text: str) -> bool:
    """Whether an ISO 8601 time ends in its zone (``Z``, an offset, ``UTC``, ``GMT``): every
    zone ``iso`` reads is in its last six characters (``+01:00``, ``+0100``, ``+01``)."""
    tail = text.rstrip()[-6:]
    return (
        tail[-1:] == "Z"
        or any(tail[i : i + 1] in ("+", "-") for i in (0, 1, 3))
        or tail[-3:] in ("UTC", "GMT")
    )


def iso_or_local(text: str, zone: tzinfo | None) -> tuple[float, bool]:
    """An ISO 8601 time a log may write with or without its zone → (epoch, whether it had
    none): with ``Z``, an offset or UTC, that; with none (MariaDB's, a ``log_timestamps``-less
    config's ``2019-12-05T10:11:12.123456``), the server's local time, read as ``local_time``
    reads it (in ``zone``, else as UTC), for the caller to say so."""
    if has_zone(text):
        return iso(text)[0], False  # its zone written (the cached, common case)
    # No zone: its wall clock read as UTC by ``iso``, cached by the hour (a regex and six ints
    # a line cost twice as much on a log of a new millisecond every line), then in ``zone``
    return wall_in(iso(text)[0], zone), True


_wall_cache: dict[tuple[int, tzinfo], float] = {}  # (wall clock as UTC, zone) → epoch


def wall_in(t: float, zone: tzinfo | None) -> float:
    """A wall-clock time a log wrote with no zone, already read as UTC (``t``), read in
    ``zone`` instead as ``local_time`` reads it (None: left as UTC)."""
    if zone is None:
        return t
    whole = math.floor(t)
    key = (whole, zone)
    hit = _wall_cache.get(key)
    if hit is None:
        hit = local_time(time.gmtime(whole)[:6], zone)
        if len(_wall_cache) > 100_000:
            _wall_cache.clear()
        _wall_cache[key] = hit
    return hit + (t - whole)


_OFFSET = re.compile(r"([+-])(\d\d):?(\d\d)")


def zone_of(text: str) -> tzinfo:
    """A time zone given by name (``Europe/Berlin``, the system's zone database) or as an
    offset from UTC (``+01:00``); ValueError for neither."""
    m = _OFFSET.fullmatch(text.strip())
    if m:
        sign = -1 if m[1] == "-" else 1
        hours, minutes = int(m[2]), int(m[3])
        if hours > 23 or minutes > 59:
            raise ValueError(f"not an offset from UTC: {text!r}")
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"not a time zone name or offset: {text!r}") from None
