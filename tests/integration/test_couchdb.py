"""CouchDB end to end against the lab's three real pouchdb-servers (open, partial, secured),
against the seeder's truth (``truth-couchdb.json``)."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from reports import assert_valid, report, run_scan, scan_argv, stored
from scanproc import run_until

from leakhound.cli import main
from leakhound.lab import objectstores

ROLES = ("open", "partial", "secured")
MASKED_EMAIL = re.compile(r"\w\*{3}@\w\*{3}\.[a-z.]+")


@pytest.fixture(scope="module")
def couch(lab: Any, request_audit: list[Any]) -> dict[str, Any]:
    """The CouchDB targets by role, their truth, and where this module's requests begin in the
    session's audit (a port of theirs may have served another test's server before)."""
    truth = objectstores.truths(lab.status.state_dir)["couchdb"]
    assert truth is not None, "the lab was not seeded with CouchDB"
    return {
        "urls": {r: lab.status.url(r, kind="couchdb") for r in ROLES},
        "truth": truth,
        "audit_from": len(request_audit),
    }


def by_url(doc: dict[str, Any], url: str) -> dict[str, Any]:
    return next(r for r in doc["results"] if r["service"]["url"] == url)


def databases(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {ir["index"]["name"]: ir for ir in result["indices"]}


@pytest.fixture(scope="module")
def scanned(couch: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One sample scan of the three servers (no --kinds: http URLs on unknown ports)."""
    doc, db = report(
        tmp_path_factory.mktemp("couch"), *couch["urls"].values(), workers=None, schema=False
    )
    doc["_db"] = str(db)
    return doc


def test_report_is_valid_against_the_schema(scanned: dict[str, Any]) -> None:
    assert_valid(scanned)


def test_each_server_gets_its_verdict_from_its_data_apis(
    scanned: dict[str, Any], couch: dict[str, Any]
) -> None:
    verdicts = {role: by_url(scanned, url)["service"] for role, url in couch["urls"].items()}
    assert {r: s["verdict"] for r, s in verdicts.items()} == {
        "open": "open",
        "partial": "partial",
        "secured": "secured",
    }
    assert "admin party" in verdicts["open"]["reason"]
    assert (
        "1 of 19 databases read without credentials (support-cases-2019)"
        in verdicts["partial"]["reason"]
    )
    assert "each of 19 databases asks for them" in verdicts["secured"]["reason"]
    for service in verdicts.values():
        # An http URL on a port no kind names: Elasticsearch is tried first, CouchDB knows it.
        assert service["kind"] == "couchdb"
        fp = service["fingerprint"]
        assert (fp["product"], fp["version"]) == ("pouchdb-server", "4.2.0")
        assert fp["distribution"] == "PouchDB authors" and fp["cluster_uuid"]


def test_open_server_counts_equal_what_was_seeded(
    scanned: dict[str, Any], couch: dict[str, Any]
) -> None:
    found = databases(by_url(scanned, couch["urls"]["open"]))
    for name, truth in couch["truth"]["databases"].items():
        container = found[name]["index"]
        assert (container["docs"], container["docs_exact"]) == (truth["documents"], True), name
        assert container["readable"] is True and not container["system"]
        if name.startswith("support-cases-") and truth["documents"]:
            # CouchDB counts nothing a year without a view of its own: the store, small
            # enough, was read whole for its people, and each record dated on the way.
            assert "years" not in container, name
            year = int(name.rsplit("-", 1)[1])
            assert found[name]["sample"]["years"] == [{"year": year, "docs": truth["documents"]}], (
                name
            )
    # The system databases hold a design document each: code, not records.
    for name in ("_users", "_replicator"):
        container = found[name]["index"]
        assert container["system"] and container["docs"] == 0
        assert container["design_docs"] == 1


def test_partial_server_reads_only_its_public_database(
    scanned: dict[str, Any], couch: dict[str, Any]
) -> None:
    found = databases(by_url(scanned, couch["urls"]["partial"]))
    public = couch["truth"]["servers"]["partial"]["anonymous_read"]
    assert public == ["support-cases-2019"]
    for name, truth in couch["truth"]["databases"].items():
        container = found[name]["index"]
        if name in public:
            assert container["docs"] == truth["documents"] and container["readable"]
            assert found[name]["sample"]["docs"] == 100
        else:
            assert container["docs"] is None and container["readable"] is False, name
            assert container["error"].startswith("asks for credentials"), name
            assert container["denied"] is True, name  # its 401, as the inventory met it
            assert "asks for credentials" in found[name]["sample"]["error"]
            assert found[name]["sample"]["failure"] == "credentials", name  # its 401
    assert by_url(scanned, couch["urls"]["secured"])["indices"] == []


def test_with_no_sample_the_inventorys_refusals_keep_databases_listed_not_exposed(
    couch: dict[str, Any], tmp_path: Path
) -> None:
    # --sample 0 reads nothing: what the inventory met (each database's 401) says
    doc, _ = report(tmp_path, couch["urls"]["partial"], "--sample", "0", workers=None)
    summary = doc["summary"]
    assert (summary["exposed_indices"], summary["refused_indices"]) == (3, 18)


def test_partial_servers_databases_that_ask_for_credentials_are_listed_not_exposed(
    couch: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The partial server alone: its summary is its own figures.
    doc, db = report(tmp_path, couch["urls"]["partial"], workers=None)
    truth = couch["truth"]
    public = truth["servers"]["partial"]["anonymous_read"]
    found = databases(doc["results"][0])
    # _users and _replicator: system databases, listed with their counts, not sampled.
    system = sorted(n for n, ir in found.items() if ir["index"]["system"])
    assert system == ["_replicator", "_users"]
    refused = sorted(set(truth["databases"]) - set(public))
    assert len(refused) == 18 and len(found) == 21
    summary = doc["summary"]
    assert summary["exposed_indices"] == len(public) + len(system) == 3  # was 21
    assert summary["refused_indices"] == len(refused)
    # A database that asks for credentials is not counted by this server either: no records
    # were said to be held behind them, and none is added to the exposed ones.
    assert "refused_documents" not in summary
    assert summary["exposed_documents"] == sum(
        truth["databases"][n]["documents"] for n in public
    ) + sum(found[n]["index"]["docs"] for n in system)
    assert summary["indices_with_pii"] == 1 and summary["compromised_indices"] == 2
    for fmt, line in (
        ("terminal", "18 more databases listed but not readable"),
        ("markdown", "- 18 more databases listed but not readable (asked for credentials)"),
    ):
        capsys.readouterr()
        assert main(["report", doc["scan_id"], "--db", str(db), "--format", fmt]) == 0
        assert line in " ".join(capsys.readouterr().out.split()), fmt
    capsys.readouterr()
    assert main(["notify", doc["scan_id"], "--db", str(db), "--kind", "authority"]) == 0
    draft = " ".join(capsys.readouterr().out.replace("\\", "").split())
    assert (
        "held in 3 databases; 18 more databases were listed, but reading them asked for "
        "credentials."
    ) in draft


def test_masked_personal_data_per_database(scanned: dict[str, Any], couch: dict[str, Any]) -> None:
    found = databases(by_url(scanned, couch["urls"]["open"]))
    for name, truth in couch["truth"]["databases"].items():
        if not name.startswith("support-cases-") or not truth["documents"]:
            continue
        sample = found[name]["sample"]
        assert sample["docs"] == min(100, truth["documents"]), name
        kinds = {p["entity_type"]: p for p in sample["pii"]}
        email_fields = {f["path"] for f in kinds["EMAIL_ADDRESS"]["fields"]}
        assert "customer.email" in email_fields
        assert email_fields <= set(truth["pii"]["EMAIL_ADDRESS"]), name
        assert "IP_ADDRESS" in kinds and "PHONE_NUMBER" in kinds, name
        assert all(MASKED_EMAIL.fullmatch(e) for e in kinds["EMAIL_ADDRESS"]["examples"])
    payroll = {p["entity_type"] for p in found["hr-payroll"]["sample"]["pii"]}
    assert {"EMAIL_ADDRESS", "IBAN_CODE"} <= payroll
    flagged = {n for n, ir in found.items() if ir["index"]["compromised"]}
    assert "read_me" in flagged and any(n.endswith("-meow") for n in flagged)
    assert not any(n.startswith("support-cases") for n in flagged)
    assert "a document reads like a ransom note" in found["read_me"]["index"]["compromise_reasons"]


def test_no_raw_personal_value_reaches_any_output(
    scanned: dict[str, Any], couch: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    rows = httpx.get(
        f"{couch['urls']['open']}/support-cases-2019/_all_docs",
        params={"include_docs": "true", "limit": "200"},
        trust_env=False,
        timeout=30,
    ).json()["rows"]
    emails = {r["doc"]["customer"]["email"] for r in rows}
    assert emails
    outputs = [json.dumps(scanned), Path(scanned["_db"]).read_bytes().decode("utf-8", "replace")]
    for fmt in ("terminal", "markdown", "jsonl"):
        capsys.readouterr()
        assert main(["report", scanned["scan_id"], "--db", scanned["_db"], "--format", fmt]) == 0
        outputs.append(capsys.readouterr().out)
    for text in outputs:
        assert not [e for e in emails if e in text]


def test_no_write_no_admin_api_and_no_dbs_info_reach_pouchdb(
    scanned: dict[str, Any], couch: dict[str, Any], request_audit: list[Any]
) -> None:
    ports = {urlsplit(u).port for u in couch["urls"].values()}
    sent = [r for r in request_audit[couch["audit_from"] :] if urlsplit(r.url).port in ports]
    assert sent
    # POST /_dbs_info would write on pouchdb-server; HEAD / is the question asked of a server
    # whose first answer is late (probes/http_root.ask_who), as a loaded machine's may be
    assert {r.method for r in sent} <= {"GET", "HEAD"}
    paths = {urlsplit(r.url).path for r in sent}
    assert not {
        p
        for p in paths
        if p.split("/")[1] in ("_config", "_replicate", "_restart", "_dbs_info", "_utils")
    }


def assert_full_equals_truth(result: dict[str, Any], truth: dict[str, Any]) -> None:
    found = databases(result)
    for name, t in truth["databases"].items():
        full = found[name]["full"]
        assert full is not None and full["complete"], (name, full)
        assert full["docs"] == t["documents"], name
        if name.startswith("support-cases-") and t["documents"]:
            year = int(name.rsplit("-", 1)[1])
            assert full["years"] == [{"year": year, "docs": t["documents"]}], name
            emails = {
                f["path"]: f["docs"]
                for p in full["pii"]
                if p["entity_type"] == "EMAIL_ADDRESS"
                for f in p["fields"]
            }
            for path in ("customer.email", "agent_email"):
                assert emails[path] == t["pii"]["EMAIL_ADDRESS"][path], (name, path)
            assert full["people"]["distinct"]["estimate"] == t["distinct_emails"], name
    assert result["full"]["docs"] == truth["documents"]
    people = result["full"]["people"]
    assert people["entity_type"] == "EMAIL_ADDRESS"
    assert {"customer.email", "agent_email", "description"} <= set(people["fields"])
    assert people["distinct"]["exact"]
    assert people["distinct"]["estimate"] == truth["distinct_emails"]


def test_full_read_totals_equal_the_truth(
    couch: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    run_scan(db, couch["urls"]["open"], "--depth", "full", "--batch", "250", workers=1)
    result = stored(db, capsys)["results"][0]
    assert {ir["full"]["method"] for ir in result["indices"] if ir["full"]} == {"all_docs"}
    assert_full_equals_truth(result, couch["truth"])


def test_a_full_read_killed_with_sigkill_resumes_to_exact_totals(
    couch: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    argv = scan_argv(
        db,
        couch["urls"]["open"],
        *("--depth", "full", "--batch", "100", "--docs-rate", "2500"),
        workers=1,
    )
    proc, scan_id = run_until(db, argv, docs=4000)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM scans").fetchone()[0] == "running"
        positions = [
            json.loads(p)
            for (p,) in conn.execute(
                "SELECT position FROM full_partitions WHERE done=0 AND position IS NOT NULL"
            )
        ]
    assert positions and all(isinstance(p["after"], str) for p in positions)
    capsys.readouterr()
    run_scan(db, "--resume", scan_id, workers=None)
    doc = stored(db, capsys)
    assert doc["scan_id"] == scan_id and doc["status"] == "done"
    assert_full_equals_truth(doc["results"][0], couch["truth"])


def test_owner_credentials_read_the_secured_server(
    couch: dict[str, Any], lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user, password = lab.status.auth
    db = tmp_path / "f.db"
    run_scan(
        db,
        couch["urls"]["secured"],
        *("--auth", f"{user}:{password}", "--sample", "5"),
        workers=None,
    )
    result = stored(db, capsys)["results"][0]
    assert result["service"]["verdict"] == "secured"  # decided without the credentials
    assert result["authenticated"] is True
    found = databases(result)
    for name, truth in couch["truth"]["databases"].items():
        assert found[name]["index"]["docs"] == truth["documents"], name
    assert found["hr-payroll"]["sample"]["docs"] == 5
