"""Change detection: a round's stored scan against the issues the watch follows.

An issue is a state that lasts (a store exposed, ransom signs, a certificate near expiry); it
opens once (one alert), is reminded of at a growing interval while it lasts, and resolves once
when it ends. What happens inside an exposed store (a verdict moving between partial and open,
a new container, a new kind of personal data, record counts jumping) is an event: one alert
each time, compared with everything the issue has seen so far, so a sample that misses a rare
kind one round and finds it the next raises nothing. A store that times out or errs is neither
open nor closed: its issue waits for a verdict. A store that opens again within ``remind`` of
being resolved is flapping: that one "opened" alert says so, and its issue then resolves only
once the store has stayed shut for ``remind``, so a store going open and shut every round is
three alerts and the reminders, not two alerts a round. Ransom signs on a store shut (its
compromise resolved so) and open again within ``remind`` are the ones its last issue already
alerted on: one alert per compromise, another only for a container with signs not seen before.
On a store that stayed open after none was left, signs on a container dropped meanwhile are a
new compromise, alerted on; signs again on a container still there (a sample that missed the
note) are not.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from ..models import Documents, Verdict
from ..probes.registry import words
from ..probes.shown import unnumbered
from ..redact import neutralize
from ..report import text
from ..store.records import History, ResultRecord, ScanRecord
from ..store.watch import IssueChange, IssueRow, parse_stamp, stamp
from . import alert as ev
from .alert import Alert
from .config import Rules

EXPOSED, COMPROMISE, CERT = "exposed", "compromised", "certificate"
_MAX_CONTAINERS = 20  # containers shown in one alert, largest first
_MAX_EXAMPLES = 3


def _gone(verdict: Verdict) -> bool:
    """A verdict that says the store no longer answers without credentials."""
    return verdict in (Verdict.SECURED, Verdict.CLOSED) or verdict.not_kind is not None


@dataclass
class Evaluation:
    """What one round changes: issues to write and alerts to send."""

    changes: list[IssueChange] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """What every alert of one round shares."""

    watch: str
    scan_id: str
    now: datetime
    rules: Rules
    db: str | None  # the findings database the commands name (None: the default one)
    history: Callable[[str], History]
    resolved: Mapping[str, str]  # issue key -> when its last issue resolved (stamp)
    settled: Mapping[str, Mapping[str, Any]]  # issue key -> its last resolved issue's state


def evaluate(
    record: ScanRecord,
    issues: Mapping[str, IssueRow],
    now: datetime,
    rules: Rules,
    *,
    watch: str = "default",
    db: str | None = None,
    history: Callable[[str], History] | None = None,
    resolved: Mapping[str, str] | None = None,
    settled: Mapping[str, Mapping[str, Any]] | None = None,
) -> Evaluation:
    """The issues this round opens, changes or resolves, and the alerts that says;
    ``resolved`` gives, by issue key, when the last issue of that key was resolved, and
    ``settled`` what that issue had seen (its state)."""
    ctx = Context(
        watch,
        record.scan_id,
        now,
        rules,
        db,
        history or (lambda _e: History()),
        resolved or {},
        settled or {},
    )
    out = Evaluation()
    for r in record.results:
        ep = r.service.endpoint.key
        held = _exposure(ctx, r, issues.get(f"{EXPOSED}:{ep}"), out)
        _compromise(ctx, r, issues.get(f"{COMPROMISE}:{ep}"), out, held)
        _certificate(ctx, r, issues.get(f"{CERT}:{ep}"), out)
    return out


# -- the three issues ---------------------------------------------------------------------


def _exposure(ctx: Context, r: ResultRecord, issue: IssueRow | None, out: Evaluation) -> bool:
    """Whether a flapping store's issue is held open while it is shut (not resolved yet)."""
    ep = r.service.endpoint.key
    key = f"{EXPOSED}:{ep}"
    verdict = r.service.verdict
    if not r.exposed:
        if issue is None or not _gone(verdict):
            return False
        if issue.state.get("flapping"):
            # Resolved only once it has stayed shut for the settling time.
            since = issue.state.get("gone_since") or stamp(ctx.now)
            if ctx.now - parse_stamp(since) < settling(ctx.rules):
                held = {**issue.state, "gone_since": since}
                out.changes.append(
                    IssueChange(
                        "update", key, EXPOSED, ep, held, issue.reminders, issue.next_reminder
                    )
                )
                return True
        _resolve(
            ctx,
            r,
            issue,
            EXPOSED,
            issue.state,
            out,
            lambda url: f"{url} no longer answers without credentials ({verdict})",
        )
        return False
    docs = {c.container.name: c.container.docs for c in r.containers}
    kinds = _kinds(r)
    if issue is None:
        state: dict[str, Any] = {
            "verdict": str(verdict),
            "url": _url(r),
            "docs": docs,
            "known": sorted(docs),
            "pii": sorted(kinds),
        }
        title, changes = _opened_title(r), None
        last = ctx.resolved.get(key)
        if last is not None and _recent(ctx, key):
            state["flapping"] = True
            ago = _since(ctx.now, last)
            settle = _duration(int(settling(ctx.rules).total_seconds()))
            title = (
                f"{title} (open again {ago} after it was resolved: flapping; resolved only "
                f"once it stays shut for {settle})"
            )
            changes = [f"open again {ago} after it was resolved at {last}"]
        out.changes.append(IssueChange("open", key, EXPOSED, ep, state, 0, _reminder(ctx, 0)))
        out.alerts.append(
            _alert(
                ctx,
                r,
                ev.OPENED,
                ev.CRITICAL,
                EXPOSED,
                title,
                evidence=_evidence(ctx, r, changes),
            )
        )
        return False
    prev = issue.state
    known, seen_kinds = set(prev.get("known") or ()), set(prev.get("pii") or ())
    before = prev.get("docs") or {}
    raised = 0
    if prev.get("verdict") != str(verdict):
        raised += 1
        out.alerts.append(
            _alert(
                ctx,
                r,
                ev.CHANGED,
                ev.CRITICAL if verdict == Verdict.OPEN else ev.WARNING,
                EXPOSED,
                f"{_url(r)} went from {prev.get('verdict')} to {verdict}",
                evidence=_evidence(ctx, r, [f"verdict {prev.get('verdict')} -> {verdict}"]),
            )
        )
    new = _new(docs, known)
    if new:
        raised += 1
        shown = ", ".join(_text(n) for n in new[:10]) + (" …" if len(new) > 10 else "")
        out.alerts.append(
            _alert(
                ctx,
                r,
                ev.NEW_CONTAINER,
                ev.WARNING,
                EXPOSED,
                f"{words(r.service.kind).containers(len(new), 'new')} at {_url(r)}: {shown}",
                evidence=_evidence(ctx, r, [f"new: {_text(n)}" for n in new]),
            )
        )
    fresh = sorted(kinds - seen_kinds)
    if fresh:
        raised += 1
        out.alerts.append(
            _alert(
                ctx,
                r,
                ev.NEW_PII,
                ev.CRITICAL,
                EXPOSED,
                f"new kind of personal data at {_url(r)}: {', '.join(fresh)}",
                evidence=_evidence(ctx, r, [f"new: {k}" for k in fresh]),
            )
        )
    jumps = _jumps(ctx.rules, before, docs)
    if jumps:
        raised += 1
        out.alerts.append(
            _alert(
                ctx,
                r,
                ev.COUNT_JUMP,
                ev.WARNING,
                EXPOSED,
                f"record counts jumped at {_url(r)}: {'; '.join(jumps[:5])}",
                evidence=_evidence(ctx, r, jumps),
            )
        )
    reminders, next_reminder = _remind(
        ctx, r, issue, raised, out, EXPOSED, f"still exposed: {_opened_title(r)}"
    )
    state = {
        "verdict": str(verdict),
        "url": _url(r),
        "docs": docs,
        "known": sorted(known | set(docs)),
        "pii": sorted(seen_kinds | kinds),
        **({"flapping": True} if prev.get("flapping") else {}),
    }
    out.changes.append(IssueChange("update", key, EXPOSED, ep, state, reminders, next_reminder))
    return False


def _compromise(
    ctx: Context, r: ResultRecord, issue: IssueRow | None, out: Evaluation, held: bool
) -> None:
    ep = r.service.endpoint.key
    key = f"{COMPROMISE}:{ep}"
    bad = sorted(c.container.name for c in r.containers if c.container.compromised)
    if r.exposed and bad:
        # A store shut and open again within the settling time shows the compromise its last
        # issue alerted on: only signs that issue had not seen are new. On a store that stayed
        # open, only a container still there when its signs went unseen (a sample that missed
        # the note) shows them again; one dropped and back (a bot's new note) is a new hit.
        last = ctx.settled.get(key, {}) if _recent(ctx, key) else {}
        seen = last.get("containers") if last.get("shut") else last.get("still_listed")
        known = set((issue.state.get("containers") if issue else seen) or ())
        new = [n for n in bad if n not in known]
        if new:
            out.alerts.append(
                _alert(
                    ctx,
                    r,
                    ev.COMPROMISED,
                    ev.CRITICAL,
                    COMPROMISE,
                    f"ransom or wipe signs at {_url(r)}: {', '.join(_text(n) for n in new[:10])}",
                    evidence=_evidence(ctx, r),
                )
            )
        state = {"containers": sorted(known | set(bad)), "url": _url(r)}
        if issue is None:
            out.changes.append(IssueChange("open", key, COMPROMISE, ep, state))
        elif new:
            out.changes.append(IssueChange("update", key, COMPROMISE, ep, state))
        return
    if issue is not None and (r.exposed or (_gone(r.service.verdict) and not held)):
        why = (
            "no compromised container is left"
            if r.exposed
            else f"the store no longer answers without credentials ({r.service.verdict})"
        )
        # Kept with the issue: what may show these signs again and be the same compromise.
        listed = {c.container.name for c in r.containers}
        kept: dict[str, Any] = (
            {
                **issue.state,
                "still_listed": [n for n in issue.state.get("containers") or () if n in listed],
            }
            if r.exposed
            else {**issue.state, "shut": True}
        )
        _resolve(
            ctx,
            r,
            issue,
            COMPROMISE,
            kept,
            out,
            lambda url: f"ransom or wipe signs at {url}: {why}",
        )


def _certificate(ctx: Context, r: ResultRecord, issue: IssueRow | None, out: Evaluation) -> None:
    tls = r.service.fingerprint.tls
    if tls is None or not tls.not_after:
        return  # no certificate seen this round: nothing to say either way
    ep = r.service.endpoint.key
    key = f"{CERT}:{ep}"
    try:
        not_after = datetime.fromisoformat(tls.not_after)
    except ValueError:
        return
    if not_after.tzinfo is None:
        not_after = not_after.replace(tzinfo=ctx.now.tzinfo)
    left = not_after - ctx.now
    expiring = bool(tls.expired) or left <= timedelta(days=ctx.rules.cert_days)
    cert = {"subject": _text(tls.subject or ""), "not_after": tls.not_after}
    if expiring:
        when = (
            "expired on"
            if left.total_seconds() <= 0
            else f"expires in {max(0, left.days)} day(s), on"
        )
        title = f"TLS certificate of {_url(r)} {when} {tls.not_after}"
        if issue is None:
            out.changes.append(IssueChange("open", key, CERT, ep, cert, 0, _reminder(ctx, 0)))
            out.alerts.append(
                _alert(ctx, r, ev.CERTIFICATE, ev.WARNING, CERT, title, evidence=_brief(r))
            )
            return
        reminders, nxt = _remind(ctx, r, issue, 0, out, CERT, f"still: {title}")
        out.changes.append(IssueChange("update", key, CERT, ep, cert, reminders, nxt))
    elif issue is not None:
        out.changes.append(IssueChange("resolve", key, CERT, ep, cert))
        out.alerts.append(
            _alert(
                ctx,
                r,
                ev.RESOLVED,
                ev.INFO,
                CERT,
                f"resolved: the TLS certificate of {_url(r)} now expires on {tls.not_after}",
                evidence=_brief(r),
            )
        )


def _recent(ctx: Context, key: str) -> bool:
    """Whether the last issue of ``key`` was resolved within the settling time."""
    last = ctx.resolved.get(key)
    return last is not None and ctx.now - parse_stamp(last) < settling(ctx.rules)


# -- reminders ------------------------------------------------------------------------------


def _reminder(ctx: Context, sent: int) -> str:
    """When the next reminder is due after ``sent`` of them: the first after ``remind``,
    then twice as long each time, at most ``remind_max``."""
    seconds = min(ctx.rules.remind_max, ctx.rules.remind * 2**sent, _SETTLING_MAX)
    return stamp(ctx.now + timedelta(seconds=seconds))


def _remind(
    ctx: Context,
    r: ResultRecord,
    issue: IssueRow,
    raised: int,
    out: Evaluation,
    kind: str,
    title: str,
) -> tuple[int, str | None]:
    """A reminder when one is due and this round raised nothing else about the issue."""
    due = issue.next_reminder
    if raised or due is None or stamp(ctx.now) < due:
        return issue.reminders, due
    sent = issue.reminders + 1
    since = _since(ctx.now, issue.opened_at)
    out.alerts.append(
        _alert(
            ctx,
            r,
            ev.REMINDER,
            ev.CRITICAL if kind == EXPOSED else ev.WARNING,
            kind,
            f"{title} (for {since}, reminder {sent})",
            evidence=_evidence(ctx, r) if kind == EXPOSED else _brief(r),
        )
    )
    return sent, _reminder(ctx, sent)


# A century: a longer --remind ("never") is the same here, and a date that far back is none.
_SETTLING_MAX = 100 * 365 * 86400.0


def settling(rules: Rules) -> timedelta:
    """How long a store must stay shut after it opened again to be resolved, and how soon an
    opening after a resolution counts as flapping: ``remind``, within the calendar."""
    return timedelta(seconds=min(rules.remind, _SETTLING_MAX))


def _since(now: datetime, opened: str) -> str:
    return _duration(int((now - datetime.fromisoformat(opened)).total_seconds()))


def _duration(seconds: int) -> str:
    seconds = max(0, seconds)
    if seconds >= 86400:
        return f"{seconds // 86400} d {seconds % 86400 // 3600} h"
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    if seconds < 60:
        return f"{seconds} s"  # a store flapping between rounds a minute apart: not "0 min"
    return f"{seconds // 60} min"


# -- what an alert says ---------------------------------------------------------------------


def _groups(names: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Names by the masked name they were numbered from (``shown.unnumbered``; any other
    name, a group of its own)."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in names.items():
        out.setdefault(unnumbered(name)[0], {})[name] = value
    return out


def _new(now: Mapping[str, Any], known: set[str]) -> list[str]:
    """Containers never seen before. Names masked alike are numbered in the store's order,
    so a group is new by its size: one more than it ever had is one new (its last number),
    not every name whose number moved."""
    had: dict[str, int] = {}
    for name in known:
        base, number = unnumbered(name)
        had[base] = max(had.get(base, 0), number or 1)
    out = []
    for base, members in _groups(now).items():
        if base not in had:
            out += list(members)
        elif len(members) > had[base]:
            out += sorted(members, key=lambda n: unnumbered(n)[1])[had[base] :]
    return out


def _jumps(rules: Rules, before: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """Counts that jumped, by container; names masked alike whose numbers may have moved (a
    group that changed) by the group's sum."""
    pairs: list[tuple[str, Any, Any]] = []
    earlier = _groups(before)
    for base, members in _groups(now).items():
        old = earlier.get(base)
        if not old:
            continue
        if set(old) == set(members):
            pairs += [(name, old[name], docs) for name, docs in members.items()]
        else:
            pairs.append((f"{base} (all {len(members)})", _sum(old), _sum(members)))
    out = []
    for name, old_docs, docs in pairs:
        if not isinstance(old_docs, int) or not isinstance(docs, int):
            continue
        diff = abs(docs - old_docs)
        if diff >= rules.count_jump_min and diff > rules.count_jump * max(old_docs, 1):
            out.append(f"{_text(name)} {old_docs:,} -> {docs:,}")
    return out


def _sum(docs: Mapping[str, Any]) -> int | None:
    """The records of several containers, None unless each is known."""
    counts = list(docs.values())
    if not all(isinstance(n, int) for n in counts):
        return None
    return sum(counts)


def _kinds(r: ResultRecord) -> set[str]:
    kinds: set[str] = set()
    for c in r.containers:
        if c.sample:
            kinds.update(p.entity_type for p in c.sample.pii)
        if c.full:
            kinds.update(p.entity_type for p in c.full.pii)
    return kinds


def _text(value: str, limit: int = 200) -> str:
    """Text from a target, made inert and short."""
    return neutralize(str(value))[:limit]


def _url(r: ResultRecord) -> str:
    return _text(r.service.url)


def _resolve(
    ctx: Context,
    r: ResultRecord,
    issue: IssueRow,
    kind: str,
    state: dict[str, Any],
    out: Evaluation,
    what: Callable[[str], str],
) -> None:
    """An issue of the store resolved (``state`` kept with it), and its alert saying ``what``
    was resolved at the store named as its issue's alerts named it (``_named``)."""
    out.changes.append(
        IssueChange(
            "resolve", f"{kind}:{r.service.endpoint.key}", kind, r.service.endpoint.key, state
        )
    )
    url = _named(r, issue)
    title = "resolved: " + what(url)
    out.alerts.append(
        _alert(ctx, r, ev.RESOLVED, ev.INFO, kind, title, evidence=_brief(r), url=url)
    )


def _named(r: ResultRecord, issue: IssueRow) -> str:
    """The store as its issue's alerts named it: the URL that answered while it was exposed.
    A store that no longer answers (closed, refused) is given a URL no answer chose (an
    object store's ``s3://host:port``), which would make the resolution name another store."""
    return _text(issue.state.get("url") or r.service.url)


def _opened_title(r: ResultRecord) -> str:
    svc = r.service
    product = svc.fingerprint.product if svc.fingerprint.product != "unknown" else svc.kind
    how = "open" if svc.verdict == Verdict.OPEN else "partly open"
    # Containers listed but refused are not exposed: named apart, their records left out.
    read = [c for c in r.containers if not c.refused(svc.verdict)]
    shut = len(r.containers) - len(read)
    docs = Documents.of(c.container for c in read)
    w = words(svc.kind)
    # Containers nobody counted (an object store's folders no sample read) are not 0 records.
    if docs.uncounted and not docs.records:
        records = f"{w.record[1]} not counted"
    else:
        n = docs.uncounted
        records = text.records(replace(docs, uncounted=0), w) + (
            f" ({w.containers(n)} not counted)" if n else ""
        )
    kinds = sorted(_kinds(r))
    pii = f"; personal data: {', '.join(kinds)}" if kinds else ""
    # A listing cut short (a cap, a refusal part-way): the figures are what it reached.
    least = "at least " if r.inventory_error or r.truncated else ""
    return (
        f"{how} {_text(product)} store at {_url(r)}: {least}{w.containers(len(read))}, "
        f"{records}{f' ({shut} more listed but not readable)' if shut else ''}{pii}"
    )


def _brief(r: ResultRecord) -> dict[str, Any]:
    svc = r.service
    out: dict[str, Any] = {"verdict": str(svc.verdict), "reason": _text(svc.reason, 300)}
    tls = svc.fingerprint.tls
    if tls is not None and tls.not_after:
        out["certificate"] = {"subject": _text(tls.subject or ""), "not_after": tls.not_after}
    return out


def _evidence(ctx: Context, r: ResultRecord, changes: list[str] | None = None) -> dict[str, Any]:
    """Masked evidence: containers with counts and kinds, masked examples, ransom signs."""
    out = _brief(r)
    fp = r.service.fingerprint
    out["product"] = _text(fp.product)
    if fp.version:
        out["version"] = _text(fp.version)
    if changes:
        out["changes"] = changes
    # Containers listed but refused are not exposed (as in the title): the readable ones
    # first and counted, the refused named after them and counted apart.
    shut = {id(c) for c in r.containers if c.refused(r.service.verdict)}
    ranked = sorted(r.containers, key=lambda c: (id(c) in shut, -(c.container.docs or 0)))
    pii: dict[str, dict[str, Any]] = {}
    shown: list[dict[str, Any]] = []
    for c in ranked:
        kinds = []
        for p in c.sample.pii if c.sample else ():
            kinds.append(p.entity_type)
            info = pii.setdefault(p.entity_type, {"docs": 0, "fields": [], "examples": []})
            info["docs"] += p.docs
            info["fields"] = sorted({*info["fields"], *(_text(f.path) for f in p.fields)})[:10]
            # Examples are the detectors' masked previews; a value without the mask's stars
            # is not one, and never leaves.
            for x in p.examples:
                if "***" in x and len(info["examples"]) < _MAX_EXAMPLES:
                    info["examples"].append(_text(x, 80))
        if len(shown) < _MAX_CONTAINERS:
            shown.append(
                {
                    "name": _text(c.container.name),
                    "docs": c.container.docs,
                    "pii": sorted(set(kinds)),
                    "compromised": c.container.compromised,
                    **({"refused": True} if id(c) in shut else {}),
                }
            )
    # The basis of every personal-data figure: the records the samples read, not the store's.
    read = [c.sample.docs for c in r.containers if c.sample and id(c) not in shut]
    sampled = {"records": sum(read), "containers": len(read)}
    for info in pii.values():
        info["of_sampled"] = sampled["records"]
    out["containers"] = shown
    out["containers_total"] = len(r.containers) - len(shut) + r.truncated
    if r.inventory_error:  # the listing stopped short: the total is what it reached
        out["inventory_incomplete"] = _text(r.inventory_error, 300)
    if r.inventory_note:  # the listing is whole: the total stands, only this is unknown
        out["inventory_note"] = _text(r.inventory_note, 300)
    out["sampled"] = sampled
    if shut:
        out["containers_refused"] = len(shut)
    out["pii"] = dict(sorted(pii.items()))
    out["compromise"] = [
        _text(x, 300) for c in r.containers for x in c.container.compromise_reasons
    ][:10]
    seen = ctx.history(r.service.store_id)
    if seen.first_seen_exposed:
        out["first_seen_exposed"] = seen.first_seen_exposed
    if seen.previous_verdict is not None:
        out["previous_verdict"] = str(seen.previous_verdict)
    return out


def next_steps(event: str, scan_id: str, db: str | None) -> tuple[str, ...]:
    """The commands an alert tells its reader to run next."""
    where = f" --db {db}" if db else ""
    if event == ev.RESOLVED:
        return (f"leakhound report {scan_id}{where}",)
    return (
        f"leakhound report {scan_id}{where}",
        f"leakhound assess {scan_id}{where}",
        f"leakhound notify {scan_id} --kind authority{where}",
    )


def _alert(
    ctx: Context,
    r: ResultRecord,
    event: str,
    severity: str,
    issue: str,
    title: str,
    *,
    evidence: dict[str, Any],
    url: str | None = None,
) -> Alert:
    return Alert(
        alert_id=secrets.token_hex(8),
        watch=ctx.watch,
        event=event,
        severity=severity,
        issue=issue,
        endpoint=r.service.endpoint.key,
        url=url or _url(r),
        store_kind=r.service.kind,
        verdict=str(r.service.verdict),
        title=title,
        scan_id=ctx.scan_id,
        at=stamp(ctx.now),
        evidence=evidence,
        next_steps=next_steps(event, ctx.scan_id, ctx.db),
    )
