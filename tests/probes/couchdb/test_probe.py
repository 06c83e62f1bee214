"""CouchDB fingerprints and answers parsed from recorded responses of real servers
(``tests/data/couchdb/``: CouchDB 1.3/2.2/3.4 from the API reference, pouchdb-server 4.2.0 from
the lab)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from leakhound.models import Endpoint, FieldType, Fingerprint
from leakhound.probes.couchdb import CouchdbProbe
from leakhound.probes.couchdb.probe import (
    couch_error,
    database_names,
    dbs_info_allowed,
    document_fields,
    main_date_field,
    parse_root,
    valid_database,
)
from leakhound.probes.couchdb.read import records, rows_of

DATA = Path(__file__).parents[2] / "data" / "couchdb"
ES_ROOT = Path(__file__).parents[2] / "data" / "elasticsearch" / "root-es-8.11.3.json"


def body(name: str) -> Any:
    return json.loads((DATA / name).read_text())["body"]


@pytest.mark.parametrize(
    ("file", "product", "version", "vendor"),
    [
        pytest.param(
            "root-couchdb-3.4.2.json",
            "couchdb",
            "3.4.2",
            "The Apache Software Foundation",
            id="couchdb-3",
        ),
        pytest.param(
            "root-couchdb-1.3.1.json",
            "couchdb",
            "1.3.1",
            "The Apache Software Foundation",
            id="couchdb-1",
        ),
        pytest.param(
            "root-pouchdb-server-4.2.0.json",
            "pouchdb-server",
            "4.2.0",
            "PouchDB authors",
            id="pouchdb-server",
        ),
    ],
)
def test_recorded_welcomes_are_fingerprinted(
    file: str, product: str, version: str, vendor: str
) -> None:
    root = body(file)
    fp = parse_root(root)
    assert fp is not None
    assert (fp.product, fp.version, fp.distribution) == (product, version, vendor)
    assert fp.cluster_uuid == root["uuid"]


def test_couchdb_3_features_are_kept() -> None:
    fp = parse_root(body("root-couchdb-3.4.2.json"))
    assert fp is not None and "partitioned" in fp.details["features"]
    assert fp.details["git_sha"] == "6e5ad2a5c"


@pytest.mark.parametrize(
    "root",
    [
        pytest.param(json.loads(ES_ROOT.read_text()), id="elasticsearch-root"),
        pytest.param({"couchdb": 1}, id="welcome-not-text"),
        pytest.param({"version": "3.3.3"}, id="version-alone"),
        pytest.param(["couchdb", "Welcome"], id="list"),
        pytest.param("Welcome", id="string"),
        pytest.param(None, id="null"),
    ],
)
def test_other_roots_are_not_couchdb(root: Any) -> None:
    assert parse_root(root) is None


@pytest.mark.parametrize(
    ("file", "reason"),
    [
        pytest.param(
            "all_dbs-401-couchdb-3.json", "You are not a server admin.", id="admin-only-listing"
        ),
        pytest.param(
            "db-401-couchdb-3.json",
            "You are not authorized to access this db.",
            id="admin-only-database",
        ),
        pytest.param(
            "root-401-couchdb-3.json", "Authentication required.", id="require-valid-user"
        ),
    ],
)
def test_refusals_read_as_couchdb_errors(file: str, reason: str) -> None:
    assert couch_error(body(file)) == reason


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(
            {"error": {"type": "security_exception"}, "status": 401}, id="elasticsearch-error"
        ),
        pytest.param({"statusCode": 401, "error": 401}, id="error-not-text"),
        pytest.param("<html>401</html>", id="html"),
    ],
)
def test_other_refusals_are_not_couchdb_errors(answer: Any) -> None:
    assert couch_error(answer) is None


def test_listing_is_read_and_hostile_names_are_refused() -> None:
    assert database_names(body("all_dbs-couchdb.json")) == [
        "_users",
        "contacts",
        "docs",
        "invoices",
        "locations",
    ]
    assert database_names({"dbs": []}) is None
    assert database_names([1, 2]) is None
    kept = [
        n
        for n in [
            "_users",
            "_config",
            "_replicate",
            "a/b",
            "Docs",
            "../x",
            "x" * 239,
            "db$(1)+",
            "_global_changes",
            "",
        ]
        if valid_database(n)
    ]
    assert kept == ["_users", "a/b", "db$(1)+", "_global_changes"]


def test_all_docs_rows_become_records_without_design_documents_or_revisions() -> None:
    rows = rows_of(body("all_docs-couchdb.json"))
    assert rows is not None and len(rows) == 5
    docs = [
        {"id": "_design/app", "doc": {"_id": "_design/app", "views": {}}},
        {
            "id": "a",
            "doc": {
                "_id": "a",
                "_rev": "1-967a00dff5e02add41819138abb3284d",
                "email": "jane@example.org",
            },
        },
        {"id": "b", "doc": None},
    ]
    assert records(docs) == [{"_id": "a", "email": "jane@example.org"}]
    assert rows_of({"total_rows": 1}) is None
    assert rows_of({"rows": [{"id": 1}, "x", {"id": "ok"}]}) == [{"id": "ok"}]


def test_fields_of_a_record_and_its_main_date() -> None:
    doc = {
        "_id": "CS-1",
        "created_at": "2019-04-18T17:39:12Z",
        "hired_at": "2011-02-10",
        "customer": {"email": "a@b.org", "geo": {"lat": 1.5, "lon": 2}},
        "tags": ["x"],
        "vip": False,
        "note": None,
        "empty": {},
    }
    fields = document_fields(doc)
    assert fields == {
        "_id": "string",
        "created_at": "date",
        "customer.email": "string",
        "customer.geo.lat": "number",
        "customer.geo.lon": "number",
        "empty": "object",
        "hired_at": "date",
        "note": "null",
        "tags": "array",
        "vip": "boolean",
    }
    assert main_date_field(fields) == "created_at"
    assert main_date_field({"hired_at": "date", "x": "string"}) == "hired_at"
    assert main_date_field({"x": "string"}) is None
    probe = CouchdbProbe()
    assert probe.field_type("date") == FieldType.DATE
    assert probe.field_type("string") == FieldType.TEXT
    assert probe.field_type("array") == FieldType.UNKNOWN


def test_a_hostile_document_gives_bounded_fields() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(500):
        node["x"] = {}
        node = node["x"]
    node["leaf"] = 1
    wide = {f"k{i}": i for i in range(20_000)}
    assert len(document_fields(wide)) == 5000
    assert all(len(p) <= 512 for p in document_fields(deep))


@pytest.mark.parametrize(
    ("fp", "base_path", "allowed"),
    [
        pytest.param(Fingerprint(product="couchdb", version="3.4.2"), "", True, id="couchdb-3"),
        pytest.param(Fingerprint(product="couchdb", version="2.2.0"), "", True, id="couchdb-2.2"),
        pytest.param(Fingerprint(product="couchdb", version="2.1.1"), "", False, id="couchdb-2.1"),
        pytest.param(
            Fingerprint(product="couchdb", version="3.4.2"), "/couch", False, id="under-a-prefix"
        ),
        pytest.param(
            Fingerprint(product="pouchdb-server", version="4.2.0"),
            "",
            False,
            id="pouchdb-server-takes-it-for-a-database",
        ),
        pytest.param(Fingerprint(product="couchdb"), "", False, id="no-version"),
    ],
)
def test_dbs_info_is_sent_only_where_the_fingerprint_proves_it(
    fp: Fingerprint, base_path: str, allowed: bool
) -> None:
    assert dbs_info_allowed(fp, Endpoint("127.0.0.1", 5984, "http", base_path)) is allowed
