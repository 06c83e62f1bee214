"""Run Debian's nginx as the lab's "secured" and "partial" targets in front of the node."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from . import process
from .errors import LabError
from .state import LabPaths, log_tail

_TEMPLATE = Path(__file__).with_name("nginx") / "nginx.conf.template"


def find_nginx() -> str:
    """The nginx executable (root's PATH has /usr/sbin, a user's may not)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise LabError("nginx not found: install nginx-light (apt-get install nginx-light)")
    return found


def htpasswd_line(user: str, password: str, salt: bytes) -> str:
    """One htpasswd line in the {SSHA} form nginx reads: base64(sha1(password+salt)+salt)."""
    digest = hashlib.sha1(password.encode() + salt).digest()  # noqa: S324 - the format nginx reads
    return f"{user}:{{SSHA}}{base64.b64encode(digest + salt).decode()}\n"


def render(
    paths: LabPaths, node_port: int, secured_port: int, partial_port: int, realm: str
) -> str:
    """The nginx.conf text for this state directory and these ports."""
    folder = paths.nginx_dir
    values = {
        "@PID@": str(folder / "nginx.pid"),
        "@ERROR_LOG@": str(paths.nginx_log),
        "@ACCESS_LOG@": str(paths.root / "logs" / "nginx-access.log"),
        "@TEMP@": str(folder / "temp"),
        "@HTPASSWD@": str(folder / "htpasswd"),
        "@NODE_PORT@": str(node_port),
        "@SECURED_PORT@": str(secured_port),
        "@PARTIAL_PORT@": str(partial_port),
        "@REALM@": realm,
        # Workers read htpasswd on each request. As root they would drop to "nobody", who cannot
        # enter a private state directory (pytest's tmp dirs are 0700): keep them as root. The
        # lab listens on loopback only.
        "@USER@": "user root;" if os.geteuid() == 0 else "",
    }
    text = _TEMPLATE.read_text()
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def start(
    paths: LabPaths,
    node_port: int,
    secured_port: int,
    partial_port: int,
    user: str,
    password: str,
    realm: str,
) -> int:
    """Write the config and htpasswd, check the config, start nginx detached; return its pid."""
    nginx = find_nginx()
    folder = paths.nginx_dir
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / "temp" / sub).mkdir(parents=True, exist_ok=True)
    paths.nginx_log.parent.mkdir(parents=True, exist_ok=True)
    (folder / "htpasswd").write_text(htpasswd_line(user, password, os.urandom(8)))
    conf = folder / "nginx.conf"
    conf.write_text(render(paths, node_port, secured_port, partial_port, realm))
    # -e: errors before the config is read go to our log, not to /var/log/nginx.
    argv = [nginx, "-p", str(folder), "-c", str(conf), "-e", str(paths.nginx_log)]
    check = subprocess.run(
        [*argv, "-t", "-q"], capture_output=True, text=True, timeout=60, check=False
    )
    if check.returncode != 0:
        message = (check.stderr or check.stdout).strip().replace("\n", " | ")
        raise LabError(f"nginx rejected {conf}: {message}")
    return process.spawn(argv, paths.nginx_log, cwd=folder)


def wait_ready(
    ports: list[int], pid: int, started: int | None, log: Path, timeout: float = 30.0
) -> None:
    """Wait until nginx accepts connections on every port."""
    deadline = time.monotonic() + timeout
    pending = list(ports)
    while pending and time.monotonic() < deadline:
        if not process.alive(pid, started):
            raise LabError(f"nginx exited during startup; log {log}: {log_tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", pending[0]), timeout=1.0):
                pending.pop(0)
        except OSError:
            time.sleep(0.1)
    if pending:
        raise LabError(f"nginx did not listen on {pending} within {timeout:.0f} s; log {log}")


# The secured server's auth_basic line, as render() writes it and set_secured() rewrites it.
_SECURED_AUTH = re.compile(r"(# secured\b[^\n]*\n\s*listen [^\n]+\n\s*auth_basic )([^;\n]+);")


def set_secured(paths: LabPaths, pid: int, realm: str, *, opened: bool) -> None:
    """Rewrite the secured server's auth_basic (``off`` when opened), check the config and
    reload nginx (SIGHUP: new workers take it, requests under way finish on the old ones)."""
    conf = paths.nginx_dir / "nginx.conf"
    text = conf.read_text()
    value = "off" if opened else f'"{realm}"'
    new, count = _SECURED_AUTH.subn(lambda m: f"{m.group(1)}{value};", text)
    if count != 1:
        raise LabError(f"{conf}: the secured server's auth_basic line is not where it should be")
    conf.write_text(new)
    argv = [find_nginx(), "-p", str(paths.nginx_dir), "-c", str(conf), "-e", str(paths.nginx_log)]
    check = subprocess.run(
        [*argv, "-t", "-q"], capture_output=True, text=True, timeout=60, check=False
    )
    if check.returncode != 0:
        conf.write_text(text)
        message = (check.stderr or check.stdout).strip().replace("\n", " | ")
        raise LabError(f"nginx rejected {conf}: {message}")
    os.kill(pid, signal.SIGHUP)
