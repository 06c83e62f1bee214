"""The only place that schedules work: bounded concurrency over endpoints, indices and detection."""

from __future__ import annotations

import asyncio
import ipaddress
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from .errors import StoreError
from .findings import summarise
from .models import (
    Endpoint,
    Index,
    IndexResult,
    PiiSummary,
    Sample,
    Service,
    TargetResult,
    Verdict,
)
from .net import Credentials, Http, Limits, Scope
from .probes.base import Probe
from .probes.registry import PROBES
from .store.sqlite import SqliteStore
from .targets import DEFAULT_MAX_HOSTS, check_scope, endpoints, load_scope, parse_targets


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """How deep and how gently to scan."""

    sample: int = 100  # documents per index; 0: inventory only
    limits: Limits = field(default_factory=Limits)
    max_indices: int = 1000  # per endpoint, inventoried in detail
    workers: int = 1  # detection processes; 0: a thread of this process
    include_system: bool = False  # sample system (dot) indices too
    min_score: float = 0.5


ResultCallback = Callable[[TargetResult], None]
ProgressCallback = Callable[[int, int], None]


class _Detection:
    """Runs PII summaries off the event loop, in worker processes when asked."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._pool: Executor | None = None

    async def summarise(self, docs: Sequence[object], field_types: dict[str, str],
                        min_score: float) -> tuple[PiiSummary, ...]:
        """PII summary of the documents, computed off the event loop."""
        call = partial(summarise, list(docs), field_types, min_score=min_score)
        loop = asyncio.get_running_loop()
        if self._workers <= 0:
            pii = await asyncio.to_thread(call)
        else:
            if self._pool is None:
                # spawn: forking a process that runs an event loop and threads is unsafe.
                self._pool = ProcessPoolExecutor(
                    self._workers, mp_context=multiprocessing.get_context("spawn"))
            pii = await loop.run_in_executor(self._pool, call)
        return pii

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


async def scan_endpoints(endpoints: Sequence[Endpoint], options: ScanOptions,
                         on_result: ResultCallback,
                         on_progress: ProgressCallback | None = None,
                         probe: Probe | None = None,
                         auth: Credentials | None = None) -> None:
    """Probe every endpoint; hand each finished TargetResult to ``on_result`` at once."""
    probe = probe or PROBES[0]
    scope = Scope()
    for ep in endpoints:
        scope.add(ep.host, ep.port)
    detection = _Detection(options.workers)
    gate = asyncio.Semaphore(options.limits.concurrency)
    done = 0
    total = len(endpoints)

    async def one(ep: Endpoint) -> None:
        nonlocal done
        async with gate:
            result = await _scan_one(http, authed, probe, ep, options, detection)
        on_result(result)
        done += 1
        if on_progress:
            on_progress(done, total)

    # Verdicts are always decided without credentials; given ones only serve to read what a
    # secured or partial store holds (an authorised owner's re-check).
    authed = Http(options.limits, scope, auth=auth) if auth else None
    try:
        async with Http(options.limits, scope) as http:
            tasks = [asyncio.create_task(one(ep)) for ep in endpoints]
            try:
                await asyncio.gather(*tasks)
            finally:
                for t in tasks:
                    t.cancel()
                with suppress(asyncio.CancelledError):
                    await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        if authed is not None:
            await authed.aclose()
        detection.close()


async def access(probe: Probe, http: Http, authed: Http | None,
                 ep: Endpoint) -> tuple[Service, Service, Http]:
    """Decide the verdict without credentials; then, for a secured or partial store and
    credentials given, whether they open it.

    Returns the service to report (its unauthenticated verdict), the service to read from
    and the client to read with.
    """
    service = await probe.fingerprint(http, ep)
    if authed is not None and service.verdict in (Verdict.SECURED, Verdict.PARTIAL):
        with_credentials = await probe.fingerprint(authed, ep)
        if with_credentials.verdict == Verdict.OPEN:
            reported = replace(service, fingerprint=replace(
                with_credentials.fingerprint, realm=service.fingerprint.realm))
            return reported, with_credentials, authed
        # Say why the owner's credentials read nothing: refused, or never sent.
        why = with_credentials.reason or with_credentials.verdict.value
        service = replace(service, reason=f"{service.reason}; with the credentials given: {why}")
    return service, service, http


async def _scan_one(http: Http, authed: Http | None, probe: Probe, ep: Endpoint,
                    options: ScanOptions, detection: _Detection) -> TargetResult:
    try:
        service, read_as, reader = await access(probe, http, authed, ep)
    except Exception as exc:  # a bug must cost one target, not the scan
        return TargetResult(Service(ep, ep.url(), probe.kind, Verdict.ERROR,
                                    f"internal error: {type(exc).__name__}: {exc}"[:300]))
    if read_as.verdict not in (Verdict.OPEN, Verdict.PARTIAL):
        return TargetResult(service)
    authenticated = reader is authed
    try:
        inv = await probe.inventory(reader, read_as, max_indices=options.max_indices)
        results = await asyncio.gather(
            *(_sample_index(reader, probe, read_as, idx, options, detection)
              for idx in inv.indices))
    except Exception as exc:
        return TargetResult(service, inventory_error=f"internal error: {type(exc).__name__}: "
                                                     f"{exc}"[:300], authenticated=authenticated)
    return TargetResult(service, tuple(results), inv.error, inv.truncated,
                        authenticated=authenticated)


async def _sample_index(http: Http, probe: Probe, service: Service, index: Index,
                        options: ScanOptions, detection: _Detection) -> IndexResult:
    if options.sample <= 0 or (index.system and not options.include_system):
        return IndexResult(index)
    if index.docs == 0:
        return IndexResult(index, Sample(options.sample, 0))
    got = await probe.sample(http, service, index, options.sample)
    if got.error:
        return IndexResult(index, Sample(options.sample, 0, error=got.error))
    index = probe.flag_sample(index, got.docs)
    field_types = {f.path: f.type for f in index.fields}
    try:
        pii = await detection.summarise(got.docs, field_types, options.min_score)
    except Exception as exc:  # keep the inventory even when detection breaks
        return IndexResult(index, Sample(options.sample, len(got.docs),
                                         error=f"detection failed: {type(exc).__name__}"))
    return IndexResult(index, Sample(options.sample, len(got.docs), pii))


def _stored_options(stored: dict[str, object], given: ScanOptions) -> ScanOptions:
    """The options a stored sample scan ran with (what it did not store stays as given)."""
    def number(key: str, default: float | None) -> float | None:
        value = stored.get(key, default)
        return float(value) if isinstance(value, int | float) else default

    lim = given.limits
    limits = replace(lim, concurrency=int(number("concurrency", lim.concurrency) or 1),
                     rate=number("rate", None),
                     connect_timeout=number("connect_timeout", lim.connect_timeout) or 3.0,
                     read_timeout=number("read_timeout", lim.read_timeout) or 10.0,
                     total_timeout=number("total_timeout", lim.total_timeout) or 30.0)
    return replace(given, sample=int(number("sample", given.sample) or 0),
                   max_indices=int(number("max_indices", given.max_indices) or 1),
                   limits=limits)


def record_result(store: SqliteStore, scan_id: str, result: TargetResult) -> None:
    """Save one result; a result the database refuses is saved as a one-line error instead."""
    try:
        store.record(scan_id, result)
    except (StoreError, ValueError, OverflowError, TypeError) as exc:
        svc = result.service
        reason = f"result could not be stored: {type(exc).__name__}: {exc}"[:300]
        store.record(scan_id, TargetResult(Service(svc.endpoint, svc.url, svc.kind,
                                                   Verdict.ERROR, reason)))


def enforce_scope(eps: Sequence[Endpoint], scope_file: str | None,
                  stored: dict[str, Any] | None = None) -> list[str] | None:
    """Refuse (ScopeError) endpoints outside ``--scope``, and, for a resumed scan, outside
    the scope it was started under, which its stored options keep: names are resolved
    again on resume, and an address that moved out of the authorised ranges is refused
    even when ``--scope`` is not given again. Returns the ranges to store with a new scan.
    """
    given = load_scope(scope_file) if scope_file else None
    if given is not None:
        check_scope(eps, given)
    kept = stored.get("scope") if stored else None
    if kept:
        try:
            ranges = [ipaddress.ip_network(r, strict=False) for r in kept]
        except (TypeError, ValueError) as exc:
            raise StoreError(f"the stored scope of this scan is unreadable: {exc}") from exc
        check_scope(eps, ranges)
    return [str(n) for n in given] if given else None


def run_scan(specs: Sequence[str], options: ScanOptions, store: SqliteStore, *,
             max_hosts: int = DEFAULT_MAX_HOSTS, yes: bool = False,
             scope_file: str | None = None, auth: Credentials | None = None,
             resume: str | None = None,
             on_progress: ProgressCallback | None = None,
             on_start: Callable[[str, int], None] | None = None) -> str:
    """Parse targets, scan them, record every result as it arrives; return the scan id.

    An interruption (Ctrl-C) marks the scan interrupted and re-raises; what was recorded stays.
    ``resume``: continue that stored sample scan with the endpoints it has no result for yet,
    under its stored options.
    """
    probe = PROBES[0]
    skip: set[str] = set()
    stored: dict[str, Any] | None = None
    if resume:
        scan_id = store.resolve(resume)
        specs, stored = store.reopen_scan(scan_id)
        options = _stored_options(stored, options)
        skip = store.recorded_endpoints(scan_id)
    parsed = parse_targets(specs, probe.default_ports, max_hosts=max_hosts, yes=yes)
    eps = endpoints(parsed)
    scope = enforce_scope(eps, scope_file, stored)
    eps = [ep for ep in eps if ep.netloc not in skip]
    if not resume:
        lim = options.limits
        opts = {"sample": options.sample, "max_indices": options.max_indices,
                "concurrency": lim.concurrency, "rate": lim.rate,
                "connect_timeout": lim.connect_timeout, "read_timeout": lim.read_timeout,
                "total_timeout": lim.total_timeout, **({"scope": scope} if scope else {})}
        scan_id = store.begin_scan(list(specs), opts)
    if on_start:
        on_start(scan_id, len(eps))
    status = "failed"
    try:
        asyncio.run(scan_endpoints(eps, options, partial(record_result, store, scan_id),
                                   on_progress, probe, auth))
        status = "done"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        store.finish_scan(scan_id, status)
    return scan_id
