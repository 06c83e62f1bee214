"""PostgreSQL: the verdict from the startup (let in without a password is open), databases'
tables as containers, samples and full reads in read-only sessions."""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import replace
from typing import Any

from ... import compromise
from ...errors import ConnectError, DeniedError, NetError, ProtocolError, TimeoutError_
from ...models import (
    Container,
    Distinct,
    Endpoint,
    FieldInfo,
    FieldType,
    Fingerprint,
    Service,
    StoreDistinct,
    TlsInfo,
    Verdict,
    Words,
    YearCount,
)
from ...net import Transport
from .. import sampling
from ..base import (
    FullReader,
    Inventory,
    Probe,
    SampleDocs,
    failures_said,
    row_bytes,
)
from ..estimate import MAX_WINDOW_ROWS, KeyEstimate, along_key
from ..keyset import first_size
from ..reason import fitted
from ..reconnect import Reconnecting
from ..tls import TLS_DISABLED
from ..years import year_span
from . import distinct
from .allow import (
    ALLOW,
    COLUMNS,
    DATABASES,
    IN_RECOVERY,
    INDEXED,
    SYSTEM_IDENTIFIER,
    TABLES,
    WHOLE_KEYS,
    quote,
)
from .connection import ASKS, DEFAULT_USER, Connection, cell, connect, open_connection, session
from .read import MAX_BLOCK, PostgresqlReader, table_of
from .wire import ServerError

# Tables up to this size are counted exactly (SELECT count(*)); larger ones keep the
# planner's estimate, said to be one.
EXACT_COUNT_BYTES = 2 << 30
# A larger table whose date leads an index has its rows a year counted along that index: an
# index-only count reads about 5M entries a second here, so this many rows take ~10 s.
YEARS_INDEXED_ROWS = 50_000_000
# ...when this share of its blocks is all-visible (VACUUM's visibility map): below it, an
# index-only scan fetches rows from the table, a random read each.
YEARS_VISIBLE = 0.9
_MAX_YEARS = 200  # years between the oldest and newest date: more, and no years are counted
_NOT_PG = Verdict.not_of("postgresql")
_ITEMS_OVER_AVERAGE = 3  # a block's rows drawn up to three times the average: see per_block
_MAX_ROWS_A_BLOCK = 1169  # MaxHeapTuplesPerPage of the largest blocks (32 KiB; 291 of 8 KiB)
# Preferred names for the "main date" of a record, most telling first.
_DATE_NAMES = (
    "created_at",
    "createdat",
    "created",
    "timestamp",
    "date",
    "creation_date",
    "opened_at",
    "updated_at",
    "time",
)
_TYPES = {
    **dict.fromkeys(("text", "character varying", "character", "name", "citext"), FieldType.TEXT),
    **dict.fromkeys(
        ("smallint", "integer", "bigint", "numeric", "real", "double precision"), FieldType.NUMBER
    ),
    **dict.fromkeys(
        ("date", "timestamp without time zone", "timestamp with time zone"), FieldType.DATE
    ),
    "inet": FieldType.IP,
    "cidr": FieldType.IP,
    "boolean": FieldType.BOOLEAN,
    "json": FieldType.OBJECT,
    "jsonb": FieldType.OBJECT,
    "bytea": FieldType.BINARY,
    "point": FieldType.GEO_POINT,
}


async def _by_database(
    transport: Transport, service: Service, containers: Sequence[Container]
) -> AsyncGenerator[tuple[Reconnecting[Connection], tuple[str, str, str]], None]:
    """Each container's (database, schema, table) on a read-only connection to its database
    (one a database, in turn), under a statement timeout of the read deadline (the server
    stops when we stop waiting); opened again (``Reconnecting.ready``) once a statement
    closed it, as a reply over the byte cap does (a listing's page, asked again smaller:
    ``keyset._Asking``). Used in ``aclosing``: a connection closes with the loop."""
    by_db: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for c in containers:
        where = table_of(c)
        by_db[where[0]].append(where)
    for db, tables in sorted(by_db.items()):

        async def opened(db: str = db) -> Connection:
            conn = await connect(transport, service.endpoint, db)
            try:
                await conn.run(distinct.timeout(transport.limits.read_timeout))
            except BaseException:
                await conn.close()
                raise
            return conn

        link = Reconnecting(await opened(), opened)
        try:
            for t in tables:
                yield link, t
        finally:
            await link.close()


def _main_date(columns: list[tuple[str, str]]) -> str | None:
    dates = [c for c, t in columns if _TYPES.get(t) == FieldType.DATE]
    for name in _DATE_NAMES:
        for c in dates:
            if c.lower() == name:
                return c
    return dates[0] if dates else None


class PostgresqlProbe(Probe):
    """PostgreSQL 9.6 and later, plain TCP."""

    kind = "postgresql"
    words = Words(("table", "tables"), ("row", "rows"))
    distinct_types = frozenset({FieldType.TEXT})
    distinct_counted = (
        "count(DISTINCT …) of each table by the server, each value as stored (as text in "
        '"C": letter case and accents apart, not as leakhound reads an identifier), a value '
        "in two tables counted in each"
    )
    distinct_listed = (
        'every distinct value listed by the server (SELECT DISTINCT, each value as stored in "C", '
        "or in the column's own collation where it merges none, in pages, each after the last "
        "value listed), each then read as an identifier as in a full read (an address's letter "
        "case folded)"
    )
    default_ports = (5432,)
    schemes = ("postgresql", "postgres")
    allow = ALLOW

    async def verdict(self, transport: Transport, endpoint: Endpoint) -> Service:
        """Let in without a password (trust) is open; a password asked for is secured."""
        url = endpoint.url("postgresql")
        user = endpoint.user or DEFAULT_USER

        def service(verdict: Verdict, reason: str, fp: Fingerprint | None = None) -> Service:
            return Service(
                endpoint,
                url,
                self.kind,
                verdict,
                fitted(reason),  # the server's words last: cut at its end
                fp or Fingerprint(),
                ("startup",) if verdict == Verdict.OPEN else (),
                ("startup",) if verdict == Verdict.SECURED else (),
            )

        try:
            if transport.credentials is not None:
                conn = await connect(transport, endpoint)  # the owner's re-check: a full login
                try:
                    fp, role = await _identified(
                        conn, _fingerprint(conn.greeting.params, conn.stream.certificate())
                    )
                finally:
                    await conn.close()
                how = " over TLS" if fp.tls is not None else ""
                said = f"logged in as {user}{how} with the credentials given{role}"
                return service(Verdict.OPEN, said, fp)
            stream, greeting = await open_connection(transport, endpoint, ask=True)
            cert = stream.certificate()
            fp, role = _fingerprint(greeting.params, cert), ""
            try:
                if greeting.ok and greeting.error is None:
                    opened: Connection | None = None
                    with contextlib.suppress(NetError):  # decided: its identity is a bonus
                        opened = await session(stream, greeting)
                    if opened is not None:
                        fp, role = await _identified(opened, fp)
            finally:
                await stream.close()
        except ConnectError as exc:
            return service(Verdict.CLOSED if "refused" in str(exc) else Verdict.ERROR, str(exc))
        except TimeoutError_ as exc:
            return service(Verdict.TIMEOUT, str(exc))
        except ServerError as exc:
            return _refused(service, exc)
        except DeniedError as exc:  # the owner's login, refused before a password was asked
            return service(Verdict.SECURED, str(exc), Fingerprint(product="postgresql"))
        except ProtocolError as exc:
            return service(_NOT_PG, f"not the PostgreSQL protocol: {exc}")
        except NetError as exc:
            return service(Verdict.ERROR, str(exc))
        # Over TLS: the target URL asks for it, or the server refused the connection in
        # clear (``open_connection``).
        tls = ""
        if cert is not None:
            asked = endpoint.tls_required
            tls = " over TLS, as the target URL asks" if asked else " over TLS (refused in clear)"
        if greeting.error is not None:
            return _refused(service, greeting.error, fp, tls, greeting.tls_failed)
        if greeting.ok:
            return service(
                Verdict.OPEN,
                f"the server lets {user} in without a password (trust){tls}{role}",
                fp,
            )
        asks = ASKS.get(greeting.asks or -1, f"authentication {greeting.asks}")
        return service(
            Verdict.SECURED,
            f"the server asks {user} for {asks}{tls}",
            Fingerprint(product="postgresql", realm=asks, tls=cert),
        )

    async def inventory(
        self, transport: Transport, service: Service, *, max_containers: int
    ) -> Inventory:
        """Every table of every database we can connect to, counted."""
        try:
            conn = await connect(transport, service.endpoint)
        except NetError as exc:
            return Inventory((), f"cannot log in: {exc}")
        try:
            dbs = [r[0] for r in (await conn.run(DATABASES)).rows if r[0]]
        except NetError as exc:
            return Inventory((), f"cannot list databases: {exc}")
        finally:
            await conn.close()
        found: list[Container] = []
        errors: list[str] = []
        for db in dbs:
            if len(found) >= max_containers:
                break
            try:
                found += await _tables(transport, service.endpoint, db, max_containers - len(found))
            except NetError as exc:
                errors.append(f"{db}: {exc}")
        return Inventory(tuple(found), failures_said(errors))

    async def sample(
        self, transport: Transport, service: Service, container: Container, size: int
    ) -> SampleDocs:
        """Up to ``size`` rows spread over the table, in a read-only session: rows at
        random places of its blocks (``sampled_rows``); a table of no more rows than that, or
        whose rows and blocks the inventory does not know, its first ``size`` rows."""
        db, schema, table = table_of(container)
        try:
            conn = await connect(transport, service.endpoint, db)
        except NetError as exc:
            return SampleDocs.failed(exc)
        try:
            try:
                return await sampled_rows(conn, container, schema, table, size)
            except NetError as exc:
                # A spread read that broke the connection (past the read timeout): the
                # first rows on a new one, said to be that.
                if exc.denied or not conn.stream.closed or not (container.docs or 0) > size:
                    raise
            await conn.close()
            conn = await connect(transport, service.endpoint, db)
            got = await conn.run(first_rows(schema, table, size))
            return SampleDocs(tuple(_row(got.columns, r) for r in got.rows))
        except NetError as exc:
            return SampleDocs.failed(exc)
        except ValueError as exc:  # a name no statement can quote (quote)
            return SampleDocs((), str(exc))
        finally:
            await conn.close()

    def reader(self, transport: Transport, service: Service) -> FullReader:
        """Every row in ctid order, page by page after the last ctid read."""
        return PostgresqlReader(transport, service.endpoint)

    def field_type(self, native: str) -> FieldType:
        """A column's data type in neutral words."""
        return _TYPES.get(native, FieldType.UNKNOWN)

    async def count_distinct(
        self,
        transport: Transport,
        service: Service,
        containers: Sequence[Container],
        fields: Sequence[str],
    ) -> dict[str, Distinct] | None:
        """Each text column's distinct values, ``count(DISTINCT …)`` of each table holding
        it (``StoreDistinct``): as stored (in a database of encoding SQL_ASCII, as read:
        ``distinct.count_of``), exact for one table; for several, from the largest
        table's count (a value in every table) to their sum (a value in one), the sum the
        figure; and the largest table's count of values each one whole address, lower-cased
        (``folded``)."""
        out: dict[str, Distinct] = {}
        for f in fields:
            counts = []
            tables = _by_database(transport, service, self.holding(containers, f))
            async with aclosing(tables):
                async for link, (_, schema, table) in tables:
                    conn = link.conn
                    # A database of encoding SQL_ASCII: its values counted as read.
                    raw = _raw(conn)
                    counts.append(await distinct.count(conn, schema, table, f, raw=raw))
            if counts:
                stored = [n.stored for n in counts]
                out[f] = StoreDistinct(
                    sum(stored),
                    max(stored),
                    sum(stored),
                    len(counts) == 1,
                    folded=max(n.folded for n in counts),
                )
        return out or None

    async def distinct_values(
        self, transport: Transport, service: Service, containers: Sequence[Container], field: str
    ) -> AsyncIterator[str]:
        """A text column's distinct values, table by table, in keyset pages
        (``distinct.values``)."""
        holding = self.holding(containers, field)
        types = {table_of(c): next(f.type for f in c.fields if f.path == field) for c in holding}
        # Pages as large as a quarter of a reply's byte budget holds (the first from the
        # table's average row): a column no index orders is read whole by every page, and
        # sorted (``keyset.sized``).
        budget = transport.limits.max_body // 4
        first = {table_of(c): first_size(row_bytes(c), budget) for c in holding}
        tables = _by_database(transport, service, holding)
        async with aclosing(tables):
            async for link, where in tables:
                conn = await link.ready()
                _, schema, table = where
                # A database of encoding SQL_ASCII: its values listed as their bytes.
                raw = _raw(conn)
                own = (
                    not raw
                    and types[where] in distinct.TEXT_ORDERED
                    and await distinct.merges_nothing(conn, schema, table, field)
                )
                listed = distinct.values(
                    conn,
                    schema,
                    table,
                    field,
                    first[where],
                    own=own,
                    as_bytes=raw,
                    budget=budget,
                    reopen=link.ready,
                )
                async with aclosing(listed):
                    async for v in listed:
                        yield v


def _raw(conn: Connection) -> bool:
    """Whether a connection's database is of encoding SQL_ASCII (``allow.RAW_ENCODING``)."""
    return conn.greeting.params.get("server_encoding", "").upper() == "SQL_ASCII"


# What pg_hba.conf's refusal of a connection in clear ends with: "no encryption" since
# PostgreSQL 12, "SSL off" before.
_IN_CLEAR = re.compile(r"\bno encryption\b|\bSSL off\b")


def _refused(
    service: Any,
    error: ServerError,
    fp: Fingerprint | None = None,
    tls: str = "",
    tls_failed: str | None = None,
) -> Service:
    """An error at the startup: the cluster refuses this host or this user (secured), or
    something else went wrong. ``tls``: said of a refusal over TLS, after one in clear;
    ``tls_failed``: why a refusal in clear was not asked again over TLS."""
    if tls_failed == TLS_DISABLED and error.code.startswith("28") and _IN_CLEAR.search(error.text):
        # pg_hba.conf refuses this connection in clear (a cluster of ``hostssl`` lines says
        # so too): over TLS, not tried, it may let anyone in. Not known: no "secured".
        return service(
            Verdict.ERROR,
            f"the server refuses this connection in clear ({TLS_DISABLED}): {error.text}",
            fp or Fingerprint(product="postgresql", realm=error.code),
        )
    if error.code.startswith("28"):  # invalid authorization: pg_hba refuses, password wrong
        # The server's words last, where the reason is cut.
        over = f" (over TLS: {tls_failed})" if tls_failed else tls
        if tls_failed == TLS_DISABLED:
            over = f" ({TLS_DISABLED})"
        return service(
            Verdict.SECURED,
            f"the server refuses the login{over}: {error.text}",
            fp or Fingerprint(product="postgresql", realm=error.code),
        )
    result: Service = service(Verdict.ERROR, f"the server answers {error}{tls}", fp)
    return result


async def _identified(conn: Connection, fp: Fingerprint) -> tuple[Fingerprint, str]:
    """The fingerprint with the cluster's identity (``cluster_uuid``: its system identifier,
    shared by a primary and its streaming standbys) and whether it is a standby
    (``details.standby``), and a few words for the verdict's reason where it is one. What the
    server refuses or fails to say is left out, never an error: the verdict is decided (a
    system identifier refused leaves the store known by its endpoint)."""
    details = dict(fp.details)
    identity = None
    with contextlib.suppress(NetError):
        got = await conn.run(IN_RECOVERY, width=1)
        if got.rows and got.rows[0][0] in ("t", "f"):
            details["standby"] = got.rows[0][0] == "t"
    with contextlib.suppress(NetError):
        got = await conn.run(SYSTEM_IDENTIFIER, width=1)
        value = got.rows[0][0] if got.rows else None
        if value and value.isdigit() and len(value) <= 20:
            identity = value
    role = (
        "; a standby (in recovery: its primary's rows, read-only)" if details.get("standby") else ""
    )
    return replace(fp, cluster_uuid=identity, details=details), role


def _fingerprint(params: dict[str, str], tls: TlsInfo | None = None) -> Fingerprint:
    version = params.get("server_version")
    # (TimeZone is left out: it is the session's, UTC, asked at startup)
    details: dict[str, Any] = {k: params[k] for k in ("server_encoding",) if k in params}
    return Fingerprint(
        product="postgresql",
        version=version.split(" ")[0][:50] if version else None,
        details=details,
        tls=tls,
    )


def _row(columns: list[tuple[str, int]], values: list[str | None]) -> dict[str, Any]:
    return {name: cell(v, oid) for (name, oid), v in zip(columns, values, strict=True)}


def per_block(rows: int, blocks: int) -> int:
    """Item numbers to draw from in each block: ``_ITEMS_OVER_AVERAGE`` times the rows a
    block holds on average, so that a block fuller than the average (shorter rows, a row
    updated in place whose new version has a higher item) has its rows drawn too, at a third
    of the places holding a row; held to the most a block holds (a count far past what the
    blocks can hold, stale)."""
    return max(1, min(-(-rows // blocks) * _ITEMS_OVER_AVERAGE, _MAX_ROWS_A_BLOCK))


def ctids(places: Sequence[int], per: int) -> list[str]:
    """The ctid of each place of a table's ``blocks x per`` grid: block, then item from 1."""
    return [f"({p // per},{p % per + 1})" for p in places]


def at_ctids(schema: str, table: str, tids: Sequence[str]) -> str:
    """The rows at some ctids: a TID scan, which reads their blocks and no other."""
    listed = ",".join(f'"{t}"' for t in tids)
    return (
        f"SELECT * FROM ONLY {quote(schema)}.{quote(table)} "
        f"WHERE ctid = ANY ('{{{listed}}}'::tid[])"
    )


def first_rows(schema: str, table: str, size: int) -> str:
    """Up to ``size`` rows, the first the scan meets."""
    return f"SELECT * FROM ONLY {quote(schema)}.{quote(table)} LIMIT {int(size)}"


async def sampled_rows(
    conn: Connection, container: Container, schema: str, table: str, size: int
) -> SampleDocs:
    """Up to ``size`` rows spread over the table: ctids drawn at random from its blocks (as
    the inventory counted them) times the rows a block holds on average, asked in one TID
    scan a round (``sampling.draw``: a ctid of no row, past a page's rows or of a deleted
    one, returns nothing, and the next round asks for more). Each row is about as likely as
    another wherever it lies, whatever the table's order, and only the blocks of the rows
    asked are read: a hundred blocks of a table of any size. A table whose rows and blocks
    the inventory did not give (a big table never analysed), or of no more rows than
    ``size``, is read from its start, as is one where the draw found fewer than half the
    rows asked (its counts far off)."""
    rows, blocks = container.docs, container.details.get("blocks")
    if rows is not None and rows > size and isinstance(blocks, int) and blocks > 0:
        blocks = min(blocks, MAX_BLOCK)  # a ctid's block is 32 bits, whatever was said
        per = per_block(rows, blocks)

        async def ask(places: list[int]) -> list[dict[str, Any]]:
            got = await conn.run(at_ctids(schema, table, ctids(places, per)))
            return [_row(got.columns, r) for r in got.rows]

        try:
            found = await sampling.draw(ask, blocks * per, size, hit=1 / _ITEMS_OVER_AVERAGE)
        except NetError as exc:
            if exc.denied or conn.stream.closed:  # closed: the caller reads on a new one
                raise
            found = []  # the server refused the draw: the first rows, said to be that
        if len(found) * 2 >= size:
            return SampleDocs(tuple(found), drawn=sampling.SPREAD)
    got = await conn.run(first_rows(schema, table, size))
    return SampleDocs(tuple(_row(got.columns, r) for r in got.rows))


# How reltuples is obtained, where nothing better was.
_STATISTICS = (
    "the server's statistics (pg_class.reltuples), as of the table's last VACUUM or ANALYZE"
)


async def _key_estimate(
    conn: Connection, where: str, key: str, statistics: int | None = None
) -> KeyEstimate | None:
    """A large table's rows from windows of its whole-number key (``probes/estimate.py``):
    its first and last key from the index, then a range count a window; ``statistics``
    (reltuples) where the windows' bounds are loose."""
    got = await conn.run(
        f"SELECT min({quote(key)})::text, max({quote(key)})::text FROM ONLY {where}", width=2
    )
    ends = [_whole(v) for v in (got.rows[0] if got.rows else ())]
    if len(ends) != 2 or ends[0] is None or ends[1] is None:
        return None

    async def count(ranges: list[tuple[int, int]]) -> list[int | None] | None:
        # A column a window. The end inclusive: end - 1 fits the key's type (a bigint's last
        # value + 1 does not, and a numeric bound would not be an index range).
        k = quote(key)
        n = await conn.run(
            "SELECT "
            + ", ".join(
                f"(SELECT count(*) FROM (SELECT 1 FROM ONLY {where} WHERE {k} >= {start} "
                f"AND {k} <= {end - 1} LIMIT {MAX_WINDOW_ROWS + 1}) AS w)"
                for start, end in ranges
            ),
            width=len(ranges),
        )
        return [_number(v) for v in n.rows[0]] if n.rows else None

    return await along_key(ends[0], ends[1], where, count, statistics)


_WHOLE = re.compile(r"-?\d{1,19}")


def _whole(text: str | None) -> int | None:
    """A whole number the server printed (a key: maybe negative); None when it is not one."""
    if text is None or not _WHOLE.fullmatch(text):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


def _number(text: str | None) -> int | None:
    try:
        value = int(text or "")
    except ValueError:
        return None
    return value if 0 <= value < 2**63 else None


def _by_year(rows: Sequence[Sequence[str | None]]) -> tuple[int | None, tuple[YearCount, ...]]:
    """A table's rows and its rows a year from ``extract(year …)::text, count(*) … GROUP BY
    1``; the rows without a date (NULL) and those of ``infinity`` ("Infinity", "-Infinity":
    a sentinel, no year) in the total alone; (None, ()) when an answer is not such rows."""
    total, years = 0, []
    for row in rows:
        if len(row) != 2 or (n := _number(row[1])) is None:
            return None, ()
        total += n
        if total >= 2**63:  # a count no store holds (a hostile answer): count(*) instead
            return None, ()
        if row[0] is None or row[0] in ("Infinity", "-Infinity"):
            continue
        if not _YEAR.fullmatch(row[0]):
            return None, ()
        years.append(YearCount(int(row[0]), n))
    return total, tuple(sorted(years, key=lambda y: y.year))


_YEAR = re.compile(r"-?\d{1,6}")  # extract's year: BC years are negative
_LEADING_YEAR = re.compile(r"(\d{4,6})-\d\d-\d\d")  # a date's text, as ::text writes it


def _year_of(text: str | None) -> int | None:
    """The year of a date's or timestamp's text (AD only: ``… BC``, ``infinity`` are None)."""
    m = _LEADING_YEAR.match(text or "")
    if m is None or (text or "").endswith(" BC"):
        return None
    return int(m.group(1))


async def _years_along_index(
    conn: Connection,
    where: str,
    date_field: str,
    date_min: str | None,
    date_max: str | None,
    rows: int,
) -> tuple[int | None, tuple[YearCount, ...]]:
    """A table's rows a year, each year counted along the index on its date (an index-only
    scan of that year's entries), and its rows without a date: every row counted once, so
    their sum is the table's exact count. (None, ()) where the range has no AD years or spans
    more than ``_MAX_YEARS``."""
    span = year_span(_year_of(date_min), _year_of(date_max), _MAX_YEARS)
    if span is None:
        return None, ()
    d = quote(date_field)
    got = await conn.run(
        f"SELECT y::text, (SELECT count(*) FROM ONLY {where} WHERE {d} >= make_date(y, 1, 1) "
        f"AND {d} < make_date(y + 1, 1, 1)) FROM generate_series({span[0]}, {span[-1]}) AS y "
        f"UNION ALL SELECT NULL, count(*) FROM ONLY {where} WHERE {d} IS NULL",
        width=2,
        wait=10 + rows / 1_000_000,  # a million entries a second at the slowest
    )
    total, years = _by_year(got.rows)
    return total, tuple(y for y in years if y.docs)


async def _tables(transport: Transport, endpoint: Endpoint, db: str, room: int) -> list[Container]:
    """The tables of one database with their columns, counts and date ranges."""
    conn = await connect(transport, endpoint, db)
    counting = Reconnecting(conn, lambda: connect(transport, endpoint, db))
    try:
        tables = (await conn.run(TABLES, width=7)).rows[:room]
        columns: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for schema, table, column, kind in (await conn.run(COLUMNS, width=4)).rows:
            # A name holding NUL is no PostgreSQL column's: no statement could quote it.
            if not (schema and table and column) or "\0" in column:
                continue
            if len(columns[schema, table]) < 5000:
                columns[schema, table].append((column, kind or "unknown"))
        indexed: set[tuple[str | None, ...]] = {
            (s, t, c) for s, t, c in (await conn.run(INDEXED, width=3)).rows
        }
        keys: dict[tuple[str, str], str] = {}
        if any((_number(row[3]) or 0) > EXACT_COUNT_BYTES for row in tables):
            # Tables too large to count: their whole-number keys, to estimate along (a server
            # whose catalog lacks a column asked keeps its statistics).
            try:
                for s, t, c in (await conn.run(WHOLE_KEYS, width=3)).rows:
                    if s and t and c and "\0" not in c:
                        keys.setdefault((s, t), c)
            except NetError:
                keys = {}
        out = []
        for schema, table, estimate, size, *more in tables:
            if not schema or not table:
                continue
            if "\0" in schema + table:
                # No PostgreSQL table is so named: no statement could quote it.
                out.append(_unnamed(db, schema, table, _number(estimate)))
                continue
            out.append(
                await _table(
                    await counting.ready(),
                    db,
                    schema,
                    table,
                    _number(estimate),
                    _number(size),
                    columns.get((schema, table), []),
                    indexed,
                    _number(more[0]) if more else None,
                    more[1] if len(more) > 1 else None,
                    _number(more[2]) if len(more) > 2 else None,
                    keys.get((schema, table)),
                )
            )
        return out
    finally:
        await counting.close()


def _unnamed(db: str, schema: str, table: str, estimate: int | None) -> Container:
    """A table listed under a name no statement can quote (it holds NUL): kept, not read."""
    return Container(
        f"{db}.{schema}.{table}",
        estimate,
        None,
        system=False,
        error="a name that holds NUL: not read",
        details={"database": db, "schema": schema, "table": table},
    )


async def _table(
    conn: Connection,
    db: str,
    schema: str,
    table: str,
    estimate: int | None,
    size: int | None,
    columns: list[tuple[str, str]],
    indexed: set[tuple[str | None, ...]],
    blocks: int | None = None,
    relkind: str | None = None,
    visible: int | None = None,
    key: str | None = None,
) -> Container:
    errors: list[str] = []
    where = f"{quote(schema)}.{quote(table)}"
    small = size is not None and size <= EXACT_COUNT_BYTES
    # reltuples of a table too large to count: 0 (or -1) until its first VACUUM or ANALYZE,
    # which says nothing of its rows: unknown, not none (a container of none is not sampled).
    known = estimate is not None and (estimate > 0 or (small and estimate == 0))
    docs, exact = estimate if known else None, False
    date_field = _main_date(columns)
    years: tuple[YearCount, ...] = ()
    if small and date_field:
        # One pass counts the rows and their years (the rows without a date in no year); a
        # timestamptz's in UTC, the session's zone (``wire.startup``), as other stores count.
        try:
            grouped = await conn.run(
                f"SELECT extract(year FROM {quote(date_field)})::text, count(*) "
                f"FROM ONLY {where} GROUP BY 1"
            )
            docs, years = _by_year(grouped.rows)
            exact = docs is not None
        except NetError as exc:
            errors.append(f"count by year: {exc}")
    if small and not exact:
        try:
            counted = await conn.run(f"SELECT count(*) FROM ONLY {where}", width=1)
            if not counted.rows:
                raise ProtocolError("count(*) answered without a row")
            docs, exact = _number(counted.rows[0][0]), True
        except NetError as exc:
            errors.append(f"count: {exc}")
    date_min = date_max = None
    if date_field and docs and (small or (schema, table, date_field) in indexed):
        try:
            got = await conn.run(
                f"SELECT min({quote(date_field)})::text, "
                f"max({quote(date_field)})::text FROM ONLY {where}",
                width=2,
            )
            if got.rows:
                date_min, date_max = got.rows[0][0], got.rows[0][1]
        except NetError as exc:
            errors.append(f"date range: {exc}")
    if (
        not small
        and not years
        and date_field
        and (schema, table, date_field) in indexed
        and estimate is not None
        and estimate <= YEARS_INDEXED_ROWS
        and blocks
        and visible is not None
        and visible >= YEARS_VISIBLE * blocks
    ):
        try:
            total, years = await _years_along_index(
                conn, where, date_field, date_min, date_max, estimate
            )
            if total is not None:
                docs, exact = total, True
        except NetError as exc:
            errors.append(f"count by year along the date's index: {exc}")
    estimated: KeyEstimate | None = None
    if not small and not exact and key:
        try:
            estimated = await _key_estimate(conn, where, key, estimate or None)
            if estimated is not None:
                docs, exact = estimated.docs, estimated.exact
        except NetError as exc:
            errors.append(f"rows along the key: {exc}")
    reasons = [*compromise.by_name(db, noun="database"), *compromise.by_name(table, noun="table")]
    return Container(
        f"{db}.{schema}.{table}",
        docs,
        size,
        system=False,
        fields=tuple(FieldInfo(c, t) for c, t in columns),
        date_field=date_field,
        date_min=date_min,
        date_max=date_max,
        compromised=bool(reasons),
        compromise_reasons=tuple(reasons),
        error=failures_said(errors),
        docs_exact=exact,
        docs_low=estimated.low if estimated and not exact else None,
        docs_high=estimated.high if estimated and not exact else None,
        docs_basis=(estimated.basis if estimated else _STATISTICS)
        if not exact and docs is not None
        else None,
        years=years,
        # A materialized view's rows are its query's over other tables: copies, read and
        # shown, not added to the store's records.
        derived="materialized view" if relkind == "m" else None,
        details={
            "database": db,
            "schema": schema,
            "table": table,
            **({"blocks": blocks} if blocks else {}),
        },
    )
