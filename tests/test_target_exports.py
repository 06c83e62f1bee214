"""Search-engine exports as targets: each engine's documented shape, kinds, refusals, scope."""

from __future__ import annotations

import gzip
import ipaddress
import json
from pathlib import Path

import pytest

from leakhound.errors import ScopeError, TargetError
from leakhound.target_exports import KINDS, load_export, parse_export, store_kind
from leakhound.targets import check_scope, endpoints, parse_targets

DATA = Path(__file__).parent / "data" / "exports"
PORTS = (9200, 9243)

# file -> engine, the (host, port, scheme, kind) of every record read, the records refused.
EXPECTED = {
    "shodan-download.json": (
        "shodan",
        [
            ("192.0.2.25", 9200, "http", "elasticsearch"),
            ("192.0.2.26", 27017, None, "mongodb"),
            ("2001:db8::7", 6379, None, "redis"),
            ("192.0.2.27", 5601, "https", "kibana"),
        ],
        2,
    ),
    "shodan-search.json": (
        "shodan",
        [
            ("198.51.100.5", 5984, None, "couchdb"),
            ("198.51.100.6", 5432, None, "postgresql"),
            ("198.51.100.7", 80, "http", "s3"),
        ],
        0,
    ),
    "censys-search.json": (
        "censys",
        [
            ("203.0.113.10", 9200, None, "elasticsearch"),
            ("203.0.113.10", 443, "https", None),
            ("203.0.113.11", 3306, None, "mysql"),
            ("203.0.113.300", 6379, None, "redis"),  # refused as a target by targets.py
        ],
        1,
    ),
    "censys-platform.json": (
        "censys",
        [
            ("203.0.113.20", 27017, None, "mongodb"),
            ("203.0.113.20", 9443, "https", "elasticsearch"),
            ("files.example.com", 443, "https", "s3"),
        ],
        0,
    ),
    "leakix-search.json": (
        "leakix",
        [
            ("198.51.100.40", 9200, "http", "elasticsearch"),
            ("198.51.100.41", 6379, None, "redis"),
            ("198.51.100.42", 443, "https", None),
        ],
        1,
    ),
    "binaryedge.jsonl": (
        "binaryedge",
        [
            ("203.0.113.50", 9200, None, "elasticsearch"),
            ("203.0.113.51", 27017, None, "mongodb"),
            ("203.0.113.52", 8443, "https", "kibana"),
        ],
        2,
    ),
    "zoomeye-v1.json": (
        "zoomeye",
        [
            ("192.0.2.70", 9200, "http", "elasticsearch"),
            ("192.0.2.71", 3306, None, "mysql"),
        ],
        0,
    ),
    "zoomeye-v2.json": (
        "zoomeye",
        [
            ("192.0.2.80", 6379, None, "redis"),
            ("192.0.2.81", 443, "https", "azure-blob"),
        ],
        0,
    ),
    "fofa.json": (
        "fofa",
        [
            ("192.0.2.90", 9200, None, "elasticsearch"),
            ("192.0.2.91", 9243, "https", None),
            ("198.51.100.92", 5984, None, "couchdb"),
        ],
        0,
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_engine_export_gives_its_records_and_kinds(name: str) -> None:
    engine, records, refused = EXPECTED[name]
    export = load_export(str(DATA / name), name)
    assert export is not None
    assert export.engine == engine
    got = [(r.host, r.port, r.scheme, r.kind) for r in export.records]
    assert got == records
    assert export.skipped == refused
    assert len(export.reasons) == refused
    for reason in export.reasons:
        assert "\n" not in reason and reason.startswith(name)
    assert all(r.kind is None or r.kind in KINDS for r in export.records)


def test_refusal_reasons_say_why() -> None:
    export = load_export(str(DATA / "shodan-download.json"), "x")
    assert export is not None
    assert any("udp" in r for r in export.reasons)
    assert any("nine-thousand" in r for r in export.reasons)
    censys = load_export(str(DATA / "censys-search.json"), "x")
    assert censys is not None and "UDP service" in censys.reasons[0]


def test_a_record_whose_host_is_no_address_is_left_out() -> None:
    specs = parse_targets([f"@{DATA / 'censys-search.json'}"], PORTS)
    assert [s.text for s in specs] == [
        "censys:203.0.113.10:9200",
        "censys:203.0.113.10:443",
        "censys:203.0.113.11:3306",
    ]


def test_an_export_whose_records_are_all_refused_as_targets_is_one_error(tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    service = {"port": 9200, "service_name": "ELASTICSEARCH", "transport_protocol": "TCP"}
    f.write_text(json.dumps([{"ip": "999.1.1.1", "services": [service]}]))
    with pytest.raises(TargetError, match=r"no usable record in this censys export.*999\.1"):
        parse_targets([f"@{f}"], PORTS)


def test_shodan_download_is_read_gzipped(tmp_path: Path) -> None:
    f = tmp_path / "elastic.json.gz"
    f.write_bytes(gzip.compress((DATA / "shodan-download.json").read_bytes()))
    specs = parse_targets([f"@{f}"], PORTS)
    assert [(s.endpoints[0].netloc, s.targets[0].kinds) for s in specs] == [
        ("192.0.2.25:9200", ("elasticsearch",)),
        ("192.0.2.26:27017", ("mongodb",)),
        ("[2001:db8::7]:6379", ("redis",)),
        ("192.0.2.27:5601", ("kibana",)),
    ]


def test_at_file_carries_the_kind_beside_the_endpoint() -> None:
    specs = parse_targets([f"@{DATA / 'zoomeye-v2.json'}"], PORTS)
    assert [(s.text, s.endpoints[0].url(), s.targets[0].kinds) for s in specs] == [
        ("zoomeye:192.0.2.80:6379", "192.0.2.80:6379", ("redis",)),
        ("zoomeye:192.0.2.81:443", "https://192.0.2.81:443", ("azure-blob",)),
    ]


def test_the_named_kind_goes_first_then_the_port_s_kinds_asked_for() -> None:
    from leakhound.targets import Kinds

    asked = Kinds(((9200, "elasticsearch"), (6379, "redis"), (9200, "toy")))
    specs = parse_targets([f"@{DATA / 'shodan-download.json'}"], asked)
    assert [(s.endpoints[0].port, s.targets[0].kinds) for s in specs] == [
        (9200, ("elasticsearch", "toy")),  # named by Shodan, then 9200's other kind
        (27017, ()),  # mongodb was not asked for: the scan decides
        (6379, ("redis",)),
        (5601, ()),
    ]


def test_records_outside_the_scope_are_refused() -> None:
    eps = endpoints(parse_targets([f"@{DATA / 'leakix-search.json'}"], PORTS))
    inside = [ipaddress.ip_network("198.51.100.0/24")]
    check_scope(eps, inside)
    with pytest.raises(ScopeError, match=r"198\.51\.100\.4"):
        check_scope(eps, [ipaddress.ip_network("198.51.100.40/32")])


def test_a_repeated_service_is_one_target_with_the_kind_someone_named(tmp_path: Path) -> None:
    lines = [
        {"ip_str": "192.0.2.1", "port": 9200, "transport": "tcp", "_shodan": {"module": "http"}},
        {"ip_str": "192.0.2.1", "port": 9200, "transport": "tcp", "_shodan": {"module": "elastic"}},
    ]
    export = parse_export("\n".join(json.dumps(x) for x in lines), "t")
    assert export is not None
    assert [(r.host, r.port, r.kind) for r in export.records] == [
        ("192.0.2.1", 9200, "elasticsearch")
    ]


def test_an_export_with_no_usable_record_is_one_error(tmp_path: Path) -> None:
    f = tmp_path / "udp.json"
    f.write_text(json.dumps({"ip_str": "192.0.2.1", "port": 53, "transport": "udp"}) + "\n")
    with pytest.raises(TargetError, match=r"no usable record in this shodan export.*udp"):
        parse_targets([f"@{f}"], PORTS)


def test_malformed_lines_are_counted_and_the_rest_read() -> None:
    text = (
        '{"ip_str": "192.0.2.1", "port": 9200, "transport": "tcp"}\n{oops\n'
        '{"ip_str": "192.0.2.2", "port": 9200, "transport": "tcp"}\n'
    )
    export = parse_export(text, "t")
    assert export is not None
    assert [r.host for r in export.records] == ["192.0.2.1", "192.0.2.2"]
    assert export.skipped == 1 and "line 2" in export.reasons[0]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('[{"ip": "127.0.0.1", "ports": [{"port": 9200}]}]', id="masscan"),
        pytest.param("127.0.0.1\n10.0.0.1:9200\n", id="plain-list"),
        pytest.param('{"hello": "world"}', id="unknown-json"),
        pytest.param("<nmaprun></nmaprun>", id="nmap"),
    ],
)
def test_other_files_are_not_taken_for_exports(text: str) -> None:
    assert parse_export(text, "t") is None


def test_masscan_and_target_lists_still_parse(tmp_path: Path) -> None:
    f = tmp_path / "masscan.json"
    f.write_text('[{"ip": "127.0.0.9", "ports": [{"port": 9201, "status": "open"}]}]')
    (spec,) = parse_targets([f"@{f}"], PORTS)
    assert spec.endpoints[0].netloc == "127.0.0.9:9201" and spec.targets[0].kinds == ()


@pytest.mark.parametrize(
    ("names", "kind"),
    [
        pytest.param(("elastic",), "elasticsearch", id="shodan-module"),
        pytest.param(("ElasticSearchOpenPlugin",), "elasticsearch", id="leakix-plugin"),
        pytest.param(("ELASTICSEARCH",), "elasticsearch", id="censys-name"),
        pytest.param(("OpenSearch",), "elasticsearch", id="opensearch"),
        pytest.param(("CouchDbOpenPlugin",), "couchdb", id="leakix-couch"),
        pytest.param(("MongoOpenPlugin",), "mongodb", id="leakix-mongo"),
        pytest.param(("Redis key-value store",), "redis", id="product-words"),
        pytest.param(("MariaDB",), "mysql", id="mariadb"),
        pytest.param(("postgres",), "postgresql", id="postgres"),
        pytest.param(("AmazonS3",), "s3", id="s3-server"),
        pytest.param(("Windows-Azure-Blob/1.0",), "azure-blob", id="azure-server"),
        pytest.param(("http", "Kibana"), "kibana", id="generic-then-product"),
        pytest.param(("http",), None, id="http-only"),
        pytest.param(("nginx",), None, id="web-server"),
        pytest.param(("Microsoft Azure Front Door",), None, id="azure-not-blob"),
        pytest.param(("elasticity-calculator",), None, id="word-prefix"),
        pytest.param((None, ""), None, id="nothing"),
    ],
)
def test_engine_names_map_to_store_kinds(names: tuple[str | None, ...], kind: str | None) -> None:
    assert store_kind(*names) == kind
