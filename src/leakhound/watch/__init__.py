"""``leakhound watch``: the estate scanned again on a schedule, every round stored as
history, and an alert through every configured route for each change: a store newly open or
partial, closed again, a new container, a new kind of personal data, record counts jumping,
ransom or wipe signs, a certificate expiring.

    config.py    settings (command line, YAML, SIGHUP), durations, quiet hours, retry policy
    runner.py    the rounds: one ``leakhound.scan`` each, jitter, cadence, SIGTERM/SIGHUP
    changes.py   a stored round against the issues followed: what opened, changed, resolved
    alert.py     the alert every route renders (masked evidence, scan id, what to run next)
    delivery.py  pending deliveries, retries with backoff, each attempt recorded
    routes/      one module a route: webhook, slack, teams, smtp, syslog, command
    metrics.py   Prometheus metrics
    clock.py     time, injected (tests move a FakeClock instead of waiting)
"""

from __future__ import annotations

from .alert import Alert
from .changes import evaluate
from .clock import Clock, FakeClock, SystemClock
from .config import QuietHours, RetryPolicy, RouteSpec, Rules, WatchConfig, build, load
from .runner import Watch

__all__ = [
    "Alert",
    "Clock",
    "FakeClock",
    "QuietHours",
    "RetryPolicy",
    "RouteSpec",
    "Rules",
    "SystemClock",
    "Watch",
    "WatchConfig",
    "build",
    "evaluate",
    "load",
]
