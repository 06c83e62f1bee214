"""SQL through MariaDB's own command-line client (not leakhound): how the integration tests
set up and tidy a real MariaDB as its admin."""

from __future__ import annotations

import os
import subprocess


def mariadb(
    port: int, sql: str, user: str = "root", password: str = "", *, check: bool = True
) -> str:
    """Run SQL with the ``mariadb`` client on 127.0.0.1:port; its output (tab-separated, no
    column names). ``check``: a failure fails the test, else it is the caller's to judge."""
    argv = [
        "mariadb",
        "--no-defaults",
        "-h127.0.0.1",
        f"-P{port}",
        f"-u{user}",
        "--batch",
        "--skip-column-names",
        "--default-character-set=utf8mb4",
    ]
    env = {**os.environ, "MYSQL_PWD": password} if password else os.environ
    done = subprocess.run(
        argv, input=sql.encode(), capture_output=True, env=env, timeout=300, check=False
    )
    if check:
        assert done.returncode == 0, done.stderr.decode()[-500:]
    return done.stdout.decode()
