"""The four database kinds beside their peers: nmap's NSE scripts on a sample scan, each store's
own dump tool on a full read.

(a) ``sample``: ``leakhound scan`` of the lab's Redis, PostgreSQL, MariaDB and FerretDB, open and
    secured (the targets of ``leakhound lab targets``; the lab in $LEAKHOUND_LAB_DIR, started and
    seeded as the tests do when it is down), beside ``nmap -sV`` with each kind's NSE scripts
    that guess no password (redis-info; mysql-empty-password, mysql-info, mysql-databases;
    mongodb-databases, mongodb-info; none for PostgreSQL, whose one script is pgsql-brute):
    wall time, and what each tool found (verdict, databases listed).
(b) ``full``: servers of our own (the lab's code, one open instance a kind on a free loopback
    port), seeded with N records by the lab's seeder and kept in --dir for the next run; per kind
    and size, every record read:
    - leakhound with detection off: ``scan --depth full``'s pipeline (``read_container`` over the
      kind's ``FullReader``, the scan's 2 partitions of pages of 1,000 records), its pages handed
      to a sink that only counts them (the CLI has no switch to turn detection off), in a process
      of its own: records/s and peak RSS; and again with its partitions read by ``--readers N``
      worker processes (default 2), as ``scan --workers N`` reads them;
    - the store's own dump tool to /dev/null: ``pg_dump``, ``mysqldump --single-transaction
      --quick``; for Redis ``redis-cli --scan`` piped into a redis-py reader that pipelines
      ``TYPE`` and then ``GET``/``HGETALL``/``SMEMBERS``/``ZRANGE … WITHSCORES``/``LRANGE`` per
      1,000 keys (and ``redis-cli --rdb -`` to /dev/null, the server's own snapshot, for reference);
      for MongoDB a bare pymongo ``find()`` over every collection (mongodump does not install
      here: the Go module proxy refuses github.com/mongodb/mongo-tools);
    - with ``--detect``: ``leakhound scan --depth full`` as it is, detection on (--workers 2).
    Prints records/s side by side with the ratio (target ≥ 0.8x the dump tool) and leakhound's
    peak RSS per size (target: flat within 10% from the smallest size to the largest).

Run: .venv/bin/python benchmarks/db_scan.py [--part sample,full] [--kinds redis,postgresql,
     mysql,mongodb] [--sizes 100000,1000000] [--dir PATH] [--detect] [--readers 2] [--lab PATH]
Quick run (a few minutes): --sizes 10000 --kinds redis,postgresql
(loopback only: every server listens on 127.0.0.1.)
"""

from __future__ import annotations

import argparse
import asyncio
import fnmatch
import functools
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KINDS = ("redis", "postgresql", "mysql", "mongodb")
# Each kind's NSE scripts that send no password guess (pgsql-brute, redis-brute, mysql-brute
# and mongodb-brute do, and are never run).
NSE = {
    "redis": ("redis-info",),
    "postgresql": (),
    "mysql": ("mysql-empty-password", "mysql-info", "mysql-databases"),
    "mongodb": ("mongodb-databases", "mongodb-info"),
}
BATCH = 1000  # records per page, as --batch's default
PARTITIONS = 2  # as --slices's default
SEED = 1


@dataclass
class Run:
    """One tool's read: records, seconds, peak RSS of its processes (KiB), what it said."""

    tool: str
    records: int
    seconds: float
    rss_kib: int = 0
    note: str = ""
    cpu: float = 0.0  # CPU seconds of the tool's processes (user + system)
    server_cpu: float = 0.0  # CPU seconds the server spent meanwhile (all its processes)

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its descendants, live and reaped (PostgreSQL's backends
    are the postmaster's children: an ended one is in its parent's cutime/cstime)."""
    from leakhound.lab import process

    total, todo, seen = 0.0, [pid], set()
    while todo:
        each = todo.pop()
        if each not in seen:
            seen.add(each)
            total += sum(process.cpu_seconds(each))
            todo += process.children(each)
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def metered(produce: Callable[..., Any]) -> Callable[..., Any]:
    """A producer of Run(s) for an Instance (its last argument), with the CPU its processes
    and the server spent meanwhile: records/s alone hides who did the work on a machine
    whose cores the server shares."""

    @functools.wraps(produce)
    def run(*args: Any, **options: Any) -> Any:
        inst = args[-1]
        server, ours = _tree_cpu(inst.pid), _children_cpu()
        got = produce(*args, **options)
        got.server_cpu = _tree_cpu(inst.pid) - server
        got.cpu = got.cpu or _children_cpu() - ours  # a child's own figure where it gave one
        return got

    return run


def timed(
    argv: Sequence[str],
    *,
    stdout: Any = subprocess.DEVNULL,
    env: dict[str, str] | None = None,
    stdin: Any = None,
    timeout: float = 7200,
) -> tuple[float, int, int, str]:
    """(seconds, peak RSS KiB, exit status, stderr's tail) of one process run to its end.

    The peak RSS is GNU time's (%M): a child forked from this process would report this
    process's own RSS at the fork as its peak (Linux keeps the high-water mark across exec).
    """
    with tempfile.NamedTemporaryFile() as err, tempfile.NamedTemporaryFile("r") as peak:
        began = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", peak.name, *argv],
            stdout=stdout, stderr=err, stdin=stdin, env=env, timeout=timeout, check=False,
        )  # fmt: skip
        seconds = time.perf_counter() - began
        err.seek(0)
        tail = err.read().decode("utf-8", "replace")[-400:]
        lines = peak.read().split()
        rss = int(lines[-1]) if lines and lines[-1].isdigit() else 0
    return seconds, rss, done.returncode, tail


# -- (a) sample scan beside nmap --------------------------------------------------------------


def leakhound_cli() -> list[str]:
    return [sys.executable, "-m", "leakhound"]


def sample_part(lab_dir: Path, kinds: Sequence[str]) -> None:
    from leakhound.lab.testing import lab_session

    with lab_session(lab_dir) as lab:
        targets = [t for t in lab.status.targets if t.kind in kinds]
        rows = _leakhound_sample(targets)
        nmap = shutil.which("nmap")
        print(
            f"\n(a) sample scan of the lab's database stores ({len(targets)} targets), "
            "wall time and what was found"
        )
        print(f"{'kind':<10} {'role':<8} {'leakhound':<62} | nmap -sV + NSE")
        found_nmap: dict[int, str] = {}
        nmap_secs: dict[str, float] = {}
        for kind in kinds:
            ports = [t.port for t in targets if t.kind == kind]
            if nmap and ports:
                nmap_secs[kind], found = _nmap(nmap, ports, NSE[kind])
                found_nmap.update(found)
        for t in targets:
            print(
                f"{t.kind:<10} {t.role:<8} {rows['found'].get(t.port, '?'):<62} | "
                f"{found_nmap.get(t.port, 'not run')}"
            )
        print(
            f"\nwall time: leakhound {rows['seconds']:.1f} s for all {len(targets)} targets "
            f"(one scan, sample of 100 records per container, people counted); nmap "
            + ", ".join(f"{k} {s:.1f} s" for k, s in nmap_secs.items())
            + f" = {sum(nmap_secs.values()):.1f} s (one run a kind, its scripts only)"
        )
        for kind in kinds:
            print(f"  nmap scripts for {kind}: {', '.join(NSE[kind]) or '(none: -sV only)'}")


def _leakhound_sample(targets: Sequence[Any]) -> dict[str, Any]:
    """One `leakhound scan` of every target; seconds and one line found per port."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "scan.json"
        argv = [
            *leakhound_cli(),
            "scan",
            "--db",
            f"{tmp}/f.db",
            "--format",
            "json",
            "-o",
            str(out),
            "--no-progress",
            *(t.url for t in targets),
        ]
        seconds, _, _, _ = timed(argv)
        doc = json.loads(out.read_text())
    found: dict[int, str] = {}
    for result in doc["results"]:
        service = result["service"]
        indices = [c["index"] for c in result.get("indices", [])]
        line = f"{service['verdict']} {service['fingerprint'].get('version') or ''}".strip()
        if indices:
            databases = {i.get("database") for i in indices} - {None}
            records = sum(i.get("docs") or 0 for i in indices)
            people = (result.get("people") or {}).get("value")
            line += (
                f", {len(databases) or '-'} db {len(indices)} containers {records:,} "
                f"records, {people if people is not None else '?'} people"
            )
            if any(i.get("compromised") for i in indices):
                line += ", ransom mark"
        found[int(service["endpoint"]["port"])] = line
    return {"seconds": seconds, "found": found}


def _nmap(nmap: str, ports: Sequence[int], scripts: Sequence[str]) -> tuple[float, dict[int, str]]:
    """nmap -sV with the scripts on 127.0.0.1's ports: seconds, and one line found per port."""
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "nmap.xml"
        argv = [nmap, "-Pn", "-n", "-sV", "-p", ",".join(map(str, ports)), "-oX", str(xml)]
        if scripts:
            argv += ["--script", ",".join(scripts)]
        seconds, _, _, _ = timed([*argv, "127.0.0.1"])
        root = ET.parse(xml).getroot()
    found: dict[int, str] = {}
    for port in root.iter("port"):
        service = port.find("service")
        name = "service not recognised"
        if service is not None:
            name = " ".join(
                filter(
                    None, (service.get("product") or service.get("name"), service.get("version"))
                )
            )
        said = []
        for script in port.iter("script"):
            text = " ".join((script.get("output") or "").split())
            said.append(f"{script.get('id')}: {text[:70] or '(nothing)'}")
        found[int(port.get("portid", 0))] = f"{name}; " + ("; ".join(said) or "no script output")
    return seconds, found


# -- (b) full read beside the dump tools ------------------------------------------------------


@dataclass
class Instance:
    """One of our own servers: its lab store, target, process, and what it holds."""

    kind: str
    store: Any
    target: Any
    pid: int
    started: int | None
    records: int  # documents of every container (keys for Redis, rows, documents)
    databases: tuple[str, ...]  # what a dump tool is given


DATABASES = {
    "postgresql": ("support",),
    "mysql": ("support", "hr", "PLEASE_READ_ME_XMG"),
}
_live: list[Instance] = []


@contextmanager
def instance(kind: str, folder: Path, size: int, dataset: Callable[[], Any]) -> Iterator[Instance]:
    """The kind's open server of our own in folder, holding size records (seeded once)."""
    from leakhound.lab.databases import expected_counts, serving

    with serving(kind, folder) as got:
        store, target, pid, started = got.store, got.target, got.pid, got.started
        marker = folder / kind / "seeded.json"
        counts = None
        try:
            known = json.loads(marker.read_text())
            if known["records"] == size and dict(store.count(target)) == known["counts"]:
                counts = known["counts"]
        except Exception:  # no marker, or the data is not what it says: seed again
            counts = None
        if counts is None:
            began = time.monotonic()
            shaped = store.shape(dataset())
            store.write(target, shaped)
            counts = expected_counts(shaped)
            del shaped
            marker.write_text(
                json.dumps(
                    {
                        "records": size,
                        "seed": SEED,
                        "counts": counts,
                        "seconds": round(time.monotonic() - began, 1),
                    }
                )
            )
            print(
                f"  seeded {kind} with {size:,} records in {time.monotonic() - began:.0f} s",
                file=sys.stderr,
            )
        each = Instance(
            kind, store, target, pid, started, sum(counts.values()), DATABASES.get(kind, ())
        )
        _live.append(each)
        try:
            yield each
        finally:
            _live[:] = [i for i in _live if i.pid != pid]


@metered
def leakhound_read(
    readers: int,
    inst: Instance,
    *,
    windows: bool = False,
    label: str = "",
    only: str | None = None,
    records: int | None = None,
) -> Run:
    """leakhound's full read with detection off, in a process of its own; with ``readers``,
    its partitions read by that many worker processes (as ``--workers N`` reads them).
    ``windows``: PostgreSQL's tables read in windows of blocks whatever the server's planner
    does with them (the reader before it asked); ``label``: said after the tool's name;
    ``only``: the containers matching this pattern alone, ``records`` of them. The reading
    process imports leakhound from $DB_SCAN_READ_SRC where set (another commit's ``src``: the
    read before a change, beside it)."""
    argv = [sys.executable, __file__, "--leakhound-read", inst.target.url]
    argv += ["--readers", str(readers), *(["--windows"] if windows else [])]
    argv += ["--only", only] if only else []
    src = os.environ.get("DB_SCAN_READ_SRC")
    env = {**os.environ, "PYTHONPATH": src} if src else None
    expected = inst.records if records is None else records
    with tempfile.TemporaryFile() as out:
        seconds, rss, code, err = timed(argv, stdout=out, env=env)
        out.seek(0)
        body = out.read().decode()
    if code != 0:
        return Run("leakhound", 0, seconds, rss, f"failed: {err.strip()[-200:]}")
    got = json.loads(body)
    note = "" if got["records"] == expected else f"read {got['records']:,} of {expected:,}"
    if got["errors"]:
        note += f" errors: {got['errors'][:2]}"
    # The child's own clock: from its first request to its last page, start-up left out.
    return Run(
        (
            f"leakhound (detection off, {readers} reading processes)"
            if readers
            else "leakhound (detection off)"
        )
        + label,
        got["records"],
        got["seconds"],
        rss,
        note + f" (process {seconds:.1f} s; its CPU from the first request on)",
        cpu=got["cpu"],
    )


async def _count_read(
    url: str, readers: int, windows: bool = False, only: str | None = None
) -> dict[str, Any]:
    """Every record of every non-system container of url, through the full scan's pipeline,
    counted and nothing else (the child process of leakhound_read): read by this process, or
    with ``readers``, by that many worker processes, each reading its own partitions.
    ``windows``: a PostgreSQL server's tables in windows of blocks, whatever its planner;
    ``only``: the containers whose names match this fnmatch pattern alone."""
    from leakhound.net import Scope, Transport
    from leakhound.probes.base import ReadPlan
    from leakhound.probes.registry import DEFAULT
    from leakhound.scanner.access import access
    from leakhound.scanner.full import (
        Executor,
        LocalExecutor,
        ReadContext,
        Sink,
        read_container,
    )
    from leakhound.scanner.options import FullOptions, ScanOptions
    from leakhound.scanner.pacing import Pacer
    from leakhound.scanner.partition import ProcessExecutor
    from leakhound.scanner.workers import Workers
    from leakhound.targets import parse_targets, targets

    class Counted(Sink):
        """A sink that counts the records of each page (len, in the workers)."""

        records = 0

        def work(self, container: Any) -> Callable[[Sequence[Any]], Any]:
            return len

        def page(
            self,
            container: Any,
            plan: ReadPlan,
            partition: int,
            result: Any,
            docs: int,
            position: Any,
        ) -> None:
            self.records += result

    began, cpu = time.perf_counter(), time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    (target,) = targets(parse_targets([url], DEFAULT.target_kinds()))
    options = ScanOptions(full=FullOptions(partitions=PARTITIONS, batch=BATCH), workers=readers)
    scope = Scope()
    scope.add(target.endpoint.host, target.endpoint.port)
    transport = Transport(options.limits, scope)
    # None: a thread, len() needs no process; else the scan's worker processes, each reading
    # its partitions' pages and counting them where they were read (as `scan` with --workers).
    workers = Workers(readers)
    executor: Executor = ProcessExecutor(options.limits) if readers else LocalExecutor()
    sink = Counted()
    errors = []
    try:
        acc = await access(DEFAULT, transport, None, target)
        inv = await acc.probe.inventory(acc.transport, acc.read_as, max_containers=1000)
        reader = acc.probe.reader(acc.transport, acc.read_as)
        if windows:
            from leakhound.probes.postgresql.read import PostgresqlReader, table_of

            assert isinstance(reader, PostgresqlReader)
            reader.ranging.update((table_of(c)[0], True) for c in inv.containers)
        assert options.full is not None
        ctx = ReadContext(
            acc.probe,
            acc.read_as,
            reader,
            sink,
            workers,
            Pacer(None),
            batch=BATCH,
            queue=options.full.queue,
        )
        for container in inv.containers:
            if options.full.selects(container) and (
                only is None or fnmatch.fnmatchcase(container.name, only)
            ):
                error = await read_container(ctx, container, executor, partitions=PARTITIONS)
                if error:
                    errors.append(f"{container.name}: {error}")
    finally:
        await transport.aclose()
        workers.close()
    seconds = time.perf_counter() - began
    waited = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, once they ended
    spent = waited.ru_utime + waited.ru_stime - children.ru_utime - children.ru_stime
    return {
        "records": sink.records,
        "seconds": seconds,
        "cpu": time.process_time() - cpu + spent,
        "errors": errors,
    }


@metered
def leakhound_full_scan(inst: Instance) -> Run:
    """`leakhound scan --depth full` as it is: detection on, two worker processes."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "scan.json"
        argv = [
            *leakhound_cli(),
            "scan",
            "--depth",
            "full",
            "--workers",
            "2",
            "--db",
            f"{tmp}/f.db",
            "--format",
            "json",
            "-o",
            str(out),
            "--no-progress",
            inst.target.url,
        ]
        seconds, rss, code, err = timed(argv)
        if code not in (0, 1):
            return Run("leakhound scan --depth full", 0, seconds, rss, f"failed: {err[-200:]}")
        (result,) = json.loads(out.read_text())["results"]
    docs = int((result.get("full") or {}).get("docs") or 0)
    return Run(
        "leakhound scan --depth full",
        docs,
        seconds,
        rss,
        "detection on, --workers 2; RSS of the scan process (workers not counted)",
    )


def dump_tools(inst: Instance) -> list[Run]:
    """The store's own dump tool(s) writing everything to /dev/null."""
    port = str(inst.target.port)
    if inst.kind == "postgresql":
        argv = [
            "pg_dump",
            "-h",
            "127.0.0.1",
            "-p",
            port,
            "-U",
            "postgres",
            "-d",
            "support",
            "-f",
            "/dev/null",
        ]
        return [_dump("pg_dump (plain, to /dev/null)", argv, inst)]
    if inst.kind == "mysql":
        argv = [
            shutil.which("mysqldump") or "mysqldump",
            "--no-defaults",
            "-h",
            "127.0.0.1",
            "-P",
            port,
            "-u",
            "root",
            "--single-transaction",
            "--quick",
            "--databases",
            *inst.databases,
        ]
        return [_dump("mysqldump --single-transaction --quick", argv, inst)]
    if inst.kind == "redis":
        return [
            _redis_scan_read(inst),
            _dump(
                "redis-cli --rdb - > /dev/null (snapshot)",
                ["redis-cli", "-p", port, "--rdb", "-"],
                inst,
            ),
        ]
    return [_pymongo_find(inst)]


@metered
def _dump(tool: str, argv: Sequence[str], inst: Instance) -> Run:
    env = {**os.environ, "PGPASSWORD": "", "PGSSLMODE": "disable"}
    seconds, rss, code, err = timed(argv, env=env)
    note = "" if code == 0 else f"exit {code}: {' '.join(err.split())[-200:]}"
    return Run(tool, inst.records, seconds, rss, note)


# The reader redis-cli --scan feeds: keys from stdin, per 1,000 a pipeline of TYPE, then one of
# the read that type asks for, replies parsed and dropped; the records it read, on stdout.
_REDIS_READER = """
import sys, redis
r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]))
READ = {b"string": lambda p, k: p.get(k), b"hash": lambda p, k: p.hgetall(k),
        b"set": lambda p, k: p.smembers(k), b"list": lambda p, k: p.lrange(k, 0, -1),
        b"zset": lambda p, k: p.zrange(k, 0, -1, withscores=True),
        b"stream": lambda p, k: p.xrange(k)}
n = 0
def flush(keys):
    global n
    p = r.pipeline(transaction=False)
    for k in keys: p.type(k)
    types = p.execute()
    p = r.pipeline(transaction=False)
    for k, t in zip(keys, types):
        if t in READ: READ[t](p, k)
    n += len(p.execute())
keys = []
for line in sys.stdin.buffer:
    keys.append(line.rstrip(b"\\n"))
    if len(keys) == 1000:
        flush(keys); keys = []
if keys: flush(keys)
print(n)
"""


@metered
def _redis_scan_read(inst: Instance) -> Run:
    """redis-cli --scan | the redis-py reader above, one pipeline of two processes."""
    port = str(inst.target.port)
    began = time.perf_counter()
    scan = subprocess.Popen(["redis-cli", "-p", port, "--scan"], stdout=subprocess.PIPE)
    try:
        with tempfile.TemporaryFile() as out:
            _, rss, code, err = timed(
                [sys.executable, "-c", _REDIS_READER, port], stdin=scan.stdout, stdout=out
            )
            out.seek(0)
            read = int(out.read() or 0)
    finally:
        assert scan.stdout is not None
        scan.stdout.close()
        scan.wait()
    seconds = time.perf_counter() - began
    note = "" if read == inst.records else f"read {read:,} of {inst.records:,}"
    if code:
        note += f" exit {code}: {err[-200:]}"
    return Run(
        "redis-cli --scan | redis-py TYPE + GET/HGETALL/SMEMBERS/ZRANGE/LRANGE",
        read,
        seconds,
        rss,
        note,
    )


_MONGO_READER = """
import sys
from pymongo import MongoClient
c = MongoClient("127.0.0.1", int(sys.argv[1]), directConnection=True)
n = 0
for db in c.list_database_names():
    if db in ("admin", "local", "config"):
        continue
    for name in c[db].list_collection_names():
        for doc in c[db][name].find(batch_size=1000):
            n += 1
print(n)
"""


@metered
def _pymongo_find(inst: Instance) -> Run:
    """A bare pymongo find() of every collection: mongodump's read, without its BSON file."""
    with tempfile.TemporaryFile() as out:
        seconds, rss, code, err = timed(
            [sys.executable, "-c", _MONGO_READER, str(inst.target.port)], stdout=out
        )
        out.seek(0)
        read = int(out.read() or 0)
    note = "" if read == inst.records else f"read {read:,} of {inst.records:,}"
    if code:
        note += f" exit {code}: {err[-200:]}"
    return Run(
        "pymongo find() of every collection (mongodump: not available)", read, seconds, rss, note
    )


@contextmanager
def _tid_scans_off(inst: Instance) -> Iterator[None]:
    """The benchmark's PostgreSQL server planning a range of ctids as PostgreSQL 13 and
    older do (a sequential scan of the whole table, filtered): TID scans off for the
    database of the cases, for the sessions that start meanwhile."""
    import psycopg

    from leakhound.lab import postgresql as pg_lab

    def alter(sql: str) -> None:
        with psycopg.connect(
            host="127.0.0.1",
            port=inst.target.port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(sql)

    alter(f"ALTER DATABASE {pg_lab.DATABASE} SET enable_tidscan = off")
    try:
        yield
    finally:
        alter(f"ALTER DATABASE {pg_lab.DATABASE} RESET enable_tidscan")


_KEYLESS = "cases_nokey"  # the cases copied into a table without a key (--keyless)


def _keyless(inst: Instance) -> tuple[Run, Run]:
    """MySQL's cases copied into a table without a key (CREATE TABLE … AS SELECT keeps no
    key), read by leakhound and by mysqldump, then dropped."""
    from leakhound.lab.mariadb import CASES

    database = CASES.split(".")[0]

    def sql(statement: str) -> str:
        argv = ["mariadb", "--no-defaults", "-h127.0.0.1", f"-P{inst.target.port}", "-uroot"]
        argv += ["--batch", "--skip-column-names", "-e", statement]
        return subprocess.run(argv, capture_output=True, text=True, check=True).stdout

    table = f"{database}.{_KEYLESS}"
    sql(f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} AS SELECT * FROM {CASES}")
    try:
        rows = int(sql(f"SELECT COUNT(*) FROM {table}"))
        ours = leakhound_read(0, inst, label=f", {_KEYLESS}: no key", only=table, records=rows)
        argv = [shutil.which("mysqldump") or "mysqldump", "--no-defaults", "-h", "127.0.0.1"]
        argv += ["-P", str(inst.target.port), "-u", "root", "--single-transaction", "--quick"]
        argv += [database, _KEYLESS]
        dump = _dump(f"mysqldump --single-transaction --quick, {_KEYLESS}", argv, inst)
        dump.records = rows
        return ours, dump
    finally:
        sql(f"DROP TABLE IF EXISTS {table}")


def full_part(
    folder: Path,
    kinds: Sequence[str],
    sizes: Sequence[int],
    detect: bool,
    readers: Sequence[int] = (),
    old_planner: int = 0,
    keyless: int = 0,
) -> None:
    from leakhound.lab.seeder import generate

    rss: dict[str, dict[int, int]] = {k: {} for k in kinds}
    print(
        "\n(b) full read of our own servers, records/s (the dump tool's records: what the "
        "store holds)"
    )
    print(
        "(CPU µs/rec: the tool's processes, and the server's meanwhile; the machine's cores "
        "are shared by both, so records/s is bounded by their sum over the cores)"
    )
    print(
        f"{'kind':<10} {'records':>9} {'tool':<56} {'records/s':>10} {'s':>7} "
        f"{'RSS MiB':>8} {'ratio':>6} {'CPU µs/rec':>10} {'server':>7}  note"
    )
    for size in sizes:
        cache: list[Any] = []

        def dataset(size: int = size, cache: list[Any] = cache) -> Any:
            if not cache:
                began = time.monotonic()
                cache.append(generate(size, SEED))
                print(
                    f"  generated {size:,} records in {time.monotonic() - began:.0f} s",
                    file=sys.stderr,
                )
            return cache[0]

        for kind in kinds:
            with instance(kind, folder / str(size), size, dataset) as inst:
                ours = leakhound_read(0, inst)
                parallel = [leakhound_read(n, inst) for n in readers]
                peers = dump_tools(inst)
                runs = [ours, *parallel, *peers]
                # Each run's ratio is to the dump tool's read of the same records.
                peer_of = {id(run): peers[0] for run in runs if run is not peers[0]}
                if kind == "mysql" and size <= keyless:
                    table, table_dump = _keyless(inst)
                    runs += [table, table_dump]
                    peer_of[id(table)] = table_dump
                if kind == "postgresql" and old_planner:
                    with _tid_scans_off(inst):
                        more = [leakhound_read(0, inst, label=", TID scans off")]
                        if size <= old_planner:
                            label = ", TID scans off, windows"
                            more.append(leakhound_read(0, inst, windows=True, label=label))
                    runs += more
                    peer_of.update((id(run), peers[0]) for run in more)
                if detect:
                    runs.append(leakhound_full_scan(inst))
                    peer_of[id(runs[-1])] = peers[0]
            rss[kind][size] = ours.rss_kib
            for run in runs:
                peer = peer_of.get(id(run))
                ratio = f"{run.rate / peer.rate:.2f}x" if peer is not None and peer.rate else ""
                per = 1e6 / run.records if run.records else 0.0
                records = (peer or run).records  # what the store holds of what was read
                print(
                    f"{kind:<10} {records:>9,} {run.tool[:56]:<56} {run.rate:>10,.0f} "
                    f"{run.seconds:>7.1f} {run.rss_kib / 1024:>8.0f} {ratio:>6} "
                    f"{run.cpu * per:>10.1f} {run.server_cpu * per:>7.1f}  {run.note}"
                )
            sys.stdout.flush()
        cache.clear()
    if len(sizes) > 1:
        print("\nleakhound's peak RSS (detection off), smallest to largest size:")
        for kind in kinds:
            got = rss[kind]
            low, high = got[min(got)], got[max(got)]
            growth = (high - low) / low if low else 0.0
            verdict = "flat" if abs(growth) <= 0.10 else "NOT flat"
            print(
                f"  {kind:<10} "
                + ", ".join(f"{s:,}: {v / 1024:.0f} MiB" for s, v in sorted(got.items()))
                + f"  ({growth:+.1%}, {verdict} within 10%)"
            )


def _stop_live() -> None:
    for inst in list(_live):
        inst.store.stop(inst.pid, inst.started)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", default="sample,full", help="sample, full, or both")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument(
        "--dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "leakhound-db-scan",
        help="our own servers' data, kept for the next run",
    )
    ap.add_argument(
        "--lab",
        type=Path,
        default=Path(
            os.environ.get("LEAKHOUND_LAB_DIR", Path(tempfile.gettempdir()) / "leakhound-lab")
        ),
    )
    ap.add_argument(
        "--detect", action="store_true", help="also `scan --depth full` as it is, detection on"
    )
    ap.add_argument(
        "--readers",
        default="2",
        help="also leakhound's read (detection off) by N worker processes, as `scan --workers "
        "N` reads; comma-separated, 0 or empty: none",
    )
    ap.add_argument(
        "--old-planner",
        type=int,
        default=0,
        metavar="N",
        help="also PostgreSQL's read with TID scans off (a server of 13 or older plans a "
        "range of ctids so): by leakhound as it is, and up to N records by windows of blocks "
        "as before it asked the planner (each window a scan of the whole table)",
    )
    ap.add_argument(
        "--keyless",
        type=int,
        default=0,
        metavar="N",
        help="also MySQL's cases copied into a table without a key, up to N records: read by "
        "leakhound (one statement of every row) and by mysqldump",
    )
    ap.add_argument("--leakhound-read", metavar="URL", help=argparse.SUPPRESS)
    ap.add_argument("--windows", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--only", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.leakhound_read:
        import leakhound.scanner  # noqa: F401  (imported before the freeze, as by `scan`)
        from leakhound.startup import started

        started()  # as the command line does before a scan
        readers = int(args.readers or 0)
        got = _count_read(args.leakhound_read, readers, args.windows, args.only)
        print(json.dumps(asyncio.run(got)))
        return 0
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        ap.error(f"unknown kinds {unknown}: {', '.join(KINDS)}")
    parts = {p for p in args.part.split(",") if p}
    # A SIGTERM (timeout, kill) unwinds through the finally blocks: our servers are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load = os.getloadavg()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} cores"
    )
    try:
        if "sample" in parts:
            sample_part(args.lab, kinds)
        if "full" in parts:
            args.dir.mkdir(parents=True, exist_ok=True)
            sizes = sorted(int(s) for s in args.sizes.split(",") if s)
            each = [int(n) for n in args.readers.split(",") if n and int(n)]
            full_part(args.dir, kinds, sizes, args.detect, each, args.old_planner, args.keyless)
    finally:
        _stop_live()
    return 0


if __name__ == "__main__":
    sys.exit(main())
