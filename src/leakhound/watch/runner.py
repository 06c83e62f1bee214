"""The watch: a round (one ``leakhound.scan`` of the estate, stored like any scan) every
interval, its changes turned into issues and alerts, alerts delivered beside the rounds.

The first round waits a random part of ``jitter`` (watches started together spread out); then
rounds keep a fixed cadence, so no store waits more than one interval plus one round to be
seen. A round that runs over the interval is followed at once by the next. SIGTERM lets the
round under way finish within ``grace`` seconds, else stops it: its scan is kept
``interrupted`` and the next start resumes it (``leakhound.resume``) before anything else;
SIGHUP reads the config again before the next round.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from .. import scanner
from ..errors import StoreError, UsageError
from ..net import Credentials
from ..probes.base import Probe
from ..redact import neutralize
from ..scanner.options import ScanOptions
from ..store.records import History
from ..store.sqlite import SqliteStore
from ..store.watch import AlertRow, WatchLog
from .alert import CRITICAL, RESOLVED, Alert
from .changes import evaluate, settling
from .clock import Clock, SystemClock
from .config import WatchConfig
from .delivery import Dispatcher
from .metrics import Metrics
from .routes import Route, build_all

FLUSH_ON_STOP = 5.0  # seconds to deliver what is due when stopping
FLUSH_ONCE = 30.0  # --once: what falls due (retries included) within this is still tried


def _stderr(line: str) -> None:
    print(f"leakhound watch: {neutralize(line)}", file=sys.stderr, flush=True)


class Watch:
    """One named watch over a findings database."""

    def __init__(
        self,
        config: WatchConfig,
        store: SqliteStore,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        say: Callable[[str], None] = _stderr,
        probes: Iterable[Probe] = (),
        credentials: Credentials | None = None,
        env: Mapping[str, str] | None = None,
        reload: Callable[[], WatchConfig] | None = None,
        db: str | None = None,
        workers: int = 0,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self.say = say
        self.probes = tuple(probes)
        self.credentials = credentials
        self.env = env
        self._reload = reload
        self.db = db  # the --db the alerts' commands name (None: the default database)
        self.workers = workers
        self.log = WatchLog(store, config.name)
        self.metrics = Metrics()
        self.routes: dict[str, Route] = build_all(config.routes, env)
        self.dispatcher = Dispatcher(
            self.log, self.routes, self.clock, config.retry, self.metrics, say
        )
        self._stop = asyncio.Event()
        self._reload_asked = False
        self._force = False
        self._rounds_done = 0

    # -- control ----------------------------------------------------------------------

    def stop(self) -> None:
        """Stop after the round under way (SIGTERM); asked twice, stop it now."""
        if self._stop.is_set():
            self._force = True
        self._stop.set()

    def reload(self) -> None:
        """Read the config again before the next round (SIGHUP)."""
        self._reload_asked = True

    def _apply_reload(self) -> None:
        self._reload_asked = False
        if self._reload is None:
            return
        try:
            config = self._reload()
            routes = build_all(config.routes, self.env)
        except UsageError as exc:
            self.say(f"config not reloaded, the old one stays: {exc}")
            return
        if config.name != self.config.name:
            self.say(f"config reloaded, but a running watch keeps its name {self.config.name!r}")
            config = _renamed(config, self.config.name)
        self.config = config
        self.routes = routes
        self.dispatcher.routes = dict(routes)
        self.dispatcher.retry = config.retry
        dropped = self.log.drop_other_routes(routes)
        self.say(
            f"config reloaded: {len(config.targets)} target spec(s), "
            f"{len(routes)} route(s), every {config.every:g} s"
            + (f"; {dropped} pending deliveries to removed routes dropped" if dropped else "")
        )
        self.dispatcher.wake()

    # -- running ----------------------------------------------------------------------

    async def serve(self, *, once: bool = False) -> None:
        """``run`` with SIGTERM and SIGINT stopping it, SIGHUP reloading its config."""
        loop = asyncio.get_running_loop()
        handled = []
        for sig, action in (
            (signal.SIGTERM, self.stop),
            (signal.SIGINT, self.stop),
            (signal.SIGHUP, self.reload),
        ):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, action)
                handled.append(sig)
        try:
            await self.run(once=once)
        finally:
            for sig in handled:
                loop.remove_signal_handler(sig)

    async def run(self, *, once: bool = False) -> None:
        """Rounds until ``stop`` (or one round, ``once``), deliveries beside them."""
        if self.config.metrics:
            host, port = self.config.metrics
            try:
                self.metrics.serve(host, port)
            except OSError as exc:
                raise UsageError(f"--metrics {host}:{port}: {exc.strerror or exc}") from None
        try:
            dropped = self.log.drop_other_routes(self.routes)
        except StoreError as exc:
            dropped = 0
            self.say(f"cannot look at pending deliveries: {exc}")
        if dropped:
            self.say(f"{dropped} pending deliveries to routes no longer configured: dropped")
        if not self.routes:
            self.say("no --alert route: alerts are recorded and written here only")
        done_delivering = asyncio.Event()
        deliveries = None if once else asyncio.create_task(self.dispatcher.run(done_delivering))
        try:
            try:
                resumed = await self._guarded(self._resume_last())
            except StoreError as exc:
                self.say(f"cannot look at the last round: {exc}")
                resumed = False
            if not (once and resumed):
                if not once:
                    await self._wait(self.rng.uniform(0, self.config.first_delay))
                next_at = self.clock.monotonic()
                while not self._stop.is_set():
                    if self._reload_asked:
                        self._apply_reload()
                    await self._guarded(self.round())
                    if once:
                        break
                    next_at += self.config.every
                    now = self.clock.monotonic()
                    if next_at < now:
                        self.say(
                            f"a round ran over the interval ({self.config.every:g} s): "
                            "the next starts now"
                        )
                        next_at = now
                    await self._wait(next_at - now)
        finally:
            done_delivering.set()
            if deliveries is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await deliveries
            with contextlib.suppress(StoreError):
                left = await self.dispatcher.flush(FLUSH_ONCE if once else FLUSH_ON_STOP)
                if left:
                    self.say(f"{left} deliveries still pending: tried again at the next start")
            self.metrics.close()

    async def _wait(self, seconds: float) -> None:
        """Sleep, woken early by ``stop``."""
        if seconds <= 0 or self._stop.is_set():
            return
        sleep = asyncio.ensure_future(self.clock.sleep(seconds))
        stopped = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({sleep, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleep, stopped):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _guarded(self, work: object) -> bool:
        """Run a round; on ``stop``, let it finish within ``grace`` seconds, else cancel it
        (its scan is then kept interrupted, for the next start to resume). Its result."""
        task: asyncio.Task[bool] = asyncio.ensure_future(work)  # type: ignore[call-overload]
        stopped = asyncio.ensure_future(self._stop.wait())
        cut = False
        try:
            await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not task.done():
                grace = 0.0 if self._force else self.config.grace
                self.say(f"stopping: the round under way has {grace:g} s to finish")
                done, _ = await asyncio.wait({task}, timeout=grace)
                if not done:
                    cut = True
                    task.cancel()
            try:
                return await task
            except asyncio.CancelledError:
                if not cut:
                    raise
                self.say(
                    "the round is stopped; its scan is kept interrupted and resumes at "
                    "the next start"
                )
                return False
        finally:
            for t in (task, stopped):
                if not t.done():
                    t.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await t

    def _options(self) -> ScanOptions:
        c = self.config
        return ScanOptions(sample=c.sample, limits=c.limits, kinds=c.kinds, workers=self.workers)

    async def _resume_last(self) -> bool:
        """Finish the last round if a stop (or a kill) left it unfinished; whether one was."""
        last = self.log.last_round()
        if last is None or last.evaluated or last.status == "failed":
            return False
        began = self.clock.monotonic()
        if last.status in ("running", "interrupted"):
            self.say(f"resuming round {last.round} (scan {last.scan_id}), left unfinished")
            self.log.reopen_round(last.round)
            try:
                await scanner.resume(
                    last.scan_id,
                    self._options(),
                    store=self.store,
                    probes=self.probes,
                    credentials=self.credentials,
                    scope_file=self.config.scope_file,
                    max_hosts=self.config.max_hosts,
                    yes=self.config.yes,
                )
            except asyncio.CancelledError:
                self._finished(last.round, "interrupted", began)
                raise
            except StoreError as exc:
                self.say(f"round {last.round} failed: {exc}")
                self._finished(last.round, "failed", began)
                return True
            self._finished(last.round, "done", began)
        self._evaluate(last.round, last.scan_id, began)
        return True

    async def round(self) -> bool:
        """Scan the estate once and evaluate it; whether the round was evaluated."""
        began = self.clock.monotonic()
        number: int | None = None

        def on_start(scan_id: str, _targets: int) -> None:
            nonlocal number
            number = self.log.begin_round(scan_id, self.clock.now())

        try:
            scan_id = await scanner.scan(
                list(self.config.targets),
                self._options(),
                store=self.store,
                probes=self.probes,
                credentials=self.credentials,
                scope_file=self.config.scope_file,
                max_hosts=self.config.max_hosts,
                yes=self.config.yes,
                on_start=on_start,
            )
        except asyncio.CancelledError:
            if number is not None:
                self._finished(number, "interrupted", began)
            raise
        except UsageError as exc:
            if not self._rounds_done:
                raise  # the first round: a mistake in the targets or the scope, said once
            self.say(f"round {number or '(not begun)'} failed, the watch goes on: {exc}")
            if number is not None:
                self._finished(number, "failed", began)
            return False
        except StoreError as exc:
            self.say(f"round {number or '(not begun)'} failed, the watch goes on: {exc}")
            if number is not None:
                self._finished(number, "failed", began)
            else:
                self.metrics.round("failed", None, self.clock.now().timestamp())
            return False
        assert number is not None
        self._rounds_done += 1
        self._finished(number, "done", began)
        return self._evaluate(number, scan_id, began)

    def _finished(self, number: int, status: str, began: float) -> None:
        seconds = self.clock.monotonic() - began
        try:
            self.log.finish_round(number, status, self.clock.now(), seconds)
        except StoreError as exc:
            self.say(f"round {number}: cannot record that it ended ({status}): {exc}")
        if status != "done":
            self.metrics.round(status, seconds, self.clock.now().timestamp())

    def _evaluate(self, number: int, scan_id: str, began: float) -> bool:
        """Turn a stored round into issue changes and alerts, recorded in one transaction."""
        now = self.clock.now()
        try:
            record = self.store.load(scan_id, history=False)
            result = evaluate(
                record,
                self.log.open_issues(),
                now,
                self.config.rules,
                watch=self.config.name,
                db=self.db,
                history=lambda store_id: self._history(store_id, scan_id),
                resolved=self.log.resolved_since(now - settling(self.config.rules)),
                settled=self.log.settled_since(now - settling(self.config.rules)),
            )
            rows = [_row(a) for a in result.alerts]
            due = {a.alert_id: self._due(a, now) for a in result.alerts}
            superseded = self.log.commit(
                number, scan_id, now, result.changes, rows, list(self.routes), due, ends=RESOLVED
            )
            issues = Counter(i.kind for i in self.log.open_issues().values())
        except StoreError as exc:
            self.say(
                f"round {number} could not be evaluated, its changes are looked at "
                f"again next round: {exc}"
            )
            self.metrics.round("failed", None, now.timestamp())
            return False
        seconds = self.clock.monotonic() - began
        verdicts = Counter(str(r.service.verdict) for r in record.results)
        self.metrics.round("done", seconds, now.timestamp())
        self.metrics.verdicts(verdicts)
        self.metrics.issues(issues)
        for a in result.alerts:
            self.metrics.alerts.labels(a.event).inc()
        exposed = verdicts.get("open", 0) + verdicts.get("partial", 0)
        self.say(
            f"round {number} (scan {scan_id}): {len(record.results)} endpoint(s), "
            f"{exposed} exposed; {len(result.alerts)} alert(s); {seconds:.1f} s"
        )
        for a in result.alerts:
            self.say(f"alert {a.alert_id} {a.event}: {a.title}")
        if superseded:
            self.say(
                f"{superseded} pending delivery(ies) of a 'resolved' alert dropped: its issue "
                "opened again before it was sent (a 'resolved' read last would be wrong)"
            )
        if result.alerts:
            self.dispatcher.wake()
        return True

    def _history(self, store_id: str, scan_id: str) -> History:
        """A store's history for an alert's evidence; none when it cannot be read."""
        try:
            return self.store.history(store_id, scan_id)
        except Exception:  # decoration only: the alert goes out without it
            return History()

    def _due(self, alert: Alert, now: datetime) -> datetime:
        """Now, or the end of the quiet hours for an alert that is not critical."""
        quiet = self.config.quiet
        if quiet is None or alert.severity == CRITICAL:
            return now
        return quiet.end_after(now)


def _row(alert: Alert) -> AlertRow:
    return AlertRow(
        alert.alert_id,
        f"{alert.issue}:{alert.endpoint}" if alert.issue else None,
        alert.event,
        alert.severity,
        alert.endpoint,
        alert.scan_id,
        alert.at,
        alert.to_dict(),
    )


def _renamed(config: WatchConfig, name: str) -> WatchConfig:
    from dataclasses import replace

    return replace(config, name=name)
