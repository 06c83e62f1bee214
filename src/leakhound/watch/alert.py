"""An alert: one change the watch saw, with masked evidence, the scan that saw it and the
commands to run next. Every route renders the same value; nothing in it is a raw personal
value (examples are the detectors' masked previews; text from targets is neutralised)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..models import to_dict

# Events: a state that begins (opened, compromised, certificate), changes (changed,
# new-container, new-pii, count-jump), lasts (reminder) or ends (resolved).
OPENED = "opened"
CHANGED = "changed"
NEW_CONTAINER = "new-container"
NEW_PII = "new-pii"
COUNT_JUMP = "count-jump"
COMPROMISED = "compromised"
CERTIFICATE = "certificate"
REMINDER = "reminder"
RESOLVED = "resolved"
EVENTS = (
    OPENED,
    CHANGED,
    NEW_CONTAINER,
    NEW_PII,
    COUNT_JUMP,
    COMPROMISED,
    CERTIFICATE,
    REMINDER,
    RESOLVED,
)

CRITICAL, WARNING, INFO = "critical", "warning", "info"


@dataclass(frozen=True, slots=True)
class Alert:
    """One change at one endpoint, ready for every route."""

    alert_id: str
    watch: str
    event: str  # one of EVENTS
    severity: str  # critical, warning, info
    issue: str | None  # the issue it belongs to: exposed, compromised, certificate
    endpoint: str  # host:port (and the account: ``Endpoint.key``)
    url: str
    store_kind: str
    verdict: str
    title: str  # one line
    scan_id: str
    at: str  # ISO 8601, UTC
    evidence: dict[str, Any] = field(default_factory=dict)  # masked only
    next_steps: tuple[str, ...] = ()  # commands to run next

    def to_dict(self) -> dict[str, Any]:
        """The alert as JSON-ready data (the webhook's body, the delivery record)."""
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Alert:
        """An alert from ``to_dict``'s output."""
        names = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in names}
        values["next_steps"] = tuple(values.get("next_steps") or ())
        return cls(**values)

    def lines(self) -> list[str]:
        """The alert as plain text lines: the title, the evidence, the commands."""
        out = [self.title, ""]
        out.append(f"event: {self.event} ({self.severity}), watch {self.watch!r}")
        out.append(f"endpoint: {self.url} ({self.store_kind}), verdict {self.verdict}")
        out.append(f"scan: {self.scan_id} at {self.at}")
        ev = self.evidence
        if ev.get("reason"):
            out.append(f"why: {ev['reason']}")
        if ev.get("inventory_incomplete"):
            out.append(f"inventory incomplete: {ev['inventory_incomplete']}")
        if ev.get("inventory_note"):
            out.append(f"inventory note: {ev['inventory_note']}")
        if ev.get("first_seen_exposed"):
            out.append(f"first seen exposed: {ev['first_seen_exposed']}")
        for line in ev.get("changes") or ():
            out.append(f"change: {line}")
        containers = ev.get("containers") or []
        if containers:
            total = ev.get("containers_total", len(containers))
            shut = ev.get("containers_refused")
            more = f"; {shut} more listed but not readable, after them" if shut else ""
            least = "at least " if ev.get("inventory_incomplete") else ""
            out.append(f"containers ({least}{total}, largest first{more}):")
            for c in containers:
                docs = "?" if c.get("docs") is None else f"{c['docs']:,}"
                kinds = f"; {', '.join(c['pii'])}" if c.get("pii") else ""
                flag = " [compromised]" if c.get("compromised") else ""
                flag += " [not readable]" if c.get("refused") else ""
                out.append(f"  {c['name']}: {docs} records{kinds}{flag}")
        pii = ev.get("pii") or {}
        if pii:
            sampled = ev.get("sampled") or {}
            basis = (
                f" ({sampled['records']:,} records read from {sampled['containers']:,} "
                "container(s); the figures count those records, not the store's)"
                if sampled.get("containers")
                else ""
            )
            out.append(f"personal data in the sample (masked){basis}:")
            for kind, info in pii.items():
                examples = ", ".join(info.get("examples") or ())
                of = info.get("of_sampled")
                out.append(
                    f"  {kind}: {info.get('docs', 0):,}"
                    + (f" of {of:,}" if isinstance(of, int) else "")
                    + " sampled records"
                    + (f", e.g. {examples}" if examples else "")
                )
        for reason in ev.get("compromise") or ():
            out.append(f"ransom/wipe sign: {reason}")
        cert = ev.get("certificate")
        if cert:
            out.append(
                f"certificate: {cert.get('subject') or '?'}, expires {cert.get('not_after') or '?'}"
            )
        if self.next_steps:
            out += ["", "next:"] + [f"  {c}" for c in self.next_steps]
        return out

    def text(self) -> str:
        """``lines`` joined: the body of an e-mail, the input of a command."""
        return "\n".join(self.lines()) + "\n"
