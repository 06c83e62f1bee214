"""Debian's MariaDB as the lab's MySQL: open (root, empty password) and secured (passwords).

Databases ``support`` (table ``cases``, see tables.py), ``hr`` (``payroll``) and
``PLEASE_READ_ME_XMG`` (table ``WARNING`` with the ransom note: what the 2020 MySQL ransom
campaign left). The secured server knows ``root`` and ``lab``, both with the lab password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .seeder import Dataset
from .servers import (
    LabStore,
    LabTarget,
    Server,
    exchange,
    find_program,
    run,
    wait_ready,
)
from .state import PASSWORD, USERNAME
from .tables import CASE_COLUMNS, PAYROLL_COLUMNS, RANSOM_COLUMNS, rows, values

CASES = "support.cases"
PAYROLL = "hr.payroll"
RANSOM = "PLEASE_READ_ME_XMG.WARNING"
_PACKAGE = "mariadb-server"
# Small and quick: a lab server beside OpenSearch on a 2-core machine, written once per seed.
_TUNING = [
    "--innodb-buffer-pool-size=32M",
    "--innodb-log-file-size=16M",
    "--innodb-flush-log-at-trx-commit=2",
    "--innodb-doublewrite=0",
    "--innodb-log-buffer-size=2M",
    # Aria's page cache (128 MB by default) and table caches: 116 MB -> 56 MB resident.
    "--aria-pagecache-buffer-size=8M",
    "--key-buffer-size=1M",
    "--table-open-cache=200",
    "--table-definition-cache=400",
    "--max-connections=40",
    # --no-defaults skips Debian's config, and with it utf8mb4: the compiled default is latin1.
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_ci",
]
_SCHEMA = [
    "CREATE DATABASE support CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    """CREATE TABLE support.cases (
        case_id VARCHAR(20) PRIMARY KEY,
        created_at DATETIME NOT NULL,
        customer_name VARCHAR(200) NOT NULL,
        customer_email VARCHAR(254) NOT NULL,
        customer_phone VARCHAR(40),
        customer_ip VARCHAR(45) NOT NULL,
        customer_location JSON NOT NULL,
        agent_email VARCHAR(254) NOT NULL,
        subject VARCHAR(300) NOT NULL,
        description TEXT NOT NULL,
        internal_notes TEXT NOT NULL,
        status VARCHAR(20) NOT NULL,
        product VARCHAR(40) NOT NULL,
        KEY customer_email (customer_email),
        KEY created_at (created_at)
    ) ENGINE=InnoDB""",
    "CREATE DATABASE hr CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    """CREATE TABLE hr.payroll (
        employee_id VARCHAR(10) PRIMARY KEY,
        name VARCHAR(200) NOT NULL,
        email VARCHAR(254) NOT NULL,
        iban VARCHAR(34) NOT NULL,
        salary_amount INT NOT NULL,
        salary_currency CHAR(3) NOT NULL,
        department VARCHAR(40) NOT NULL,
        hired_at DATE NOT NULL,
        city VARCHAR(100)
    ) ENGINE=InnoDB""",
    "CREATE DATABASE PLEASE_READ_ME_XMG CHARACTER SET utf8mb4",
    "CREATE TABLE PLEASE_READ_ME_XMG.WARNING (message TEXT, btc VARCHAR(64), email VARCHAR(254))",
]
# Run by the secured server at each start (idempotent): root keeps only its loopback accounts,
# all with the password, and the lab user reads everything.
_SECURE = f"""\
DELETE FROM mysql.global_priv WHERE User = 'root' AND Host NOT IN ('localhost', '127.0.0.1', '::1');
FLUSH PRIVILEGES;
ALTER USER IF EXISTS 'root'@'localhost' IDENTIFIED BY '{PASSWORD}', 'root'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}', 'root'@'::1' IDENTIFIED BY '{PASSWORD}';
CREATE USER IF NOT EXISTS '{USERNAME}'@'%' IDENTIFIED BY '{PASSWORD}';
GRANT ALL PRIVILEGES ON *.* TO '{USERNAME}'@'%';
"""  # noqa: E501, S608 - one statement a line; our constants, not input


def socket_path(home: Path) -> Path:
    """The server's Unix socket: in its folder, or in /tmp when that path is too long for one."""
    path = home / "mariadbd.sock"
    if len(str(path).encode()) < 100:  # sun_path holds 108 bytes with the NUL
        return path
    digest = hashlib.sha256(bytes(home)).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"leakhound-mariadb-{digest}.sock"


def greeting_version(packet: bytes) -> str | None:
    """The server version of a MySQL handshake packet (protocol 10), or None for anything else."""
    # 3-byte length, 1-byte sequence, then the payload: 0x0a and the NUL-ended version.
    if len(packet) < 6 or packet[4] != 0x0A:
        return None  # 0xff: an error packet, e.g. "Too many connections"
    end = packet.find(b"\0", 5)
    return packet[5:end].decode("ascii", "replace") if end > 5 else None


def _tmpdir(server: Server) -> str:
    """The server's own folder for temporary tables, made if missing, rather than the /tmp
    every other server and test shares: an install here once aborted on "Could not remove
    temporary table: '/tmp/#sql-temptable-…', error: 2" while other labs ran."""
    tmp = server.home / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    return f"--tmpdir={tmp}"


class MariaDBStore(LabStore):
    """Two mariadbd servers from mariadb-install-db: root without a password, and with one."""

    kind = "mysql"
    name = "MariaDB"

    def check(self, cache: Path) -> None:
        """mariadbd and mariadb-install-db."""
        find_program("mariadbd", _PACKAGE)
        find_program("mariadb-install-db", _PACKAGE)

    def prepare(self, server: Server, cache: Path) -> None:
        """mariadb-install-db once: root@localhost, 127.0.0.1 and ::1 with no password."""
        done = server.home / "INITIALISED"
        if done.is_file():
            return
        data = server.home / "data"
        shutil.rmtree(data, ignore_errors=True)  # a half-made one from an interrupted up
        server.home.mkdir(parents=True, exist_ok=True)
        server.home.chmod(0o700)
        # --no-defaults first, or Debian's /etc/mysql is read; "normal" root authentication,
        # or root@localhost gets unix_socket and cannot log in over TCP.
        argv = [find_program("mariadb-install-db", _PACKAGE), "--no-defaults", *_as_root(),
                f"--datadir={data}", _tmpdir(server), "--auth-root-authentication-method=normal",
                "--skip-test-db", "--skip-name-resolve", *_TUNING]  # fmt: skip
        run(argv, server.log, "mariadb-install-db")
        done.write_text("mariadb-install-db done\n")

    def start(self, server: Server) -> int:
        """mariadbd on 127.0.0.1:PORT (as root: --user=root, see _as_root)."""
        from . import process

        argv = [
            find_program("mariadbd", _PACKAGE), "--no-defaults", *_as_root(),
            f"--datadir={server.home / 'data'}", _tmpdir(server),
            f"--socket={socket_path(server.home)}",
            f"--pid-file={server.home / 'mariadbd.pid'}",
            f"--port={server.port}", "--bind-address=127.0.0.1",
            # 127.0.0.1 is matched as such, never looked up (no DNS, and root@127.0.0.1 exists).
            "--skip-name-resolve", "--skip-log-bin", *_TUNING,
        ]  # fmt: skip
        if server.secured:
            init = server.home / "secure.sql"
            init.write_text(_SECURE)
            init.chmod(0o600)
            argv.append(f"--init-file={init}")
        return process.spawn([*argv, *server.options], server.log, cwd=server.home)

    def wait(self, server: Server, pid: int, started: int | None) -> str:
        """The server's handshake packet (sent before any authentication) names its version."""

        def check() -> str | None:
            version = greeting_version(exchange(server.port, b""))
            # "5.5.5-10.11.19-MariaDB-0+deb12u1": the prefix is for old replication clients.
            return version.removeprefix("5.5.5-").split("-", 1)[0] if version else None

        return wait_ready(server, self.name, pid, started, check)

    def url(self, port: int) -> str:
        """mysql://root@127.0.0.1:PORT"""
        return f"mysql://root@127.0.0.1:{port}"

    def describe(self, role: str, version: str | None) -> str:
        """MariaDB VERSION, root without / with a password."""
        if role == "secured":
            return f"MariaDB {version or '?'}, root and {USERNAME} with a password"
        return f"MariaDB {version or '?'}, root with an empty password"

    def shape(self, dataset: Dataset) -> Dataset:
        """Rows of support.cases, hr.payroll and PLEASE_READ_ME_XMG.WARNING."""
        return rows(dataset, CASES, PAYROLL, RANSOM)

    def write(self, target: LabTarget, shaped: Dataset) -> None:
        """Drop and create the three databases, then multi-row INSERTs (executemany)."""
        tables: dict[str, list[dict[str, Any]]] = {CASES: [], PAYROLL: [], RANSOM: []}
        for doc in shaped.docs:
            tables[doc.index].append(doc.source)
        conn = _connect(target)
        try:
            with conn.cursor() as cur:
                for name in (CASES, PAYROLL, RANSOM):
                    cur.execute(f"DROP DATABASE IF EXISTS {name.split('.')[0]}")
                for statement in _SCHEMA:
                    cur.execute(statement)
                for table, columns in ((CASES, CASE_COLUMNS), (PAYROLL, PAYROLL_COLUMNS),
                                       (RANSOM, RANSOM_COLUMNS)):  # fmt: skip
                    data = [_row(table, row, columns) for row in tables[table]]
                    marks = ", ".join(["%s"] * len(columns))
                    # PyMySQL turns executemany of one INSERT … VALUES into multi-row
                    # statements of up to 1 MB each.
                    cur.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                        data,
                    )
            conn.commit()
            with conn.cursor() as cur:
                # Statistics measured with the rows, as a server in use has them (MariaDB
                # measures a table's pages in the background, seconds after it is filled):
                # a scan right after seeding sees each table's size.
                cur.execute(f"ANALYZE TABLE {', '.join((CASES, PAYROLL, RANSOM))}")
                cur.fetchall()
        finally:
            conn.close()

    def count(self, target: LabTarget) -> dict[str, int]:
        """COUNT(*) of each table (0 for one that is missing)."""
        conn = _connect(target)
        counts = {}
        try:
            with conn.cursor() as cur:
                for table in (CASES, PAYROLL, RANSOM):
                    schema, name = table.split(".")
                    cur.execute(
                        "SELECT COUNT(*) FROM information_schema.tables "
                        "WHERE table_schema = %s AND table_name = %s",
                        (schema, name),
                    )
                    if not cur.fetchone()[0]:
                        counts[table] = 0
                        continue
                    cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - a constant
                    counts[table] = int(cur.fetchone()[0])
        finally:
            conn.close()
        return counts


def _as_root() -> list[str]:
    """--user=root when we are root: mariadbd refuses root unless told so.

    Not --user=mysql: the state directory may lie under a folder only root may enter (pytest's
    0700 tmp dirs, /root), and a mysql process let through with CAP_DAC_READ_SEARCH (as
    PostgreSQL is) still fails Aria's access() checks, which drop capabilities: every system
    table then looks "moved", is zero-filled at first open, and mysql.proc ends up corrupt.
    """
    return ["--user=root"] if os.geteuid() == 0 else []


def _row(table: str, row: dict[str, Any], columns: tuple[str, ...]) -> tuple[Any, ...]:
    """A row's values as PyMySQL sends them: naive UTC DATETIME, JSON text."""
    line = list(values(row, columns))
    if table == CASES:
        line[1] = dt.datetime.fromisoformat(line[1]).replace(tzinfo=None)
        line[6] = json.dumps(line[6], ensure_ascii=False)
    return tuple(line)


def _connect(target: LabTarget) -> Any:
    """A PyMySQL connection to a lab target (as lab when secured, else root)."""
    import pymysql

    return pymysql.connect(host="127.0.0.1", port=target.port, user=target.username or "root",
                           password=target.password or "", charset="utf8mb4",
                           connect_timeout=30, read_timeout=300, write_timeout=300)  # fmt: skip


STORE = MariaDBStore()
