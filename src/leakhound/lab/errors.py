"""The one exception the lab raises: something it needs is missing or did not come up."""

from __future__ import annotations

from ..errors import LeakhoundError


class LabError(LeakhoundError):
    """The lab cannot build, start, seed or stop; ``str(e)`` is one line saying why."""
