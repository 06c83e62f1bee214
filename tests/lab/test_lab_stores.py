"""The seeded database servers against their truths, counted back with each store's own client:
records per container, customers, dates, personal data at its paths, the same case everywhere."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from store_clients import REFUSALS, close, connect, read_something

from leakhound.lab import KINDS, LabTarget, SeedTruth
from leakhound.lab.testing import LabSession

ROLES = ("open", "secured")
CASE = ("support-cases-2012", "CS-2012-000001")  # index, id: a case every store holds


def client_of(target: LabTarget) -> Any:
    """A client with the target's credentials (none for the open one)."""
    return connect(target, target.password, target.username)


@pytest.fixture(params=[(k, r) for k in KINDS for r in ROLES], ids=lambda p: f"{p[0]}-{p[1]}")
def store(request: pytest.FixtureRequest, lab: LabSession) -> Iterator[tuple[str, Any, SeedTruth]]:
    """(kind, client, truth) of one seeded instance, open or secured."""
    kind, role = request.param
    client = client_of(lab.status.target(role, kind))
    try:
        yield kind, client, lab.truth_of(kind)
    finally:
        close(kind, client)


def case_containers(truth: SeedTruth) -> dict[str, Any]:
    """The containers holding support cases (those with dates)."""
    return {n: t for n, t in truth.indices.items() if t.created_at_min}


def redis_pattern(key: str) -> str:
    """A key's pattern, the way a scanner groups keys: variable segments become *."""
    if key in ("cases:by_created", "cases:open", "READ_ME"):
        return key
    return re.sub(r"^(case|employee|customer):[^:]+", r"\1:*", key)


def counts(kind: str, client: Any, truth: SeedTruth) -> dict[str, int]:
    """Records per container, counted by the store itself."""
    if kind == "redis":
        return dict(Counter(redis_pattern(k.decode()) for k in client.scan_iter(count=1000)))
    if kind == "postgresql":
        with connect_db(client, "support") as conn:
            return {
                name: conn.execute(f"SELECT count(*) FROM {name.split('.', 1)[1]}").fetchone()[0]
                for name in truth.indices
            }
    if kind == "mysql":
        with client.cursor() as cur:
            found = {}
            for name in truth.indices:
                cur.execute(f"SELECT COUNT(*) FROM {name}")
                found[name] = cur.fetchone()[0]
            return found
    found = {}
    for name in truth.indices:
        database, collection = name.split(".", 1)
        assert collection in client[database].list_collection_names()
        found[name] = client[database][collection].count_documents({})
    return found


def connect_db(pg: Any, database: str) -> Any:
    """Another psycopg connection like pg, to database."""
    import psycopg

    info = pg.info
    return psycopg.connect(
        host=info.host,
        port=info.port,
        user=info.user,
        password=info.password,
        dbname=database,
        autocommit=True,
    )


def test_every_container_holds_what_the_truth_says(store: tuple[str, Any, SeedTruth]) -> None:
    kind, client, truth = store
    assert counts(kind, client, truth) == {n: t.documents for n, t in truth.indices.items()}
    assert truth.records == 10_000 and truth.seed == 1
    assert sum(t.documents for t in case_containers(truth).values()) == 10_000


def test_every_store_has_the_customers_of_the_indices(lab: LabSession) -> None:
    for kind in KINDS:
        assert lab.truth_of(kind).distinct_customers == lab.truth.distinct_customers


def test_distinct_customers_match_the_truth(store: tuple[str, Any, SeedTruth]) -> None:
    kind, client, truth = store
    if kind == "redis":
        profiles = {
            k.decode().removeprefix("customer:")
            for k in client.scan_iter("customer:*")
            if not k.endswith(b":cases")
        }
        cased = {json.loads(client.get(f"customer:{e}"))["email"] for e in list(profiles)[:50]}
        assert cased <= profiles
        emails = {
            client.hget(k, "customer.email").decode()
            for k in client.scan_iter("case:*", count=1000)
        }
        assert emails == profiles
    elif kind == "postgresql":
        with connect_db(client, "support") as conn:
            emails = {r[0] for r in conn.execute("SELECT DISTINCT customer_email FROM cases")}
    elif kind == "mysql":
        with client.cursor() as cur:
            cur.execute("SELECT DISTINCT customer_email FROM support.cases")
            emails = {r[0] for r in cur.fetchall()}
    else:
        emails = set()
        for name in case_containers(truth):
            database, collection = name.split(".", 1)
            emails |= set(client[database][collection].distinct("customer.email"))
    assert len(emails) == truth.distinct_customers


def test_dates_match_the_truth(store: tuple[str, Any, SeedTruth]) -> None:
    kind, client, truth = store
    cases = case_containers(truth)
    first = min(t.created_at_min for t in cases.values() if t.created_at_min)
    last = max(t.created_at_max for t in cases.values() if t.created_at_max)
    if kind == "redis":
        low = client.zrange("cases:by_created", 0, 0, withscores=True)[0][1]
        high = client.zrange("cases:by_created", -1, -1, withscores=True)[0][1]
        found = [dt.datetime.fromtimestamp(s, dt.UTC) for s in (low, high)]
    elif kind == "postgresql":
        with connect_db(client, "support") as conn:
            found = list(
                conn.execute("SELECT min(created_at), max(created_at) FROM cases").fetchone()
            )
    elif kind == "mysql":
        with client.cursor() as cur:
            cur.execute("SELECT MIN(created_at), MAX(created_at) FROM support.cases")
            found = [d.replace(tzinfo=dt.UTC) for d in cur.fetchone()]
    else:
        dates = []
        for name, t in cases.items():
            database, collection = name.split(".", 1)
            # Read every date and compare here: FerretDB's sorts and aggregations on SQLite
            # scan and decode each document, several seconds for the two instances.
            stamps = [
                d["created_at"]
                for d in client[database][collection].find({}, {"created_at": 1, "_id": 0})
            ]
            got = [min(stamps), max(stamps)]
            assert [d.strftime("%Y-%m-%dT%H:%M:%SZ") for d in got] == [
                t.created_at_min,
                t.created_at_max,
            ]
            dates += got
        found = [min(dates).replace(tzinfo=dt.UTC), max(dates).replace(tzinfo=dt.UTC)]
    assert [d.strftime("%Y-%m-%dT%H:%M:%SZ") for d in found] == [first, last]


def test_personal_data_sits_where_the_truth_says(store: tuple[str, Any, SeedTruth]) -> None:
    # Spot checks of the PII map: phones of customers, places inside JSON, e-mails in key names.
    kind, client, truth = store
    if kind == "redis":
        cases = truth.indices["case:*"]
        keys = list(client.scan_iter("case:*", count=1000))
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.hexists(key, "customer.phone")
        assert sum(pipe.execute()) == cases.pii["PHONE_NUMBER"]["customer.phone"]
        assert truth.indices["customer:*"].pii["EMAIL_ADDRESS"]["_key"] == len(
            [k for k in client.scan_iter("customer:*@*") if not k.endswith(b":cases")]
        )
    elif kind == "postgresql":
        cases = truth.indices["support.public.cases"]
        with connect_db(client, "support") as conn:
            row = conn.execute(
                "SELECT count(customer_phone), count(customer_location->>'city'), "
                "count(customer_location->'geo') FROM cases"
            ).fetchone()
            assert row == (
                cases.pii["PHONE_NUMBER"]["customer_phone"],
                cases.pii["LOCATION"]["customer_location.city"],
                cases.pii["LOCATION"]["customer_location.geo"],
            )
            ibans = conn.execute("SELECT count(iban) FROM hr.payroll").fetchone()[0]
            assert ibans == truth.indices["support.hr.payroll"].pii["IBAN_CODE"]["iban"]
    elif kind == "mysql":
        cases = truth.indices["support.cases"]
        with client.cursor() as cur:
            cur.execute(
                "SELECT COUNT(customer_phone), "
                "COUNT(JSON_VALUE(customer_location, '$.city')) FROM support.cases"
            )
            assert cur.fetchone() == (
                cases.pii["PHONE_NUMBER"]["customer_phone"],
                cases.pii["LOCATION"]["customer_location.city"],
            )
    else:
        total = 0
        for name in case_containers(truth):
            database, collection = name.split(".", 1)
            found = client[database][collection].find({}, {"customer.phone": 1, "_id": 0})
            total += sum(1 for d in found if "phone" in d.get("customer", {}))
        phones = sum(
            t.pii.get("PHONE_NUMBER", {}).get("customer.phone", 0)
            for t in case_containers(truth).values()
        )
        assert total == phones


def read_case(kind: str, client: Any, case_id: str) -> dict[str, Any]:
    """One case as the store holds it, back in the indices' shape."""
    if kind == "redis":
        fields = {k.decode(): v.decode() for k, v in client.hgetall(f"case:{case_id}").items()}
        return {
            "customer": {
                "name": fields["customer.name"],
                "email": fields["customer.email"],
                "city": fields.get("customer.location.city"),
            },
            "created_at": fields["created_at"],
            "description": fields["description"],
        }
    if kind in ("postgresql", "mysql"):
        sql = (
            "SELECT customer_name, customer_email, customer_location, created_at, description "
            "FROM {} WHERE case_id = %s"
        )
        if kind == "postgresql":
            with connect_db(client, "support") as conn:
                row = conn.execute(sql.format("cases"), (case_id,)).fetchone()
            when = row[3].astimezone(dt.UTC)
            location = row[2]
        else:
            with client.cursor() as cur:
                cur.execute(sql.format("support.cases"), (case_id,))
                row = cur.fetchone()
            when = row[3].replace(tzinfo=dt.UTC)
            location = json.loads(row[2])
        return {
            "customer": {"name": row[0], "email": row[1], "city": location.get("city")},
            "created_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "description": row[4],
        }
    doc = client.support[f"cases_{case_id[3:7]}"].find_one({"_id": case_id})
    return {
        "customer": {
            "name": doc["customer"]["name"],
            "email": doc["customer"]["email"],
            "city": doc["customer"]["location"].get("city"),
        },
        "created_at": doc["created_at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
        "description": doc["description"],
    }


def test_a_case_reads_the_same_in_every_store(
    store: tuple[str, Any, SeedTruth], lab: LabSession
) -> None:
    kind, client, _truth = store
    index, case_id = CASE
    with httpx.Client(trust_env=False, timeout=30) as http:
        source = http.get(f"{lab.status.url('open')}/{index}/_doc/{case_id}").json()["_source"]
    expected = {
        "customer": {
            "name": source["customer"]["name"],
            "email": source["customer"]["email"],
            "city": source["customer"]["location"].get("city"),
        },
        "created_at": source["created_at"],
        "description": source["description"],
    }
    assert read_case(kind, client, case_id) == expected


@pytest.mark.parametrize("kind", KINDS)
def test_secured_store_refuses_reading_without_credentials(kind: str, lab: LabSession) -> None:
    target = lab.status.target("secured", kind)
    with pytest.raises(REFUSALS[kind]):
        client = connect(target)
        try:
            read_something(kind, client)
            read_case(kind, client, CASE[1])
        finally:
            close(kind, client)


def test_ransom_notes_are_where_bots_leave_them(store: tuple[str, Any, SeedTruth]) -> None:
    kind, client, _truth = store
    if kind == "redis":
        note = client.get("READ_ME").decode()
    elif kind == "postgresql":
        with connect_db(client, "support") as conn:
            note = conn.execute("SELECT message FROM readme_to_recover").fetchone()[0]
    elif kind == "mysql":
        with client.cursor() as cur:
            cur.execute("SELECT message FROM PLEASE_READ_ME_XMG.WARNING")
            note = cur.fetchone()[0]
    else:
        note = client.READ_ME_TO_RECOVER_YOUR_DATA.README.find_one()["message"]
        assert any(c.endswith("-meow") for c in client.support.list_collection_names())
    assert "BTC" in note and "to recover it" in note


def test_status_lists_every_target_with_its_kind(lab: LabSession) -> None:
    targets = lab.status.targets
    assert [(t.kind, t.role) for t in targets[:3]] == [
        ("elasticsearch", "open"),
        ("elasticsearch", "secured"),
        ("elasticsearch", "partial"),
    ]
    databases = targets[3 : 3 + len(KINDS) * len(ROLES)]  # the object stores follow
    assert [(t.kind, t.role) for t in databases] == [(k, r) for k in KINDS for r in ROLES]
    schemes = {
        "redis": "redis://127.0.0.1:",
        "postgresql": "postgresql://postgres@127.0.0.1:",
        "mysql": "mysql://root@127.0.0.1:",
        "mongodb": "mongodb://127.0.0.1:",
    }
    for target in databases:
        assert target.url.startswith(schemes[target.kind])
        assert (target.password is None) == (target.role == "open")
    assert set(lab.status.versions) == {*KINDS, "s3", "azblob", "couchdb"}
    assert len(lab.status.pids) == 2 * len(KINDS)
