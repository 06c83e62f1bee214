"""One run of ``leakhound scan`` over the hostile servers of a module, through the CLI, with
every request the net layer let out recorded (the audit hook) and the results by server; or
``measured``, every connect and the growth of the peak memory too."""

from __future__ import annotations

import contextlib
import io
import re
import resource
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson

from leakhound import net
from leakhound.cli import main

from .servers import ConnectRecorder


@dataclass
class Scan:
    """What the one hostile scan produced."""

    exit_status: int
    wall: float
    stderr: str
    by_name: dict[str, dict[str, Any]]
    sent: list[net.Request]
    ports: dict[str, int]  # each server's port, by its name


def cli(argv: Sequence[str]) -> tuple[int, str, str]:
    """``leakhound ARGV`` in this process: its exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


@dataclass
class Measured:
    """One run of the CLI, watched."""

    status: int
    stdout: str
    stderr: str
    wall: float
    sent: list[net.Request]  # every request the net layer let out
    connects: ConnectRecorder | None = None  # every connect and lookup (``measured``)
    growth: int = 0  # bytes the peak resident memory rose (``measured``)


@contextlib.contextmanager
def _audited() -> Iterator[list[net.Request]]:
    sent: list[net.Request] = []
    net.add_audit_hook(sent.append)
    try:
        yield sent
    finally:
        net.remove_audit_hook(sent.append)


def _timed(argv: Sequence[str], sent: list[net.Request]) -> Measured:
    start = time.monotonic()
    status, out, err = cli(argv)
    return Measured(status, out, err, time.monotonic() - start, sent)


def measured(argv: Sequence[str]) -> Measured:
    """``cli``, with every request, every connect and lookup, the wall time and the growth of
    the peak resident memory recorded."""
    recorder, peak = ConnectRecorder(), PeakRss()
    with _audited() as sent, recorder.recording(), peak.measuring():
        run = _timed(argv, sent)
    return replace(run, connects=recorder, growth=peak.growth)


def scan(argv: Sequence[str], ports: Mapping[str, int]) -> Scan:
    """``leakhound ARGV`` (a JSON report on stdout); the results by the name of the server on
    each port of ``ports``."""
    with _audited() as sent:
        run = _timed(argv, sent)
    doc = orjson.loads(run.stdout)
    names = {port: name for name, port in ports.items()}
    by_name = {names[r["service"]["endpoint"]["port"]]: r for r in doc["results"]}
    return Scan(run.status, run.wall, run.stderr, by_name, sent, dict(ports))


def scan_servers(loop: Any, handlers: Mapping[str, Any], scheme: str, db: Path, *more: str) -> Scan:
    """Each handler served on a port of ``loop`` (a ``servers.ServerLoop``), all of them
    scanned in one run as ``SCHEME://127.0.0.1:PORT``, with ``more`` arguments and short
    deadlines (a read of 2 s, 4 s in all)."""
    ports = {name: loop.serve(handler) for name, handler in handlers.items()}
    targets = [f"{scheme}://127.0.0.1:{ports[name]}" for name in handlers]
    return scan(scan_argv(targets, db, *more, *SHORT), ports)


SHORT = ("--read-timeout", "2", "--timeout", "4")  # deadlines no hostile server outlasts


def scan_argv(targets: Sequence[str], db: Path, *more: str) -> list[str]:
    """``scan TARGETS MORE`` into the findings database ``db``, with the JSON report ``scan``
    reads and no progress on stderr (which the tests keep for tracebacks and warnings)."""
    return ["scan", *targets, *more, "--db", str(db), "--format", "json", "--no-progress"]


def assert_quiet_and_in_time(got: Scan, bound: float) -> None:
    """The scan exited 0 with nothing on stderr (no traceback, no warning) within ``bound``
    seconds."""
    assert got.exit_status == 0, got.stderr
    assert got.stderr == ""
    assert got.wall < bound


def assert_index_errors(got: Mapping[str, Any], errors: Mapping[str, str]) -> None:
    """A result with no inventory error, whose indices are those of ``errors``, each with an
    error matching its pattern (``"^$"``: none)."""
    assert not (got.get("inventory_error") or "")
    found = {i["index"]["name"]: i["index"]["error"] or "" for i in got["indices"]}
    assert found.keys() == errors.keys()
    for name, pattern in errors.items():
        assert re.search(pattern, found[name]), (name, found[name])


def stopped_after(full: Mapping[str, Any], counted: int) -> int:
    """The records a full read counted before it stopped past its bound (``counted``: what
    the server counted when the read began), read from its one-line reason, which must be
    the pipeline's; the report's records must be those."""
    assert full["complete"] is False and "\n" not in full["error"]
    m = re.fullmatch(
        rf"stopped after ([\d,]+) records: more than twice the {counted:,} the server counted "
        r"when the read began \(a store growing this fast, or a server that does not end its "
        r"read\)",
        full["error"],
    )
    assert m, full["error"]
    read = int(m.group(1).replace(",", ""))
    assert full["docs"] == read
    return read


class PeakRss:
    """The peak resident memory of this process over a block, as the kernel counts it.

    Writing "5" to /proc/self/clear_refs resets the kernel's high-water mark (VmHWM), so the
    peak is the block's own, not one left by an earlier test; where that is not allowed,
    ru_maxrss stands in (it can only under-report growth below an earlier peak).
    """

    def __init__(self) -> None:
        self.base = self.peak = 0

    @staticmethod
    def _status(key: str) -> int:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
        raise KeyError(key)

    @contextlib.contextmanager
    def measuring(self) -> Iterator[PeakRss]:
        """Measure while the block runs."""
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
            self.base = self._status("VmRSS")
            exact = True
        except OSError:
            self.base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            exact = False
        try:
            yield self
        finally:
            self.peak = (
                self._status("VmHWM")
                if exact
                else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            )

    @property
    def growth(self) -> int:
        """Bytes the peak rose above the resident size at the start."""
        return self.peak - self.base
