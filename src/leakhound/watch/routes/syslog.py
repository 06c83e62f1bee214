"""Syslog, RFC 5424: one message an alert, over UDP (RFC 5426, ``syslog://host:514``) or TCP
with octet counting (RFC 6587, ``syslog+tcp://host:601``); ``?facility=local0``.

``<PRI>1 TIMESTAMP HOST leakhound PID EVENT [leakhound@32473 alert_id=… scan_id=… …] MSG``
(32473 is the private enterprise number RFC 5612 reserves for examples: leakhound has none).
"""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from ...errors import UsageError
from ..alert import Alert
from .base import DeliveryError, label, one_line

FACILITIES = {
    "kern": 0,
    "user": 1,
    "mail": 2,
    "daemon": 3,
    "auth": 4,
    "syslog": 5,
    "lpr": 6,
    "news": 7,
    "uucp": 8,
    "cron": 9,
    "authpriv": 10,
    "ftp": 11,
    **{f"local{i}": 16 + i for i in range(8)},
}
# RFC 5424 severities: 2 critical, 4 warning, 5 notice (a resolution).
SEVERITIES = {"critical": 2, "warning": 4, "info": 5}
SD_ID = "leakhound@32473"
MAX_UDP = 2048  # what RFC 5426 receivers must accept
TIMEOUT = 10.0


def _sd_value(text: str) -> str:
    """A structured-data parameter value: ``"``, ``\\`` and ``]`` escaped (RFC 5424 6.3.3)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _header_field(text: str, limit: int) -> str:
    """A header field: printable US-ASCII without spaces, or ``-``."""
    clean = "".join(c for c in text if 33 <= ord(c) <= 126)[:limit]
    return clean or "-"


def format_message(
    alert: Alert,
    facility: int,
    *,
    host: str | None = None,
    pid: int | None = None,
    when: datetime | None = None,
) -> bytes:
    """One RFC 5424 message."""
    pri = facility * 8 + SEVERITIES.get(alert.severity, 5)
    stamp = (when or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds")
    stamp = stamp.replace("+00:00", "Z")
    params = {
        "alert_id": alert.alert_id,
        "watch": alert.watch,
        "event": alert.event,
        "severity": alert.severity,
        "endpoint": alert.endpoint,
        "verdict": alert.verdict,
        "scan_id": alert.scan_id,
    }
    sd = "[" + SD_ID + "".join(f' {k}="{_sd_value(v)}"' for k, v in params.items()) + "]"
    header = (
        f"<{pri}>1 {stamp} {_header_field(host or socket.gethostname(), 255)} leakhound "
        f"{pid if pid is not None else os.getpid()} {_header_field(alert.event, 32)} {sd} "
    )
    steps = "; ".join(alert.next_steps[1:2] or alert.next_steps[:1])
    text = alert.title + (f" | next: {steps}" if steps else "")
    return header.encode() + b"\xef\xbb\xbf" + text.encode("utf-8")


class SyslogRoute:
    """Send each alert to a syslog collector."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.tcp = parts.scheme == "syslog+tcp"
        self.host = parts.hostname or ""
        if not self.host:
            raise UsageError(f"syslog route: no host in {url!r}")
        self.port = parts.port or (601 if self.tcp else 514)
        name = (parse_qs(parts.query).get("facility") or ["daemon"])[-1]
        if name not in FACILITIES:
            raise UsageError(f"syslog route: unknown facility {name!r}")
        self.facility = FACILITIES[name]
        self.label = label("syslog", url)

    async def send(self, alert: Alert, delivery_id: str) -> None:
        """One datagram, or one framed message on a new TCP connection."""
        data = format_message(alert, self.facility)
        try:
            if self.tcp:
                await asyncio.wait_for(self._tcp(data), TIMEOUT)
            else:
                await asyncio.to_thread(self._udp, data[:MAX_UDP])
        except (OSError, TimeoutError) as exc:
            raise DeliveryError(one_line(exc)) from None

    async def _tcp(self, data: bytes) -> None:
        _reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(str(len(data)).encode() + b" " + data)
            await writer.drain()
        finally:
            writer.close()
            await writer.wait_closed()

    def _udp(self, data: bytes) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.settimeout(TIMEOUT)
            sock.connect((self.host, self.port))
            sock.send(data)
