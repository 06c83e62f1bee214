"""The scan engine: one result per target as each finishes, a bug costing one target (or one
figure) and never the scan, the concurrency bound held."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from leakhound.models import (
    Container,
    Endpoint,
    FieldInfo,
    Service,
    Target,
    TargetResult,
    Verdict,
)
from leakhound.net import Limits, Transport, rules
from leakhound.probes.base import FullReader, Inventory, Probe, SampleDocs
from leakhound.probes.registry import Registry
from leakhound.scanner.engine import scan_targets
from leakhound.scanner.options import ScanOptions

DOCS = tuple({"email": f"person{n}@gmail.com", "note": "called back"} for n in range(5))


class _Fake(Probe):
    """Hosts say how to behave: 127.0.0.1 open, .2 secured, .3 a bug in the verdict, .4 a
    bug in the inventory, .5 a bug in the sample that quotes a record; nothing is sent
    anywhere."""

    kind: ClassVar[str] = "fake"
    default_ports: ClassVar[tuple[int, ...]] = (7000,)
    schemes: ClassVar[tuple[str, ...]] = ("fake",)
    allow = rules("fake", [])

    def __init__(self) -> None:
        self.running = self.most = 0

    async def verdict(self, transport: Transport, endpoint: Endpoint) -> Service:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await asyncio.sleep(0.01)
            if endpoint.host == "127.0.0.3":
                raise RuntimeError("a bug")
            verdict = Verdict.SECURED if endpoint.host == "127.0.0.2" else Verdict.OPEN
            return Service(endpoint, endpoint.url(), self.kind, verdict, "as told")
        finally:
            self.running -= 1

    async def inventory(
        self, transport: Transport, service: Service, *, max_containers: int
    ) -> Inventory:
        if service.endpoint.host == "127.0.0.4":
            raise KeyError("another bug")
        return Inventory(
            (Container("people", len(DOCS), None, fields=(FieldInfo("email", "keyword"),)),)
        )

    async def sample(
        self, transport: Transport, service: Service, container: Container, size: int
    ) -> SampleDocs:
        if service.endpoint.host == "127.0.0.5":  # a bug with a record in hand
            raise ValueError(f"no such customer: {DOCS[0]['email']!r} (+33 6 12 34 56 78)")
        return SampleDocs(DOCS[:size])

    def reader(self, transport: Transport, service: Service) -> FullReader:
        raise NotImplementedError


def _scan(hosts: list[str], concurrency: int = 64) -> tuple[list[TargetResult], list[int], _Fake]:
    probe = _Fake()
    results: list[TargetResult] = []
    progress: list[int] = []
    targets = [Target(Endpoint(h, 7000, "fake"), ("fake",)) for h in hosts]
    options = ScanOptions(workers=0, limits=Limits(concurrency=concurrency))
    asyncio.run(
        scan_targets(
            targets,
            options,
            Registry((probe,)),
            results.append,
            on_progress=lambda done, _total: progress.append(done),
        )
    )
    return results, progress, probe


def test_one_result_per_target_and_a_bug_costs_only_its_target() -> None:
    results, progress, _ = _scan(["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"])
    by_host: dict[str, Any] = {r.service.endpoint.host: r for r in results}
    assert progress == [1, 2, 3, 4] and len(by_host) == 4
    opened = by_host["127.0.0.1"]
    assert opened.service.verdict == Verdict.OPEN
    assert [c.container.name for c in opened.containers] == ["people"]
    # Its reader is a bug (NotImplementedError): that costs the people figure, not the sample.
    assert opened.people is None
    (sampled,) = opened.containers
    assert sampled.sample is not None and sampled.sample.docs == len(DOCS)
    assert [p.entity_type for p in sampled.sample.pii] == ["EMAIL_ADDRESS"]
    assert by_host["127.0.0.2"].service.verdict == Verdict.SECURED
    assert not by_host["127.0.0.2"].containers  # nothing read of a secured store
    broken = by_host["127.0.0.3"].service
    assert broken.verdict == Verdict.ERROR
    assert broken.reason == "internal error: RuntimeError: a bug"
    listed = by_host["127.0.0.4"]
    assert listed.service.verdict == Verdict.OPEN  # the verdict stands
    assert listed.inventory_error == "internal error: KeyError: 'another bug'"


def test_no_more_targets_at_once_than_the_concurrency_allows() -> None:
    _, _, probe = _scan([f"127.0.1.{n}" for n in range(1, 21)], concurrency=3)
    assert probe.most == 3


def test_an_internal_error_names_the_endpoint_as_its_kind_reaches_it() -> None:
    """A bare port merged with a database URL has no scheme: its error line said
    http://127.0.0.3:7000/db, a protocol nothing tried there."""
    probe = _Fake()
    results: list[TargetResult] = []
    bare = Endpoint("127.0.0.3", 7000, None, "/db", "reader")
    asyncio.run(
        scan_targets(
            [Target(bare, ("fake",))],
            ScanOptions(workers=0),
            Registry((probe,)),
            results.append,
        )
    )
    (broken,) = results
    assert broken.service.verdict == Verdict.ERROR
    assert broken.service.url == "fake://reader@127.0.0.3:7000/db"


def test_a_bug_quoting_a_record_is_recorded_with_the_value_masked() -> None:
    (result,), _, _ = _scan(["127.0.0.5"])
    (container,) = result.containers
    assert container.sample is not None and container.sample.error is not None
    error = container.sample.error
    assert error.startswith("internal error: ValueError: no such customer: 'p***@g***.com'")
    assert DOCS[0]["email"] not in error and "12 34 56" not in error
