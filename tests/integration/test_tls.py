"""A real nginx serving TLS in front of the lab node: https found without a scheme, cert read."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from leakhound.cli import main
from leakhound.lab.nginx import find_nginx

CONF = """daemon off;
master_process off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
{user}
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp;
    proxy_temp_path {dir}/tmp;
    fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp;
    scgi_temp_path {dir}/tmp;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        location / {{ proxy_pass {node}; }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _self_signed(folder: Path, expired: bool) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "es.lab.invalid"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "leakhound lab"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    not_after = now - dt.timedelta(days=1) if expired else now + dt.timedelta(days=30)
    # Valid for 127.0.0.1 (a SAN): with --ca-file naming it, a verifying client accepts it.
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=60))
        .not_valid_after(not_after)
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@contextlib.contextmanager
def _tls_proxy(folder: Path, upstream: str, expired: bool) -> Iterator[str]:
    """host:port of nginx terminating TLS (a self-signed certificate) in front of upstream."""
    import os

    (folder / "tmp").mkdir(parents=True)
    _self_signed(folder, expired=expired)
    port = _free_port()
    conf = folder / "nginx.conf"
    conf.write_text(
        CONF.format(
            dir=folder, port=port, node=upstream, user="user root;" if os.geteuid() == 0 else ""
        )
    )
    proc = subprocess.Popen(
        [find_nginx(), "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")]
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, (folder / "error.log").read_text()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.1)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(params=[False, True], ids=["valid-cert", "expired-cert"])
def tls_target(
    request: pytest.FixtureRequest, lab: Any, tmp_path: Path
) -> Iterator[tuple[str, bool]]:
    """(host:port, cert expired?) of nginx terminating TLS in front of the lab's open node."""
    with _tls_proxy(tmp_path, lab[0].url("open"), expired=request.param) as target:
        yield target, request.param


@pytest.fixture
def tls_secured(lab: Any, tmp_path: Path) -> Iterator[str]:
    """host:port of nginx terminating TLS in front of the lab's secured (basic auth) target."""
    with _tls_proxy(tmp_path / "proxy", lab[0].url("secured"), expired=False) as target:
        yield target


def test_https_is_found_and_certificate_recorded(
    tls_target: tuple[str, bool], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target, expired = tls_target
    rc = main(
        ["scan", target, "--sample", "0", "--db", str(tmp_path / "f.db"), "--format", "jsonl"]
    )
    assert rc == 0
    result = json.loads(capsys.readouterr().out.splitlines()[0])["result"]
    svc = result["service"]
    assert svc["verdict"] == "open"
    assert svc["url"] == f"https://{target}"
    tls = svc["fingerprint"]["tls"]
    assert "CN=es.lab.invalid" in tls["subject"]
    assert tls["not_after"]
    assert tls["expired"] is expired
    assert (dt.datetime.fromisoformat(tls["not_after"]) < dt.datetime.now(dt.UTC)) is expired
    assert result["indices"], "the inventory went through TLS too"


def _scan_with_credentials(
    target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], lab: Any, *extra: str
) -> dict[str, Any]:
    user, password = lab[0].auth
    rc = main(
        [
            "scan",
            target,
            "--sample",
            "0",
            "--db",
            str(tmp_path / "f.db"),
            "--format",
            "jsonl",
            "--auth",
            f"{user}:{password}",
            *extra,
        ]
    )
    assert rc == 0
    return json.loads(capsys.readouterr().out.splitlines()[0])["result"]


def test_credentials_are_not_sent_to_a_server_whose_certificate_is_not_trusted(
    tls_secured: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], lab: Any
) -> None:
    result = _scan_with_credentials(tls_secured, tmp_path, capsys, lab)
    svc = result["service"]
    assert svc["verdict"] == "secured"  # found without credentials, as always
    assert "with the credentials given" in svc["reason"]
    assert "certificate" in svc["reason"].lower()
    assert not result["indices"]  # nothing read: the handshake failed before any request


def test_credentials_go_to_a_certificate_the_owner_trusts(
    tls_secured: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], lab: Any
) -> None:
    cert = tmp_path / "proxy" / "cert.pem"
    result = _scan_with_credentials(tls_secured, tmp_path, capsys, lab, "--ca-file", str(cert))
    assert result["service"]["verdict"] == "secured"
    assert result["indices"], "the owner's credentials read the inventory over verified TLS"


def test_insecure_auth_sends_credentials_without_verifying(
    tls_secured: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], lab: Any
) -> None:
    result = _scan_with_credentials(tls_secured, tmp_path, capsys, lab, "--insecure-auth")
    assert result["indices"]
