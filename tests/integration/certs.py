"""A self-signed certificate for a test's own server over TLS, made by the openssl program (as
an owner would make one for a server)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def self_signed(folder: Path, name: str, *, loopback: bool = False) -> tuple[Path, Path]:
    """(certificate, key) in ``folder``: ``CN=name``, for 127.0.0.1 too where ``loopback``
    (a client that checks the host name), valid two days."""
    cert, key = folder / "server.crt", folder / "server.key"
    san = ["-addext", "subjectAltName=IP:127.0.0.1"] if loopback else []
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={name}", *san, "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    key.chmod(0o600)
    return cert, key
