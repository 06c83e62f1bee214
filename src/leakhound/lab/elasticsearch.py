"""A real Elasticsearch node on loopback from Elastic's test zip on Maven Central (no Docker).

    from leakhound.lab import elasticsearch
    node = elasticsearch.up(Path("/tmp/es"))   # fetch once into ~/.m2, unpack, configure, start
    node.url                                   # http://127.0.0.1:PORT, no auth (security off)
    elasticsearch.down(Path("/tmp/es"))        # SIGTERM the process group; files stay

``org.elasticsearch.distribution.integ-test-zip:elasticsearch`` holds the server with X-Pack
core and security only (no ML, no ingest-geoip, no painless). 8.8.2 is the version verified
here (``GET /`` answers, Java 17 runs it). Elasticsearch refuses to run as root: as root the
node runs as the system user ``leakhound-es`` (created when missing), which must be able to reach
the state directory (every parent searchable by others, as /tmp is).

Also ``python -m leakhound.lab.elasticsearch up|status|down [--dir DIR]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import process
from .errors import LabError
from .opensearch import find_java, find_maven, wait_ready
from .state import LabPaths, default_state_dir, free_ports, locked, log_tail

# Verified here. Later zips reportedly lack GET / (moved to a module in 8.9); 9.x needs Java 21.
VERSION = "8.8.2"
GROUP_ID = "org.elasticsearch.distribution.integ-test-zip"
ARTIFACT_ID = "elasticsearch"
USER = "leakhound-es"
# Half a gigabyte serves a few thousand test documents; more only slows the 2-core CI box.
_HEAP = ("-Xms512m", "-Xmx512m")
_MVN_TIMEOUT = 900.0  # first fetch of the 79 MB zip from Maven Central on a slow link
_START_TIMEOUT = 180.0  # about 10 s here; a loaded 2-core CI machine takes longer
_RECORD = "elasticsearch.json"
# The launcher script warns about (or obeys) these: the node gets exactly our settings.
_DROPPED_ENV = (
    "JAVA_HOME",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "JAVA_OPTS",
    "ES_JAVA_OPTS",
    "ES_PATH_CONF",
    "ES_HOME",
    "ES_TMPDIR",
)


@dataclass(frozen=True)
class ElasticsearchStatus:
    """What runs in one Elasticsearch state directory; url is None when the node is down."""

    state_dir: Path
    running: bool
    url: str | None
    version: str | None
    pid: int | None
    user: str | None  # the account the node runs as
    log: Path  # the launcher's console output (the node's own logs are in logs/ beside it)

    def __str__(self) -> str:
        """One line for a terminal."""
        if not self.running:
            return f"elasticsearch down ({self.state_dir})"
        return (
            f"elasticsearch {self.version} up ({self.state_dir}): {self.url} "
            f"pid {self.pid} as {self.user}"
        )


def default_dir() -> Path:
    """The lab's state directory plus ``/elasticsearch``."""
    return default_state_dir() / "elasticsearch"


def repository_zip(version: str = VERSION) -> Path:
    """Where Maven keeps the zip in the default local repository (~/.m2/repository)."""
    folder = Path.home() / ".m2" / "repository" / Path(*GROUP_ID.split(".")) / ARTIFACT_ID
    return folder / version / f"{ARTIFACT_ID}-{version}.zip"


def fetch(version: str = VERSION, into: Path | None = None) -> Path:
    """The distribution zip: from ~/.m2 when Maven has it, else through Maven (offline first)."""
    cached = repository_zip(version)
    if cached.is_file():
        return cached
    # A custom localRepository or nothing cached yet: let Maven resolve it (and cache it in
    # its local repository as it always does) and copy it where we can find it.
    out = Path(into) if into else Path(tempfile.mkdtemp(prefix="leakhound-es-fetch-"))
    out.mkdir(parents=True, exist_ok=True)
    mvn = find_maven()
    log = out / "mvn.log"
    goals = [
        "-B",
        "-q",
        "-Dstyle.color=never",
        "dependency:copy",
        f"-Dartifact={GROUP_ID}:{ARTIFACT_ID}:{version}:zip",
        f"-DoutputDirectory={out}",
    ]
    for argv in ([mvn, "-o", *goals], [mvn, *goals]):
        with log.open("ab") as sink:
            try:
                subprocess.run(
                    argv,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    cwd=out,
                    stdin=subprocess.DEVNULL,
                    timeout=_MVN_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise LabError(f"Maven timed out fetching Elasticsearch; log {log}") from exc
        for found in (cached, out / f"{ARTIFACT_ID}-{version}.zip"):
            if found.is_file():
                return found
    raise LabError(f"Maven could not fetch Elasticsearch {version}; log {log}: {log_tail(log)}")


def unpack(archive: Path, state_dir: Path, version: str = VERSION) -> Path:
    """ES_HOME under state_dir, unpacked once from the zip (keeping the executable bits)."""
    home = state_dir / f"elasticsearch-{version}"
    if (home / ".unpacked").is_file():
        return home
    work = Path(tempfile.mkdtemp(prefix=".unpack-", dir=state_dir))
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                target = Path(zf.extract(info, work))
                mode = (info.external_attr >> 16) & 0o777  # zipfile itself drops the modes
                if mode and not stat.S_ISLNK(info.external_attr >> 16):
                    target.chmod(mode | 0o200)
        tops = [p for p in work.iterdir() if p.is_dir()]
        if len(tops) != 1 or not (tops[0] / "bin" / "elasticsearch").is_file():
            raise LabError(f"{archive} does not look like an Elasticsearch distribution")
        (tops[0] / ".unpacked").write_text(f"{archive}\n")
        shutil.rmtree(home, ignore_errors=True)  # half an earlier unpack
        tops[0].rename(home)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return home


def ensure_user(name: str = USER) -> pwd.struct_passwd:
    """The system account the node runs as when we are root, created when missing."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    try:
        done = subprocess.run(
            [
                useradd,
                "--system",
                "--user-group",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                name,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"cannot create the user {name} for Elasticsearch: {exc}") from exc
    try:
        return pwd.getpwnam(name)  # exit 9: another process created it first, which is fine
    except KeyError:
        raise LabError(
            f"useradd {name} failed ({done.returncode}): {done.stderr.strip()[:300]}"
        ) from None


def write_config(home: Path, state_dir: Path, http_port: int, transport_port: int) -> None:
    """elasticsearch.yml and a jvm.options.d file for one open node on 127.0.0.1."""
    settings: dict[str, Any] = {
        "cluster.name": "leakhound-es",
        "node.name": "es-1",
        "path.data": str(state_dir / "data"),
        "path.logs": str(state_dir / "logs"),
        "network.host": "127.0.0.1",
        "http.port": http_port,
        "transport.port": transport_port,
        "discovery.type": "single-node",
        # Open on purpose, plain http: also stops 8.x from generating certificates at first start.
        "xpack.security.enabled": False,
        # Disks of CI machines can be nearly full: a watermark would block the test's writes.
        "cluster.routing.allocation.disk.threshold_enabled": False,
    }
    # JSON scalars are valid YAML: paths with odd characters stay one value.
    yml = "".join(f"{key}: {json.dumps(value)}\n" for key, value in settings.items())
    (home / "config" / "elasticsearch.yml").write_text(yml)
    jvm = [
        *_HEAP,
        # No 512 MB heap dump in the data folder; ES_HOME/logs/gc.log* stay empty.
        "-XX:-HeapDumpOnOutOfMemoryError",
        "-Xlog:disable",
        "-Xlog:all=warning:stderr:utctime,level,tags",
    ]
    (home / "config" / "jvm.options.d" / "leakhound.options").write_text("\n".join(jvm) + "\n")


def _check_reachable(path: Path, user: pwd.struct_passwd) -> None:
    """Fail early when the node's account could not reach path (e.g. under a 0700 folder)."""
    for folder in path.parents:
        info = folder.stat()
        if info.st_uid == user.pw_uid:
            continue
        if not info.st_mode & stat.S_IXOTH:
            raise LabError(
                f"{folder} is not searchable by others: the Elasticsearch user "
                f"{user.pw_name} cannot reach {path}; pick a folder under /tmp"
            )


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    """Give the node's account everything it writes (data, logs, keystore in config, tmp)."""
    os.lchown(root, uid, gid)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.lchown(os.path.join(folder, name), uid, gid)


def _paths(state_dir: Path | None) -> LabPaths:
    return LabPaths(Path(state_dir).expanduser().resolve() if state_dir else default_dir())


def _log(paths: LabPaths) -> Path:
    return paths.root / "logs" / "console.log"


def _read(paths: LabPaths) -> dict[str, Any]:
    try:
        data = json.loads((paths.root / _RECORD).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(paths: LabPaths, record: dict[str, Any]) -> None:
    tmp = paths.root / (_RECORD + ".tmp")
    tmp.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    tmp.replace(paths.root / _RECORD)


def _status(paths: LabPaths, record: dict[str, Any]) -> ElasticsearchStatus:
    pid, started = record.get("pid"), record.get("start_time")
    running = process.alive(pid, started) and bool(record.get("http_port"))
    return ElasticsearchStatus(
        state_dir=paths.root,
        running=running,
        url=f"http://127.0.0.1:{record['http_port']}" if running else None,
        version=record.get("version"),
        pid=pid if running else None,
        user=record.get("user"),
        log=_log(paths),
    )


def status(state_dir: Path | None = None) -> ElasticsearchStatus:
    """What runs in the state directory now (the recorded process, not the network)."""
    paths = _paths(state_dir)
    return _status(paths, _read(paths))


def up(
    state_dir: Path | None = None, version: str = VERSION, timeout: float = _START_TIMEOUT
) -> ElasticsearchStatus:
    """Start the node if it is not running and wait until it answers; return its status."""
    paths = _paths(state_dir)
    with locked(paths):
        record = _read(paths)
        current = _status(paths, record)
        if current.running:
            return current
        process.stop(record.get("pid"), record.get("start_time"))  # a half-started one
        java = find_java()
        archive = fetch(version, paths.root / "dist")
        home = unpack(archive, paths.root, version)
        for sub in ("data", "logs", "tmp"):
            (paths.root / sub).mkdir(parents=True, exist_ok=True)
        previous = [record.get("http_port"), record.get("transport_port")]
        http_port, transport_port = free_ports(2, [p for p in previous if isinstance(p, int)])
        write_config(home, paths.root, http_port, transport_port)
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        env |= {
            "ES_JAVA_HOME": str(Path(java).resolve().parent.parent),
            "ES_PATH_CONF": str(home / "config"),
            "ES_TMPDIR": str(paths.root / "tmp"),
        }
        argv = [str(home / "bin" / "elasticsearch")]
        user = pwd.getpwuid(os.geteuid())
        if os.geteuid() == 0:
            # "can not run elasticsearch as root", and no setting lifts that: drop to our user.
            user = ensure_user()
            _check_reachable(paths.root, user)
            _chown_tree(paths.root, user.pw_uid, user.pw_gid)
            setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
            # setpriv execs in place (runuser would fork): the pid we record is the node's
            # launcher, the leader of the group that down() signals.
            argv = [
                setpriv,
                f"--reuid={user.pw_uid}",
                f"--regid={user.pw_gid}",
                "--clear-groups",
                "--",
                *argv,
            ]
            env |= {"HOME": str(paths.root), "USER": user.pw_name, "LOGNAME": user.pw_name}
        pid = process.spawn(argv, _log(paths), cwd=home, env=env)
        record = {
            "version": None,
            "pid": pid,
            "start_time": process.start_time(pid),
            "http_port": http_port,
            "transport_port": transport_port,
            "user": user.pw_name,
            "home": str(home),
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        _write(paths, record)  # at once, so that down() can stop a half-started node
        try:
            record["version"] = wait_ready(
                http_port, pid, record["start_time"], _log(paths), timeout, name="Elasticsearch"
            )
            _write(paths, record)
        except BaseException:
            process.stop(pid, record["start_time"])
            raise
        return _status(paths, record)


def down(state_dir: Path | None = None) -> ElasticsearchStatus:
    """Stop the node's process group (SIGTERM, then SIGKILL); keep every file; safe to repeat."""
    paths = _paths(state_dir)
    if not paths.root.is_dir():
        return _status(paths, {})
    with locked(paths):
        record = _read(paths)
        process.stop(record.get("pid"), record.get("start_time"), timeout=30)
        if record:
            record["pid"] = record["start_time"] = None
            _write(paths, record)
        return _status(paths, record)


def main(argv: list[str] | None = None) -> int:
    """``up``, ``status`` or ``down`` by hand; print the status line."""
    parser = argparse.ArgumentParser(
        prog="python -m leakhound.lab.elasticsearch",
        description="Run the lab's Elasticsearch node by hand.",
    )
    parser.add_argument("command", choices=("up", "status", "down"))
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="state directory (default: the lab's, plus /elasticsearch)",
    )
    args = parser.parse_args(argv)
    action = {"up": up, "status": status, "down": down}[args.command]
    try:
        print(action(args.dir))
    except LabError as exc:
        print(f"leakhound.lab.elasticsearch: {exc}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
