"""A real MongoDB-wire server (FerretDB) listening over TLS: a connection in clear is cut, as
a MongoDB of ``net.tls.mode: requireTLS`` cuts it; the scan asks again over TLS, finds it open
and reads it, in worker processes too. The same server's port in clear seeds it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from certs import self_signed
from reports import report

from leakhound.lab.databases import serving
from leakhound.lab.state import free_ports
from leakhound.models import Endpoint, Verdict
from leakhound.net import Limits, OwnerAuth, Scope, Transport
from leakhound.probes.mongodb import MongodbProbe

EMAILS = ("ana@example.com", "bo@example.org", "cy@example.net")


class Ports(NamedTuple):
    clear: int
    tls: int


@pytest.fixture(scope="module")
def ports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ports]:
    import pymongo

    folder = tmp_path_factory.mktemp("mongotls")
    cert, key = self_signed(folder, "leakhound-mongodb-tls-test")
    (tls,) = free_ports(1)
    options = (
        f"--listen-tls=127.0.0.1:{tls}",
        f"--listen-tls-cert-file={cert}",
        f"--listen-tls-key-file={key}",
    )
    with serving("mongodb", folder, options) as got:
        clear = got.target.port
        with pymongo.MongoClient("127.0.0.1", clear, directConnection=True) as client:
            client.shop.people.insert_many(
                [{"_id": n, "email": e} for n, e in enumerate(EMAILS, 1)]
            )
        yield Ports(clear, tls)


def _people(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    (result,) = doc["results"]
    (people,) = [ir for ir in result["indices"] if ir["index"]["name"] == "shop.people"]
    return result["service"], people


def test_a_server_over_tls_is_found_open_and_read_over_tls(ports: Ports, tmp_path: Path) -> None:
    doc, _ = report(tmp_path, f"mongodb://127.0.0.1:{ports.tls}")
    service, people = _people(doc)
    assert service["verdict"] == "open", service
    assert "over TLS: the server cut a connection in clear" in service["reason"]
    assert service["fingerprint"]["tls"]["subject"] == "CN=leakhound-mongodb-tls-test"
    assert (people["index"]["docs"], people["index"]["docs_exact"]) == (3, True)
    assert "EMAIL_ADDRESS" in {p["entity_type"] for p in people["sample"]["pii"]}


def test_a_full_read_over_tls_in_worker_processes(ports: Ports, tmp_path: Path) -> None:
    doc, _ = report(tmp_path, f"mongodb://127.0.0.1:{ports.tls}", "--depth", "full", workers=2)
    _, people = _people(doc)
    assert people["full"]["docs"] == 3 and not people["full"].get("error"), people["full"]


def test_the_port_in_clear_stays_in_clear(ports: Ports, tmp_path: Path) -> None:
    doc, _ = report(tmp_path, f"mongodb://127.0.0.1:{ports.clear}")
    service, people = _people(doc)
    assert service["verdict"] == "open" and service["fingerprint"]["tls"] is None, service
    assert "TLS" not in service["reason"]
    assert people["index"]["docs"] == 3


def test_tls_true_asks_for_tls_from_the_start_and_reads_in_worker_processes(
    ports: Ports, tmp_path: Path
) -> None:
    url = f"mongodb://127.0.0.1:{ports.tls}/?tls=true"
    doc, _ = report(tmp_path, url, "--depth", "full", workers=2)
    service, people = _people(doc)
    assert service["verdict"] == "open", service
    assert "over TLS, as the target URL asks" in service["reason"]
    assert service["endpoint"]["tls"] == "require"
    assert people["full"]["docs"] == 3 and not people["full"].get("error"), people["full"]


def test_tls_false_is_never_asked_over_tls_and_says_so(ports: Ports, tmp_path: Path) -> None:
    doc, _ = report(tmp_path, f"mongodb://127.0.0.1:{ports.tls}/?tls=false")
    (result,) = doc["results"]
    service = result["service"]
    assert service["verdict"] != "open" and service["fingerprint"]["tls"] is None, service
    assert "TLS not tried: the target URL disables it" in service["reason"]
    assert service["endpoint"]["tls"] == "disable"


def test_a_retry_over_tls_to_a_certificate_not_trusted_says_so(ports: Ports) -> None:
    # The owner's login, in clear, is cut by the port of TLS alone: asked again over TLS,
    # where the owner's credentials want a certificate trusted.
    limits = Limits(connect_timeout=3, read_timeout=3, total_timeout=10)
    owner = OwnerAuth(("owner", "owner-pw"))
    transport = Transport(limits, Scope({("127.0.0.1", ports.tls)}), owner)
    endpoint = Endpoint("127.0.0.1", ports.tls)
    service = asyncio.run(MongodbProbe().verdict(transport, endpoint))
    assert service.verdict == Verdict.ERROR, service
    assert "certificate is not trusted: no CA trusted here signed it" in service.reason
    assert "give its CA with --ca-file" in service.reason
