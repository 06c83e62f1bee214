"""The Probe contract: what every service-kind probe provides."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from ..models import Endpoint, Index, Service
from ..net import AllowList, Http


@dataclass(frozen=True, slots=True)
class Inventory:
    """What a probe listed of an open service."""

    indices: tuple[Index, ...]
    error: str | None = None  # why the listing is missing or incomplete
    truncated: int = 0  # indices listed but not inventoried in detail (over the cap)


@dataclass(frozen=True, slots=True)
class SampleDocs:
    """Documents read from one index, with the mapping types of their fields."""

    docs: tuple[Any, ...]
    error: str | None = None


class Probe(ABC):
    """One service kind: how to recognise it, list what it holds and read a sample."""

    kind: ClassVar[str]
    default_ports: ClassVar[tuple[int, ...]]
    allow: ClassVar[AllowList]

    @abstractmethod
    async def fingerprint(self, http: Http, endpoint: Endpoint) -> Service:
        """Decide the verdict for one endpoint; never raises for network outcomes."""

    @abstractmethod
    async def inventory(self, http: Http, service: Service, *, max_indices: int) -> Inventory:
        """List the indices (or databases) of an open or partial service."""

    @abstractmethod
    async def sample(self, http: Http, service: Service, index: Index, size: int) -> SampleDocs:
        """Read up to ``size`` documents of one index."""

    def flag_sample(self, index: Index, docs: Sequence[Any]) -> Index:
        """The index with what its sampled documents reveal (e.g. a ransom note) added."""
        return index
