"""The lab's parts that need no server: state paths, htpasswd, nginx config, processes, errors."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from leakhound.errors import LeakhoundError
from leakhound.lab import LabError, default_state_dir, nginx, opensearch, process, status
from leakhound.lab.state import REALM, LabPaths, free_ports, log_tail, port_free


def test_state_dir_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LEAKHOUND_LAB_DIR", str(tmp_path / "x"))
    assert default_state_dir() == (tmp_path / "x").resolve()


def test_state_dir_defaults_to_dot_lab_in_the_repo_root(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("LEAKHOUND_LAB_DIR", raising=False)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "src" / "deep").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "src" / "deep")
    assert default_state_dir() == tmp_path.resolve() / ".lab"


def test_status_of_an_empty_state_dir_is_down(tmp_path: Path) -> None:
    lab = status(tmp_path)
    assert not lab.running
    assert lab.targets == ()
    with pytest.raises(LabError):
        lab.url("open")


def test_htpasswd_line_is_salted_sha1_as_nginx_reads_it() -> None:
    line = nginx.htpasswd_line("lab", "lab-password", b"12345678")
    user, rest = line.strip().split(":", 1)
    assert user == "lab" and rest.startswith("{SSHA}")
    raw = base64.b64decode(rest.removeprefix("{SSHA}"))
    assert raw[20:] == b"12345678"
    assert raw[:20] == hashlib.sha1(b"lab-password12345678").digest()


def test_nginx_config_names_the_ports_the_realm_and_only_loopback(tmp_path: Path) -> None:
    text = nginx.render(LabPaths(tmp_path), 9201, 9301, 9401, REALM)
    assert "server 127.0.0.1:9201;" in text
    assert "listen 127.0.0.1:9301;" in text and "listen 127.0.0.1:9401;" in text
    assert f'auth_basic "{REALM}";' in text
    assert "@" not in text.replace("$", "")  # every placeholder filled
    listens = [line.split()[1] for line in text.splitlines() if line.strip().startswith("listen")]
    assert all(addr.startswith("127.0.0.1:") for addr in listens)


def test_nginx_config_passes_nginx_own_check(tmp_path: Path) -> None:
    paths = LabPaths(tmp_path)
    paths.nginx_dir.mkdir(parents=True)
    (paths.root / "logs").mkdir()
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (paths.nginx_dir / "temp" / sub).mkdir(parents=True)
    (paths.nginx_dir / "htpasswd").write_text(nginx.htpasswd_line("lab", "x", b"salt"))
    conf = paths.nginx_dir / "nginx.conf"
    conf.write_text(nginx.render(paths, 9201, 9301, 9401, REALM))
    done = subprocess.run(
        [nginx.find_nginx(), "-t", "-p", str(paths.nginx_dir), "-c", str(conf),
         "-e", str(paths.nginx_log)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_missing_java_is_a_one_line_lab_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", "/nonexistent/jdk")
    with pytest.raises(LabError) as caught:
        opensearch.find_java()
    assert "Java" in str(caught.value) and "\n" not in str(caught.value)
    assert isinstance(caught.value, LeakhoundError)


def test_missing_maven_and_nginx_are_lab_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda *a, **k: None)
    with pytest.raises(LabError, match="Maven"):
        opensearch.find_maven()
    with pytest.raises(LabError, match="nginx"):
        nginx.find_nginx()


def test_java_here_is_17_or_newer() -> None:
    assert Path(opensearch.find_java()).name == "java"


def test_a_node_that_dies_at_startup_is_reported_with_its_log(tmp_path: Path) -> None:
    log = tmp_path / "node.log"
    pid = process.spawn(["sh", "-c", "echo 'boom: cannot bind'; exit 1"], log, cwd=tmp_path)
    with pytest.raises(LabError) as caught:
        opensearch.wait_ready(free_ports(1)[0], pid, None, log, timeout=20)
    message = str(caught.value)
    assert str(log) in message and "boom: cannot bind" in message and "\n" not in message


def test_stop_ends_the_whole_process_group(tmp_path: Path) -> None:
    # A parent that ignores nothing and a child it leaves behind: both must go.
    pid = process.spawn(["sh", "-c", "sleep 300 & sleep 300"], tmp_path / "log", cwd=tmp_path)
    started = process.start_time(pid)
    time.sleep(0.2)
    assert process.alive(pid, started)
    process.stop(pid, started, timeout=5)
    assert not process.alive(pid, started)
    # Exited members may linger as zombies until init reaps them: only running ones count.
    group = subprocess.run(["ps", "-o", "stat=", "-g", str(pid)], capture_output=True, text=True)
    assert [s for s in group.stdout.split() if not s.startswith("Z")] == []


def test_stop_kills_a_process_that_ignores_sigterm(tmp_path: Path) -> None:
    pid = process.spawn(["sh", "-c", "trap '' TERM; sleep 300"], tmp_path / "log", cwd=tmp_path)
    started = process.start_time(pid)
    time.sleep(0.2)
    begin = time.monotonic()
    process.stop(pid, started, timeout=1)
    assert not process.alive(pid, started)
    assert time.monotonic() - begin < 10


def test_a_reused_pid_is_not_taken_for_ours() -> None:
    # Our own pid with a wrong start time: "alive" must say no, so stop() never signals it.
    mine = os.getpid()
    assert process.alive(mine, process.start_time(mine))
    assert not process.alive(mine, (process.start_time(mine) or 0) + 1)


def test_free_ports_are_distinct_and_free() -> None:
    ports = free_ports(3)
    assert len(set(ports)) == 3 and all(port_free(p) for p in ports)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        taken = busy.getsockname()[1]
        assert taken not in free_ports(2, preferred=[taken])


def test_log_tail_is_one_line(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("a\n\nb\nc\nd\n")
    assert log_tail(log) == "b | c | d"
    assert log_tail(tmp_path / "missing") == "(no log)"


def test_maven_failure_names_the_cause_of_the_last_run(tmp_path: Path) -> None:
    log = tmp_path / "mvn.log"
    log.write_text(
        "\n$ mvn -o compile\n\x1b[0m[ERROR] Cannot access central in offline mode\n"
        "\n$ mvn compile\n\x1b[0m\x1b[0m[ERROR] Failed to execute goal: artifact not found\n"
        "[ERROR] \n[ERROR] For more information about the errors, read the following articles:\n"
    )
    assert opensearch._first_error(log) == "[ERROR] Failed to execute goal: artifact not found"
