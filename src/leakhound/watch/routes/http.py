"""The HTTP routes (generic webhook, Slack, Teams) share one poster: a JSON body, a short
deadline, no redirect followed, any 2xx taken as delivered."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from ... import __version__
from .base import DeliveryError, one_line

TIMEOUT = 15.0


async def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    ca_file: str | None = None,
    timeout: float = TIMEOUT,
) -> None:
    """POST ``body``; DeliveryError unless the receiver answers 2xx."""
    sent = {"content-type": "application/json", "user-agent": f"leakhound/{__version__}", **headers}
    try:
        # trust_env=False: no proxy or netrc from the environment reaches a receiver unasked.
        async with httpx.AsyncClient(
            timeout=timeout, verify=ca_file or True, follow_redirects=False, trust_env=False
        ) as client:
            response = await client.post(url, content=body, headers=sent)
    except (httpx.HTTPError, OSError) as exc:
        raise DeliveryError(one_line(exc)) from None
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"HTTP {response.status_code} from the receiver")
