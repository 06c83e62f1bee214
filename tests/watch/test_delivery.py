"""Delivery: retries at a doubling interval (on a fake clock, no waiting), a route given up
after its last attempt, every attempt recorded, one failing route never holding up another."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from leakhound.store import SqliteStore
from leakhound.store.watch import AlertRow, IssueChange, WatchLog
from leakhound.watch import Alert, FakeClock, RetryPolicy
from leakhound.watch.delivery import Dispatcher, delivery_id
from leakhound.watch.metrics import Metrics
from leakhound.watch.routes import DeliveryError


class FakeRoute:
    """A route that fails its first ``failures`` attempts; when each attempt came."""

    def __init__(self, name: str, clock: FakeClock, failures: int = 0) -> None:
        self.label = f"webhook {name} (0000000{len(name)})"
        self.clock = clock
        self.failures = failures
        self.attempts: list[float] = []
        self.ids: list[str] = []

    async def send(self, alert: Alert, delivery_id: str) -> None:
        self.attempts.append(self.clock.monotonic())
        self.ids.append(delivery_id)
        if len(self.attempts) <= self.failures:
            raise DeliveryError("HTTP 503 from the receiver")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(tmp_path / "f.db") as s:
        yield s


def _alert(alert_id: str, at: str) -> Alert:
    return Alert(
        alert_id,
        "default",
        "opened",
        "critical",
        "exposed",
        "127.0.0.1:9200",
        "http://127.0.0.1:9200",
        "elasticsearch",
        "open",
        "open store",
        "scan-1",
        at,
    )


def _raise(
    log: WatchLog,
    clock: FakeClock,
    routes: list[FakeRoute],
    *ids: str,
    due: timedelta = timedelta(0),
) -> None:
    number = log.begin_round("scan-1", clock.now())
    alerts = [_alert(i, clock.now().isoformat()) for i in ids]
    rows = [
        AlertRow(a.alert_id, None, a.event, a.severity, a.endpoint, a.scan_id, a.at, a.to_dict())
        for a in alerts
    ]
    log.commit(
        number,
        "scan-1",
        clock.now(),
        [],
        rows,
        [r.label for r in routes],
        {a.alert_id: clock.now() + due for a in alerts},
    )


async def _running(
    dispatcher: Dispatcher, clock: FakeClock, seconds: float, step: float = 1.0
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    for _ in range(int(seconds / step)):
        await clock.advance(step)
    stop.set()
    await clock.advance(step)
    await task


def test_a_failing_route_is_retried_at_a_doubling_interval(store: SqliteStore) -> None:
    clock = FakeClock()
    log = WatchLog(store, "default")
    flaky = FakeRoute("flaky", clock, failures=3)
    said: list[str] = []
    dispatcher = Dispatcher(
        log, {flaky.label: flaky}, clock, RetryPolicy(first=5, attempts=8), Metrics(), said.append
    )
    _raise(log, clock, [flaky], "a1")
    asyncio.run(_running(dispatcher, clock, 120))
    assert flaky.attempts == [0, 5, 15, 35]  # 5 s, then 10, then 20
    assert len(set(flaky.ids)) == 1  # the same delivery id on every attempt
    [row] = log.deliveries()
    assert (row.status, row.attempts, row.last_error) == (
        "delivered",
        4,
        "HTTP 503 from the receiver",
    )
    assert len(said) == 3 and "attempt 1 failed: HTTP 503 from the receiver; next in 5 s" in said[0]


def test_a_route_is_given_up_after_its_last_attempt(store: SqliteStore) -> None:
    clock = FakeClock()
    log = WatchLog(store, "default")
    dead = FakeRoute("dead", clock, failures=99)
    said: list[str] = []
    dispatcher = Dispatcher(
        log,
        {dead.label: dead},
        clock,
        RetryPolicy(first=1, longest=4, attempts=5),
        Metrics(),
        said.append,
    )
    _raise(log, clock, [dead], "a1")
    asyncio.run(_running(dispatcher, clock, 300))
    assert dead.attempts == [0, 1, 3, 7, 11]  # 1, 2, 4, then at most 4
    [row] = log.deliveries()
    assert (row.status, row.attempts, row.next_at) == ("failed", 5, None)
    assert "given up after 5 attempts" in said[-1]


def test_one_failing_route_does_not_hold_up_another(store: SqliteStore) -> None:
    clock = FakeClock()
    log = WatchLog(store, "default")
    dead, good = FakeRoute("dead", clock, failures=99), FakeRoute("good", clock)
    dispatcher = Dispatcher(
        log,
        {dead.label: dead, good.label: good},
        clock,
        RetryPolicy(first=5),
        Metrics(),
        lambda _line: None,
    )
    _raise(log, clock, [dead, good], "a1", "a2")
    asyncio.run(_running(dispatcher, clock, 10))
    assert good.attempts == [0, 0]
    statuses = {(r.alert_id, r.route.split()[1]): r.status for r in log.deliveries()}
    assert statuses == {
        ("a1", "dead"): "pending",
        ("a2", "dead"): "pending",
        ("a1", "good"): "delivered",
        ("a2", "good"): "delivered",
    }


def test_a_delivery_due_later_waits_for_its_time(store: SqliteStore) -> None:
    clock = FakeClock()
    log = WatchLog(store, "default")
    route = FakeRoute("later", clock)
    dispatcher = Dispatcher(
        log, {route.label: route}, clock, RetryPolicy(), Metrics(), lambda _line: None
    )
    _raise(log, clock, [route], "a1", due=timedelta(hours=2))  # the end of quiet hours
    asyncio.run(_running(dispatcher, clock, 3 * 3600, step=60))
    assert route.attempts == [7200]


class SlowRoute:
    """A route whose sends take a while: when each began and ended."""

    label = "webhook slow (00000004)"

    def __init__(self) -> None:
        self.log: list[str] = []

    async def send(self, alert: Alert, delivery_id: str) -> None:
        self.log.append(f"begin {alert.alert_id}")
        for _ in range(3):
            await asyncio.sleep(0)
        self.log.append(f"end {alert.alert_id}")


def test_a_stores_alerts_reach_a_route_one_after_the_other(store: SqliteStore) -> None:
    clock = FakeClock()
    log = WatchLog(store, "default")
    route = SlowRoute()
    dispatcher = Dispatcher(
        log, {route.label: route}, clock, RetryPolicy(), Metrics(), lambda _line: None
    )
    _raise(log, clock, [route], "a1", "a2")  # type: ignore[list-item]
    assert asyncio.run(dispatcher.deliver_due()) == 2
    assert route.log == ["begin a1", "end a1", "begin a2", "end a2"]


def test_a_held_alert_goes_out_before_a_newer_one_about_the_same_store(
    store: SqliteStore,
) -> None:
    clock = FakeClock()
    log = WatchLog(store, "default")
    route = FakeRoute("order", clock)
    dispatcher = Dispatcher(
        log, {route.label: route}, clock, RetryPolicy(), Metrics(), lambda _line: None
    )
    _raise(log, clock, [route], "held", due=timedelta(hours=2))  # quiet hours
    asyncio.run(clock.advance(600))
    _raise(log, clock, [route], "critical")  # due now, about the same store
    asyncio.run(_running(dispatcher, clock, 60))
    assert route.ids == [delivery_id("held", route.label), delivery_id("critical", route.label)]
    assert route.attempts == [600, 600]


def test_a_retry_due_with_a_newer_alert_about_the_same_store_goes_first(
    store: SqliteStore,
) -> None:
    # a1 failed and waits its backoff; a2, raised meanwhile, waited for the dispatcher (busy
    # elsewhere): both due in one pass, they go in the order raised.
    clock = FakeClock()
    log = WatchLog(store, "default")
    flaky = FakeRoute("flaky", clock, failures=1)
    dispatcher = Dispatcher(
        log, {flaky.label: flaky}, clock, RetryPolicy(first=5), Metrics(), lambda _line: None
    )
    _raise(log, clock, [flaky], "a1")
    assert asyncio.run(dispatcher.deliver_due()) == 1  # a1 fails: again at 5 s
    asyncio.run(clock.advance(3))
    _raise(log, clock, [flaky], "a2")  # due at 3 s, a1 at 5 s
    asyncio.run(clock.advance(3))
    assert asyncio.run(dispatcher.deliver_due()) == 2
    assert flaky.ids == [delivery_id(i, flaky.label) for i in ("a1", "a1", "a2")]


class TimingOutRoute:
    """A route that answers nothing: each attempt fails after its own deadline (30 s)."""

    label = "smtp down (00000006)"

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.attempts: list[float] = []

    async def send(self, alert: Alert, delivery_id: str) -> None:
        self.attempts.append(self.clock.monotonic())
        await self.clock.sleep(30)
        raise DeliveryError("no answer within 30 s")


def test_a_store_s_alerts_to_a_route_that_times_out_do_not_hold_up_other_routes(
    store: SqliteStore,
) -> None:
    # One store's alerts go to a route one at a time: a route that times out on the first
    # leaves the others for the next pass, rather than holding every route for one timeout
    # per alert of that store.
    clock = FakeClock()
    log = WatchLog(store, "default")
    down, good = TimingOutRoute(clock), FakeRoute("good", clock)
    dispatcher = Dispatcher(
        log,
        {down.label: down, good.label: good},
        clock,
        RetryPolicy(first=3600),
        Metrics(),
        lambda _line: None,
    )
    _raise(log, clock, [down, good], "a1", "a2", "a3", "a4")  # type: ignore[list-item]

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(dispatcher.run(stop))
        await clock.advance(5)
        _raise(log, clock, [good], "b1")  # a new round's alert to the route that works
        dispatcher.wake()
        for _ in range(200):
            await clock.advance(1)
        stop.set()
        await clock.advance(60)
        await task

    asyncio.run(main())
    assert good.attempts == [0, 0, 0, 0, 30]  # b1 after one timeout, not four
    assert down.attempts == [0, 30, 60, 90]  # each of the store's alerts tried, in turn


class GatedRoute:
    """A route whose send fails, once let go: the test acts while an attempt is under way."""

    label = "webhook gated (00000005)"

    def __init__(self) -> None:
        self.entered, self.release = asyncio.Event(), asyncio.Event()
        self.sent: list[str] = []

    async def send(self, alert: Alert, delivery_id: str) -> None:
        self.sent.append(f"{alert.event} {alert.alert_id}")
        self.entered.set()
        await self.release.wait()
        raise DeliveryError("HTTP 503 from the receiver")


def _issue_round(
    log: WatchLog, clock: FakeClock, op: str, event: str, alert_id: str, routes: list[str]
) -> None:
    """A round that opens or resolves the exposure issue of 127.0.0.1:9200, with its alert."""
    key = "exposed:127.0.0.1:9200"
    a = replace(_alert(alert_id, clock.now().isoformat()), event=event)
    row = AlertRow(a.alert_id, key, a.event, a.severity, a.endpoint, a.scan_id, a.at, a.to_dict())
    number = log.begin_round("scan-1", clock.now())
    change = IssueChange(op, key, "exposed", "127.0.0.1:9200", {})
    log.commit(number, "scan-1", clock.now(), [change], [row], routes, {}, ends="resolved")


def test_a_resolved_dropped_while_its_attempt_fails_stays_dropped(store: SqliteStore) -> None:
    # The store opens again (its "resolved" superseded) while that "resolved" is being sent;
    # the attempt then fails: its retry must not bring the "resolved" back after the opening.
    clock = FakeClock()
    log = WatchLog(store, "default")
    route = GatedRoute()
    dispatcher = Dispatcher(
        log, {route.label: route}, clock, RetryPolicy(first=5), Metrics(), lambda _line: None
    )
    _issue_round(log, clock, "open", "opened", "o1", [])
    _issue_round(log, clock, "resolve", "resolved", "r1", [route.label])

    async def main() -> None:
        attempt = asyncio.create_task(dispatcher.deliver_due())
        await route.entered.wait()
        _issue_round(log, clock, "open", "opened", "o2", [])  # open again: r1 superseded
        route.release.set()
        await attempt
        await _running(dispatcher, clock, 60)

    asyncio.run(main())
    assert route.sent == ["resolved r1"]
    [row] = log.deliveries()
    assert (row.alert_id, row.status, row.next_at) == ("r1", "dropped", None)
    assert "superseded before delivery" in (row.last_error or "")


def test_flush_tries_what_is_due_and_leaves_the_rest_pending(store: SqliteStore) -> None:
    clock = FakeClock()
    log = WatchLog(store, "default")
    dead = FakeRoute("dead", clock, failures=99)
    dispatcher = Dispatcher(
        log, {dead.label: dead}, clock, RetryPolicy(first=5), Metrics(), lambda _line: None
    )
    _raise(log, clock, [dead], "a1")

    async def flush() -> int:
        task = asyncio.create_task(dispatcher.flush(30))
        for _ in range(60):
            await clock.advance(1)
        return await task

    assert asyncio.run(flush()) == 1
    assert dead.attempts == [0, 5, 15]  # the 35 s retry falls after the 30 s flush
    [row] = log.deliveries()
    assert (row.status, row.attempts) == ("pending", 3)


def test_deliveries_to_a_route_removed_from_the_config_are_dropped(store: SqliteStore) -> None:
    clock = FakeClock()
    log = WatchLog(store, "default")
    old, new = FakeRoute("old", clock), FakeRoute("new", clock)
    _raise(log, clock, [old], "a1")
    assert log.drop_other_routes([new.label]) == 1
    [row] = log.deliveries()
    assert (row.status, row.last_error) == ("dropped", "the route is no longer configured")


class RefusingLog(WatchLog):
    """A watch log whose records of attempts fail (a full disk) until ``refuse`` is False."""

    refuse = True

    def delivered(self, *args: object, **kw: object) -> None:
        from leakhound.errors import StoreError

        if self.refuse:
            raise StoreError("database or disk is full")
        super().delivered(*args, **kw)  # type: ignore[arg-type]

    def retry(self, *args: object, **kw: object) -> None:
        from leakhound.errors import StoreError

        if self.refuse:
            raise StoreError("database or disk is full")
        super().retry(*args, **kw)  # type: ignore[arg-type]


def test_a_delivery_the_database_cannot_record_is_not_sent_again(store: SqliteStore) -> None:
    # The route takes the alert, the disk refuses its record: the watch must not send it again
    # every loop (a flood), only try the record again, and write it once the disk has room.
    clock = FakeClock()
    log = RefusingLog(store, "default")
    route = FakeRoute("hook", clock)
    said: list[str] = []
    dispatcher = Dispatcher(
        log, {route.label: route}, clock, RetryPolicy(first=5), Metrics(), said.append
    )
    _raise(log, clock, [route], "a1")

    async def go() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(dispatcher.run(stop))
        for _ in range(30):
            await clock.advance(1.0)
        log.refuse = False
        for _ in range(10):
            await clock.advance(1.0)
        stop.set()
        await clock.advance(1.0)
        await task

    asyncio.run(go())
    assert route.attempts == [0]  # sent once, whatever the disk said
    [row] = log.deliveries()
    assert (row.status, row.attempts) == ("delivered", 1)
    assert any("cannot record the attempt" in line for line in said)


def test_a_failed_attempt_the_database_cannot_record_waits_its_backoff(
    store: SqliteStore,
) -> None:
    clock = FakeClock()
    log = RefusingLog(store, "default")
    dead = FakeRoute("dead", clock, failures=99)
    dispatcher = Dispatcher(
        log, {dead.label: dead}, clock, RetryPolicy(first=5), Metrics(), lambda _line: None
    )
    _raise(log, clock, [dead], "a1")
    asyncio.run(_running(dispatcher, clock, 20))
    # every attempt at least RECORD_RETRY (5 s) after the last, not one a loop
    gaps = [b - a for a, b in zip(dead.attempts, dead.attempts[1:], strict=False)]
    assert dead.attempts and len(dead.attempts) <= 5 and all(g >= 5 for g in gaps), dead.attempts
    # the attempts the database could not count still count: the backoff doubles (5, 10…)
    assert gaps[:2] == [5.0, 10.0], dead.attempts
