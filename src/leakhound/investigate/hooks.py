"""What assess, notify and the HTML report take from a stored investigation: one reading of
it (``evidence``), the few sentences they quote, and ``stored``, which the command line hands
to assess as a ``leakhound.assess.LogEvidence`` (assess never imports this package)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..assess.logs import LogEvidence
from .classify import OWNER, SCANNER, UNKNOWN
from .model import Estimate, Investigation, from_dict

if TYPE_CHECKING:
    from ..store import SqliteStore


@dataclass(frozen=True, slots=True)
class Evidence:
    """The access-log findings a breach assessment rests on."""

    investigation: Investigation
    sentence: str  # "2 unknown sources read about 24,000 (…) records between … and …"
    unknown_readers: int
    unknown_personal_readers: int
    records: Estimate | None
    first_unknown: str | None
    scanner_readers: int  # known research scanners that read documents
    wipers: tuple[str, ...]  # sources (not the owner) that deleted data or left a ransom note
    aggregators: int  # unknown sources that ran aggregations (size 0) and read no document
    window: str
    logs: int  # log lines read


def stored(store: SqliteStore, scan_id: str, *, redact: bool = False) -> LogEvidence | None:
    """What assess, notify and the HTML report quote from the investigation stored with a scan
    (``leakhound investigate --scan``), or None when there is none; ``redact``: the report's
    section masks the addresses. The scan's own JSON report never carries it."""
    ev = evidence(store.load_investigation(scan_id))
    if ev is None:
        return None
    return LogEvidence(
        confidentiality=confidentiality(ev),
        malicious=malicious(ev),
        article_34=article_34(ev),
        sentence=draft_sentence(ev),
        unknown_readers=ev.unknown_readers,
        html=html(ev, redact=redact),
    )


def evidence(data: Any) -> Evidence | None:
    """The evidence of a stored investigation (its JSON, as ``load_investigation`` reads it),
    or None when there is none."""
    if not isinstance(data, dict):
        return None
    try:
        inv = from_dict(data)
    except (TypeError, KeyError, ValueError, AttributeError):
        return None  # written by another version in another shape: assess without it
    s = inv.summary
    window = f"{inv.window.since or 'the first log line'} and {inv.window.until or 'the last'}"
    return Evidence(
        investigation=inv,
        sentence=s.sentence,
        unknown_readers=len(s.unknown_readers),
        unknown_personal_readers=len(s.unknown_personal_readers),
        records=s.records_unknown,
        first_unknown=s.first_unknown,
        scanner_readers=sum(1 for x in inv.sources if x.kind == SCANNER and x.read),
        wipers=tuple(
            x.address
            for x in inv.sources
            if x.kind != OWNER and any(a.action in ("wipe", "ransom-note") for a in x.actions)
        ),
        aggregators=sum(
            1
            for x in inv.sources
            if x.kind == UNKNOWN and not x.read and "aggregate" in x.action_names
        ),
        window=window,
        logs=sum(f.lines for f in inv.files),
    )


def confidentiality(ev: Evidence) -> tuple[float, str]:
    """ENISA's loss-of-confidentiality element from the logs, with its reason."""
    if ev.unknown_readers:
        return 0.5, (
            f"access logs ({ev.logs:,} lines): {ev.sentence}: the data reached an "
            "unknown number of unknown recipients"
        )
    if ev.scanner_readers:
        return 0.25, (
            f"access logs ({ev.logs:,} lines): only known research scanners read "
            f"documents between {ev.window}: known recipients"
        )
    unknown = sum(1 for s in ev.investigation.sources if s.kind == UNKNOWN)
    did = "only probed, listed or aggregated" if ev.aggregators else "only probed or listed indices"
    return 0.0, (
        f"access logs ({ev.logs:,} lines): no unknown source read documents between "
        f"{ev.window}"
        + (f" ({unknown} {did})" if unknown else "")
        + ": exposed without evidence of unlawful processing, as far as the logs cover "
        "the whole exposure" + _aggregated(ev)
    )


def _aggregated(ev: Evidence) -> str:
    """The caution unknown aggregations call for (none without them)."""
    if not ev.aggregators:
        return ""
    return (
        f"; but {ev.aggregators} unknown source(s) ran searches of size 0: no document came "
        "back, yet a terms aggregation lists a field's values: check their example lines for "
        "what they aggregated before relying on this"
    )


def malicious(ev: Evidence) -> tuple[float, str] | None:
    """Malicious intent when the logs show a wipe or ransom note by someone else, else None."""
    if not ev.wipers:
        return None
    return 0.5, (
        f"access logs: {len(ev.wipers)} source(s) other than the owner deleted data or "
        "left a ransom note: an intentional harmful action"
    )


def article_34(ev: Evidence) -> str:
    """The logs' bearing on Art. 34 (and its 34(3)(b) exception), in one reason."""
    if ev.unknown_readers:
        return (
            f"the access logs show it was read: {ev.sentence}; the data is in unknown "
            "hands, so no Art. 34(3)(b) argument can rest on nobody having read it"
        )
    return (
        f"the access logs show no unknown source reading documents between {ev.window}: "
        "if they cover the whole exposure, this supports an Art. 34(3)(b) argument that "
        "the high risk is no longer likely to materialise" + _aggregated(ev)
    )


def draft_sentence(ev: Evidence) -> str:
    """The sentence the notification drafts quote."""
    text = ev.sentence[0].upper() + ev.sentence[1:]
    if ev.first_unknown:
        text += f"; the first access by an unknown source was at {ev.first_unknown}"
    return text + " (from the access logs, read with leakhound investigate)."


def html(ev: Evidence, *, redact: bool = False) -> str:
    """The report's investigation section (escaped HTML with the timeline as inline SVG)."""
    from .render import html_section

    return html_section(ev.investigation, redact=redact)
