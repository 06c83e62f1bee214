"""``leakhound investigate`` on the real nginx access log of the lab: leakhound's own full scan
and an elasticdump-style scroll loop, read back from what nginx wrote."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from leakhound.cli import main

DUMPER = "127.0.0.2"  # a second loopback address: the dump loop is its own source
INDEX = "support-cases-2012"


def _nginx_log(lab: Any) -> Path:
    # The access log the lab's nginx.conf names (lab/nginx.py: logs/nginx-access.log).
    return Path(lab.status.state_dir) / "logs" / "nginx-access.log"


def _dump(url: str, auth: tuple[str, str], index: str, size: int) -> int:
    """An elasticdump-like read: a scroll opened with size= in the URL, paged to its end."""
    transport = httpx.HTTPTransport(local_address=DUMPER)
    read = 0
    with httpx.Client(
        base_url=url, auth=auth, transport=transport, timeout=60, trust_env=False
    ) as http:
        body = (
            http.post(f"/{index}/_search?scroll=1m&size={size}", json={"sort": ["_doc"]})
            .raise_for_status()
            .json()
        )
        while body["hits"]["hits"]:
            read += len(body["hits"]["hits"])
            body = (
                http.post("/_search/scroll", json={"scroll": "1m", "scroll_id": body["_scroll_id"]})
                .raise_for_status()
                .json()
            )
        http.request("DELETE", "/_search/scroll", json={"scroll_id": [body["_scroll_id"]]})
    return read


@pytest.fixture(scope="module")
def investigated(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("investigate")
    log = _nginx_log(lab)
    start = log.stat().st_size if log.exists() else 0
    since = (datetime.now(UTC) - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S")
    auth = lab.status.auth
    dumped = _dump(lab.status.url("secured"), auth, INDEX, 100)
    db = folder / "f.db"
    assert (
        main(
            [
                "scan",
                lab.status.url("partial"),
                "--depth",
                "full",
                "--workers",
                "0",
                "--auth",
                f"{auth[0]}:{auth[1]}",
                "--index",
                INDEX,
                "--db",
                str(db),
                "--format",
                "jsonl",
                "--output",
                str(folder / "scan.jsonl"),
            ]
        )
        == 0
    )
    until = (datetime.now(UTC) + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S")
    window = folder / "access.log"
    with log.open("rb") as fh:  # what nginx wrote during this test
        fh.seek(start)
        window.write_bytes(fh.read())
    out = folder / "investigation.json"
    assert (
        main(
            [
                "investigate",
                str(window),
                "--scan",
                "last",
                "--db",
                str(db),
                "--since",
                since,
                "--until",
                until,
                "--format-out",
                "json",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    doc = json.loads(out.read_text())
    for s in doc["sources"]:  # shown with -s: the figures the lead quotes
        print(s["address"], s["requests"], s["bytes_out"], s["records"])
    doc["_dumped"] = dumped
    doc["_db"] = str(db)
    return doc


def _source(doc: dict[str, Any], address: str) -> dict[str, Any]:
    return next(s for s in doc["sources"] if s["address"] == address)


def test_nginx_log_is_recognised_and_read_whole(investigated: dict[str, Any]) -> None:
    (f,) = investigated["files"]
    assert f["format"] == "nginx"
    assert f["skipped"] == 0 and f["parsed"] == f["lines"] > 0


def test_the_scroll_loop_is_a_bulk_read_estimated_within_20_percent(
    investigated: dict[str, Any], lab: Any
) -> None:
    truth = lab.truth.indices[INDEX].documents
    assert investigated["_dumped"] == truth
    s = _source(investigated, DUMPER)
    assert {a["action"] for a in s["actions"]} == {"bulk-read", "probe"}
    est = s["records"]
    assert abs(est["value"] - truth) <= 0.2 * truth, est
    assert est["lower"] <= truth <= est["upper"], est
    assert "pages × their size" in est["method"]


def test_leakhounds_own_scan_is_seen_reading_in_bulk(
    investigated: dict[str, Any], lab: Any
) -> None:
    truth = lab.truth.indices[INDEX].documents
    s = _source(investigated, "127.0.0.1")
    actions = {a["action"] for a in s["actions"]}
    assert {"bulk-read", "enumerate"} <= actions
    assert s["denied"] > 0  # the verdict is decided without credentials first: 401s
    est = s["records"]
    # PIT pages carry their size in the body: bytes out ÷ bytes a record, measured on the
    # scroll loop's sized pages of the same index.
    assert "bytes out ÷" in est["method"]
    assert abs(est["value"] - truth) <= 0.2 * truth, est
    assert est["lower"] <= truth <= est["upper"], est


def test_the_result_is_stored_with_the_scan(
    investigated: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from leakhound.store import SqliteStore

    with SqliteStore(investigated["_db"]) as store:
        stored = store.load_investigation("last")
    assert stored is not None and stored["scan_id"] == investigated["scan_id"]
    capsys.readouterr()
    assert main(["assess", "last", "--db", investigated["_db"], "--format", "json"]) == 0
    a = json.loads(capsys.readouterr().out)
    why = " ".join(a["severity"]["circumstances"]["confidentiality"]["why"])
    assert "access logs" in why
