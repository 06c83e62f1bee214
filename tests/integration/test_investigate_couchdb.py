"""``leakhound investigate`` on the access log of a real nginx in front of the lab's open
pouchdb-server (CouchDB's HTTP API): leakhound's own scan from 127.0.0.1, and a dump from
127.0.0.2 paging ``_all_docs?include_docs=true&limit=N`` from the last id, as CouchDB dump
tools do; then a wipe and a ransom note in a scratch database from 127.0.0.3. The nginx is
this module's own (started once, stopped at the end), its log in a temporary folder."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from reports import report

from leakhound.cli import main
from leakhound.lab.nginx import find_nginx

DUMPER, WIPER = "127.0.0.2", "127.0.0.3"
DATABASE = "support-cases-2012"
PAGE = 100
SCRATCH = "lh-investigate-scratch"
RANSOM = "how_to_recover_lh_test"  # a ransom note's name, and none of the lab's

_CONF = """daemon off;
master_process off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
{user}
events {{ worker_connections 64; }}
http {{
    access_log {folder}/access.log combined;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ proxy_pass http://127.0.0.1:{upstream}; }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def proxied(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """nginx on a free loopback port in front of the open pouchdb-server; its URL and log."""
    import os

    folder = tmp_path_factory.mktemp("couchdb-nginx")
    upstream = lab.status.target("open", kind="couchdb").port
    port = _free_port()
    user = "user root;" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(_CONF.format(folder=folder, port=port, upstream=upstream, user=user))
    proc = subprocess.Popen(
        [find_nginx(), "-c", str(conf), "-p", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=2, trust_env=False)
                break
            except httpx.HTTPError:
                assert proc.poll() is None, (folder / "error.log").read_text()[-500:]
                assert time.monotonic() < deadline, "nginx did not answer"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", folder / "access.log"
    finally:
        proc.terminate()
        proc.wait(10)


def _client(url: str, source: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=url, transport=transport, timeout=60, trust_env=False)


def _dump(url: str) -> int:
    """Every document of DATABASE, a page of PAGE at a time from the last id."""
    read, start = 0, None
    with _client(url, DUMPER) as http:
        while True:
            params = {"include_docs": "true", "limit": str(PAGE + (start is not None))}
            if start is not None:
                params["startkey"] = json.dumps(start)
            rows = http.get(f"/{DATABASE}/_all_docs", params=params).raise_for_status().json()
            rows = [r for r in rows["rows"] if r["id"] != start]
            if not rows:
                return read
            read += sum(1 for r in rows if not r["id"].startswith("_design/"))
            start = rows[-1]["id"]


@pytest.fixture(scope="module")
def investigated(
    proxied: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    url, log = proxied
    folder = tmp_path_factory.mktemp("investigate-couchdb")
    scanned, _ = report(folder, url, "--kinds", "couchdb", "--index", DATABASE)
    dumped = _dump(url)
    with _client(url, WIPER) as http:
        for name in (SCRATCH, RANSOM):  # what a killed run may have left
            http.delete(f"/{name}")
        http.put(f"/{SCRATCH}").raise_for_status()
        http.put(f"/{SCRATCH}/case-1", json={"email": "a@example.org"}).raise_for_status()
        http.delete(f"/{SCRATCH}").raise_for_status()
        http.put(f"/{RANSOM}").raise_for_status()
        http.put(f"/{RANSOM}/note", json={"note": "All your data is backed up."}).raise_for_status()
        http.delete(f"/{RANSOM}").raise_for_status()  # the lab's data as it was
    out = folder / "investigation.json"
    argv = ["investigate", str(log), "--db", str(folder / "i.db"), "--format-out", "json"]
    assert main([*argv, "--output", str(out)]) == 0
    doc: dict[str, Any] = json.loads(out.read_text())
    doc["_dumped"], doc["_scanned"] = dumped, scanned
    return doc


def _source(doc: dict[str, Any], address: str) -> dict[str, Any]:
    return next(s for s in doc["sources"] if s["address"] == address)


def _actions(doc: dict[str, Any], address: str) -> set[str]:
    return {a["action"] for a in _source(doc, address)["actions"]}


def test_the_log_is_read_whole(investigated: dict[str, Any]) -> None:
    (f,) = investigated["files"]
    assert f["format"] == "nginx"
    assert f["skipped"] == 0 and f["parsed"] == f["lines"] > 0


def test_the_dump_is_a_read_of_its_database_with_records_bounded_by_its_pages(
    investigated: dict[str, Any], lab: Any
) -> None:
    from leakhound.lab import objectstores

    truth = objectstores.truths(lab.status.state_dir)["couchdb"]["databases"][DATABASE]["documents"]
    assert investigated["_dumped"] == truth
    s = _source(investigated, DUMPER)
    assert _actions(investigated, DUMPER) == {"read"}
    assert [t["name"] for t in s["targets"]] == [DATABASE]
    records = s["records"]
    # each page asked for PAGE (+1 from the second on): the records read are within the sum
    assert records["lower"] <= truth <= records["upper"], records
    assert "limit=" in records["method"]


def test_leakhounds_scan_lists_the_databases_and_reads_the_one_chosen(
    investigated: dict[str, Any],
) -> None:
    actions = _actions(investigated, "127.0.0.1")
    assert {"probe", "enumerate", "read"} <= actions
    assert not actions & {"write", "wipe", "ransom-note"}


def test_the_wipe_and_the_ransom_note(investigated: dict[str, Any]) -> None:
    assert {"write", "wipe", "ransom-note"} <= _actions(investigated, WIPER)
    assert not _actions(investigated, WIPER) & {"read", "bulk-read"}
