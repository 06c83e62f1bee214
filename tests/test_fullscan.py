"""Full-depth scans without a server: the release-only DELETE rule, tallies, checkpoints."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from leakhound import net
from leakhound.detect import SubjectCounter
from leakhound.fullscan import FullOptions, selected
from leakhound.models import Fingerprint, Index
from leakhound.probes.elasticsearch import ALLOW
from leakhound.probes.elasticsearch_read import (
    PIT_ELASTIC,
    PIT_OPENSEARCH,
    SCROLL,
    _slices,
    read_method,
)
from leakhound.store.sqlite import _MIGRATIONS, SqliteStore
from leakhound.tally import Tally, count_batch, merged, year_of

KEY = b"k" * 32


@pytest.mark.parametrize(("method", "path"), [
    pytest.param("DELETE", "/_search/point_in_time", id="release-opensearch-pit"),
    pytest.param("DELETE", "/_pit", id="release-elasticsearch-pit"),
    pytest.param("DELETE", "/_search/scroll", id="release-scroll"),
    pytest.param("POST", "/cases/_search/point_in_time", id="open-opensearch-pit"),
    pytest.param("POST", "/cases/_pit", id="open-elasticsearch-pit"),
    pytest.param("POST", "/_search/scroll", id="next-scroll-page"),
])
def test_full_read_requests_are_allowed(method: str, path: str) -> None:
    assert ALLOW.allows(method, path)


@pytest.mark.parametrize(("method", "path"), [
    pytest.param("DELETE", "/cases", id="delete-index"),
    pytest.param("DELETE", "/cases/_doc/1", id="delete-document"),
    pytest.param("DELETE", "/cases/_pit", id="pit-under-an-index"),
    pytest.param("DELETE", "/cases/_search/scroll", id="es6-document-delete-shape"),
    pytest.param("DELETE", "/_all", id="delete-all"),
    pytest.param("DELETE", "/_search/point_in_time/_all", id="release-all-pits"),
    pytest.param("PUT", "/_search/scroll", id="put"),
    pytest.param("POST", "/_search/point_in_time", id="pit-without-index"),
])
def test_no_other_delete_or_write_is_allowed(method: str, path: str) -> None:
    assert not ALLOW.allows(method, path)


def test_rules_refuse_delete_outside_release_rules() -> None:
    with pytest.raises(ValueError):
        net.rules("bad", [("DELETE", "/_pit")])
    with pytest.raises(ValueError):
        net.rules("bad", [], releases=[r"/[^/]+"])
    assert net.rules("ok", [], releases=["/_pit"]).allows("DELETE", "/_pit")


@pytest.mark.parametrize(("fp", "method"), [
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
])
def test_pit_only_where_the_version_has_it(fp: Fingerprint, method: str) -> None:
    assert read_method(fp) == method


@pytest.mark.parametrize(("wanted", "shards", "slices"), [
    (2, 1, 2), (1, 3, 3), (2, 3, 3), (4, 3, 6), (6, 3, 6), (0, 2, 2)])
def test_slices_are_a_multiple_of_the_shards(wanted: int, shards: int, slices: int) -> None:
    # _doc is a total order within one shard only: each slice must read one shard.
    assert _slices(wanted, shards) == slices


def _index(name: str, system: bool = False) -> Index:
    return Index(name, 1, None, None, None, system, system)


def test_selection_defaults_to_non_system_indices() -> None:
    assert selected(_index("cases"), ())
    assert not selected(_index(".kibana", system=True), ())
    assert selected(_index("cases-2019"), ("cases-201*",))
    assert not selected(_index("payroll"), ("cases-*",))


@pytest.mark.parametrize(("value", "year"), [
    ("2012-03-04T05:06:07Z", 2012), ("2012-03-04", 2012), (1325376000000, 2012),
    ("1325376000000", 2012), (["2019-01-01"], 2019), ("yesterday", None), (None, None),
    (True, None), ("99999999999999999999999", None),
])
def test_year_of_a_stored_date(value: object, year: int | None) -> None:
    assert year_of(value) == year


DOCS = [
    {"created_at": "2012-01-02T00:00:00Z", "customer": {"email": "jane.doe@gmail.com"},
     "agent_email": "bob@contoso.com"},
    {"created_at": "2013-01-02T00:00:00Z", "customer": {"email": "jane.doe@gmail.com"},
     "agent_email": "bob@contoso.com"},
    {"created_at": "2013-05-02T00:00:00Z", "customer": {"email": "max.mustermann@web.de"},
     "agent_email": "bob@contoso.com"},
]


def test_batches_merge_to_the_whole() -> None:
    whole = Tally.from_bytes(count_batch(DOCS, None, "created_at", 0.5, KEY), KEY)
    parts = merged(KEY, [count_batch(DOCS[:1], None, "created_at", 0.5, KEY),
                         count_batch(DOCS[1:], None, "created_at", 0.5, KEY)])
    for t in (whole, parts):
        assert t.docs == 3
        assert dict(t.years) == {2012: 1, 2013: 2}
        people = t.people()
        assert people is not None
        assert (people.entity_type, people.field) == ("EMAIL_ADDRESS", "customer.email")
        assert people.distinct.estimate == 2 and people.distinct.exact
        email = next(p for p in t.pii() if p.entity_type == "EMAIL_ADDRESS")
        assert email.docs == 3 and email.distinct.estimate == 3
        assert {f.path: f.docs for f in email.fields} == {"customer.email": 3, "agent_email": 3}
        assert set(t.pii_fields()) >= {"customer.email", "agent_email"}


def test_a_tally_holds_no_raw_value_and_round_trips() -> None:
    blob = count_batch(DOCS, None, "created_at", 0.5, KEY)
    assert b"jane" not in blob and b"gmail" not in blob
    again = Tally.from_bytes(Tally.from_bytes(blob, KEY).to_bytes(), KEY)
    assert again.docs == 3 and again.pii() == Tally.from_bytes(blob, KEY).pii()
    with pytest.raises(ValueError):
        Tally.from_bytes(blob, b"another key")


def test_a_batch_merged_from_bytes_counts_as_one_restored() -> None:
    blobs = [count_batch([doc], None, "created_at", 0.5, KEY) for doc in DOCS]
    restored, direct = Tally(KEY), Tally(KEY)
    for blob in blobs:
        part = Tally.from_bytes(blob, KEY)
        restored.merge(part)
        part.close()
        direct.merge_bytes(blob)
    assert direct.to_bytes() == restored.to_bytes()
    assert (direct.docs, direct.pii(), direct.people()) == (3, restored.pii(), restored.people())
    with pytest.raises(ValueError):
        direct.merge_bytes(count_batch(DOCS, None, None, 0.5, b"another key"))
    assert direct.docs == 3  # refused whole: nothing half-added


def test_tally_figures_do_not_depend_on_the_memory_budget() -> None:
    blob = count_batch(DOCS * 4, None, "created_at", 0.5, KEY)
    tallies = [Tally(KEY, SubjectCounter(KEY, memory_limit=budget)) for budget in (1, 3, 10**6)]
    for t in tallies:
        t.merge_bytes(blob)
        t.merge_bytes(blob)  # every digest twice: the repeats go to disk with the rest
    first = tallies[0]
    assert first.people() is not None and first.people().distinct.estimate == 2
    for t in tallies:
        assert (t.docs, t.pii(), t.people()) == (24, first.pii(), first.people())
        t.close()


def _started(store: SqliteStore, n: int) -> str:
    """A full scan of index "cases" on h:1 with ``n`` slices started; its scan id."""
    scan_id = store.begin_scan(["x"], {"depth": "full"})
    store.start_slices(scan_id, "h:1", "cases", "pit-os", n, "PIT")
    return scan_id


def test_a_slice_marked_done_keeps_its_batches_for_resume(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        key = store.hash_key
        scan_id = _started(store, 1)
        for n, doc in enumerate(DOCS):
            store.checkpoint(scan_id, "h:1", "cases", 0, docs=1, position=[n], context="PIT",
                             tally=count_batch([doc], None, "created_at", 0.5, key))
        # A slice marked done beside its batch rows (as after a fold, or a kill before one).
        store.checkpoint(scan_id, "h:1", "cases", 0, tally=Tally(key).to_bytes(), docs=0,
                         position=None, context=None, done=True)
        row = store.slices(scan_id, "h:1", "cases")[0]
        assert row["done"] and row["docs"] == 3
        again = merged(key, store.slice_tallies(scan_id, "h:1", "cases", 0))
        whole = Tally.from_bytes(count_batch(DOCS, None, "created_at", 0.5, key), key)
        assert (again.docs, again.pii(), again.people(), again.year_counts()) == (
            3, whole.pii(), whole.people(), whole.year_counts())


def test_options_survive_the_database_for_resume() -> None:
    full = FullOptions(indices=("a*",), slices=3, docs_rate=100.0, batch=50)
    assert FullOptions.from_json(full.to_json()) == full


def test_a_version_1_database_gains_the_checkpoint_tables(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(_MIGRATIONS[1] + ";PRAGMA user_version=1;")
    with SqliteStore(path) as store:
        scan_id = _started(store, 2)
        blob = count_batch(DOCS, None, None, 0.5, store.hash_key)
        store.checkpoint(scan_id, "h:1", "cases", 1, tally=blob, docs=3, position=[41],
                         context="PIT")
        rows = store.slices(scan_id, "h:1", "cases")
        assert [(r["slice"], r["docs"], r["position"], r["done"]) for r in rows] == [
            (0, 0, None, False), (1, 3, [41], False)]
        assert list(store.slice_tallies(scan_id, "h:1", "cases", 1)) == [blob]
        store.finish_slice(scan_id, "h:1", "cases", 1, blob)
        assert store.slices(scan_id, "h:1", "cases")[1]["done"]
        store.start_slices(scan_id, "h:1", "cases", "pit-os", 2, "PIT2", [1])  # restart
        assert list(store.slice_tallies(scan_id, "h:1", "cases", 1)) == []
        assert {r["context"] for r in store.slices(scan_id, "h:1", "cases")} == {"PIT2"}
        store.purge(scan_id)
        assert store.slices(scan_id, "h:1", "cases") == []


def test_docs_rate_paces_the_whole_scan() -> None:
    import asyncio
    import time

    from leakhound.fullscan import _Pacer

    async def take_three() -> float:
        pacer = _Pacer(1000.0)
        t0 = time.monotonic()
        await asyncio.gather(*(pacer.take(200) for _ in range(3)))  # 600 docs at 1000/s
        return time.monotonic() - t0

    assert 0.35 <= asyncio.run(take_three()) < 1.5


def test_full_progress_shows_documents_per_index(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    from rich.console import Console

    from leakhound import progress

    err = io.StringIO()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(progress, "Console",
                        lambda **kw: Console(file=err, force_terminal=True, width=120))
    with progress.FullProgress() as bar:
        bar.start("20260101-000000-abcdef", 1)
        bar.docs("127.0.0.1:9200/cases\x1b[31m", 500, 1000)
        bar.docs("127.0.0.1:9200/cases\x1b[31m", 1000, 1000)
    text = err.getvalue()
    assert "cases" in text and "docs/s" in text
    assert "cases\x1b[31m" not in text  # a target's escape sequence never reaches the TTY


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
    from leakhound.probes.elasticsearch_read import ReadPlan, SliceReader

    plan = ReadPlan(PIT_OPENSEARCH, "cases", 1, 1, "P", total=50)
    reader = SliceReader(_Pager(repeat), "http://h:1", plan, 0,  # type: ignore[arg-type]
                         size=10, keep_alive="1m")

    async def read_all() -> int:
        pages = 0
        while await reader.next_page() is not None:
            pages += 1
            assert pages < 100
        return pages

    with pytest.raises(ProtocolError):
        asyncio.run(read_all())



def test_dropping_a_finished_scans_checkpoints_gives_the_space_back(tmp_path: Path) -> None:
    import os

    path = tmp_path / "f.db"
    with SqliteStore(path) as store:
        scan_id = _started(store, 1)
        for n in range(200):  # 200 batches of ~20 KB: checkpoints of a few thousand documents
            store.checkpoint(scan_id, "h:1", "cases", 0, docs=1, position=[n], context="PIT",
                             tally=os.urandom(20_000))
        full = _on_disk(path)
        assert full > 4_000_000
        store.drop_checkpoints(scan_id)
        assert _on_disk(path) < full // 10
        assert list(store.slice_tallies(scan_id, "h:1", "cases", 0)) == []


def _on_disk(path: Path) -> int:
    """The database and its write-ahead log together."""
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def test_resume_reads_a_slices_checkpoints_one_at_a_time(tmp_path: Path) -> None:
    # A slice of a big index holds hundreds of megabytes of batch tallies: merging them on
    # resume must not load them all at once.
    import tracemalloc

    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = _started(store, 1)
        big = b"\0" * (1 << 20)  # 1 MiB a row: the reader only moves bytes
        for n in range(40):
            store.checkpoint(scan_id, "h:1", "cases", 0, docs=3, position=[n], context="PIT",
                             tally=big)
        seen = 0
        tracemalloc.start()
        try:
            for data in store.slice_tallies(scan_id, "h:1", "cases", 0):
                seen += len(data)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert seen == 40 << 20
        assert peak < 8 << 20  # a couple of rows at a time, not forty


def test_folding_a_slice_keeps_its_counts_and_each_digest_once(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        key = store.hash_key
        scan_id = _started(store, 1)
        blob = count_batch(DOCS, None, "created_at", 0.5, key)
        for n in range(30):  # the same three people in every batch
            store.checkpoint(scan_id, "h:1", "cases", 0, docs=3, position=[n], context="PIT",
                             tally=blob)

        def stored() -> tuple[int, int]:
            return store._db.execute(
                "SELECT COUNT(*), SUM(LENGTH(tally)) FROM full_batches").fetchone()

        rows, size = stored()
        assert rows == 30
        before = merged(key, store.slice_tallies(scan_id, "h:1", "cases", 0))
        written = store.fold_slice(scan_id, "h:1", "cases", 0, before.to_parts(2))
        rows, folded = stored()
        assert written == folded and folded < size / 10  # once, not thirty times
        assert rows > 2  # a piece per two digests of a type, beside the counts
        # Batches after a fold go on from there; a resume reads the same tally.
        store.checkpoint(scan_id, "h:1", "cases", 0, docs=3, position=[30], context="PIT",
                         tally=blob)
        after = merged(key, store.slice_tallies(scan_id, "h:1", "cases", 0))
        unfolded = merged(key, [blob] * 31)
        assert store.slices(scan_id, "h:1", "cases")[0]["docs"] == after.docs == 93
        assert (after.pii(), after.people(), after.year_counts()) == (
            unfolded.pii(), unfolded.people(), unfolded.year_counts())
        for t in (before, after, unfolded):
            t.close()


def test_folding_a_finished_index_keeps_one_tally_for_all_its_slices(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        key = store.hash_key
        scan_id = _started(store, 2)
        blob = count_batch(DOCS, None, "created_at", 0.5, key)
        for slice_ in (0, 1):  # the same people met by both slices
            for n in range(5):
                store.checkpoint(scan_id, "h:1", "cases", slice_, docs=3, position=[n],
                                 context="PIT", tally=blob, done=n == 4)
        total = merged(key, [blob] * 10)
        store.fold_index(scan_id, "h:1", "cases", total.to_parts())
        assert list(store.slice_tallies(scan_id, "h:1", "cases", 1)) == []
        back = merged(key, store.slice_tallies(scan_id, "h:1", "cases", 0))
        assert (back.docs, back.pii(), back.people(), back.year_counts()) == (
            30, total.pii(), total.people(), total.year_counts())
        assert [r["docs"] for r in store.slices(scan_id, "h:1", "cases")] == [15, 15]
        total.close()
        back.close()
