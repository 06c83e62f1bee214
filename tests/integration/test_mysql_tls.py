"""A real MariaDB that takes logins over TLS alone (``require_secure_transport``) and lets root
in without a password: found open over TLS, as MySQL's own client connects by default, its
tables read; a login in clear is refused by the server itself."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from certs import self_signed
from reports import report
from sqlclient import mariadb as client

from leakhound.lab.databases import serving

EMAILS = ("ana@example.com", "bo@example.org", "cy@example.net")


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("mysqltls")
    cert, key = self_signed(folder, "leakhound-mysql-tls-test")
    with serving("mysql", folder, (f"--ssl-cert={cert}", f"--ssl-key={key}")) as got:
        port = got.target.port
        rows = ", ".join(f"({n}, '{e}')" for n, e in enumerate(EMAILS, 1))
        client(
            port,
            "CREATE DATABASE shop; CREATE TABLE shop.people (id INT PRIMARY KEY, email TEXT); "
            f"INSERT INTO shop.people VALUES {rows}; SET GLOBAL require_secure_transport = ON;",
        )
        yield port


def test_a_server_taking_logins_over_tls_alone_is_found_open_over_tls(
    port: int, tmp_path: Path
) -> None:
    # MariaDB's own client, made to stay in clear (it asks for TLS by default): refused, as
    # if root had a password (MariaDB 10.11 answers 1045, "Access denied", not MySQL's 3159):
    # a scan in clear would have called this server secured.
    argv = ["mariadb", "--no-defaults", "--skip-ssl", "-h127.0.0.1", f"-P{port}", "-uroot"]
    clear = subprocess.run(argv, input=b"SELECT 1", capture_output=True, timeout=60)
    assert clear.returncode != 0 and b"ERROR 1045" in clear.stderr, clear
    doc, _ = report(tmp_path, f"mysql://root@127.0.0.1:{port}")
    (result,) = doc["results"]
    service: dict[str, Any] = result["service"]
    assert service["verdict"] == "open", service
    assert service["fingerprint"]["tls"]["subject"] == "CN=leakhound-mysql-tls-test"
    assert service["fingerprint"]["details"]["tls_offered"] is True
    (people,) = [ir for ir in result["indices"] if ir["index"]["name"] == "shop.people"]
    assert (people["index"]["docs"], people["index"]["docs_exact"]) == (3, True)
    assert people["sample"]["docs"] == 3
    assert "EMAIL_ADDRESS" in {p["entity_type"] for p in people["sample"]["pii"]}


def test_ssl_mode_required_is_read_over_tls_in_worker_processes(port: int, tmp_path: Path) -> None:
    url = f"mysql://root@127.0.0.1:{port}/?ssl-mode=REQUIRED"
    doc, _ = report(tmp_path, url, "--depth", "full", workers=2)
    (result,) = doc["results"]
    assert result["service"]["verdict"] == "open", result["service"]
    assert result["service"]["endpoint"]["tls"] == "require"
    (people,) = [ir for ir in result["indices"] if ir["index"]["name"] == "shop.people"]
    assert people["full"]["docs"] == 3 and not people["full"].get("error"), people["full"]


def test_ssl_mode_verify_identity_to_a_certificate_not_trusted_says_so(
    port: int, tmp_path: Path
) -> None:
    doc, _ = report(tmp_path, f"mysql://root@127.0.0.1:{port}/?ssl-mode=VERIFY_IDENTITY")
    (result,) = doc["results"]
    service = result["service"]
    assert service["verdict"] == "error", service
    assert "certificate is not trusted: no CA trusted here signed it" in service["reason"]
    assert result["indices"] == []


def test_ssl_mode_disabled_logs_in_in_clear_and_says_tls_was_not_tried(
    port: int, tmp_path: Path
) -> None:
    doc, _ = report(tmp_path, f"mysql://root@127.0.0.1:{port}/?ssl-mode=DISABLED")
    service = doc["results"][0]["service"]
    # MariaDB refuses root in clear (1045, as above): a scan told to stay in clear sees that.
    assert service["verdict"] == "secured" and service["fingerprint"]["tls"] is None, service
    assert "is refused in clear (TLS not tried: the target URL disables it)" in service["reason"]
    assert service["endpoint"]["tls"] == "disable"
