"""CouchDB's per-user databases (``couch_peruser``: ``userdb-<hex of the user name>``) named by
an e-mail address: shown and stored masked, counted and read as their own databases."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import unquote

import pytest

from hostile.recorded import Answer, RecordedServer, Seen, as_json
from leakhound.models import Container, Endpoint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.base import Inventory, SampleDocs
from leakhound.probes.couchdb.names import shown_names, user_of
from leakhound.probes.couchdb.probe import CouchdbProbe


def userdb(user: str) -> str:
    return "userdb-" + user.encode().hex()


JANE, JOHN, JDOE = userdb("jane.doe@gmail.com"), userdb("john.roe@gmail.com"), userdb("jdoe")
PHONE = userdb("+33 6 12 34 56 78")
DATABASES = {
    "cases": ["c1", "c2", "c3", "c4"],
    JANE: ["jane1", "jane2"],
    JOHN: ["john1", "john2", "john3"],
    JDOE: ["jdoe1"],
    PHONE: ["p1"],
}
SECRETS = [
    *(n.encode() for n in (JANE, JOHN, PHONE)),
    b"jane.doe",
    b"john.roe",
    b"12 34 56",
]


@pytest.mark.parametrize(
    ("name", "user"),
    [
        pytest.param(JANE, "jane.doe@gmail.com", id="email"),
        pytest.param(JDOE, "jdoe", id="plain-user"),
        pytest.param("userdb-ff", None, id="not-utf8"),
        pytest.param("userdb-6a6", None, id="odd-hex"),
        pytest.param("userdb-6A646F65", None, id="upper-hex"),
        pytest.param("cases", None, id="no-prefix"),
        pytest.param("xuserdb-6a646f65", None, id="prefix-inside"),
    ],
)
def test_a_per_user_database_name_gives_its_user(name: str, user: str | None) -> None:
    assert user_of(name) == user


def test_names_holding_personal_data_are_masked_and_numbered_where_they_collide() -> None:
    assert shown_names(DATABASES) == {
        JANE: "userdb-j***@g***.com #1",
        JOHN: "userdb-j***@g***.com #2",
        PHONE: "userdb-+33 ***78",
    }
    assert shown_names([JOHN, "cases"]) == {JOHN: "userdb-j***@g***.com"}


def route(seen: Seen) -> Answer:
    """A CouchDB 3 of ``DATABASES``, open to anyone."""
    parts = [unquote(p) for p in seen.path.strip("/").split("/")] if seen.path != "/" else []
    if not parts:
        return as_json(200, {"couchdb": "Welcome", "version": "3.4.2", "vendor": {}})
    if parts == ["_all_dbs"]:
        return as_json(200, sorted(DATABASES))
    if parts[0] not in DATABASES:
        return as_json(404, {"error": "not_found", "reason": "missing"})
    ids = sorted(DATABASES[parts[0]])
    if len(parts) == 1:
        return as_json(200, {"db_name": parts[0], "doc_count": len(ids), "doc_del_count": 0})
    p = seen.params
    if p.get("startkey") == '"_design/"':
        ids = []
    elif "startkey" in p:
        ids = [i for i in ids if i >= json.loads(p["startkey"])]
    ids = ids[: int(p.get("limit", len(ids)))]
    rows = [{"id": i, "key": i, "value": {}, "doc": {"_id": i, "in": parts[0][:9]}} for i in ids]
    return as_json(200, {"total_rows": len(ids), "offset": 0, "rows": rows})


def run(go: Any) -> Any:
    with RecordedServer(route) as server:

        async def main() -> Any:
            scope = Scope()
            scope.add("127.0.0.1", server.port)
            async with Transport(Limits(read_timeout=5, total_timeout=30), scope) as transport:
                ep = Endpoint("127.0.0.1", server.port)
                service = Service(ep, ep.url("http"), "couchdb", Verdict.OPEN, "open")
                return await go(transport, service, ep)

        return asyncio.run(main())


def test_per_user_databases_are_listed_masked_with_their_own_figures() -> None:
    async def go(transport: Transport, service: Service, ep: Endpoint) -> tuple[Service, Inventory]:
        probe = CouchdbProbe()
        verdict = await probe.verdict(transport, ep)
        return verdict, await probe.inventory(transport, service, max_containers=100)

    verdict, inv = run(go)
    assert verdict.verdict is Verdict.OPEN
    assert {c.name: c.docs for c in inv.containers} == {
        "cases": 4,
        JDOE: 1,  # no personal data in "jdoe": left as the server named it
        "userdb-+33 ***78": 1,
        "userdb-j***@g***.com #1": 2,
        "userdb-j***@g***.com #2": 3,
    }
    shown = repr((verdict, inv)).encode()
    assert not [s for s in SECRETS if s in shown]


async def _read(probe: CouchdbProbe, transport: Transport, service: Service, c: Container) -> Any:
    sample = await probe.sample(transport, service, c, 10)
    reader = probe.reader(transport, service)
    plan = await reader.open(c, 1)
    part = reader.partition(plan, 0, None, size=2)
    read: list[str] = []
    while (page := await part.next_page()) is not None:
        read += [d["_id"] for d in page.docs]
    return sample, plan, read


@pytest.mark.parametrize("inventoried", [True, False], ids=["after-inventory", "fresh-probe"])
def test_a_masked_database_is_sampled_and_read_by_its_own_name(inventoried: bool) -> None:
    # A fresh probe: a stored scan read again (export-subjects), or another process.
    async def go(transport: Transport, service: Service, ep: Endpoint) -> Any:
        probe = CouchdbProbe()
        if inventoried:
            await probe.inventory(transport, service, max_containers=100)
        john = Container("userdb-j***@g***.com #2", 3, None)
        return await _read(probe, transport, service, john)

    sample, plan, read = run(go)
    assert isinstance(sample, SampleDocs) and sample.error is None
    assert sorted(d["_id"] for d in sample.docs) == ["john1", "john2", "john3"]
    assert read == ["john1", "john2", "john3"]
    # The read plan is stored with the checkpoints: the masked name, not the database's.
    assert not [s for s in SECRETS if s in repr(plan).encode()]


def test_a_masked_name_no_longer_listed_is_one_line_of_error() -> None:
    async def go(transport: Transport, service: Service, ep: Endpoint) -> SampleDocs:
        gone = Container("userdb-x***@e***.org", 3, None)
        return await CouchdbProbe().sample(transport, service, gone, 10)

    sample = run(go)
    assert sample.docs == () and sample.error is not None
    assert sample.error.endswith("no database of that name is listed any more")


def test_names_reported_in_part_are_numbered_among_them_and_found_again() -> None:
    # Past --max-indices the inventory masks and numbers the databases it reports only (a
    # listing of 100,000 is not masked whole); a read finds the same database from them.
    async def go(transport: Transport, service: Service, ep: Endpoint) -> Any:
        inv = await CouchdbProbe().inventory(transport, service, max_containers=3)
        (jane,) = [c for c in inv.containers if "@" in c.name]
        return inv, await CouchdbProbe().sample(transport, service, jane, 10)

    inv, sample = run(go)
    assert [c.name for c in inv.containers] == ["cases", "userdb-+33 ***78", "userdb-j***@g***.com"]
    assert sorted(d["_id"] for d in sample.docs) == ["jane1", "jane2"]
