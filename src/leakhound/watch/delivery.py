"""Delivery: every pending alert to every route, retried with backoff when it fails, each
attempt recorded; a route that fails never stops the watch, nor the other routes.

Deliveries are at least once: a watch killed between a route's answer and the record of it
sends that alert again at its next start, with the same ``delivery_id`` (a webhook receiver
drops what it has seen). A record that cannot be written (a full disk) is held in memory
instead: a delivery the route took is never sent again by this watch, only its record is
tried again, every ``RECORD_RETRY`` seconds; a failed attempt waits its backoff all the same.
One store's alerts due together go to one route one after the other, in the order raised;
after a failed attempt the rest of them wait for the next pass (at once), so a route that
times out holds the other routes' new alerts for one attempt, not one per alert.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from ..errors import StoreError
from ..store.watch import DeliveryRow, WatchLog
from .alert import Alert
from .clock import Clock
from .config import RetryPolicy
from .metrics import Metrics
from .routes import DeliveryError, Route
from .routes.base import one_line

ATTEMPT_TIMEOUT = 120.0  # one attempt, whatever the route's own deadlines
PARALLEL = 8  # deliveries under way at once
RECORD_RETRY = 5.0  # seconds between tries to record an attempt the database refused


def delivery_id(alert_id: str, route: str) -> str:
    """The id one alert's delivery to one route keeps across its attempts."""
    return f"{alert_id}-{hashlib.sha256(route.encode()).hexdigest()[:8]}"


class Dispatcher:
    """Sends what is due, sleeps until the next thing is due or a round wakes it."""

    def __init__(
        self,
        log: WatchLog,
        routes: Mapping[str, Route],
        clock: Clock,
        retry: RetryPolicy,
        metrics: Metrics,
        say: Callable[[str], None],
    ) -> None:
        self.log = log
        self.routes = dict(routes)
        self.clock = clock
        self.retry = retry
        self.metrics = metrics
        self.say = say
        self._wake = asyncio.Event()
        self._gate = asyncio.Semaphore(PARALLEL)
        # (alert, route) whose attempt the database did not record: not before when it is
        # tried again, the attempts made, and whether the route took it.
        self._held: dict[tuple[str, str], tuple[datetime, int, bool]] = {}

    def wake(self) -> None:
        """Look for due deliveries now (a round recorded new alerts)."""
        self._wake.set()

    async def deliver_due(self) -> int:
        """Attempt every delivery due now, once; how many were attempted."""
        try:
            rows = self.log.due(self.clock.now(), self.routes, limit=500)
        except StoreError as exc:
            self.say(f"cannot read pending deliveries: {exc}")
            return 0
        if len(rows) < 500:  # every due delivery read: a held one no longer due is forgotten
            due = {(r.alert_id, r.route) for r in rows}
            for key in [k for k in self._held if k not in due]:
                del self._held[key]
        # One store's alerts reach one route in the order they were raised (the rows come
        # oldest first): each such run in turn, the runs side by side.
        runs: dict[tuple[str, object], list[DeliveryRow]] = {}
        for row in rows:
            runs.setdefault((row.route, row.body.get("endpoint")), []).append(row)
        await asyncio.gather(*(self._in_turn(run) for run in runs.values()))
        return len(rows)

    async def _in_turn(self, rows: list[DeliveryRow]) -> None:
        # After a failed attempt the rest wait for the next pass: a route that times out
        # holds a pass (and every other route's new alerts) for one attempt, not one an alert.
        for row in rows:
            if not await self._attempt(row):
                return

    def held_until(self) -> datetime | None:
        """When the earliest delivery held in memory (its record refused) is tried again."""
        return min((when for when, _, _ in self._held.values()), default=None)

    async def _attempt(self, row: DeliveryRow) -> bool:
        """Try one delivery; False when an attempt was made and failed."""
        route = self.routes.get(row.route)
        if route is None:  # removed by a reload since it was read: left to the next start
            return True
        kind = row.route.split(" ", 1)[0]
        key = (row.alert_id, row.route)
        held = self._held.get(key)
        made = row.attempts
        if held is not None:
            when, made, sent = held
            if self.clock.now() < when:
                return True
            if sent or made >= self.retry.attempts:
                # The route took it, or it was given up: its record alone is owed.
                later = self.clock.now() + timedelta(seconds=RECORD_RETRY)
                try:
                    if sent:
                        self.log.delivered(row.alert_id, row.route, made, self.clock.now())
                    else:
                        self.log.failed(row.alert_id, row.route, made, row.last_error or "")
                    del self._held[key]
                except StoreError:
                    self._held[key] = (later, made, sent)
                return True
            del self._held[key]
        attempts = max(made, row.attempts) + 1  # the attempts the database could not count too
        error = ""
        delay = 0.0
        async with self._gate:
            try:
                alert = Alert.from_dict(row.body)
                await asyncio.wait_for(
                    route.send(alert, delivery_id(row.alert_id, row.route)), ATTEMPT_TIMEOUT
                )
            except DeliveryError as exc:
                error = str(exc)
            except TimeoutError:
                error = f"no answer within {ATTEMPT_TIMEOUT:.0f} s"
            except Exception as exc:  # a bug in a route costs that delivery, not the watch
                error = f"internal error: {one_line(exc)}"
        try:
            if not error:
                self.log.delivered(row.alert_id, row.route, attempts, self.clock.now())
                self.metrics.deliveries.labels(kind, "delivered").inc()
            elif attempts >= self.retry.attempts:
                self.log.failed(row.alert_id, row.route, attempts, error)
                self.metrics.deliveries.labels(kind, "failed").inc()
                self.say(
                    f"alert {row.alert_id} to {row.route}: given up after {attempts} "
                    f"attempts: {error}"
                )
            else:
                delay = self.retry.delay(attempts)
                self.log.retry(
                    row.alert_id,
                    row.route,
                    attempts,
                    error,
                    self.clock.now() + timedelta(seconds=delay),
                )
                self.metrics.deliveries.labels(kind, "retry").inc()
                self.say(
                    f"alert {row.alert_id} to {row.route}: attempt {attempts} failed: "
                    f"{error}; next in {delay:g} s"
                )
        except StoreError as exc:  # the attempt stays pending: tried again, never lost
            self.say(f"alert {row.alert_id} to {row.route}: cannot record the attempt: {exc}")
            wait = RECORD_RETRY if not error else max(delay, RECORD_RETRY)
            self._held[key] = (self.clock.now() + timedelta(seconds=wait), attempts, not error)
        return not error

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set."""
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.deliver_due()
                nxt = self.log.next_due(self.routes)
            except StoreError:
                nxt = None
            except Exception as exc:  # a bug must not end the deliveries for good
                self.say(f"delivery: internal error: {one_line(exc)}")
                nxt = None
            nxt = self._after_held(nxt)
            wait = 60.0 if nxt is None else (nxt - self.clock.now()).total_seconds()
            if wait <= 0 and self._wake.is_set():
                continue
            await _first(
                self.clock.sleep(max(wait, 0.0) if nxt else 60.0), self._wake.wait(), stop.wait()
            )

    async def flush(self, seconds: float) -> int:
        """Attempt what is due, and what falls due within ``seconds``; what is left stays
        pending for the next start. How many deliveries are still pending."""
        deadline = self.clock.monotonic() + seconds
        while True:
            await self.deliver_due()
            nxt = self._after_held(self.log.next_due(self.routes))
            if nxt is None:
                return 0
            wait = (nxt - self.clock.now()).total_seconds()
            if self.clock.monotonic() + max(wait, 0) > deadline:
                return len(self.log.due(nxt, self.routes, limit=10_000))
            await self.clock.sleep(max(wait, 0))

    def _after_held(self, nxt: datetime | None) -> datetime | None:
        """The next time worth waking for: a pending delivery due now that is held in memory
        (its record refused) is not, until it may be tried again."""
        held = self.held_until()
        if nxt is None or held is None or nxt > self.clock.now():
            return nxt
        return held


async def _first(*aws: object) -> None:
    """Wait for the first of these to finish; cancel the others."""
    tasks = [asyncio.ensure_future(a) for a in aws]  # type: ignore[call-overload]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
