"""Every listed format, parsed from samples written from its documentation (see the samples'
README for the page each follows): who did what, how many records, what was skipped."""

from __future__ import annotations

from pathlib import Path

import pytest
from investigate_helpers import SAMPLES, Run, by_address

from leakhound.investigate.formats import sniff
from leakhound.investigate.reader import LogStream

# file, the format sniffing must find, lines skipped on purpose,
# {address: (class, actions, records (value, lower, upper) or None)}
CASES = [
    (
        "nginx-combined.log",
        "nginx",
        2,
        {
            "203.0.113.66": ("unknown", {"probe", "enumerate", "bulk-read"}, (150, 100, 200)),
            "45.227.254.8": ("unknown", {"wipe", "ransom-note"}, None),
            "162.142.125.41": ("known-scanner", {"probe"}, None),
            "2001:db8::7": ("unknown", {"read"}, (1, 1, 1)),
            "198.18.0.10": ("unknown", set(), None),  # a 401: denied, no action
        },
    ),
    (
        "apache-common.log",
        "nginx",
        0,
        {
            "192.0.2.10": ("unknown", {"enumerate", "bulk-read"}, (5000, 0, 5000)),
            "127.0.0.1": ("unknown", {"probe"}, None),
        },
    ),
    (
        "access.json",
        "json",
        1,
        {
            "203.0.113.70": ("unknown", {"read", "enumerate", "wipe"}, (20, 0, 20)),
        },
    ),
    (
        "es-audit.json",
        "es-audit",
        1,
        {
            "203.0.113.66": ("unknown", {"enumerate", "bulk-read"}, (5000, 0, 5000)),
            "45.227.254.8": ("unknown", {"wipe"}, None),
            "::1": ("unknown", set(), None),
        },
    ),
    (
        "opensearch-audit.json",
        "opensearch-audit",
        0,
        {
            "203.0.113.66": ("unknown", {"enumerate", "bulk-read"}, (750, 500, 1000)),
            "45.227.254.8": ("unknown", {"wipe"}, None),
            "198.18.0.20": ("unknown", set(), None),
        },
    ),
    (
        "es-slowlog.json",
        "es-slowlog",
        0,
        {
            "dump-job-7": ("unknown", {"bulk-read"}, (10000, 0, 10000)),
            "app-42": ("unknown", {"read"}, (20, 0, 20)),
        },
    ),
    (
        "opensearch-slowlog.log",
        "es-slowlog",
        0,
        {
            "export-3": ("unknown", {"bulk-read"}, (5000, 0, 5000)),
        },
    ),
    (
        "mongodb.log",
        "mongodb",
        0,
        {
            "203.0.113.66": ("unknown", {"probe", "enumerate", "bulk-read"}, (1000, 1000, 1000)),
            "45.227.254.8": ("unknown", {"probe", "wipe", "ransom-note"}, None),
        },
    ),
    (
        "postgresql.csv",
        "postgresql",
        0,
        {
            "203.0.113.66": ("unknown", {"probe", "enumerate", "bulk-read"}, None),
            "45.227.254.8": ("unknown", {"wipe", "ransom-note"}, None),
            "198.18.0.30": ("unknown", set(), None),
        },
    ),
    (
        "postgresql.json",
        "postgresql",
        0,
        {
            "203.0.113.90": ("unknown", {"read", "enumerate"}, None),
        },
    ),
    (
        "mysql-slow.log",
        "mysql",
        0,
        {
            "203.0.113.66": ("unknown", {"enumerate", "bulk-read"}, (2500, 2500, 2500)),
            "45.227.254.8": ("unknown", {"wipe", "ransom-note"}, None),
        },
    ),
    (
        "mysql-general.log",
        "mysql",
        1,
        {
            "203.0.113.66": ("unknown", {"probe", "enumerate", "read"}, None),
            "45.227.254.8": ("unknown", {"probe", "wipe", "ransom-note"}, None),
            "198.51.100.7": ("unknown", set(), None),  # a refused login: no action
        },
    ),
    (
        "mariadb-audit.log",
        "mysql",
        0,
        {
            "203.0.113.66": ("unknown", {"probe", "enumerate", "read"}, None),
            "45.227.254.8": ("unknown", {"probe", "wipe", "ransom-note"}, None),
            "198.51.100.7": ("unknown", set(), None),
        },
    ),
    (
        "couchdb.log",
        "couchdb",
        1,
        {
            "203.0.113.66": (
                "unknown",
                {"probe", "enumerate", "read", "bulk-read"},
                (2000, 0, 2000),
            ),
            "45.227.254.8": ("unknown", {"wipe", "ransom-note"}, None),
            "198.18.0.10": ("unknown", set(), None),  # a 401: denied, no action
        },
    ),
    (
        "redis.log",
        "redis",
        1,
        {
            "203.0.113.66": ("unknown", {"probe", "enumerate", "read", "bulk-read"}, None),
            "45.227.254.8": ("unknown", {"write", "wipe"}, None),
            "198.51.100.7": ("unknown", {"probe"}, None),
            "::1": ("unknown", {"enumerate"}, None),
        },
    ),
    (
        "nsg-flow.json",
        "azure-nsg",
        0,
        {
            "203.0.113.66": ("unknown", {"probe", "bulk-read"}, (0, 0, 0)),
            "162.142.125.9": ("known-scanner", {"probe"}, None),
            "94.102.49.190": ("unknown", set(), None),
            "52.239.0.10": ("unknown", {"probe"}, None),
        },
    ),
    (
        "vpc-flow.log",
        "aws-vpc",
        1,
        {
            "203.0.113.66": ("unknown", {"probe", "bulk-read"}, (0, 0, 0)),
            "198.51.100.2": ("unknown", set(), None),
        },
    ),
    (
        "vpc-flow-v5.log",
        "aws-vpc",
        0,
        {
            "203.0.113.77": ("unknown", {"probe", "bulk-read"}, (0, 0, 0)),
        },
    ),
    (
        "s3-access.log",
        "s3-access",
        0,
        {
            "203.0.113.66": ("unknown", {"enumerate", "bulk-read"}, (2, 2, 2)),
            "45.227.254.8": ("unknown", {"wipe", "ransom-note"}, None),
            "192.0.2.3": ("unknown", {"probe"}, None),
        },
    ),
    (
        "cloudtrail.json",
        "cloudtrail",
        0,
        {
            "203.0.113.66": ("unknown", {"enumerate", "bulk-read"}, (1, 1, 1)),
            "45.227.254.8": ("unknown", {"wipe"}, None),
        },
    ),
    (
        "azure-storage.log",
        "azure-storage",
        0,
        {
            "203.0.113.66": ("unknown", {"enumerate", "bulk-read"}, (1, 1, 1)),
            "45.227.254.8": ("unknown", {"wipe"}, None),
            "123.100.2.10": ("unknown", {"read"}, (1, 1, 1)),
        },
    ),
    (
        # Recognised by its directives, read by the columns its #Fields names (a second
        # #Fields, after a restart, names others); they were "format not recognised"
        "iis-w3c.log",
        "w3c",
        0,
        {
            "203.0.113.66": ("unknown", {"enumerate", "bulk-read"}, (5000, 0, 10000)),
            "45.227.254.8": ("unknown", {"wipe", "ransom-note"}, None),
            "192.0.2.3": ("unknown", {"probe"}, None),
        },
    ),
    (
        "cloudfront.log",
        "w3c",
        0,
        {
            "203.0.113.66": ("unknown", {"enumerate", "bulk-read"}, (5000, 0, 10000)),
            "45.227.254.8": ("unknown", {"wipe"}, None),
            "192.0.2.100": ("unknown", {"probe"}, None),
        },
    ),
]


@pytest.mark.parametrize(("name", "fmt", "skipped", "want"), CASES, ids=[c[0] for c in CASES])
def test_sample_is_read_as_documented(
    run: Run,
    name: str,
    fmt: str,
    skipped: int,
    want: dict[str, tuple[str, set[str], tuple[int, int, int] | None]],
) -> None:
    inv = run(SAMPLES / name)
    assert [f.format for f in inv.files] == [fmt]
    assert inv.files[0].skipped == skipped
    got = by_address(inv)
    for addr, (kind, actions, records) in want.items():
        s = got[addr]
        assert s.kind == kind, addr
        assert set(s.action_names) == actions, addr
        if records is None:
            assert s.records is None, addr
        else:
            assert s.records is not None, addr
            assert (s.records.value, s.records.lower, s.records.upper) == records, addr
            assert s.records.method


@pytest.mark.parametrize(("name", "fmt"), [(c[0], c[1]) for c in CASES], ids=[c[0] for c in CASES])
def test_format_is_recognised_from_the_first_lines(name: str, fmt: str) -> None:
    with LogStream(str(SAMPLES / name)) as stream:
        assert sniff(stream.head) == fmt


def test_every_listed_format_has_a_sample() -> None:
    from leakhound.investigate.command import FORMAT_NAMES

    covered = {c[1] for c in CASES} | {"apache"}
    assert set(FORMAT_NAMES) - {"auto"} <= covered


def test_skipped_lines_are_counted_with_their_reason(run: Run) -> None:
    f = run(SAMPLES / "nginx-combined.log").files[0]
    reasons = {e.reason for e in f.skipped_examples}
    assert reasons == {"not an HTTP request line", "not in the access-log shape"}
    assert any("not an access log line" in e.text for e in f.skipped_examples)


def test_mixed_time_zones_are_converted_and_noted(run: Run) -> None:
    inv = run(SAMPLES / "nginx-combined.log")
    assert any("mixed time zones" in n for n in inv.files[0].notes)
    # 05:00:00 +0100 is 04:00:00 UTC
    assert by_address(inv)["2001:db8::7"].first_seen == "2019-03-05T04:00:00Z"


def test_a_request_in_several_audit_events_is_counted_once(run: Run) -> None:
    s = by_address(run(SAMPLES / "es-audit.json"))["203.0.113.66"]
    assert s.requests == 3  # the _cat/indices request logged twice (rest + transport) counts once


def test_opensearch_transport_duplicates_are_folded(run: Run) -> None:
    inv = run(SAMPLES / "opensearch-audit.json")
    assert any("transport-layer" in n for n in inv.files[0].notes)


def test_an_opensearch_transport_write_to_a_ransom_index_is_a_ransom_note(
    tmp_path: Path, run: Run
) -> None:
    # Written as a bare action number that stood for "wipe": the note was called a wipe.
    path = tmp_path / "audit.json"
    path.write_text(
        '{"audit_category":"GRANTED_PRIVILEGES","audit_request_layer":"TRANSPORT",'
        '"audit_request_privilege":"indices:data/write/index","audit_trace_indices":["read_me"],'
        '"audit_request_remote_address":"203.0.113.70","@timestamp":"2023-06-01T10:00:00Z"}\n'
    )
    s = by_address(run(path))["203.0.113.70"]
    assert s.action_names == ("ransom-note",)


def test_a_redis_connection_is_one_request_as_its_last_command(run: Run) -> None:
    # Recorded from redis-server 7.0.15 (loglevel verbose): "Accepted ::1:56494" is closed as
    # "addr=[::1]:56494"; a connection reset or killed leaves its accept alone, a probe.
    inv = run(SAMPLES / "redis.log")
    got = by_address(inv)
    assert got["::1"].requests == 1
    assert got["203.0.113.66"].requests == 7  # 5 closed with their command, 2 never closed
    assert got["198.51.100.7"].requests == 4
    assert any("last command only" in n for n in inv.files[0].notes)
    assert any("local time" in n for n in inv.files[0].notes)


def test_mongodb_commands_are_tied_to_their_connection(run: Run) -> None:
    s = by_address(run(SAMPLES / "mongodb.log"))["203.0.113.66"]
    assert "mongodump" in s.user_agents
    assert {t.name for t in s.targets} >= {"customers"}


def test_nsg_bytes_out_are_the_bytes_sent_to_the_remote_side(run: Run) -> None:
    s = by_address(run(SAMPLES / "nsg-flow.json"))["203.0.113.66"]
    assert s.bytes_out == 73400320 + 31457280
    outbound = by_address(run(SAMPLES / "nsg-flow.json"))["52.239.0.10"]
    assert outbound.bytes_out == 2400  # an outbound flow: the local side sent 2,400 bytes


def test_vpc_records_towards_the_client_are_its_bytes_out(run: Run) -> None:
    s = by_address(run(SAMPLES / "vpc-flow.log"))["203.0.113.66"]
    assert s.bytes_out == 73400320
    assert s.requests == 2


def test_a_dump_tool_agent_makes_a_read_a_bulk_read(tmp_path, run: Run) -> None:
    path = tmp_path / "access.log"
    path.write_text(
        '203.0.113.8 - - [05/Mar/2019:04:00:00 +0000] "GET /customers/_search?size=50 HTTP/1.1" '
        '200 41000 "-" "es2csv/2.4.1"\n'
        '203.0.113.9 - - [05/Mar/2019:04:00:00 +0000] "GET /customers/_search?size=50 HTTP/1.1" '
        '200 41000 "-" "Mozilla/5.0"\n'
    )
    got = by_address(run(path))
    assert got["203.0.113.8"].action_names == ("bulk-read",)
    assert got["203.0.113.9"].action_names == ("read",)


def test_mysql_statements_name_their_session_database_and_leave_the_hosts_own_out(
    run: Run,
) -> None:
    inv = run(SAMPLES / "mysql-slow.log")
    got = by_address(inv)
    # the dump's unqualified `cases`, in the database a statement before it chose
    assert [t.name for t in got["203.0.113.66"].targets] == ["support.cases"]
    assert "localhost" not in got and "" not in got  # the Unix-socket session
    assert set(got) == {"203.0.113.66", "45.227.254.8"}


def test_mysql_audit_table_events_stand_only_for_statements_not_logged(run: Run) -> None:
    got = by_address(run(SAMPLES / "mariadb-audit.log"))
    reader = got["203.0.113.66"]
    assert reader.requests == 3  # the connect, SHOW DATABASES and the READ event alone
    wiper = got["45.227.254.8"]
    # DROP and CREATE come with their QUERY lines: each statement counted once
    assert wiper.requests == 3


def test_mysql_local_times_are_noted(run: Run) -> None:
    assert any("local time" in n for n in run(SAMPLES / "mariadb-audit.log").files[0].notes)
    assert not any("local time" in n for n in run(SAMPLES / "mysql-general.log").files[0].notes)


def test_nginx_time_iso8601_in_the_brackets_is_read(tmp_path: Path, run: Run) -> None:
    # As nginx 1.22 wrote it with $time_iso8601 in place of $time_local (and $request_time)
    path = tmp_path / "access.log"
    path.write_text(
        '127.0.0.4 - - [2026-12-06T23:24:05+00:00] "GET /hr-payroll/_search?size=10000 '
        'HTTP/1.1" 200 58403 "-" "curl/8.5.0" 0.012\n'
        '127.0.0.4 - - [2026-12-07T00:24:06+01:00] "GET /hr-payroll/_doc/7 HTTP/1.1" 200 '
        '640 "-" "curl/8.5.0" 0.002\n'
    )
    inv = run(path)
    f = inv.files[0]
    assert (f.format, f.parsed, f.skipped) == ("nginx", 2, 0)
    assert (f.first, f.last) == ("2026-12-06T23:24:05Z", "2026-12-06T23:24:06Z")
    assert inv.summary.unknown_readers == ("127.0.0.4",)


def test_the_summary_says_what_of_the_logs_could_not_be_read(tmp_path: Path, run: Run) -> None:
    # Nothing readable is no evidence that nobody came: the quoted sentence says so
    path = tmp_path / "access.log"
    path.write_text(
        '203.0.113.9 - - [06/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 348 "-" "curl"\n'
        '203.0.113.9 - - [Sun Dec 6 10:01:00 2026] "GET /customers/_search HTTP/1.1" 200 9000 '
        '"-" "curl"\n'
    )
    inv = run(path, tmp_path / "missing.log")
    assert inv.summary.sentence.endswith(
        "(1 of 2 log lines could not be read, so this covers the 1 read only; why, for all of "
        "them: not a [day/Mon/year:hh:mm:ss zone] time: b'Sun Dec 6 10:01:00 2026'; 1 log "
        "file(s) or argument(s) could not be read at all)"
    )


def test_redis_connections_left_open_are_bounded(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leakhound.investigate.formats import redis

    monkeypatch.setattr(redis, "MAX_OPEN", 2)
    path = tmp_path / "redis.log"
    path.write_text(
        "".join(
            f"7:M 07 Dec 2026 01:50:0{n}.000 - Accepted 203.0.113.{n}:4000{n}\n" for n in range(5)
        )
    )
    inv = run(path)
    assert sorted(s.address for s in inv.sources) == [f"203.0.113.{n}" for n in range(5)]
    assert all(s.action_names == ("probe",) and s.requests == 1 for s in inv.sources)


def test_a_redis_port_used_again_keeps_the_connection_before(tmp_path: Path, run: Run) -> None:
    # A connection reset ("Reading from client: Connection reset by peer") logs no close
    # fields; the client's next connection from the same port must not erase it.
    path = tmp_path / "redis.log"
    accept = "7:M 07 Dec 2026 01:50:0{}.000 - Accepted 203.0.113.9:40001\n"
    path.write_text(
        accept.format(1)
        + "7:M 07 Dec 2026 01:50:01.500 - Reading from client: Connection reset by peer\n"
        + accept.format(2)
        + "7:M 07 Dec 2026 01:50:03.000 - Client closed connection id=4 addr=203.0.113.9:40001 "
        "laddr=127.0.0.1:6379 fd=8 name= db=0 cmd=get user=default\n"
    )
    s = by_address(run(path))["203.0.113.9"]
    assert s.requests == 2
    assert s.action_names == ("probe", "read")
    assert s.first_seen == "2026-12-07T01:50:01Z"


@pytest.mark.parametrize(
    ("flags", "cmd", "want"),
    [
        pytest.param("S", "replconf", "bulk-read", id="replica-acking"),
        pytest.param("O", "ping", "bulk-read", id="monitor"),
        pytest.param("N", "replconf", "probe", id="replconf-alone"),
    ],
)
def test_a_redis_replica_or_monitor_read_in_bulk_whatever_it_sent_last(
    tmp_path: Path, run: Run, flags: str, cmd: str, want: str
) -> None:
    # A rogue replica (PSYNC) is sent the whole data set as an RDB, then acknowledges with
    # REPLCONF ACK until it leaves: its last command is no read, its flags say what it got.
    path = tmp_path / "redis.log"
    path.write_text(
        "7:M 07 Dec 2026 01:50:01.000 - Accepted 203.0.113.9:40001\n"
        "7:M 07 Dec 2026 01:59:00.000 - Client closed connection id=4 addr=203.0.113.9:40001 "
        f"laddr=127.0.0.1:6379 fd=8 name= flags={flags} db=0 cmd={cmd} user=default\n"
    )
    assert by_address(run(path))["203.0.113.9"].action_names == (want,)


# As redis-server 7.0.15 wrote them at loglevel verbose (redis-cli on loopback, the address
# planted): a transaction is logged by its end alone, whatever it held.
_REDIS_CLOSE = (
    "30606:M 07 Dec 2026 04:20:32.433 - Client closed connection id=4 addr=203.0.113.9:49144 "
    "laddr=127.0.0.1:16591 fd=7 name= age=0 idle=0 flags={flags} db=0 sub=0 psub=0 ssub=0 "
    "multi={multi} qbuf=0 qbuf-free=20474 argv-mem=0 multi-mem={mem} rbs=16384 rbp=16384 obl=0 "
    "oll=0 omem=0 tot-mem=37632 events=r cmd={cmd} user=default redir=-1 resp=2\n"
)


@pytest.mark.parametrize(
    ("flags", "multi", "mem", "cmd", "want"),
    [
        # MULTI, GET k, HGETALL h, EXEC (and MULTI, GET k, SET k w, EXEC; MULTI, SET k w,
        # INCR n, EXEC; an EXEC answered EXECABORT or without MULTI; MULTI, EXEC: redis-server
        # 7.0.15 closes them all with this line, so the log cannot tell their reads apart)
        pytest.param("N", -1, 0, "exec", "read", id="multi-reads-exec"),
        # MULTI, GET k, then the client left: Redis drops what was queued, unrun
        pytest.param("x", 1, 20, "get", "probe", id="left-inside-multi"),
        pytest.param("x", 1, 20, "flushall", "probe", id="wipe-queued-never-run"),
        # MULTI, GET k, DISCARD
        pytest.param("N", -1, 0, "discard", "probe", id="discarded"),
        pytest.param("N", -1, 0, "get", "read", id="plain-get"),
    ],
)
def test_a_redis_transaction_is_classed_by_whether_it_ran(
    tmp_path: Path, run: Run, flags: str, multi: int, mem: int, cmd: str, want: str
) -> None:
    path = tmp_path / "redis.log"
    path.write_text(
        "30606:M 07 Dec 2026 04:20:32.429 - Accepted 203.0.113.9:49144\n"
        + _REDIS_CLOSE.format(flags=flags, multi=multi, mem=mem, cmd=cmd)
    )
    inv = run(path)
    s = by_address(inv)["203.0.113.9"]
    assert (s.requests, s.action_names) == (1, (want,))
    said = [n for n in inv.files[0].notes if "transaction (cmd=exec)" in n]
    assert bool(said) == (cmd == "exec" or multi >= 0)
    # a reader told "a read" must be told what the same line may also be
    assert not said or all(
        w in said[0] for w in ("all have been writes", "EXECABORT", "MULTI", "WATCHed key")
    )


def test_a_log_of_unread_lines_and_blank_ones_says_nothing_of_who_came(
    tmp_path: Path, run: Run
) -> None:
    # The blank lines are no request, the others could not be read: no line said who came
    path = tmp_path / "access.log"
    path.write_text(
        '203.0.113.9 - - [07/Dec/2026:10:00:00 EST] "GET /customers/_search HTTP/1.1" 200 9000 '
        '"-" "curl"\n\n\n'
    )
    sentence = run(path).summary.sentence
    assert sentence.startswith(
        "the logs could not be read: 1 of their 3 line(s) were not and the others held no "
        "request, so they say nothing of who touched the store (why, for all of them: the zone "
        "EST names several offsets"
    )
    assert "no unknown source" not in sentence


def test_the_commonest_reason_counts_reasons_that_quote_each_lines_text_as_one(
    tmp_path: Path, run: Run
) -> None:
    # Each line's own time quoted made a reason of its own: three off the calendar counted as
    # three reasons of one line each, and the two EST lines' reason was said to be the commonest
    line = '203.0.113.9 - - [{t}] "GET /customers/_search HTTP/1.1" 200 9000 "-" "curl"\n'
    days = (
        "29/Feb/2026:10:00:00 +0000",
        "30/Feb/2026:10:00:00 +0000",
        "31/Feb/2026:10:00:00 +0000",
    )
    path = tmp_path / "access.log"
    path.write_text(
        "".join(line.format(t=t) for t in days)
        + line.format(t="07/Dec/2026:10:00:00 EST") * 2
        + line.format(t="07/Dec/2026:10:00:00 +0000")
    )
    inv = run(path)
    assert [f.skipped for f in inv.files] == [5]
    assert (
        "why, for 3 of them: not a [day/Mon/year:hh:mm:ss zone] time: b'29/Feb/2026:10:00:00 +0000'"
    ) in inv.summary.sentence


def test_the_commonest_reason_counts_reasons_that_say_each_lines_numbers_as_one(
    tmp_path: Path, run: Run
) -> None:
    # "N fields where #Fields names 15" says each cut line's own count, unquoted: three lines
    # cut short at three places were three reasons of one line each, and two lines of a date
    # off the calendar were said to be the commonest
    fields = (
        "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
        "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
    )
    good = (
        "{d} 04:00:00 10.0.0.5 GET /_cat/indices v=true 443 - 203.0.113.66 curl/8.5.0 - 200 0 0 5\n"
    )
    path = tmp_path / "u_ex190305.log"
    path.write_text(
        f"#Software: Microsoft Internet Information Services 10.0\n#Fields: {fields}\n"
        + good.format(d="2019-03-05")
        + "2019-03-05 04:00:01 10.0.0.5\n"
        + "2019-03-05 04:00:02 10.0.0.5 GET\n"
        + "2019-03-05 04:00:03 10.0.0.5 GET /_cat/indices\n"
        + good.format(d="2019-02-30") * 2
    )
    inv = run(path)
    assert [f.skipped for f in inv.files] == [5]
    assert "why, for 3 of them: 3 fields where #Fields names 15" in inv.summary.sentence


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        pytest.param("not an ISO 8601 time: '2024-13-01'", "not an ISO … time: …", id="str"),
        pytest.param("not a time: b'31/Feb'", "not a time: …", id="bytes"),
        pytest.param('not a time: "it\'s"', "not a time: …", id="double-quoted"),
        pytest.param(
            "not a zone abbreviation: 'cet' (written in upper case, as CET)",
            "not a zone abbreviation: … (written in upper case, as CET)",
            id="quoted-inside",
        ),
        pytest.param(
            "the zone EST names several offsets: give --log-time-zone (the server's zone)",
            "the zone EST names several offsets: give --log-time-zone (the server's zone)",
            id="an-apostrophe-is-no-quote",
        ),
        # Numbers a reason says of its line unquoted were a kind a line too
        pytest.param(
            "5 fields where #Fields names 15", "… fields where #Fields names …", id="w3c-fields"
        ),
        pytest.param(
            "7 csvlog columns, at least 23 expected",
            "… csvlog columns, at least … expected",
            id="csvlog-columns",
        ),
        pytest.param(
            "not a valid date: (2026, 2, 31, 10, 0, 0)",
            "not a valid date: (…, …, …, …, …, …)",
            id="redis-time-off-the-calendar",
        ),
    ],
)
def test_a_reasons_kind_is_it_without_the_values_it_quotes(reason: str, kind: str) -> None:
    from leakhound.investigate.activity import reason_kind

    assert reason_kind(reason) == kind
