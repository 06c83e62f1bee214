"""A real Redis listening over TLS (``tls-port``): a connection in clear is cut; the scan asks
again over TLS, finds it open and reads it, in worker processes too. The same server's port in
clear seeds it."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from certs import self_signed
from reports import report

from leakhound.lab.databases import serving
from leakhound.lab.state import free_ports
from leakhound.models import Endpoint, Service, Verdict
from leakhound.net import Limits, OwnerAuth, Scope, Transport
from leakhound.probes.redis import RedisProbe

EMAILS = ("ana@example.com", "bo@example.org", "cy@example.net")


class Ports(NamedTuple):
    clear: int
    tls: int


@pytest.fixture(scope="module")
def ports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ports]:
    folder = tmp_path_factory.mktemp("redistls")
    cert, key = self_signed(folder, "leakhound-redis-tls-test")
    (tls,) = free_ports(1)
    options = ("--tls-port", str(tls), "--tls-cert-file", str(cert), "--tls-key-file", str(key),
               "--tls-auth-clients", "no")  # fmt: skip
    with serving("redis", folder, options) as got:
        clear = got.target.port
        for n, email in enumerate(EMAILS, 1):
            subprocess.run(
                ["redis-cli", "-h", "127.0.0.1", "-p", str(clear), "SET", f"customer:{n}", email],
                check=True,
                capture_output=True,
            )
        yield Ports(clear, tls)


def _customers(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    (result,) = doc["results"]
    (keys,) = [ir for ir in result["indices"] if "customer" in ir["index"]["name"]]
    return result["service"], keys


def test_a_redis_over_tls_is_found_open_and_read_over_tls(ports: Ports, tmp_path: Path) -> None:
    doc, _ = report(tmp_path, f"redis://127.0.0.1:{ports.tls}")
    service, keys = _customers(doc)
    assert service["verdict"] == "open", service
    assert "over TLS: the server cut a connection in clear" in service["reason"]
    assert service["fingerprint"]["tls"]["subject"] == "CN=leakhound-redis-tls-test"
    assert keys["index"]["docs"] == 3
    assert "EMAIL_ADDRESS" in {p["entity_type"] for p in keys["sample"]["pii"]}


def test_a_full_read_over_tls_in_worker_processes(ports: Ports, tmp_path: Path) -> None:
    doc, _ = report(tmp_path, f"redis://127.0.0.1:{ports.tls}", "--depth", "full", workers=2)
    _, keys = _customers(doc)
    assert keys["full"]["docs"] == 3 and not keys["full"].get("error"), keys["full"]


def test_rediss_asks_for_tls_from_the_start_and_reads_in_worker_processes(
    ports: Ports, tmp_path: Path
) -> None:
    doc, _ = report(tmp_path, f"rediss://127.0.0.1:{ports.tls}", "--depth", "full", workers=2)
    service, keys = _customers(doc)
    assert service["verdict"] == "open", service
    assert "over TLS, as the target URL asks" in service["reason"]
    assert service["url"] == f"redis://127.0.0.1:{ports.tls}"
    assert service["endpoint"]["tls"] == "require"
    assert keys["full"]["docs"] == 3 and not keys["full"].get("error"), keys["full"]


def test_rediss_to_a_port_in_clear_is_not_read_in_clear(ports: Ports, tmp_path: Path) -> None:
    doc, _ = report(tmp_path, f"rediss://127.0.0.1:{ports.clear}")
    (result,) = doc["results"]
    # A TLS hello Redis reads as the start of a command: no handshake, and no retry in clear.
    assert result["service"]["verdict"] in ("error", "timeout"), result["service"]
    assert "TLS" in result["service"]["reason"] or "timed out" in result["service"]["reason"]
    assert result["indices"] == []


def _owner_s_verdict(port: int, ca_file: str | None) -> Service:
    # The owner's AUTH, in clear, is cut by the port of TLS alone: asked again over TLS,
    # where the owner's credentials want a certificate trusted.
    limits = Limits(connect_timeout=3, read_timeout=3, total_timeout=10)
    owner = OwnerAuth(("", "owner-pw"), ca_file=ca_file)
    transport = Transport(limits, Scope({("127.0.0.1", port)}), owner)
    return asyncio.run(RedisProbe().verdict(transport, Endpoint("127.0.0.1", port)))


def test_a_retry_over_tls_to_a_certificate_not_trusted_says_so(ports: Ports) -> None:
    service = _owner_s_verdict(ports.tls, None)
    assert service.verdict == Verdict.ERROR, service
    assert "certificate is not trusted: no CA trusted here signed it" in service.reason
    assert "give its CA with --ca-file" in service.reason and "reset" not in service.reason


def test_a_retry_over_tls_to_a_certificate_for_another_name_says_so(
    ports: Ports, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Its CA given (the certificate itself), it names no 127.0.0.1: another host's.
    cert = next(tmp_path_factory.getbasetemp().glob("redistls*/server.crt"))
    service = _owner_s_verdict(ports.tls, str(cert))
    assert service.verdict == Verdict.ERROR, service
    assert "certificate is for another host name" in service.reason
