"""A CouchDB's reason names its databases of each outcome (``partial``, ``secured`` or
``error`` alike): those read without credentials, those that asked for them and those that
failed, the first few of each and how many more, in one line; a database listed twice is
asked, counted and inventoried once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import unquote

from hostile.recorded import Answer, RecordedServer, Seen, as_json, recorded
from leakhound.models import Endpoint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.base import Inventory
from leakhound.probes.couchdb.probe import CouchdbProbe

ROOT = "couchdb/root-couchdb-3.4.2.json"
DENIED = "couchdb/db-401-couchdb-3.json"
ROWS = {"total_rows": 1, "offset": 0, "rows": [{"id": "a", "key": "a", "value": {"rev": "1-a"}}]}


def _couch(outcomes: dict[str, str]) -> Callable[[Seen], Answer]:
    """A CouchDB 3 whose databases read ("open"), refuse ("refused") or fail ("failed")."""

    def route(seen: Seen) -> Answer:
        if seen.path == "/":
            return recorded(ROOT)
        if seen.path == "/_all_dbs":
            return as_json(200, list(outcomes))
        if seen.path == "/_session":
            return as_json(200, {"ok": True, "userCtx": {"name": None, "roles": []}})
        name = unquote(seen.path[1:].partition("/")[0])
        outcome = outcomes.get(name)
        if outcome == "open":
            return as_json(200, ROWS)
        if outcome == "refused":
            return recorded(DENIED)
        return as_json(500, {"error": "unknown_error", "reason": "badarg"})

    return route


def _verdict(outcomes: dict[str, str]) -> Service:
    async def go(port: int) -> Service:
        scope = Scope({("127.0.0.1", port)})
        async with Transport(Limits(read_timeout=5, total_timeout=10), scope) as transport:
            return await CouchdbProbe().verdict(transport, Endpoint("127.0.0.1", port))

    with RecordedServer(_couch(outcomes)) as server:
        return asyncio.run(go(server.port))


def test_a_partial_reason_names_the_refused_databases() -> None:
    got = _verdict({"open-db": "open", "hr": "refused", "payroll": "refused"})
    assert got.verdict == Verdict.PARTIAL
    assert got.reason == (
        "1 of 3 databases read without credentials (open-db); 2 ask for them (hr, payroll)"
    )


def test_a_partial_reason_names_the_failed_databases_too() -> None:
    got = _verdict({"open-db": "open", "hr": "refused", "broken": "failed"})
    assert got.verdict == Verdict.PARTIAL
    assert got.reason.startswith(
        "1 of 3 databases read without credentials (open-db); 1 ask for them (hr); 1 fail (broken: "
    )


def test_a_partial_reason_names_the_first_few_and_counts_the_rest() -> None:
    refused = {f"closed-{n}": "refused" for n in range(7)}
    opened = {f"open-{n}": "open" for n in range(5)}
    got = _verdict({**opened, **refused})
    assert got.verdict == Verdict.PARTIAL
    assert got.reason == (
        "5 of 12 databases read without credentials (open-0, open-1, open-2 and 2 more); "
        "7 ask for them (closed-0, closed-1, closed-2 and 4 more)"
    )


def test_a_long_partial_reason_keeps_that_the_root_asks_for_credentials() -> None:
    # A proxy guarding / alone: the reason of long names of every outcome is cut at 500
    # characters before ", although / asks…", not through it.
    outcomes = {
        **{f"open-{n}-" + "a" * 70: "open" for n in range(4)},
        **{f"closed-{n}-" + "b" * 70: "refused" for n in range(4)},
        **{f"broken-{n}-" + "c" * 70: "failed" for n in range(4)},
    }
    inner = _couch(outcomes)

    def route(seen: Seen) -> Answer:
        if seen.path == "/":
            return as_json(401, {"error": "unauthorized", "reason": "Authentication required."})
        return inner(seen)

    async def go(port: int) -> Service:
        scope = Scope({("127.0.0.1", port)})
        async with Transport(Limits(read_timeout=5, total_timeout=10), scope) as transport:
            return await CouchdbProbe().verdict(transport, Endpoint("127.0.0.1", port))

    with RecordedServer(route) as server:
        got = asyncio.run(go(server.port))
    assert got.verdict == Verdict.PARTIAL
    assert got.reason.startswith("4 of 12 databases read without credentials (open-0-")
    assert got.reason.endswith(
        ", although / asks for credentials (HTTP 401: Authentication required.)"
    )
    assert len(got.reason) <= 500


def test_a_secured_reason_names_the_refused_databases() -> None:
    refused = {f"closed-{n}": "refused" for n in range(5)}
    got = _verdict(refused)
    assert got.verdict == Verdict.SECURED
    assert got.reason == (
        "/_all_dbs lists 5 databases without credentials, but each of 5 databases asks for "
        "them (closed-0, closed-1, closed-2 and 2 more)"
    )


def test_an_error_reason_names_the_refused_and_the_failed_databases() -> None:
    outcomes = {
        **{f"closed-{n}": "refused" for n in range(4)},
        **{f"broken-{n}": "failed" for n in range(4)},
    }
    got = _verdict(outcomes)
    assert got.verdict == Verdict.ERROR
    assert got.reason.startswith(
        "/_all_dbs lists 8 databases without credentials, but 4 of 8 databases ask for them "
        "(closed-0, closed-1, closed-2 and 1 more); 4 fail (broken-0: "
    )
    assert got.reason.endswith(" and 1 more)")


def test_a_reason_of_failed_databases_only_counts_those_it_does_not_name() -> None:
    got = _verdict({f"broken-{n}": "failed" for n in range(5)})
    assert got.verdict == Verdict.ERROR
    assert got.reason.startswith("databases fail: broken-0: ")
    assert got.reason.endswith(" and 2 more")


def _listed_twice(outcomes: dict[str, str]) -> Callable[[Seen], Answer]:
    """``_couch``, its listing naming each database twice (a hostile server, a honeypot)."""
    inner = _couch(outcomes)

    def route(seen: Seen) -> Answer:
        if seen.path == "/_all_dbs":
            return as_json(200, [*outcomes, *outcomes])
        return inner(seen)

    return route


def test_a_database_listed_twice_is_asked_and_counted_once() -> None:
    outcomes = {"open-db": "open", "hr": "refused"}
    with RecordedServer(_listed_twice(outcomes)) as server:

        async def go() -> Service:
            scope = Scope({("127.0.0.1", server.port)})
            async with Transport(Limits(read_timeout=5, total_timeout=10), scope) as transport:
                return await CouchdbProbe().verdict(transport, Endpoint("127.0.0.1", server.port))

        got = asyncio.run(go())
        asked = [s.path for s in server.received if s.path.startswith("/hr/")]
    assert got.reason == (
        "1 of 2 databases read without credentials (open-db); 1 ask for them (hr)"
    )
    assert len(asked) == 1


def test_a_database_listed_twice_is_one_container_and_the_repeat_is_noted() -> None:
    outcomes = {"open-db": "open", "other-db": "open"}
    with RecordedServer(_listed_twice(outcomes)) as server:

        async def go() -> Inventory:
            scope = Scope({("127.0.0.1", server.port)})
            async with Transport(Limits(read_timeout=5, total_timeout=10), scope) as transport:
                probe = CouchdbProbe()
                service = await probe.verdict(transport, Endpoint("127.0.0.1", server.port))
                return await probe.inventory(transport, service, max_containers=10)

        got = asyncio.run(go())
    assert [c.name for c in got.containers] == ["open-db", "other-db"]
    assert got.error is None
    assert got.note == "2 repeated database name(s) listed once"


LONG = "x" * 70  # a database name over the 60 characters a reason shows of one


def test_a_long_error_reason_cuts_the_failed_names_not_their_end() -> None:
    outcomes = {
        **{f"c{n}-{LONG}": "refused" for n in range(5)},
        **{f"b{n}-{LONG}": "failed" for n in range(5)},
    }
    got = _verdict(outcomes)
    assert got.verdict == Verdict.ERROR
    assert len(got.reason) <= 500
    assert "; 5 fail (b0-" in got.reason
    assert got.reason.endswith(": HTTP 500 and 3 more)")


def _admin_party(outcomes: dict[str, str]) -> Callable[[Seen], Answer]:
    """``_couch``, its anonymous session a server admin's."""
    inner = _couch(outcomes)

    def route(seen: Seen) -> Answer:
        if seen.path == "/_session":
            return as_json(200, {"ok": True, "userCtx": {"name": None, "roles": ["_admin"]}})
        return inner(seen)

    return route


def test_a_long_partial_reason_keeps_the_admin_party() -> None:
    outcomes = {
        **{f"o{n}-{LONG}": "open" for n in range(4)},
        **{f"c{n}-{LONG}": "refused" for n in range(3)},
        **{f"b{n}-{LONG}": "failed" for n in range(3)},
    }
    with RecordedServer(_admin_party(outcomes)) as server:

        async def go() -> Service:
            scope = Scope({("127.0.0.1", server.port)})
            async with Transport(Limits(read_timeout=5, total_timeout=10), scope) as transport:
                return await CouchdbProbe().verdict(transport, Endpoint("127.0.0.1", server.port))

        got = asyncio.run(go())
    assert got.verdict == Verdict.PARTIAL
    assert len(got.reason) <= 500
    # Each group names as many as the room leaves and counts the rest; the admin party kept.
    assert "read without credentials (o0-" in got.reason
    assert "; 3 ask for them (c0-" in got.reason
    assert "; 3 fail (b0-" in got.reason
    assert got.reason.endswith(" and 2 more); anonymous users are server admins (admin party)")


def _userdb(user: str) -> str:
    return "userdb-" + user.encode().hex()


def test_per_user_databases_masked_alike_are_counted_in_a_reason() -> None:
    # Two users' databases mask alike (userdb-j***@g***.com): said once, with how many.
    jane, john = _userdb("jane.doe@gmail.com"), _userdb("john.roe@gmail.com")
    got = _verdict({jane: "open", john: "open", "hr": "refused"})
    assert got.verdict == Verdict.PARTIAL
    assert got.reason == (
        "2 of 3 databases read without credentials (userdb-j***@g***.com ×2); 1 ask for them (hr)"
    )


def test_a_long_root_refusal_keeps_how_many_databases_fail() -> None:
    # / refused with long words of the server's, and every database fails: the server's
    # words are cut, not the failures and their count.
    outcomes = {f"b{n}-{LONG}": "failed" for n in range(5)}
    inner = _couch(outcomes)

    def route(seen: Seen) -> Answer:
        if seen.path == "/":
            return as_json(401, {"error": "unauthorized", "reason": "Log in first. " * 14})
        return inner(seen)

    with RecordedServer(route) as server:

        async def go() -> Service:
            scope = Scope({("127.0.0.1", server.port)})
            async with Transport(Limits(read_timeout=5, total_timeout=10), scope) as transport:
                return await CouchdbProbe().verdict(transport, Endpoint("127.0.0.1", server.port))

        got = asyncio.run(go())
    assert got.verdict == Verdict.ERROR
    assert len(got.reason) <= 500
    assert got.reason.startswith("/ asks for credentials (HTTP 401: Log in first. ")
    assert got.reason.count("asks for credentials") == 1
    assert "); databases fail: b0-" in got.reason
    assert got.reason.endswith(": HTTP 500 and 3 more")
