"""One partition of a full read, read where its pages are counted: by a worker process of
the scan (``ProcessExecutor``) or by a Dask task (``dask.py``).

The scan process plans each container's read and releases it (``full.read_container``); a
``ReadTask`` is everything else a reader needs, and it pickles: the kind's probe, the
service, the plan, the partition and its position, the scan's limits and credentials, and the
sink's work. The worker rebuilds the kind's reader from it through leakhound's own network
layer (scope: that one endpoint; the same allow-list, limits and audit), reads its pages, runs
the work on each and sends back only what the work returned, with the new position. Pages
cross no process boundary as Python objects: the store's answer is parsed once, where it is
detected, and a page of 1,000 support cases comes back as ~150 KB of counts and digests.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import orjson

from ..models import Container, Service
from ..net import Limits, Request, Scope, Transport, add_audit_hook, remove_audit_hook
from ..net.http import OwnerAuth
from ..net.policy import audit, auditing
from ..probes.base import PartitionReader, Probe, ReadPlan
from ..startup import started
from .full import Executor, PartitionState, ReadContext, next_page
from .workers import END, FAILED, PAGE, dump_error, load_error, pack_page, unpack_page

Send = Callable[[int, bytes], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ReadTask:
    """What a worker needs to read one partition and count its pages."""

    probe: Probe
    service: Service
    plan: dict[str, Any]  # ReadPlan.to_json()
    number: int
    position: Any  # None: from its start
    batch: int
    limits: Limits
    credentials: OwnerAuth | None
    work: Callable[[Sequence[Any]], Any]
    audit: bool = False  # hand the requests sent back to the scan's audit hooks
    ca_file: str | None = None  # what a target URL's verify-* TLS trusts (``Transport``)

    def transport(self) -> Transport:
        """A transport to the task's endpoint alone."""
        scope = Scope()
        scope.add(self.service.endpoint.host, self.service.endpoint.port)
        return Transport(self.limits, scope, self.credentials, ca_file=self.ca_file)

    def partition(self, transport: Transport) -> PartitionReader:
        """The partition's reader, from the task's position."""
        reader = self.probe.reader(transport, self.service)
        return reader.partition(
            ReadPlan.from_json(self.plan), self.number, self.position, size=self.batch
        )


@dataclass(frozen=True, slots=True)
class _Failed:
    exc: BaseException


async def pump(
    part: PartitionReader,
    work: Callable[[Sequence[Any]], Any],
    credits: asyncio.Semaphore | None,
    on_page: Callable[[Any, int, Any], Awaitable[None]],
) -> None:
    """Read a partition to its end: the next page is asked for (once a credit allows) while
    the last one is detected in a thread; each page's result goes to ``on_page(result,
    records, position)`` in order."""
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1)

    async def produce() -> None:
        try:
            while True:
                if credits is not None:
                    await credits.acquire()
                page = await next_page(part)
                await queue.put(page)
                if page is None:
                    return
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the consumer, which raises it
            await queue.put(_Failed(exc))

    producer = asyncio.create_task(produce())
    try:
        while True:
            page = await queue.get()
            if page is None:
                return
            if isinstance(page, _Failed):
                raise page.exc
            result = await asyncio.to_thread(work, page.docs)
            await on_page(result, len(page.docs), page.position)
    finally:
        producer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await producer


async def serve_read(
    task: ReadTask, credits: asyncio.Semaphore, stop: asyncio.Event, send: Send
) -> None:
    """In a worker process: read ``task``'s partition page by page as credits come, send each
    page's result (``PAGE``), then ``END``; ``FAILED`` with the error instead. ``stop`` ends
    the read early; the partition is closed on every exit before the last frame goes."""
    sent: list[Request] = []
    hook = sent.append

    def audited() -> list[list[str]]:
        out = [[r.method, r.url, r.kind, r.target] for r in sent]
        sent.clear()
        return out

    if task.audit:
        add_audit_hook(hook)
    try:
        async with task.transport() as transport:
            part = task.partition(transport)

            async def on_page(result: Any, docs: int, position: Any) -> None:
                header = {
                    "docs": docs,
                    "position": position,
                    "shared": part.shared_state,
                    "audit": audited(),
                }
                await send(PAGE, pack_page(header, result))
                # The first page imported and built what detection needs (only in leakhound's
                # own workers: a Dask worker's process is not ours to freeze).
                started()

            reading = asyncio.create_task(pump(part, task.work, credits, on_page))
            stopping = asyncio.create_task(stop.wait())
            try:
                await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for t in (reading, stopping):
                    t.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await t
                await part.close()
            if reading.done() and not reading.cancelled() and reading.exception():
                raise reading.exception()  # type: ignore[misc]
            shared = part.shared_state
        await send(END, orjson.dumps({"shared": shared, "audit": audited()}))
    except Exception as exc:
        with contextlib.suppress(Exception):
            await send(FAILED, dump_error(exc))
    finally:
        remove_audit_hook(hook)


def _replay(records: list[list[str]] | None) -> None:
    """The requests a worker sent, offered to this process's audit hooks."""
    for method, url, kind, target in records or ():
        audit(Request(method, url, kind, target))


class ProcessExecutor(Executor):
    """Partitions read by the scan's worker processes, each reading and counting its own
    pages; this process checkpoints them (``Sink.page``), paces them and keeps progress."""

    def __init__(
        self, limits: Limits, credentials: OwnerAuth | None = None, ca_file: str | None = None
    ) -> None:
        self.limits = limits
        self.credentials = credentials
        self.ca_file = ca_file

    async def run(
        self, ctx: ReadContext, container: Container, plan: ReadPlan, todo: Sequence[PartitionState]
    ) -> tuple[list[BaseException | None], set[Any]]:
        """Read the partitions in the workers, as many at once as there are workers."""
        readers = max(1, min(len(todo), ctx.workers.workers))
        limits = self.limits
        if limits.rate:  # requests a second to the host: shared by the processes reading
            limits = replace(limits, rate=limits.rate / readers)
        shared: set[Any] = set()
        work = ctx.sink.work(container)
        results = await asyncio.gather(
            *(
                self._partition(
                    ctx,
                    container,
                    plan,
                    s,
                    ReadTask(
                        ctx.probe,
                        ctx.service,
                        plan.to_json(),
                        s.number,
                        s.position,
                        ctx.batch,
                        limits,
                        self.credentials,
                        work,
                        auditing(),
                        self.ca_file,
                    ),
                    shared,
                )
                for s in todo
            ),
            return_exceptions=True,
        )
        return [r if isinstance(r, BaseException) else None for r in results], shared

    async def _partition(
        self,
        ctx: ReadContext,
        container: Container,
        plan: ReadPlan,
        state: PartitionState,
        task: ReadTask,
        shared: set[Any],
    ) -> None:
        job = partial(serve_read, task)
        async with ctx.workers.reading(job, credits=max(1, ctx.queue)) as channel:
            while True:
                kind, payload = await channel.next()
                if kind == FAILED:
                    raise load_error(payload)
                header, result = (
                    unpack_page(payload) if kind == PAGE else (orjson.loads(payload), None)
                )
                _replay(header.get("audit"))
                if header.get("shared") is not None:
                    shared.add(header["shared"])
                if kind == END:
                    ctx.sink.partition_done(container, plan, state.number)
                    return
                docs = header["docs"]
                ctx.sink.page(container, plan, state.number, result, docs, header["position"])
                ctx.counted(container, docs)
                ctx.admit(container, state.number, docs)
                await ctx.pacer.take(docs)  # paid after the fact, as a local read does
                await channel.credit()
