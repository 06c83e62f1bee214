"""The built-in detectors, listed explicitly: one line per module of ``leakhound.detect``."""

from __future__ import annotations

from .base import Detector
from .email import EmailDetector
from .ip import IpDetector

DETECTORS: tuple[Detector, ...] = (
    EmailDetector(),
    IpDetector(),
)


def by_id(detector_id: str) -> Detector:
    """The detector with this id; KeyError when there is none."""
    for detector in DETECTORS:
        if detector.id == detector_id:
            return detector
    raise KeyError(detector_id)


def entity_types() -> frozenset[str]:
    """Every entity type the built-in detectors can report."""
    return frozenset().union(*(d.entities for d in DETECTORS))
