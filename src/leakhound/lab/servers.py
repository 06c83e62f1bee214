"""What the lab's database servers share: one instance's folders, its account, its readiness.

Each kind (redis.py, postgresql.py, mariadb.py, mongodb.py) runs two instances from the same
binaries: ``open`` (no authentication) and ``secured`` (the lab's published credentials). A
``Server`` is one instance: where its files are, which port it listens on, how to start it, how
to tell it answers and how to stop it. control.py starts and stops them beside OpenSearch.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from . import process
from .errors import LabError
from .state import PASSWORD, USERNAME, log_tail

if TYPE_CHECKING:
    from .seeder import Dataset

ROLES = ("open", "secured")
START_TIMEOUT = 120.0  # a loaded 2-core CI machine; well under a second is usual here


@dataclass(frozen=True)
class LabTarget:
    """One lab endpoint, the verdict a scanner should reach on it, and how to read it."""

    role: str  # "open", "secured" or "partial" (leakhound.models.Verdict values)
    url: str  # http://127.0.0.1:PORT, redis://127.0.0.1:PORT, mongodb://127.0.0.1:PORT…
    description: str
    kind: str = "elasticsearch"  # the probe kind: elasticsearch, redis, postgresql, mysql, mongodb
    username: str | None = None  # credentials that read it (None: none asked, or password only)
    password: str | None = None

    @property
    def port(self) -> int:
        """The loopback port it listens on."""
        return int(self.url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])


@dataclass(frozen=True)
class Server:
    """One database server instance of the lab: kind, role, folder, log and port."""

    kind: str  # "redis", "postgresql", "mysql" or "mongodb" (the probes' kind ids)
    role: str  # "open" or "secured"
    home: Path  # its own folder in the state directory (data, config, socket)
    log: Path  # its stdout and stderr
    port: int
    # Command-line options after the lab's own (a test's server of its own: MariaDB over TLS)
    options: tuple[str, ...] = ()

    @property
    def secured(self) -> bool:
        """True for the instance that asks for credentials."""
        return self.role == "secured"


def find_program(name: str, package: str, folders: tuple[str, ...] = ()) -> str:
    """The executable name on PATH or in folders (root's PATH has /usr/sbin, a user's may not)."""
    found = shutil.which(name) or shutil.which(name, path=os.pathsep.join((*folders, "/usr/sbin")))
    if not found:
        raise LabError(f"{name} not found: install {package} (apt-get install {package})")
    return found


def account(name: str, package: str) -> pwd.struct_passwd | None:
    """The system account a server that refuses root runs as; None when we are not root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise LabError(f"no user {name!r}: install {package}, which creates it") from None


def as_account(user: pwd.struct_passwd | None) -> list[str]:
    """The argv prefix that runs a program as user (nothing when user is None).

    setpriv execs in place (runuser would fork), so a recorded pid is the server's own. The state
    directory may lie under a folder only root may enter (pytest's 0700 tmp dirs, /root): the
    server keeps CAP_DAC_READ_SEARCH to walk down to its own folder, which it owns.
    """
    if user is None:
        return []
    setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
    return [
        setpriv,
        f"--reuid={user.pw_uid}",
        f"--regid={user.pw_gid}",
        "--clear-groups",
        "--inh-caps=+dac_read_search",
        "--ambient-caps=+dac_read_search",
        "--",
    ]


def with_dev_null(user: pwd.struct_passwd | None, folder: Path) -> list[str]:
    """The argv prefix that gives an account's program a /dev/null it may write.

    Some machines (this project's CI among them) boot with /dev/null as root's alone (0600), and
    initdb sends its backend's output there. Nothing is changed on the host: the program runs in
    a mount namespace of its own where a null device made in folder (0666) is bound over
    /dev/null. unshare and sh exec in place, so a recorded pid is still the server's own. Nothing
    when no account is taken or /dev/null already lets anyone write.
    """
    if user is None or stat.S_IMODE(os.stat("/dev/null").st_mode) & 0o666 == 0o666:
        return []
    node = folder / "null"
    try:
        if not node.exists():
            os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        node.chmod(0o666)
        with node.open("r+b"):
            pass
    except OSError as exc:
        raise LabError(f"/dev/null is root's alone and {node} cannot stand in: {exc}") from exc
    unshare = shutil.which("unshare") or "/usr/bin/unshare"
    script = 'mount --bind "$0" /dev/null && exec "$@"'
    private = [unshare, "--mount", "--propagation", "private", "--"]
    return [*private, "/bin/sh", "-c", script, str(node)]


def give(path: Path, user: pwd.struct_passwd | None) -> None:
    """Make path and everything under it user's (no-op when user is None)."""
    if user is None:
        return
    os.lchown(path, user.pw_uid, user.pw_gid)
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(folder, name), user.pw_uid, user.pw_gid)


def run(argv: list[str], log: Path, what: str, timeout: float = 300.0, stdin: str = "") -> None:
    """Run a set-up step (initdb, install-db…) with its output appended to log; fail in one line."""
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        with log.open("ab") as out:
            out.write(("\n$ " + " ".join(argv) + "\n").encode())
            out.flush()
            done = subprocess.run(
                argv, input=stdin.encode(), stdout=out, stderr=subprocess.STDOUT, cwd="/",
                timeout=timeout, check=False,
            )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"{what} failed: {exc}; log {log}") from exc
    if done.returncode != 0:
        raise LabError(f"{what} failed (exit {done.returncode}); log {log}: {log_tail(log)}")


def wait_ready(
    server: Server,
    name: str,
    pid: int,
    started: int | None,
    check: Callable[[], str | None],
    timeout: float = START_TIMEOUT,
) -> str:
    """Call check until it returns the server's version; fail in one line naming the log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive(pid, started):
            raise LabError(
                f"{name} ({server.role}) exited during startup; log {server.log}: "
                f"{log_tail(server.log)}"
            )
        try:
            version = check()
        except (OSError, ValueError, LabError):
            version = None
        if version:
            return version
        time.sleep(0.1)
    raise LabError(
        f"{name} ({server.role}) did not answer on 127.0.0.1:{server.port} within "
        f"{timeout:.0f} s; log {server.log}: {log_tail(server.log)}"
    )


def exchange(port: int, request: bytes, timeout: float = 2.0, size: int = 4096) -> bytes:
    """Send request (may be empty) to 127.0.0.1:port and return the first bytes answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        if request:
            sock.sendall(request)
        return sock.recv(size)


def stop(pid: int | None, started: int | None, sig: signal.Signals = signal.SIGTERM) -> None:
    """Stop one instance: sig to its process group, SIGKILL after 20 s."""
    process.stop(pid, started, timeout=20.0, first=sig)


def version_of(argv: list[str], pattern: str) -> str:
    """The version a program prints (first match of pattern's group 1), or "unknown"."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    match = re.search(pattern, out.stdout + out.stderr)
    return match.group(1) if match else "unknown"


class LabStore(ABC):
    """One store kind of the lab: how to run its open and secured servers and fill them."""

    kind: ClassVar[str]  # the probe kind id
    name: ClassVar[str]  # what a person calls it ("Redis", "MariaDB"…)

    @abstractmethod
    def check(self, cache: Path) -> None:
        """Raise a one-line LabError when the server's programs are missing (cache: the lab's
        build cache, where a kind built at `up` keeps its binaries)."""

    def prepare(self, server: Server, cache: Path) -> None:  # noqa: B027 - most need none
        """Create what the instance needs before its first start (data folder, binaries)."""

    @abstractmethod
    def start(self, server: Server) -> int:
        """Start the instance detached; return its pid (it may not answer yet)."""

    @abstractmethod
    def wait(self, server: Server, pid: int, started: int | None) -> str:
        """Wait until the instance answers; return the server's version."""

    def stop(self, pid: int | None, started: int | None) -> None:
        """Stop the instance (SIGTERM to its group, then SIGKILL)."""
        stop(pid, started)

    @abstractmethod
    def url(self, port: int) -> str:
        """The target URL a scanner is given (no password in it)."""

    @abstractmethod
    def describe(self, role: str, version: str | None) -> str:
        """One line for `lab status`: what the instance is and what it asks for."""

    def credentials(self, role: str) -> tuple[str | None, str | None]:
        """(username, password) that read the secured instance; (None, None) when open."""
        return (USERNAME, PASSWORD) if role == "secured" else (None, None)

    def target(self, role: str, port: int, version: str | None) -> LabTarget:
        """The LabTarget of one running instance."""
        username, password = self.credentials(role)
        return LabTarget(role, self.url(port), self.describe(role, version), self.kind,
                         username, password)  # fmt: skip

    @abstractmethod
    def shape(self, dataset: Dataset) -> Dataset:
        """The generated data as this store holds it: containers and their records, with the
        personal data of each record at the store's own field paths (what the truth counts)."""

    @abstractmethod
    def write(self, target: LabTarget, shaped: Dataset) -> None:
        """Replace the lab's data in the running instance with shaped (bulk, in seconds)."""

    @abstractmethod
    def count(self, target: LabTarget) -> Mapping[str, int]:
        """Records per container the instance holds now, for the lab's own containers."""
