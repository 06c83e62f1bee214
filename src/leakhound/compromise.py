"""Signs that a store was wiped or held to ransom, for every kind of store.

Wiper bots ("meow", 2020) and ransom gangs hit Elasticsearch, MongoDB, Redis, CouchDB and
databases alike: they rename or empty containers with a ``-meow`` suffix, or leave a container
named like ``read_me`` or ``how_to_recover`` holding a note that asks for crypto-currency.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .models import Container

_WIPE_NAME = re.compile(r"(?:^|[-_])meow$", re.I)
_RANSOM_NAME = re.compile(
    r"^(?:read[_\-. ]?me(?:[_\-. ]?to[_\-. ]?recover.*)?|how[_\-]?to[_\-]?recover.*|"
    r"recover[_\-]?your[_\-]?data|warning|please[_\-]?read(?:[_\-]?me)?|restore[_\-]?data)$",
    re.I,
)
# A note names a coin and asks to pay or recover, in either order. Two searches, not one
# "coin.*ask|ask.*coin" pattern: that backtracks quadratically (seconds per document) on text
# repeating one word without the other.
_RANSOM_COIN = re.compile(r"\b(?:bitcoin|btc|monero|xmr)\b", re.I)
_RANSOM_ASK = re.compile(r"\b(?:recover|restore|backed?\s?up|pay)\b", re.I)
NOTES_READ = 20  # sampled records looked at for a ransom note


def by_name(name: str, noun: str = "index") -> list[str]:
    """Reasons a container's name says the store was wiped or held to ransom; ``noun`` is the
    kind's word for a container ("index", "collection", "key"…)."""
    reasons = []
    if _WIPE_NAME.search(name):
        reasons.append(f"{noun} name {name!r} matches what 'meow' wiper bots leave")
    if _RANSOM_NAME.match(name):
        reasons.append(f"{noun} name {name!r} looks like a ransom note")
    return reasons


def ransom_text(doc: Any) -> bool:
    """Whether a record reads like a ransom note (payment in crypto to recover data)."""
    text = " ".join(_strings(doc, 50))[:20000]
    return bool(_RANSOM_COIN.search(text) and _RANSOM_ASK.search(text))


def flag_sample(container: Container, docs: Sequence[Any], record: str = "document") -> Container:
    """The container marked compromised when a sampled record reads like a ransom note;
    ``record`` is the kind's word for a record ("document", "row", "key"…)."""
    if not any(ransom_text(d) for d in docs[:NOTES_READ]):
        return container
    reasons = (*container.compromise_reasons, f"a {record} reads like a ransom note")
    return replace(container, compromised=True, compromise_reasons=reasons)


def _strings(value: Any, budget: int) -> list[str]:
    out: list[str] = []
    stack = [value]
    while stack and len(out) < budget:
        v = stack.pop()
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out
