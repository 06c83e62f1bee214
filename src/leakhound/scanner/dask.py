"""``--dask tcp://SCHEDULER:8786``: the partitions of a full read as tasks on a Dask cluster.

The scanning process plans each container's read (and releases it), submits one task per
unfinished partition and hands the result each task returns to the sink: the same totals as
a local run. A task (``partition.ReadTask``) rebuilds the kind's reader and reads its partition
through leakhound's own network layer (scope: the one endpoint; the same read-only
allow-list, limits and rate), runs the sink's work on each page and returns what the sink's
collector folded (a tally: counts and keyed digests, never a raw value). A finished partition
is checkpointed; a resumed scan re-runs only the partitions that had not finished, from their
start. A task whose read is stopped (past the read's bound, or a reader that sees a read that
would not end) returns what it counted with why (``Stopped``): kept and checkpointed, the
partition left unfinished (a resumed scan reads it again from its start), and the read then
stopped with that reason, as a local read is.

The findings database's hash key travels to the workers with each task (digests must match
across partitions): use a cluster you trust, with TLS between its members when it spans
hosts.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from ..models import Container
from ..net import Limits
from ..probes.base import Overrun, ReadPlan, note_of
from .full import Collector, Executor, PartitionState, ReadContext, RecordBound
from .pacing import Pacer
from .partition import ReadTask, pump


@dataclass(frozen=True, slots=True)
class Stopped:
    """What a Dask task folded before its partition's read stopped (``Overrun``: past the
    read's bound, or a reader that saw a read that would not end), and why: the records
    counted are kept, as a local read keeps them."""

    result: Any
    why: str
    note: str | None = None  # the last note a page's position held (``Read.note``)


@dataclass(frozen=True, slots=True)
class Read:
    """What a Dask task folded of a partition read to its end, with the last note a page's
    position held (``Page``: how the read differed from its method): a task keeps no
    position, so the note travels back beside its result."""

    result: Any
    note: str | None = None


def read_partition(
    task: ReadTask,
    *,
    collector: Callable[[], Collector],
    docs_rate: float | None,
    bound: RecordBound | None = None,
) -> Any:
    """A Dask task: read one partition to its end, run the task's work on each page, and
    return what the collector folded (``Read``, with the note its pages' positions held);
    ``Stopped`` with it once the partition alone is past the read's ``bound`` (or its reader
    stops it)."""
    return asyncio.run(_read_partition(task, collector, docs_rate, bound))


async def _read_partition(
    task: ReadTask,
    collector: Callable[[], Collector],
    docs_rate: float | None,
    bound: RecordBound | None,
) -> Any:
    pacer = Pacer(docs_rate)
    collected = collector()
    note: str | None = None

    async def on_page(result: Any, docs: int, position: Any) -> None:
        nonlocal note
        collected.add(result)
        note = note_of(position) or note
        if bound is not None:
            bound.add(task.number, docs)
            if (why := bound.over()) is not None:
                raise Overrun(why)
        await pacer.take(docs)

    async with task.transport() as transport:
        part = task.partition(transport)
        try:
            await pump(part, task.work, None, on_page)
        except Overrun as exc:
            return Stopped(collected.result(), str(exc), note)
        finally:
            await part.close()
    return Read(collected.result(), note)


class DaskExecutor(Executor):
    """Partitions run as tasks on a Dask scheduler, each from its start."""

    def __init__(self, address: str, limits: Limits, docs_rate: float | None) -> None:
        self.address = address
        self.limits = limits
        self.docs_rate = docs_rate
        self._client: Any = None

    async def _connect(self) -> Any:
        if self._client is None:
            try:
                from distributed import Client
            except ImportError as exc:
                raise UsageError(
                    "--dask needs dask[distributed] (pip install 'leakhound[dask]')"
                ) from exc
            self._client = await Client(self.address, asynchronous=True)
        return self._client

    async def run(
        self, ctx: ReadContext, container: Container, plan: ReadPlan, todo: Sequence[PartitionState]
    ) -> tuple[list[BaseException | None], set[Any]]:
        """Submit one task per partition; hand each finished one to the sink."""
        if ctx.sink.collector is None:
            raise UsageError("this read cannot run on a Dask cluster")
        numbers = [s.number for s in todo]
        ctx.sink.start(container, plan, numbers)  # a task reads its partition from the start
        bound = ctx.bounds.get(container.name)
        if bound is not None:
            bound.restart(numbers)
            # Each task counts its own partition against the whole read's bound.
            bound = copy.copy(bound)
            bound.docs = {}
        client = await self._connect()
        rate = self.docs_rate / max(1, len(numbers)) if self.docs_rate else None
        work = ctx.sink.work(container)
        futures = [
            client.submit(
                read_partition,
                ReadTask(
                    ctx.probe,
                    ctx.service,
                    plan.to_json(),
                    n,
                    None,
                    ctx.batch,
                    self.limits,
                    None,
                    work,
                ),
                collector=ctx.sink.collector,
                docs_rate=rate,
                bound=bound,
                pure=False,
            )
            for n in numbers
        ]
        failures: list[BaseException | None] = []
        try:
            for n, fut in zip(numbers, futures, strict=True):
                try:
                    result = await fut
                except Exception as exc:  # the task failed: the partition stays unfinished
                    failures.append(exc)
                    continue
                stopped = result if isinstance(result, Stopped) else None
                # What it counted is kept (then a stopped read stops), with its note.
                docs = ctx.sink.partition_result(
                    container, plan, n, result.result, done=stopped is None, note=result.note
                )
                ctx.counted(container, docs)
                try:
                    ctx.admit(container, n, docs)
                except Overrun as exc:
                    failures.append(exc)
                    continue
                failures.append(Overrun(stopped.why) if stopped is not None else None)
        finally:
            pending = [f for f in futures if not f.done()]
            if pending:
                await client.cancel(pending)
        return failures, set()

    async def close(self) -> None:
        """Disconnect from the scheduler."""
        if self._client is not None:
            await self._client.close()
            self._client = None
