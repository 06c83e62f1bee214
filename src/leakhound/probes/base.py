"""The store-kind contract: the four questions every kind of data store answers.

*What is this and may anyone read it* (``verdict``), *what does it hold* (``inventory``:
neutral containers with counts), *show me some* (``sample``), *give me everything*
(``reader``: a ``FullReader`` that reads a container partition by partition, page by page,
from opaque positions a scan checkpoints and resumes from). A probe reaches its endpoint only
through the ``Transport`` it is handed (HTTP or TCP under the scan's policy) and sends only
what its allow-list (``allow``) names. Everything above ``probes/`` works through this
contract and never asks which kind it handles.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import NetError, PolicyError, ProtocolError, TimeoutError_
from ..models import (
    Container,
    Distinct,
    Endpoint,
    FieldType,
    Fingerprint,
    Service,
    Verdict,
    Words,
)
from ..net import Policy, Transport
from .reason import fitted

ERROR_CHARS = 300  # of an inventory's or a container's error: a reason to read, not a log


def failures_said(errors: Sequence[str], limit: int = ERROR_CHARS) -> str | None:
    """The failures of one listing or one container's inventory as its ``error``: joined by
    "; ", at most ``limit`` characters; None where nothing failed."""
    return "; ".join(errors)[:limit] or None


def row_bytes(container: Container) -> int | None:
    """A row's average size on disk, where the inventory knows both the size and the count."""
    if container.store_bytes and container.docs:
        return max(1, container.store_bytes // container.docs)
    return None


def unsettled(failed: Sequence[object]) -> Verdict:
    """The verdict of a store whose access questions (``failed``: each failure, an exception
    or an answer's words) got neither an answer with data nor a refusal: ``timeout`` when
    every one timed out, else ``error``. Never ``secured``: a question that failed proved
    nothing, and a refusal beside it does not speak for it."""
    timed_out = bool(failed) and all(isinstance(f, TimeoutError_) for f in failed)
    return Verdict.TIMEOUT if timed_out else Verdict.ERROR


@dataclass(frozen=True, slots=True)
class Inventory:
    """What a probe listed of an open service."""

    containers: tuple[Container, ...]
    error: str | None = None  # why the listing is missing or incomplete
    truncated: int = 0  # containers listed but not inventoried in detail (over the cap)
    # What the inventory could not learn of a listing that is whole (every container listed
    # and counted): which indices are hidden, names the server repeated and that were listed
    # once. Never a reason to read its figures as "at least".
    note: str | None = None


@dataclass(frozen=True, slots=True)
class SampleDocs:
    """Records read from one container, as JSON-like documents."""

    docs: tuple[Any, ...]
    error: str | None = None
    # The container's records as the sample measured or extrapolated them, for a kind that
    # cannot count them before reading (files in a bucket); None: the inventory's count holds.
    records: int | None = None
    records_exact: bool = False  # every object was read whole: ``records`` is a count
    # How the records were drawn (``sampling``): the first the store returned, or spread over
    # the whole container (at random places, or in runs of neighbours at spread places).
    drawn: str = "first"
    # The store refused the read for want of credentials, as its protocol's own code says
    # (``NetError.denied``: HTTP 401/403, MongoDB's Unauthorized, Redis's NOAUTH, SQLSTATE
    # 28xxx/42501, MySQL's 1142…), never as its words do; False for every other error.
    denied: bool = False

    @classmethod
    def failed(cls, exc: NetError, prefix: str = "") -> SampleDocs:
        """No records: the read failed with ``exc`` (its words after ``prefix``, and whether
        the store refused it for want of credentials)."""
        return cls((), prefix + str(exc), denied=exc.denied)


MiB = 1 << 20


@dataclass(frozen=True, slots=True)
class FileBounds:
    """How much of a store's files a scan may read: objects listed per bucket
    (``--max-objects``) and bytes of one object a sample reads (``--max-bytes``). Kinds that
    hold no files ignore them."""

    max_objects: int = 100_000
    max_bytes: int = 1 * MiB


class PositionExpired(NetError):
    """The store forgot where a read was (a point in time, a cursor expired or was freed):
    the partitions not finished start over on a fresh plan."""


class Overrun(ProtocolError):
    """A read sent far more than the store said it holds (records past the count, objects
    past the listing): stopped, what was counted kept; ``str()`` is the whole reason."""


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """How one container is read: in how many partitions, with what the server holds for it.

    ``state`` is the kind's own (a point-in-time id…), JSON-serialisable so that a checkpoint
    can keep it; nothing outside the probe reads it.
    """

    container: str
    partitions: int
    method: str  # the reader's word for how ("pit", "scroll", "cursor"…), shown in reports
    state: Any = None
    total: int | None = None  # records the plan reads, when the store says
    resumable: bool = True  # False: a partition cannot re-enter at a stored position
    # Records of what holds the container (a Redis database's keys), where the container's
    # own are not counted: what bounds a read that would otherwise have no bound.
    store_total: int | None = None
    # A keyed digest of the store's own name of a container shown masked (``shown``; never
    # the name): a resumed read tells by it that a checkpoint is of the container it reads.
    own: str | None = None

    def to_json(self) -> dict[str, Any]:
        """What a checkpoint keeps of the plan."""
        return {
            "container": self.container,
            "partitions": self.partitions,
            "method": self.method,
            "state": self.state,
            "total": self.total,
            "resumable": self.resumable,
            "store_total": self.store_total,
            **({"own": self.own} if self.own is not None else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReadPlan:
        """The plan a checkpoint kept."""
        return cls(
            str(data["container"]),
            int(data["partitions"]),
            str(data["method"]),
            data.get("state"),
            data.get("total"),
            bool(data.get("resumable", True)),
            count_of(data.get("store_total")),
            own if isinstance(own := data.get("own"), str) else None,
        )


def count_of(value: Any) -> int | None:
    """A count (a non-negative int, not a bool) from stored or answered data, else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


NOTE = "note"  # the key of a position's note (``Page``)


def note_of(position: Any) -> str | None:
    """The note a position holds (``Page``), at most a line of 300 characters; else None."""
    if isinstance(position, dict) and isinstance(note := position.get(NOTE), str) and note:
        return note[:300]
    return None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of one partition: its records and where the partition's next page starts."""

    docs: tuple[Any, ...]
    # Opaque, JSON-serialisable; None where the read cannot be re-entered. A position that is
    # a dict may hold ``NOTE``: one line the report shows beside the read (``FullRead.note``:
    # how the read differed from its method, a transaction it was resumed in).
    position: Any


class PartitionReader(ABC):
    """Pages of one partition of a plan, from a position."""

    @abstractmethod
    async def next_page(self) -> Page | None:
        """The next page, or None at the end of the partition."""

    async def close(self) -> None:
        """Free what this partition alone holds on the server (never raises)."""
        return None

    @property
    def shared_state(self) -> Any:
        """The newest plan-level state this partition used (the store may hand out a new
        one per page): released with the plan's own."""
        return None

    def retryable(self, exc: NetError) -> bool:
        """Whether a failed page may be asked again (its position has not moved): not a
        refusal for want of credentials, which asking again does not change."""
        return not isinstance(exc, PositionExpired | PolicyError | Overrun) and not exc.denied


class FullReader(ABC):
    """Reads every record of a container of one service (``--depth full``, subject export).

    The scanning process opens and releases plans; each partition may be read in another
    process (a worker of the scan, a Dask task) by a reader made there again from the same
    ``Probe.reader(transport, service)`` and handed the plan, its partition number and its
    position. So ``partition`` must need nothing but those and what ``reader`` was given
    (the probe instance itself is pickled to get there).
    """

    method: str = "read"  # how it reads, in reports ("pit", "scroll", "cursor"…)

    @abstractmethod
    async def open(self, container: Container, partitions: int) -> ReadPlan:
        """Plan the read: how many partitions (at least one), and what the server holds."""

    async def reopen(self, plan: ReadPlan) -> ReadPlan:
        """A fresh plan with the same partitions, after ``PositionExpired``; NetError when the
        layout cannot be kept."""
        raise PositionExpired(f"{plan.container}: the read cannot be planned again")

    async def own_name(self, container: Container) -> str | None:
        """The store's own name of a container shown under a masked one (``shown``), which a
        number tells from others masked alike in the inventory's order; None where it is
        shown as named. NetError when it cannot be found."""
        return None

    @abstractmethod
    def partition(
        self, plan: ReadPlan, number: int, position: Any, *, size: int
    ) -> PartitionReader:
        """A reader of partition ``number`` from ``position`` (None: from its start), in pages
        of ``size`` records."""

    def project(self, fields: Sequence[str]) -> FullReader:
        """This reader, asking only for ``fields`` (dotted paths) where the kind can leave the
        rest on the server; the same reader where it cannot."""
        return self

    async def release(self, plan: ReadPlan, states: set[Any]) -> None:
        """Free the plan-level server state (``plan.state`` and the newer ``states`` the
        partitions moved to); never raises."""
        return None


class Probe(ABC):
    """One store kind: how to recognise it, list what it holds, read some, read everything."""

    kind: ClassVar[str]
    default_ports: ClassVar[tuple[int, ...]]
    # URL schemes that name this kind in a target ("mongodb", "redis"…); an HTTP kind also
    # answers http:// and https:// targets (``speaks_http``).
    schemes: ClassVar[tuple[str, ...]] = ()
    speaks_http: ClassVar[bool] = False
    # An http(s):// URL names this kind only when ``--kinds`` names it (an object store's
    # bucket URL looks like any web path).
    http_if_chosen: ClassVar[bool] = False
    # Target URLs name containers (``locate``), and without a port mean ``url_port``.
    names_containers: ClassVar[bool] = False
    url_port: ClassVar[int | None] = None
    # Whether the owner's credentials (``--auth``…) can open this kind: a kind whose
    # requests are signed with a key (S3, Azure Blob) is never handed them, so a password
    # meant for another store does not travel to it in a header it cannot use.
    takes_credentials: ClassVar[bool] = True
    allow: ClassVar[Policy]
    # What reports call this kind's containers and records, (singular, plural) each: the
    # store's own words (an SQL index is not a table), the neutral ones where it has none.
    words: ClassVar[Words] = Words()
    # The neutral types of the fields whose distinct values the store counts and lists
    # (``count_distinct``, ``distinct_values``), and how, as a people count's basis says it.
    distinct_types: ClassVar[frozenset[FieldType]] = frozenset({FieldType.KEYWORD})
    distinct_counted: ClassVar[str] = "counted by the store"
    distinct_listed: ClassVar[str] = "every value listed by the store"

    @classmethod
    def locate(cls, host: str, path: str, user: str | None) -> tuple[str, tuple[str, ...]] | None:
        """For a kind that ``names_containers`` (``s3://bucket@host/key``): the base path and
        the containers a URL's host, path and user part name (ValueError when it cannot name
        them); None: the path is a base path and the user a user, as for every other kind.

        A base path names an account of its own where one host:port serves several
        (``azblob://HOST:PORT/ACCOUNT/…``): the endpoint's ``account``, a store apart."""
        return None

    def url(self, endpoint: Endpoint) -> str:
        """The endpoint as this kind reaches it, for a result no answer decided (an internal
        error): a database kind's own scheme (``postgresql://…``), else the endpoint's, else
        host:port, never a scheme nothing tried."""
        if self.schemes and not (self.speaks_http or self.http_if_chosen):
            return endpoint.url(self.schemes[0])
        return endpoint.url()

    def bounded(self, bounds: FileBounds) -> Probe:
        """This probe reading within ``bounds`` (a kind that reads no files: itself)."""
        return self

    def answer(
        self,
        endpoint: Endpoint,
        url: str,
        verdict: Verdict,
        reason: str,
        fp: Fingerprint | None = None,
        opened: tuple[str, ...] = (),
        closed: tuple[str, ...] = (),
    ) -> Service:
        """This kind's verdict on endpoint, as reached at url: the reason in 500 characters,
        fitted by its probe (``reason.fitted``), else cut at its end."""
        return Service(
            endpoint, url, self.kind, verdict, fitted(reason), fp or Fingerprint(), opened, closed
        )

    @abstractmethod
    async def verdict(self, transport: Transport, endpoint: Endpoint) -> Service:
        """Decide the verdict for one endpoint; never raises for network outcomes. An
        endpoint that answers as another kind of service is ``Verdict.not_of(self.kind)``."""

    @abstractmethod
    async def inventory(
        self, transport: Transport, service: Service, *, max_containers: int
    ) -> Inventory:
        """The containers of an open or partial service, with their counts."""

    @abstractmethod
    async def sample(
        self, transport: Transport, service: Service, container: Container, size: int
    ) -> SampleDocs:
        """Up to ``size`` records of one container, cheap for the server."""

    @abstractmethod
    def reader(self, transport: Transport, service: Service) -> FullReader:
        """The reader of every record of the service's containers; made from these two
        alone (a worker process makes its own to read a partition: see ``FullReader``)."""

    async def count_distinct(
        self,
        transport: Transport,
        service: Service,
        containers: Sequence[Container],
        fields: Sequence[str],
    ) -> dict[str, Distinct] | None:
        """The store's own count of the distinct values of each field across all
        ``containers`` at once (fields whose values the store indexes whole); None where the
        kind has no such count. ``NetError`` with the reason when the store refused it or
        did not answer in time: the scan then estimates from the sample and says why."""
        return None

    def distinct_values(
        self, transport: Transport, service: Service, containers: Sequence[Container], field: str
    ) -> AsyncIterator[str] | None:
        """Each distinct value of one field across all ``containers``, once, listed by the
        store (a field it indexes whole), page by page; None where the kind cannot list
        them. The scan asks only for fields ``count_distinct`` found small, reduces each
        value to a keyed digest at once and keeps no value. ``NetError`` as above."""
        return None

    def holding(self, containers: Sequence[Container], field: str) -> list[Container]:
        """The containers with ``field`` of a type whose values the store counts and lists
        (``distinct_types``)."""
        return [
            c
            for c in containers
            if any(
                f.path == field and self.field_type(f.type) in self.distinct_types for f in c.fields
            )
        ]

    def field_type(self, native: str) -> FieldType:
        """The neutral type of one of this kind's own field types."""
        try:
            return FieldType(native)
        except ValueError:
            return FieldType.UNKNOWN

    def field_types(self, container: Container) -> dict[str, str]:
        """Field path → neutral type, what detection reads of a container's fields."""
        return {f.path: self.field_type(f.type).value for f in container.fields}
