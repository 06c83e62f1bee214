"""Kind dispatch: the kinds are tried in turn; the one that recognises the service decides,
and when none does, the one that at least named the product tells why."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from leakhound.models import Endpoint, Fingerprint, Service, Target, Verdict
from leakhound.net import Transport, commands
from leakhound.probes.base import FullReader, Inventory, Probe, SampleDocs
from leakhound.probes.registry import Registry
from leakhound.scanner.access import access


class Scripted(Probe):
    """A probe whose verdict is given: (verdict, product, reason)."""

    default_ports: ClassVar[tuple[int, ...]] = ()
    allow = commands("scripted", set())

    def __init__(self, kind: str, verdict: Verdict, product: str = "unknown") -> None:
        self.kind = kind  # type: ignore[misc]
        self._verdict, self._product = verdict, product
        self.asked = 0

    async def verdict(self, transport: Transport, endpoint: Endpoint) -> Service:
        self.asked += 1
        return Service(
            endpoint,
            "x://",
            self.kind,
            self._verdict,
            f"{self.kind} says so",
            Fingerprint(product=self._product),
        )

    async def inventory(self, *a: object, **k: object) -> Inventory:
        return Inventory(())

    async def sample(self, *a: object, **k: object) -> SampleDocs:
        return SampleDocs(())

    def reader(self, *a: object, **k: object) -> FullReader:
        raise NotImplementedError


def _access(*probes: Scripted) -> Service:
    target = Target(Endpoint("127.0.0.1", 1234), tuple(p.kind for p in probes))
    return asyncio.run(access(Registry(probes), Transport(), None, target)).reported


def test_the_first_kind_that_recognises_the_service_decides() -> None:
    a = Scripted("a", Verdict.not_of("a"))
    b = Scripted("b", Verdict.SECURED, "b-product")
    c = Scripted("c", Verdict.OPEN, "c-product")
    service = _access(a, b, c)
    assert (service.kind, service.verdict) == ("b", Verdict.SECURED)
    assert c.asked == 0


def test_a_kind_that_named_the_product_tells_why_when_none_recognises_it() -> None:
    service = _access(
        Scripted("es", Verdict.not_of("es")),
        Scripted("kibana", Verdict.ERROR, "kibana"),
        Scripted("other", Verdict.not_of("other")),
    )
    assert (service.kind, service.verdict) == ("kibana", Verdict.ERROR)
    assert service.reason == "kibana says so (also tried es: not-es; other: not-other)"


def test_without_a_named_product_the_first_kind_tells_why() -> None:
    service = _access(Scripted("es", Verdict.not_of("es")), Scripted("redis", Verdict.TIMEOUT))
    assert (service.kind, service.verdict) == ("es", Verdict.not_of("es"))
    assert service.reason == "es says so (also tried redis: timeout)"


class Timed(Scripted):
    """A scripted probe that records the read deadline of the transport it was handed."""

    def __init__(self, kind: str, ports: tuple[int, ...] = (), http: bool = False) -> None:
        super().__init__(kind, Verdict.TIMEOUT)
        self.default_ports = ports  # type: ignore[misc]
        self.speaks_http = http  # type: ignore[misc]
        self.read_timeout = 0.0

    async def verdict(self, transport: Transport, endpoint: Endpoint) -> Service:
        self.read_timeout = transport.limits.read_timeout
        return await super().verdict(transport, endpoint)


def test_a_database_kind_guessed_on_a_port_not_its_own_waits_less_for_its_reply() -> None:
    # A bare host:port tried with several kinds: a raw-TCP kind off its default ports gets
    # the short first-reply deadline; its own port's kind, an HTTP kind and a kind the
    # target names get the scan's.
    from leakhound.net.policy import Limits
    from leakhound.scanner.access import GUESS_READ_TIMEOUT

    own, http, guessed = Timed("own", (1234,)), Timed("web", http=True), Timed("db", (5432,))
    bucket = Timed("bucket", (9000,))
    bucket.http_if_chosen = True  # type: ignore[misc]  # an object store: HTTP too
    registry = Registry((own, http, guessed, bucket))
    transport = Transport(Limits(read_timeout=10.0))
    bare = Target(Endpoint("127.0.0.1", 1234), ())
    asyncio.run(access(registry, transport, None, bare))
    assert (own.read_timeout, http.read_timeout, bucket.read_timeout) == (10.0, 10.0, 10.0)
    assert guessed.read_timeout == GUESS_READ_TIMEOUT < 10.0
    named = Target(Endpoint("127.0.0.1", 1234), ("db",))
    asyncio.run(access(registry, transport, None, named))
    assert guessed.read_timeout == 10.0
    alone = Timed("only", (5432,))
    asyncio.run(access(Registry((alone,)), transport, None, bare))
    assert alone.read_timeout == 10.0  # the only kind tried: no guess among others


class Signed(Scripted):
    """A kind whose requests are signed: a password would be of no use to it."""

    takes_credentials = False

    def __init__(self, kind: str, verdict: Verdict) -> None:
        super().__init__(kind, verdict)
        self.handed: list[Transport] = []

    async def verdict(self, transport: Transport, endpoint: Endpoint) -> Service:
        self.handed.append(transport)
        return await super().verdict(transport, endpoint)


def test_the_owners_credentials_are_never_handed_to_a_kind_that_signs_its_requests() -> None:
    target = Target(Endpoint("127.0.0.1", 1234), ("s3",))
    plain, authed = Transport(), Transport(credentials=("app", "s3cret"))
    signed = Signed("s3", Verdict.SECURED)
    got = asyncio.run(access(Registry((signed,)), plain, authed, target))
    assert signed.handed == [plain]  # asked once, without them
    assert got.transport is plain and got.reported.verdict == Verdict.SECURED
    assert "credentials given: not sent" in got.reported.reason
    asked = Scripted("redis", Verdict.SECURED)  # a kind that logs in is asked again with them
    asyncio.run(access(Registry((asked,)), plain, authed, Target(target.endpoint, ("redis",))))
    assert asked.asked == 2


def test_a_raw_printing_port_no_kind_was_named_for_is_never_sent_a_byte() -> None:
    # A range or a scanner export lists a printer's port 9100 among the open ones: every kind
    # tried there sent its request or handshake, and the printer printed each as a page.
    es, redis = Scripted("es", Verdict.OPEN), Scripted("redis", Verdict.OPEN)
    for port in (9100, 9107):
        target = Target(Endpoint("127.0.0.1", port), ())
        got = asyncio.run(access(Registry((es, redis)), Transport(), None, target)).reported
        assert got.verdict is Verdict.ERROR and got.url == f"127.0.0.1:{port}", got
        assert got.reason.startswith(f"not probed: port {port} is a raw printing port"), got
        assert f"http://127.0.0.1:{port}" in got.reason
    assert es.asked == redis.asked == 0
    # named by a URL's scheme, the kind is tried; a port beside them is probed as any other
    named = Target(Endpoint("127.0.0.1", 9100), ("redis",))
    assert asyncio.run(access(Registry((es, redis)), Transport(), None, named)).reported.kind == (
        "redis"
    )
    beside = Target(Endpoint("127.0.0.1", 9108), ())
    got = asyncio.run(access(Registry((es, redis)), Transport(), None, beside)).reported
    assert got.verdict is Verdict.OPEN
    assert redis.asked == 1 and es.asked == 1
