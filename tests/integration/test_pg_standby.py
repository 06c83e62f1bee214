"""A PostgreSQL primary and its streaming standby, scanned together: one store (the system
identifier they share), its records and people counted once, the standby listed as another
way in and said to be one, its sample and full read those of a hot standby.

Real servers of their own, not the lab's: a throwaway primary (initdb, trust on loopback) and
a standby made of it by ``pg_basebackup -R``, on free loopback ports in a temporary folder,
run as the postgres account (PostgreSQL refuses root), stopped at the end.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from reports import report

from leakhound.cli import main
from leakhound.lab.postgresql import bindir
from leakhound.lab.servers import account, as_account, give, run, with_dev_null

pytestmark = pytest.mark.xdist_group("servers")

ROWS = 400
READER = "reader"  # a role of no privilege: the system identifier is refused to it


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _connect(port: int, user: str = "postgres") -> Any:
    import psycopg

    return psycopg.connect(
        host="127.0.0.1", port=port, user=user, dbname="postgres", autocommit=True
    )


@dataclass
class Pair:
    """The primary's and the standby's ports."""

    primary: int
    standby: int

    def targets(self, user: str = "postgres") -> list[str]:
        return [f"postgresql://{user}@127.0.0.1:{p}/postgres" for p in (self.primary, self.standby)]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """A primary seeded with ``public.customers`` (``ROWS`` rows, an address each) and its
    standby, caught up; EXECUTE on pg_control_system() revoked from PUBLIC (an owner may:
    the superuser keeps it, ``READER`` does not)."""
    home = tmp_path_factory.mktemp("pg-standby")
    home.chmod(0o755)
    user = account("postgres", "postgresql")
    give(home, user)
    as_pg = [*with_dev_null(user, home), *as_account(user)]
    bin_, log = bindir(), home / "log"
    ports = Pair(_free_port(), _free_port())
    started: list[Path] = []

    def start(data: Path, port: int) -> None:
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= "
            "-c fsync=off -c synchronous_commit=off -c shared_buffers=16MB -c max_connections=20"
        )
        argv = [*as_pg, str(bin_ / "pg_ctl"), "-D", str(data), "-o", options]
        run([*argv, "-l", str(home / f"{data.name}.log"), "-w", "start"], log, "pg_ctl start")
        started.append(data)

    try:
        initdb = [str(bin_ / "initdb"), "-D", str(home / "primary"), "-U", "postgres"]
        run([*as_pg, *initdb, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            log, "initdb")  # fmt: skip
        start(home / "primary", ports.primary)
        with _connect(ports.primary) as conn:
            conn.execute("CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL)")
            conn.execute(
                "INSERT INTO customers SELECT g, 'customer' || g || '@example.org' "
                f"FROM generate_series(1, {ROWS}) g"
            )
            conn.execute(f"CREATE ROLE {READER} LOGIN")
            conn.execute(f"GRANT SELECT ON customers TO {READER}")
            conn.execute("REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC")
        run([*as_pg, str(bin_ / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(ports.primary),
             "-U", "postgres", "-D", str(home / "standby"), "-R", "-X", "stream", "--no-sync"],
            log, "pg_basebackup")  # fmt: skip
        start(home / "standby", ports.standby)
        deadline = time.monotonic() + 60
        with _connect(ports.standby) as conn:
            while conn.execute("SELECT count(*) FROM customers").fetchone()[0] != ROWS:
                assert time.monotonic() < deadline, "the standby never caught up"
                time.sleep(0.1)
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        yield ports
    finally:
        for data in reversed(started):
            subprocess.run(
                [*as_pg, str(bin_ / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True, timeout=60, check=False,
            )  # fmt: skip
        shutil.rmtree(home, ignore_errors=True)


def _by_port(doc: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {r["service"]["endpoint"]["port"]: r for r in doc["results"]}


def _assessed(doc: dict[str, Any], db: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["assess", doc["scan_id"], "--db", str(db), "--format", "json"]) == 0
    got: dict[str, Any] = json.loads(capsys.readouterr().out)
    return got


@pytest.mark.parametrize("depth", ["sample", "full"])
def test_a_primary_and_its_standby_are_one_store_counted_once(
    pair: Pair, tmp_path: Path, capsys: pytest.CaptureFixture[str], depth: str
) -> None:
    doc, db = report(tmp_path, *pair.targets(), "--depth", depth)
    got = _by_port(doc)
    primary, standby = got[pair.primary], got[pair.standby]
    for result in (primary, standby):
        assert result["service"]["verdict"] == "open"
    fp, sfp = primary["service"]["fingerprint"], standby["service"]["fingerprint"]
    assert fp["cluster_uuid"] and fp["cluster_uuid"] == sfp["cluster_uuid"]
    assert (fp["details"]["standby"], sfp["details"]["standby"]) == (False, True)
    assert standby["service"]["reason"].endswith(
        "; a standby (in recovery: its primary's rows, read-only)"
    )
    # The standby is read as its primary is: the same rows, whole.
    (table,) = [i for i in standby["indices"] if i["index"]["name"].endswith("customers")]
    read = table[depth]
    assert read["docs"] == (ROWS if depth == "full" else read["requested"]), read
    assert read["docs"] and not read["error"], read
    if depth == "full":
        assert read["complete"]
    assessed = _assessed(doc, db, capsys)
    (store,) = assessed["stores"]
    assert store["documents"] == ROWS
    assert store["other_endpoints"] == [f"127.0.0.1:{pair.standby}"]
    assert assessed["records"]["value"] == ROWS
    if depth == "full":
        assert assessed["data_subjects"]["value"] == ROWS


def test_a_user_refused_the_system_identifier_scans_each_server_as_a_store_of_its_own(
    pair: Pair, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc, db = report(tmp_path, *pair.targets(READER))
    got = _by_port(doc)
    for port in (pair.primary, pair.standby):
        service = got[port]["service"]
        assert service["verdict"] == "open", service["reason"]
        assert service["fingerprint"]["cluster_uuid"] is None
    # whether it is a standby is anyone's to ask
    assert got[pair.standby]["service"]["fingerprint"]["details"]["standby"] is True
    assessed = _assessed(doc, db, capsys)
    assert len(assessed["stores"]) == 2
