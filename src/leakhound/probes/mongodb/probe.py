"""MongoDB (and servers that speak its wire protocol): the verdict from hello and
listDatabases, collections as containers, samples and full reads with ``find``."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from functools import partial
from typing import Any

import bson

from ... import compromise
from ...errors import ConnectError, NetError, ProtocolError, TimeoutError_
from ...models import (
    Container,
    Endpoint,
    FieldInfo,
    FieldType,
    Fingerprint,
    Service,
    Verdict,
)
from ...net import Transport
from ..base import FullReader, Inventory, Page, PartitionReader, Probe, ReadPlan, SampleDocs
from .allow import ALLOW
from .connection import CommandFailed, Connection, connect
from .wire import plain

SYSTEM_DATABASES = ("admin", "local", "config")
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
_BSON_TYPES = {
    bool: "bool",
    int: "long",
    float: "double",
    str: "string",
    dict: "object",
    list: "array",
}


def _split(name: str) -> tuple[str, str]:
    db, _, collection = name.partition(".")
    return db, collection


def _type(value: Any) -> str:
    for kind, name in _BSON_TYPES.items():
        if type(value) is kind:
            return name
    if hasattr(value, "isoformat"):
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
    default_ports = (27017, 27018, 27019)
    schemes = ("mongodb",)
    allow = ALLOW

    async def verdict(self, transport: Transport, endpoint: Endpoint) -> Service:
        """hello says it is MongoDB; listDatabases (authorizedDatabases: false) decides."""
        url = endpoint.url("mongodb")

        service = partial(self.answer, endpoint, url)

        try:
            conn = await connect(transport, endpoint)
        except ConnectError as exc:
            return service(Verdict.CLOSED if "refused" in str(exc) else Verdict.ERROR, str(exc))
        except TimeoutError_ as exc:
            return service(Verdict.TIMEOUT, str(exc))
        except NetError as exc:
            return service(Verdict.ERROR, str(exc))
        try:
            try:
                hello = await conn.run("admin", {"hello": 1})
            except CommandFailed as exc:
                return service(_NOT_MONGODB, f"hello refused: {exc}")
            if not isinstance(hello.get("maxWireVersion"), int):
                return service(_NOT_MONGODB, "hello answered without a wire version")
            fp = await self._fingerprint(conn, hello)
            try:
                await conn.run(
                    "admin", {"listDatabases": 1, "nameOnly": True, "authorizedDatabases": False}
                )
            except CommandFailed as exc:
                if exc.refused:
                    return service(
                        Verdict.SECURED,
                        f"listDatabases asks for credentials "
                        f"({exc.name or exc.code}: {exc.message})",
                        fp,
                        ("hello",),
                        ("listDatabases",),
                    )
                return service(Verdict.ERROR, str(exc), fp, ("hello",))
            return service(
                Verdict.OPEN,
                "listDatabases answers without credentials",
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
    async def _fingerprint(conn: Connection, hello: dict[str, Any]) -> Fingerprint:
        """What hello and buildInfo say (buildInfo answers without credentials)."""
        details: dict[str, Any] = {"max_wire_version": hello.get("maxWireVersion")}
        if isinstance(hello.get("setName"), str):
            details["replica_set"] = hello["setName"][:100]
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
        return Fingerprint(
            product="mongodb",
            version=version[:50] if isinstance(version, str) else None,
            details=details,
        )

    async def inventory(
        self, transport: Transport, service: Service, *, max_containers: int
    ) -> Inventory:
        """Every collection of every database, counted; fields from one document."""
        try:
            conn = await connect(transport, service.endpoint)
        except NetError as exc:
            return Inventory((), f"cannot connect: {exc}")
        found: list[Container] = []
        errors: list[str] = []
        try:
            listing = await conn.run(
                "admin", {"listDatabases": 1, "nameOnly": True, "authorizedDatabases": False}
            )
            dbs: list[str] = [
                d["name"]
                for d in listing.get("databases") or []
                if isinstance(d, dict) and isinstance(d.get("name"), str)
            ]
            names: list[tuple[str, str]] = []
            for db in sorted(dbs):
                try:
                    got = await conn.run(db, {"listCollections": 1, "nameOnly": True})
                except NetError as exc:
                    errors.append(f"{db}: {exc}")
                    continue
                batch = (got.get("cursor") or {}).get("firstBatch") or []
                names += [
                    (db, c["name"])
                    for c in batch
                    if isinstance(c, dict)
                    and isinstance(c.get("name"), str)
                    and not c["name"].startswith("system.")
                ]
            truncated = max(0, len(names) - max_containers)
            for db, collection in names[:max_containers]:
                found.append(await self._collection(conn, db, collection))
        except NetError as exc:
            return Inventory(tuple(found), f"cannot list databases: {exc}")
        finally:
            await conn.close()
        return Inventory(tuple(found), "; ".join(errors)[:300] or None, truncated)

    async def _collection(self, conn: Connection, db: str, collection: str) -> Container:
        errors: list[str] = []
        docs: int | None = None
        try:
            got = await conn.run(db, {"count": collection})
            n = got.get("n")
            docs = int(n) if isinstance(n, int | float) and 0 <= n < 2**63 else None
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
        if date_field and docs and await _indexed(conn, db, collection, date_field):
            date_min, date_max = await _date_range(conn, db, collection, date_field, errors)
        name = f"{db}.{collection}"
        reasons = compromise.by_name(db, noun="database") + compromise.by_name(
            collection, noun="collection"
        )
        return Container(
            name,
            docs,
            None,
            hidden=False,
            system=db in SYSTEM_DATABASES,
            fields=tuple(FieldInfo(p, t) for p, t in sorted(fields.items())),
            date_field=date_field,
            date_min=date_min,
            date_max=date_max,
            compromised=bool(reasons),
            compromise_reasons=tuple(reasons),
            error="; ".join(errors)[:300] or None,
            details={"database": db, "collection": collection},
        )

    async def sample(
        self, transport: Transport, service: Service, container: Container, size: int
    ) -> SampleDocs:
        """The first ``size`` documents in natural order, one batch."""
        try:
            conn = await connect(transport, service.endpoint)
        except NetError as exc:
            return SampleDocs((), str(exc))
        try:
            db, collection = _split(container.name)
            docs = await _find(conn, db, collection, {}, size)
            return SampleDocs(tuple(plain(d) for d in docs))
        except NetError as exc:
            return SampleDocs((), str(exc))
        finally:
            await conn.close()

    def reader(self, transport: Transport, service: Service) -> FullReader:
        """Every document in ``_id`` order, page by page from the last ``_id`` read."""
        return MongodbReader(transport, service.endpoint)

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
    batch = (got.get("cursor") or {}).get("firstBatch")
    if not isinstance(batch, list):
        raise ProtocolError("find answered without a first batch")
    return [d for d in batch if isinstance(d, dict)]


async def _indexed(conn: Connection, db: str, collection: str, field: str) -> bool:
    """Whether an index starts with the field: only then is its range cheap to ask."""
    try:
        got = await conn.run(db, {"listIndexes": collection})
    except NetError:
        return False
    for index in (got.get("cursor") or {}).get("firstBatch") or []:
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


def _encode_id(value: Any) -> str:
    """An ``_id`` as text a checkpoint can keep (BSON, base64)."""
    return base64.b64encode(bson.encode({"_id": value})).decode()


def _decode_id(text: str) -> Any:
    try:
        return bson.decode(base64.b64decode(text))["_id"]
    except (ValueError, KeyError, bson.errors.BSONError) as exc:
        raise ProtocolError("an unreadable stored read position") from exc


class MongodbReader(FullReader):
    """A collection in ``_id`` order: each page a ``find`` after the last ``_id`` read, so a
    position is one value, valid on any connection, and nothing is left open on the server.

    ``_id`` values of different BSON types sort in type brackets that a ``$gt`` does not cross:
    a collection mixing them is read up to the end of the first bracket (its count tells).
    """

    method = "id-range"

    def __init__(self, transport: Transport, endpoint: Endpoint) -> None:
        self.transport, self.endpoint = transport, endpoint
        self.fields: tuple[str, ...] | None = None

    async def open(self, container: Container, partitions: int) -> ReadPlan:
        """One partition: the ``_id`` order of the collection."""
        return ReadPlan(container.name, 1, self.method, None, container.docs)

    async def reopen(self, plan: ReadPlan) -> ReadPlan:
        """A position never expires: the same plan."""
        return plan

    def partition(
        self, plan: ReadPlan, number: int, position: Any, *, size: int
    ) -> PartitionReader:
        """Documents after the stored ``_id`` (from the first when None)."""
        after = position.get("after") if isinstance(position, dict) else None
        return _IdPages(self, plan.container, after, size, self.fields)

    def project(self, fields: Sequence[str]) -> FullReader:
        """Documents holding only ``fields`` (and ``_id``): a projection."""
        projected = MongodbReader(self.transport, self.endpoint)
        projected.fields = tuple(fields)
        return projected


class _IdPages(PartitionReader):
    def __init__(
        self,
        reader: MongodbReader,
        name: str,
        after: str | None,
        size: int,
        fields: Sequence[str] | None = None,
    ) -> None:
        self.reader, self.size = reader, max(1, size)
        self.projection = {f: 1 for f in fields} if fields else None
        self.db, self.collection = _split(name)
        self.after = after
        self.conn: Connection | None = None
        self.done = False

    async def next_page(self) -> Page | None:
        if self.done:
            return None
        if self.conn is None:
            self.conn = await connect(self.reader.transport, self.reader.endpoint)
        filter_ = {"_id": {"$gt": _decode_id(self.after)}} if self.after else {}
        docs = await _find(
            self.conn,
            self.db,
            self.collection,
            filter_,
            self.size,
            sort={"_id": 1},
            projection=self.projection,
        )
        if len(docs) < self.size:
            self.done = True
        if not docs:
            return None
        last = docs[-1].get("_id")
        if last is None:
            raise ProtocolError("a document without _id: cannot page on")
        self.after = _encode_id(last)
        return Page(tuple(plain(d) for d in docs), {"after": self.after})

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()
            self.conn = None
