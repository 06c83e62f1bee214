"""Azurite's Blob service for the lab's Azure Blob targets: three containers, three roles.

Containers of the well-known development account ``devstoreaccount1``: ``public-cases`` with
public access ``container`` (anyone lists and reads: open), ``readable-cases`` with ``blob``
(anyone reads a blob by name, nobody lists: partial) and ``private-cases`` with none (secured).
Seeding uses azure-storage-blob with the account key; nothing in leakhound itself uses it.

``serving`` runs one more Azurite, apart from the lab, with storage accounts of its own
(``AZURITE_ACCOUNTS``): several accounts at one host:port, told apart by the path, as an
emulator or Azure Stack serves them.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from . import npm, process
from .errors import LabError
from .exports import ExportObject
from .state import cache_dir, free_ports, log_tail

PACKAGE = "azurite"  # npm/azurite/package.json pins azurite 3.37.0
ACCOUNT = "devstoreaccount1"
# Azurite's published development key (the same in every Azurite): not a secret.
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
# container -> (role, public access level as Azure names it; None: private)
CONTAINERS: dict[str, tuple[str, str | None]] = {
    "public-cases": ("open", "container"),
    "readable-cases": ("partial", "blob"),
    "private-cases": ("secured", None),
}


def install(cache: Path) -> Path:
    """The cached npm install of Azurite (``npm ci`` on the first call)."""
    return npm.install(PACKAGE, cache)


def start(
    home: Path, data: Path, port: int, log: Path, accounts: Mapping[str, str] | None = None
) -> int:
    """Start Azurite's Blob service on 127.0.0.1:port, data under data; return its pid.
    ``accounts``: name -> key (base64) of the storage accounts it serves, else the
    development account alone."""
    node = npm.find_node()
    data.mkdir(parents=True, exist_ok=True)
    main = home / "node_modules" / "azurite" / "dist" / "src" / "blob" / "main.js"
    if not main.is_file():
        raise LabError(f"Azurite is not installed in {home} (no {main.name}): delete that folder")
    argv = [
        node, str(main), "--blobHost", "127.0.0.1", "--blobPort", str(port),
        "--location", str(data),
        "--disableTelemetry",  # Azurite 3.35+ sends usage data unless told not to
        "--skipApiVersionCheck",  # newer SDKs send API versions this Azurite does not know yet
        "--loose",  # ignore unsupported headers instead of failing the request
    ]  # fmt: skip
    env = None
    if accounts:
        env = {**os.environ, "AZURITE_ACCOUNTS": ";".join(f"{a}:{k}" for a, k in accounts.items())}
    return process.spawn(argv, log, cwd=data, env=env)


def wait_ready(
    port: int, pid: int, started: int | None, log: Path, timeout: float, account: str = ACCOUNT
) -> str:
    """Wait until Azurite answers HTTP; return its Server header (Azurite-Blob/3.37.0)."""
    url = f"http://127.0.0.1:{port}/{account}?comp=list"
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=5.0, trust_env=False) as http:
        while time.monotonic() < deadline:
            if not process.alive(pid, started):
                raise LabError(f"Azurite exited during startup; log {log}: {log_tail(log)}")
            try:
                # Anonymous: 403 AuthorizationFailure. Any answer means it listens.
                return http.get(url).headers.get("server", "")
            except httpx.HTTPError:
                time.sleep(0.2)
    raise LabError(f"Azurite did not answer on {url} within {timeout:.0f} s; log {log}")


def endpoint(port: int, account: str = ACCOUNT) -> str:
    """The account's Blob endpoint (path style, as emulators use it)."""
    return f"http://127.0.0.1:{port}/{account}"


def service(port: int, account: str = ACCOUNT, key: str = ACCOUNT_KEY) -> Any:
    """A BlobServiceClient signed with the account's key."""
    # The lab extra; only seeding needs it.
    from azure.storage.blob import BlobServiceClient, ExponentialRetry

    conn = (f"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={key};"
            f"BlobEndpoint={endpoint(port, account)};")  # fmt: skip
    # Loopback: fail within seconds, not after the default backoff of 15 s, 18 s, 42 s.
    retry = ExponentialRetry(initial_backoff=1, increment_base=2, retry_total=2)
    return BlobServiceClient.from_connection_string(conn, retry_policy=retry)


def seed(port: int, objects: Sequence[ExportObject]) -> None:
    """Write objects into each lab container and set its role's public access."""
    from azure.core.exceptions import ResourceExistsError
    from azure.storage.blob import ContentSettings

    blobs = service(port)
    for name, (_role, access) in CONTAINERS.items():
        container = blobs.get_container_client(name)
        try:
            container.create_container(public_access=access)
        except ResourceExistsError:
            # A re-seed: drop what is there and set the access level again.
            for blob in list(container.list_blobs()):
                container.delete_blob(blob.name)
            container.set_container_access_policy(signed_identifiers={}, public_access=access)
        for obj in objects:
            container.upload_blob(
                obj.key,
                obj.body,
                overwrite=True,
                content_settings=ContentSettings(content_type=obj.content_type),
            )


def count_blobs(port: int, container: str) -> dict[str, int]:
    """Name -> size of every blob of container, read back with the account key."""
    client = service(port).get_container_client(container)
    return {blob.name: blob.size for blob in client.list_blobs()}


@contextlib.contextmanager
def serving(folder: Path, accounts: Mapping[str, str], timeout: float = 60.0) -> Iterator[int]:
    """An Azurite of its own serving ``accounts`` (name -> key) on a free loopback port, its
    data and log in ``folder``: yield the port, stop it on the way out."""
    home = install(cache_dir())
    (port,) = free_ports(1)
    log = folder / "azurite.log"
    pid = start(home, folder / "data", port, log, accounts)
    started = process.start_time(pid)
    try:
        wait_ready(port, pid, started, log, timeout, next(iter(accounts)))
        yield port
    finally:
        process.stop(pid, started, timeout=10.0)
