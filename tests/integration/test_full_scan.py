"""``scan --depth full`` against the real lab: every document read, counted once, contexts freed."""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from reports import assert_valid, report, run_scan, scan_argv, stored
from scanproc import eventually, run_until, spawn, unfinished_contexts

from leakhound.cli import main
from leakhound.probes.elasticsearch import read as elasticsearch_read


def open_contexts(url: str) -> dict[str, int]:
    """What the node itself says is open (plain httpx, not leakhound)."""
    body = httpx.get(f"{url}/_nodes/stats/indices/search", timeout=30, trust_env=False).json()
    out = {"open_contexts": 0, "point_in_time_current": 0, "scroll_current": 0}
    for node in body["nodes"].values():
        search = node["indices"]["search"]
        for key in out:
            out[key] += search.get(key, 0)
    return out


def no_contexts(url: str) -> bool:
    return eventually(lambda: not any(open_contexts(url).values()))


def open_result(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["results"][0]


def assert_totals_equal_truth(result: dict[str, Any], truth: Any) -> None:
    indices = {ir["index"]["name"]: ir for ir in result["indices"]}
    for name, t in truth.indices.items():
        full = indices[name]["full"]
        assert full is not None, name
        assert full["complete"], (name, full["error"])
        assert full["docs"] == t.documents, name
        if name.startswith("support-cases-") and t.documents:
            people = full["people"]  # distinct e-mail addresses, in every field
            assert people["entity_type"] == "EMAIL_ADDRESS", name
            assert {"customer.email", "agent_email", "description"} <= set(people["fields"])
            assert people["distinct"]["exact"]
            assert people["distinct"]["estimate"] == t.distinct_emails, name
    assert result["full"]["docs"] == truth.documents
    assert result["full"]["people"]["distinct"]["estimate"] == truth.distinct_emails


@pytest.fixture(scope="module")
def scanned(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One full scan of the open node, as its JSON report."""
    status, _truth = lab
    doc, db = report(
        tmp_path_factory.mktemp("full"),
        status.url("open"),
        *("--depth", "full", "--batch", "300"),
        workers=1,
        schema=False,  # its own test below
    )
    doc["_db"] = str(db)
    return doc


def test_full_report_is_valid_against_the_schema(scanned: dict[str, Any]) -> None:
    assert_valid(scanned)


def test_every_document_is_read_and_people_counted_exactly(
    scanned: dict[str, Any], lab: Any
) -> None:
    assert_totals_equal_truth(open_result(scanned), lab.truth)


def test_per_field_counts_equal_what_was_seeded(scanned: dict[str, Any], lab: Any) -> None:
    indices = {ir["index"]["name"]: ir["full"] for ir in open_result(scanned)["indices"]}
    for name, t in lab.truth.indices.items():
        if not name.startswith("support-cases-") or not t.documents:
            continue
        full = indices[name]
        by_type = {p["entity_type"]: p for p in full["pii"]}
        emails = {f["path"]: f for f in by_type["EMAIL_ADDRESS"]["fields"]}
        seeded = t.pii["EMAIL_ADDRESS"]
        for path in ("customer.email", "agent_email"):
            assert emails[path]["docs"] == seeded[path], (name, path)
        assert by_type["EMAIL_ADDRESS"]["docs"] == t.documents
        assert set(t.fields("EMAIL_ADDRESS")) <= set(full["pii_fields"]), name
        year = int(name.rsplit("-", 1)[1])
        assert full["years"] == [{"year": year, "docs": t.documents}], name


def test_full_figures_are_stored_and_rendered(
    scanned: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(scanned["_db"]) as db:
        rows = db.execute("""SELECT docs, distinct_estimate FROM full_pii WHERE
                             index_name='support-cases-2012' AND field='customer.email'""")
        assert rows.fetchall()
        assert db.execute("SELECT COUNT(*) FROM full_tallies").fetchone()[0] == 0
    for fmt in ("markdown", "terminal"):
        assert main(["report", scanned["scan_id"], "--db", scanned["_db"], "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert "Full read" in out and "customer.email" in out


def test_contexts_are_released_after_a_full_scan(
    scanned: dict[str, Any], lab: Any, request_audit: list[Any]
) -> None:
    open_url = lab.status.url("open")
    assert no_contexts(open_url)
    # The audit spans the session: other modules' servers (a real Elasticsearch) are not ours.
    deletes = [r for r in request_audit if r.method == "DELETE" and r.url.startswith(open_url)]
    assert deletes, "no point in time was released"
    assert {httpx.URL(r.url).path for r in deletes} <= {"/_search/point_in_time"}


def test_index_pattern_selects_what_is_read(
    lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    t0 = time.monotonic()
    run_scan(
        db,
        lab.status.url("open"),
        *("--depth", "full", "--index", "support-cases-201[89]", "--slices", "3"),
        *("--batch", "200", "--docs-rate", "1000"),
    )
    seconds = time.monotonic() - t0
    result = open_result(stored(db, capsys))
    read = {ir["index"]["name"]: ir["full"] for ir in result["indices"] if ir["full"]}
    assert set(read) == {"support-cases-2018", "support-cases-2019"}
    for name, full in read.items():
        assert full["docs"] == lab.truth.indices[name].documents
        assert full["slices"] == 3
    # --docs-rate 1000: 2,213 documents take at least ~2 s (the first pages are not waited for)
    docs = sum(f["docs"] for f in read.values())
    assert seconds >= (docs - 3 * 200) / 1000


def test_sliced_scroll_reads_the_same(
    lab: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request_audit: list[Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(elasticsearch_read, "read_method", lambda fp: elasticsearch_read.SCROLL)
    db = tmp_path / "f.db"
    before = len(request_audit)
    run_scan(db, lab.status.url("open"), "--depth", "full", "--batch", "400")
    result = open_result(stored(db, capsys))
    assert {ir["full"]["method"] for ir in result["indices"] if ir["full"]} == {"scroll"}
    assert_totals_equal_truth(result, lab.truth)
    assert no_contexts(lab.status.url("open"))
    sent = request_audit[before:]
    assert any(r.method == "DELETE" and r.url.endswith("/_search/scroll") for r in sent)


def test_partial_store_reports_the_refusal(
    lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    run_scan(db, lab.status.url("partial"), "--depth", "full")
    result = open_result(stored(db, capsys))
    assert result["service"]["verdict"] == "partial"
    fulls = [ir["full"] for ir in result["indices"] if ir["full"]]
    assert fulls and all(not f["complete"] and "401" in f["error"] for f in fulls)


def test_owner_credentials_read_a_partial_store_in_full(
    lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    run_scan(
        db,
        lab.status.url("partial"),
        *("--depth", "full", "--auth", "lab:lab-password", "--index", "support-cases-2012"),
    )
    result = open_result(stored(db, capsys))
    assert result["service"]["verdict"] == "partial" and result["authenticated"]
    (full,) = [ir["full"] for ir in result["indices"] if ir["full"]]
    truth = lab.truth.indices["support-cases-2012"]
    assert full["complete"] and full["docs"] == truth.documents
    assert full["people"]["distinct"]["estimate"] == truth.distinct_emails
    assert no_contexts(lab.status.url("open"))  # released through the proxy, with credentials


# -- interruption and resumption ----------------------------------------------------------


def _slow_scan(url: str, db: Path) -> list[str]:
    # Small pages and a document rate cap: the kill lands in the middle of the read.
    return scan_argv(
        db, url, *("--depth", "full", "--batch", "100", "--docs-rate", "2500"), workers=1
    )


@pytest.mark.parametrize(
    ("free_the_pit", "fold"),
    [(False, False), (True, False), (False, True)],
    ids=["pit-alive", "pit-expired", "folded-every-batch"],
)
def test_scan_killed_with_sigkill_resumes_to_exact_totals(
    lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], free_the_pit: bool, fold: bool
) -> None:
    url = lab.status.url("open")
    db = tmp_path / "f.db"
    # folded: the rows of a slice are rewritten as its tally whenever the new ones outweigh
    # what the last fold wrote (no FOLD_BYTES floor)
    prelude = "import leakhound.scanner.checkpoints as f; f.FOLD_BYTES = 0" if fold else ""
    proc, scan_id = run_until(db, _slow_scan(url, db), docs=4000, prelude=prelude)
    if fold:
        with sqlite3.connect(db, timeout=5) as conn:
            rows, batches = conn.execute(
                "SELECT (SELECT COUNT(*) FROM full_tallies), SUM(batches) FROM full_partitions"
            ).fetchone()
        assert rows < batches  # the kill lands on folded rows, not one row a batch
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    with sqlite3.connect(db) as conn:
        status = conn.execute("SELECT status FROM scans").fetchone()[0]
        unfinished = unfinished_contexts(conn)
    assert status == "running"  # killed: nobody marked it
    if free_the_pit:  # as if keep_alive had passed: the resumed slices must start over
        for pit in unfinished:
            httpx.request(
                "DELETE", f"{url}/_search/point_in_time", json={"pit_id": [pit]}, trust_env=False
            )
    capsys.readouterr()
    run_scan(db, "--resume", scan_id, workers=None)
    doc = stored(db, capsys)
    assert doc["scan_id"] == scan_id and doc["status"] == "done"
    assert_totals_equal_truth(open_result(doc), lab.truth)
    assert no_contexts(url)


# kill -9 once the scan has counted its people and dropped its checkpoints (VACUUM and all),
# before it is marked done: the moment after which nothing of its read is left to resume from
KILLED_BEFORE_DONE = """
import os, signal
from leakhound.store.sqlite import SqliteStore
_finish = SqliteStore.finish_scan
def finish_scan(self, scan_id, status="done"):
    if status == "done":
        os.kill(os.getpid(), signal.SIGKILL)
    _finish(self, scan_id, status)
SqliteStore.finish_scan = finish_scan
"""


def test_scan_killed_after_dropping_its_checkpoints_keeps_its_people(
    lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = lab.status.url("open")
    db = tmp_path / "f.db"
    argv = scan_argv(db, url, *("--depth", "full", "--index", "hr-payroll"))
    proc = spawn(argv, KILLED_BEFORE_DONE)
    assert proc.wait(120) == -signal.SIGKILL
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM scans").fetchone()[0] == "running"
        assert conn.execute("SELECT COUNT(*) FROM full_totals").fetchone()[0] == 0
    killed = stored(db, capsys)
    (across,) = killed["people_across"]
    assert across["distinct"] == {"estimate": 200, "lower": 200, "upper": 200, "exact": True}
    # Nothing is left to read: the people it counted across its stores stand.
    run_scan(db, "--resume", killed["scan_id"])
    doc = stored(db, capsys)
    assert doc["status"] == "done"
    assert doc["people_across"] == killed["people_across"]
    assert open_result(doc)["full"] == open_result(killed)["full"]


# kill -9 the moment the first container read to its end is committed: its positions and
# its point in time already forgotten, the write-ahead log checkpointed
KILLED_AT_A_CONTAINERS_END = """
import os, signal
from leakhound.store.sqlite import SqliteStore
_finish = SqliteStore.finish_container
def finish_container(self, *args, **kwargs):
    _finish(self, *args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
SqliteStore.finish_container = finish_container
"""


def test_scan_killed_as_a_container_ends_resumes_to_exact_totals(
    lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = lab.status.url("open")
    db = tmp_path / "f.db"
    names = ("support-cases-2010", "support-cases-2011")
    argv = scan_argv(db, url, "--depth", "full", *(a for n in names for a in ("--index", n)))
    proc = spawn(argv, KILLED_AT_A_CONTAINERS_END)
    assert proc.wait(120) == -signal.SIGKILL
    with sqlite3.connect(db) as conn:
        scan_id, status = conn.execute("SELECT scan_id, status FROM scans").fetchone()
        (finished,) = conn.execute("SELECT container FROM full_finished").fetchone()
        kept = conn.execute(
            "SELECT COUNT(*) FROM full_partitions WHERE position IS NOT NULL OR "
            "json_extract(plan, '$.state') IS NOT NULL"
        ).fetchone()[0]
    assert status == "running" and finished == names[0] and kept == 0
    run_scan(db, "--resume", scan_id, workers=None)
    doc = stored(db, capsys)
    assert doc["status"] == "done"
    result = open_result(doc)
    fulls = {ir["index"]["name"]: ir["full"] for ir in result["indices"] if ir["full"]}
    assert set(fulls) == set(names)
    truth = lab.truth.indices
    for name in names:
        assert fulls[name]["complete"] and fulls[name]["docs"] == truth[name].documents, name
        people = fulls[name]["people"]["distinct"]
        assert people["exact"] and people["estimate"] == truth[name].distinct_emails, name
    assert result["full"]["docs"] == sum(truth[n].documents for n in names)
    (across,) = doc["people_across"]
    assert across["distinct"] == result["full"]["people"]["distinct"]
    assert no_contexts(url)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_interrupted_scan_releases_its_contexts(
    lab: Any, tmp_path: Path, sig: signal.Signals
) -> None:
    url = lab.status.url("open")
    db = tmp_path / "f.db"
    proc, _scan_id = run_until(db, _slow_scan(url, db), docs=1500)
    # Mid-read a PIT is open, except in the instant between two indices: look for a moment.
    seen_open = False
    for _ in range(100):
        seen_open = open_contexts(url)["point_in_time_current"] >= 1
        if seen_open or proc.poll() is not None:
            break
        time.sleep(0.02)
    assert seen_open, "no PIT open mid-read"
    proc.send_signal(sig)
    rc = proc.wait(60)
    assert rc == 130, proc.stderr.read()
    assert no_contexts(url)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM scans").fetchone()[0] == "interrupted"


def test_dask_cluster_gives_the_same_totals(
    scanned: dict[str, Any], lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import distributed  # the dask extra; CI installs it

    db = tmp_path / "f.db"
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        run_scan(
            db,
            lab.status.url("open"),
            *("--depth", "full", "--dask", cluster.scheduler_address),
            workers=None,
        )
    remote, local = open_result(stored(db, capsys)), open_result(scanned)
    assert remote["full"] == local["full"]
    fulls = {ir["index"]["name"]: ir["full"] for ir in local["indices"]}
    for ir in remote["indices"]:
        assert ir["full"] == fulls[ir["index"]["name"]], ir["index"]["name"]
    assert_totals_equal_truth(remote, lab.truth)
    assert no_contexts(lab.status.url("open"))
