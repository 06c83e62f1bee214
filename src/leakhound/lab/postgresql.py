"""Debian's PostgreSQL as the lab's: open (trust) and secured (scram-sha-256) clusters.

Database ``support``: table ``public.cases`` (see tables.py), ``hr.payroll`` (a schema of its
own, as a second team's tables would be), and ``public.readme_to_recover`` with the ransom note
(the table name PostgreSQL ransom bots have used). The secured cluster knows two passwords:
``postgres`` (the superuser initdb made) and ``lab``, both with the lab password.
"""

from __future__ import annotations

import datetime as dt
import pwd
import shutil
import signal
import struct
from pathlib import Path
from typing import Any

from .errors import LabError
from .seeder import Dataset
from .servers import (
    LabStore,
    LabTarget,
    Server,
    account,
    as_account,
    exchange,
    give,
    run,
    stop,
    version_of,
    wait_ready,
    with_dev_null,
)
from .state import PASSWORD, USERNAME
from .tables import CASE_COLUMNS, PAYROLL_COLUMNS, RANSOM_COLUMNS, rows, values

DATABASE = "support"
CASES = "support.public.cases"
PAYROLL = "support.hr.payroll"
RANSOM = "support.public.readme_to_recover"
_PACKAGE = "postgresql"
_SCHEMA = """
CREATE TABLE cases (
    case_id text PRIMARY KEY,
    created_at timestamptz NOT NULL,
    customer_name text NOT NULL,
    customer_email text NOT NULL,
    customer_phone text,
    customer_ip inet NOT NULL,
    customer_location jsonb NOT NULL,
    agent_email text NOT NULL,
    subject text NOT NULL,
    description text NOT NULL,
    internal_notes text NOT NULL,
    status text NOT NULL,
    product text NOT NULL
);
CREATE SCHEMA hr;
CREATE TABLE hr.payroll (
    employee_id text PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL,
    iban text NOT NULL,
    salary_amount integer NOT NULL,
    salary_currency char(3) NOT NULL,
    department text NOT NULL,
    hired_at date NOT NULL,
    city text
);
CREATE TABLE readme_to_recover (message text, btc text, email text);
"""
_INDEXES = """
CREATE INDEX cases_customer_email ON cases (customer_email);
CREATE INDEX cases_created_at ON cases (created_at);
"""


def bindir() -> Path:
    """The newest /usr/lib/postgresql/N/bin (Debian keeps the server off PATH), else PATH's."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("postgres")
    if on_path:
        return Path(on_path).parent
    raise LabError(f"PostgreSQL not found: install {_PACKAGE} (apt-get install {_PACKAGE})")


def startup_message(user: str = "postgres", database: str = "postgres") -> bytes:
    """A protocol 3.0 StartupMessage, the first thing a client sends."""
    body = struct.pack("!I", 196608) + f"user\0{user}\0database\0{database}\0\0".encode()
    return struct.pack("!I", len(body) + 4) + body


class PostgresStore(LabStore):
    """Two clusters made by initdb: trust for everyone, and scram-sha-256."""

    kind = "postgresql"
    name = "PostgreSQL"

    def check(self, cache: Path) -> None:
        """The server programs and, as root, the postgres account (initdb refuses root)."""
        bindir()
        account("postgres", _PACKAGE)

    def prepare(self, server: Server, cache: Path) -> None:
        """initdb once (the secured one with the password), and the lab role."""
        done = server.home / "INITIALISED"
        if done.is_file():
            return
        user = account("postgres", _PACKAGE)
        data = server.home / "data"
        shutil.rmtree(data, ignore_errors=True)  # a half-made cluster from an interrupted up
        server.home.mkdir(parents=True, exist_ok=True)
        server.home.chmod(0o700)
        give(server.home, user)
        bin_ = bindir()
        argv = [*_as_postgres(user, server), str(bin_ / "initdb"), "-D", str(data),
                "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]  # fmt: skip
        pwfile = server.home / "pwfile"
        if server.secured:
            pwfile.write_text(PASSWORD + "\n")
            pwfile.chmod(0o600)
            give(pwfile, user)
            argv += ["--auth=scram-sha-256", f"--pwfile={pwfile}"]
        else:
            argv += ["--auth=trust"]
        try:
            run(argv, server.log, "initdb")
        finally:
            pwfile.unlink(missing_ok=True)
        if server.secured:
            # Single-user mode: the role exists before the first network connection, and no
            # client library is needed to make it.
            sql = f"CREATE ROLE {USERNAME} LOGIN SUPERUSER PASSWORD '{PASSWORD}';\n"
            run([*_as_postgres(user, server), str(bin_ / "postgres"), "--single", "-D", str(data),
                 "-j", "postgres"], server.log, "creating the lab role", stdin=sql)  # fmt: skip
        done.write_text("initdb done\n")

    def start(self, server: Server) -> int:
        """postgres on 127.0.0.1:PORT, no Unix socket (no path-length or permission trouble)."""
        from . import process

        user = account("postgres", _PACKAGE)
        argv = [
            *_as_postgres(user, server),
            str(bindir() / "postgres"), "-D", str(server.home / "data"),
            "-p", str(server.port),
            "-c", "listen_addresses=127.0.0.1",
            "-c", "unix_socket_directories=",
            # A lab: losing the last writes in a machine crash is fine, seeding fast is not.
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "shared_buffers=32MB", "-c", "max_connections=40",
        ]  # fmt: skip
        return process.spawn([*argv, *server.options], server.log, cwd=server.home)

    def wait(self, server: Server, pid: int, started: int | None) -> str:
        """A StartupMessage gets an authentication request ("R"), not "starting up" ("E")."""

        def check() -> str | None:
            if exchange(server.port, startup_message())[:1] != b"R":
                return None
            return version_of([str(bindir() / "postgres"), "-V"], r"PostgreSQL\)\s+(\S+)")

        return wait_ready(server, self.name, pid, started, check)

    def stop(self, pid: int | None, started: int | None) -> None:
        """SIGINT: fast shutdown (SIGTERM would wait for clients to leave)."""
        stop(pid, started, signal.SIGINT)

    def url(self, port: int) -> str:
        """postgresql://postgres@127.0.0.1:PORT/postgres"""
        return f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def describe(self, role: str, version: str | None) -> str:
        """PostgreSQL VERSION, trust / scram-sha-256."""
        if role == "secured":
            return f"PostgreSQL {version or '?'}, scram-sha-256 (users postgres and {USERNAME})"
        return f"PostgreSQL {version or '?'}, trust: any user, no password"

    def shape(self, dataset: Dataset) -> Dataset:
        """Rows of support.public.cases, support.hr.payroll, support.public.readme_to_recover."""
        return rows(dataset, CASES, PAYROLL, RANSOM)

    def write(self, target: LabTarget, shaped: Dataset) -> None:
        """Drop and create the support database, then COPY every table."""
        from psycopg.types.json import Jsonb

        with _connect(target, "postgres") as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {DATABASE}")
        tables: dict[str, list[dict[str, Any]]] = {CASES: [], PAYROLL: [], RANSOM: []}
        for doc in shaped.docs:
            tables[doc.index].append(doc.source)
        with _connect(target, DATABASE) as conn, conn.transaction():
            conn.execute(_SCHEMA)
            with conn.cursor() as cur:
                for table, columns in ((CASES, CASE_COLUMNS), (PAYROLL, PAYROLL_COLUMNS),
                                       (RANSOM, RANSOM_COLUMNS)):  # fmt: skip
                    name = table.split(".", 1)[1]
                    copy_sql = f"COPY {name} ({', '.join(columns)}) FROM STDIN"
                    with cur.copy(copy_sql) as copy:
                        for row in tables[table]:
                            line = list(values(row, columns))
                            if table == CASES:
                                line[1] = dt.datetime.fromisoformat(line[1])
                                line[6] = Jsonb(line[6])
                            copy.write_row(line)
            conn.execute(_INDEXES)

    def count(self, target: LabTarget) -> dict[str, int]:
        """count(*) of each table (0 for one that is missing)."""
        import psycopg

        counts = {}
        try:
            conn = _connect(target, DATABASE)
        except psycopg.OperationalError as exc:
            if 'database "support" does not exist' in str(exc):
                return dict.fromkeys((CASES, PAYROLL, RANSOM), 0)
            raise
        with conn:
            for table in (CASES, PAYROLL, RANSOM):
                name = table.split(".", 1)[1]
                row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()
                if not row or not row[0]:
                    counts[table] = 0
                    continue
                got = conn.execute(f"SELECT count(*) FROM {name}").fetchone()  # noqa: S608
                counts[table] = int(got[0]) if got else 0
        return counts


def _connect(target: LabTarget, database: str) -> Any:
    """An autocommit psycopg connection to a lab target (as lab when secured)."""
    import psycopg

    return psycopg.connect(host="127.0.0.1", port=target.port, dbname=database,
                           user=target.username or "postgres", password=target.password,
                           autocommit=True, connect_timeout=30)  # fmt: skip


STORE = PostgresStore()


def _as_postgres(user: pwd.struct_passwd | None, server: Server) -> list[str]:
    """The argv prefix that runs a program as postgres, with a /dev/null it may write."""
    return [*with_dev_null(user, server.home), *as_account(user)]
