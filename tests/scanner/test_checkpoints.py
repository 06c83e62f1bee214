"""The full scan's sink: a container read to its end keeps its figures, its people join the
endpoint's once, and a resumed scan takes both back."""

from __future__ import annotations

from pathlib import Path

from leakhound.models import Container
from leakhound.probes.base import ReadPlan
from leakhound.scanner import checkpoints
from leakhound.scanner.checkpoints import TallySink
from leakhound.scanner.full import Stop
from leakhound.store.sqlite import SqliteStore

PEOPLE = [f"person{n}@example.org" for n in range(200)]


def _docs(year: int) -> list[dict[str, str]]:
    return [{"created_at": f"{year}-03-04T00:00:00Z", "email": e} for e in PEOPLE]


def _container(name: str) -> Container:
    return Container(name, len(PEOPLE), None, date_field="created_at")


def _read(sink: TallySink, name: str, year: int) -> None:
    container = _container(name)
    plan = ReadPlan(name, 1, "pit", {"method": "pit-os", "pit": "P"})
    sink.start(container, plan, [0])
    work = sink.work(container)
    for n in range(0, len(PEOPLE), 50):
        sink.page(container, plan, 0, work(_docs(year)[n : n + 50]), 50, {"after": [n]})
    sink.partition_done(container, plan, 0)


def _sink(store: SqliteStore, scan_id: str) -> TallySink:
    return TallySink(store, scan_id, "h:1", field_types=lambda c: {}, min_score=0.5)


def _stored(store: SqliteStore) -> int:
    row = store._db.execute("SELECT COALESCE(SUM(LENGTH(tally)), 0) FROM full_totals")
    return int(row.fetchone()[0])


def test_people_in_several_containers_are_kept_once(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(checkpoints, "FOLD_BYTES", 0)  # fold the endpoint's tally each time
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {"depth": "full"})
        sink = _sink(store, scan_id)
        sizes = []
        for year in (2012, 2013, 2014):  # the same 200 people every year
            _read(sink, f"cases-{year}", year)
            full = sink.finish(_container(f"cases-{year}"), "pit", None)
            assert full.people is not None and full.people.distinct.estimate == 200
            sizes.append(_stored(store))
        totals = sink.totals()
        sink.close()
    assert totals.docs == 600 and totals.people is not None
    assert totals.people.distinct.estimate == 200
    # Three containers of the same people: their digests stored once (200 people, 16 bytes
    # each under two keys: 6,400 bytes); only the counts beside them grow (years, records).
    assert sizes[0] > 6400 and sizes[2] - sizes[0] < 100


def test_a_resumed_scan_takes_back_finished_containers_and_the_endpoint_tally(
    tmp_path: Path,
) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {"depth": "full"})
        sink = _sink(store, scan_id)
        _read(sink, "cases-2012", 2012)
        first = sink.finish(_container("cases-2012"), "pit", None)
        sink.close()  # killed here: the next container never started
        resumed = _sink(store, scan_id)
        container = _container("cases-2012")
        plan, states = resumed.restore(container) or (None, [])
        assert plan is not None and all(s.done for s in states) and states[0].docs == 200
        assert resumed.finish(container, "pit", None) == first  # its figures, not re-read
        _read(resumed, "cases-2013", 2013)
        resumed.finish(_container("cases-2013"), "pit", None)
        totals = resumed.totals()
        resumed.close()
    assert totals.docs == 400 and totals.people is not None
    assert totals.people.distinct.estimate == 200
    assert [y.year for y in first.years] == [2012]


def _rows(store: SqliteStore) -> int:
    """Bytes of every tally row the checkpoints hold: partitions' and the endpoint's."""
    return sum(
        int(store._db.execute(f"SELECT COALESCE(SUM(LENGTH(tally)), 0) FROM {t}").fetchone()[0])
        for t in ("full_tallies", "full_totals")
    )


def _peak_rows(tmp_path: Path, pages: int, containers: int) -> int:
    """The most tally bytes held at once while ``containers`` containers of ``pages`` pages
    each are read (two partitions a container), every page the same 5,000 people."""
    people = [
        {"email": ", ".join(f"person{n + k}@example.org" for k in range(0, 5000, 1000))}
        for n in range(1000)
    ]
    with SqliteStore(tmp_path / f"{pages}-{containers}.db") as store:
        scan_id = store.begin_scan(["x"], {"depth": "full"})
        sink = _sink(store, scan_id)
        page = sink.work(Container("c", None, None))(people)
        peak = 0
        for c in range(containers):
            container = Container(f"cases-{c}", None, None)
            plan = ReadPlan(container.name, 2, "pit", {"method": "pit-os", "pit": "P"})
            sink.start(container, plan, [0, 1])
            for n in range(pages):
                sink.page(container, plan, n % 2, page, 1000, {"after": [n]})
                peak = max(peak, _rows(store))
            for n in (0, 1):
                sink.partition_done(container, plan, n)
            sink.finish(container, "pit", None)
            peak = max(peak, _rows(store))
        totals = sink.totals()
        sink.close()
    assert totals.people is not None and totals.people.distinct.estimate == 5000
    assert totals.docs == pages * containers * 1000
    return peak


def test_checkpoints_of_the_same_people_do_not_grow_with_the_records(tmp_path: Path) -> None:
    # 5,000 people, 160 KB of digests under two keys, on every page of 1,000 records: four
    # times the pages of one container, then four times the containers, hold about as many
    # bytes at their peak (the people's digests a few times and the batches written since
    # the last fold), not one row a page until a threshold set in megabytes.
    assert _peak_rows(tmp_path, 160, 1) < 1.25 * _peak_rows(tmp_path, 40, 1)
    assert _peak_rows(tmp_path, 1, 120) < 1.25 * _peak_rows(tmp_path, 1, 30)


def test_a_container_stopped_part_way_is_not_checkpointed_in_the_endpoint_tally(
    tmp_path: Path, monkeypatch
) -> None:
    """A container whose read stopped (an error) is read on by a resume from its own
    checkpoints: the endpoint's tally folded meanwhile must not hold what it had counted."""
    monkeypatch.setattr(checkpoints, "FOLD_BYTES", 0)  # fold the endpoint's tally each time
    stopped = _container("cases-2012")
    plan = ReadPlan(stopped.name, 1, "pit", {"method": "pit-os", "pit": "P"})
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {"depth": "full"})
        sink = _sink(store, scan_id)
        sink.start(stopped, plan, [0])
        work = sink.work(stopped)
        sink.page(stopped, plan, 0, work(_docs(2012)[:50]), 50, {"after": [50]})
        cut = sink.finish(stopped, "pit", Stop("read stopped: the connection was reset"))
        assert cut.docs == 50 and not cut.complete
        _read(sink, "cases-2013", 2013)
        sink.finish(_container("cases-2013"), "pit", None)
        assert sink.totals().docs == 250  # the scan's own figures count what it read
        sink.close()  # killed before the endpoint's result was recorded
        resumed = _sink(store, scan_id)
        restored = resumed.restore(stopped)
        assert restored is not None
        (state,) = restored[1]
        assert state.docs == 50 and state.position == {"after": [50]}
        work = resumed.work(stopped)
        for n in range(50, len(PEOPLE), 50):
            resumed.page(stopped, plan, 0, work(_docs(2012)[n : n + 50]), 50, {"after": [n]})
        resumed.partition_done(stopped, plan, 0)
        assert resumed.finish(stopped, "pit", None).docs == 200
        later = _container("cases-2013")
        assert resumed.restore(later) is not None
        resumed.finish(later, "pit", None)
        totals = resumed.totals()
        resumed.close()
    assert totals.docs == 400  # each record once: the 50 read before the stop not twice
    assert totals.people is not None and totals.people.distinct.estimate == 200


def test_a_note_a_page_position_holds_is_reported_with_the_read_and_kept_by_a_resume(
    tmp_path: Path,
) -> None:
    # A MySQL table read in one transaction, resumed in another after its second page: the
    # position says so, and the container's figures say it, also after a killed scan.
    note = "read in 2 transactions, not one"
    container = _container("t")
    plan = ReadPlan("t", 1, "offset", {})
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {"depth": "full"})
        sink = _sink(store, scan_id)
        sink.start(container, plan, [0])
        work = sink.work(container)
        sink.page(container, plan, 0, work(_docs(2012)[:50]), 50, {"offset": 50})
        sink.page(container, plan, 0, work(_docs(2012)[50:100]), 50, {"offset": 100})
        sink.close()  # killed here
        resumed = _sink(store, scan_id)
        assert resumed.restore(container) is not None
        position = {"offset": 150, "resumed": 1, "note": note}
        resumed.page(container, plan, 0, work(_docs(2012)[100:150]), 50, position)
        resumed.close()  # killed again: the note is in the checkpoint
        again = _sink(store, scan_id)
        assert again.restore(container) is not None
        again.page(container, plan, 0, work(_docs(2012)[150:]), 50, {"offset": 200})
        again.partition_done(container, plan, 0)
        full = again.finish(container, "offset", None)
        again.close()
    assert full.note == note and full.complete and full.docs == 200


def test_a_read_whose_positions_hold_no_note_has_none(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        sink = _sink(store, store.begin_scan(["x"], {"depth": "full"}))
        _read(sink, "cases-2012", 2012)
        full = sink.finish(_container("cases-2012"), "pit", None)
        sink.close()
    assert full.note is None
