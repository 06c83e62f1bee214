"""The plain values that flow through the pipeline: targets, services, containers, findings.

Nothing here knows a store kind: a *container* is an index, a collection, a table, a key
pattern or a bucket prefix alike, and what only one kind has travels in its ``details``.
``to_dict``/``from_dict`` give every value its JSON shape (the one
``schema/scan-result.schema.json`` describes); a field may carry a different JSON name
(``json``), and a ``details`` mapping is written beside the fields it completes (``flatten``),
so the shape of what existed before the containers became neutral never changed.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar
from urllib.parse import quote


class Verdict(str):
    """What one endpoint turned out to be; one per target and kind, never silence.

    ``open``, ``secured``, ``partial``, ``closed``, ``timeout``, ``error``, or
    ``not-<kind>`` (``Verdict.not_of("mongodb")``): the endpoint answers, but not as that kind
    of store. A ``str`` whose ``value`` is itself, so it reads and compares like an enum member.
    """

    __slots__ = ()

    OPEN: ClassVar[Verdict]
    SECURED: ClassVar[Verdict]
    PARTIAL: ClassVar[Verdict]
    CLOSED: ClassVar[Verdict]
    TIMEOUT: ClassVar[Verdict]
    ERROR: ClassVar[Verdict]
    FIXED: ClassVar[tuple[Verdict, ...]]

    @classmethod
    def not_of(cls, kind: str) -> Verdict:
        """The verdict of an endpoint that answers, but not as a ``kind`` store."""
        return cls(f"not-{kind}")

    @classmethod
    def parse(cls, text: str) -> Verdict:
        """A verdict from its name; ValueError for anything else."""
        if text in _FIXED_NAMES or (text.startswith("not-") and len(text) > 4):
            return cls(text)
        raise ValueError(f"not a verdict: {text!r}")

    @property
    def value(self) -> str:
        """The verdict's name, as in JSON."""
        return str.__str__(self)

    @property
    def not_kind(self) -> str | None:
        """The kind a ``not-<kind>`` verdict says the endpoint is not; None otherwise."""
        return self[4:] if self.startswith("not-") else None

    @property
    def exposed(self) -> bool:
        """Open, or partly open: data APIs answer without credentials."""
        return self in _EXPOSED_NAMES

    def __repr__(self) -> str:
        return f"Verdict({self.value!r})"


Verdict.OPEN = Verdict("open")
Verdict.SECURED = Verdict("secured")
Verdict.PARTIAL = Verdict("partial")
Verdict.CLOSED = Verdict("closed")
Verdict.TIMEOUT = Verdict("timeout")
Verdict.ERROR = Verdict("error")
Verdict.FIXED = (
    Verdict.OPEN,
    Verdict.SECURED,
    Verdict.PARTIAL,
    Verdict.CLOSED,
    Verdict.TIMEOUT,
    Verdict.ERROR,
)
_FIXED_NAMES = frozenset(str(v) for v in Verdict.FIXED)
_EXPOSED_NAMES = frozenset({"open", "partial"})
# The order "the most open" is read in, when one store answers at several endpoints.
OPENNESS = ("open", "partial", "secured", "error", "timeout", "closed")


def openness(verdict: str) -> int:
    """How open a verdict is: 0 the most (open), larger for less."""
    return OPENNESS.index(verdict) if verdict in OPENNESS else len(OPENNESS)


class FieldType(StrEnum):
    """What a field holds, in words every store kind maps its own types onto.

    Detection reads these (an ``ip`` field is an address whatever its name says; ``text`` is
    prose the NER model may read; ``date`` and ``version`` digits are no phone numbers).
    """

    TEXT = "text"
    KEYWORD = "keyword"
    NUMBER = "number"
    DATE = "date"
    VERSION = "version"
    BOOLEAN = "boolean"
    IP = "ip"
    GEO_POINT = "geo_point"
    GEO_SHAPE = "geo_shape"
    OBJECT = "object"
    NESTED = "nested"
    BINARY = "binary"
    UNKNOWN = "unknown"


# The schemes whose URL path can be a reverse proxy's prefix in front of a store of its
# own. A target without a scheme has no path of its own: one it holds is a database URL's
# (merged with the bare host:port), what to log in to.
_PROXIED_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One place to probe: host, port and, when known, the scheme to use."""

    host: str  # a name, an IPv4 address or a bare IPv6 address (no brackets)
    port: int
    scheme: str | None = None  # "http", "https", "mongodb"…, or None: the kind decides
    base_path: str = ""  # URL path prefix when the target is behind a proxy path
    # The user a database kind logs in as, from its URL (postgresql://reader@host); never a
    # password. Written in JSON only when there is one.
    user: str | None = field(default=None, metadata={"omit_empty": True})
    # What the target names inside the store, for kinds whose containers cannot be listed
    # by everyone: an object store's buckets (``s3://bucket@host``), each optionally with an
    # object key (``bucket/key``). Written in JSON only when there are some.
    containers: tuple[str, ...] = field(default=(), metadata={"omit_empty": True})
    # The storage account the base path names where several answer at one host:port, each a
    # store of its own (``azblob://HOST:PORT/ACCOUNT/…``: an emulator, Azure Stack): part of
    # the endpoint's identity (``key``). Written in JSON only when there is one.
    account: str | None = field(default=None, metadata={"omit_empty": True})
    # The other of http and https where both were named for one store (``http://h/es`` and
    # ``https://h/es``, one key; or http://h:p and https://h:p): tried after ``scheme``, as a
    # bare port tries both, the one that answers kept. Written in JSON only when there is one.
    other_scheme: str | None = field(default=None, metadata={"omit_empty": True})
    # What the target URL asks of TLS (``rediss://``, ``?tls=true``, ``?sslmode=…``,
    # ``?ssl-mode=…``; ``targets._TLS_PARAMETERS``): "require" (over TLS from the start,
    # the certificate inspected, not trusted), "verify-ca" (its CA verified), "verify-full"
    # (its CA and host name verified), "disable" (never over TLS). None: as the kind finds
    # it, in clear first then over TLS where the server asks for it. Written in JSON only
    # when there is one.
    tls: str | None = field(default=None, metadata={"omit_empty": True})

    @property
    def tls_required(self) -> bool:
        """Whether the target URL asks for TLS from the start (``tls``)."""
        return self.tls in TLS_REQUIRED

    @property
    def netloc(self) -> str:
        """host:port with IPv6 literals bracketed."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def key(self) -> str:
        """What a scan keeps one result of: host:port; the account after it where one
        host:port serves several (``127.0.0.1:10000/acct1``); the path of an HTTP store
        behind a reverse proxy, where two paths of one host:port can be two stores
        (``10.0.0.5:443/es-eu``). A database URL's path names what to log in to, not another
        store: it is left out. A scan's results, their history, checkpoints and resumption
        are keyed by it."""
        if self.account:
            return f"{self.netloc}/{self.account}"
        if self.behind_path:
            return f"{self.netloc}{self.base_path}"
        return self.netloc

    @property
    def behind_path(self) -> bool:
        """An http(s) store behind a reverse proxy's path: the path is part of its key."""
        return bool(self.base_path) and self.scheme in _PROXIED_SCHEMES and not self.account

    @property
    def http_schemes(self) -> tuple[str, ...]:
        """The schemes an HTTP kind tries here, in turn: its own (and the other named for
        the same store), else http then https."""
        if self.scheme in _PROXIED_SCHEMES:
            return (self.scheme, *((self.other_scheme,) if self.other_scheme else ()))
        return ("http", "https")

    def url(self, scheme: str | None = None) -> str:
        """Base URL for this endpoint with the given (or its own) scheme; host:port alone
        where neither names one (a bare port no kind has answered on yet: nothing says
        which protocol it speaks). The database user is written for a database scheme only:
        in an http(s) URL it would be sent as Basic credentials with an empty password (a
        user named beside a bare port, which HTTP kinds try too). An http(s) URL carries
        the path only where it is a proxy's or an account's: a database's path (a
        PostgreSQL URL's, kept beside a bare port) means nothing to an HTTP server."""
        chosen = scheme or self.scheme
        if chosen is None:
            return self.netloc
        user = path = ""
        if self.user and chosen not in _PROXIED_SCHEMES:
            user = f"{quote(self.user, safe='')}@"
        if chosen not in _PROXIED_SCHEMES or self.behind_path or self.account:
            path = self.base_path
        return f"{chosen}://{user}{self.netloc}{path}"


# What a target URL may ask of TLS (``Endpoint.tls``) that asks for it from the start.
TLS_REQUIRED = frozenset({"require", "verify-ca", "verify-full"})


@dataclass(frozen=True, slots=True)
class Target:
    """An endpoint and the store kinds to try on it, in order (the first that recognises
    the service decides its verdict)."""

    endpoint: Endpoint
    kinds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TlsInfo:
    """What the TLS certificate of an endpoint says (not verified: we record, not trust)."""

    subject: str | None = None
    issuer: str | None = None
    not_after: str | None = None  # ISO 8601
    expired: bool | None = None


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the service reveals about itself: product, version, and the store's identity."""

    product: str = "unknown"  # "elasticsearch", "opensearch", "mongodb", "redis"…
    version: str | None = None
    distribution: str | None = None
    compatibility_mode: bool = False  # OpenSearch answering as Elasticsearch 7.10.2
    cluster_name: str | None = None
    cluster_uuid: str | None = None  # the store's identity, where it has one
    node_name: str | None = None
    tagline: str | None = None
    realm: str | None = None  # from WWW-Authenticate (or the store's own word) when secured
    tls: TlsInfo | None = None
    # What only one kind says of itself (a Redis mode, a MongoDB wire version…); written in
    # JSON only when there is something.
    details: dict[str, Any] = field(default_factory=dict, metadata={"omit_empty": True})

    @property
    def title(self) -> str:
        """'OpenSearch 2.19.1' and the like; another server speaking the product's protocol,
        what runs and what it answers as ('FerretDB 1.24.2 (as MongoDB 7.0.42)': the owner
        looks for what runs); '' when the product is unknown."""
        name = _PRODUCT_NAMES.get(self.product, "")
        text = " ".join(x for x in (name, self.version or "") if x) if name else ""
        implementation = self.details.get("implementation")
        if isinstance(implementation, str) and implementation:
            return f"{implementation} (as {text})" if text else implementation
        return text


_PRODUCT_NAMES = {
    "elasticsearch": "Elasticsearch",
    "opensearch": "OpenSearch",
    "mongodb": "MongoDB",
    "redis": "Redis",
    "valkey": "Valkey",
    "postgresql": "PostgreSQL",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "couchdb": "CouchDB",
    "kibana": "Kibana",
    "opensearch-dashboards": "OpenSearch Dashboards",
    "minio": "MinIO",
    "amazon-s3": "Amazon S3",
    "s3": "S3-compatible storage",
    "azure-blob": "Azure Blob Storage",
    "azurite": "Azurite",
}


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

    def __post_init__(self) -> None:
        # One line, whatever a server wrote into it: an error text of several lines joined.
        if self.reason.splitlines() != [self.reason]:
            object.__setattr__(self, "reason", " ".join(self.reason.split()))

    @property
    def store_id(self) -> str:
        """The store behind the endpoint: its own identity where it tells one (a cluster's
        uuid), else its endpoint (``Endpoint.key``: an account of its own is a store of its
        own). A node and a proxy in front of it are one store."""
        uuid = self.fingerprint.cluster_uuid
        return f"{self.kind}:{uuid}" if uuid else f"{self.kind}@{self.endpoint.key}"

    @property
    def former_store_ids(self) -> tuple[str, ...]:
        """What an earlier leakhound named this store by, where that was another identity
        the server still tells (``_FORMER_IDENTITY``): its stored history is this store's."""
        field = _FORMER_IDENTITY.get(self.kind)
        former = self.fingerprint.details.get(field) if field else None
        if isinstance(former, str) and former and former != self.fingerprint.cluster_uuid:
            return (f"{self.kind}:{former}",)
        return ()


# The details field that holds what named a kind's store before its identity changed: a
# Redis server's process (run_id), before the replication ID its replicas share named it.
# Results stored under it are moved to the new identity when the server is seen again (no
# migration can: a stored result does not hold the replication ID).
_FORMER_IDENTITY = {"redis": "run_id"}


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """One leaf field of a container, with the store's own name for its type (``long``,
    ``varchar``, ``hash``…); the probe maps it to a ``FieldType`` for detection."""

    path: str
    type: str


@dataclass(frozen=True, slots=True)
class Container:
    """One container as the inventory saw it: an index, a collection, a table, a key
    pattern, a bucket prefix. What only its kind has (an index's health) is in ``details``."""

    name: str
    docs: int | None  # records it holds: exact where the store counts them cheaply
    store_bytes: int | None
    hidden: bool = False
    system: bool = False
    fields: tuple[FieldInfo, ...] = ()
    date_field: str | None = None
    date_min: str | None = None
    date_max: str | None = None
    compromised: bool = False
    compromise_reasons: tuple[str, ...] = ()
    error: str | None = None  # why part of the inventory is missing, if it is
    docs_exact: bool = True  # False: an estimate or a count that includes nested records
    # Where docs is not exact: bounds known to hold the true count (a 95% interval, or hard
    # ones: a table's rows fit its key's range), and how docs was obtained, in a sentence.
    docs_low: int | None = field(default=None, metadata={"omit_empty": True})
    docs_high: int | None = field(default=None, metadata={"omit_empty": True})
    docs_basis: str | None = field(default=None, metadata={"omit_empty": True})
    # What its records are copies of, when they are ("materialized view": the rows of a query
    # over other tables): read and shown like any container's, never added to the records
    # or the people of the store.
    derived: str | None = field(default=None, metadata={"omit_empty": True})
    # Records a year of the main date field, as the store counted them at inventory (one
    # aggregate query, every record, no sample); empty where it was not asked (too large a
    # table to group) or not given. Records without a date are in no year.
    years: tuple[YearCount, ...] = field(default=(), metadata={"omit_empty": True})
    # The inventory's own reads of it (its count, its mapping, its first record) were refused
    # for want of credentials, as the protocol's code says (HTTP 401/403…): where no sample or
    # full read was tried (--sample 0), what says a partial store's container is not readable.
    denied: bool = field(default=False, metadata={"omit_empty": True})
    details: dict[str, Any] = field(default_factory=dict, metadata={"flatten": True})


@dataclass(frozen=True, slots=True)
class Documents:
    """A store's records as its containers count them, and the rows of its copies
    (``derived``) that were not added: copies repeat their sources' records, so they are
    added only where nothing else in the store holds any (the sources gone or unreadable)."""

    records: int
    copies: int  # rows of containers of copies, not in ``records``
    # Containers (not copies) whose records nobody counted (an object store's folders that no
    # sample read, a count the store refused): in no figure above, and said to be missing.
    uncounted: int = 0
    # Of ``records``, those of containers the store estimated (``Container.docs_exact`` off:
    # PostgreSQL's reltuples, a listing that counts nested records too), not counted.
    estimated: int = 0
    # Of ``copies``, those of containers the store estimated, likewise.
    copies_estimated: int = 0

    @classmethod
    def of(cls, containers: typing.Iterable[Container]) -> Documents:
        """As the inventory counted the containers (or estimated them: ``estimated``,
        ``copies_estimated``)."""
        containers = list(containers)
        found = cls.read((c, c.docs) for c in containers)
        # ``records`` holds the copies' rows where nothing else in the store holds any.
        copies_only = not any(not c.derived and (c.docs or c.docs is None) for c in containers)
        guessed = sum(
            c.docs or 0 for c in containers if not c.docs_exact and bool(c.derived) == copies_only
        )
        copied = (
            0
            if copies_only
            else sum(c.docs or 0 for c in containers if c.derived and not c.docs_exact)
        )
        return dataclasses.replace(found, estimated=guessed, copies_estimated=copied)

    @classmethod
    def read(cls, counts: typing.Iterable[tuple[Container, int | None]]) -> Documents:
        """As ``counts`` gives each container's (a full read's documents)."""
        records = copies = uncounted = 0
        for c, n in counts:
            if c.derived:
                copies += n or 0
            else:
                records += n or 0
                uncounted += n is None
        if records or uncounted:
            return cls(records, copies, uncounted)
        return cls(copies, 0)


def counted(n: int, word: tuple[str, str], before: str = "") -> str:
    """'1 table', '2,048 tables' ('2,048 more tables' with ``before``): a count and the
    singular or plural of ``word``."""
    return " ".join(x for x in (f"{n:,}", before, word[0] if n == 1 else word[1]) if x)


def _capital(word: str) -> str:
    return word[:1].upper() + word[1:]


@dataclass(frozen=True, slots=True)
class Words:
    """What a store kind calls its containers and its records, each (singular, plural):
    Elasticsearch's indices of documents, PostgreSQL's tables of rows. The words of reports
    only; no field, column or option takes them."""

    container: tuple[str, str] = ("container", "containers")
    record: tuple[str, str] = ("record", "records")

    def containers(self, n: int, before: str = "") -> str:
        """'1 table', '6 tables' ('6 more tables' with ``before``)."""
        return counted(n, self.container, before)

    def records(self, n: int) -> str:
        """'1 row', '20,402 rows'."""
        return counted(n, self.record)

    @property
    def container_heading(self) -> str:
        """'Table', 'Index': the singular, capitalised, for a column."""
        return _capital(self.container[0])

    @property
    def containers_heading(self) -> str:
        """'Tables', 'Indices'."""
        return _capital(self.container[1])

    @property
    def records_heading(self) -> str:
        """'Rows', 'Documents'."""
        return _capital(self.record[1])

    @classmethod
    def common(cls, words: typing.Iterable[Words]) -> Words:
        """The words all of ``words`` share, else the neutral ones (none given: neutral)."""
        distinct = set(words)
        return distinct.pop() if len(distinct) == 1 else cls()

    @classmethod
    def tally(cls, counts: typing.Iterable[tuple[Words, int]], before: str = "") -> str:
        """Containers of several stores: '112 indices' where all use the same words, else
        '130 containers (112 indices, 12 collections, 6 tables)', the largest first (kinds
        without any left out of the breakdown)."""
        by: dict[Words, int] = {}
        for w, n in counts:
            by[w] = by.get(w, 0) + n
        total = sum(by.values())
        shown = {w: n for w, n in by.items() if n}
        if len(by) <= 1 or len(shown) <= 1:
            return (next(iter(shown or by), None) or cls()).containers(total, before)
        # the largest first, whatever order the stores answered in
        ordered = sorted(shown.items(), key=lambda wn: (-wn[1], wn[0].container[1]))
        parts = ", ".join(w.containers(n) for w, n in ordered)
        return f"{cls().containers(total, before)} ({parts})"


@dataclass(frozen=True, slots=True)
class PiiField:
    """How many sampled documents carry one PII type in one field."""

    path: str
    docs: int


@dataclass(frozen=True, slots=True)
class PiiSummary:
    """One PII type found in one container's sample: where, how often, masked examples."""

    entity_type: str
    docs: int  # sampled documents carrying this type in any field
    fields: tuple[PiiField, ...]
    examples: tuple[str, ...]  # masked values only
    distinct: int  # distinct normalised values seen in the sample


class Failure(StrEnum):
    """Why a read (a sample, a full read) answered with an error instead of its records."""

    # The store refused it for want of credentials, as its protocol's own code says (HTTP
    # 401/403, MongoDB's Unauthorized, Redis's NOAUTH, SQLSTATE 28xxx/42501, MySQL's 1142…;
    # ``NetError.denied``): its records are not readable by anyone.
    CREDENTIALS = "credentials"
    # Anything else (a timeout, a reset, a server error, an answer not understood): the
    # records may well be readable.
    OTHER = "other"


def failure_of(denied: bool) -> Failure:
    """The failure of a read that answered with an error: ``denied`` as ``NetError.denied``."""
    return Failure.CREDENTIALS if denied else Failure.OTHER


@dataclass(frozen=True, slots=True)
class Sample:
    """What the sample of one container held."""

    requested: int
    docs: int
    pii: tuple[PiiSummary, ...] = ()
    error: str | None = None
    # The container's people, as its store's are counted (``count/people.py``): read in
    # every record where the store's were, else estimated from this sample.
    people: PeopleCount | None = field(default=None, metadata={"omit_empty": True})
    # How the records were drawn: "spread" (at random places over the whole container) or
    # "runs" (runs of neighbours at places spread over it); None: the first the store returned.
    drawn: str | None = field(default=None, metadata={"omit_empty": True})
    # Beside an error, why the read failed (None: no error, or stored before the mark).
    failure: Failure | None = field(default=None, metadata={"omit_empty": True})
    # The container's records a year of its main date, counted in every record where its
    # store's identifiers were read whole (``scanner/people.py``) and the store had not
    # counted them at inventory (``Container.years``); records without a date in no year.
    years: tuple[YearCount, ...] = field(default=(), metadata={"omit_empty": True})
    # The field those years are of, where the inventory named none (a Redis hash's, a file's
    # column): the usual name of a record's date that dated the most records.
    date_field: str | None = field(default=None, metadata={"omit_empty": True})


@dataclass(frozen=True, slots=True)
class Distinct:
    """A count of distinct values: exact, or a HyperLogLog estimate with its ~95% bounds."""

    estimate: int
    lower: int  # equal to estimate when exact
    upper: int
    exact: bool


@dataclass(frozen=True, slots=True)
class StoreDistinct(Distinct):
    """An SQL server's count of one column's distinct values across its tables, each value
    as stored (``estimate``, ``lower``: the largest table's, ``upper``), and beside it what
    bounds the identifiers leakhound reads in them. Values as stored are not identifiers:
    "Jane@x.com" and "jane@x.com" are two values and one address, so no count as stored
    bounds the people below."""

    # The largest table's distinct values that are each one whole e-mail address, ASCII, as
    # leakhound reads one (``detect.email.ONE_ADDRESS``: not " jane@x.com", "<jane@x.com>"
    # or "a@b.c"), lower-cased: each is one address however leakhound folds it, so a store
    # holds at least as many distinct addresses. None: not counted.
    folded: int | None = None
    # Distinct values byte for byte (but trailing spaces, which the count as stored pads
    # alike), added up over the tables, where the server counted them and its listing
    # (``Probe.distinct_values``) compares them as stored: above the counts as stored where
    # converting a value to compare it merged two (MySQL's ``CONVERT(… USING utf8mb4)``
    # turns each byte an ``ascii`` or ``cp1250`` column cannot map into "?"), which the
    # listing then gives as one. A table listed byte for byte adds its count as stored.
    as_bytes: int | None = None


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
    """Distinct people read in full: the distinct identifiers of the most identifying type
    present (``count/people.py``), across ``fields`` (``field`` is then "*")."""

    entity_type: str  # e.g. EMAIL_ADDRESS
    field: str  # "*": every field below; a path: that field alone (written before 2026-12)
    distinct: Distinct
    fields: tuple[str, ...] = dataclasses.field(default=(), metadata={"omit_empty": True})


@dataclass(frozen=True, slots=True)
class PeopleCount:
    """Distinct people in a store as a sample scan counted or estimated them, and how."""

    entity_type: str  # the most identifying type present
    value: int
    low: int
    high: int | None
    exact: bool
    method: str  # "read" (every identifier read), "store-list" / "store-count" (+ sample), "sample"
    basis: str  # one sentence: how the figure was obtained
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PeopleAcross:
    """People counted once across the stores of one scan whose identifiers it read (or
    listed) whole: one set of keyed digests for all of them, so that someone held in two
    stores (a database and its cache, its backup) counts once. Or, with a ``basis``,
    estimated once across the stores each estimated from its sample, their samples pooled."""

    entity_type: str
    distinct: Distinct
    # host:port (``Endpoint.key``) of each store whose identifiers it holds
    endpoints: tuple[str, ...]
    # How the figure was estimated, where the stores were not read whole but each estimated
    # from its sample: their samples pooled, an identifier seen in two of them one person
    # (``scanner/people.py``). None: the stores' identifiers were read (or listed) whole.
    basis: str | None = field(default=None, metadata={"omit_empty": True})


@dataclass(frozen=True, slots=True)
class YearCount:
    """Documents whose main date falls in one year."""

    year: int
    docs: int


@dataclass(frozen=True, slots=True)
class FullRead:
    """What reading every document of one container (``--depth full``) found."""

    method: str  # how the store was read, in the reader's words ("pit", "scroll", "cursor"…)
    partitions: int = field(metadata={"json": "slices"})  # read in parallel
    docs: int  # documents read
    pii: tuple[FullPii, ...] = ()
    people: People | None = None
    years: tuple[YearCount, ...] = ()  # by the container's main date field
    pii_fields: tuple[str, ...] = ()  # every field carrying some PII type
    complete: bool = True  # False: the read stopped early (see error)
    error: str | None = None
    # Beside an error, why the read failed (None: no error, or stored before the mark).
    failure: Failure | None = field(default=None, metadata={"omit_empty": True})
    # The field ``years`` are of where the container names no date field (a Redis hash's, a
    # file's column): the usual name of a record's date that dated the most records.
    date_field: str | None = field(default=None, metadata={"omit_empty": True})
    # Where the read was not what ``method`` says throughout, how (one line from the
    # reader: a read of one transaction resumed in another).
    note: str | None = field(default=None, metadata={"omit_empty": True})


@dataclass(frozen=True, slots=True)
class FullTotals:
    """A full read over all the containers of one endpoint, people counted once across them."""

    docs: int
    pii: tuple[FullPii, ...] = ()
    people: People | None = None


@dataclass(frozen=True, slots=True)
class ContainerResult:
    """A container with what its sample (or its full read) revealed."""

    container: Container = field(metadata={"json": "index"})
    sample: Sample | None = None
    full: FullRead | None = None
    # A keyed digest of the store's own name of a container shown masked (``scanner.owned``):
    # what tells, read again, that its name stands for the same container.
    own: str | None = field(default=None, metadata={"omit_empty": True})

    def refused(self, verdict: str) -> bool:
        """Listed, not exposed: in a partial store (``verdict``, its store's), a container
        of which nothing could be read, every read tried (its sample, its full read)
        having answered with an error: it asked for credentials, or failed. One rule for
        every figure that counts what anyone could read (the scan's summary, assess, the
        notification drafts); an empty container is not refused, nor one never read unless
        the inventory's own reads of it were refused for credentials (``Container.denied``):
        a container that seems empty only to a listing (``_cat/indices``' ~0) while its count
        and mapping asked for credentials had nothing read because none was tried, and is
        refused as one whose reads were."""
        tried = [r for r in (self.sample, self.full) if r is not None]
        if not tried:  # nothing read (--sample 0): the inventory's reads say
            return verdict == Verdict.PARTIAL and self.container.denied
        return verdict == Verdict.PARTIAL and all(
            r.docs == 0 and (r.error or self.container.denied) for r in tried
        )

    def asked_credentials(self) -> bool:
        """Whether a read of this container (its sample, its full read) was refused for want
        of credentials, as its probe marked it from the protocol's own code
        (``Failure.CREDENTIALS``); a read stored before the mark, by its error's words
        (``legacy_asked_credentials``). With ``refused``: listed, and not readable by anyone."""
        tried = [r for r in (self.sample, self.full) if r is not None]
        if not tried or all(r.docs == 0 and not r.error for r in tried):
            # nothing read, and no read refused: the inventory's own reads say
            return self.container.denied
        return any(_asked_credentials(r.error, r.failure) for r in tried)


def _asked_credentials(error: str | None, failure: Failure | None) -> bool:
    if not error:
        return False
    if failure is None:  # stored by a leakhound that did not mark its reads
        return legacy_asked_credentials(error)
    return failure is Failure.CREDENTIALS


# How the probes worded a read refused for want of credentials before reads were marked
# (HTTP 401/403, CouchDB's and S3's words, MongoDB's Unauthorized, Redis's NOAUTH, SQL's access
# denied). Read only in results stored without a mark: words are no proof, a server writes what
# it likes in its errors.
_LEGACY_CREDENTIALS_WORDS = re.compile(
    r"\b40[13]\b|credential|unauthori[sz]ed|authenticat|access ?denied|forbidden|noauth",
    re.IGNORECASE,
)


def legacy_asked_credentials(error: str) -> bool:
    """For a result stored before reads were marked (an error, no ``failure`` beside it)
    alone: whether the error's words say the store asked for credentials."""
    return bool(_LEGACY_CREDENTIALS_WORDS.search(error))


@dataclass(frozen=True, slots=True)
class TargetResult:
    """Everything learnt about one endpoint in one scan."""

    service: Service
    containers: tuple[ContainerResult, ...] = field(default=(), metadata={"json": "indices"})
    inventory_error: str | None = None
    # containers listed but not inventoried (over the cap)
    truncated: int = field(default=0, metadata={"json": "indices_truncated"})
    full: FullTotals | None = None  # --depth full: totals over the containers read
    authenticated: bool = False  # inventory read with the credentials given (--auth)
    # Why the store may be a honeypot (``honeypot.py``): the finding's confidence is lower.
    honeypot: tuple[str, ...] = field(default=(), metadata={"omit_empty": True})
    # A sample scan's people in the store (``count/people.py``); None: no identifier seen.
    people: PeopleCount | None = field(default=None, metadata={"omit_empty": True})
    # What the inventory could not learn of a listing that is whole (``Inventory.note``):
    # unlike ``inventory_error``, the containers and their figures are all there.
    inventory_note: str | None = field(default=None, metadata={"omit_empty": True})

    @property
    def exposed(self) -> bool:
        """Open or partial: what a scan found readable without credentials."""
        return self.service.verdict.exposed


# -- JSON ------------------------------------------------------------------------------------


def to_dict(value: Any) -> dict[str, Any]:
    """A model as plain JSON-ready data (enums and verdicts as their names, tuples as lists)."""
    out = _json(value)
    assert isinstance(out, dict)
    return out


def _json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if f.metadata.get("skip"):  # for the reports' words, not the JSON
                continue
            if f.metadata.get("flatten"):
                for k, x in v.items():
                    out.setdefault(k, _json(x))  # never over a field of the model itself
            elif f.metadata.get("omit_empty") and not v:
                continue
            else:
                out[f.metadata.get("json", f.name)] = _json(v)
        return out
    if isinstance(value, str):
        return str.__str__(value)  # Verdict, FieldType and other str subclasses: plain text
    if isinstance(value, tuple | list):
        return [_json(x) for x in value]
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    return value


def from_dict(cls: type[Any], data: Any) -> Any:
    """A model rebuilt from ``to_dict``'s output (a key it lacks takes the field's default:
    documents written by an older leakhound load too). ValueError on a wrong shape."""
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    rest = dict(data)
    flatten: str | None = None
    for f in dataclasses.fields(cls):
        if f.metadata.get("flatten"):
            flatten = f.name
            continue
        key = f.metadata.get("json", f.name)
        if key in rest:
            kwargs[f.name] = _value(hints[f.name], rest.pop(key))
    if flatten is not None:
        kwargs[flatten] = rest
    return cls(**kwargs)


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _value(hint: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _value(options[0], data) if len(options) == 1 else data
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(data, list | tuple):
            raise ValueError(f"expected a list, got {type(data).__name__}")
        return tuple(_value(args[0], x) for x in data)
    if origin is dict or hint is dict:
        return dict(data)
    if hint is Verdict:
        return Verdict.parse(data)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return from_dict(hint, data)
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return hint(data)
    return data
