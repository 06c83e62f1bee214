"""What every alert route is: a label for the record (never a secret) and ``send``."""

from __future__ import annotations

import hashlib
from typing import Protocol
from urllib.parse import urlsplit

from ..alert import Alert


class DeliveryError(Exception):
    """One delivery attempt failed; ``str(e)`` is one line, without any secret."""


class Route(Protocol):
    """One place alerts go to."""

    @property
    def label(self) -> str:
        """How the record and the log name the route: its type, where it goes (host and
        port, never a path, a query or a password) and a short digest of the whole target,
        stable across reloads."""

    async def send(self, alert: Alert, delivery_id: str) -> None:
        """Deliver the alert once; DeliveryError when it did not arrive."""


def label(kind: str, target: str) -> str:
    """``kind scheme://host:port/… (digest)``: enough to recognise a route, not to use it."""
    digest = hashlib.sha256(target.encode()).hexdigest()[:8]
    parts = urlsplit(target)
    if parts.scheme and parts.hostname:
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        port = f":{parts.port}" if parts.port else ""
        user = f"{parts.username}@" if parts.username else ""
        where = f"{parts.scheme}://{user}{host}{port}" + ("/…" if parts.path.strip("/") else "")
    else:
        where = target.split(" ", 1)[0][:80]
    return f"{kind} {where} ({digest})"


def one_line(exc: BaseException) -> str:
    """An exception as one short line."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]
