"""The lab's database servers together: Redis, PostgreSQL, MariaDB and FerretDB, open and
secured each, started, stopped, described and seeded at once (control.py calls these)."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from . import mariadb, mongodb, postgresql, process, redis
from .errors import LabError
from .seeder import Dataset, SeedTruth, tally, write_truth
from .servers import ROLES, LabStore, LabTarget, Server
from .state import LabPaths

STORES: tuple[LabStore, ...] = (redis.STORE, postgresql.STORE, mariadb.STORE, mongodb.STORE)
KINDS = tuple(store.kind for store in STORES)  # redis, postgresql, mysql, mongodb

# Edits the shared lab.json record under the caller's lock and writes it (control.py's).
Edit = Callable[[Callable[[dict[str, Any]], None]], None]


def by_kind(kind: str) -> LabStore:
    """The LabStore of a kind id; a LabError naming the known ones otherwise."""
    for store in STORES:
        if store.kind == kind:
            return store
    raise LabError(f"no lab store kind {kind!r}: one of {', '.join(KINDS)}")


def instances() -> Iterator[tuple[LabStore, str]]:
    """Every (store, role) the lab runs, in the order targets are listed."""
    for store in STORES:
        for role in ROLES:
            yield store, role


def key(kind: str, role: str) -> str:
    """The instance's name in lab.json: "redis/open"."""
    return f"{kind}/{role}"


def section(record: Mapping[str, Any]) -> dict[str, Any]:
    """record["stores"] (empty when absent or hand-edited into something else)."""
    stores = record.get("stores")
    return stores if isinstance(stores, dict) else {}


def entry(record: Mapping[str, Any], kind: str, role: str) -> dict[str, Any]:
    """One instance's lab.json entry (port, pid, start_time, version, log), or {}."""
    found = section(record).get(key(kind, role))
    return found if isinstance(found, dict) else {}


def alive(record: Mapping[str, Any], kind: str, role: str) -> bool:
    """Whether the instance's recorded process still runs (and is the one we started)."""
    found = entry(record, kind, role)
    return process.alive(found.get("pid"), found.get("start_time"))


def server(paths: LabPaths, kind: str, role: str, port: int) -> Server:
    """The Server of one instance in a state directory."""
    return Server(kind, role, paths.server_home(kind, role), paths.server_log(kind, role), port)


def start(
    paths: LabPaths, cache: Path, todo: Mapping[tuple[str, str], int], edit: Edit
) -> Iterator[Callable[[], None]]:
    """Start the instances in todo ((kind, role) -> port): one call to make per kind, to run in
    threads (build or initdb, start both roles, wait for both); each pid is recorded at once."""
    for store in STORES:
        roles = [(role, port) for (kind, role), port in todo.items() if kind == store.kind]
        if roles:
            yield _starter(store, roles, paths, cache, edit)


def _starter(
    store: LabStore, roles: list[tuple[str, int]], paths: LabPaths, cache: Path, edit: Edit
) -> Callable[[], None]:
    """The call that prepares, starts and waits for one kind's instances."""

    def run() -> None:
        servers = [server(paths, store.kind, role, port) for role, port in roles]
        for each in servers:
            store.prepare(each, cache)
        started: list[tuple[Server, int, int | None]] = []
        for each in servers:
            pid = store.start(each)
            began = process.start_time(pid)
            started.append((each, pid, began))
            edit(functools.partial(_set, each=each, pid=pid, start_time=began))
        for each, pid, began in started:
            version = store.wait(each, pid, began)
            edit(functools.partial(_set, each=each, version=version))

    return run


def _set(record: dict[str, Any], each: Server, **values: Any) -> None:
    """Update one instance's entry in record."""
    stores = record.setdefault("stores", {})
    stores.setdefault(key(each.kind, each.role), {}).update(values)


def stop(record: Mapping[str, Any], keys: Iterable[str] | None = None) -> None:
    """Stop the recorded instances (all, or those named), in parallel."""
    wanted = set(keys) if keys is not None else None
    jobs = []
    for store, role in instances():
        if wanted is not None and key(store.kind, role) not in wanted:
            continue
        found = entry(record, store.kind, role)
        if found.get("pid"):
            jobs.append((store, found.get("pid"), found.get("start_time")))
    if not jobs:
        return
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        for _ in pool.map(lambda job: job[0].stop(job[1], job[2]), jobs):
            pass


def targets(record: Mapping[str, Any]) -> list[LabTarget]:
    """The LabTargets of every instance, open then secured per kind."""
    found = []
    for store, role in instances():
        each = entry(record, store.kind, role)
        found.append(store.target(role, int(each.get("port", 0)), each.get("version")))
    return found


def seed_all(
    targets_: Mapping[tuple[str, str], LabTarget],
    paths: LabPaths,
    dataset: Dataset,
    records: int,
    seed: int,
) -> dict[str, SeedTruth]:
    """Write dataset to every instance at once, check the counts, save each kind's truth.

    One thread a kind shapes the data and then writes both instances in two more: a kind's
    writes start as soon as its own shape is ready (FerretDB, the slowest to ingest, first).
    """

    def one_kind(store: LabStore) -> SeedTruth:
        shaped = store.shape(dataset)
        with ThreadPoolExecutor(max_workers=len(ROLES)) as writers:
            jobs = [writers.submit(_seed_one, store, targets_[(store.kind, role)], role, shaped)
                    for role in ROLES]  # fmt: skip
            truth = tally(shaped, records, seed, store_kind=store.kind)
            seconds = max(job.result() for job in jobs)
        return dataclasses.replace(truth, seconds=round(seconds, 3))

    slowest_first = sorted(STORES, key=lambda s: s.kind != "mongodb")
    with ThreadPoolExecutor(max_workers=len(STORES)) as pool:
        done = dict(zip(slowest_first, pool.map(one_kind, slowest_first), strict=True))
    truths = {}
    for store in STORES:
        write_truth(paths, done[store])
        truths[store.kind] = done[store]
    return truths


@dataclasses.dataclass(frozen=True, slots=True)
class Serving:
    """One open server of a kind started apart from the lab (a benchmark's own)."""

    store: LabStore
    target: LabTarget
    version: str
    pid: int
    started: Any  # process.start_time of pid: who to stop, even if the pid is reused


@contextlib.contextmanager
def serving(kind: str, folder: Path, options: Sequence[str] = ()) -> Iterator[Serving]:
    """The kind's open server in folder/kind on a free loopback port, stopped on leaving
    (its data kept in the folder for the next run); ``options``: the server's command-line
    options after the lab's own."""
    from .state import cache_dir, free_ports

    store = by_kind(kind)
    home = folder / kind
    home.mkdir(parents=True, exist_ok=True)
    (port,) = free_ports(1)
    server = Server(kind, "open", home, home / "server.log", port, tuple(options))
    store.prepare(server, cache_dir())
    pid = store.start(server)
    started = process.start_time(pid)
    try:
        version = store.wait(server, pid, started)
        yield Serving(store, store.target("open", port, version), version, pid, started)
    finally:
        store.stop(pid, started)


def expected_counts(shaped: Dataset) -> dict[str, int]:
    """Records per container of a shaped data set (0 for an empty container)."""
    counts = dict.fromkeys(shaped.indices, 0)
    counts.update(Counter(doc.index for doc in shaped.docs))
    return counts


def _seed_one(store: LabStore, target: LabTarget, role: str, shaped: Dataset) -> float:
    """Write one instance and count back what it holds; return the seconds it took."""
    began = time.monotonic()
    try:
        store.write(target, shaped)
        got = dict(store.count(target))
    except LabError:
        raise
    except Exception as exc:  # a client library's error: one line, the instance named
        message = " ".join(str(exc).split())[:300]
        raise LabError(
            f"seeding {store.name} ({role}) at {target.url} failed: {type(exc).__name__}: {message}"
        ) from exc
    want = expected_counts(shaped)
    if got != want:
        wrong = sorted(n for n in set(got) | set(want) if got.get(n) != want.get(n))
        raise LabError(
            f"{store.name} ({role}) holds {[(n, got.get(n)) for n in wrong[:3]]} after seeding, "
            f"expected {[(n, want.get(n)) for n in wrong[:3]]}"
        )
    return time.monotonic() - began


def still_seeded(targets_: Mapping[tuple[str, str], LabTarget], truths: Mapping[str, Any]) -> bool:
    """True when every instance holds exactly the records its kind's truth counts."""
    for store, role in instances():
        truth = truths.get(store.kind)
        if truth is None:
            return False
        try:
            got = dict(store.count(targets_[(store.kind, role)]))
        except Exception:  # anything unexpected: seed again
            return False
        if got != {name: t.documents for name, t in truth.indices.items()}:
            return False
    return True
