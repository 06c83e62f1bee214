"""Prometheus metrics of a watch (``--metrics HOST:PORT``): rounds, endpoints by verdict,
round time, alerts, deliveries and open issues, in a registry of its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_ROUND_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800)


class Metrics:
    """The watch's counters and gauges; served over HTTP once ``serve`` is called."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        r = self.registry
        self.rounds = Counter(
            "leakhound_watch_rounds", "Rounds run, by how they ended", ["status"], registry=r
        )
        self.targets = Gauge(
            "leakhound_watch_targets",
            "Endpoints by verdict in the last evaluated round",
            ["verdict"],
            registry=r,
        )
        self.round_seconds = Histogram(
            "leakhound_watch_round_seconds",
            "Time a round took, scan and evaluation",
            buckets=_ROUND_BUCKETS,
            registry=r,
        )
        self.last_round = Gauge(
            "leakhound_watch_last_round_timestamp_seconds",
            "When the last round ended (Unix time)",
            registry=r,
        )
        self.alerts = Counter(
            "leakhound_watch_alerts", "Alerts raised, by event", ["event"], registry=r
        )
        self.deliveries = Counter(
            "leakhound_watch_deliveries",
            "Delivery attempts, by route type and outcome (delivered, retry, failed)",
            ["route", "outcome"],
            registry=r,
        )
        self.open_issues = Gauge(
            "leakhound_watch_open_issues",
            "Issues open (exposed, compromised, certificate)",
            ["kind"],
            registry=r,
        )
        self._server: Any = None
        self._verdicts: set[str] = set()

    def round(self, status: str, seconds: float | None, at: float) -> None:
        """A round ended."""
        self.rounds.labels(status).inc()
        if seconds is not None:
            self.round_seconds.observe(seconds)
        self.last_round.set(at)

    def verdicts(self, counts: Mapping[str, int]) -> None:
        """The last evaluated round's endpoints by verdict (a verdict gone shows 0)."""
        self._verdicts |= set(counts)
        for verdict in self._verdicts:
            self.targets.labels(verdict).set(0)
        for verdict, n in counts.items():
            self.targets.labels(verdict).set(n)

    def issues(self, counts: Mapping[str, int]) -> None:
        """Issues open now, by kind."""
        for kind in ("exposed", "compromised", "certificate"):
            self.open_issues.labels(kind).set(counts.get(kind, 0))

    def serve(self, host: str, port: int) -> None:
        """Answer ``GET /metrics`` on HOST:PORT in a thread."""
        from prometheus_client import start_http_server

        self._server, _thread = start_http_server(port, addr=host, registry=self.registry)

    @property
    def port(self) -> int | None:
        """The port served on (``--metrics 127.0.0.1:0`` picks one)."""
        return int(self._server.server_port) if self._server else None

    def close(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
