"""The JSON and JSON-lines formats follow the documented schema."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from leakhound.models import Distinct, PeopleAcross, PeopleCount, TargetResult
from leakhound.report import json as json_report
from leakhound.report import jsonl as jsonl_report
from leakhound.report import markdown
from leakhound.store import ScanRecord


def schema() -> dict[str, Any]:
    text = resources.files("leakhound").joinpath("schema/scan-result.schema.json").read_text()
    return dict(json.loads(text))


def validate(doc: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(
        schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(doc)


def test_json_report_is_valid_against_the_schema(scan: ScanRecord) -> None:
    doc = json.loads(json_report.render(scan))
    validate(doc)
    assert doc["summary"]["by_verdict"] == {"closed": 1, "open": 1}
    assert doc["summary"]["exposed_documents"] == 1001
    assert doc["summary"]["compromised_indices"] == 1
    assert doc["summary"]["pii_types"] == ["EMAIL_ADDRESS"]


def test_schema_rejects_a_wrong_verdict(scan: ScanRecord) -> None:
    doc = json.loads(json_report.render(scan))
    doc["results"][0]["service"]["verdict"] = "wide-open"
    with pytest.raises(jsonschema.ValidationError):
        validate(doc)


def test_schema_rejects_unmasked_fields_it_does_not_know(scan: ScanRecord) -> None:
    doc = json.loads(json_report.render(scan))
    doc["results"][0]["indices"][0]["sample"]["pii"][0]["raw"] = ["jane@example.com"]
    with pytest.raises(jsonschema.ValidationError):
        validate(doc)


def test_jsonl_has_one_line_per_endpoint_then_a_summary(scan: ScanRecord) -> None:
    lines = [json.loads(x) for x in jsonl_report.render(scan).splitlines()]
    assert len(lines) == 3
    assert all(line["scan_id"] == scan.scan_id for line in lines)
    full = json_report.document(scan)
    sub = {"$ref": "#/$defs/result", "$defs": schema()["$defs"]}
    for line in lines[:2]:
        jsonschema.validate(line["result"], sub)
    assert lines[2]["summary"] == json.loads(json.dumps(full["summary"]))


def test_two_endpoints_of_one_cluster_are_counted_once(scan: ScanRecord) -> None:
    node, closed = scan.results
    fingerprint = dataclasses.replace(node.service.fingerprint, cluster_uuid="same-cluster")
    node = dataclasses.replace(
        node, service=dataclasses.replace(node.service, fingerprint=fingerprint)
    )
    twin = dataclasses.replace(
        node,
        service=dataclasses.replace(node.service, url="http://127.0.0.1:8080"),
        # the proxy lists the indices but cannot read samples
        containers=tuple(dataclasses.replace(cr, sample=None) for cr in node.containers),
    )
    doc = dataclasses.replace(scan, results=(twin, node, closed))
    summary = json_report.document(doc)["summary"]
    assert summary["exposed_endpoints"] == 2
    assert summary["exposed_documents"] == 1001
    assert summary["exposed_indices"] == 2
    assert summary["pii_types"] == ["EMAIL_ADDRESS"]  # from the endpoint that could read
    assert summary["compromised_indices"] == 1


def test_people_counted_across_stores_are_in_the_report_and_the_schema(scan: ScanRecord) -> None:
    across = PeopleAcross("EMAIL_ADDRESS", Distinct(3600, 3600, 3600, True), ("127.0.0.1:9200",))
    doc = json.loads(json_report.render(dataclasses.replace(scan, people_across=(across,))))
    validate(doc)
    assert doc["people_across"] == [
        {
            "entity_type": "EMAIL_ADDRESS",
            "distinct": {"estimate": 3600, "lower": 3600, "upper": 3600, "exact": True},
            "endpoints": ["127.0.0.1:9200"],
        }
    ]
    assert ScanRecord.from_dict(doc).people_across == (across,)
    assert "people_across" not in json.loads(json_report.render(scan))  # none counted: none


def test_a_store_named_under_http_and_https_keeps_both_in_its_json(scan: ScanRecord) -> None:
    """``other_scheme``: the scheme tried after the first on a proxied path named under
    both; valid JSON, and read back the same."""
    from leakhound.models import Endpoint, from_dict, to_dict

    ep = Endpoint("10.0.0.5", 8443, "https", "/es", other_scheme="http")
    node = scan.results[0]
    node = dataclasses.replace(node, service=dataclasses.replace(node.service, endpoint=ep))
    doc = json.loads(json_report.render(dataclasses.replace(scan, results=(node,))))
    validate(doc)
    assert doc["results"][0]["service"]["endpoint"]["other_scheme"] == "http"
    assert from_dict(Endpoint, to_dict(ep)) == ep
    assert "other_scheme" not in to_dict(Endpoint("10.0.0.5", 8443, "https", "/es"))


def test_people_estimated_across_stores_from_their_samples_pooled_say_how(
    scan: ScanRecord,
) -> None:
    pooled = PeopleAcross(
        "EMAIL_ADDRESS",
        Distinct(6662, 4350, 9105, False),
        ("127.0.0.1:5432", "127.0.0.1:6379"),
        "EMAIL_ADDRESS: the samples of the 2 stores pooled",
    )
    doc = json.loads(json_report.render(dataclasses.replace(scan, people_across=(pooled,))))
    validate(doc)
    assert doc["people_across"][0]["basis"] == "EMAIL_ADDRESS: the samples of the 2 stores pooled"
    assert ScanRecord.from_dict(doc).people_across == (pooled,)
    # and the terminal and Markdown summaries say it is an estimate, pooled, not read whole
    said = (
        "≈6,662 (estimate, between 4,350 and 9,105) distinct EMAIL_ADDRESS, each counted once "
        "across the 2 stores estimated from their samples pooled: EMAIL_ADDRESS: the samples"
    )
    assert said in markdown.render(dataclasses.replace(scan, people_across=(pooled,)))
    # A range whose ends are over four times apart is the figure: "≈6,662" may be off by more
    # than a factor of two.
    wide = dataclasses.replace(pooled, distinct=Distinct(6662, 2350, 18_105, False))
    said = (
        "between 2,350 and 18,105 (estimate; the sample cannot tell where within) distinct "
        "EMAIL_ADDRESS, each counted once across the 2 stores"
    )
    shown = markdown.render(dataclasses.replace(scan, people_across=(wide,)))
    assert said in shown and "≈6,662" not in shown
    # and the JSON says so, for a consumer that would print the estimate
    doc = json.loads(json_report.render(dataclasses.replace(scan, people_across=(wide,))))
    validate(doc)
    assert doc["people_across"][0]["shown_as_range"] is True
    doc = json.loads(json_report.render(dataclasses.replace(scan, people_across=(pooled,))))
    assert doc["people_across"][0]["shown_as_range"] is False


@pytest.mark.parametrize(
    ("people", "ranged"),
    [
        pytest.param(PeopleCount("EMAIL_ADDRESS", 3020, 387, 13_895, False, "sample", "…"), True),
        pytest.param(PeopleCount("EMAIL_ADDRESS", 3020, 2000, 4500, False, "sample", "…"), False),
        pytest.param(PeopleCount("EMAIL_ADDRESS", 3020, 387, None, False, "sample", "…"), False),
        pytest.param(PeopleCount("EMAIL_ADDRESS", 3020, 3020, 3020, True, "read", "…"), False),
    ],
)
def test_people_shown_as_their_range_say_so_in_the_json(
    scan: ScanRecord, people: PeopleCount, ranged: bool
) -> None:
    # The terminal and Markdown print a wide estimate as "between 387 and 13,895"; the JSON
    # held only value 3,020, low and high, nothing to tell a consumer which to show.
    node, closed = scan.results
    (c, *rest) = node.containers
    assert c.sample is not None
    c = dataclasses.replace(c, sample=dataclasses.replace(c.sample, people=people))
    node = dataclasses.replace(node, containers=(c, *rest), people=people)
    scan = dataclasses.replace(scan, results=(node, closed))
    doc = json.loads(json_report.render(scan))
    validate(doc)
    assert doc["results"][0]["people"]["shown_as_range"] is ranged
    assert doc["results"][0]["indices"][0]["sample"]["people"]["shown_as_range"] is ranged
    assert "people" not in doc["results"][1]  # none counted: none said
    # JSON lines too, and both read back as they were
    line = json.loads(jsonl_report.render(scan).splitlines()[0])
    assert line["result"]["people"]["shown_as_range"] is ranged
    assert ScanRecord.from_dict(doc).results[0] == node
    assert TargetResult  # the model the JSON's result is


def test_a_full_reads_note_is_in_the_json_and_the_schema_and_absent_without_one(
    full_scan: ScanRecord,
) -> None:
    # A MySQL table without a key resumed in a new transaction says so beside its method.
    note = "read in 2 transactions, not one"
    target = full_scan.results[0]
    cr = target.containers[0]
    assert cr.full is not None
    noted = dataclasses.replace(cr, full=dataclasses.replace(cr.full, note=note))
    scan = dataclasses.replace(
        full_scan, results=(dataclasses.replace(target, containers=(noted,)),)
    )
    doc = json.loads(json_report.render(scan))
    validate(doc)
    assert doc["results"][0]["indices"][0]["full"]["note"] == note
    assert ScanRecord.from_dict(doc).results[0].containers[0].full == noted.full
    assert (
        "note" not in json.loads(json_report.render(full_scan))["results"][0]["indices"][0]["full"]
    )
