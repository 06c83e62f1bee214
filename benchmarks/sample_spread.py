"""A sample of a large table spread over it, beside its first rows: cost and people estimate.

In a scratch database of the running lab's open PostgreSQL and MariaDB servers (loopback;
``leakhound lab up`` first, ``LEAKHOUND_LAB_DIR`` naming its state), writes a table of
``--rows`` support cases ordered by customer (customer p writes 1 + p % 5 cases, one after
the other: three cases a customer), as an application that appends a customer's cases
together, or a dump sorted by customer, leaves it. PostgreSQL: one table (a ``bigserial``
key); MariaDB: one with a whole-number key, one with a text key and one without a key. For
each table, ``--size`` rows are sampled twice, in a fresh connection each time: the first
rows the server returns (how leakhound sampled before) and the probe's own sample (spread
over the table: ``probes/sampling.py``). Printed for each: the wall time (the median of
``--repeat`` runs), how the rows were drawn, the customers among them, and the people the
estimator of ``count/people.py`` gives from them with its likely range, beside the truth.

The scratch database is dropped at the end (``--keep`` keeps it for another run).

Run: LEAKHOUND_LAB_DIR=DIR .venv/bin/python benchmarks/sample_spread.py [--rows 1000000]
     [--size 100] [--repeat 3] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from leakhound.count.people import SampledIdentifiers, from_sample
from leakhound.lab import default_state_dir, status
from leakhound.models import Container, Endpoint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.mysql import MysqlProbe
from leakhound.probes.mysql import sql as mysql_sql
from leakhound.probes.mysql.connection import connect as mysql_connect
from leakhound.probes.mysql.rows import documents
from leakhound.probes.postgresql import PostgresqlProbe
from leakhound.probes.postgresql.connection import connect as pg_connect
from leakhound.probes.postgresql.probe import first_rows as pg_first_rows
from leakhound.probes.postgresql.probe import sampled_rows

SCRATCH = "lh_spread"
PSQL_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))
FILLER = 300  # bytes of text a case besides its customer: pages of ~20 rows


def _psql(port: int, database: str, statement: str) -> str:
    psql = str(PSQL_BIN[-1]) if PSQL_BIN else "psql"
    argv = [psql, "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database, "-Atq"]
    done = subprocess.run(
        [*argv, "-c", statement], capture_output=True, text=True, timeout=3600, check=True
    )
    return done.stdout


def _mariadb(port: int, statement: str) -> str:
    argv = ["mariadb", "--no-defaults", "-h127.0.0.1", f"-P{port}", "-uroot", "--batch", "-N"]
    done = subprocess.run(argv, input=statement, capture_output=True, text=True, timeout=3600)
    if done.returncode:
        raise SystemExit(done.stderr[-500:])
    return done.stdout


def people_of(rows: int) -> int:
    """Customers of ``rows`` cases where customer p writes 1 + p % 5 (every one counted)."""
    people, written = 0, 0
    while written < rows:
        people += 1
        written += 1 + people % 5
    return people


def seed_postgresql(port: int, rows: int) -> None:
    """The cases table, ordered by customer, in the scratch database."""
    _psql(port, "postgres", f"DROP DATABASE IF EXISTS {SCRATCH}")
    _psql(port, "postgres", f"CREATE DATABASE {SCRATCH}")
    _psql(
        port,
        SCRATCH,
        "CREATE TABLE cases (id bigserial PRIMARY KEY, email text NOT NULL, note text NOT NULL)",
    )
    _psql(
        port,
        SCRATCH,
        "INSERT INTO cases (email, note) SELECT 'person' || p || '@example.org', "
        f"repeat('x', {FILLER}) FROM generate_series(1, {people_of(rows)}) p, "
        f"generate_series(1, 5) k WHERE k <= 1 + p % 5 ORDER BY p, k LIMIT {rows}",
    )
    _psql(port, SCRATCH, "VACUUM ANALYZE cases")


def seed_mariadb(port: int, rows: int) -> None:
    """The same cases with a whole-number key, a text key and none."""
    columns = "email VARCHAR(100) NOT NULL, note VARCHAR(400) NOT NULL"
    _mariadb(
        port,
        f"DROP DATABASE IF EXISTS {SCRATCH}; CREATE DATABASE {SCRATCH}; USE {SCRATCH};\n"
        f"CREATE TABLE by_id (id BIGINT AUTO_INCREMENT PRIMARY KEY, {columns});\n"
        # Customer by customer without a sort (its temporary table is not needed): the
        # sequence of customers drives the join.
        f"INSERT INTO by_id (email, note) SELECT CONCAT('person', p.seq, '@example.org'), "
        f"REPEAT('x', {FILLER}) FROM seq_1_to_{people_of(rows)} p STRAIGHT_JOIN seq_1_to_5 k "
        f"ON k.seq <= 1 + p.seq % 5 LIMIT {rows};\n"
        f"CREATE TABLE by_text (code VARCHAR(20) PRIMARY KEY, {columns});\n"
        f"INSERT INTO by_text SELECT CONCAT('C', LPAD(id, 10, '0')), email, note FROM by_id;\n"
        f"CREATE TABLE no_key ({columns});\n"
        f"INSERT INTO no_key SELECT email, note FROM by_id ORDER BY id;\n"
        f"ANALYZE TABLE by_id, by_text, no_key;\n",
    )


def estimate(docs: list[dict[str, Any]], total: int) -> tuple[int, str]:
    """Customers among the rows, and the estimator's people with its likely range."""
    ids = SampledIdentifiers("EMAIL_ADDRESS", records=len(docs), per_record=1)
    for d in docs:
        ids.docs[str(d["email"]).encode()] += 1
    est = from_sample(ids, total)
    return len(ids.docs), f"{est.value:,} ({est.low:,}-{est.high:,})"


async def timed(go: Callable[[], Awaitable[Any]], repeat: int) -> tuple[Any, float]:
    """What ``go`` returns, and the median of its wall times in seconds."""
    times, got = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        got = await go()
        times.append(time.perf_counter() - start)
    return got, statistics.median(times)


def line(store: str, how: str, seconds: float, docs: list[Any], total: int, truth: int) -> None:
    seen, people = estimate(docs, total)
    print(
        f"{store:<22} {how:<14} {seconds * 1000:>9.1f} ms {len(docs):>5} rows "
        f"{seen:>5} customers  people {people:<22} truth {truth:,}"
    )


async def run(args: argparse.Namespace) -> None:
    lab = status(Path(os.environ.get("LEAKHOUND_LAB_DIR") or default_state_dir()))
    pg = lab.target("open", kind="postgresql")
    my = lab.target("open", kind="mysql")
    truth = people_of(args.rows)
    print(f"seeding {args.rows:,} cases of {truth:,} customers, ordered by customer")
    start = time.perf_counter()
    seed_postgresql(pg.port, args.rows)
    seed_mariadb(my.port, args.rows)
    print(f"seeded in {time.perf_counter() - start:.0f} s\n")
    scope = Scope({("127.0.0.1", pg.port), ("127.0.0.1", my.port)})
    try:
        async with Transport(Limits(), scope) as transport:
            await bench_postgresql(transport, pg.port, args, truth)
            await bench_mariadb(transport, my.port, args, truth)
    finally:
        if not args.keep:
            _psql(pg.port, "postgres", f"DROP DATABASE IF EXISTS {SCRATCH}")
            _mariadb(my.port, f"DROP DATABASE IF EXISTS {SCRATCH}")


async def bench_postgresql(
    transport: Transport, port: int, args: argparse.Namespace, truth: int
) -> None:
    endpoint = Endpoint("127.0.0.1", port)
    service = Service(endpoint, f"postgresql://127.0.0.1:{port}", "postgresql", Verdict.OPEN)
    probe = PostgresqlProbe()
    inv = await probe.inventory(transport, service, max_containers=1000)
    (table,) = [c for c in inv.containers if c.name == f"{SCRATCH}.public.cases"]
    rows = table.docs or 0

    async def first() -> list[Any]:
        conn = await pg_connect(transport, endpoint, SCRATCH)
        try:
            got = await conn.run(pg_first_rows("public", "cases", args.size))
            return [dict(zip([c for c, _ in got.columns], r, strict=True)) for r in got.rows]
        finally:
            await conn.close()

    async def spread() -> Any:
        conn = await pg_connect(transport, endpoint, SCRATCH)
        try:
            return await sampled_rows(conn, table, "public", "cases", args.size)
        finally:
            await conn.close()

    docs, seconds = await timed(first, args.repeat)
    line("postgresql cases", "first rows", seconds, docs, rows, truth)
    got, seconds = await timed(spread, args.repeat)
    line("postgresql cases", got.drawn, seconds, list(got.docs), rows, truth)


async def bench_mariadb(
    transport: Transport, port: int, args: argparse.Namespace, truth: int
) -> None:
    endpoint = Endpoint("127.0.0.1", port)
    service = Service(endpoint, f"mysql://127.0.0.1:{port}", "mysql", Verdict.OPEN)
    probe = MysqlProbe()
    inv = await probe.inventory(transport, service, max_containers=1000)
    tables: dict[str, Container] = {
        c.name: c for c in inv.containers if c.name.startswith(f"{SCRATCH}.")
    }
    for name in ("by_id", "by_text", "no_key"):
        table = tables[f"{SCRATCH}.{name}"]
        rows = table.docs or 0

        async def first(name: str = name) -> list[Any]:
            conn = await mysql_connect(transport, endpoint)
            try:
                return documents(await conn.query(mysql_sql.first_rows(SCRATCH, name, args.size)))
            finally:
                await conn.close()

        async def spread(table: Container = table) -> Any:
            return await probe.sample(transport, service, table, args.size)

        docs, seconds = await timed(first, args.repeat)
        line(f"mariadb {name}", "first rows", seconds, docs, rows, truth)
        got, seconds = await timed(spread, args.repeat)
        line(f"mariadb {name}", got.drawn, seconds, list(got.docs), rows, truth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
