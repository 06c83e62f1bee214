"""Notification drafts: to the supervisory authority (GDPR Art. 33) and to the people (Art. 34).

``notify(scan, assessment, kind="authority"|"subjects", fmt="markdown"|"html")`` returns a
draft for a person to check and complete: what only the data's owner knows is left as
``[[TO FILL: …]]``. Nothing is sent anywhere.
"""

from __future__ import annotations

from ..assess import Assessment
from ..assess.document import to_html_page, to_markdown
from ..store.records import ScanRecord
from . import authority, subjects

KINDS = ("authority", "subjects")
FORMATS = ("markdown", "html")


def notify(
    scan: ScanRecord, assessment: Assessment, kind: str = "authority", fmt: str = "markdown"
) -> str:
    """A draft notification of the breach found by ``scan``, as its ``assessment`` sees it."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    module = authority if kind == "authority" else subjects
    blocks = module.blocks(scan, assessment)
    if fmt == "html":
        return to_html_page(module.title(assessment), blocks)
    return to_markdown(blocks)


__all__ = ["FORMATS", "KINDS", "notify"]
