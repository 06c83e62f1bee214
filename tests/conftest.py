"""Test-wide fixtures: every request any test sends is checked against the read-only policy."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from leakhound import net
from leakhound.lab.testing import LabSession, lab_session
from leakhound.probes.elasticsearch.allow import RELEASE_PATHS
from leakhound.probes.registry import PROBES

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session", autouse=True)
def request_audit() -> Iterator[list[net.Request]]:
    """Record every request and command the suite's scans send; fail on any non-read HTTP
    method or anything outside its probe's allow-list.

    The one DELETE allowed is the release of a search context (PIT, scroll) at the root.
    """
    seen: list[net.Request] = []
    net.add_audit_hook(seen.append)
    yield seen
    net.remove_audit_hook(seen.append)
    http = [r for r in seen if urlsplit(r.url).scheme in ("http", "https")]
    writes = [
        r
        for r in http
        if r.method not in ("GET", "HEAD", "POST")
        and not (r.method == "DELETE" and urlsplit(r.url).path in RELEASE_PATHS)
    ]
    assert not writes, f"non-read requests were sent: {writes[:5]}"
    # Independently of the layer's own check: every request of a probe fits its allow-list.
    kinds = {p.kind: p.allow for p in PROBES}
    # (an HTTP request is judged by its path and query string; a command by its name, a
    # statement by its text)
    off_list = [
        r
        for r in seen
        if r.kind in kinds
        and not kinds[r.kind].allows(
            r.method, r.target or urlsplit(r.url).path or "/", urlsplit(r.url).query
        )
    ]
    assert not off_list, f"requests outside the allow-list were sent: {off_list[:5]}"


@pytest.fixture(scope="session", autouse=True)
def private_data_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No test writes the user's own findings database: the default one (under the user's
    data directory) lives in a temporary folder for the session."""
    home = tmp_path_factory.mktemp("data-home")
    old = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("XDG_DATA_HOME", None)
    else:
        os.environ["XDG_DATA_HOME"] = old


@pytest.fixture
def data_dir() -> Path:
    """The folder of recorded responses and sample inputs."""
    return DATA


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabSession]:
    """A running lab (a real OpenSearch node behind nginx, open and secured Redis, PostgreSQL,
    MariaDB and FerretDB servers, MinIO, Azurite and three pouchdb-servers) seeded with 10,000
    support cases (seed 1): ``lab.status``, ``lab.truth`` (the indices'), ``lab.truth_of(kind)``
    (a database kind's; the object stores': ``objectstores.truths(lab.status.state_dir)``).

    State directory: $LEAKHOUND_LAB_DIR (a lab already up and seeded the same way there is
    reused; two test runs may share it, the last one out stopping a lab that a run started),
    else a fresh temporary one. Never skips: a lab that cannot start
    fails the tests that asked for it, with the reason.
    """
    env = os.environ.get("LEAKHOUND_LAB_DIR")
    state_dir = Path(env) if env else tmp_path_factory.getbasetemp() / "lab"
    with lab_session(state_dir) as session:
        yield session


# Tests that use the shared lab, or start servers of their own that are heavy on the two cores
# (a second lab, an Elasticsearch node), run one after another in one worker of `pytest -n`
# (`--dist loadgroup`), first, while the other workers take the rest: the lab is started once
# a session, and its tests never compete with one another for it.
SERVER_GROUP = "servers"
_SERVER_PATHS = ("integration", "lab/test_lab_lifecycle.py", "watch/test_watch_lab.py")


def _uses_servers(item: pytest.Item) -> bool:
    where = Path(str(item.path)).relative_to(Path(__file__).parent).as_posix()
    if any(where == p or where.startswith(p + "/") for p in _SERVER_PATHS):
        return True
    return "lab" in getattr(item, "fixturenames", ())


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    servers = [item for item in items if _uses_servers(item)]
    if not servers:
        return
    chosen = {id(item) for item in servers}
    for item in servers:
        item.add_marker(pytest.mark.xdist_group(SERVER_GROUP))
    items[:] = servers + [item for item in items if id(item) not in chosen]


def pytest_collection_finish(session: pytest.Session) -> None:
    """In a worker of ``--dist loadgroup``, after pytest-xdist named the groups: every test of
    the servers' group carries its name, or the lab's tests would run in every worker at once
    (a pytest that pytest-xdist cannot name groups in: see the pin in pyproject.toml)."""
    if not getattr(session.config.option, "loadgroup", False):  # set in xdist's workers
        return
    unnamed = [i.nodeid for i in session.items if _uses_servers(i) and "@" not in i.nodeid]
    if unnamed:
        raise pytest.UsageError(
            f"pytest-xdist did not group {unnamed[0]} with the servers' tests: "
            "pin pytest as pyproject.toml says"
        )
