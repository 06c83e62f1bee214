"""A container's sample: the probe's mark of a read refused for want of credentials is kept
beside its error (``Sample.failure``), and every other error is marked as such."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import pytest

from leakhound.models import Container, ContainerResult, Endpoint, Failure, Service, Verdict
from leakhound.net import Transport, rules
from leakhound.probes.base import FullReader, Inventory, Probe, SampleDocs
from leakhound.scanner.options import ScanOptions
from leakhound.scanner.sample import sample_container
from leakhound.scanner.workers import Workers

SERVICE = Service(Endpoint("127.0.0.1", 7000), "fake://127.0.0.1:7000", "fake", Verdict.PARTIAL)


class _Answers(Probe):
    """A probe whose sample is ``got``; nothing is sent anywhere."""

    kind: ClassVar[str] = "fake"
    default_ports: ClassVar[tuple[int, ...]] = (7000,)
    allow = rules("fake", [])

    def __init__(self, got: SampleDocs) -> None:
        self.got = got

    async def verdict(self, transport: Transport, endpoint: Endpoint) -> Service:
        raise NotImplementedError

    async def inventory(
        self, transport: Transport, service: Service, *, max_containers: int
    ) -> Inventory:
        raise NotImplementedError

    async def sample(
        self, transport: Transport, service: Service, container: Container, size: int
    ) -> SampleDocs:
        return self.got

    def reader(self, transport: Transport, service: Service) -> FullReader:
        raise NotImplementedError


def _sampled(
    got: SampleDocs, container: Container | None = None, options: ScanOptions | None = None
) -> ContainerResult:
    async def go() -> Any:
        return await sample_container(
            _Answers(got),
            None,  # type: ignore[arg-type]  # the fake sends nothing
            SERVICE,
            container or Container("crm", 10, None),
            options or ScanOptions(sample=5),
            Workers(0),
            b"k" * 32,
        )

    result, _ = asyncio.run(go())
    return result


@pytest.mark.parametrize(
    ("got", "failure"),
    [
        pytest.param(SampleDocs((), "HTTP 401 on _search", denied=True), Failure.CREDENTIALS),
        pytest.param(SampleDocs((), "HTTP 500 on _search: 403 Forbidden"), Failure.OTHER),
        pytest.param(SampleDocs((), "read timed out after 1s"), Failure.OTHER),
    ],
    ids=["denied", "hostile-words", "timeout"],
)
def test_a_failed_samples_error_is_kept_with_why(got: SampleDocs, failure: Failure) -> None:
    result = _sampled(got)
    assert result.sample is not None
    assert (result.sample.docs, result.sample.error, result.sample.failure) == (
        0,
        got.error,
        failure,
    )
    assert result.asked_credentials() is (failure is Failure.CREDENTIALS)


def test_a_sample_read_has_no_failure() -> None:
    result = _sampled(SampleDocs(({"note": "hello"},)))
    assert result.sample is not None and result.sample.error is None
    assert result.sample.failure is None


def test_the_stores_own_containers_are_sampled_only_with_include_system() -> None:
    users = Container("_users", 3, None, True, True)
    got = SampleDocs(({"name": "admin"},))
    assert _sampled(got, users).sample is None
    read = _sampled(got, users, ScanOptions(sample=5, include_system=True)).sample
    assert read is not None and read.docs == 1
