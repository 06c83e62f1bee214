"""A cluster whose ``index.hidden`` settings time out, are no JSON object or are refused
(any status but 200): every index is
still listed and counted, only which of them are hidden is unknown. That is a note on a whole
listing (``inventory_note``), never "inventory incomplete": no report, no watch alert reads
its figures as "at least"."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest
from rich.console import Console

from hostile.recorded import Answer, RecordedServer, Seen, as_json
from leakhound.cli import main
from leakhound.models import Endpoint, Fingerprint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.base import Inventory
from leakhound.probes.elasticsearch.probe import ElasticsearchProbe
from leakhound.report import html, markdown, terminal
from leakhound.store import SqliteStore
from leakhound.watch import Rules, evaluate

INDICES = {"customers": 3, "orders": 2}
SHARDS = {"total": 1, "successful": 1, "failed": 0}
ROOT = {
    "name": "node-1",
    "cluster_name": "shop",
    "cluster_uuid": "LtlAQrjYTtCahDiENVAl7A",
    "version": {"distribution": "opensearch", "number": "2.19.1"},
    "tagline": "The OpenSearch Project: https://opensearch.org/",
}
HIDDEN = "which indices are hidden is unknown"
UNKNOWN = f"{HIDDEN} (index.hidden settings: "
RULES = Rules(remind=3600, remind_max=4 * 3600, count_jump=0.5, count_jump_min=100, cert_days=14)


class Cluster:
    """An open cluster of ``INDICES`` whose ``/_all/_settings/index.hidden`` answers as
    ``settings`` says: after the client gave up (``timeout``), with a page that is not
    JSON (``not-json``), with JSON that is no object of settings (``not-an-object``), asking
    for credentials the listing did not ask for (``forbidden``), or with a proxy's 404 for a
    path it does not pass on (``not-passed``)."""

    def __init__(self, settings: str, indices: dict[str, int] = INDICES) -> None:
        self.settings, self.indices = settings, indices
        self.released = threading.Event()  # the stalled answer goes once the test is done

    def route(self, seen: Seen) -> Answer:
        parts = [unquote(p) for p in seen.path.strip("/").split("/") if p]
        if not parts:
            return as_json(200, ROOT)
        if parts == ["_cat", "indices"]:
            rows = [
                {"index": i, "health": "green", "status": "open", "docs.count": str(n)}
                for i, n in self.indices.items()
            ]
            return as_json(200, rows)
        if parts == ["_all", "_settings", "index.hidden"]:
            if self.settings == "timeout":
                self.released.wait(30)
                return as_json(200, {})
            if self.settings == "forbidden":  # _cat/indices open, the settings API not
                return as_json(403, {"error": {"type": "security_exception"}, "status": 403})
            if self.settings == "not-passed":
                return Answer(404, b"<html>404 Not Found</html>", {"content-type": "text/html"})
            if self.settings == "not-an-object":  # JSON, but no index's settings in it
                return as_json(200, [{"customers": {"settings": {"index.hidden": "true"}}}])
            return Answer(200, b"<html><p>maintenance</p></html>", {"content-type": "text/html"})
        if parts == ["_search"]:
            return as_json(200, {"hits": {"total": {"value": 5}, "hits": []}, "_shards": SHARDS})
        if parts[0] not in INDICES or len(parts) < 2:
            return as_json(404, {"error": {"type": "index_not_found_exception"}, "status": 404})
        n = INDICES[parts[0]]
        if parts[1] == "_count":
            return as_json(200, {"count": n})
        if parts[1] == "_mapping":
            return as_json(200, {parts[0]: {"mappings": {"properties": {"n": {"type": "long"}}}}})
        hits = [{"_id": str(k), "_source": {"n": k}} for k in range(n)]
        return as_json(200, {"hits": {"total": {"value": n}, "hits": hits}, "_shards": SHARDS})


def serve(settings: str, indices: dict[str, int] = INDICES) -> Iterator[RecordedServer]:
    cluster = Cluster(settings, indices)
    try:
        with RecordedServer(cluster.route) as server:
            yield server
    finally:
        cluster.released.set()


@pytest.fixture(params=["timeout", "not-json", "not-an-object", "forbidden", "not-passed"])
def server(request: pytest.FixtureRequest) -> Iterator[RecordedServer]:
    yield from serve(request.param)


@pytest.fixture
def stalled() -> Iterator[RecordedServer]:
    yield from serve("timeout")


def test_unknown_hidden_indices_are_a_note_on_a_whole_listing(server: RecordedServer) -> None:
    got = asyncio.run(_inventory(server))
    assert sorted((c.name, c.docs) for c in got.containers) == sorted(INDICES.items())
    assert got.error is None, got.error
    assert got.note is not None and got.note.startswith(UNKNOWN), got.note


@pytest.mark.parametrize(("settings", "status"), [("forbidden", 403), ("not-passed", 404)])
def test_settings_refused_say_their_status_and_mark_no_index_hidden(
    settings: str, status: int
) -> None:
    # Any status but 200 once marked no index hidden without a word, as if none were.
    for server in serve(settings):
        got = asyncio.run(_inventory(server))
        assert got.note == f"{UNKNOWN}HTTP {status})", got.note
        assert got.error is None, got.error
        assert not any(c.hidden for c in got.containers)


@pytest.mark.parametrize("settings", ["forbidden", "not-passed", "not-json"])
def test_a_cluster_that_hides_no_index_has_nothing_unknown_to_note(settings: str) -> None:
    # Elasticsearch before 7.7 has no index.hidden: settings refused by its proxy (the lab's
    # partial nginx in front of a 6.8) said which indices are hidden is unknown, of a cluster
    # where no index can be.
    for server in serve(settings):
        old = asyncio.run(_inventory(server, Fingerprint("elasticsearch", "6.8.23")))
        assert old.note is None and old.error is None, (old.note, old.error)
        assert sorted((c.name, c.docs) for c in old.containers) == sorted(INDICES.items())
        new = asyncio.run(_inventory(server, Fingerprint("elasticsearch", "7.17.0")))
        assert new.note is not None and new.note.startswith(UNKNOWN), new.note


@pytest.mark.parametrize("settings", ["forbidden", "not-json"])
def test_a_cluster_listing_no_index_has_nothing_unknown_to_note(settings: str) -> None:
    # No index to mark: which of none is hidden is not unknown, and its settings are not asked.
    for server in serve(settings, indices={}):
        got = asyncio.run(_inventory(server))
        assert got.containers == () and got.note is None and got.error is None, got
        assert not any("_settings" in seen.path for seen in server.received)


OPENSEARCH = Fingerprint("opensearch", "2.19.1")


async def _inventory(server: RecordedServer, fp: Fingerprint = OPENSEARCH) -> Inventory:
    scope = Scope({("127.0.0.1", server.port)})
    async with Transport(Limits(read_timeout=1, total_timeout=5), scope) as transport:
        ep = Endpoint("127.0.0.1", server.port)
        service = Service(ep, ep.url("http"), "elasticsearch", Verdict.OPEN, "open", fp)
        return await ElasticsearchProbe().inventory(transport, service, max_containers=10)


def test_a_scan_whose_hidden_settings_time_out_is_whole_in_json_reports_and_watch(
    stalled: RecordedServer, tmp_path: Path
) -> None:
    db, out = tmp_path / "f.db", tmp_path / "scan.json"
    main(
        [
            "scan",
            f"127.0.0.1:{stalled.port}",
            "--kinds",
            "elasticsearch",
            "--db",
            str(db),
            "--format",
            "json",
            "--output",
            str(out),
            "--read-timeout",
            "1",
            "--timeout",
            "5",
        ]
    )
    doc = json.loads(out.read_text())
    schema = json.loads(
        resources.files("leakhound").joinpath("schema/scan-result.schema.json").read_text()
    )
    jsonschema.Draft202012Validator(schema).validate(doc)
    (result,) = doc["results"]
    assert sorted(i["index"]["name"] for i in result["indices"]) == sorted(INDICES)
    assert result["inventory_error"] is None
    assert result["inventory_note"].startswith(UNKNOWN), result["inventory_note"]

    # The store keeps the note apart; the reports say it as a note, not "incomplete".
    with SqliteStore(db) as store:
        scan = store.load(doc["scan_id"])
    (stored,) = scan.results
    assert stored.inventory_error is None
    assert stored.inventory_note == result["inventory_note"]
    buf = io.StringIO()
    terminal.render(scan, Console(file=buf, width=400, force_terminal=False))
    for text in (buf.getvalue(), markdown.render(scan)):
        assert "incomplete" not in text.lower(), text
        assert f"nventory note: {HIDDEN}" in text, text  # Markdown escapes the brackets
    page = html.render(scan)
    assert "Not counted" not in page and "Inventory notes" in page

    # Watch counts the indices as they are: all of them, not "at least".
    alert = evaluate(scan, {}, datetime(2026, 1, 5, 12, 0, tzinfo=UTC), RULES).alerts[0]
    text = "\n".join(alert.lines())
    assert "at least" not in alert.title and "at least" not in text, text
    assert "open opensearch store" in alert.title and " 2 indices" in alert.title, alert.title
    assert "inventory_incomplete" not in alert.evidence
    assert alert.evidence["inventory_note"].startswith(UNKNOWN)
    assert f"inventory note: {UNKNOWN}" in text
