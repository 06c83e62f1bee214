"""Build the Java launcher with Maven (once, cached) and run one OpenSearch node from it."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from . import process
from .errors import LabError
from .state import log_tail

MAIN_CLASS = "org.leakhound.lab.LabNode"
_SOURCES = Path(__file__).with_name("opensearch")
# OpenSearch 2.19 asks for 512 MB-1 GB on a small machine; more only slows the 2-core CI box.
_HEAP = ("-Xms512m", "-Xmx1g")
_MVN_TIMEOUT = 900.0  # first fetch of ~80 MB from Maven Central on a slow link


@dataclass(frozen=True)
class Launcher:
    """A built launcher: compiled classes plus the jars they need, and the java to run it."""

    home: Path
    java: str

    @property
    def classpath(self) -> str:
        """classes/ then lib/* (the JVM expands the wildcard itself)."""
        return f"{self.home / 'classes'}{os.pathsep}{self.home / 'lib'}/*"


def find_java() -> str:
    """The java to use: $JAVA_HOME/bin/java, else java on PATH; it must be Java 17 or newer."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).is_file():
        raise LabError("Java 17+ not found: install openjdk-17-jdk-headless or set JAVA_HOME")
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"cannot run {java}: {exc}") from exc
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    major = int(match.group(1)) if match else 0
    if major == 1 and match and match.group(2):  # "1.8.0" style
        major = int(match.group(2))
    if major < 17:
        raise LabError(f"{java} is Java {major or '?'}; the lab's OpenSearch 2.19 needs Java 17+")
    return java


def find_maven() -> str:
    """The mvn executable on PATH."""
    mvn = shutil.which("mvn")
    if not mvn:
        raise LabError("Maven not found: install maven (apt-get install maven)")
    return mvn


def source_key() -> str:
    """A hash of the pom and Java sources: the cache key of a built launcher."""
    digest = hashlib.sha256()
    for path in sorted(p for p in _SOURCES.rglob("*") if p.is_file()):
        digest.update(path.relative_to(_SOURCES).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build(cache: Path) -> Launcher:
    """Return the cached launcher for these sources, building it with Maven if needed."""
    java = find_java()
    home = cache / f"launcher-{source_key()}"
    if (home / "BUILT").is_file():
        return Launcher(home, java)
    mvn = find_maven()
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=cache))
    try:
        shutil.copy2(_SOURCES / "pom.xml", work / "pom.xml")
        shutil.copytree(_SOURCES / "src", work / "src")
        env = dict(os.environ)
        if "JAVA_HOME" not in env:
            # Maven runs on the same Java that will run the node.
            env["JAVA_HOME"] = str(Path(java).resolve().parent.parent)
        log = work / "mvn.log"
        goals = [
            "-B", "-q", "-Dstyle.color=never", "-f", str(work / "pom.xml"),
            "compile", "dependency:copy-dependencies",
            f"-DoutputDirectory={work / 'lib'}", "-DincludeScope=runtime",
        ]  # fmt: skip
        # Offline first: once ~/.m2 holds the jars no network is needed (or wanted). Online
        # only when something is missing, which on a fresh machine fetches about 80 MB.
        offline = _mvn([mvn, "-o", *goals], env, work, log) == 0
        if not offline and _mvn([mvn, *goals], env, work, log) != 0:
            kept = cache / "mvn-failed.log"  # the work folder goes, the log stays
            shutil.copy2(log, kept)
            raise LabError(f"Maven build failed ({kept}): {_first_error(kept)}")
        (work / "target" / "classes").rename(work / "classes")
        shutil.rmtree(work / "target", ignore_errors=True)
        (work / "BUILT").write_text(" ".join(goals) + "\n")
        try:
            work.rename(home)
        except OSError:
            # Another process finished the same build first: theirs is as good as ours.
            if not (home / "BUILT").is_file():
                raise
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return Launcher(home, java)


def _mvn(argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> int:
    """Run Maven with its output appended to log; return its exit status."""
    try:
        with log.open("ab") as out:
            out.write(("\n$ " + " ".join(argv) + "\n").encode())
            out.flush()
            done = subprocess.run(
                argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                timeout=_MVN_TIMEOUT, check=False,
            )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"Maven build timed out after {_MVN_TIMEOUT:.0f} s; log {log}") from exc
    return done.returncode


def _first_error(log: Path) -> str:
    """The first [ERROR] line of the last Maven run in log (the later ones link to its wiki)."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return "(no log)"
    last_run = text.rsplit("\n$ ", 1)[-1]
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in last_run.splitlines()]
    errors = [line for line in lines if line.startswith("[ERROR]") and line[7:].strip()]
    return errors[0][:400] if errors else log_tail(log)


def start(launcher: Launcher, node_home: Path, port: int, log: Path) -> int:
    """Start the node detached on 127.0.0.1:port; return its pid (it is not ready yet)."""
    tmp = node_home / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    argv = [
        launcher.java, *_HEAP, "-XX:+UseG1GC", "-Xss1m",
        "-Djava.awt.headless=true", "-Dfile.encoding=UTF-8",
        "-Djava.io.tmpdir=" + str(tmp),
        "-Dlog4j2.formatMsgNoLookups=true", "-Dlog4j2.disable.jmx=true",
        # A crash should leave a log line, not a 1 GB heap dump in the state directory.
        "-XX:-HeapDumpOnOutOfMemoryError", "-XX:ErrorFile=" + str(node_home / "hs_err_%p.log"),
        "-cp", launcher.classpath, MAIN_CLASS, str(node_home), str(port),
    ]  # fmt: skip
    return process.spawn(argv, log, cwd=node_home)


def wait_ready(
    port: int, pid: int, started: int | None, log: Path, timeout: float, name: str = "OpenSearch"
) -> str:
    """Wait until the node (OpenSearch or Elasticsearch: ``name``) answers and its existing
    indices are green; return its version."""
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/"
    version = None
    with httpx.Client(base_url=url, timeout=10.0, trust_env=False) as http:  # no proxy here
        while time.monotonic() < deadline:
            if not process.alive(pid, started):
                raise LabError(f"{name} exited during startup; log {log}: {log_tail(log)}")
            try:
                if version is None:
                    response = http.get("/")
                    if response.status_code == 200:
                        version = str(response.json()["version"]["number"])
                if version is not None:
                    # GET / answers before a restarted node has recovered its shards: counts
                    # would be short. One node, no replicas: every index ends up green.
                    health = http.get(
                        "/_cluster/health", params={"wait_for_status": "green", "timeout": "5s"}
                    )
                    if health.status_code == 200 and health.json().get("status") == "green":
                        return version
            except (httpx.HTTPError, ValueError, KeyError, TypeError):
                pass
            time.sleep(0.5)
    raise LabError(
        f"{name} did not answer on {url} within {timeout:.0f} s; log {log}: {log_tail(log)}"
    )
