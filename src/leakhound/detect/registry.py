"""The built-in detectors, listed explicitly: one line per module of ``leakhound.detect``."""

from __future__ import annotations

from .base import Detector
from .card import CardDetector
from .email import EmailDetector
from .geo import GeoDetector
from .iban import IbanDetector
from .ip import IpDetector
from .location import LocationDetector
from .national_id import NationalIdDetector
from .ner import NerDetector, available
from .person import PersonDetector
from .phone import PhoneDetector
from .secret import SecretDetector
from .ssn import SsnDetector

# Order matters only for speed: cheap, frequent detectors first.
DETECTORS: tuple[Detector, ...] = (
    EmailDetector(),
    IpDetector(),
    PhoneDetector(),
    CardDetector(),
    IbanDetector(),
    SsnDetector(),
    NationalIdDetector(),
    SecretDetector(),
    GeoDetector(),
    PersonDetector(),
    LocationDetector(),
)


# Modules whose detector needs an optional extra; see ``optional_detectors``.
OPTIONAL_MODULES: tuple[str, ...] = ("ner",)
# Importing ``ner`` imports no part of spaCy: that happens when the model first reads.
_NER = NerDetector()


def optional_detectors() -> tuple[Detector, ...]:
    """The optional detectors whose extras are installed (spaCy NER), possibly none."""
    return (_NER,) if available() else ()


def by_id(detector_id: str) -> Detector:
    """The detector with this id; KeyError when there is none."""
    for detector in DETECTORS:
        if detector.id == detector_id:
            return detector
    raise KeyError(detector_id)


def entity_types() -> frozenset[str]:
    """Every entity type the built-in detectors can report."""
    return frozenset().union(*(d.entities for d in DETECTORS))
