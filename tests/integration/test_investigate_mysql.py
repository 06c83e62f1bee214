"""``leakhound investigate`` on the logs a real MariaDB writes: its slow query log (every
statement, ``long_query_time = 0``), its general query log and its audit log (the
``server_audit`` plugin), all three turned on at run time on the lab's secured server while
four sources act on it, each from its own loopback address:

- leakhound's own sample scan (127.0.0.1);
- mysqldump of the support database (127.0.0.2), through a relay that connects from there
  (the MariaDB client tools cannot choose their source address);
- a login with a wrong password (127.0.0.3);
- a wipe and a ransom note in a scratch database (127.0.0.4);
- the cases table written into a file on the server with ``SELECT … INTO OUTFILE``, and one
  row with ``INTO DUMPFILE`` (127.0.0.5).

The logs are turned off and the plugin removed again at the end: the lab is shared.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import socket
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from reports import report
from sqlclient import mariadb as _client

from leakhound.cli import main

DUMPER, GUESSER, WIPER, EXPORTER = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"
SCRATCH = "lh_investigate"
LOGS = ("slow", "general", "audit")


@contextlib.contextmanager
def relay(port: int, source: str) -> Iterator[int]:
    """A TCP relay on a free loopback port to 127.0.0.1:port, connecting from ``source``."""
    loop = asyncio.new_event_loop()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(
            "127.0.0.1", port, local_addr=(source, 0)
        )
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = loop.run_until_complete(asyncio.start_server(handle, "127.0.0.1", 0))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def _free() -> bool:
    with socket.socket() as s:
        try:
            s.bind((WIPER, 0))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def logged(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    assert _free(), f"{WIPER} cannot be bound: loopback is 127.0.0.1 alone here"
    target = lab.status.target("secured", kind="mysql")
    user, password = target.username, target.password
    folder = tmp_path_factory.mktemp("mysql-logs")
    paths = {name: folder / f"{name}.log" for name in LOGS}
    # written by the server itself (it runs as this user; the lab sets no secure_file_priv)
    outfile, dumpfile = folder / "cases.txt", folder / "one.bin"

    def admin(sql: str) -> str:
        return _client(target.port, sql, user, password)

    before = admin(
        "SELECT @@slow_query_log, @@slow_query_log_file, @@long_query_time, @@general_log, "
        "@@general_log_file, @@log_output;\n"
        "SELECT COUNT(*) FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'SERVER_AUDIT';"
    ).split("\n")
    slow, slow_file, long_time, general, general_file, output = before[0].split("\t")
    audit_was_there = before[1].strip() != "0"
    admin(
        f"DROP DATABASE IF EXISTS {SCRATCH};\n"
        + ("" if audit_was_there else "INSTALL SONAME 'server_audit';\n")
        + f"SET GLOBAL server_audit_file_path = '{paths['audit']}';\n"
        "SET GLOBAL server_audit_events = 'CONNECT,QUERY,TABLE';\n"
        "SET GLOBAL server_audit_logging = ON;\n"
        f"SET GLOBAL general_log_file = '{paths['general']}';\n"
        f"SET GLOBAL slow_query_log_file = '{paths['slow']}';\n"
        "SET GLOBAL log_output = 'FILE';\n"
        "SET GLOBAL long_query_time = 0;\n"
        "SET GLOBAL general_log = ON;\n"
        "SET GLOBAL slow_query_log = ON;\n"
    )
    try:
        scanned, _ = report(
            folder, target.url, "--auth", f"{user}:{password}", "--index", "support.*"
        )
        with relay(target.port, DUMPER) as port:
            dump = subprocess.run(
                [
                    "mysqldump",
                    "--no-defaults",
                    "-h127.0.0.1",
                    f"-P{port}",
                    f"-u{user}",
                    "--single-transaction",
                    "--quick",
                    "support",
                ],
                env={**os.environ, "MYSQL_PWD": password},
                capture_output=True,
                timeout=300,
                check=True,
            )
        with relay(target.port, GUESSER) as port:
            _client(port, "SELECT 1", user, "not-the-password", check=False)
        with relay(target.port, WIPER) as port:
            _client(
                port,
                f"CREATE DATABASE {SCRATCH};\n"
                f"CREATE TABLE {SCRATCH}.customers (id INT PRIMARY KEY, email TEXT);\n"
                f"INSERT INTO {SCRATCH}.customers VALUES (1, 'a@example.org');\n"
                f"DROP TABLE {SCRATCH}.customers;\n"
                f"CREATE TABLE {SCRATCH}.README (note TEXT);\n"
                f"INSERT INTO {SCRATCH}.README VALUES ('All your data is backed up. Pay.');\n",
                user,
                password,
            )
        with relay(target.port, EXPORTER) as port:
            _client(
                port,
                f"SELECT * FROM support.cases INTO OUTFILE '{outfile}';\n"
                "SELECT customer_email FROM support.cases ORDER BY case_id LIMIT 1 "
                f"INTO DUMPFILE '{dumpfile}';\n",
                user,
                password,
            )
    finally:
        admin(
            "SET GLOBAL slow_query_log = OFF;\nSET GLOBAL general_log = OFF;\n"
            f"SET GLOBAL long_query_time = {long_time};\n"
            f"SET GLOBAL slow_query_log_file = '{slow_file}';\n"
            f"SET GLOBAL general_log_file = '{general_file}';\n"
            f"SET GLOBAL log_output = '{output}';\n"
            f"SET GLOBAL slow_query_log = {slow};\nSET GLOBAL general_log = {general};\n"
            "SET GLOBAL server_audit_logging = OFF;\n"
            + ("" if audit_was_there else "UNINSTALL SONAME 'server_audit';\n")
            + f"DROP DATABASE IF EXISTS {SCRATCH};\n"
        )
    found: dict[str, Any] = {"_dump": dump.stdout, "_scan": scanned, "_outfile": outfile}
    found["_slow"] = paths["slow"].read_text()
    for name, path in paths.items():
        out = folder / f"{name}.json"
        argv = ["investigate", str(path), "--db", str(folder / "i.db"), "--format-out", "json"]
        assert main([*argv, "--output", str(out)]) == 0
        found[name] = json.loads(out.read_text())
    return found


def _source(doc: dict[str, Any], address: str) -> dict[str, Any]:
    return next(s for s in doc["sources"] if s["address"] == address)


def _actions(doc: dict[str, Any], address: str) -> set[str]:
    return {a["action"] for a in _source(doc, address)["actions"]}


@pytest.mark.parametrize("name", LOGS)
def test_each_log_is_recognised_and_read_without_a_skipped_line(
    logged: dict[str, Any], name: str
) -> None:
    (f,) = logged[name]["files"]
    assert f["format"] == "mysql"
    assert f["skipped"] == 0 and f["parsed"] > 0


@pytest.mark.parametrize("name", LOGS)
def test_the_dump_is_a_bulk_read_of_the_cases_table(logged: dict[str, Any], name: str) -> None:
    assert b"INSERT INTO `cases`" in logged["_dump"]
    assert "bulk-read" in _actions(logged[name], DUMPER)
    assert _actions(logged[name], DUMPER) <= {"probe", "enumerate", "bulk-read"}
    targets = {t["name"] for t in _source(logged[name], DUMPER)["targets"]}
    assert "support.cases" in targets


def test_the_slow_log_counts_the_dumps_records_exactly(logged: dict[str, Any], lab: Any) -> None:
    truth = lab.truth_of("mysql").indices
    records = _source(logged["slow"], DUMPER)["records"]
    # mysqldump read every table of the database, each row once
    expected = sum(v.documents for k, v in truth.items() if k.startswith("support."))
    assert records["value"] == records["lower"] == records["upper"] == expected, records
    assert "as the log states them" in records["method"]


@pytest.mark.parametrize("name", ("general", "audit"))
def test_logs_without_row_counts_claim_no_records(logged: dict[str, Any], name: str) -> None:
    assert _source(logged[name], DUMPER)["records"] is None


@pytest.mark.parametrize("name", LOGS)
def test_leakhounds_scan_lists_and_reads(logged: dict[str, Any], name: str) -> None:
    assert {"enumerate", "read"} <= _actions(logged[name], "127.0.0.1")
    assert "wipe" not in _actions(logged[name], "127.0.0.1")
    assert "write" not in _actions(logged[name], "127.0.0.1")


@pytest.mark.parametrize("name", ("general", "audit"))
def test_a_wrong_password_is_one_refused_attempt(logged: dict[str, Any], name: str) -> None:
    s = _source(logged[name], GUESSER)
    assert s["denied"] == s["requests"] == 1
    assert _actions(logged[name], GUESSER) == set()  # refused: nothing done


@pytest.mark.parametrize("name", LOGS)
def test_the_wipe_and_the_ransom_note(logged: dict[str, Any], name: str) -> None:
    assert {"wipe", "ransom-note"} <= _actions(logged[name], WIPER)
    assert not _actions(logged[name], WIPER) & {"read", "bulk-read"}


@pytest.mark.parametrize("name", LOGS)
def test_into_outfile_and_dumpfile_are_file_writes_of_the_cases_table(
    logged: dict[str, Any], name: str
) -> None:
    assert "file-write" in _actions(logged[name], EXPORTER)
    assert not _actions(logged[name], EXPORTER) & {"read", "bulk-read", "write", "wipe"}
    targets = {t["name"] for t in _source(logged[name], EXPORTER)["targets"]}
    assert targets == {"support.cases"}


def test_the_slow_log_counts_the_rows_written_into_the_files(
    logged: dict[str, Any], lab: Any
) -> None:
    cases = lab.truth_of("mysql").indices["support.cases"].documents
    # the file on the server's disk: a row a line (a newline inside a field is escaped)
    assert len(re.findall(rb"(?<!\\)\n", logged["_outfile"].read_bytes())) == cases
    # what the server logs: for INTO DUMPFILE, no row sent, one affected
    entry = logged["_slow"].split("INTO DUMPFILE")[0].rsplit("# Query_time:", 1)[1]
    assert " Rows_sent: 0 " in entry and "# Rows_affected: 1 " in entry, entry
    records = _source(logged["slow"], EXPORTER)["records"]
    assert records["value"] == records["lower"] == records["upper"] == cases + 1, records
    assert "records written into a file on the server" in records["method"]
    assert "records returned" not in records["method"]


@pytest.mark.parametrize("name", ("general", "audit"))
def test_logs_without_row_counts_claim_no_records_written(
    logged: dict[str, Any], name: str
) -> None:
    assert _source(logged[name], EXPORTER)["records"] is None
