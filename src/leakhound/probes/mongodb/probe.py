"""MongoDB (and servers that speak its wire protocol): the verdict from hello and
listDatabases, collections as containers (counted by collStats), samples with ``find``
(``sample.py``), full reads through one ``find`` cursor a collection (``read.py``); the
names of collections in ``names.py``, replica sets in ``replset.py``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

import bson

from ... import compromise
from ...errors import (
    ConnectError,
    ConnectionLost,
    NetError,
    ProtocolError,
    TimeoutError_,
)
from ...models import (
    Container,
    Endpoint,
    FieldInfo,
    FieldType,
    Fingerprint,
    Service,
    Verdict,
    Words,
    YearCount,
)
from ...net import Transport
from ..base import (
    FullReader,
    Inventory,
    Probe,
    SampleDocs,
    failures_said,
)
from ..shown import Originals, masked_name
from ..tls import connected, cut_in_clear, over_tls_said
from ..years import year_span
from .allow import ALLOW
from .connection import CommandFailed, Connection, connect
from .names import container_name, listed_names, place, shown_names, unmasked
from .read import MongodbReader
from .replset import member_of_a_set, member_role, member_said, set_identity
from .sample import RUNS, find_batch, spread_sample, spreads
from .wire import plain

SYSTEM_DATABASES = ("admin", "local", "config")
# A collection this small has its date range and its documents a year asked even without an
# index on the date (each a pass over it, as a count is on FerretDB), as MySQL's tables do.
SMALL_COLLECTION = 200_000
MAX_YEARS = 100  # counts a year asked of one collection, at most
# Preferred names for the "main date" of a record, most telling first.
_DATE_NAMES = (
    "created_at",
    "createdAt",
    "created",
    "timestamp",
    "date",
    "@timestamp",
    "creation_date",
    "opened_at",
    "updated_at",
    "time",
)
_NOT_MONGODB = Verdict.not_of("mongodb")
# The hello's comment (a field every command takes from MongoDB 4.4; hello before it reads the
# fields it knows and ignores the rest) ends a line: a server of a line protocol handed the
# OP_MSG (an HTTP server that waits for its request line, memcached) answers or closes at
# once, where it would wait for the line's end until the read deadline. Redis looks for a
# line's end with strchr, which stops at the NUL that every OP_MSG's length holds in its second
# byte: it answers only past its 64 KiB inline limit ("too big inline request"), so on a port
# that is not MongoDB's own the comment is padded past it (64 KiB once a verdict, where a
# server of another protocol is likelier than on 27017).
HELLO_COMMENT = "leakhound: read-only check\r\n"
INLINE_LIMIT = 64 * 1024  # Redis's PROTO_INLINE_MAX_SIZE, since 2.6
COMMAND_NOT_FOUND = 59
_BSON_TYPES = {
    bool: "bool",
    int: "long",
    float: "double",
    str: "string",
    dict: "object",
    list: "array",
}


def hello(padded: bool) -> dict[str, Any]:
    """The verdict's hello: its comment ends a line, padded past Redis's inline limit when
    ``padded`` (``HELLO_COMMENT``)."""
    comment = HELLO_COMMENT + (" " * INLINE_LIMIT if padded else "")
    return {"hello": 1, "comment": comment}


def _type(value: Any) -> str:
    for kind, name in _BSON_TYPES.items():
        if type(value) is kind:
            return name
    if hasattr(value, "isoformat") or isinstance(value, bson.DatetimeMS):
        return "date"
    return type(value).__name__.lower()[:20]


def _fields(
    doc: dict[str, Any], prefix: str = "", out: dict[str, str] | None = None, depth: int = 0
) -> dict[str, str]:
    """Dotted paths and BSON types of one document's fields."""
    out = {} if out is None else out
    for key, value in doc.items():
        path = f"{prefix}{key}"
        if len(out) >= 5000 or len(path) > 512:
            break
        if isinstance(value, dict) and depth < 32:
            _fields(value, path + ".", out, depth + 1)
        else:
            out.setdefault(path, _type(value))
    return out


def _main_date(fields: dict[str, str]) -> str | None:
    dates = [p for p, t in fields.items() if t == "date"]
    for name in _DATE_NAMES:
        for path in dates:
            if path == name or path.endswith("." + name):
                return path
    return sorted(dates, key=lambda p: (p.count("."), p))[0] if dates else None


class MongodbProbe(Probe):
    """MongoDB 3.6+ (OP_MSG), FerretDB and other servers of its wire protocol."""

    kind = "mongodb"
    words = Words(("collection", "collections"), ("document", "documents"))
    default_ports = (27017, 27018, 27019)
    schemes = ("mongodb",)
    allow = ALLOW

    def __init__(self) -> None:
        # The databases and collections behind masked container names (``shown_names``).
        self._originals: Originals[tuple[str, str]] = Originals()

    async def verdict(self, transport: Transport, endpoint: Endpoint) -> Service:
        """hello says it is MongoDB; listDatabases (authorizedDatabases: false) decides."""
        url = endpoint.url("mongodb")

        service = partial(self.answer, endpoint, url)

        padded = endpoint.port not in self.default_ports

        def over_tls() -> Awaitable[Connection]:
            return connect(transport, endpoint, tls=True)

        async def ask(c: Connection) -> dict[str, Any]:
            return await _hello(c, padded)

        try:
            # ``first``: hello's answer over TLS, after the owner's login was cut in clear.
            conn, first = await connected(
                transport, endpoint, lambda: connect(transport, endpoint), over_tls, ask
            )
        except ConnectError as exc:
            return service(Verdict.CLOSED if "refused" in str(exc) else Verdict.ERROR, str(exc))
        except TimeoutError_ as exc:
            return service(Verdict.TIMEOUT, str(exc))
        except NetError as exc:
            return service(Verdict.ERROR, str(exc))
        try:
            try:
                said = first if first is not None else await ask(conn)
            except CommandFailed as exc:
                return service(_NOT_MONGODB, f"hello refused: {exc}")
            except ConnectionLost as exc:
                # Cut or reset before any answer, as a server taking TLS alone
                # (``requireTLS``) cuts a connection in clear: asked again over TLS, unless
                # its target URL says not.
                if conn.stream.tls is not None:
                    raise
                encrypted = await cut_in_clear(exc, endpoint, over_tls, ask)
                await conn.close()
                conn, said = encrypted
                transport.ask_tls_first(endpoint.host, endpoint.port)
            if not isinstance(said.get("maxWireVersion"), int):
                return service(_NOT_MONGODB, "hello answered without a wire version")
            fp = await self._fingerprint(conn, said, endpoint)
            fp = replace(fp, tls=conn.stream.certificate())
            conn.member = member_of_a_set(fp)
            role = member_said(fp)
            if fp.tls is not None:
                role += over_tls_said(endpoint)
            try:
                await conn.run(
                    "admin", {"listDatabases": 1, "nameOnly": True, "authorizedDatabases": False}
                )
            except CommandFailed as exc:
                if exc.refused:
                    return service(
                        Verdict.SECURED,
                        f"listDatabases asks for credentials "
                        f"({exc.name or exc.code}: {exc.message}){role}",
                        fp,
                        ("hello",),
                        ("listDatabases",),
                    )
                return service(Verdict.ERROR, f"{exc}{role}", fp, ("hello",))
            return service(
                Verdict.OPEN,
                f"listDatabases answers without credentials{role}",
                fp,
                ("hello", "listDatabases"),
            )
        except TimeoutError_ as exc:
            return service(Verdict.TIMEOUT, str(exc))
        except ProtocolError as exc:
            return service(_NOT_MONGODB, f"not the MongoDB wire protocol: {exc}")
        except NetError as exc:
            return service(Verdict.ERROR, str(exc))
        finally:
            await conn.close()

    @staticmethod
    async def _fingerprint(
        conn: Connection, hello: dict[str, Any], endpoint: Endpoint
    ) -> Fingerprint:
        """What hello and buildInfo say (buildInfo answers without credentials); of a member
        of a replica set, its set, its role in it and the set's identity (``set_identity``)."""
        details: dict[str, Any] = {"max_wire_version": hello.get("maxWireVersion")}
        set_name = hello.get("setName")
        identity = None
        if isinstance(set_name, str):
            set_name = set_name[:100]
            details["replica_set"] = set_name
            details["member"] = member_role(hello)
            identity = await set_identity(conn, hello, endpoint)
        try:
            build = await conn.run("admin", {"buildInfo": 1})
        except CommandFailed:
            build = {}
        version = build.get("version")
        git = build.get("gitVersion")
        if isinstance(git, str):
            details["git_version"] = git[:40]
        ferret = build.get("ferretdbVersion")
        if isinstance(ferret, str):
            details["ferretdb_version"] = ferret[:50]
            # What actually runs: a MongoDB version here is the one FerretDB speaks as.
            details["implementation"] = f"FerretDB {ferret[:50]}"
        return Fingerprint(
            product="mongodb",
            version=version[:50] if isinstance(version, str) else None,
            cluster_name=set_name if isinstance(set_name, str) else None,
            cluster_uuid=identity,
            details=details,
        )

    async def inventory(
        self, transport: Transport, service: Service, *, max_containers: int
    ) -> Inventory:
        """Every collection of every database, counted; fields from one document."""
        try:
            conn = await connect(transport, service.endpoint, member=member_of_a_set(service))
        except NetError as exc:
            return Inventory((), f"cannot connect: {exc}")
        found: list[Container] = []
        errors: list[str] = []
        try:
            names, errors, _gaps = await listed_names(conn)
            # Masking is CPU work: the names reported only (numbered as ``behind`` reads).
            shown = await asyncio.to_thread(shown_names, names[:max_containers], names)
            self._originals.keep(service.endpoint.key, shown)
            truncated = max(0, len(names) - max_containers)
            for db, collection in names[:max_containers]:
                found.append(
                    await self._collection(conn, db, collection, shown.get((db, collection)))
                )
        except NetError as exc:
            return Inventory(tuple(found), f"cannot list databases: {exc}")
        finally:
            await conn.close()
        return Inventory(tuple(found), failures_said(errors), truncated)

    async def _collection(
        self, conn: Connection, db: str, collection: str, shown: str | None
    ) -> Container:
        """One collection as a container, named ``shown`` where its names hold personal data
        (its details then hold them masked, and say so)."""
        errors: list[str] = []
        docs: int | None = None
        size: int | None = None
        try:
            docs, size = await _count(conn, db, collection)
        except NetError as exc:
            errors.append(f"count: {exc}")
        fields: dict[str, str] = {}
        try:
            first = await find_batch(conn, db, collection, {}, 1)
            if first:
                fields = _fields(first[0])
        except NetError as exc:
            errors.append(f"find: {exc}")
        date_field = _main_date(fields)
        date_min = date_max = None
        years: tuple[YearCount, ...] = ()
        small = docs is not None and docs <= SMALL_COLLECTION
        if date_field and docs and (small or await _indexed(conn, db, collection, date_field)):
            date_min, date_max = await _date_range(conn, db, collection, date_field, errors)
            if small and date_min and date_max:
                years = await _years(conn, db, collection, date_field, date_min, date_max, errors)
        name = shown or container_name(db, collection)
        details: dict[str, Any] = {"database": db, "collection": collection}
        if shown is not None:
            mdb, mcollection = masked_name(db) or db, masked_name(collection) or collection
            details = {"database": mdb, "collection": mcollection, "masked_name": True}
        reasons = compromise.by_name(details["database"], noun="database") + compromise.by_name(
            details["collection"], noun="collection"
        )
        return Container(
            name,
            docs,
            size,
            hidden=False,
            system=db in SYSTEM_DATABASES,
            fields=tuple(FieldInfo(p, t) for p, t in sorted(fields.items())),
            date_field=date_field,
            date_min=date_min,
            date_max=date_max,
            compromised=bool(reasons),
            compromise_reasons=tuple(reasons),
            error=failures_said(errors),
            years=years,
            details=details,
        )

    async def sample(
        self, transport: Transport, service: Service, container: Container, size: int
    ) -> SampleDocs:
        """Up to ``size`` documents spread over the collection's ``_id`` range
        (``spread_sample``): one at a place of each of ``size`` spans on MongoDB, in
        ``RUNS`` runs of neighbours on FerretDB; its first in natural order where it cannot
        be spread."""
        member = member_of_a_set(service)
        try:
            conn = await connect(transport, service.endpoint, member=member)
        except NetError as exc:
            return SampleDocs.failed(exc)
        try:
            db, collection = place(container) or await unmasked(
                conn, self._originals, service.endpoint.key, container.name
            )
            ferretdb = "ferretdb_version" in service.fingerprint.details
            if spreads(container.docs, size, ferretdb=ferretdb):
                places = min(RUNS, size) if ferretdb else size
                try:
                    got = await spread_sample(
                        conn, db, collection, size, places, walks=not ferretdb
                    )
                except NetError as exc:
                    if exc.denied:
                        raise
                    got = None  # the spread read failed: the first documents, said so
                    if conn.stream.closed:  # past the read timeout: on a new connection
                        await conn.close()
                        conn = await connect(transport, service.endpoint, member=member)
                if got is not None:
                    # one document a place, but for a few spans made up by neighbours
                    spread = places == size and got[1] * 10 <= size
                    drawn = "spread" if spread else "runs"
                    return SampleDocs(tuple(plain(d) for d in got[0]), drawn=drawn)
            docs = await find_batch(conn, db, collection, {}, size)
            return SampleDocs(tuple(plain(d) for d in docs))
        except NetError as exc:  # a masked name no longer listed too (ProtocolError)
            return SampleDocs.failed(exc)
        finally:
            await conn.close()

    def reader(self, transport: Transport, service: Service) -> FullReader:
        """Every document in ``_id`` order, page by page from the last ``_id`` read."""
        return MongodbReader(
            transport, service.endpoint, self._originals, member=member_of_a_set(service)
        )

    def field_type(self, native: str) -> FieldType:
        """BSON types in neutral words."""
        return _TYPES.get(native, FieldType.UNKNOWN)


_TYPES = {
    "string": FieldType.TEXT,
    "date": FieldType.DATE,
    "long": FieldType.NUMBER,
    "int": FieldType.NUMBER,
    "double": FieldType.NUMBER,
    "bool": FieldType.BOOLEAN,
    "object": FieldType.OBJECT,
}


def _number(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and 0 <= value < 2**63 else None


async def _count(conn: Connection, db: str, collection: str) -> tuple[int | None, int | None]:
    """The collection's documents as its statistics count them (``collStats``: no scan),
    and the bytes it takes on disk with its indexes where they say; ``count`` where the
    server has no such statistics. FerretDB on SQLite answers ``count`` by reading every
    document: as long as a full read of the collection."""
    try:
        got = await conn.run(db, {"collStats": collection})
    except CommandFailed:
        got = {}
    docs = _number(got.get("count"))
    if docs is None:
        return _number((await conn.run(db, {"count": collection})).get("n")), None
    return docs, _on_disk(got)


def _on_disk(stats: dict[str, Any]) -> int | None:
    """A collection's bytes on disk, its indexes included (as PostgreSQL's total relation
    size and Elasticsearch's store size are): ``totalSize`` (MongoDB 4.4+), else its
    storage and index sizes added."""
    total = _number(stats.get("totalSize"))
    if total is not None:
        return total
    storage, indexes = _number(stats.get("storageSize")), _number(stats.get("totalIndexSize"))
    return None if storage is None else storage + (indexes or 0)


async def _indexed(conn: Connection, db: str, collection: str, field: str) -> bool:
    """Whether an index starts with the field: only then is its range cheap to ask."""
    try:
        got = await conn.run(db, {"listIndexes": collection})
    except NetError:
        return False
    cursor = got.get("cursor")
    batch = cursor.get("firstBatch") if isinstance(cursor, dict) else None
    for index in batch if isinstance(batch, list) else []:
        key = index.get("key") if isinstance(index, dict) else None
        if isinstance(key, dict) and next(iter(key), None) == field:
            return True
    return False


async def _date_range(
    conn: Connection, db: str, collection: str, field: str, errors: list[str]
) -> tuple[str | None, str | None]:
    edges: list[str | None] = []
    for order in (1, -1):
        try:
            got = await find_batch(
                conn,
                db,
                collection,
                {field: {"$type": "date"}},
                1,
                sort={field: order},
                projection={field: 1},
            )
        except NetError as exc:
            errors.append(f"date range: {exc}")
            return None, None
        value: Any = got[0] if got else None
        for part in field.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        edges.append(value.isoformat() if hasattr(value, "isoformat") else None)
    return edges[0], edges[1]


async def _years(
    conn: Connection,
    db: str,
    collection: str,
    field: str,
    first: str,
    last: str,
    errors: list[str],
) -> tuple[YearCount, ...]:
    """Documents a calendar year (UTC) of the date field, one ``count`` of a date range a
    year from the first date's to the last's (``aggregate`` is never sent); () past
    ``MAX_YEARS`` years or when a count fails."""
    try:
        low, high = int(first[:4]), int(last[:4])
    except ValueError:
        return ()
    years = year_span(low, high, MAX_YEARS)
    if years is None:
        return ()
    out = []
    for year in years:
        # naive datetimes: BSON dates are UTC
        span = {"$gte": datetime(year, 1, 1), "$lt": datetime(year + 1, 1, 1)}
        try:
            got = await conn.run(db, {"count": collection, "query": {field: span}})
        except NetError as exc:
            errors.append(f"documents by year: {exc}")
            return ()
        n = _number(got.get("n"))
        if n is None:
            return ()
        if n:
            out.append(YearCount(year, n))
    return tuple(out)


async def _hello(conn: Connection, padded: bool) -> dict[str, Any]:
    """The server's hello: CommandFailed where it refuses even the legacy name."""
    try:
        return await conn.run("admin", hello(padded))
    except CommandFailed as exc:
        # Only a server of the wire protocol answers ok: 0 at all. One that knows no hello
        # (MongoDB before 3.6.21, 4.0.21, 4.2.10, 4.4.2) is asked its legacy name; one that
        # takes no comment (none is known to), the plain hello.
        legacy = exc.code == COMMAND_NOT_FOUND
        return await conn.run("admin", {"isMaster" if legacy else "hello": 1})
