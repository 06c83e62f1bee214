"""A real Redis listening over TLS (``tls-port``): a connection in clear is cut; the scan asks
again over TLS, finds it open and reads it, in worker processes too. The same server's port in
clear seeds it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from certs import self_signed
from reports import report

from leakhound.lab.databases import serving
from leakhound.lab.state import free_ports

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
