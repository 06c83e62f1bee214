"""The watch's settings: from the command line and a YAML file (``--config``), read again on
SIGHUP. Secrets (a webhook's shared secret, an SMTP password, a Slack or Teams URL) come from
the environment, or from a config file no one else may read (0600)."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..net import Limits

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
ROUTE_TYPES = ("webhook", "slack", "teams", "smtp", "syslog", "command")
# Keys of a route that hold a secret in clear: only in a file no one else may read.
_SECRET_KEYS = ("secret", "password", "url")


def parse_duration(text: str | float, what: str = "duration") -> float:
    """Seconds from ``90``, ``30s``, ``5m``, ``1h30m``, ``2d``, ``250ms``."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        seconds = float(text)
    else:
        raw = str(text).strip().lower().replace(" ", "")
        if re.fullmatch(r"\d+(?:\.\d+)?", raw):
            seconds = float(raw)
        else:
            parts = _DURATION.findall(raw)
            if not parts or "".join(n + u for n, u in parts) != raw:
                raise UsageError(f"{what}: not a duration: {text!r} (e.g. 30s, 5m, 1h30m)")
            seconds = sum(float(n) * _UNIT[u] for n, u in parts)
    if seconds < 0:
        raise UsageError(f"{what}: must not be negative: {text!r}")
    return seconds


def parse_percent(text: str | float, what: str) -> float:
    """A fraction from ``50%``, ``50`` or ``0.5`` (a bare number above 1 is a percentage)."""
    raw = str(text).strip()
    try:
        value = float(raw.rstrip("%"))
    except ValueError:
        raise UsageError(f"{what}: not a percentage: {text!r}") from None
    if raw.endswith("%") or value > 1:
        value /= 100
    if value <= 0:
        raise UsageError(f"{what}: must be above zero: {text!r}")
    return value


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window (local time) in which only critical alerts go out; the others are
    delivered when it ends. ``22:00-07:00`` spans midnight."""

    start: time
    end: time
    tz: tzinfo | None = None  # None: the machine's local time zone

    @classmethod
    def parse(cls, text: str, tz: tzinfo | None = None) -> QuietHours:
        """``HH:MM-HH:MM``."""
        m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", str(text))
        if not m:
            raise UsageError(f"--quiet-hours: expected HH:MM-HH:MM, got {text!r}")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
            raise UsageError(f"--quiet-hours: not a window of the day: {text!r}")
        return cls(time(h1, m1), time(h2, m2), tz)

    def _local(self, when: datetime) -> datetime:
        return when.astimezone(self.tz) if self.tz else when.astimezone()

    def holds(self, when: datetime) -> bool:
        """Whether ``when`` falls in the window."""
        t = self._local(when).time()
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def end_after(self, when: datetime) -> datetime:
        """When the window ``when`` falls in ends (``when`` itself outside it)."""
        if not self.holds(when):
            return when
        local = self._local(when)
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a failed delivery is tried again: ``first`` seconds, then doubling up to
    ``longest``, ``attempts`` tries in all before it is recorded failed."""

    first: float = 5.0
    longest: float = 900.0
    attempts: int = 8

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed try."""
        return min(self.longest, self.first * 2 ** max(0, attempts - 1))


@dataclass(frozen=True, slots=True)
class RouteSpec:
    """One alert route as configured: its type, where it goes, and its options."""

    type: str  # webhook, slack, teams, smtp, syslog, command
    target: str | tuple[str, ...]  # a URL, or a command's argv
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rules:
    """What counts as a change worth an alert, and how often to remind."""

    remind: float = 3600.0  # first reminder after this, then doubling
    remind_max: float = 86400.0
    count_jump: float = 0.5  # a container's records changing by more than this fraction…
    count_jump_min: int = 100  # …and by at least this many records
    cert_days: int = 14  # a certificate expiring within this many days


@dataclass(frozen=True, slots=True)
class WatchConfig:
    """Everything one watch runs with."""

    targets: tuple[str, ...]
    name: str = "default"
    every: float = 300.0
    jitter: float | None = None  # None: a tenth of the interval, at most a minute
    sample: int = 100
    kinds: tuple[str, ...] = ()
    routes: tuple[RouteSpec, ...] = ()
    rules: Rules = field(default_factory=Rules)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    quiet: QuietHours | None = None
    metrics: tuple[str, int] | None = None
    scope_file: str | None = None
    max_hosts: int = 4096
    yes: bool = False
    limits: Limits = field(default_factory=Limits)
    grace: float = 30.0  # on SIGTERM: seconds a round may take to finish before it stops
    config_file: str | None = None

    @property
    def first_delay(self) -> float:
        """The most the first round waits (its jitter)."""
        if self.jitter is not None:
            return self.jitter
        return min(self.every / 10, 60.0)


def route_from_text(text: str) -> RouteSpec:
    """``--alert``: a URL whose scheme names the route."""
    t = text.strip()
    if t in ("slack", "teams"):
        return RouteSpec(t, "", {"url_env": f"LEAKHOUND_{t.upper()}_URL"})
    for prefix in ("slack+", "teams+"):
        if t.startswith(prefix):
            return RouteSpec(prefix[:-1], t[len(prefix) :])
    if t.startswith(("http://", "https://")):
        return RouteSpec("webhook", t)
    if t.startswith(("smtp://", "smtps://")):
        return RouteSpec("smtp", t)
    if t.startswith(("syslog://", "syslog+udp://", "syslog+tcp://")):
        return RouteSpec("syslog", t)
    if t.startswith("exec:"):
        import shlex

        argv = tuple(shlex.split(t[5:]))
        if not argv:
            raise UsageError("--alert exec: needs a command")
        return RouteSpec("command", argv)
    raise UsageError(
        f"--alert: unknown route {text!r} (https://…, slack, teams, smtp://…, "
        "smtps://…, syslog://…, syslog+tcp://…, exec:COMMAND)"
    )


def route_from_mapping(entry: Any, where: str) -> RouteSpec:
    """One entry of the config's ``alerts`` list: ``{webhook: URL, secret_env: VAR}``…"""
    if not isinstance(entry, Mapping):
        raise UsageError(f"{where}: each alert route is a mapping, e.g. {{webhook: URL}}")
    types = [k for k in entry if k in ROUTE_TYPES]
    if len(types) != 1:
        raise UsageError(f"{where}: each alert route names one of {', '.join(ROUTE_TYPES)}")
    kind = types[0]
    value = entry[kind]
    options = {str(k): v for k, v in entry.items() if k != kind}
    if kind == "command":
        if isinstance(value, str):
            import shlex

            value = shlex.split(value)
        if not isinstance(value, list) or not value or not all(isinstance(a, str) for a in value):
            raise UsageError(f"{where}: command is a list of arguments")
        return RouteSpec(kind, tuple(value), options)
    if kind in ("slack", "teams") and value in (None, "", "env"):
        options.setdefault("url_env", f"LEAKHOUND_{kind.upper()}_URL")
        return RouteSpec(kind, "", options)
    if not isinstance(value, str):
        raise UsageError(f"{where}: {kind} takes a URL")
    if kind in ("slack", "teams"):
        options["url"] = value  # a Slack or Teams URL is itself the secret
    return RouteSpec(kind, value, options)


def _has_secret(spec: RouteSpec) -> bool:
    return any(spec.options.get(k) for k in _SECRET_KEYS)


def read_file(path: str | Path) -> dict[str, Any]:
    """The YAML config file as a mapping; refused when it holds a secret in clear and others
    may read it."""
    import yaml

    p = Path(path).expanduser()
    try:
        text = p.read_text()
        mode = p.stat().st_mode
    except OSError as exc:
        raise UsageError(f"--config: cannot read {p}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"--config: {p} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise UsageError(f"--config: {p} must hold a mapping")
    known = {
        "targets",
        "name",
        "every",
        "jitter",
        "sample",
        "kinds",
        "alerts",
        "remind",
        "remind_max",
        "count_jump",
        "count_jump_min",
        "cert_days",
        "quiet_hours",
        "metrics",
        "scope",
        "retry",
        "concurrency",
        "rate",
        "connect_timeout",
        "read_timeout",
        "timeout",
        "grace",
        "max_hosts",
        "yes",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise UsageError(f"--config: {p}: unknown setting(s) {', '.join(unknown)}")
    alerts = data.get("alerts") or []
    if not isinstance(alerts, list):
        raise UsageError(f"--config: {p}: alerts is a list of routes")
    specs = [route_from_mapping(a, f"--config {p}") for a in alerts]
    if any(_has_secret(s) for s in specs) and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UsageError(
            f"--config: {p} holds a secret and others may read it: "
            f"chmod 600 {p}, or name environment variables (secret_env, "
            "password_env, url_env) instead"
        )
    data["alerts"] = specs
    return data


def build(cli: Mapping[str, Any], file: Mapping[str, Any] | None = None) -> WatchConfig:
    """The config from the command line's values (None: not given) over the file's."""
    file = file or {}

    def pick(key: str, default: Any = None, file_key: str | None = None) -> Any:
        value = cli.get(key)
        if value is None or value == () or value == []:
            value = file.get(file_key or key)
        return default if value is None else value

    targets = tuple(str(t) for t in (*(cli.get("targets") or ()), *(file.get("targets") or ())))
    if not targets:
        raise UsageError("watch needs a TARGET (on the command line or as targets: in --config)")
    every = parse_duration(pick("every", "5m"), "--every")
    if every < 1:
        raise UsageError("--every: at least one second")
    jitter = pick("jitter")
    metrics = pick("metrics")
    rules = Rules(
        remind=parse_duration(pick("remind", "1h"), "--remind"),
        remind_max=parse_duration(pick("remind_max", "24h"), "remind_max"),
        count_jump=parse_percent(pick("count_jump", "50%"), "--count-jump"),
        count_jump_min=int(pick("count_jump_min", 100)),
        cert_days=int(pick("cert_days", 14)),
    )
    retry_file = file.get("retry") or {}
    if not isinstance(retry_file, Mapping):
        raise UsageError("--config: retry is a mapping (first, longest, attempts)")
    retry = RetryPolicy(
        first=parse_duration(retry_file.get("first", 5), "retry.first"),
        longest=parse_duration(retry_file.get("longest", "15m"), "retry.longest"),
        attempts=max(1, int(retry_file.get("attempts", 8))),
    )
    quiet = pick("quiet_hours")
    kinds = pick("kinds", ())
    if isinstance(kinds, str):
        kinds = [k for k in kinds.split(",") if k.strip()]
    routes = (*(route_from_text(a) for a in cli.get("alerts") or ()), *(file.get("alerts") or ()))
    default = Limits()
    limits = Limits(
        connect_timeout=parse_duration(pick("connect_timeout", default.connect_timeout)),
        read_timeout=parse_duration(pick("read_timeout", default.read_timeout)),
        total_timeout=parse_duration(pick("timeout", default.total_timeout)),
        concurrency=max(1, int(pick("concurrency", 128))),
        rate=float(pick("rate")) if pick("rate") is not None else None,
    )
    return WatchConfig(
        targets=targets,
        name=str(pick("name", "default")),
        every=every,
        jitter=parse_duration(jitter, "--jitter") if jitter is not None else None,
        sample=int(pick("sample", 100)),
        kinds=tuple(str(k).strip().lower() for k in kinds),
        routes=tuple(routes),
        rules=rules,
        retry=retry,
        quiet=QuietHours.parse(quiet) if quiet else None,
        metrics=parse_listen(metrics) if metrics else None,
        scope_file=pick("scope_file", file_key="scope"),
        max_hosts=int(pick("max_hosts", 4096)),
        yes=bool(pick("yes", False)),
        limits=limits,
        grace=parse_duration(pick("grace", 30), "--grace"),
        config_file=str(cli["config"]) if cli.get("config") else None,
    )


def load(cli: Mapping[str, Any]) -> WatchConfig:
    """The config from the command line, and the file it names (``config``)."""
    path = cli.get("config")
    return build(cli, read_file(path) if path else None)


def parse_listen(text: str) -> tuple[str, int]:
    """``--metrics HOST:PORT`` (``:9464`` listens on loopback)."""
    host, sep, port = str(text).rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
        raise UsageError(f"--metrics: expected HOST:PORT, got {text!r}")
    return (host.strip("[]") or "127.0.0.1", int(port))


def secret(
    options: Mapping[str, Any],
    key: str,
    default_env: str | None,
    env: Mapping[str, str] | None = None,
) -> str | None:
    """A route's secret: ``key`` from a (0600) config file, else the variable ``key_env``
    names, else ``default_env``."""
    env = os.environ if env is None else env
    if options.get(key):
        return str(options[key])
    var = options.get(f"{key}_env") or default_env
    if var:
        value = env.get(str(var))
        if value:
            return value
    return None
