"""MongoDB (and servers that speak its wire protocol): the verdict from hello and
listDatabases, collections as containers (counted by collStats), samples with ``find``, full
reads through one ``find`` cursor a collection (``getMore``, ``killCursors``)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import random
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
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
    TooLargeError,
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
from .. import sampling
from ..base import (
    FullReader,
    Inventory,
    Page,
    PartitionReader,
    Probe,
    ReadPlan,
    SampleDocs,
    failures_said,
)
from ..shown import Listing, Originals, masked_name, masked_names, unnumbered
from ..tls import cut_in_clear, over_tls_said, tls_followed, tls_from_start, tls_planned
from ..years import year_span
from .allow import ALLOW
from .connection import CommandFailed, Connection, connect
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


def container_name(db: str, collection: str) -> str:
    """A collection's container name: ``db.collection``, as MongoDB writes a namespace. A
    database name MongoDB refuses (one holding a ``.``, or starting with a quote: only a
    server of its own invention lists one) is written as JSON text (``"a.b".c``), so that no
    two collections share a name: database ``a.b`` holding ``c`` beside database ``a``
    holding ``b.c`` (collection names may hold dots). Never parsed back: the pair is kept in
    the container's details and in its read plan."""
    if "." in db or db.startswith('"'):
        return f"{json.dumps(db, ensure_ascii=False)}.{collection}"
    return f"{db}.{collection}"


def _masked(pair: tuple[str, str]) -> str | None:
    """The container name of (database, collection) with the personal data in either
    masked (``shown.masked_name``), unnumbered; None when neither holds any."""
    db, collection = pair
    mdb, mcollection = masked_name(db), masked_name(collection)
    if mdb is None and mcollection is None:
        return None
    return container_name(mdb or db, mcollection or collection)


def shown_names(
    pairs: Sequence[tuple[str, str]], listed: Sequence[tuple[str, str]] | None = None
) -> dict[tuple[str, str], str]:
    """(database, collection) → the container name shown and stored instead, for the pairs
    of ``pairs`` (those an inventory reports, in its order) whose names hold personal data
    (a database or a collection a customer); never the name of one of ``listed`` (every
    pair the server listed; ``pairs`` when None) shown as named (``_as_named``)."""
    return masked_names(pairs, _masked, _as_named(pairs if listed is None else listed))


def _as_named(pairs: Sequence[tuple[str, str]]) -> set[str]:
    """The container names of ``pairs`` shown as named that a masked one could be: a
    collection may be named like a masked one, numbered too (``c***@g***.com #1``: ``*``
    is allowed). Every mask holds a ``*``: only names holding one are masked to know."""
    names = ((p, container_name(*p)) for p in pairs)
    return {name for p, name in names if "*" in name and _masked(p) is None}


def _place(container: Container) -> tuple[str, str] | None:
    """The database and collection of a container the inventory made (its details); None
    for a masked name (``_unmasked``)."""
    if container.details.get("masked_name"):
        return None
    db, collection = container.details.get("database"), container.details.get("collection")
    if not isinstance(db, str) or not isinstance(collection, str):
        raise ProtocolError(f"{container.name}: not a collection this probe listed")
    return db, collection


async def _unmasked(
    conn: Connection, originals: Originals[tuple[str, str]], store: str, name: str
) -> tuple[str, str]:
    """The database and collection behind a masked container ``name`` of ``store``
    (``Endpoint.key``): kept by the inventory, else found in the server's listing again."""

    async def listing() -> Listing[tuple[str, str]]:
        names, _errors, gaps = await _listing(conn)
        taken = await asyncio.to_thread(_as_named, names)
        return Listing(names, _masked, taken, partial(_unsure, gaps))

    pair = await originals.find(store, name, listing)
    if pair is None:
        raise ProtocolError(f"{name}: no collection of that name is listed any more")
    return pair


def _unsure(gaps: Sequence[tuple[str, str]], shown: str, found: tuple[str, str] | None) -> None:
    """ProtocolError where a database listed in part or not at all (``gaps``: database, why)
    before the one ``found`` for masked name ``shown`` (any, when none was) could hold names
    masking alike: they would move its number, and another collection be read as it."""
    base = unnumbered(shown)[0]
    for db, why in gaps:
        if found is not None and db >= found[0]:  # listed in database order (``_listing``)
            continue
        mdb = masked_name(db) or db
        if base.startswith(container_name(mdb, "")):
            raise ProtocolError(
                f"{shown}: database {mdb} could not be listed whole ({why}), and names in it"
                " masking alike would number this one otherwise; not read, lest another"
                " collection be read as it: scan again"
            )


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

        first: dict[str, Any] | None = None  # hello's answer over TLS, after a login cut
        try:
            try:
                conn = await connect(transport, endpoint)
            except ConnectionLost as exc:
                # The owner's login in clear cut, as a server taking TLS alone cuts it.
                if tls_from_start(transport, endpoint):
                    raise
                conn, first = await cut_in_clear(exc, endpoint, over_tls, ask)
                transport.ask_tls_first(endpoint.host, endpoint.port)
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
            names, errors, _gaps = await _listing(conn)
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
            first = await _find(conn, db, collection, {}, 1)
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
            db, collection = _place(container) or await _unmasked(
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
            docs = await _find(conn, db, collection, {}, size)
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


# A member's role in its replica set, from its hello (the drivers' server types: RSPrimary,
# RSSecondary, RSArbiter, RSOther).
ROLES = ("primary", "secondary", "arbiter", "other")


def member_role(hello: dict[str, Any]) -> str:
    """What a member of a replica set is in it, as its hello says: ``primary`` (writable:
    ``isWritablePrimary``, or ``ismaster`` of the legacy hello), ``secondary``, ``arbiter``
    (a voter that holds no data), else ``other`` (starting, recovering, rolling back, or a
    member the set's configuration has no place for)."""
    if hello.get("isWritablePrimary") is True or hello.get("ismaster") is True:
        return "primary"
    if hello.get("secondary") is True:
        return "secondary"
    if hello.get("arbiterOnly") is True:
        return "arbiter"
    return "other"


def member_of_a_set(of: Service | Fingerprint) -> bool:
    """Whether a service (or its fingerprint) is a member of a replica set: its reads carry a
    read preference a secondary answers (``connection.SECONDARY_READS``)."""
    fp = of.fingerprint if isinstance(of, Service) else of
    return isinstance(fp.details.get("replica_set"), str)


def member_said(fp: Fingerprint) -> str:
    """The member's role for a verdict's reason ('; a secondary of replica set rs0'), '' for
    a server of no replica set."""
    name, role = fp.details.get("replica_set"), fp.details.get("member")
    if not isinstance(name, str):
        return ""
    said = {
        "primary": "the primary",
        "secondary": "a secondary",
        "arbiter": "an arbiter (it holds no data)",
    }.get(str(role), "a member (neither primary nor secondary)")
    return f"; {said} of replica set {name}"


# The hosts a member's hello lists: the same lists at every member of one set (its
# configuration's members, hidden ones left out).
_MEMBER_LISTS = ("hosts", "passives", "arbiters")


async def set_identity(conn: Connection, hello: dict[str, Any], endpoint: Endpoint) -> str | None:
    """The identity of the replica set a member belongs to, the same at each of its members:
    the ``replicaSetId`` its configuration holds (``replSetGetConfig``: an ObjectId made
    when the set was initiated, never changed after, unique where the set's name is not:
    "rs0" is every tutorial's); where that is refused (a member that asks for credentials)
    or missing, its name with a digest of the hosts its hello lists (``set/<digest>``: two
    sets of one name are told apart by their members' addresses). That fallback only where
    the member was reached (``endpoint``) at one of the addresses it lists: the addresses a
    set is configured with are often the same in sets that share nothing ("localhost:27017"
    of every single-member set, a template's "mongo1:27017", private addresses, a
    Kubernetes service's names), and only the address the scan reached it at tells which
    machine answered. None (the store known by its endpoint) when the hello lists no host,
    or not the one the member was reached at."""
    name = str(hello.get("setName"))[:100]
    try:
        got = await conn.run("admin", {"replSetGetConfig": 1})
    except CommandFailed:
        got = {}
    config = got.get("config")
    settings = config.get("settings") if isinstance(config, dict) else None
    set_id = settings.get("replicaSetId") if isinstance(settings, dict) else None
    if isinstance(set_id, bson.ObjectId):
        return str(set_id)
    hosts = sorted(
        {
            h.lower()
            for key in _MEMBER_LISTS
            if isinstance(listed := hello.get(key), list)
            for h in listed
            if isinstance(h, str)
        }
    )
    if not hosts or endpoint.netloc.lower() not in hosts:
        return None
    digest = hashlib.sha256("\n".join(hosts).encode()).hexdigest()[:24]
    return f"{name}/{digest}"


_TYPES = {
    "string": FieldType.TEXT,
    "date": FieldType.DATE,
    "long": FieldType.NUMBER,
    "int": FieldType.NUMBER,
    "double": FieldType.NUMBER,
    "bool": FieldType.BOOLEAN,
    "object": FieldType.OBJECT,
}


async def _find(
    conn: Connection,
    db: str,
    collection: str,
    filter_: dict[str, Any],
    limit: int,
    sort: dict[str, int] | None = None,
    projection: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    """Up to ``limit`` documents in one batch (no server cursor left open)."""
    command: dict[str, Any] = {
        "find": collection,
        "filter": filter_,
        "limit": limit,
        "batchSize": limit,
        "singleBatch": True,
    }
    if sort:
        command["sort"] = sort
    if projection:
        command["projection"] = projection
    got = await conn.run(db, command)
    cursor = got.get("cursor")
    batch = cursor.get("firstBatch") if isinstance(cursor, dict) else None
    if not isinstance(batch, list):
        raise ProtocolError("find answered without a first batch")
    if len(batch) > limit:  # not this find's answer: its documents would be counted as read
        raise BadCursor(f"a batch of {len(batch):,} documents where {limit:,} were asked for")
    return [d for d in batch if isinstance(d, dict)]


# A collection of more than this many samples' documents is sampled over its ``_id`` range;
# a smaller one from its start (most of it is the sample anyway).
SPREAD_FROM = 4
# MongoDB walks its ``_id`` index: a sample is one document at a place drawn at random in each
# of ``size`` spans of the range (a find each, an index seek: 102 round trips for 100). Where
# every find is a pass over the collection (FerretDB) it is ``RUNS`` runs of neighbours, fewer
# finds: but neighbours are alike (a collection written customer by customer holds three or
# four customers in a run of ten), and the basis of a people estimate says so.
RUNS = 10
SEED = 1  # the same places every scan: repeated scans sample the same documents
_PLACES = sampling.GRAIN  # the grain of a place within its span
# FerretDB on SQLite reads the whole collection for every find, and sorts it for a sorted one:
# a spread sample costs it RUNS + 2 passes (and one a span made up), only the two ends sorted.
# The lab's FerretDB 1.24 at load 4-7 took 0.2 s a sorted find and 0.08 s an unsorted one on
# its collections of 200-1,100 documents (a sample scan of its 17 collections 12 s, not 6), 0.4
# and 0.2 s on 10,000, 5 and 4.5 s on 100,000: a minute a collection. It is spread up to 50,000
# documents (about half a minute); larger ones are read from the start.
FERRETDB_SPREAD_MAX = 50_000


def spreads(docs: int | None, size: int, *, ferretdb: bool = False) -> bool:
    """Whether a collection of ``docs`` documents is sampled in runs over its ``_id`` range:
    more than ``SPREAD_FROM`` samples' worth, and (FerretDB, where every find is a pass over
    the collection) no more than ``FERRETDB_SPREAD_MAX``."""
    if docs is None or size <= 0 or docs <= SPREAD_FROM * size:
        return False
    return not ferretdb or docs <= FERRETDB_SPREAD_MAX


IdScale = Callable[[int, int], Any]


def id_scale(low: Any, high: Any) -> IdScale | None:
    """The ``_id`` value ``num / den`` of the way from ``low`` to ``high``, of their own type:
    ObjectIds as 96-bit numbers (their timestamp first), whole numbers and floats by value,
    dates by time, text by its first characters after the prefix the two share (as decimal
    or hexadecimal numbers where they are written so, else ASCII); None for other types, or
    two of different types (a ``$gte`` does not cross BSON's type brackets: ids of other
    types between the two ends are not sampled)."""
    if isinstance(low, bson.ObjectId) and isinstance(high, bson.ObjectId):
        a, b = int.from_bytes(low.binary, "big"), int.from_bytes(high.binary, "big")
        return lambda num, den: bson.ObjectId((a + (b - a) * num // den).to_bytes(12, "big"))
    whole = [isinstance(v, int) and not isinstance(v, bool) for v in (low, high)]  # Int64 too
    if all(whole):
        lo, hi = int(low), int(high)
        return lambda num, den: lo + (hi - lo) * num // den
    if all(w or type(v) is float for w, v in zip(whole, (low, high), strict=True)):
        return lambda num, den: low + (high - low) * num / den
    if isinstance(low, datetime) and isinstance(high, datetime):
        if (low.tzinfo is None) != (high.tzinfo is None):
            return None  # one aware, one naive: no server sends that
        return lambda num, den: low + (high - low) * num / den
    if isinstance(low, str) and isinstance(high, str):
        return sampling.text_scale(low, high)
    return None


def id_starts(low: Any, high: Any, n: int) -> list[Any] | None:
    """``n`` ``_id`` values evenly spaced from ``low`` (the first) towards ``high``
    (``id_scale``); None where they have no scale."""
    at = id_scale(low, high)
    return None if at is None or n <= 0 else [at(i, n) for i in range(n)]


def _highest(docs: list[dict[str, Any]]) -> Any:
    """The highest ``_id`` of some documents (None where they cannot be compared)."""
    try:
        return max(d["_id"] for d in docs)
    except (KeyError, TypeError, ValueError):
        return None


def _run_filter(start: Any, end: Any) -> dict[str, Any]:
    return {"_id": {"$gte": start, "$lt": end} if end is not None else {"$gte": start}}


async def spread_sample(
    conn: Connection, db: str, collection: str, size: int, places: int, *, walks: bool = True
) -> tuple[list[dict[str, Any]], int] | None:
    """Up to ``size`` documents from ``places`` spans of the collection's ``_id`` range: its
    first and last ``_id`` (each a find sorted by ``_id``, limit 1: the ``_id`` index's
    ends), the range cut into ``places`` spans at values evenly spaced between them
    (``id_scale``), and in each span the first documents in ``_id`` order from a place drawn
    at random in it (a find of ``{_id: {$gte: place, $lt: next span}}`` sorted by ``_id``:
    the index walked from the place, spans never overlapping), ``size / places`` a span; a
    place past the span's last document takes its first ones (``$gte`` its start, ``$lt``
    the place), so that ids bunched at a span's start are found. ``walks``: whether the
    server walks the ``_id`` index; where it does not (FerretDB sorts the collection for each
    sorted find, on top of the pass a find is), a span's documents are asked without a sort
    (the first of the span in natural order) and spans are made up from past the highest
    ``_id`` read.

    The places are the same every scan (``SEED``). Spans that hold fewer than their share
    (gaps in the ids) are made up once from the spans that had more, by the documents after
    theirs. Returns the documents and how many were so made up; None where the ``_id``
    values have no such scale or the spans found fewer than half the sample: the caller
    reads the collection's start instead. ``aggregate`` is never sent."""
    edges = []
    for order in (1, -1):
        got = await _find(conn, db, collection, {}, 1, sort={"_id": order}, projection={"_id": 1})
        if not got or "_id" not in got[0]:
            return None
        edges.append(got[0]["_id"])
    places = max(1, min(places, size))
    at = id_scale(edges[0], edges[1])
    if at is None:
        return None
    bounds = [at(i, places) for i in range(places)]  # each span's first value
    ends: list[Any] = [*bounds[1:], None]
    draw = random.Random(SEED)
    starts = [at(i * _PLACES + draw.randrange(_PLACES), places * _PLACES) for i in range(places)]
    share = [size // places + (1 if i < size % places else 0) for i in range(places)]
    by_id = {"_id": 1} if walks else None
    found: list[list[dict[str, Any]]] = []
    upto = list(ends)  # where the documents after a span's last one read stop
    for i, (start, end, want) in enumerate(zip(starts, ends, share, strict=True)):
        run: list[dict[str, Any]] = []
        if end is None or start < end:
            run = await _find(conn, db, collection, _run_filter(start, end), want, by_id)
        if len(run) < want and bounds[i] < start:
            # the place fell after the span's last document: the span's first ones instead
            before = {"_id": {"$gte": bounds[i], "$lt": start}}
            first = await _find(conn, db, collection, before, want - len(run), by_id)
            if first:
                run, upto[i] = first + run, start if not run else upto[i]
        found.append(run)
    short = size - sum(map(len, found))
    made_up = 0
    more = [i for i, run in enumerate(found) if run and len(run) >= share[i]]
    for turn, i in enumerate(more):
        if short <= 0:
            break
        want = -(-short // (len(more) - turn))
        # past the highest _id read: the last one where the run is sorted
        highest = found[i][-1].get("_id") if walks else _highest(found[i])
        if highest is None:
            continue
        after: dict[str, Any] = {"$gt": highest}
        if upto[i] is not None:
            after["$lt"] = upto[i]
        got = await _find(conn, db, collection, {"_id": after}, want, by_id)
        found[i] += got
        short -= len(got)
        made_up += len(got)
    docs = [d for run in found for d in run][:size]
    return (docs, made_up) if 2 * len(docs) >= size else None


LIST_BATCHES = 100  # listCollections batches of one database, at most (a cursor that never ends)
LIST_LIMIT = 100_000  # names in one listCollections batch, at most (a server sends ~16 MiB)


async def _listing(
    conn: Connection,
) -> tuple[list[tuple[str, str]], list[str], list[tuple[str, str]]]:
    """Every (database, collection) the server lists, each once, in database order; what
    could not be listed, by database; and the databases not listed whole, with why."""
    errors: list[str] = []
    gaps: list[tuple[str, str]] = []
    listing = await conn.run(
        "admin", {"listDatabases": 1, "nameOnly": True, "authorizedDatabases": False}
    )
    listed_dbs = listing.get("databases")
    if not isinstance(listed_dbs, list):
        raise ProtocolError("listDatabases answered without a list of databases")
    # Each once: a database listed twice would make two containers of one name.
    dbs = {d["name"] for d in listed_dbs if isinstance(d, dict) and isinstance(d.get("name"), str)}
    names: list[tuple[str, str]] = []
    for db in sorted(dbs):
        try:
            listed, short = await _collections(conn, db)
        except NetError as exc:
            errors.append(f"{masked_name(db) or db}: {exc}")
            gaps.append((db, "listCollections failed"))
            continue
        if short:
            errors.append(f"{masked_name(db) or db}: {short}")
            gaps.append((db, "listed in part"))
        names += [(db, name) for name in dict.fromkeys(listed)]
    return names, errors, gaps


async def _collections(conn: Connection, db: str) -> tuple[list[str], str | None]:
    """The collections of ``db`` (not views, not ``system.*``), and why the list stopped
    before its end (None: it did not): the first batch of ``listCollections``, then
    ``getMore`` while its cursor goes on (a server may answer a database of many collections
    in batches), ``LIST_BATCHES`` at most; the cursor killed when the list stops first. A
    ``getMore`` that fails keeps the collections listed before it."""
    got = await conn.run(db, {"listCollections": 1, "nameOnly": True})
    cursor, batch = _batch(got, "firstBatch", LIST_LIMIT)
    names: list[str] = []
    short: str | None = None
    try:
        for turn in range(LIST_BATCHES):
            # A view holds no documents of its own: read, it would count its source
            # collection's again (the source is listed and read as itself).
            names += [
                c["name"]
                for c in batch
                if isinstance(c.get("name"), str)
                and not c["name"].startswith("system.")
                and c.get("type", "collection") != "view"
            ]
            if not cursor:
                break
            if turn == LIST_BATCHES - 1:
                short = f"collections listed in {LIST_BATCHES} batches, no more"
                break
            try:
                got = await conn.run(
                    db, {"getMore": bson.Int64(cursor), "collection": "$cmd.listCollections"}
                )
                more, batch = _batch(got, "nextBatch", LIST_LIMIT)
                if more not in (0, cursor):
                    raise BadCursor("getMore answered with another cursor's id")
            except NetError as exc:
                short = f"collections listed in part: {exc}"
                break
            cursor = more
    finally:
        if cursor:
            with suppress(NetError):
                await conn.run(
                    db, {"killCursors": "$cmd.listCollections", "cursors": [bson.Int64(cursor)]}
                )
    return names, short


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
            got = await _find(
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


def _encode_id(value: Any) -> str:
    """An ``_id`` as text a checkpoint can keep (BSON, base64)."""
    return base64.b64encode(bson.encode({"_id": value})).decode()


def _decode_id(text: str) -> Any:
    try:
        return bson.decode(base64.b64decode(text))["_id"]
    except (ValueError, KeyError, bson.errors.BSONError) as exc:
        raise ProtocolError("an unreadable stored read position") from exc


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
        place = _place(container)
        # Cut in clear (``verdict``): a partition read in another process asks for TLS too.
        tls = tls_planned(self.transport, self.endpoint)
        if place is None:
            await self._unmasked(container)  # one no longer listed fails here
            state: dict[str, Any] = {"masked": True, **tls}
            return ReadPlan(container.name, 1, self.method, state, container.docs)
        state = {"database": place[0], "collection": place[1], **tls}
        return ReadPlan(container.name, 1, self.method, state, container.docs)

    async def own_name(self, container: Container) -> str | None:
        """The database and collection a masked container name stands for, as JSON."""
        if _place(container) is not None:
            return None
        return json.dumps(await self._unmasked(container))

    async def _unmasked(self, container: Container) -> tuple[str, str]:
        """The database and collection behind a masked container name (``_unmasked``): kept,
        else found in a listing asked on a connection of its own."""
        if (pair := self.originals.get(self.endpoint.key, container.name)) is not None:
            return pair
        conn = await self.connect()
        try:
            return await _unmasked(conn, self.originals, self.endpoint.key, container.name)
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


class BadCursor(ProtocolError):
    """A cursor reply no server sends (a lie about the cursor or its order): not retried."""


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


def _batch(reply: dict[str, Any], key: str, asked: int) -> tuple[int, list[dict[str, Any]]]:
    """A cursor reply's id and documents (``key``: firstBatch or nextBatch); ProtocolError
    for what no server sends: no cursor, an id that is not a 64-bit integer, more documents
    than asked for."""
    cursor = reply.get("cursor")
    if not isinstance(cursor, dict) or not isinstance(batch := cursor.get(key), list):
        raise BadCursor(f"a cursor reply without {key}")
    cursor_id = cursor.get("id")
    # bool is an int to Python, not a cursor id; the C decoder gives int (or Int64) 64-bit.
    if not isinstance(cursor_id, int) or isinstance(cursor_id, bool):
        raise BadCursor("a cursor reply without a valid cursor id")
    if len(batch) > asked:
        raise BadCursor(f"a batch of {len(batch)} documents where {asked} were asked for")
    return int(cursor_id), [d for d in batch if isinstance(d, dict)]


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
            where = await _unmasked(self.conn, reader.originals, reader.endpoint.key, self.shown)
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
        self.cursor, docs = _batch(reply, "firstBatch", self.batch)
        return self._took(docs)

    async def _more(self) -> list[dict[str, Any]]:
        assert self.conn is not None
        asked = self.batch
        reply = await self.conn.run(
            self.db,
            {"getMore": bson.Int64(self.cursor), "collection": self.collection, "batchSize": asked},
        )
        cursor, docs = _batch(reply, "nextBatch", asked)
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
