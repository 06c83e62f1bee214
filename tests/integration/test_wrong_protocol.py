"""Every probe on every lab server of another kind, as ``--kinds K`` on a port where another
store answers: one ``not-<kind>`` verdict with a one-line reason (``error`` where the server
closes at everything an HTTP kind may send), each well inside the read deadline (a probe
that waited for a first answer that never comes would take all of it).
Then several kinds tried on each database server (each a guess off its port, with a shorter
wait, ``scanner.access``): the right kind recognises it, the wrong ones decide at once.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from leakhound.models import Endpoint, Service, Target
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.registry import DEFAULT
from leakhound.scanner.access import GUESS_READ_TIMEOUT, access

LIMITS = Limits()  # the scan's default deadlines: connect 3 s, read 10 s
# Well inside the read deadline: a late first answer costs 1 s before the server is asked
# who it is, a TLS handshake never answered the connect deadline (3 s); the pairs run 8 at a
# time on a shared machine.
BOUND = LIMITS.read_timeout * 0.6
AT_ONCE = 8


def servers(lab: Any) -> dict[str, tuple[str, int]]:
    """Each lab server once, by kind/role: (its kind, its port)."""
    out: dict[str, tuple[str, int]] = {}
    ports: set[int] = set()
    for target in lab.status.targets:
        if target.port not in ports:
            ports.add(target.port)
            out[f"{target.kind}/{target.role}"] = (target.kind, target.port)
    return out


async def _matrix(lab: Any) -> dict[tuple[str, str], tuple[Service, float]]:
    found = servers(lab)
    scope = Scope()
    for _, port in found.values():
        scope.add("127.0.0.1", port)
    gate = asyncio.Semaphore(AT_ONCE)
    out: dict[tuple[str, str], tuple[Service, float]] = {}

    async def pair(name: str, port: int, kind: str) -> None:
        async with gate, Transport(LIMITS, scope) as transport:
            start = time.monotonic()
            service = await DEFAULT.by_kind(kind).verdict(transport, Endpoint("127.0.0.1", port))
            out[name, kind] = (service, time.monotonic() - start)

    await asyncio.gather(
        *(
            pair(name, port, kind)
            for name, (own, port) in found.items()
            for kind in DEFAULT.kinds
            if kind != own
        )
    )
    return out


@pytest.fixture(scope="module")
def matrix(lab: Any) -> dict[tuple[str, str], tuple[Service, float]]:
    """(server, probed kind) -> the verdict and the seconds it took."""
    return asyncio.run(_matrix(lab))


# PostgreSQL and MongoDB close without a byte at plain HTTP and at the question, and leave
# a TLS handshake unanswered or close it: to an HTTP kind that says nothing of what they are
# (a TCP proxy whose backend is down closes so too), an ``error`` that says so, not
# ``not-<kind>``.
SAYS_NOTHING_TO = frozenset({"elasticsearch", "kibana", "couchdb", "s3", "azblob"})
CLOSES_AT_HTTP = ("postgresql/", "mongodb/")


def expected(server: str, kind: str) -> str:
    """The verdict of ``kind`` probed on the lab server ``server`` (kind/role)."""
    if server.startswith(CLOSES_AT_HTTP) and kind in SAYS_NOTHING_TO:
        return "error"
    return f"not-{kind}"


def test_every_probe_on_a_server_of_another_kind_says_not_its_kind(
    matrix: dict[tuple[str, str], tuple[Service, float]],
) -> None:
    assert len(matrix) >= 100
    wrong = {
        pair: (s.verdict.value, s.reason)
        for pair, (s, _) in matrix.items()
        if s.verdict.value != expected(*pair)
        or (s.verdict.value == "error" and "nothing says what it is" not in s.reason)
        or not s.reason
        or "\n" in s.reason
        or len(s.reason) > 600
    }
    assert not wrong, wrong


def test_every_pair_ends_well_inside_the_read_deadline(
    matrix: dict[tuple[str, str], tuple[Service, float]],
) -> None:
    slow = {pair: round(took, 2) for pair, (_, took) in matrix.items() if took >= BOUND}
    assert not slow, slow


async def _guessed(lab: Any, kinds: tuple[str, ...]) -> dict[str, tuple[Service, float]]:
    ports = {k: lab.status.target("open", k).port for k in kinds}
    scope = Scope()
    for port in ports.values():
        scope.add("127.0.0.1", port)

    async def one(port: int) -> tuple[Service, float]:
        async with Transport(LIMITS, scope) as transport:
            start = time.monotonic()
            target = Target(Endpoint("127.0.0.1", port), ())
            got = await access(DEFAULT, transport, None, target, kinds)
            return got.reported, time.monotonic() - start

    found = await asyncio.gather(*(one(port) for port in ports.values()))
    return dict(zip(ports, found, strict=True))


def test_several_kinds_tried_on_a_database_port_find_its_kind(lab: Any) -> None:
    # Redis's own kind is tried last: MySQL and PostgreSQL, each a guess off its port, hear
    # nothing from it (it waits for a line's end) and ask who it is after a second each.
    kinds = ("mysql", "postgresql", "mongodb", "redis")
    found = asyncio.run(_guessed(lab, kinds))
    assert {k: (s.kind, s.verdict.value) for k, (s, _) in found.items()} == {
        k: (k, "open") for k in kinds
    }
    slow = {k: round(took, 2) for k, (_, took) in found.items() if took >= GUESS_READ_TIMEOUT * 1.5}
    assert not slow, slow
