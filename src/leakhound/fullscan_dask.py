"""``scan --depth full --dask tcp://SCHEDULER:8786``: slices as tasks on a Dask cluster.

The scanning process opens the index's point in time (and releases it), sizes the slices,
submits one task per slice and merges the tallies the tasks return: the same totals as a
local run. Each task reads its slice through leakhound's own HTTP layer (scope: the one
endpoint; the same read-only allow-list, limits and rate), counts in the worker, and returns
a ``Tally`` (counts and keyed digests, never a raw value). A finished slice is checkpointed;
a resumed scan re-runs only the slices that had not finished.

The findings database's hash key travels to the workers with each task (digests must match
across slices): use a cluster you trust, with TLS between its members when it spans hosts.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .errors import NetError, UsageError
from .models import FullRead, Index, Service
from .net import Http, Limits, Scope
from .probes.elasticsearch_read import (
    ReadPlan,
    SliceReader,
    next_page,
    open_plan,
    release,
    reopen,
)
from .tally import Tally, count_batch, merged

if TYPE_CHECKING:
    from .fullscan import _Run


def read_slice(base: str, host: str, port: int, plan: ReadPlan, slice_id: int, *,
               limits: Limits, batch: int, keep_alive: str, field_types: dict[str, str],
               date_field: str | None, min_score: float, hash_key: bytes,
               docs_rate: float | None) -> bytes:
    """A Dask task: read one slice to its end, count it, return the serialised tally."""
    return asyncio.run(_read_slice(base, host, port, plan, slice_id, limits, batch, keep_alive,
                                   field_types, date_field, min_score, hash_key, docs_rate))


async def _read_slice(base: str, host: str, port: int, plan: ReadPlan, slice_id: int,
                      limits: Limits, batch: int, keep_alive: str, field_types: dict[str, str],
                      date_field: str | None, min_score: float, key: bytes,
                      docs_rate: float | None) -> bytes:
    from .fullscan import _Pacer

    scope = Scope()
    scope.add(host, port)
    pacer = _Pacer(docs_rate)
    tally = Tally(key)
    try:
        async with Http(limits, scope) as http:
            reader = SliceReader(http, base, plan, slice_id, size=batch, keep_alive=keep_alive)
            try:
                while True:
                    page = await next_page(reader)
                    if page is None:
                        break
                    await pacer.take(len(page.docs))
                    tally.merge_bytes(await asyncio.to_thread(
                        count_batch, page.docs, field_types, date_field, min_score, key))
            finally:
                await reader.close()
        return tally.to_bytes()
    finally:
        tally.close()


async def read_index_dask(run: _Run, service: Service, index: Index,
                          method: str) -> tuple[FullRead, Tally]:
    """Every document of one index, one Dask task per slice; finished slices checkpointed."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise UsageError("--dask needs dask[distributed] (pip install 'leakhound[dask]')") from exc
    from .fullscan import _full_read

    endpoint, base = service.endpoint.netloc, service.url
    rows = run.store.slices(run.scan_id, endpoint, index.name)
    try:
        if rows:
            old = ReadPlan(rows[0]["method"], index.name, rows[0]["slices"], 0,
                           rows[0]["context"])
            plan = await reopen(run.http, base, old, run.full.keep_alive)
        else:
            plan = await open_plan(run.http, base, index.name, method, run.full.slices,
                                   run.full.keep_alive)
            run.store.start_slices(run.scan_id, endpoint, index.name, plan.method,
                                   plan.slices, plan.context)
            rows = run.store.slices(run.scan_id, endpoint, index.name)
    except NetError as exc:
        empty = ReadPlan(method, index.name, 0, 0)
        return _full_read(empty, Tally(run.key), f"cannot read: {exc}"[:300]), Tally(run.key)
    done = {r["slice"] for r in rows if r["done"]}
    todo = [r["slice"] for r in rows if not r["done"]]
    run.store.start_slices(run.scan_id, endpoint, index.name, plan.method, plan.slices,
                           plan.context, todo)
    blobs: dict[int, bytes] = {}
    for n in done:
        part = merged(run.key, run.store.slice_tallies(run.scan_id, endpoint, index.name, n))
        blobs[n] = part.to_bytes()
        part.close()
    error: str | None = None
    futures: list[Any] = []
    client: Any = None
    try:
        client = await Client(run.full.dask, asynchronous=True)
        rate = run.full.docs_rate / max(1, len(todo)) if run.full.docs_rate else None
        field_types = {f.path: f.type for f in index.fields}
        futures = [client.submit(
            read_slice, base, service.endpoint.host, service.endpoint.port, plan, n,
            limits=run.http.limits, batch=run.full.batch, keep_alive=run.full.keep_alive,
            field_types=field_types, date_field=index.date_field,
            min_score=run.options.min_score, hash_key=run.key, docs_rate=rate, pure=False)
            for n in todo]
        for n, fut in zip(todo, futures, strict=True):
            try:
                blob = await fut
            except Exception as exc:  # the task failed: the slice stays unfinished
                error = error or f"slice {n}: {type(exc).__name__}: {exc}"[:300]
                continue
            blobs[n] = blob
            run.store.finish_slice(run.scan_id, endpoint, index.name, n, blob)
            name = f"{endpoint}/{index.name}"
            part = Tally.from_bytes(blob, run.key)
            run.read[name] = run.read.get(name, 0) + part.docs
            part.close()
            if run.on_docs:
                run.on_docs(name, run.read[name], index.docs)
    finally:
        if client is not None:
            if futures:
                await client.cancel(futures)
            await client.close()
        await release(run.http, base, plan)
    total = merged(run.key, blobs.values())
    return _full_read(plan, total, error), total
