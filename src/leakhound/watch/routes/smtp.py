"""E-mail over SMTP: STARTTLS (``smtp://``, port 587) or TLS from the first byte
(``smtps://``, port 465), the certificate verified (``?ca=FILE`` for a private CA), then AUTH
when a user is named. The password never comes from the URL: the environment or a 0600 config.

``smtp://alerts@mail.example.net:587?to=security@example.net,ops@example.net&from=leakhound@example.net``
"""

from __future__ import annotations

import asyncio
import smtplib
import socket
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ...errors import UsageError
from ..alert import Alert
from .base import DeliveryError, label, one_line
from .webhook import payload

TIMEOUT = 30.0


class SmtpRoute:
    """Send each alert as one e-mail."""

    def __init__(
        self, url: str, password: str | None, options: Mapping[str, Any] | None = None
    ) -> None:
        options = dict(options or {})
        parts = urlsplit(url)
        if parts.password is not None:
            raise UsageError(
                "an smtp:// route takes no password in its URL: set "
                "LEAKHOUND_SMTP_PASSWORD (or password_env in --config)"
            )
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname or ""
        if not self.host:
            raise UsageError(f"smtp route: no host in {url!r}")
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.user = unquote(parts.username) if parts.username else None
        self.password = password
        if self.user and not password:
            raise UsageError(
                f"smtp route: user {self.user!r} needs a password: set "
                "LEAKHOUND_SMTP_PASSWORD (or password_env in --config)"
            )
        self.to = _addresses(options.get("to") or query.get("to"))
        if not self.to:
            raise UsageError(
                "smtp route: no recipient (?to=a@example.net,b@example.net, or to: in --config)"
            )
        self.sender = str(
            options.get("from") or query.get("from") or f"leakhound@{socket.getfqdn()}"
        )
        self.ca_file = options.get("ca") or query.get("ca")
        self.timeout = float(options.get("timeout") or query.get("timeout") or TIMEOUT)
        self.label = label("smtp", url.split("?", 1)[0]) + f" -> {', '.join(self.to)}"

    def message(self, alert: Alert) -> EmailMessage:
        """The e-mail: the alert as text, its JSON attached."""
        msg = EmailMessage()
        msg["Subject"] = f"[leakhound {alert.severity}] {alert.title}"[:250]
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.to)
        msg["Message-ID"] = make_msgid("leakhound")
        msg["X-Leakhound-Alert"] = alert.alert_id
        msg["X-Leakhound-Scan"] = alert.scan_id
        msg["X-Leakhound-Event"] = alert.event
        msg.set_content(alert.text())
        msg.add_attachment(
            payload(alert), maintype="application", subtype="json", filename="alert.json"
        )
        return msg

    async def send(self, alert: Alert, delivery_id: str) -> None:
        """One SMTP session, in a thread (smtplib blocks)."""
        msg = self.message(alert)
        msg["X-Leakhound-Delivery"] = delivery_id
        await asyncio.to_thread(self._send, msg)

    def _send(self, msg: EmailMessage) -> None:
        context = ssl.create_default_context(cafile=self.ca_file)
        try:
            if self.implicit_tls:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=context
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                client.ehlo()
                if not self.implicit_tls:
                    # STARTTLS is required: no alert, and no password, goes out in clear.
                    if not client.has_extn("starttls"):
                        raise DeliveryError(f"{self.host}:{self.port} offers no STARTTLS")
                    client.starttls(context=context)
                    client.ehlo()
                if self.user:
                    client.login(self.user, self.password or "")
                refused = client.send_message(msg)
            if refused:
                raise DeliveryError(f"recipients refused: {', '.join(sorted(refused))}")
        except DeliveryError:
            raise
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise DeliveryError(one_line(exc)) from None


def _addresses(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    items: Sequence[Any] = value.split(",") if isinstance(value, str) else value
    return tuple(str(a).strip() for a in items if str(a).strip())
