"""Who answers at an endpoint and whether anyone may read it: kind dispatch and credentials.

The verdict is always decided without credentials, trying the target's kinds in order until
one recognises the service. The owner's credentials, when given, serve only to read what a
secured or partial store holds (an authorised re-check), never to decide the verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..models import Endpoint, Service, Target, Verdict
from ..net import Transport
from ..probes.base import Probe
from ..probes.registry import Registry

_RECOGNISED = (Verdict.OPEN, Verdict.PARTIAL, Verdict.SECURED)
# Seconds a database kind tried on a port not its own, among others, waits for its first
# reply: a server of that kind answers its handshake within milliseconds, while a server of
# another protocol (an HTTP server given a binary handshake) waits for more bytes until the
# read deadline. Named by the target's scheme, or the only kind tried, it waits the full one.
GUESS_READ_TIMEOUT = 3.0
# Ports where what is sent is acted on, not answered: a printer's raw printing port
# (JetDirect, AppSocket) prints every byte it is sent, a probe's HTTP request or handshake a
# page of it. nmap's version scan leaves them out for the same reason (``Exclude
# T:9100-9107`` in nmap-service-probes). A scanner export or a range lists them among the
# open ports; they are probed only where the target names a kind (a URL's scheme).
PRINTING_PORTS = range(9100, 9108)


@dataclass(frozen=True, slots=True)
class Access:
    """The verdict to report, and what to read the store with."""

    probe: Probe
    reported: Service  # decided without credentials
    read_as: Service  # the service as the reading transport sees it
    transport: Transport  # the owner's when their credentials opened the store

    @property
    def readable(self) -> bool:
        """Whether there is something to inventory: open or partial to the reader."""
        return self.read_as.verdict.exposed


def kinds_of(registry: Registry, target: Target, chosen: Sequence[str] = ()) -> tuple[str, ...]:
    """The kinds to try on a target: its own, else the chosen ones (every kind when none
    was), those of its port first."""
    kinds = tuple(k for k in target.kinds if k in registry.kinds)
    return kinds or registry.for_port(target.endpoint.port, chosen or registry.kinds)


def _guessed(probe: Probe, target: Target, kinds: Sequence[str]) -> bool:
    """Whether ``probe``'s kind is one guess among several on a port that is not its own
    (a raw-TCP kind: an HTTP kind's request is answered at once by any HTTP server, and is
    sent by the scan's one HTTP client, under its bounds)."""
    return (
        not target.kinds
        and len(kinds) > 1
        and not probe.speaks_http
        and not probe.http_if_chosen  # the object stores: HTTP, under the scan's own client
        and target.endpoint.port not in probe.default_ports
    )


async def access(
    registry: Registry,
    transport: Transport,
    authed: Transport | None,
    target: Target,
    chosen: Sequence[str] = (),
) -> Access:
    """Decide the verdict without credentials; then, for a secured or partial store and
    credentials given, whether they open it."""
    ep = target.endpoint
    tried: list[tuple[Probe, Service]] = []
    kinds = kinds_of(registry, target, chosen)
    if not target.kinds and ep.port in PRINTING_PORTS:
        service = Service(ep, ep.url(), kinds[0], Verdict.ERROR, _printing(ep))
        return Access(registry.by_kind(kinds[0]), service, service, transport)
    for kind in kinds:
        probe = registry.by_kind(kind)
        via = transport
        if _guessed(probe, target, kinds):
            via = transport.hurried(GUESS_READ_TIMEOUT)
        try:
            service = await probe.verdict(via, ep)
        finally:
            if via is not transport:
                await via.aclose()  # an HTTP client it made, if any
        tried.append((probe, service))
        # Recognised, or nothing listens: done. Another protocol's attempt can fail or hang
        # where this kind's would be answered (Redis drops a connection that sent HTTP): an
        # error or a timeout lets the next kind try.
        if service.verdict in (Verdict.CLOSED, *_RECOGNISED):
            break
    recognised = [(p, s) for p, s in tried if s.verdict in _RECOGNISED]
    # Not recognised as readable or refusing, but named: a kind that knew the product (a
    # Kibana whose console proxy fails) tells more than the kinds that say "not mine".
    named = [
        (p, s)
        for p, s in tried
        if s.fingerprint.product != "unknown" and s.verdict.not_kind is None
    ]
    probe, service = (recognised or named or tried)[0]
    if not recognised and len(tried) > 1:
        # No kind recognised it: the one that named it, else the first (the most likely by
        # port), tells why.
        others = "; ".join(f"{p.kind}: {s.verdict.value}" for p, s in tried if p is not probe)
        service = replace(service, reason=f"{service.reason} (also tried {others})"[:600])
    if authed is not None and service.verdict in (Verdict.SECURED, Verdict.PARTIAL):
        if not probe.takes_credentials:
            why = f"not sent: {probe.kind} requests are signed, which leakhound does not do"
            service = replace(service, reason=f"{service.reason}; the credentials given: {why}")
            return Access(probe, service, service, transport)
        with_credentials = await probe.verdict(authed, ep)
        if with_credentials.verdict == Verdict.OPEN:
            reported = replace(
                service,
                fingerprint=replace(with_credentials.fingerprint, realm=service.fingerprint.realm),
            )
            return Access(probe, reported, with_credentials, authed)
        # Say why the owner's credentials read nothing: refused, or never sent.
        why = with_credentials.reason or with_credentials.verdict.value
        service = replace(service, reason=f"{service.reason}; with the credentials given: {why}")
    return Access(probe, service, service, transport)


def _printing(ep: Endpoint) -> str:
    """Why a raw printing port named by no kind is left alone, and how to probe it anyway."""
    return (
        f"not probed: port {ep.port} is a raw printing port (JetDirect), where a printer "
        f"prints every byte it is sent; a URL naming the store's kind (http://{ep.netloc}, "
        f"redis://{ep.netloc}, …) probes it"
    )
