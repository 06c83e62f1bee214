"""A read on a Dask cluster refuses what stays on this machine, before anything is sent: the
owner's credentials (they would travel to the cluster's workers) and a --ca-file (a file the
workers do not have: their verify-* TLS would trust another CA, or none)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from leakhound import scanner
from leakhound.errors import UsageError
from leakhound.scanner.options import FullOptions, ScanOptions
from leakhound.store import SqliteStore


@pytest.mark.parametrize(
    ("credentials", "ca_file", "said"),
    [
        pytest.param(("owner", "pw"), None, "--dask does not take --auth", id="credentials"),
        pytest.param(None, "/etc/hostname", "--dask does not take --ca-file", id="ca-file"),
    ],
)
def test_a_dask_read_refuses_what_stays_on_this_machine(
    tmp_path: Path, credentials: tuple[str, str] | None, ca_file: str | None, said: str
) -> None:
    options = ScanOptions(full=FullOptions(dask="tcp://127.0.0.1:1"), ca_file=ca_file)
    with SqliteStore(tmp_path / "f.db") as store, pytest.raises(UsageError, match=said):
        asyncio.run(scanner.scan(["127.0.0.1:9200"], options, store=store, credentials=credentials))
