"""The lab's S3 (MinIO), Azure Blob (Azurite) and CouchDB (pouchdb-server) targets, reached as a
scanner would (anonymous plain HTTP), and their data counted back against the truth files."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from leakhound.lab import azurite, couchdb, objectstores, s3
from leakhound.lab.testing import LabSession

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """An anonymous client: no proxy, no credentials."""
    with httpx.Client(timeout=30.0, trust_env=False) as client:
        yield client


@pytest.fixture(scope="module")
def truths(lab: LabSession) -> dict[str, dict[str, Any]]:
    """kind -> truth document of the seeded lab."""
    found = objectstores.truths(lab.status.state_dir)
    assert all(found.values()), found
    return {kind: truth for kind, truth in found.items() if truth is not None}


def s3_parts(url: str) -> tuple[str, str]:
    """(endpoint, bucket) of an s3://BUCKET@HOST:PORT target."""
    parts = urlsplit(url)
    assert parts.scheme == "s3" and parts.username and parts.hostname == "127.0.0.1"
    return f"http://{parts.hostname}:{parts.port}", parts.username


def azblob_http(url: str) -> str:
    """The http URL of an azblob://HOST:PORT/ACCOUNT/CONTAINER target."""
    assert url.startswith("azblob://127.0.0.1:")
    return "http://" + url.removeprefix("azblob://")


def error_code(response: httpx.Response) -> str:
    """The <Code> of an S3 or Azure XML error body."""
    return ET.fromstring(response.content).findtext("Code") or ""


# ---------------------------------------------------------------------------------------------
# Targets


def test_targets_keep_opensearch_first_then_one_line_per_bucket_container_server(
    lab: LabSession,
) -> None:
    kinds = [(t.kind, t.role) for t in lab.status.targets]
    assert kinds[:3] == [("elasticsearch", "open"), ("elasticsearch", "secured"),
                         ("elasticsearch", "partial")]  # fmt: skip
    # The database servers between them (test_lab_stores.py), the object stores last.
    assert kinds[-9:] == [
        ("s3", "open"), ("s3", "partial"), ("s3", "secured"),
        ("azblob", "open"), ("azblob", "partial"), ("azblob", "secured"),
        ("couchdb", "open"), ("couchdb", "partial"), ("couchdb", "secured"),
    ]  # fmt: skip
    assert re.fullmatch(r"s3://public-cases@127\.0\.0\.1:\d+", lab.status.url("open", "s3"))
    assert re.fullmatch(r"azblob://127\.0\.0\.1:\d+/devstoreaccount1/readable-cases",
                        lab.status.url("partial", "azblob"))  # fmt: skip
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", lab.status.url("secured", "couchdb"))
    # The lab's credentials where they read a target that asks for some; Azurite's key is its own.
    for target in lab.status.targets[-9:]:
        asks = target.role != "open" and target.kind != "azblob"
        assert (target.username, target.password) == (
            ("lab", "lab-password") if asks else (None, None))  # fmt: skip


# ---------------------------------------------------------------------------------------------
# S3 (MinIO)


def test_s3_open_bucket_lists_and_reads_anonymously(
    lab: LabSession, http: httpx.Client, truths: dict[str, Any]
) -> None:
    endpoint, bucket = s3_parts(lab.status.url("open", "s3"))
    listed = http.get(f"{endpoint}/{bucket}", params={"list-type": "2", "max-keys": "1000"})
    assert listed.status_code == 200
    root = ET.fromstring(listed.content)
    assert root.tag == f"{S3_NS}ListBucketResult"
    keys = {c.findtext(f"{S3_NS}Key"): int(c.findtext(f"{S3_NS}Size") or -1)
            for c in root.iter(f"{S3_NS}Contents")}  # fmt: skip
    assert keys == {key: body["bytes"] for key, body in truths["s3"]["objects"].items()}
    got = http.get(f"{endpoint}/{bucket}/hr/payroll.csv")
    assert got.status_code == 200 and got.headers["content-type"] == "text/csv"
    ranged = http.get(f"{endpoint}/{bucket}/hr/payroll.csv", headers={"Range": "bytes=0-10"})
    assert ranged.status_code == 206 and ranged.content == b"employee_id"


def test_s3_partial_bucket_reads_a_known_key_but_does_not_list(
    lab: LabSession, http: httpx.Client
) -> None:
    endpoint, bucket = s3_parts(lab.status.url("partial", "s3"))
    listed = http.get(f"{endpoint}/{bucket}", params={"list-type": "2"})
    assert listed.status_code == 403 and error_code(listed) == "AccessDenied"
    assert http.get(f"{endpoint}/{bucket}/hr/payroll.csv").status_code == 200
    # MinIO tells a missing key apart even without ListBucket (AWS S3 answers 403 there).
    missing = http.get(f"{endpoint}/{bucket}/no/such/key.csv")
    assert missing.status_code == 404 and error_code(missing) == "NoSuchKey"


def test_s3_secured_bucket_refuses_list_and_read(lab: LabSession, http: httpx.Client) -> None:
    endpoint, bucket = s3_parts(lab.status.url("secured", "s3"))
    listed = http.get(f"{endpoint}/{bucket}", params={"list-type": "2"})
    assert listed.status_code == 403 and error_code(listed) == "AccessDenied"
    got = http.get(f"{endpoint}/{bucket}/hr/payroll.csv")
    assert got.status_code == 403 and error_code(got) == "AccessDenied"
    head = http.head(f"{endpoint}/{bucket}/hr/payroll.csv")
    assert head.status_code == 403


def test_s3_nobody_lists_the_buckets_anonymously(lab: LabSession, http: httpx.Client) -> None:
    endpoint, _ = s3_parts(lab.status.url("open", "s3"))
    listed = http.get(endpoint + "/")
    assert listed.status_code == 403 and error_code(listed) == "AccessDenied"
    assert listed.headers["server"] == "MinIO"
    # A bucket that does not exist: 403 AccessDenied too (AWS S3 answers 404 NoSuchBucket).
    nowhere = http.get(endpoint + "/no-such-bucket", params={"list-type": "2"})
    assert nowhere.status_code == 403 and error_code(nowhere) == "AccessDenied"


def test_s3_root_credentials_read_the_secured_bucket(lab: LabSession) -> None:
    endpoint, bucket = s3_parts(lab.status.url("secured", "s3"))
    client = s3.client(endpoint, *lab.status.auth)
    body = client.get_object(Bucket=bucket, Key="hr/payroll.csv")["Body"].read()
    assert body.startswith(b"employee_id,name,email,iban")


# ---------------------------------------------------------------------------------------------
# Azure Blob (Azurite)


def test_azblob_open_container_lists_and_reads_anonymously(
    lab: LabSession, http: httpx.Client, truths: dict[str, Any]
) -> None:
    url = azblob_http(lab.status.url("open", "azblob"))
    listed = http.get(url, params={"restype": "container", "comp": "list"})
    assert listed.status_code == 200
    root = ET.fromstring(listed.content)
    assert root.tag == "EnumerationResults" and root.get("ContainerName") == "public-cases"
    sizes = {b.findtext("Name"): int(b.findtext("Properties/Content-Length") or -1)
             for b in root.iter("Blob")}  # fmt: skip
    assert sizes == {key: body["bytes"] for key, body in truths["azblob"]["objects"].items()}
    got = http.get(f"{url}/hr/payroll.csv")
    assert got.status_code == 200 and got.content.startswith(b"employee_id,")
    assert got.headers["server"].startswith("Azurite-Blob/")


def test_azblob_partial_container_reads_a_blob_but_does_not_list(
    lab: LabSession, http: httpx.Client
) -> None:
    url = azblob_http(lab.status.url("partial", "azblob"))
    listed = http.get(url, params={"restype": "container", "comp": "list"})
    # Real Azure answers 404 ResourceNotFound here; Azurite 403 AuthorizationFailure.
    assert listed.status_code == 403 and error_code(listed) == "AuthorizationFailure"
    assert listed.headers["x-ms-error-code"] == "AuthorizationFailure"
    assert http.get(f"{url}/hr/payroll.csv").status_code == 200
    missing = http.get(f"{url}/no/such/blob.csv")
    assert missing.status_code == 404 and error_code(missing) == "BlobNotFound"


def test_azblob_secured_container_refuses_list_and_read(
    lab: LabSession, http: httpx.Client
) -> None:
    url = azblob_http(lab.status.url("secured", "azblob"))
    listed = http.get(url, params={"restype": "container", "comp": "list"})
    assert listed.status_code == 403 and error_code(listed) == "AuthorizationFailure"
    got = http.get(f"{url}/hr/payroll.csv")
    assert got.status_code == 403 and error_code(got) == "AuthorizationFailure"


def test_azblob_nobody_lists_the_containers_anonymously(
    lab: LabSession, http: httpx.Client
) -> None:
    url = azblob_http(lab.status.url("open", "azblob")).rsplit("/", 1)[0]
    listed = http.get(url, params={"comp": "list"})
    assert listed.status_code == 403 and error_code(listed) == "AuthorizationFailure"


def test_azblob_account_key_reads_the_secured_container(lab: LabSession) -> None:
    port = int(urlsplit(lab.status.url("secured", "azblob")).port or 0)
    client = azurite.service(port).get_blob_client("private-cases", "hr/payroll.csv")
    assert client.download_blob().readall().startswith(b"employee_id,")


# ---------------------------------------------------------------------------------------------
# CouchDB (pouchdb-server)


def test_couchdb_open_server_is_an_admin_party(
    lab: LabSession, http: httpx.Client, truths: dict[str, Any]
) -> None:
    url = lab.status.url("open", "couchdb")
    welcome = http.get(url + "/").json()
    assert welcome["express-pouchdb"] == "Welcome!" and welcome["version"] == "4.2.0"
    assert http.get(url + "/_session").json()["userCtx"]["roles"] == ["_admin"]
    dbs = http.get(url + "/_all_dbs").json()
    assert set(truths["couchdb"]["databases"]) <= set(dbs)
    for db, body in truths["couchdb"]["databases"].items():
        assert http.get(f"{url}/{db}").json()["doc_count"] == body["documents"], db
    assert http.get(url + "/_config").status_code == 200


def test_couchdb_partial_server_opens_one_database(
    lab: LabSession, http: httpx.Client, truths: dict[str, Any]
) -> None:
    url = lab.status.url("partial", "couchdb")
    assert http.get(url + "/_session").json()["userCtx"] == {"name": None, "roles": []}
    assert set(truths["couchdb"]["databases"]) <= set(http.get(url + "/_all_dbs").json())
    readable = couchdb.READABLE_DB
    assert truths["couchdb"]["servers"]["partial"]["anonymous_read"] == [readable]
    info = http.get(f"{url}/{readable}")
    assert info.status_code == 200
    assert info.json()["doc_count"] == truths["couchdb"]["databases"][readable]["documents"]
    rows = http.get(f"{url}/{readable}/_all_docs", params={"limit": 2, "include_docs": "true"})
    assert rows.status_code == 200 and rows.json()["rows"][0]["doc"]["customer"]["email"]
    for db in ("support-cases-2012", "hr-payroll"):
        for path in (f"/{db}", f"/{db}/_all_docs", f"/{db}/_security"):
            refused = http.get(url + path)
            assert refused.status_code == 401, path
            assert refused.json() == {
                "error": "unauthorized",
                "reason": "You are not authorized to access this db.",
            }
        assert http.get(f"{url}/{db}", auth=lab.status.auth).status_code == 200
    config = http.get(url + "/_config")
    assert config.status_code == 401 and config.json()["reason"] == "You are not a server admin."


def test_couchdb_secured_server_admits_only_its_admin(
    lab: LabSession, http: httpx.Client, truths: dict[str, Any]
) -> None:
    url = lab.status.url("secured", "couchdb")
    assert truths["couchdb"]["servers"]["secured"]["anonymous_read"] == []
    for db in truths["couchdb"]["databases"]:
        assert http.get(f"{url}/{db}/_all_docs", params={"limit": 1}).status_code == 401, db
    wrong = http.get(f"{url}/hr-payroll", auth=(lab.status.username, "not-the-password"))
    assert wrong.status_code == 401
    assert wrong.json()["reason"] == "Name or password is incorrect."
    assert http.get(f"{url}/hr-payroll", auth=lab.status.auth).status_code == 200


# ---------------------------------------------------------------------------------------------
# The data, counted back from the servers


def _count_file(key: str, body: bytes) -> tuple[int, set[str]]:
    """(records, customer e-mails) of one exported object, parsed as a reader would."""
    if key.endswith(".csv"):
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))
        return len(rows), {r["customer_email"] for r in rows if r.get("customer_email")}
    if key.endswith(".jsonl"):
        docs = [json.loads(line) for line in body.decode("utf-8").splitlines()]
        return len(docs), {d["customer"]["email"] for d in docs if "customer" in d}
    if key.endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(body), read_only=True)["cases"]
        values = list(sheet.iter_rows(values_only=True))
        column = values[0].index("customer_email")
        return len(values) - 1, {row[column] for row in values[1:]}
    if key.endswith(".sql.gz"):
        text = gzip.decompress(body).decode("utf-8")
        tuples = re.findall(r"\('CS-\d{4}-\d{6}','[^']*','(?:[^'\\]|\\.)*','((?:[^'\\]|\\.)*)'",
                            text)  # fmt: skip
        return len(tuples), set(tuples)
    if key.endswith(".txt"):
        return body.count(b"\n"), set()
    return 0, set()


def test_s3_objects_hold_what_the_truth_says(
    lab: LabSession, http: httpx.Client, truths: dict[str, Any]
) -> None:
    endpoint, bucket = s3_parts(lab.status.url("open", "s3"))
    truth = truths["s3"]
    customers: set[str] = set()
    for key, body in truth["objects"].items():
        data = http.get(f"{endpoint}/{bucket}/{key}").content
        assert len(data) == body["bytes"], key
        records, who = _count_file(key, data)
        assert records == body["records"], key
        assert len(who) == body["distinct_customers"], key
        customers |= who
    assert len(customers) == truth["total"]["distinct_customers"] == lab.truth.distinct_customers
    assert truth["total"]["records"] == sum(b["records"] for b in truth["objects"].values())
    cases = sum(b["records"] for k, b in truth["objects"].items() if "support-cases" in k)
    assert cases == lab.truth.records
    # Every bucket, the private one too, holds the same bytes (read with the root credentials).
    for role in ("partial", "secured"):
        _, other = s3_parts(lab.status.url(role, "s3"))
        client = s3.client(endpoint, *lab.status.auth)
        data = client.get_object(Bucket=other, Key="logs/audit-trail.jsonl")["Body"].read()
        plain = http.get(f"{endpoint}/{bucket}/logs/audit-trail.jsonl").content
        assert hashlib.sha256(data).digest() == hashlib.sha256(plain).digest()


def test_azblob_blobs_hold_what_the_truth_says(
    lab: LabSession, http: httpx.Client, truths: dict[str, Any]
) -> None:
    url = azblob_http(lab.status.url("open", "azblob"))
    for key, body in truths["azblob"]["objects"].items():
        data = http.get(f"{url}/{key}").content
        assert len(data) == body["bytes"], key
        assert _count_file(key, data)[0] == body["records"], key
    assert truths["azblob"]["total"] == truths["s3"]["total"]
    for container in azurite.CONTAINERS:
        port = int(urlsplit(lab.status.url("open", "azblob")).port or 0)
        assert len(azurite.count_blobs(port, container)) == truths["azblob"]["total"]["objects"]


def test_couchdb_databases_hold_what_the_truth_says(
    lab: LabSession, http: httpx.Client, truths: dict[str, Any]
) -> None:
    url = lab.status.url("open", "couchdb")
    truth = truths["couchdb"]
    customers: set[str] = set()
    for db, body in truth["databases"].items():
        rows = http.get(f"{url}/{db}/_all_docs", params={"include_docs": "true"}).json()["rows"]
        assert len(rows) == body["documents"], db
        who = {r["doc"]["customer"]["email"] for r in rows if "customer" in r["doc"]}
        assert len(who) == body["distinct_customers"], db
        customers |= who
        if db.startswith("support-cases-"):
            dates = sorted(r["doc"]["created_at"] for r in rows)
            assert (dates[0] if dates else None) == body["created_at"]["min"], db
    assert len(customers) == truth["distinct_customers"] == lab.truth.distinct_customers
    for role in ("partial", "secured"):
        other = lab.status.url(role, "couchdb")
        for db, body in truth["databases"].items():
            assert couchdb.count_docs(other, db, lab.status.auth) == body["documents"], (role, db)


def test_bench_bucket_is_public_and_made_once(lab: LabSession, http: httpx.Client) -> None:
    # A lab reused from an earlier run ($LEAKHOUND_LAB_DIR) may hold the bucket already: forget
    # it, so that this first call makes it again.
    (lab.status.state_dir / "bench-s3.json").unlink(missing_ok=True)
    made = objectstores.bench_bucket(lab.status.state_dir, count=2_500)
    endpoint, bucket = s3_parts(made.target)
    assert bucket == s3.BENCH_BUCKET and made.objects == 2_500 and made.seconds > 0
    keys: list[str] = []
    params = {"list-type": "2", "max-keys": "1000"}
    while True:
        root = ET.fromstring(http.get(f"{endpoint}/{bucket}", params=params).content)
        keys += [c.findtext(f"{S3_NS}Key") or "" for c in root.iter(f"{S3_NS}Contents")]
        token = root.findtext(f"{S3_NS}NextContinuationToken")
        if not token:
            break
        params["continuation-token"] = token
    expected = dict(s3.bench_objects(2_500))
    assert sorted(keys) == sorted(expected)  # the snowball tars themselves are not kept
    key = keys[-1]
    assert http.get(f"{endpoint}/{bucket}/{key}").content == expected[key]
    assert made.bytes == sum(len(body) for body in expected.values())
    again = objectstores.bench_bucket(lab.status.state_dir, count=2_500)
    assert again.seconds == 0.0 and again.bytes == made.bytes
