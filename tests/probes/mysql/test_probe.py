"""The MySQL verdict over recorded answers and hostile ones; logins (auth switch, caching_sha2
fast path); neutral field types; rows as documents."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from leakhound.errors import PolicyError, ProtocolError
from leakhound.models import Container, Endpoint, FieldType, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.base import ReadPlan, row_bytes
from leakhound.probes.mysql import ALLOW, MysqlProbe, sql, wire
from leakhound.probes.mysql.connection import credentials, greet, log_in
from leakhound.probes.mysql.probe import _iso, _stale
from leakhound.probes.mysql.read import MysqlReader, TablePages, _ends, between
from leakhound.probes.mysql.rows import json_fields, main_date
from leakhound.probes.mysql.tables import rows_that_fit
from leakhound.probes.reconnect import RECONNECTS
from leakhound.probes.registry import DEFAULT

from .replay import (
    MYSQL_8_GREETING,
    closed_port,
    err,
    ok,
    packet,
    recorded,
    replay,
    result_set,
)

PROBE = MysqlProbe()
GREETING = recorded("mariadb-10.11-greeting")
LOGIN_OK = recorded("mariadb-10.11-login-ok")
DENIED = recorded("mariadb-10.11-login-denied")
READ_ONLY = recorded("mariadb-10.11-set-read-only")
WHO = recorded("mariadb-10.11-who")


def _transport(port: int, credentials: tuple[str, str] | None = None, **limits: float) -> Transport:
    return Transport(Limits(**limits), Scope({("127.0.0.1", port)}), credentials)


def _verdict(
    first: bytes,
    replies: Sequence[bytes | None] = (),
    credentials: tuple[str, str] | None = None,
    **limits: float,
) -> tuple[Service, list[bytes]]:
    async def go() -> tuple[Service, list[bytes]]:
        async with replay(first, replies) as played:
            service = await PROBE.verdict(
                _transport(played.port, credentials, **limits), Endpoint("127.0.0.1", played.port)
            )
            return service, played.received

    return asyncio.run(go())


def test_the_kind_is_registered_with_its_port_and_schemes() -> None:
    assert DEFAULT.by_kind("mysql") is not None
    assert DEFAULT.for_scheme("mariadb", ()) == ("mysql",)
    assert DEFAULT.for_port(3306, DEFAULT.kinds)[0] == "mysql"


def test_root_without_a_password_logging_in_is_open() -> None:
    start = READ_ONLY[:3] + b"\x01" + READ_ONLY[4:]  # the recorded OK again
    service, received = _verdict(GREETING, [LOGIN_OK, READ_ONLY, start, start, WHO])
    assert service.verdict == Verdict.OPEN, service.reason
    assert "root with an empty password logs in (as root@127.0.0.1)" in service.reason
    assert service.fingerprint.product == "mariadb"
    assert service.fingerprint.version == "10.11.19-MariaDB-0+deb12u1"
    assert service.fingerprint.details["version_comment"] == "Debian 12"
    login, *queries = received
    assert login[32:37] == b"root\0" and login[37] == 0  # an empty auth response
    assert [q[1:].decode() for q in queries] == [
        "SET SESSION TRANSACTION READ ONLY",
        "SET time_zone = '+00:00'",
        "START TRANSACTION READ ONLY",
        "SELECT VERSION(), CURRENT_USER(), @@version_comment",
    ]


def test_a_server_without_read_only_transactions_gets_a_plain_one() -> None:
    # MySQL 5.5 answers SET SESSION TRANSACTION READ ONLY with a syntax error.
    syntax = err(1064, "You have an error in your SQL syntax", 1, "42000")
    service, received = _verdict(GREETING, [LOGIN_OK, syntax, ok(1), ok(1), WHO])
    assert service.verdict == Verdict.OPEN
    assert "a transaction reads" in service.reason
    assert received[3][1:] == b"START TRANSACTION"


def test_the_anonymous_account_letting_root_in_is_partial() -> None:
    # MySQL matches ''@'localhost' when no root account exists for the client's host.
    who = result_set(
        ["VERSION()", "CURRENT_USER()", "@@version_comment"],
        [["5.7.44", "@localhost", "MySQL Community Server (GPL)"]],
    )
    service, _ = _verdict(GREETING, [LOGIN_OK, READ_ONLY, ok(1), ok(1), who])
    assert service.verdict == Verdict.PARTIAL, service.reason
    assert "anonymous account (@localhost)" in service.reason


def test_access_denied_is_secured() -> None:
    service, _ = _verdict(GREETING, [DENIED])
    assert service.verdict == Verdict.SECURED
    assert service.reason.startswith("root with an empty password is refused: 1045 (28000)")
    assert service.closed_apis == ("login",)


def test_a_host_not_allowed_before_the_handshake_is_secured() -> None:
    refusal = err(
        1130, "Host '10.1.2.3' is not allowed to connect to this MariaDB server", 0, state=None
    )
    service, received = _verdict(refusal)
    assert service.verdict == Verdict.SECURED
    assert "refuses this host before any login" in service.reason and "1130" in service.reason
    assert received == []  # nothing was sent, not even a login


def test_too_many_connections_is_an_error_not_a_verdict_on_access() -> None:
    service, _ = _verdict(err(1040, "Too many connections", 0, state=None))
    assert service.verdict == Verdict.ERROR and "1040" in service.reason


def test_a_tls_only_server_is_an_error_that_says_so() -> None:
    service, _ = _verdict(
        GREETING,
        [
            err(
                3159,
                "Connections using insecure transport are "
                "prohibited while --require_secure_transport=ON.",
                2,
                "08004",
            )
        ],
    )
    assert service.verdict == Verdict.ERROR and "TLS only" in service.reason


@pytest.mark.parametrize(
    "first",
    [
        pytest.param(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", id="ssh"),
        pytest.param(b"220 mail.example.org ESMTP Postfix\r\n", id="smtp"),
        pytest.param(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", id="http"),
        pytest.param(packet(b"\x09" + b"3.20.0\x00" + bytes(20), 0), id="protocol-9"),
        pytest.param(packet(b"\x0a8.0.1\x00\x01", 0), id="truncated-greeting"),
        pytest.param(b"\x10\x00\x00\x00\x0a5.7", id="greeting-cut-by-close"),
    ],
)
def test_what_is_not_mysql_says_so(first: bytes) -> None:
    service, received = _verdict(first)
    assert service.verdict == Verdict.not_of("mysql"), service.reason
    assert service.reason.startswith("not the MySQL protocol") and "\n" not in service.reason
    assert received == []


def test_a_silent_server_is_a_timeout() -> None:
    async def go() -> Service:
        async with replay(b"", [], hold=2.0) as played:
            return await PROBE.verdict(
                _transport(played.port, read_timeout=0.3), Endpoint("127.0.0.1", played.port)
            )

    service = asyncio.run(go())
    assert service.verdict == Verdict.TIMEOUT and "no MySQL greeting" in service.reason


def test_a_closed_port_is_closed() -> None:
    port = closed_port()
    service = asyncio.run(PROBE.verdict(_transport(port), Endpoint("127.0.0.1", port)))
    assert service.verdict == Verdict.CLOSED


def test_a_huge_greeting_is_refused_within_the_budget() -> None:
    service, _ = _verdict(
        b"\xff\xff\xff\x00" + b"\x0a" * 4096, max_body=64 * 1024, read_timeout=0.5
    )
    assert service.verdict == Verdict.ERROR and "cap" in service.reason


def test_credentials_are_not_sent_in_clear_to_another_host() -> None:
    # Judged once the server's greeting said whether TLS is offered (no byte to any other
    # host than loopback here: the rule alone).
    transport = Transport(Limits(), Scope({("192.0.2.7", 3306)}), ("root", "pw"))
    with pytest.raises(PolicyError, match="not sent in clear"):
        credentials(transport, Endpoint("192.0.2.7", 3306))


def test_the_owners_credentials_follow_an_auth_switch() -> None:
    switch = recorded("mariadb-10.11-auth-switch")
    nonce = switch[4:].split(b"\0", 1)[1].rstrip(b"\0")

    async def go() -> tuple[object, list[bytes]]:
        async with replay(MYSQL_8_GREETING, [switch, ok(4)]) as played:
            transport = _transport(played.port)
            stream, greeting, packets = await greet(transport, Endpoint("127.0.0.1", played.port))
            try:
                return await log_in(stream, greeting, packets, "lab", "s3cret"), played.received
            finally:
                await stream.close()

    refused, received = asyncio.run(go())
    assert refused is None
    first, answer = received
    assert first.endswith(b"caching_sha2_password\0")
    assert answer == wire.scramble(wire.NATIVE, "s3cret", nonce) and len(answer) == 20


# caching_sha2_password's answers as go-sql-driver's tests record them: fast auth success then
# OK; "perform full authentication".
FAST_AUTH_OK = packet(b"\x01\x03", 2) + packet(b"\x00\x00\x00\x02\x00\x00\x00", 3)
FULL_AUTH = packet(b"\x01\x04", 2)


def _login(replies: list[bytes | None], password: str) -> object:
    async def go() -> object:
        async with replay(MYSQL_8_GREETING, replies) as played:
            transport = _transport(played.port)
            stream, greeting, packets = await greet(transport, Endpoint("127.0.0.1", played.port))
            try:
                return await log_in(stream, greeting, packets, "root", password)
            finally:
                await stream.close()

    return asyncio.run(go())


def test_caching_sha2_fast_authentication_logs_in() -> None:
    assert _login([FAST_AUTH_OK], "secret") is None


def test_caching_sha2_full_authentication_is_refused_in_one_line() -> None:
    with pytest.raises(ProtocolError, match="full authentication"):
        _login([FULL_AUTH], "secret")


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(packet(b"\xfe", 2), id="pre-4.1-password-switch"),
        pytest.param(packet(b"\x02garbage", 2), id="unknown-answer"),
        pytest.param(packet(b"\xfeclient_ed25519\x00nonce\x00", 2), id="unknown-plugin"),
    ],
)
def test_login_answers_leakhound_does_not_speak_are_refused(answer: bytes) -> None:
    with pytest.raises(ProtocolError):
        _login([answer], "pw")


@pytest.mark.parametrize(
    ("native", "neutral"),
    [
        ("varchar", FieldType.TEXT),
        ("longtext", FieldType.TEXT),
        ("json:string", FieldType.TEXT),
        ("int", FieldType.NUMBER),
        ("decimal", FieldType.NUMBER),
        ("json:number", FieldType.NUMBER),
        ("datetime", FieldType.DATE),
        ("date", FieldType.DATE),
        ("timestamp", FieldType.DATE),
        ("enum", FieldType.KEYWORD),
        ("blob", FieldType.BINARY),
        ("inet6", FieldType.IP),
        ("point", FieldType.GEO_SHAPE),
        ("json", FieldType.OBJECT),
        ("DATETIME", FieldType.DATE),
        ("json:boolean", FieldType.BOOLEAN),
        ("vector", FieldType.UNKNOWN),
    ],
)
def test_column_types_in_neutral_words(native: str, neutral: FieldType) -> None:
    assert PROBE.field_type(native) == neutral


def test_json_columns_give_dotted_leaf_paths() -> None:
    location = {
        "country": "France",
        "city": "Lyon",
        "geo": {"lat": 45.7, "lon": 4.8},
        "tags": ["a"],
        "ok": True,
        "none": None,
    }
    assert json_fields("customer_location", location) == {
        "customer_location.country": "json:string",
        "customer_location.city": "json:string",
        "customer_location.geo.lat": "json:number",
        "customer_location.geo.lon": "json:number",
        "customer_location.tags": "json:array",
        "customer_location.ok": "json:boolean",
        "customer_location.none": "json:null",
    }


def test_the_main_date_prefers_a_creation_date() -> None:
    columns = [("id", "int"), ("updated_at", "datetime"), ("Created_At", "timestamp")]
    assert main_date(columns, ("created_at", "updated_at")) == "Created_At"
    assert main_date([("hired_at", "date")], ("created_at",)) == "hired_at"
    assert main_date([("name", "varchar")], ("created_at",)) is None


def test_pages_of_big_rows_are_cut_to_fit_the_reply_budget() -> None:
    budget = 32 * 1024 * 1024
    table = Container("docs.files", 1000, 1000 * 2 * 1024 * 1024)  # 2 MiB a row
    assert rows_that_fit(1000, row_bytes(table), budget) == 4
    assert rows_that_fit(1000, row_bytes(Container("a.b", 10, 50 * 1024 * 1024 * 10)), budget) == 1
    assert rows_that_fit(1000, row_bytes(Container("a.b", 2000, 1_600_000)), budget) == 1000
    assert rows_that_fit(100, row_bytes(Container("a.b", 0, None)), budget) == 100


def test_the_urls_user_logs_in_instead_of_root() -> None:
    async def go() -> tuple[Service, list[bytes]]:
        async with replay(GREETING, [DENIED]) as played:
            endpoint = Endpoint("127.0.0.1", played.port, "mysql", user="reader")
            return await PROBE.verdict(_transport(played.port), endpoint), played.received

    service, (login,) = asyncio.run(go())
    assert login[32:39] == b"reader\0" and login[39] == 0  # no password
    assert service.verdict == Verdict.SECURED
    assert service.reason.startswith("reader with an empty password is refused")
    assert service.url == f"mysql://reader@127.0.0.1:{service.endpoint.port}"


def _plan(partitions: int, ends: Any) -> ReadPlan:
    state = {
        "row_bytes": 100,
        "database": "d",
        "table": "t",
        "key": ["id"],
        "kinds": ["number"],
        "json": [],
        "ends": ends,
    }
    return ReadPlan("d.t", partitions, "keyset", state, 300_000)


def test_each_partition_reads_its_own_range_of_the_key() -> None:
    reader = MysqlReader(_transport(1), Endpoint("127.0.0.1", 1, "mysql"))
    plan = _plan(3, [[b"100".hex()], [b"200".hex()]])
    pages = [reader.partition(plan, n, None, size=10) for n in range(3)]
    statements = [p._statement() for p in pages if isinstance(p, TablePages)]
    assert statements == [
        "SELECT * FROM `d`.`t` WHERE `id` <= 100 ORDER BY `id` LIMIT 10",
        "SELECT * FROM `d`.`t` WHERE `id` > 100 AND `id` <= 200 ORDER BY `id` LIMIT 10",
        "SELECT * FROM `d`.`t` WHERE `id` > 200 ORDER BY `id` LIMIT 10",
    ]
    resumed = reader.partition(plan, 1, {"after": [b"150".hex()]}, size=10)
    assert isinstance(resumed, TablePages)
    assert resumed._statement() == (
        "SELECT * FROM `d`.`t` WHERE `id` > 150 AND `id` <= 200 ORDER BY `id` LIMIT 10"
    )


class _Streaming:
    """A connection whose statement's rows are handed out in the parts asked for."""

    def __init__(self, rows: int) -> None:
        self.rows = [{"n": n} for n in range(rows)]
        self.statements: list[str | None] = []
        self.greeting = wire.Greeting("10.11.19-MariaDB", 1, 0, b"", wire.NATIVE)

    async def streaming(self, *, mariadb: bool) -> None:
        assert mariadb  # the session's settings in the server's own words

    async def rows_part(
        self, sql: str | None, decoder: Any, upto: int, *, wait: float | None = None
    ) -> Any:
        self.statements.append(sql)
        part, self.rows = self.rows[:upto], self.rows[upto:]
        return (), part, not self.rows

    async def close(self) -> None:
        pass


def test_a_table_without_a_key_resumes_its_one_statement_at_the_offset_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reader = MysqlReader(_transport(1), Endpoint("127.0.0.1", 1, "mysql"))
    state = {"database": "d", "table": "t", "key": [], "kinds": [], "json": [], "ends": []}
    plan = ReadPlan("d.t", 1, "offset", state, 100)
    pages = reader.partition(plan, 0, {"offset": 40}, size=25)
    assert isinstance(pages, TablePages)
    conn = _Streaming(60)  # the rows from the 41st on

    async def connected(*_: Any) -> _Streaming:
        return conn

    async def go() -> list[tuple[int, Any]]:
        got = []
        while (page := await pages.next_page()) is not None:
            got.append((len(page.docs), page.position))
        return got

    monkeypatch.setattr("leakhound.probes.mysql.read.connect", connected)
    got = asyncio.run(go())
    assert [(n, p["offset"]) for n, p in got] == [(25, 65), (25, 90), (10, 100)]
    # The rows before the offset were read in another transaction: each position says so.
    assert all(p["resumed"] == 1 and "read in 2 transactions" in p["note"] for _, p in got)
    assert conn.statements == [
        "SELECT * FROM `d`.`t` LIMIT 18446744073709551615 OFFSET 40",
        None,  # the same statement's rows, read on
        None,
    ]
    assert ALLOW.allows("query", conn.statements[0] or "")


@pytest.mark.parametrize(
    ("partitions", "ends", "number"),
    [
        pytest.param(3, [[b"1".hex()]], 0, id="fewer-ends-than-partitions"),
        pytest.param(2, [[b"1".hex(), b"2".hex()]], 0, id="an-end-of-another-length"),
        pytest.param(2, [["zz"]], 0, id="an-end-not-hex"),
        pytest.param(2, "ab", 0, id="ends-not-a-list"),
        pytest.param(2, [[b"1".hex()]], 2, id="a-partition-past-the-plan"),
    ],
)
def test_a_stored_plan_with_ranges_that_do_not_add_up_is_refused(
    partitions: int, ends: Any, number: int
) -> None:
    reader = MysqlReader(_transport(1), Endpoint("127.0.0.1", 1, "mysql"))
    with pytest.raises(ProtocolError):
        reader.partition(_plan(partitions, ends), number, None, size=10)


@pytest.mark.parametrize(
    ("first", "last", "partitions", "ends"),
    [
        pytest.param(b"1", b"1000000", 2, [b"500000"], id="whole-numbers"),
        pytest.param(b"-5", b"5", 4, [b"-3", b"0", b"2"], id="negative-numbers"),
        pytest.param(b"7", b"8", 4, [b"7"], id="fewer-values-than-partitions"),
        pytest.param(b"1.5", b"9", 2, None, id="a-decimal-is-split-by-offset"),
        pytest.param(b"1" * 66, b"2" * 66, 2, None, id="beyond-65-digits-by-offset"),
    ],
)
def test_partitions_of_a_whole_number_key_end_evenly_between_its_first_and_last(
    first: bytes, last: bytes, partitions: int, ends: list[bytes] | None
) -> None:
    assert between(first, last, partitions) == ends


class _Answers:
    """A connection answering each statement from a table of them, keeping what was sent."""

    def __init__(self, answers: dict[str, list[list[bytes]]]) -> None:
        self.answers = answers
        self.sent: list[str] = []

    async def query(self, statement: str) -> Any:
        self.sent.append(statement)
        return SimpleNamespace(rows=self.answers[statement])


def test_a_text_key_is_split_by_offset_into_even_rows() -> None:
    # Halfway between CS-2005-000001 and CS-2019-111850 is CS-2012-055925, which left 34% of
    # the lab's million cases before it: the partitions' rows are split by offset instead.
    at = "SELECT `case_id` FROM `support`.`cases` ORDER BY `case_id` LIMIT 1 OFFSET 499999"
    conn = _Answers({at: [[b"CS-2014-074709"]]})
    ends = asyncio.run(
        _ends(conn, "support", "cases", ["case_id"], ["text"], 1_000_000, 2)  # type: ignore[arg-type]
    )
    assert ends == [[b"CS-2014-074709"]] and conn.sent == [at]
    assert all(ALLOW.allows("query", s) for s in conn.sent)


def test_a_whole_number_key_is_split_between_its_ends_without_walking_rows() -> None:
    edges = "SELECT MIN(`id`), MAX(`id`) FROM `support`.`cases`"
    conn = _Answers({edges: [[b"1", b"1000000"]]})
    ends = asyncio.run(
        _ends(conn, "support", "cases", ["id"], ["number"], 1_000_000, 2)  # type: ignore[arg-type]
    )
    assert ends == [[b"500000"]] and conn.sent == [edges]


@pytest.mark.parametrize(
    ("engine", "estimate", "size", "rows", "stale"),
    [
        # MariaDB counts rows as they come but measures pages at its last ANALYZE: 3,001
        # rows cannot fit in one 16 KB page
        pytest.param("InnoDB", 3001, 16384, 3001, True, id="innodb-pages-before-the-rows"),
        pytest.param("InnoDB", 2891, 1589248, 3001, False, id="innodb-fresh-estimate"),
        pytest.param("InnoDB", 100, 4_000_000, 10_000, True, id="a-days-cache-mysql-8"),
        pytest.param("InnoDB", 1, 16384, 1, False, id="one-row-one-page"),
        pytest.param("InnoDB", 0, 16384, 0, False, id="empty"),
        pytest.param("InnoDB", 150, 16384, 60, False, id="a-few-rows-apart"),
        # a MyISAM file is measured as it grows: 7-byte rows are no sign of age
        pytest.param("MyISAM", 3001, 21007, 3001, False, id="myisam-small-rows"),
        pytest.param("InnoDB", None, None, 3001, False, id="no-statistics"),
    ],
)
def test_a_size_older_than_the_rows_counted_is_stale(
    engine: str, estimate: int | None, size: int | None, rows: int, stale: bool
) -> None:
    assert _stale(engine, estimate, size, rows) is stale


def test_a_server_that_refuses_the_utc_zone_is_read_in_its_own() -> None:
    # A server without the zone (or refusing SET): the scan goes on, TIMESTAMPs in its zone.
    start = READ_ONLY[:3] + b"\x01" + READ_ONLY[4:]
    refused = err(1298, "Unknown or incorrect time zone: '+00:00'", 1, "HY000")
    service, received = _verdict(GREETING, [LOGIN_OK, READ_ONLY, refused, start, WHO])
    assert service.verdict == Verdict.OPEN, service.reason
    assert received[2][1:] == b"SET time_zone = '+00:00'"


def test_a_timestamp_read_in_utc_says_so() -> None:
    assert _iso(b"2019-12-31 20:00:00", utc=True) == "2019-12-31T20:00:00Z"
    assert _iso(b"2019-12-31 20:00:00") == "2019-12-31T20:00:00"  # a DATETIME: no zone
    assert _iso(b"2019-12-31", utc=True) == "2019-12-31"  # a date is no instant
    assert _iso(b"0000-00-00 00:00:00", utc=True) is None


async def _by_statement(
    slow: set[str], rows: dict[str, str], answers: dict[str, bytes] | None = None
) -> tuple[asyncio.Server, int, list[str]]:
    """A server that answers each statement by its text: the tables of ``rows`` listed,
    ``rows[table]`` rows each, and no answer at all to a statement in ``slow`` (one past the
    read timeout), ``answers[statement]`` where given; ``sent`` has every statement, and
    "login" for every login."""
    sent: list[str] = []

    def reply(statement: str) -> bytes | None:
        if statement in slow:
            return None
        if answers and statement in answers:
            return answers[statement]
        if statement.startswith(("SET ", "START ")):
            return ok(1)
        if "COUNT(*) FROM information_schema.TABLES" in statement:
            return result_set(["n"], [[str(len(rows))]])
        if "FROM information_schema.TABLES" in statement:
            listed = [["shop", t, "InnoDB", n, "16384", "100"] for t, n in rows.items()]
            return result_set(["s", "t", "e", "r", "d", "a"], listed)
        if "information_schema.COLUMNS" in statement:
            return result_set(
                ["c", "d", "t", "n", "s"], [["email", "varchar", "varchar(40)", "YES", "utf8mb4"]]
            )
        if "information_schema.STATISTICS" in statement:
            return result_set(["i", "u", "s", "c"], [])  # no index
        for table, n in rows.items():
            if statement == f"SELECT COUNT(*) FROM `shop`.`{table}`":
                return result_set(["n"], [[n]])
        return result_set(["x"], [])

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(GREETING)
            header = await reader.readexactly(4)
            await reader.readexactly(int.from_bytes(header[:3], "little"))
            sent.append("login")
            writer.write(LOGIN_OK)
            while True:
                header = await reader.readexactly(4)
                body = await reader.readexactly(int.from_bytes(header[:3], "little"))
                sent.append(body[1:].decode())
                answer = reply(sent[-1])
                if answer is None:
                    await reader.read()  # silent until the client gives up
                    break
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], sent


async def _inventory(
    slow: set[str], rows: dict[str, str], answers: dict[str, bytes] | None = None
) -> tuple[list[Container], list[str]]:
    server, port, sent = await _by_statement(slow, rows, answers)
    async with server:
        endpoint = Endpoint("127.0.0.1", port, "mysql")
        service = Service(endpoint, f"mysql://127.0.0.1:{port}", "mysql", Verdict.OPEN, "")
        got = await PROBE.inventory(
            _transport(port, read_timeout=0.2, total_timeout=2), service, max_containers=10
        )
        return list(got.containers), sent


def test_a_table_past_the_read_timeout_leaves_the_next_tables_described() -> None:
    # The count of `slow` never comes back: its connection is closed at the read deadline. The
    # tables after it are still counted and described, on a new connection.
    async def go() -> tuple[list[Container], list[str]]:
        return await _inventory(
            {"SELECT COUNT(*) FROM `shop`.`a_slow`"}, {"a_slow": "5", "b_next": "7"}
        )

    (slow, after), sent = asyncio.run(go())
    assert slow.name == "shop.a_slow" and "timed out" in (slow.error or "")
    assert slow.docs == 5 and not slow.docs_exact  # the listed estimate, said to be one
    assert after.name == "shop.b_next" and after.error is None
    assert after.docs == 7 and after.docs_exact
    assert [f.path for f in after.fields] == ["email"]
    assert sent.count("SELECT COUNT(*) FROM `shop`.`b_next`") == 1


def test_a_server_that_stalls_on_every_table_is_logged_into_again_a_few_times() -> None:
    rows = {f"t{i}": "3" for i in range(6)}
    slow = {f"SELECT COUNT(*) FROM `shop`.`t{i}`" for i in range(6)}
    tables, sent = asyncio.run(_inventory(slow, rows))
    assert sent.count("login") == 1 + RECONNECTS
    assert [t.docs for t in tables] == [3] * 6  # every table listed, with its estimate
    assert all(t.error and not t.docs_exact for t in tables)
    assert tables[-1].error == "columns: the connection was closed after an error"


def test_a_size_older_than_the_rows_a_year_counted_is_not_given() -> None:
    # MariaDB counts TABLE_ROWS as rows come but measures DATA_LENGTH only when it recomputes
    # its statistics: 2.5 million rows counted along the date's index in 16 KiB is no size.
    cols = result_set(
        ["c", "d", "t", "n", "s"], [["created_at", "datetime", "datetime", "YES", None]]
    )
    answers = {
        sql.list_tables(10): result_set(
            ["s", "t", "e", "r", "d", "a"], [["shop", "orders", "InnoDB", "2500000", "16384", "0"]]
        ),
        sql.columns_of("shop", "orders"): cols,
        sql.keys_of("shop", "orders"): result_set(
            ["i", "u", "s", "c"], [["by_date", "1", "1", "created_at"]]
        ),
        sql.by_year("shop", "orders", "created_at"): result_set(
            ["y", "n"], [["2019", "1500000"], ["2020", "1000000"]]
        ),
    }
    (table,), _ = asyncio.run(_inventory(set(), {"orders": "2500000"}, answers))
    assert table.docs == 2_500_000 and table.docs_exact
    assert [y.docs for y in table.years] == [1_500_000, 1_000_000]
    assert table.store_bytes is None
    assert "older than the 2,500,000 rows counted" in (table.error or "")


@pytest.mark.parametrize(
    ("raw", "value"),
    [(b"42", 42), (b"-9223372036854775808", -(2**63)), (b"--5", None), (b"1_0", None), (b"", None)],
)
def test_a_key_the_server_printed_is_a_whole_number_or_nothing(
    raw: bytes, value: int | None
) -> None:
    from leakhound.probes.mysql.probe import _whole

    assert _whole(raw) == value
