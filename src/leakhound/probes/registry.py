"""The built-in probes, listed explicitly."""

from __future__ import annotations

from .base import Probe
from .elasticsearch import ElasticsearchProbe

PROBES: tuple[Probe, ...] = (ElasticsearchProbe(),)


def by_kind(kind: str) -> Probe:
    """The probe of one kind; KeyError when there is none."""
    for probe in PROBES:
        if probe.kind == kind:
            return probe
    raise KeyError(kind)
