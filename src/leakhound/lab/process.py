"""Start detached processes, tell whether they still run, and stop their process groups."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

_PROC = Path("/proc")

# Children started by this interpreter, kept so that they are reaped through Popen (no zombie,
# no "still running" ResourceWarning when a Popen object is collected while the lab runs on).
_children: dict[int, subprocess.Popen[bytes]] = {}


def spawn(argv: list[str], log: Path, cwd: Path, env: dict[str, str] | None = None) -> int:
    """Start argv in its own session with output appended to log; return its pid."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        # start_new_session: the process (and its group) outlives the CLI that started it and
        # is not hit by the terminal's Ctrl-C; down() stops the whole group instead.
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
    _children[proc.pid] = proc
    return proc.pid


def _stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None if gone."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name in field 2 may hold spaces and parentheses: split after the last ")".
    return stat[stat.rindex(")") + 2 :].split()


def start_time(pid: int) -> int | None:
    """The kernel's start time of pid (clock ticks since boot), or None if it is gone."""
    fields = _stat(pid)
    if fields is None or fields[0] in ("Z", "X"):  # a zombie has exited: only its status is left
        return None
    return int(fields[19])


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(own, reaped children's) CPU seconds of pid (utime + stime, cutime + cstime), readable
    while it is a zombie; (0, 0) once it is gone."""
    fields = _stat(pid)
    if fields is None:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick


def children(pid: int) -> set[int]:
    """The processes whose parent is pid (nginx's workers, say)."""
    out = set()
    for entry in _PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat(entry.name)) and fields[1] == str(pid):
            out.add(int(entry.name))
    return out


def alive(pid: int | None, started: int | None) -> bool:
    """True when pid runs and is the same process we started (pids get reused)."""
    if not pid:
        return False
    _reap(pid)
    now = start_time(pid)
    if now is None:
        return False
    return started is None or now == started


def stop(
    pid: int | None,
    started: int | None,
    timeout: float = 30.0,
    first: signal.Signals = signal.SIGTERM,
) -> None:
    """Send first (SIGTERM) to the process group of pid, then SIGKILL it if it outlives timeout
    seconds."""
    if not alive(pid, started):
        return
    assert pid is not None
    _signal_group(pid, first)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid, started):
            return
        time.sleep(0.1)
    _signal_group(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5.0
    while alive(pid, started) and time.monotonic() < deadline:
        time.sleep(0.05)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal the group pid leads (spawn made it a session leader), else pid alone."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _reap(pid: int) -> None:
    """Collect the exit status if pid is our own child, so it does not linger as a zombie."""
    child = _children.get(pid)
    if child is not None and child.poll() is not None:
        del _children[pid]
