"""A column's distinct values listed by MariaDB for the people count: pages of 10,000 beside
pages sized by the reply's byte budget, in one run.

In a MariaDB of our own (Debian's server, started by the lab's code in --dir on a free
loopback port, stopped at the end), builds ``bench.people``: ``--rows`` rows, a distinct
address each in a VARCHAR(100) column no index orders (its people, as the probe lists them
when a store is too large to read whole). Lists the column twice through ``distinct.values``
on the probe's own connection (a read-only transaction, the read deadline as the statement
timeout): with fixed pages of ``keyset.PAGE`` values (how every listing went before) and as
``MysqlProbe.distinct_values`` sizes them (the first page at the table's average row, each
next one at the last page's value length, a quarter of the reply's byte cap, at most
``keyset.MAX_PAGE`` values). The server's
time is its own: the slow log (``long_query_time = 0``, in ``mysql.slow_log``) summed over
the listing's statements, beside the pages and the wall time. Then the memory a page
of ``keyset.MAX_PAGE`` values and one of a million hold at once (tracemalloc).

Run: .venv/bin/python benchmarks/sql_listing.py [--rows 200000]
     [--dir /var/tmp/leakhound-sql-listing] [--read-timeout 60]
(loopback only: the server listens on 127.0.0.1.)
"""

from __future__ import annotations

import argparse
import asyncio
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pymysql

from leakhound.lab.databases import serving
from leakhound.models import Endpoint
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.keyset import MAX_PAGE, PAGE, first_size, keyset
from leakhound.probes.mysql import MysqlProbe, distinct
from leakhound.probes.mysql.connection import connect
from leakhound.probes.mysql.tables import row_bytes


def _seed(cur: Any, rows: int) -> None:
    cur.execute("CREATE DATABASE IF NOT EXISTS bench")
    cur.execute("DROP TABLE IF EXISTS bench.people")
    cur.execute("CREATE TABLE bench.people (id INT PRIMARY KEY, email VARCHAR(100))")
    # Each row's address is another's number, so the key's order is not the addresses'.
    step = 7919 if rows % 7919 else 7927
    batch = 10_000
    for start in range(0, rows, batch):
        cur.executemany(
            "INSERT INTO bench.people VALUES (%s, %s)",
            [
                (n, f"person{n * step % rows:07d}@example.org")
                for n in range(start, start + batch)
                if n < rows
            ],
        )
    cur.execute("ANALYZE TABLE bench.people")
    cur.fetchall()


def _page_memory(values: int) -> str:
    """The memory one page of ``values`` 25-byte addresses holds at once: tracemalloc's peak
    over ``keyset.keyset`` of it, each value given as a connection gives it (its bytes in
    a row, decoded), the reply's own bytes aside (``keyset.MAX_PAGE``)."""

    async def ask(after: str | None, n: int) -> list[str | None]:
        rows = [] if after else [(f"person{k:07d}@example.org".encode(),) for k in range(values)]
        return [r[0].decode() for r in rows]

    async def go() -> int:
        return len([v async for v in keyset(ask, values + 1)])

    tracemalloc.start()
    try:
        asyncio.run(go())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return f"{peak / 2**20:6.1f} MiB ({peak // values} bytes a value)"


def _listing(cur: Any, port: int, limits: Limits, size: int, budget: int | None) -> str:
    """One listing: its values, pages, the server's time (slow log) and the wall time."""
    transport = Transport(limits, Scope({("127.0.0.1", port)}), None)
    cur.execute("TRUNCATE mysql.slow_log")
    cur.execute("SET GLOBAL slow_query_log = 1")

    async def go() -> list[str]:
        conn = await connect(transport, Endpoint("127.0.0.1", port, "mysql"))
        try:
            await distinct.limit_time(conn, limits.read_timeout)
            listed = distinct.values(conn, "bench", "people", "email", size, budget=budget)
            return [v async for v in listed]
        finally:
            await conn.close()

    began = time.monotonic()
    values = asyncio.run(go())
    wall = time.monotonic() - began
    cur.execute("SET GLOBAL slow_query_log = 0")
    cur.execute(
        "SELECT COUNT(*), SUM(TIME_TO_SEC(query_time)), MAX(TIME_TO_SEC(query_time)) "
        "FROM mysql.slow_log WHERE sql_text LIKE 'SELECT DISTINCT%'"
    )
    pages, total, longest = cur.fetchone()
    return (
        f"{len(values):>9,} values  {pages:>3} pages  server {float(total or 0):6.2f} s "
        f"(longest page {float(longest or 0):5.2f} s)  wall {wall:6.2f} s"
    )


def main() -> None:
    """Build the table, list it both ways, print one line each."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--dir", type=Path, default=Path("/var/tmp/leakhound-sql-listing"))
    ap.add_argument("--read-timeout", type=float, default=60.0)
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    limits = Limits(read_timeout=args.read_timeout, total_timeout=2 * args.read_timeout)
    with serving("mysql", args.dir) as got:
        port = got.target.port
        admin = pymysql.connect(host="127.0.0.1", port=port, user="root", autocommit=True)
        cur = admin.cursor()
        _seed(cur, args.rows)
        cur.execute("SET GLOBAL log_output = 'TABLE'")
        cur.execute("SET GLOBAL long_query_time = 0")
        probe = MysqlProbe()
        service = asyncio.run(
            probe.verdict(
                Transport(limits, Scope({("127.0.0.1", port)}), None), Endpoint("127.0.0.1", port)
            )
        )
        inventory = asyncio.run(
            probe.inventory(
                Transport(limits, Scope({("127.0.0.1", port)}), None), service, max_containers=50
            )
        )
        (people,) = [c for c in inventory.containers if c.name == "bench.people"]
        budget = limits.max_body // 4
        print(f"MariaDB {got.version}, bench.people: {args.rows:,} rows, an address each, no index")
        print(f"pages of {PAGE:,}:           ", _listing(cur, port, limits, PAGE, None))
        first = first_size(row_bytes(people), budget)
        print(f"pages by bytes (first {first:,}):", _listing(cur, port, limits, first, budget))
    for n in (MAX_PAGE, 1_000_000):
        print(f"one page of {n:,} values held at once:", _page_memory(n))


if __name__ == "__main__":
    main()
