"""Reading one slice: pages that some shards did not answer are never counted as whole."""

from __future__ import annotations

import pytest

from leakhound.probes.elasticsearch_read import PIT_OPENSEARCH


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

    from leakhound.probes.elasticsearch_read import ReadPlan, SliceReader, next_page

    plan = ReadPlan(method, "cases", 1, 1, "P", total=10)
    reader = SliceReader(server, "http://h:1", plan, 0,  # type: ignore[arg-type]
                         size=10, keep_alive="1m")

    async def read_all() -> int:
        docs = 0
        while (page := await next_page(reader)) is not None:
            docs += len(page.docs)
        return docs

    return asyncio.run(read_all())


def test_a_page_some_shards_did_not_answer_is_asked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from leakhound.probes import elasticsearch_read

    monkeypatch.setattr(elasticsearch_read.asyncio, "sleep", _no_sleep)
    server = _PartialPages(failures=1, reason="node_disconnected_exception")
    assert _read_slice(server, PIT_OPENSEARCH) == 10  # the 6-hit partial page was not kept


def test_a_shard_that_keeps_failing_fails_the_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    from leakhound.probes import elasticsearch_read
    from leakhound.probes.elasticsearch_read import ShardFailure

    monkeypatch.setattr(elasticsearch_read.asyncio, "sleep", _no_sleep)
    with pytest.raises(ShardFailure, match="1 of 3 shards failed"):
        _read_slice(_PartialPages(failures=99, reason="node_disconnected_exception"),
                    PIT_OPENSEARCH)


def test_a_scroll_page_with_a_failed_shard_is_not_asked_again() -> None:
    from leakhound.probes.elasticsearch_read import SCROLL, ShardFailure

    server = _PartialPages(failures=1, reason="node_disconnected_exception")
    with pytest.raises(ShardFailure):
        _read_slice(server, SCROLL)
    assert server.calls == 1  # the scroll moved on: asking again would skip the page


def test_a_shard_whose_context_is_gone_loses_the_context() -> None:
    from leakhound.probes.elasticsearch_read import ContextGone

    server = _PartialPages(failures=1, reason="search_context_missing_exception")
    with pytest.raises(ContextGone):
        _read_slice(server, PIT_OPENSEARCH)


async def _no_sleep(seconds: float) -> None:
    return None
