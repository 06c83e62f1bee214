"""Find personal data in JSON documents: ``scan_document`` and what it returns.

Each entity kind has its own module (``email.py``, ``ip.py``…), listed in ``registry.py``.
Hits carry masked values only, plus a ``normalized`` raw value for counting distinct
people, which must go through ``leakhound.redact`` before it is stored or shown.
"""

from __future__ import annotations

from .base import Hit
from .registry import entity_types
from .scan import scan_document

__all__ = ["Hit", "entity_types", "scan_document"]
