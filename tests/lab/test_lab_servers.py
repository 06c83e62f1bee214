"""Each database launcher on its own: starts both instances, they answer a real client (the
secured one only with the lab credentials), and stopping leaves no process and no listener."""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pymongo.errors
import pytest
from store_clients import REFUSALS, close, connect, read_something

from leakhound.lab import KINDS, LabTarget, databases, process
from leakhound.lab.servers import ROLES, LabStore, Server, as_account, with_dev_null
from leakhound.lab.state import LabPaths, cache_dir, free_ports


class Instance(NamedTuple):
    """One started server of the launcher under test."""

    server: Server
    pid: int
    started: int | None
    target: LabTarget


class Launched(NamedTuple):
    """A kind's two instances, started in a state directory of their own."""

    store: LabStore
    instances: dict[str, Instance]


@pytest.fixture(scope="module", params=KINDS)
def launched(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Launched]:
    """Both instances of one kind, prepared and started in a fresh (0700) tmp directory."""
    store = databases.by_kind(request.param)
    paths = LabPaths(tmp_path_factory.mktemp(f"servers-{store.kind}"))
    instances: dict[str, Instance] = {}
    try:
        for role, port in zip(ROLES, free_ports(len(ROLES)), strict=True):
            server = databases.server(paths, store.kind, role, port)
            store.prepare(server, cache_dir())
            pid = store.start(server)
            started = process.start_time(pid)
            version = store.wait(server, pid, started)
            instances[role] = Instance(server, pid, started, store.target(role, port, version))
        yield Launched(store, instances)
    finally:
        for each in instances.values():
            store.stop(each.pid, each.started)


def test_open_instance_answers_a_client_without_credentials(launched: Launched) -> None:
    kind = launched.store.kind
    target = launched.instances["open"].target
    assert target.description.split()[1] != "?"  # the version was read
    client = connect(target)
    try:
        assert read_something(kind, client) is not None
    finally:
        close(kind, client)


def test_secured_instance_refuses_a_client_without_credentials(launched: Launched) -> None:
    kind = launched.store.kind
    target = launched.instances["secured"].target
    with pytest.raises(REFUSALS[kind]) as caught:
        client = connect(target)
        try:
            read_something(kind, client)
        finally:
            close(kind, client)
    if kind == "mongodb":  # code 13 Unauthorized: "listDatabases requires authentication"
        assert isinstance(caught.value, pymongo.errors.OperationFailure)
        assert caught.value.code == 13
    if kind == "mysql":
        assert caught.value.args[0] == 1045  # Access denied for user 'root'


def test_secured_instance_refuses_a_wrong_password(launched: Launched) -> None:
    kind = launched.store.kind
    target = launched.instances["secured"].target
    with pytest.raises(REFUSALS[kind]):
        client = connect(target, "not-the-password", target.username)
        try:
            read_something(kind, client)
        finally:
            close(kind, client)


def test_secured_instance_reads_with_the_lab_credentials(launched: Launched) -> None:
    kind = launched.store.kind
    target = launched.instances["secured"].target
    client = connect(target, target.password, target.username)
    try:
        assert read_something(kind, client) is not None
    finally:
        close(kind, client)


def test_secured_superuser_has_the_lab_password_too(launched: Launched) -> None:
    # The name in the target URL (postgres, root) works with the lab password as well.
    kind = launched.store.kind
    if kind not in ("postgresql", "mysql"):
        return
    target = launched.instances["secured"].target
    client = connect(target, target.password)
    try:
        assert read_something(kind, client) is not None
    finally:
        close(kind, client)


def test_servers_listen_on_loopback_only(launched: Launched) -> None:
    ports = {each.target.port for each in launched.instances.values()}
    listening = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True, check=True).stdout
    for line in listening.splitlines():
        local = line.split()[3]
        if int(local.rsplit(":", 1)[1]) in ports:
            assert local.rsplit(":", 1)[0] == "127.0.0.1", line


def descendants(pid: int) -> set[int]:
    """pid and every process below it (PostgreSQL's children each start a session of their
    own, so the process group alone does not find them)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    found = {pid}
    while True:
        more = {child for child, parent in parents.items() if parent in found} - found
        if not more:
            return found
        found |= more


def running(pids: set[int]) -> set[int]:
    """The pids that still run (zombies wait for init to reap them: they do not count)."""
    alive = set()
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] not in "ZX":
            alive.add(pid)
    return alive


def test_stop_leaves_no_process_and_no_listener(launched: Launched) -> None:
    for each in launched.instances.values():
        tree = descendants(each.pid)
        if launched.store.kind == "postgresql":
            assert len(tree) > 1  # the postmaster's helpers: checkpointer, walwriter…
        launched.store.stop(each.pid, each.started)
        assert not process.alive(each.pid, each.started)
        assert running(tree) == set()
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", each.target.port), 1):
            pass


def test_servers_keep_their_files_in_their_own_folder(launched: Launched) -> None:
    for role, each in launched.instances.items():
        assert each.server.home == LabPaths(each.server.home.parents[1]).server_home(
            launched.store.kind, role
        )
        assert any(each.server.home.iterdir())
        assert each.server.log.is_file() and Path(each.server.log).stat().st_size > 0


def test_an_account_program_may_write_dev_null(tmp_path: Path) -> None:
    """initdb writes to /dev/null as postgres: on a machine whose /dev/null is root's alone
    (0600) the program gets one it may write, and the host's /dev/null is left as it was."""
    if os.geteuid() != 0:
        user = None  # not root: programs run as the current user, who has /dev/null as it is
    else:
        user = pwd.getpwnam("nobody")
        tmp_path.chmod(0o755)
    before = os.stat("/dev/null")
    argv = [*with_dev_null(user, tmp_path), *as_account(user), "/bin/sh", "-c",
            "echo written >/dev/null && cat /dev/null && echo ok"]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "ok\n", "")
    after = os.stat("/dev/null")
    same = (after.st_mode, after.st_rdev, after.st_ino)
    assert same == (before.st_mode, before.st_rdev, before.st_ino)
