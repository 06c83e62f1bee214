"""The watch's rounds on a fake clock against a store opened and closed under it: a jittered
first round then a fixed cadence, one alert when the store opens and one when it closes,
reminders, quiet hours, metrics, a config reloaded, a stop between rounds."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from leakhound.store import SqliteStore
from leakhound.store.watch import WatchLog, parse_stamp
from leakhound.watch import Alert, FakeClock, QuietHours, Watch, build, load

from .toy_store import RAW_EMAIL, ToyStore, toy_store


class Inbox:
    """A route that keeps what it is sent."""

    label = "command inbox (00000000)"

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    async def send(self, alert: Alert, delivery_id: str) -> None:
        self.alerts.append(alert)

    def events(self) -> list[str]:
        return [a.event for a in self.alerts]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(tmp_path / "f.db") as s:
        yield s


@pytest.fixture
def toy() -> Iterator[ToyStore]:
    with toy_store() as s:
        yield s


async def until(check: Callable[[], bool], seconds: float = 60.0) -> None:
    """Real time: a round scans real sockets while the fake clock stands still."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def _watch(
    store: SqliteStore, clock: FakeClock, inbox: Inbox, targets: list[str], **settings: object
) -> Watch:
    config = build({"targets": targets, "every": "60s", "jitter": "10s", **settings})
    w = Watch(config, store, clock=clock, rng=random.Random(7), say=lambda _line: None)
    w.routes = {inbox.label: inbox}  # type: ignore[dict-item]
    w.dispatcher.routes = dict(w.routes)
    return w


def test_rounds_start_after_a_jitter_then_keep_a_fixed_cadence(store: SqliteStore) -> None:
    clock, inbox = FakeClock(), Inbox()
    w = _watch(store, clock, inbox, ["127.0.30.1:9", "127.0.30.2:9"])
    first = random.Random(7).uniform(0, 10)
    log = WatchLog(store, "default")

    async def main() -> list[float]:
        task = asyncio.create_task(w.run())
        await clock.advance(first - 0.5)
        assert log.rounds() == []
        await clock.advance(0.5)
        for n in range(1, 4):
            await until(lambda n=n: len(log.rounds()) == n and log.rounds()[0].evaluated)
            await clock.advance(60)
        w.stop()
        await clock.advance(1)
        await task
        return [
            (parse_stamp(r.started_at) - clock.start).total_seconds()
            for r in reversed(log.rounds())
        ]

    starts = asyncio.run(main())
    assert starts == pytest.approx([first, first + 60, first + 120, first + 180], abs=0.01)
    assert inbox.alerts == []  # closed ports: nothing to say


def test_a_store_opened_then_closed_is_one_alert_then_one_resolution(
    store: SqliteStore, toy: ToyStore
) -> None:
    clock, inbox = FakeClock(), Inbox()
    toy.opened = False
    w = _watch(store, clock, inbox, [toy.target], jitter="0s")
    log = WatchLog(store, "default")

    async def round_(n: int) -> None:
        await until(lambda: len(log.rounds()) == n and log.rounds()[0].evaluated)
        await clock.advance(1)  # the dispatcher's turn

    async def main() -> None:
        task = asyncio.create_task(w.run())
        await round_(1)
        assert inbox.alerts == []  # secured
        toy.opened = True
        await clock.advance(59)
        await round_(2)
        assert inbox.events() == ["opened"]
        for n in (3, 4):
            await clock.advance(59)
            await round_(n)
        assert inbox.events() == ["opened"]  # still open: no storm
        toy.opened = False
        await clock.advance(59)
        await round_(5)
        w.stop()
        await clock.advance(1)
        await task

    asyncio.run(main())
    assert inbox.events() == ["opened", "resolved"]
    opened, resolved = inbox.alerts
    assert opened.scan_id == log.rounds()[3].scan_id  # round 2's scan
    assert opened.next_steps[1] == f"leakhound assess {opened.scan_id}"
    assert "elasticsearch store at " + toy.url in opened.title
    assert resolved.scan_id == log.rounds()[0].scan_id
    everything = repr([a.to_dict() for a in inbox.alerts]) + repr(log.deliveries())
    assert RAW_EMAIL not in everything and "margaret" not in everything
    assert [d.status for d in log.deliveries()] == ["delivered", "delivered"]


def test_a_store_flapping_between_rounds_is_no_alert_storm(
    store: SqliteStore, toy: ToyStore
) -> None:
    clock, inbox = FakeClock(), Inbox()
    w = _watch(store, clock, inbox, [toy.target], jitter="0s")
    log = WatchLog(store, "default")

    async def main() -> None:
        toy.opened = True
        task = asyncio.create_task(w.run())
        for n in range(1, 9):  # open, secured, open, secured… a round a minute
            await until(lambda n=n: len(log.rounds()) == n and log.rounds()[0].evaluated)
            toy.opened = not toy.opened
            await clock.advance(60)
        w.stop()
        await clock.advance(1)
        await task

    asyncio.run(main())
    assert inbox.events() == ["opened", "resolved", "opened"]
    assert "flapping" in inbox.alerts[2].title


def test_ransom_signs_on_a_store_flapping_between_rounds_are_one_alert(
    store: SqliteStore, toy: ToyStore
) -> None:
    clock, inbox = FakeClock(), Inbox()
    toy.indices["read_me"] = 1  # a ransom note's index
    w = _watch(store, clock, inbox, [toy.target], jitter="0s")
    log = WatchLog(store, "default")

    async def main() -> None:
        task = asyncio.create_task(w.run())
        for n in range(1, 5):  # open, secured, open, secured, a round a minute
            await until(lambda n=n: len(log.rounds()) == n and log.rounds()[0].evaluated)
            toy.opened = not toy.opened
            await clock.advance(60)
        w.stop()
        await clock.advance(1)
        await task

    asyncio.run(main())
    assert inbox.events().count("compromised") == 1
    assert inbox.events()[:2] == ["opened", "compromised"]


def test_reminders_while_a_store_stays_open(store: SqliteStore, toy: ToyStore) -> None:
    clock, inbox = FakeClock(), Inbox()
    w = _watch(store, clock, inbox, [toy.target], jitter="0s", remind="2m")
    log = WatchLog(store, "default")

    async def main() -> None:
        task = asyncio.create_task(w.run())
        for n in range(1, 9):  # rounds at 0, 1, …, 7 minutes
            await until(lambda n=n: len(log.rounds()) == n and log.rounds()[0].evaluated)
            await clock.advance(60)
        w.stop()
        await clock.advance(1)
        await task

    asyncio.run(main())
    # opened at 0; reminded after 2 min, then 4 min later
    assert inbox.events() == ["opened", "reminder", "reminder"]
    minutes = [(parse_stamp(a.at) - clock.start) / timedelta(minutes=1) for a in inbox.alerts]
    assert minutes == [0, 2, 6]


def test_in_quiet_hours_only_critical_alerts_go_out_at_once(
    store: SqliteStore, toy: ToyStore
) -> None:
    clock, inbox = FakeClock(), Inbox()  # 12:00 UTC
    w = _watch(store, clock, inbox, [toy.target], jitter="0s")
    w.config = replace(w.config, quiet=QuietHours.parse("11:00-14:00", clock.start.tzinfo))
    log = WatchLog(store, "default")

    async def main() -> None:
        task = asyncio.create_task(w.run())
        await until(lambda: len(log.rounds()) == 1 and log.rounds()[0].evaluated)
        await clock.advance(1)
        assert inbox.events() == ["opened"]  # critical: now
        toy.indices["invoices"] = 10  # a new container: a warning
        await clock.advance(59)
        await until(lambda: len(log.rounds()) == 2 and log.rounds()[0].evaluated)
        await clock.advance(60)
        assert inbox.events() == ["opened"]  # held
        w.config = replace(w.config, every=3 * 3600.0)
        await clock.advance(2 * 3600)  # past 14:00
        assert inbox.events() == ["opened", "new-container"]
        w.stop()
        await clock.advance(1)
        await task

    asyncio.run(main())
    held = inbox.alerts[1]
    assert held.at.startswith("2026-01-05T12:01")  # raised then, delivered at 14:00


def test_a_held_resolved_is_dropped_when_the_store_opens_again_before_it_is_sent(
    store: SqliteStore, toy: ToyStore
) -> None:
    clock, inbox = FakeClock(), Inbox()  # 12:00 UTC
    w = _watch(store, clock, inbox, [toy.target], jitter="0s", remind="6h")
    w.config = replace(w.config, quiet=QuietHours.parse("11:00-14:00", clock.start.tzinfo))
    said: list[str] = []
    w.say = said.append
    log = WatchLog(store, "default")

    async def main() -> None:
        task = asyncio.create_task(w.run())
        for n, opened in ((1, False), (2, True), (3, None)):  # open, shut, open again
            await until(lambda n=n: len(log.rounds()) == n and log.rounds()[0].evaluated)
            await clock.advance(1)
            if opened is not None:
                toy.opened = opened
                await clock.advance(59)
        assert inbox.events() == ["opened", "opened"]  # "resolved" held, then superseded
        w.config = replace(w.config, every=3 * 3600.0)
        await clock.advance(2 * 3600)  # past 14:00
        w.stop()
        await clock.advance(1)
        await task

    asyncio.run(main())
    assert inbox.events() == ["opened", "opened"]  # the last word is the store open again
    assert "flapping" in inbox.alerts[1].title
    resolved = [d for d in log.deliveries() if d.body["event"] == "resolved"]
    assert [d.status for d in resolved] == ["dropped"]
    assert "superseded before delivery: the issue opened again" in (resolved[0].last_error or "")
    assert any("1 pending delivery(ies) of a 'resolved' alert dropped" in line for line in said)


def test_a_held_resolved_compromise_is_dropped_when_the_signs_are_back_without_an_alert(
    store: SqliteStore, toy: ToyStore
) -> None:
    # Shut in quiet hours (both "resolved" held), open again with the same ransom note: the
    # compromise opens again without an alert (already alerted on), and its held "resolved"
    # must not go out as the last word on it.
    clock, inbox = FakeClock(), Inbox()  # 12:00 UTC
    toy.indices["read_me"] = 1  # a ransom note's index
    w = _watch(store, clock, inbox, [toy.target], jitter="0s", remind="6h")
    w.config = replace(w.config, quiet=QuietHours.parse("11:00-14:00", clock.start.tzinfo))
    log = WatchLog(store, "default")

    async def main() -> None:
        task = asyncio.create_task(w.run())
        for n, opened in ((1, False), (2, True), (3, None)):  # open, shut, open again
            await until(lambda n=n: len(log.rounds()) == n and log.rounds()[0].evaluated)
            await clock.advance(1)
            if opened is not None:
                toy.opened = opened
                await clock.advance(59)
        w.config = replace(w.config, every=3 * 3600.0)
        await clock.advance(2 * 3600)  # past 14:00
        w.stop()
        await clock.advance(1)
        await task

    asyncio.run(main())
    assert inbox.events() == ["opened", "compromised", "opened"]
    resolved = [d for d in log.deliveries() if d.body["event"] == "resolved"]
    assert [(d.body["issue"], d.status) for d in resolved] == [
        ("exposed", "dropped"),
        ("compromised", "dropped"),
    ]


def test_metrics_count_rounds_verdicts_alerts_and_deliveries(
    store: SqliteStore, toy: ToyStore
) -> None:
    clock, inbox = FakeClock(), Inbox()
    w = _watch(
        store, clock, inbox, [toy.target, "127.0.30.3:9"], jitter="0s", metrics="127.0.0.1:0"
    )
    log = WatchLog(store, "default")

    async def main() -> str:
        task = asyncio.create_task(w.run())
        await until(lambda: len(log.rounds()) == 1 and log.rounds()[0].evaluated)
        await clock.advance(1)
        async with httpx.AsyncClient(trust_env=False) as http:
            text = (await http.get(f"http://127.0.0.1:{w.metrics.port}/metrics")).text
        w.stop()
        await clock.advance(1)
        await task
        return text

    text = asyncio.run(main())
    assert 'leakhound_watch_rounds_total{status="done"} 1.0' in text
    assert 'leakhound_watch_targets{verdict="open"} 1.0' in text
    assert 'leakhound_watch_targets{verdict="closed"} 1.0' in text
    assert 'leakhound_watch_alerts_total{event="opened"} 1.0' in text
    assert 'leakhound_watch_deliveries_total{outcome="delivered",route="command"} 1.0' in text
    assert 'leakhound_watch_open_issues{kind="exposed"} 1.0' in text
    assert "leakhound_watch_round_seconds_count 1.0" in text
    assert w.metrics.port is None  # closed with the watch


def test_sighup_reloads_the_config_before_the_next_round(
    store: SqliteStore, tmp_path: Path, toy: ToyStore
) -> None:
    path = tmp_path / "watch.yaml"
    path.write_text("every: 60s\njitter: 0s\n")
    clock = FakeClock()
    said: list[str] = []
    cli = {"targets": ["127.0.30.4:9"], "config": path}
    w = Watch(load(cli), store, clock=clock, say=said.append, reload=lambda: load(cli))
    log = WatchLog(store, "default")

    async def main() -> None:
        task = asyncio.create_task(w.run())
        await until(lambda: len(log.rounds()) == 1 and log.rounds()[0].evaluated)
        path.write_text(f"every: 30s\njitter: 0s\ntargets: [{toy.target}]\n")
        w.reload()
        await clock.advance(60)
        await until(lambda: len(log.rounds()) == 2 and log.rounds()[0].evaluated)
        path.write_text("every: 30s\nevry: typo\n")
        w.reload()
        await clock.advance(30)  # the new interval
        await until(lambda: len(log.rounds()) == 3 and log.rounds()[0].evaluated)
        w.stop()
        await clock.advance(1)
        await task

    asyncio.run(main())
    assert any(line.startswith("config reloaded: 2 target spec(s)") for line in said)
    assert any("config not reloaded, the old one stays" in line and "evry" in line for line in said)
    exposed = [line for line in said if "1 exposed" in line]
    assert len(exposed) == 2  # rounds 2 and 3 scanned the target the reload added


def test_a_remind_interval_too_long_for_a_date_still_alerts(
    store: SqliteStore, toy: ToyStore
) -> None:
    clock, inbox = FakeClock(), Inbox()
    w = _watch(store, clock, inbox, [toy.target], jitter="0s", remind="1000000d")
    log = WatchLog(store, "default")

    async def main() -> None:
        toy.opened = True
        task = asyncio.create_task(w.run())
        await until(lambda: len(log.rounds()) == 1 and log.rounds()[0].evaluated)
        w.stop()
        await clock.advance(1)
        await task

    asyncio.run(main())
    assert inbox.events() == ["opened"]
