"""What only the MySQL kind shows, against the lab's MariaDB servers.

What every database kind shares (verdicts, exact counts, PII where seeded, people, full reads
with the owner's credentials, kill -9 and resume) is in ``test_databases.py``. Here: columns,
keys and JSON columns; a table without a key read by offset; names that must stay inside their
backticks; the URL's user; a wrong password; and a server started with ``--skip-grant-tables``,
the one server this module starts itself (no lab server runs without its grant tables).

The odd names live in a scratch database of the lab's secured server, made with its admin
credentials beside a password-less account, and both are dropped afterwards: the seeded
databases are never touched.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from reports import report
from sqlclient import mariadb as client

from leakhound.lab import LabTarget, SeedTruth
from leakhound.lab.mariadb import CASES, PAYROLL, RANSOM
from leakhound.models import Distinct
from leakhound.probes.mysql import ALLOW

# Names a hostile (or merely careless) schema may hold: each must stay inside its backticks.
ODD_DB = "we`ird'db;/*"
ODD_TABLE = 'ta`ble"; DROP TABLE canary; -- /*x*/'
CANARY = "canary"
READER = "lh_reader"  # a password-less account that may read the payroll only
HEAP, HEAP_ROWS = "heap", 7  # a table without a key, of more pages than one (--batch 2)


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


@dataclass(frozen=True)
class Lab:
    """The lab's two MariaDB servers and the truth of what was seeded."""

    open: LabTarget
    secured: LabTarget
    truth: SeedTruth

    def admin(self, sql: str) -> str:
        """SQL on the secured server as root, whose password is the lab account's (root may
        grant; the lab account may not)."""
        assert self.secured.password
        return client(self.secured.port, sql, "root", self.secured.password)


STALE = "lh_stale"  # tables filled before and after their statistics were last measured
_SCRATCH = (
    f"DROP DATABASE IF EXISTS {_q(ODD_DB)};\nDROP DATABASE IF EXISTS {STALE};\n"
    f"DROP USER IF EXISTS '{READER}'@'%';\n"
)
# `filled`: measured at one row (and never again), then 3,000 more; `fresh`: measured full.
_STALE_TABLES = (
    f"CREATE DATABASE {STALE};\n"
    f"CREATE TABLE {STALE}.filled (id INT PRIMARY KEY, email VARCHAR(100), note TEXT) "
    "STATS_PERSISTENT=1 STATS_AUTO_RECALC=0;\n"
    f"INSERT INTO {STALE}.filled VALUES (0, 'first@example.org', 'x');\n"
    f"ANALYZE TABLE {STALE}.filled;\n"
    f"INSERT INTO {STALE}.filled SELECT seq, CONCAT('p', seq, '@example.org'), "
    f"REPEAT('n', 300) FROM {STALE}.seq_1_to_3000;\n"
    f"CREATE TABLE {STALE}.fresh LIKE {STALE}.filled;\n"
    f"INSERT INTO {STALE}.fresh SELECT * FROM {STALE}.filled;\n"
    f"ANALYZE TABLE {STALE}.fresh;\n"
)


@pytest.fixture(scope="module")
def mariadb(lab: Any) -> Iterator[Lab]:
    """The lab's servers; the secured one also holds the odd names and the reader account."""
    assert shutil.which("mariadb"), "the mariadb client is needed (apt-get install mariadb-client)"
    found = Lab(
        lab.status.target("open", kind="mysql"),
        lab.status.target("secured", kind="mysql"),
        lab.truth_of("mysql"),
    )
    found.admin(_SCRATCH)  # what a killed run may have left
    found.admin(
        f"CREATE DATABASE {_q(ODD_DB)};\n"
        f"CREATE TABLE {_q(ODD_DB)}.{_q(ODD_TABLE)} (id INT PRIMARY KEY, contact VARCHAR(100));\n"
        f"INSERT INTO {_q(ODD_DB)}.{_q(ODD_TABLE)} VALUES (1, 'odd.person@example.net'), "
        f"(2, 'other.person@example.net'), (3, 'third.person@example.net');\n"
        f"CREATE TABLE {_q(ODD_DB)}.{CANARY} (id INT PRIMARY KEY);\n"
        f"INSERT INTO {_q(ODD_DB)}.{CANARY} VALUES (1), (2);\n"
        f"CREATE TABLE {_q(ODD_DB)}.{HEAP} (note VARCHAR(20), contact VARCHAR(100));\n"
        f"INSERT INTO {_q(ODD_DB)}.{HEAP} VALUES "
        + ", ".join(f"('n{n}', 'heap{n}@example.net')" for n in range(HEAP_ROWS))
        + ";\n"
        f"CREATE USER '{READER}'@'%';\nGRANT SELECT ON hr.* TO '{READER}'@'%';\n" + _STALE_TABLES
    )
    try:
        yield found
    finally:
        found.admin(_SCRATCH)


def _scan(tmp: Path, *argv: str, schema: bool = True) -> dict[str, Any]:
    return report(tmp, *argv, schema=schema)[0]


def _scan_as_admin(tmp: Path, mariadb: Lab, database: str) -> dict[str, Any]:
    """A sample scan of one scratch database of the secured server, as its admin."""
    auth = f"{mariadb.secured.username}:{mariadb.secured.password}"
    return _scan(tmp, mariadb.secured.url, "--auth", auth, "--index", f"{database}.*")


def _tables(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {ir["index"]["name"]: ir for ir in result["indices"]}


@pytest.fixture(scope="module")
def sampled(mariadb: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A sample scan of the open server (people not read whole: that is test_databases')."""
    doc = _scan(
        tmp_path_factory.mktemp("sampled"), mariadb.open.url, "--sample", "50", "--people-read", "0"
    )
    (result,) = doc["results"]
    return result


@pytest.fixture(scope="module")
def odd(mariadb: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A full read, with the owner's credentials, of the secured server's odd names, its
    payroll and its ransom note (a table without a key)."""
    doc = _scan(
        tmp_path_factory.mktemp("odd"),
        mariadb.secured.url,
        "--auth",
        f"{mariadb.secured.username}:{mariadb.secured.password}",
        "--depth",
        "full",
        "--batch",
        "2",
        "--index",
        f"{ODD_DB}.*",
        "--index",
        "hr.*",
        "--index",
        "PLEASE_READ_ME_XMG.*",
    )
    (result,) = doc["results"]
    return result


def test_columns_keys_json_columns_and_dates(sampled: dict[str, Any], mariadb: Lab) -> None:
    tables = _tables(sampled)
    cases = tables[CASES]["index"]
    paths = {f["path"]: f["type"] for f in cases["fields"]}
    assert {
        "customer_location.city",
        "customer_location.country",
        "customer_location.geo.lat",
    } <= set(paths)
    assert paths["customer_email"] == "varchar" and paths["created_at"] == "datetime"
    assert cases["key"] == ["case_id"] and cases["json_columns"] == ["customer_location"]
    assert cases["date_field"] == "created_at"
    seeded = mariadb.truth.containers[CASES]
    # DATETIME keeps no zone: the lab writes UTC.
    assert (cases["date_min"], cases["date_max"]) == (
        (seeded.created_at_min or "").removesuffix("Z"),
        (seeded.created_at_max or "").removesuffix("Z"),
    )
    # Places inside the JSON column are found under its paths.
    location = next(p for p in tables[CASES]["sample"]["pii"] if p["entity_type"] == "LOCATION")
    assert any(f["path"].startswith("customer_location.") for f in location["fields"])


def test_odd_names_stay_one_read_statement(
    odd: dict[str, Any], mariadb: Lab, request_audit: list[Any]
) -> None:
    assert odd["service"]["verdict"] == "secured" and odd["authenticated"]
    tables = _tables(odd)
    table = tables[f"{ODD_DB}.{ODD_TABLE}"]
    assert table["index"]["docs"] == 3
    assert table["full"]["complete"] and table["full"]["docs"] == 3
    emails = next(p for p in table["full"]["pii"] if p["entity_type"] == "EMAIL_ADDRESS")
    assert emails["docs"] == 3
    assert tables[f"{ODD_DB}.{CANARY}"]["full"]["docs"] == 2
    # The canary is still there: nothing in the odd name ran as SQL.
    assert mariadb.admin(f"SELECT COUNT(*) FROM {_q(ODD_DB)}.{CANARY}").strip() == "2"
    sent = [r.target for r in request_audit if r.kind == "mysql" and r.method == "query"]
    assert any('ta``ble"; DROP TABLE canary; -- /*x*/`' in s for s in sent)
    assert all(ALLOW.allows("query", s) for s in sent)


def test_a_table_without_a_key_is_read_by_offset(odd: dict[str, Any], mariadb: Lab) -> None:
    tables = _tables(odd)
    for name, method in (
        (PAYROLL, "keyset"),
        (RANSOM, "offset"),
        (f"{ODD_DB}.{ODD_TABLE}", "keyset"),
    ):
        full = tables[name]["full"]
        assert full["complete"] and full["method"] == method, name
    for name in (PAYROLL, RANSOM):
        assert tables[name]["full"]["docs"] == mariadb.truth.containers[name].documents
    assert tables[CASES]["full"] is None  # not selected by --index


def test_a_table_without_a_key_is_read_in_one_statement_a_page_at_a_time(
    odd: dict[str, Any], request_audit: list[Any]
) -> None:
    """A statement a page (LIMIT n OFFSET m) would have the server walk past every row
    before the offset again for each page: the table is one statement of every row, its rows
    taken a page at a time as they arrive."""
    full = _tables(odd)[f"{ODD_DB}.{HEAP}"]["full"]
    assert (full["docs"], full["complete"], full["method"]) == (HEAP_ROWS, True, "offset")
    rows = [
        r.target
        for r in request_audit
        if r.kind == "mysql" and f".`{HEAP}`" in r.target and " OFFSET " in r.target
    ]
    assert rows == [f"SELECT * FROM {_q(ODD_DB)}.`{HEAP}` LIMIT 18446744073709551615 OFFSET 0"]


def test_a_size_the_statistics_measured_before_the_rows_is_not_given(
    odd: dict[str, Any], mariadb: Lab
) -> None:
    tables = _tables(odd)
    filled, fresh = tables[f"{STALE}.filled"]["index"], tables[f"{STALE}.fresh"]["index"]
    assert (filled["docs"], filled["docs_exact"]) == (3001, True)
    # The server still says one page (16 KB) for the 3,001 rows: no size, and why.
    assert (
        mariadb.admin(
            f"SELECT DATA_LENGTH FROM information_schema.TABLES "
            f"WHERE TABLE_SCHEMA = '{STALE}' AND TABLE_NAME = 'filled'"
        ).strip()
        == "16384"
    )
    assert filled["store_bytes"] is None
    assert "size: the server's statistics (16,384 bytes" in filled["error"]
    assert "older than the 3,001 rows counted" in filled["error"]
    # Measured with its rows: its size stands.
    assert fresh["docs"] == 3001 and fresh["store_bytes"] > 3001 * 300 and not fresh["error"]


ZONED = "lh_zoned"


def test_timestamps_are_read_and_counted_a_year_in_utc_whatever_the_servers_zone(
    mariadb: Lab, tmp_path: Path
) -> None:
    # New Year's Eve 20:00 UTC is already New Year's Day at +13:00: the years must be UTC's.
    mariadb.admin(
        f"DROP DATABASE IF EXISTS {ZONED};\nCREATE DATABASE {ZONED};\n"
        f"CREATE TABLE {ZONED}.tickets (id INT PRIMARY KEY, email VARCHAR(100), "
        "created_at TIMESTAMP NULL);\nSET time_zone = '+00:00';\n"
        f"INSERT INTO {ZONED}.tickets VALUES (1, 'z1@example.org', '2019-12-31 20:00:00'), "
        "(2, 'z2@example.org', '2019-12-31 21:00:00'), "
        "(3, 'z3@example.org', '2020-06-15 12:00:00');\n"
    )
    mariadb.admin("SET GLOBAL time_zone = '+13:00'")
    try:
        doc = _scan_as_admin(tmp_path, mariadb, ZONED)
    finally:
        mariadb.admin(f"SET GLOBAL time_zone = 'SYSTEM';\nDROP DATABASE IF EXISTS {ZONED}")
    (result,) = doc["results"]
    index = _tables(result)[f"{ZONED}.tickets"]["index"]
    assert {y["year"]: y["docs"] for y in index["years"]} == {2019: 2, 2020: 1}
    assert (index["date_min"], index["date_max"]) == (
        "2019-12-31T20:00:00Z",
        "2020-06-15T12:00:00Z",
    )


BIG = "lh_big"


def _big_tables(tmp_path: Path, mariadb: Lab, sql: str) -> dict[str, dict[str, Any]]:
    """Tables made by ``sql`` in a scratch database of the secured server (dropped after), as
    a sample scan as its admin saw them, by name."""
    mariadb.admin(f"DROP DATABASE IF EXISTS {BIG};\nCREATE DATABASE {BIG};\n" + sql)
    try:
        doc = _scan_as_admin(tmp_path, mariadb, BIG)
    finally:
        mariadb.admin(f"DROP DATABASE IF EXISTS {BIG}")
    (result,) = doc["results"]
    return {name.removeprefix(f"{BIG}."): t["index"] for name, t in _tables(result).items()}


def test_a_large_tables_rows_a_year_are_counted_along_its_date_index(
    mariadb: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two tables "too large" to read whole (the thresholds lowered to 10 rows): the one whose
    # index starts with its date has its rows counted a year along that index, and counted
    # exactly by the same statement; the one without such an index has neither years nor range.
    from leakhound.probes.mysql import probe

    monkeypatch.setattr(probe, "DATE_RANGE_ROWS", 10)
    monkeypatch.setattr(probe, "EXACT_COUNT_ROWS", 10)
    rows = ", ".join(
        f"({n}, 'b{n}@example.org', '{2017 + n % 3}-06-0{1 + n % 9} 10:00:00')" for n in range(30)
    )
    tables = _big_tables(
        tmp_path,
        mariadb,
        f"CREATE TABLE {BIG}.indexed (id INT PRIMARY KEY, email VARCHAR(100), "
        "created_at DATETIME NULL, INDEX (created_at));\n"
        f"CREATE TABLE {BIG}.plain (id INT PRIMARY KEY, email VARCHAR(100), "
        "created_at DATETIME NULL);\n"
        f"INSERT INTO {BIG}.indexed VALUES {rows}, (30, 'undated@example.org', NULL);\n"
        f"INSERT INTO {BIG}.plain VALUES {rows};\n"
        f"ANALYZE TABLE {BIG}.indexed, {BIG}.plain;\n",
    )
    indexed, plain = tables["indexed"], tables["plain"]
    assert {y["year"]: y["docs"] for y in indexed["years"]} == {2017: 10, 2018: 10, 2019: 10}
    assert (indexed["docs"], indexed["docs_exact"]) == (31, True)  # the undated one too
    assert indexed["date_min"].startswith("2017-06-01")
    # Its integer key holds 30 values: every one counted along it, an exact count.
    assert "years" not in plain and plain["date_min"] is None
    assert (plain["docs"], plain["docs_exact"]) == (30, True)


def test_a_large_tables_rows_are_estimated_along_its_whole_number_key(
    mariadb: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Too large" to count (the threshold lowered to 10 rows): a table keyed by a whole number
    # is estimated from windows of its key, its bounds holding the truth; one keyed by text
    # keeps the server's statistics and says so.
    from leakhound.probes.mysql import probe

    monkeypatch.setattr(probe, "EXACT_COUNT_ROWS", 10)
    tables = _big_tables(
        tmp_path,
        mariadb,
        f"CREATE TABLE {BIG}.keyed (id BIGINT PRIMARY KEY, email VARCHAR(100));\n"
        # 1,000 addresses, not one a row: listing 300,000 distinct values of an unindexed column
        # sorts the table once a page of 10,000 (~85 s of this test's 90 on MariaDB)
        f"INSERT INTO {BIG}.keyed SELECT seq, CONCAT('k', seq % 1000, '@example.org') "
        f"FROM {BIG}.seq_1_to_400000 WHERE seq % 4 <> 0;\n"
        f"CREATE TABLE {BIG}.named (code VARCHAR(20) PRIMARY KEY, email VARCHAR(100));\n"
        f"INSERT INTO {BIG}.named SELECT CONCAT('c', seq), 'n@example.org' "
        f"FROM {BIG}.seq_1_to_50;\n"
        f"ANALYZE TABLE {BIG}.keyed, {BIG}.named;\n",
    )
    keyed, named = tables["keyed"], tables["named"]
    assert not keyed["docs_exact"]
    assert keyed["docs_low"] <= 300_000 <= keyed["docs_high"] <= 400_000
    assert abs(keyed["docs"] - 300_000) <= 3_000
    assert "windows of its whole-number key" in keyed["docs_basis"]
    assert not named["docs_exact"] and "docs_low" not in named
    assert "TABLE_ROWS" in named["docs_basis"]


def test_a_wrong_password_reads_nothing(mariadb: Lab, tmp_path: Path) -> None:
    doc = _scan(tmp_path, mariadb.secured.url, "--auth", "root:wrong")
    result = doc["results"][0]
    assert result["service"]["verdict"] == "secured" and not result["authenticated"]
    assert "using password: YES" in result["service"]["reason"] and result["indices"] == []


def test_the_urls_user_logs_in_and_sees_what_it_was_granted(mariadb: Lab, tmp_path: Path) -> None:
    port = mariadb.secured.port
    doc = _scan(
        tmp_path,
        f"mysql://{READER}@127.0.0.1:{port}",
        "--sample",
        "5",
        "--people-read",
        "0",
    )
    reader = doc["results"][0]
    assert reader["service"]["verdict"] == "open"
    assert reader["service"]["reason"].startswith(
        f"{READER} with an empty password logs in (as {READER}@%)"
    )
    tables = _tables(reader)
    assert set(tables) == {PAYROLL}
    assert tables[PAYROLL]["index"]["docs"] == mariadb.truth.containers[PAYROLL].documents
    doc = _scan(tmp_path / "nobody", f"mysql://nobody@127.0.0.1:{port}")
    nobody = doc["results"][0]
    assert nobody["service"]["verdict"] == "secured"
    assert "Access denied for user 'nobody'" in nobody["service"]["reason"]


def test_every_statement_sent_was_on_the_allow_list(
    sampled: dict[str, Any], odd: dict[str, Any], request_audit: list[Any]
) -> None:
    sent = [r for r in request_audit if r.kind == "mysql"]
    statements = [r.target for r in sent if r.method == "query"]
    # identify: the question asked of a server whose greeting is late (probes/foreign.py),
    # as a loaded machine's MariaDB may be
    assert {r.method for r in sent} <= {"startup", "auth", "query", "identify"}
    assert "START TRANSACTION READ ONLY" in statements
    assert all(ALLOW.allows(r.method, r.target) for r in sent)
    lowered = [s.lower() for s in statements]
    assert not any("mysql`.`user" in s or "load_file" in s or "outfile" in s for s in lowered)
    kinds = Counter(s.split(" FROM ")[0] for s in statements if " FROM `" in s)
    assert kinds["SELECT COUNT(*)"] and kinds["SELECT *"]


# -- a server of our own, without grant tables ------------------------------------------------


@dataclass
class Server:
    """One mariadbd of this module."""

    port: int
    proc: subprocess.Popen[bytes]
    home: Path

    @property
    def url(self) -> str:
        return f"mysql://127.0.0.1:{self.port}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(home: Path, *extra: str) -> Server:
    """install-db, then mariadbd on a free loopback port, answering within 60 s."""
    assert shutil.which("mariadbd") and shutil.which("mariadb-install-db"), (
        "mariadb-server is needed (apt-get install mariadb-server)"
    )
    home.mkdir(parents=True)
    root = ["--user=root"] if os.geteuid() == 0 else []
    data = home / "data"
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            *root,
            f"--datadir={data}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = _free_port()
    argv = [
        "mariadbd",
        "--no-defaults",
        *root,
        f"--datadir={data}",
        f"--socket={home / 's.sock'}",
        f"--port={port}",
        "--bind-address=127.0.0.1",
        f"--pid-file={home / 'pid'}",
        f"--log-error={home / 'error.log'}",
        "--skip-name-resolve",
        "--skip-log-bin",
        "--innodb-buffer-pool-size=32M",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_unicode_ci",
        *extra,
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Server(port, proc, home)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, (home / "error.log").read_text()[-2000:]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                if s.recv(64)[4:5] == b"\x0a":
                    return server
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"mariadbd did not answer: {(home / 'error.log').read_text()[-2000:]}")


def _stop(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(30)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait(10)


def test_a_server_without_grant_tables_is_open_to_anyone(tmp_path: Path) -> None:
    server = _start(tmp_path / "skip", "--skip-grant-tables")
    try:
        client(
            server.port,
            "CREATE DATABASE crm; CREATE TABLE crm.people (id INT PRIMARY KEY, "
            "email VARCHAR(100)); INSERT INTO crm.people VALUES (1, 'a.b@example.net');",
        )
        doc = _scan(tmp_path, server.url, "--sample", "5")
    finally:
        _stop(server)
    result = doc["results"][0]
    assert result["service"]["verdict"] == "open"
    assert "--skip-grant-tables" in result["service"]["reason"]
    assert _tables(result)["crm.people"]["index"]["docs"] == 1


def test_a_columns_distinct_values_are_counted_and_listed_by_the_server(mariadb: Lab) -> None:
    """The cases' customer addresses, counted by the server and listed a page after the last
    (500 a page here): each customer once, as seeded."""
    import asyncio

    from leakhound.models import Endpoint, Service, Verdict
    from leakhound.net import Limits, Scope, Transport
    from leakhound.probes.mysql import MysqlProbe, distinct
    from leakhound.probes.mysql.connection import connect

    probe, target = MysqlProbe(), mariadb.open
    endpoint = Endpoint("127.0.0.1", target.port)
    service = Service(endpoint, target.url, "mysql", Verdict.OPEN)

    async def go() -> tuple[Any, list[str], list[str]]:
        async with Transport(Limits(), Scope({("127.0.0.1", target.port)})) as transport:
            inv = await probe.inventory(transport, service, max_containers=1000)
            (cases,) = [c for c in inv.containers if c.name == CASES]
            counts = await probe.count_distinct(transport, service, [cases], ["customer_email"])
            values = probe.distinct_values(transport, service, [cases], "customer_email")
            listed = [v async for v in values]
            conn = await connect(transport, endpoint)
            try:
                await distinct.limit_time(conn, 10)
                schema, table = CASES.split(".")
                paged = [
                    v async for v in distinct.values(conn, schema, table, "customer_email", 500)
                ]
            finally:
                await conn.close()
            return counts, listed, paged

    counts, listed, paged = asyncio.run(go())
    customers = mariadb.truth.containers[CASES].distinct_customers
    got = counts["customer_email"]
    assert Distinct(got.estimate, got.lower, got.upper, got.exact) == Distinct(
        customers, customers, customers, True
    )
    # Letter case folded, no more addresses than values; byte for byte, as many values.
    assert 0 < got.folded <= customers == got.as_bytes
    assert len(listed) == len(set(listed)) == customers
    # As stored here, the probe's in the column's own order where that merges nothing.
    assert sorted(paged) == sorted(listed)


# Addresses a column collated ``utf8mb4_unicode_ci`` (MariaDB's default) holds one value each
# group, where leakhound's reading of an address (letter case folded, accents kept, spaces
# around left out) holds the people on the right.
_ALIKE = (
    (("josé@example.org", "jose@example.org"), 2),  # an accent apart: two people
    (("Jane@example.org", "jane@example.org"), 1),  # letter case apart: one
    (("pad@example.org", "pad@example.org "), 1),  # a trailing space apart: one
    (("müller@example.org", "muller@example.org", "MÜLLER@example.org"), 2),
)
_FILLER = 200  # other people, one address each


def test_people_listed_by_the_server_are_those_a_read_of_every_row_counts(
    mariadb: Lab, tmp_path: Path
) -> None:
    """A column of an accent- and case-insensitive collation, counted by the server's own
    listing and by a read of every row: the same people, both exact. Its listing compared
    in the column's collation gave one value for josé@ and jose@: two people fewer, said
    exact, or those the sample saw estimated."""
    # Other runs on the shared lab name theirs apart; the account sees this database alone.
    scratch = user = f"lh_collation_{os.getpid()}"
    values = [v for group, _ in _ALIKE for v in group]
    rows = ", ".join(f"({n}, '{v}')" for n, v in enumerate(values, 1))
    tidy = f"DROP DATABASE IF EXISTS {scratch};\nDROP USER IF EXISTS '{user}'@'%';\n"
    mariadb.admin(
        f"{tidy}CREATE DATABASE {scratch};\n"
        f"CREATE TABLE {scratch}.people (id INT PRIMARY KEY, email VARCHAR(100) "
        f"CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci);\n"
        f"INSERT INTO {scratch}.people VALUES {rows};\n"
        # More rows than the sample reads: the people it misses are the listing's to count.
        f"INSERT INTO {scratch}.people SELECT seq, CONCAT('p', seq, '@example.org') "
        f"FROM {scratch}.seq_100_to_{99 + _FILLER};\n"
        f"CREATE USER '{user}'@'%' IDENTIFIED BY '{user}';\n"
        f"GRANT SELECT ON {scratch}.* TO '{user}'@'%';\n"
    )
    try:
        scan = (mariadb.secured.url, "--auth", f"{user}:{user}", "--sample", "20")
        read = _scan(tmp_path / "read", *scan)["results"][0]["people"]
        listed = _scan(tmp_path / "listed", *scan, "--people-read", "0")["results"][0]["people"]
    finally:
        mariadb.admin(tidy)
    people = sum(n for _, n in _ALIKE) + _FILLER
    assert (read["method"], read["value"], read["exact"]) == ("read", people, True), read
    assert (listed["method"], listed["exact"]) == ("store-list", True), listed
    assert listed["value"] == read["value"], (listed, read)
    assert "each value as stored" in listed["basis"], listed["basis"]


def test_a_column_whose_collation_merges_nothing_is_listed_in_its_own_indexed_order(
    mariadb: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Listed as stored, an indexed column's every page read it whole (500,000 rows of
    150,000 addresses: 2.3 s a page, 0.08 s in the index's order). Where its own collation
    merges no two values as stored, nor splits two (three counts equal), it is listed in its
    own order, a page of 7 after the last in that collation; else as stored: josé@ and jose@
    one value under utf8mb4_unicode_ci, and under a NO PAD collation too, whose two counts
    alone were equal (josé@ = jose@ but "x@ " and "x@" apart; as stored the other way)."""
    import asyncio

    from leakhound.models import Endpoint, Service, Verdict
    from leakhound.net import Limits, Scope, Transport
    from leakhound.probes.mysql import MysqlProbe, distinct
    from leakhound.probes.mysql.connection import connect

    scratch = f"lh_own_order_{os.getpid()}"  # other runs on the shared lab name theirs apart
    tidy = f"DROP DATABASE IF EXISTS {scratch};\n"
    ci = "VARCHAR(100) CHARACTER SET utf8mb4 COLLATE"
    mariadb.admin(
        f"{tidy}CREATE DATABASE {scratch};\n"
        f"CREATE TABLE {scratch}.plain (id INT PRIMARY KEY, email {ci} utf8mb4_unicode_ci, "
        "KEY (email));\n"
        # letter cases mixed: the column's order is not the order as stored
        f"INSERT INTO {scratch}.plain SELECT seq, CONCAT(IF(seq MOD 2, 'P', 'p'), seq, "
        f"'@example.org') FROM {scratch}.seq_1_to_60;\n"
        f"CREATE TABLE {scratch}.merged LIKE {scratch}.plain;\n"
        f"INSERT INTO {scratch}.merged SELECT * FROM {scratch}.plain;\n"
        f"INSERT INTO {scratch}.merged VALUES (101, 'josé@example.org'), "
        "(102, 'jose@example.org');\n"
        f"CREATE TABLE {scratch}.nopad (id INT PRIMARY KEY, email {ci} utf8mb4_unicode_nopad_ci);\n"
        f"INSERT INTO {scratch}.nopad VALUES (1, 'josé@example.org'), (2, 'jose@example.org'), "
        "(3, 'x@example.org'), (4, 'x@example.org ');\n"
    )
    own: dict[str, bool] = {}
    values = distinct.values

    def spied(conn: Any, schema: str, table: str, column: str, *args: Any, **kw: Any) -> Any:
        own[table] = kw.get("own", False)
        return values(conn, schema, table, column, *args, **kw)

    monkeypatch.setattr(distinct, "values", spied)
    target = mariadb.secured
    assert target.password
    endpoint = Endpoint("127.0.0.1", target.port)
    service = Service(endpoint, target.url, "mysql", Verdict.OPEN)
    probe = MysqlProbe()

    async def go() -> tuple[dict[str, list[str]], list[str]]:
        scope = Scope({("127.0.0.1", target.port)})
        async with Transport(Limits(), scope, ("root", target.password)) as transport:
            inv = await probe.inventory(transport, service, max_containers=10_000)
            mine = {
                c.name.partition(".")[2]: c
                for c in inv.containers
                if c.name.startswith(f"{scratch}.")
            }
            listed = {
                t: [v async for v in probe.distinct_values(transport, service, [c], "email")]
                for t, c in mine.items()
            }
            conn = await connect(transport, endpoint)
            try:
                paged = [v async for v in values(conn, scratch, "plain", "email", 7, own=True)]
            finally:
                await conn.close()
            return listed, paged

    try:
        listed, paged = asyncio.run(go())
    finally:
        mariadb.admin(tidy)
    plain = [f"{'P' if n % 2 else 'p'}{n}@example.org" for n in range(1, 61)]
    assert own == {"plain": True, "merged": False, "nopad": False}, own
    assert sorted(listed["plain"]) == sorted(plain)
    assert listed["plain"] != sorted(plain)  # the column's order, not the order as stored
    assert paged == listed["plain"]
    assert sorted(listed["merged"]) == sorted([*plain, "josé@example.org", "jose@example.org"])
    assert {"josé@example.org", "jose@example.org"} <= set(listed["nopad"])
    assert len(listed["nopad"]) == 3, listed["nopad"]
