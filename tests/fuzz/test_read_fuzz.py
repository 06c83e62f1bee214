"""The full-depth reader's parsers over arbitrary answers: a value or a NetError, nothing else."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from leakhound.errors import NetError, ProtocolError
from leakhound.models import Fingerprint
from leakhound.net import Response
from leakhound.probes.elasticsearch.read import (
    PIT_ELASTIC,
    PIT_OPENSEARCH,
    SCROLL,
    _body,
    _hits,
    _shards,
    _slices,
    _total,
    read_method,
)

from .budget import budget

FAST = budget(1000)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
KEYS = st.sampled_from(
    [
        "hits",
        "total",
        "value",
        "_shards",
        "pit_id",
        "_scroll_id",
        "error",
        "reason",
        "type",
        "_source",
        "sort",
        "id",
    ]
) | st.text(max_size=8)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=30,
)


@FAST
@given(
    status=st.integers(100, 599), body=st.one_of(JSON.map(orjson.dumps), st.binary(max_size=200))
)
def test_body_is_a_dict_or_a_net_error(status: int, body: bytes) -> None:
    resp = Response(status, {}, body, "http://127.0.0.1:9200/_search")
    try:
        parsed = _body(resp, "search")
    except NetError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(parsed, dict) and status == 200


@FAST
@given(body=st.dictionaries(KEYS, JSON, max_size=6))
def test_counts_and_hits_never_raise_anything_else(body: dict[str, Any]) -> None:
    shards = _shards(body)
    assert isinstance(shards, int) and 1 <= shards < 100_000
    total = _total(body)
    assert total is None or (isinstance(total, int) and not isinstance(total, bool))
    try:
        hits = _hits(body)
    except ProtocolError:
        return
    assert all(isinstance(h, dict) for h in hits)


@FAST
@given(
    product=st.sampled_from(["elasticsearch", "opensearch", "unknown"]),
    version=st.none()
    | st.text(max_size=12)
    | st.from_regex(r"\d{1,2}\.\d{1,2}\.\d", fullmatch=True),
    compat=st.booleans(),
)
def test_read_method_is_always_one_of_three(
    product: str, version: str | None, compat: bool
) -> None:
    method = read_method(Fingerprint(product=product, version=version, compatibility_mode=compat))
    assert method in (SCROLL, PIT_OPENSEARCH, PIT_ELASTIC)
    if method != SCROLL:  # PIT only where the version proves it: 5.x/6.x "_pit" would write
        assert version is not None and int(version.split(".")[0]) >= 2


@FAST
@given(wanted=st.integers(-5, 500), shards=st.integers(1, 200))
def test_slices_are_a_multiple_of_the_shards(wanted: int, shards: int) -> None:
    n = _slices(wanted, shards)
    assert n % shards == 0 and n >= max(1, wanted) and n >= shards


# MongoDB: the cursor reader over arbitrary find/getMore replies.
_IDS = st.one_of(
    st.integers(-(2**63), 2**63 - 1), st.text(max_size=6), st.none(), st.booleans(), st.floats()
)
_DOCS = st.lists(
    st.one_of(st.fixed_dictionaries({"_id": _IDS}, optional={"x": JSON}), JSON), max_size=5
)
_CURSOR_IDS = st.one_of(
    st.just(0), st.just(7), st.integers(-(2**63), 2**63 - 1), st.booleans(), st.text(max_size=3)
)
_REPLIES = st.lists(
    st.one_of(
        st.builds(
            lambda key, cid, docs: {"cursor": {"id": cid, key: docs}, "ok": 1},
            st.sampled_from(["firstBatch", "nextBatch", "batch"]),
            _CURSOR_IDS,
            _DOCS,
        ),
        st.dictionaries(st.sampled_from(["cursor", "ok", "id", "nextBatch"]), JSON, max_size=3),
    ),
    max_size=8,
)


class _Replies:
    """A connection answering the reader's commands with the next of ``replies``."""

    def __init__(self, replies: list[dict[str, Any]]) -> None:
        self.replies = list(replies)
        self.sent: list[str] = []
        self.stream = type("Stream", (), {"closed": False})()
        self.reply_bytes = 100

    async def run(
        self, db: str, command: dict[str, Any], *, wait: float | None = None
    ) -> dict[str, Any]:
        self.sent.append(next(iter(command)))
        if not self.replies:
            raise ProtocolError("no more replies")
        return self.replies.pop(0)

    async def close(self) -> None:
        return None


@FAST
@given(replies=_REPLIES)
def test_the_cursor_reader_gives_pages_or_one_net_error(replies: list[dict[str, Any]]) -> None:
    import asyncio

    from leakhound.models import Endpoint
    from leakhound.net import Limits, Transport
    from leakhound.probes.mongodb.read import MongodbReader, _CursorPages

    conn = _Replies(replies)
    reader = MongodbReader(Transport(Limits(max_body=64 * 1024)), Endpoint("127.0.0.1", 1))

    async def go() -> None:
        pages = _CursorPages(reader, ("db", "c"), None, 5)
        pages.conn = conn  # type: ignore[assignment]
        try:
            for _ in range(len(replies) + 1):
                page = await pages.next_page()
                if page is None:
                    break
                assert 1 <= len(page.docs) <= 5 and isinstance(page.position, dict)
        except NetError as exc:
            assert "\n" not in str(exc)
        finally:
            await pages.close()

    asyncio.run(go())
    assert conn.sent.count("find") <= 1  # a new cursor only when the pipeline asks again
