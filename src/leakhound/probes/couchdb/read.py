"""CouchDB: reading every record of a database along ``_all_docs``, page by page.

``_all_docs`` lists a database's documents in raw (code point) order of their ids, so the
last id read is the whole position: the next page starts at it (``startkey``, the id itself
dropped if it comes back). Asking from the id rather than skipping one row (``skip=1``) keeps
the read exact when that document is deleted meanwhile. Nothing is held on the server: a read
resumes from any checkpoint, nothing is released, and the position never expires. One
partition per database (ids cannot be split without knowing them). Design documents are left
out: they are code, not records.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson

from ...errors import DeniedError, ProtocolError, TooLargeError
from ...models import Container
from ...net import Http
from ..base import FullReader, Overrun, Page, PartitionReader, ReadPlan
from .allow import ALLOW
from .names import Databases, is_shown

MAX_ID = 10_000  # characters of one id kept as a position; a longer one cannot be a real id
DESIGN_PREFIX = "_design/"
# Full pages in a row without one record (design documents, rows without their document):
# a database has a few design documents, not pages of them; past it the server keeps paging.
EMPTY_PAGES = 10


def db_path(base: str, name: str) -> str:
    """The URL of one database (its name percent-encoded: "/" is part of a name)."""
    return base + "/" + quote(name, safe="")


def record(doc: Any) -> Any:
    """A document as a record: without ``_rev``, a revision hash that only looks like a
    secret."""
    if isinstance(doc, dict) and "_rev" in doc:
        return {k: v for k, v in doc.items() if k != "_rev"}
    return doc


def rows_of(body: Any) -> list[dict[str, Any]] | None:
    """The rows of an ``_all_docs`` answer, each with a string ``id``; None when the answer
    is not one."""
    rows = body.get("rows") if isinstance(body, dict) else None
    if not isinstance(rows, list):
        return None
    return [r for r in rows if isinstance(r, dict) and isinstance(r.get("id"), str)]


def records(rows: list[dict[str, Any]]) -> list[Any]:
    """The documents of ``include_docs`` rows, design documents left out."""
    return [
        record(r["doc"])
        for r in rows
        if not r["id"].startswith(DESIGN_PREFIX) and isinstance(r.get("doc"), dict)
    ]


class CouchdbReader(FullReader):
    """The records of one database, page by page, from the last id read."""

    method = "all_docs"

    def __init__(self, http: Http, base: str, databases: Databases | None = None) -> None:
        self._http, self._base = http, base
        self._databases = databases or Databases()

    async def open(self, container: Container, partitions: int) -> ReadPlan:
        """One partition; the plan names the database (as the container is named: a masked
        name is found again when the read starts, ``names``) and its record count."""
        if container.details.get("readable") is False:
            # The inventory's read of it had 401 or 403.
            raise DeniedError(f"{container.name}: the database asks for credentials")
        return ReadPlan(
            container.name, 1, self.method, {"database": container.name}, container.docs
        )

    async def reopen(self, plan: ReadPlan) -> ReadPlan:
        """A position is an id: it never expires, the plan stays."""
        return plan

    async def own_name(self, container: Container) -> str | None:
        """The database a per-user database's masked name stands for (``names``)."""
        if not is_shown(container.name):
            return None
        return await self._databases.database(self._http, self._base, container.name)

    def partition(
        self, plan: ReadPlan, number: int, position: Any, *, size: int
    ) -> PartitionReader:
        """The database's records after ``position`` (``{"after": id}``; None: the start)."""
        after = position.get("after") if isinstance(position, dict) else None
        return AllDocsReader(
            self._http,
            self._base,
            plan,
            after if isinstance(after, str) else None,
            size,
            self._databases,
        )


class AllDocsReader(PartitionReader):
    """Pages of ``size`` rows of ``_all_docs`` with their documents."""

    def __init__(
        self,
        http: Http,
        base: str,
        plan: ReadPlan,
        after: str | None,
        size: int,
        databases: Databases,
    ) -> None:
        state = plan.state if isinstance(plan.state, dict) else {}
        database = state.get("database")
        if not isinstance(database, str):
            raise ProtocolError(f"{plan.container}: the stored read plan is not CouchDB's")
        self._http, self._plan, self._base = http, plan, base
        # Its own name once known: a masked one is kept nowhere but here.
        self._database, self._databases = database, databases
        self._url: str | None = None
        self.after, self.size = after, max(1, size)
        self.done = False

    async def next_page(self) -> Page | None:
        """The next page of records; None at the end of the database."""
        empty = 0
        while not self.done:
            rows = await self._rows()
            if self.after is not None and rows and rows[0]["id"] == self.after:
                rows = rows[1:]  # the last id of the previous page, asked from again
            # Fewer rows than asked for: the database ends here.
            self.done = len(rows) < self.size
            if not rows:
                return None
            last = rows[-1]["id"]
            if (self.after is not None and last <= self.after) or len(last) > MAX_ID:
                raise ProtocolError(
                    f"{self._plan.container}: _all_docs does not move on "
                    "in id order: the server keeps paging"
                )
            self.after = last
            docs = records(rows)
            # Ids that move on forever: bounded by the database's count, where it has one
            # (``scanner.full.RecordBound``); nothing else can bound them.
            if docs:
                return Page(tuple(docs), {"after": self.after})
            empty += 1  # a page of design documents only: read on, a few times
            if empty >= EMPTY_PAGES:  # not asked again: the position has moved on
                raise Overrun(
                    f"{self._plan.container}: {empty} pages of _all_docs without a record: "
                    "the server keeps paging"
                )
        return None

    async def _rows(self) -> list[dict[str, Any]]:
        params = {
            "include_docs": "true",
            "limit": str(self.size + (1 if self.after is not None else 0)),
        }
        if self.after is not None:
            params["startkey"] = orjson.dumps(self.after).decode()
        if self._url is None:
            name = await self._databases.database(self._http, self._base, self._database)
            self._url = db_path(self._base, name) + "/_all_docs"
        resp = await self._http.get(self._url, ALLOW, params=params)
        if resp.denied:
            raise DeniedError(
                f"{self._plan.container}: the database asks for credentials (HTTP {resp.status})"
            )
        if resp.status != 200:
            raise ProtocolError(f"{self._plan.container}: HTTP {resp.status} on _all_docs")
        try:
            rows = rows_of(resp.json())
        except TooLargeError as exc:
            raise ProtocolError(f"{self._plan.container}: {exc}") from exc
        if rows is None:
            raise ProtocolError(f"{self._plan.container}: no rows in the _all_docs answer")
        return rows
