"""Reading one slice: pages that some shards did not answer are never counted as whole."""

from __future__ import annotations

import pytest

from leakhound.models import Fingerprint
from leakhound.probes.elasticsearch.read import (
    PIT_ELASTIC,
    PIT_OPENSEARCH,
    SCROLL,
    _slices,
    read_method,
)


class _PartialPages:
    """A server whose shard 2 of 3 fails for the first ``failures`` page requests."""

    def __init__(self, failures: int, reason: str) -> None:
        self.failures, self.reason, self.calls = failures, reason, 0

    async def request(self, method: str, url: str, allow: object, **kw: object) -> object:
        import orjson

        from leakhound.net import Response

        self.calls += 1
        failed = 1 if self.calls <= self.failures else 0
        shards = {"total": 3, "successful": 3 - failed, "failed": failed}
        if failed:
            shards["failures"] = [{"shard": 2, "reason": {"type": self.reason}}]
        hits = [{"_source": {"a": n}, "sort": [n]} for n in range(10 if not failed else 6)]
        if self.calls > self.failures + 1:
            hits = []
        body = {"pit_id": "P", "_scroll_id": "S", "_shards": shards, "hits": {"hits": hits}}
        return Response(200, {}, orjson.dumps(body), url)


def _read_slice(server: _PartialPages, method: str) -> int:
    import asyncio

    from leakhound.probes.base import ReadPlan
    from leakhound.probes.elasticsearch.read import SliceReader
    from leakhound.scanner.full import next_page

    plan = ReadPlan("cases", 1, method, {"method": method, "pit": "P"}, total=10)
    reader = SliceReader(
        server,
        "http://h:1",
        plan,
        0,  # type: ignore[arg-type]
        size=10,
        keep_alive="1m",
    )

    async def read_all() -> int:
        docs = 0
        while (page := await next_page(reader)) is not None:
            docs += len(page.docs)
        return docs

    return asyncio.run(read_all())


def test_a_page_some_shards_did_not_answer_is_asked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from leakhound.scanner import full

    monkeypatch.setattr(full.asyncio, "sleep", _no_sleep)
    server = _PartialPages(failures=1, reason="node_disconnected_exception")
    assert _read_slice(server, PIT_OPENSEARCH) == 10  # the 6-hit partial page was not kept


def test_a_shard_that_keeps_failing_fails_the_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    from leakhound.probes.elasticsearch.read import ShardFailure
    from leakhound.scanner import full

    monkeypatch.setattr(full.asyncio, "sleep", _no_sleep)
    with pytest.raises(ShardFailure, match="1 of 3 shards failed"):
        _read_slice(
            _PartialPages(failures=99, reason="node_disconnected_exception"), PIT_OPENSEARCH
        )


def test_a_scroll_page_with_a_failed_shard_is_not_asked_again() -> None:
    from leakhound.probes.elasticsearch.read import SCROLL, ShardFailure

    server = _PartialPages(failures=1, reason="node_disconnected_exception")
    with pytest.raises(ShardFailure):
        _read_slice(server, SCROLL)
    assert server.calls == 1  # the scroll moved on: asking again would skip the page


def test_a_shard_whose_context_is_gone_loses_the_context() -> None:
    from leakhound.probes.base import PositionExpired

    server = _PartialPages(failures=1, reason="search_context_missing_exception")
    with pytest.raises(PositionExpired):
        _read_slice(server, PIT_OPENSEARCH)


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.mark.parametrize(
    ("fp", "method"),
    [
        (Fingerprint("opensearch", "2.19.1", "opensearch"), PIT_OPENSEARCH),
        (Fingerprint("opensearch", "2.4.0", "opensearch"), PIT_OPENSEARCH),
        (Fingerprint("opensearch", "2.3.0", "opensearch"), SCROLL),
        (Fingerprint("opensearch", "1.3.2", "opensearch"), SCROLL),
        # compatibility mode claims 7.10.2 and hides the real version: never guess a PIT path
        (Fingerprint("opensearch", "7.10.2", None, compatibility_mode=True), SCROLL),
        (Fingerprint("elasticsearch", "7.10.0"), PIT_ELASTIC),
        (Fingerprint("elasticsearch", "8.13.4"), PIT_ELASTIC),
        (Fingerprint("elasticsearch", "7.9.3"), SCROLL),
        (Fingerprint("elasticsearch", "6.8.23"), SCROLL),  # "POST /idx/_pit" would index a doc
        (Fingerprint("unknown", None), SCROLL),
    ],
)
def test_pit_only_where_the_version_has_it(fp: Fingerprint, method: str) -> None:
    assert read_method(fp) == method


@pytest.mark.parametrize(
    ("wanted", "shards", "slices"),
    [(2, 1, 2), (1, 3, 3), (2, 3, 3), (4, 3, 6), (6, 3, 6), (0, 2, 2)],
)
def test_slices_are_a_multiple_of_the_shards(wanted: int, shards: int, slices: int) -> None:
    # _doc is a total order within one shard only: each slice must read one shard.
    assert _slices(wanted, shards) == slices


class _Pager:
    """A stand-in for Http answering every PIT search with one more page (a hostile server)."""

    def __init__(self, repeat: bool) -> None:
        self.repeat = repeat
        self.n = 0

    async def request(self, method: str, url: str, allow: object, **kw: object) -> object:
        import orjson

        from leakhound.net import Response

        self.n += 1
        sort = [1] if self.repeat else [self.n]
        body = {"pit_id": "P", "hits": {"hits": [{"_source": {"a": 1}, "sort": sort}] * 10}}
        return Response(200, {}, orjson.dumps(body), url)


@pytest.mark.parametrize("repeat", [True, False], ids=["same-page-again", "endless-pages"])
def test_a_server_that_pages_forever_is_stopped(repeat: bool) -> None:
    import asyncio

    from leakhound.errors import ProtocolError
    from leakhound.probes.base import ReadPlan
    from leakhound.probes.elasticsearch.read import SliceReader

    plan = ReadPlan("cases", 1, "pit", {"method": PIT_OPENSEARCH, "pit": "P"}, total=50)
    reader = SliceReader(
        _Pager(repeat),
        "http://h:1",
        plan,
        0,  # type: ignore[arg-type]
        size=10,
        keep_alive="1m",
    )

    async def read_all() -> int:
        pages = 0
        while await reader.next_page() is not None:
            pages += 1
            assert pages < 100
        return pages

    with pytest.raises(ProtocolError):
        asyncio.run(read_all())


def test_a_container_resumed_after_its_end_is_read_no_more_and_releases_nothing() -> None:
    # A container read to its end forgets its plan's state (its positions, its point in
    # time): resumed, it is taken from its figures, and its reader's release ("never
    # raises") has nothing to free.
    import asyncio

    from leakhound.models import Container, Endpoint, Fingerprint, Service, Verdict
    from leakhound.probes.base import ReadPlan
    from leakhound.probes.elasticsearch.read import ElasticsearchReader
    from leakhound.scanner.full import LocalExecutor, PartitionState, ReadContext, read_container
    from leakhound.scanner.pacing import Pacer
    from leakhound.scanner.workers import Workers

    class Kept:
        """A sink whose checkpoints say the container was read to its end."""

        def restore(self, container: object) -> object:
            return finished

    asked: list[str] = []

    class Nothing:
        async def request(self, method: str, url: str, allow: object, **kw: object) -> object:
            asked.append(f"{method} {url}")
            raise AssertionError("nothing to ask")

    service = Service(
        Endpoint("127.0.0.1", 9200),
        "http://127.0.0.1:9200",
        "elasticsearch",
        Verdict.OPEN,
        "",
        Fingerprint("opensearch", "2.19.1"),
    )
    reader = ElasticsearchReader(Nothing(), service)  # type: ignore[arg-type]
    plan = ReadPlan.from_json(
        {"container": "cases", "partitions": 2, "method": "pit", "state": None, "total": 10}
    )
    asyncio.run(reader.release(plan, set()))
    finished = (plan, [PartitionState(0, None, True, 5), PartitionState(1, None, True, 5)])
    ctx = ReadContext(None, service, reader, Kept(), Workers(0), Pacer(None), batch=10)  # type: ignore[arg-type]
    stop = asyncio.run(
        read_container(ctx, Container("cases", 10, None), LocalExecutor(), partitions=2)
    )
    assert stop is None and asked == []
