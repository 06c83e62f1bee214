"""Kibana end to end: a fake Kibana 7, Kibana 8 and OpenSearch Dashboards 2 (recorded status
answers, each version's console proxy; ``tests/hostile/kibana.py``) in front of the lab's real
OpenSearch node, whose own port is never a target of the scan."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import jsonschema
import pytest

from hostile.kibana import FakeKibana
from leakhound import net
from leakhound.cli import main
from leakhound.probes.kibana import ALLOW

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "src/leakhound/schema/scan-result.schema.json").read_text()
)
OPEN = ("kibana-7", "kibana-8", "osd-2")
PRODUCTS = {
    "kibana-7": ("kibana", "7.17.0"),
    "kibana-8": ("kibana", "8.11.3"),
    "osd-2": ("opensearch-dashboards", "2.11.0"),
}


@pytest.fixture(scope="module")
def kibanas(lab: Any) -> Iterator[dict[str, FakeKibana]]:
    """The fake Kibanas, each forwarding to the lab's open OpenSearch node."""
    upstream = lab.status.url("open")
    fakes = {name: FakeKibana(name, upstream) for name in OPEN}
    fakes["kibana-8-secured"] = FakeKibana("kibana-8", upstream, secured=True)
    fakes["kibana-7-filtered"] = FakeKibana("kibana-7", upstream, filtered=True)
    for fake in fakes.values():
        fake.__enter__()
    try:
        yield fakes
    finally:
        for fake in fakes.values():
            fake.__exit__(None, None, None)


@pytest.fixture(scope="module")
def scanned(
    kibanas: dict[str, FakeKibana], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """One sample scan of every fake Kibana (no --kinds), with what it sent."""
    db = tmp_path_factory.mktemp("kibana") / "findings.db"
    out = db.with_name("report.json")
    sent: list[net.Request] = []
    net.add_audit_hook(sent.append)
    try:
        assert (
            main(
                [
                    "scan",
                    *(k.url for k in kibanas.values()),
                    "--db",
                    str(db),
                    "--format",
                    "json",
                    "--output",
                    str(out),
                    "--no-progress",
                ]
            )
            == 0
        )
    finally:
        net.remove_audit_hook(sent.append)
    doc = json.loads(out.read_text())
    ports = {k.port: name for name, k in kibanas.items()}
    doc["_by"] = {ports[r["service"]["endpoint"]["port"]]: r for r in doc["results"]}
    doc["_sent"] = sent
    return doc


def test_report_is_valid_against_the_schema(scanned: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(
        {k: v for k, v in scanned.items() if not k.startswith("_")}
    )


@pytest.mark.parametrize("name", OPEN)
def test_an_open_kibana_is_open_and_names_the_cluster_it_exposes(
    scanned: dict[str, Any], name: str, lab: Any
) -> None:
    service = scanned["_by"][name]["service"]
    assert (service["kind"], service["verdict"]) == ("kibana", "open"), service["reason"]
    assert service["reason"] == (
        "through the console proxy: _cat/indices, _search answer without credentials"
    )
    fp = service["fingerprint"]
    assert (fp["product"], fp["version"]) == PRODUCTS[name]
    root = httpx.get(lab.status.url("open"), trust_env=False, timeout=30).json()
    assert (fp["cluster_name"], fp["cluster_uuid"]) == (root["cluster_name"], root["cluster_uuid"])
    cluster = fp["details"]["cluster"]
    assert (cluster["product"], cluster["version"]) == ("opensearch", lab.status.opensearch_version)


@pytest.mark.parametrize("name", OPEN)
def test_the_cluster_inventory_equals_what_was_seeded(
    scanned: dict[str, Any], name: str, lab: Any
) -> None:
    found = {ir["index"]["name"]: ir for ir in scanned["_by"][name]["indices"]}
    for index, truth in lab.truth.indices.items():
        container = found[index]["index"]
        assert (container["docs"], container["docs_exact"]) == (truth.documents, True), index
        if truth.documents and truth.created_at_min:  # an aggregation sent as GET with a body
            assert container["date_min"][:10] == truth.created_at_min[:10], index
            assert container["date_max"][:10] == truth.created_at_max[:10], index
        if index.startswith("support-cases-") and truth.documents:
            kinds = {p["entity_type"]: p for p in found[index]["sample"]["pii"]}
            emails = {f["path"] for f in kinds["EMAIL_ADDRESS"]["fields"]}
            assert "customer.email" in emails and emails <= set(truth.fields("EMAIL_ADDRESS"))
            assert all(
                re.fullmatch(r"\w\*{3}@\w\*{3}\.[a-z.]+", e)
                for e in kinds["EMAIL_ADDRESS"]["examples"]
            )


def test_a_kibana_that_asks_for_credentials_is_secured(scanned: dict[str, Any]) -> None:
    result = scanned["_by"]["kibana-8-secured"]
    assert (result["service"]["kind"], result["service"]["verdict"]) == ("kibana", "secured")
    assert result["indices"] == []


def test_a_filtered_console_proxy_is_an_error_with_its_reason(scanned: dict[str, Any]) -> None:
    service = scanned["_by"]["kibana-7-filtered"]["service"]
    assert service["verdict"] == "error"
    assert "console.proxyFilter" in service["reason"]


def test_only_the_status_page_and_proxied_gets_reach_kibana(
    scanned: dict[str, Any], kibanas: dict[str, FakeKibana], lab: Any
) -> None:
    ports = {k.port for k in kibanas.values()}
    sent = scanned["_sent"]
    assert sent and {urlsplit(r.url).port for r in sent} <= ports  # the cluster: never
    for request in (r for r in sent if r.kind == "kibana"):
        parts = urlsplit(request.url)
        assert ALLOW.allows(request.method, parts.path, parts.query), request
    for name, fake in kibanas.items():
        for seen in fake.received:
            if not seen.path.startswith("/api/"):  # Elasticsearch's and CouchDB's probes,
                assert seen.method == "GET"  # tried first, and the redirects they follow
                continue
            assert ALLOW.allows(seen.method, seen.path, seen.query), (name, seen)
        assert {m for m, _ in fake.forwarded} <= {"GET"}
    # Every request the cluster got came through a proxy, as a GET.
    assert any(kibanas[n].forwarded for n in OPEN)
    assert all(
        url.startswith(lab.status.url("open")) for n in OPEN for _, url in kibanas[n].forwarded
    )


def test_a_full_read_through_the_proxy_reads_every_document(
    kibanas: dict[str, FakeKibana], lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    fake = kibanas["kibana-8"]
    try:
        assert (
            main(
                [
                    "scan",
                    fake.url,
                    "--depth",
                    "full",
                    "--slices",
                    "2",
                    "--db",
                    str(db),
                    "--format",
                    "jsonl",
                    "--workers",
                    "1",
                    "--batch",
                    "500",
                    "--no-progress",
                ]
            )
            == 0
        )
    finally:
        # The scrolls cannot be released through a GET-only proxy: they would expire after
        # their keep-alive; the test frees them now, to leave the shared node as it found it.
        httpx.request(
            "DELETE", f"{lab.status.url('open')}/_search/scroll/_all", trust_env=False, timeout=30
        )
    capsys.readouterr()
    assert main(["report", "last", "--db", str(db), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)["results"][0]
    assert result["service"]["kind"] == "kibana"
    fulls = {ir["index"]["name"]: ir["full"] for ir in result["indices"]}
    for index, truth in lab.truth.indices.items():
        full = fulls[index]
        assert full["complete"] and full["docs"] == truth.documents, (index, full)
        assert full["method"] == "scroll"
    assert result["full"]["docs"] == lab.truth.documents
    assert result["full"]["people"]["distinct"]["estimate"] == lab.truth.distinct_emails
    scrolls = [dict(parse_qsl(urlsplit(u).query)) for _, u in fake.forwarded if "scroll" in u]
    assert scrolls and all(s.get("scroll") == "2m" for s in scrolls if "scroll" in s)
