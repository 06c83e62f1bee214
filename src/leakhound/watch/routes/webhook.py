"""The generic webhook: the alert as JSON, signed with a shared secret.

Headers: ``X-Leakhound-Timestamp`` (Unix seconds), ``X-Leakhound-Signature:
sha256=<hex>``, the HMAC-SHA256 under the shared secret of ``<timestamp>.<raw body>``, and
``X-Leakhound-Delivery`` (the same on a retry: a receiver drops what it has seen). A receiver
recomputes the HMAC over the raw bytes it received, compares in constant time, and refuses a
timestamp more than five minutes away from its clock (a replayed request).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

import orjson

from ..alert import Alert
from .base import label
from .http import post

TOLERANCE = 300  # seconds a receiver should accept between the timestamp and its clock


def payload(alert: Alert) -> bytes:
    """The JSON body a webhook and a command receive."""
    return orjson.dumps({"type": "leakhound.alert", "version": 1, "alert": alert.to_dict()})


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The signature header's value for this body at this time."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: bytes,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: float | None = None,
    tolerance: float = TOLERANCE,
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


class WebhookRoute:
    """POST the alert as JSON, HMAC-signed."""

    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        ca_file: str | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.url = url
        self._secret = secret
        self.ca_file = ca_file
        self._wall = wall
        self.label = label("webhook", url)

    async def send(self, alert: Alert, delivery_id: str) -> None:
        """One signed POST."""
        body = payload(alert)
        timestamp = str(int(self._wall()))
        await post(
            self.url,
            body,
            {
                "x-leakhound-event": alert.event,
                "x-leakhound-delivery": delivery_id,
                "x-leakhound-timestamp": timestamp,
                "x-leakhound-signature": sign(self._secret, timestamp, body),
            },
            ca_file=self.ca_file,
        )
