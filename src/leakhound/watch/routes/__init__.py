"""Alert routes, one module each: a generic webhook (JSON, HMAC-signed), Slack, Microsoft
Teams, e-mail over SMTP, syslog (RFC 5424) and a command. ``build`` makes them from the
config, each secret read from the environment or the config file, never from the command line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from ...errors import UsageError
from ..config import RouteSpec, secret
from .base import DeliveryError, Route
from .command import CommandRoute
from .slack import SlackRoute
from .smtp import SmtpRoute
from .syslog import SyslogRoute
from .teams import TeamsRoute
from .webhook import WebhookRoute

__all__ = ["DeliveryError", "Route", "build", "build_all"]

WEBHOOK_SECRET_ENV = "LEAKHOUND_WEBHOOK_SECRET"  # noqa: S105 - the variable's name
SMTP_PASSWORD_ENV = "LEAKHOUND_SMTP_PASSWORD"  # noqa: S105 - the variable's name


def build(spec: RouteSpec, env: Mapping[str, str] | None = None) -> Route:
    """One route from its config."""
    env = os.environ if env is None else env
    opts = spec.options
    ca = opts.get("ca")
    if spec.type == "command":
        return CommandRoute(tuple(spec.target), timeout=float(opts.get("timeout", 60)))
    target = str(spec.target)
    if spec.type == "webhook":
        key = secret(opts, "secret", WEBHOOK_SECRET_ENV, env)
        if not key:
            raise UsageError(
                f"the webhook route {target.split('?')[0]} needs a shared secret: "
                f"set {WEBHOOK_SECRET_ENV} (or secret_env in --config)"
            )
        return WebhookRoute(target, key.encode(), ca_file=ca)
    if spec.type in ("slack", "teams"):
        url = target or secret(opts, "url", None, env)
        if not url:
            raise UsageError(
                f"the {spec.type} route needs its webhook URL: set "
                f"{opts.get('url_env') or 'url_env'} (or url in a 0600 --config)"
            )
        return (SlackRoute if spec.type == "slack" else TeamsRoute)(url, ca_file=ca)
    if spec.type == "smtp":
        return SmtpRoute(target, secret(opts, "password", SMTP_PASSWORD_ENV, env), opts)
    if spec.type == "syslog":
        return SyslogRoute(target)
    raise UsageError(f"unknown alert route type {spec.type!r}")


def build_all(specs: Sequence[RouteSpec], env: Mapping[str, str] | None = None) -> dict[str, Route]:
    """Every route by its label (the same route configured twice is one)."""
    routes: dict[str, Route] = {}
    for spec in specs:
        route = build(spec, env)
        routes.setdefault(route.label, route)
    return routes
