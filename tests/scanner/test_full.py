"""The full-read pipeline's bound on records: a server that never ends a read is stopped past
twice what it counted (and a few pages), with one line, what it sent counted and checkpointed;
a store that grows a little is read to its end, a resumed read keeps its bound, and partitions
started over are not counted twice."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from leakhound.errors import DeniedError, NetError, ProtocolError
from leakhound.models import Container, Endpoint, Failure, Service, Verdict
from leakhound.net import Limits
from leakhound.probes.base import (
    NOTE,
    FullReader,
    Overrun,
    Page,
    PartitionReader,
    PositionExpired,
    ReadPlan,
)
from leakhound.scanner import dask
from leakhound.scanner import full as full_read
from leakhound.scanner.checkpoints import TallySink
from leakhound.scanner.full import (
    GROWTH,
    SLACK_PAGES,
    LocalExecutor,
    PartitionState,
    ReadContext,
    RecordBound,
    Sink,
    Stop,
    read_container,
)
from leakhound.scanner.pacing import Pacer
from leakhound.scanner.workers import Workers
from leakhound.store.sqlite import SqliteStore

PAGE = 10


class Pages(PartitionReader):
    """``pages`` pages of PAGE records (None: for ever), or ``fail`` raised at one page."""

    def __init__(self, reader: Reader, number: int, position: Any) -> None:
        self.reader, self.number = reader, number
        self.at = position or 0

    async def next_page(self) -> Page | None:
        self.reader.asked += 1
        pages = self.reader.pages
        if pages is not None and self.at >= pages:
            return None
        if self.reader.fail is not None and self.at == 1:
            raise self.reader.fail
        if self.reader.expire_at == self.at:
            self.reader.expire_at = None
            raise PositionExpired("the point in time is gone")
        self.at += 1
        await asyncio.sleep(0)
        return Page(tuple({"n": self.at} for _ in range(PAGE)), self.at)


class Reader(FullReader):
    """A store that says it holds ``counted`` records and sends ``pages`` pages a partition."""

    def __init__(
        self,
        counted: int | None,
        pages: int | None,
        *,
        partitions: int = 1,
        store_total: int | None = None,
        expire_at: int | None = None,
        fail: NetError | None = None,
    ) -> None:
        self.counted, self.pages, self.partitions = counted, pages, partitions
        self.store_total, self.expire_at = store_total, expire_at
        self.fail = fail  # raised by every partition's second page
        self.asked = 0

    async def open(self, container: Container, partitions: int) -> ReadPlan:
        return ReadPlan(
            container.name,
            self.partitions,
            "test",
            None,
            self.counted,
            store_total=self.store_total,
        )

    async def reopen(self, plan: ReadPlan) -> ReadPlan:
        return plan

    def partition(self, plan: ReadPlan, number: int, position: Any, *, size: int) -> Pages:
        return Pages(self, number, position)


def _count(docs: Sequence[Any]) -> int:
    return len(docs)


class Kept(Sink):
    """What a checkpointing sink keeps: records per partition, and what a resume gives."""

    def __init__(self, restored: tuple[ReadPlan, list[PartitionState]] | None = None) -> None:
        self.restored = restored
        self.docs: dict[int, int] = {}
        self.positions: dict[int, Any] = {}
        self.done: set[int] = set()

    def work(self, container: Container) -> Callable[[Sequence[Any]], Any]:
        return _count

    def restore(self, container: Container) -> tuple[ReadPlan, list[PartitionState]] | None:
        return self.restored

    def start(self, container: Container, plan: ReadPlan, partitions: Sequence[int]) -> None:
        for n in partitions:
            self.docs[n] = 0
            self.positions[n] = None

    def page(
        self,
        container: Container,
        plan: ReadPlan,
        partition: int,
        result: Any,
        docs: int,
        position: Any,
    ) -> None:
        self.docs[partition] = self.docs.get(partition, 0) + result
        self.positions[partition] = position

    def partition_done(self, container: Container, plan: ReadPlan, partition: int) -> None:
        self.done.add(partition)


def _read(
    reader: Reader, sink: Kept, docs: int | None, *, partitions: int = 1
) -> tuple[str | None, ReadContext]:
    """Why the read stopped early (None: read to its end), and its context."""
    stop, ctx = _read_into(reader, sink, Container("cases", docs, None), partitions=partitions)
    assert stop is None or not stop.denied  # no store here refuses anything
    return (stop.reason if stop is not None else None), ctx


def _read_into(
    reader: Reader, sink: Sink, container: Container, *, partitions: int = 1
) -> tuple[Stop | None, ReadContext]:
    service = Service(Endpoint("127.0.0.1", 1), "test://127.0.0.1:1", "test", Verdict.OPEN, "")
    ctx = ReadContext(
        None,  # type: ignore[arg-type]  # the pipeline never asks the probe
        service,
        reader,
        sink,
        Workers(0),
        Pacer(None),
        batch=PAGE,
    )

    async def go() -> Stop | None:
        return await asyncio.wait_for(
            read_container(ctx, container, LocalExecutor(), partitions=partitions), 20
        )

    return asyncio.run(go()), ctx


def _limit(counted: int) -> int:
    return GROWTH * counted + SLACK_PAGES * PAGE


@pytest.mark.parametrize("partitions", [1, 3])
def test_a_read_that_never_ends_stops_past_twice_the_count(partitions: int) -> None:
    sink = Kept()
    why, ctx = _read(Reader(100, None, partitions=partitions), sink, 100)
    assert why is not None and "\n" not in why
    counted = sum(sink.docs.values())
    assert why.startswith(f"stopped after {counted:,} records: more than twice the 100 ")
    assert "when the read began" in why and "does not end its read" in why
    # Every page counted was checkpointed; each partition read at most one page past it.
    assert _limit(100) < counted <= _limit(100) + partitions * PAGE
    assert ctx.read["127.0.0.1:1/cases"] == counted
    assert not sink.done and all(p is not None for p in sink.positions.values())
    assert ctx.bounds == {}


def test_a_store_that_grows_a_little_is_read_to_its_end() -> None:
    sink = Kept()
    why, _ = _read(Reader(100, 18), sink, 100)  # 180 records of 100 counted
    assert why is None and sink.docs == {0: 180} and sink.done == {0}


def test_a_store_counted_at_zero_still_reads_a_few_pages() -> None:
    why, _ = _read(Reader(0, SLACK_PAGES), Kept(), 0)
    assert why is None


def test_the_count_of_the_store_bounds_a_container_nobody_counted() -> None:
    sink = Kept()
    why, _ = _read(Reader(None, None, store_total=50), sink, None)
    assert why is not None and "the 50 the server counted" in why and "all of the store" in why
    assert _limit(50) < sum(sink.docs.values()) <= _limit(50) + PAGE


def test_nothing_bounds_a_read_that_nobody_counted() -> None:
    assert RecordBound.of(ReadPlan("x", 1, "t"), Container("x", None, None), PAGE) is None
    why, _ = _read(Reader(None, 40), Kept(), None)  # read to its end, however long
    assert why is None


def test_partitions_started_over_are_not_counted_twice() -> None:
    # 100 counted, 100 sent; the position is lost at the 9th page and the read starts over:
    # 180 records met in all, 100 counted.
    sink = Kept()
    why, _ = _read(Reader(100, 10, expire_at=9), sink, 100)
    assert why is None and sink.docs == {0: 100}


def _resumed(docs: int) -> tuple[ReadPlan, list[PartitionState]]:
    return ReadPlan("cases", 1, "test", None, 100), [PartitionState(0, 30, False, docs)]


def test_a_resumed_read_past_its_bound_stops_again_without_asking_the_server() -> None:
    reader = Reader(100, None)
    why, _ = _read(reader, Kept(_resumed(_limit(100) + 5)), 100)
    assert why is not None and why.startswith(f"stopped after {_limit(100) + 5:,} records")
    assert reader.asked == 0


def test_a_resumed_read_keeps_the_count_it_began_with() -> None:
    # The resume's inventory says less: the plan's own count holds; the records counted
    # before the stop count towards it.
    sink = Kept(_resumed(150))
    why, ctx = _read(Reader(100, None), sink, 20)
    assert why is not None and "twice the 100 " in why and "when the read began" in why
    assert 150 + sink.docs[0] == ctx.read["127.0.0.1:1/cases"]
    assert _limit(100) < ctx.read["127.0.0.1:1/cases"] <= _limit(100) + PAGE


def test_a_store_that_really_grew_reads_on_after_a_resume() -> None:
    # Stopped at 215 of 100 counted; the store now counts 1,000: the resume reads to its end.
    sink = Kept(_resumed(215))
    why, _ = _read(Reader(100, 60), sink, 1000)
    assert why is None and sink.docs == {0: 300} and sink.done == {0}
    bound = RecordBound.of(ReadPlan("x", 1, "t", total=100), Container("x", 1000, None), PAGE)
    assert bound is not None and bound.limit == _limit(1000)
    bound.add(0, _limit(1000) + 1)
    assert "when the read was resumed" in (bound.over() or "")


@pytest.fixture
def findings(tmp_path: Path) -> Iterator[tuple[SqliteStore, str]]:
    """A findings database and a full scan begun in it."""
    with SqliteStore(tmp_path / "f.db") as store:
        yield store, store.begin_scan(["x"], {"depth": "full"})


def _tally(findings: tuple[SqliteStore, str]) -> TallySink:
    """The full scan's checkpointing sink, on the findings database."""
    store, scan_id = findings
    return TallySink(store, scan_id, "127.0.0.1:1", field_types=lambda c: {}, min_score=0.5)


@pytest.mark.parametrize(
    ("fail", "denied"),
    [
        pytest.param(DeniedError("_search: HTTP 401"), True, id="refused-for-credentials"),
        # A server error whose words say what a refusal would: its words are not the mark.
        pytest.param(ProtocolError("_search: HTTP 500: 403 Forbidden"), False, id="hostile-500"),
    ],
)
def test_a_read_refused_for_credentials_stops_marked_so_and_is_not_asked_again(
    fail: NetError, denied: bool, monkeypatch: pytest.MonkeyPatch, findings: tuple[SqliteStore, str]
) -> None:
    monkeypatch.setattr(full_read, "RETRIES", 1)
    reader = Reader(100, 10, fail=fail)
    container = Container("cases", 100, None)
    sink = _tally(findings)
    stop, _ = _read_into(reader, sink, container)
    read = sink.finish(container, "test", stop)
    sink.close()
    assert stop is not None and stop.denied is denied
    assert stop.reason.startswith(f"read stopped: {type(fail).__name__}: _search: HTTP")
    assert reader.asked == (2 if denied else 3)  # a refusal is not asked again
    assert read.error == stop.reason and not read.complete and read.docs == PAGE
    assert read.failure is (Failure.CREDENTIALS if denied else Failure.OTHER)


def test_a_read_to_its_end_has_no_failure(findings: tuple[SqliteStore, str]) -> None:
    container = Container("cases", 20, None)
    sink = _tally(findings)
    stop, _ = _read_into(Reader(20, 2), sink, container)
    read = sink.finish(container, "test", stop)
    sink.close()
    assert stop is None and read.complete and read.error is None and read.failure is None


def test_a_scan_resumed_after_a_stop_keeps_its_records_and_stops_again_at_once(
    findings: tuple[SqliteStore, str],
) -> None:
    # The checkpoints of a read stopped at its bound, in the findings database: a resumed
    # scan (killed after the stop, before its end) takes them back and reads nothing more.
    container = Container("cases", 100, None)
    sink = _tally(findings)
    why, _ = _read_into(Reader(100, None), sink, container)
    first = sink.finish(container, "test", why)
    sink.close()
    assert why is not None and not first.complete and first.error == why.reason
    assert _limit(100) < first.docs <= _limit(100) + PAGE

    reader = Reader(100, None)
    resumed = _tally(findings)
    again, _ = _read_into(reader, resumed, container)
    second = resumed.finish(container, "test", again)
    resumed.close()
    assert reader.asked == 0 and again == why
    assert second.docs == first.docs and second.error == why.reason


class _Collected:
    def __init__(self) -> None:
        self.docs = 0

    def add(self, result: int) -> None:
        self.docs += result

    def result(self) -> int:
        return self.docs


class _Task:
    """What a Dask task is handed, for a partition that never ends."""

    number, work = 0, staticmethod(_count)

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def transport(self) -> contextlib.AbstractAsyncContextManager[None]:
        return contextlib.nullcontext()

    def partition(self, transport: None) -> Pages:
        return Pages(self.reader, 0, None)


def test_a_dask_task_stops_its_partition_at_the_read_s_bound_and_keeps_its_count() -> None:
    bound = RecordBound(100, "began", PAGE)
    reader = Reader(100, None)
    stopped = asyncio.run(dask._read_partition(_Task(reader), _Collected, None, bound))  # type: ignore[arg-type]
    assert isinstance(stopped, dask.Stopped)
    assert stopped.why.startswith(
        f"stopped after {_limit(100) + PAGE} records: more than twice the 100 "
    )
    assert stopped.result == _limit(100) + PAGE  # every page counted before the stop
    assert reader.asked <= _limit(100) // PAGE + 3  # a page or two asked ahead


class _StoppingPages(Pages):
    """Five pages, then the reader stops the read (a CouchDB of empty pages, a listing)."""

    async def next_page(self) -> Page | None:
        if self.at >= 5:
            raise Overrun("the reader saw a read that would not end")
        return await super().next_page()


class _StoppingTask(_Task):
    def partition(self, transport: None) -> Pages:
        return _StoppingPages(self.reader, 0, None)


def test_a_dask_task_whose_reader_stops_its_read_keeps_its_count() -> None:
    task = _StoppingTask(Reader(100, None))
    stopped = asyncio.run(dask._read_partition(task, _Collected, None, None))  # type: ignore[arg-type]
    assert stopped == dask.Stopped(5 * PAGE, "the reader saw a read that would not end")


def test_an_estimated_count_bounds_a_read_ten_times_over() -> None:
    """A store's estimate (a planner's statistics after a bulk load) may be far below the
    truth: the read goes on to ten times it, and the reason says it was an estimate."""
    estimated = Container("x", 1000, None, docs_exact=False)
    bound = RecordBound.of(ReadPlan("x", 1, "t", total=1000), estimated, PAGE)
    assert bound is not None
    bound.add(0, 9_000)
    assert bound.over() is None
    bound.add(0, 1_000 + 10 * PAGE + 1)
    why = bound.over()
    assert why is not None and "ten times the 1,000 the server estimated" in why
    exact = RecordBound.of(ReadPlan("x", 1, "t", total=1000), Container("x", 1000, None), PAGE)
    assert exact is not None
    exact.add(0, 9_000)
    assert exact.over() is not None and "twice the 1,000 the server counted" in exact.over()


def test_an_estimate_with_an_upper_bound_bounds_a_read_twice_over_that() -> None:
    """Rows estimated along a key, 95% at most 1,200: the read goes on to twice that."""
    estimated = Container("x", 1000, None, docs_exact=False, docs_low=800, docs_high=1200)
    bound = RecordBound.of(ReadPlan("x", 1, "t", total=1000), estimated, PAGE)
    assert bound is not None
    bound.add(0, 2_400 + 10 * PAGE)
    assert bound.over() is None
    bound.add(0, 1)
    why = bound.over()
    assert why is not None and "twice the 1,200 the server's estimate allowed at most" in why


def test_an_estimate_of_nothing_bounds_nothing() -> None:
    """PostgreSQL's reltuples is 0 before a big table's first ANALYZE: no bound from it (an
    exact count of 0 still bounds the read to a few pages)."""
    unanalysed = Container("x", 0, None, docs_exact=False)
    assert RecordBound.of(ReadPlan("x", 1, "t", total=0), unanalysed, PAGE) is None
    empty = RecordBound.of(ReadPlan("x", 1, "t", total=0), Container("x", 0, None), PAGE)
    assert empty is not None and empty.limit == 10 * PAGE


def test_a_stopped_dask_partition_is_kept_unfinished_and_a_resume_reads_it_once(
    findings: tuple[SqliteStore, str],
) -> None:
    # A Dask task stopped before its partition's end: its records are kept (the scan's
    # report of the stop counts them), the partition stays unfinished, and a resumed read
    # starts it over without adding what the stopped task counted.
    container = Container("cases", 100, None)
    plan = ReadPlan("cases", 1, "test", None, 100)
    sink = _tally(findings)
    sink.start(container, plan, [0])
    assert sink.collector is not None
    collected = sink.collector()
    collected.add(sink.work(container)([{"n": i} for i in range(30)]))
    assert sink.partition_result(container, plan, 0, collected.result(), done=False) == 30
    sink.close()

    reader = Reader(100, 3)
    resumed = _tally(findings)
    why, _ = _read_into(reader, resumed, container)
    full = resumed.finish(container, "test", why)
    resumed.close()
    assert why is None and reader.asked >= 3  # read again from its start
    assert full.complete and full.docs == 3 * PAGE


class _NotedPages(Pages):
    """Pages whose positions say how the read differed from its method (``NOTE``)."""

    async def next_page(self) -> Page | None:
        page = await super().next_page()
        if page is None:
            return None
        return Page(page.docs, {"n": self.at, NOTE: f"begun again {self.at} times"})


class _NotedReader(Reader):
    def partition(self, plan: ReadPlan, number: int, position: Any, *, size: int) -> Pages:
        return _NotedPages(self, number, position)


class _Probe:
    """The kind a Dask task rebuilds its reader from."""

    def __init__(self, reader: Reader) -> None:
        self.reader_ = reader

    def reader(self, transport: Any, service: Service) -> Reader:
        return self.reader_


class _Client:
    """A Dask client that runs each task in a thread of this process."""

    def submit(self, fn: Callable[..., Any], *args: Any, pure: bool, **kw: Any) -> Any:
        return asyncio.ensure_future(asyncio.to_thread(fn, *args, **kw))

    async def cancel(self, futures: Sequence[Any]) -> None:
        for f in futures:
            f.cancel()


def test_a_read_on_dask_keeps_the_note_its_pages_positions_held(
    findings: tuple[SqliteStore, str],
) -> None:
    # A Dask task keeps no position: the note its pages held travels back beside its tally.
    reader = _NotedReader(30, 3)
    container = Container("cases", 30, None)
    sink = _tally(findings)
    service = Service(Endpoint("127.0.0.1", 1), "test://127.0.0.1:1", "test", Verdict.OPEN, "")
    ctx = ReadContext(_Probe(reader), service, reader, sink, Workers(0), Pacer(None), batch=PAGE)  # type: ignore[arg-type]
    executor = dask.DaskExecutor("tcp://127.0.0.1:1", Limits(), None)
    executor._client = _Client()
    stop = asyncio.run(read_container(ctx, container, executor, partitions=1))
    read = sink.finish(container, "test", stop)
    sink.close()
    assert stop is None and read.complete and read.docs == 3 * PAGE
    assert read.note == "begun again 3 times"


class _EmptyLastPages(Pages):
    """Pages of records, then an empty page whose position holds a note (a MySQL statement
    begun again that sent no row)."""

    async def next_page(self) -> Page | None:
        if self.at == self.reader.pages:
            self.at += 1
            return Page((), {"n": self.at, NOTE: "read in 2 transactions"})
        if self.at > (self.reader.pages or 0):
            return None
        return await super().next_page()


class _EmptyLastReader(Reader):
    def partition(self, plan: ReadPlan, number: int, position: Any, *, size: int) -> Pages:
        return _EmptyLastPages(self, number, position)


def test_an_empty_page_counts_nothing_and_its_note_is_kept(
    findings: tuple[SqliteStore, str],
) -> None:
    container = Container("cases", 20, None)
    sink = _tally(findings)
    stop, _ = _read_into(_EmptyLastReader(20, 2), sink, container)
    read = sink.finish(container, "test", stop)
    sink.close()
    assert stop is None and read.complete and read.docs == 2 * PAGE
    assert read.note == "read in 2 transactions"
