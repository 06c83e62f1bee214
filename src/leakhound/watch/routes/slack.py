"""Slack incoming webhooks (and Mattermost, Rocket.Chat, which take the same body): a text
fallback and blocks in Slack's mrkdwn, target text escaped."""

from __future__ import annotations

import orjson

from ..alert import Alert
from .base import label
from .http import post

_ICON = {"critical": ":rotating_light:", "warning": ":warning:", "info": ":white_check_mark:"}


def _escape(text: str) -> str:
    """Slack's three control characters in text (a link or a mention needs ``<``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def message(alert: Alert) -> dict[str, object]:
    """The webhook body."""
    title = f"{_ICON.get(alert.severity, '')} *{_escape(alert.title)}*".strip()
    details = "\n".join(_escape(line) for line in alert.lines()[2:] if line)[:2900]
    return {
        "text": f"[leakhound {alert.severity}] {_escape(alert.title)}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": title[:3000]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"```{details}```"}},
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"scan `{alert.scan_id}` · alert `{alert.alert_id}`"}
                ],
            },
        ],
    }


class SlackRoute:
    """POST to a Slack-compatible incoming webhook."""

    def __init__(self, url: str, *, ca_file: str | None = None) -> None:
        self.url = url
        self.ca_file = ca_file
        self.label = label("slack", url)

    async def send(self, alert: Alert, delivery_id: str) -> None:
        """One POST."""
        await post(self.url, orjson.dumps(message(alert)), {}, ca_file=self.ca_file)
