"""Install a pinned npm package (package.json + package-lock.json shipped beside this file) into
the lab cache once, and find the Node.js that runs it."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import LabError
from .state import log_tail

_SOURCES = Path(__file__).with_name("npm")
_NPM_TIMEOUT = 900.0  # a cold npm cache on a slow link: Azurite is about 500 packages
NODE_MAJOR = 20  # Debian 12's nodejs is 18; Azurite 3.37 and pouchdb-server 4.2 ran on 20 here


def find_node() -> str:
    """The node executable on PATH; it must be Node.js 20 or newer."""
    node = shutil.which("node")
    if not node:
        raise LabError(f"Node.js {NODE_MAJOR}+ not found on PATH (install nodejs and npm)")
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=60,
                             check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"cannot run {node}: {exc}") from exc
    match = re.match(r"v(\d+)\.", out.stdout.strip())
    if not match or int(match.group(1)) < NODE_MAJOR:
        raise LabError(f"{node} is {out.stdout.strip() or '?'}; the lab needs Node.js "
                       f"{NODE_MAJOR}+")  # fmt: skip
    return node


def source_key(name: str) -> str:
    """A hash of the package's package.json and package-lock.json: its cache key."""
    digest = hashlib.sha256()
    for file in ("package.json", "package-lock.json"):
        digest.update(file.encode() + b"\0" + (_SOURCES / name / file).read_bytes())
    return digest.hexdigest()[:16]


def install(name: str, cache: Path) -> Path:
    """The cached install of npm/<name> (``npm ci`` on the first call); return its folder."""
    home = cache / f"npm-{name}-{source_key(name)}"
    if (home / "INSTALLED").is_file():
        return home
    find_node()
    npm = shutil.which("npm")
    if not npm:
        raise LabError("npm not found on PATH (install nodejs and npm)")
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"npm-{name}-", dir=cache))
    try:
        for file in ("package.json", "package-lock.json"):
            shutil.copy2(_SOURCES / name / file, work / file)
        log = work / "npm.log"
        # ci: exactly the lock's versions. --ignore-scripts: no install script runs (none is
        # needed: leveldown loads its bundled linux-x64 prebuild; sqlite3 is not used).
        argv = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--omit=dev",
                "--loglevel=warn"]  # fmt: skip
        try:
            with log.open("ab") as out:
                done = subprocess.run(
                    argv,
                    cwd=work,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    timeout=_NPM_TIMEOUT,
                    check=False,
                )
        except subprocess.TimeoutExpired as exc:
            raise LabError(f"npm ci of {name} timed out after {_NPM_TIMEOUT:.0f} s") from exc
        if done.returncode != 0:
            kept = cache / f"npm-{name}-failed.log"  # the work folder goes, the log stays
            shutil.copy2(log, kept)
            raise LabError(f"npm ci of {name} failed ({kept}): {_first_error(kept)}")
        (work / "INSTALLED").write_text(" ".join(argv[1:]) + "\n")
        try:
            work.rename(home)
        except OSError:
            # Another process finished the same install first: theirs is as good as ours.
            if not (home / "INSTALLED").is_file():
                raise
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return home


def _first_error(log: Path) -> str:
    """The first 'npm error' line of an npm log, else its tail."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    errors = [line.strip() for line in lines if line.startswith(("npm error", "npm ERR!"))]
    return errors[0][:400] if errors else log_tail(log)
