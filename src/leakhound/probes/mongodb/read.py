"""A collection read whole for ``--depth full``: one ``find`` cursor sorted by ``_id``, a
``getMore`` a page, the last ``_id`` read kept as the position a resumed read goes on from."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

import bson

from ...errors import NetError, ProtocolError, TimeoutError_, TooLargeError
from ...models import Container, Endpoint
from ...net import Transport
from ..base import FullReader, Page, PartitionReader, ReadPlan
from ..shown import Originals
from ..tls import tls_followed, tls_planned
from .connection import Connection, connect
from .cursor import BadCursor, batch_of
from .names import place, unmasked
from .wire import plain


def _encode_id(value: Any) -> str:
    """An ``_id`` as text a checkpoint can keep (BSON, base64)."""
    return base64.b64encode(bson.encode({"_id": value})).decode()


def _decode_id(text: str) -> Any:
    try:
        return bson.decode(base64.b64decode(text))["_id"]
    except (ValueError, KeyError, bson.errors.BSONError) as exc:
        raise ProtocolError("an unreadable stored read position") from exc


def _planned(plan: ReadPlan) -> tuple[str, str] | None:
    """The database and collection a read plan is of: kept in its state; None for a masked
    container name (found when its cursor opens: its own names are kept nowhere). A plan
    checkpointed before the pair was kept (its state None) names ``db.collection`` as that
    version wrote and read it, the database before the first dot: a resumed read goes on
    where it was."""
    state = plan.state
    if state is None:
        first, _, rest = plan.container.partition(".")
        return first, rest
    if isinstance(state, dict) and state.get("masked") is True:
        return None
    db = state.get("database") if isinstance(state, dict) else None
    collection = state.get("collection") if isinstance(state, dict) else None
    if not isinstance(db, str) or not isinstance(collection, str):
        raise ProtocolError(f"{plan.container}: the stored read plan is not MongoDB's")
    return db, collection


class MongodbReader(FullReader):
    """A collection in ``_id`` order through one server cursor: a ``find`` sorted by ``_id``,
    then a ``getMore`` a page, and ``killCursors`` when the read stops before the end.

    The position kept after each page is the last ``_id`` read, valid on any connection: a
    read resumed (or retried after a broken connection) opens a new cursor on the ``_id``
    values after it. One cursor, not a ``find`` a page from the last ``_id``, because a server
    that cannot walk the ``_id`` index (FerretDB on SQLite) sorts the collection again for
    every such ``find``: the read of a collection then costs its size squared over the page.

    One partition a collection: a cursor is already one sorted pass, and a second one over
    another ``_id`` range would make such a server filter and sort the collection twice.

    ``_id`` values of different BSON types sort in type brackets that a ``$gt`` does not
    cross: a read resumed in a collection mixing them ends with the bracket it stopped in.
    """

    method = "cursor"

    def __init__(
        self,
        transport: Transport,
        endpoint: Endpoint,
        originals: Originals[tuple[str, str]] | None = None,
        *,
        member: bool = False,
    ) -> None:
        self.transport, self.endpoint = transport, endpoint
        self.originals: Originals[tuple[str, str]] = originals or Originals()
        self.fields: tuple[str, ...] | None = None
        self.member = member  # of a replica set: reads a secondary answers too

    async def connect(self) -> Connection:
        """A connection of this read's (``connection.connect``)."""
        return await connect(self.transport, self.endpoint, member=self.member)

    async def open(self, container: Container, partitions: int) -> ReadPlan:
        """One partition: the ``_id`` order of the collection, its database and name kept;
        for a masked name, that it is masked (its own names, personal data, are found again
        when the cursor opens, never written in a checkpoint)."""
        pair = place(container)
        # Cut in clear (``verdict``): a partition read in another process asks for TLS too.
        tls = tls_planned(self.transport, self.endpoint)
        if pair is None:
            await self._unmasked(container)  # one no longer listed fails here
            state: dict[str, Any] = {"masked": True, **tls}
            return ReadPlan(container.name, 1, self.method, state, container.docs)
        state = {"database": pair[0], "collection": pair[1], **tls}
        return ReadPlan(container.name, 1, self.method, state, container.docs)

    async def own_name(self, container: Container) -> str | None:
        """The database and collection a masked container name stands for, as JSON."""
        if place(container) is not None:
            return None
        return json.dumps(await self._unmasked(container))

    async def _unmasked(self, container: Container) -> tuple[str, str]:
        """The database and collection behind a masked container name (``names.unmasked``): kept,
        else found in a listing asked on a connection of its own."""
        if (pair := self.originals.get(self.endpoint.key, container.name)) is not None:
            return pair
        conn = await self.connect()
        try:
            return await unmasked(conn, self.originals, self.endpoint.key, container.name)
        finally:
            await conn.close()

    async def reopen(self, plan: ReadPlan) -> ReadPlan:
        """A position never expires: the same plan."""
        return plan

    def partition(
        self, plan: ReadPlan, number: int, position: Any, *, size: int
    ) -> PartitionReader:
        """Documents after the stored ``_id`` (from the first when None)."""
        tls_followed(plan, self.transport, self.endpoint)
        after = position.get("after") if isinstance(position, dict) else None
        where = _planned(plan) or plan.container  # a masked name: found when it opens
        return _CursorPages(self, where, after, size, self.fields, total=plan.total)

    def project(self, fields: Sequence[str]) -> FullReader:
        """Documents holding only ``fields`` (and ``_id``): a projection."""
        projected = MongodbReader(self.transport, self.endpoint, self.originals, member=self.member)
        projected.fields = tuple(fields)
        return projected


class SlowSort(TimeoutError_):
    """The sorted ``find`` that opens a cursor did not answer within the read deadline."""


EMPTY_BATCHES = 3  # empty batches in a row from a cursor that says it goes on: a hostile one
# Documents a second a server that cannot walk the _id index sorts before the first batch of
# a cursor: FerretDB 1.24 on SQLite sorted ~5,000 a second on two cores at load 4-6, and
# fewer than 1,500 at load 7-10 (a 60,000-document collection took over 40 s): the deadline
# to open a cursor allows for 500 a second (benchmarks/README.md, MongoDB at 1,000,000).
SORT_RATE = 500
SORT_WAIT_MAX = 1_800.0  # seconds: the longest a cursor may take to open, whatever the count


def opening_wait(read_timeout: float, documents: int | None) -> float:
    """Seconds the ``find`` that opens a cursor may take before its first batch: the read
    deadline, and as long again as sorting ``documents`` takes a server that sorts the whole
    collection first (FerretDB): a collection of 1,000,000 documents is not an error at the
    default deadline. A server with an ``_id`` index answers at once; a stalling one costs
    this wait once a collection, never more than ``SORT_WAIT_MAX``."""
    sorting = max(0, documents or 0) / SORT_RATE
    return read_timeout + min(sorting, SORT_WAIT_MAX)


# The first batch of a cursor: its bytes size the next ones (documents may be 16 MiB each).
FIRST_BATCH = 16


def _before(previous: Any, first: Any) -> bool:
    """Whether ``first`` may follow ``previous`` in ``_id`` order (checked where Python
    can compare them: same type)."""
    if type(previous) is not type(first):
        return True
    try:
        return bool(previous < first)
    except TypeError:
        return previous != first


class _CursorPages(PartitionReader):
    """One cursor's pages; a new cursor from the last ``_id`` after a failure."""

    def __init__(
        self,
        reader: MongodbReader,
        where: tuple[str, str] | str,
        after: str | None,
        size: int,
        fields: Sequence[str] | None = None,
        *,
        total: int | None = None,
    ) -> None:
        self.reader, self.size = reader, max(1, size)
        self.wait = opening_wait(reader.transport.limits.read_timeout, total)
        self.projection = {f: 1 for f in fields} if fields else None
        # A masked container name (``shown``) is found on the cursor's first connection.
        self.shown = where if isinstance(where, str) else None
        self.db, self.collection = where if isinstance(where, tuple) else ("", "")
        self.after = after
        self.last: Any = _decode_id(after) if after else None
        self.conn: Connection | None = None
        self.cursor = 0  # the open server cursor, 0: none
        self.batch = min(self.size, FIRST_BATCH)
        self.empty = 0
        self.done = False
        # Half the reply cap for a batch: the server's own 16 MiB batch limit aside, a batch
        # of large documents must not run into the cap (its reply would be lost whole).
        self.budget = max(1, reader.transport.limits.max_body // 2)

    async def next_page(self) -> Page | None:
        docs: list[dict[str, Any]] = []
        while not docs:  # an empty batch of a cursor that goes on: ask again (a few times)
            if self.done:
                return None
            opening = not self.cursor
            try:
                docs = await (self._find() if opening else self._more())
            except NetError as exc:
                if isinstance(exc, TooLargeError):  # asked again, on smaller batches
                    self.batch = max(1, self.batch // 4)
                await self._drop()  # the retry opens a new cursor after the last _id read
                if opening and isinstance(exc, TimeoutError_):
                    raise SlowSort(
                        f"{exc}: no first batch of the cursor (a server without an _id index "
                        "walk sorts the whole collection first): a longer --read-timeout "
                        "gives it the time"
                    ) from exc
                raise
        first, last = docs[0].get("_id"), docs[-1].get("_id")
        if first is None or last is None:
            raise BadCursor("a document without _id: cannot page on")
        if self.last is not None and not _before(self.last, first):
            raise BadCursor("the cursor went back in _id order: not a sorted read")
        self.last, self.after = last, _encode_id(last)
        return Page(tuple(plain(d) for d in docs), {"after": self.after})

    def retryable(self, exc: NetError) -> bool:
        """A broken connection or a forgotten cursor is asked again (on a new cursor from the
        last ``_id``); a server that lied about its cursor is not, nor one that did not open
        the cursor in time: it may still be sorting, and a second find would sort again
        beside the first (FerretDB went on with each abandoned one, to 10 GB and both cores)."""
        return not isinstance(exc, BadCursor | SlowSort) and super().retryable(exc)

    async def _find(self) -> list[dict[str, Any]]:
        if self.conn is None:
            self.conn = await self.reader.connect()
        if self.shown is not None:
            reader = self.reader
            where = await unmasked(self.conn, reader.originals, reader.endpoint.key, self.shown)
            (self.db, self.collection), self.shown = where, None
        command: dict[str, Any] = {
            "find": self.collection,
            "filter": {"_id": {"$gt": self.last}} if self.after else {},
            "sort": {"_id": 1},
            "batchSize": self.batch,
        }
        if self.projection:
            command["projection"] = self.projection
        reply = await self.conn.run(self.db, command, wait=self.wait)
        self.cursor, docs = batch_of(reply, "firstBatch", self.batch)
        return self._took(docs)

    async def _more(self) -> list[dict[str, Any]]:
        assert self.conn is not None
        asked = self.batch
        reply = await self.conn.run(
            self.db,
            {"getMore": bson.Int64(self.cursor), "collection": self.collection, "batchSize": asked},
        )
        cursor, docs = batch_of(reply, "nextBatch", asked)
        if cursor not in (0, self.cursor):
            raise BadCursor("getMore answered with another cursor's id")
        self.cursor = cursor
        if docs or not cursor:
            self.empty = 0
        else:
            self.empty += 1
            if self.empty >= EMPTY_BATCHES:
                raise BadCursor("the cursor sends empty batches without ending")
        return self._took(docs)

    def _took(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The documents of a batch; the read ends with the cursor, and the next batch is
        sized from this one's bytes to stay under the reply cap."""
        if not self.cursor:
            self.done = True
        assert self.conn is not None
        if docs and self.conn.reply_bytes:
            per_doc = max(1, self.conn.reply_bytes // len(docs))
            self.batch = max(1, min(self.size, self.budget // per_doc))
        return docs

    async def _drop(self) -> None:
        """Let the cursor go and forget a connection that failed midway."""
        await self._kill()
        if self.conn is not None and self.conn.stream.closed:
            self.conn = None

    async def _kill(self) -> None:
        """``killCursors`` for the open cursor, on a new connection when its own was closed
        midway (an error, a cancellation): a server keeps a cursor no session holds for
        minutes after its connection is gone."""
        cursor, self.cursor = self.cursor, 0
        if not cursor:
            return
        with suppress(NetError):
            if self.conn is None or self.conn.stream.closed:
                self.conn = await self.reader.connect()
            await self.conn.run(
                self.db, {"killCursors": self.collection, "cursors": [bson.Int64(cursor)]}
            )

    async def close(self) -> None:
        await self._kill()
        if self.conn is not None:
            await self.conn.close()
            self.conn = None
