"""Find personal data in JSON documents and count the people it belongs to.

``scan_document`` walks one JSON value and returns ``Hit``s (masked previews, offsets,
scores); ``scan_batch`` does the same for a page of documents, faster.
``SubjectCounter`` counts distinct people from the hits' normalized values;
``run_jsonl`` is ``leakhound detect [FILE]``. Each entity kind has its own module
(``email.py``, ``ip.py``…), listed in ``registry.py``.
"""

from __future__ import annotations

from .base import Hit
from .jsonl import run_jsonl
from .registry import entity_types
from .scan import scan_batch, scan_document
from .subjects import SubjectCount, SubjectCounter

__all__ = [
    "Hit",
    "SubjectCount",
    "SubjectCounter",
    "entity_types",
    "run_jsonl",
    "scan_batch",
    "scan_document",
]
