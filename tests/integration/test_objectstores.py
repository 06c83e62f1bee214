"""S3 and Azure Blob against the lab's real MinIO and Azurite: each bucket's and container's
verdict, the inventory and the personal data of each folder equal to the seeder's truth, full
reads exact and resumable, and what assess, notify and report make of them."""

from __future__ import annotations

import json
import signal
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from reports import assert_valid, report, run_scan, scan_argv, stored
from scanproc import run_until

from leakhound import net
from leakhound.cli import main
from leakhound.lab import objectstores
from leakhound.lab.testing import LabSession

KINDS = ("s3", "azblob")
# Objects the lab writes at each bucket's root and in folders whose names say their year.
YEAR_PREFIX = {f"exports/{y}/": y for y in range(2005, 2015)} | {
    f"reports/{y}/": y for y in range(2015, 2018)
}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(argv)
    return code, capsys.readouterr().out


def url(lab: LabSession, role: str, kind: str, key: str = "") -> str:
    return lab.status.url(role, kind) + (f"/{key}" if key else "")


def truth(lab: LabSession, kind: str) -> dict[str, Any]:
    found = objectstores.read_truth(lab.status.state_dir, kind)
    assert found is not None
    return found


def result_of(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    (found,) = [r for r in doc["results"] if r["service"]["kind"] == kind]
    return found


def by_prefix(result: dict[str, Any], bucket: str) -> dict[str, dict[str, Any]]:
    return {
        ir["index"]["prefix"]: ir for ir in result["indices"] if ir["index"]["bucket"] == bucket
    }


@pytest.fixture(scope="module")
def sampled(lab: LabSession, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One sample scan of every lab bucket and container, plus a named object in each partial
    one, as its JSON report."""
    targets = [url(lab, role, kind) for kind in KINDS for role in ("open", "partial", "secured")]
    targets += [url(lab, "partial", kind, "hr/payroll.csv") for kind in KINDS]
    doc, db = report(tmp_path_factory.mktemp("objects"), *targets, workers=1, schema=False)
    doc["_db"] = str(db)
    return doc


@pytest.fixture(scope="module")
def full(lab: LabSession, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One full scan of the open bucket and the open container."""
    doc, db = report(
        tmp_path_factory.mktemp("objects-full"),
        *(url(lab, "open", "s3"), url(lab, "open", "azblob")),
        *("--depth", "full", "--batch", "300"),
        workers=1,
        schema=False,
    )
    doc["_db"] = str(db)
    return doc


# -- verdicts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ["open", "partial", "secured"])
def test_each_bucket_and_container_alone_gets_its_verdict(
    lab: LabSession, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, role: str
) -> None:
    code, out = run(
        [
            "scan",
            url(lab, role, kind),
            "--db",
            str(tmp_path / "f.db"),
            "--format",
            "json",
            "--sample",
            "0",
            "--no-progress",
        ],
        capsys,
    )
    assert code == 0
    (result,) = json.loads(out)["results"]
    service = result["service"]
    assert service["verdict"] == role, service["reason"]
    words = service["fingerprint"]["details"]["buckets" if kind == "s3" else "containers"]
    assert list(words.values()) == [role]
    assert service["fingerprint"]["product"] == ("minio" if kind == "s3" else "azurite")
    if role == "partial":  # nobody lists it, and no object was named: nothing to inventory
        assert result["indices"] == [] and "name objects to read" in result["inventory_error"]


def test_the_buckets_of_one_endpoint_are_one_store(sampled: dict[str, Any]) -> None:
    assert len(sampled["results"]) == 2
    for kind, key in (("s3", "buckets"), ("azblob", "containers")):
        service = result_of(sampled, kind)["service"]
        assert service["verdict"] == "open"
        assert service["fingerprint"]["details"][key] == {
            "public-cases": "open",
            "readable-cases": "partial",
            "private-cases": "secured",
        }
        assert "private-cases" in service["closed_apis"]
        assert "readable-cases: read" in service["open_apis"]
    assert sampled["summary"]["endpoints"] == 2


def test_a_bucket_that_does_not_exist(
    lab: LabSession, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = url(lab, "open", "s3").rsplit(":", 1)[1]
    code, out = run(
        [
            "scan",
            f"s3://no-such-bucket@127.0.0.1:{port}",
            "--db",
            str(tmp_path / "f.db"),
            "--format",
            "json",
            "--no-progress",
        ],
        capsys,
    )
    (result,) = json.loads(out)["results"]
    # MinIO answers AccessDenied where AWS says NoSuchBucket: nobody can tell it from a
    # private bucket.
    assert (code, result["service"]["verdict"]) == (0, "secured")


def test_minio_on_a_port_of_no_kind_is_found_as_s3_not_a_secured_elasticsearch(
    lab: LabSession, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # host:port alone: every kind may try, Elasticsearch first. MinIO refuses anonymous
    # users with an S3 XML error, which no Elasticsearch or OpenSearch sends.
    port = url(lab, "open", "s3").rsplit(":", 1)[1]
    code, out = run(
        [
            "scan",
            f"127.0.0.1:{port}",
            "--db",
            str(tmp_path / "f.db"),
            "--format",
            "json",
            "--sample",
            "0",
            "--no-progress",
        ],
        capsys,
    )
    (result,) = json.loads(out)["results"]
    service = result["service"]
    assert code == 0
    assert (service["kind"], service["verdict"]) == ("s3", "secured"), service["reason"]
    assert service["fingerprint"]["product"] == "minio"


# -- inventory and samples ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_inventory_lists_every_object_of_the_open_bucket_by_folder(
    sampled: dict[str, Any], lab: LabSession, kind: str
) -> None:
    t = truth(lab, kind)
    folders = by_prefix(result_of(sampled, kind), "public-cases")
    assert set(folders) == set(t["prefixes"])
    for prefix, expected in t["prefixes"].items():
        index = folders[prefix]["index"]
        assert index["name"] == f"public-cases/{prefix}"
        assert (index["objects"], index["store_bytes"]) == (
            expected["objects"],
            expected["bytes"],
        ), prefix
        # every object is under --max-bytes: the sample read them whole and counted them
        assert (index["docs"], index["docs_exact"]) == (expected["records"], True), prefix
        assert index["modified_oldest"] and index["modified_oldest"] <= index["modified_newest"]
    assert folders["exports/2005/"]["index"]["extensions"] == {".csv": 1}
    assert folders["backups/2019-12-31/"]["index"]["extensions"] == {".sql.gz": 1}
    if kind == "azblob":  # Azure's listing says each blob's content type; S3's does not
        assert folders["reports/2015/"]["index"]["content_types"] == {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 1
        }


@pytest.mark.parametrize("kind", KINDS)
def test_samples_find_the_personal_data_of_each_folder(
    sampled: dict[str, Any], lab: LabSession, kind: str
) -> None:
    t = truth(lab, kind)
    folders = by_prefix(result_of(sampled, kind), "public-cases")
    for prefix, expected in t["prefixes"].items():
        sample = folders[prefix]["sample"]
        assert sample["error"] is None, (prefix, sample["error"])
        assert sample["docs"] == min(100, expected["records"]), prefix
        kinds = {p["entity_type"] for p in sample["pii"]}
        if expected["distinct_customers"]:
            assert {"EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS"} <= kinds, prefix
        year = YEAR_PREFIX.get(prefix)
        if year is not None:
            # One year's cases (CSV, JSON lines, or a workbook whose dates are date cells):
            # the store, read whole for its people, dated every record by its created_at.
            assert sample["date_field"] == "created_at", prefix
            assert sample["years"] == [{"year": year, "docs": expected["records"]}], prefix
    assert "IBAN_CODE" in {p["entity_type"] for p in folders["hr/"]["sample"]["pii"]}
    assert folders["assets/"]["sample"]["docs"] == 0  # a PNG: listed, not parsed
    root = folders[""]["index"]
    assert root["compromised"] and any("ransom" in r for r in root["compromise_reasons"])


@pytest.mark.parametrize("kind", KINDS)
def test_people_of_a_store_small_enough_are_counted_exactly(
    sampled: dict[str, Any], lab: LabSession, kind: str
) -> None:
    people = result_of(sampled, kind)["people"]
    assert (people["entity_type"], people["method"], people["exact"]) == (
        "EMAIL_ADDRESS",
        "read",
        True,
    )
    # the open bucket holds every case once, and the named payroll again: its people once
    assert people["value"] == lab.truth.distinct_emails


def test_people_of_two_copies_estimated_apart_and_pooled_hold_the_truth(
    lab: LabSession, tmp_path: Path
) -> None:
    # MinIO's and Azurite's open buckets hold the same objects, each sample the same first
    # records: pooled as samples drawn apart, every address sampled was "seen twice", and the
    # estimate was those seen, between 1,198 and 1,241 people where 3,543 are there. The two
    # copies together hold no fewer than either alone, whose range holds the truth.
    targets = [url(lab, "open", kind) for kind in KINDS]
    doc, _ = report(tmp_path, *targets, "--people-read", "0", workers=1)
    (across,) = doc["people_across"]
    assert across["basis"].startswith("EMAIL_ADDRESS: the samples of the 2 stores pooled")
    d = across["distinct"]
    assert d["lower"] <= lab.truth.distinct_emails <= d["upper"], (d, lab.truth.distinct_emails)
    for kind in KINDS:
        people = result_of(doc, kind)["people"]
        assert people["method"] == "sample" and d["estimate"] >= people["value"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_named_object_of_a_partial_bucket_is_read(
    sampled: dict[str, Any], lab: LabSession, kind: str
) -> None:
    folders = by_prefix(result_of(sampled, kind), "readable-cases")
    assert list(folders) == ["hr/"]
    hr = folders["hr/"]
    assert hr["index"]["access"] == "partial" and hr["index"]["named_keys"]
    assert hr["index"]["docs"] == truth(lab, kind)["prefixes"]["hr/"]["records"]
    assert {"EMAIL_ADDRESS", "IBAN_CODE"} <= {p["entity_type"] for p in hr["sample"]["pii"]}


def test_only_reads_reached_the_stores(
    sampled: dict[str, Any], request_audit: list[net.Request]
) -> None:
    mine = [r for r in request_audit if r.kind in KINDS]
    assert mine and {r.method for r in mine} <= {"GET", "HEAD"}


# -- full reads ---------------------------------------------------------------------------------


def test_full_report_is_valid_against_the_schema(
    full: dict[str, Any], sampled: dict[str, Any]
) -> None:
    for doc in (full, sampled):
        assert_valid(doc)


@pytest.mark.parametrize("kind", KINDS)
def test_full_reads_count_each_folder_as_seeded(
    full: dict[str, Any], lab: LabSession, kind: str
) -> None:
    t = truth(lab, kind)
    result = result_of(full, kind)
    folders = by_prefix(result, "public-cases")
    for prefix, expected in t["prefixes"].items():
        read = folders[prefix]["full"]
        assert read["complete"], (prefix, read["error"])
        assert read["docs"] == expected["records"], prefix
        assert folders[prefix]["index"]["docs"] == expected["records"], prefix
        emails: dict[str, int] = {}
        for key, obj in t["objects"].items():
            if key.rpartition("/")[0] + "/" == prefix or ("/" not in key and prefix == ""):
                for path, n in obj["pii"].get("EMAIL_ADDRESS", {}).items():
                    emails[path] = emails.get(path, 0) + n
        found = {
            f["path"]: f["docs"]
            for p in read["pii"]
            if p["entity_type"] == "EMAIL_ADDRESS"
            for f in p["fields"]
        }
        for path in ("customer_email", "customer.email", "agent_email", "email", "user_email"):
            if path in emails:
                assert found.get(path) == emails[path], (prefix, path)
        year = YEAR_PREFIX.get(prefix)
        if year is not None:  # the cases of one year: as many people as the index of the year
            assert read["date_field"] == "created_at", prefix
            assert read["years"] == [{"year": year, "docs": expected["records"]}], prefix
            people = read["people"]["distinct"]
            assert people["exact"]
            assert people["estimate"] == lab.truth.indices[f"support-cases-{year}"].distinct_emails
    assert result["full"]["docs"] == t["total"]["records"]
    assert result["full"]["people"]["distinct"]["estimate"] == lab.truth.distinct_emails


def test_full_figures_are_stored_assessed_and_rendered(
    full: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    db = full["_db"]
    with sqlite3.connect(db) as conn:
        rows = conn.execute("""SELECT docs FROM full_pii WHERE index_name=
                               'public-cases/exports/2012/' AND field='customer.email'""")
        assert rows.fetchall() == [(614,), (614,)]  # the bucket and the container
    code, out = run(["report", full["scan_id"], "--db", db, "--format", "terminal"], capsys)
    assert code == 0 and "Full read" in out and "MinIO" in out and "Azurite" in out
    for fmt in ("markdown", "html", "sarif", "jsonl"):
        code, out = run(["report", full["scan_id"], "--db", db, "--format", fmt], capsys)
        assert code == 0 and "public-cases/exports/2012/" in out, fmt
    code, out = run(["assess", full["scan_id"], "--db", db, "--format", "json"], capsys)
    assert code == 0
    assessed = json.loads(out)
    assert assessed["personal_data_found"]
    assert [(s["product"], s["documents"]) for s in assessed["stores"]] == [
        ("MinIO", 10301),
        ("Azurite 3.37.0", 10301),
    ]
    # Two stores, each read whole, holding the same people (the lab's files): counted once
    # across the two, they are one store's.
    subjects = assessed["data_subjects"]
    (people,) = {r["full"]["people"]["distinct"]["estimate"] for r in full["results"]}
    (across,) = full["people_across"]
    assert len(across["endpoints"]) == 2 and across["distinct"]["estimate"] == people
    assert (subjects["method"], subjects["value"]) == ("exact", people)
    assert "of the 2 stores whose identifiers were all read" in subjects["basis"]
    # files' dates are no records' dates: the years of the records read are
    assert assessed["date_range"] == {"min": "2005", "max": "2019"}
    for kind in ("authority", "subjects"):
        code, out = run(["notify", full["scan_id"], "--db", db, "--kind", kind], capsys)
        assert code == 0 and out.strip(), kind


def test_a_full_read_killed_with_sigkill_resumes_to_exact_totals(
    lab: LabSession, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    argv = scan_argv(
        db,
        url(lab, "open", "s3"),
        *("--depth", "full", "--batch", "50", "--slices", "2", "--docs-rate", "1500"),
        workers=1,
    )
    # 3,028 records precede exports/2008/ (451): stop inside it
    proc, scan_id = run_until(db, argv, docs=3150)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    with sqlite3.connect(db) as conn:
        inside = conn.execute("""SELECT COUNT(*) FROM full_partitions WHERE done=0 AND
                                 json_extract(position, '$.records') > 0""").fetchone()[0]
    assert inside  # the kill left a read inside an object: its records must not count twice
    run_scan(db, "--resume", scan_id, workers=None)
    doc = stored(db, capsys, scan_id)
    t = truth(lab, "s3")
    result = result_of(doc, "s3")
    assert doc["status"] == "done"
    assert result["full"]["docs"] == t["total"]["records"]
    assert result["full"]["people"]["distinct"]["estimate"] == lab.truth.distinct_emails
    for prefix, ir in by_prefix(result, "public-cases").items():
        assert ir["full"]["docs"] == t["prefixes"][prefix]["records"], prefix


def test_export_subjects_reads_the_objects_again(
    lab: LabSession, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    run_scan(db, url(lab, "partial", "s3", "hr/payroll.csv"), workers=None)
    code, out = run(
        ["export-subjects", "last", "--db", str(db), "--types", "EMAIL_ADDRESS,IBAN_CODE"], capsys
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    found = {r["entity_type"] for r in rows if "keyed_hash" in r}
    by_type = {t: sum(1 for r in rows if r.get("entity_type") == t) for t in found}
    # the payroll: 200 employees, each with an e-mail address and an IBAN
    assert by_type == {"EMAIL_ADDRESS": 200, "IBAN_CODE": 200}
    assert all(
        r["indices"] == [f"127.0.0.1:{url(lab, 'open', 's3').rsplit(':', 1)[1]}/readable-cases/hr/"]
        for r in rows
        if "keyed_hash" in r
    )
