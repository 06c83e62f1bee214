"""How hard the fuzz tests try: 200 examples each, or LEAKHOUND_FUZZ_EXAMPLES for a deep run."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("LEAKHOUND_FUZZ_EXAMPLES", "200"))


def budget(deadline_ms: int, *, fixtures: bool = False) -> settings:
    """Settings for one fuzz test: bounded examples, a deadline per example."""
    checks = [HealthCheck.too_slow]
    if fixtures:  # module-scoped servers and folders, deliberately shared between examples
        checks.append(HealthCheck.function_scoped_fixture)
    return settings(max_examples=EXAMPLES, deadline=deadline_ms, suppress_health_check=checks)
