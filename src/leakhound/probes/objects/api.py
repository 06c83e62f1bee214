"""What one object store kind must say: where its buckets and objects are, how a listing page
and a ranged read are asked and read, and which of its answers mean what.

The shared probe (``probe.py``), inventory (``inventory.py``) and reader (``read.py``) work
through an ``ObjectApi`` alone; ``probes/s3`` and ``probes/azblob`` each give one.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ...errors import NetError, ProtocolError
from ...models import Fingerprint
from ...net import AllowList, Http, Response
from . import xml

MAX_KEY = 4096  # characters of one key kept from a listing (S3 allows 1024 bytes)
# A key that no store holds, asked for to learn whether objects can be read without
# listing: "not found" says reads are allowed, "access denied" that they are not.
READ_CHECK_KEY = "leakhound-read-check/no-such-object"
ERROR_ROOM = 16 * 1024  # bytes an error answer may take, whatever range was asked for


@dataclass(frozen=True, slots=True)
class Entry:
    """One object as a listing shows it."""

    key: str
    size: int | None
    modified: str | None  # ISO 8601, UTC, to the second
    content_type: str | None = None

    @property
    def marker(self) -> bool:
        """A "folder" marker some consoles create (an empty key ending in /): no data, and
        not counted as an object."""
        return self.key.endswith("/") and not self.size


@dataclass(frozen=True, slots=True)
class ListPage:
    """One page of a listing: its objects, and the token of the next page (None: the end)."""

    entries: tuple[Entry, ...]
    token: str | None
    skipped: int = 0  # entries left out (a key too long, a size that is not one)


@dataclass(frozen=True, slots=True)
class Chunk:
    """Bytes of one object from a ranged read."""

    data: bytes
    size: int | None  # the whole object's size, where the answer says it
    content_type: str | None
    modified: str | None = None


class Refused(NetError):
    """The store answered with an error of its own (``code``: its word for it; ``refuses``:
    the kind counts that code among those refusing anonymous access)."""

    def __init__(self, status: int, code: str, message: str = "", refuses: bool = False) -> None:
        self.status, self.code, self.message, self.refuses = status, code, message, refuses
        what = f"HTTP {status}" + (f" {code}" if code else "")
        super().__init__(f"{what}: {message}" if message else what)

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its fields: a worker process hands it back to the scan.
        return (type(self), (self.status, self.code, self.message, self.refuses))

    @property
    def denied(self) -> bool:
        """Whether the answer refuses for want of credentials: its status (401, 403) or its
        error code (AccessDenied, NoAuthenticationInformation…), never its message."""
        return self.status in (401, 403) or self.refuses


@dataclass(frozen=True, slots=True)
class StoreAnswer:
    """What the store-level request said: whether this is the kind, who it is, and the
    buckets it lists to anyone (None: it lists none)."""

    mine: bool
    fingerprint: Fingerprint = field(default_factory=Fingerprint)
    buckets: tuple[str, ...] | None = None
    why: str = ""  # one line: why the list was refused, or why this is not the kind
    wants_tls: bool = False  # plain http answered by a TLS port ("use https")


def wants_tls(resp: Response) -> bool:
    """Whether a plain http request was answered by a port that speaks https (nginx, Go
    and Node say so in a 400)."""
    return resp.status == 400 and b"https" in resp.body[:2000].lower()


class ObjectApi(ABC):
    """One object store kind's requests and answers."""

    kind: str
    noun: str  # "bucket", "container"
    plural: str  # "buckets", "containers": also the fingerprint's details key
    page_size: int  # objects asked per listing page (the most the store gives)
    allow: AllowList
    headers: Mapping[str, str] = {}  # sent with every request (an API version)

    @abstractmethod
    async def store(self, http: Http, base: str, host: str) -> StoreAnswer:
        """The store-level request: what answers, and which buckets anyone may list."""

    @abstractmethod
    def bucket_url(self, base: str, host: str, bucket: str) -> str:
        """The URL of a bucket (path style, or the host itself when it names the bucket)."""

    def object_url(self, base: str, host: str, bucket: str, key: str) -> str:
        """The URL of one object."""
        return self.bucket_url(base, host, bucket) + "/" + quote_key(key)

    @abstractmethod
    async def list_page(
        self,
        http: Http,
        base: str,
        host: str,
        bucket: str,
        *,
        prefix: str,
        delimiter: bool,
        token: str | None,
        size: int,
    ) -> ListPage:
        """One page of a bucket's objects under ``prefix`` (``delimiter``: directly under
        it); Refused with the store's words, NetError otherwise."""

    async def read(
        self,
        http: Http,
        base: str,
        host: str,
        bucket: str,
        key: str,
        start: int,
        length: int,
        *,
        headers: Mapping[str, str] | None = None,
        method: str = "GET",
    ) -> Chunk:
        """``length`` bytes of an object from ``start`` (a ranged GET): Refused with the
        store's words; an object shorter than ``start`` gives no bytes."""
        url = self.object_url(base, host, bucket, key)
        range_ = {"Range": f"bytes={start}-{start + length - 1}"} if method == "GET" else {}
        # Room for an error's XML too; a store that ignores the range gets cut at it.
        resp = await http.request(
            method,
            url,
            self.allow,
            headers={**self.headers, **(headers or {}), **range_},
            max_body=max(length, ERROR_ROOM),
            decode=False,
        )
        if resp.status == 416:  # asked past the end (an empty object, or one that shrank)
            return Chunk(
                b"", _range_total(resp.headers.get("content-range")) or start, _ctype(resp)
            )
        if resp.status in (200, 206):
            got = _chunk(resp, start, method)
            if len(got.data) > length:  # a store that ignores ranges: never more than asked
                got = Chunk(got.data[:length], got.size, got.content_type, got.modified)
            return got
        raise self.refusal(resp)

    refusals: frozenset[str]  # error codes that refuse anonymous access
    absent_code: str  # the error code of a bucket that does not exist
    missing_code: str  # the error code of an object that does not exist

    def error_of(self, resp: Response) -> tuple[str, str]:
        """(code, message) of an error answer, in the store's words."""
        return error_doc(resp)

    def refusal(self, resp: Response) -> Refused:
        """An error answer in the store's words; a redirect says where to."""
        code, message = self.error_of(resp)
        location = resp.headers.get("location", "")
        if resp.status in (301, 302, 303, 307, 308) and location:
            message = f"redirects to {location[:100]} (not followed)"
        return Refused(resp.status, code, message, code in self.refusals)

    def refused(self, exc: Refused) -> bool:
        """Whether an answer refuses anonymous access (rather than failing)."""
        return exc.denied or exc.code in self.refusals

    def absent(self, exc: Refused) -> bool:
        """Whether an answer says the bucket does not exist."""
        return exc.code == self.absent_code

    def missing_object(self, exc: Refused) -> bool:
        """Whether an answer to a read says only that the object does not exist: the bucket
        lets anyone read its objects."""
        return exc.code == self.missing_code


# -- helpers shared by the kinds ---------------------------------------------------------------

_SEGMENT_DOTS = re.compile(r"(?:^|(?<=/))(\.{1,2})(?=/|$)")


def quote_key(key: str) -> str:
    """An object key as a URL path: percent-encoded, and "." or ".." segments encoded too
    (a client would otherwise resolve them into another object's path)."""
    quoted = quote(key, safe="/~!$&'()*+,;=:@")
    return _SEGMENT_DOTS.sub(lambda m: "%2E" * len(m.group(1)), quoted)


def error_doc(resp: Response) -> tuple[str, str]:
    """(code, message) of an XML error body; ("", "") when the body is no such thing. A
    refusal's body cut at the cap (``Response.cut``) gives the fields whole in its first
    bytes (``xml.begun``): its code, which the store says first."""
    try:
        doc: xml.Doc | None = xml.read(resp.body, frozenset(), max_records=0)
    except ProtocolError:
        doc = xml.begun(resp.body) if resp.cut else None
    if doc is None or doc.root != "Error":
        return "", ""
    return doc.fields.get("Code", "")[:100], " ".join(doc.fields.get("Message", "").split())[:200]


_CONTENT_RANGE = re.compile(r"bytes (\d{1,19})-(\d{1,19})/(\d{1,19}|\*)")


def _range_total(header: str | None) -> int | None:
    m = _CONTENT_RANGE.fullmatch((header or "").strip())
    return int(m.group(3)) if m and m.group(3) != "*" else None


def _ctype(resp: Response) -> str | None:
    value = resp.headers.get("content-type")
    return value[:200] if value else None


def _chunk(resp: Response, start: int, method: str) -> Chunk:
    """A 200 or 206 answer to a ranged read, checked: a 206 must start where asked; a 200 is
    the whole object, which serves only a read from its start."""
    modified = http_date(resp.headers.get("last-modified"))
    length = resp.headers.get("content-length", "")
    if resp.status == 206:
        m = _CONTENT_RANGE.fullmatch(resp.headers.get("content-range", "").strip())
        if not m or int(m.group(1)) != start:
            raise ProtocolError(
                f"a ranged read answered another range "
                f"({resp.headers.get('content-range', 'none')[:60]!r})"
            )
        total = int(m.group(3)) if m.group(3) != "*" else None
        return Chunk(resp.body, total, _ctype(resp), modified)
    if start:
        raise ProtocolError(
            "the store ignores ranges: it answered the whole object to a read from its middle"
        )
    size = int(length) if method == "HEAD" and length.isdigit() and len(length) < 20 else None
    return Chunk(resp.body, size if method == "HEAD" else len(resp.body), _ctype(resp), modified)


def http_date(text: str | None) -> str | None:
    """An HTTP date (RFC 1123) as ISO 8601 UTC; None when it is not one."""
    if not text or len(text) > 64:
        return None
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None or not 1970 <= when.year <= 9999:
        return None
    from datetime import UTC

    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_ISO = re.compile(
    r"(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):([0-5]\d):"
    r"([0-5]\d|60)(?:\.\d{1,9})?(?:Z|[+-]00:?00)"
)


def iso_date(text: str | None) -> str | None:
    """An ISO 8601 UTC time of a listing, to the second; None when it is not one."""
    m = _ISO.fullmatch((text or "").strip())
    if not m or m.group(1) < "1970":
        return None
    return "{}-{}-{}T{}:{}:{}Z".format(*m.groups())


def size_of(text: str | None) -> int | None:
    """A byte count of a listing; None when it is not one."""
    value = (text or "").strip()
    if value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def entry(
    key: str | None, size: str | None, modified: str | None, content_type: str | None = None
) -> Entry | None:
    """A listing entry, or None when its key is missing or too long."""
    if not key or len(key) > MAX_KEY:
        return None
    ctype = content_type.strip()[:200] if content_type and content_type.strip() else None
    return Entry(key, size_of(size), modified, ctype)
