"""A large table's rows: COUNT(*), the server's statistics and leakhound's estimate side by side.

In a MariaDB and a PostgreSQL of our own (Debian's servers, started by the lab's code in
--dir on a free loopback port, once a run, stopped at the end), builds tables of ``--rows``
keys each, server-side (MariaDB's ``seq_1_to_N`` sequence engine, ``generate_series``), in
shapes a whole-number key takes in use:

    dense    keys 1..N, every one (AUTO_INCREMENT, identity)
    deleted  keys 1..N, a third of the rows deleted at random (DELETE … WHERE hash MOD 3 = 0)
    runs     runs of 100,000 keys, a run every 1,000,000 keys (ids handed out in blocks)
    purged   keys 1..N, the older half purged to one row in ten (DELETE of the rest)
    outlier  keys 1..N-1, and one stray key at 10^12 (a test row, an id from elsewhere)
    random   N keys drawn at random below 10^12 (hashed or random ids)
    stale    keys 1..N, the last three quarters written after the table's last ANALYZE,
             the server kept from measuring it again (STATS_AUTO_RECALC=0, autovacuum off)
    random_stale  random keys as "random", the last three quarters written after the last
             ANALYZE as "stale" (windows of 512 keys hold no row: they are drawn wider)
    text     a text key 'C0000000001'…: no whole-number key, the statistics are all there is

(the rows deleted and the random keys drawn from MD5 of the key: the same in both servers),
each table ANALYZEd once built (PostgreSQL: VACUUM ANALYZE, as autovacuum leaves a table),
"stale" a quarter of the way. For each table, measured in the same run: the truth (COUNT(*))
and how long it took; the server's statistics (InnoDB's TABLE_ROWS, pg_class.reltuples) and
their error; leakhound's figure (the kind's probe ``inventory`` in this process, as ``scan``
calls it: rows along the key, else the statistics), its 95% bounds, whether the truth lies
between them, its error, and the time the inventory spent on that table (its per-table step
timed; the whole inventory's time beside).

The thresholds are real: a MariaDB table is estimated past ``EXACT_COUNT_ROWS`` rows by its
statistics, a PostgreSQL table past ``EXACT_COUNT_BYTES``. Tables of 2 GiB are too heavy to
build here, so PostgreSQL's threshold is lowered in this process (to 1 MiB), and MariaDB's
too when a table's statistics fall under it; the output says which. The tables are kept in
--dir for the next run (built again when --rows changes); the servers get more memory than
the lab's (InnoDB's buffer pool 1 GiB, set at run time; PostgreSQL's shared_buffers stays
32 MB, the OS caches the rest), and the tables are read as a run leaves them (just built, or
read by the run before), never evicted on purpose: COUNT(*)'s best case.

Run: .venv/bin/python benchmarks/large_count.py [--rows 4000000] [--kinds mysql,postgresql]
     [--dir /var/tmp/leakhound-large-count] [--shapes dense,deleted,…] [--delay MS]
(loopback only: every server listens on 127.0.0.1.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import shlex
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KINDS = ("mysql", "postgresql")
SHAPES = (
    "dense",
    "deleted",
    "runs",
    "purged",
    "outlier",
    "random",
    "stale",
    "random_stale",
    "text",
)
DATABASE = "lh_large"
RUN = 100_000  # keys in a run of the "runs" shape
PERIOD = 1_000_000  # keys from one run's start to the next's
FAR = 10**12  # the stray key of "outlier"; the random keys' ceiling
PG_THRESHOLD = 1 << 20  # PostgreSQL's EXACT_COUNT_BYTES for this run: every table over it
BUILD_VERSION = 3  # bump when a shape's SQL changes: kept tables are built again


@dataclass
class Row:
    """One table's figures."""

    kind: str
    table: str
    truth: int = 0
    count_seconds: float = 0.0
    statistics: int | None = None
    megabytes: float | None = None  # the table and its indexes, as the server gives them
    docs: int | None = None
    exact: bool = False
    low: int | None = None
    high: int | None = None
    basis: str = ""
    seconds: float = 0.0  # leakhound's inventory, this table's step


# -- the tables, server-side ------------------------------------------------------------------


# The rows deleted and the random keys are drawn from the MD5 of the key's decimal text, the
# same in both servers: the same keys in MariaDB's tables and PostgreSQL's.
def _mysql_hash(column: str, digits: int) -> str:
    """A whole number from the first ``digits`` hex digits of MD5(column), in MariaDB."""
    return f"CONV(SUBSTR(MD5({column}), 1, {digits}), 16, 10)"


def _pg_hash(column: str, digits: int) -> str:
    """The same number in PostgreSQL."""
    return f"('x' || substr(md5({column}::text), 1, {digits}))::bit({4 * digits})::bigint"


def mysql_build(n: int) -> dict[str, list[str]]:
    """Each shape's statements for MariaDB (schema DATABASE)."""
    half = n // 2
    payload = "payload CHAR(32) NOT NULL"
    whole = f"(id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, {payload}) ENGINE=InnoDB"
    plans = {
        "dense": [
            f"CREATE TABLE dense {whole}",
            f"INSERT INTO dense (id, payload) SELECT seq, MD5(seq) FROM seq_1_to_{n}",
        ],
        "deleted": [
            f"CREATE TABLE deleted {whole}",
            f"INSERT INTO deleted (id, payload) SELECT seq, MD5(seq) FROM seq_1_to_{n}",
            f"DELETE FROM deleted WHERE {_mysql_hash('id', 8)} MOD 3 = 0",
        ],
        "runs": [
            f"CREATE TABLE runs {whole}",
            f"INSERT INTO runs (id, payload) SELECT (seq DIV {RUN}) * {PERIOD} + seq MOD {RUN}"
            f" + 1, MD5(seq) FROM seq_0_to_{n - 1}",
        ],
        "purged": [
            f"CREATE TABLE purged {whole}",
            f"INSERT INTO purged (id, payload) SELECT seq, MD5(seq) FROM seq_1_to_{n}",
            f"DELETE FROM purged WHERE id <= {half} AND id MOD 10 <> 0",
        ],
        "outlier": [
            f"CREATE TABLE outlier {whole}",
            f"INSERT INTO outlier (id, payload) SELECT seq, MD5(seq) FROM seq_1_to_{n - 1}",
            f"INSERT INTO outlier (id, payload) VALUES ({FAR}, MD5({FAR}))",
        ],
        "random": [
            f"CREATE TABLE random {whole}",
            # Sorted first: InnoDB appends to its clustered index instead of splitting pages
            # at random (the shape of the keys is the same).
            f"INSERT IGNORE INTO random (id, payload) SELECT k, MD5(k) FROM (SELECT "
            f"1 + {_mysql_hash('seq', 12)} MOD {FAR - 1} AS k FROM seq_1_to_{n}) AS drawn "
            "ORDER BY k",
        ],
        "text": [
            f"CREATE TABLE text (id VARCHAR(20) NOT NULL PRIMARY KEY, {payload}) ENGINE=InnoDB",
            "INSERT INTO text (id, payload) SELECT CONCAT('C', LPAD(seq, 10, '0')), MD5(seq) "
            f"FROM seq_1_to_{n}",
        ],
    }
    for shape, statements in plans.items():
        statements.append(f"ANALYZE TABLE {shape}")
    # A table filled after its statistics were last measured (and kept from being measured
    # again): a quarter of its rows, ANALYZE, then the rest.
    plans["stale"] = [
        f"CREATE TABLE stale {whole} STATS_AUTO_RECALC=0",
        f"INSERT INTO stale (id, payload) SELECT seq, MD5(seq) FROM seq_1_to_{n // 4}",
        "ANALYZE TABLE stale",
        f"INSERT INTO stale (id, payload) SELECT seq, MD5(seq) FROM seq_{n // 4 + 1}_to_{n}",
    ]

    def drawn(first: int, last: int) -> str:
        return (
            f"INSERT IGNORE INTO random_stale (id, payload) SELECT k, MD5(k) FROM (SELECT "
            f"1 + {_mysql_hash('seq', 12)} MOD {FAR - 1} AS k FROM seq_{first}_to_{last}) "
            "AS drawn ORDER BY k"
        )

    plans["random_stale"] = [
        f"CREATE TABLE random_stale {whole} STATS_AUTO_RECALC=0",
        drawn(1, n // 4),
        "ANALYZE TABLE random_stale",
        drawn(n // 4 + 1, n),
    ]
    return plans


def pg_build(n: int) -> dict[str, list[str]]:
    """Each shape's statements for PostgreSQL (database DATABASE): rows first, key after."""
    half = n // 2
    whole = "(id bigint GENERATED BY DEFAULT AS IDENTITY, payload text NOT NULL)"

    def key(table: str) -> str:
        return f"ALTER TABLE {table} ADD PRIMARY KEY (id)"

    def series(table: str, last: int) -> str:
        return (
            f"INSERT INTO {table} (id, payload) SELECT i, md5(i::text) "
            f"FROM generate_series(1, {last}) AS i"
        )

    plans = {
        "dense": [f"CREATE TABLE dense {whole}", series("dense", n), key("dense")],
        "deleted": [
            f"CREATE TABLE deleted {whole}",
            series("deleted", n),
            key("deleted"),
            f"DELETE FROM deleted WHERE {_pg_hash('id', 8)} % 3 = 0",
        ],
        "runs": [
            f"CREATE TABLE runs {whole}",
            f"INSERT INTO runs (id, payload) SELECT (i / {RUN}) * {PERIOD} + i % {RUN} + 1, "
            f"md5(i::text) FROM generate_series(0, {n - 1}) AS i",
            key("runs"),
        ],
        "purged": [
            f"CREATE TABLE purged {whole}",
            series("purged", n),
            key("purged"),
            f"DELETE FROM purged WHERE id <= {half} AND id % 10 <> 0",
        ],
        "outlier": [
            f"CREATE TABLE outlier {whole}",
            series("outlier", n - 1),
            f"INSERT INTO outlier (id, payload) VALUES ({FAR}, md5('{FAR}'))",
            key("outlier"),
        ],
        "random": [
            f"CREATE TABLE random {whole}",
            f"INSERT INTO random (id, payload) SELECT DISTINCT ON (k) k, md5(k::text) FROM "
            f"(SELECT 1 + {_pg_hash('i', 12)} % {FAR - 1} AS k "
            f"FROM generate_series(1, {n}) AS i) AS drawn ORDER BY k",
            key("random"),
        ],
        "text": [
            "CREATE TABLE text (id text NOT NULL, payload text NOT NULL)",
            "INSERT INTO text (id, payload) SELECT 'C' || lpad(i::text, 10, '0'), "
            f"md5(i::text) FROM generate_series(1, {n}) AS i",
            key("text"),
        ],
    }
    for shape, statements in plans.items():
        statements.append(f"VACUUM ANALYZE {shape}")  # as autovacuum leaves a table
    plans["stale"] = [
        f"CREATE TABLE stale {whole} WITH (autovacuum_enabled = false)",
        series("stale", n // 4),
        key("stale"),
        "VACUUM ANALYZE stale",
        f"INSERT INTO stale (id, payload) SELECT i, md5(i::text) "
        f"FROM generate_series({n // 4 + 1}, {n}) AS i",
    ]

    def drawn(first: int, last: int) -> str:
        return (
            f"INSERT INTO random_stale (id, payload) SELECT DISTINCT ON (k) k, md5(k::text) "
            f"FROM (SELECT 1 + {_pg_hash('i', 12)} % {FAR - 1} AS k "
            f"FROM generate_series({first}, {last}) AS i) AS drawn ORDER BY k"
        )

    plans["random_stale"] = [
        f"CREATE TABLE random_stale {whole} WITH (autovacuum_enabled = false)",
        drawn(1, n // 4),
        key("random_stale"),
        "VACUUM ANALYZE random_stale",
        drawn(n // 4 + 1, n) + " ON CONFLICT (id) DO NOTHING",
    ]
    return plans


# -- our own servers --------------------------------------------------------------------------


@dataclass
class Instance:
    """One server of ours: kind, target (url, port), version."""

    kind: str
    target: Any
    version: str


@contextmanager
def instance(kind: str, folder: Path) -> Iterator[Instance]:
    """The kind's open lab server in folder/kind on a free port, stopped on leaving."""
    from leakhound.lab.databases import serving

    with serving(kind, folder) as got:
        yield Instance(kind, got.target, got.version)


class Sql:
    """A plain client session on our server, for building, ANALYZE and the truth."""

    def __init__(self, inst: Instance, database: str | None = None) -> None:
        self.kind = inst.kind
        if inst.kind == "mysql":
            import pymysql

            self.conn = pymysql.connect(
                host="127.0.0.1", port=inst.target.port, user="root", password="",
                database=database, autocommit=True, read_timeout=3600, write_timeout=3600,
            )  # fmt: skip
        else:
            import psycopg

            self.conn = psycopg.connect(
                host="127.0.0.1", port=inst.target.port, user="postgres",
                dbname=database or "postgres", autocommit=True,
            )  # fmt: skip

    def rows(self, statement: str) -> list[tuple[Any, ...]]:
        if self.kind == "mysql":
            with self.conn.cursor() as cur:
                cur.execute(statement)
                return list(cur.fetchall())
        cur = self.conn.execute(statement)
        return list(cur.fetchall()) if cur.description else []

    def one(self, statement: str) -> Any:
        got = self.rows(statement)
        return got[0][0] if got else None

    def close(self) -> None:
        self.conn.close()


def build(inst: Instance, folder: Path, n: int, shapes: list[str]) -> None:
    """The shapes' tables, each analysed, but those folder's marker says are built already."""
    marker = folder / inst.kind / "built.json"
    try:
        known = json.loads(marker.read_text())
        assert known["rows"] == n and known["version"] == BUILD_VERSION
        built = [shape for shape in known["built"] if shape in SHAPES]
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        built = []
    todo = [shape for shape in shapes if shape not in built]
    if not todo:
        print(f"  {inst.kind}: tables kept from an earlier run", file=sys.stderr)
        return
    if not built:
        admin = Sql(inst)
        force = " WITH (FORCE)" if inst.kind == "postgresql" else ""
        admin.rows(f"DROP DATABASE IF EXISTS {DATABASE}{force}")
        admin.rows(f"CREATE DATABASE {DATABASE}")
        admin.close()
    plans = mysql_build(n) if inst.kind == "mysql" else pg_build(n)
    conn = Sql(inst, DATABASE)
    try:
        if inst.kind == "postgresql":
            conn.rows("SET maintenance_work_mem = '512MB'")
        for shape in todo:
            began = time.perf_counter()
            conn.rows(f"DROP TABLE IF EXISTS {shape}")
            for statement in plans[shape]:
                conn.rows(statement)
            built.append(shape)
            marker.write_text(json.dumps({"rows": n, "version": BUILD_VERSION, "built": built}))
            print(
                f"  {inst.kind}: built {shape} in {time.perf_counter() - began:.0f} s",
                file=sys.stderr,
            )
    finally:
        conn.close()


def statistics(inst: Instance, shapes: list[str]) -> dict[str, tuple[int | None, float | None]]:
    """The server's own figure of each table's rows, and its megabytes with its indexes."""
    conn = Sql(inst, DATABASE)
    try:
        if inst.kind == "mysql":
            got = conn.rows(
                "SELECT table_name, table_rows, data_length + index_length "
                "FROM information_schema.tables "
                f"WHERE table_schema = '{DATABASE}'"
            )
        else:
            got = conn.rows(
                "SELECT relname, reltuples::bigint, pg_total_relation_size(oid) "
                "FROM pg_class WHERE relkind = 'r' "
                "AND relnamespace = 'public'::regnamespace"
            )
    finally:
        conn.close()
    found = {
        str(name): (
            int(rows) if rows is not None else None,
            int(size) / 1e6 if size is not None else None,
        )
        for name, rows, size in got
    }
    return {shape: found.get(shape, (None, None)) for shape in shapes}


def truth(inst: Instance, shape: str) -> tuple[int, float]:
    """COUNT(*) of a table, and the seconds it took (a session of its own)."""
    conn = Sql(inst, DATABASE)
    try:
        began = time.perf_counter()
        rows = int(conn.one(f"SELECT COUNT(*) FROM {shape}"))
        return rows, time.perf_counter() - began
    finally:
        conn.close()


# -- leakhound's inventory, each table's step timed --------------------------------------------


async def delay_line(port: int, delay: float) -> asyncio.Server:
    """A TCP relay on a free loopback port to ``port``: each chunk, either way, is passed on
    ``delay`` seconds after it arrived, in order (a link of 2 x delay round trip; the
    machine has no netem)."""

    async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, chunk = await queue.get()
                if not chunk:
                    break
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                writer.write(chunk)
                await writer.drain()
            writer.close()

        sender = asyncio.create_task(deliver())
        try:
            while chunk := await reader.read(1 << 16):
                queue.put_nowait((time.monotonic() + delay, chunk))
        finally:
            queue.put_nowait((0.0, b""))
            await sender

    async def relay(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", port)
        with contextlib.suppress(OSError):
            await asyncio.gather(pump(client_r, server_w), pump(server_r, client_w))

    return await asyncio.start_server(relay, "127.0.0.1", 0)


def leakhound(
    inst: Instance, shapes: list[str], delay: float = 0.0
) -> tuple[dict[str, Row], float]:
    """The kind's probe's inventory, as ``scan`` calls it: our tables' figures, and the
    seconds of the whole inventory; with ``delay``, through a relay that holds every chunk
    that long each way."""
    from leakhound.models import Endpoint, Service, Verdict
    from leakhound.net import Limits, Scope, Transport
    from leakhound.probes.mysql import MysqlProbe
    from leakhound.probes.mysql import probe as mysql_probe
    from leakhound.probes.postgresql import PostgresqlProbe
    from leakhound.probes.postgresql import probe as pg_probe

    spent: dict[str, float] = {}

    def timing(step: Callable[..., Any]) -> Callable[..., Any]:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            got = await step(*args, **kwargs)
            spent[got.name] = time.perf_counter() - began
            return got

        return timed

    port = inst.target.port
    probe: Any
    if inst.kind == "mysql":
        probe, owner, attribute, prefix = MysqlProbe(), MysqlProbe, "_table", f"{DATABASE}."
    else:
        probe, owner, attribute = PostgresqlProbe(), pg_probe, "_table"
        prefix = f"{DATABASE}.public."
    del mysql_probe
    original = getattr(owner, attribute)
    setattr(owner, attribute, timing(original))

    async def inventory() -> Any:
        relay = await delay_line(port, delay) if delay else None
        at = relay.sockets[0].getsockname()[1] if relay else port
        here = Service(Endpoint("127.0.0.1", at), inst.target.url, inst.kind, Verdict.OPEN)
        try:
            async with Transport(Limits(), Scope({("127.0.0.1", at)})) as transport:
                return await probe.inventory(transport, here, max_containers=1000)
        finally:
            if relay:
                relay.close()

    try:
        began = time.perf_counter()
        inv = asyncio.run(inventory())
        whole = time.perf_counter() - began
    finally:
        setattr(owner, attribute, original)
    if inv.error:
        print(f"  {inst.kind}: the inventory says: {inv.error}", file=sys.stderr)
    out = {}
    for c in inv.containers:
        shape = c.name.removeprefix(prefix)
        if c.name.startswith(prefix) and shape in shapes:
            if c.error:
                print(f"  {inst.kind} {shape}: {c.error}", file=sys.stderr)
            out[shape] = Row(
                inst.kind, shape, docs=c.docs, exact=c.docs_exact, low=c.docs_low,
                high=c.docs_high, basis=c.docs_basis or "", seconds=spent.get(c.name, 0.0),
            )  # fmt: skip
    return out, whole


# -- the run ----------------------------------------------------------------------------------


def error(figure: int | None, truth: int) -> str:
    if figure is None or not truth:
        return "—"
    return f"{(figure - truth) / truth:+.1%}"


def kind_run(
    kind: str, folder: Path, n: int, shapes: list[str], notes: list[str], delay: float = 0.0
) -> tuple[list[Row], str, float]:
    """Build, read the statistics, inventory, count: one kind's rows."""
    from leakhound.probes.mysql import probe as mysql_probe
    from leakhound.probes.postgresql import probe as pg_probe

    with instance(kind, folder) as inst:
        if kind == "mysql":
            # The lab's 32 MB is for a lab beside OpenSearch; a server that holds millions of
            # rows has more. Dynamic since MariaDB 10.2.
            Sql(inst).rows("SET GLOBAL innodb_buffer_pool_size = 1073741824")
        build(inst, folder, n, shapes)
        stats = statistics(inst, shapes)
        if kind == "mysql":
            shipped = mysql_probe.EXACT_COUNT_ROWS
            lowest = min((s for s, _ in stats.values() if s is not None), default=shipped + 1)
            if lowest <= shipped:
                mysql_probe.EXACT_COUNT_ROWS = max(1, lowest // 2)
                notes.append(
                    f"MariaDB: probe.EXACT_COUNT_ROWS lowered in this process from {shipped:,} "
                    f"to {mysql_probe.EXACT_COUNT_ROWS:,} (a table's TABLE_ROWS is {lowest:,})"
                )
            else:
                notes.append(f"MariaDB: probe.EXACT_COUNT_ROWS as shipped ({shipped:,})")
        else:
            shipped = pg_probe.EXACT_COUNT_BYTES
            pg_probe.EXACT_COUNT_BYTES = PG_THRESHOLD
            notes.append(
                f"PostgreSQL: probe.EXACT_COUNT_BYTES lowered in this process from "
                f"{shipped:,} (2 GiB) to {PG_THRESHOLD:,} (1 MiB): every table here is over it"
            )
        try:
            rows, whole = leakhound(inst, shapes, delay)
        finally:
            if kind == "mysql":
                mysql_probe.EXACT_COUNT_ROWS = shipped
            else:
                pg_probe.EXACT_COUNT_BYTES = shipped
        out = []
        for shape in shapes:
            row = rows.get(shape) or Row(kind, shape)
            row.statistics, row.megabytes = stats[shape]
            row.truth, row.count_seconds = truth(inst, shape)
            out.append(row)
        name = "MariaDB" if kind == "mysql" else "PostgreSQL"
        return out, f"{name} {inst.version}", whole


def num(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def report(rows: list[Row]) -> None:
    head = (
        f"{'kind':<10} {'table':<12} {'MB':>4} {'truth':>10} {'COUNT s':>7} | {'statistics':>10} "
        f"{'error':>7} | {'leakhound':>10} {'error':>7} {'95% low':>10} {'95% high':>14} "
        f"{'in':>3} {'how':<10} {'s':>5} {'x COUNT':>7}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        how = "counted" if r.exact else "key" if r.low is not None else "statistics"
        if how == "key" and r.basis.startswith("the server's statistics"):
            how = "stat+key"  # the statistics, inside the key's bounds
        inside = (
            "—" if r.low is None or r.high is None else "yes" if r.low <= r.truth <= r.high
            else "NO"
        )  # fmt: skip
        ratio = f"{r.seconds / r.count_seconds:.3f}" if r.count_seconds else "—"
        print(
            f"{r.kind:<10} {r.table:<12} {r.megabytes or 0:>4.0f} {r.truth:>10,} "
            f"{r.count_seconds:>7.2f} | "
            f"{num(r.statistics):>10} "
            f"{error(r.statistics, r.truth):>7} | "
            f"{num(r.docs):>10} {error(r.docs, r.truth):>7} "
            f"{num(r.low):>10} {num(r.high):>14} {inside:>3} {how:<10} "
            f"{r.seconds:>5.2f} {ratio:>7}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=4_000_000, help="keys a table is built of")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--dir", type=Path, default=Path("/var/tmp/leakhound-large-count"))
    parser.add_argument(
        "--delay",
        type=float,
        default=0.0,
        metavar="MS",
        help="leakhound's inventory through a loopback relay holding each chunk MS "
        "milliseconds each way (a remote server: 2 x MS round trip)",
    )
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    shapes = [s for s in args.shapes.split(",") if s]
    if set(kinds) - set(KINDS) or set(shapes) - set(SHAPES) or args.rows % RUN:
        parser.error(f"kinds of {KINDS}, shapes of {SHAPES}, --rows a multiple of {RUN:,}")
    args.dir.mkdir(parents=True, exist_ok=True)
    command = shlex.join([".venv/bin/python", "benchmarks/large_count.py", *sys.argv[1:]])
    began = dt.datetime.now(dt.UTC)
    load = os.getloadavg()
    rows: list[Row] = []
    versions, notes, wholes = [], [], []
    for kind in kinds:
        got, version, whole = kind_run(kind, args.dir, args.rows, shapes, notes, args.delay / 1000)
        rows += got
        versions.append(version)
        wholes.append(f"{version}: {whole:.2f} s for {len(got)} tables")
    ended = dt.datetime.now(dt.UTC)
    print(f"$ {command}")
    print(
        f"{began:%Y-%m-%d %H:%M}-{ended:%H:%M} UTC, load average {load[0]:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end, {os.cpu_count()} cores; {', '.join(versions)}"
    )
    if args.delay:
        notes.append(
            f"leakhound's inventory through a relay holding each chunk {args.delay:g} ms each "
            f"way ({2 * args.delay:g} ms round trips)"
        )
    print(f"{args.rows:,} keys a table; " + "; ".join(notes))
    print(
        "MB: the table with its indexes; truth: COUNT(*) after the inventory, in a session of "
        "its own; statistics: TABLE_ROWS or reltuples after ANALYZE; leakhound: the probe's "
        "inventory, how = counted, along the key (key), the statistics inside the key's bounds "
        "(stat+key), or the statistics alone; s = its step for that table, x COUNT = those "
        "seconds over COUNT(*)'s\n"
    )
    report(rows)
    print("\nwhole inventory (listing, columns, every table): " + "; ".join(wholes))
    keyed = [r for r in rows if r.low is not None and r.truth]
    if keyed:
        worst = max(keyed, key=lambda r: abs((r.docs or 0) - r.truth) / r.truth)
        print(
            f"estimated along the key: {len(keyed)} tables, truth inside the 95% bounds in "
            f"{sum(r.low <= r.truth <= r.high for r in keyed if r.low is not None and r.high)}"
            f"; worst error {error(worst.docs, worst.truth)} ({worst.kind} {worst.table})"
        )
    stated = [r for r in rows if r.statistics is not None and r.truth]
    if stated:
        worst = max(stated, key=lambda r: abs((r.statistics or 0) - r.truth) / r.truth)
        print(
            f"statistics: worst error {error(worst.statistics, worst.truth)} "
            f"({worst.kind} {worst.table})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
