"""A command to run for each alert: no shell; the alert's JSON (the webhook's body) on its
standard input, a few facts in its environment; exit status 0 means delivered."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Sequence

from ..alert import Alert
from .base import DeliveryError, label
from .webhook import payload

TIMEOUT = 60.0


class CommandRoute:
    """Run ``argv`` once an alert."""

    def __init__(self, argv: Sequence[str], *, timeout: float = TIMEOUT) -> None:
        self.argv = tuple(argv)
        self.timeout = timeout
        self.label = label("command", " ".join(self.argv))

    async def send(self, alert: Alert, delivery_id: str) -> None:
        """Run the command with the alert on stdin."""
        env = {
            **os.environ,
            "LEAKHOUND_ALERT_ID": alert.alert_id,
            "LEAKHOUND_DELIVERY_ID": delivery_id,
            "LEAKHOUND_EVENT": alert.event,
            "LEAKHOUND_SEVERITY": alert.severity,
            "LEAKHOUND_ENDPOINT": alert.endpoint,
            "LEAKHOUND_SCAN_ID": alert.scan_id,
            "LEAKHOUND_TITLE": alert.title,
        }
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            raise DeliveryError(f"cannot run {self.argv[0]}: {exc.strerror or exc}") from None
        try:
            _, err = await asyncio.wait_for(proc.communicate(payload(alert)), self.timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            raise DeliveryError(f"{self.argv[0]} ran over {self.timeout:.0f} s") from None
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            raise
        if proc.returncode != 0:
            last = (err or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise DeliveryError(f"{self.argv[0]} exited {proc.returncode}: {last[0][:200]}")
