"""MySQL and MariaDB: the verdict from the greeting and a login as root without a password,
tables as containers (``database.table``), samples and full reads in a read-only transaction."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import replace
from typing import Any

from ... import compromise
from ...errors import ConnectError, NetError, PolicyError, ProtocolError, TimeoutError_
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
from ..base import FullReader, Inventory, Probe, SampleDocs, failures_said, row_bytes
from ..estimate import KeyEstimate, along_key
from ..keyset import first_size
from ..reconnect import Reconnecting
from ..tls import TLS_DISABLED
from . import distinct, sql
from .allow import ALLOW
from .connection import Connection, connect, credentials, greet, log_in
from .read import MysqlReader
from .replication import replication
from .rows import documents, json_fields, main_date
from .rows import field_type as _field_type
from .sample import sample_rows
from .tables import (
    REMOTE_ENGINES,
    TableInfo,
    describe,
    is_mariadb,
    rows_that_fit,
    where,
    whole_key,
)
from .wire import CLIENT_SSL, Greeting, ServerError, text

# Past this many estimated rows an InnoDB table is not counted row by row (seconds of the
# server's time each); its estimate is given, docs_exact=False.
EXACT_COUNT_ROWS = 2_000_000
# A date column's range is asked where an index starts with it, or the table is this small.
DATE_RANGE_ROWS = 200_000
# Its rows a year, where an index starts with it, up to this many rows: counted along that
# index, never reading the table (MariaDB 10.11 here: 0.35-0.41 s for 912,622 rows, 1.5 s
# for the same GROUP BY with the index ignored); a table this small without one, as its range.
YEARS_INDEXED_ROWS = 5_000_000
# Engines that keep their row count: COUNT(*) answers at once, whatever the size. Their
# TABLE_ROWS is not taken for it: MySQL 8 answers information_schema from statistics it
# caches for up to a day (information_schema_stats_expiry).
_COUNTED_ENGINES = frozenset({"myisam", "aria", "memory"})
_DATE_NAMES = (
    "created_at",
    "createdat",
    "created",
    "creation_date",
    "date_created",
    "timestamp",
    "date",
    "opened_at",
    "registered_at",
    "updated_at",
    "time",
)
_DENIED = (1044, 1045, 1698)  # database access denied, access denied, no password given
_HOST_NOT_ALLOWED = 1130
_NEEDS_TLS = 3159  # require_secure_transport
_NOT_MYSQL = Verdict.not_of("mysql")


def fingerprint(
    greeting: Greeting,
    comment: str | None = None,
    tls: TlsInfo | None = None,
    tls_failed: str | None = None,
) -> Fingerprint:
    """What the greeting says: product, version, login plugin, whether TLS is offered (and
    ``tls``, the certificate of a connection over it; ``tls_failed``, why a handshake the
    server offered failed, the connection then in clear)."""
    version = greeting.version.removeprefix("5.5.5-")  # a prefix for old replication clients
    details: dict[str, Any] = {
        "auth_plugin": greeting.plugin or None,
        "tls_offered": bool(greeting.capabilities & CLIENT_SSL),
    }
    if comment:
        details["version_comment"] = comment[:100]
    if tls_failed:
        details["tls_failed"] = tls_failed[:200]
    return Fingerprint(
        product="mariadb" if is_mariadb(greeting) else "mysql",
        version=version[:50],
        details=details,
        tls=tls,
    )


class MysqlProbe(Probe):
    """MySQL, MariaDB and servers of their protocol (Percona, TiDB…), plain TCP."""

    kind = "mysql"
    words = Words(("table", "tables"), ("row", "rows"))
    distinct_types = frozenset({FieldType.TEXT, FieldType.KEYWORD})
    distinct_counted = (
        "COUNT(DISTINCT …) of each table by the server, each value as stored (binary "
        "collation: letter case and accents apart, not as leakhound reads an identifier), "
        "a value in two tables counted in each"
    )
    distinct_listed = (
        "every distinct value listed by the server (SELECT DISTINCT, each value as stored in "
        "binary collation, or in the column's own where it merges none, in pages, each after "
        "the last value listed), each then read as "
        "an identifier as in a full read (an address's letter case folded)"
    )
    default_ports = (3306,)
    schemes = ("mysql", "mariadb")
    allow = ALLOW

    async def verdict(self, transport: Transport, endpoint: Endpoint) -> Service:
        """The greeting says it is MySQL; a login as root (or the URL's user) with an empty
        password, or as the owner, decides."""
        url = endpoint.url("mysql")

        def service(
            verdict: Verdict,
            reason: str,
            fp: Fingerprint | None = None,
            opened: tuple[str, ...] = (),
            closed: tuple[str, ...] = (),
        ) -> Service:
            # A server's error text may span lines: the reason is one.
            return self.answer(endpoint, url, verdict, " ".join(reason.split()), fp, opened, closed)

        try:
            stream, greeting, packets = await greet(transport, endpoint, ask=True)
        except ConnectError as exc:
            return service(Verdict.CLOSED if "refused" in str(exc) else Verdict.ERROR, str(exc))
        except TimeoutError_ as exc:
            return service(Verdict.TIMEOUT, f"no MySQL greeting: {exc}")
        except ServerError as exc:
            if exc.code == _HOST_NOT_ALLOWED:
                return service(
                    Verdict.SECURED,
                    f"the server refuses this host before any login: {exc}",
                    Fingerprint(product="mysql"),
                    closed=("login",),
                )
            return service(
                Verdict.ERROR,
                f"the server refuses the connection: {exc}",
                Fingerprint(product="mysql"),
            )
        except ProtocolError as exc:
            return service(_NOT_MYSQL, f"not the MySQL protocol: {exc}")
        except NetError as exc:
            return service(Verdict.ERROR, str(exc))
        # The server offered TLS and its handshake failed (a broken setup, or a man in the
        # middle cutting it): what was read, was read in clear, and the reason says so. TLS
        # the target URL disables was not tried: no failure, said apart (``clear``).
        cert = stream.certificate()
        failed = stream.tls_failed if stream.tls_failed != TLS_DISABLED else None
        fp = fingerprint(greeting, tls=cert, tls_failed=failed)
        in_clear = f"; in clear: the TLS it offered failed ({failed})" if failed else ""
        try:
            user, password = credentials(transport, endpoint, stream)
        except PolicyError as exc:
            await stream.close()
            return service(Verdict.ERROR, str(exc), fp)
        who = f"{user} with an empty password" if not password else user
        conn = Connection(stream, greeting, user, packets)
        # TLS offered and left alone, as the target URL's ssl-mode=DISABLED says: said.
        offered = stream.tls_failed == TLS_DISABLED and greeting.capabilities & CLIENT_SSL
        clear = f" in clear ({TLS_DISABLED})" if offered else ""
        try:
            refused = await log_in(stream, greeting, packets, user, password)
            if refused is not None:
                if refused.code in _DENIED:
                    return service(
                        Verdict.SECURED,
                        f"{who} is refused{clear}: {refused}{in_clear}",
                        fp,
                        closed=("login",),
                    )
                if refused.code == _NEEDS_TLS:  # in clear: TLS not offered, or it failed
                    why = stream.tls_failed or "the server offers none"
                    failed = "" if why == TLS_DISABLED else ", and TLS failed here"
                    return service(
                        Verdict.ERROR,
                        f"the server takes logins over TLS only{failed} ({why}): {refused}",
                        fp,
                    )
                return service(Verdict.ERROR, f"login as {who}: {refused}", fp)
            await conn.begin()
            got = await conn.query(sql.WHO)
            row = got.rows[0] if got.rows and len(got.rows[0]) == 3 else (None, None, None)
            account = text(row[1] or b"", 200)
            fp = fingerprint(greeting, text(row[2]) if row[2] else None, cert, failed)
            # Which store it is of: its own, or the source it replicates (``replication``).
            store = await replication(conn, mariadb=is_mariadb(greeting))
            fp = replace(fp, cluster_uuid=store.identity, details=fp.details | store.details)
            if account == "@" or account.startswith("skip-grants"):
                # MariaDB says "@", MySQL "skip-grants user@skip-grants host".
                return service(
                    Verdict.OPEN,
                    f"{who} logs in: the server runs without its grant tables "
                    f"(--skip-grant-tables), anyone reads everything{store.said}{in_clear}",
                    fp,
                    ("login", "information_schema"),
                )
            if account.startswith("@"):
                return service(
                    Verdict.PARTIAL,
                    f"{who} is let in as the anonymous account "
                    f"({account}): it reads what was granted to "
                    f"anyone{store.said}{in_clear}",
                    fp,
                    ("login",),
                )
            return service(
                Verdict.OPEN,
                f"{who} logs in (as {account or user}); "
                f"{'a read-only' if conn.read_only else 'a'} "
                f"transaction reads information_schema{store.said}{in_clear}",
                fp,
                ("login", "information_schema"),
            )
        except TimeoutError_ as exc:
            return service(Verdict.TIMEOUT, str(exc), fp)
        except ServerError as exc:
            return service(Verdict.ERROR, f"{who} logs in, then: {exc}", fp, ("login",))
        except ProtocolError as exc:
            return service(Verdict.ERROR, f"login as {who}: {exc}", fp)
        except NetError as exc:
            return service(Verdict.ERROR, str(exc), fp)
        finally:
            await conn.close()

    async def inventory(
        self, transport: Transport, service: Service, *, max_containers: int
    ) -> Inventory:
        """Every user table (not views, not the server's own schemas), counted exactly where
        that is cheap; fields from information_schema and one row for JSON columns."""
        try:
            conn = await connect(transport, service.endpoint)
        except NetError as exc:
            return Inventory((), f"cannot log in: {exc}")
        found: list[Container] = []
        tables = Reconnecting(conn, lambda: connect(transport, service.endpoint))
        try:
            total = await conn.query(sql.COUNT_TABLES, width=1)
            listed = await conn.query(sql.list_tables(max(1, max_containers)), width=6)
            for row in listed.rows[:max_containers]:
                found.append(await self._table(await tables.ready(), row))
            count = total.rows[0][0] if total.rows else None
            truncated = max(0, int(count or 0) - len(found)) if (count or b"").isdigit() else 0
        except NetError as exc:
            return Inventory(tuple(found), f"cannot list tables: {exc}")
        finally:
            await tables.close()
        return Inventory(tuple(found), None, truncated)

    async def _table(self, conn: Connection, row: tuple[bytes | None, ...]) -> Container:
        schema, name = text(row[0] or b"", 256), text(row[1] or b"", 256)
        engine = text(row[2] or b"", 64)
        estimate, size = _number(row[3]), _number(row[4])
        details: dict[str, Any] = {"database": schema, "table": name, "engine": engine}
        reasons = compromise.by_name(schema, noun="database") + compromise.by_name(
            name, noun="table"
        )

        def container(
            docs: int | None,
            exact: bool,
            error: str | None,
            fields: dict[str, str] | None = None,
            date: str | None = None,
            edges: tuple[str | None, str | None] = (None, None),
            years: tuple[YearCount, ...] = (),
            estimated: KeyEstimate | str = _STATISTICS,
        ) -> Container:
            bounds = estimated if isinstance(estimated, KeyEstimate) else None
            basis = bounds.basis if bounds else str(estimated)
            return Container(
                f"{schema}.{name}",
                docs,
                size,
                fields=tuple(FieldInfo(p, t) for p, t in (fields or {}).items()),
                date_field=date,
                date_min=edges[0],
                date_max=edges[1],
                compromised=bool(reasons),
                compromise_reasons=tuple(reasons),
                error=error,
                docs_exact=exact,
                docs_low=bounds.low if bounds and not exact else None,
                docs_high=bounds.high if bounds and not exact else None,
                docs_basis=basis if not exact and docs is not None else None,
                years=years,
                details=details,
            )

        if not schema or not name or "\0" in schema + name:
            # No MySQL table is so named: no statement could quote it (sql.ident).
            return container(estimate, False, "a name that is empty or holds NUL: not read")
        if engine.lower() in REMOTE_ENGINES:
            return container(
                estimate,
                False,
                f"a {engine} table lives on another server: "
                "not read (the target would connect out)",
            )
        errors: list[str] = []
        try:
            info = await describe(conn, schema, name)
        except NetError as exc:
            return container(estimate, False, f"columns: {exc}"[:300])
        details["json_columns"] = list(info.json)
        if info.charsets:  # read as their bytes (``charsets``)
            details["charsets"] = dict(info.charsets)
        if info.key:
            details["key"] = list(info.key)
        docs, exact = estimate, False
        estimated: KeyEstimate | str = _STATISTICS
        counted = engine.lower() in _COUNTED_ENGINES
        if counted or estimate is None or estimate <= EXACT_COUNT_ROWS:
            try:
                got = await conn.query(sql.count(schema, name))
                docs, exact = _number(got.rows[0][0] if got.rows else None), True
            except NetError as exc:
                errors.append(f"count: {exc}")
        elif whole_key(info) is not None:
            try:
                along = await _key_estimate(conn, schema, name, info, estimate)
                if along is not None:
                    estimated = along
                    docs, exact = along.docs, along.exact
            except NetError as exc:
                errors.append(f"rows along the key: {exc}")
        fields = {c: t for c, t in info.columns}
        if info.json and docs:
            try:
                first = documents(await conn.query(sql.first_rows(schema, name, 1)), info.json)
                for column in info.json:
                    if first and isinstance(first[0].get(column), dict):
                        del fields[column]
                        fields |= json_fields(column, first[0][column])
            except NetError as exc:
                errors.append(f"first row: {exc}")
        date = main_date(info.columns, _DATE_NAMES)
        edges: tuple[str | None, str | None] = (None, None)
        if date and docs and (date in info.leading or docs <= DATE_RANGE_ROWS):
            try:
                got = await conn.query(sql.date_range(schema, name, date))
                if got.rows and len(got.rows[0]) == 2:
                    # A TIMESTAMP read in a UTC session says so; a DATETIME keeps no zone.
                    utc = conn.utc and dict(info.columns).get(date) == "timestamp"
                    edges = (_iso(got.rows[0][0], utc), _iso(got.rows[0][1], utc))
            except NetError as exc:
                errors.append(f"date range: {exc}")
        years: tuple[YearCount, ...] = ()
        indexed = date in info.leading and docs is not None and docs <= YEARS_INDEXED_ROWS
        if date and docs and (docs <= DATE_RANGE_ROWS or indexed):
            # Every row's year, counted by the server (a pass over the table, or its index).
            try:
                total, years = _by_year(await conn.query(sql.by_year(schema, name, date)))
                if not exact and total is not None:  # every row in one group: counted
                    docs, exact = total, True
            except NetError as exc:
                errors.append(f"rows by year: {exc}")
        if exact and docs is not None and _stale(engine, estimate, size, docs):
            # DATA_LENGTH comes from statistics the server keeps apart from the rows: a size
            # from before rows counted since, by COUNT(*) or by year (a table filled after its
            # last ANALYZE, a day's cache in MySQL 8), is not given.
            errors.append(
                f"size: the server's statistics ({size:,} bytes, {estimate or 0:,} rows) are "
                f"older than the {docs:,} rows counted"
            )
            size = None
        return container(docs, exact, failures_said(errors), fields, date, edges, years, estimated)

    async def sample(
        self, transport: Transport, service: Service, container: Container, size: int
    ) -> SampleDocs:
        """Up to ``size`` rows spread over the table (``sample.sample_rows``)."""
        schema, table = where(container)
        if str(container.details.get("engine", "")).lower() in REMOTE_ENGINES:
            return SampleDocs((), "a table on another server: not read")
        try:
            conn = await connect(transport, service.endpoint)
        except NetError as exc:
            return SampleDocs.failed(exc)
        rows = rows_that_fit(size, row_bytes(container), transport.limits.max_body)
        json = container.details.get("json_columns") or ()
        try:
            try:
                docs, drawn = await sample_rows(conn, container, schema, table, rows)
                return SampleDocs(tuple(docs), drawn=drawn)
            except NetError as exc:
                # A spread read that broke the connection (past the read timeout): the
                # first rows on a new one, said to be that.
                if exc.denied or not conn.stream.closed or not (container.docs or 0) > rows:
                    raise
            await conn.close()
            conn = await connect(transport, service.endpoint)
            info = (
                await describe(conn, schema, table) if container.details.get("charsets") else None
            )
            select, stored = (info.select, dict(info.charsets)) if info else ("*", {})
            got = await conn.query(sql.first_rows(schema, table, rows, select))
            return SampleDocs(tuple(documents(got, json, stored)))
        except NetError as exc:
            return SampleDocs.failed(exc)
        except ValueError as exc:
            return SampleDocs((), str(exc))
        finally:
            await conn.close()

    def reader(self, transport: Transport, service: Service) -> FullReader:
        """Every row in key order, page by page after the last key read (by offset where a
        table has no usable key)."""
        return MysqlReader(transport, service.endpoint)

    def field_type(self, native: str) -> FieldType:
        """A column's DATA_TYPE (``varchar``, ``datetime``, ``json:string``…) in neutral
        words."""
        return _field_type(native)

    def holding(self, containers: Sequence[Container], field: str) -> list[Container]:
        """The tables with a text column ``field``, but those on another server (never
        read) and those where ``field`` is a leaf of a JSON column (``profile.email``, type
        ``json:string``): no column of that name, which the server would refuse to count,
        failing the count of every other column with it."""
        return [
            c
            for c in super().holding(containers, field)
            if str(c.details.get("engine", "")).lower() not in REMOTE_ENGINES
            and not any(f.path == field and f.type.startswith("json:") for f in c.fields)
        ]

    async def count_distinct(
        self,
        transport: Transport,
        service: Service,
        containers: Sequence[Container],
        fields: Sequence[str],
    ) -> dict[str, Distinct] | None:
        """Each text column's distinct values, ``COUNT(DISTINCT …)`` of each table holding
        it (``StoreDistinct``): as stored, exact for one table; for several, from the largest
        table's count (a value in every table) to their sum (a value in one), the sum the
        figure; at most the sum byte for byte (values the conversion merged; ``as_bytes``: those
        a listing gives as one, none in a column listed byte for byte);
        and the largest table's count of values each one whole address, lower-cased (``folded``)."""
        conn = await connect(transport, service.endpoint)
        out: dict[str, Distinct] = {}
        try:
            await distinct.limit_time(conn, transport.limits.read_timeout)
            for f in fields:
                holding = self.holding(containers, f)
                counts = [await distinct.count(conn, *where(c), f) for c in holding]
                if counts:
                    stored = [n.stored for n in counts]
                    as_bytes = sum(n.as_bytes for n in counts)
                    # A column listed byte for byte (``distinct.values``: its character set
                    # one the session cannot carry whole) lists apart what its conversion
                    # merged: only the other tables' merges are the listing's.
                    kept = sum(
                        max(0, n.as_bytes - n.stored)
                        for c, n in zip(holding, counts, strict=True)
                        if not (c.details.get("charsets") or {}).get(f)
                    )
                    out[f] = StoreDistinct(
                        sum(stored),
                        max(stored),
                        max(sum(stored), as_bytes),
                        len(counts) == 1 and as_bytes <= sum(stored),
                        folded=max(n.folded for n in counts),
                        as_bytes=sum(stored) + kept,
                    )
        finally:
            await conn.close()
        return out or None

    async def distinct_values(
        self, transport: Transport, service: Service, containers: Sequence[Container], field: str
    ) -> AsyncIterator[str]:
        """A text column's distinct values, table by table, in keyset pages
        (``distinct.values``)."""
        tables = self.holding(containers, field)
        if not tables:
            return

        async def opened() -> Connection:
            conn = await connect(transport, service.endpoint)
            try:
                await distinct.limit_time(conn, transport.limits.read_timeout)
            except BaseException:
                await conn.close()
                raise
            return conn

        # A reply over the byte cap closes the connection; its page is asked again smaller
        # on another (``keyset._Asking``), and the next table's statements go on that one.
        link = Reconnecting(await opened(), opened)
        try:
            for c in tables:
                conn = await link.ready()
                native = next(f.type for f in c.fields if f.path == field)
                # A column the session cannot carry whole is listed as its bytes.
                charset = (c.details.get("charsets") or {}).get(field)
                own = (
                    not charset
                    and native.lower() in distinct.TEXT_ORDERED
                    and await distinct.merges_nothing(conn, *where(c), field)
                )
                # Pages as large as a quarter of a reply's byte budget holds (the first
                # from the table's average row): a column no index orders is read whole by
                # every page, and sorted (``keyset.sized``).
                budget = transport.limits.max_body // 4
                listed = distinct.values(
                    conn,
                    *where(c),
                    field,
                    first_size(row_bytes(c), budget),
                    own=own,
                    charset=charset,
                    budget=budget,
                    reopen=link.ready,
                )
                async with aclosing(listed):
                    async for v in listed:
                        yield v
        finally:
            await link.close()


# How TABLE_ROWS is obtained, where nothing better was: InnoDB samples a few index pages
# (innodb_stats_persistent_sample_pages), and MySQL's manual says the figure "may vary from
# the actual value by as much as 40% to 50%".
_STATISTICS = (
    "the server's statistics (information_schema TABLE_ROWS): InnoDB's is sampled from a few "
    "pages and may be off by as much as half"
)


async def _key_estimate(
    conn: Connection, schema: str, name: str, info: TableInfo, statistics: int | None = None
) -> KeyEstimate | None:
    """A large table's rows from windows of its whole-number key (``probes/estimate.py``):
    its first and last key from the index, then a range count a window; ``statistics``
    (TABLE_ROWS) where the windows' bounds are loose."""
    key = whole_key(info)
    assert key is not None
    got = await conn.query(sql.date_range(schema, name, key), width=2)
    ends = [_whole(v) for v in (got.rows[0] if got.rows else ())]
    if len(ends) != 2 or ends[0] is None or ends[1] is None:
        return None

    async def count(ranges: list[tuple[int, int]]) -> list[int | None] | None:
        n = await conn.query(sql.count_windows(schema, name, key, ranges), width=len(ranges))
        return [_number(v) for v in n.rows[0]] if n.rows else None

    return await along_key(ends[0], ends[1], f"{schema}.{name}", count, statistics)


def _stale(engine: str, estimate: int | None, size: int | None, rows: int) -> bool:
    """Whether the statistics that gave TABLE_ROWS ``estimate`` and DATA_LENGTH ``size`` are
    older than the table's ``rows``: the estimate off by more than twice (and more than a few
    pages of rows; InnoDB's estimate of a fresh table is off by a few per cent), or, InnoDB,
    fewer bytes than its rows must fill (MariaDB counts rows as they come, but measures its
    pages only when it recalculates the statistics)."""
    if size is None:
        return False
    if engine.lower() == "innodb" and size < _INNODB_ROW_BYTES * rows:
        return True
    if estimate is None:
        return False
    low, high = sorted((estimate, rows))
    return high - low > _STALE_ROWS and high > 2 * low


_STALE_ROWS = 100
# The least an InnoDB row takes in its clustered index, whatever its columns: a 5-byte record
# header, the 6-byte id of the transaction that wrote it and its 7-byte rollback pointer.
_INNODB_ROW_BYTES = 18


def _number(raw: bytes | None) -> int | None:
    """A count the server printed; None when it is not one (NULL for a view, garbage)."""
    if raw is None or not raw.isdigit() or len(raw) > 18:
        return None
    return int(raw)


_WHOLE = re.compile(rb"-?\d{1,20}")


def _whole(raw: bytes | None) -> int | None:
    """A whole number the server printed (a key: maybe negative); None when it is not one."""
    if raw is None or not _WHOLE.fullmatch(raw):
        return None
    return int(raw)


def _by_year(got: Any) -> tuple[int | None, tuple[YearCount, ...]]:
    """The table's rows and its rows a year from ``YEAR(…), COUNT(*) … GROUP BY 1`` (every
    row in one group); (None, ()) when an answer is not such rows. NULL (no date, or the zero
    date) is in the total alone."""
    total, years = 0, []
    for row in got.rows:
        if len(row) != 2 or (n := _number(row[1])) is None:
            return None, ()
        total += n
        if total >= 2**63:  # a count no table holds (a hostile answer)
            return None, ()
        if row[0] is None:
            continue
        year = _number(row[0])
        if year is None:
            return None, ()
        if year:  # YEAR of the zero date is 0: no date
            years.append(YearCount(year, n))
    return total, tuple(sorted(years, key=lambda y: y.year))


def _iso(raw: bytes | None, utc: bool = False) -> str | None:
    """A DATE/DATETIME as ISO text (``utc``: a time known to be in UTC, with its "Z"); None
    for NULL and the zero date."""
    if raw is None:
        return None
    value = raw.decode("ascii", "replace")
    if value.startswith("0000-00-00") or not value[:4].isdigit():
        return None
    return value.replace(" ", "T", 1)[:40] + ("Z" if utc and " " in value else "")
