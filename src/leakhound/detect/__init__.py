"""Find personal data in JSON documents.

``scan_document`` walks one JSON value and returns ``Hit``s (masked previews, offsets,
scores); ``scan_batch`` does the same for a page of documents, faster; ``masked_text`` masks
what an error line quotes.
``run_jsonl`` is ``leakhound detect [FILE]``. Each entity kind has its own module
(``email.py``, ``ip.py``…), listed in ``registry.py``.
"""

from __future__ import annotations

from .base import Hit
from .jsonl import run_jsonl
from .registry import entity_types
from .scan import masked_text, scan_batch, scan_document

__all__ = [
    "Hit",
    "entity_types",
    "masked_text",
    "run_jsonl",
    "scan_batch",
    "scan_document",
]
