"""Microsoft Teams: an Adaptive Card in a message, the body Teams' Workflows ("Post to a
channel when a webhook request is received") and its older incoming webhooks accept."""

from __future__ import annotations

import orjson

from ..alert import Alert
from .base import label
from .http import post

_COLOUR = {"critical": "Attention", "warning": "Warning", "info": "Good"}


def message(alert: Alert) -> dict[str, object]:
    """The webhook body."""
    facts = [
        {"title": "event", "value": f"{alert.event} ({alert.severity})"},
        {"title": "endpoint", "value": alert.url},
        {"title": "verdict", "value": alert.verdict},
        {"title": "scan", "value": alert.scan_id},
    ]
    lines = [line for line in alert.lines()[2:] if line][4:]
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": alert.title,
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
                "color": _COLOUR.get(alert.severity, "Default"),
            },
            {"type": "FactSet", "facts": facts},
            {
                "type": "TextBlock",
                "text": "\n\n".join(lines)[:4000],
                "wrap": True,
                "fontType": "Monospace",
            },
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


class TeamsRoute:
    """POST to a Teams workflow or incoming webhook."""

    def __init__(self, url: str, *, ca_file: str | None = None) -> None:
        self.url = url
        self.ca_file = ca_file
        self.label = label("teams", url)

    async def send(self, alert: Alert, delivery_id: str) -> None:
        """One POST."""
        await post(self.url, orjson.dumps(message(alert)), {}, ca_file=self.ca_file)
