"""SARIF 2.1.0 output: valid against the official schema, one rule per kind of finding."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from leakhound.models import Container, ContainerResult, Endpoint, Service, TargetResult, Verdict
from leakhound.report import FORMATS, sarif
from leakhound.store import ScanRecord, SqliteStore

SCHEMA = Path(__file__).parent.parent / "data" / "sarif" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


def validate(log: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    cls(schema, format_checker=cls.FORMAT_CHECKER).validate(log)


def test_vendored_schema_is_the_official_one() -> None:
    data = SCHEMA.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SCHEMA_SHA256
    schema = json.loads(data)
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")


# RFC 3986 characters; jsonschema checks "uri" and "date-time" only with optional packages.
URI = re.compile(r"^https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")


def test_sarif_is_valid_against_the_schema(scan: ScanRecord) -> None:
    log = json.loads(FORMATS["sarif"](scan))
    validate(log)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    for res in run["results"]:
        for loc in res["locations"]:
            assert URI.match(loc["physicalLocation"]["artifactLocation"]["uri"])
    for key in ("startTimeUtc", "endTimeUtc"):
        stamp = run["invocations"][0][key]
        assert stamp.endswith("Z")
        datetime.fromisoformat(stamp)


def test_schema_catches_a_broken_log(scan: ScanRecord) -> None:
    log = json.loads(sarif.render(scan))
    log["runs"][0]["results"][0]["level"] = "catastrophic"
    with pytest.raises(jsonschema.ValidationError):
        validate(log)


def test_one_rule_per_kind_of_finding(scan: ScanRecord) -> None:
    run = json.loads(sarif.render(scan))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["name"] for r in rules] == [
        "OpenStore",
        "PartiallyOpenStore",
        "CompromisedIndex",
        "PersonalDataExposed",
    ]
    assert len({r["id"] for r in rules}) == 4
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for res in run["results"]:
        by_rule.setdefault(res["ruleId"], []).append(res)
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    # one open store (the closed one is not a finding), one compromised index, one PII kind
    assert {k: len(v) for k, v in by_rule.items()} == {
        sarif.OPEN_STORE: 1,
        sarif.COMPROMISED_INDEX: 1,
        sarif.PERSONAL_DATA: 1,
    }
    store = by_rule[sarif.OPEN_STORE][0]
    assert (
        store["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "http://127.0.0.1:9200"
    )
    pii = by_rule[sarif.PERSONAL_DATA][0]
    assert (
        pii["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "http://127.0.0.1:9200/support-cases-2019"
    )
    assert pii["properties"]["entity_type"] == "EMAIL_ADDRESS"
    assert pii["level"] == "warning"
    assert "87 of 100 sampled documents" in pii["message"]["text"]


def test_hostile_index_name_is_encoded_in_uris_and_inert_in_text(scan: ScanRecord) -> None:
    run = json.loads(sarif.render(scan))["runs"][0]
    bad = next(r for r in run["results"] if r["ruleId"] == sarif.COMPROMISED_INDEX)
    uri = bad["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("http://127.0.0.1:9200/%3Cscript%3E")
    assert "<" not in uri and "|" not in uri
    text = bad["message"]["text"] + bad["locations"][0]["logicalLocations"][0]["name"]
    assert "\x1b" not in text and "\x07" not in text


def test_fingerprints_are_stable_across_scans(scan: ScanRecord) -> None:
    one = json.loads(sarif.render(scan))["runs"][0]["results"]
    other = dataclasses.replace(scan, scan_id="20990101-000000-abcdef")
    two = json.loads(sarif.render(other))["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in one] == [r["partialFingerprints"] for r in two]


def test_the_open_store_rule_describes_every_store_kind() -> None:
    rule = next(r for r in sarif.RULES if r["id"] == sarif.OPEN_STORE)
    text = rule["fullDescription"]["text"]
    assert not text.startswith("An Elasticsearch or OpenSearch endpoint")
    assert all(kind in text for kind in ("PostgreSQL", "Redis", "MongoDB", "S3"))


def test_a_full_reads_figures_are_written_as_every_other_count(full_scan: ScanRecord) -> None:
    # "in 10000 of 10000 keys read of key pattern 'case:*' (10,000 keys)"
    log = json.loads(sarif.render(full_scan))
    texts = [r["message"]["text"] for r in log["runs"][0]["results"] if r["ruleId"] == "LH004"]
    assert any(
        t.startswith(
            "e-mail addresses (EMAIL_ADDRESS) in 10,000 of 10,000 keys read of key "
            "pattern 'case:*' (10,000 keys)"
        )
        for t in texts
    ), texts


def _noted(
    tmp_path: Path, *, error: str | None = None, truncated: int = 0, note: str | None = None
) -> dict[str, Any]:
    """The SARIF log of a scan of one open store whose inventory says what it could not see."""
    ep = Endpoint("127.0.0.1", 9200)
    svc = Service(ep, "http://127.0.0.1:9200", "elasticsearch", Verdict.OPEN, "open")
    cases = ContainerResult(Container("cases", 1000, 4096, False, False), None)
    result = TargetResult(
        svc, (cases,), inventory_error=error, truncated=truncated, inventory_note=note
    )
    with SqliteStore(tmp_path / f"{error}-{truncated}-{note}.db") as store:
        scan_id = store.begin_scan(["127.0.0.1"], {"sample": 0})
        store.record(scan_id, result)
        store.finish_scan(scan_id)
        log = json.loads(sarif.render(store.load(scan_id)))
    validate(log)
    return log


CUT = "the listing was cut at the byte cap"
HIDDEN = "which indices are hidden is unknown (index.hidden settings: HTTP 403)"


def test_an_incomplete_inventory_is_said_in_the_store_result_and_as_a_warning(
    tmp_path: Path,
) -> None:
    # SARIF carried none of it: a code-scanning view showed the counts as whole.
    (run,) = _noted(tmp_path, error=CUT, truncated=3)["runs"]
    (store,) = run["results"]
    assert store["properties"]["inventory_error"] == CUT
    assert store["properties"]["indices_truncated"] == 3
    assert "inventory_note" not in store["properties"]
    why = f"{CUT}; 3 more indices listed but not inventoried (--max-indices)"
    assert store["message"]["text"].endswith(f"; 1 index; inventory incomplete: {why}")
    assert (
        store["partialFingerprints"]
        == _noted(tmp_path)["runs"][0]["results"][0]["partialFingerprints"]
    )
    (warning,) = run["invocations"][0]["toolExecutionNotifications"]
    assert warning["level"] == "warning"
    assert warning["message"]["text"] == f"http://127.0.0.1:9200: inventory incomplete: {why}"
    uri = warning["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "http://127.0.0.1:9200"
    notes = run["tool"]["driver"]["notifications"]
    assert notes[warning["descriptor"]["index"]]["id"] == warning["descriptor"]["id"]


def test_a_note_on_a_whole_inventory_is_said_in_the_store_result_not_as_a_warning(
    tmp_path: Path,
) -> None:
    (run,) = _noted(tmp_path, note=HIDDEN)["runs"]
    (store,) = run["results"]
    assert store["properties"]["inventory_note"] == HIDDEN
    assert store["properties"]["documents"] == 1000  # the counts stand
    assert store["message"]["text"].endswith(f"; 1 index; inventory note: {HIDDEN}")
    assert "toolExecutionNotifications" not in run["invocations"][0]
    assert "notifications" not in run["tool"]["driver"]


def test_a_whole_inventory_adds_nothing_to_the_log(tmp_path: Path) -> None:
    (run,) = _noted(tmp_path)["runs"]
    (store,) = run["results"]
    assert store["message"]["text"] == "http://127.0.0.1:9200 is open: open; 1 index"
    assert set(store["properties"]) == {"verdict", "indices", "documents"}
    assert "toolExecutionNotifications" not in run["invocations"][0]
    assert "notifications" not in run["tool"]["driver"]
