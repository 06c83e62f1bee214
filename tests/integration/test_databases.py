"""The four database kinds against the lab's real servers, each compared with its kind's truth.

Redis, PostgreSQL, MariaDB (kind ``mysql``) and FerretDB (kind ``mongodb``), one open and one
secured server of each, seeded by ``leakhound lab seed`` with the same support cases. One
sample scan of all eight is shared by most tests; per kind, one full read of the secured
server with the owner's credentials and one full read of the open server killed with SIGKILL
and resumed. ``-k redis`` (or another kind) runs one kind.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from reports import report, run_scan, scan_argv, stored
from scanproc import run_until

from leakhound.cli import main
from leakhound.count.people import TOLD_FACTOR, told
from leakhound.lab import KINDS, LabTarget, SeedTruth
from leakhound.lab import mariadb as lab_mariadb
from leakhound.lab import mongodb as lab_mongodb
from leakhound.lab import postgresql as lab_postgresql
from leakhound.lab import redis as lab_redis
from leakhound.models import Fingerprint, from_dict
from leakhound.probes.redis import connection as redis_connection
from leakhound.probes.redis import probe as redis_probe
from leakhound.probes.registry import words
from leakhound.report import text as report_text
from leakhound.report.text import product
from leakhound.scanner import full as full_read

SAMPLE = 100  # records sampled per container (the default)
# What each kind's server says: the product it is fingerprinted as, and why it is open or
# secured (the words of its own refusal: a verdict is only as good as its reason).
PRODUCT = {"redis": "redis", "postgresql": "postgresql", "mysql": "mariadb", "mongodb": "mongodb"}
OPEN_BECAUSE = {
    "redis": "INFO and SCAN answer without credentials",
    "postgresql": "lets postgres in without a password (trust)",
    "mysql": "root with an empty password logs in",
    "mongodb": "listDatabases answers without credentials",
}
SECURED_BECAUSE = {
    "redis": "NOAUTH Authentication required",
    "postgresql": "asks postgres for SASL (SCRAM)",
    "mysql": "1045 (28000): Access denied for user 'root'",
    "mongodb": "listDatabases requires authentication",
}
# The container each kind's seeder left its ransom note in.
RANSOM = {
    "redis": lab_redis.RANSOM_KEY,
    "postgresql": lab_postgresql.RANSOM,
    "mysql": lab_mariadb.RANSOM,
    "mongodb": lab_mongodb.RANSOM,
}
# Kinds the detectors validate (a checksum, a strict shape): where every record holds one in a
# field, every record is counted there. Names, places and free-text forms are found as the
# detectors can, never where none was seeded.
VALIDATED = ("EMAIL_ADDRESS", "IBAN_CODE")
# Kinds whose values carry a type, so that a date is known as one: records per year. (Redis
# keeps text: its created_at is a string like any other.)
TYPED_DATES = ("postgresql", "mysql", "mongodb")
# Kinds whose stores measure a container's bytes (the lab analyses MariaDB's tables once
# seeded; test_mysql.py shows a size older than its rows).
SIZED = ("postgresql", "mysql", "mongodb")
MASKED_EMAIL = re.compile(r"\w\*{3}@\w\*{3}\.[a-z.]+")

by_kind = pytest.mark.parametrize("kind", KINDS)


@dataclass(frozen=True)
class Scan:
    """One scan's JSON report and findings database."""

    doc: dict[str, Any]
    db: Path

    def result(self, target: LabTarget) -> dict[str, Any]:
        """The result of one lab target (by its port: the only thing a URL keeps as is)."""
        found = [r for r in self.doc["results"] if r["service"]["endpoint"]["port"] == target.port]
        assert len(found) == 1, (target, [r["service"]["url"] for r in self.doc["results"]])
        return found[0]


def scan(tmp: Path, *argv: str) -> Scan:
    """``leakhound scan ARGV`` to a JSON report, validated against the schema."""
    doc, db = report(tmp, *argv)
    return Scan(doc, db)


def containers(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {ir["index"]["name"]: ir for ir in result["indices"]}


def found_where(pii: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Entity kind -> field -> records carrying it there, from a sample's or a full read's
    ``pii`` list; coordinates are the truth's LOCATION."""
    out: dict[str, dict[str, int]] = {}
    for p in pii:
        kind = "LOCATION" if p["entity_type"] == "GEO_COORDINATES" else p["entity_type"]
        for f in p["fields"]:
            out.setdefault(kind, {})[f["path"]] = f["docs"]
    return out


def assert_pii_where_seeded(
    name: str,
    found: Mapping[str, Mapping[str, int]],
    seeded: Mapping[str, Mapping[str, int]],
    records: int,
    *,
    counted: bool,
) -> None:
    """Found only where seeded; the validated kinds in every field each record carries, and
    there in every record when the read was whole (``counted``)."""
    for kind, fields in found.items():
        assert set(fields) <= set(seeded.get(kind, {})), (name, kind, fields)
    for kind in VALIDATED:
        everywhere = {f for f, n in seeded.get(kind, {}).items() if n == records}
        assert everywhere <= set(found.get(kind, {})), (name, kind)
        if counted:
            for f in everywhere:
                assert found[kind][f] == records, (name, kind, f)


@pytest.fixture(scope="module")
def truths(lab: Any) -> dict[str, SeedTruth]:
    return {kind: lab.truth_of(kind) for kind in KINDS}


@pytest.fixture(scope="module")
def sampled(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> Scan:
    """One sample scan of every database target, open and secured, without credentials."""
    urls = [lab.status.url(role, kind=kind) for kind in KINDS for role in ("open", "secured")]
    return scan(tmp_path_factory.mktemp("databases"), *urls)


@pytest.fixture(scope="module")
def raw_values(lab: Any) -> set[str]:
    """Personal values every kind holds (the lab writes the same cases into each), read from
    the open PostgreSQL with its own client: customers' and agents' e-mail addresses and
    phone numbers, employees' addresses and IBANs, the ransom note's address."""
    import psycopg

    port = lab.status.target("open", kind="postgresql").port
    with psycopg.connect(
        host="127.0.0.1",
        port=port,
        user="postgres",
        dbname="support",
        autocommit=True,
        connect_timeout=10,
    ) as conn:
        rows = conn.execute(
            "SELECT customer_email, customer_phone, agent_email FROM public.cases"
        ).fetchall()
        rows += conn.execute("SELECT email, iban FROM hr.payroll").fetchall()
        rows += conn.execute("SELECT email FROM public.readme_to_recover").fetchall()
    values = {v for row in rows for v in row if isinstance(v, str) and len(v) >= 8}
    assert len(values) > 1000
    return values


def assert_nothing_raw(texts: Iterator[str] | list[str], raw: set[str]) -> None:
    for text in texts:
        leaked = [v for v in raw if v in text]
        assert not leaked, leaked[:3]


def database_text(db: Path) -> Iterator[str]:
    """The findings database's bytes (and its write-ahead log's), as text."""
    for path in (db, db.with_name(db.name + "-wal")):
        if path.exists():
            yield path.read_bytes().decode("utf-8", "replace")


# -- the sample scan of all eight servers ----------------------------------------------------


@by_kind
def test_open_server_is_open_and_fingerprinted(sampled: Scan, lab: Any, kind: str) -> None:
    result = sampled.result(lab.status.target("open", kind=kind))
    service = result["service"]
    assert service["verdict"] == "open" and service["kind"] == kind
    assert OPEN_BECAUSE[kind] in service["reason"]
    assert service["fingerprint"]["product"] == PRODUCT[kind]
    assert lab.status.versions[kind] in json.dumps(service["fingerprint"])
    assert not result["authenticated"] and not result.get("honeypot")
    if kind == "mongodb":  # the lab's MongoDB-wire server is FerretDB: it is named so
        shown = product(from_dict(Fingerprint, service["fingerprint"]))
        assert re.fullmatch(r"FerretDB \S+ \(as MongoDB \d+\.\d+\.\d+\)", shown), shown


@by_kind
def test_secured_server_is_secured_for_its_reason(sampled: Scan, lab: Any, kind: str) -> None:
    result = sampled.result(lab.status.target("secured", kind=kind))
    service = result["service"]
    assert service["verdict"] == "secured" and service["kind"] == kind
    assert SECURED_BECAUSE[kind] in service["reason"]
    assert service["fingerprint"]["product"] == PRODUCT[kind]
    assert result["indices"] == [] and result.get("people") is None
    assert not result["authenticated"]


@by_kind
def test_every_container_is_counted_exactly(
    sampled: Scan, lab: Any, truths: dict[str, SeedTruth], kind: str
) -> None:
    found = containers(sampled.result(lab.status.target("open", kind=kind)))
    truth = truths[kind]
    assert set(found) == set(truth.containers)
    for name, t in truth.containers.items():
        index = found[name]["index"]
        assert (index["docs"], index["docs_exact"]) == (t.documents, True), name
        assert found[name]["sample"]["docs"] == min(SAMPLE, t.documents), name
        assert found[name]["sample"]["error"] is None, name
        if t.created_at_min and truth.kind in TYPED_DATES:
            assert index["date_field"] == "created_at", name
        # The range is asked only where it is cheap (indexed, or a small table); a payroll's
        # date is its hired_at, which the truth does not record.
        if index["date_min"] is not None and index["date_field"] == "created_at":
            day = (index["date_min"][:10], index["date_max"][:10])
            assert day == (t.created_at_min[:10], t.created_at_max[:10]), name
        if kind in TYPED_DATES and index["date_field"] == "created_at":
            # the lab's tables and collections are small: the server counted every record a
            # year (GROUP BY the year; MongoDB: a count of each year's dates)
            years = {y["year"]: y["docs"] for y in index["years"]}
            assert years == dict(t.created_at_years) and years, name
        elif kind not in TYPED_DATES and t.created_at_years:
            # Redis counts nothing a year and names no date field: its records, read whole
            # for its people, were dated one by one by their created_at, every one of them.
            sample = found[name]["sample"]
            assert "years" not in index and sample["date_field"] == "created_at", name
            years = {y["year"]: y["docs"] for y in sample["years"]}
            assert years == dict(t.created_at_years), name
        if kind in SIZED and t.documents:
            # the bytes on disk, as the store measures them (no row is under 16 bytes there)
            assert index["store_bytes"] > 16 * t.documents, name


@by_kind
def test_sample_finds_pii_where_it_was_seeded_masked(
    sampled: Scan, lab: Any, truths: dict[str, SeedTruth], kind: str
) -> None:
    found = containers(sampled.result(lab.status.target("open", kind=kind)))
    for name, t in truths[kind].containers.items():
        sample = found[name]["sample"]
        where = found_where(sample["pii"])
        assert_pii_where_seeded(name, where, t.pii, t.documents, counted=False)
        assert bool(where) == bool(t.pii), name
        for p in sample["pii"]:
            assert p["examples"], (name, p["entity_type"])
            for example in p["examples"]:
                assert "*" in example, (name, example)  # masked, never raw
                if p["entity_type"] == "EMAIL_ADDRESS":
                    assert MASKED_EMAIL.fullmatch(example), (name, example)


@by_kind
def test_people_are_every_address_in_the_store_counted_once(
    sampled: Scan, lab: Any, truths: dict[str, SeedTruth], kind: str
) -> None:
    # Each store is small enough to be read whole (--people-read): counted, not estimated.
    people = sampled.result(lab.status.target("open", kind=kind))["people"]
    assert people["entity_type"] == "EMAIL_ADDRESS"
    assert people["method"] == "read" and people["exact"]
    assert people["value"] == people["low"] == people["high"] == truths[kind].distinct_emails
    # in the store's own words, as its inventory's heading ("Tables of …"): not "container(s)"
    n = sum(1 for c in truths[kind].containers.values() if c.documents)  # the empty: none
    said = {"postgresql": "tables", "mysql": "tables", "mongodb": "collections"}
    what = said.get(kind, "key patterns")
    assert people["basis"].endswith(f" records of {n} {what}, each counted once"), people["basis"]


@pytest.fixture(scope="module")
def estimated(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> Scan:
    """One sample scan of every open database server with ``--people-read 0``: people
    estimated from the sample (100 records of each container), never read whole. Deadlines
    longer than the defaults: FerretDB's spread reads (a pass over the collection each) outlast
    10 s on a loaded machine and then fall back to the first documents, which these tests do
    not ask about."""
    urls = [lab.status.url("open", kind=kind) for kind in KINDS]
    return scan(
        tmp_path_factory.mktemp("estimated"),
        *urls,
        "--people-read",
        "0",
        "--read-timeout",
        "60",
        "--timeout",
        "120",
    )


def assert_estimate_holds(name: str, people: dict[str, Any], truth: int) -> None:
    """The likely range holds the truth; the figure is within the factor its basis states
    (the lab's 1% sample of 10,000 cases cannot do better), and the figure as shown holds
    the truth: one figure (``told``) within ``TOLD_FACTOR`` of it, else its range, "between
    low and high". The figure in the middle of a range shown as the range is where chance
    put it: 100 of the lab's 10,000 cases drawn at random put it below half the truth in 1.4%
    of 4,000 draws, each draw's range holding it (``benchmarks/people_estimate.py --shapes lab
    --fractions 0.01 --runs 4000``), and Redis's key order, hence its sample, changes with
    every start: no bound on it beyond the stated factor holds every run."""
    assert people["method"] == "sample" and people["entity_type"] == "EMAIL_ADDRESS", name
    low, value, high = people["low"], people["value"], people["high"]
    assert low <= truth <= high, (name, low, value, high, truth)
    if people["exact"]:
        assert value == truth, name
        return
    stated = re.search(r"within a factor of ([\d.]+) of either end", people["basis"])
    assert stated and "likely between" in people["basis"], (name, people["basis"])
    factor = float(stated[1]) + 0.05  # printed to one decimal
    assert 1 / factor <= value / truth <= factor, (name, value, truth, stated[1])
    if told(value, low, high):
        assert 1 / TOLD_FACTOR <= value / truth <= TOLD_FACTOR, (name, value, truth)
    else:
        shown = report_text.estimated(value, low, high)  # the range, held above
        assert shown.startswith(f"between {low:,} and {high:,} "), (name, shown)


# Kinds whose server counts and lists the distinct values of a column of identifiers.
LISTED_BY_SERVER = {"postgresql": lab_postgresql, "mysql": lab_mariadb}


@by_kind
def test_people_estimated_from_the_sample_hold_the_truth_in_their_range(
    estimated: Scan, lab: Any, truths: dict[str, SeedTruth], kind: str
) -> None:
    # Shlosser's estimator, before, read 100 of the 10,000 cases as 6,921 people in
    # PostgreSQL and MariaDB and 11,570 in Redis, where each store holds 3,543.
    result = estimated.result(lab.status.target("open", kind=kind))
    if kind in LISTED_BY_SERVER:
        assert_listed_by_the_server(kind, result["people"], truths[kind])
    else:
        assert_estimate_holds(kind, result["people"], truths[kind].distinct_emails)
    held = truths[kind].containers
    for name, ir in containers(result).items():
        people = (ir["sample"] or {}).get("people")
        (seeded,) = [t for n, t in held.items() if n == name or n.endswith(f".{name}")]
        if people is not None:
            assert_estimate_holds(f"{kind} {name}", people, seeded.distinct_emails)


def assert_listed_by_the_server(kind: str, people: dict[str, Any], truth: SeedTruth) -> None:
    """PostgreSQL and MariaDB count and list the addresses of their columns of addresses (a
    sample of 100 rows a table said which those are): the customers', the agents' and the
    payroll's (the agents among them), the ransom note's. Those are exact; the 981 addresses
    the cases' internal notes alone mention ("Customer also uses …") are free text, estimated
    from the sample, and the range holds the truth."""
    cases = LISTED_BY_SERVER[kind].CASES
    whole = truth.distinct_customers + sum(
        t.distinct_emails for name, t in truth.containers.items() if name != cases
    )
    assert (people["method"], people["entity_type"]) == ("store-list", "EMAIL_ADDRESS"), people
    basis = people["basis"]
    assert basis.startswith(
        f"EMAIL_ADDRESS: {whole:,} distinct in agent_email, customer_email, email, every "
        "distinct value listed by the server (SELECT DISTINCT"
    ), basis
    assert "found only in free text: " in basis and "likely between" in basis, basis
    assert not people["exact"] and whole < people["low"] <= truth.distinct_emails
    assert truth.distinct_emails <= people["high"], (people, truth.distinct_emails)
    assert 0.5 <= people["value"] / truth.distinct_emails <= 2, (kind, people["value"])


def test_people_of_the_stores_estimated_apart_are_estimated_once_across_them(
    estimated: Scan, truths: dict[str, SeedTruth], capsys: pytest.CaptureFixture[str]
) -> None:
    # The four databases hold the same 3,543 people, none read whole: their figures added
    # were said "about" four times the truth. Their samples pooled, a person seen in two
    # stores' samples counts once, and the range holds the truth. (PostgreSQL and MariaDB
    # listed their columns of addresses, but what their free text alone holds is estimated:
    # pooled too, each store's own figure its count with that estimate.)
    (people,) = {t.distinct_emails for t in truths.values()}
    (across,) = estimated.doc["people_across"]
    assert across["basis"].startswith(f"EMAIL_ADDRESS: the samples of the {len(KINDS)} stores")
    assert len(across["endpoints"]) == len(KINDS)
    d = across["distinct"]
    assert not d["exact"] and d["lower"] <= people <= d["upper"], (d, people)
    stated = re.search(r"within a factor of ([\d.]+) of either end", across["basis"])
    assert stated and 1 / (float(stated[1]) + 0.05) <= d["estimate"] / people <= float(stated[1])
    assert (
        main(["assess", estimated.doc["scan_id"], "--db", str(estimated.db), "--format", "json"])
        == 0
    )
    subjects = json.loads(capsys.readouterr().out)["data_subjects"]
    assert (subjects["value"], subjects["counts_added"]) == (d["estimate"], False)
    assert "the samples of the 4 stores pooled" in subjects["basis"]


# -- samples spread over the table (PostgreSQL and MySQL) ------------------------------------

SPREAD_KINDS = pytest.mark.parametrize("kind", ["postgresql", "mysql"])
PROBES = {"postgresql": lab_postgresql, "mysql": lab_mariadb}


def _sample_of(target: LabTarget, kind: str, name: str, size: int = SAMPLE) -> Any:
    """The probe's sample of one container of a lab server, read as a scan reads it."""
    import asyncio

    from leakhound.models import Endpoint, Service, Verdict
    from leakhound.net import Limits, Scope, Transport
    from leakhound.probes.registry import DEFAULT

    probe = DEFAULT.by_kind(kind)
    endpoint = Endpoint("127.0.0.1", target.port)
    service = Service(endpoint, target.url, kind, Verdict.OPEN)

    async def go() -> Any:
        async with Transport(Limits(), Scope({("127.0.0.1", target.port)})) as transport:
            inv = await probe.inventory(transport, service, max_containers=100)
            (container,) = [c for c in inv.containers if c.name == name]
            return container, await probe.sample(transport, service, container, size)

    return asyncio.run(go())


@SPREAD_KINDS
def test_a_sample_of_the_cases_is_spread_over_all_their_years_and_customers(
    lab: Any, truths: dict[str, SeedTruth], kind: str
) -> None:
    # The cases are written in case order: the first 100 rows are all of 2005 (227 cases).
    target = lab.status.target("open", kind=kind)
    name = PROBES[kind].CASES
    container, got = _sample_of(target, kind, name)
    assert got.error is None and got.drawn == "spread" and len(got.docs) == SAMPLE
    years = {int(str(d["created_at"])[:4]) for d in got.docs}
    seeded = truths[kind].containers[name].created_at_years
    assert min(seeded) == 2005 and seeded[2005] > SAMPLE
    assert len(years) >= 12 and max(years) == 2019, sorted(years)  # 15 years seeded
    customers = {d["customer_email"] for d in got.docs}
    assert len(customers) >= 90
    # the same rows every scan (a fixed seed): figures do not move between two scans
    again = _sample_of(target, kind, name)[1]
    assert [d["case_id"] for d in again.docs] == [d["case_id"] for d in got.docs]
    assert container.docs == truths[kind].containers[name].documents


@SPREAD_KINDS
def test_the_sampled_tables_say_they_were_spread_and_the_estimate_says_so(
    estimated: Scan, lab: Any, kind: str
) -> None:
    result = estimated.result(lab.status.target("open", kind=kind))
    for name, ir in containers(result).items():
        sample = ir["sample"]
        if sample["docs"] < ir["index"]["docs"]:  # the cases, the payroll
            assert sample["drawn"] == "spread", name
        else:  # the ransom note's one row: read whole
            assert "drawn" not in sample, name
    assert (
        "(they were drawn at random over each container's records)" in (result["people"]["basis"])
    )


def test_other_kinds_say_their_samples_are_the_first_records(estimated: Scan, lab: Any) -> None:
    result = estimated.result(lab.status.target("open", kind="redis"))
    assert all("drawn" not in (ir["sample"] or {}) for ir in result["indices"])
    if not result["people"]["exact"]:
        assert "the first a store returns are taken as such" in result["people"]["basis"]


def test_ferretdb_says_its_samples_are_runs_or_the_first_records(estimated: Scan, lab: Any) -> None:
    # FerretDB reads the whole collection for every find: runs of neighbours over the _id
    # range (a few finds) for a collection of more than four samples' documents, the first
    # documents of a smaller one (probes/mongodb/sample.py)
    result = estimated.result(lab.status.target("open", kind="mongodb"))
    for ir in result["indices"]:
        drawn = (ir["sample"] or {}).get("drawn")
        assert drawn == ("runs" if (ir["index"]["docs"] or 0) > 4 * SAMPLE else None), ir
    assert "the first of others taken as such" in result["people"]["basis"]


BY_CUSTOMER = "lh_by_customer"
CUSTOMERS = 3000  # customer p writes 1 + p % 5 cases, one after the other: 9,000 cases


@pytest.fixture
def by_customer(lab: Any, request: pytest.FixtureRequest) -> Iterator[tuple[str, LabTarget]]:
    """A scratch database on the open server of ``request.param``'s kind, of cases written
    customer by customer (dropped afterwards: the seeded databases are never touched):
    PostgreSQL one table, MySQL one with a whole-number key, one with a text key and one
    without a key."""
    kind = request.param
    target = lab.status.target("open", kind=kind)
    if kind == "postgresql":
        import psycopg

        def admin(statement: str, database: str = "postgres") -> None:
            with psycopg.connect(
                host="127.0.0.1", port=target.port, user="postgres", dbname=database,
                autocommit=True, connect_timeout=30,
            ) as conn:  # fmt: skip
                conn.execute(statement)

        admin(f"DROP DATABASE IF EXISTS {BY_CUSTOMER}")
        admin(f"CREATE DATABASE {BY_CUSTOMER}")
        admin("CREATE TABLE cases (id serial PRIMARY KEY, email text, note text)", BY_CUSTOMER)
        admin(
            "INSERT INTO cases (email, note) SELECT 'person' || p || '@example.org', "
            f"'case ' || k FROM generate_series(1, {CUSTOMERS}) p, generate_series(1, 5) k "
            "WHERE k <= 1 + p % 5 ORDER BY p, k",
            BY_CUSTOMER,
        )
        try:
            yield kind, target
        finally:
            admin(f"DROP DATABASE IF EXISTS {BY_CUSTOMER} WITH (FORCE)")
        return
    import subprocess

    def admin_sql(statement: str) -> None:
        argv = ["mariadb", "--no-defaults", "-h127.0.0.1", f"-P{target.port}", "-uroot"]
        done = subprocess.run(argv, input=statement.encode(), capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr.decode()[-500:]

    columns = "email VARCHAR(100) NOT NULL, note VARCHAR(100) NOT NULL"
    admin_sql(
        f"DROP DATABASE IF EXISTS {BY_CUSTOMER}; CREATE DATABASE {BY_CUSTOMER}; "
        f"USE {BY_CUSTOMER};\n"
        f"CREATE TABLE by_id (id INT AUTO_INCREMENT PRIMARY KEY, {columns});\n"
        f"INSERT INTO by_id (email, note) SELECT CONCAT('person', p.seq, '@example.org'), "
        f"CONCAT('case ', k.seq) FROM seq_1_to_{CUSTOMERS} p JOIN seq_1_to_5 k "
        f"ON k.seq <= 1 + p.seq % 5 ORDER BY p.seq, k.seq;\n"
        f"CREATE TABLE by_text (code VARCHAR(20) PRIMARY KEY, {columns});\n"
        f"INSERT INTO by_text SELECT CONCAT('C', LPAD(id, 8, '0')), email, note FROM by_id;\n"
        f"CREATE TABLE no_key ({columns});\n"
        f"INSERT INTO no_key SELECT email, note FROM by_id ORDER BY id;\n"
    )
    try:
        yield kind, target
    finally:
        admin_sql(f"DROP DATABASE IF EXISTS {BY_CUSTOMER}")


@pytest.mark.parametrize("by_customer", ["postgresql", "mysql"], indirect=True)
def test_a_table_ordered_by_customer_is_estimated_from_rows_spread_over_it(
    by_customer: tuple[str, LabTarget], tmp_path: Path
) -> None:
    # Its first 100 rows hold 34 customers, each two to five times: estimated from them,
    # 157 people likely between 34 and 1,306, where it holds 3,000.
    kind, target = by_customer
    result = scan(tmp_path, target.url, "--people-read", "0").doc["results"][0]
    tables = {n: ir for n, ir in containers(result).items() if n.startswith(BY_CUSTOMER)}
    assert len(tables) == (1 if kind == "postgresql" else 3)
    for name, ir in tables.items():
        assert ir["index"]["docs"] == sum(1 + p % 5 for p in range(1, CUSTOMERS + 1))
        assert ir["sample"]["drawn"] == "spread", name
        people = ir["sample"]["people"]
        assert people["low"] <= CUSTOMERS <= people["high"], (name, people)
        assert "drawn at random" in people["basis"]


@by_kind
def test_ransom_notes_and_wiper_marks_are_flagged(
    sampled: Scan, lab: Any, truths: dict[str, SeedTruth], kind: str
) -> None:
    found = containers(sampled.result(lab.status.target("open", kind=kind)))
    flagged = {n for n, ir in found.items() if ir["index"]["compromised"]}
    meow = {n for n in truths[kind].containers if n.endswith("-meow")}  # MongoDB's only
    assert flagged == {RANSOM[kind], *meow}
    reasons = found[RANSOM[kind]]["index"]["compromise_reasons"]
    # in the kind's words: "a row reads like a ransom note" in a table
    assert f"a {words(kind).record[0]} reads like a ransom note" in reasons
    assert any("looks like a ransom note" in r for r in reasons)
    for name in meow:
        assert any("meow" in r for r in found[name]["index"]["compromise_reasons"])


def test_report_and_database_hold_no_raw_personal_value(
    sampled: Scan, raw_values: set[str], capsys: pytest.CaptureFixture[str]
) -> None:
    texts = [json.dumps(sampled.doc), *database_text(sampled.db)]
    for fmt in ("markdown", "html", "jsonl"):
        assert (
            main(["report", sampled.doc["scan_id"], "--db", str(sampled.db), "--format", fmt]) == 0
        )
        texts.append(capsys.readouterr().out)
    assert_nothing_raw(texts, raw_values)


def test_assess_notify_and_report_count_each_store_once(
    sampled: Scan, truths: dict[str, SeedTruth], capsys: pytest.CaptureFixture[str]
) -> None:
    scan_id, db = sampled.doc["scan_id"], str(sampled.db)
    # Four stores, each with its people (counted whole) and records. The lab seeds each with
    # the same people: counted once across the four, they are one store's.
    (people,) = {t.distinct_emails for t in truths.values()}
    # Records: those of the containers that hold personal data (the empty wiper mark and
    # Redis's id indexes hold none).
    records = sum(c.documents for t in truths.values() for c in t.containers.values() if c.pii)
    (across,) = sampled.doc["people_across"]
    assert (across["entity_type"], across["distinct"]["estimate"]) == ("EMAIL_ADDRESS", people)
    assert len(across["endpoints"]) == len(KINDS)
    assert main(["assess", scan_id, "--db", db, "--format", "json"]) == 0
    assessed = json.loads(capsys.readouterr().out)
    subjects = assessed["data_subjects"]
    assert (subjects["value"], subjects["method"]) == (people, "exact")
    assert f"of the {len(KINDS)} stores whose identifiers were all read" in subjects["basis"]
    assert (assessed["records"]["value"], assessed["records"]["method"]) == (records, "exact")
    stores = {s["url"].split("://")[0]: s for s in assessed["stores"]}
    assert set(stores) == set(KINDS)
    for kind, store in stores.items():
        assert store["verdict"] == "open"
        assert store["documents"] == truths[kind].documents
    assert assessed["gdpr"]["art_33"]["duty"] == "required"
    assert main(["notify", scan_id, "--db", db, "--kind", "authority"]) == 0
    draft = capsys.readouterr().out
    who = f"{people:,} people (exact)"
    assert who in draft and f"{records:,} records (exact)" in draft
    assert "answered requests from the network without authentication" in draft
    assert main(["report", scan_id, "--db", db, "--format", "html"]) == 0
    html = capsys.readouterr().out
    assert who in html and f"{records:,} records (exact)" in html


# -- full reads -------------------------------------------------------------------------------


def assert_full_equals_truth(result: dict[str, Any], truth: SeedTruth) -> None:
    """Every record read once, people counted exactly, per container and for the store."""
    found = containers(result)
    assert set(found) == set(truth.containers)
    for name, t in truth.containers.items():
        full = found[name]["full"]
        assert full is not None and full["complete"], (name, full and full["error"])
        assert full["docs"] == t.documents, name
        if t.distinct_emails:
            people = full["people"]
            assert people["entity_type"] == "EMAIL_ADDRESS", name
            assert people["distinct"]["exact"], name
            assert people["distinct"]["estimate"] == t.distinct_emails, name
        assert_pii_where_seeded(name, found_where(full["pii"]), t.pii, t.documents, counted=True)
        if t.created_at_min and truth.kind in TYPED_DATES:
            years = {y["year"]: y["docs"] for y in full["years"]}
            assert sum(years.values()) == t.documents, name
            assert (min(years), max(years)) == (
                int(t.created_at_min[:4]),
                int(t.created_at_max[:4]),
            ), name
        elif truth.kind not in TYPED_DATES and t.created_at_years:
            # no date field named (a Redis hash): dated by its created_at, every record
            assert full["date_field"] == "created_at", name
            years = {y["year"]: y["docs"] for y in full["years"]}
            assert years == dict(t.created_at_years), name
    assert result["full"]["docs"] == truth.documents
    people = result["full"]["people"]
    assert people["entity_type"] == "EMAIL_ADDRESS" and people["distinct"]["exact"]
    assert people["distinct"]["estimate"] == truth.distinct_emails


@by_kind
def test_owner_credentials_read_the_secured_server_in_full(
    lab: Any, truths: dict[str, SeedTruth], raw_values: set[str], tmp_path: Path, kind: str
) -> None:
    target = lab.status.target("secured", kind=kind)
    assert target.password
    done = scan(
        tmp_path,
        target.url,
        "--depth",
        "full",
        "--batch",
        "500",
        "--auth",
        f"{target.username or ''}:{target.password}",
    )
    result = done.result(target)
    service = result["service"]
    # Read with the owner's credentials, reported as what anyone else meets: secured.
    assert service["verdict"] == "secured" and result["authenticated"]
    assert SECURED_BECAUSE[kind] in service["reason"]
    assert "with the credentials given" not in service["reason"]
    assert_full_equals_truth(result, truths[kind])
    assert_nothing_raw(
        [json.dumps(done.doc), *database_text(done.db)], raw_values | {target.password}
    )


@pytest.fixture
def pages_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The records of every page a full read in this process reads from a store."""
    read: list[int] = []
    original = full_read.next_page

    async def counting(reader: Any) -> Any:
        page = await original(reader)
        if page is not None:
            read.append(len(page.docs))
        return page

    monkeypatch.setattr(full_read, "next_page", counting)
    return read


@by_kind
def test_full_read_killed_midway_resumes_to_exact_totals(
    lab: Any,
    truths: dict[str, SeedTruth],
    tmp_path: Path,
    pages_read: list[int],
    capsys: pytest.CaptureFixture[str],
    kind: str,
) -> None:
    truth = truths[kind]
    db = tmp_path / "f.db"
    # Small pages and a rate cap: the kill lands in the middle of the read.
    argv = scan_argv(
        db,
        lab.status.url("open", kind=kind),
        *("--depth", "full", "--batch", "100", "--docs-rate", "3000"),
    )
    proc, scan_id = run_until(db, argv, docs=1000)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM scans").fetchone()[0] == "running"
        counted = conn.execute("SELECT COALESCE(SUM(docs), 0) FROM full_partitions").fetchone()[0]
    assert 1000 <= counted < truth.documents
    capsys.readouterr()
    # Read in this process (--workers 0), where pages_read sees them: a worker process reads
    # its own partitions, beyond the fixture's reach.
    run_scan(db, "--resume", scan_id)
    # Continued from the checkpoints: what they hold is not read again.
    assert sum(pages_read) == truth.documents - counted
    doc = stored(db, capsys, scan_id)
    assert doc["scan_id"] == scan_id and doc["status"] == "done"
    (result,) = doc["results"]
    assert result["service"]["verdict"] == "open"
    assert_full_equals_truth(result, truth)


def test_a_redis_keyspace_larger_than_its_inventory_is_still_read_whole(
    lab: Any, truths: dict[str, SeedTruth], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The inventory lists a bounded number of keys to find the patterns: on a keyspace larger
    than that, the keys of patterns it never saw are one container of their own, counted by
    nobody before the read, and a full read reads them too."""
    monkeypatch.setattr(redis_probe, "INVENTORY_KEYS", 1)  # one SCAN call: ~10 keys seen
    monkeypatch.setattr(redis_connection, "SCAN_COUNT", 10)
    target = lab.status.target("open", kind="redis")
    result = scan(tmp_path, target.url, "--depth", "full", "--batch", "500").result(target)
    found = containers(result)
    assert len(found) - 1 < len(truths["redis"].containers)  # patterns the inventory missed
    fulls = {name: c["full"] for name, c in found.items()}
    assert all(f is not None and f["complete"] for f in fulls.values()), fulls
    other = found[redis_probe.OTHER_KEYS]["index"]
    # Nobody counted them before the read; the read did.
    assert other["docs"] == fulls[redis_probe.OTHER_KEYS]["docs"] > 0 and other["docs_exact"]
    assert result["full"]["docs"] == truths["redis"].documents
