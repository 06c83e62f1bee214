"""Full reads that the server never ends, over HTTP: an Elasticsearch scroll and a point in
time that keep sending new hits, an S3 listing of ever new pages and an object whose ranged
reads never end. Each read stops past twice what the store counted or listed when it began
(and a few pages), with one line of reason, what it counted kept in the report; the scan
ends in time, with no traceback, having sent only requests of the kinds' allow-lists.
(MongoDB's endless cursor is in test_hostile_cursor.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest

from leakhound.probes.elasticsearch import ALLOW as ELASTICSEARCH
from leakhound.probes.objects.read import CHUNK, LISTING_GROWTH, LISTING_SLACK_PAGES
from leakhound.probes.s3 import ALLOW as S3
from leakhound.scanner.full import GROWTH, SLACK_PAGES

from . import audited
from . import servers as S
from .audited import Scan
from .buckets import CASES_CSV, FakeS3

WALL_BOUND = 90.0  # seconds: a correctness bound, not a benchmark
DOCS = 50  # what the cluster counts
PAGE = 1000  # the full read's default page
SLICES = 2  # the full read's default partitions
OBJECTS = 20  # --max-objects: the inventory lists this much of the endless bucket
LISTING_PAGE = 1000  # keys S3 gives a page
READ_OBJECTS = 3  # objects of the endless bucket that hold records (the rest are missing)
BOUND = GROWTH * DOCS + SLACK_PAGES * PAGE


def _hits(after: int, size: int) -> list[dict[str, Any]]:
    return [
        {
            "_index": "cases",
            "_id": str(n),
            "_source": {"email": f"user{n}@example.com"},
            "sort": [n],
        }
        for n in range(after + 1, after + 1 + size)
    ]


class EndlessCluster(S.FakeElasticsearch):
    """A cluster that counts 50 documents in its index, then pages new hits for ever: by
    scroll (a 7.9 cluster) or by point in time (7.17), its count then without a total."""

    def __init__(self, version: str) -> None:
        docs = [{"email": f"user{n}@example.com"} for n in range(DOCS)]
        super().__init__(
            [S.FakeIndex("cases", count=DOCS, docs=docs, row={"docs.count": str(DOCS)})],
            root={**S.ES_ROOT, "version": {**S.ES_ROOT["version"], "number": version}},
        )
        self.sent = 0

    def _page(self, size: int) -> list[dict[str, Any]]:
        hits = _hits(self.sent, size)
        self.sent += size
        return hits

    def route(self, req: S.Request) -> tuple[int, bytes]:
        path, query = req.path, parse_qs(urlsplit(req.target).query)
        body = req.json() or {}
        if req.method == "DELETE":
            return 200, b'{"succeeded": true}'
        if path == "/cases/_pit":
            return 200, b'{"id": "P"}'
        if path == "/_search" and "pit" in body:
            if body.get("size") == 0:  # the count: none (hits.total left out)
                return 200, b'{"_shards": {"total": 1, "failed": 0}, "hits": {"hits": []}}'
            return 200, orjson.dumps({"pit_id": "P", "hits": {"hits": self._page(body["size"])}})
        if path == "/cases/_search" and "scroll" in query:
            return 200, orjson.dumps({"_scroll_id": "S", "hits": {"hits": self._page(PAGE)}})
        if path == "/_search/scroll":
            return 200, orjson.dumps({"_scroll_id": "S", "hits": {"hits": self._page(PAGE)}})
        return super().route(req)


def _bucket() -> FakeS3:
    """A bucket listing a new page of new keys for ever, three of them CSV files."""
    s3 = FakeS3("endless-pages")
    s3.objects = {f"p000000000/{n:04d}.csv": CASES_CSV for n in range(READ_OBJECTS)}
    return s3


class EndlessObject(FakeS3):
    """A bucket of a small CSV file, as listed, whose ranged reads never end (every range
    asked for is answered whole with more rows, of a size the store does not say), and an
    honest one listed after it."""

    HEAD, ROW = b"id,note\n", b"1," + b"x" * 197 + b"\n"
    TAIL_ROWS = 30

    def __init__(self) -> None:
        super().__init__("")
        self.objects = {
            "big/notes.csv": self.HEAD + self.ROW * 20,
            "big/tail.csv": self.HEAD + self.ROW * self.TAIL_ROWS,
        }

    async def answer(self, conn: S.Conn, req: S.Request) -> bool:
        path = urlsplit(req.target).path
        if req.method != "GET" or "range" not in req.headers or not path.endswith("notes.csv"):
            return await super().answer(conn, req)
        start, _, end = req.headers["range"].removeprefix("bytes=").partition("-")
        lo, hi = int(start), int(end)
        body = ((self.HEAD if lo == 0 else b"") + self.ROW * ((hi - lo) // len(self.ROW) + 1))[
            : hi - lo + 1
        ]
        await conn.reply(
            206, body, content_type="text/csv", headers={"Content-Range": f"bytes {lo}-{hi}/*"}
        )
        return True


ES_CASES = {"scroll": "7.9.3", "pit-without-a-total": "7.17.0"}


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scan]:
    """Every endless server, read in full in one run of the CLI."""
    tmp = tmp_path_factory.mktemp("hostile-endless")
    with S.ServerLoop() as loop:
        ports = {name: loop.serve(EndlessCluster(v)) for name, v in ES_CASES.items()}
        ports["s3"] = loop.serve(_bucket().handler())
        ports["s3-endless-object"] = loop.serve(EndlessObject().handler())
        targets = [
            *(f"http://127.0.0.1:{ports[name]}" for name in ES_CASES),
            f"s3://b@127.0.0.1:{ports['s3']}",
            f"s3://b@127.0.0.1:{ports['s3-endless-object']}",
        ]
        full = ["--depth", "full", "--max-objects", str(OBJECTS)]
        deadlines = ["--read-timeout", "5", "--timeout", "10"]
        yield audited.scan(audited.scan_argv(targets, tmp / "f.db", *full, *deadlines), ports)


def test_the_scan_ends_in_time_without_a_traceback(scan: Scan) -> None:
    assert scan.exit_status in (0, 1), scan.stderr
    assert "Traceback" not in scan.stderr
    assert scan.wall < WALL_BOUND


@pytest.mark.parametrize("name", list(ES_CASES))
def test_a_search_that_never_ends_stops_past_twice_the_count_and_keeps_what_it_counted(
    scan: Scan, name: str
) -> None:
    result = scan.by_name[name]
    assert result["service"]["verdict"] == "open"
    (index,) = result["indices"]
    full = index["full"]
    counted = audited.stopped_after(full, DOCS)
    assert BOUND < counted <= BOUND + SLICES * PAGE  # each slice, one page past it at most
    assert {p["entity_type"]: p["docs"] for p in full["pii"]}.get("EMAIL_ADDRESS") == counted


def test_a_listing_that_never_ends_stops_past_twice_what_the_inventory_listed(
    scan: Scan,
) -> None:
    result = scan.by_name["s3"]
    assert result["service"]["verdict"] == "open"
    assert "--max-objects" in (result["inventory_error"] or "")
    (folder,) = [c for c in result["indices"] if c.get("full")]
    full = folder["full"]
    m = re.fullmatch(
        rf"stopped after listing ([\d,]+) objects: more than twice the {OBJECTS} of "
        r"--max-objects, where the inventory stopped listing \(a larger --max-objects reads "
        r"further\)",
        full["error"],
    )
    assert m, full["error"]
    listed = int(m.group(1).replace(",", ""))
    most = LISTING_GROWTH * OBJECTS + LISTING_SLACK_PAGES * LISTING_PAGE
    assert most < listed <= most + LISTING_PAGE
    # The records of the files read before the stop are counted and kept.
    assert full["complete"] is False and full["docs"] == READ_OBJECTS * 200


def test_an_object_that_never_ends_stops_past_twice_its_listed_size_and_the_rest_is_read(
    scan: Scan,
) -> None:
    result = scan.by_name["s3-endless-object"]
    (folder,) = [c for c in result["indices"] if c.get("full")]
    full = folder["full"]
    listed = len(EndlessObject().objects["big/notes.csv"])
    m = re.fullmatch(
        rf"stopped reading 'big/notes.csv' after ([\d,]+) bytes: more than twice the "
        rf"{listed:,} the listing gave it \(an object growing this fast, or a server that "
        r"does not end it\)",
        full["error"],
    )
    assert m, full["error"]
    read = int(m.group(1).replace(",", ""))
    assert LISTING_GROWTH * listed + CHUNK < read <= LISTING_GROWTH * listed + 2 * CHUNK
    # Every row of what was read is counted and kept, and the object after it read whole.
    assert full["complete"] is False
    endless = (read - len(EndlessObject.HEAD)) // len(EndlessObject.ROW)
    assert full["docs"] == endless + EndlessObject.TAIL_ROWS


def test_only_allow_listed_requests_reached_the_servers(scan: Scan) -> None:
    allow = {"elasticsearch": ELASTICSEARCH, "s3": S3}
    sent = [r for r in scan.sent if r.kind in allow]
    assert {r.kind for r in sent} == set(allow)
    assert all(allow[r.kind].allows(r.method, r.target) for r in sent)
