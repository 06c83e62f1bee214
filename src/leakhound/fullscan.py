"""``scan --depth full``: read every document of the selected indices, count what they carry.

The engine's full-depth half (``engine.py`` schedules samples; this schedules full reads). Per
endpoint: fingerprint and inventory as a sample scan does, then for each selected index one
point in time (or sliced scrolls), several slices read in parallel. Each slice is a bounded
pipeline: a reader task fills an ``asyncio.Queue(maxsize=…)`` with pages, a counter takes them
in order, counts each page in a worker process (``tally.count_batch``) and checkpoints the
count with the slice's new position in one transaction, so a scan killed at any moment resumes
(``--resume``) without counting a document twice or losing one. Every context opened is
released at the end, on error and on interruption (Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import asyncio
import fnmatch
import multiprocessing
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from .engine import ScanOptions, access, enforce_scope, record_result
from .errors import NetError, UsageError
from .models import (
    Endpoint,
    FullRead,
    FullTotals,
    Index,
    IndexResult,
    Service,
    TargetResult,
    Verdict,
    YearCount,
)
from .net import Credentials, Http, Limits, Scope
from .probes.elasticsearch_read import (
    SCROLL,
    ContextGone,
    ReadPlan,
    SliceReader,
    next_page,
    open_plan,
    read_method,
    release_all,
    reopen,
)
from .probes.registry import PROBES
from .store.sqlite import SqliteStore
from .tally import Tally, count_batch, merged
from .targets import DEFAULT_MAX_HOSTS, endpoints, parse_targets


@dataclass(frozen=True, slots=True)
class FullOptions:
    """What ``--depth full`` reads and how fast."""

    indices: tuple[str, ...] = ()  # fnmatch patterns on index names; empty: all non-system
    slices: int = 2  # slices read in parallel per index (rounded up to a multiple of shards)
    docs_rate: float | None = None  # documents per second over the whole scan; None: no cap
    batch: int = 1000  # documents per page, per detection task and per checkpoint
    keep_alive: str = "5m"  # of each point in time / scroll context between pages
    queue: int = 2  # pages waiting per slice (back-pressure)
    dask: str | None = None  # tcp://scheduler:8786: slices run as Dask tasks

    def to_json(self) -> dict[str, Any]:
        """What the scan's stored options keep, for --resume."""
        return {"depth": "full", "indices": list(self.indices), "slices": self.slices,
                "docs_rate": self.docs_rate, "batch": self.batch,
                "keep_alive": self.keep_alive, "dask": self.dask}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FullOptions:
        """The options a scan was started with."""
        return cls(indices=tuple(data.get("indices") or ()), slices=int(data["slices"]),
                   docs_rate=data.get("docs_rate"), batch=int(data["batch"]),
                   keep_alive=str(data.get("keep_alive") or "5m"), dask=data.get("dask"))


DocsCallback = Callable[[str, int, int | None], None]  # (endpoint/index, documents, expected)


class _Pacer:
    """A token bucket over documents for the whole scan (``--docs-rate``)."""

    def __init__(self, rate: float | None) -> None:
        self._rate = rate
        self._next = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self, docs: int) -> None:
        if not self._rate:
            return
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + docs / self._rate
        if start > now:
            await asyncio.sleep(start - now)


def _ignore_sigint() -> None:
    # Ctrl-C goes to the whole process group: the scan (parent) decides, workers carry on.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _Counting:
    """Counts batches off the event loop: worker processes, or a thread when workers=0."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._pool: Executor | None = None

    async def count(self, docs: Sequence[Any], field_types: dict[str, str],
                    date_field: str | None, min_score: float, key: bytes) -> bytes:
        call = partial(count_batch, list(docs), field_types, date_field, min_score, key)
        if self._workers <= 0:
            return await asyncio.to_thread(call)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self._workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_ignore_sigint)
        return await asyncio.get_running_loop().run_in_executor(self._pool, call)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass
class _Run:
    """What every task of one full scan shares."""

    scan_id: str
    store: SqliteStore
    http: Http
    options: ScanOptions
    full: FullOptions
    counting: _Counting
    pacer: _Pacer
    on_docs: DocsCallback | None = None
    key: bytes = b""
    read: dict[str, int] = field(default_factory=dict)
    authed: Http | None = None  # --auth: reads a secured/partial store the owner opens to us


@dataclass(frozen=True, slots=True)
class _Failed:
    exc: BaseException


def selected(index: Index, patterns: Sequence[str], include_system: bool = False) -> bool:
    """Whether a full scan reads this index: non-system by default, else by the patterns."""
    if patterns:
        return any(fnmatch.fnmatchcase(index.name, p) for p in patterns)
    return include_system or not index.system


async def _run_slice(run: _Run, endpoint: str, index: Index, reader: SliceReader,
                     slice_id: int, tally: Tally) -> None:
    """Read one slice to its end through a bounded queue, checkpointing every page counted."""
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=max(1, run.full.queue))
    field_types = {f.path: f.type for f in index.fields}
    name = f"{endpoint}/{index.name}"

    async def produce() -> None:
        try:
            while True:
                page = await next_page(reader)
                if page is not None:  # paid after the fact: the rate counts documents received
                    await run.pacer.take(len(page.docs))
                await queue.put(page)
                if page is None:
                    return
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the consumer, which raises it
            await queue.put(_Failed(exc))

    producer = asyncio.create_task(produce())
    stored = folded = 0  # bytes of batch rows since the last fold; bytes that fold wrote
    try:
        while True:
            page = await queue.get()
            if page is None:
                break
            if isinstance(page, _Failed):
                raise page.exc
            blob = await run.counting.count(page.docs, field_types, index.date_field,
                                            run.options.min_score, run.key)
            tally.merge_bytes(blob)
            run.store.checkpoint(run.scan_id, endpoint, index.name, slice_id, tally=blob,
                                 docs=len(page.docs), position=page.position,
                                 context=page.context)
            stored += len(blob)
            if stored > max(FOLD_BYTES, folded):
                # The slice's tally is exactly what its rows hold: write it instead, each
                # digest once. Waiting for as many new bytes as the last fold wrote keeps
                # the rewriting to at most twice the batches' own bytes.
                folded = run.store.fold_slice(run.scan_id, endpoint, index.name, slice_id,
                                              tally.to_parts())
                stored = 0
            run.read[name] = run.read.get(name, 0) + len(page.docs)
            if run.on_docs:
                run.on_docs(name, run.read[name], index.docs)
        # Done: its rows become its tally, each digest once, in pieces of bounded size (a
        # finished slice's rows stay until the scan ends: a scan of many indices would
        # otherwise keep every batch of each).
        if stored:
            run.store.fold_slice(run.scan_id, endpoint, index.name, slice_id,
                                 tally.to_parts())
        run.store.checkpoint(run.scan_id, endpoint, index.name, slice_id,
                             tally=_empty_tally(run.key), docs=0, position=None, context=None,
                             done=True)
    finally:
        producer.cancel()
        with suppress(asyncio.CancelledError, Exception):
            await producer
        await reader.close()


# Batch rows a slice accumulates before they are folded into its tally (see _run_slice):
# a batch of 1,000 support cases writes ~0.1-0.5 MB, mostly digests of people met before.
FOLD_BYTES = 32 << 20


def _empty_tally(key: bytes) -> bytes:
    empty = Tally(key)
    try:
        return empty.to_bytes()
    finally:
        empty.close()


def _full_read(plan: ReadPlan, tally: Tally, error: str | None) -> FullRead:
    return FullRead(
        method="scroll" if plan.method == SCROLL else "pit",
        slices=plan.slices,
        docs=tally.docs,
        pii=tally.pii(),
        people=tally.people(),
        years=tuple(YearCount(y, n) for y, n in tally.year_counts()),
        pii_fields=tally.pii_fields(),
        complete=error is None,
        error=error,
    )


async def _read_index(run: _Run, service: Service, index: Index,
                      method: str) -> tuple[FullRead, Tally]:
    """Every document of one index, resumed from its checkpoints when it has some."""
    endpoint, base = service.endpoint.netloc, service.url
    rows = run.store.slices(run.scan_id, endpoint, index.name)
    fresh = not rows
    if fresh:
        try:
            plan = await open_plan(run.http, base, index.name, method, run.full.slices,
                                   run.full.keep_alive)
        except NetError as exc:
            plan = ReadPlan(method, index.name, 0, 0)
            return _full_read(plan, Tally(run.key), f"cannot read: {exc}"[:300]), Tally(run.key)
        run.store.start_slices(run.scan_id, endpoint, index.name, plan.method, plan.slices,
                               plan.context)
        rows = run.store.slices(run.scan_id, endpoint, index.name)
    else:
        plan = ReadPlan(rows[0]["method"], index.name, rows[0]["slices"], 0,
                        rows[0]["context"])
    name = f"{endpoint}/{index.name}"
    contexts: set[str] = {plan.context} if plan.context else set()
    error: str | None = None
    try:
        for attempt in range(2):
            tallies = {r["slice"]: merged(run.key, run.store.slice_tallies(
                run.scan_id, endpoint, index.name, r["slice"])) for r in rows}
            run.read[name] = sum(t.docs for t in tallies.values())
            todo = [r for r in rows if not r["done"]]
            if not fresh and plan.method == SCROLL and todo:
                # A scroll cannot be re-entered at a checkpoint: its slices start over.
                which = [r["slice"] for r in todo]
                run.store.start_slices(run.scan_id, endpoint, index.name, plan.method,
                                       plan.slices, None, which)
                for n in which:
                    tallies[n].close()
                    tallies[n] = Tally(run.key)
                todo = [{**r, "position": None, "context": None} for r in todo]
                run.read[name] = sum(t.docs for t in tallies.values())
            readers = [SliceReader(run.http, base, plan, r["slice"], size=run.full.batch,
                                   keep_alive=run.full.keep_alive, position=r["position"],
                                   context=r["context"] if plan.method != SCROLL else None)
                       for r in todo]
            results = await asyncio.gather(
                *(_run_slice(run, endpoint, index, rd, rd_slice, tallies[rd_slice])
                  for rd, rd_slice in zip(readers, (r["slice"] for r in todo), strict=True)),
                return_exceptions=True)
            contexts |= {rd.context for rd in readers if rd.context and plan.method != SCROLL}
            for res in results:
                if isinstance(res, BaseException) and not isinstance(res, Exception):
                    raise res  # cancellation, KeyboardInterrupt
            gone = [r for r in results if isinstance(r, ContextGone)]
            failed = [r for r in results if isinstance(r, Exception) and not isinstance(
                r, ContextGone)]
            if gone and not failed and attempt == 0 and plan.method != SCROLL:
                # The point in time expired: unfinished slices start over on a new one.
                plan = await reopen(run.http, base, plan, run.full.keep_alive)
                contexts.add(plan.context or "")
                which = [r["slice"] for r in run.store.slices(
                    run.scan_id, endpoint, index.name) if not r["done"]]
                run.store.start_slices(run.scan_id, endpoint, index.name, plan.method,
                                       plan.slices, plan.context, which)
                rows = run.store.slices(run.scan_id, endpoint, index.name)
                fresh = True
                for t in tallies.values():
                    t.close()
                continue
            if failed or gone:
                first = (failed or gone)[0]
                error = f"read stopped: {type(first).__name__}: {first}"[:300]
            break
        total = Tally(run.key)
        for t in tallies.values():
            total.merge(t)
            t.close()
        if error is None and len(tallies) > 1:
            # Read to its end: until the scan finishes its rows only serve a resume, which
            # needs the index's tally, not each slice's.
            run.store.fold_index(run.scan_id, endpoint, index.name, total.to_parts())
        return _full_read(plan, total, error), total
    finally:
        await release_all(run.http, base, plan, contexts)


async def _scan_endpoint(run: _Run, ep: Endpoint) -> TargetResult:
    probe = PROBES[0]
    try:
        service, read_as, reader = await access(probe, run.http, run.authed, ep)
        authenticated = reader is not run.http
        run = replace(run, http=reader)
    except Exception as exc:  # a bug must cost one target, not the scan
        return TargetResult(Service(ep, ep.url(), probe.kind, Verdict.ERROR,
                                    f"internal error: {type(exc).__name__}: {exc}"[:300]))
    if read_as.verdict not in (Verdict.OPEN, Verdict.PARTIAL):
        return TargetResult(service)
    inv = await probe.inventory(run.http, read_as, max_indices=run.options.max_indices)
    method = read_method(read_as.fingerprint)
    total = Tally(run.key)
    results: list[IndexResult] = []
    try:
        for index in inv.indices:
            if not selected(index, run.full.indices, run.options.include_system):
                results.append(IndexResult(index))
                continue
            if run.full.dask:
                from .fullscan_dask import read_index_dask

                full, tally = await read_index_dask(run, read_as, index, method)
            else:
                full, tally = await _read_index(run, read_as, index, method)
            total.merge(tally)
            tally.close()
            results.append(IndexResult(index, None, full))
        totals = FullTotals(total.docs, total.pii(), total.people())
    finally:
        total.close()
    return TargetResult(service, tuple(results), inv.error, inv.truncated, full=totals,
                        authenticated=authenticated)


async def scan_endpoints_full(eps: Sequence[Endpoint], run: _Run,
                              on_result: Callable[[TargetResult], None]) -> None:
    """Read every endpoint in turn (slices give the parallelism); record each result."""
    for ep in eps:
        on_result(await _scan_endpoint(run, ep))


def run_full_scan(specs: Sequence[str], options: ScanOptions, full: FullOptions,
                  store: SqliteStore, *, max_hosts: int = DEFAULT_MAX_HOSTS, yes: bool = False,
                  resume: str | None = None, auth: Credentials | None = None,
                  scope_file: str | None = None,
                  on_start: Callable[[str, int], None] | None = None,
                  on_docs: DocsCallback | None = None) -> str:
    """Scan targets at full depth (or resume scan ``resume``); return the scan id.

    Ctrl-C or SIGTERM: the contexts are released, the scan is marked interrupted (its
    checkpoints stay, for --resume) and KeyboardInterrupt is raised.
    """
    probe = PROBES[0]
    if full.dask and auth:
        raise UsageError("--dask does not take --auth: the credentials would travel to the "
                         "cluster's workers")
    stored: dict[str, Any] | None = None
    if resume:
        scan_id = store.resolve(resume)
        specs, stored = store.reopen_scan(scan_id)
        if stored.get("depth") != "full":
            raise UsageError(f"scan {scan_id} is not a full-depth scan: nothing to resume")
        full = FullOptions.from_json(stored)
        options = replace(options, sample=0, max_indices=int(stored.get("max_indices", 1000)),
                          limits=Limits(**stored["limits"]) if "limits" in stored
                          else options.limits)
        skip = store.recorded_endpoints(scan_id)
    else:
        skip = set()
    parsed = parse_targets(list(specs), probe.default_ports, max_hosts=max_hosts, yes=yes)
    eps = endpoints(parsed)
    scope = enforce_scope(eps, scope_file, stored)
    eps = [ep for ep in eps if ep.netloc not in skip]
    if not resume:
        lim = options.limits
        opts = {"sample": 0, "max_indices": options.max_indices, "workers": options.workers,
                "concurrency": lim.concurrency, "rate": lim.rate,
                "connect_timeout": lim.connect_timeout, "read_timeout": lim.read_timeout,
                "total_timeout": lim.total_timeout,
                "limits": {"connect_timeout": lim.connect_timeout,
                           "read_timeout": lim.read_timeout,
                           "total_timeout": lim.total_timeout, "max_body": lim.max_body,
                           "concurrency": lim.concurrency, "rate": lim.rate},
                **full.to_json(), **({"scope": scope} if scope else {})}
        scan_id = store.begin_scan(list(specs), opts)
    if on_start:
        on_start(scan_id, len(eps))
    status = "failed"
    try:
        asyncio.run(_main(scan_id, eps, options, full, store, auth, on_docs))
        status = "done"
        store.drop_checkpoints(scan_id)
    except (KeyboardInterrupt, asyncio.CancelledError) as exc:
        status = "interrupted"
        raise KeyboardInterrupt from exc
    finally:
        store.finish_scan(scan_id, status)
    return scan_id


async def _main(scan_id: str, eps: Sequence[Endpoint], options: ScanOptions,
                full: FullOptions, store: SqliteStore, auth: Credentials | None,
                on_docs: DocsCallback | None) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    with suppress(NotImplementedError, RuntimeError):  # not on Windows, not off the main thread
        loop.add_signal_handler(signal.SIGTERM, task.cancel)  # type: ignore[union-attr]
    scope = Scope()
    for ep in eps:
        scope.add(ep.host, ep.port)
    counting = _Counting(options.workers)
    authed = Http(options.limits, scope, auth=auth) if auth else None
    try:
        async with Http(options.limits, scope) as http:
            run = _Run(scan_id, store, http, options, full, counting, _Pacer(full.docs_rate),
                       on_docs, store.hash_key, authed=authed)
            await scan_endpoints_full(eps, run, partial(record_result, store, scan_id))
    finally:
        if authed is not None:
            await authed.aclose()
        counting.close()
        with suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)
