"""End to end against the real lab: an OpenSearch node, and nginx in front of it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from leakhound.cli import main

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "src/leakhound/schema/scan-result.schema.json").read_text()
)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture(scope="module")
def scanned(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One scan of the three lab targets, as its JSON report."""
    status, _truth = lab
    db = tmp_path_factory.mktemp("scan") / "findings.db"
    out = db.with_name("report.json")
    rc = main(
        [
            "scan",
            status.url("open"),
            status.url("secured"),
            status.url("partial"),
            "--db",
            str(db),
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )
    assert rc == 0
    doc = json.loads(out.read_text())
    doc["_db"] = str(db)
    return doc


def by_role(doc: dict[str, Any], lab: Any, role: str) -> dict[str, Any]:
    url = lab[0].url(role)
    return next(r for r in doc["results"] if r["service"]["url"] == url)


def test_report_is_valid_against_the_schema(scanned: dict[str, Any]) -> None:
    doc = {k: v for k, v in scanned.items() if k != "_db"}
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)


def test_open_node_is_open_and_fingerprinted(scanned: dict[str, Any], lab: Any) -> None:
    r = by_role(scanned, lab, "open")
    svc = r["service"]
    assert svc["verdict"] == "open"
    assert svc["fingerprint"]["product"] == "opensearch"
    assert svc["fingerprint"]["version"] == lab[0].opensearch_version
    assert svc["fingerprint"]["cluster_name"]
    assert svc["fingerprint"]["tls"] is None


def test_basic_auth_proxy_is_secured_with_its_realm(scanned: dict[str, Any], lab: Any) -> None:
    svc = by_role(scanned, lab, "secured")["service"]
    assert svc["verdict"] == "secured"
    assert svc["fingerprint"]["realm"] == lab[0].realm
    assert lab[0].realm in svc["reason"]
    assert by_role(scanned, lab, "secured")["indices"] == []


def test_half_open_proxy_is_partial(scanned: dict[str, Any], lab: Any) -> None:
    r = by_role(scanned, lab, "partial")
    assert r["service"]["verdict"] == "partial"
    assert "_cat/indices" in r["service"]["open_apis"]
    assert "_search" in r["service"]["closed_apis"]
    # the listing is readable, the documents are not: indices known, samples refused
    indices = {ir["index"]["name"]: ir for ir in r["indices"]}
    assert set(lab[1].indices) <= set(indices)
    for name, t in lab[1].indices.items():
        # _count is refused: the figure comes from _cat/indices and says it is not exact
        assert indices[name]["index"]["docs"] == t.documents
        assert indices[name]["index"]["docs_exact"] is False
        # _count and _mapping both answered 401: the inventory marks it not readable
        assert indices[name]["index"]["denied"] is True
        if t.documents:
            assert "401" in indices[name]["sample"]["error"]
            # nginx's 401: refused for want of credentials, as the status says
            assert indices[name]["sample"]["failure"] == "credentials"


def test_inventory_equals_what_was_seeded(scanned: dict[str, Any], lab: Any) -> None:
    truth = lab[1]
    indices = {ir["index"]["name"]: ir["index"] for ir in by_role(scanned, lab, "open")["indices"]}
    for name, t in truth.indices.items():
        assert indices[name]["docs"] == t.documents, name
        if t.documents and t.created_at_min:
            assert indices[name]["date_field"] == "created_at"
            assert indices[name]["date_min"][:10] == t.created_at_min[:10], name
            assert indices[name]["date_max"][:10] == t.created_at_max[:10], name
            # every document a year, as the node's date histogram counted them
            years = {y["year"]: y["docs"] for y in indices[name]["years"]}
            assert years == dict(t.created_at_years), name


def test_wiped_and_ransom_indices_are_flagged(scanned: dict[str, Any], lab: Any) -> None:
    indices = {ir["index"]["name"]: ir["index"] for ir in by_role(scanned, lab, "open")["indices"]}
    flagged = {n for n, i in indices.items() if i["compromised"]}
    assert "read_me" in flagged
    assert any(n.endswith("-meow") for n in flagged)
    assert not any(n.startswith("support-cases") for n in flagged)
    assert "a document reads like a ransom note" in indices["read_me"]["compromise_reasons"]


def test_hidden_and_system_indices_are_listed_and_flagged(
    scanned: dict[str, Any], lab: Any
) -> None:
    indices = {ir["index"]["name"]: ir for ir in by_role(scanned, lab, "open")["indices"]}
    hidden = indices["audit-trail"]  # index.hidden: true, listed only with expand_wildcards
    assert hidden["index"]["hidden"] and not hidden["index"]["system"]
    assert hidden["index"]["docs"] == lab[1].indices["audit-trail"].documents
    kinds = {p["entity_type"] for p in hidden["sample"]["pii"]}
    assert {"EMAIL_ADDRESS", "IP_ADDRESS"} <= kinds
    assert all(
        i["index"]["hidden"] and i["index"]["system"]
        for n, i in indices.items()
        if n.startswith(".")
    )
    assert not any(
        i["index"]["hidden"]
        for n, i in indices.items()
        if n in lab[1].indices and n != "audit-trail"
    )


def test_pii_found_in_sample_where_it_was_seeded(scanned: dict[str, Any], lab: Any) -> None:
    truth = lab[1]
    results = {ir["index"]["name"]: ir for ir in by_role(scanned, lab, "open")["indices"]}
    cases = [n for n in truth.indices if n.startswith("support-cases")]
    assert cases
    for name in cases:
        sample = results[name]["sample"]
        assert sample["docs"] == min(100, truth.indices[name].documents)
        kinds = {p["entity_type"]: p for p in sample["pii"]}
        assert "EMAIL_ADDRESS" in kinds, name
        email_fields = {f["path"] for f in kinds["EMAIL_ADDRESS"]["fields"]}
        assert "customer.email" in email_fields
        assert email_fields <= set(truth.indices[name].fields("EMAIL_ADDRESS")), name
        assert "IP_ADDRESS" in kinds, name
        for example in kinds["EMAIL_ADDRESS"]["examples"]:
            assert re.fullmatch(r"\w\*{3}@\w\*{3}\.[a-z.]+", example), example


def test_no_raw_personal_value_reaches_any_output(
    scanned: dict[str, Any], lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    url = lab[0].url("open")
    hits = httpx.post(f"{url}/support-cases-*/_search", json={"size": 200}).json()["hits"]["hits"]
    emails = {h["_source"]["customer"]["email"] for h in hits}
    assert emails
    outputs = [json.dumps(scanned)]
    for fmt in ("terminal", "markdown", "jsonl"):
        rc, out, _ = run(
            ["report", scanned["scan_id"], "--db", scanned["_db"], "--format", fmt], capsys
        )
        assert rc == 0
        outputs.append(out)
    outputs.append(Path(scanned["_db"]).read_bytes().decode("utf-8", "replace"))
    for text in outputs:
        leaked = [e for e in emails if e in text]
        assert not leaked, leaked[:3]


def test_second_scan_becomes_history(
    lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "f.db")
    target = lab[0].url("secured")
    for _ in range(2):
        assert main(["scan", target, "--db", db, "--format", "jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    second = json.loads(lines[-2])["result"]
    assert second["history"]["previous_scans"] == 1
    assert second["history"]["previous_verdict"] == "secured"
    rc, out, _ = run(["scans", "--db", db], capsys)
    assert rc == 0 and len(out.splitlines()) == 2


def test_fail_on_open(lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "f.db")
    assert (
        main(
            [
                "scan",
                lab[0].url("open"),
                "--sample",
                "0",
                "--db",
                db,
                "--fail-on",
                "open",
                "--format",
                "jsonl",
            ]
        )
        == 1
    )
    assert (
        main(["scan", lab[0].url("secured"), "--db", db, "--fail-on", "open", "--format", "jsonl"])
        == 0
    )
    assert (
        main(
            [
                "scan",
                lab[0].url("partial"),
                "--sample",
                "0",
                "--db",
                db,
                "--fail-on",
                "open",
                "--format",
                "jsonl",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "scan",
                lab[0].url("partial"),
                "--sample",
                "0",
                "--db",
                db,
                "--fail-on",
                "exposed",
                "--format",
                "jsonl",
            ]
        )
        == 1
    )
    capsys.readouterr()


def test_host_port_without_scheme_finds_http(
    lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostport = lab[0].url("open").removeprefix("http://")
    rc, out, _ = run(
        ["scan", hostport, "--sample", "0", "--db", str(tmp_path / "f.db"), "--format", "jsonl"],
        capsys,
    )
    assert rc == 0
    result = json.loads(out.splitlines()[0])["result"]
    assert result["service"]["verdict"] == "open"
    assert result["service"]["url"] == lab[0].url("open")


def test_credentials_read_a_secured_store_without_changing_its_verdict(
    lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, truth = lab
    user, password = status.auth
    monkeypatch.setenv("LAB_CREDENTIALS", f"{user}:{password}")
    db = tmp_path / "f.db"
    rc, out, err = run(
        [
            "scan",
            status.url("secured"),
            "--auth-env",
            "LAB_CREDENTIALS",
            "--sample",
            "5",
            "--db",
            str(db),
            "--format",
            "jsonl",
        ],
        capsys,
    )
    assert rc == 0, err
    result = json.loads(out.splitlines()[0])["result"]
    assert result["service"]["verdict"] == "secured"
    assert result["service"]["fingerprint"]["realm"] == status.realm
    assert result["service"]["fingerprint"]["product"] == "opensearch"
    assert result["authenticated"] is True
    docs = {ir["index"]["name"]: ir["index"]["docs"] for ir in result["indices"]}
    assert docs["hr-payroll"] == truth.indices["hr-payroll"].documents
    for fmt in ("terminal", "markdown", "json"):
        rc, text, _ = run(["report", "last", "--db", str(db), "--format", fmt], capsys)
        assert rc == 0 and password not in text
    assert password.encode() not in db.read_bytes()


def test_wrong_credentials_leave_the_store_unread(
    lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out, _ = run(
        [
            "scan",
            lab[0].url("secured"),
            "--auth",
            "lab:wrong-password",
            "--db",
            str(tmp_path / "f.db"),
            "--format",
            "jsonl",
        ],
        capsys,
    )
    assert rc == 0
    result = json.loads(out.splitlines()[0])["result"]
    assert result["service"]["verdict"] == "secured"
    assert result["authenticated"] is False and result["indices"] == []


def test_auth_env_that_is_not_set_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rc = main(
        [
            "scan",
            "127.0.0.1:9",
            "--auth-env",
            "LEAKHOUND_NO_SUCH_VARIABLE",
            "--db",
            str(tmp_path / "f.db"),
        ]
    )
    assert rc == 2
    assert "LEAKHOUND_NO_SUCH_VARIABLE" in capsys.readouterr().err


def test_netrc_credentials_are_used_for_their_host_only(
    lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, truth = lab
    user, password = status.auth
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {user} password {password}\n")
    netrc.chmod(0o600)
    rc, out, err = run(
        [
            "scan",
            status.url("secured"),
            "--netrc",
            str(netrc),
            "--sample",
            "0",
            "--db",
            str(tmp_path / "f.db"),
            "--format",
            "jsonl",
        ],
        capsys,
    )
    assert rc == 0, err
    result = json.loads(out.splitlines()[0])["result"]
    assert result["service"]["verdict"] == "secured" and result["authenticated"] is True
    names = {ir["index"]["name"] for ir in result["indices"]}
    assert set(truth.indices) <= names
    other = tmp_path / "other-netrc"
    other.write_text(f"machine db.example.invalid login {user} password {password}\n")
    rc, out, _ = run(
        [
            "scan",
            status.url("secured"),
            "--netrc",
            str(other),
            "--sample",
            "0",
            "--db",
            str(tmp_path / "g.db"),
            "--format",
            "jsonl",
        ],
        capsys,
    )
    assert json.loads(out.splitlines()[0])["result"]["authenticated"] is False


def test_summary_counts_the_node_and_its_proxy_once(scanned: dict[str, Any], lab: Any) -> None:
    summary = scanned["summary"]
    assert summary["exposed_endpoints"] == 2  # the node (open) and the proxy (partial)
    assert summary["exposed_documents"] == lab[1].documents
    assert {"EMAIL_ADDRESS", "IP_ADDRESS", "PHONE_NUMBER"} <= set(summary["pii_types"])
