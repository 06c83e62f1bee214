"""up is idempotent, down stops what up started, data survives: on a lab of its own, not the
shared one."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from leakhound import lab
from leakhound.lab import databases, objectstores, process
from leakhound.lab.state import LabPaths, read_record

PARTS = ("node", "nginx", *objectstores.SECTIONS)  # lab.json sections beside "stores"


@pytest.fixture(scope="module")
def own_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A state directory with a lab this module starts and always stops."""
    state_dir = tmp_path_factory.mktemp("own-lab")
    try:
        yield state_dir
    finally:
        lab.down(state_dir)


def listening(url: str) -> bool:
    """True when something accepts connections at url's loopback port."""
    port = urlsplit(url).port
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def test_up_twice_is_the_same_lab(own_lab: Path) -> None:
    first = lab.up(own_lab)
    second = lab.up(own_lab)
    assert first.running and second.running
    assert first == second  # same pids, same ports
    search = [t for t in first.targets if t.kind == "elasticsearch"]
    assert [t.role for t in search] == ["open", "secured", "partial"]
    assert all(t.url.startswith("http://127.0.0.1:") for t in search)
    assert [(t.kind, t.role) for t in first.targets if t.kind in lab.KINDS] == [
        (k, r) for k in lab.KINDS for r in ("open", "secured")]  # fmt: skip
    assert {t.kind for t in first.targets} == {
        "elasticsearch", *lab.KINDS, "s3", "azblob", "couchdb"}  # fmt: skip
    assert all(listening(t.url) for t in first.targets)
    record = json.loads((own_lab / "lab.json").read_text())
    assert record["node"]["pid"] == first.node_pid
    assert record["nginx"]["pid"] == first.nginx_pid
    assert all(process.alive(record[p]["pid"], record[p]["start_time"]) for p in PARTS)
    assert {k: v["pid"] for k, v in record["stores"].items()} == first.pids
    assert lab.status(own_lab) == first


def test_up_after_down_keeps_the_data(own_lab: Path) -> None:
    lab.up(own_lab)
    truth = lab.seed(own_lab, records=200, seed=5)
    others = {kind: lab.truth(own_lab, kind) for kind in lab.KINDS}
    lab.down(own_lab)
    again = lab.up(own_lab)
    with httpx.Client(trust_env=False, timeout=30.0) as http:
        count = http.get(again.url("open") + "/support-cases-*/_count").json()["count"]
    assert count == 200
    assert lab.truth(own_lab) == truth
    # The buckets, containers and databases survive too (MinIO, Azurite and LevelDB on disk).
    paths = LabPaths(own_lab)
    assert objectstores.still_seeded(paths, read_record(paths) or {}, 200, 5)
    targets = {(t.kind, t.role): t for t in again.targets}
    # Every server restarted on its own files (the secured ones with their users) holds it all.
    assert databases.still_seeded(targets, others)
    for other in others.values():
        assert other is not None and other.records == 200
        assert sum(t.documents for t in other.indices.values() if t.created_at_min) == 200


def _object_pids(state_dir: Path) -> dict[str, int]:
    """lab.json's pid of each object store section."""
    record = read_record(LabPaths(state_dir)) or {}
    return {section: record[section]["pid"] for section in objectstores.SECTIONS}


def test_up_restarts_only_what_died(own_lab: Path) -> None:
    before = lab.up(own_lab)
    objects = _object_pids(own_lab)
    victim = before.pids["redis/secured"]
    process.stop(victim, process.start_time(victim))
    assert not lab.status(own_lab).running
    after = lab.up(own_lab)
    assert after.running and after.pids["redis/secured"] != victim
    assert after.node_pid == before.node_pid
    assert {k: p for k, p in after.pids.items() if k != "redis/secured"} == {
        k: p for k, p in before.pids.items() if k != "redis/secured"}  # fmt: skip
    assert _object_pids(own_lab) == objects


def test_up_restarts_the_object_stores_together(own_lab: Path) -> None:
    before = lab.up(own_lab)
    objects = _object_pids(own_lab)
    process.stop(objects["azurite"], process.start_time(objects["azurite"]))
    assert not lab.status(own_lab).running
    after = lab.up(own_lab)
    assert after.running
    assert (after.node_pid, after.nginx_pid, after.pids) == (
        before.node_pid, before.nginx_pid, before.pids)  # fmt: skip
    again = _object_pids(own_lab)
    assert all(again[s] != objects[s] for s in objectstores.SECTIONS)
    # The restarted servers still hold the seeded data (test_up_after_down_keeps_the_data's).
    paths = LabPaths(own_lab)
    assert objectstores.still_seeded(paths, read_record(paths) or {}, 200, 5)


# Last: every test before it finds the lab running (a cold start of it costs ~30 s), and it
# stops what they restarted, too.
def test_down_stops_the_processes_and_is_idempotent(own_lab: Path) -> None:
    running = lab.up(own_lab)
    record = json.loads((own_lab / "lab.json").read_text())
    stopped = lab.down(own_lab)
    assert not stopped.running and stopped.targets == ()
    for part in PARTS:
        assert not process.alive(record[part]["pid"], record[part]["start_time"]), part
        # Nothing of its process group runs on either (node's children, MinIO's threads).
        group = subprocess.run(["ps", "-o", "stat=", "-g", str(record[part]["pid"])],
                               capture_output=True, text=True, check=False)  # fmt: skip
        assert [s for s in group.stdout.split() if not s.startswith("Z")] == [], part
    for part in record["stores"].values():
        assert not process.alive(part["pid"], part["start_time"])
    assert not any(listening(t.url) for t in running.targets)
    assert not lab.down(own_lab).running
    assert not lab.status(own_lab).running
    assert (own_lab / "lab.json").is_file()  # down removes nothing
