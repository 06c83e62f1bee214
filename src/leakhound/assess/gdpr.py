"""The GDPR decision aid: Art. 33 (the supervisory authority), Art. 34 (the people), deadlines.

Advice with its reasoning, not a legal opinion: the controller decides and documents the
decision (Art. 33(5)). The thresholds follow the common reading of ENISA's levels:

- Art. 33(1): notify within 72 hours of becoming aware, *unless the breach is unlikely to
  result in a risk* to people's rights and freedoms. ENISA low ("a few inconveniences")
  is the candidate for that exception; medium and above are not.
- Art. 34(1): tell the people concerned without undue delay when the breach is likely to
  result in a *high* risk (ENISA high and very high), unless Art. 34(3) applies:
  (a) the data was unintelligible to anyone not authorised (e.g. encrypted, key safe);
  (b) measures taken since make the high risk no longer likely to materialise;
  (c) it would involve disproportionate effort: a public communication instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ..models import Words
from .context import Context
from .severity import Level, Severity

NOTIFY_WITHIN = timedelta(hours=72)


class Duty(StrEnum):
    """What an article asks of the controller in this case."""

    REQUIRED = "required"
    PUBLIC_COMMUNICATION = "public-communication"  # Art. 34(3)(c)
    LIKELY_NOT_REQUIRED = "likely-not-required"  # the controller must be able to justify it
    NOT_REQUIRED = "not-required"
    UNDETERMINED = "undetermined"  # the scan could not measure what is needed to decide


@dataclass(frozen=True, slots=True)
class Decision:
    """One article's advice and the reasoning behind it."""

    article: str  # "Art. 33", "Art. 34"
    duty: Duty
    reasons: tuple[str, ...]

    @property
    def summary(self) -> str:
        """'Art. 33 notification: required'."""
        what = (
            "notification to the supervisory authority"
            if self.article == "Art. 33"
            else "communication to the data subjects"
        )
        return f"{self.article} {what}: {self.duty.value.replace('-', ' ')}"


@dataclass(frozen=True, slots=True)
class Deadline:
    """Art. 33(1): 72 hours from awareness."""

    aware_since: datetime
    aware_since_basis: str  # "given" or how it was assumed
    due: datetime
    now: datetime

    @property
    def overdue(self) -> bool:
        """True once the 72 hours have passed."""
        return self.now > self.due

    @property
    def hours_left(self) -> float:
        """Hours until the deadline (negative once passed)."""
        return (self.due - self.now).total_seconds() / 3600


def deadline(aware_since: datetime, basis: str, now: datetime) -> Deadline:
    """The Art. 33(1) deadline for a controller aware since ``aware_since``."""
    return Deadline(aware_since, basis, aware_since + NOTIFY_WITHIN, now)


def article_33(
    sev: Severity,
    ctx: Context,
    *,
    exposed: bool,
    personal: bool,
    measured: bool,
    due: Deadline,
    refused: int = 0,
    readable: bool = True,
    words: Words | None = None,
    refused_words: Words | None = None,
) -> Decision:
    """Advice on notifying the supervisory authority. ``refused``: containers the exposed
    stores listed but whose read asked for credentials; ``readable``: whether any listed
    container could be read (or was not refused so); ``words`` and ``refused_words``: what
    the stores of the containers exposed and of those refused call them."""
    words, refused_words = words or Words(), refused_words or Words()
    if not exposed:
        return Decision(
            "Art. 33", Duty.NOT_REQUIRED, ("no store in this scan was open: nothing was exposed",)
        )
    shut = (
        f"{refused_words.containers(refused, 'listed')} asked for credentials to be "
        "read: their names and record counts were exposed, not their records (scan again "
        "with the owner's credentials, --auth, to know what they hold)"
    )
    if not personal and refused and not readable:
        return Decision(
            "Art. 33",
            Duty.LIKELY_NOT_REQUIRED,
            (
                f"{shut}; on this evidence no personal data was exposed, unless the names "
                "themselves carry some: check them, and keep a record of the check",
            ),
        )
    if not personal:
        if not measured:
            return Decision(
                "Art. 33",
                Duty.UNDETERMINED,
                (
                    f"exposed {words.container[1]} were not sampled (or their sample failed), so "
                    "whether they hold personal data is unknown: scan again with --sample, or "
                    "set data_processing_context in the context file",
                ),
            )
        return Decision(
            "Art. 33",
            Duty.LIKELY_NOT_REQUIRED,
            (
                "no personal data was found in the samples: on this evidence the exposure is not a "
                "personal data breach (Art. 4(12)); a sample can miss data, so check the stores "
                "and keep a record of the check",
                *((shut,) if refused else ()),
            ),
        )
    reasons = [f"ENISA severity {sev.level.value} (SE {sev.formula}): {sev.level.meaning}"]
    only_confidentiality = not (sev.integrity.value or sev.availability.value)
    if ctx.data_encrypted and only_confidentiality:
        reasons.append(
            "the owner states the data was encrypted (unintelligible without a key that was not "
            "exposed): a confidentiality breach of such data is unlikely to result in a risk "
            "(EDPB Guidelines 9/2022 on breach notification, on securely encrypted data); "
            "check that the key was not stored with the data"
        )
        reasons.append("document the breach and this reasoning in the breach register (Art. 33(5))")
        return Decision("Art. 33", Duty.LIKELY_NOT_REQUIRED, tuple(reasons))
    if sev.level is Level.LOW:
        reasons.append(
            "Art. 33(1) exempts a breach that is unlikely to result in a risk; a low score "
            "supports that, but only if you can show it; in doubt, the cautious course is "
            "to notify"
        )
        reasons.append("either way, document the breach and the decision (Art. 33(5))")
        return Decision("Art. 33", Duty.LIKELY_NOT_REQUIRED, tuple(reasons))
    reasons.append(
        "the breach is likely to result in a risk to people's rights and freedoms: "
        f"notify the supervisory authority by {due.due:%Y-%m-%d %H:%M} UTC (72 hours "
        "after becoming aware, Art. 33(1)); information may be given in phases "
        "(Art. 33(4))"
    )
    if due.overdue:
        reasons.append(
            "the 72 hours have passed: notify now and give the reasons for the delay (Art. 33(1))"
        )
    return Decision("Art. 33", Duty.REQUIRED, tuple(reasons))


def article_34(sev: Severity, ctx: Context, a33: Decision) -> Decision:
    """Advice on communicating the breach to the people concerned."""
    if a33.duty in (Duty.NOT_REQUIRED, Duty.UNDETERMINED):
        return Decision("Art. 34", a33.duty, a33.reasons[:1])
    if sev.level.rank < Level.HIGH.rank:
        return Decision(
            "Art. 34",
            Duty.NOT_REQUIRED,
            (
                f"ENISA severity {sev.level.value}: not a high risk, so Art. 34(1) does not "
                "require telling people; you may still do so, and the authority may ask you to "
                "(Art. 34(4))",
            ),
        )
    reasons = [
        f"ENISA severity {sev.level.value} (SE {sev.formula}): a high risk to "
        "people's rights and freedoms is likely (Art. 34(1))"
    ]
    if ctx.data_encrypted:
        reasons.append(
            "exception Art. 34(3)(a): the owner states the data was unintelligible "
            "to anyone not authorised (encrypted, key not exposed): communication "
            "not required; record why the encryption holds"
        )
        return Decision("Art. 34", Duty.NOT_REQUIRED, tuple(reasons))
    if ctx.high_risk_mitigated:
        measures = "; ".join(ctx.measures_taken) or "measures stated by the owner"
        reasons.append(
            "exception Art. 34(3)(b): the owner states that measures taken since "
            f"({measures}) make the high risk no longer likely to materialise: "
            "communication not required; record the evidence"
        )
        return Decision("Art. 34", Duty.NOT_REQUIRED, tuple(reasons))
    if ctx.disproportionate_effort:
        reasons.append(
            "exception Art. 34(3)(c): contacting each person would involve "
            "disproportionate effort (owner's statement): make a public "
            "communication instead, as effective for informing them"
        )
        return Decision("Art. 34", Duty.PUBLIC_COMMUNICATION, tuple(reasons))
    reasons.append(
        "no Art. 34(3) exception stated in the context file (data_encrypted, "
        "high_risk_mitigated, disproportionate_effort): tell the people concerned "
        "without undue delay, in clear and plain language (Art. 34(2))"
    )
    return Decision("Art. 34", Duty.REQUIRED, tuple(reasons))
