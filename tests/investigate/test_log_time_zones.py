"""Times written with no zone, in every format that may write them: read in --log-time-zone,
else as UTC, and said in the file's notes; a time with its zone is read as written, unnoted."""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import pytest
from investigate_helpers import SAMPLES, Run, by_address

from leakhound.investigate.formats.base import local_time_note
from leakhound.investigate.timeparse import (
    ABBREVIATIONS,
    FORMER,
    MEANINGS,
    BadTime,
    iso,
    meanings,
    zone_of,
)

LINE = (
    '203.0.113.66 - - [05/Mar/2019:04:00:00 {zone}] "GET /_cat/indices HTTP/1.1" 200 420 "-" "-"\n'
)


def _local_notes(inv: object) -> list[str]:
    return [n for f in inv.files for n in f.notes if "local time" in n]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("zone", "first"),
    [
        pytest.param(None, "2023-06-01T10:00:00Z", id="read-as-utc"),
        pytest.param("Europe/Berlin", "2023-06-01T08:00:00Z", id="in-the-zone-given"),
    ],
)
def test_a_text_slow_log_time_is_the_nodes_local_time(
    run: Run, zone: str | None, first: str
) -> None:
    # log4j's [%d{ISO8601}] (OpenSearch, ES 6): 2023-06-01T10:00:00,123, no zone
    log_zone = zone_of(zone) if zone else None
    inv = run(SAMPLES / "opensearch-slowlog.log", log_zone=log_zone)
    assert by_address(inv)["export-3"].first_seen == first
    assert _local_notes(inv) == [local_time_note(log_zone)]


def test_a_json_slow_log_time_with_its_zone_is_read_as_written(run: Run) -> None:
    inv = run(SAMPLES / "es-slowlog.json", log_zone=zone_of("Europe/Berlin"))
    assert by_address(inv)["app-42"].first_seen == "2023-06-01T10:00:00Z"  # its Z
    assert _local_notes(inv) == []


@pytest.mark.parametrize("preset", ["COMBINED", '%h %^[%d:%t %^] "%r" %s %b %^'])
def test_a_goaccess_format_keeps_the_zone_after_the_time(
    tmp_path: Path, run: Run, preset: str
) -> None:
    # GoAccess's COMBINED is "%h %^[%d:%t %^]": the field it ignores after the time is the
    # zone, and 04:00 at -0700 is 11:00 UTC, not 04:00
    path = tmp_path / "access.log"
    path.write_text(LINE.format(zone="-0700"))
    inv = run(path, log_format=preset, format="nginx")
    assert by_address(inv)["203.0.113.66"].first_seen == "2019-03-05T11:00:00Z"
    assert _local_notes(inv) == []


@pytest.mark.parametrize(
    ("stamp", "zone", "first", "noted"),
    [
        pytest.param('"2019-03-05T04:00:00"', None, "2019-03-05T04:00:00Z", True, id="iso-utc"),
        pytest.param('"2019-03-05T04:00:00"', "+02:00", "2019-03-05T02:00:00Z", True, id="iso"),
        pytest.param('"05/Mar/2019:04:00:00"', "+02:00", "2019-03-05T02:00:00Z", True, id="clf"),
        pytest.param('"2019-03-05T04:00:00Z"', "+02:00", "2019-03-05T04:00:00Z", False, id="z"),
        pytest.param('"05/Mar/2019:04:00:00 -0700"', "+02:00", "2019-03-05T11:00:00Z", False),
        pytest.param("1551758400", "+02:00", "2019-03-05T04:00:00Z", False, id="epoch"),
    ],
)
def test_a_json_access_log_time_with_no_zone_is_noted_as_local(
    tmp_path: Path, run: Run, stamp: str, zone: str | None, first: str, noted: bool
) -> None:
    path = tmp_path / "access.json"
    path.write_text(
        f'{{"time": {stamp}, "remote_addr": "203.0.113.66", '
        '"request": "GET /_cat/indices HTTP/1.1", "status": 200, "body_bytes_sent": 420}\n'
    )
    log_zone = zone_of(zone) if zone else None
    inv = run(path, log_zone=log_zone)
    assert [f.format for f in inv.files] == ["json"]
    assert by_address(inv)["203.0.113.66"].first_seen == first
    assert _local_notes(inv) == ([local_time_note(log_zone)] if noted else [])


def test_a_custom_text_format_time_with_no_zone_is_noted_as_local(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "access.log"
    path.write_text('203.0.113.66 [05/Mar/2019:04:00:00] "GET /_cat/indices HTTP/1.1" 200 420\n')
    zone = zone_of("Europe/Berlin")
    inv = run(path, log_format='%h [%d:%t] "%r" %s %b', format="nginx", log_zone=zone)
    assert by_address(inv)["203.0.113.66"].first_seen == "2019-03-05T03:00:00Z"
    assert _local_notes(inv) == [local_time_note(zone)]


@pytest.mark.parametrize("name", ["UTC", "GMT"])
def test_a_goaccess_format_reads_a_zone_named_after_the_time(
    tmp_path: Path, run: Run, name: str
) -> None:
    # Apache's "[%{%d/%b/%Y:%H:%M:%S}t %{%Z}t]" read by COMBINED: its "%^" after the time is
    # "UTC", a zone like "+0000", not a time to skip
    path = tmp_path / "access.log"
    path.write_text(LINE.format(zone=name))
    inv = run(path, log_format="COMBINED", format="nginx", log_zone=zone_of("+02:00"))
    assert by_address(inv)["203.0.113.66"].first_seen == "2019-03-05T04:00:00Z"
    assert [f.skipped for f in inv.files] == [0]
    assert _local_notes(inv) == []


@pytest.mark.parametrize(
    ("stamp", "zone", "first"),
    [
        pytest.param("05/Mar/2019:04:00:00", "+02:00", "2019-03-05T02:00:00Z", id="clf"),
        pytest.param("2019-03-05 04:00:00", "+02:00", "2019-03-05T02:00:00Z", id="iso"),
        pytest.param("2019-03-05T04:00:00", None, "2019-03-05T04:00:00Z", id="iso-utc"),
    ],
)
def test_an_access_log_time_in_brackets_with_no_zone_is_noted_as_local(
    tmp_path: Path, run: Run, stamp: str, zone: str | None, first: str
) -> None:
    # Apache's LogFormat "%h %l %u [%{%d/%b/%Y:%H:%M:%S}t] …" (or %Y-%m-%d %H:%M:%S): the
    # server's local time with no zone, as nginx's combined reader meets it
    path = tmp_path / "access.log"
    path.write_text(
        "\n".join(
            f'203.0.113.{n} - - [{stamp}] "GET /_cat/indices HTTP/1.1" 200 420 "-" "-"'
            for n in (66, 67)
        )
        + "\n"
    )
    log_zone = zone_of(zone) if zone else None
    inv = run(path, log_zone=log_zone)
    assert [f.format for f in inv.files] == ["nginx"]
    assert by_address(inv)["203.0.113.66"].first_seen == first
    assert _local_notes(inv) == [local_time_note(log_zone)]


def test_an_access_log_time_iso8601_with_its_zone_is_read_as_written(
    tmp_path: Path, run: Run
) -> None:
    path = tmp_path / "access.log"
    path.write_text(
        '203.0.113.66 - - [2019-03-05T04:00:00-07:00] "GET /_cat/indices HTTP/1.1" 200 420\n'
    )
    inv = run(path, log_zone=zone_of("+02:00"))
    assert by_address(inv)["203.0.113.66"].first_seen == "2019-03-05T11:00:00Z"
    assert _local_notes(inv) == []


@pytest.mark.parametrize("zone", [None, "Europe/Berlin", "America/New_York", "+05:30"])
@pytest.mark.parametrize(
    "wall",
    [
        "2023-06-01T10:00:00",
        "2023-06-01T10:00:00,123",
        "2023-06-01 10:59:59.999999",
        "2023-03-26T02:30:00.5",  # Berlin's spring gap
        "2023-10-29T02:30:00.25",  # Berlin's repeated hour: its first
        "2023-11-05T01:30:00",  # New York's repeated hour
        "1969-12-31T23:59:59.5",
    ],
)
def test_a_zone_less_iso_time_is_read_as_local_time_reads_it(wall: str, zone: str | None) -> None:
    from leakhound.investigate.timeparse import iso_or_local, local_time

    tz = zone_of(zone) if zone else None
    m = [
        int(x) for x in wall.replace("T", " ").replace(",", ".").split(".")[0].split()[0].split("-")
    ]
    clock = wall.replace("T", " ").replace(",", ".").split()[1]
    hh, mm, ss = clock.split(":")
    frac = float("0." + ss.split(".")[1]) if "." in ss else 0.0
    want = local_time((m[0], m[1], m[2], int(hh), int(mm), int(ss.split(".")[0])), tz) + frac
    for _ in range(2):  # and the same again, from the caches
        t, local = iso_or_local(wall, tz)
        assert local
        assert t == pytest.approx(want, abs=1e-6)


@pytest.mark.parametrize(
    ("stamp", "first", "noted"),
    [
        pytest.param("2020-12-30T22:30:06,949", "2020-12-30T21:30:06Z", True, id="iso8601"),
        pytest.param("2020-12-30T22:30:06,949+0200", "2020-12-30T20:30:06Z", False, id="offset"),
    ],
)
def test_an_es_audit_time_with_no_zone_is_noted_as_local(
    tmp_path: Path, run: Run, stamp: str, first: str, noted: bool
) -> None:
    # log4j2.properties' audit pattern edited from %d{ISO8601_OFFSET_DATE_TIME_HHCMM} to
    # %d{ISO8601}: the node's local time, no zone
    path = tmp_path / "cluster_audit.json"
    path.write_text(
        f'{{"type":"audit", "timestamp":"{stamp}", "event.type":"rest", '
        '"event.action":"anonymous_access_granted", "origin.type":"rest", '
        '"origin.address":"203.0.113.66:52434", "url.path":"/_cat/indices", '
        '"request.method":"GET", "request.id":"TqA9OisyQ8WTl1ivJUV1AA"}\n'
    )
    zone = zone_of("Europe/Berlin")
    inv = run(path, log_zone=zone)
    assert [f.format for f in inv.files] == ["es-audit"]
    assert by_address(inv)["203.0.113.66"].first_seen == first
    assert _local_notes(inv) == ([local_time_note(zone)] if noted else [])


@pytest.mark.parametrize(
    "stamp",
    [
        pytest.param("1551758400 +0000", id="epoch"),
        pytest.param("2019-03-05T04:00:00Z +0000", id="iso-with-its-zone"),
        pytest.param("2019-03-05T05:00:00+01:00 +0100", id="iso-with-its-offset"),
    ],
)
def test_a_goaccess_time_with_its_own_zone_is_not_given_a_second(
    tmp_path: Path, run: Run, stamp: str
) -> None:
    # "%x %^": the field after a time that is epoch seconds or ISO with its zone is not a zone
    # to add to it (the line was skipped as no time)
    path = tmp_path / "access.log"
    path.write_text(f'203.0.113.66 [{stamp}] "GET /_cat/indices HTTP/1.1" 200 420\n')
    inv = run(path, log_format='%h [%x %^] "%r" %s %b', format="nginx")
    assert by_address(inv)["203.0.113.66"].first_seen == "2019-03-05T04:00:00Z"
    assert [f.skipped for f in inv.files] == [0]


GLUED = [
    pytest.param("05/Mar/2019:04:00:00-0700", "2019-03-05T11:00:00Z", id="glued"),
    pytest.param("05/Mar/2019:04:00:00+01:00", "2019-03-05T03:00:00Z", id="glued-colon"),
    pytest.param("05/Mar/2019:04:00:00.250-0700", "2019-03-05T11:00:00Z", id="glued-fraction"),
    pytest.param("05/Mar/2019:04:00:00Z", "2019-03-05T04:00:00Z", id="glued-z"),
    pytest.param("05/Mar/2019:04:00:00 -0700", "2019-03-05T11:00:00Z", id="spaced"),
]


@pytest.mark.parametrize(
    ("log_format", "line"),
    [
        # a GoAccess time-format %T%z: [10/Oct/2020:13:55:36+0000]
        pytest.param('%h [%d:%t] "%r" %s %b', '203.0.113.66 [{t}] "{r}" 200 420', id="goaccess"),
        pytest.param('%h [%x] "%r" %s %b', '203.0.113.66 [{t}] "{r}" 200 420', id="goaccess-x"),
        # Apache's LogFormat "%h %l %u %{%d/%b/%Y:%H:%M:%S%z}t …", no space before the zone
        pytest.param(None, '203.0.113.66 - - [{t}] "{r}" 200 420 "-" "-"', id="apache"),
        pytest.param(None, '{{"time_local": "{t}", "remote_addr": "203.0.113.66", "request": '
                     '"{r}", "status": 200, "body_bytes_sent": 420}}', id="json"),
    ],
)  # fmt: skip
@pytest.mark.parametrize(("stamp", "first"), GLUED)
def test_a_clf_time_with_its_zone_glued_on_is_read_in_that_zone(
    tmp_path: Path, run: Run, log_format: str | None, line: str, stamp: str, first: str
) -> None:
    # "04:00:00-0700" was read as 04:00 local time, the zone lost (and so noted)
    path = tmp_path / "access.log"
    text = line.format(t=stamp, r="GET /_cat/indices HTTP/1.1")
    path.write_text(f"{text}\n{text.replace('203.0.113.66', '203.0.113.67')}\n")
    opts = {"log_format": log_format, "format": "nginx"} if log_format else {}
    inv = run(path, log_zone=zone_of("Europe/Berlin"), **opts)
    assert [f.skipped for f in inv.files] == [0]
    assert by_address(inv)["203.0.113.66"].first_seen == first
    assert _local_notes(inv) == []


@pytest.mark.parametrize(
    ("log_format", "line", "first", "noted"),
    [
        # GoAccess's CLOUDFRONT and W3C read "%d %t" under a %Y-%m-%d date-format: the two were
        # joined as "2019-03-05:04:00:00", no time, and every line skipped
        pytest.param(
            '%d %t %h "%r" %s %b',
            '2019-03-05 04:00:00 203.0.113.66 "{r}" 200 420',
            "2019-03-05T03:00:00Z",
            True,
            id="iso-date",
        ),
        pytest.param(
            '%d\t%t\t%h\t"%r"\t%s\t%b',
            '2019-03-05\t04:00:00\t203.0.113.66\t"{r}"\t200\t420',
            "2019-03-05T03:00:00Z",
            True,
            id="iso-date-tabs",
        ),
        pytest.param(
            '%d %t %^ %h "%r" %s %b',
            '2019-03-05 04:00:00 -0700 203.0.113.66 "{r}" 200 420',
            "2019-03-05T11:00:00Z",
            False,
            id="iso-date-its-zone",
        ),
        pytest.param(
            '{"date": "%d", "time": "%t", "ip": "%h", "request": "%r", "status": "%s"}',
            '{{"date": "2019-03-05", "time": "04:00:00", "ip": "203.0.113.66", "request": "{r}", '
            '"status": 200}}',
            "2019-03-05T03:00:00Z",
            True,
            id="json-keys-apart",
        ),
        pytest.param(
            '{"date": "%d", "time": "%t", "ip": "%h", "request": "%r", "status": "%s"}',
            '{{"date": "05/Mar/2019", "time": "04:00:00", "ip": "203.0.113.66", "request": '
            '"{r}", "status": 200}}',
            "2019-03-05T03:00:00Z",
            True,
            id="json-keys-apart-clf",
        ),
        pytest.param(
            '{"when": "%d:%t %^", "ip": "%h", "request": "%r", "status": "%s"}',
            '{{"when": "05/Mar/2019:04:00:00 -0700", "ip": "203.0.113.66", "request": "{r}", '
            '"status": 200}}',
            "2019-03-05T11:00:00Z",
            False,
            id="json-one-key",
        ),
    ],
)
def test_a_goaccess_date_and_time_apart_are_read_as_one_time(
    tmp_path: Path, run: Run, log_format: str, line: str, first: str, noted: bool
) -> None:
    path = tmp_path / "access.log"
    path.write_text(line.format(r="GET /_cat/indices HTTP/1.1") + "\n")
    zone = zone_of("Europe/Berlin")
    fmt = "json" if log_format.startswith("{") else "nginx"
    inv = run(path, log_format=log_format, format=fmt, log_zone=zone)
    assert [f.skipped for f in inv.files] == [0]
    assert by_address(inv)["203.0.113.66"].first_seen == first
    assert _local_notes(inv) == ([local_time_note(zone)] if noted else [])


HOURS = "2020-12-30T22:30:06,949+02"  # log4j's %d{ISO8601_OFFSET_DATE_TIME_HH}


@pytest.mark.parametrize(
    ("name", "text", "address"),
    [
        pytest.param(
            "cluster_audit.json",
            f'{{"type":"audit", "timestamp":"{HOURS}", "event.type":"rest", '
            '"event.action":"anonymous_access_granted", "origin.type":"rest", '
            '"origin.address":"203.0.113.66:52434", "url.path":"/_cat/indices", '
            '"request.method":"GET", "request.id":"TqA9OisyQ8WTl1ivJUV1AA"}\n',
            "203.0.113.66",
            id="es-audit",
        ),
        pytest.param(
            "slowlog.log",
            f"[{HOURS}][WARN ][i.s.s.query              ] [node-1] [customers][0] "
            "took[1.5s], took_millis[1500], total_hits[250000 hits], stats[], "
            "search_type[QUERY_THEN_FETCH], total_shards[1], "
            'source[{"size":5000}], id[export-3], \n',
            "export-3",
            id="slow-log",
        ),
        pytest.param(
            "access.json",
            f'{{"time": "{HOURS.replace(",", ".")}", "remote_addr": "203.0.113.66", '
            '"request": "GET /_cat/indices HTTP/1.1", "status": 200, "body_bytes_sent": 420}\n',
            "203.0.113.66",
            id="json-access-log",
        ),
    ],
)
def test_an_iso_time_with_an_offset_of_hours_alone_is_read_in_it(
    tmp_path: Path, run: Run, name: str, text: str, address: str
) -> None:
    # ISO 8601's ±hh: "+02" was no zone (the time skipped as not ISO 8601)
    path = tmp_path / name
    path.write_text(text)
    inv = run(path, log_zone=zone_of("America/New_York"))
    assert [f.skipped for f in inv.files] == [0]
    assert by_address(inv)[address].first_seen == "2020-12-30T20:30:06Z"
    assert _local_notes(inv) == []


ZONE_FIELD = [
    ('%d %t %^ %h "%r" %s', '2020-12-30 22:30:06 +02 {ip} "{r}" 200'),
    ('%h [%d:%t %^] "%r" %s', '{ip} [30/Dec/2020:22:30:06 +02] "{r}" 200'),
    ('%h [%x] "%r" %s', '{ip} [30/Dec/2020:22:30:06+02] "{r}" 200'),
]


@pytest.mark.parametrize(("log_format", "line"), ZONE_FIELD, ids=["iso", "clf", "glued"])
def test_a_zone_field_of_hours_alone_is_the_times_zone(
    tmp_path: Path, run: Run, log_format: str, line: str
) -> None:
    # The field after %t read as its zone took "-0700" but not "+02": the time was read as
    # local, in --log-time-zone (seven hours off here), or skipped when glued on
    path = tmp_path / "access.log"
    path.write_text(line.format(ip="203.0.113.66", r="GET /_cat/indices HTTP/1.1") + "\n")
    inv = run(path, log_format=log_format, format="nginx", log_zone=zone_of("America/New_York"))
    assert [f.skipped for f in inv.files] == [0]
    assert by_address(inv)["203.0.113.66"].first_seen == "2020-12-30T20:30:06Z"
    assert _local_notes(inv) == []


ABBREVIATED = [
    pytest.param("07/Dec/2026:10:00:00 CET", "2026-12-07T09:00:00Z", id="cet"),
    pytest.param("07/Jun/2026:10:00:00 CEST", "2026-06-07T08:00:00Z", id="cest"),
    pytest.param("07/Jun/2026:10:00:00 EEST", "2026-06-07T07:00:00Z", id="eest"),
    pytest.param("07/Jun/2026:10:00:00 WEST", "2026-06-07T09:00:00Z", id="west"),
    # before Bougainville's +11 of December 2014, BST's one meaning (of two since)
    pytest.param("07/Jun/2014:10:00:00 BST", "2014-06-07T09:00:00Z", id="bst"),
    pytest.param("07/Jun/2026:10:00:00 EDT", "2026-06-07T14:00:00Z", id="edt"),
    pytest.param("07/Dec/2026:10:00:00 GMT", "2026-12-07T10:00:00Z", id="gmt"),
]


@pytest.mark.parametrize(
    ("log_format", "line"),
    [
        pytest.param(None, '203.0.113.66 - - [{t}] "{r}" 200 420 "-" "-"', id="apache-%Z"),
        pytest.param(None, '203.0.113.66 - - [{iso}] "{r}" 200 420 "-" "-"', id="apache-iso-%Z"),
        pytest.param("COMBINED", '203.0.113.66 - - [{t}] "{r}" 200 420 "-" "-"', id="combined"),
        pytest.param(None, '{{"time_local": "{t}", "remote_addr": "203.0.113.66", "request": '
                     '"{r}", "status": 200}}', id="json"),
        pytest.param(None, '{{"time": "{iso}", "remote_addr": "203.0.113.66", "request": '
                     '"{r}", "status": 200}}', id="json-iso"),
    ],
)  # fmt: skip
@pytest.mark.parametrize(("stamp", "first"), ABBREVIATED)
def test_an_access_log_time_with_its_zones_abbreviation_is_read_in_that_zone(
    tmp_path: Path, run: Run, log_format: str | None, line: str, stamp: str, first: str
) -> None:
    # Apache's %{%d/%b/%Y:%H:%M:%S %Z}t: every line was skipped ("not a [day/Mon/year:hh:mm:ss
    # zone] time"), and COMBINED's "%t %^" read "CEST" as no zone, its time as UTC.
    day, clock_zone = stamp.split(":", 1)
    d, mon, y = day.split("/")
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    iso = f"{y}-{months.index(mon) + 1:02d}-{d} {clock_zone}"
    path = tmp_path / "access.log"
    path.write_text(line.format(t=stamp, iso=iso, r="GET /_cat/indices HTTP/1.1") + "\n")
    opts = {"log_format": log_format, "format": "nginx"} if log_format else {}
    inv = run(path, **opts)
    assert [f.skipped for f in inv.files] == [0]
    assert by_address(inv)["203.0.113.66"].first_seen == first
    assert _local_notes(inv) == []


AMBIGUOUS = [
    pytest.param("IST", None, None, id="ist-india-ireland-or-israel"),
    pytest.param("CST", None, None, id="cst-us-china-or-cuba"),
    pytest.param("IST", "Asia/Kolkata", "2019-03-04T22:30:00Z", id="ist-in-the-zone-given"),
    pytest.param("IST", "Europe/Berlin", None, id="ist-in-a-zone-that-does-not-use-it"),
]


@pytest.mark.parametrize(
    ("log_format", "abbr", "zone", "first"),
    [
        *(pytest.param(None, *p.values, id=f"brackets-{p.id}") for p in AMBIGUOUS),
        *(pytest.param("COMBINED", *p.values, id=f"combined-{p.id}") for p in AMBIGUOUS),
        # in brackets, a word after the time is its zone; in a --log-format's "%t %^" only a
        # zone's name is (a word that is none, INFO, leaves the time as the server's local)
        pytest.param(None, "XYZT", None, None, id="brackets-unknown"),
    ],
)
def test_an_ambiguous_zone_abbreviation_is_an_unreadable_line_saying_why(
    tmp_path: Path, run: Run, abbr: str, zone: str | None, first: str | None, log_format: str | None
) -> None:
    # An abbreviation of several meanings is not guessed: read in a --log-time-zone that
    # uses it, else the line is counted as unreadable with the zone named.
    text = LINE.format(zone=abbr) + LINE.format(zone="+0000").replace(".66", ".67")
    path = tmp_path / "access.log"
    path.write_text(text)
    opts = {"log_format": log_format, "format": "nginx"} if log_format else {}
    inv = run(path, log_zone=zone_of(zone) if zone else None, **opts)
    (f,) = inv.files
    assert by_address(inv)["203.0.113.67"].first_seen == "2019-03-05T04:00:00Z"
    if first is None:
        assert f.skipped == 1
        said = "several offsets" if abbr in MEANINGS else "no offset known"
        assert [(s.line, s.reason.split(",")[0].split(":")[0]) for s in f.skipped_examples] == [
            (1, f"the zone {abbr} names {said}")
        ]
        assert "203.0.113.66" not in by_address(inv)
    else:
        assert f.skipped == 0
        assert by_address(inv)["203.0.113.66"].first_seen == first


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(LINE.format(zone="IST"), id="clf"),
        pytest.param(
            LINE.replace("05/Mar/2019:04:00:00 {zone}", "2019-03-05 04:00:00 IST"), id="iso"
        ),
    ],
)
def test_an_ambiguous_zone_not_used_by_the_zone_given_does_not_ask_for_one(
    tmp_path: Path, run: Run, line: str
) -> None:
    # The line said "give --log-time-zone (the server's zone)" where one was given
    path = tmp_path / "access.log"
    path.write_text(line)
    (f,) = run(path, log_zone=zone_of("Europe/Berlin")).files
    assert [s.reason for s in f.skipped_examples] == [
        "the zone IST names several offsets, +05:30, +01:00 and +02:00: the --log-time-zone "
        "given, Europe/Berlin, does not use it at that time"
    ]


UTC_NOTE = (
    "times are UTC, as a W3C extended or CloudFront log writes them: --log-time-zone not applied"
)
W3C_HEADER = "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n"
IIS_FIELDS = (
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n"
)
IIS = "2019-03-05 04:00:00 10.0.0.5 GET /cust/_search - 443 - 203.0.113.66 curl/8.5.0 - 200 0 0 5\n"
CLOUDFRONT = (
    "2019-03-05\t04:00:00\tFRA56-C1\t420\t203.0.113.66\tGET\td111111abcdef8.cloudfront.net\t"
    "/cust/_search\t200\t-\tcurl/8.5.0\t-\t-\tMiss\n"
)


@pytest.mark.parametrize(
    ("log_format", "text", "utc"),
    [
        pytest.param("W3C", IIS, True, id="w3c"),
        pytest.param("W3C", W3C_HEADER + "#Fields: date time …\n" + IIS, True, id="w3c-header"),
        # IIS's whole #Fields line: as many words as the format has fields, it matched the
        # format and was counted unreadable ("not an ISO 8601 time: '#Fields: date'")
        pytest.param("W3C", W3C_HEADER + IIS_FIELDS + IIS, True, id="w3c-iis-fields"),
        pytest.param(
            "%d %t %^ %m %U %q %^ %^ %h %u %^ %^ %^ %^ %^",
            W3C_HEADER + IIS_FIELDS + IIS,
            True,
            id="iis-fields-by-header",
        ),
        pytest.param("CLOUDFRONT", "#Version: 1.0\n" + CLOUDFRONT, True, id="cloudfront"),
        pytest.param("cloudfront", CLOUDFRONT, True, id="cloudfront-lower-case"),
        # a format of one's own for a W3C log: its directives say the times are UTC
        pytest.param("%d %t %^ %m %U %q %^ %^ %h %u", W3C_HEADER + IIS, True, id="w3c-by-header"),
        # the same format, no directives: the server's local time, read in the zone given
        pytest.param("%d %t %^ %m %U %q %^ %^ %h %u", IIS, False, id="local-without-header"),
    ],
)
def test_w3c_and_cloudfront_times_are_utc_whatever_the_log_time_zone(
    tmp_path: Path, run: Run, log_format: str, text: str, utc: bool
) -> None:
    # W3C extended logs' times are "specified in GMT", CloudFront's in UTC: --log-time-zone
    # read them as Berlin's local time, an hour early (CLOUDFRONT and W3C were no format)
    path = tmp_path / "access.log"
    path.write_text(text)
    inv = run(path, log_format=log_format, format="nginx", log_zone=zone_of("Europe/Berlin"))
    (f,) = inv.files
    assert f.skipped == 0  # the directives are no unreadable lines
    src = by_address(inv)["203.0.113.66"]
    assert src.first_seen == ("2019-03-05T04:00:00Z" if utc else "2019-03-05T03:00:00Z")
    assert src.requests == 1
    assert [n for n in f.notes if "UTC" in n or "local time" in n] == [
        UTC_NOTE if utc else local_time_note(zone_of("Europe/Berlin"))
    ]


def test_a_w3c_time_with_no_log_time_zone_is_not_noted_as_local(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "access.log"
    path.write_text(IIS)
    inv = run(path, log_format="W3C", format="nginx")
    assert by_address(inv)["203.0.113.66"].first_seen == "2019-03-05T04:00:00Z"
    assert _local_notes(inv) == [] and not any("UTC" in n for n in inv.files[0].notes)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(W3C_HEADER + IIS_FIELDS + IIS, id="iis"),
        pytest.param(
            "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) "
            "cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) "
            "x-edge-result-type\n" + CLOUDFRONT,
            id="cloudfront",
        ),
    ],
)
def test_a_w3c_log_is_read_by_its_fields_directive_in_utc(
    tmp_path: Path, run: Run, text: str
) -> None:
    # No --log-format: recognised by its directives ("format not recognised" before), its
    # columns those #Fields names, its times UTC whatever --log-time-zone says
    path = tmp_path / "u_ex190305.log"
    path.write_text(text)
    inv = run(path, log_zone=zone_of("Europe/Berlin"))
    assert inv.problems == ()
    (f,) = inv.files
    assert (f.format, f.skipped) == ("w3c", 0)
    src = by_address(inv)["203.0.113.66"]
    assert (src.first_seen, src.requests, src.action_names) == (
        "2019-03-05T04:00:00Z",
        1,
        ("read",),
    )
    assert [n for n in f.notes if "UTC" in n or "local time" in n] == [UTC_NOTE]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        pytest.param(
            W3C_HEADER + "#Fields: date time cs-method cs-uri-stem\n2019-03-05 04:00:00 GET /\n",
            "its #Fields directive names no c-ip",
            id="no-client",
        ),
        pytest.param(
            W3C_HEADER + IIS_FIELDS + IIS.replace(" 5\n", "\n"),
            "14 fields where #Fields names 15",
            id="a-field-short",
        ),
        pytest.param(
            W3C_HEADER + IIS_FIELDS + IIS.replace("04:00:00", "4h"),
            "not an ISO 8601 time: '2019-03-05 4h'",
            id="bad-time",
        ),
    ],
)
def test_a_w3c_line_not_read_says_why(tmp_path: Path, run: Run, text: str, why: str) -> None:
    path = tmp_path / "u_ex190305.log"
    path.write_text(text)
    (f,) = run(path).files
    assert (f.format, f.lines, f.skipped) == ("w3c", text.count("\n"), 1)
    assert [s.reason for s in f.skipped_examples] == [why]


def test_a_w3c_line_before_any_fields_directive_is_not_guessed(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "u_ex190305.log"
    path.write_text(IIS + W3C_HEADER + IIS_FIELDS + IIS.replace(".66", ".67"))
    inv = run(path, format="w3c")
    (f,) = inv.files
    assert [(s.line, s.reason) for s in f.skipped_examples] == [
        (1, "no #Fields directive before it")
    ]
    assert set(by_address(inv)) == {"203.0.113.67"}


ZONE_WORD_FORMATS = [
    pytest.param("COMBINED", LINE.replace("{zone}", "{field}"), id="combined"),
    pytest.param(
        '%d %t %^ %h "%r" %s',
        '2026-12-07 10:00:00 {field} 203.0.113.66 "GET /_cat/indices HTTP/1.1" 200\n',
        id="iso-unbracketed",
    ),
]


@pytest.mark.parametrize(("log_format", "line"), ZONE_WORD_FORMATS)
@pytest.mark.parametrize(
    ("field", "zone", "first", "local"),
    [
        pytest.param("CET", "America/New_York", "2026-12-07T09:00:00Z", False, id="cet"),
        pytest.param("IST", "Asia/Kolkata", "2026-12-07T04:30:00Z", False, id="ist-in-its-zone"),
        # a zone abbreviation is upper case, as the tables spell it: a lower-case word that
        # is one in another case is a word, the time the server's local one, as any word's
        pytest.param("cet", None, "2026-12-07T10:00:00Z", True, id="lower-case-cet"),
        pytest.param("Cet", "America/New_York", "2026-12-07T15:00:00Z", True, id="mixed-case"),
        pytest.param("est", None, "2026-12-07T10:00:00Z", True, id="lower-case-est"),
        pytest.param("west", "Europe/Berlin", "2026-12-07T09:00:00Z", True, id="lower-case-west"),
        pytest.param("ist", "Asia/Kolkata", "2026-12-07T04:30:00Z", True, id="lower-case-ist"),
        pytest.param("XYZT", None, None, False, id="unknown"),
        pytest.param("XYZT", "Europe/Berlin", None, False, id="unknown-not-in-the-zone"),
        # WIB has one meaning, +07: read as such whatever the zone given, as CET is
        pytest.param("WIB", None, "2026-12-07T03:00:00Z", False, id="wib"),
        pytest.param("WIB", "Europe/Berlin", "2026-12-07T03:00:00Z", False, id="wib-elsewhere"),
        pytest.param("WIB", "Asia/Jakarta", "2026-12-07T03:00:00Z", False, id="wib-in-its-zone"),
        # no zone-looking word: the time stays the server's local one, read in the zone given
        pytest.param("INFO", "Europe/Berlin", "2026-12-07T09:00:00Z", True, id="level-info"),
        pytest.param("GET", "Europe/Berlin", "2026-12-07T09:00:00Z", True, id="method-get"),
        pytest.param("web", "Europe/Berlin", "2026-12-07T09:00:00Z", True, id="lower-case-word"),
        pytest.param("WEB01", "Europe/Berlin", "2026-12-07T09:00:00Z", True, id="a-host-name"),
    ],
)
def test_a_zone_field_word_is_read_as_spelt_and_an_unknown_one_is_not_taken_as_local(
    tmp_path: Path,
    run: Run,
    log_format: str,
    line: str,
    field: str,
    zone: str | None,
    first: str | None,
    local: bool,
) -> None:
    # "%t %^" took "WIB" for no zone: read as --log-time-zone's local time, or as UTC, with
    # nothing said of the zone; then "west" or "est", words, for zones (WEST, EST)
    def text(word: str) -> str:
        return line.format(field=word).replace("05/Mar/2019:04:00:00", "07/Dec/2026:10:00:00")

    path = tmp_path / "access.log"
    path.write_text(text(field) + text("+0000").replace(".66", ".67"))
    inv = run(path, log_format=log_format, format="nginx", log_zone=zone_of(zone) if zone else None)
    (f,) = inv.files
    assert by_address(inv)["203.0.113.67"].first_seen == "2026-12-07T10:00:00Z"
    if first is None:
        said = "several offsets" if field in MEANINGS else "no offset known"
        assert [(s.line, s.reason.split(",")[0].split(":")[0]) for s in f.skipped_examples] == [
            (1, f"the zone {field} names {said}")
        ]
        assert "203.0.113.66" not in by_address(inv)
    else:
        assert f.skipped == 0
        assert by_address(inv)["203.0.113.66"].first_seen == first
        assert bool(_local_notes(inv)) == local


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(LINE.replace("{zone}", "{word}"), id="brackets"),
        pytest.param(
            LINE.replace("05/Mar/2019:04:00:00 {zone}", "2019-03-05 04:00:00 {word}"),
            id="brackets-iso",
        ),
        pytest.param(
            '{{"time": "2019-03-05 04:00:00 {word}", "remote_addr": "203.0.113.66", '
            '"request": "GET /_cat/indices HTTP/1.1", "status": 200}}\n',
            id="json-iso",
        ),
    ],
)
@pytest.mark.parametrize("word", ["cet", "west", "est", "Cet", "ist"])
@pytest.mark.parametrize("zone", [None, "Asia/Kolkata"])
def test_a_lower_case_word_after_the_time_in_brackets_is_no_zone(
    tmp_path: Path, run: Run, line: str, word: str, zone: str | None
) -> None:
    # In brackets (and a JSON time) a word after the time is its zone: "west" was read as
    # WEST, "est" as EST, five hours apart; a word is no abbreviation, the line unreadable
    path = tmp_path / "access.log"
    path.write_text(line.format(word=word))
    inv = run(path, log_zone=zone_of(zone) if zone else None)
    (f,) = inv.files
    assert [s.reason for s in f.skipped_examples] == [
        f"not a zone abbreviation: {word!r} (written in upper case, as CET)"
    ]
    assert by_address(inv) == {}


def test_a_word_after_a_utc_formats_time_is_no_zone(tmp_path: Path, run: Run) -> None:
    # W3C's field after the time is s-ip, or whatever a site's #Fields puts there (an IIS
    # s-computername, WEBSRV): never a zone, the line is read, in UTC
    path = tmp_path / "access.log"
    path.write_text(IIS.replace("10.0.0.5", "WEBSRV"))
    inv = run(path, log_format="W3C", format="nginx")
    assert inv.files[0].skipped == 0
    assert by_address(inv)["203.0.113.66"].first_seen == "2019-03-05T04:00:00Z"


@pytest.mark.parametrize("word", ["CAT", "NST", "IDT", "SST", "GST", "CET", "IST"])
def test_a_zone_word_after_a_utc_formats_time_is_no_zone(
    tmp_path: Path, run: Run, word: str
) -> None:
    # An IIS s-computername after the time that the zone tables know (CAT, SST: added to
    # them) was read as a zone: the UTC time shifted (CAT, 2 hours), or unreadable (SST)
    path = tmp_path / "access.log"
    path.write_text(IIS.replace("10.0.0.5", word))
    inv = run(path, log_format="W3C", format="nginx")
    assert [s.reason for s in inv.files[0].skipped_examples] == []
    assert by_address(inv)["203.0.113.66"].first_seen == "2019-03-05T04:00:00Z"


@pytest.mark.parametrize(
    "log_format",
    [
        pytest.param(None, id="brackets"),
        pytest.param("COMBINED", id="combined"),
    ],
)
@pytest.mark.parametrize(
    ("abbr", "offset", "day", "first"),
    [
        pytest.param("IST", "+05:30", "05/Mar/2019", "2019-03-04T22:30:00Z", id="ist-india"),
        pytest.param("IST", "+01:00", "05/Jul/2019", "2019-07-05T03:00:00Z",
                     id="ist-irish-summer"),
        pytest.param("IST", "+02:00", "05/Mar/2019", "2019-03-05T02:00:00Z", id="ist-israel"),
        pytest.param("CST", "+08:00", "05/Mar/2019", "2019-03-04T20:00:00Z", id="cst-china"),
        pytest.param("CST", "-06:00", "05/Mar/2019", "2019-03-05T10:00:00Z",
                     id="cst-us-central"),
        pytest.param("PST", "-08:00", "05/Mar/2019", "2019-03-05T12:00:00Z",
                     id="pst-us-pacific"),
        pytest.param("IST", "+05:00", "05/Mar/2019", None, id="ist-at-an-offset-it-never-means"),
        pytest.param("CST", "+05:30", "05/Mar/2019", None, id="cst-at-ists-offset"),
        # a meaning of IST, but not on that day: Ireland's is summer time, Israel's winter
        pytest.param("IST", "+01:00", "05/Mar/2019", None, id="ist-irish-in-winter"),
        pytest.param("IST", "+02:00", "05/Jul/2019", None, id="ist-israel-in-summer"),
    ],
)  # fmt: skip
def test_an_ambiguous_zone_is_read_at_a_fixed_offset_that_is_one_of_its_meanings(
    tmp_path: Path,
    run: Run,
    log_format: str | None,
    abbr: str,
    offset: str,
    day: str,
    first: str | None,
) -> None:
    # --log-time-zone +05:30 never "used" IST (its name is UTC+05:30): every line unreadable
    path = tmp_path / "access.log"
    path.write_text(LINE.format(zone=abbr).replace("05/Mar/2019", day))
    opts = {"log_format": log_format, "format": "nginx"} if log_format else {}
    inv = run(path, log_zone=zone_of(offset), **opts)
    (f,) = inv.files
    if first is None:
        (why,) = [s.reason for s in f.skipped_examples]
        assert why.startswith(f"the zone {abbr} names several offsets, ")
        assert why.endswith(
            f": the --log-time-zone given, UTC{offset}, does not use it at that time"
        )
    else:
        assert f.skipped == 0
        assert by_address(inv)["203.0.113.66"].first_seen == first


def _offset(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# Every table entry at each offset it means, given as --log-time-zone's fixed offset
AT_OWN_OFFSET = [
    *(
        pytest.param(abbr, minutes, id=f"{abbr}{_offset(minutes)}")
        for abbr, minutes in ABBREVIATIONS.items()
    ),
    *(
        pytest.param(abbr, minutes, id=f"{abbr}{_offset(minutes)}")
        for abbr, meanings in MEANINGS.items()
        for minutes in meanings
    ),
    # and what the tz database wrote before it spelt numbers (SGT, VET, LHST, Bougainville's BST)
    *(
        pytest.param(abbr, minutes, id=f"{abbr}{_offset(minutes)}-former")
        for abbr, meanings in FORMER.items()
        for minutes in meanings
    ),
]


# The meanings that were not a zone's on 5 March 2019, a northern winter's day: a day each was
# (summer times; Perth's summer of 2006-2009, WST +09 as tzdata wrote it; Guam's GST of before
# 2000, ChST since)
MEANT_ON = {
    ("CDT", -300): (2019, 7, 5), ("CDT", -240): (2019, 7, 5), ("ADT", -180): (2019, 7, 5),
    ("IST", 60): (2019, 7, 5), ("BST", 60): (2019, 7, 5), ("GST", 600): (1999, 3, 5),
    ("WST", 540): (2008, 1, 5),
}  # fmt: skip


@pytest.mark.parametrize(
    ("log_format", "line"),
    [
        pytest.param(None, LINE.replace("{zone}", "{abbr}"), id="brackets"),
        pytest.param("COMBINED", LINE.replace("{zone}", "{abbr}"), id="combined"),
        pytest.param(
            None,
            '{{"time": "2019-03-05 04:00:00 {abbr}", "remote_addr": "203.0.113.66", '
            '"request": "GET /_cat/indices HTTP/1.1", "status": 200}}\n',
            id="json-iso",
        ),
    ],
)
@pytest.mark.parametrize(("abbr", "minutes"), AT_OWN_OFFSET)
def test_every_zone_abbreviation_is_read_at_a_fixed_offset_it_means(
    tmp_path: Path, run: Run, log_format: str | None, line: str, abbr: str, minutes: int
) -> None:
    # WIB (Western Indonesia, +07) in --log-time-zone +07:00 was unreadable: in no table, it
    # was read only where a named zone's own abbreviation is WIB (Asia/Jakarta)
    y, m, d = MEANT_ON.get((abbr, minutes), (2019, 3, 5))
    day = datetime(y, m, d)
    line = line.replace("05/Mar/2019", day.strftime("%d/%b/%Y"))
    line = line.replace("2019-03-05", day.strftime("%Y-%m-%d"))
    path = tmp_path / "access.log"
    path.write_text(line.format(abbr=abbr))
    opts = {"log_format": log_format, "format": "nginx"} if log_format else {}
    inv = run(path, log_zone=zone_of(_offset(minutes)), **opts)
    assert [s.reason for s in inv.files[0].skipped_examples] == []
    want = calendar.timegm((y, m, d, 4, 0, 0)) - minutes * 60
    first = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(want))
    assert by_address(inv)["203.0.113.66"].first_seen == first


def test_wib_is_read_at_plus_seven_hours(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "access.log"
    path.write_text(LINE.format(zone="WIB"))
    for zone in (None, "+07:00"):
        inv = run(path, log_zone=zone_of(zone) if zone else None)
        assert by_address(inv)["203.0.113.66"].first_seen == "2019-03-04T21:00:00Z"


@pytest.mark.parametrize(
    ("zone", "first"),
    [
        pytest.param(None, None, id="no-zone-given"),
        pytest.param("+07:00", "2019-03-04T21:00:00Z", id="western-as-tzdata-before-2013e"),
        pytest.param("Asia/Jakarta", None, id="jakarta-today-writes-wib"),
        pytest.param("+09:00", "2019-03-04T19:00:00Z", id="eastern"),
        pytest.param("Asia/Jayapura", "2019-03-04T19:00:00Z", id="jayapura"),
    ],
)
def test_wit_is_read_only_at_an_offset_it_means(
    tmp_path: Path, run: Run, zone: str | None, first: str | None
) -> None:
    # WIT was Jakarta's +07 until tzdata 2013e (WIT, CIT, EIT then; WIB, WITA, WIT since), as
    # AST was Arabia's until 2017a: read as +09 alone, a Jakarta log's time was 2 hours off
    path = tmp_path / "access.log"
    path.write_text(LINE.format(zone="WIT"))
    inv = run(path, log_zone=zone_of(zone) if zone else None)
    if first is None:
        (example,) = inv.files[0].skipped_examples
        assert example.reason.startswith("the zone WIT names several offsets")
        assert by_address(inv) == {}
    else:
        assert inv.files[0].skipped == 0
        assert by_address(inv)["203.0.113.66"].first_seen == first


def test_every_abbreviation_the_zone_database_uses_is_in_the_tables() -> None:
    # The system's tz database from 2019 on: an alphabetic abbreviation in neither table (WIB,
    # WITA, PKT, EAT were) is read only in a named zone that uses it, never at an offset
    used: dict[str, set[int]] = {}
    start = datetime(2019, 1, 1, tzinfo=UTC)
    for name in available_timezones():
        zone = ZoneInfo(name)
        for week in range(0, 12 * 53, 2):
            local = (start + timedelta(weeks=week)).astimezone(zone)
            abbr, offset = local.tzname() or "", local.utcoffset()
            if abbr.isalpha() and offset is not None:
                used.setdefault(abbr, set()).add(offset // timedelta(minutes=1))
    assert "CET" in used  # the system's tz database is there
    wrong = {
        abbr: sorted(offsets)
        for abbr, offsets in used.items()
        if offsets != {ABBREVIATIONS.get(abbr)} and not offsets <= set(MEANINGS.get(abbr, ()))
    }
    assert wrong == {}


@pytest.mark.parametrize(
    ("stamp", "offset", "first"),
    [
        pytest.param("2019-07-05 04:00:00 IST", "+01:00", "2019-07-05T03:00:00Z",
                     id="ist-irish-summer"),
        pytest.param("2019-01-05 04:00:00 IST", "+01:00", None, id="ist-irish-in-winter"),
        pytest.param("2019-01-05 04:00:00 IST", "+02:00", "2019-01-05T02:00:00Z",
                     id="ist-israel-winter"),
        pytest.param("2019-07-05 04:00:00 IST", "+02:00", None, id="ist-israel-in-summer"),
        pytest.param("2019-01-05 04:00:00 EST", "+11:00", "2019-01-04T17:00:00Z",
                     id="est-sydney-summer"),
        pytest.param("2019-07-05 04:00:00 EST", "+11:00", None, id="est-plus-11-in-july"),
        pytest.param("2019-07-05 04:00:00 EST", "+10:00", "2019-07-04T18:00:00Z",
                     id="est-australian-winter"),
        pytest.param("2019-07-05 04:00:00 EST", "-05:00", "2019-07-05T09:00:00Z",
                     id="est-panama-all-year"),
        pytest.param("2019-07-05 04:00:00 CST", "+10:30", None, id="cst-adelaide-in-july"),
        pytest.param("2019-07-05 04:00:00 CST", "-05:00", None, id="cst-cuba-in-summer"),
        pytest.param("2019-01-05 04:00:00 CST", "-05:00", "2019-01-05T09:00:00Z",
                     id="cst-cuba-winter"),
        # a meaning no zone writes in letters now (Riyadh's +03): by the tables, any day
        pytest.param("2019-07-05 04:00:00 AST", "+03:00", "2019-07-05T01:00:00Z",
                     id="ast-arabia"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("shape", ["clf", "iso"])
def test_an_ambiguous_zone_at_a_fixed_offset_is_read_only_at_a_meaning_it_had_that_day(
    tmp_path: Path, run: Run, stamp: str, offset: str, first: str | None, shape: str
) -> None:
    # Any meaning of the abbreviation at the offset was taken, whatever the day: IST at
    # +01:00 in January (Ireland writes GMT then), EST at +11:00 in July (Sydney's winter)
    if shape == "clf":
        t = datetime.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S")
        stamp = t.strftime("%d/%b/%Y:%H:%M:%S") + stamp[19:]
    inv = _read_line(tmp_path, run, stamp, offset)
    _read_or_refused(inv, first, f"the zone {stamp[-3:]} names several offsets")
    if first is None:
        (example,) = inv.files[0].skipped_examples
        assert example.reason.endswith(
            f"the --log-time-zone given, UTC{offset}, does not use it at that time"
        )


def test_an_iso_time_with_an_ambiguous_zone_is_read_at_a_fixed_offset_it_means(
    tmp_path: Path, run: Run
) -> None:
    path = tmp_path / "access.log"
    path.write_text(
        '{"time": "2019-03-05 04:00:00 IST", "remote_addr": "203.0.113.66", '
        '"request": "GET /_cat/indices HTTP/1.1", "status": 200}\n'
    )
    inv = run(path, log_zone=zone_of("+05:30"))
    assert inv.files[0].skipped == 0
    assert by_address(inv)["203.0.113.66"].first_seen == "2019-03-04T22:30:00Z"


@pytest.mark.parametrize(
    ("log_format", "line"),
    [
        pytest.param(None, LINE.replace("{zone}", "+0100"), id="brackets"),
        pytest.param("COMBINED", LINE.replace("{zone}", "+0100"), id="combined"),
        pytest.param(
            None,
            '{"time_local": "05/Mar/2019:04:00:00 +0100", "remote_addr": "203.0.113.66", '
            '"request": "GET /_cat/indices HTTP/1.1", "status": 200}\n',
            id="json",
        ),
    ],
)
@pytest.mark.parametrize("day", ["5", " 5"], ids=["one-digit", "space-padded"])
def test_a_clf_time_with_a_day_of_one_digit_is_read(
    tmp_path: Path, run: Run, log_format: str | None, line: str, day: str
) -> None:
    # No server writes one by default (nginx, Apache's %t, lighttpd, HAProxy, Caddy: two
    # digits), but Apache's %{%e/%b/%Y:%H:%M:%S %z}t does: a --log-format or JSON time was
    # unreadable as "not an ISO 8601 time", though the brackets read it
    path = tmp_path / "access.log"
    path.write_text(line.replace("05/Mar/2019", f"{day}/Mar/2019"))
    opts = {"log_format": log_format, "format": "nginx"} if log_format else {}
    inv = run(path, **opts)
    assert inv.files[0].skipped == 0
    assert by_address(inv)["203.0.113.66"].first_seen == "2019-03-05T03:00:00Z"


@pytest.mark.parametrize("log_format", ["COMBINED", '%h %^[%d:%t %^] "%r" %s %b %^'])
@pytest.mark.parametrize(
    ("stamp", "zone", "first", "local"),
    [
        pytest.param("2026-12-07T10:20:30+01:00", None, "2026-12-07T09:20:30Z", False, id="offset"),
        pytest.param(
            "2026-12-07T10:20:30+01:00", "America/New_York", "2026-12-07T09:20:30Z", False,
            id="offset-whatever-the-zone",
        ),
        pytest.param("2026-12-07T10:20:30.250-05:00", None, "2026-12-07T15:20:30Z", False,
                     id="fraction"),
        pytest.param("2026-12-07T10:20:30Z", "Europe/Berlin", "2026-12-07T10:20:30Z", False,
                     id="z"),
        pytest.param("2026-12-07T10:20:30+01:00 ", None, "2026-12-07T09:20:30Z", False,
                     id="a-space-after"),
        pytest.param("2026-12-07 10:20:30 +0100", None, "2026-12-07T09:20:30Z", False,
                     id="zone-apart"),
        pytest.param("2026-12-07T10:20:30", "Europe/Berlin", "2026-12-07T09:20:30Z", True,
                     id="no-zone"),
    ],
)  # fmt: skip
def test_an_iso_time_in_combineds_brackets_is_read(
    tmp_path: Path,
    run: Run,
    log_format: str,
    stamp: str,
    zone: str | None,
    first: str,
    local: bool,
) -> None:
    # nginx's log_format with $time_iso8601 in combined's [$time_local] place: "[%d:%t %^]"
    # wants a space before "]", so every line was "does not match --log-format"; with one,
    # %d and %t cut the time at its first colon and "2026-12-07T10 00:00+01:00" was no time
    path = tmp_path / "access.log"
    path.write_text(LINE.replace("05/Mar/2019:04:00:00 {zone}", stamp))
    inv = run(path, log_format=log_format, format="nginx", log_zone=zone_of(zone) if zone else None)
    (f,) = inv.files
    assert [s.reason for s in f.skipped_examples] == []
    assert by_address(inv)["203.0.113.66"].first_seen == first
    assert bool(_local_notes(inv)) == local


def test_an_iso_time_cut_at_its_first_colon_is_not_read_from_the_hours_cache() -> None:
    # The per-hour cache checked the colon before the seconds only: once 10:59:59 of that day
    # and zone was read, "2026-12-07T10 20:30+01:00" was read as 10:20:30, else unreadable
    assert iso("2026-12-07T10:59:59+01:00")[0] == iso("2026-12-07T09:59:59Z")[0]
    with pytest.raises(BadTime):
        iso("2026-12-07T10 20:30+01:00")


@pytest.mark.parametrize(
    "text",
    ["2026-12-07T11:²0:30+01:00", "2026-12-07T11:20:3²+01:00", "2026-12-07T11:20:30.²+01:00"],
)
def test_a_digit_that_is_no_number_in_a_cached_hour_is_a_bad_time(text: str) -> None:
    # "²" is a digit to str.isdigit, not to int(): once that hour was read, the hour cache's
    # int() raised ValueError, which a format catching BadTime (an audit log's) let through
    iso("2026-12-07T11:59:59+01:00")
    with pytest.raises(BadTime):
        iso(text)


def test_an_iso_time_with_its_offset_in_brackets_is_read_by_x(tmp_path: Path, run: Run) -> None:
    # "[%x %^]" wanted a space and a field after the time, as "[%d:%t %^]" did
    path = tmp_path / "access.log"
    path.write_text(LINE.replace("05/Mar/2019:04:00:00 {zone}", "2026-12-07T10:20:30+01:00"))
    inv = run(path, log_format='%h %^[%x %^] "%r" %s %b %^', format="nginx")
    assert inv.files[0].skipped == 0
    assert by_address(inv)["203.0.113.66"].first_seen == "2026-12-07T09:20:30Z"


def _read_line(tmp_path: Path, run: Run, stamp: str, zone: str | None) -> Any:
    """The access log of one line whose time is ``stamp``, read in ``zone`` (None: none)."""
    path = tmp_path / "access.log"
    path.write_text(LINE.replace("05/Mar/2019:04:00:00 {zone}", stamp))
    return run(path, log_zone=zone_of(zone) if zone else None)


def _read_stamp(tmp_path: Path, run: Run, stamp: str, zone: str | None, shape: str) -> Any:
    """``_read_line`` of ``stamp`` written ``2014-10-26 01:30:00 MSK``, or with ``shape`` clf
    as CLF writes it, ``26/Oct/2014:01:30:00 MSK``."""
    if shape == "clf":
        t = datetime.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S")
        stamp = t.strftime("%d/%b/%Y:%H:%M:%S") + stamp[19:]
    return _read_line(tmp_path, run, stamp, zone)


def _read_as(tmp_path: Path, run: Run, stamp: str, log_format: str | None) -> Any:
    """One request at ``stamp``, investigated as a line of ``log_format``: the default
    (CLF), nginx's COMBINED, or a JSON line's ``time_local``."""
    path = tmp_path / "access.log"
    if log_format == "json":
        path.write_text(
            f'{{"time_local": "{stamp}", "remote_addr": "203.0.113.66", '
            '"request": "GET /_cat/indices HTTP/1.1", "status": 200}\n'
        )
        return run(path)
    path.write_text(LINE.replace("05/Mar/2019:04:00:00 {zone}", stamp))
    return run(path, **({"log_format": log_format, "format": "nginx"} if log_format else {}))


def _read_or_refused(inv: Any, first: str | None, refused: str) -> None:
    """The line read at ``first``, or (None) refused for a reason starting ``refused``."""
    if first is None:
        (example,) = inv.files[0].skipped_examples
        assert example.reason.startswith(refused)
        assert by_address(inv) == {}
    else:
        assert [s.reason for s in inv.files[0].skipped_examples] == []
        assert by_address(inv)["203.0.113.66"].first_seen == first


@pytest.mark.parametrize(
    ("stamp", "zone", "first"),
    [
        pytest.param("2012-06-01 10:00:00 MSK", None, "2012-06-01T06:00:00Z", id="msk-2012"),
        pytest.param("2011-03-27 01:59:59 MSK", None, "2011-03-26T22:59:59Z", id="msk-before"),
        pytest.param("2011-03-27 03:00:00 MSK", None, "2011-03-26T23:00:00Z", id="msk-from"),
        pytest.param("2014-10-26 00:59:59 MSK", None, "2014-10-25T20:59:59Z", id="msk-last"),
        pytest.param("2014-10-26 02:00:00 MSK", None, "2014-10-25T23:00:00Z", id="msk-after"),
        pytest.param("2019-06-01 10:00:00 MSK", None, "2019-06-01T07:00:00Z", id="msk-2019"),
        pytest.param("2010-06-01 10:00:00 MSD", None, "2010-06-01T06:00:00Z", id="msd-2010"),
        pytest.param("2012-06-01 10:00:00 MSK", "Europe/Moscow", "2012-06-01T06:00:00Z",
                     id="msk-in-moscow"),
        pytest.param("2016-06-01 10:00:00 KST", "Asia/Pyongyang", "2016-06-01T01:30:00Z",
                     id="kst-in-pyongyang"),
        pytest.param("2016-06-01 10:00:00 KST", "Asia/Seoul", "2016-06-01T01:00:00Z",
                     id="kst-in-seoul"),
        pytest.param("2016-06-01 10:00:00 KST", "+08:30", "2016-06-01T01:30:00Z",
                     id="kst-at-pyongyangs-offset"),
        pytest.param("2019-06-01 10:00:00 KST", None, "2019-06-01T01:00:00Z", id="kst-2019"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("shape", ["iso", "clf"])
def test_an_abbreviation_is_read_at_its_meaning_when_the_time_was_written(
    tmp_path: Path, run: Run, stamp: str, zone: str | None, first: str, shape: str
) -> None:
    # MSK was +04 from March 2011 to October 2014 (Moscow's permanent "summer" time): the
    # table, of the tz database's abbreviations from 2019 on, read it +03, an hour late
    _read_or_refused(_read_stamp(tmp_path, run, stamp, zone, shape), first, "")


@pytest.mark.parametrize(
    "stamp",
    [
        pytest.param("2014-10-26 01:30:00 MSK", id="msk-the-hour-that-came-twice"),
        pytest.param("2016-06-01 10:00:00 KST", id="kst-of-pyongyang-or-seoul"),
    ],
)
def test_an_abbreviation_of_two_meanings_then_is_not_guessed(
    tmp_path: Path, run: Run, stamp: str
) -> None:
    path = tmp_path / "access.log"
    path.write_text(LINE.replace("05/Mar/2019:04:00:00 {zone}", stamp))
    inv = run(path)
    (example,) = inv.files[0].skipped_examples
    assert example.reason.startswith(f"the zone {stamp[-3:]} names several offsets")
    assert by_address(inv) == {}


def test_every_abbreviation_the_zone_database_used_from_2000_is_read_at_its_meaning_then() -> None:
    # The tables are of 2019 on: MSK (+04, 2011-2014) and Pyongyang's KST (+08:30, 2015-2018)
    # meant other offsets before, which an access log of those years wrote
    wrong: dict[str, set[tuple[str, int]]] = {}
    start = datetime(2000, 1, 1, tzinfo=UTC)
    for name in available_timezones():
        zone = ZoneInfo(name)
        for week in range(0, 19 * 53, 2):
            local = (start + timedelta(weeks=week, hours=week % 24)).astimezone(zone)
            abbr, offset = local.tzname() or "", local.utcoffset()
            if not abbr.isalpha() or offset is None:
                continue
            minutes = offset // timedelta(minutes=1)
            if minutes not in meanings(abbr, local.replace(tzinfo=None)):
                wrong.setdefault(abbr, set()).add((local.strftime("%Y-%m"), minutes))
    assert wrong == {}


@pytest.mark.parametrize(
    ("stamp", "zone", "first"),
    [
        pytest.param("07/Dec/2026:10:00:00 EST", "America/New_York", "2026-12-07T15:00:00Z",
                     id="us-eastern"),
        pytest.param("07/Dec/2026:10:00:00 EST", "-05:00", "2026-12-07T15:00:00Z",
                     id="us-eastern-offset"),
        pytest.param("07/Jul/2013:10:00:00 EST", "Australia/Sydney", "2013-07-07T00:00:00Z",
                     id="sydney-winter"),
        pytest.param("07/Jan/2013:10:00:00 EST", "Australia/Sydney", "2013-01-06T23:00:00Z",
                     id="sydney-summer-spelt-est-too"),
        pytest.param("07/Jan/2013:10:00:00 EST", "Australia/Brisbane", "2013-01-07T00:00:00Z",
                     id="brisbane"),
        pytest.param("07/Jul/2013:10:00:00 EST", "+10:00", "2013-07-07T00:00:00Z",
                     id="australian-eastern-offset"),
        pytest.param("07/Jan/2013:10:00:00 CST", "Australia/Adelaide", "2013-01-06T23:30:00Z",
                     id="adelaide-summer-spelt-cst-too"),
        pytest.param("07/Jul/2013:10:00:00 CST", "+09:30", "2013-07-07T00:30:00Z",
                     id="australian-central-offset"),
        pytest.param("07/Jan/2013:10:00:00 EST", "Europe/Berlin", None, id="a-zone-without-it"),
        pytest.param("07/Dec/2026:10:00:00 EST", None, None, id="no-zone-given"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("shape", ["clf", "iso"])
def test_est_is_us_or_australian_eastern_as_the_log_time_zone_says(
    tmp_path: Path, run: Run, stamp: str, zone: str | None, first: str | None, shape: str
) -> None:
    # Australian Eastern time was EST, in summer (+11) too, in tzdata before 2014f: read as US
    # Eastern (-05) alone, such a log's times were 15 or 16 hours off, said nowhere
    if shape == "iso":
        t = datetime.strptime(stamp[:20], "%d/%b/%Y:%H:%M:%S")
        stamp = t.strftime("%Y-%m-%d %H:%M:%S") + stamp[20:]
    inv = _read_line(tmp_path, run, stamp, zone)
    _read_or_refused(inv, first, f"the zone {stamp[-3:]} names several offsets")


@pytest.mark.parametrize(
    ("zone", "first"),
    [
        pytest.param("-02:00", "2016-03-05T06:00:00Z", id="south-georgia-offset"),
        pytest.param("Atlantic/South_Georgia", "2016-03-05T06:00:00Z", id="south-georgia"),
        pytest.param("+04:00", "2016-03-05T00:00:00Z", id="gulf-offset"),
        pytest.param("Asia/Dubai", "2016-03-05T00:00:00Z", id="dubai"),
        # Guam's GST was before 2000 (ChST since): no meaning of GST in 2016
        pytest.param("+10:00", None, id="guam-before-2000-offset"),
        pytest.param("Europe/Berlin", None, id="a-zone-without-it"),
        pytest.param(None, None, id="no-zone-given"),
    ],
)
@pytest.mark.parametrize(
    "stamp", ["05/Mar/2016:04:00:00 GST", "2016-03-05 04:00:00 GST"], ids=["clf", "iso"]
)
def test_gst_is_read_only_at_a_meaning_the_log_time_zone_gives(
    tmp_path: Path, run: Run, stamp: str, zone: str | None, first: str | None
) -> None:
    # GST was South Georgia's -02 as well as the Gulf's +04 in tzdata before 2017a: a log
    # of --log-time-zone -02:00 or Atlantic/South_Georgia was unreadable
    inv = _read_line(tmp_path, run, stamp, zone)
    _read_or_refused(inv, first, "the zone GST names several offsets")


@pytest.mark.parametrize(
    ("stamp", "zone", "first", "local"),
    [
        pytest.param("2024-03-01 10:00:00 +0100", None, "2024-03-01T09:00:00Z", False,
                     id="offset-apart"),
        pytest.param("2024-03-01 10:00:00 +01:00", None, "2024-03-01T09:00:00Z", False,
                     id="offset-with-colon"),
        pytest.param("2024-03-01 10:00:00.250 -0500", None, "2024-03-01T15:00:00Z", False,
                     id="fraction"),
        pytest.param("2024-03-01 10:00:00+01:00", None, "2024-03-01T09:00:00Z", False,
                     id="offset-glued"),
        pytest.param("2024-03-01 10:00:00 CET", None, "2024-03-01T09:00:00Z", False,
                     id="abbreviation"),
        pytest.param("2024-03-01 10:00:00 UTC", "Europe/Berlin", "2024-03-01T10:00:00Z", False,
                     id="utc"),
        pytest.param("2024-03-01 10:00:00", "Europe/Berlin", "2024-03-01T09:00:00Z", True,
                     id="no-zone"),
    ],
)  # fmt: skip
@pytest.mark.parametrize(
    ("log_format", "line"),
    [
        pytest.param(
            '%h %^[%x %^] "%r" %s %b %^',
            LINE.replace("05/Mar/2019:04:00:00 {zone}", "{stamp}"),
            id="brackets",
        ),
        pytest.param(
            '%x %^ %h "%r" %s %b',
            '{stamp} 203.0.113.66 "GET /_cat/indices HTTP/1.1" 200 420\n',
            id="first-field",
        ),
    ],
)
def test_an_iso_time_with_a_space_is_read_whole_by_x(
    tmp_path: Path,
    run: Run,
    log_format: str,
    line: str,
    stamp: str,
    zone: str | None,
    first: str,
    local: bool,
) -> None:
    # A %x followed by a space read a word: "2024-03-01", and every line was "not an ISO 8601
    # time: '2024-03-01'"
    if log_format.startswith("%x") and stamp.count(" ") < 2:
        line = line.replace("{stamp} ", "{stamp} - ")  # the "%^" after the time: a field
    path = tmp_path / "access.log"
    path.write_text(line.format(stamp=stamp))
    inv = run(path, log_format=log_format, format="nginx", log_zone=zone_of(zone) if zone else None)
    assert [s.reason for s in inv.files[0].skipped_examples] == []
    assert by_address(inv)["203.0.113.66"].first_seen == first
    assert bool(_local_notes(inv)) == local


@pytest.mark.parametrize(
    ("stamp", "zone"),
    [
        pytest.param("2014-10-26 01:30:00 MSK", "Europe/Moscow", id="msk-in-moscow"),
        pytest.param("2013-04-07 02:30:00 EST", "Australia/Sydney", id="est-in-sydney"),
        pytest.param("2013-04-07 02:30:00 CST", "Australia/Adelaide", id="cst-in-adelaide"),
    ],
)
@pytest.mark.parametrize("shape", ["iso", "clf"])
def test_the_hour_a_named_zone_repeated_under_one_abbreviation_is_not_guessed(
    tmp_path: Path, run: Run, stamp: str, zone: str, shape: str
) -> None:
    # Both sides of the change spelt alike (MSK +04 then +03; EST for AEDT then AEST before
    # tzdata 2014f): the first was taken, an hour off for every line of the second
    inv = _read_stamp(tmp_path, run, stamp, zone, shape)
    (example,) = inv.files[0].skipped_examples
    assert example.reason.startswith(f"the zone {stamp[-3:]} names two offsets at that time")
    assert by_address(inv) == {}


@pytest.mark.parametrize(
    ("stamp", "zone", "first"),
    [
        pytest.param("2014-10-26 01:30:00 MSK", "+03:00", "2014-10-25T22:30:00Z",
                     id="msk-repeated-at-an-offset"),
        pytest.param("2014-10-26 02:30:00 MSK", "Europe/Moscow", "2014-10-25T23:30:00Z",
                     id="msk-after-the-repeated-hour"),
        pytest.param("2013-04-07 03:30:00 EST", "Australia/Sydney", "2013-04-06T17:30:00Z",
                     id="est-after-the-repeated-hour"),
        # Hours a named zone skipped, spelt alike on both sides: the one meaning of then, as a
        # CLF time reads it by the table
        pytest.param("2011-03-27 02:30:00 MSK", "Europe/Moscow", "2011-03-26T22:30:00Z",
                     id="msk-the-hour-moscow-skipped"),
        pytest.param("2018-05-04 23:45:00 KST", "Asia/Pyongyang", "2018-05-04T14:45:00Z",
                     id="kst-the-half-hour-pyongyang-skipped"),
        pytest.param("2018-05-04 23:45:00 KST", None, "2018-05-04T14:45:00Z",
                     id="kst-seouls-alone-in-the-half-hour-pyongyang-skipped"),
        pytest.param("2015-08-14 23:15:00 KST", None, "2015-08-14T14:15:00Z",
                     id="kst-before-pyongyangs-half-hour"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("shape", ["iso", "clf"])
def test_a_time_beside_a_change_of_meaning_is_read_at_its_one_meaning(
    tmp_path: Path, run: Run, stamp: str, zone: str | None, first: str, shape: str
) -> None:
    _read_or_refused(_read_stamp(tmp_path, run, stamp, zone, shape), first, "")


@pytest.mark.parametrize(
    ("stamp", "first"),
    [
        pytest.param("07/Jul/2013:10:00:00 WST", "2013-07-07T02:00:00Z", id="winter"),
        pytest.param("07/Jan/2008:10:00:00 WST", "2008-01-07T01:00:00Z", id="summer-2008"),
        pytest.param("2013-07-07 10:00:00 WST", "2013-07-07T02:00:00Z", id="iso"),
    ],
)
def test_perths_wst_of_before_2014f_is_read_in_australia_perth(
    tmp_path: Path, run: Run, stamp: str, first: str
) -> None:
    # Perth was WST, in its summers of 2006-2009 too, as EST and CST were Sydney's and
    # Adelaide's: in Australia/Perth, which writes AWST now, its lines were unreadable, said
    # "does not use it at that time"
    _read_or_refused(_read_line(tmp_path, run, stamp, "Australia/Perth"), first, "")


@pytest.mark.parametrize(
    ("stamp", "why"),
    [
        pytest.param(
            "07/Dec/2026:10:00:00 EST",
            "the zone EST names several offsets, -05:00, +10:00 and +11:00: give "
            "--log-time-zone (the server's zone)",
            id="clf-est",
        ),
        pytest.param(
            "2026-12-07 10:00:00 CST",
            "the zone CST names several offsets, -06:00, -05:00, +08:00, +09:30 and +10:30: "
            "give --log-time-zone (the server's zone)",
            id="iso-cst",
        ),
        pytest.param(
            "07/Dec/2026:10:00:00 XYZT",
            "the zone XYZT names no offset known: give --log-time-zone (the server's zone)",
            id="clf-unknown",
        ),
    ],
)
def test_an_unreadable_abbreviation_says_the_offsets_it_names(
    tmp_path: Path, run: Run, stamp: str, why: str
) -> None:
    # Which --log-time-zone reads the line is plain from the line's reason: -05:00 for a US one
    (example,) = _read_line(tmp_path, run, stamp, None).files[0].skipped_examples
    assert example.reason == why


# The zones write numbers now (+1030/+11, +0845): a log of LHST or CWST was refused in
# Australia/Lord_Howe and Australia/Eucla, "does not use it at that time"
LORD_HOWE_AND_EUCLA = [
    # tzdata before 2014f spelt Lord Howe's summer LHST too, and 2014f-2016j LHST/LHDT
    pytest.param("2016-07-07 10:00:00 LHST", "Australia/Lord_Howe", "2016-07-06T23:30:00Z",
                 id="lhst-winter"),
    pytest.param("2013-01-07 10:00:00 LHST", "Australia/Lord_Howe", "2013-01-06T23:00:00Z",
                 id="lhst-summer-as-before-2014f"),
    pytest.param("2016-01-07 10:00:00 LHDT", "Australia/Lord_Howe", "2016-01-06T23:00:00Z",
                 id="lhdt"),
    pytest.param("2016-07-07 10:00:00 CWST", "Australia/Eucla", "2016-07-07T01:15:00Z",
                 id="cwst"),
    pytest.param("2008-01-07 10:00:00 CWST", "Australia/Eucla", "2008-01-07T00:15:00Z",
                 id="cwst-summer-2008"),
    pytest.param("2016-07-07 10:00:00 ACWST", "Australia/Eucla", "2016-07-07T01:15:00Z",
                 id="acwst-of-2014f"),
    pytest.param("2016-07-07 10:00:00 LHST", "+10:30", "2016-07-06T23:30:00Z",
                 id="lhst-at-its-offset"),
    pytest.param("2016-07-07 10:00:00 LHST", None, None, id="lhst-without-a-zone"),
    pytest.param("2016-07-07 10:00:00 CWST", "Australia/Perth", None, id="cwst-in-perth"),
]  # fmt: skip


# tzdata 2017a (and 2016d-2016j) spell these zones as numbers (+08, -03, -04): a log
# written with the letters before was refused even in its own --log-time-zone
REPLACED_WITH_NUMBERS = [
    pytest.param("2016-07-07 10:00:00 SGT", "Asia/Singapore", "2016-07-07T02:00:00Z",
                 id="sgt-in-singapore"),
    pytest.param("2016-07-07 10:00:00 SGT", None, "2016-07-07T02:00:00Z",
                 id="sgt-of-one-meaning-without-a-zone"),
    pytest.param("2016-07-07 10:00:00 SGT", "Europe/Berlin", "2016-07-07T02:00:00Z",
                 id="sgt-of-one-meaning-elsewhere"),
    pytest.param("2016-07-07 10:00:00 BRT", "America/Sao_Paulo", "2016-07-07T13:00:00Z",
                 id="brt"),
    pytest.param("2016-01-07 10:00:00 BRST", "America/Sao_Paulo", "2016-01-07T12:00:00Z",
                 id="brst"),
    pytest.param("2016-07-07 10:00:00 ART", "America/Argentina/Buenos_Aires",
                 "2016-07-07T13:00:00Z", id="art"),
    pytest.param("2015-07-07 10:00:00 VET", "America/Caracas", "2015-07-07T14:30:00Z",
                 id="vet-of-2007-2016"),
    pytest.param("2017-07-07 10:00:00 VET", "America/Caracas", "2017-07-07T14:00:00Z",
                 id="vet-since-2016"),
    pytest.param("2015-07-07 10:00:00 VET", "-04:30", "2015-07-07T14:30:00Z",
                 id="vet-at-an-offset-it-meant"),
    pytest.param("2015-07-07 10:00:00 AMT", "Asia/Yerevan", "2015-07-07T06:00:00Z",
                 id="amt-armenia"),
    pytest.param("2015-07-07 10:00:00 AMT", "America/Manaus", "2015-07-07T14:00:00Z",
                 id="amt-amazon"),
    # as tzdata wrote Colombo's until 2016h, and Arabia's until 2017a
    pytest.param("2015-07-07 10:00:00 IST", "Asia/Colombo", "2015-07-07T04:30:00Z",
                 id="ist-in-colombo"),
    pytest.param("2015-07-07 10:00:00 AST", "Asia/Riyadh", "2015-07-07T07:00:00Z",
                 id="ast-in-riyadh"),
    pytest.param("2015-07-07 10:00:00 VET", None, None, id="vet-without-a-zone"),
    pytest.param("2015-07-07 10:00:00 AMT", None, None, id="amt-without-a-zone"),
    pytest.param("2015-07-07 10:00:00 AMT", "Europe/Berlin", None, id="amt-elsewhere"),
    pytest.param("2015-07-07 10:00:00 VET", "America/Bogota", None, id="vet-elsewhere"),
]  # fmt: skip


OF_RELEASES_BETWEEN = [
    # Chile's year at summer time's offset, 2015, tzdata 2015a-2016b spelt CLT (and Easter
    # Island's EAST): read at -04 (-06) anywhere, an hour off, and so in their own zone
    pytest.param("2015-07-07 10:00:00 CLT", "America/Santiago", "2015-07-07T13:00:00Z",
                 id="clt-2015-in-santiago"),
    pytest.param("2014-07-07 10:00:00 CLT", "America/Santiago", "2014-07-07T14:00:00Z",
                 id="clt-2014-in-santiago"),
    pytest.param("2015-07-07 10:00:00 CLT", None, None, id="clt-without-a-zone"),
    pytest.param("2015-07-07 10:00:00 EAST", "Pacific/Easter", "2015-07-07T15:00:00Z",
                 id="east-2015-on-easter-island"),
    # Choibalsan's summers of 2001-2006 were CHOST at +10 (+09 those of 2015-2016)
    pytest.param("2005-07-07 10:00:00 CHOST", "+10:00", "2005-07-07T00:00:00Z",
                 id="chost-2005"),
    pytest.param("2005-07-07 10:00:00 CHOST", None, None, id="chost-without-a-zone"),
    # in no release of 2014e, 2016c or 2016j's table: "names no offset known"
    pytest.param("2003-07-07 10:00:00 QYZST", None, "2003-07-07T03:00:00Z", id="qyzst"),
    pytest.param("2010-07-07 10:00:00 VOST", None, "2010-07-07T04:00:00Z", id="vost"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("stamp", "zone", "first"), LORD_HOWE_AND_EUCLA + REPLACED_WITH_NUMBERS + OF_RELEASES_BETWEEN
)
@pytest.mark.parametrize("shape", ["iso", "clf"])
def test_letters_the_zone_database_spelt_otherwise_are_read_at_their_meanings_then(
    tmp_path: Path, run: Run, stamp: str, zone: str | None, first: str | None, shape: str
) -> None:
    inv = _read_stamp(tmp_path, run, stamp, zone, shape)
    _read_or_refused(inv, first, f"the zone {stamp.split()[-1]} names several offsets")


@pytest.mark.parametrize(
    ("stamp", "first"),
    [
        pytest.param("07/Jun/2026:10:00:00 BST", "2026-06-07T09:00:00Z", id="british-2026"),
        pytest.param("07/Jun/2017:10:00:00 BST", None, id="british-or-bougainville-2017"),
        pytest.param("01/Jan/2018:00:00:00 BST", "2017-12-31T23:00:00Z", id="from-2018"),
        pytest.param("28/Dec/2014:03:00:00 BST", None, id="from-bougainvilles-change"),
        pytest.param("28/Dec/2014:02:59:59 BST", "2014-12-28T01:59:59Z", id="before-it"),
        pytest.param("07/Jun/2010:10:00:00 BST", "2010-06-07T09:00:00Z", id="british-2010"),
    ],
)
@pytest.mark.parametrize("log_format", [None, "COMBINED", "json"])
def test_bst_with_no_zone_given_is_refused_where_it_meant_two_offsets(
    tmp_path: Path, run: Run, stamp: str, first: str | None, log_format: str | None
) -> None:
    # BST is British summer time's +01 and, from December 2014 to 2017, Bougainville's +11 as
    # tzdata 2014i-2016j wrote it: with no --log-time-zone it was read as +01 all the same,
    # where IST and CST of several meanings are refused, ten hours off for a Bougainville
    # server; from 2018 on, when no release wrote it so, +01 again (every London summer)
    inv = _read_as(tmp_path, run, stamp, log_format)
    _read_or_refused(
        inv,
        first,
        "the zone BST names several offsets, +01:00 and +11:00: give --log-time-zone",
    )


def test_a_refused_former_abbreviation_says_the_offsets_it_meant(tmp_path: Path, run: Run) -> None:
    (example,) = (
        _read_line(tmp_path, run, "2015-07-07 10:00:00 VET", None).files[0].skipped_examples
    )
    assert example.reason == (
        "the zone VET names several offsets, -04:30 and -04:00: give --log-time-zone "
        "(the server's zone)"
    )


@pytest.mark.parametrize(
    ("stamp", "zone", "first"),
    [
        pytest.param("2015-07-07 10:00:00 BST", "Pacific/Bougainville", "2015-07-06T23:00:00Z",
                     id="bougainville-2015"),
        pytest.param("2016-01-07 10:00:00 BST", "Pacific/Bougainville", "2016-01-06T23:00:00Z",
                     id="bougainville-2016"),
        # at +10 then, as Port Moresby: BST was neither of its meanings
        pytest.param("2014-07-07 10:00:00 BST", "Pacific/Bougainville", None,
                     id="bougainville-before-its-change"),
        pytest.param("2015-07-07 10:00:00 BST", "+11:00", "2015-07-06T23:00:00Z",
                     id="at-bougainvilles-offset"),
        pytest.param("2015-07-07 10:00:00 BST", "Europe/London", "2015-07-07T09:00:00Z",
                     id="london"),
        # +01 or +11 then, as IST is one of three: not guessed
        pytest.param("2015-07-07 10:00:00 BST", None, None, id="no-zone"),
        pytest.param("2014-07-07 10:00:00 BST", None, "2014-07-07T09:00:00Z",
                     id="no-zone-before-bougainvilles-bst"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("shape", ["iso", "clf"])
@pytest.mark.parametrize("log_format", [None, "COMBINED", "json"])
def test_bst_in_bougainville_is_its_plus_eleven_never_british_summer_time(
    tmp_path: Path,
    run: Run,
    stamp: str,
    zone: str | None,
    first: str | None,
    shape: str,
    log_format: str | None,
) -> None:
    # Bougainville wrote BST at +11 (tzdata 2014i-2016j): read in Pacific/Bougainville, a
    # line's BST was British summer time, +01, ten hours off and said nowhere
    if shape == "clf":
        stamp = (
            datetime.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S").strftime("%d/%b/%Y:%H:%M:%S")
            + stamp[19:]
        )
    path = tmp_path / "access.log"
    if log_format == "json":
        path.write_text(
            f'{{"time": "{stamp}", "remote_addr": "203.0.113.66", '
            '"request": "GET /_cat/indices HTTP/1.1", "status": 200}\n'
        )
        opts = {}
    else:
        path.write_text(LINE.replace("05/Mar/2019:04:00:00 {zone}", stamp))
        opts = {"log_format": log_format, "format": "nginx"} if log_format else {}
    inv = run(path, log_zone=zone_of(zone) if zone else None, **opts)
    _read_or_refused(inv, first, "the zone BST names several offsets, +01:00 and +11:00")


@pytest.mark.parametrize(
    ("log_format", "stamp", "first"),
    [
        pytest.param('%h %^[%x %z] "%r" %s %b %^', "2024-03-01 10:00:00 +0100",
                     "2024-03-01T09:00:00Z", id="iso-spaced"),
        pytest.param('%h %^[%x %z] "%r" %s %b %^', "10/Oct/2023:13:55:36 -0700",
                     "2023-10-10T20:55:36Z", id="clf"),
        pytest.param('%h %^[%x %z] "%r" %s %b %^', "2024-03-01T10:00:00 CET",
                     "2024-03-01T09:00:00Z", id="abbreviation"),
        pytest.param('%h %^[%d:%t %z] "%r" %s %b %^', "10/Oct/2023:13:55:36 -0700",
                     "2023-10-10T20:55:36Z", id="date-and-time"),
        # its own zone and the field's the same instant
        pytest.param('%h %^[%x %z] "%r" %s %b %^', "2024-03-01T10:00:00+01:00 +0100",
                     "2024-03-01T09:00:00Z", id="both-agree"),
        pytest.param('%h %^[%x %z] "%r" %s %b %^', "2024-03-01T10:00:00+01:00",
                     "2024-03-01T09:00:00Z", id="its-own-and-no-field"),
    ],
)  # fmt: skip
def test_a_z_field_is_the_times_zone(
    tmp_path: Path, run: Run, log_format: str, stamp: str, first: str
) -> None:
    # "[%x %z]": the zone after the time matched no specifier kept, and the time was read as
    # the server's local one, in --log-time-zone: here hours off, said nowhere
    path = tmp_path / "access.log"
    path.write_text(LINE.replace("05/Mar/2019:04:00:00 {zone}", stamp))
    inv = run(path, log_format=log_format, format="nginx", log_zone=zone_of("America/New_York"))
    _read_or_refused(inv, first, "")
    assert _local_notes(inv) == []


@pytest.mark.parametrize(
    ("stamp", "why"),
    [
        pytest.param("2024-03-01 10:00:00 web", "the %z field is no zone: 'web'", id="a-word"),
        pytest.param("2024-03-01 10:00:00 INFO", "the %z field is no zone: 'INFO'", id="a-level"),
        pytest.param(
            "2024-03-01T10:00:00+01:00 +0200",
            "the time's own zone and the %z field's are not one: '2024-03-01T10:00:00+01:00' "
            "and '+0200'",
            id="two-zones",
        ),
        pytest.param(
            "2024-03-01 10:00:00 XYZT",
            "the zone XYZT names no offset known: the --log-time-zone given, America/New_York, "
            "does not use it at that time",
            id="unknown-abbreviation",
        ),
    ],
)
def test_a_z_field_that_is_no_zone_refuses_its_line_saying_why(
    tmp_path: Path, run: Run, stamp: str, why: str
) -> None:
    path = tmp_path / "access.log"
    path.write_text(LINE.replace("05/Mar/2019:04:00:00 {zone}", stamp))
    inv = run(
        path,
        log_format='%h %^[%x %z] "%r" %s %b %^',
        format="nginx",
        log_zone=zone_of("America/New_York"),
    )
    assert [s.reason for s in inv.files[0].skipped_examples] == [why]
    assert by_address(inv) == {}


@pytest.mark.parametrize(
    ("time", "keys"),
    [
        pytest.param('"2024-03-01 10:00:00", "tz": "+0100"', '"time": "%x", "tz": "%z"',
                     id="a-key-of-its-own"),
        # in the time's own key: the time has it already
        pytest.param('"01/Mar/2024:10:00:00 +0100"', '"time": "%d:%t %z"', id="in-the-times-key"),
    ],
)  # fmt: skip
def test_a_json_templates_z_key_is_the_times_zone(
    tmp_path: Path, run: Run, time: str, keys: str
) -> None:
    path = tmp_path / "access.json"
    path.write_text(
        f'{{"time": {time}, "remote_addr": "203.0.113.66", '
        '"request": "GET /_cat/indices HTTP/1.1", "status": 200}\n'
    )
    template = f'{{{keys}, "remote_addr": "%h", "request": "%r", "status": "%s"}}'
    inv = run(path, log_format=template, log_zone=zone_of("America/New_York"))
    _read_or_refused(inv, "2024-03-01T09:00:00Z", "")
    assert _local_notes(inv) == []


@pytest.mark.parametrize(
    ("stamp", "first"),
    [
        pytest.param("07/Jun/2026:10:00:00 +0530 IST", "2026-06-07T04:30:00Z", id="india"),
        pytest.param("07/Jun/2026:10:00:00 +0100 IST", "2026-06-07T09:00:00Z", id="ireland"),
        pytest.param("07/Jan/2026:10:00:00 +0200 IST", "2026-01-07T08:00:00Z", id="israel"),
        pytest.param("07/Jun/2026:10:00:00 -0500 CDT", "2026-06-07T15:00:00Z", id="one-meaning"),
        pytest.param("07/Jun/2026:10:00:00 +0700 ABCD", "2026-06-07T03:00:00Z",
                     id="letters-no-table-knows"),
        # the abbreviation says another offset: neither is guessed the right one
        pytest.param("07/Jun/2026:10:00:00 +0900 IST", None, id="no-meaning-of-ist"),
        pytest.param("07/Jan/2026:10:00:00 +0100 IST", None, id="irish-summer-in-january"),
        pytest.param("07/Jun/2026:10:00:00 +0530 CET", None, id="cet-at-ists-offset"),
        # a UTC server's %z %Z, and London's in winter: refused as no time at all
        pytest.param("07/Dec/2026:10:00:00 +0000 UTC", "2026-12-07T10:00:00Z", id="utc"),
        pytest.param("07/Dec/2026:10:00:00 +0000 GMT", "2026-12-07T10:00:00Z", id="gmt"),
        pytest.param("07/Dec/2026:10:00:00 +0100 GMT", None, id="gmt-at-another-offset"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("shape", ["clf", "iso"])
@pytest.mark.parametrize("log_format", [None, "COMBINED", "json"])
def test_an_offset_written_beside_an_abbreviation_says_which_it_is(
    tmp_path: Path, run: Run, stamp: str, first: str | None, shape: str, log_format: str | None
) -> None:
    # Apache's %{%d/%b/%Y:%H:%M:%S %z %Z}t: the line was refused ("not a [day/Mon/year:hh:mm:ss
    # zone] time", or IST "names several offsets") with no --log-time-zone, though its offset
    # says which IST it is
    if shape == "iso":
        t = datetime.strptime(stamp[:20], "%d/%b/%Y:%H:%M:%S")
        stamp = t.strftime("%Y-%m-%d %H:%M:%S") + stamp[20:]
    inv = _read_as(tmp_path, run, stamp, log_format)
    offset, abbr = stamp.split()[-2:]
    _read_or_refused(
        inv,
        first,
        f"the offset and the zone abbreviation written are not one: {offset!r} and {abbr!r}",
    )


@pytest.mark.parametrize(
    ("log_format", "line"),
    [
        pytest.param('%h [%x] %z "%r" %s %b', '203.0.113.66 [{t} {a}] {o} "{r}" 200 420',
                     id="abbreviation-in-the-time"),
        pytest.param('%h [%x %z] "%r" %s %b', '203.0.113.66 [{t}{o} {a}] "{r}" 200 420',
                     id="offset-in-the-time"),
        pytest.param('{"time": "%x", "tz": "%z", "remote_addr": "%h", "request": "%r", '
                     '"status": "%s"}',
                     '{{"time": "{t} {a}", "tz": "{o}", "remote_addr": "203.0.113.66", '
                     '"request": "{r}", "status": 200}}', id="json"),
    ],
)  # fmt: skip
@pytest.mark.parametrize(
    ("offset", "first"),
    [
        pytest.param("+0530", "2026-06-07T04:30:00Z", id="india"),
        pytest.param("+0900", None, id="contradicting"),
    ],
)
def test_a_z_field_offset_says_which_abbreviation_of_the_time_it_is(
    tmp_path: Path, run: Run, log_format: str, line: str, offset: str, first: str | None
) -> None:
    # A %z of +0530 beside a time in IST was refused: IST "names several offsets", as if the
    # %z said nothing
    path = tmp_path / "access.log"
    path.write_text(
        line.format(t="2026-06-07 10:00:00", a="IST", o=offset, r="GET /_cat/indices HTTP/1.1")
        + "\n"
    )
    fmt = "json" if log_format.startswith("{") else "nginx"
    inv = run(path, log_format=log_format, format=fmt)
    _read_or_refused(
        inv,
        first,
        f"the offset and the zone abbreviation written are not one: {offset!r} and 'IST'",
    )


@pytest.mark.parametrize("log_format", [None, "json"])
def test_a_date_and_an_abbreviation_with_no_clock_is_refused_as_written(
    tmp_path: Path, run: Run, log_format: str | None
) -> None:
    # The -07 of its date was taken for an offset before CET: refused as "not an ISO 8601
    # time: '2026-12 -07'", a time the log never wrote
    path = tmp_path / "access.log"
    if log_format == "json":
        path.write_text(
            '{"time_local": "2026-12-07 CET", "remote_addr": "203.0.113.66", '
            '"request": "GET /_cat/indices HTTP/1.1", "status": 200}\n'
        )
    else:
        path.write_text(LINE.replace("05/Mar/2019:04:00:00 {zone}", "2026-12-07 CET"))
    (example,) = run(path).files[0].skipped_examples
    assert "2026-12-07 CET" in example.reason
