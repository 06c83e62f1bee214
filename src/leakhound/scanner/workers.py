"""CPU work off the event loop: detection and counting run here, never on the loop itself.

``Workers(n)`` is the one pool of a scan: ``n`` worker processes (spawned, not forked: forking
a process that runs an event loop and threads is unsafe), or a thread of this process when
``n`` is 0. Each process talks to the scan over its own socket, in frames: a call (a function
and its arguments, pickled) answered by its result, or a partition to read
(``scanner/partition.py``) answered page by page — the worker reads its own pages from the
store, detects and counts them, and sends back only each page's result (the counts and keyed
digests, a few hundred bytes a record) with the partition's new position. The scan grants a
read a few pages at a time (credits): that is the back-pressure and ``--docs-rate``'s pace.

A worker whose scan process dies sees its socket close and stops: a partition it was reading
is closed first (its scroll context freed).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import pickle
import signal
import socket
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import orjson

from ..startup import started

T = TypeVar("T")

# Frames: one byte of kind, four of length, the payload.
_HEAD = struct.Struct(">BI")
CALL, READ, CREDIT, STOP = 1, 2, 3, 4  # to a worker
RESULT, FAILED, PAGE, END = 11, 12, 13, 14  # from a worker
_LIMIT = 1 << 30  # no frame is larger: a page's result is a few hundred KB
# Seconds a stopped read may take to close its partition (a scroll's DELETE, bounded by the
# request timeouts) before the scan goes on without it.
STOP_SECONDS = 60.0
CLOSE_DEADLINE = 2.0  # seconds the workers have to end once their sockets close


class WorkerDied(RuntimeError):
    """A worker process ended in the middle of a job (killed, out of memory)."""


def _ignore_sigint() -> None:
    # Ctrl-C goes to the whole process group: the scan (parent) decides, workers carry on.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


async def send_frame(writer: asyncio.StreamWriter, kind: int, payload: bytes = b"") -> None:
    """One frame, flushed."""
    writer.write(_HEAD.pack(kind, len(payload)))
    if payload:
        writer.write(payload)
    await writer.drain()


async def recv_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The next frame; ``asyncio.IncompleteReadError`` when the other side is gone."""
    kind, size = _HEAD.unpack(await reader.readexactly(_HEAD.size))
    if size > _LIMIT:
        raise WorkerDied(f"a frame of {size} bytes: the channel is corrupt")
    return kind, await reader.readexactly(size) if size else b""


def pack_page(header: dict[str, Any], result: Any) -> bytes:
    """A page's frame payload: its header (JSON) and its result, raw bytes when it is bytes."""
    raw = isinstance(result, bytes)
    head = orjson.dumps({**header, "pickled": not raw})
    return struct.pack(">I", len(head)) + head + (result if raw else pickle.dumps(result, 5))


def unpack_page(payload: bytes) -> tuple[dict[str, Any], Any]:
    """(header, result) of a page's frame payload."""
    (size,) = struct.unpack_from(">I", payload)
    header = orjson.loads(payload[4 : 4 + size])
    body = payload[4 + size :]
    return header, pickle.loads(body) if header["pickled"] else body  # noqa: S301 (our worker)


def dump_error(exc: BaseException) -> bytes:
    """An exception, pickled when it can be (the scan tells a lost position from the rest)."""
    try:
        return pickle.dumps(exc, 5)
    except Exception:
        return pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"[:500]), 5)


def load_error(payload: bytes) -> BaseException:
    """The exception a worker sent."""
    try:
        exc = pickle.loads(payload)  # noqa: S301 (our own worker's bytes)
    except Exception as err:
        return WorkerDied(f"a worker's error could not be read: {err}")
    return exc if isinstance(exc, BaseException) else WorkerDied(repr(exc))


@dataclass(eq=False)
class _Proc:
    """One worker process and the scan's end of its socket."""

    process: Any
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    alive: bool = True

    def close(self) -> None:
        """End the worker's socket now: the transport's own close takes effect only when the
        event loop next runs, and a caller that then waits for the process (``Workers.close``)
        would wait out its whole deadline for an end of input the worker never saw."""
        self.alive = False
        with contextlib.suppress(Exception):
            self.writer.get_extra_info("socket").shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(Exception):
            self.writer.close()


class Workers:
    """Worker processes (``workers`` of them), or a thread of this process when 0.

    The one CPU pool of a scan: samples, full reads and subject exports all run their
    detection here. Processes start on first use.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._procs: list[_Proc] = []
        self._idle: asyncio.Queue[_Proc] | None = None
        self._starting: asyncio.Lock | None = None
        self._replacing: set[asyncio.Task[None]] = set()

    async def _start(self) -> asyncio.Queue[_Proc]:
        # One at a time: concurrent first calls must not start the pool twice.
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self._idle is None:
                procs = await asyncio.gather(*(_spawn() for _ in range(self.workers)))
                self._procs = list(procs)
                self._idle = asyncio.Queue()
                for proc in procs:
                    self._idle.put_nowait(proc)
            return self._idle

    @contextlib.asynccontextmanager
    async def _worker(self) -> AsyncIterator[_Proc]:
        """An idle worker for one job, handed back after it (replaced if it died)."""
        idle = self._idle or await self._start()
        proc = await idle.get()
        try:
            yield proc
        finally:
            if proc.alive:
                idle.put_nowait(proc)
            else:
                self._reap(proc)
                task = asyncio.ensure_future(self._replace(idle))
                self._replacing.add(task)
                task.add_done_callback(self._replacing.discard)

    async def _replace(self, idle: asyncio.Queue[_Proc]) -> None:
        proc = await _spawn()
        if idle is not self._idle:  # closed meanwhile
            proc.close()
            self._reap(proc)
            return
        self._procs.append(proc)
        idle.put_nowait(proc)

    def _reap(self, proc: _Proc) -> None:
        proc.close()
        with contextlib.suppress(ValueError):
            self._procs.remove(proc)
        with contextlib.suppress(Exception):
            proc.process.join(0.1)
            if proc.process.is_alive():
                proc.process.terminate()

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` in a worker; its arguments and result must pickle."""
        call = partial(fn, *args, **kwargs)
        if self.workers <= 0:
            return await asyncio.to_thread(call)
        async with self._worker() as proc:
            payload = pickle.dumps(call, 5)
            try:
                await send_frame(proc.writer, CALL, payload)
                # Through a cancellation too: the answer must not be left for the next job.
                kind, answer = await _shielded(recv_frame(proc.reader))
            except (OSError, asyncio.IncompleteReadError) as exc:
                proc.alive = False
                raise WorkerDied(f"a worker process ended: {exc}") from exc
        if kind == RESULT:
            result: T = pickle.loads(answer)  # noqa: S301 (our own worker's bytes)
            return result
        raise load_error(answer)

    @contextlib.asynccontextmanager
    async def reading(
        self, job: Callable[..., Awaitable[None]], credits: int
    ) -> AsyncIterator[Channel]:
        """A worker running ``job(credits, stop, send)`` (``partition.serve_read`` and its
        task: it must pickle), granted ``credits`` pages ahead. On leaving early (an error, a
        cancellation) the read is stopped and its partition closed before the worker takes
        another job."""
        if self.workers <= 0:
            raise RuntimeError("reading in a worker needs worker processes")
        async with self._worker() as proc:
            channel = Channel(proc)
            try:
                await channel.send(READ, pickle.dumps(job, 5))
                for _ in range(credits):
                    await channel.credit()
                yield channel
            finally:
                if not channel.ended and proc.alive:
                    await _shielded(channel.stop())

    def close(self) -> None:
        """Stop the workers; a job still running in one is dropped."""
        for task in list(self._replacing):
            task.cancel()
        for proc in self._procs:
            proc.close()
        # Each worker ends on its socket's end: all of them within one deadline, the ones
        # still running then terminated.
        deadline = time.monotonic() + CLOSE_DEADLINE
        for proc in self._procs:
            with contextlib.suppress(Exception):
                proc.process.join(max(0.0, deadline - time.monotonic()))
        for proc in self._procs:
            with contextlib.suppress(Exception):
                if proc.process.is_alive():
                    proc.process.terminate()
                    proc.process.join(CLOSE_DEADLINE)
        self._procs = []
        self._idle = None


class Channel:
    """The scan's side of one partition read by a worker."""

    def __init__(self, proc: _Proc) -> None:
        self._proc = proc
        self.ended = False

    async def send(self, kind: int, payload: bytes = b"") -> None:
        """One frame to the worker."""
        try:
            await send_frame(self._proc.writer, kind, payload)
        except (OSError, RuntimeError) as exc:  # RuntimeError: the transport is closing
            self._proc.alive = False
            self.ended = True
            raise WorkerDied(f"a worker process ended while reading: {exc}") from exc

    async def credit(self) -> None:
        """Let the worker read one more page."""
        await self.send(CREDIT)

    async def next(self) -> tuple[int, bytes]:
        """The worker's next frame: PAGE, END or FAILED."""
        try:
            kind, payload = await recv_frame(self._proc.reader)
        except (OSError, asyncio.IncompleteReadError) as exc:
            self._proc.alive = False
            self.ended = True
            raise WorkerDied(f"a worker process ended while reading: {exc}") from exc
        if kind in (END, FAILED):
            self.ended = True
        return kind, payload

    async def stop(self) -> None:
        """Stop the read and wait (a bounded time) until the worker closed its partition."""
        try:
            await self.send(STOP)
            async with asyncio.timeout(STOP_SECONDS):
                while not self.ended:
                    await self.next()
        except Exception:
            self._proc.alive = False  # unsure where it stands: replaced


async def _shielded(aw: Any) -> Any:
    """``aw`` run to its end even through a cancellation of the caller, which then goes on."""
    task = asyncio.ensure_future(aw)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.done():
                break
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    return task.result()


async def _spawn() -> _Proc:
    ctx = multiprocessing.get_context("spawn")
    mine, theirs = socket.socketpair()
    try:
        process = ctx.Process(
            target=_worker_main, args=(theirs,), daemon=True, name="leakhound-worker"
        )
        await asyncio.to_thread(process.start)
    except BaseException:
        mine.close()
        raise
    finally:
        theirs.close()
    reader, writer = await asyncio.open_connection(sock=mine)
    return _Proc(process, reader, writer)


# -- in the worker process -----------------------------------------------------------------


def _worker_main(sock: socket.socket) -> None:
    """A worker process: jobs from the scan until its socket closes."""
    _ignore_sigint()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(sock))


async def _serve(sock: socket.socket) -> None:
    reader, writer = await asyncio.open_connection(sock=sock)
    jobs: asyncio.Queue[tuple[int, bytes, Any] | None] = asyncio.Queue()
    # The newest read's credits and stop event: set up as its frame arrives, so that the
    # credits sent right behind it are not lost (the scan starts a read only once the one
    # before has ended).
    current: tuple[asyncio.Semaphore, asyncio.Event] | None = None

    async def dispatch() -> None:
        nonlocal current
        try:
            while True:
                kind, payload = await recv_frame(reader)
                if kind == CALL:
                    jobs.put_nowait((kind, payload, None))
                elif kind == READ:
                    current = asyncio.Semaphore(0), asyncio.Event()
                    jobs.put_nowait((kind, payload, current))
                elif current is not None and kind == CREDIT:
                    current[0].release()
                elif current is not None and kind == STOP:
                    current[1].set()
        except (asyncio.IncompleteReadError, OSError, WorkerDied):
            if current is not None:
                current[1].set()
            jobs.put_nowait(None)

    dispatcher = asyncio.create_task(dispatch())
    try:
        while (job := await jobs.get()) is not None:
            kind, payload, state = job
            if kind == CALL:
                try:
                    call = pickle.loads(payload)  # noqa: S301 (from our own scan)
                    answer = RESULT, pickle.dumps(call(), 5)
                except Exception as exc:
                    answer = FAILED, dump_error(exc)
                await send_frame(writer, *answer)
                started()  # the first job imported and built what detection needs
                continue
            credits, stop = state
            try:
                read = pickle.loads(payload)  # noqa: S301 (from our own scan)
            except Exception as exc:  # a probe this process cannot import
                await send_frame(writer, FAILED, dump_error(exc))
                continue
            await read(credits, stop, partial(send_frame, writer))
    except (OSError, ConnectionError):
        pass  # the scan is gone
    finally:
        dispatcher.cancel()
        with contextlib.suppress(BaseException):
            await dispatcher
        writer.close()
