"""What the access logs of the exposure window say, in the words assess, notify and the HTML
report quote.

``leakhound investigate --scan`` stores an investigation with a scan; the command line reads it
back through ``leakhound.investigate.hooks.stored`` into a ``LogEvidence`` and hands it to
``assess``. assess never reads logs itself, and nothing here imports the investigation: it sits
above assess, as a command of its own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LogEvidence:
    """The access-log findings a breach assessment rests on."""

    confidentiality: tuple[float, str]  # ENISA's loss-of-confidentiality element, with its reason
    malicious: tuple[float, str] | None  # a wipe or ransom note by someone else, else None
    article_34: str  # the logs' bearing on Art. 34 and its 34(3)(b) exception, in one reason
    sentence: str  # what the notification drafts quote: who read how much, and when
    unknown_readers: int  # unknown sources that read documents
    html: str | None = None  # the HTML report's section, already escaped (inline SVG timeline)
