"""Breach assessment: ENISA severity, the GDPR decision aid, the figures a notification needs.

``assess(scan, context, aware_since)`` turns a stored scan (a ``ScanRecord``) into an
``Assessment``; ``load_context`` reads the owner's YAML context file; ``render`` shows an
assessment as terminal text, Markdown or JSON.
"""

from .assessment import Assessment, Exposure, assess
from .categories import DataCategory, Identifiability, entity_class
from .context import Context, ContextError, load_context, parse_context, parse_when
from .figures import (
    ContainerExposure,
    Figure,
    Method,
    Store,
    common_words,
    counted,
    records_by_year,
    tally,
    years_basis,
)
from .gdpr import Deadline, Decision, Duty
from .logs import LogEvidence
from .severity import Criterion, Level, Severity

__all__ = [
    "Assessment",
    "ContainerExposure",
    "Context",
    "ContextError",
    "Criterion",
    "DataCategory",
    "Deadline",
    "Decision",
    "Duty",
    "Exposure",
    "Figure",
    "Identifiability",
    "Level",
    "LogEvidence",
    "Method",
    "Severity",
    "Store",
    "assess",
    "common_words",
    "counted",
    "entity_class",
    "load_context",
    "parse_context",
    "parse_when",
    "records_by_year",
    "tally",
    "years_basis",
]
