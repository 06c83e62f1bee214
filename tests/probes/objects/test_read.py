"""Full reads of a folder: every record once, in order, and the same from any position.

The store here is an in-memory dialect (``Shelf``): the reader's own bookkeeping is what is
tested (pages across objects, positions, resumes, partitions); the real MinIO and Azurite
are read in ``tests/integration/test_objectstores.py``.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Mapping
from typing import Any

import pytest

from leakhound.errors import ProtocolError
from leakhound.models import Container, Endpoint, Service, Verdict
from leakhound.net import Http, Response
from leakhound.probes.base import FileBounds, Overrun
from leakhound.probes.objects import read as objread
from leakhound.probes.objects.api import Chunk, Entry, ListPage, ObjectApi, Refused
from leakhound.probes.s3 import ALLOW


class Shelf(ObjectApi):
    """Objects in a dict, listed ``page`` at a time in key order."""

    kind, noun, plural, page_size, allow = "shelf", "bucket", "buckets", 3, ALLOW

    def __init__(self, objects: Mapping[str, bytes], *, lie: str = "") -> None:
        self.objects = dict(sorted(objects.items()))
        self.lie = lie
        self.lists = 0

    async def store(self, http: Http, base: str, host: str) -> Any:
        raise NotImplementedError

    def bucket_url(self, base: str, host: str, bucket: str) -> str:
        return f"{base}/{bucket}"

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
        self.lists += 1
        keys = [
            k
            for k in self.objects
            if k.startswith(prefix) and not (delimiter and "/" in k[len(prefix) :])
        ]
        # The token is the last key listed, as S3's are in effect: stable under deletions.
        start = next((n for n, k in enumerate(keys) if token is None or k > token), len(keys))
        if self.lie == "same-token":
            return ListPage(tuple(Entry(k, len(self.objects[k]), None) for k in keys[:size]), "7")
        if self.lie == "backwards" and start:
            start -= 1
        page = keys[start : start + self.page_size]
        more = page[-1] if start + self.page_size < len(keys) else None
        return ListPage(tuple(Entry(k, len(self.objects[k]), None) for k in page), more)

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
        if key not in self.objects:
            raise Refused(404, "NoSuchKey")
        data = self.objects[key]
        return Chunk(data[start : start + length], len(data), None)

    def refusal(self, resp: Response) -> Refused:
        raise NotImplementedError

    def refused(self, exc: Refused) -> bool:
        return exc.status == 403

    def absent(self, exc: Refused) -> bool:
        return False

    def missing_object(self, exc: Refused) -> bool:
        return exc.code == "NoSuchKey"


def csv_object(name: str, rows: int) -> bytes:
    lines = ["id,email"] + [f"{name}-{n},{name}{n}@example.org" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def jsonl_object(name: str, rows: int) -> bytes:
    return "".join(json.dumps({"id": f"{name}-{n}"}) + "\n" for n in range(rows)).encode()


OBJECTS = {
    "f/a.csv": csv_object("a", 11),
    "f/b.jsonl": jsonl_object("b", 4),
    "f/c.png": b"\x89PNG\r\n\x1a\n" + bytes(300),  # listed, never read
    "f/d.csv.gz": gzip.compress(csv_object("d", 25)),
    "f/e.csv": b"",
    "f/f.jsonl": jsonl_object("f", 1),
    "f/g.csv": csv_object("g", 9),
    "f/sub/h.csv": csv_object("h", 5),  # below the folder: not its own
}
EXPECTED = (
    [f"a-{n}" for n in range(11)]
    + [f"b-{n}" for n in range(4)]
    + [f"d-{n}" for n in range(25)]
    + ["f-0"]
    + [f"g-{n}" for n in range(9)]
)
SERVICE = Service(Endpoint("127.0.0.1", 9, "s3"), "http://127.0.0.1:9", "shelf", Verdict.OPEN)
FOLDER = Container(
    "b/f/", None, None, details={"bucket": "b", "prefix": "f/", "below": False, "objects": 7}
)


def reader(api: Shelf) -> objread.ObjectReader:
    return objread.ObjectReader(api, None, SERVICE, FileBounds())  # type: ignore[arg-type]


async def read_all(
    api: Shelf, size: int, position: Any = None, number: int = 0, parts: int = 1
) -> list[tuple[list[str], Any]]:
    r = reader(api)
    plan = await r.open(FOLDER, parts)
    part = r.partition(plan, number, position, size=size)
    pages = []
    while (page := await part.next_page()) is not None:
        pages.append(([d["id"] for d in page.docs], page.position))
    return pages


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Objects read 64 bytes at a time: each spans several ranged reads."""
    monkeypatch.setattr(objread, "CHUNK", 64)


def test_every_record_of_the_folder_is_read_once_in_order() -> None:
    pages = asyncio.run(read_all(Shelf(OBJECTS), size=7))
    got = [i for ids, _ in pages for i in ids]
    assert got == EXPECTED
    assert all(len(ids) == 7 for ids, _ in pages[:-1])


@pytest.mark.parametrize("size", [1, 4, 13, 1000])
def test_a_read_resumed_from_any_position_gives_exactly_the_rest(size: int) -> None:
    pages = asyncio.run(read_all(Shelf(OBJECTS), size=size))
    done = 0
    for ids, position in pages:
        done += len(ids)
        rest = asyncio.run(read_all(Shelf(OBJECTS), size=size, position=position))
        assert [i for r, _ in rest for i in r] == EXPECTED[done:], position


@pytest.mark.parametrize("size", [1, 4, 13])
def test_a_resumed_read_counts_the_objects_listed_as_an_uninterrupted_one(size: int) -> None:
    # A resumed read lists the page it stopped in again: the position's count of objects
    # listed must not hold that page already, or each resume adds a page to it.
    pages = asyncio.run(read_all(Shelf(OBJECTS), size=size))
    assert max(position["listed"] for _, position in pages) <= 7
    for n, (_, position) in enumerate(pages):
        rest = asyncio.run(read_all(Shelf(OBJECTS), size=size, position=position))
        assert rest == pages[n + 1 :], position


def test_a_resumed_read_of_a_folder_at_its_listing_bound_is_not_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The inventory listed 7 objects; the folder has grown to 14, twice that: allowed.
    monkeypatch.setattr(objread, "LISTING_SLACK_PAGES", 0)
    grown = OBJECTS | {f"f/m{n}.jsonl": jsonl_object(f"m{n}", 1) for n in range(7)}
    pages, why = asyncio.run(_read_to_stop(Shelf(grown), 2))
    assert why is None
    for n, (_, position) in enumerate(pages):
        rest, why = asyncio.run(_read_to_stop(Shelf(grown), 2, position))
        assert why is None and rest == pages[n + 1 :], position


def test_partitions_share_the_objects_and_together_read_each_once() -> None:
    got: list[str] = []
    for number in range(3):
        got += [
            i
            for ids, _ in asyncio.run(read_all(Shelf(OBJECTS), 5, number=number, parts=3))
            for i in ids
        ]
    assert sorted(got) == sorted(EXPECTED)


def test_an_object_deleted_since_it_was_listed_is_passed() -> None:
    api = Shelf(OBJECTS)

    async def go() -> list[str]:
        r = reader(api)
        part = r.partition(await r.open(FOLDER, 1), 0, None, size=20)
        got: list[str] = []
        while (page := await part.next_page()) is not None:
            got += [d["id"] for d in page.docs]
            api.objects.pop("f/f.jsonl", None)  # gone after the first page, before it is read
        return got

    assert asyncio.run(go()) == [i for i in EXPECTED if not i.startswith("f-")]


@pytest.mark.parametrize(
    ("lie", "why"),
    [
        pytest.param("same-token", "same page token", id="truncated-for-ever"),
        pytest.param("backwards", "goes back", id="out-of-order"),
    ],
)
def test_a_listing_that_lies_stops_the_read_with_its_reason(lie: str, why: str) -> None:
    with pytest.raises(ProtocolError, match=why):
        asyncio.run(read_all(Shelf(OBJECTS, lie=lie), size=1000))


def test_named_objects_are_read_without_a_listing() -> None:
    api = Shelf(OBJECTS)
    service = Service(
        Endpoint("127.0.0.1", 9, "s3", containers=("b/f/g.csv", "b/f/a.csv")),
        "http://127.0.0.1:9",
        "shelf",
        Verdict.PARTIAL,
    )
    folder = Container(
        "b/f/",
        None,
        None,
        details={"bucket": "b", "prefix": "f/", "named_keys": True, "objects": 2},
    )

    async def go() -> list[str]:
        r = objread.ObjectReader(api, None, service, FileBounds())  # type: ignore[arg-type]
        part = r.partition(await r.open(folder, 1), 0, None, size=1000)
        return [d["id"] for p in [await part.next_page()] if p for d in p.docs]

    assert asyncio.run(go()) == [f"a-{n}" for n in range(11)] + [f"g-{n}" for n in range(9)]
    assert api.lists == 0


def test_a_sample_reads_at_most_max_bytes_of_each_object_and_extrapolates() -> None:
    big = csv_object("x", 2000)
    api = Shelf({"big/x.csv": big, "big/y.csv": big})
    folder = Container(
        "b/big/", None, 2 * len(big), details={"bucket": "b", "prefix": "big/", "objects": 2}
    )
    reads: list[int] = []
    plain = api.read

    async def counted(*args: Any, **kw: Any) -> Chunk:
        got = await plain(*args, **kw)
        reads.append(len(got.data))
        return got

    api.read = counted  # type: ignore[method-assign]
    got = asyncio.run(
        objread.sample_objects(
            api,
            None,
            SERVICE,
            folder,
            50,  # type: ignore[arg-type]
            FileBounds(max_bytes=4096),
        )
    )
    assert len(got.docs) == 50 and reads == [4096]
    assert got.records is not None and not got.records_exact
    assert 3600 <= got.records <= 4400  # 4,000 rows, from rows per byte of the piece read


def test_a_small_folder_read_whole_by_a_sample_is_counted_exactly() -> None:
    api = Shelf(OBJECTS)
    api.page_size = 1000  # the sample picks from one listing page: here all of the folder
    folder = Container(
        "b/f/",
        None,
        sum(len(v) for k, v in OBJECTS.items() if "sub" not in k),
        details={"bucket": "b", "prefix": "f/", "objects": 7},
    )
    got = asyncio.run(
        objread.sample_objects(
            api,
            None,
            SERVICE,
            folder,
            1000,  # type: ignore[arg-type]
            FileBounds(),
        )
    )
    assert (got.records, got.records_exact) == (len(EXPECTED), True)
    assert [d["id"] for d in got.docs] == EXPECTED


class Grown(Shelf):
    """The listing gives f/b.jsonl the 10 bytes it held when it was listed; it has been
    overwritten with a far larger one since."""

    async def list_page(self, *args: Any, **kwargs: Any) -> ListPage:
        page = await super().list_page(*args, **kwargs)
        entries = (Entry(e.key, 10 if e.key == "f/b.jsonl" else e.size, None) for e in page.entries)
        return ListPage(tuple(entries), page.token)


async def _read_to_stop(
    api: Shelf, size: int, position: Any = None
) -> tuple[list[tuple[list[str], Any]], str | None]:
    r = reader(api)
    part = r.partition(await r.open(FOLDER, 1), 0, position, size=size)
    pages: list[tuple[list[str], Any]] = []
    while True:
        try:
            page = await part.next_page()
        except Overrun as exc:
            return pages, str(exc)
        if page is None:
            return pages, None
        pages.append(([d["id"] for d in page.docs], page.position))


def test_an_object_grown_since_it_was_listed_is_cut_alone_and_said_at_the_end() -> None:
    api = Grown({**OBJECTS, "f/b.jsonl": jsonl_object("b", 40)})
    pages, why = asyncio.run(_read_to_stop(api, 5))
    got = [i for ids, _ in pages for i in ids]
    # Read past twice the listed 10 bytes and a chunk (84 bytes): cut there; every other
    # object read whole after it.
    assert why is not None and why.startswith("stopped reading 'f/b.jsonl' after ")
    assert "more than twice the 10 the listing gave it" in why
    assert [i for i in got if not i.startswith("b-")] == [
        i for i in EXPECTED if not i.startswith("b-")
    ]
    assert 0 < sum(i.startswith("b-") for i in got) < 40
    # A read resumed from any position after the cut still ends saying so.
    after = [position for ids, position in pages if (position.get("after") or "") >= "f/b.jsonl"]
    assert after
    for position in after:
        _, again = asyncio.run(_read_to_stop(Grown(api.objects), 5, position))
        assert again == why


def test_folder_markers_are_no_objects_to_the_listing_s_bound() -> None:
    # A folder read with everything below it, whose console made an empty marker for each
    # of 60 subfolders: the inventory counted its 3 objects, not the markers. Bounded by
    # twice 3 and ten pages of 3, the listing must not stop on the 60 markers.
    objects = {f"f/e{n:02}/": b"" for n in range(60)}
    objects |= {"f/a.csv": csv_object("a", 4), "f/e07/g.csv": csv_object("g", 3)}
    objects |= {"f/z.jsonl": jsonl_object("z", 2)}
    below = Container(
        "b/f/*", None, None, details={"bucket": "b", "prefix": "f/", "below": True, "objects": 3}
    )

    async def go() -> tuple[list[str], tuple[int, int]]:
        r = reader(Shelf(objects))
        part = r.partition(await r.open(below, 1), 0, None, size=100)
        got: list[str] = []
        while (page := await part.next_page()) is not None:
            got += [d["id"] for d in page.docs]
        return got, (part.listed, part.markers)

    got, counted = asyncio.run(go())
    assert sorted(got) == sorted([f"a-{n}" for n in range(4)] + ["g-0", "g-1", "g-2", "z-0", "z-1"])
    assert counted == (3, 60)


def test_a_bounded_listing_of_nothing_but_markers_stops_past_its_own_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(objread, "MAX_MARKERS", 20)
    below = Container(
        "b/f/*", None, None, details={"bucket": "b", "prefix": "f/", "below": True, "objects": 0}
    )

    async def go() -> None:
        r = reader(Shelf({f"f/e{n:03}/": b"" for n in range(100)}))
        part = r.partition(await r.open(below, 1), 0, None, size=100)
        while await part.next_page() is not None:
            pass

    with pytest.raises(Overrun, match=r"^stopped after listing 21 folder markers: more than 20 "):
        asyncio.run(go())


def test_a_key_named_by_personal_data_is_quoted_masked_in_a_samples_error() -> None:
    # A key is the store's data: one folder a customer, one file a person.
    key = "cv/jane.doe@gmail.com.csv"
    api = Shelf({key: csv_object("j", 3)})

    async def refused(*args: Any, **kw: Any) -> Chunk:
        raise Refused(403, "AccessDenied")

    api.read = refused  # type: ignore[method-assign]
    folder = Container("b/cv/", None, None, details={"bucket": "b", "prefix": "cv/", "objects": 1})
    got = asyncio.run(
        objread.sample_objects(api, None, SERVICE, folder, 10, FileBounds())  # type: ignore[arg-type]
    )
    assert got.error is not None and got.error.startswith("cv/j***@g***")
    assert "jane.doe" not in got.error
