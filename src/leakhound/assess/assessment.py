"""One breach assessment of a stored scan: figures, ENISA severity, GDPR advice, next steps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from ..store.records import ScanRecord
from .categories import SECRET, DataCategory, entity_class
from .context import Context, format_when, parse_context, parse_when
from .figures import (
    ContainerExposure,
    Figure,
    Method,
    Store,
    common_words,
    container_exposures,
    data_subjects,
    date_range,
    full_totals,
    records,
    store_people,
    stores,
    tally,
)
from .gdpr import Deadline, Decision, Duty, article_33, article_34, deadline
from .logs import LogEvidence
from .severity import Severity, severity


@dataclass(frozen=True, slots=True)
class Exposure:
    """When the data could be reached, as far as the owner and the scans know."""

    started: str | None  # from the owner; None when unknown
    first_seen_exposed: str | None  # the earliest scan that found a store open
    ended: str | None  # from the owner; None while open or unknown
    scanned_at: str | None  # the end of this scan (still open then, if ended is None)

    @property
    def started_text(self) -> str:
        """Plain words for the start of the window."""
        if self.started:
            return self.started
        if self.first_seen_exposed:
            seen = format_when(self.first_seen_exposed)
            return f"unknown; at the latest {seen} (first seen open)"
        return "unknown"

    @property
    def ended_text(self) -> str:
        """Plain words for the end of the window."""
        if self.ended:
            return self.ended
        return f"still open when scanned ({format_when(self.scanned_at)})"


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything ``assess`` concluded about one scan, each conclusion with its reasons."""

    scan_id: str
    assessed_at: datetime
    stores: tuple[Store, ...]  # exposed endpoints
    containers: tuple[ContainerExposure, ...]  # every container of the exposed endpoints
    entity_types: tuple[str, ...]  # found in the samples of exposed containers
    personal_data_found: bool
    severity: Severity
    authority: Decision  # Art. 33
    subjects: Decision  # Art. 34
    deadline: Deadline
    data_subjects: Figure
    records: Figure
    date_range: tuple[str | None, str | None]
    exposure: Exposure
    consequences: tuple[str, ...]
    next_steps: tuple[str, ...]
    context: Context
    logs: LogEvidence | None = None  # access-log forensics stored with the scan

    @property
    def categories(self) -> tuple[DataCategory, ...]:
        """ENISA categories of the data found, highest first."""
        found = {entity_class(t).category for t in self.entity_types}
        return tuple(sorted((c for c in found if c), key=lambda c: -c.basic_score))

    @property
    def containers_with_personal_data(self) -> tuple[ContainerExposure, ...]:
        """Exposed containers whose sample held personal data."""
        return tuple(
            i for i in self.containers if any(entity_class(t).category for t in i.entity_types)
        )


def _were(items: list[ContainerExposure]) -> str:
    return "was" if len(items) == 1 else "were"


def asks_credentials(i: ContainerExposure) -> bool:
    """Whether a container was listed but refused for want of credentials: refused
    (``ContainerResult.refused``) by a read its probe marked so, from the protocol's own code
    (``ContainerResult.asked_credentials``), not a read that failed."""
    return i.refused and i.asked_credentials


def assess(
    scan: ScanRecord,
    context: Mapping[str, Any] | Context | None = None,
    aware_since: datetime | None = None,
    *,
    now: datetime | None = None,
    logs: LogEvidence | None = None,
) -> Assessment:
    """Assess a stored scan (``SqliteStore.load``) as a personal data breach.

    ``context`` is what the data's owner knows (``load_context`` reads it from YAML; a plain
    mapping is checked the same way). ``aware_since`` starts the 72-hour clock of Art. 33(1);
    without it, the context's ``aware_since``, else the end of the scan, is assumed. ``logs``:
    what the access logs say (``leakhound investigate --scan``, read back by
    ``leakhound.investigate.hooks.stored``).
    """
    ctx = parse_context(context or {})
    now = (now or datetime.now(UTC)).astimezone(UTC)
    exposed = stores(scan)
    containers = container_exposures(scan)
    types = tuple(sorted({t for i in containers for t in i.entity_types}))
    personal = any(entity_class(t).category is not None for t in types) or (
        ctx.data_processing_context is not None
    )
    # A container a partial store listed but whose read asked for credentials exposed its
    # name and count, not its records: it is not unmeasured data. One whose read failed
    # otherwise (a timeout, an error) may be readable: it stays unmeasured.
    shut = [asks_credentials(i) for i in containers]
    measured = all(
        i.measured for i, s in zip(containers, shut, strict=True) if i.docs != 0 and not s
    )

    if aware_since is not None:
        since, basis = parse_when(aware_since, "aware_since"), "given"
    elif ctx.aware_since is not None:
        since, basis = ctx.aware_since, "given in the context file"
    else:
        when = scan.finished_at or scan.started_at
        since = parse_when(when, "scan time")
        basis = (
            f"assumed: the end of scan {scan.scan_id} (pass --aware-since, or set "
            "aware_since in the context file)"
        )
    due = deadline(since, basis, now)

    hosts = [r.service.endpoint.host for r in scan.exposed]
    sev = severity(containers, hosts, ctx, logs)
    a33 = article_33(
        sev,
        ctx,
        exposed=bool(exposed),
        personal=personal,
        measured=measured,
        due=due,
        refused=sum(shut),
        readable=not all(shut),
        words=common_words(i for i, s in zip(containers, shut, strict=True) if not s),
        refused_words=common_words(i for i, s in zip(containers, shut, strict=True) if s),
    )
    a34 = article_34(sev, ctx, a33)
    if logs is not None:
        a34 = replace(a34, reasons=(*a34.reasons, logs.article_34))

    if ctx.data_subjects is not None:
        people = Figure(ctx.data_subjects, Method.GIVEN, basis="stated by the data's owner")
    else:
        people = store_people(scan) or data_subjects(containers, full_totals(scan))
    first_seen = min((s.first_seen_exposed for s in exposed if s.first_seen_exposed), default=None)
    exposure = Exposure(
        ctx.exposure_started,
        first_seen,
        ctx.exposure_ended,
        scan.finished_at or scan.started_at,
    )
    return Assessment(
        scan_id=scan.scan_id,
        assessed_at=now,
        stores=exposed,
        containers=containers,
        entity_types=types,
        personal_data_found=personal,
        severity=sev,
        authority=a33,
        subjects=a34,
        deadline=due,
        data_subjects=people,
        records=records(containers),
        date_range=date_range(containers),
        exposure=exposure,
        consequences=consequences(types, containers, ctx),
        next_steps=next_steps(
            scan.scan_id, exposed, containers, types, a33, a34, ctx, reviewed=logs is not None
        ),
        context=ctx,
        logs=logs,
    )


# What people risk, by kind of data: plain words for Art. 33(3)(c) and the Art. 34 notice.
_CONSEQUENCES: dict[str, str] = {
    "EMAIL_ADDRESS": "targeted phishing and spam: messages that look genuine because they use "
    "real details",
    "PHONE_NUMBER": "scam calls and text messages (vishing, smishing)",
    "PERSON": "impersonation and social engineering with the person's real name",
    "LOCATION": "unwanted contact or visits at home; letters and parcels used for fraud",
    "GEO_COORDINATES": "disclosure of where a person lives, works or goes; risk to physical safety",
    "IP_ADDRESS": "profiling of online activity; identification only through the access provider",
    "CREDIT_CARD": "fraudulent card payments",
    "IBAN_CODE": "fraudulent direct debits and payment-redirection scams",
    "US_BANK_NUMBER": "fraudulent debits and payment-redirection scams",
    "NATIONAL_ID": "identity theft: accounts, loans or contracts opened in the person's name",
    SECRET: "takeover of accounts or systems the exposed credentials open",
}


def consequences(
    types: tuple[str, ...], containers: tuple[ContainerExposure, ...], ctx: Context
) -> tuple[str, ...]:
    """Likely consequences for the people concerned (Art. 33(3)(c)), most specific first."""
    out = list(ctx.likely_consequences)
    seen: set[str] = set()
    for t in types:
        key = t
        if t not in _CONSEQUENCES and entity_class(t) is entity_class("NATIONAL_ID"):
            key = "NATIONAL_ID"
        text = _CONSEQUENCES.get(key)
        if text and text not in seen:
            seen.add(text)
            out.append(text)
    if any(entity_class(t).category is DataCategory.SENSITIVE for t in types):
        out.append(
            "discrimination, distress or damage to reputation from disclosed special "
            "categories of data (GDPR Art. 9)"
        )
    if any(i.compromised for i in containers):
        out.append("loss of the data (deleted in a wipe or ransom attack) and extortion attempts")
    if types and not ctx.likely_consequences:
        out.append("loss of control over one's personal data")
    return tuple(out)


def next_steps(
    scan_id: str,
    exposed: tuple[Store, ...],
    containers: tuple[ContainerExposure, ...],
    types: tuple[str, ...],
    a33: Decision,
    a34: Decision,
    ctx: Context,
    *,
    reviewed: bool = False,
) -> tuple[str, ...]:
    """What to do now, in order (``reviewed``: the access logs were read already)."""
    steps: list[str] = []
    if exposed and not ctx.exposure_ended:
        which = "the exposed store" if len(exposed) == 1 else f"the {len(exposed)} exposed stores"
        # A store reached at several endpoints (a node and a proxy in front of it) is closed
        # only when every way in is.
        also = [e for st in exposed for e in st.other_endpoints]
        if also:
            which += f", at every endpoint (also {', '.join(also)})"
        steps.append(
            f"Close access to {which}: firewall the port or "
            "bind to a private interface, and enable authentication. Keep logs and a "
            f"snapshot as evidence; do not delete {common_words(exposed).container[1]}."
        )
    if exposed and ctx.third_party_access is None and not reviewed:
        steps.append(
            "Review the stores' access and proxy logs for reads by anyone else since "
            "the exposure began, then record the finding as third_party_access in the "
            "context file."
        )
    unmeasured = [i for i in containers if not i.measured and i.docs != 0]
    # A read that was tried and refused (a partial store's index asking for credentials, or
    # failing: ContainerResult.refused) is not measured by sampling again.
    unread = [i for i in unmeasured if i.refused]
    unsampled = [i for i in unmeasured if i not in unread and not i.system]
    # The store's own containers are skipped by default: --sample alone would skip them again.
    skipped = [i for i in unmeasured if i not in unread and i.system]
    if unsampled:
        steps.append(
            f"{tally(unsampled, 'exposed')} {_were(unsampled)} not sampled: scan again with "
            "--sample to measure their personal data."
        )
    if skipped:
        names = ", ".join(i.name for i in skipped[:3]) + ("…" if len(skipped) > 3 else "")
        steps.append(
            f"{len(skipped)} of the stores' own {common_words(skipped).container[1]} ({names}) "
            f"{_were(skipped)} not sampled, as by default: scan again with --include-system "
            "to measure their personal data (user and replication documents may hold "
            "credentials)."
        )
    # Listed, not read: not exposed (no figure counts them), but the owner may want them
    # measured; credentials help only those that asked for them.
    shut = [i for i in unread if i.asked_credentials]
    failed = [i for i in unread if not i.asked_credentials]
    if shut:
        # Never read (--sample 0): the inventory's reads were the ones refused.
        why = shut[0].sample_error
        if not why or why == "not sampled":
            why = "the store asked for credentials"
        steps.append(
            f"{tally(shut)} listed but not readable ({why}"
            f"{'…' if len(shut) > 1 else ''}): to measure their personal data, scan again "
            "with the owner's credentials (--auth)."
        )
    if failed:
        steps.append(
            f"{tally(failed)} listed but whose read failed ({failed[0].sample_error}"
            f"{'…' if len(failed) > 1 else ''}): scan again to measure their personal data; "
            "until then, whether anyone could read them is not known."
        )
    if SECRET in types:
        steps.append("Rotate every credential found in the exposed data and check what it opened.")
    if any(i.compromised for i in containers):
        steps.append(
            "Restore deleted data from backups; do not pay a ransom; report the "
            "extortion to the police."
        )
    if "CREDIT_CARD" in types:
        steps.append(
            "Tell your payment provider or acquirer so that card issuers can watch the "
            "exposed cards (PCI DSS incident response)."
        )
    if a33.duty is Duty.REQUIRED:
        steps.append(
            f"Notify the supervisory authority by the deadline (draft: leakhound notify "
            f"{scan_id} --kind authority)."
        )
    if a34.duty is Duty.REQUIRED:
        steps.append(
            f"Tell the people concerned without undue delay (draft: leakhound notify "
            f"{scan_id} --kind subjects)."
        )
    elif a34.duty is Duty.PUBLIC_COMMUNICATION:
        steps.append(
            f"Publish a public communication about the breach (draft to adapt: "
            f"leakhound notify {scan_id} --kind subjects)."
        )
    steps.append(
        "Record the breach, its effects and the remedial action in the breach register "
        "(Art. 33(5)), whatever the decision."
    )
    steps.append(
        f"When the case is closed, delete this scan's findings: leakhound purge {scan_id}."
    )
    return tuple(steps)
