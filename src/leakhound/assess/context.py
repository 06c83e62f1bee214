"""The context file: what the data's owner knows and a scanner cannot, checked key by key.

A YAML mapping; every key is optional. An unknown key, a wrong type or an out-of-scale value
is a ``ContextError`` with one line naming the file and the key. Example::

    controller: "Example Shop SAS, 1 rue de la Paix, 75002 Paris"
    dpo_contact: "Jane Doe, dpo@example.com, +33 1 23 45 67 89"
    data_subject_categories: "customers of the web shop"
    system_description: "the search index behind our support desk"
    supervisory_authority: "CNIL (www.cnil.fr)"
    exposure_started: 2024-03-01          # when the store became reachable
    exposure_ended: 2024-04-12T09:30:00Z  # when access was closed
    third_party_access: unknown           # none | known | unknown | confirmed
    data_encrypted: false                 # Art. 34(3)(a)
    data_processing_context: {adjustment: +2, reason: "online pharmacy: health assumptions"}
    ease_of_identification: {level: maximum, reason: "customer ids map to accounts"}
    circumstances: {availability: temporary, malicious: true, reason: "ransom note found"}
    measures_taken: ["port 9200 closed to the internet on 2024-04-12"]
    measures_proposed: ["enable authentication on every node"]
    high_risk_mitigated: false            # Art. 34(3)(b)
    disproportionate_effort: false        # Art. 34(3)(c)
    data_subjects: 12000                  # when the owner knows the number
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .categories import Identifiability

MAX_BYTES = 1 << 20

# ENISA, Circumstances of Breach: each element's words and scores.
CONFIDENTIALITY = {"none": 0.0, "known": 0.25, "unknown": 0.5}
INTEGRITY = {"none": 0.0, "recoverable": 0.25, "unrecoverable": 0.5}
AVAILABILITY = {"none": 0.0, "temporary": 0.25, "permanent": 0.5}
MALICIOUS = {"no": 0.0, "yes": 0.5}
THIRD_PARTY_ACCESS = ("none", "known", "unknown", "confirmed")


class ContextError(UsageError):
    """A context file that cannot be read or says something leakhound cannot use."""


@dataclass(frozen=True, slots=True)
class Override:
    """A score the owner sets, with the owner's reason."""

    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class DpcOverride:
    """The owner's DPC: a score that replaces leakhound's, or an adjustment added to it."""

    score: int | None
    adjustment: int
    reason: str


@dataclass(frozen=True, slots=True)
class CircumstancesOverride:
    """The owner's Circumstances of Breach, element by element (None: leakhound decides)."""

    confidentiality: float | None = None
    integrity: float | None = None
    availability: float | None = None
    malicious: float | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Context:
    """Everything the context file may say, validated."""

    controller: str | None = None
    dpo_contact: str | None = None
    data_subject_categories: str | None = None
    system_description: str | None = None
    supervisory_authority: str | None = None
    data_processing_context: DpcOverride | None = None
    ease_of_identification: Override | None = None
    circumstances: CircumstancesOverride = field(default_factory=CircumstancesOverride)
    data_encrypted: bool = False
    exposure_started: str | None = None
    exposure_ended: str | None = None
    third_party_access: str | None = None
    measures_taken: tuple[str, ...] = ()
    measures_proposed: tuple[str, ...] = ()
    high_risk_mitigated: bool = False
    disproportionate_effort: bool = False
    likely_consequences: tuple[str, ...] = ()
    data_subjects: int | None = None
    aware_since: datetime | None = None


def load_context(path: Path | str) -> Context:
    """Read and check a YAML context file; ContextError (one line) when it cannot be used."""
    import yaml

    source = str(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ContextError(f"cannot read context file {source}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_BYTES:
        raise ContextError(f"{source}: larger than {MAX_BYTES // 1024} KiB")
    try:
        data = yaml.safe_load(raw)
    except yaml.MarkedYAMLError as exc:
        where = f"line {exc.problem_mark.line + 1}: " if exc.problem_mark else ""
        raise ContextError(f"{source}: {where}not valid YAML ({exc.problem})") from exc
    except yaml.YAMLError as exc:
        raise ContextError(f"{source}: not valid YAML ({exc})") from exc
    if data is None:
        return Context()
    return parse_context(data, source=source)


def parse_context(data: object, *, source: str = "context") -> Context:
    """Check a mapping (parsed YAML, or built in code) and return it as a ``Context``."""
    if isinstance(data, Context):
        return data
    if not isinstance(data, Mapping):
        raise ContextError(f"{source}: must be a mapping of keys to values, not {_kind(data)}")
    unknown = [str(k) for k in data if k not in _PARSERS]
    if unknown:
        raise ContextError(
            f"{source}: unknown key {unknown[0]!r} (known keys: {', '.join(sorted(_PARSERS))})"
        )
    values: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        values[key] = _PARSERS[key](value, f"{source}: {key}")
    return Context(**values)


def parse_when(value: object, where: str = "date") -> datetime:
    """A date or date-time (ISO 8601, 'Z' allowed) as an aware UTC datetime.

    A date alone means midnight UTC; a time without an offset is taken as UTC.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time(0, 0))
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
        except ValueError:
            raise ContextError(f"{where}: not an ISO 8601 date or date-time: {value!r}") from None
    else:
        raise ContextError(f"{where}: expected a date or date-time, not {_kind(value)}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_when(ts: str | None) -> str:
    """'2024-04-12T09:30:00+00:00' as '2024-04-12 09:30 UTC'; a bare date stays a date."""
    if not ts:
        return "unknown"
    if len(ts) == 10:
        return ts
    try:
        return f"{parse_when(ts):%Y-%m-%d %H:%M} UTC"
    except ContextError:
        return ts


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    return f"a {type(value).__name__}"


def _text(value: object, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ContextError(f"{where}: expected text, not {_kind(value)}")
    text = str(value).strip()
    if not text:
        raise ContextError(f"{where}: must not be empty")
    return text


def _texts(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (_text(value, where),)
    if not isinstance(value, list | tuple):
        raise ContextError(f"{where}: expected a list of text, not {_kind(value)}")
    return tuple(_text(v, f"{where}[{i}]") for i, v in enumerate(value))


def _flag(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ContextError(f"{where}: expected true or false, not {value!r}")
    return value


def _count(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ContextError(f"{where}: expected a whole number of people, not {value!r}")
    return value


def _iso(value: object, where: str) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    return parse_when(value, where).isoformat(timespec="seconds")


def _mapping(value: object, where: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ContextError(f"{where}: expected a mapping, not {_kind(value)}")
    for k in value:
        if k not in keys:
            raise ContextError(f"{where}: unknown key {str(k)!r} (known keys: {', '.join(keys)})")
    return value


def _reason(m: Mapping[str, Any], where: str) -> str:
    if m.get("reason") is None:
        return "set by the data's owner in the context file"
    return _text(m["reason"], f"{where}.reason")


def _dpc(value: object, where: str) -> DpcOverride:
    if isinstance(value, int) and not isinstance(value, bool):
        value = {"score": value}
    m = _mapping(value, where, ("score", "adjustment", "reason"))
    score = m.get("score")
    adjustment = m.get("adjustment", 0)
    if score is not None and (isinstance(score, bool) or score not in (1, 2, 3, 4)):
        raise ContextError(
            f"{where}.score: must be 1, 2, 3 or 4 (ENISA's DPC scale), not {score!r}"
        )
    if isinstance(adjustment, bool) or adjustment not in (-3, -2, -1, 0, 1, 2, 3):
        raise ContextError(
            f"{where}.adjustment: must be a whole number from -3 to +3, not {adjustment!r}"
        )
    if score is None and not adjustment:
        raise ContextError(f"{where}: give a score (1-4) or an adjustment (-3 to +3)")
    return DpcOverride(score, adjustment, _reason(m, where))


def _ei(value: object, where: str) -> Override:
    if not isinstance(value, Mapping):
        value = {"level": value}
    m = _mapping(value, where, ("level", "reason"))
    level = m.get("level")
    try:
        if isinstance(level, str):
            score = Identifiability(level.strip().lower()).score
        elif isinstance(level, int | float) and not isinstance(level, bool):
            score = Identifiability.from_score(float(level)).score
        else:
            raise ValueError(level)
    except ValueError:
        raise ContextError(
            f"{where}: level must be negligible, limited, significant or maximum "
            f"(or 0.25, 0.5, 0.75, 1), not {level!r}"
        ) from None
    return Override(score, _reason(m, where))


def _element(value: object, where: str, scale: Mapping[str, float]) -> float:
    if isinstance(value, bool) and scale is MALICIOUS:
        return 0.5 if value else 0.0
    if isinstance(value, str) and value.strip().lower() in scale:
        return scale[value.strip().lower()]
    if isinstance(value, int | float) and not isinstance(value, bool):
        for score in scale.values():
            if abs(score - value) < 1e-9:
                return score
    allowed = ", ".join(f"{k} ({v:g})" for k, v in scale.items())
    raise ContextError(f"{where}: must be one of {allowed}, not {value!r}")


def _circumstances(value: object, where: str) -> CircumstancesOverride:
    m = _mapping(
        value, where, ("confidentiality", "integrity", "availability", "malicious", "reason")
    )
    scales = {
        "confidentiality": CONFIDENTIALITY,
        "integrity": INTEGRITY,
        "availability": AVAILABILITY,
        "malicious": MALICIOUS,
    }
    parts = {
        k: _element(m[k], f"{where}.{k}", scale)
        for k, scale in scales.items()
        if m.get(k) is not None
    }
    return CircumstancesOverride(**parts, reason=_reason(m, where))


def _access(value: object, where: str) -> str:
    if not isinstance(value, str) or value.strip().lower() not in THIRD_PARTY_ACCESS:
        raise ContextError(
            f"{where}: must be one of {', '.join(THIRD_PARTY_ACCESS)}, not {value!r}"
        )
    return value.strip().lower()


_PARSERS: dict[str, Any] = {
    "controller": _text,
    "dpo_contact": _text,
    "data_subject_categories": _text,
    "system_description": _text,
    "supervisory_authority": _text,
    "data_processing_context": _dpc,
    "ease_of_identification": _ei,
    "circumstances": _circumstances,
    "data_encrypted": _flag,
    "exposure_started": _iso,
    "exposure_ended": _iso,
    "third_party_access": _access,
    "measures_taken": _texts,
    "measures_proposed": _texts,
    "high_risk_mitigated": _flag,
    "disproportionate_effort": _flag,
    "likely_consequences": _texts,
    "data_subjects": _count,
    "aware_since": parse_when,
}
