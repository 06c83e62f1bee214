"""Two storage accounts of one Azurite, on one host:port: each is a store of its own.

Azure Stack and the emulator serve every account at one host:port, the account first in the
path (``azblob://HOST:PORT/ACCOUNT/CONTAINER``). Two accounts there are two stores: each gets
its verdict, inventory, findings, full-read figures, history and place in a resumed scan,
however alike their containers are named. The Azurite is started for this module, with two
accounts (``AZURITE_ACCOUNTS``), and seeded with a few blobs of its own.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from reports import report, run_scan, stored

from leakhound.cli import main
from leakhound.lab import azurite
from leakhound.store.sqlite import SqliteStore

CONTAINER = "public-cases"  # the same name in both accounts, public access "container"
# account -> blob -> rows of name, e-mail (each row one record, each address one person)
BLOBS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "acctone": {
        "customers.csv": [
            ("Jane Roe", "jane.roe@contoso.com"),
            ("Ann Lee", "ann.lee@contoso.com"),
            ("Ben Hall", "ben.hall@contoso.com"),
        ],
    },
    "accttwo": {
        "customers.csv": [
            ("Carl Diaz", "carl.diaz@fabrikam.com"),
            ("Dora Kim", "dora.kim@fabrikam.com"),
            ("Eve Moss", "eve.moss@fabrikam.com"),
            ("Finn Ray", "finn.ray@fabrikam.com"),
        ],
        "archive/2019.csv": [
            ("Gail Orr", "gail.orr@fabrikam.com"),
            ("Hugo Paz", "hugo.paz@fabrikam.com"),
        ],
    },
}


# account -> the folders (inventory containers) its blobs are in
FOLDERS = {a: {n.rpartition("/")[0] + "/" if "/" in n else "" for n in b} for a, b in BLOBS.items()}


class Accounts(NamedTuple):
    """The Azurite of this module: its port, and the target URL of each account's container."""

    port: int
    urls: dict[str, str]


def _csv(rows: list[tuple[str, str]]) -> bytes:
    return ("name,email\n" + "".join(f"{n},{e}\n" for n, e in rows)).encode()


@pytest.fixture(scope="session")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Accounts]:
    """One Azurite serving two accounts, each with a public container of the same name."""
    keys = {a: base64.b64encode(a.encode() * 8).decode() for a in BLOBS}
    with azurite.serving(tmp_path_factory.mktemp("azurite-accounts"), keys) as port:
        from azure.storage.blob import ContentSettings

        for account, blobs in BLOBS.items():
            container = azurite.service(port, account, keys[account]).get_container_client(
                CONTAINER
            )
            container.create_container(public_access="container")
            for name, rows in blobs.items():
                container.upload_blob(
                    name, _csv(rows), content_settings=ContentSettings(content_type="text/csv")
                )
        yield Accounts(port, {a: f"azblob://127.0.0.1:{port}/{a}/{CONTAINER}" for a in BLOBS})


def by_account(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The results of a report by the account their endpoint names."""
    out: dict[str, dict[str, Any]] = {}
    for r in doc["results"]:
        account = r["service"]["endpoint"]["base_path"].strip("/")
        assert account not in out, f"two results of {account}"
        out[account] = r
    return out


def records(account: str) -> int:
    return sum(len(rows) for rows in BLOBS[account].values())


def emails(account: str) -> set[str]:
    return {e for rows in BLOBS[account].values() for _, e in rows}


def test_each_account_is_a_result_of_its_own(
    accounts: Accounts, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc, db = report(tmp_path, *accounts.urls.values())
    results = by_account(doc)
    assert sorted(results) == sorted(BLOBS)
    for account, r in results.items():
        service = r["service"]
        assert service["verdict"] == "open", service["reason"]
        assert service["url"] == f"http://127.0.0.1:{accounts.port}/{account}"
        assert service["fingerprint"]["details"]["containers"] == {CONTAINER: "open"}
        folders = {ir["index"]["name"]: ir["index"] for ir in r["indices"]}
        assert set(folders) == {f"{CONTAINER}/{f}" for f in FOLDERS[account]}, account
        assert sum(f["objects"] for f in folders.values()) == len(BLOBS[account])
        assert sum(f["docs"] for f in folders.values()) == records(account)
        for ir in r["indices"]:
            kinds = {p["entity_type"] for p in ir["sample"]["pii"]}
            assert "EMAIL_ADDRESS" in kinds, ir["index"]["name"]
        assert r["people"]["value"] == len(emails(account))
    keys = {f"127.0.0.1:{accounts.port}/{a}" for a in BLOBS}
    with SqliteStore(db) as store:
        assert len(store.load("last").results) == 2
        assert store.recorded_endpoints(doc["scan_id"]) == keys
    # Each account is a location of its own for SARIF, with findings of its own.
    capsys.readouterr()
    assert main(["report", "last", "--db", str(db), "--format", "sarif"]) == 0
    found = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    places = {
        loc["name"] for r in found for where in r["locations"] for loc in where["logicalLocations"]
    }
    assert keys <= places
    assert len({r["partialFingerprints"]["leakhoundFinding/v1"] for r in found}) == len(found)


def test_full_reads_of_two_accounts_count_each_its_own(accounts: Accounts, tmp_path: Path) -> None:
    # Concurrent reads of two containers of one name: their checkpoints must not mix.
    doc, _db = report(tmp_path, *accounts.urls.values(), "--depth", "full", "--batch", "1")
    results = by_account(doc)
    for account, r in results.items():
        assert r["full"]["docs"] == records(account), account
        assert r["full"]["people"]["distinct"]["estimate"] == len(emails(account)), account
    (across,) = doc["people_across"]
    assert len(across["endpoints"]) == 2
    assert across["distinct"]["estimate"] == len(emails("acctone") | emails("accttwo"))


def test_each_account_keeps_its_own_history(
    accounts: Accounts, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    run_scan(db, accounts.urls["acctone"], "--sample", "0")
    run_scan(db, *accounts.urls.values(), "--sample", "0")
    results = by_account(stored(db, capsys))
    assert results["acctone"]["history"]["previous_scans"] == 1
    assert results["acctone"]["history"]["previous_verdict"] == "open"
    assert results["accttwo"]["history"]["previous_scans"] == 0
    assert results["accttwo"]["history"]["previous_verdict"] is None
    capsys.readouterr()
    assert main(["assess", "last", "--db", str(db), "--format", "json"]) == 0
    assessed = json.loads(capsys.readouterr().out)
    assert len(assessed["stores"]) == 2


def test_a_resumed_scan_reads_the_account_it_had_not_recorded(
    accounts: Accounts, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    run_scan(db, accounts.urls["acctone"])
    with SqliteStore(db) as store:
        first = store.load("last")
        # A scan of both accounts that stopped after recording the first one.
        scan_id = store.begin_scan(list(accounts.urls.values()), first.options)
        store.record(scan_id, first.results[0])
        store.finish_scan(scan_id, "interrupted")
    run_scan(db, "--resume", scan_id)
    doc = stored(db, capsys, scan_id)
    assert doc["status"] == "done"
    results = by_account(doc)
    assert sorted(results) == sorted(BLOBS)
    assert results["accttwo"]["people"]["value"] == len(emails("accttwo"))
