"""The MySQL/MariaDB log parsers on their own: lines no server should write, and what the logs'
counts make of the statements (what a statement does is test_mysql_statements.py's; the samples
and a real server's logs are read in test_formats.py and
tests/integration/test_investigate_mysql.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from investigate_helpers import Run, by_address

from leakhound.investigate.formats.base import local_time_note
from leakhound.investigate.reader import _MAGIC
from leakhound.investigate.timeparse import zone_of

SLOW_HEAD = b"# User@Host: root[root] @  [203.0.113.66]  Id:    12\n"
SLOW_ROWS = b"# Query_time: 0.1  Lock_time: 0.0 Rows_sent: 7  Rows_examined: 7\n"


def test_a_statement_of_endless_lines_is_held_to_a_bound(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "slow.log"
    body = b"SELECT *\n" + b"  , c\n" * 200_000 + b"FROM cases;\n"
    path.write_bytes(SLOW_HEAD + SLOW_ROWS + b"SET timestamp=1575540000;\n" + body)
    inv = run(path, format="mysql")
    s = by_address(inv)["203.0.113.66"]
    assert s.requests == 1
    assert s.records is not None and s.records.value == 7
    assert len(s.actions[0].examples[0].text) < 2000


@pytest.mark.parametrize(
    ("time_line", "timestamp", "zone", "first", "note"),
    [
        # MariaDB's (and MySQL's before 5.7) short # Time:, the server's local time, no zone
        pytest.param(
            b"# Time: 201207 10:00:00\n",
            b"",
            None,
            "2020-12-07T10:00:00Z",
            "read as UTC",
            id="short-time-read-as-utc",
        ),
        pytest.param(
            b"# Time: 201207  9:00:00\n",
            b"",
            "Europe/Berlin",
            "2020-12-07T08:00:00Z",
            "read in Europe/Berlin",
            id="short-time-in-the-zone-given",
        ),
        # the entry's SET timestamp (epoch seconds) is its time: no local time read
        pytest.param(
            b"# Time: 201207 10:00:00\n",
            b"SET timestamp=1607335200;\n",
            None,
            "2020-12-07T10:00:00Z",
            None,
            id="short-time-and-set-timestamp",
        ),
        pytest.param(
            b"# Time: 2020-12-07T10:00:00.000000Z\n",
            b"",
            None,
            "2020-12-07T10:00:00Z",
            None,
            id="iso-time-with-its-zone",
        ),
        pytest.param(
            b"# Time: 2020-12-07T10:00:00.000000+01:00\n",
            b"",
            None,
            "2020-12-07T09:00:00Z",
            None,
            id="iso-time-with-its-offset",
        ),
        # an ISO time with no zone (MariaDB's, a config's) is the server's local time too
        pytest.param(
            b"# Time: 2020-12-07T10:00:00.123456\n",
            b"",
            None,
            "2020-12-07T10:00:00Z",
            "read as UTC",
            id="iso-time-without-zone-read-as-utc",
        ),
        pytest.param(
            b"# Time: 2020-12-07T10:00:00.123456\n",
            b"",
            "Europe/Berlin",
            "2020-12-07T09:00:00Z",
            "read in Europe/Berlin",
            id="iso-time-without-zone-in-the-zone-given",
        ),
        pytest.param(
            b"# Time: 2020-12-07 10:00:00\n",
            b"",
            "+02:00",
            "2020-12-07T08:00:00Z",
            "read in UTC+02:00",
            id="iso-time-with-a-space-without-zone",
        ),
        pytest.param(
            b"# Time: 2020-12-07T10:00:00.123456\n",
            b"SET timestamp=1607335200;\n",
            "Europe/Berlin",
            "2020-12-07T10:00:00Z",
            None,
            id="iso-time-without-zone-and-set-timestamp",
        ),
    ],
)
def test_a_slow_log_time_with_no_zone_is_noted_as_local(
    tmp_path: Path,
    run: Run,
    time_line: bytes,
    timestamp: bytes,
    zone: str | None,
    first: str,
    note: str | None,
) -> None:
    path = tmp_path / "slow.log"
    path.write_bytes(time_line + SLOW_HEAD + SLOW_ROWS + timestamp + b"SELECT * FROM cases;\n")
    log_zone = zone_of(zone) if zone else None
    inv = run(path, log_zone=log_zone)
    assert by_address(inv)["203.0.113.66"].first_seen == first
    said = [n for n in inv.files[0].notes if "local time" in n]
    # the note every zone-less format gives, not one of the slow log's own
    assert said == ([] if note is None else [local_time_note(log_zone)])
    assert note is None or note in said[0]


@pytest.mark.parametrize(
    ("stamp", "zone", "first", "noted"),
    [
        pytest.param("2020-12-07T10:00:00.123456Z", "Europe/Berlin", "2020-12-07T10:00:00Z", False),
        pytest.param("2020-12-07T10:00:00.123456", None, "2020-12-07T10:00:00Z", True),
        pytest.param("2020-12-07T10:00:00.123456", "Europe/Berlin", "2020-12-07T09:00:00Z", True),
    ],
)
def test_a_general_log_iso_time_without_zone_is_noted_as_local(
    tmp_path: Path, run: Run, stamp: str, zone: str | None, first: str, noted: bool
) -> None:
    path = tmp_path / "general.log"
    path.write_text(
        f"{stamp}\t    3 Connect\troot@203.0.113.66 on shop using TCP/IP\n"
        f"{stamp}\t    3 Query\tSELECT * FROM a\n"
    )
    log_zone = zone_of(zone) if zone else None
    inv = run(path, log_zone=log_zone)
    assert by_address(inv)["203.0.113.66"].first_seen == first
    said = [n for n in inv.files[0].notes if "local time" in n]
    assert said == ([local_time_note(log_zone)] if noted else [])


def test_a_slow_log_entry_under_an_unreadable_time_takes_no_earlier_one(
    tmp_path: Path, run: Run
) -> None:
    # The # Time: line just before it is unreadable: the one before that is another moment's,
    # not this entry's; its SET timestamp, where it has one, still dates it
    path = tmp_path / "slow.log"
    path.write_bytes(
        b"# Time: 201207 10:00:00\n"
        + SLOW_HEAD
        + SLOW_ROWS
        + b"SELECT * FROM cases;\n"
        + b"# Time: 201299 23:59:59\n"
        + SLOW_HEAD.replace(b".66", b".67")
        + SLOW_ROWS
        + b"SELECT * FROM cases;\n"
        + b"# Time: 201299 23:59:59\n"
        + SLOW_HEAD.replace(b".66", b".68")
        + SLOW_ROWS
        + b"SET timestamp=1607338800;\n"
        + b"SELECT * FROM cases;\n"
    )
    inv = run(path)
    seen = {a: s.first_seen for a, s in by_address(inv).items()}
    assert seen == {"203.0.113.66": "2020-12-07T10:00:00Z", "203.0.113.68": "2020-12-07T11:00:00Z"}
    reasons = [e.reason for e in inv.files[0].skipped_examples]
    assert reasons.count("a slow-log entry without a time") == 1


def test_a_general_log_line_under_an_unreadable_time_takes_no_earlier_one(
    tmp_path: Path, run: Run
) -> None:
    # MariaDB writes the time on a second's first line only: the lines after an unreadable
    # one are of that second, not of the last second read
    path = tmp_path / "general.log"
    path.write_bytes(
        b"201207 10:00:00\t     3 Connect\troot@203.0.113.66 on shop using TCP/IP\n"
        b"\t\t     3 Query\tSELECT * FROM a\n"
        b"201207 99:00:00\t     3 Query\tSELECT * FROM b\n"
        b"\t\t     3 Query\tSELECT * FROM c\n"
    )
    inv = run(path)
    assert [t.name for t in by_address(inv)["203.0.113.66"].targets] == ["shop.a"]
    assert inv.files[0].skipped == 2


def test_an_audit_query_with_commas_quotes_and_newlines(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "audit.log"
    path.write_bytes(
        b"20191205 10:00:00,db1,root,203.0.113.66,12,4,QUERY,shop,"
        b"'SELECT a, b FROM `c,d` WHERE x = \\'1,2\\'\\nAND y = 3',0\n"
        b"20191205 10:00:01,db1,root,203.0.113.66,12,5,QUERY,shop,'DROP TABLE t',1146\n"
    )
    inv = run(path)
    assert inv.files[0].format == "mysql" and inv.files[0].skipped == 0
    s = by_address(inv)["203.0.113.66"]
    assert [t.name for t in s.targets] == ["shop.c,d"]
    assert s.denied == 1  # the DROP failed (no such table): nothing wiped


def test_lines_of_no_log_are_skipped_with_a_reason(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "x.log"
    path.write_bytes(b"\t\t    12 Query\tSELECT 1\n" + b"garbage \xff\xfe line\n" + SLOW_HEAD)
    inv = run(path, format="mysql")
    f = inv.files[0]
    assert f.skipped == 2
    assert [e.reason for e in f.skipped_examples] == [
        "a general-log line with no readable time before it",
        "not a MySQL/MariaDB slow, general or audit log line",
    ]


_FRAGMENTS = st.sampled_from(
    [
        b"# Time: 261206 14:47:05",
        b"# Time: 2019-99-05T10:00:00Z",
        b"# User@Host: root[root] @  [203.0.113.66]  Id: 1",
        b"# User@Host: @ []",
        b"# Thread_id: 9  Schema: ``  QC_hit: No",
        b"# Query_time: x  Rows_sent: 99999999999999999999999",
        b"SET timestamp=99999999999999999999;",
        b"use `a``b`;",
        b"SELECT * FROM t;",
        b"261206 99:99:99\t     3 Connect\troot@1.2.3.4 on x using TCP/IP",
        b"\t\t     3 Query\tDROP TABLE t",
        b"\t\t     3 Connect\tAccess denied for user 'a'@'' (using password: NO)",
        b"2019-12-05T10:00:00Z\t 4 Init DB\t",
        b"20191305 10:00:00,h,u,1.2.3.4,1,1,QUERY,d,'x",
        b"20191205 10:00:00,h,u,1.2.3.4,1,1,READ,mysql,t,",
        b"20191205 10:00:00,h,u,,1,2,DROP,d,t,",
        b"mariadbd, Version: x started with:",
    ]
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.one_of(_FRAGMENTS, st.binary(max_size=60)), max_size=40))
def test_any_mix_of_lines_is_read_without_an_error(
    tmp_path: Path, run: Run, lines: list[bytes]
) -> None:
    path = tmp_path / "fuzz.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    inv = run(path, format="mysql")
    data = b"\n".join(lines) + b"\n"
    if any(magic.match(data) for magic, _ in _MAGIC):  # a compressed stream's header: not
        assert not inv.files and "compressed stream is corrupt" in inv.problems[0]  # lines
        return
    if not inv.files:  # line ends and spaces alone: passed over as empty
        assert not b"".join(lines).strip() and inv.passed_over[0].endswith("nothing to read")
        return
    (f,) = inv.files
    assert f.parsed + f.skipped <= f.lines
    assert all(e.reason for e in f.skipped_examples)


def test_local_times_are_read_in_the_zone_given(run: Run) -> None:
    # The audit sample's 10:00:00 on 5 December 2019 is Berlin's winter time (UTC+1).
    from investigate_helpers import SAMPLES

    from leakhound.investigate.timeparse import zone_of

    inv = run(SAMPLES / "mariadb-audit.log", log_zone=zone_of("Europe/Berlin"))
    assert by_address(inv)["203.0.113.66"].first_seen == "2019-12-05T09:00:00Z"
    assert any("read in Europe/Berlin" in n for n in inv.files[0].notes)
    fixed = run(SAMPLES / "mariadb-audit.log", log_zone=zone_of("-05:30"))
    assert by_address(fixed)["203.0.113.66"].first_seen == "2019-12-05T15:30:00Z"
    plain = run(SAMPLES / "mariadb-audit.log")
    assert by_address(plain)["203.0.113.66"].first_seen == "2019-12-05T10:00:00Z"


@pytest.mark.parametrize("text", ["Mars/Olympus", "+25:00", "", "../../etc/passwd"])
def test_a_zone_that_is_none_is_refused(text: str) -> None:
    from leakhound.investigate.timeparse import zone_of

    with pytest.raises(ValueError, match=r"not a time zone|not an offset"):
        zone_of(text)


def test_the_command_line_refuses_an_unknown_zone_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from leakhound.cli import main

    assert main(["investigate", str(tmp_path / "x.log"), "--log-time-zone", "Mars/Olympus"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "not a time zone name or offset: 'Mars/Olympus'" in err[-1]


def test_every_statement_of_one_logged_query_is_judged(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "general.log"
    path.write_bytes(
        b"2019-12-05T10:00:00.000000Z\t   12 Connect\tx@203.0.113.66 as  on shop using TCP/IP\n"
        b"2019-12-05T10:00:01.000000Z\t   12 Query\tSELECT 1; DROP DATABASE shop\n"
        b"2019-12-05T10:00:02.000000Z\t   12 Query\tSELECT ';' FROM t WHERE a = 'x;y'\n"
    )
    inv = run(path)
    # an anonymous account's login ("as" the account matched) is still its address's
    s = by_address(inv)["203.0.113.66"]
    assert {a.action for a in s.actions} >= {"wipe", "read"}
    assert s.requests == 1 + 2 + 1  # the connect, the two statements, the quoted semicolons


def test_a_row_folding_many_records_is_no_exact_count(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "slow.log"
    path.write_bytes(
        SLOW_HEAD
        + b"# Query_time: 0.5  Lock_time: 0.0 Rows_sent: 1  Rows_examined: 250000\n"
        + b"SET timestamp=1575540000;\n"
        + b"SELECT GROUP_CONCAT(email, 0x3a, password SEPARATOR 0x0a) FROM customers;\n"
    )
    records = by_address(run(path))["203.0.113.66"].records
    assert records is not None
    assert (records.value, records.upper) == (250_000, 250_000) and records.lower == 0
    assert records.method == (
        "250,000 at most on customers: the rows the server read for statements that fold "
        "them into one row (GROUP_CONCAT…), as the log states them"
    )


def test_counts_past_what_any_server_writes_are_not_read(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "slow.log"
    path.write_bytes(
        SLOW_HEAD
        + b"# Query_time: 0.1  Lock_time: 0.0 Rows_sent: 99999999999999999999999  Rows_exam\n"
        + b"# Rows_affected: 0  Bytes_sent: 99999999999999999999999\n"
        + b"SET timestamp=1575540000;\nSELECT * FROM customers;\n"
    )
    s = by_address(run(path))["203.0.113.66"]
    assert s.requests == 1 and s.records is None


def test_the_audit_lines_of_statements_logged_whole_are_not_kept() -> None:
    from leakhound.investigate.formats.mysql import _Parser

    class Sink:
        file = None

        def add(self, *a: object) -> None:
            pass

        def skip(self, *a: object) -> None:
            pass

        def note(self, *a: object) -> None:
            pass

    parser = _Parser(Sink())  # type: ignore[arg-type]
    for n in range(1, 2001):
        parser.line(f"20191205 10:00:00,h,u,203.0.113.9,1,{n},READ,shop,t,".encode(), 2 * n)
        line = f"20191205 10:00:00,h,u,203.0.113.9,1,{n},QUERY,shop,'SELECT * FROM t',0"
        parser.line(line.encode(), 2 * n + 1)
    assert len(parser.raw) <= 1


# Entries as MariaDB 10.11.19 wrote them (tests/data/investigate/mariadb-outfile-slow.log):
# for INTO OUTFILE, Rows_sent and Rows_affected are the rows written into the file; for INTO
# DUMPFILE, Rows_sent is 0 and Rows_affected the rows written; Rows_examined counts every row
# the server read, those a WHERE passed over too.
MARIADB_HEAD = b"# User@Host: root[root] @  [127.0.0.1]\n# Thread_id: 6  Schema: shop  QC_hit: No\n"
OUTFILE_FILTERED = (
    b"# Query_time: 0.000480  Lock_time: 0.000036  Rows_sent: 123  Rows_examined: 1234\n"
    b"# Rows_affected: 123  Bytes_sent: 11\n"
    b"SET timestamp=1796578113;\n"
    b"SELECT * FROM customers WHERE card LIKE '%7' INTO OUTFILE "
    b"'/tmp/outfile-exp.Vg99/files/some.txt';\n"
)
DUMPFILE_ONE = (
    b"# Query_time: 0.000205  Lock_time: 0.000031  Rows_sent: 0  Rows_examined: 1\n"
    b"# Rows_affected: 1  Bytes_sent: 11\n"
    b"SET timestamp=1796578113;\n"
    b"SELECT email FROM customers WHERE id = 5 INTO DUMPFILE "
    b"'/tmp/outfile-exp.Vg99/files/one.bin';\n"
)
DUMPFILE_FOLDED = (
    b"# Query_time: 0.000486  Lock_time: 0.000028  Rows_sent: 0  Rows_examined: 1234\n"
    b"# Rows_affected: 1  Bytes_sent: 11\n"
    b"SET timestamp=1796578113;\n"
    b"SELECT GROUP_CONCAT(email) FROM customers INTO DUMPFILE "
    b"'/tmp/outfile-exp.Vg99/files/cat.bin';\n"
)
# The file existed already (error 1086): the slow log says no more than zeros.
OUTFILE_REFUSED = (
    b"# Query_time: 0.000146  Lock_time: 0.000089  Rows_sent: 0  Rows_examined: 0\n"
    b"# Rows_affected: 0  Bytes_sent: 70\n"
    b"SET timestamp=1796578272;\n"
    b"SELECT * FROM customers INTO OUTFILE '/tmp/outfile-exp.Vg99/files/all.txt';\n"
)


@pytest.mark.parametrize(
    ("entry", "want"),
    [
        pytest.param(OUTFILE_FILTERED, (123, 123, 123), id="outfile-rows-written-not-examined"),
        pytest.param(DUMPFILE_ONE, (1, 1, 1), id="dumpfile-rows-affected-not-sent"),
        # one row that holds every email: the rows read bound it
        pytest.param(DUMPFILE_FOLDED, (1234, 0, 1234), id="dumpfile-of-a-folding-row"),
        pytest.param(OUTFILE_REFUSED, None, id="refused-outfile-wrote-nothing"),
    ],
)
def test_a_file_write_counts_the_rows_written_into_the_file(
    tmp_path: Path, run: Run, entry: bytes, want: tuple[int, int, int] | None
) -> None:
    path = tmp_path / "slow.log"
    path.write_bytes(MARIADB_HEAD + entry)
    s = by_address(run(path))["127.0.0.1"]
    assert s.action_names == ("file-write",)
    assert [t.name for t in s.targets] == ["shop.customers"]
    if want is None:
        assert s.records is None
        return
    assert s.records is not None
    assert (s.records.value, s.records.lower, s.records.upper) == want
    if want[1]:  # exact: said to be the rows written, not returned
        assert "records written into a file on the server" in s.records.method
        assert "returned" not in s.records.method
    else:
        assert "the rows the server read for statements that fold them" in s.records.method


# MySQL 8 writes no Rows_affected line. Its export (sql/query_result.cc) counts the rows it
# writes in its own row_count, not the sent rows, but Query_result_export::cleanup() sets the
# sent-row count to them, and Sql_cmd_dml::execute() runs that cleanup before dispatch_command
# writes the slow log: an OUTFILE's Rows_sent is the rows written. A DUMPFILE's result
# (Query_result_dump) sets nothing: its Rows_sent is 0 whatever it wrote.
MYSQL_HEAD = (
    b"# Time: 2026-12-06T10:00:00.000000Z\n# User@Host: app[app] @  [203.0.113.66]  Id:    12\n"
)


def _mysql_entry(rows_sent: int, examined: int, sql: bytes) -> bytes:
    return (
        MYSQL_HEAD
        + f"# Query_time: 0.1  Lock_time: 0.0 Rows_sent: {rows_sent}  ".encode()
        + f"Rows_examined: {examined}\n".encode()
        + b"use shop;\nSET timestamp=1796551200;\n"
        + sql
        + b"\n"
    )


def test_a_mysql_outfile_counts_the_rows_sent_it_logs(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "slow.log"
    path.write_bytes(_mysql_entry(40, 900, b"SELECT * FROM customers INTO OUTFILE '/tmp/c.txt';"))
    records = by_address(run(path))["203.0.113.66"].records
    assert records is not None and (records.value, records.lower, records.upper) == (40, 40, 40)
    assert records.bounded and "records written into a file on the server" in records.method


@pytest.mark.parametrize(
    "sql",
    [
        pytest.param(b"SELECT * FROM customers INTO OUTFILE '/tmp/c.txt';", id="outfile"),
        pytest.param(
            b"SELECT email, card FROM customers INTO OUTFILE '/tmp/c.csv' "
            b"FIELDS TERMINATED BY ',';",
            id="outfile-csv",
        ),
        pytest.param(b"SELECT email FROM customers LIMIT 1 INTO DUMPFILE '/tmp/e.bin';", id="dump"),
    ],
)
def test_a_mysql_file_write_of_rows_sent_0_is_an_uncounted_read(
    tmp_path: Path, run: Run, sql: bytes
) -> None:
    # MySQL 8 (no Rows_affected line): Rows_sent 0 is no proof that nothing was written
    path = tmp_path / "slow.log"
    path.write_bytes(_mysql_entry(0, 250_000, sql))
    inv = run(path)
    s = by_address(inv)["203.0.113.66"]
    assert s.action_names == ("file-write",) and s.read
    assert [t.name for t in s.targets] == ["shop.customers"]
    assert s.records is not None and not s.records.bounded
    assert (s.records.value, s.records.lower, s.records.upper) == (0, 0, 0)
    assert s.records.text == "unknown"
    assert s.records.method.startswith("1 file write(s) on shop.customers: records written")
    assert "no upper bound" in s.records.method
    assert inv.summary.records_unknown is not None
    assert not inv.summary.records_unknown.bounded
    assert "read an unknown number of records (no upper bound)" in inv.summary.sentence


def test_an_uncounted_file_write_leaves_the_counted_reads_a_lower_bound(
    tmp_path: Path, run: Run
) -> None:
    path = tmp_path / "slow.log"
    path.write_bytes(
        _mysql_entry(3, 3, b"SELECT * FROM customers LIMIT 3;")
        + _mysql_entry(0, 5000, b"SELECT * FROM orders INTO OUTFILE '/tmp/o.txt';")
    )
    inv = run(path)
    records = by_address(inv)["203.0.113.66"].records
    assert records is not None and not records.bounded
    assert (records.value, records.lower, records.upper) == (3, 3, 3)
    assert records.text == "at least 3 (no upper bound)"
    assert "3 on shop.customers: records returned" in records.method
    assert "1 file write(s) on shop.orders" in records.method
    summary = inv.summary
    assert summary.records_unknown is not None and not summary.records_unknown.bounded
    assert "read at least 3 records (no upper bound) between" in summary.sentence
    assert summary.records_unknown.method.endswith(
        "no upper bound: some records were written into files on the server that the logs "
        "do not count"
    )


def test_a_mysql_dumpfile_of_a_folding_row_is_bound_by_the_rows_read(
    tmp_path: Path, run: Run
) -> None:
    path = tmp_path / "slow.log"
    path.write_bytes(
        _mysql_entry(0, 1234, b"SELECT GROUP_CONCAT(email) FROM customers INTO DUMPFILE '/tmp/a';")
    )
    records = by_address(run(path))["203.0.113.66"].records
    assert records is not None and records.bounded
    assert (records.value, records.lower, records.upper) == (1234, 0, 1234)


def test_an_estimate_stored_before_bounds_were_said_reads_back_bounded() -> None:
    from leakhound.investigate.model import Estimate, _build

    e = _build(Estimate, {"value": 5, "lower": 5, "upper": 5, "method": "m"})
    assert e == Estimate(5, 5, 5, "m") and e.bounded and e.of("records") == "5 records"


def test_a_read_keeps_its_rows_sent_beside_rows_affected(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "slow.log"
    path.write_bytes(
        MARIADB_HEAD
        + b"# Query_time: 0.000053  Lock_time: 0.000020  Rows_sent: 3  Rows_examined: 3\n"
        b"# Rows_affected: 0  Bytes_sent: 316\n"
        b"SET timestamp=1796578113;\nSELECT * FROM customers LIMIT 3;\n"
    )
    s = by_address(run(path))["127.0.0.1"]
    assert s.action_names == ("read",)
    assert s.records is not None and s.records.value == 3
    assert "records returned" in s.records.method


@pytest.mark.parametrize(
    ("log", "actions", "denied"),
    [
        ("slow", {"read", "file-write"}, 0),
        ("general", {"probe", "read", "file-write"}, 0),
        # the audit log has the error codes: 1086 (the file exists), 1290 (outside
        # secure_file_priv), 1172 (a DUMPFILE of more than one row)
        ("audit", {"probe", "read", "file-write"}, 3),
    ],
)
def test_a_real_mariadbs_logs_of_file_writes(
    run: Run, log: str, actions: set[str], denied: int
) -> None:
    from investigate_helpers import SAMPLES

    inv = run(SAMPLES / f"mariadb-outfile-{log}.log")
    assert inv.files[0].format == "mysql" and inv.files[0].skipped == 0
    s = by_address(inv)["127.0.0.1"]
    assert set(s.action_names) == actions
    assert s.denied == denied
    assert s.actions[-1].count == 13 - denied  # 14 statements, one of them a plain read
    if log == "slow":
        # 1,234 × 3 + 123 + 100 + 10 + 1 + 2 rows written; one folded row (1,234 at most);
        # 3 rows returned
        assert s.records is not None
        assert "3,938 on shop.customers: records written into a file" in s.records.method
        assert "1,234 at most on shop.customers: the rows the server read" in s.records.method
        assert "3 on shop.customers: records returned" in s.records.method
        assert (s.records.lower, s.records.upper) == (3_941, 3_941 + 1_234)
    else:
        assert s.records is None
