"""A real PostgreSQL that takes connections over TLS alone (pg_hba.conf of ``hostssl`` lines,
as a cluster that must not be read in clear is set up): refused in clear, it is asked again
over TLS, found open where it trusts, read whole; the owner's password goes only to a
certificate trusted (``--ca-file``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from certs import self_signed
from reports import report

from leakhound.lab import postgresql as lab_postgresql
from leakhound.lab.databases import serving
from leakhound.lab.servers import account, give

OWNER, PASSWORD = "owner", "owner-pw-7"
EMAILS = ("ana@example.com", "bo@example.org", "cy@example.net")


class TlsCluster(NamedTuple):
    port: int
    ca_file: Path  # the server's own certificate, self-signed
    log: Path  # the server's log: a connection refused in clear is a line of it

    def refusals(self) -> int:
        """Connections the server has refused in clear so far."""
        return self.log.read_text(errors="replace").count("no encryption")


def _refused_in_clear(port: int) -> bool:
    """Whether a startup in clear now gets pg_hba.conf's refusal (E), not a welcome (R)."""
    answer = lab_postgresql.exchange(port, lab_postgresql.startup_message())
    return answer[:1] == b"E"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsCluster]:
    import psycopg

    folder = tmp_path_factory.mktemp("pgtls")
    with serving("postgresql", folder) as got:
        port = got.target.port
        data = folder / "postgresql" / "data"
        self_signed(data, "leakhound-tls-test", loopback=True)
        give(data, account("postgres", "postgresql"))
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f"CREATE ROLE {OWNER} LOGIN SUPERUSER PASSWORD '{PASSWORD}'")
            conn.execute("CREATE TABLE people (id int PRIMARY KEY, email text)")
            for n, email in enumerate(EMAILS, 1):
                conn.execute("INSERT INTO people VALUES (%s, %s)", (n, email))
            conn.execute("ALTER SYSTEM SET ssl = on")
            conn.execute("ALTER SYSTEM SET ssl_cert_file = 'server.crt'")
            conn.execute("ALTER SYSTEM SET ssl_key_file = 'server.key'")
            # Over TLS alone: the owner with a password, anyone else trusted.
            (data / "pg_hba.conf").write_text(
                f"hostssl all {OWNER} 127.0.0.1/32 scram-sha-256\n"
                "hostssl all all 127.0.0.1/32 trust\n"
            )
            conn.execute("SELECT pg_reload_conf()")
        deadline = time.monotonic() + 30
        while not _refused_in_clear(port):
            assert time.monotonic() < deadline, "the cluster still takes connections in clear"
            time.sleep(0.2)
        yield TlsCluster(port, data / "server.crt", folder / "postgresql" / "server.log")


def _result(doc: dict[str, Any]) -> dict[str, Any]:
    (result,) = doc["results"]
    return result


def test_a_cluster_taking_tls_alone_is_found_open_and_read_over_tls(
    cluster: TlsCluster, tmp_path: Path
) -> None:
    before = cluster.refusals()
    doc, _ = report(tmp_path, f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres")
    result = _result(doc)
    service = result["service"]
    assert service["verdict"] == "open", service
    assert "without a password (trust) over TLS (refused in clear)" in service["reason"]
    assert "leakhound-tls-test" in service["fingerprint"]["tls"]["subject"]
    (people,) = [ir for ir in result["indices"] if ir["index"]["name"].endswith("people")]
    assert (people["index"]["docs"], people["index"]["docs_exact"]) == (3, True)
    assert people["sample"]["docs"] == 3
    assert "EMAIL_ADDRESS" in {p["entity_type"] for p in people["sample"]["pii"]}, people
    # Once a connection in clear was refused, each next one asked for TLS first: one
    # refusal in the whole scan, of its many connections.
    assert cluster.refusals() - before == 1


def test_the_owner_s_password_goes_only_to_a_certificate_trusted(
    cluster: TlsCluster, tmp_path: Path
) -> None:
    url = f"postgresql://{OWNER}@127.0.0.1:{cluster.port}/postgres"
    auth = ["--auth", f"{OWNER}:{PASSWORD}"]
    untrusted, _ = report(tmp_path / "untrusted", url, *auth, "--sample", "0")
    service = _result(untrusted)["service"]
    assert service["verdict"] == "secured" and not _result(untrusted)["authenticated"], service
    assert "certificate is not trusted" in service["reason"]
    assert "--ca-file" in service["reason"]
    trusted, _ = report(
        tmp_path / "trusted", url, *auth, "--ca-file", str(cluster.ca_file), "--sample", "0"
    )
    result = _result(trusted)
    # The verdict is without credentials (secured); the owner's read them, over TLS.
    assert result["service"]["verdict"] == "secured", result["service"]
    assert result["authenticated"] is True
    assert [(ir["index"]["name"], ir["index"]["docs"]) for ir in result["indices"]] == [
        ("postgres.public.people", 3)
    ]
    assert "leakhound-tls-test" in result["service"]["fingerprint"]["tls"]["subject"]
    assert "with the credentials given" not in result["service"]["reason"]


def test_a_full_read_in_worker_processes_asks_for_tls_first_too(
    cluster: TlsCluster, tmp_path: Path
) -> None:
    # The plan says the server refused a connection in clear: each worker's partition
    # reader asks for TLS first, so the scan's one refusal is its verdict's.
    before = cluster.refusals()
    url = f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres"
    doc, _ = report(tmp_path, url, "--depth", "full", workers=2)
    (people,) = [ir for ir in _result(doc)["indices"] if ir["index"]["name"].endswith("people")]
    assert people["full"]["docs"] == 3, people["full"]
    assert cluster.refusals() - before == 1


def test_sslmode_require_asks_for_tls_first_and_is_never_refused_in_clear(
    cluster: TlsCluster, tmp_path: Path
) -> None:
    before = cluster.refusals()
    url = f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres?sslmode=require"
    doc, _ = report(tmp_path, url, "--depth", "full", workers=2)
    result = _result(doc)
    service = result["service"]
    assert service["verdict"] == "open", service
    assert "without a password (trust) over TLS, as the target URL asks" in service["reason"]
    assert service["endpoint"]["tls"] == "require"
    (people,) = [ir for ir in result["indices"] if ir["index"]["name"].endswith("people")]
    assert people["full"]["docs"] == 3 and not people["full"].get("error"), people["full"]
    assert cluster.refusals() == before  # no connection of the scan was in clear


def test_sslmode_verify_full_to_a_certificate_not_trusted_says_so(
    cluster: TlsCluster, tmp_path: Path
) -> None:
    url = f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres?sslmode=verify-full"
    doc, _ = report(tmp_path, url)
    service = _result(doc)["service"]
    assert service["verdict"] == "error", service
    assert "certificate is not trusted: no CA trusted here signed it" in service["reason"]
    assert "give its CA with --ca-file" in service["reason"]


def test_sslmode_verify_full_trusts_the_ca_file_given_alone_in_every_process(
    cluster: TlsCluster, tmp_path: Path
) -> None:
    # --ca-file without --auth: what the URL's verify-full trusts, in the worker processes'
    # partition readers too; the verdict is reached over the verified connection.
    before = cluster.refusals()
    url = f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres?sslmode=verify-full"
    ca = ["--ca-file", str(cluster.ca_file)]
    doc, _ = report(tmp_path, url, *ca, "--depth", "full", workers=2)
    result = _result(doc)
    service = result["service"]
    assert service["verdict"] == "open", service
    assert "over TLS, as the target URL asks" in service["reason"]
    assert not result.get("authenticated")
    (people,) = [ir for ir in result["indices"] if ir["index"]["name"].endswith("people")]
    assert people["full"]["docs"] == 3 and not people["full"].get("error"), people["full"]
    assert cluster.refusals() == before


def test_sslmode_disable_is_refused_in_clear_and_says_tls_was_not_tried(
    cluster: TlsCluster, tmp_path: Path
) -> None:
    # Open over TLS (trust): refused in clear, it is no "secured" store.
    url = f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres?sslmode=disable"
    doc, _ = report(tmp_path, url)
    service = _result(doc)["service"]
    assert service["verdict"] == "error", service
    assert "the server refuses this connection in clear" in service["reason"]
    assert "(TLS not tried: the target URL disables it)" in service["reason"]
    assert service["fingerprint"]["tls"] is None
