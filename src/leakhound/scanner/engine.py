"""The only place that schedules work: endpoints under a concurrency bound, each through
access, inventory, then samples or full reads of its containers.

Every outcome is a value: a target that times out is a result, a bug in a probe costs that
target one line (``internal error: …``), never the scan. Results are handed on as they
arrive, so nothing found is lost when the scan is interrupted.
"""

from __future__ import annotations

import asyncio
import pickle
import secrets
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import chain

from .. import honeypot
from ..count.tally import merged
from ..detect import masked_text
from ..errors import NetError
from ..models import (
    Container,
    ContainerResult,
    FullTotals,
    PeopleAcross,
    Service,
    Target,
    TargetResult,
    Verdict,
)
from ..net import Credentials, Scope, Transport
from ..probes.registry import Registry
from ..store.sqlite import SqliteStore
from .access import Access, access, kinds_of
from .across import AcrossStores
from .checkpoints import TallySink
from .dask import DaskExecutor
from .full import DocsCallback, Executor, LocalExecutor, ReadContext, Stop, read_container
from .options import FullOptions, ScanOptions
from .owned import marked
from .pacing import Pacer
from .partition import ProcessExecutor
from .people import count_people_by_container
from .sample import sample_container
from .workers import Workers

ResultCallback = Callable[[TargetResult], None]
ProgressCallback = Callable[[int, int], None]


@dataclass
class _Scan:
    """What every target of one scan shares."""

    registry: Registry
    options: ScanOptions
    transport: Transport
    authed: Transport | None
    workers: Workers
    store: SqliteStore | None = None  # full depth: where checkpoints go
    scan_id: str = ""
    executor: Executor | None = None
    pacer: Pacer | None = None
    on_docs: DocsCallback | None = None
    # Keys identifiers' digests: the findings database's own, else one for this scan alone.
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    across: AcrossStores | None = None  # people once across the stores read whole


async def scan_targets(
    targets: Sequence[Target],
    options: ScanOptions,
    registry: Registry,
    on_result: ResultCallback,
    *,
    credentials: Credentials | None = None,
    store: SqliteStore | None = None,
    scan_id: str = "",
    on_progress: ProgressCallback | None = None,
    on_docs: DocsCallback | None = None,
) -> tuple[PeopleAcross, ...]:
    """Scan every target; hand each finished TargetResult to ``on_result`` at once. Returns
    the people counted once across the stores whose identifiers were read whole.

    Sample depth scans targets concurrently (``limits.concurrency``); full depth reads them
    in turn, the partitions of each container giving the parallelism, and checkpoints in
    ``store`` under ``scan_id``.
    """
    registry = registry.bounded(options.files)
    scope = Scope()
    for t in targets:
        scope.add(t.endpoint.host, t.endpoint.port)
    full = options.full
    workers = Workers(options.workers)
    # Verdicts are always decided without credentials; given ones only serve to read what a
    # secured or partial store holds (an authorised owner's re-check). A --ca-file given with
    # them (watch's, a library caller's) is what a target URL's verify-* trusts too.
    authed = (
        Transport(options.limits, scope, credentials, ca_file=options.ca_file)
        if credentials
        else None
    )
    ca_file = authed.ca_file if authed is not None else options.ca_file
    transport = Transport(options.limits, scope, ca_file=ca_file)
    executor: Executor | None = None
    if full:
        executor = (
            DaskExecutor(full.dask, options.limits, full.docs_rate)
            if full.dask
            else LocalExecutor()
        )
    run = _Scan(
        registry,
        options,
        transport,
        authed,
        workers,
        store,
        scan_id,
        executor,
        Pacer(full.docs_rate) if full else None,
        on_docs,
    )
    if store is not None:
        run.key = store.hash_key
        run.across = AcrossStores(run.key, keep=partial(store.keep_identifiers, scan_id))
        _counted_before(run.across, store, scan_id)
    else:
        run.across = AcrossStores(run.key)
    gate = asyncio.Semaphore(1 if full else options.limits.concurrency)
    done = 0

    async def one(target: Target) -> None:
        nonlocal done
        async with gate:
            result = await _scan_target(run, target)
        on_result(result)
        done += 1
        if on_progress:
            on_progress(done, len(targets))

    try:
        tasks = [asyncio.create_task(one(t)) for t in targets]
        try:
            await asyncio.gather(*tasks)
            return run.across.counts()
        finally:
            for task in tasks:
                task.cancel()
            with suppress(asyncio.CancelledError):
                await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await transport.aclose()
        if authed is not None:
            await authed.aclose()
        if isinstance(executor, DaskExecutor):
            await executor.close()
        workers.close()
        run.across.close()


def _counted_before(across: AcrossStores, store: SqliteStore, scan_id: str) -> None:
    """A resumed scan's stores it had finished (its targets are not scanned again): their
    identifiers join ``across`` as they did when they were read, a sample scan's as it kept
    them, a full read's from the endpoint's tally (every container read to its end)."""
    done = store.recorded_endpoints(scan_id)
    if not done:
        return
    for endpoint, entity_type, packed in store.kept_identifiers(scan_id):
        if endpoint in done:
            across.add_kept(endpoint, entity_type, packed)
    for result in store.load(scan_id, history=False).results:
        people = result.full.people if result.full is not None else None
        if people is None or not all(c.full is None or c.full.complete for c in result.containers):
            continue
        endpoint = result.service.endpoint.key
        pieces = store.total_tallies(scan_id, endpoint)  # one at a time: they can be large
        first = next(pieces, None)
        if first is None:  # a scan already done (its checkpoints dropped): its figure stands
            continue
        tally = merged(store.hash_key, chain((first,), pieces))
        try:
            across.add_counted(endpoint, people.entity_type, tally.subjects)
        finally:
            tally.close()


async def _scan_target(run: _Scan, target: Target) -> TargetResult:
    ep = target.endpoint
    try:
        acc = await access(run.registry, run.transport, run.authed, target, run.options.kinds)
    except Exception as exc:  # a bug must cost one target, not the scan
        kind = kinds_of(run.registry, target, run.options.kinds)[0]
        return TargetResult(
            Service(
                ep,
                run.registry.by_kind(kind).url(ep),
                kind,
                Verdict.ERROR,
                masked_text(f"internal error: {type(exc).__name__}: {exc}")[:300],
            )
        )
    if not acc.readable:
        return TargetResult(acc.reported)
    authenticated = acc.transport is run.authed
    try:
        inv = await acc.probe.inventory(
            acc.transport, acc.read_as, max_containers=run.options.max_containers
        )
        people = None
        if run.options.full:
            results, totals = await _read_all(run, acc, inv.containers, run.options.full)
        else:
            sampled = await asyncio.gather(
                *(
                    sample_container(
                        acc.probe, acc.transport, acc.read_as, c, run.options, run.workers, run.key
                    )
                    for c in inv.containers
                )
            )
            results = [cr for cr, _ in sampled]
            totals = None
            try:
                people, each, dated = await count_people_by_container(
                    acc,
                    [(cr.container, cr.sample.docs if cr.sample else 0) for cr in results],
                    [found for _, found in sampled],
                    run.options,
                    run.workers,
                    run.key,
                    run.across,
                    [cr.sample.drawn if cr.sample else None for cr in results],
                )
                results = [
                    replace(
                        cr,
                        sample=replace(cr.sample, people=p, years=d.years, date_field=d.date_field),
                    )
                    if (p is not None or d.years) and cr.sample is not None
                    else cr
                    for cr, p, d in zip(results, each, dated, strict=True)
                ]
            except Exception:  # a bug in counting people costs that figure, not the inventory
                people = None
        # A bug costs the digests only: masked containers are then not read again later.
        with suppress(Exception):
            reader = acc.probe.reader(acc.transport, acc.read_as)
            results = await marked(reader, run.key, results)
    except Exception as exc:
        return TargetResult(
            acc.reported,
            inventory_error=masked_text(f"internal error: {type(exc).__name__}: {exc}")[:300],
            authenticated=authenticated,
        )
    return TargetResult(
        acc.reported,
        tuple(results),
        inv.error,
        inv.truncated,
        full=totals,
        authenticated=authenticated,
        honeypot=honeypot.tells(acc.read_as, inv.containers),
        people=people,
        inventory_note=inv.note,
    )


async def _read_all(
    run: _Scan, acc: Access, containers: Sequence[Container], full: FullOptions
) -> tuple[list[ContainerResult], FullTotals]:
    """Every record of the selected containers, in turn; totals with people counted once
    across them."""
    assert run.store is not None and run.executor is not None and run.pacer is not None
    sink = TallySink(
        run.store,
        run.scan_id,
        acc.reported.endpoint.key,
        field_types=acc.probe.field_types,
        min_score=run.options.min_score,
    )
    reader = acc.probe.reader(acc.transport, acc.read_as)
    executor = run.executor
    if (
        isinstance(executor, LocalExecutor)
        and run.workers.workers > 0
        and _picklable(acc.probe, acc.transport.credentials)
    ):
        # The workers read their own partitions: pages never cross a process boundary.
        executor = ProcessExecutor(
            run.options.limits, acc.transport.credentials, acc.transport.ca_file
        )
    ctx = ReadContext(
        acc.probe,
        acc.read_as,
        reader,
        sink,
        run.workers,
        run.pacer,
        batch=full.batch,
        queue=full.queue,
        on_docs=run.on_docs,
    )
    results: list[ContainerResult] = []
    try:
        for container in containers:
            if not full.selects(container, run.options.include_system):
                results.append(ContainerResult(container))
                continue
            try:
                stop = await read_container(ctx, container, executor, partitions=full.partitions)
            except NetError as exc:
                stop = Stop.of(exc, "cannot read: ")
            read = sink.finish(container, reader.method, stop)
            if container.docs is None and read.complete:
                # A kind that counts its records only by reading them (files): now it has.
                container = replace(container, docs=read.docs, docs_exact=True)
            results.append(ContainerResult(container, None, read))
        totals = sink.totals()
        people = totals.people
        if (
            people is not None
            and run.across is not None
            and all(r.full is None or r.full.complete for r in results)
        ):
            # Every record read: its people join the count across the scan's stores.
            run.across.add_counted(
                acc.reported.endpoint.key, people.entity_type, sink.total.subjects
            )
        return results, totals
    finally:
        sink.close()


def _picklable(*things: object) -> bool:
    """Whether a worker process can be handed these (a probe defined in a test, credentials
    from an odd ``httpx.Auth``: read here instead)."""
    try:
        pickle.dumps(things)
    except Exception:
        return False
    return True
