"""PostgreSQL: a table read whole, page by page, for ``--depth full``.

Two readers, both in ctid order, both resumable from the last ctid read:
- ``_CtidPages`` (from PostgreSQL 14, whose planner scans a range of ctids alone): a page is a
  window of the table's blocks, and a table is split into partitions of blocks, each on its
  own connection.
- ``_CtidStream`` (a server whose planner cannot: PostgreSQL 13 and older, or one that has
  TID scans turned off): there each window would be a sequential scan of the whole table, so
  a table of N pages would be scanned N times. It is read in one ``COPY`` of every row after
  the position instead, as pg_dump reads a table, cut into pages as the rows arrive.
"""

from __future__ import annotations

import re
from typing import Any

from ...errors import NetError, ProtocolError, TimeoutError_
from ...models import Container, Endpoint
from ...net import Transport
from ..base import NOTE, FullReader, Page, PartitionReader, ReadPlan
from ..tls import tls_followed, tls_planned
from .allow import quote
from .connection import Connection, connect
from .copy import CopyRows
from .wire import ServerError

_CTID = re.compile(r"\(\d{1,10},\d{1,5}\)")
_FIRST_WINDOW = 8  # blocks: ~100 rows of a table of 600-byte rows
_MAX_WINDOW = 1 << 16  # blocks (512 MiB of 8 KiB blocks): a window of sparse blocks
_GROWTH = 4  # a window grows at most this many times from one page to the next
# A window holding more than this many pages of rows is read in ctid order instead, a page
# at a time: a page is never more than this many times the rows asked for.
_CAP_PAGES = 4
MAX_BLOCK = 4_294_967_295  # a ctid's block number is 32 bits
_MAX_ITEM = 65535  # a ctid's item number is 16 bits: (block, 65535) is past every row of it
# A table is split into partitions of at least this many blocks (8 MiB of 8 KiB blocks):
# below that, a second connection costs more than it saves.
_MIN_PARTITION_BLOCKS = 1024


def _split(name: str) -> tuple[str, str, str]:
    """database, schema, table of a container (their names may hold dots: kept in details)."""
    db, schema, table = [*name.split(".", 2), "", ""][:3]
    return db, schema, table


def table_of(container: Container) -> tuple[str, str, str]:
    """The database, schema and table a container is."""
    d = container.details
    if all(isinstance(d.get(k), str) for k in ("database", "schema", "table")):
        return d["database"], d["schema"], d["table"]
    return _split(container.name)


class PostgresqlReader(FullReader):
    """A table in ctid order, each page the rows after the last ctid read: the position is one
    value, valid on any connection while the table is not rewritten (VACUUM FULL, CLUSTER),
    and nothing stays open on the server.

    A page is a window of blocks after the position (``ctid < '(block,0)'``): from PostgreSQL
    14 that is a TID Range Scan of those blocks alone. The window's rows come whole, unsorted
    and without their ctids, and the next page starts after the window's last block: the
    server does what pg_dump's COPY of the table does, and no more (sorting each page by
    ctid and writing each ctid cost it 1.3 µs a row more, half again its work). The window
    is sized to hold about a page of rows, from the rows the last one held. One that holds
    more than ``_CAP_PAGES`` pages (rows far denser than before it) is read in ctid order
    instead, a page at a time, so no page is ever larger than that. An empty window is
    followed by the ordered page up to the partition's end (the table's end for the last),
    which alone says there are no more rows (or skips a run of empty blocks).

    The table's blocks, as the inventory counted them, are split into partitions read on
    connections of their own: the server turns one partition's rows into text while this
    process reads another's. The last partition has no end: rows written past the counted
    blocks are read too. A page comes as ``COPY (SELECT …) TO STDOUT`` (see ``copy``).

    Where the server's planner does not scan a range of ctids alone (``ranges_ctids``:
    before PostgreSQL 14, or TID scans turned off), each window would filter a sequential
    scan of the whole table: the table is read by ``_CtidStream`` instead (``STREAM``), in
    one partition."""

    method = "ctid-range"

    def __init__(self, transport: Transport, endpoint: Endpoint) -> None:
        self.transport, self.endpoint = transport, endpoint
        # Databases whose planner scanned a range of a table's ctids alone (``ranges_ctids``)
        self.ranging: dict[str, bool] = {}

    async def open(self, container: Container, partitions: int) -> ReadPlan:
        """The table's blocks in up to ``partitions`` ranges, each in ctid order; on a server
        that cannot scan a range of ctids, the whole table in one stream."""
        db, schema, table = table_of(container)
        where = f"{quote(schema)}.{quote(table)}"
        ranging = self.ranging.get(db, False)
        if not ranging:
            # Asked again for each table until one is ranged: the planner of a server that
            # can still scans a table of a few blocks whole (cheaper than a range's first
            # read), and an error is that table's.
            conn = await connect(self.transport, self.endpoint, db)
            try:
                ranging = self.ranging[db] = await ranges_ctids(conn, where)
            finally:
                await conn.close()
        state: dict[str, Any] = {"database": db, "schema": schema, "table": table, "starts": [0]}
        state.update(tls_planned(self.transport, self.endpoint))
        blocks = container.details.get("blocks")
        if not ranging:
            if isinstance(blocks, int) and blocks > 0:
                state["blocks"] = blocks  # what a stream may pass over without a row
            return ReadPlan(container.name, 1, STREAM, state, container.docs)
        if isinstance(blocks, int) and blocks > 0:
            count = max(1, min(partitions, blocks // _MIN_PARTITION_BLOCKS))
            state["starts"] = [blocks * n // count for n in range(count)]
        return ReadPlan(container.name, len(state["starts"]), self.method, state, container.docs)

    async def reopen(self, plan: ReadPlan) -> ReadPlan:
        """A position never expires: the same plan."""
        return plan

    def partition(
        self, plan: ReadPlan, number: int, position: Any, *, size: int
    ) -> PartitionReader:
        """The partition's rows after the stored ctid (from its first block when None)."""
        state = plan.state if isinstance(plan.state, dict) else {}
        db, schema, table = (state.get(k) for k in ("database", "schema", "table"))
        if not (isinstance(db, str) and isinstance(schema, str) and isinstance(table, str)):
            raise ProtocolError(f"{plan.container}: the stored read plan is not PostgreSQL's")
        starts = state.get("starts", [0])  # a plan of one partition kept before "starts"
        if (
            not isinstance(starts, list)
            or len(starts) != plan.partitions
            or not all(isinstance(b, int) and 0 <= b <= MAX_BLOCK for b in starts)
            or starts != sorted(starts)
            or not 0 <= number < len(starts)
        ):
            raise ProtocolError(f"{plan.container}: an unreadable stored read plan")
        after = position.get("ctid") if isinstance(position, dict) else None
        if after is not None and not (isinstance(after, str) and _CTID.fullmatch(after)):
            raise ProtocolError(f"{plan.container}: an unreadable stored position")
        resumed = position.get("resumed", 0) if isinstance(position, dict) else 0
        if not isinstance(resumed, int) or isinstance(resumed, bool) or resumed < 0:
            raise ProtocolError(f"{plan.container}: an unreadable stored position")
        tls_followed(plan, self.transport, self.endpoint)
        if plan.method == STREAM:
            blocks = state.get("blocks")  # None in a plan kept before it
            if blocks is not None and not (isinstance(blocks, int) and 0 <= blocks <= MAX_BLOCK):
                raise ProtocolError(f"{plan.container}: an unreadable stored read plan")
            return _CtidStream(self, db, schema, table, after, size, blocks=blocks, resumed=resumed)
        end = starts[number + 1] if number + 1 < len(starts) else None
        return _CtidPages(self, db, schema, table, after or f"({starts[number]},0)", size, end=end)


class _CtidPages(PartitionReader):
    def __init__(
        self,
        reader: PostgresqlReader,
        db: str,
        schema: str,
        table: str,
        after: str,
        size: int,
        *,
        end: int | None = None,
    ) -> None:
        self.reader, self.db, self.size = reader, db, max(1, size)
        self.where = f"{quote(schema)}.{quote(table)}"
        self.after = after
        self.end = end  # the block this partition stops before (None: the table's end)
        self.blocks = _FIRST_WINDOW  # blocks a page's window spans past the position's
        self.dense: int | None = None  # the end of a window being read in order, if one is
        self.conn: Connection | None = None
        self.rows: CopyRows | None = None
        self.done = False

    async def _window(self, upper: int) -> list[bytes]:
        """Every row after the position in the blocks before ``upper``, in the order the
        scan meets them: no sort, no position a row; more than ``_CAP_PAGES`` pages of rows
        are cut short (and the caller reads that window in order instead)."""
        assert self.conn is not None
        return await self.conn.copy(
            f"COPY (SELECT * FROM ONLY {self.where} WHERE ctid > '{self.after}'::tid "
            f"AND ctid < '({upper},0)'::tid LIMIT {self.size * _CAP_PAGES + 1}) TO STDOUT"
        )

    async def _ordered(self, upper: int | None) -> list[bytes]:
        """The first page of rows after the position (before ``upper``'s block), in ctid
        order, each with its ctid."""
        assert self.conn is not None
        bound = "" if upper is None else f" AND ctid < '({upper},0)'::tid"
        return await self.conn.copy(
            f'COPY (SELECT *, ctid::text AS "?ctid" FROM ONLY {self.where} WHERE ctid > '
            f"'{self.after}'::tid{bound} ORDER BY ctid LIMIT {self.size}) TO STDOUT"
        )

    def _in_order(self, lines: list[bytes], position: str | None = None) -> Page:
        """A page read in ctid order: the position is its last row's, or ``position`` (the
        end of the window its rows were all of)."""
        assert self.rows is not None
        docs, last = self.rows.documents(lines)
        if not _CTID.fullmatch(last):
            raise ProtocolError("a row without a readable ctid: cannot page on")
        self.after = position or last
        return Page(tuple(docs), {"ctid": self.after})

    async def next_page(self) -> Page | None:
        try:
            return await self._next_page()
        except NetError:
            if self.conn is not None and self.conn.stream.closed:
                # Its framing lost (cut midway, a deadline): the page is asked again on a
                # new connection, from the same position.
                await self.close()
            raise

    async def _next_page(self) -> Page | None:
        if self.done:
            return None
        if self.conn is None:
            self.conn = await connect(self.reader.transport, self.reader.endpoint, self.db)
            # The columns' names and types: COPY sends only the values.
            self.rows = CopyRows(
                (await self.conn.run(f"SELECT * FROM ONLY {self.where} LIMIT 0")).columns
            )
        assert self.rows is not None
        while True:
            if self.dense is not None:
                page = await self._dense_page(self.dense)
                if page is None and not self.done:
                    continue  # nothing was left of it: windows again, from its end
                return page
            block, item = (int(n) for n in self.after[1:-1].split(","))
            start = block + 1 if item == _MAX_ITEM else block  # a window's end: past its block
            upper = min(start + self.blocks, MAX_BLOCK)
            final = self.end is not None and upper >= self.end
            if self.end is not None and final:
                upper = self.end
            lines = await self._window(upper) if upper > start else []
            if len(lines) > self.size * _CAP_PAGES:
                # Rows far denser than the blocks before: this window is read in order, a
                # page at a time, and the next one spans fewer blocks.
                self.dense = upper
                self.blocks = max(1, self.blocks * self.size // len(lines))
                continue
            if lines:
                docs, _ = self.rows.documents(lines, positioned=False)
                # Every row of the window was read: the next page starts at its end.
                self.after = f"({upper - 1},{_MAX_ITEM})"
                self.done = final
                # The next window spans the blocks a page's rows fill here (growing at most
                # _GROWTH times a page through sparse blocks).
                fit = self.blocks * self.size // len(docs)
                self.blocks = max(1, min(fit, self.blocks * _GROWTH, _MAX_WINDOW))
                return Page(tuple(docs), {"ctid": self.after})
            if final:
                self.done = True
                return None
            # Nothing in the window: the partition's end, or empty blocks. The rest says.
            lines = await self._ordered(self.end)
            self.blocks = min(self.blocks * 2, _MAX_WINDOW)
            page = self._in_order(lines) if lines else None  # read before the end is said
            if len(lines) < self.size:
                self.done = True
            return page

    async def _dense_page(self, until: int) -> Page | None:
        """The next page of a window too dense to take whole (up to ``until``'s block), in
        ctid order; once its rows are out, the position is the window's end (None: none
        were left, its rows deleted meanwhile)."""
        lines = await self._ordered(until)
        if len(lines) >= self.size:
            return self._in_order(lines)
        end = f"({until - 1},{_MAX_ITEM})"
        page = self._in_order(lines, end) if lines else None  # read before the end is said
        self.dense = None
        if self.end is not None and until >= self.end:
            self.done = True
        if page is None:
            self.after = end
        return page

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()
            self.conn = None


STREAM = "ctid-stream"  # the read plan's method of a table read by ``_CtidStream``
# What a ctid range of a few blocks is planned as, where the planner scans it alone.
_RANGE_SCAN = "Tid Range Scan"


def range_plan(where: str) -> str:
    """The question whether the server scans a range of a table's ctids alone: the plan of
    one (EXPLAIN without ANALYZE: planned, never run)."""
    return (
        f"EXPLAIN (COSTS OFF) SELECT * FROM ONLY {where} "
        "WHERE ctid > '(0,0)'::tid AND ctid < '(8,0)'::tid"
    )


async def ranges_ctids(conn: Connection, where: str) -> bool:
    """Whether the server's planner scans a range of the table's ctids alone (a TID Range
    Scan, PostgreSQL 14 and later with TID scans on). A server that cannot say (an error, a
    server of another make) is read as one that cannot."""
    try:
        plan = await conn.run(range_plan(where), width=1)
    except ServerError:
        return False
    return any(row[0] is not None and _RANGE_SCAN in row[0] for row in plan.rows)


# A streaming session: the scan reads the table from its first block (never synchronised
# with another scan of it, which would start it midway) in one process (a parallel plan
# hands rows out in no order), and is not stopped by the server's statement timeout midway
# (as pg_dump's session is not). A setting an older server does not know is left alone.
STREAM_SETTINGS = (
    "SET synchronize_seqscans = off",
    "SET max_parallel_workers_per_gather = 0",
    "SET statement_timeout = 0",
)


# Blocks a second a scan passes over at the slowest (50 MiB of 8 KiB blocks), without a row
# to send: before a resumed stream's first row, and over a run of dead rows (or of rows the
# position filters out) anywhere in the table.
_SKIPPED = 6400
# The longest a stream's server may be silent in all, whatever the table's size says (the
# server's own pg_relation_size): a server that scans still, or one that holds the read
# without a row, is given up on after this.
_MAX_SILENCE = 3600.0


def silence(blocks: int | None, after: str | None) -> float:
    """Seconds a stream's server may send nothing, over all its parts together: 10 and the
    time its scan takes over every block of the table (as the inventory counted them, or up
    to the position where that is further) at the slowest, at most ``_MAX_SILENCE``. A scan
    that meets a long run of dead rows is silent while it passes over them; the table's size
    bounds those runs together, as one scan passes over each block once."""
    furthest = max(blocks or 0, _tid(after)[0] if after is not None else 0)
    return min(10 + furthest / _SKIPPED, _MAX_SILENCE)


class _CtidStream(PartitionReader):
    """Every row of a table after a position, in ctid order, from one ``COPY`` whose rows are
    cut into pages as they arrive (the server waits, its socket full, while a page is
    read). Each row comes with its ctid: a page's last is the position to resume after, and
    a row out of ctid order (a scan that did not run as asked) stops the read.

    Its server may be silent past the read deadline (``silence``) for as long in all, not in
    each part: each part's silence past the read deadline is taken from what is left (a
    server that sent a part an hour would otherwise hold the read an hour a part). A COPY
    begun again after the position (a connection lost, a read resumed) is another snapshot
    of the table: its positions then say in how many the table was read (``NOTE``)."""

    def __init__(
        self,
        reader: PostgresqlReader,
        db: str,
        schema: str,
        table: str,
        after: str | None,
        size: int,
        *,
        blocks: int | None = None,
        resumed: int = 0,
    ) -> None:
        self.reader, self.db, self.size = reader, db, max(1, size)
        self.where = f"{quote(schema)}.{quote(table)}"
        self.after = after  # None: from the table's first row
        self.blocks = blocks  # the table's blocks when the read was planned (None: unknown)
        # Seconds the stream's server may still be silent at once; what it is silent past the
        # read deadline in each part is taken from it, over all its parts (asked again or not).
        self.allowed = silence(blocks, after)
        self.left = self.allowed
        # COPYs begun after a row had been read, each its own snapshot (``_position``).
        self.resumed = resumed
        self.conn: Connection | None = None
        self.rows: CopyRows | None = None
        self.done = False

    def statement(self) -> str:
        """The COPY of every row after the position, each with its ctid."""
        after = "" if self.after is None else f" WHERE ctid > '{self.after}'::tid"
        return f'COPY (SELECT *, ctid::text AS "?ctid" FROM ONLY {self.where}{after}) TO STDOUT'

    async def next_page(self) -> Page | None:
        try:
            return await self._next_page()
        except NetError:
            # A stream cut short cannot go on: the page is asked again on a new connection,
            # from the same position.
            await self.close()
            raise

    async def _next_page(self) -> Page | None:
        if self.done:
            return None
        sql: str | None = None
        if self.conn is None:
            self.conn = await self._session()
            self.rows = CopyRows(
                (await self.conn.run(f"SELECT * FROM ONLY {self.where} LIMIT 0")).columns
            )
            sql = self.statement()
        assert self.rows is not None
        # The scan may pass over many blocks without a row to send, in any part: before the
        # position it resumes after, over dead rows. A server that scans is not given up on
        # for that silence; one that holds the read without a row is, once the silence
        # the stream is allowed in all is spent.
        # Only the server's silence past the read deadline is taken (``Connection.silent``),
        # not the time a part took to arrive, nor its wait for the host's rate or a slot.
        deadline = self.reader.transport.limits.read_timeout
        conn = self.conn
        try:
            lines, ended = await conn.copy_part(
                sql, self.size, wait=self.left if self.left > deadline else None
            )
        except TimeoutError_ as exc:
            left, self.left = self.left, 0.0
            spent = f"{left:g}s left" if left > deadline else "none left"
            raise TimeoutError_(
                f"{exc}: waited with {spent} of the {self.allowed:g}s a stream of this table "
                "may be silent in all (a scan of its blocks at the slowest, at most an hour)"
            ) from exc
        finally:
            self.left = max(0.0, self.left - conn.silent)
        if sql is not None and self.after is not None:
            # Begun after the rows read so far: another snapshot. Counted once it answered,
            # not when asked: a COPY that failed before its first part read nothing.
            self.resumed += 1
        if lines:
            page: Page | None = self._page(lines)
        elif sql is not None and self.after is not None:
            # Begun again and nothing after the position: still a read of more snapshots,
            # which an empty page says.
            page = Page((), self._position(self.after))
        else:
            page = None
        # Only once its last part is read as a page: a part that fails is asked again.
        if ended:
            self.done = True
            await self.close()
        return page

    def _page(self, lines: list[bytes]) -> Page:
        """A part's rows, checked in ctid order after the position, which moves to its last."""
        assert self.rows is not None
        docs, last = self.rows.documents(lines)
        first = lines[0].rsplit(b"\t", 1)[-1].rstrip(b"\n").decode("ascii", "replace")
        if not (_CTID.fullmatch(last) and _CTID.fullmatch(first)):
            raise ProtocolError("a row without a readable ctid: cannot page on")
        if (self.after is not None and _tid(first) <= _tid(self.after)) or _tid(last) < _tid(first):
            raise ProtocolError(
                "rows out of ctid order: the server did not scan the table from its first "
                "block, in one process"
            )
        self.after = last
        return Page(tuple(docs), self._position(last))

    def _position(self, ctid: str) -> dict[str, Any]:
        """The last ctid read; once a COPY was begun again after a row, how many times, and
        that said in a line for the report (``Page``)."""
        if not self.resumed:
            return {"ctid": ctid}
        times = "once" if self.resumed == 1 else f"{self.resumed} times"
        return {
            "ctid": ctid,
            "resumed": self.resumed,
            NOTE: (
                f"read in {self.resumed + 1} snapshots, not one: its one COPY was begun again "
                f"{times} after the last row read (a connection lost or a read resumed); a "
                "row written, moved by an update or deleted meanwhile may have been missed "
                "or read twice"
            ),
        }

    async def _session(self) -> Connection:
        """A connection with ``STREAM_SETTINGS`` made; a setting the server refuses (one it
        does not have: parallel plans came with 9.6) is left out, on a new connection (an
        error closes ours)."""
        refused: set[str] = set()
        while True:
            conn = await connect(self.reader.transport, self.reader.endpoint, self.db)
            setting = ""
            try:
                for setting in STREAM_SETTINGS:
                    if setting not in refused:
                        await conn.run(setting)
                return conn
            except ServerError:
                await conn.close()
                refused.add(setting)  # each time a new one: at most one try a setting
            except BaseException:
                await conn.close()
                raise

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()
            self.conn = None


def _tid(text: str) -> tuple[int, int]:
    block, item = text[1:-1].split(",")
    return int(block), int(item)
