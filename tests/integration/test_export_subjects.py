"""``export-subjects`` against the real lab: each customer listed by hash; contexts freed."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from scanproc import CLI, eventually

from leakhound.cli import main
from leakhound.models import (
    Container,
    ContainerResult,
    Endpoint,
    Sample,
    Service,
    TargetResult,
    Verdict,
)
from leakhound.redact import keyed_hash
from leakhound.scanner import export as subjects_export
from leakhound.store import SqliteStore

SRC = str(Path(__file__).parents[2] / "src")


def open_pits(url: str) -> int:
    """Points in time the node itself says are open (plain httpx, not leakhound)."""
    body = httpx.get(f"{url}/_nodes/stats/indices/search", timeout=30, trust_env=False).json()
    return sum(
        n["indices"]["search"].get("point_in_time_current", 0) for n in body["nodes"].values()
    )


def no_pits(url: str) -> bool:
    return eventually(lambda: open_pits(url) == 0, seconds=5)


def customer_emails(url: str) -> set[str]:
    """Every seeded customer's address, asked of the node directly."""
    body = httpx.post(
        f"{url}/support-cases-*/_search",
        trust_env=False,
        timeout=60,
        json={"size": 0, "aggs": {"e": {"terms": {"field": "customer.email", "size": 65_000}}}},
    ).json()
    return {b["key"] for b in body["aggregations"]["e"]["buckets"]}


class _WatchedSpill(subjects_export.IdentifierSpill):
    """The spill, with what its folder and file looked like while it was in use."""

    seen: ClassVar[list[tuple[Path, int, int]]] = []

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.seen.append(
            (
                self.folder,
                stat.S_IMODE(self.folder.stat().st_mode),
                stat.S_IMODE(self.path.stat().st_mode),
            )
        )


@pytest.fixture(scope="module")
def exported(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A scan of the open node, then its export: default (hashes) and --reveal."""
    work = tmp_path_factory.mktemp("export")
    db, spill_parent = work / "findings.db", work / "tmp"
    spill_parent.mkdir()
    assert (
        main(
            [
                "scan",
                lab.status.url("open"),
                "--db",
                str(db),
                "--format",
                "jsonl",
                "--output",
                str(work / "scan.jsonl"),
                "--workers",
                "0",
            ]
        )
        == 0
    )
    _WatchedSpill.seen.clear()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tempfile, "tempdir", str(spill_parent))
        mp.setattr(subjects_export, "IdentifierSpill", _WatchedSpill)
        hashed, revealed = work / "subjects.jsonl", work / "revealed.csv"
        assert main(["export-subjects", "last", "--db", str(db), "--output", str(hashed)]) == 0
        assert (
            main(
                [
                    "export-subjects",
                    "last",
                    "--db",
                    str(db),
                    "--reveal",
                    "--format",
                    "csv",
                    "--output",
                    str(revealed),
                ]
            )
            == 0
        )
    with SqliteStore(db) as store:
        key = store.hash_key
    return {
        "db": db,
        "key": key,
        "hashed": hashed,
        "revealed": revealed,
        "spill_parent": spill_parent,
        "spills": list(_WatchedSpill.seen),
    }


def test_every_seeded_customer_is_listed_by_keyed_hash_only(
    exported: dict[str, Any], lab: Any
) -> None:
    text = exported["hashed"].read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    emails = [x for x in lines if x["entity_type"] == "EMAIL_ADDRESS"]
    assert len(emails) >= lab.truth.distinct_customers
    assert len({x["keyed_hash"] for x in emails}) == len(emails)  # each identifier once
    customers = customer_emails(lab.status.url("open"))
    assert len(customers) == lab.truth.distinct_customers
    hashes = {x["keyed_hash"] for x in emails}
    missing = [c for c in customers if keyed_hash(exported["key"], c.lower()) not in hashes]
    assert not missing, f"{len(missing)} customers not exported"
    leaked = [c for c in customers if c in text or c.lower() in text]
    assert not leaked, f"{len(leaked)} raw addresses in the default output"
    assert {x["entity_type"] for x in lines} == {"EMAIL_ADDRESS", "PHONE_NUMBER"}
    assert all(x.keys() == {"entity_type", "keyed_hash", "indices"} for x in lines)
    found_in = {i.rsplit("/", 1)[1] for x in emails for i in x["indices"]}
    assert {
        n
        for n in lab.truth.indices
        if n.startswith("support-cases-") and lab.truth.indices[n].documents
    } <= found_in


def test_revealed_file_is_private_and_holds_the_customers(
    exported: dict[str, Any], lab: Any
) -> None:
    path: Path = exported["revealed"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = path.read_text().splitlines()
    assert rows[0] == "entity_type,value,keyed_hash,indices"
    values = {r.split(",")[1] for r in rows[1:] if r.startswith("EMAIL_ADDRESS,")}
    assert {c.lower() for c in customer_emails(lab.status.url("open"))} <= values
    hashed = {
        json.loads(line)["keyed_hash"] for line in exported["hashed"].read_text().splitlines()
    }
    assert {r.split(",")[2] for r in rows[1:]} == hashed  # the owner's file joins on the hash


def test_reveal_to_stdout_is_refused(
    exported: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["export-subjects", "last", "--db", str(exported["db"]), "--reveal"]) == 2
    err = capsys.readouterr()
    assert err.out == "" and len(err.err.strip().splitlines()) == 1 and "--output" in err.err


def test_no_point_in_time_is_left_open(
    exported: dict[str, Any], lab: Any, request_audit: list[Any]
) -> None:
    assert no_pits(lab.status.url("open"))
    assert any(
        r.method == "DELETE" and r.url.endswith("/_search/point_in_time") for r in request_audit
    )


def test_spill_was_private_and_is_gone(exported: dict[str, Any]) -> None:
    assert len(exported["spills"]) == 2
    for folder, folder_mode, file_mode in exported["spills"]:
        assert folder.parent == exported["spill_parent"]
        assert (folder_mode, file_mode) == (0o700, 0o600)
        assert not folder.exists()
    assert list(exported["spill_parent"].iterdir()) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stored_scan(db: Path, results: list[TargetResult]) -> str:
    with SqliteStore(db) as store:
        scan_id = store.begin_scan([r.service.url for r in results], {"sample": 1})
        for r in results:
            store.record(scan_id, r)
        store.finish_scan(scan_id)
    return scan_id


def _open_result(host: str, port: int, index: str) -> TargetResult:
    ep = Endpoint(host, port, "http")
    return TargetResult(
        Service(ep, ep.url(), "elasticsearch", Verdict.OPEN),
        (
            ContainerResult(
                Container(index, 1, None, False, False, details={"health": None, "status": None}),
                Sample(1, 1),
            ),
        ),
    )


def test_endpoint_no_longer_open_is_one_line_and_the_rest_goes_on(
    lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = httpx.URL(lab.status.url("open"))
    gone = _free_port()
    db = tmp_path / "f.db"
    scan_id = _stored_scan(
        db,
        [
            _open_result("127.0.0.1", gone, "support-cases-2012"),
            _open_result(live.host, live.port or 80, "support-cases-2012"),
        ],
    )
    capsys.readouterr()
    assert main(["export-subjects", scan_id, "--db", str(db), "--format", "csv"]) == 0
    out = capsys.readouterr()
    errors = [line for line in out.err.splitlines() if f":{gone}" in line]
    assert len(errors) == 1 and "no longer open" in errors[0]
    rows = out.out.splitlines()[1:]
    assert (
        len([r for r in rows if r.startswith("EMAIL_ADDRESS,")])
        >= lab.truth.indices["support-cases-2012"].distinct_customers
    )
    assert all(r.endswith("/support-cases-2012") for r in rows)


def test_nothing_readable_exits_3_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, out = tmp_path / "f.db", tmp_path / "out.jsonl"
    scan_id = _stored_scan(db, [_open_result("127.0.0.1", _free_port(), "people")])
    assert main(["export-subjects", scan_id, "--db", str(db), "--output", str(out)]) == 3
    err = capsys.readouterr().err
    assert "no longer open" in err and "nothing could be read" in err
    assert not out.exists()


def test_owner_credentials_export_a_partial_store(
    lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    assert (
        main(
            [
                "scan",
                lab.status.url("partial"),
                "--db",
                str(db),
                "--format",
                "jsonl",
                "--workers",
                "0",
                "--sample",
                "1",
            ]
        )
        == 0
    )
    capsys.readouterr()
    # Without credentials every index is refused: one line each, nothing exported.
    assert main(["export-subjects", "last", "--db", str(db)]) == 3
    out = capsys.readouterr()
    assert out.out == "" and "401" in out.err
    assert (
        main(
            [
                "export-subjects",
                "last",
                "--db",
                str(db),
                "--types",
                "EMAIL_ADDRESS",
                "--auth",
                "lab:lab-password",
            ]
        )
        == 0
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) >= lab.truth.distinct_customers
    assert {x["entity_type"] for x in lines} == {"EMAIL_ADDRESS"}
    assert no_pits(lab.status.url("open"))  # released through the proxy, with credentials


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_interrupted_export_releases_contexts_and_deletes_its_spill(
    exported: dict[str, Any], lab: Any, tmp_path: Path, sig: signal.Signals
) -> None:
    url = lab.status.url("open")
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CLI,
            "export-subjects",
            "last",
            "--db",
            str(exported["db"]),
            "--output",
            str(tmp_path / "out.jsonl"),
        ],
        env={**os.environ, "PYTHONPATH": SRC, "TMPDIR": str(private_tmp)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seen_open = False
    for _ in range(1000):  # mid-read: the spill exists and a PIT is open
        if proc.poll() is not None:
            break
        if list(private_tmp.glob("leakhound-export-*")) and open_pits(url) >= 1:
            seen_open = True
            break
        time.sleep(0.01)
    assert seen_open, "no PIT open mid-export"
    proc.send_signal(sig)
    rc = proc.wait(60)
    assert rc == 130, proc.stderr.read() if proc.stderr else rc
    assert no_pits(url)
    assert list(private_tmp.iterdir()) == []
    assert not (tmp_path / "out.jsonl").exists()
