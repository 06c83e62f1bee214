"""Reading objects: a sample of each folder in ranged GETs, and every object of a folder.

A sample reads at most ``--max-bytes`` of each object it picks (a ranged GET), a few objects
spread over the folder's first listing page, and parses what came with ``leakhound.files``:
never a whole large object. The records of the folder are counted where every object was read
whole, and extrapolated from records per byte elsewhere.

A full read (``ObjectReader``) lists the folder page by page and reads each object in ranged
chunks through a streaming ``FileReader``. Its position is the listing page being read (the
token that asked for it, and the objects listed before it), the last object finished, and how
many records of the object in progress were already handed out: a resumed read lists that page
again (and counts it then), skips what was
finished, reads the object in progress again from its start and drops the records already
counted, so nothing is counted twice (a parser cannot be resumed in the middle of a file).
Partitions share a folder by a hash of each key.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ... import files
from ...detect import masked_text
from ...errors import NetError, PolicyError, ProtocolError, TooLargeError
from ...models import Container, Service
from ...net import Http
from ..base import (
    FileBounds,
    FullReader,
    Overrun,
    Page,
    PartitionReader,
    ReadPlan,
    SampleDocs,
    count_of,
)
from ..http_root import over_said
from .api import Entry, ListPage, ObjectApi, Refused
from .inventory import extension_of, shown_key

SAMPLE_OBJECTS = 8  # objects a sample reads per folder, at most
SAMPLE_LISTING = 256  # keys of a folder's listing a sample picks them from (one short page)
CHUNK = 4 * files.base.MiB  # bytes per ranged GET of a full read
# Files no parser reads: listed, never fetched (a sniff would say "binary" anyway).
LISTED_ONLY = frozenset(
    {
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".webp",
        ".bmp",
        ".ico",
        ".tif",
        ".tiff",
        ".heic",
        ".mp4",
        ".mov",
        ".avi",
        ".mkv",
        ".webm",
        ".mp3",
        ".wav",
        ".flac",
        ".ogg",
        ".m4a",
        ".woff",
        ".woff2",
        ".ttf",
        ".otf",
        ".eot",
        ".exe",
        ".dll",
        ".so",
        ".dylib",
        ".iso",
        ".dmg",
        ".bin",
        ".class",
        ".jar",
        ".pyc",
        ".wasm",
    }
)
# A full read's listing is believed up to twice the objects the inventory listed (or
# --max-objects, where the inventory stopped there), and ten listing pages more: records
# cannot bound it (a folder's are not counted, and most objects are no file a parser reads),
# and a listing of ever new keys would never end. The same rule as the pipeline's bound on
# records (``scanner.full.RecordBound``): a bucket may grow while it is read, rarely double.
LISTING_GROWTH = 2
LISTING_SLACK_PAGES = 10
# Folder markers are not objects (the inventory does not count them): a bounded listing
# stops on them only past this many, a listing that gives nothing else for ever.
MAX_MARKERS = 1_000_000
# A sample scan counts people by reading the identifying fields of every record of a small
# store (``--people-read``); for files that means reading whole objects, so only where no
# object is larger than a sample reads of it and the total stays small.
PEOPLE_OBJECTS = 2_000
PEOPLE_BYTES = 64 * files.base.MiB


@dataclass(frozen=True, slots=True)
class Place:
    """Where the objects of one container are: the store's base URL, its host, the bucket,
    the prefix (and whether everything below it), or the named keys."""

    base: str
    host: str
    bucket: str
    prefix: str
    below: bool
    keys: tuple[str, ...] | None  # named objects (a bucket nobody may list); None: listed

    @classmethod
    def of(cls, service: Service, container: Container) -> Place:
        """The place of a container the inventory made."""
        d = container.details
        bucket, prefix = str(d.get("bucket", "")), str(d.get("prefix", ""))
        keys = named_keys(service, bucket, prefix) if d.get("named_keys") else None
        return cls(service.url, service.endpoint.host, bucket, prefix, bool(d.get("below")), keys)

    def to_json(self) -> dict[str, Any]:
        """What a read plan keeps."""
        return {
            "bucket": self.bucket,
            "prefix": self.prefix,
            "below": self.below,
            "keys": list(self.keys) if self.keys is not None else None,
        }

    @classmethod
    def from_json(cls, service: Service, data: Any) -> Place:
        """The place a read plan kept."""
        if not isinstance(data, dict) or not isinstance(data.get("bucket"), str):
            raise ProtocolError("the stored read plan is not an object store's")
        keys = data.get("keys")
        return cls(
            service.url,
            service.endpoint.host,
            data["bucket"],
            str(data.get("prefix")),
            bool(data.get("below")),
            tuple(str(k) for k in keys) if isinstance(keys, list) else None,
        )


def named(service: Service) -> dict[str, list[str]]:
    """Bucket -> what the target named in it: "" (all of it), "prefix/" or "key"."""
    out: dict[str, list[str]] = {}
    for spec in service.endpoint.containers:
        bucket, _, rest = spec.partition("/")
        out.setdefault(bucket, []).append(rest)
    return out


def named_keys(service: Service, bucket: str, prefix: str) -> tuple[str, ...]:
    """The objects the target named directly in one folder of a bucket."""
    keys = [k for k in named(service).get(bucket, []) if k and not k.endswith("/")]
    return tuple(
        sorted(
            k
            for k in keys
            if k.rpartition("/")[0] + "/" == prefix or ("/" not in k and prefix == "")
        )
    )


def _readable(entry: Entry) -> bool:
    return not entry.marker and extension_of(entry.key).rpartition(".")[2] not in _LISTED_EXT


_LISTED_EXT = frozenset(e.lstrip(".") for e in LISTED_ONLY)


def _spread(entries: Sequence[Entry], n: int) -> list[Entry]:
    """``n`` entries spread evenly over ``entries`` (the first and the last among them)."""
    if len(entries) <= n:
        return list(entries)
    step = (len(entries) - 1) / (n - 1) if n > 1 else 0
    return [entries[round(i * step)] for i in range(n)]


async def sample_objects(
    api: ObjectApi,
    http: Http,
    service: Service,
    container: Container,
    size: int,
    bounds: FileBounds,
) -> SampleDocs:
    """Up to ``size`` records from a few objects of one container, at most ``max_bytes`` of
    each; with the container's records counted or extrapolated."""
    place = Place.of(service, container)
    try:
        listed, whole = await _candidates(api, http, place)
    except NetError as exc:
        return SampleDocs.failed(exc, "cannot list: ")
    data = [e for e in listed if _readable(e)]
    listed_bytes = sum(e.size or 0 for e in listed)
    data_bytes = sum(e.size or 0 for e in data)
    docs: list[Any] = []
    rows = covered = read = 0
    cut = False
    errors: list[str] = []
    denied = 0  # objects whose read was refused for want of credentials
    for e in _spread(data, SAMPLE_OBJECTS):
        try:
            got = await api.read(
                http, place.base, place.host, place.bucket, e.key, 0, bounds.max_bytes
            )
        except TooLargeError as exc:
            # Only the object itself (a 2xx) over the cap says the range was not kept to; an
            # error page over it (a 404, a 500) is that error, said as any other failure.
            if exc.status is not None and 200 <= exc.status < 300:
                errors.append(
                    f"{shown_key(e.key)}: the store ignores ranges and answers more than "
                    f"--max-bytes ({bounds.max_bytes:,} bytes): not read"
                )
            else:
                errors.append(f"{shown_key(e.key)}: {over_said(exc)}")
            continue
        except NetError as exc:
            errors.append(f"{shown_key(e.key)}: {exc}")
            denied += exc.denied
            continue
        total = got.size if got.size is not None else e.size
        truncated = total is None or total > len(got.data)
        parsed = await asyncio.to_thread(
            files.documents,
            got.data,
            e.key,
            got.content_type or e.content_type,
            truncated=truncated,
        )
        read += 1
        if parsed.stopped and not parsed.rows and not parsed.stopped.startswith("listed,"):
            # A bomb, a broken file: what the file's reader says may quote its content.
            errors.append(f"{shown_key(e.key)}: {masked_text(parsed.stopped)}")
        rows += parsed.rows
        covered += len(got.data)
        cut = cut or truncated
        docs += parsed.docs[: max(0, size - len(docs))]
        if len(docs) >= size:
            break
    if not docs and errors:
        # Refused for want of credentials when every object tried was.
        refused = denied == len(errors)
        return SampleDocs((), "; ".join(errors[:2])[:300], denied=refused)
    records, exact = _records(
        container, rows, covered, read, len(data), whole and not cut, data_bytes, listed_bytes
    )
    return SampleDocs(tuple(docs), None, records, exact)


def _records(
    container: Container,
    rows: int,
    covered: int,
    read: int,
    readable: int,
    whole: bool,
    data_bytes: int,
    listed_bytes: int,
) -> tuple[int | None, bool]:
    """The container's records: counted when every readable object was read whole, else
    records per byte read times the bytes of its readable objects."""
    if whole and read == readable:
        return rows, True
    if not covered:
        return (0, False) if not readable else (None, False)
    total = container.store_bytes or 0
    share = data_bytes / listed_bytes if listed_bytes else 1.0
    return max(rows, round(rows * total * share / covered)), False


async def _candidates(api: ObjectApi, http: Http, place: Place) -> tuple[list[Entry], bool]:
    """The objects a sample picks from: the named ones, or the folder's first listing page;
    and whether that is every object of the container."""
    if place.keys is not None:
        return [Entry(k, None, None) for k in place.keys], True
    page = await api.list_page(
        http,
        place.base,
        place.host,
        place.bucket,
        prefix=place.prefix,
        delimiter=not place.below,
        token=None,
        size=SAMPLE_LISTING,
    )
    return [e for e in page.entries if e.key.startswith(place.prefix)], page.token is None


# -- full reads --------------------------------------------------------------------------------


class ObjectReader(FullReader):
    """Every object of a container, page by page of its listing, each read in chunks."""

    method = "list"

    def __init__(
        self,
        api: ObjectApi,
        http: Http,
        service: Service,
        bounds: FileBounds,
        *,
        projected: bool = False,
    ) -> None:
        self.api, self.http, self.service, self.bounds = api, http, service, bounds
        self.projected = projected
        self._planned_objects = 0
        self._planned_bytes = 0

    def project(self, fields: Sequence[str]) -> FullReader:
        """The same reads (a file is read whole whatever its fields), under a sample scan's
        bounds: no object over ``--max-bytes``, and few objects in all."""
        return ObjectReader(self.api, self.http, self.service, self.bounds, projected=True)

    async def open(self, container: Container, partitions: int) -> ReadPlan:
        """One partition per object at most; a projected read refuses what a sample scan
        must not read whole."""
        place = Place.of(self.service, container)
        objects = container.details.get("objects")
        objects = objects if isinstance(objects, int) else 1
        if self.projected:
            largest = container.details.get("largest_object")
            if isinstance(largest, int) and largest > self.bounds.max_bytes:
                raise NetError(
                    f"{container.name} holds an object of {largest:,} bytes, over "
                    f"--max-bytes: a sample scan reads none whole"
                )
            self._planned_objects += objects
            self._planned_bytes += container.store_bytes or 0
            if self._planned_objects > PEOPLE_OBJECTS or self._planned_bytes > PEOPLE_BYTES:
                raise NetError(
                    f"reading every object would take over {PEOPLE_OBJECTS:,} "
                    f"objects or {PEOPLE_BYTES // files.base.MiB} MiB"
                )
        n = max(1, min(partitions, objects))
        state: dict[str, Any] = place.to_json()
        if place.keys is None:  # a listing: what bounds it
            whole = container.details.get("listed_whole", True) is not False
            state["objects"] = objects if whole else max(objects, self.bounds.max_objects)
            state["listed_whole"] = whole
        return ReadPlan(container.name, n, self.method, state, container.docs)

    async def reopen(self, plan: ReadPlan) -> ReadPlan:
        """A listing keeps nothing on the server: the same plan."""
        return plan

    def partition(
        self, plan: ReadPlan, number: int, position: Any, *, size: int
    ) -> PartitionReader:
        """The objects of partition ``number`` (by a hash of their keys), from ``position``."""
        place = Place.from_json(self.service, plan.state)
        part = ObjectPartition(self, place, number, plan.partitions, position, max(1, size))
        state = plan.state if isinstance(plan.state, dict) else {}
        objects = count_of(state.get("objects"))
        if objects is not None:
            part.bound_by(objects, state.get("listed_whole") is not False)
        return part


def _mine(key: str, number: int, parts: int) -> bool:
    return parts <= 1 or zlib.crc32(key.encode("utf-8", "surrogatepass")) % parts == number


@dataclass
class _Held:
    """Records of one object read and not yet handed out, and where they stand in it."""

    key: str
    token: str | None  # the token that listed the object's page
    before: tuple[int, int]  # objects and markers listed before that page
    start: int  # records of the object handed out before these (or to be dropped: ``skip``)
    skip: int = 0  # records still to drop (handed out before a resume)
    docs: list[Any] | None = None
    final: bool = False  # the object was read to its end


class ObjectPartition(PartitionReader):
    """Pages of records of one partition's objects, from a position.

    Records wait in ``held`` (one entry per object) until a page takes them: a page may span
    objects, and its position names the first object not wholly handed out, with the records
    of it that were. A failed request leaves everything as it was, so a retry goes on.
    """

    def __init__(
        self, reader: ObjectReader, place: Place, number: int, parts: int, position: Any, size: int
    ) -> None:
        pos = position if isinstance(position, dict) else {}
        self.reader, self.place, self.number, self.parts, self.size = (
            reader,
            place,
            number,
            parts,
            size,
        )
        self.page_token: str | None = _text(pos.get("token"))  # asked for the current page
        self.after: str | None = _text(pos.get("after"))  # the last object handed out whole
        self.resume_key: str | None = _text(pos.get("key"))
        skip = pos.get("records")
        self.resume_skip = skip if isinstance(skip, int) and skip >= 0 else 0
        # Objects and folder markers listed before the page of ``page_token``: a resumed read
        # lists that page again and counts it then.
        self.listed = count_of(pos.get("listed")) or 0
        self.markers = count_of(pos.get("markers")) or 0
        self.before = (self.listed, self.markers)  # likewise, while pages are listed
        self.most: int | None = None  # objects the listing may give (None: no bound)
        self.overrun: Overrun | None = None  # the listing's, once the records held are out
        # Objects read in part (larger than twice their listed size): the others are read
        # on, and the read ends with why once they are (kept in the position: a resumed
        # read still ends with it).
        cut = pos.get("cut")
        first, count = cut if isinstance(cut, list) and len(cut) == 2 else (None, None)
        self.cut: str | None = first if isinstance(first, str) else None  # the first's reason
        self.cuts = (count_of(count) or 0) if self.cut else 0  # how many were
        self.basis = self.why = ""
        self.entries: list[Entry] | None = None
        self.index = 0
        self.next_token: str | None = None
        self.tokens: set[str] = set()
        self.last_key: str | None = None
        self.entry: Entry | None = None  # the object being read
        self.file: files.FileReader | None = None
        self.offset = 0
        self.held: list[_Held] = []
        self.done = False

    def bound_by(self, objects: int, whole: bool) -> None:
        """Bound the listing by the ``objects`` the inventory listed (``whole``: all of the
        folder's; else as far as --max-objects)."""
        self.most = LISTING_GROWTH * objects + LISTING_SLACK_PAGES * self.reader.api.page_size
        self.basis = f"the {objects:,} the inventory listed when the read began"
        self.why = "a bucket growing this fast, or a listing that does not end"
        if not whole:  # nobody counted the rest: an honest bucket may be that large
            self.basis = f"the {objects:,} of --max-objects, where the inventory stopped listing"
            self.why = "a larger --max-objects reads further"

    def _waiting(self) -> int:
        return sum(len(h.docs or ()) for h in self.held)

    def _why(self, overrun: Overrun | None = None) -> Overrun:
        """Why the read stops: the listing's reason (if it stopped), and the objects read in
        part."""
        parts = [str(overrun)] if overrun is not None else []
        if self.cut:
            more = self.cuts - 1
            parts.append(self.cut + (f"; {more:,} more read in part likewise" if more > 0 else ""))
        return Overrun("; ".join(parts))

    async def next_page(self) -> Page | None:
        """The next ``size`` records (or the rest); None after the last."""
        if self.overrun is not None and not self._waiting():
            raise self._why(self.overrun)
        while self._waiting() < self.size and not self.done and self.overrun is None:
            if self.file is None:
                try:
                    entry = await self._next_entry()
                except Overrun as exc:
                    if not self._waiting():
                        raise self._why(exc) from None
                    # The records of the objects read are handed out first: none is lost.
                    self.overrun = exc
                    break
                if entry is None:
                    self.done = True
                    break
                self._start(entry)
            await self._read_chunk()
        docs: list[Any] = []
        while self.held and len(docs) < self.size:
            h = self.held[0]
            n = min(self.size - len(docs), len(h.docs or ()))
            if n:
                assert h.docs is not None
                docs += h.docs[:n]
                h.docs = h.docs[n:]
                h.start += n
            if h.docs or not h.final:
                break
            self.after = h.key  # handed out whole
            self.held.pop(0)
        if not docs and self.done and not self.held:
            if self.cut:
                raise self._why()
            return None
        first = self.held[0] if self.held else None
        listed, markers = first.before if first else self.before
        position = {
            "token": first.token if first else self.page_token,
            "after": self.after,
            "key": first.key if first else None,
            "records": first.start if first else 0,
            "listed": listed,
            **({"markers": markers} if markers else {}),
            **({"cut": [self.cut, self.cuts]} if self.cut else {}),
        }
        return Page(tuple(docs), position)

    async def _next_entry(self) -> Entry | None:
        """The next object of this partition, listing further as needed."""
        place = self.place
        while True:
            if self.entries is None or self.index >= len(self.entries):
                if self.entries is not None and self.next_token is None:
                    return None
                token = self.next_token if self.entries is not None else self.page_token
                page = await self._list(token)
                if page.token is not None:
                    if page.token in self.tokens or page.token == token:
                        raise ProtocolError(
                            "the listing gives the same page token again: it would never end"
                        )
                    self.tokens.add(page.token)
                self.page_token, self.before = token, (self.listed, self.markers)
                self.entries, self.index, self.next_token = list(page.entries), 0, page.token
                markers = sum(e.marker for e in page.entries)
                self.listed += len(page.entries) - markers  # objects, as the inventory counts
                self.markers += markers
                if self.most is not None and self.markers > MAX_MARKERS:
                    raise Overrun(
                        f"stopped after listing {self.markers:,} folder markers: more than "
                        f"{MAX_MARKERS:,} (a listing that does not end)"
                    )
                if self.most is not None and self.listed > self.most:
                    raise Overrun(
                        f"stopped after listing {self.listed:,} objects: more than twice "
                        f"{self.basis} ({self.why})"
                    )
                continue
            e = self.entries[self.index]
            self.index += 1
            if self.last_key is not None and e.key <= self.last_key:
                raise ProtocolError(
                    "the listing goes back to a key it passed: it lies about its order"
                )
            self.last_key = e.key
            if not e.key.startswith(place.prefix) or not _mine(e.key, self.number, self.parts):
                continue
            if self.after is not None and e.key <= self.after:
                continue  # handed out before a resume
            if _readable(e):
                return e

    async def _list(self, token: str | None) -> ListPage:
        place, api = self.place, self.reader.api
        if place.keys is not None:  # named objects: one page of them, no listing
            return ListPage(tuple(Entry(k, None, None) for k in place.keys), None)
        return await api.list_page(
            self.reader.http,
            place.base,
            place.host,
            place.bucket,
            prefix=place.prefix,
            delimiter=not place.below,
            token=token,
            size=api.page_size,
        )

    def _start(self, entry: Entry) -> None:
        self.entry = entry
        self.file = files.FileReader(
            entry.key, entry.content_type, files.Limits(max_output=None, max_docs=None)
        )
        self.offset = 0
        skip = self.resume_skip if entry.key == self.resume_key else 0
        self.resume_key, self.resume_skip = None, 0
        self.held.append(_Held(entry.key, self.page_token, self.before, skip, skip, []))

    async def _read_chunk(self) -> None:
        """The next chunk of the current object into its held records; the object finished
        at its end (or at once when it is no file a parser reads)."""
        assert self.entry is not None and self.file is not None
        place, api = self.place, self.reader.api
        try:
            got = await api.read(
                self.reader.http,
                place.base,
                place.host,
                place.bucket,
                self.entry.key,
                self.offset,
                CHUNK,
            )
        except Refused as exc:
            if not api.missing_object(exc):
                raise
            got = None  # deleted since it was listed
        end = (
            got is None
            or not got.data
            or len(got.data) < CHUNK
            or (got.size is not None and self.offset + len(got.data) >= got.size)
        )
        docs: list[Any] = []
        if got is not None and got.data:
            self.offset += len(got.data)
            docs = await asyncio.to_thread(self.file.feed, got.data)
            if not end and self.file.result().format.endswith("binary"):
                end = True  # listed, not parsed: the rest is not fetched
        listed = self.entry.size
        if not end and listed is not None and self.offset > LISTING_GROWTH * listed + CHUNK:
            # An object that never ends (a size the server does not say, or a false one), or
            # one overwritten with a much larger one since it was listed: read no further,
            # its records handed out, the folder's other objects read on; the read then
            # ends with why.
            end = True
            self.cut = self.cut or (
                f"stopped reading {shown_key(self.entry.key)!r} after {self.offset:,} bytes: more "
                f"than twice the {listed:,} the listing gave it (an object growing this fast, "
                "or a server that does not end it)"
            )
            self.cuts += 1
        if end:
            docs += self.file.close()
        held = self.held[-1]
        if held.skip:
            dropped = min(held.skip, len(docs))
            docs = docs[dropped:]
            held.skip -= dropped
        assert held.docs is not None
        held.docs += docs
        if end:
            held.final = True
            self.entry, self.file = None, None

    def retryable(self, exc: NetError) -> bool:
        """A failed request leaves the position where it was; a lie about the listing or a
        refusal does not get better on asking again."""
        return not isinstance(exc, ProtocolError | Refused | PolicyError)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
