"""``leakhound lab open|close NAME``: a lab target loses its credentials, or gets them back,
the way an owner's mistake and its fix happen: nginx's config rewritten and reloaded (a real
SIGHUP to the real nginx), the node behind it untouched. A lab started again starts closed."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from . import nginx, process
from .control import status
from .errors import LabError
from .state import REALM, LabPaths, locked, read_record

TARGETS = ("secured",)
_SETTLE = 15.0  # seconds for nginx's new workers to answer with the new config


def toggle(state_dir: Path | None, name: str, *, opened: bool) -> str:
    """Open (no credentials asked) or close a lab target; its URL once it answers so."""
    if name not in TARGETS:
        raise LabError(f"lab open/close: no target {name!r} (known: {', '.join(TARGETS)})")
    current = status(state_dir)
    if not current.running:
        raise LabError(f"the lab is not running in {current.state_dir}: leakhound lab up")
    paths = LabPaths(current.state_dir)
    url = current.url(name)
    with locked(paths):
        pid = ((read_record(paths) or {}).get("nginx") or {}).get("pid")
        if not isinstance(pid, int):
            raise LabError(f"no nginx pid in {paths.record}")
        workers = process.children(pid)
        nginx.set_secured(paths, pid, REALM, opened=opened)
        _wait_for(url, 200 if opened else 401)
        _wait_gone(pid, workers)
    return url


def _wait_gone(pid: int, old: set[int]) -> None:
    """Until the workers that served the old config have exited: a client's kept-alive
    connection to one of them would still get the old answer (open where it is closed)."""
    deadline = time.monotonic() + _SETTLE
    while old & process.children(pid):
        if time.monotonic() >= deadline:
            raise LabError(
                f"nginx's old workers {sorted(old & process.children(pid))} did not exit "
                f"within {_SETTLE:.0f} s after the reload"
            )
        time.sleep(0.05)


def _wait_for(url: str, expected: int) -> None:
    """Until a fresh connection gets ``expected`` from ``url``: the reload has taken."""
    deadline = time.monotonic() + _SETTLE
    seen: object = None
    while time.monotonic() < deadline:
        try:
            with httpx.Client(timeout=5.0, trust_env=False) as http:
                seen = http.get(url + "/").status_code
        except httpx.HTTPError as exc:
            seen = exc
        if seen == expected:
            return
        time.sleep(0.05)
    raise LabError(
        f"{url} did not answer {expected} within {_SETTLE:.0f} s after the reload (last: {seen})"
    )
