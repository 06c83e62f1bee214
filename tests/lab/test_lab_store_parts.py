"""The database servers' parts that need no server: shapes, truths, URLs, protocol bits, errors."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from leakhound.lab import KINDS, LabError, SeedTruth, databases, mariadb, mongodb, postgresql
from leakhound.lab import redis as lab_redis
from leakhound.lab.seeder import HIDDEN_INDEX, SUPPORT_PREFIX, Dataset, generate, tally
from leakhound.lab.servers import Server
from leakhound.lab.tables import column_path

RECORDS = 1_000


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    """One generated data set for the module."""
    return generate(RECORDS, seed=2)


def test_kinds_are_the_probe_kind_ids() -> None:
    assert KINDS == ("redis", "postgresql", "mysql", "mongodb")
    assert [databases.by_kind(k).kind for k in KINDS] == list(KINDS)
    with pytest.raises(LabError, match="no lab store kind"):
        databases.by_kind("couchdb")


@pytest.mark.parametrize("kind", KINDS)
def test_every_store_holds_every_case_and_the_same_customers(dataset: Dataset, kind: str) -> None:
    search = tally(dataset, RECORDS, 2)
    shaped = databases.by_kind(kind).shape(dataset)
    truth = tally(shaped, RECORDS, 2, store_kind=kind)
    assert truth.kind == kind
    assert truth.distinct_customers == search.distinct_customers
    # Every address of every record placed (the hidden audit trail is an OpenSearch notion).
    placed = {e for doc in dataset.docs if doc.index != HIDDEN_INDEX for e in doc.emails}
    assert truth.distinct_emails == len(placed) > truth.distinct_customers
    cases = {n: t for n, t in truth.indices.items() if t.created_at_min}
    assert sum(t.documents for t in cases.values()) == RECORDS
    firsts = [t.created_at_min for t in search.indices.values() if t.created_at_min]
    assert min(t.created_at_min or "" for t in cases.values()) == min(firsts)
    # Every kind of personal data the indices hold, some container of the store holds too.
    kinds_here = {k for t in truth.indices.values() for k in t.pii}
    assert kinds_here == {k for t in search.indices.values() for k in t.pii}


@pytest.mark.parametrize("kind", KINDS)
def test_pii_counts_follow_the_documents_to_their_new_paths(dataset: Dataset, kind: str) -> None:
    search = tally(dataset, RECORDS, 2)
    truth = tally(databases.by_kind(kind).shape(dataset), RECORDS, 2, store_kind=kind)

    def total(t: SeedTruth, entity: str, path: str) -> int:
        return sum(i.pii.get(entity, {}).get(path, 0) for i in t.indices.values())

    renamed = column_path if kind in ("postgresql", "mysql") else str
    for entity, path in (
        ("EMAIL_ADDRESS", "description"),
        ("PHONE_NUMBER", "customer.phone"),
        ("LOCATION", "customer.location.geo"),
        ("CREDIT_CARD", "internal_notes"),
        ("IBAN_CODE", "iban"),
    ):
        assert total(truth, entity, renamed(path)) == total(search, entity, path), (entity, path)


def test_redis_keys_group_into_the_documented_patterns(dataset: Dataset) -> None:
    shaped = lab_redis.STORE.shape(dataset)
    assert {lab_redis.pattern_of(d.id) for d in shaped.docs} == set(lab_redis.TYPES)
    assert all(lab_redis.pattern_of(d.id) == d.index for d in shaped.docs)
    assert lab_redis.pattern_of("session:abc") is None
    assert lab_redis.pattern_of("customer:jane@example.org:cases") == lab_redis.CUSTOMER_CASES
    truth = tally(shaped, RECORDS, 2, store_kind="redis")
    customers = truth.indices[lab_redis.CUSTOMERS]
    assert customers.info == {"type": "string"}
    assert customers.pii["EMAIL_ADDRESS"] == {
        "_key": customers.documents,
        "email": customers.documents,
    }
    assert truth.indices[lab_redis.BY_CREATED].info == {"type": "zset", "members": RECORDS}


def test_redis_hash_fields_are_the_document_paths() -> None:
    fields = lab_redis.flatten(
        {"a": 1, "customer": {"name": "x", "location": {"geo": {"lat": 1.5, "lon": -2.0}}}}
    )
    assert fields == {"a": "1", "customer.name": "x", "customer.location.geo": "1.5,-2.0"}


def test_sql_columns_of_document_paths() -> None:
    assert column_path("customer.email") == "customer_email"
    assert column_path("customer.location.city") == "customer_location.city"
    assert column_path("salary.amount") == "salary_amount"
    assert column_path("description") == "description"


def test_mongodb_containers_are_yearly_collections_and_bot_marks(dataset: Dataset) -> None:
    shaped = mongodb.STORE.shape(dataset)
    names = set(shaped.indices)
    assert {f"support.cases_{y}" for y in range(2005, 2020)} <= names
    assert {"hr.payroll", "READ_ME_TO_RECOVER_YOUR_DATA.README"} <= names
    meow = [n for n in names if n.endswith("-meow")]
    assert len(meow) == 1 and meow[0].startswith("support.")
    assert not [d for d in shaped.docs if d.index == meow[0]]
    years = {d.index.removeprefix("support.cases_") for d in shaped.docs if "cases_" in d.index}
    assert years == {
        d.index.removeprefix(SUPPORT_PREFIX)
        for d in dataset.docs
        if d.index.startswith(SUPPORT_PREFIX)
    }


def test_store_truth_round_trips_through_json(dataset: Dataset) -> None:
    truth = tally(lab_redis.STORE.shape(dataset), RECORDS, 2, 1.5, "redis")
    assert SeedTruth.from_json(json.loads(json.dumps(truth.to_json()))) == truth
    search = tally(dataset, RECORDS, 2).to_json()
    assert "kind" not in search  # truth.json of the indices is unchanged
    assert all("info" not in body for body in search["indices"].values())


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("redis", "redis://127.0.0.1:7000"),
        ("postgresql", "postgresql://postgres@127.0.0.1:7000/postgres"),
        ("mysql", "mysql://root@127.0.0.1:7000"),
        ("mongodb", "mongodb://127.0.0.1:7000"),
    ],
)
def test_target_urls_and_credentials(kind: str, url: str) -> None:
    store = databases.by_kind(kind)
    open_ = store.target("open", 7000, "1.0")
    secured = store.target("secured", 7000, "1.0")
    assert open_.url == secured.url == url and open_.port == 7000
    assert (open_.username, open_.password) == (None, None)
    assert secured.password == "lab-password"
    assert secured.username == (None if kind == "redis" else "lab")
    assert open_.kind == kind and secured.role == "secured"


def test_postgres_startup_message_is_protocol_3() -> None:
    message = postgresql.startup_message("postgres", "postgres")
    length, version = struct.unpack("!II", message[:8])
    assert length == len(message) and version == 196608
    assert message.endswith(b"database\0postgres\0\0")


def test_mysql_greeting_names_the_version() -> None:
    payload = b"\x0a5.5.5-10.11.19-MariaDB-0+deb12u1\0" + b"\x00" * 20
    packet = len(payload).to_bytes(3, "little") + b"\0" + payload
    assert mariadb.greeting_version(packet) == "5.5.5-10.11.19-MariaDB-0+deb12u1"
    error = b"\x17\x00\x00\x00\xff\x10\x04Too many connections"
    assert mariadb.greeting_version(error) is None


def test_mysql_socket_moves_out_of_a_deep_state_directory(tmp_path: Path) -> None:
    assert mariadb.socket_path(tmp_path) == tmp_path / "mariadbd.sock"
    deep = tmp_path / ("x" * 120)
    moved = mariadb.socket_path(deep)
    assert len(str(moved)) < 100 and moved != mariadb.socket_path(tmp_path / ("y" * 120))


def test_ferretdb_release_is_pinned_with_its_checksum() -> None:
    assert mongodb.release() == "v1.24.2"
    module = Path(mongodb.__file__).with_name("ferretdb")
    assert (
        f"github.com/FerretDB/FerretDB {mongodb.release()} h1:" in (module / "go.sum").read_text()
    )


def test_missing_server_programs_are_one_line_lab_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda *a, **k: None)
    monkeypatch.setattr("pathlib.Path.glob", lambda *a, **k: iter(()))
    for store, hint in (
        (lab_redis.STORE, "redis-server"),
        (mariadb.STORE, "mariadb-server"),
        (postgresql.STORE, "postgresql"),
    ):
        with pytest.raises(LabError) as caught:
            store.check(Path("/nonexistent"))
        assert hint in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(LabError, match="go not found"):
        mongodb.STORE.check(Path("/nonexistent"))


def test_a_server_that_dies_at_startup_is_reported_with_its_log(tmp_path: Path) -> None:
    from leakhound.lab import process

    log = tmp_path / "server.log"
    pid = process.spawn(["sh", "-c", "echo 'FATAL: could not bind'; exit 1"], log, cwd=tmp_path)
    server = Server("redis", "open", tmp_path, log, 1)
    with pytest.raises(LabError) as caught:
        lab_redis.STORE.wait(server, pid, None)
    message = str(caught.value)
    assert "could not bind" in message and str(log) in message and "\n" not in message


@pytest.mark.parametrize("module", ["pymongo", "boto3"])
def test_lab_up_without_the_lab_extra_says_so_in_one_line(tmp_path: Path, module: str) -> None:
    # A fresh interpreter where a seeding client cannot be imported, as without
    # `pip install .[lab]` (pymongo is imported to check, boto3 only looked for).
    code = (
        f"import sys; sys.modules[{module!r}] = None\n"
        "from leakhound.cli import main\n"
        f"sys.exit(main(['lab', 'up', '--dir', {str(tmp_path)!r}]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "leakhound[lab]" in lines[0] and module in lines[0]
    assert not (tmp_path / "lab.json").exists()  # nothing started


def test_mongodb_readiness_hello_is_an_op_msg() -> None:
    import bson

    length, _request, _response, opcode = struct.unpack("<iiii", mongodb.HELLO[:16])
    assert length == len(mongodb.HELLO) and opcode == 2013
    assert bson.decode(mongodb.HELLO[21:]) == {"hello": 1, "$db": "admin"}
    ok = bson.encode({"isWritablePrimary": True, "ok": 1.0})
    reply = struct.pack("<iiii", 21 + len(ok), 2, 1, 2013) + b"\0\0\0\0\0" + ok
    assert mongodb.hello_ok(reply)
    refused = bson.encode({"ok": 0.0, "errmsg": "no", "code": 13})
    assert not mongodb.hello_ok(reply[:16] + b"\0\0\0\0\0" + refused)
    assert not mongodb.hello_ok(b"HTTP/1.1 400 Bad Request\r\n\r\n")
