"""The plain values that flow through the pipeline: targets, services, indices, findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    """What one endpoint turned out to be; one per target/port, never silence."""

    OPEN = "open"
    SECURED = "secured"
    PARTIAL = "partial"
    NOT_ELASTICSEARCH = "not-elasticsearch"
    CLOSED = "closed"
    TIMEOUT = "timeout"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One place to probe: host, port and, when known, the scheme to use."""

    host: str  # a name, an IPv4 address or a bare IPv6 address (no brackets)
    port: int
    scheme: str | None = None  # "http", "https", or None: try http then https
    base_path: str = ""  # URL path prefix when the target is behind a proxy path

    @property
    def netloc(self) -> str:
        """host:port with IPv6 literals bracketed."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def url(self, scheme: str | None = None) -> str:
        """Base URL for this endpoint with the given (or its own) scheme."""
        return f"{scheme or self.scheme or 'http'}://{self.netloc}{self.base_path}"


@dataclass(frozen=True, slots=True)
class TlsInfo:
    """What the TLS certificate of an endpoint says (not verified: we record, not trust)."""

    subject: str | None = None
    issuer: str | None = None
    not_after: str | None = None  # ISO 8601
    expired: bool | None = None


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the root endpoint reveals about the product."""

    product: str = "unknown"  # "elasticsearch", "opensearch", "unknown"
    version: str | None = None
    distribution: str | None = None
    compatibility_mode: bool = False  # OpenSearch answering as Elasticsearch 7.10.2
    cluster_name: str | None = None
    cluster_uuid: str | None = None
    node_name: str | None = None
    tagline: str | None = None
    realm: str | None = None  # from WWW-Authenticate when secured
    tls: TlsInfo | None = None


@dataclass(frozen=True, slots=True)
class Service:
    """The outcome of fingerprinting one endpoint: a verdict with its reason."""

    endpoint: Endpoint
    url: str  # the base URL that answered (scheme decided)
    kind: str  # probe kind, e.g. "elasticsearch"
    verdict: Verdict
    reason: str = ""
    fingerprint: Fingerprint = field(default_factory=Fingerprint)
    open_apis: tuple[str, ...] = ()
    closed_apis: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """One leaf field of an index mapping."""

    path: str
    type: str


@dataclass(frozen=True, slots=True)
class Index:
    """One index as the inventory saw it."""

    name: str
    docs: int | None  # from _count (exact) or, when _count is refused, from _cat/indices
    store_bytes: int | None
    health: str | None
    status: str | None
    hidden: bool
    system: bool
    fields: tuple[FieldInfo, ...] = ()
    date_field: str | None = None
    date_min: str | None = None
    date_max: str | None = None
    compromised: bool = False
    compromise_reasons: tuple[str, ...] = ()
    error: str | None = None  # why part of the inventory is missing, if it is
    docs_exact: bool = True  # False: _cat/indices' count, which includes nested documents


@dataclass(frozen=True, slots=True)
class PiiField:
    """How many sampled documents carry one PII type in one field."""

    path: str
    docs: int


@dataclass(frozen=True, slots=True)
class PiiSummary:
    """One PII type found in one index's sample: where, how often, masked examples."""

    entity_type: str
    docs: int  # sampled documents carrying this type in any field
    fields: tuple[PiiField, ...]
    examples: tuple[str, ...]  # masked values only
    distinct: int  # distinct normalised values seen in the sample


@dataclass(frozen=True, slots=True)
class Sample:
    """What the sample of one index held."""

    requested: int
    docs: int
    pii: tuple[PiiSummary, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Distinct:
    """A count of distinct values: exact, or a HyperLogLog estimate with its ~95% bounds."""

    estimate: int
    lower: int  # equal to estimate when exact
    upper: int
    exact: bool


@dataclass(frozen=True, slots=True)
class FullField:
    """One PII type in one field over a full read."""

    path: str
    docs: int  # documents carrying the type in this field
    distinct: Distinct  # distinct normalised values in this field


@dataclass(frozen=True, slots=True)
class FullPii:
    """One PII type over every document read: how many carry it, how many distinct values."""

    entity_type: str
    docs: int
    distinct: Distinct
    fields: tuple[FullField, ...]


@dataclass(frozen=True, slots=True)
class People:
    """Distinct people: the largest distinct count of one identifying type in one field."""

    entity_type: str  # e.g. EMAIL_ADDRESS
    field: str  # e.g. customer.email
    distinct: Distinct


@dataclass(frozen=True, slots=True)
class YearCount:
    """Documents whose main date falls in one year."""

    year: int
    docs: int


@dataclass(frozen=True, slots=True)
class FullRead:
    """What reading every document of one index (``--depth full``) found."""

    method: str  # "pit" (point in time + search_after) or "scroll"
    slices: int
    docs: int  # documents read
    pii: tuple[FullPii, ...] = ()
    people: People | None = None
    years: tuple[YearCount, ...] = ()  # by the index's main date field
    pii_fields: tuple[str, ...] = ()  # every field carrying some PII type
    complete: bool = True  # False: the read stopped early (see error)
    error: str | None = None


@dataclass(frozen=True, slots=True)
class FullTotals:
    """A full read over all the indices of one endpoint, people counted once across them."""

    docs: int
    pii: tuple[FullPii, ...] = ()
    people: People | None = None


@dataclass(frozen=True, slots=True)
class IndexResult:
    """An index with what its sample (or its full read) revealed."""

    index: Index
    sample: Sample | None = None
    full: FullRead | None = None


@dataclass(frozen=True, slots=True)
class TargetResult:
    """Everything learnt about one endpoint in one scan."""

    service: Service
    indices: tuple[IndexResult, ...] = ()
    inventory_error: str | None = None
    indices_truncated: int = 0  # indices listed but not inventoried (over the cap)
    full: FullTotals | None = None  # --depth full: totals over the indices read
    authenticated: bool = False  # inventory read with the credentials given (--auth)


def to_dict(value: object) -> dict[str, object]:
    """A dataclass as plain JSON-ready data (enums as their values, tuples as lists)."""
    from dataclasses import asdict

    return asdict(value, dict_factory=_plain)  # type: ignore[call-overload]


def _plain(items: list[tuple[str, object]]) -> dict[str, object]:
    return {k: _jsonable(v) for k, v in items}


def _jsonable(v: object) -> object:
    if isinstance(v, StrEnum):
        return v.value
    if isinstance(v, tuple | list):
        return [_jsonable(x) for x in v]
    return v
