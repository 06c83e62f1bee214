"""A ``/_all_dbs`` answer is CouchDB's listing only where it names databases CouchDB could hold:
a JSON list of strings none of which is a CouchDB database name (``^[a-z][a-z0-9_$()+/-]*$``,
or a system database) is another server answering JSON, ``not-couchdb`` with what it said, not
an ``open`` server that "lists no database"."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from hostile.recorded import Answer, RecordedServer, Seen, as_json, recorded
from leakhound.models import Endpoint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.couchdb import probe as couchdb_probe
from leakhound.probes.couchdb.probe import CouchdbProbe

WELCOME = as_json(200, {"couchdb": "Welcome", "version": "3.3.3"})
REFUSED = as_json(401, {"error": "unauthorized", "reason": "Authentication required."})
POUCHDB = recorded("couchdb/root-pouchdb-server-4.2.0.json")


def _verdict(root: Answer, listing: Any) -> Service:
    def route(seen: Seen) -> Answer:
        if seen.path == "/":
            return root
        if seen.path == "/_all_dbs":
            return Answer(200, json.dumps(listing).encode(), {"content-type": "application/json"})
        if seen.path == "/_session":
            return as_json(200, {"userCtx": {"name": None, "roles": []}})
        return as_json(200, {"total_rows": 0, "offset": 0, "rows": []})

    with RecordedServer(route) as server:

        async def go() -> Service:
            scope = Scope({("127.0.0.1", server.port)})
            limits = Limits(read_timeout=5, total_timeout=10)
            async with Transport(limits, scope) as transport:
                return await CouchdbProbe().verdict(transport, Endpoint("127.0.0.1", server.port))

        return asyncio.run(go())


@pytest.mark.parametrize(
    "root", [pytest.param(WELCOME, id="welcome"), pytest.param(REFUSED, id="refused-root")]
)
def test_strings_none_a_database_name_are_not_couchdb_s_listing(root: Answer) -> None:
    got = _verdict(root, ["Hello World", "OK", "1st", "user.name@example.com"])
    assert got.verdict == Verdict.not_of("couchdb"), got.reason
    assert got.reason.startswith(
        "/_all_dbs answers 4 string(s), none a CouchDB database name (Hello World, OK, 1st and "
        "1 more): not CouchDB's listing"
    )
    assert got.open_apis == ()


def test_a_name_of_personal_data_is_masked_in_the_reason() -> None:
    got = _verdict(WELCOME, ["Jane.Doe@example.com"])
    assert got.verdict == Verdict.not_of("couchdb"), got.reason
    assert "Jane.Doe@example.com" not in got.reason and "@" in got.reason


@pytest.mark.parametrize(
    ("listing", "said"),
    [
        pytest.param([], "lists no database", id="empty"),
        pytest.param(["Bad Name", "_users"], "1 system database read", id="a-system-database"),
        pytest.param(["Bad Name", "customers"], "1 database read", id="one-valid-name"),
    ],
)
def test_a_listing_with_a_database_name_or_none_at_all_stays_couchdb_s(
    listing: list[str], said: str
) -> None:
    got = _verdict(WELCOME, listing)
    assert got.verdict == Verdict.OPEN, got.reason
    assert said in got.reason


def test_pouchdb_server_s_names_outside_couchdb_s_rule_are_its_listing_still() -> None:
    # pouchdb-server creates a database of any name (``PUT /MyTodos``) and lists it: its
    # welcome proved the server, so the listing is one, open, its names never requested.
    got = _verdict(POUCHDB, ["MyTodos", "Notes 2024"])
    assert got.verdict == Verdict.OPEN, got.reason
    assert got.reason.startswith(
        "/_all_dbs answers without credentials and lists 2 database(s), none with a name "
        "CouchDB allows: none is asked"
    ), got.reason
    assert got.fingerprint.product == "pouchdb-server"


def test_a_long_string_is_masked_only_as_far_as_the_reason_shows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A string of megabytes is not masked whole (CPU work on the event loop): only its first
    # characters, many times what the reason shows of it.
    seen: list[int] = []
    masked_name = couchdb_probe.masked_name

    def measured(name: str) -> str | None:
        seen.append(len(name))
        return masked_name(name)

    monkeypatch.setattr(couchdb_probe, "masked_name", measured)
    long = "Jane.Doe@example.com " * 20_000  # 420,000 characters
    got = _verdict(WELCOME, [long, long + "x", "OK"])
    assert got.verdict == Verdict.not_of("couchdb"), got.reason
    assert "Jane.Doe@example.com" not in got.reason and "j***@e***.com" in got.reason
    assert seen and max(seen) <= 4096, seen


def test_strings_masked_alike_are_said_once_and_the_rest_counted() -> None:
    # Two strings that mask alike are said once with how many; the names after them are named
    # up to the few, the rest counted, never shown as placeholders.
    got = _verdict(WELCOME, ["jane@gmail.com", "john@gmail.com", "Bob", "Carl", "Dave"])
    assert got.verdict == Verdict.not_of("couchdb"), got.reason
    assert "(j***@g***.com ×2, Bob, Carl and 1 more)" in got.reason, got.reason
