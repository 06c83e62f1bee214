"""ENISA severity of a personal data breach: SE = DPC × EI + CB.

ENISA, *Recommendations for a methodology of the assessment of severity of personal data
breaches*, working document v1.0, December 2013. Each input comes with the findings that led
to it and can be overridden by the data's owner (``context.Context``); ``categories`` holds the
mapping of leakhound's entity types to ENISA's data categories and identification levels.

Circumstances of Breach, added to DPC × EI:

=================  ==========================================================================
loss of            0: exposed without evidence of unlawful processing; +0.25: to a number of
confidentiality    known recipients; +0.5: to an unknown number of recipients
loss of integrity  0: none known; +0.25: altered, possibly misused, recoverable;
                   +0.5: altered, possibly misused, not recoverable
loss of            0: recoverable without difficulty; +0.25: temporarily unavailable;
availability       +0.5: permanently unavailable
malicious intent   0: error, negligence, misconfiguration; +0.5: intentional harmful action
=================  ==========================================================================

Severity levels: SE < 2 low; 2 ≤ SE < 3 medium; 3 ≤ SE < 4 high; SE ≥ 4 very high.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from .categories import (
    DataCategory,
    Identifiability,
    clamp_dpc,
    entity_class,
)
from .context import CONFIDENTIALITY, Context
from .figures import ContainerExposure
from .logs import LogEvidence


class Level(StrEnum):
    """ENISA's four severity levels."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very high"

    @property
    def meaning(self) -> str:
        """ENISA's description of what the level means for the people concerned."""
        return _MEANING[self]

    @property
    def rank(self) -> int:
        """0 for low … 3 for very high."""
        return list(Level).index(self)


_MEANING = {
    Level.LOW: "people will not be affected or may meet a few inconveniences, which they "
    "will overcome without any problem",
    Level.MEDIUM: "people may meet significant inconveniences, which they will be able to "
    "overcome despite a few difficulties",
    Level.HIGH: "people may meet significant consequences, which they should be able to "
    "overcome albeit with serious difficulties",
    Level.VERY_HIGH: "people may meet significant, or even irreversible, consequences, which "
    "they may not overcome",
}


def level_of(score: float) -> Level:
    """The severity level of an SE score."""
    if score < 2:
        return Level.LOW
    if score < 3:
        return Level.MEDIUM
    if score < 4:
        return Level.HIGH
    return Level.VERY_HIGH


@dataclass(frozen=True, slots=True)
class Criterion:
    """One input of the formula: its value, why it has that value, whether the owner set it."""

    name: str
    value: float
    why: tuple[str, ...]
    overridden: bool = False


@dataclass(frozen=True, slots=True)
class Severity:
    """SE = DPC × EI + CB, every input with its reasons."""

    dpc: Criterion
    ei: Criterion
    confidentiality: Criterion
    integrity: Criterion
    availability: Criterion
    malicious: Criterion

    @property
    def cb(self) -> float:
        """Circumstances of Breach: the four elements added."""
        return (
            self.confidentiality.value
            + self.integrity.value
            + self.availability.value
            + self.malicious.value
        )

    @property
    def score(self) -> float:
        """SE, rounded to avoid float noise (the inputs are multiples of 0.25)."""
        return round(self.dpc.value * self.ei.value + self.cb, 4)

    @property
    def level(self) -> Level:
        """ENISA's level for the score."""
        return level_of(self.score)

    @property
    def formula(self) -> str:
        """'3 × 1 + 0.5 = 3.5' — the arithmetic, for a reader to check."""
        return f"{self.dpc.value:g} × {self.ei.value:g} + {self.cb:g} = {self.score:g}"

    @property
    def circumstances(self) -> tuple[Criterion, ...]:
        """The four CB elements in ENISA's order."""
        return (self.confidentiality, self.integrity, self.availability, self.malicious)


def _where(i: ContainerExposure, entity_type: str | None = None) -> str:
    fields = ""
    if entity_type:
        for k in i.pii:
            if k.entity_type == entity_type:
                fields = ", ".join(k.fields[:3]) + (", …" if len(k.fields) > 3 else "")
    return f"{i.endpoint}/{i.name}" + (f" ({fields})" if fields else "")


def data_processing_context(containers: Sequence[ContainerExposure], ctx: Context) -> Criterion:
    """DPC: every category scored from the types found, the highest kept (ENISA Annex 1)."""
    why: list[str] = []
    scores: dict[DataCategory, int] = {}
    secrets: list[str] = []
    for etype in sorted({t for i in containers for t in i.entity_types}):
        cls = entity_class(etype)
        seen = [i for i in containers if etype in i.entity_types]
        where = "; ".join(_where(i, etype) for i in seen[:3])
        if len(seen) > 3:
            where += f"; +{len(seen) - 3} more"
        if cls.category is None:
            secrets.append(f"{etype} in {where}")
            continue
        base = cls.category.basic_score
        score = clamp_dpc(base + cls.adjustment)
        line = f"{etype} ({cls.label}) in {where}: {cls.category.label}, basic score {base}"
        if cls.adjustment:
            line += f" {cls.adjustment:+d} = {score}: {cls.adjustment_reason}"
        why.append(line)
        scores[cls.category] = max(scores.get(cls.category, 0), score)
    if secrets:
        why.append(
            "credentials found (" + "; ".join(secrets) + "): ENISA scores credentials by "
            "the data of the systems they open, which a scan cannot see; raise the DPC "
            "in the context file if they open personal data"
        )
    if scores:
        top = max(scores, key=lambda c: (scores[c], c.basic_score))
        value = scores[top]
        why.insert(
            0,
            f"DPC {value}: the highest category score ({top.label}); ENISA scores "
            "each category found and keeps the highest",
        )
    else:
        value = 1
        why.insert(
            0,
            "DPC 1: no personal data category found in the samples; 1 is the lowest "
            "score ENISA's scale allows",
        )
    override = ctx.data_processing_context
    if override is None:
        return Criterion("DPC", value, tuple(why))
    if override.score is not None:
        why.insert(
            0, f"set to {override.score} by the owner: {override.reason} (leakhound found {value})"
        )
        value = override.score
    if override.adjustment:
        new = clamp_dpc(value + override.adjustment)
        why.insert(
            0, f"{value} {override.adjustment:+d} = {new}, adjusted by the owner: {override.reason}"
        )
        value = new
    return Criterion("DPC", value, tuple(why), overridden=True)


def ease_of_identification(containers: Sequence[ContainerExposure], ctx: Context) -> Criterion:
    """EI: the most identifying combination found in any one container (ENISA Annex 2).

    Types found together in one container are taken together, since they sit in the same records:
    a name with an address, phone, e-mail or id number points at one person (maximum).
    """
    best = Identifiability.NEGLIGIBLE
    why: list[str] = []
    for i in containers:
        if not i.pii:
            continue
        level, reason = _identifiability(i.entity_types)
        if level.score > best.score:
            best = level
            why = []
        if level is best and len(why) < 4:
            why.append(f"{_where(i)}: {reason}")
    if not why:
        why.append("nothing in the samples identifies a person")
    why.insert(0, f"{best.value} ({best.score:g})")
    if ctx.ease_of_identification is None:
        return Criterion("EI", best.score, tuple(why))
    o = ctx.ease_of_identification
    lvl = Identifiability.from_score(o.score)
    why.insert(
        0,
        f"set to {lvl.value} ({o.score:g}) by the owner: {o.reason} (leakhound found {best.value})",
    )
    return Criterion("EI", o.score, tuple(why), overridden=True)


def _identifiability(types: Sequence[str]) -> tuple[Identifiability, str]:
    classes = {t: entity_class(t) for t in types}
    if "PERSON" in classes:
        others = [t for t, c in classes.items() if c.locator and t != "PERSON"]
        if others:
            return (
                Identifiability.MAXIMUM,
                f"names together with {', '.join(sorted(others))} point at one person",
            )
    top = max(classes, key=lambda t: (classes[t].identifies.score, t))
    level = classes[top].identifies
    reasons = {
        Identifiability.MAXIMUM: f"{top} identifies a person directly",
        Identifiability.SIGNIFICANT: f"{top} leads to a person with little effort",
        Identifiability.LIMITED: f"{top} leads to a person only with other records",
        Identifiability.NEGLIGIBLE: f"{top} leads to a person only through third parties' "
        "records (e.g. an access provider's)",
    }
    return level, reasons[level]


def circumstances(
    containers: Sequence[ContainerExposure],
    hosts: Sequence[str],
    ctx: Context,
    logs: LogEvidence | None = None,
) -> tuple[Criterion, Criterion, Criterion, Criterion]:
    """CB elements: confidentiality, integrity, availability, malicious intent (ENISA).

    leakhound reads them from what the scan saw (an open store; signs of a wipe or ransom), from
    the context file, and from the access logs when an investigation is stored with the scan.
    """
    o = ctx.circumstances
    compromised = [i for i in containers if i.compromised]
    signs = "; ".join(
        f"{_where(i)}: {', '.join(i.compromise_reasons) or 'compromised'}" for i in compromised[:3]
    ) + (f"; +{len(compromised) - 3} more" if len(compromised) > 3 else "")

    # Confidentiality.
    if o.confidentiality is not None:
        conf = Criterion(
            "confidentiality",
            o.confidentiality,
            (f"set by the owner: {o.reason}",),
            overridden=True,
        )
    elif compromised:
        conf = Criterion(
            "confidentiality",
            0.5,
            (
                f"someone else wrote to the store ({signs}): the data was reached by an unknown "
                "party, an unknown number of recipients",
            ),
        )
    elif ctx.third_party_access is not None:
        score = {"none": 0.0, "known": 0.25, "unknown": 0.5, "confirmed": 0.5}[
            ctx.third_party_access
        ]
        words = {
            "none": "the owner's logs show no access but authorised ones: exposed without "
            "evidence of unlawful processing",
            "known": "only known recipients reached the data",
            "unknown": "whether others reached the data is unknown: an unknown number of "
            "recipients",
            "confirmed": "unknown parties reached the data",
        }[ctx.third_party_access]
        conf = Criterion(
            "confidentiality",
            score,
            (f"third_party_access: {ctx.third_party_access}: {words}",),
            overridden=True,
        )
    elif logs is not None:  # access-log forensics (leakhound investigate --scan)
        score, reason = logs.confidentiality
        conf = Criterion("confidentiality", score, (reason,))
    else:
        why = [
            "the store answered without credentials: anyone who could reach it could read "
            "it, an unknown number of recipients (open stores are found by automated "
            "scanners within hours)"
        ]
        private = [h for h in hosts if _private(h)]
        if private:
            why.append(
                f"{', '.join(private[:3])} is not a public address: if the store was "
                "reachable only from a private network, set third_party_access or "
                "circumstances.confidentiality in the context file"
            )
        conf = Criterion("confidentiality", CONFIDENTIALITY["unknown"], tuple(why))

    if logs is not None and not conf.overridden and conf.why[0] not in logs.confidentiality[1]:
        # the scan saw a wipe and the logs say more: both are the evidence, the graver counts
        score, reason = logs.confidentiality
        conf = Criterion("confidentiality", max(conf.value, score), (*conf.why, reason))

    integ = _circumstance(
        "integrity",
        o.integrity,
        o.reason,
        bool(compromised),
        (
            0.0,
            "the store was written to, but no altered personal record is known; raise to "
            "recoverable (0.25) or unrecoverable (0.5) if records were changed",
        ),
        "no sign that records were altered",
    )
    avail = _circumstance(
        "availability",
        o.availability,
        o.reason,
        bool(compromised),
        (
            0.25,
            f"signs of a wipe or ransom ({signs}): data may have been deleted; temporary "
            "unavailability assumed until restored (0 if nothing is missing, 0.5 if the "
            "data cannot be recovered)",
        ),
        "no sign that data was deleted",
    )
    mal = _circumstance(
        "malicious intent",
        o.malicious,
        o.reason,
        bool(compromised),
        (0.5, f"a ransom note or wipe is an intentional harmful action ({signs})"),
        "an open store is a misconfiguration; no sign of an intentional harmful action",
    )
    logged = logs.malicious if logs is not None and o.malicious is None else None
    if logged is not None and not compromised:
        mal = Criterion("malicious intent", logged[0], (logged[1],))
    return conf, integ, avail, mal


def _circumstance(
    name: str,
    owner: float | None,
    owner_reason: str,
    compromised: bool,
    if_compromised: tuple[float, str],
    otherwise: str,
) -> Criterion:
    """One CB criterion: the owner's value, else what a wipe/ransom implies, else 0."""
    if owner is not None:
        return Criterion(name, owner, (f"set by the owner: {owner_reason}",), overridden=True)
    if compromised:
        return Criterion(name, if_compromised[0], (if_compromised[1],))
    return Criterion(name, 0.0, (otherwise,))


def _private(host: str) -> bool:
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_global
    except ValueError:
        return host in ("localhost",) or host.endswith((".local", ".internal", ".lan"))


def severity(
    containers: Sequence[ContainerExposure],
    hosts: Sequence[str],
    ctx: Context,
    logs: LogEvidence | None = None,
) -> Severity:
    """The ENISA severity of the exposure described by these containers (and its access logs)."""
    conf, integ, avail, mal = circumstances(containers, hosts, ctx, logs)
    return Severity(
        dpc=data_processing_context(containers, ctx),
        ei=ease_of_identification(containers, ctx),
        confidentiality=conf,
        integrity=integ,
        availability=avail,
        malicious=mal,
    )
