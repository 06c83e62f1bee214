"""The CouchDB reader against a small ``_all_docs`` server on loopback: pages from the last id,
exact when a document goes away between pages, design documents left out, and a server that
does not move on refused."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from hostile.recorded import Answer, RecordedServer, Seen, as_json
from leakhound.errors import ProtocolError
from leakhound.models import Container
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.couchdb.read import EMPTY_PAGES, CouchdbReader


class AllDocs:
    """``GET /db/_all_docs`` over a dict of id → document, in raw id order."""

    def __init__(self, ids: list[str]) -> None:
        self.docs = {i: {"_id": i, "_rev": "1-x", "n": i} for i in ids}
        self.after_page: Any = None  # called after each answer (to change the database)
        self.repeat = False  # answer the first page again and again

    def __call__(self, seen: Seen) -> Answer:
        params = seen.params
        limit = int(params["limit"])
        ids = sorted(self.docs)
        if "startkey" in params and not self.repeat:
            start = json.loads(params["startkey"])
            ids = [i for i in ids if i >= start]
        page = ids[:limit]
        rows = [{"id": i, "key": i, "value": {"rev": "1-x"}, "doc": self.docs[i]} for i in page]
        if self.after_page:
            self.after_page(page)
        return as_json(200, {"total_rows": len(self.docs), "offset": 0, "rows": rows})


def _read(
    server: RecordedServer, size: int, position: Any = None, docs: int | None = None
) -> tuple[list[str], Any]:
    async def go() -> tuple[list[str], Any]:
        scope = Scope()
        scope.add("127.0.0.1", server.port)
        async with Transport(Limits(read_timeout=5, total_timeout=10), scope) as transport:
            reader = CouchdbReader(transport.http, server.url)
            plan = await reader.open(Container("db", docs, None), 4)
            assert plan.partitions == 1 and plan.resumable
            part = reader.partition(plan, 0, position, size=size)
            got: list[str] = []
            last = None
            while (page := await part.next_page()) is not None:
                got += [d["_id"] for d in page.docs]
                assert all("_rev" not in d for d in page.docs)
                last = page.position
            return got, last

    return asyncio.run(go())


IDS = [f"id{n:03d}" for n in range(23)] + ["A1", "_design/app", "_design/zz", "zz"]


def test_every_record_is_read_once_and_design_documents_are_not() -> None:
    with RecordedServer(AllDocs(IDS)) as server:
        got, last = _read(server, 5)
    records = sorted(i for i in IDS if not i.startswith("_design/"))
    assert got == records
    assert last == {"after": "zz"}
    pages = [s for s in server.received if s.path == "/db/_all_docs"]
    assert all(s.params["include_docs"] == "true" for s in pages)


def test_a_read_resumes_after_the_last_id_checkpointed() -> None:
    with RecordedServer(AllDocs(IDS)) as server:
        got, _ = _read(server, 4, {"after": "id010"})
    assert got == [i for i in sorted(IDS) if i > "id010" and not i.startswith("_design/")]


def test_a_document_deleted_between_pages_costs_no_other_record() -> None:
    fake = AllDocs(IDS)

    def delete_last(page: list[str]) -> None:  # the last id of each page goes away
        if page:
            fake.docs.pop(page[-1], None)

    fake.after_page = delete_last
    with RecordedServer(fake) as server:
        got, _ = _read(server, 5)
    # Each page was read whole before its last document went: nothing is skipped (skip=1
    # would have skipped the first id after each deleted one).
    assert got == sorted(i for i in IDS if not i.startswith("_design/"))


def test_a_server_that_does_not_move_on_is_refused() -> None:
    fake = AllDocs(IDS)
    fake.repeat = True
    with RecordedServer(fake) as server, pytest.raises(ProtocolError, match="does not move on"):
        _read(server, 5)


def test_a_database_that_asks_for_credentials_is_not_planned() -> None:
    container = Container("db", None, None, details={"readable": False})

    async def go() -> None:
        async with Transport() as transport:
            await CouchdbReader(transport.http, "http://127.0.0.1:1").open(container, 1)

    with pytest.raises(ProtocolError, match="asks for credentials"):
        asyncio.run(go())


def test_pages_without_a_record_are_read_only_a_few_times() -> None:
    # Design documents (or rows without their document) page after page: nothing the
    # pipeline's bound on records can see, so the reader stops them itself.
    ids = [f"_design/d{n:04d}" for n in range(3 * EMPTY_PAGES * 5)] + ["zz"]
    with (
        RecordedServer(AllDocs(ids)) as server,
        pytest.raises(ProtocolError, match=f"{EMPTY_PAGES} pages of _all_docs without a record"),
    ):
        _read(server, 5)
    assert len([s for s in server.received if s.path == "/db/_all_docs"]) == EMPTY_PAGES


def test_a_few_design_documents_are_read_past() -> None:
    ids = [f"_design/d{n:04d}" for n in range((EMPTY_PAGES - 1) * 5)] + ["zz"]
    with RecordedServer(AllDocs(ids)) as server:
        got, _ = _read(server, 5)
    assert got == ["zz"]
