"""The time readers' caches (a day's or an hour's base, then the clock by slicing) against the
full parse: the same time, or the same refusal, for every stamp, whatever was read before."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, tzinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leakhound.investigate import timeparse
from leakhound.investigate.timeparse import BadTime, clf, iso


@contextmanager
def _no_cache() -> Iterator[None]:
    """Every cache of ``timeparse`` emptied before and after."""
    caches = (
        timeparse._clf_cache,
        timeparse._clf_day,
        timeparse._iso_cache,
        timeparse._iso_hour,
        timeparse._named_cache,
        getattr(timeparse, "_named_hour", {}),  # the hour cache of named zones
        getattr(timeparse, "_meant_hour", {}),  # meant_then's, by the hour
    )
    for c in caches:
        c.clear()
    try:
        yield
    finally:
        for c in caches:
            c.clear()


def _outcome(read: Callable[[], tuple[float, object]]) -> tuple[float, object] | str:
    try:
        t, zone = read()
    except BadTime:
        return "refused"
    return float(t), zone


# A clock's two digits, mostly in range, sometimes not (60, 75), sometimes not digits at all
# (" 1" and "+1" are ints to int(), "²" a digit to str.isdigit, "٣" a decimal to int())
_TWO = st.one_of(
    st.integers(0, 61).map(lambda n: f"{n:02d}"),
    st.integers(0, 61).map(lambda n: f"{n:02d}"),
    st.sampled_from(["75", " 1", "+1", "²0", "0²", "٣0", "1", "x0"]),
)
_COLON = st.sampled_from([":"] * 8 + [" ", "x", "-"])


@st.composite
def _iso_stamps(draw: st.DrawFn) -> tuple[str, str]:
    """(a stamp, one of the same day, hour and zone at :00:00, read first to fill the cache)."""
    date = draw(st.sampled_from(["2026-12-07", "2016-12-31", "2019-02-28", "2024-02-29"]))
    sep = draw(st.sampled_from(["T", " "]))
    hour = draw(st.sampled_from(["00", "10", "23"]))
    frac = draw(st.sampled_from(["", "", ".5", ",250", ".", ",", ".²", ".٣"]))
    zone = draw(
        st.sampled_from(["Z", "+01:00", "+0100", "-05", " UTC", " +0100", "", "+01:00 ", "GMT"])
    )
    clock = draw(_TWO) + draw(_COLON) + draw(_TWO)
    head = f"{date}{sep}{hour}{draw(_COLON)}"
    return head + clock + frac + zone, f"{date}{sep}{hour}:00:00{zone}"


@settings(max_examples=400, deadline=None)
@given(_iso_stamps())
def test_the_iso_hour_cache_reads_every_stamp_as_the_full_parse_does(
    stamps: tuple[str, str],
) -> None:
    # Second 60 was read from the hour cache (as the next minute's :00) once that hour had
    # been read, and refused by the full parse: whether a line was read hung on the lines
    # before it
    text, warm = stamps
    with _no_cache():
        cold = _outcome(lambda: iso(text))
    with _no_cache():
        _outcome(lambda: iso(warm))
        assert _outcome(lambda: iso(text)) == cold


@st.composite
def _clf_stamps(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """(a CLF stamp, one of the same day and zone at 00:00:00, read first to fill the cache):
    mostly one of the usual 25 or 26 bytes, one piece of it sometimes out of range or no
    digit, or a colon something else."""
    day = draw(st.sampled_from(["07", "31", "29", "07", "07", "00", "32", " 7", "7", "+7"]))
    month = draw(st.sampled_from(["Dec", "Feb", "Mar", "Dec", "Foo", "dec"]))
    year = draw(st.sampled_from(["2026", "2016", "2024"]))
    zone = draw(
        st.sampled_from([" +0000", "-0700", " -0700", "+01:00", " CET", "Z", "", " UTC", " +02"])
    )
    frac = draw(st.sampled_from(["", "", "", "", ".5", "."]))
    clock = draw(_TWO) + draw(_COLON) + draw(_TWO) + draw(_COLON) + draw(_TWO) + frac
    head = f"{day}/{month}/{year}{draw(_COLON)}"
    return (head + clock + zone).encode(), f"{day}/{month}/{year}:00:00:00{zone}".encode()


@settings(max_examples=400, deadline=None)
@given(_clf_stamps())
def test_the_clf_day_cache_reads_every_stamp_as_the_full_parse_does(
    stamps: tuple[bytes, bytes],
) -> None:
    # The day cache took 04x00x00 (no colons) and second 60 once that day had been read;
    # the full parse refused the first, and read 31/Feb, 04:75 and :60 by carrying them on
    text, warm = stamps
    with _no_cache():
        cold = _outcome(lambda: clf(text))
    with _no_cache():
        _outcome(lambda: clf(warm))
        assert _outcome(lambda: clf(text)) == cold


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(b"31/Feb/2019:04:00:00 +0000", id="february-31"),
        pytest.param(b"05/Mar/2019:04:60:00 +0000", id="minute-60"),
        pytest.param(b"05/Mar/2019:04:00:60 +0000", id="second-60"),
        pytest.param(b"05/Mar/2019:04:+1:00 +0000", id="a-sign-for-a-digit"),
        pytest.param(b"05/Mar/2019:04: 1:00 +0000", id="a-space-for-a-digit"),
    ],
)
def test_a_clf_time_out_of_range_is_refused_not_carried_on(text: bytes) -> None:
    # timegm carries 31/Feb into 3/Mar and 04:60 into 05:00: a time the log never wrote
    with _no_cache(), pytest.raises(BadTime):
        clf(text)


@pytest.mark.parametrize(
    ("warm", "text"),
    [
        pytest.param("2026-12-07T10:00:00+01:00", "2026-12-07T10:59:60+01:00", id="second-60"),
        pytest.param("2026-12-07T10:00:00.5Z", "2026-12-07T10:00:00.Z", id="a-point-no-digit"),
    ],
)
def test_an_iso_time_the_full_parse_refuses_is_refused_from_the_hour_cache(
    warm: str, text: str
) -> None:
    with _no_cache():
        iso(warm)
        with pytest.raises(BadTime):
            iso(text)


def test_a_clf_time_without_colons_is_refused_from_the_day_cache() -> None:
    with _no_cache():
        clf(b"05/Mar/2019:04:00:00 +0000")
        with pytest.raises(BadTime):
            clf(b"05/Mar/2019:04x10x00 +0000")


def test_a_zone_made_after_another_was_let_go_does_not_read_the_others_times() -> None:
    # The caches of times read in a zone were keyed by id(zone): a --log-time-zone of -06:00
    # made where one of +08:00 had been let go took its id, and its times, 14 hours off
    from datetime import timedelta, timezone

    from leakhound.investigate.timeparse import clf_named, iso_or_local, local_time

    parts = (2019, 3, 5, 4, 0, 0)
    hours = (8, -6, 8, -6, 5, -3)
    got = []
    for h in hours:
        zone = timezone(timedelta(hours=h))
        got.append(
            (
                local_time(parts, zone),
                iso_or_local("2019-03-05T04:00:00", zone)[0],
                clf_named(b"05/Mar/2019:04:00:00 CST", zone)[0] if h in (8, -6) else None,
            )
        )
        del zone  # its id free for the next
    wall = calendar.timegm(parts)
    assert got == [
        (wall - h * 3600, wall - h * 3600, wall - h * 3600 if h in (8, -6) else None) for h in hours
    ]


def _named_by_abbreviated(text: str, zone: object) -> float | str:
    """What ``abbreviated`` alone reads a CLF time of an abbreviation at, or why it refuses."""
    from datetime import datetime

    stamp, abbr = text.rsplit(" ", 1)
    wall = datetime.strptime(stamp, "%d/%b/%Y:%H:%M:%S")
    try:
        return timeparse.abbreviated(f"{wall:%Y-%m-%d %H:%M:%S} {abbr}", zone)[0]  # type: ignore[arg-type]
    except BadTime as exc:
        return str(exc)


@pytest.mark.parametrize(
    ("zone", "day", "hours", "abbr"),
    [
        pytest.param("Europe/London", "27/Oct/2019", (0, 1, 2), "BST", id="london-autumn"),
        pytest.param("Europe/London", "31/Mar/2019", (0, 1, 2), "BST", id="london-spring"),
        pytest.param("America/New_York", "10/Mar/2019", (1, 2, 3), "EST", id="new-york-spring"),
        pytest.param("America/New_York", "03/Nov/2019", (0, 1, 2), "EST", id="new-york-autumn"),
        # its clocks changed at 00:01, within an hour
        pytest.param("America/Goose_Bay", "14/Mar/2010", (0, 1), "AST", id="goose-bay-00-01"),
        pytest.param("Australia/Lord_Howe", "06/Oct/2019", (1, 2, 3), "LHST", id="lord-howe"),
        pytest.param("Pacific/Bougainville", "28/Dec/2014", (1, 2, 3), "BST", id="bougainville"),
    ],
)  # fmt: skip
def test_a_named_zones_hour_cache_reads_every_second_as_abbreviated_does(
    zone: str, day: str, hours: tuple[int, ...], abbr: str
) -> None:
    from zoneinfo import ZoneInfo

    from leakhound.investigate.timeparse import clf_named

    tz = ZoneInfo(zone)
    with _no_cache():
        for h in hours:
            for second in range(0, 3600, 7):
                text = f"{day}:{h:02d}:{second // 60:02d}:{second % 60:02d} {abbr}"
                try:
                    got: float | str = clf_named(text.encode(), tz)[0]
                except BadTime as exc:
                    got = str(exc)
                assert got == _named_by_abbreviated(text, tz), text


def test_a_log_of_bst_read_in_london_is_not_read_by_abbreviated_each_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each line of British summer time in --log-time-zone Europe/London was read again by
    # abbreviated (a regex, datetimes in the zone): twice the time of the whole log
    from zoneinfo import ZoneInfo

    from leakhound.investigate.timeparse import clf_named

    calls = []
    real = timeparse.abbreviated

    def counted(text: str, zone: object) -> tuple[float, str]:
        calls.append(text)
        return real(text, zone)  # type: ignore[arg-type]

    monkeypatch.setattr(timeparse, "abbreviated", counted)
    london = ZoneInfo("Europe/London")
    with _no_cache():
        got = [
            clf_named(f"01/Jul/2019:10:{s // 60:02d}:{s % 60:02d} BST".encode(), london)[0]
            for s in range(3600)
        ]
    assert got == [calendar.timegm((2019, 7, 1, 9, 0, 0)) + s for s in range(3600)]
    assert len(calls) < 10


class _CountedZone(tzinfo):
    """A zone of the tz database whose every reading is counted."""

    def __init__(self, zone: tzinfo, reads: list[None]) -> None:
        self.zone, self.reads = zone, reads

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        self.reads.append(None)
        return self.zone.utcoffset(dt.replace(tzinfo=None) if dt else dt)

    def tzname(self, dt: datetime | None) -> str | None:
        return self.zone.tzname(dt.replace(tzinfo=None) if dt else dt)

    def dst(self, dt: datetime | None) -> timedelta | None:
        return self.zone.dst(dt.replace(tzinfo=None) if dt else dt)


@pytest.mark.parametrize(
    ("day", "hours", "minutes", "when_meant"),
    [
        # Dublin's IST from 01:00 GMT on 31 March 2019 (its hour 01 never there), to the hour
        # 01 of 27 October that came twice, IST then GMT
        pytest.param((2019, 3, 31), (0, 1, 2), 60, {0: False, 1: True, 2: True}, id="spring"),
        pytest.param((2019, 10, 27), (0, 1, 2), 60, {0: True, 1: True, 2: False}, id="autumn"),
        pytest.param((2019, 7, 1), (10,), 330, {10: True}, id="india"),
    ],
)
def test_meant_then_reads_the_zone_database_by_the_hour_not_each_second(
    monkeypatch: pytest.MonkeyPatch,
    day: tuple[int, int, int],
    hours: tuple[int, ...],
    minutes: int,
    when_meant: dict[int, bool],
) -> None:
    # A log of IST at --log-time-zone +05:30 read every zone writing IST at that offset, both
    # sides of a repeated hour, on every line: as much again as the rest of its reading
    reads: list[None] = []
    lettered = timeparse._lettered("IST")
    counted = {m: tuple(_CountedZone(z, reads) for z in zs) for m, zs in lettered.items()}
    monkeypatch.setattr(timeparse, "_lettered", lambda abbr: counted)
    with _no_cache():
        for h in hours:
            got = {
                timeparse.meant_then("IST", datetime(*day, h, s // 60, s % 60), minutes)
                for s in range(3600)
            }
            assert got == {when_meant[h]}, h
    assert len(reads) < 40 * len(hours)
