"""The Elasticsearch probe's parsers over arbitrary JSON: no exception, bounded, storable output."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from leakhound import compromise, net
from leakhound.errors import ConnectError, NetError, ProtocolError, TimeoutError_, TooLargeError
from leakhound.models import ContainerResult, Endpoint, Service, TargetResult, Verdict
from leakhound.probes.elasticsearch import ElasticsearchProbe
from leakhound.probes.elasticsearch.probe import (
    MAX_FIELD_PATH,
    MAX_FIELDS,
    flatten_mapping,
    main_date_field,
    parse_root,
)
from leakhound.store import SqliteStore

from .budget import budget
from .strategies import SCALARS, json_trees

FAST = budget(1000)

HINTS = st.sampled_from(
    [
        "properties",
        "type",
        "date",
        "nested",
        "keyword",
        "version",
        "number",
        "distribution",
        "opensearch",
        "tagline",
        "You Know, for Search",
        "The OpenSearch Project",
        "lucene_version",
        "index",
        "health",
        "status",
        "docs.count",
        "store.size",
        "count",
        "mappings",
        "settings",
        "index.hidden",
        "true",
        "hits",
        "_source",
        "aggregations",
        "min",
        "max",
        "value_as_string",
        "@timestamp",
        "created_at",
        "meow",
        "read_me",
        "bitcoin",
        "recover",
        "²",
        "9" * 30,
        "\x1b[2J",
        "<script>",
    ]
)
KEYS = HINTS | st.text(max_size=12)
JSON = json_trees(HINTS, KEYS, width=4, leaves=16)
SMALL_JSON = json_trees(HINTS, KEYS, width=3, leaves=6)


@FAST
@given(JSON)
def test_parse_root_never_raises_and_bounds_what_it_keeps(body: Any) -> None:
    fp = parse_root(body)
    if fp is None:
        return
    assert fp.product in ("elasticsearch", "opensearch")
    for text in (fp.version, fp.cluster_name, fp.cluster_uuid, fp.node_name, fp.tagline):
        assert text is None or (isinstance(text, str) and len(text) <= 200)


@st.composite
def _mapping(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for _ in range(draw(st.integers(0, 3))):
        name = draw(KEYS)
        if depth < 3 and draw(st.booleans()):
            props[name] = {
                "type": draw(st.sampled_from(["nested", "object", 5, None])),
                "properties": draw(_mapping(depth + 1)),
            }
        else:
            props[name] = draw(
                st.dictionaries(KEYS, SMALL_JSON, max_size=3)
                | st.fixed_dictionaries({"type": HINTS | SCALARS})
            )
    return props


MAPPINGS = (
    JSON
    | _mapping().map(lambda p: {"properties": p})
    | _mapping().map(lambda p: {"doc": {"properties": p}})
)


@FAST
@given(MAPPINGS)
@example(
    {
        "properties": {
            "p" * 300_000: {"properties": {f"f{i}": {"type": "keyword"} for i in range(2000)}}
        }
    }
)
def test_flatten_mapping_never_raises_and_stays_bounded(mapping: Any) -> None:
    fields = flatten_mapping(mapping)
    assert len(fields) <= MAX_FIELDS
    for f in fields:
        assert isinstance(f.path, str) and isinstance(f.type, str)
        assert len(f.path) <= MAX_FIELD_PATH
    date = main_date_field(fields)
    assert date is None or date in {f.path for f in fields}


@FAST
@given(st.text(max_size=300) | HINTS)
def test_compromise_by_name_never_raises(name: str) -> None:
    for reason in compromise.by_name(name):
        assert isinstance(reason, str) and "\n" not in reason


@FAST
@given(JSON)
# Regression: the single "coin.*ask|ask.*coin" pattern took ~2 s on this document.
@example({"t": "pay " * 5000})
@example({"k": ["bitcoin " * 50] * 50})
def test_ransom_text_never_raises_and_is_fast(doc: Any) -> None:
    start = time.monotonic()
    assert compromise.ransom_text(doc) in (True, False)
    assert time.monotonic() - start < 0.2


def test_ransom_text_still_reads_a_note_in_either_order() -> None:
    assert compromise.ransom_text({"m": "Pay 0.1 BTC to recover your data"})
    assert compromise.ransom_text({"m": ["Send bitcoin", "and we restore everything"]})
    assert not compromise.ransom_text({"m": "Customer asked to recover a deleted invoice."})
    assert not compromise.ransom_text({"m": "bitcoins are up"})


# --------------------------------------------------------------------------- whole probe

FAILURES = st.sampled_from(
    [
        ConnectError("connection refused"),
        TimeoutError_("slow"),
        ProtocolError("garbage"),
        TooLargeError("big"),
    ]
)
ROWS = st.lists(
    st.fixed_dictionaries(
        {"index": st.sampled_from(["logs", "a-meow", ".sys", "_x", "read_me"]) | KEYS | SCALARS},
        optional={
            "health": SMALL_JSON,
            "status": SMALL_JSON,
            "docs.count": SMALL_JSON,
            "store.size": SMALL_JSON,
        },
    ),
    max_size=5,
)
BODIES = (
    SMALL_JSON.map(orjson.dumps)
    | ROWS.map(orjson.dumps)
    | st.binary(max_size=40)
    | st.just(b'{"count": 18446744073709551615}')
)
ANSWER = (
    st.tuples(st.sampled_from([200, 200, 200, 301, 400, 401, 403, 404, 500]), BODIES) | FAILURES
)


class FakeHttp:
    """Stands in for net.Http: each API answers what hypothesis drew for it."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers

    async def get(self, url: str, allow: net.AllowList, **kw: Any) -> net.Response:
        return await self.request("GET", url, allow, **kw)

    async def request(self, method: str, url: str, allow: net.AllowList, **kw: Any) -> net.Response:
        path = urlsplit(url).path
        assert allow.allows(method, path), (method, path)
        api = next(
            (
                a
                for a in ("_cat/indices", "_settings", "_count", "_mapping", "_search")
                if a in path
            ),
            "/",
        )
        answer = self.answers[api]
        if isinstance(answer, NetError):
            raise answer
        status, body = answer
        headers = {"location": "http://169.254.169.254/"} if status == 301 else {}
        if status == 401:
            headers = {"www-authenticate": 'Basic realm="\x1b[2J"'}
        return net.Response(status, headers, body, url)


async def _no_tcp(*_: Any, **__: Any) -> Any:
    raise ConnectError("connection refused")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SqliteStore, str]]:
    """One findings database for every generated result: each must be storable."""
    with SqliteStore(Path(tmp_path_factory.mktemp("fuzzdb")) / "f.db") as db:
        yield db, db.begin_scan(["fuzz"], {})


ROOT = orjson.dumps({"version": {"number": "7.17.0"}, "tagline": "You Know, for Search"})


@FAST
@given(
    answers=st.fixed_dictionaries(
        {k: ANSWER for k in ("/", "_cat/indices", "_settings", "_count", "_mapping", "_search")}
    ),
    fingerprints=st.booleans(),
)
# Regression: each of these broke the inventory ("internal error") or, for the count, the
# whole scan (SQLite INTEGER overflow while storing the result).
@example(
    answers={
        "/": (200, ROOT),
        "_cat/indices": (200, b'[{"index": "a", "store.size": "\xc2\xb2"}]'),
        "_settings": (200, b"{}"),
        "_count": (200, b'{"count": 18446744073709551615}'),
        "_mapping": (200, b"{}"),
        "_search": (200, b"{}"),
    },
    fingerprints=True,
)
@example(
    answers={
        "/": (200, ROOT),
        "_cat/indices": (200, b'[{"index": "a", "health": ' + b"[" * 1000 + b"]" * 1000 + b"}]"),
        "_settings": (
            200,
            b'{"a": {"settings": {"index.hidden": ' + b"[" * 1000 + b"]" * 1000 + b"}}}",
        ),
        "_count": (200, b'{"count": 1}'),
        "_mapping": (200, b"{}"),
        "_search": (200, b"{}"),
    },
    fingerprints=True,
)
def test_probe_never_raises_and_its_results_are_storable(
    store: tuple[SqliteStore, str], answers: dict[str, Any], fingerprints: bool
) -> None:
    if fingerprints:  # a root that fingerprints, so that the inventory is reached
        answers = {**answers, "/": (200, ROOT)}
    # A fuzzed root that fails over plain http makes the probe ask who is there over TCP:
    # nothing listens for that here.
    probe = ElasticsearchProbe()
    http = SimpleNamespace(http=FakeHttp(answers), tcp=_no_tcp)

    async def go() -> TargetResult:
        service = await probe.verdict(http, Endpoint("127.0.0.1", 9200))  # type: ignore[arg-type]
        if service.verdict not in (Verdict.OPEN, Verdict.PARTIAL):
            return TargetResult(service)
        inv = await probe.inventory(http, service, max_containers=3)  # type: ignore[arg-type]
        results = []
        for index in inv.containers:
            got = await probe.sample(http, service, index, 5)  # type: ignore[arg-type]
            results.append(ContainerResult(compromise.flag_sample(index, got.docs)))
        return TargetResult(service, tuple(results), inv.error, inv.truncated)

    result = asyncio.run(go())
    assert isinstance(result.service, Service)
    assert "\n" not in result.service.reason and len(result.service.reason) <= 600
    for ir in result.containers:
        idx = ir.container
        assert idx.docs is None or 0 <= idx.docs < 2**63
        assert idx.store_bytes is None or 0 <= idx.store_bytes < 2**63
        for text in (idx.date_min, idx.date_max):
            assert text is None or (text.isprintable() and "<" not in text)
    db, scan_id = store
    db.record(scan_id, result)
