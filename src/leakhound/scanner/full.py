"""The one full-read pipeline: every record of a container, partition by partition.

``read_container`` is the loop every full read runs (``--depth full``, ``--resume``, subject
export, Dask): plan the read through the kind's ``FullReader`` (or take the plan a checkpoint
kept), run each unfinished partition through an executor (``LocalExecutor`` here, Dask in
``dask.py``), hand every page's result to a ``Sink`` (the tally and its checkpoints, or the
subject export's file), start partitions over on a fresh plan once if the store forgot their
position, and free whatever the store holds for the read on every exit: success, error,
Ctrl-C, SIGTERM. Each partition is a bounded pipeline: a reader task fills a queue of a few
pages, the consumer takes them in order, runs the sink's work on them in a worker and hands
the result on — a page is counted, checkpointed and only then forgotten.

Nothing but the server ends a read, so a hostile one (a cursor of ever new ``_id`` values, a
scroll or a SCAN that never ends) is stopped here, whatever its kind (``RecordBound``): past
twice the records the server counted when the read began, and a few pages more, the read
stops with that reason, what it counted kept and checkpointed, like any early stop.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from ..detect import masked_text
from ..errors import NetError
from ..models import Container, Service
from ..probes.base import (
    FullReader,
    Overrun,
    PartitionReader,
    PositionExpired,
    Probe,
    ReadPlan,
)
from .pacing import Pacer
from .workers import Workers

RETRIES = 3  # a failed page request is asked again this many times (its position holds)
DocsCallback = Callable[[str, int, int | None], None]  # (endpoint/container, read, expected)
# A read is believed up to GROWTH times the records counted when it began, plus SLACK_PAGES
# pages: a live store may grow while it is read (or its count be an estimate, or lag), but
# one that more than doubles during its own read is rare enough to be worth a stop and a
# line, and a server that never ends its read costs at most about twice an honest read.
GROWTH = 2
# A count the store says is an estimate (PostgreSQL's reltuples, InnoDB's TABLE_ROWS on big
# tables) lags a bulk load until the next statistics: it is believed ten times over.
ESTIMATE_GROWTH = 10
SLACK_PAGES = 10
# Why a resumed read of a container shown masked and numbered stops at once: its checkpoint
# is of the container its name stood for then, another one now.
RENUMBERED = (
    "not read on: its checkpoint is of another container its name stood for then (names that"
    " mask alike are numbered in the store's order, and one was added or removed since);"
    " scan again without --resume to read it"
)


class RecordBound:
    """How many records a container's read may count: past it the read stops (``Overrun``).

    The basis is the container's count when its read was planned (kept in the plan, so a
    resumed read keeps it), or the count the resume's inventory gives when that is larger (a
    store that really grew reads on); for a container nobody counts, the records of what
    holds it (``ReadPlan.store_total``). Without either, nothing bounds the read here.
    Partitions started over are counted from zero again, as the sink counts them.
    """

    def __init__(
        self, basis: int, what: str, page: int, *, estimate: bool = False, most: bool = False
    ) -> None:
        self.basis, self.what, self.estimate = basis, what, estimate
        # basis is the upper bound of an estimate (rows along a key, nested documents in)
        self.most = most
        self.growth = ESTIMATE_GROWTH if estimate else GROWTH
        self.limit = self.growth * basis + SLACK_PAGES * max(1, page)
        self.docs: dict[int, int] = {}  # records counted per partition

    @classmethod
    def of(cls, plan: ReadPlan, container: Container, page: int) -> RecordBound | None:
        """The bound of one read, or None where the server counted nothing to bound it by."""
        if not container.docs_exact and container.docs_high:
            # An estimate with its upper bound (rows along a key, a count that holds nested
            # documents): twice that, as for a count.
            high = max(container.docs_high, plan.total or 0)
            return cls(high, "began", page, most=True)
        counts = [n for n in (plan.total, container.docs) if isinstance(n, int) and n >= 0]
        if not container.docs_exact and not any(counts):
            # An estimate of nothing (PostgreSQL's reltuples before the first ANALYZE, for a
            # table big enough to be estimated) says nothing: no bound from it.
            counts = []
        if counts:
            grew = plan.total is not None and max(counts) > plan.total
            what = "was resumed" if grew else "began"
            return cls(max(counts), what, page, estimate=not container.docs_exact)
        if plan.store_total is not None and plan.store_total >= 0:
            return cls(plan.store_total, "began, in all of the store", page)
        return None

    @property
    def counted(self) -> int:
        """Records counted so far, over every partition."""
        return sum(self.docs.values())

    def restart(self, partitions: Sequence[int]) -> None:
        """These partitions start over: what they counted is counted no more."""
        for n in partitions:
            self.docs.pop(n, None)

    def add(self, partition: int, docs: int) -> None:
        """``docs`` more records of ``partition`` were counted."""
        self.docs[partition] = self.docs.get(partition, 0) + docs

    def over(self) -> str | None:
        """Why the read must stop (one line), or None while it is within its bound."""
        n = self.counted
        if n <= self.limit:
            return None
        times = "ten times" if self.estimate else "twice"
        counted = (
            "the server's estimate allowed at most"
            if self.most
            else "the server estimated"
            if self.estimate
            else "the server counted"
        )
        return (
            f"stopped after {n:,} records: more than {times} the {self.basis:,} {counted} "
            f"when the read {self.what} (a store growing this fast, or a server that does not "
            "end its read)"
        )


@dataclass(frozen=True, slots=True)
class PartitionState:
    """Where one partition stands when a read (re)starts."""

    number: int
    position: Any = None  # None: from its start
    done: bool = False
    docs: int = 0  # records counted so far


class Collector(Protocol):
    """Folds the results of a sink's ``work`` into one, where the pages are read (a Dask
    task returns a whole partition's result this way)."""

    def add(self, result: Any) -> None:
        """Take one page's result."""

    def result(self) -> Any:
        """Everything taken so far, as one result of the sink's ``work``."""


class Sink(ABC):
    """What a full read does with the pages it reads.

    ``work(container)`` is what runs on each page's records in a worker (it must pickle: a
    module-level function or a ``functools.partial`` of one); ``collector`` makes the
    ``Collector`` that folds them where they are read (None: the sink takes pages only).
    """

    collector: Callable[[], Collector] | None = None

    @abstractmethod
    def work(self, container: Container) -> Callable[[Sequence[Any]], Any]:
        """The function a worker runs on one page of this container's records."""

    def restore(self, container: Container) -> tuple[ReadPlan, list[PartitionState]] | None:
        """The plan and partition states a checkpoint kept for this container, if any."""
        return None

    def start(self, container: Container, plan: ReadPlan, partitions: Sequence[int]) -> None:
        """(Re)start these partitions from zero under ``plan``."""
        return None

    def mark(self, own: str) -> str | None:
        """What a checkpoint keeps to know a container by the store's own name ``own``
        (``ReadPlan.own``): a keyed digest, never the name; None for a sink that keeps none."""
        return None

    def forget(self, container: Container) -> None:
        """Drop what ``restore`` took back of this container: it is not read on."""
        return None

    def moved(self, container: Container, mark: str) -> int | None:
        """A container this scan read to its end under another name it was numbered by then
        (``shown``), known by ``mark`` (``ReadPlan.own``): its figures taken back for
        ``container`` (``finish`` gives them), and its records; None when there is none."""
        return None

    @abstractmethod
    def page(
        self,
        container: Container,
        plan: ReadPlan,
        partition: int,
        result: Any,
        docs: int,
        position: Any,
    ) -> None:
        """One page's result, read up to ``position``."""

    def partition_done(self, container: Container, plan: ReadPlan, partition: int) -> None:
        """The partition was read to its end."""
        return None

    def partition_result(
        self,
        container: Container,
        plan: ReadPlan,
        partition: int,
        result: Any,
        *,
        done: bool = True,
        note: str | None = None,
    ) -> int:
        """A whole partition's result at once (an executor that reads remotely); returns the
        records it counted. ``done=False``: the partition's read stopped before its end (its
        records kept, without a position: a resumed read starts it over). ``note``: the last
        note its pages' positions held (``Page``), shown beside the read."""
        raise NotImplementedError(f"{type(self).__name__} takes pages only")


@dataclass
class ReadContext:
    """What every partition of one full read shares."""

    probe: Probe
    service: Service
    reader: FullReader
    sink: Sink
    workers: Workers
    pacer: Pacer
    batch: int = 1000  # records per page
    queue: int = 2  # pages waiting per partition
    on_docs: DocsCallback | None = None
    read: dict[str, int] = field(default_factory=dict)  # records per container so far
    bounds: dict[str, RecordBound] = field(default_factory=dict)  # per container being read

    def counted(self, container: Container, docs: int) -> None:
        """Progress: ``docs`` more records of ``container`` were counted."""
        name = f"{self.service.endpoint.key}/{container.name}"
        self.read[name] = self.read.get(name, 0) + docs
        if self.on_docs:
            self.on_docs(name, self.read[name], container.docs)

    def admit(self, container: Container, partition: int, docs: int) -> None:
        """``docs`` more records of one partition were counted and checkpointed; ``Overrun``
        when the container's read is past its bound (its other partitions stop at their
        next page)."""
        bound = self.bounds.get(container.name)
        if bound is None:
            return
        bound.add(partition, docs)
        why = bound.over()
        if why is not None:
            raise Overrun(why)


class Executor(ABC):
    """Runs the partitions of a plan; the pipeline decides which and what follows."""

    @abstractmethod
    async def run(
        self, ctx: ReadContext, container: Container, plan: ReadPlan, todo: Sequence[PartitionState]
    ) -> tuple[list[BaseException | None], set[Any]]:
        """Read each partition in ``todo`` to its end; per partition its failure (or None),
        and the newer plan-level states the partitions used (to release with the plan)."""


class LocalExecutor(Executor):
    """Partitions read here, in parallel; their pages counted in the scan's workers."""

    async def run(
        self, ctx: ReadContext, container: Container, plan: ReadPlan, todo: Sequence[PartitionState]
    ) -> tuple[list[BaseException | None], set[Any]]:
        """Read the partitions concurrently through bounded queues."""
        readers = [ctx.reader.partition(plan, s.number, s.position, size=ctx.batch) for s in todo]
        results = await asyncio.gather(
            *(
                _run_partition(ctx, container, plan, s.number, r)
                for s, r in zip(todo, readers, strict=True)
            ),
            return_exceptions=True,
        )
        shared = {r.shared_state for r in readers} - {None}
        return [r if isinstance(r, BaseException) else None for r in results], shared


@dataclass(frozen=True, slots=True)
class _Failed:
    exc: BaseException


async def next_page(reader: PartitionReader) -> Any:
    """The partition's next page, a failed request asked again with back-off; a lost
    position, a policy refusal or what the reader says cannot be repeated is not retried."""
    for attempt in range(RETRIES + 1):
        try:
            return await reader.next_page()
        except NetError as exc:
            if attempt == RETRIES or not reader.retryable(exc):
                raise
            await asyncio.sleep(0.5 * 2**attempt)
    return None  # unreachable


async def _run_partition(
    ctx: ReadContext, container: Container, plan: ReadPlan, number: int, reader: PartitionReader
) -> None:
    """Read one partition to its end through a bounded queue, handing every page on."""
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=max(1, ctx.queue))

    async def produce() -> None:
        try:
            while True:
                page = await next_page(reader)
                if page is not None:  # paid after the fact: the rate counts records received
                    await ctx.pacer.take(len(page.docs))
                await queue.put(page)
                if page is None:
                    return
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the consumer, which raises it
            await queue.put(_Failed(exc))

    work = ctx.sink.work(container)
    producer = asyncio.create_task(produce())
    try:
        while True:
            page = await queue.get()
            if page is None:
                break
            if isinstance(page, _Failed):
                raise page.exc
            result = await ctx.workers.run(work, page.docs)
            ctx.sink.page(container, plan, number, result, len(page.docs), page.position)
            ctx.counted(container, len(page.docs))
            ctx.admit(container, number, len(page.docs))
        ctx.sink.partition_done(container, plan, number)
    finally:
        producer.cancel()
        with suppress(asyncio.CancelledError, Exception):
            await producer
        await reader.close()


async def _to_the_end(task: asyncio.Future[Any]) -> bool:
    """Wait for ``task`` to finish even through cancellations of the caller; True when the
    caller was cancelled meanwhile (it must then go on being cancelled)."""
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    return cancelled


async def _plan(reader: FullReader, make: Any) -> ReadPlan:
    """A plan from ``make`` (an opening), never one left behind when cancelled (Ctrl-C,
    SIGTERM): the opening runs to its end, what it made is released, then the cancellation
    goes on. Without this, a context created while its answer was in flight would stay open,
    unknown to us, until it expired on its own."""
    task: asyncio.Future[ReadPlan] = asyncio.ensure_future(make)
    if await _to_the_end(task):
        if not task.cancelled() and task.exception() is None:
            await _release(reader, [(task.result(), set())])
        raise asyncio.CancelledError
    return task.result()


async def _release(reader: FullReader, plans: Sequence[tuple[ReadPlan, set[Any]]]) -> None:
    """Free every plan's server state, even while the caller is being cancelled: the releases
    run to their end (each bounded by the request timeouts), then the cancellation goes on."""
    if not plans:
        return
    task = asyncio.ensure_future(
        asyncio.gather(*(reader.release(p, states) for p, states in plans))
    )
    if await _to_the_end(task):
        raise asyncio.CancelledError


@dataclass(frozen=True, slots=True)
class Stop:
    """Why a full read stopped before its end: one line, and whether the store refused it for
    want of credentials (``NetError.denied``, from the protocol's own code)."""

    reason: str
    denied: bool = False

    def __str__(self) -> str:
        return self.reason

    @classmethod
    def of(cls, exc: NetError, prefix: str) -> Stop:
        """The read failed with ``exc``: its words after ``prefix``, cut at 300 characters."""
        return cls(f"{prefix}{exc}"[:300], exc.denied)


async def read_container(
    ctx: ReadContext, container: Container, executor: Executor, *, partitions: int
) -> Stop | None:
    """Every record of one container, resumed from its checkpoints when the sink has some;
    why the read stopped early, or None when it was read to its end."""
    own = await ctx.reader.own_name(container)
    mark = ctx.sink.mark(own) if own is not None else None
    restored = ctx.sink.restore(container)
    renumbered = restored is not None and restored[0].own != mark
    if renumbered:
        # Names that mask alike are numbered in the store's order: one added or removed since
        # the checkpoint, and this name stands for another container than the one it kept.
        ctx.sink.forget(container)
        restored = None
    if (
        restored is None
        and mark is not None
        and (docs := ctx.sink.moved(container, mark)) is not None
    ):
        # Read to its end under the number it had then: its figures are taken back, its
        # records already in the endpoint's total, not read and counted again.
        ctx.counted(container, docs)
        return None
    if renumbered:
        return Stop(RENUMBERED)
    if restored is None:
        plan = await _plan(ctx.reader, ctx.reader.open(container, partitions))
        plan = replace(plan, own=mark)
        states = [PartitionState(n) for n in range(plan.partitions)]
        ctx.sink.start(container, plan, [s.number for s in states])
        fresh = True
    else:
        plan, states = restored
        fresh = False
        # A partition that counted records but kept no position (a Dask task's, stopped
        # before its end) cannot go on from where it was: it starts over.
        anew = [s.number for s in states if not s.done and s.position is None and s.docs]
        if anew:
            ctx.sink.start(container, plan, anew)
            states = [PartitionState(s.number) if s.number in anew else s for s in states]
        ctx.counted(container, sum(s.docs for s in states))
    bound = RecordBound.of(plan, container, ctx.batch)
    if bound is not None:
        for s in states:
            bound.add(s.number, s.docs)
        ctx.bounds[container.name] = bound
    opened: list[tuple[ReadPlan, set[Any]]] = [(plan, set())]
    try:
        for attempt in range(2):
            todo = [s for s in states if not s.done]
            if not todo:  # a resumed read whose partitions had all ended
                return None
            if not fresh and not plan.resumable and todo:
                # A read that cannot be re-entered at a position starts its partitions over.
                ctx.sink.start(container, plan, [s.number for s in todo])
                todo = [PartitionState(s.number) for s in todo]
                if bound is not None:
                    bound.restart([s.number for s in todo])
            if bound is not None and (why := bound.over()) is not None:
                return Stop(why)  # a resumed read already past its bound: asked nothing more
            failures, shared = await executor.run(ctx, container, plan, todo)
            opened[-1][1].update(shared)
            for exc in failures:
                if exc is not None and not isinstance(exc, Exception):
                    raise exc  # cancellation, KeyboardInterrupt
            over = [e for e in failures if isinstance(e, Overrun)]
            if over:  # the reason is the whole line, with every partition's records counted
                why = bound.over() if bound is not None else None
                return Stop((why or str(over[0]))[:300])
            gone = [e for e in failures if isinstance(e, PositionExpired)]
            failed = [e for e in failures if e is not None and not isinstance(e, PositionExpired)]
            if gone and not failed and attempt == 0 and plan.resumable:
                # The store forgot the positions: unfinished partitions start over on a new plan.
                plan = replace(await _plan(ctx.reader, ctx.reader.reopen(plan)), own=plan.own)
                opened.append((plan, set()))
                unfinished = [todo[i].number for i, e in enumerate(failures) if e is not None]
                ctx.sink.start(container, plan, unfinished)
                if bound is not None:
                    bound.restart(unfinished)
                states = [PartitionState(n) for n in unfinished]
                fresh = True
                continue
            if failed or gone:
                first = (failed or gone)[0]
                denied = isinstance(first, NetError) and first.denied
                why = f"read stopped: {type(first).__name__}: {first}"
                if not isinstance(first, NetError):
                    # A bug, raised with a record in hand, may quote one of its values; the
                    # probes' own errors are worded without them, addresses and all.
                    why = masked_text(why)
                return Stop(why[:300], denied)
            return None
        return None  # unreachable
    finally:
        ctx.bounds.pop(container.name, None)
        await _release(ctx.reader, opened)
