"""A probe against one lab server, outside a scan: a loopback transport scoped to its URL,
the probe's verdict and inventory, for tests that then sample or read a container of theirs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from leakhound.models import Container, Endpoint, Service
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.base import Inventory, Probe


@dataclass
class Probed:
    """What the probe found of the server, and the transport to read on."""

    transport: Transport
    service: Service
    inventory: Inventory

    def container(self, name: str) -> Container:
        """The inventory's container of that name (exactly one)."""
        (found,) = [c for c in self.inventory.containers if c.name == name]
        return found


@asynccontextmanager
async def probed(probe: Probe, url: str, read_timeout: float = 30) -> AsyncIterator[Probed]:
    """``probe``'s verdict and inventory of the server at ``url`` (loopback only)."""
    where = urlsplit(url)
    host, port = where.hostname or "127.0.0.1", where.port or 80
    scope = Scope()
    scope.add(host, port)
    transport = Transport(Limits(read_timeout=read_timeout, total_timeout=300), scope)
    try:
        service = await probe.verdict(transport, Endpoint(host, port))
        inventory = await probe.inventory(transport, service, max_containers=1000)
        yield Probed(transport, service, inventory)
    finally:
        await transport.aclose()
