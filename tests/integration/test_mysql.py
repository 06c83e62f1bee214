"""The MySQL kind against real MariaDB servers: one open (root, empty password), one secured
(root with a password), both seeded with the lab's generated support cases as tables.

The servers are started here (``mariadb-install-db`` + ``mariadbd``, loopback only, our own
ports and folders) and seeded through the ``mariadb`` client with the rows of
``leakhound.lab.seeder.generate``; the truth is counted from those rows.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from scanproc import run_until

from leakhound.cli import main
from leakhound.lab.seeder import PAYROLL_INDEX, RANSOM_INDEX, SUPPORT_PREFIX, generate
from leakhound.probes.mysql import ALLOW

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "src/leakhound/schema/scan-result.schema.json").read_text()
)
RECORDS = 2000
PASSWORD = "s3cret-lab"
CASES, PAYROLL, RANSOM = "support.cases", "hr.payroll", "PLEASE_READ_ME_XMG.WARNING"
# Names a hostile (or merely careless) schema may hold: each must stay inside its backticks.
ODD_DB = "we`ird'db;/*"
ODD_TABLE = 'ta`ble"; DROP TABLE canary; -- /*x*/'
CANARY = "canary"

_SCHEMA_SQL = """
CREATE DATABASE support CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE TABLE support.cases (
  case_id VARCHAR(20) PRIMARY KEY, created_at DATETIME NOT NULL,
  customer_name VARCHAR(200) NOT NULL, customer_email VARCHAR(254) NOT NULL,
  customer_phone VARCHAR(40), customer_ip VARCHAR(45) NOT NULL, customer_location JSON NOT NULL,
  agent_email VARCHAR(254) NOT NULL, subject VARCHAR(300) NOT NULL, description TEXT NOT NULL,
  internal_notes TEXT NOT NULL, status VARCHAR(20) NOT NULL, product VARCHAR(40) NOT NULL,
  KEY customer_email (customer_email), KEY created_at (created_at)) ENGINE=InnoDB;
CREATE DATABASE hr CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE TABLE hr.payroll (
  employee_id VARCHAR(10) PRIMARY KEY, name VARCHAR(200) NOT NULL, email VARCHAR(254) NOT NULL,
  iban VARCHAR(34) NOT NULL, salary_amount INT NOT NULL, salary_currency CHAR(3) NOT NULL,
  department VARCHAR(40) NOT NULL, hired_at DATE NOT NULL, city VARCHAR(100)) ENGINE=InnoDB;
CREATE DATABASE PLEASE_READ_ME_XMG CHARACTER SET utf8mb4;
CREATE TABLE PLEASE_READ_ME_XMG.WARNING (message TEXT, btc VARCHAR(64), email VARCHAR(254));
"""


@dataclass
class Truth:
    """What was written: rows per table, distinct customers, the cases' date range."""

    rows: dict[str, int] = field(default_factory=dict)
    customers: int = 0
    case_emails: int = 0  # distinct addresses in any column of the cases: their people
    created: tuple[str, str] = ("", "")
    pii: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # table -> kind -> cols


@dataclass
class Server:
    """One mariadbd of this module."""

    port: int
    proc: subprocess.Popen[bytes]
    home: Path
    password: str = ""

    @property
    def url(self) -> str:
        return f"mysql://127.0.0.1:{self.port}"

    def client(self, sql: str) -> str:
        """Run SQL through the mariadb client (not leakhound) as root."""
        argv = [
            "mariadb",
            "--no-defaults",
            "-h127.0.0.1",
            f"-P{self.port}",
            "-uroot",
            "--batch",
            "--skip-column-names",
            "--default-character-set=utf8mb4",
        ]
        env = {**os.environ, "MYSQL_PWD": self.password} if self.password else os.environ
        done = subprocess.run(
            argv, input=sql.encode(), capture_output=True, env=env, timeout=300, check=False
        )
        assert done.returncode == 0, done.stderr.decode()[-500:]
        return done.stdout.decode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(home: Path, secured: bool, *extra: str) -> Server:
    """install-db once, then mariadbd on a free loopback port, answering within 60 s."""
    home.mkdir(parents=True)
    root = ["--user=root"] if os.geteuid() == 0 else []
    data = home / "data"
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            *root,
            f"--datadir={data}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = _free_port()
    argv = [
        "mariadbd",
        "--no-defaults",
        *root,
        f"--datadir={data}",
        f"--socket={home / 's.sock'}",
        f"--port={port}",
        "--bind-address=127.0.0.1",
        f"--pid-file={home / 'pid'}",
        f"--log-error={home / 'error.log'}",
        "--skip-name-resolve",
        "--skip-log-bin",
        "--innodb-buffer-pool-size=32M",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_unicode_ci",
        *extra,
    ]
    if secured:
        init = home / "secure.sql"
        init.write_text(
            "DELETE FROM mysql.global_priv WHERE User = 'root' AND Host NOT IN "
            "('localhost', '127.0.0.1', '::1');\nFLUSH PRIVILEGES;\n"
            f"ALTER USER 'root'@'localhost' IDENTIFIED BY '{PASSWORD}', 'root'@'127.0.0.1' "
            f"IDENTIFIED BY '{PASSWORD}', 'root'@'::1' IDENTIFIED BY '{PASSWORD}';\n"
        )
        argv.append(f"--init-file={init}")
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Server(port, proc, home, PASSWORD if secured else "")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, (home / "error.log").read_text()[-2000:]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                if s.recv(64)[4:5] == b"\x0a":
                    return server
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"mariadbd did not answer: {(home / 'error.log').read_text()[-2000:]}")


def _stop(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(30)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait(10)


def _lit(value: Any) -> str:
    """A value as an SQL literal (hex for text: nothing in it needs escaping)."""
    if value is None:
        return "NULL"
    if isinstance(value, int | float):
        return repr(value)
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False)
    return f"_utf8mb4 X'{value.encode().hex()}'"


def _column(path: str) -> str:
    """A document path as the column (and JSON path) the tables keep it in."""
    if path.startswith("customer.location."):
        return "customer_location." + path.removeprefix("customer.location.")
    if path.startswith("customer."):
        return path.replace(".", "_", 1)
    return path


def _seed_sql() -> tuple[str, Truth]:
    """The SQL that writes RECORDS cases, the payroll and the ransom note, and its truth."""
    dataset = generate(RECORDS, seed=1)
    rows: dict[str, list[str]] = {CASES: [], PAYROLL: [], RANSOM: []}
    truth = Truth(pii={CASES: {}, PAYROLL: {}, RANSOM: {}})
    customers: set[str] = set()
    case_emails: set[str] = set()
    dates: list[str] = []
    for doc in dataset.docs:
        s = doc.source
        if doc.index.startswith(SUPPORT_PREFIX):
            table, c = CASES, s["customer"]
            values = [
                s["case_id"],
                s["created_at"].replace("T", " ").removesuffix("Z"),
                c["name"],
                c["email"],
                c.get("phone"),
                c["ip"],
                c["location"],
                s["agent_email"],
                s["subject"],
                s["description"],
                s["internal_notes"],
                s["status"],
                s["product"],
            ]
            customers.add(c["email"])
            case_emails |= doc.emails
            dates.append(s["created_at"].removesuffix("Z"))
        elif doc.index == PAYROLL_INDEX:
            table = PAYROLL
            values = [
                s["employee_id"],
                s["name"],
                s["email"],
                s["iban"],
                s["salary"]["amount"],
                s["salary"]["currency"],
                s["department"],
                s["hired_at"],
                s.get("city"),
            ]
        elif doc.index == RANSOM_INDEX:
            table, values = RANSOM, [s["message"], s["btc"], s["email"]]
        else:
            continue
        rows[table].append("(" + ", ".join(_lit(v) for v in values) + ")")
        for kind, paths in doc.pii.items():
            truth.pii[table].setdefault(kind, set()).update(_column(p) for p in paths)
    statements = [_SCHEMA_SQL]
    for table, values in rows.items():
        for start in range(0, len(values), 500):
            statements.append(
                f"INSERT INTO {table} VALUES {', '.join(values[start : start + 500])};"
            )
    truth.rows = {t: len(v) for t, v in rows.items()}
    truth.customers = len(customers)
    truth.case_emails = len(case_emails)
    truth.created = (min(dates), max(dates))
    return "\n".join(statements), truth


def _odd_sql() -> str:
    q = lambda name: "`" + name.replace("`", "``") + "`"  # noqa: E731
    return (
        f"CREATE DATABASE {q(ODD_DB)};\n"
        f"CREATE TABLE {q(ODD_DB)}.{q(ODD_TABLE)} (id INT PRIMARY KEY, contact VARCHAR(100));\n"
        f"INSERT INTO {q(ODD_DB)}.{q(ODD_TABLE)} VALUES (1, 'odd.person@example.net'), "
        f"(2, 'other.person@example.net'), (3, 'third.person@example.net');\n"
        f"CREATE TABLE {q(ODD_DB)}.{CANARY} (id INT PRIMARY KEY);\n"
        f"INSERT INTO {q(ODD_DB)}.{CANARY} VALUES (1), (2);\n"
    )


@dataclass
class Servers:
    """The two servers and what was seeded."""

    open: Server
    secured: Server
    truth: Truth


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """An open and a secured MariaDB, seeded alike; the open one also holds the odd names."""
    assert shutil.which("mariadbd") and shutil.which("mariadb-install-db"), (
        "mariadb-server is needed (apt-get install mariadb-server)"
    )
    base = tmp_path_factory.mktemp("mariadb")
    started: list[Server] = []
    try:
        started.append(_start(base / "open", secured=False))
        started.append(_start(base / "secured", secured=True))
        seed, truth = _seed_sql()
        for server in started:
            server.client(seed)
        started[0].client(_odd_sql())
        # An account without a password that reads the payroll only.
        started[0].client("CREATE USER 'reader'@'%'; GRANT SELECT ON hr.* TO 'reader'@'%';")
        yield Servers(started[0], started[1], truth)
    finally:
        for server in started:
            _stop(server)


def _scan(tmp: Path, *argv: str, schema: bool = True) -> dict[str, Any]:
    db, out = tmp / "f.db", tmp / "report.json"
    assert (
        main(
            [
                "scan",
                *argv,
                "--db",
                str(db),
                "--format",
                "json",
                "--output",
                str(out),
                "--workers",
                "0",
                "--no-progress",
            ]
        )
        == 0
    )
    doc = json.loads(out.read_text())
    if schema:
        jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    return doc


def _tables(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {ir["index"]["name"]: ir for ir in result["indices"]}


@pytest.fixture(scope="module")
def sampled(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One sample scan of both servers, without credentials."""
    tmp = tmp_path_factory.mktemp("sampled")
    doc = _scan(
        tmp, servers.open.url, f"mariadb://127.0.0.1:{servers.secured.port}", "--sample", "50"
    )
    return {r["service"]["endpoint"]["port"]: r for r in doc["results"]}


def test_open_and_secured_verdicts(servers: Servers, sampled: dict[int, Any]) -> None:
    opened, secured = sampled[servers.open.port], sampled[servers.secured.port]
    assert opened["service"]["verdict"] == "open"
    assert "root with an empty password logs in" in opened["service"]["reason"]
    assert opened["service"]["fingerprint"]["product"] == "mariadb"
    assert secured["service"]["verdict"] == "secured"
    assert (
        "1045" in secured["service"]["reason"] and "Access denied" in secured["service"]["reason"]
    )
    assert secured["indices"] == []


def test_counts_are_exact_and_equal_the_seeders(servers: Servers, sampled: dict[int, Any]) -> None:
    tables = _tables(sampled[servers.open.port])
    for name, rows in servers.truth.rows.items():
        index = tables[name]["index"]
        assert (index["docs"], index["docs_exact"]) == (rows, True), name
    assert not any(
        n.split(".")[0] in ("mysql", "information_schema", "performance_schema", "sys")
        for n in tables
    )


def test_fields_dates_and_ransom_signs(servers: Servers, sampled: dict[int, Any]) -> None:
    tables = _tables(sampled[servers.open.port])
    cases = tables[CASES]["index"]
    paths = {f["path"]: f["type"] for f in cases["fields"]}
    assert {
        "customer_location.city",
        "customer_location.country",
        "customer_location.geo.lat",
    } <= set(paths)
    assert paths["customer_email"] == "varchar" and paths["created_at"] == "datetime"
    assert cases["key"] == ["case_id"] and cases["json_columns"] == ["customer_location"]
    assert cases["date_field"] == "created_at"
    assert (cases["date_min"], cases["date_max"]) == servers.truth.created
    ransom = tables[RANSOM]["index"]
    assert ransom["compromised"]
    assert any("ransom note" in r for r in ransom["compromise_reasons"])
    assert not tables[PAYROLL]["index"]["compromised"]


def test_sample_finds_the_seeded_pii_masked(servers: Servers, sampled: dict[int, Any]) -> None:
    tables = _tables(sampled[servers.open.port])
    for name in (CASES, PAYROLL):
        sample = tables[name]["sample"]
        assert sample["docs"] == min(50, servers.truth.rows[name]) and sample["error"] is None
        found = {p["entity_type"]: {f["path"] for f in p["fields"]} for p in sample["pii"]}
        seeded = servers.truth.pii[name]
        # Every kind the seeder put in a column shows up in that column of the sample.
        for kind, columns in (
            ("EMAIL_ADDRESS", {"customer_email", "agent_email", "email"}),
            ("IBAN_CODE", {"iban"}),
            ("IP_ADDRESS", {"customer_ip"}),
        ):
            expected = seeded.get(kind, set()) & columns
            assert expected <= found.get(kind, set()), (name, kind, found)
        for p in sample["pii"]:
            for example in p["examples"]:
                assert "*" in example, (name, example)  # masked, never raw
    assert "LOCATION" in {p["entity_type"] for p in tables[CASES]["sample"]["pii"]}
    location = next(p for p in tables[CASES]["sample"]["pii"] if p["entity_type"] == "LOCATION")
    assert any(f["path"].startswith("customer_location.") for f in location["fields"])


def test_odd_names_stay_one_read_statement(
    servers: Servers, sampled: dict[int, Any], request_audit: list[Any]
) -> None:
    tables = _tables(sampled[servers.open.port])
    odd = tables[f"{ODD_DB}.{ODD_TABLE}"]
    assert odd["index"]["docs"] == 3 and odd["sample"]["docs"] == 3
    emails = next(p for p in odd["sample"]["pii"] if p["entity_type"] == "EMAIL_ADDRESS")
    assert emails["docs"] == 3
    assert tables[f"{ODD_DB}.{CANARY}"]["index"]["docs"] == 2
    # The canary is still there: nothing in the odd name ran as SQL.
    q = "`" + ODD_DB.replace("`", "``") + "`"
    assert servers.open.client(f"SELECT COUNT(*) FROM {q}.{CANARY}").strip() == "2"
    sent = [r.target for r in request_audit if r.kind == "mysql" and r.method == "query"]
    assert any('ta``ble"; DROP TABLE canary; -- /*x*/`' in s for s in sent)
    assert all(ALLOW.allows("query", s) for s in sent)


def _full_totals(result: dict[str, Any], truth: Truth, *, odd: bool) -> None:
    tables = _tables(result)
    for name, rows in truth.rows.items():
        full = tables[name]["full"]
        assert full is not None and full["complete"], (name, full)
        assert (full["docs"], full["method"]) == (rows, "keyset" if name != RANSOM else "offset"), (
            name
        )
    people = tables[CASES]["full"]["people"]
    assert people["entity_type"] == "EMAIL_ADDRESS"
    assert {"customer_email", "agent_email", "description"} <= set(people["fields"])
    assert people["distinct"]["exact"] and people["distinct"]["estimate"] == truth.case_emails
    extra = 3 + 2 if odd else 0
    assert result["full"]["docs"] == sum(truth.rows.values()) + extra


def test_full_depth_reads_every_row(servers: Servers, tmp_path: Path) -> None:
    doc = _scan(tmp_path, servers.open.url, "--depth", "full", "--batch", "300")
    result = doc["results"][0]
    _full_totals(result, servers.truth, odd=True)
    years = {y["year"]: y["docs"] for y in _tables(result)[CASES]["full"]["years"]}
    assert sum(years.values()) == servers.truth.rows[CASES]


def test_full_read_killed_midway_resumes_to_exact_totals(
    servers: Servers, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    argv = [
        "scan",
        servers.open.url,
        "--depth",
        "full",
        "--db",
        str(db),
        "--format",
        "jsonl",
        "--workers",
        "0",
        "--batch",
        "50",
        "--docs-rate",
        "400",
        "--no-progress",
        "--index",
        "support.*",
        "--index",
        "hr.*",
    ]
    proc, scan_id = run_until(db, argv, docs=400)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM scans").fetchone()[0] == "running"
        done = conn.execute("SELECT COALESCE(SUM(docs), 0) FROM full_partitions").fetchone()[0]
        positions = [
            json.loads(p)
            for (p,) in conn.execute(
                "SELECT position FROM full_partitions WHERE position IS NOT NULL"
            )
        ]
    total = servers.truth.rows[CASES] + servers.truth.rows[PAYROLL]
    assert 400 <= done < total
    assert any(isinstance(p, dict) and "after" in p for p in positions)
    capsys.readouterr()
    assert (
        main(["scan", "--resume", scan_id, "--db", str(db), "--format", "jsonl", "--no-progress"])
        == 0
    )
    capsys.readouterr()
    assert main(["report", scan_id, "--db", str(db), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)["results"][0]
    tables = _tables(result)
    for name in (CASES, PAYROLL):
        full = tables[name]["full"]
        assert full["complete"] and full["docs"] == servers.truth.rows[name], name
    people = tables[CASES]["full"]["people"]["distinct"]
    assert people["exact"] and people["estimate"] == servers.truth.case_emails
    assert result["full"]["docs"] == total


def test_owner_credentials_read_the_secured_server(servers: Servers, tmp_path: Path) -> None:
    doc = _scan(
        tmp_path,
        servers.secured.url,
        "--depth",
        "full",
        "--auth",
        f"root:{PASSWORD}",
        "--batch",
        "500",
    )
    result = doc["results"][0]
    assert result["service"]["verdict"] == "secured" and result["authenticated"]
    tables = _tables(result)
    for name, rows in servers.truth.rows.items():
        assert tables[name]["index"]["docs"] == rows
    _full_totals(result, servers.truth, odd=False)


def test_a_wrong_password_reads_nothing(servers: Servers, tmp_path: Path) -> None:
    doc = _scan(tmp_path, servers.secured.url, "--auth", "root:wrong")
    result = doc["results"][0]
    assert result["service"]["verdict"] == "secured" and not result["authenticated"]
    assert "using password: YES" in result["service"]["reason"] and result["indices"] == []


def test_the_urls_user_logs_in_and_sees_what_it_was_granted(
    servers: Servers, tmp_path: Path
) -> None:
    doc = _scan(
        tmp_path,
        f"mysql://reader@127.0.0.1:{servers.open.port}",
        f"mysql://nobody@127.0.0.1:{servers.secured.port}",
        "--sample",
        "5",
    )
    by_port = {r["service"]["endpoint"]["port"]: r for r in doc["results"]}
    reader, nobody = by_port[servers.open.port], by_port[servers.secured.port]
    assert reader["service"]["verdict"] == "open"
    assert reader["service"]["reason"].startswith(
        "reader with an empty password logs in (as reader@%)"
    )
    tables = _tables(reader)
    assert set(tables) == {PAYROLL}
    assert tables[PAYROLL]["index"]["docs"] == servers.truth.rows[PAYROLL]
    assert nobody["service"]["verdict"] == "secured"
    assert "Access denied for user 'nobody'" in nobody["service"]["reason"]


def test_every_statement_sent_was_on_the_allow_list(
    servers: Servers, sampled: dict[int, Any], request_audit: list[Any]
) -> None:
    sent = [r for r in request_audit if r.kind == "mysql"]
    statements = [r.target for r in sent if r.method == "query"]
    assert {r.method for r in sent} <= {"startup", "auth", "query"}
    assert "START TRANSACTION READ ONLY" in statements
    assert all(ALLOW.allows(r.method, r.target) for r in sent)
    lowered = [s.lower() for s in statements]
    assert not any("mysql`.`user" in s or "load_file" in s or "outfile" in s for s in lowered)
    kinds = Counter(s.split(" FROM ")[0] for s in statements if " FROM `" in s)
    assert kinds["SELECT COUNT(*)"] and kinds["SELECT *"]


def test_a_server_without_grant_tables_is_open_to_anyone(tmp_path: Path) -> None:
    server = _start(tmp_path / "skip", False, "--skip-grant-tables")
    try:
        server.client(
            "CREATE DATABASE crm; CREATE TABLE crm.people (id INT PRIMARY KEY, "
            "email VARCHAR(100)); INSERT INTO crm.people VALUES (1, 'a.b@example.net');"
        )
        doc = _scan(tmp_path, server.url, "--sample", "5")
    finally:
        _stop(server)
    result = doc["results"][0]
    assert result["service"]["verdict"] == "open"
    assert "--skip-grant-tables" in result["service"]["reason"]
    assert _tables(result)["crm.people"]["index"]["docs"] == 1
