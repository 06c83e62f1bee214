"""What only the PostgreSQL kind shows, against the lab's open server.

What every database kind shares (verdicts, exact counts, PII where seeded, people, full reads
with the owner's credentials, kill -9 and resume) is in ``test_databases.py``. Here: tables
whose rows another table also answers for. A partitioned table answers for its partitions'
rows and an inheritance parent for its children's; each partition and child is a table of
its own, so read as tables they would be counted twice, and a partitioned table's ctids (one
series a partition) cannot page at all. A materialized view stores copies of its tables'
rows: it is read and shown, marked as derived, and adds no records.

The tables live in a scratch database of the lab's open server, made with PostgreSQL's own
client library and dropped afterwards: the seeded databases are never touched.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from reports import report

from leakhound.cli import main

SCRATCH = "lh_inherited"
# Rows a partition, and the parent's own rows beside its child's.
PARTITIONS = {"events_early": 2500, "events_late": 1700}
BASE, CHILD = 1200, 800


def _connect(port: int, database: str) -> Any:
    import psycopg

    return psycopg.connect(
        host="127.0.0.1",
        port=port,
        user="postgres",
        dbname=database,
        autocommit=True,
        connect_timeout=30,
    )


@pytest.fixture(scope="module")
def inherited(lab: Any) -> Iterator[Any]:
    """The open server, with a scratch database of a partitioned table and an inheritance
    parent with a child (dropped at the end)."""
    target = lab.status.target("open", kind="postgresql")
    with _connect(target.port, "postgres") as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
        conn.execute(f"CREATE DATABASE {SCRATCH}")
    try:
        with _connect(target.port, SCRATCH) as conn:
            conn.execute("CREATE TABLE events (id int, email text) PARTITION BY RANGE (id)")
            start = 0
            for name, rows in PARTITIONS.items():
                conn.execute(
                    f"CREATE TABLE {name} PARTITION OF events "
                    f"FOR VALUES FROM ({start}) TO ({start + rows})"
                )
                start += rows
            # Rows of both partitions written in turn: their ctids interleave, (0,1) twice.
            conn.execute(
                "INSERT INTO events SELECT g, 'user' || g || '@example.org' FROM "
                f"generate_series(0, {start - 1}) g ORDER BY g % {PARTITIONS['events_early']}"
            )
            conn.execute("CREATE TABLE base (id int, email text)")
            conn.execute("CREATE TABLE child (note text) INHERITS (base)")
            conn.execute(
                f"INSERT INTO base SELECT g, 'b' || g || '@example.org' "
                f"FROM generate_series(1, {BASE}) g"
            )
            conn.execute(
                f"INSERT INTO child SELECT g, 'c' || g || '@example.org', 'x' "
                f"FROM generate_series(1, {CHILD}) g"
            )
            conn.execute("CREATE MATERIALIZED VIEW base_copy AS SELECT * FROM ONLY base")
        yield target
    finally:
        with _connect(target.port, "postgres") as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")


def _scan(tmp: Path, url: str, *argv: str, database: str = SCRATCH) -> dict[str, Any]:
    """The scan's tables of ``database`` by name."""
    doc, _ = report(tmp, url, *argv)
    (result,) = doc["results"]
    return {
        ir["index"]["name"].removeprefix(f"{database}.public."): ir
        for ir in result["indices"]
        if ir["index"]["name"].startswith(f"{database}.")
    }


def test_each_row_is_counted_once_under_partitions_and_inheritance(
    inherited: Any, tmp_path: Path
) -> None:
    got = _scan(tmp_path, inherited.url)
    assert {name: ir["index"]["docs"] for name, ir in got.items()} == {
        **PARTITIONS,
        "base": BASE,
        "child": CHILD,
        "base_copy": BASE,
    }
    assert {name: ir["index"].get("derived") for name, ir in got.items()} == {
        **dict.fromkeys(PARTITIONS),
        "base": None,
        "child": None,
        "base_copy": "materialized view",
    }


def test_a_full_read_of_partitions_and_inheritance_reads_each_row_once(
    inherited: Any, tmp_path: Path
) -> None:
    got = _scan(tmp_path, inherited.url, "--depth", "full", "--batch", "300")
    expected = {**PARTITIONS, "base": BASE, "child": CHILD, "base_copy": BASE}
    assert {name: ir["full"]["docs"] for name, ir in got.items()} == expected
    emails = {
        name: next(p for p in ir["full"]["pii"] if p["entity_type"] == "EMAIL_ADDRESS")
        for name, ir in got.items()
    }
    assert {name: e["fields"][0]["docs"] for name, e in emails.items()} == expected


def test_a_materialized_view_adds_no_records_to_the_assessment(
    inherited: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc, db = report(tmp_path, inherited.url)
    (result,) = doc["results"]
    personal = [ir for ir in result["indices"] if ir["sample"] and ir["sample"]["pii"]]
    own = sum(ir["index"]["docs"] for ir in personal if not ir["index"].get("derived"))
    assert sum(ir["index"]["docs"] for ir in personal) == own + BASE  # the view is personal
    capsys.readouterr()
    assert main(["assess", doc["scan_id"], "--db", str(db), "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)["records"]
    assert (records["value"], records["method"]) == (own, "exact")
    left_out = f"{BASE:,} records of 1 container of copies (materialized view) not added"
    assert left_out in records["basis"]


ZONED = "lh_zoned"
# A New Year's Eve in UTC that is already New Year's Day in Auckland (UTC+13 in December),
# and a New Year's Day morning in UTC, a year on: the years counted must be the UTC ones.
ZONED_ROWS = {"2019-12-31 20:00:00+00": 3, "2020-06-15 12:00:00+00": 2, "2021-01-01 02:00:00+00": 4}
ZONED_YEARS = {2019: 3, 2020: 2, 2021: 4}


@pytest.fixture(scope="module")
def zoned(lab: Any) -> Iterator[Any]:
    """The open server, with a scratch database whose sessions' time zone is Auckland's and
    a table of timestamptz rows near New Year (dropped at the end)."""
    target = lab.status.target("open", kind="postgresql")
    with _connect(target.port, "postgres") as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {ZONED}")
        conn.execute(f"CREATE DATABASE {ZONED}")
        conn.execute(f"ALTER DATABASE {ZONED} SET timezone TO 'Pacific/Auckland'")
    try:
        with _connect(target.port, ZONED) as conn:
            conn.execute("CREATE TABLE tickets (id serial, email text, created_at timestamptz)")
            for when, rows in ZONED_ROWS.items():
                conn.execute(
                    "INSERT INTO tickets (email, created_at) SELECT 'z' || g || "
                    "'@example.org', %s::timestamptz FROM generate_series(1, %s) g",
                    (when, rows),
                )
        yield target
    finally:
        with _connect(target.port, "postgres") as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {ZONED} WITH (FORCE)")


def test_rows_a_year_are_counted_in_utc_whatever_the_session_time_zone(
    zoned: Any, tmp_path: Path
) -> None:
    doc, _ = report(tmp_path, zoned.url, "--depth", "full", "--index", f"{ZONED}.*")
    (result,) = doc["results"]
    (table,) = [ir for ir in result["indices"] if ir["index"]["name"].startswith(f"{ZONED}.")]
    # Sessions of this database default to Auckland's time (2020-01-01 09:00:00+13 for the
    # first rows); leakhound's is UTC: the range, the store's count and the full read's all
    # put them in 2019.
    assert table["index"]["date_min"].startswith("2019-12-31 20:00:00+00")
    assert {y["year"]: y["docs"] for y in table["index"]["years"]} == ZONED_YEARS
    assert {y["year"]: y["docs"] for y in table["full"]["years"]} == ZONED_YEARS


LARGE = "lh_large"


def _vacuum_all_visible(port: int, table: str) -> None:
    """VACUUM until the table's blocks are all-visible in its visibility map (a first VACUUM
    of just-written rows may leave them unmarked; a later one, from a new session, marks
    them)."""
    for _ in range(10):
        with _connect(port, LARGE) as conn:
            conn.execute(f"VACUUM (ANALYZE) {table}")
            row = conn.execute(
                "SELECT relpages, relallvisible FROM pg_class WHERE relname = %s", (table,)
            ).fetchone()
        if row is not None and row[0] and row[1] == row[0]:
            return
        time.sleep(0.5)
    raise AssertionError(f"VACUUM left {table}'s blocks not all-visible: {row}")


@contextmanager
def _large(lab: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    """The open server with a scratch database whose tables are all "too large" to count
    (the threshold lowered to 1 byte): (the target, a connection to the database), dropped
    at the end."""
    from leakhound.probes.postgresql import probe

    monkeypatch.setattr(probe, "EXACT_COUNT_BYTES", 1)
    target = lab.status.target("open", kind="postgresql")
    with _connect(target.port, "postgres") as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {LARGE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {LARGE}")
    try:
        with _connect(target.port, LARGE) as conn:
            yield target, conn
    finally:
        with _connect(target.port, "postgres") as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {LARGE} WITH (FORCE)")


def _large_tables(tmp_path: Path, target: Any) -> dict[str, Any]:
    """A sample scan of the scratch database: its tables by name."""
    doc, _ = report(tmp_path, target.url, "--index", f"{LARGE}.*")
    (result,) = doc["results"]
    return {
        ir["index"]["name"].removeprefix(f"{LARGE}.public."): ir["index"]
        for ir in result["indices"]
    }


def test_a_large_tables_rows_a_year_are_counted_along_its_date_index(
    lab: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three tables "too large" to group whole (the threshold lowered to 1 byte): the one whose
    # date leads an index and whose blocks VACUUM marked all-visible has its rows counted a
    # year along that index, and its count made exact by the same statement (its undated row
    # too); one without the index, and one never vacuumed (an index-only scan would read the
    # table row by row), keep their estimates and get no years.
    with _large(lab, monkeypatch) as (target, conn):
        for name in ("indexed", "plain", "unvacuumed"):
            conn.execute(
                f"CREATE TABLE {name} (id int, email text, created_at timestamptz) "
                "WITH (autovacuum_enabled = off)"
            )
            conn.execute(
                f"INSERT INTO {name} SELECT g, 'b' || g || '@example.org', "
                "make_timestamptz(2017 + g % 3, 6, 1 + g % 9, 10, 0, 0, 'UTC') "
                "FROM generate_series(0, 29) g"
            )
            conn.execute(f"INSERT INTO {name} VALUES (30, 'undated@example.org', NULL)")
        for name in ("indexed", "unvacuumed"):
            conn.execute(f"CREATE INDEX ON {name} (created_at)")
        for name in ("indexed", "plain"):
            _vacuum_all_visible(target.port, name)
        conn.execute("ANALYZE unvacuumed")
        tables = _large_tables(tmp_path, target)
    indexed, plain, unvacuumed = tables["indexed"], tables["plain"], tables["unvacuumed"]
    assert {y["year"]: y["docs"] for y in indexed["years"]} == {2017: 10, 2018: 10, 2019: 10}
    assert (indexed["docs"], indexed["docs_exact"]) == (31, True)  # the undated one too
    assert "years" not in plain and not plain["docs_exact"]
    assert "years" not in unvacuumed and not unvacuumed["docs_exact"]
    assert unvacuumed["date_min"].startswith("2017-06-01")  # its range still read, by index


def test_a_large_tables_rows_are_estimated_along_its_whole_number_key(
    lab: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Too large" to count (the threshold lowered to 1 byte): a table keyed by a whole number
    # is estimated from windows of its key, its bounds holding the truth; a table without
    # such a key keeps the planner's statistics and says so.
    with _large(lab, monkeypatch) as (target, conn):
        conn.execute("CREATE TABLE keyed (id bigint PRIMARY KEY, email text)")
        conn.execute(
            "INSERT INTO keyed SELECT g, 'k' || g || '@example.org' "
            "FROM generate_series(1, 400000) g WHERE g % 4 <> 0"
        )
        conn.execute("CREATE TABLE named (code text PRIMARY KEY, email text)")
        conn.execute(
            "INSERT INTO named SELECT 'c' || g, 'n@example.org' FROM generate_series(1, 50) g"
        )
        conn.execute("ANALYZE keyed")
        conn.execute("ANALYZE named")
        tables = _large_tables(tmp_path, target)
    keyed, named = tables["keyed"], tables["named"]
    assert not keyed["docs_exact"]
    assert keyed["docs_low"] <= 300_000 <= keyed["docs_high"] <= 400_000
    assert abs(keyed["docs"] - 300_000) <= 3_000
    assert "windows of its whole-number key" in keyed["docs_basis"]
    assert (named["docs"], named["docs_exact"]) == (50, False) and "docs_low" not in named
    assert "reltuples" in named["docs_basis"]


def _distinct(
    target: Any, database: str, column: str, page: int
) -> tuple[Any, list[str], list[str]]:
    """The probe's count and list of ``column`` over the tables of ``database`` (copies left
    out, as the people count leaves them), and the first of them listed ``page`` at a time."""
    import asyncio

    from leakhound.models import Endpoint, Service, Verdict
    from leakhound.net import Limits, Scope, Transport
    from leakhound.probes.postgresql import PostgresqlProbe, distinct
    from leakhound.probes.postgresql.connection import connect

    probe = PostgresqlProbe()
    endpoint = Endpoint("127.0.0.1", target.port)
    service = Service(endpoint, target.url, "postgresql", Verdict.OPEN)

    async def go() -> tuple[Any, list[str], list[str]]:
        async with Transport(Limits(), Scope({("127.0.0.1", target.port)})) as transport:
            inv = await probe.inventory(transport, service, max_containers=1000)
            tables = [
                c for c in inv.containers if c.name.startswith(f"{database}.") and not c.derived
            ]
            counts = await probe.count_distinct(transport, service, tables, [column])
            values = probe.distinct_values(transport, service, tables, column)
            listed = [v async for v in values]
            conn = await connect(transport, endpoint, database)
            try:
                await conn.run(distinct.timeout(10))
                schema, table = tables[0].details["schema"], tables[0].details["table"]
                paged = [v async for v in distinct.values(conn, schema, table, column, page)]
            finally:
                await conn.close()
            return counts, listed, paged

    return asyncio.run(go())


def test_a_columns_distinct_values_are_counted_and_listed_by_the_server_each_table_once(
    inherited: Any,
) -> None:
    # Each table FROM ONLY itself: a partition's, a parent's without its child's.
    counts, listed, paged = _distinct(inherited, SCRATCH, "email", 700)
    rows = sum(PARTITIONS.values()) + BASE + CHILD
    assert counts["email"].estimate == counts["email"].upper == rows
    assert counts["email"].lower == max(*PARTITIONS.values(), BASE, CHILD)
    assert len(listed) == len(set(listed)) == rows
    assert sum(v.startswith("user") for v in listed) == sum(PARTITIONS.values())
    # One table, 700 values a page after the last (as stored, in "C"): each once.
    assert len(paged) == len(set(paged)) and set(paged) <= set(listed)
    assert len(paged) in (*PARTITIONS.values(), BASE, CHILD)


@contextmanager
def _scratch(lab: Any, name: str, setup: Sequence[str], options: str = "") -> Iterator[int]:
    """A scratch database of the open server (``CREATE DATABASE name options``) made by
    ``setup``, dropped afterwards; its port."""
    port = int(lab.status.target("open", kind="postgresql").port)
    with _connect(port, "postgres") as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name} {options}")
    try:
        with _connect(port, name) as conn:
            for sql in setup:
                conn.execute(sql)
        yield port
    finally:
        with _connect(port, "postgres") as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _count_and_pages(port: int, database: str, column: str, page: int) -> tuple[int, list[str]]:
    """``distinct.count`` and ``distinct.values`` (``page`` at a time) of a column of the
    table ``people``."""
    import asyncio

    from leakhound.models import Endpoint
    from leakhound.net import Limits, Scope, Transport
    from leakhound.probes.postgresql import distinct
    from leakhound.probes.postgresql.connection import connect

    async def go() -> tuple[int, list[str]]:
        async with Transport(Limits(), Scope({("127.0.0.1", port)})) as transport:
            conn = await connect(transport, Endpoint("127.0.0.1", port), database)
            try:
                await conn.run(distinct.timeout(10))
                n = await distinct.count(conn, "public", "people", column)
                values = distinct.values(conn, "public", "people", column, page)
                return n, [v async for v in values]
            finally:
                await conn.close()

    return asyncio.run(go())


# What anyone could create in public before PostgreSQL 15, each closer to a text column's
# count and page than pg_catalog's own: called instead, as the user a scan logs in as.
_TROJANS = (
    "CREATE TABLE people (email varchar(100))",
    "INSERT INTO people SELECT 'p' || g || '@example.org' FROM generate_series(1, 50) g",
    "CREATE FUNCTION public.trojan() RETURNS boolean LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'a trojan ran'; END $$",
    "CREATE FUNCTION public.trojan_step(bigint, text) RETURNS bigint LANGUAGE sql AS "
    "'SELECT CASE WHEN public.trojan() THEN 0 END::bigint'",
    "CREATE AGGREGATE public.count(text) (sfunc = public.trojan_step, stype = bigint)",
    "CREATE FUNCTION public.convert_from(bytea, text) RETURNS text LANGUAGE sql AS "
    "$$ SELECT CASE WHEN public.trojan() THEN 'x' END $$",
    "CREATE FUNCTION public.trojan_gt(varchar, text) RETURNS boolean LANGUAGE sql AS "
    "'SELECT public.trojan()'",
    "CREATE OPERATOR public.> (leftarg = varchar, rightarg = text, function = public.trojan_gt)",
)


def test_a_columns_count_and_pages_call_no_function_or_operator_of_public(lab: Any) -> None:
    """A count(text) aggregate, a convert_from(bytea, text) and a >(varchar, text) in public,
    each raising: the count and the pages call pg_catalog's own."""
    with _scratch(lab, "lh_trojan", _TROJANS) as port:
        n, listed = _count_and_pages(port, "lh_trojan", "email", 7)
    assert n == (50, 50)  # as stored, and lower-cased addresses
    assert sorted(listed) == sorted(f"p{g}@example.org" for g in range(1, 51))


def _own_pages(port: int, database: str, column: str, page: int) -> tuple[bool, list[str]]:
    """Whether the column's own collation merges values as stored in ``people``
    (``distinct.merges_nothing``), and its values in that collation, ``page`` at a time."""
    import asyncio

    from leakhound.models import Endpoint
    from leakhound.net import Limits, Scope, Transport
    from leakhound.probes.postgresql import distinct
    from leakhound.probes.postgresql.connection import connect

    async def go() -> tuple[bool, list[str]]:
        async with Transport(Limits(), Scope({("127.0.0.1", port)})) as transport:
            conn = await connect(transport, Endpoint("127.0.0.1", port), database)
            try:
                await conn.run(distinct.timeout(10))
                same = await distinct.merges_nothing(conn, "public", "people", column)
                values = distinct.values(conn, "public", "people", column, page, own=True)
                return not same, [v async for v in values]
            finally:
                await conn.close()

    return asyncio.run(go())


# Addresses whose letter case puts them in another order under English rules than in "C".
_MIXED = [f"{c}{n}@example.org" for n in range(20) for c in "aBcD"]


def test_pages_follow_the_columns_collation_whatever_it_is(lab: Any) -> None:
    """A database ordered by English rules (ICU), a column of its default collation, one of a
    collation of its own, one of "C" and one of char(n), a page of 3: every address listed
    once. Ordered in the column's collation but compared in "C" (convert_from's text), the
    page after a0@example.org skipped B0@example.org; both are in "C" now."""
    array = "'{" + ",".join(_MIXED) + "}'"
    setup = (
        'CREATE TABLE people (email text, own text COLLATE "en-x-icu", c text COLLATE "C", '
        "padded char(30))",
        f"INSERT INTO people SELECT v, v, v, v FROM unnest({array}::text[]) v",
    )
    options = "LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C.UTF-8' TEMPLATE template0"
    with _scratch(lab, "lh_collated", setup, options) as port:
        for column in ("email", "own", "c", "padded"):
            n, listed = _count_and_pages(port, "lh_collated", column, 3)
            assert n.stored == len(_MIXED), column
            # Lower-cased, "a0@" and "A0@" are one address.
            assert n.folded == len({v.lower() for v in _MIXED}), column
            assert sorted(v.rstrip() for v in listed) == sorted(_MIXED), column
            # In its own collation and order (which merges none of these): the same values,
            # char(n)'s padded.
            merges, own = _own_pages(port, "lh_collated", column, 3)
            assert not merges and sorted(v.rstrip() for v in own) == sorted(listed), column


# A date column of a domain over date: information_schema names its type "date", and an
# aggregate min() of that domain in public matches it closer than pg_catalog's min(date).
_DOMAIN_TRAP = (
    "CREATE DOMAIN public.day AS date",
    "CREATE TABLE cases (id int PRIMARY KEY, email text, created public.day)",
    "INSERT INTO cases SELECT g, 'p' || g || '@example.org', date '2019-01-01' + g "
    "FROM generate_series(1, 50) g",
    "CREATE FUNCTION public.trojan_min(public.day, public.day) RETURNS public.day "
    "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'public.min called'; END $$",
    "CREATE AGGREGATE public.min(public.day) (sfunc = public.trojan_min, stype = public.day)",
)


def test_a_scan_calls_no_function_of_public_whatever_its_match(lab: Any, tmp_path: Path) -> None:
    """Every name a scan leaves unqualified is looked up in pg_catalog alone: an aggregate a
    user made in public (anyone could, before PostgreSQL 15) matched the date column closer
    and was called, as the user the scan logs in as, read-only session or not (the date
    range failed with its exception; a COPY … TO PROGRAM inside it would run a command)."""
    with _scratch(lab, "lh_domain", _DOMAIN_TRAP) as port:
        doc, _ = report(tmp_path, f"postgresql://postgres@127.0.0.1:{port}/lh_domain")
    (result,) = doc["results"]
    (cases,) = [
        c["index"] for c in result["indices"] if c["index"]["name"] == "lh_domain.public.cases"
    ]
    assert "public.min called" not in json.dumps(doc)
    assert (cases["date_min"], cases["date_max"]) == ("2019-01-02", "2019-02-20"), cases


# Addresses a nondeterministic collation (case and accents ignored) holds one value each
# group, where leakhound's reading of an address (letter case folded, accents kept, spaces
# around left out) holds the people on the right.
_ALIKE = (
    (("josé@example.org", "jose@example.org"), 2),
    (("Jane@example.org", "jane@example.org"), 1),
    (("pad@example.org", "pad@example.org "), 1),
    (("müller@example.org", "muller@example.org", "MÜLLER@example.org"), 2),
)


def test_people_listed_by_the_server_are_those_a_read_of_every_row_counts(lab: Any) -> None:
    """A column of a nondeterministic ICU collation that ignores case and accents: the
    addresses the server lists, read as leakhound reads an identifier, are the people a read
    of every row holds. Listed in the column's collation, josé@ and jose@ were one value."""
    from leakhound.count.people import identifier_digests

    values = [v for group, _ in _ALIKE for v in group]
    array = "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"
    setup = (
        "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level1', deterministic = false)",
        'CREATE TABLE people (id serial PRIMARY KEY, email text COLLATE "ci")',
        f"INSERT INTO people (email) SELECT unnest({array})",
        "INSERT INTO people (email) SELECT 'p' || g || '@example.org' "
        "FROM generate_series(1, 50) g",
    )
    scratch = f"lh_collation_{os.getpid()}"  # other runs on the shared lab name theirs
    with _scratch(lab, scratch, setup) as port:
        counted, listed = _count_and_pages(port, scratch, "email", 7)
        with _connect(port, scratch) as conn:
            rows = [r[0] for r in conn.execute("SELECT email FROM people")]

    def people(found: list[str]) -> int:
        docs = [{"email": v} for v in found]
        digests = identifier_digests(
            docs, entity_type="EMAIL_ADDRESS", field_types=None, min_score=0.5, key=b"k"
        )
        return len(set(digests))

    assert people(rows) == sum(n for _, n in _ALIKE) + 50
    assert people(listed) == people(rows)
    # Counted and listed as stored: each value written otherwise apart.
    assert counted.stored == len(listed) == len(values) + 50
    # Lower-cased, the values that are each one whole ASCII address: jose@, jane@ (Jane@ folded
    # into it), pad@ ("pad@example.org " is not one whole address) and muller@, and the 50: a
    # lower end of the people, which the read of every row holds.
    assert counted.folded == 4 + 50 <= people(rows)


def test_a_column_whose_collation_merges_nothing_is_listed_in_its_own_indexed_order(
    lab: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Listed as stored (text in "C"), an indexed column's every page read it whole
    (500,000 rows of 150,000 addresses, a C.UTF-8 database: 5.1 s listed, 1.2 s in the
    index's order). Where its own collation merges no two values as stored (two counts
    equal), a text or varchar column is listed in its own order; else, and for
    another type, as stored: josé@ and jose@ are one value of a nondeterministic collation."""
    import asyncio

    from leakhound.models import Container, Endpoint, FieldInfo, Service, Verdict
    from leakhound.net import Limits, Scope, Transport
    from leakhound.probes.postgresql import PostgresqlProbe, distinct

    scratch = f"lh_own_order_{os.getpid()}"  # other runs on the shared lab name theirs
    mixed = [f"{'P' if n % 2 else 'p'}{n}@example.org" for n in range(1, 41)]
    array = "'{" + ",".join(mixed) + "}'"
    setup = (
        "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level1', deterministic = false)",
        'CREATE TABLE plain (email text COLLATE "en-x-icu")',
        "CREATE INDEX ON plain (email)",
        f"INSERT INTO plain SELECT unnest({array}::text[])",
        'CREATE TABLE merged (email text COLLATE "ci")',
        "INSERT INTO merged SELECT email FROM plain",
        "INSERT INTO merged VALUES ('josé@example.org'), ('jose@example.org')",
        'CREATE TABLE apart (email text COLLATE "ci")',  # ci, but nothing here it merges
        "INSERT INTO apart SELECT email FROM plain",
    )
    own: list[tuple[str, bool]] = []
    values = distinct.values

    def spied(conn: Any, schema: str, table: str, column: str, *args: Any, **kw: Any) -> Any:
        own.append((table, kw.get("own", False)))
        return values(conn, schema, table, column, *args, **kw)

    monkeypatch.setattr(distinct, "values", spied)
    probe = PostgresqlProbe()

    def table(name: str, kind: str = "text") -> Container:
        where = {"database": scratch, "schema": "public", "table": name}
        fields = (FieldInfo("email", kind),)
        return Container(f"{scratch}.public.{name}", None, None, fields=fields, details=where)

    with _scratch(lab, scratch, setup) as port:
        endpoint = Endpoint("127.0.0.1", port, user="postgres")
        service = Service(endpoint, f"postgresql://127.0.0.1:{port}", "postgresql", Verdict.OPEN)

        async def go(container: Container) -> list[str]:
            async with Transport(Limits(), Scope({("127.0.0.1", port)})) as transport:
                got = probe.distinct_values(transport, service, [container], "email")
                return [v async for v in got]

        listed = {t: asyncio.run(go(table(t))) for t in ("plain", "merged", "apart")}
        as_name = asyncio.run(go(table("plain", "name")))  # its order not known as text's
    # plain again last, a column of type name: as stored
    assert own == [("plain", True), ("merged", False), ("apart", True), ("plain", False)], own
    assert listed["plain"] != sorted(mixed)  # English rules, not the order as stored
    assert sorted(listed["plain"]) == sorted(as_name) == sorted(mixed)
    assert sorted(listed["merged"]) == sorted([*mixed, "josé@example.org", "jose@example.org"])
    assert sorted(listed["apart"]) == sorted(mixed)


SEQSCAN = "lh_seqscan"  # a database whose planner cannot scan a range of ctids alone
SEQSCAN_IDS = [i for i in range(1, 6001) if i % 7]  # 6,000 rows written, every 7th deleted


@pytest.fixture(scope="module")
def no_range_scans(lab: Any) -> Iterator[Any]:
    """The open server, with a scratch database whose sessions have TID scans turned off:
    its planner answers a range of ctids as PostgreSQL 13 and older do, a sequential scan of
    the whole table filtered (dropped at the end)."""
    setup = [
        f"ALTER DATABASE {SEQSCAN} SET enable_tidscan = off",
        "CREATE TABLE people (id int, email text, note text)",
        "INSERT INTO people SELECT g, 'p' || g || '@example.org', repeat('x', 200) "
        "FROM generate_series(1, 6000) g",
        "DELETE FROM people WHERE id % 7 = 0",  # holes in the blocks
    ]
    with _scratch(lab, SEQSCAN, setup) as port:
        with _connect(port, SEQSCAN) as conn:  # a new session: the setting holds
            plan = conn.execute(
                "EXPLAIN SELECT * FROM people WHERE ctid > '(0,0)' AND ctid < '(8,0)'"
            ).fetchall()
        assert "Seq Scan" in plan[0][0], plan  # the planner as before 14
        yield lab.status.target("open", kind="postgresql")


def test_a_server_that_cannot_scan_a_range_of_ctids_is_read_in_one_pass(
    no_range_scans: Any, tmp_path: Path
) -> None:
    """Each window of the ctid-range reader would be a scan of the whole table there: a
    table of 18 pages would be scanned 18 times. It is read in one COPY, every row once."""
    from leakhound.net.policy import Request, add_audit_hook, remove_audit_hook

    sent: list[Request] = []
    add_audit_hook(sent.append)
    try:
        got = _scan(
            tmp_path,
            no_range_scans.url,
            *("--depth", "full", "--batch", "300", "--index", f"{SEQSCAN}.*"),
            database=SEQSCAN,
        )
    finally:
        remove_audit_hook(sent.append)
    full = got["people"]["full"]
    assert (full["docs"], full["complete"], full["method"]) == (
        len(SEQSCAN_IDS),
        True,
        "ctid-stream",
    )
    copies = [r.target for r in sent if r.target.startswith("COPY ") and '"people"' in r.target]
    assert len(copies) == 1, copies


def test_a_stream_resumes_after_the_last_row_read(no_range_scans: Any) -> None:
    """Read from a stored position (a checkpoint's ctid), the stream gives every row after
    it once, in pages of at least the size asked for, and nothing before it."""
    import asyncio

    from leakhound.models import Endpoint, Service, Verdict
    from leakhound.net import Limits, Scope, Transport
    from leakhound.probes.postgresql import PostgresqlProbe

    with _connect(no_range_scans.port, SEQSCAN) as conn:
        rows = conn.execute(
            "SELECT ctid::text AS position, id FROM people ORDER BY people.ctid"
        ).fetchall()
    position, _ = rows[2000]
    after = sorted(i for _, i in rows[2001:])
    probe = PostgresqlProbe()
    endpoint = Endpoint("127.0.0.1", no_range_scans.port)
    service = Service(endpoint, no_range_scans.url, "postgresql", Verdict.OPEN)

    async def go() -> tuple[str, list[int], list[int]]:
        async with Transport(Limits(), Scope({("127.0.0.1", no_range_scans.port)})) as transport:
            inv = await probe.inventory(transport, service, max_containers=1000)
            (table,) = [c for c in inv.containers if c.name == f"{SEQSCAN}.public.people"]
            reader = probe.reader(transport, service)
            plan = await reader.open(table, 4)
            part = reader.partition(plan, 0, {"ctid": position}, size=500)
            ids, sizes = [], []
            try:
                while (page := await part.next_page()) is not None:
                    ids += [doc["id"] for doc in page.docs]
                    sizes.append(len(page.docs))
            finally:
                await part.close()
            return plan.method, ids, sizes

    method, ids, sizes = asyncio.run(go())
    assert method == "ctid-stream"
    assert sorted(ids) == after and len(ids) == len(after)
    assert all(n >= 500 for n in sizes[:-1]) and len(sizes) >= 3


def test_a_small_table_planned_as_a_scan_leaves_its_databases_large_tables_ranged(
    lab: Any,
) -> None:
    """The planner of a server that scans a range of ctids alone still plans a table of a
    few blocks as a scan of it: asked of that table first, the answer is that table's, and a
    large table of the same database is read by ranges of its blocks."""
    import asyncio

    from leakhound.models import Endpoint, Service, Verdict
    from leakhound.net import Limits, Scope, Transport
    from leakhound.probes.postgresql import PostgresqlProbe

    setup = [
        "CREATE TABLE a_small (id int, email text)",
        "INSERT INTO a_small SELECT g, 'p' || g || '@example.org' FROM generate_series(1, 200) g",
        "CREATE TABLE b_large (id int, email text, note text)",
        "INSERT INTO b_large SELECT g, 'p' || g || '@example.org', repeat('x', 200) "
        "FROM generate_series(1, 6000) g",
        "ANALYZE",
    ]
    name = "lh_small_first"
    with _scratch(lab, name, setup) as port:
        probe = PostgresqlProbe()
        service = Service(
            Endpoint("127.0.0.1", port),
            f"postgresql://127.0.0.1:{port}",
            "postgresql",
            Verdict.OPEN,
        )

        async def go() -> list[str]:
            async with Transport(Limits(), Scope({("127.0.0.1", port)})) as transport:
                inv = await probe.inventory(transport, service, max_containers=1000)
                tables = {c.name: c for c in inv.containers}
                reader = probe.reader(transport, service)
                return [
                    (await reader.open(tables[f"{name}.public.{t}"], 4)).method
                    for t in ("a_small", "b_large")
                ]

        assert asyncio.run(go()) == ["ctid-stream", "ctid-range"]
