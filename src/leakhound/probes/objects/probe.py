"""The store-kind contract for object stores, whatever their dialect (``ObjectApi``).

Verdict: the store-level request says what answers (and lists its buckets, where anyone may);
then each bucket the target named (or the store listed) gets its own word: ``open`` (anyone
lists it), ``partial`` (anyone reads its objects by key, nobody lists them), ``secured``
(both refused), ``absent`` (no such bucket), or what failed. The store's verdict is its most
open bucket's; each bucket's word is in the fingerprint's details and the reason. Several
buckets of one endpoint are one store.

Inventory: every open bucket listed in pages of the store's largest size, up to
``--max-objects`` objects, grouped by folder (``inventory.py``); a partial bucket's named
objects. Sample and full reads: ``read.py``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

from ...errors import ConnectError, NetError, ProtocolError, TimeoutError_, TooLargeError
from ...models import Container, Endpoint, Fingerprint, Service, Verdict, Words
from ...net import Http, Transport
from .. import foreign
from ..base import FileBounds, FullReader, Inventory, Probe, SampleDocs, failures_said
from ..http_root import ask_who, asking, failures, not_http, told
from ..reason import Fit, fitted
from .api import READ_CHECK_KEY, Entry, ObjectApi, Refused
from .inventory import Listing
from .read import ObjectReader, named, sample_objects

MAX_BUCKETS = 1000  # buckets checked per endpoint (named ones first, then listed ones)
# The words of a bucket, most open first: the store's verdict is its most open bucket's. A
# bucket whose check failed ranks above the refused and absent ones: it proved nothing, and a
# store is ``secured`` only when every bucket checked refused (or does not exist).
WORDS = ("open", "partial", "error", "timeout", "secured", "absent")
_VERDICTS = {
    "open": Verdict.OPEN,
    "partial": Verdict.PARTIAL,
    "secured": Verdict.SECURED,
    "absent": Verdict.CLOSED,
    "error": Verdict.ERROR,
    "timeout": Verdict.TIMEOUT,
}


@dataclass(frozen=True, slots=True)
class BucketAccess:
    """What anyone may do with one bucket, and why we say so."""

    bucket: str
    word: str  # one of WORDS
    reason: str


class ObjectProbe(Probe):
    """An object store kind: its dialect (``api``) on the shared contract."""

    api: ClassVar[ObjectApi]
    http_if_chosen = True
    takes_credentials = False  # requests are signed, not sent with a password
    names_containers = True
    url_port = 443  # s3://, azblob:// without a port: the clouds' https
    # A container is a folder of a bucket (a key prefix: ``exports/2019/``, ``inventory.py``);
    # a record is what the files in it hold (a CSV row, a JSON object, a log line…).
    words = Words(("folder", "folders"), ("record", "records"))

    def __init__(self, bounds: FileBounds | None = None) -> None:
        self.bounds = bounds or FileBounds()

    def bounded(self, bounds: FileBounds) -> Probe:
        """This kind listing and sampling within ``bounds``."""
        return type(self)(bounds)

    # -- verdict ------------------------------------------------------------------------------

    async def verdict(self, transport: Transport, endpoint: Endpoint) -> Service:
        """The store-level request on each scheme in turn, then every bucket's access. Where
        no scheme answered, an ``s3://`` or ``azblob://`` target keeps its own URL; a bare
        port, the URL tried first (as every HTTP kind's)."""
        http = transport.http
        schemes = (
            list(endpoint.http_schemes)
            if endpoint.scheme in ("http", "https")
            else ["https", "http"]
            if endpoint.port == 443
            else ["http", "https"]
        )
        own_url = None if endpoint.scheme in (None, "http", "https") else endpoint.url()
        not_mine = ""
        unanswered = False  # plain http failed without an HTTP answer
        for n, scheme in enumerate(schemes):
            base = endpoint.url(scheme)
            try:
                answer = await asking(
                    self.api.store(http, base, endpoint.host),
                    lambda: ask_who(transport, endpoint, "/", self.allow),
                    at_once=unanswered,
                )
            except ConnectError as exc:
                closed = "refused" in str(exc)
                return self._service(
                    endpoint,
                    own_url or base,
                    Verdict.CLOSED if closed else Verdict.ERROR,
                    str(exc),
                )
            except TimeoutError_ as exc:
                return self._service(endpoint, own_url or base, Verdict.TIMEOUT, str(exc))
            except NetError as exc:
                not_mine = failures(not_mine, scheme, exc)
                unanswered = scheme == "http"
                continue
            if isinstance(answer, foreign.Named):
                last = n + 1 == len(schemes)
                not_mine, verdict = told(answer, self.kind, scheme, not_mine, last=last)
                if verdict is None:
                    unanswered = scheme == "http"
                    continue
                url = (own_url or endpoint.url(schemes[0])) if verdict is Verdict.ERROR else base
                return self._service(endpoint, url, verdict, not_http(answer, not_mine))
            if not answer.mine:
                not_mine = failures(not_mine, scheme, answer.why)
                if n + 1 < len(schemes) and answer.wants_tls:
                    continue  # a TLS port answering plain http: try https
                return self._service(endpoint, base, Verdict.not_of(self.kind), not_mine)
            return await self._buckets(
                http, endpoint, base, answer.fingerprint, answer.buckets, answer.why
            )
        return self._service(
            endpoint, own_url or endpoint.url(schemes[0]), Verdict.ERROR, not_mine or "no answer"
        )

    def _service(
        self,
        endpoint: Endpoint,
        base: str,
        verdict: Verdict,
        reason: str,
        fp: Fingerprint | None = None,
        opened: tuple[str, ...] = (),
        closed: tuple[str, ...] = (),
    ) -> Service:
        return self.answer(endpoint, base, verdict, " ".join(reason.split()), fp, opened, closed)

    async def _buckets(
        self,
        http: Http,
        endpoint: Endpoint,
        base: str,
        fp: Fingerprint,
        listed: tuple[str, ...] | None,
        refusal: str,
    ) -> Service:
        """Each bucket's access, and the store's verdict from them."""
        api, noun = self.api, self.api.noun
        wanted = named(Service(endpoint, base, self.kind, Verdict.ERROR))
        buckets = list(dict.fromkeys((*wanted, *(listed or ()))))
        more = max(0, len(buckets) - MAX_BUCKETS)
        buckets = buckets[:MAX_BUCKETS]
        found = await asyncio.gather(
            *(
                self._access(
                    http,
                    base,
                    endpoint.host,
                    b,
                    [k for k in wanted.get(b, []) if k and not k.endswith("/")],
                )
                for b in buckets
            )
        )
        words = {a.bucket: a.word for a in found}
        details = {**fp.details, api.plural: words}
        if listed is not None:
            details[f"{api.plural}_listed"] = len(listed)
        fp = replace(fp, details=details)
        opened = tuple(
            f"{a.bucket}: {'list' if a.word == 'open' else 'read'}"
            for a in found
            if a.word in ("open", "partial")
        )
        closed = tuple(a.bucket for a in found if a.word == "secured")
        if listed is not None:
            opened = (f"{noun} list", *opened)
        if not found:
            if listed is not None:
                return self._service(
                    endpoint,
                    base,
                    Verdict.OPEN,
                    f"anyone lists its {api.plural}: it holds none",
                    fp,
                    opened,
                )
            return self._service(
                endpoint,
                base,
                Verdict.SECURED,
                f"nobody may list its {api.plural} ({refusal or 'refused'}); name them to "
                f"check each: {self._example(endpoint)}",
                fp,
                closed=(f"{noun} list",),
            )
        # Most open first (stable: named order within a word), so that the bucket deciding the
        # verdict is named first, and those left out of a long reason are counted by word.
        ranked = sorted(found, key=lambda a: WORDS.index(a.word))
        best = ranked[0].word
        reason = fitted(
            f"anyone lists its {api.plural} ({len(listed)}); " if listed is not None else "",
            _checked(ranked, api.plural),
            f"; {more} more {api.plural} not checked" if more else "",
        )
        return self._service(endpoint, base, _VERDICTS[best], reason, fp, opened, closed)

    def _example(self, endpoint: Endpoint) -> str:
        return self.target_url(endpoint, self.api.noun.upper())

    def target_url(self, endpoint: Endpoint, spec: str) -> str:
        """The target that names ``spec`` (a bucket, or bucket/key) at this endpoint."""
        bucket, _, key = spec.partition("/")
        return f"{self.kind}://{bucket}@{endpoint.netloc}" + (f"/{key}" if key else "")

    async def _access(
        self, http: Http, base: str, host: str, bucket: str, keys: Sequence[str]
    ) -> BucketAccess:
        """What anyone may do with one bucket: list it, read its objects, or neither."""
        api = self.api
        try:
            await api.list_page(
                http, base, host, bucket, prefix="", delimiter=False, token=None, size=1
            )
            return BucketAccess(bucket, "open", "anyone lists it")
        except Refused as exc:
            if api.absent(exc):
                return BucketAccess(bucket, "absent", f"no such {api.noun} ({exc.code})")
            if not api.refused(exc):
                return BucketAccess(bucket, "error", f"listing it answers {exc}")
            listing = exc
        except TimeoutError_ as exc:
            return BucketAccess(bucket, "timeout", str(exc))
        except NetError as exc:
            return BucketAccess(bucket, "error", str(exc))
        failed: list[str] = []  # reads that neither read nor were refused
        for key in [*keys[:3], READ_CHECK_KEY]:
            try:
                await api.read(http, base, host, bucket, key, 0, 1)
            except Refused as exc:
                if api.missing_object(exc):
                    return BucketAccess(
                        bucket,
                        "partial",
                        f"anyone reads its objects by key "
                        f"(a missing one answers {exc.code or exc.status}); "
                        f"listing it answers {listing.code or listing.status}",
                    )
                if api.absent(exc):
                    return BucketAccess(bucket, "absent", f"no such {api.noun} ({exc.code})")
                if not api.refused(exc):
                    failed.append(f"reading {key!r} answers {exc}")
                continue
            except TimeoutError_ as exc:
                return BucketAccess(bucket, "timeout", str(exc))
            except NetError as exc:
                return BucketAccess(bucket, "error", f"reading {key!r}: {exc}")
            if key == READ_CHECK_KEY:  # a store that answers anything to any key
                return BucketAccess(
                    bucket,
                    "error",
                    f"it answers a key that cannot exist "
                    f"({key!r}): not an object store's behaviour",
                )
            return BucketAccess(
                bucket,
                "partial",
                f"anyone reads {key!r}; listing it answers {listing.code or listing.status}",
            )
        said = listing.code or listing.status
        if failed:
            return BucketAccess(bucket, "error", f"listing refused ({said}); {'; '.join(failed)}")
        return BucketAccess(bucket, "secured", f"listing and reading refused ({said})")

    # -- inventory ----------------------------------------------------------------------------

    async def inventory(
        self, transport: Transport, service: Service, *, max_containers: int
    ) -> Inventory:
        """Each open bucket's folders as containers (listed up to ``--max-objects``), and the
        objects the target named in partial ones."""
        http, api = transport.http, self.api
        words = service.fingerprint.details.get(api.plural)
        words = words if isinstance(words, dict) else {}
        wanted = named(service)
        listings: list[Listing] = []
        errors: list[str] = []
        for bucket, word in words.items():
            if word not in ("open", "partial"):
                continue
            specs = wanted.get(bucket)
            whole = specs is None or "" in specs
            prefixes = [s for s in specs or () if s.endswith("/")]
            keys = [s for s in specs or () if s and not s.endswith("/")]
            if word == "open" and (whole or prefixes):
                listing = Listing(bucket, word)
                for prefix in [""] if whole else prefixes:
                    await self._list(http, service, listing, prefix)
                listings.append(listing)
                # named objects the listing covers are in it already
                keys = (
                    [] if whole else [k for k in keys if not any(k.startswith(p) for p in prefixes)]
                )
            elif word == "partial" and not keys:
                errors.append(
                    f"{bucket}: anyone reads its objects by key, but nobody may list "
                    f"them: name objects to read "
                    f"({self.target_url(service.endpoint, bucket + '/KEY')})"
                )
            if keys:
                listings.append(await self._named(http, service, bucket, word, keys, errors))
        containers: list[Container] = []
        truncated = 0
        for listing in listings:
            room = max_containers - len(containers)
            if room <= 0:
                truncated += len(listing.folders)
                continue
            # Folding 100,000 folders takes seconds of CPU: not on the event loop.
            containers += await asyncio.to_thread(listing.containers, room)
            if listing.error:
                errors.append(f"{listing.bucket}: {listing.error}")
        return Inventory(tuple(containers), failures_said(errors, 500), truncated)

    async def _list(self, http: Http, service: Service, listing: Listing, prefix: str) -> None:
        """A bucket's objects under ``prefix`` into ``listing``, page by page, up to
        ``--max-objects``; a listing that lies stops with its reason."""
        api, limit = self.api, self.bounds.max_objects
        token: str | None = None
        seen: set[str] = set()
        pages = 0
        last: str | None = None
        max_pages = 4 * (limit // api.page_size + 1)
        while True:
            if listing.objects >= limit:
                listing.complete = False
                listing.error = f"listed up to --max-objects ({limit:,}); there are more"
                return
            if pages >= max_pages:
                listing.complete = False
                listing.error = f"listing stopped after {pages:,} pages"
                return
            size = min(api.page_size, limit - listing.objects)
            try:
                page = await api.list_page(
                    http,
                    service.url,
                    service.endpoint.host,
                    listing.bucket,
                    prefix=prefix,
                    delimiter=False,
                    token=token,
                    size=size,
                )
            except NetError as exc:
                listing.complete = False
                listing.error = f"listing stopped: {exc}"[:300]
                return
            pages += 1
            if page.token is not None and (page.token in seen or page.token == token):
                listing.complete = False
                listing.error = (
                    "the listing says it is truncated but gives the same page token again: stopped"
                )
                return
            listing.skipped += page.skipped
            for e in page.entries:
                if last is not None and e.key <= last:
                    listing.complete = False
                    listing.error = "the listing goes back to a key it passed: stopped"
                    return
                last = e.key
                listing.add(e)
            if page.token is None:
                return
            seen.add(page.token)
            token = page.token

    async def _named(
        self,
        http: Http,
        service: Service,
        bucket: str,
        word: str,
        keys: Sequence[str],
        errors: list[str],
    ) -> Listing:
        """The objects a target named in a bucket, each asked for its size and date."""
        listing = Listing(bucket, word, named=True)
        for key in sorted(set(keys)):
            try:
                head = await self.api.read(
                    http, service.url, service.endpoint.host, bucket, key, 0, 1, method="HEAD"
                )
            except NetError as exc:
                errors.append(f"{bucket}/{key}: {exc}"[:200])
                continue
            listing.add(Entry(key, head.size, head.modified, head.content_type))
        return listing

    # -- reading -------------------------------------------------------------------------------

    async def sample(
        self, transport: Transport, service: Service, container: Container, size: int
    ) -> SampleDocs:
        """A few objects of the container, at most ``--max-bytes`` of each."""
        try:
            return await sample_objects(
                self.api, transport.http, service, container, size, self.bounds
            )
        except (ProtocolError, TooLargeError) as exc:
            return SampleDocs.failed(exc)

    def reader(self, transport: Transport, service: Service) -> FullReader:
        """Every object of a container, along its listing, each in ranged chunks."""
        return ObjectReader(self.api, transport.http, service, self.bounds)


def _checked(ranked: Sequence[BucketAccess], plural: str) -> Fit:
    """Each checked bucket and its access, fitted to the room a reason leaves: the first few
    named, the rest counted by what they allow (``fitted``)."""
    said = [f"{a.bucket}: {a.reason}" for a in ranked]

    def counted(k: int) -> str:
        words = Counter(a.word for a in ranked[k:])
        return f"{plural} checked ({', '.join(f'{n} {w}' for w, n in words.items())})"

    fewer = tuple(
        f"{'; '.join(said[:k])}; {len(ranked) - k} more {counted(k)}"
        for k in (10, 5, 3, 2, 1)
        if k < len(said)
    )
    return Fit("; ".join(said), f"{len(ranked)} {counted(0)}" if fewer else "", fewer=fewer)
