"""The files of one rotated log read as one stream: a connection or session open across the
rotation is one, whatever the format, and each file is still counted as itself."""

from __future__ import annotations

import gzip
import io
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from investigate_helpers import Run, by_address

from leakhound.investigate.formats import by_name
from leakhound.investigate.reader import rotated_sets

# As redis-server 7.0.15 wrote them (loglevel verbose), the client's address planted
ACCEPT = "7:M 07 Dec 2026 01:50:01.000 - Accepted 203.0.113.9:40001\n"
CLOSE = (
    "7:M 07 Dec 2026 02:10:00.000 - Client closed connection id=4 addr=203.0.113.9:40001 "
    "laddr=127.0.0.1:6379 fd=8 name= age=1199 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 "
    "multi=-1 qbuf=0 qbuf-free=20474 argv-mem=0 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 "
    "omem=0 tot-mem=37632 events=r cmd=hgetall user=default redir=-1 resp=2\n"
)
OTHER = (
    "7:M 07 Dec 2026 01:55:00.000 - Accepted 198.51.100.7:42576\n"
    "7:M 07 Dec 2026 01:55:00.100 - Client closed connection id=5 addr=198.51.100.7:42576 "
    "laddr=127.0.0.1:6379 fd=9 name= flags=N db=0 multi=-1 cmd=ping user=default\n"
)


@pytest.mark.parametrize("newest_first", [False, True], ids=["oldest-first", "newest-first"])
def test_a_redis_connection_across_a_rotation_is_one(
    tmp_path: Path, run: Run, newest_first: bool
) -> None:
    old, new = tmp_path / "redis.log.1", tmp_path / "redis.log"
    old.write_text(ACCEPT + OTHER)
    new.write_text(CLOSE)
    inv = run(*([new, old] if newest_first else [old, new]))
    s = by_address(inv)["203.0.113.9"]
    assert s.requests == 1
    assert s.action_names == ("read",)
    assert s.first_seen == "2026-12-07T01:50:01Z"  # when it was accepted, in the older file
    # Each file is still itself: its lines, what was read of it, the format's notes
    assert [(Path(f.path).name, f.lines, f.parsed) for f in inv.files] == [
        ("redis.log.1", 3, 1),
        ("redis.log", 1, 1),
    ]
    assert all(any("last command only" in n for n in f.notes) for f in inv.files)
    # The example line is the close, in the newer file, at its own line number
    ex = s.actions[0].examples[0]
    assert (Path(ex.file).name, ex.line) == ("redis.log", 1)


def test_a_mysql_session_across_a_rotation_keeps_its_client(tmp_path: Path, run: Run) -> None:
    # The general log names the client on Connect only; the statements after a rotation
    # (FLUSH GENERAL LOGS) were dropped as the host's own session.
    (tmp_path / "mysql.log.1.gz").write_bytes(
        gzip.compress(
            b"2019-12-05T10:00:00.100000Z\t   12 Connect\troot@203.0.113.66 on  using TCP/IP\n"
            b"2019-12-05T10:00:00.100200Z\t   12 Query\tSHOW DATABASES\n"
        )
    )
    (tmp_path / "mysql.log").write_bytes(
        b"2019-12-05T10:00:01.000000Z\t   12 Init DB\tsupport\n"
        b"2019-12-05T10:00:01.000100Z\t   12 Query\tSELECT * FROM cases LIMIT 5000\n"
        b"2019-12-05T10:00:02.000000Z\t   12 Quit\t\n"
    )
    inv = run(tmp_path)
    assert [f.format for f in inv.files] == ["mysql", "mysql"]
    s = by_address(inv)["203.0.113.66"]
    assert "read" in s.action_names
    assert [t.name for t in s.targets if t.name.endswith("cases")] == ["support.cases"]


def test_files_of_other_logs_are_not_one_stream(tmp_path: Path, run: Run) -> None:
    # Two servers' logs of one name in two folders: a close in one is no close of the other
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "redis.log").write_text(ACCEPT)
    (tmp_path / "b" / "redis.log").write_text(CLOSE)
    assert by_address(run(tmp_path / "a", tmp_path / "b"))["203.0.113.9"].requests == 2


def test_rotated_sets_group_a_set_oldest_first_in_the_order_sets_appear() -> None:
    got = rotated_sets(["b.log", "a.log", "a.log.2.gz", "-", "b.log.1", "a.log.1"])
    assert got == [["b.log.1", "b.log"], ["a.log.2.gz", "a.log.1", "a.log"], ["-"]]
    # logrotate's dateext, as -%Y%m%d (its default) or .%Y%m%d: the older date first
    dated = ["x.log", "x.log.20261201", "x.log.20261202.gz", "x.log.20261130", "x.log.1"]
    assert rotated_sets(dated) == [
        ["x.log.20261130", "x.log.20261201", "x.log.20261202.gz", "x.log.1", "x.log"]
    ]
    assert rotated_sets(["x.log-20261202", "x.log-20261201"]) == [
        ["x.log-20261201", "x.log-20261202"]
    ]
    # stdin given twice: two sets, the first read to its end before the second is opened
    assert rotated_sets(["-", "a.log", "-"]) == [["-"], ["a.log"], ["-"]]


def test_one_folder_spelt_two_ways_holds_one_set() -> None:
    # another name in it (a second server's log) is not of the set
    assert rotated_sets(["a/r.log", "./a/r.log.1", "a//r.log.2", "a/r-6380.log.1"]) == [
        ["a//r.log.2", "./a/r.log.1", "a/r.log"],
        ["a/r-6380.log.1"],
    ]


def test_a_link_to_the_current_file_is_of_its_set(tmp_path: Path, run: Run) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "redis.log.1").write_text(ACCEPT)
    (tmp_path / "logs" / "redis.log").write_text(CLOSE)
    (tmp_path / "current").symlink_to(tmp_path / "logs" / "redis.log")
    inv = run(tmp_path / "current", tmp_path / "logs" / "redis.log.1")
    assert by_address(inv)["203.0.113.9"].requests == 1
    assert [Path(f.path).name for f in inv.files] == ["redis.log.1", "current"]


def test_logs_named_by_their_hosts_address_are_not_one_set(tmp_path: Path, run: Run) -> None:
    # A syslog server's folder of two MySQL hosts' general logs: thread 12 of each is its own
    (tmp_path / "10.0.0.2").write_bytes(
        b"2019-12-05T10:00:00.100000Z\t   12 Connect\troot@203.0.113.66 on  using TCP/IP\n"
    )
    (tmp_path / "10.0.0.1").write_bytes(
        b"2019-12-05T10:00:01.000000Z\t   12 Init DB\tsupport\n"
        b"2019-12-05T10:00:01.000100Z\t   12 Query\tSELECT * FROM cases LIMIT 5000\n"
    )
    # the statements of 10.0.0.1 are not the client's of 10.0.0.2 (they are the host's own)
    assert by_address(run(tmp_path))["203.0.113.66"].action_names == ("probe",)
    assert rotated_sets(["h/10.0.0.1.1", "h/10.0.0.1", "h/10.0.0.2.gz"]) == [
        ["h/10.0.0.1.1", "h/10.0.0.1"],
        ["h/10.0.0.2.gz"],
    ]


def test_stdin_given_twice_loses_no_line(monkeypatch: pytest.MonkeyPatch, run: Run) -> None:
    line = b'203.0.113.5 - - [07/Dec/2026:04:00:00 +0000] "GET /x/_search HTTP/1.1" 200 512\n'
    stdin = io.BytesIO(line * 30000)  # more than the first chunk each opening reads
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=stdin))
    inv = run("-", "-")
    assert sum(f.parsed for f in inv.files) == 30000


def test_a_statement_cut_by_the_rotation_is_shown_where_it_began(tmp_path: Path, run: Run) -> None:
    # logrotate's copytruncate may cut a multi-line statement: it is one, read on into the
    # newer file, and its example line is the older file's own line number
    (tmp_path / "mysql.log.1").write_bytes(
        b"2019-12-05T10:00:00.100000Z\t   12 Connect\troot@203.0.113.66 on support using TCP/IP\n"
        b"2019-12-05T10:00:01.000100Z\t   12 Query\tSELECT *\n"
    )
    (tmp_path / "mysql.log").write_bytes(
        b"  FROM cases\n LIMIT 5000\n2019-12-05T10:00:02.000000Z\t   12 Quit\t\n"
    )
    inv = run(tmp_path / "mysql.log.1", tmp_path / "mysql.log")
    read = next(a for a in by_address(inv)["203.0.113.66"].actions if a.action == "read")
    assert [(Path(e.file).name, e.line) for e in read.examples] == [("mysql.log.1", 2)]
    assert [f.skipped for f in inv.files] == [0, 0]
    # its first lines say no format: it is read as the file before it in its set, and says so
    assert inv.problems == ()
    assert any("as the file before it in its rotated set" in n for n in inv.files[1].notes)


def test_each_file_counts_the_requests_and_times_of_its_own_lines(tmp_path: Path, run: Run) -> None:
    # A connection accepted in the older file an hour before its close in the newer one, and
    # one accepted in the older file that never closed: each is counted (parsed, first, last)
    # in the file its line is in, and neither makes the newer file start before the older
    # one ends (clock skew) nor a line of it run backwards.
    (tmp_path / "redis.log.1").write_text(
        "7:M 07 Dec 2026 01:00:00.000 - Accepted 203.0.113.9:40001\n"
        + OTHER.replace("01:55", "02:00")
        + "7:M 07 Dec 2026 02:01:00.000 - Accepted 198.51.100.8:42577\n"
    )
    (tmp_path / "redis.log").write_text(
        OTHER.replace("01:55", "02:05").replace("42576", "42578") + CLOSE
    )
    files = run(tmp_path).files
    assert [(f.parsed, f.first, f.last) for f in files] == [
        (2, "2026-12-07T02:00:00Z", "2026-12-07T02:01:00Z"),
        (2, "2026-12-07T02:05:00Z", "2026-12-07T02:10:00Z"),
    ]
    assert not [n for f in files for n in f.notes if "earlier than" in n or "starts " in n]


def test_a_statement_cut_by_the_rotation_is_counted_in_the_file_it_began_in(
    tmp_path: Path, run: Run
) -> None:
    (tmp_path / "mysql.log.1").write_bytes(
        b"2019-12-05T10:00:00.100000Z\t   12 Connect\troot@203.0.113.66 on support using TCP/IP\n"
        b"2019-12-05T10:00:01.000100Z\t   12 Query\tSELECT *\n"
    )
    (tmp_path / "mysql.log").write_bytes(
        b"  FROM cases\n LIMIT 5000\n2019-12-05T10:00:02.000000Z\t   12 Quit\t\n"
    )
    inv = run(tmp_path)
    assert [(f.parsed, f.first, f.last) for f in inv.files] == [
        (2, "2019-12-05T10:00:00Z", "2019-12-05T10:00:01Z"),
        (0, None, None),
    ]


def test_each_file_of_a_set_says_the_zones_of_its_own_lines(tmp_path: Path, run: Run) -> None:
    # Summer time ended between the rotations: neither file mixes zones
    line = '203.0.113.5 - - [25/Oct/2026:{} {}] "GET /x/_search HTTP/1.1" 200 512 "-" "curl/8"\n'
    (tmp_path / "access.log.1").write_text(line.format("01:00:00", "+0200") * 2)
    (tmp_path / "access.log").write_text(line.format("02:30:00", "+0100") * 2)
    files = run(tmp_path).files
    assert [f.notes for f in files] == [(), ()]


def test_a_truncated_file_in_the_middle_of_a_set_stops_only_itself(
    tmp_path: Path, run: Run
) -> None:
    lines = "".join(
        OTHER.replace("42576", str(10000 + i)).replace("id=5", f"id={i}") for i in range(3000)
    )
    packed = gzip.compress(lines.encode())
    (tmp_path / "redis.log.2.gz").write_bytes(packed[: len(packed) // 2])
    (tmp_path / "redis.log.1").write_text(ACCEPT)
    (tmp_path / "redis.log").write_text(CLOSE)
    inv = run(tmp_path)
    stopped = [[n for n in f.notes if n.startswith("stopped early")] for f in inv.files]
    assert [len(s) for s in stopped] == [1, 0, 0]
    assert by_address(inv)["203.0.113.9"].action_names == ("read",)
    assert [f.parsed for f in inv.files][1:] == [0, 1]


def _audit(layer: str, second: int) -> str:
    """An OpenSearch audit event of ``layer`` (REST, or the TRANSPORT event it makes)."""
    rest = '"audit_rest_request_path":"/customers/_search","audit_rest_request_method":"GET"'
    transport = '"audit_transport_request_type":"SearchRequest","audit_trace_indices":["customers"]'
    fields = rest if layer == "REST" else transport
    return (
        f'{{"audit_category":"AUTHENTICATED","audit_request_layer":"{layer}",{fields},'
        '"audit_request_remote_address":"203.0.113.66",'
        f'"@timestamp":"2023-06-01T10:00:{second:02d}.000+00:00"}}\n'
    )


def test_each_file_of_a_set_counts_its_own_folded_transport_events(
    tmp_path: Path, run: Run
) -> None:
    (tmp_path / "audit.log.1").write_text(
        _audit("REST", 0) + _audit("TRANSPORT", 1) + _audit("TRANSPORT", 2)
    )
    (tmp_path / "audit.log").write_text(_audit("TRANSPORT", 3))
    files = run(tmp_path).files
    assert [f.format for f in files] == ["opensearch-audit"] * 2
    folded = [[n.split()[0] for n in f.notes if "transport-layer" in n] for f in files]
    assert folded == [["2"], ["1"]]  # not the set's 3 in each


def test_a_redis_transaction_is_noted_by_the_file_it_ended_in(tmp_path: Path, run: Run) -> None:
    (tmp_path / "redis.log.1").write_text(OTHER)
    (tmp_path / "redis.log").write_text(CLOSE.replace("cmd=hgetall", "cmd=exec"))
    files = run(tmp_path).files
    told = [any("cmd=exec" in n for n in f.notes) for f in files]
    assert told == [False, True]
    assert all(any("last command only" in n for n in f.notes) for f in files)


def test_a_file_read_as_a_format_from_further_back_names_the_file(tmp_path: Path, run: Run) -> None:
    # The file just before it is empty (not read): its format is the older one's, and the
    # note says so, not "the file before it"
    (tmp_path / "mysql.log.2").write_bytes(
        b"2019-12-05T10:00:00.100000Z\t   12 Connect\troot@203.0.113.66 on support using TCP/IP\n"
        b"2019-12-05T10:00:01.000100Z\t   12 Query\tSELECT *\n"
    )
    (tmp_path / "mysql.log.1").write_bytes(b"")
    (tmp_path / "mysql.log").write_bytes(
        b"  FROM cases\n LIMIT 5000\n2019-12-05T10:00:02.000000Z\t   12 Quit\t\n"
    )
    inv = run(tmp_path)
    assert [Path(f.path).name for f in inv.files] == ["mysql.log.2", "mysql.log"]
    assert inv.problems == ()
    assert [Path(p.split(":")[0]).name for p in inv.passed_over] == ["mysql.log.1"]
    fallback = [n for n in inv.files[1].notes if "format not recognised" in n]
    assert fallback == [
        f"format not recognised from its first lines: read as mysql, as {tmp_path}/mysql.log.2, "
        f"the last file read before it in its rotated set ({tmp_path}/mysql.log.1, just before "
        "it, was not read)"
    ]


@pytest.mark.parametrize("fmt", ["azure-nsg", "cloudtrail"])
def test_a_set_of_a_whole_file_format_holds_few_files_open(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    # Each file of a whole-file format is a run of its own: opened when it is read, not all
    # of a set's 300 at once
    for i in range(300):
        (tmp_path / f"flows.json.{i}").write_text('{"records":[]}\n')
    module = by_name(fmt)
    parse = module.parse
    opened: list[int] = []

    def counting(*args: object) -> None:
        opened.append(len(os.listdir("/proc/self/fd")))
        parse(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "parse", counting)
    before = len(os.listdir("/proc/self/fd"))
    inv = run(tmp_path, format=fmt)
    assert len(inv.files) == len(opened) == 300
    assert max(opened) - before <= 3


def test_only_the_file_of_a_set_with_local_times_says_so(tmp_path: Path, run: Run) -> None:
    # MariaDB's general log wrote local times (YYMMDD H:MM:SS) before an upgrade, ISO after
    (tmp_path / "mysql.log.1").write_bytes(
        b"191205 10:00:00\t   12 Connect\troot@203.0.113.66 on support using TCP/IP\n"
    )
    (tmp_path / "mysql.log").write_bytes(
        b"2019-12-05T10:00:01.000100Z\t   12 Query\tSELECT * FROM cases LIMIT 5000\n"
    )
    files = run(tmp_path).files
    assert [f.format for f in files] == ["mysql", "mysql"]
    assert [any("local time" in n for n in f.notes) for f in files] == [True, False]


def test_a_file_whose_lines_carry_on_a_local_second_from_the_one_before_says_so(
    tmp_path: Path, run: Run
) -> None:
    # MariaDB writes a second's time on its first line only: the rotation fell inside the
    # second, and the newer file's lines, with no time of their own, are of that local one
    (tmp_path / "mysql.log.1").write_bytes(
        b"191205 10:00:00\t   12 Connect\troot@203.0.113.66 on support using TCP/IP\n"
    )
    (tmp_path / "mysql.log").write_bytes(b"\t\t   12 Query\tSELECT * FROM cases LIMIT 5000\n")
    files = run(tmp_path).files
    assert [f.format for f in files] == ["mysql", "mysql"]
    assert [any("local time" in n for n in f.notes) for f in files] == [True, True]


@pytest.mark.parametrize(
    ("fmt", "name"), [("cloudtrail", "trail.json"), ("redis", "redis.log")], ids=["runs", "set"]
)
def test_no_file_of_a_set_stays_open_when_its_parser_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, name: str
) -> None:
    # A parser's error left open the file the run had in hand (the next run's first, opened
    # as the runs were found; a set's first, never read): closed only when collected.
    from leakhound.investigate import rotated
    from leakhound.investigate import run as run_module
    from leakhound.investigate.reader import LogStream
    from leakhound.investigate.run import Options, investigate

    for i in range(3):
        (tmp_path / f"{name}.{i}").write_text('{"Records":[]}\n')
    opened: list[LogStream] = []

    class Recorded(LogStream):
        def __init__(self, path: str) -> None:
            super().__init__(path)
            opened.append(self)

    def failing(*args: object) -> None:
        raise RuntimeError("a parser's bug")

    monkeypatch.setattr(run_module, "LogStream", Recorded)
    monkeypatch.setattr(rotated, "LogStream", Recorded)
    monkeypatch.setattr(by_name(fmt), "parse", failing)
    with pytest.raises(RuntimeError):
        investigate([str(tmp_path)], Options(format=fmt))
    assert opened
    assert [s._raw.closed for s in opened] == [True] * len(opened)
