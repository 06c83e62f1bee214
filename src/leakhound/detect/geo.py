"""Geographic coordinates: "lat, lon" pairs in text and geo_point values (GEO_COORDINATES)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from .base import Detector, Field, Span
from .context import clamp, near, words_before, wordset
from .gate import SPACE

ENTITY = "GEO_COORDINATES"

# "48.858370, 2.294481" in free text: two signed decimals with at least four decimals
# each (~11 m; "1.5, 2.5" is a list of numbers, not a place), comma or space apart.
# Not touching another digit, dot or letter, so version strings and IP addresses are not
# candidates (the first character comes before that look-behind: `re` skips ahead much
# faster through a pattern that starts with a character class). Ranges are checked in
# code.
_PAIR = re.compile(
    r"([\-\d](?<![\w.\-][\-\d])(?:(?<=-)\d{1,2}|(?<=\d)\d?)\.\d{4,15})°?\s*[NS]?\s*[,;/ ]\s*"
    r"(-?\d{1,3}\.\d{4,15})°?\s*[EWO]?(?![\w.]|\.\d)"
)
# geo_point written as a string in a geo field: "41.12,-71.34" (any precision).
_POINT_STRING = re.compile(r"\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*")
# geo_point as WKT: "POINT (-71.34 41.12)" — longitude first.
_WKT = re.compile(r"\s*POINT\s*\(\s*(-?\d{1,3}(?:\.\d+)?)\s+(-?\d{1,2}(?:\.\d+)?)\s*\)\s*", re.I)
# geo_point as a geohash: base-32 without a, i, l, o; 5 characters is ~5 km.
_GEOHASH = re.compile(r"[0-9b-hjkmnp-z]{5,12}")

_LAT_KEYS = ("lat", "latitude")
_LON_KEYS = ("lon", "lng", "long", "longitude")
_CONTEXT_UP = wordset(
    "lat lon lng latitude longitude gps coordinates coords location position geo loc pos"
)


def _valid(lat: float, lon: float) -> bool:
    # (0, 0) is "no fix" in most devices, not a place in the Gulf of Guinea.
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0 and not (lat == 0.0 and lon == 0.0)


def _decimals(text: str) -> int:
    _, _, frac = text.partition(".")
    return len(frac)


def _normalized(lat: float, lon: float) -> str:
    # Four decimals (~11 m): two readings of the same place count as one.
    return f"{lat:.4f},{lon:.4f}"


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


class GeoDetector(Detector):
    """GEO_COORDINATES in text, geo_point strings/arrays and {lat, lon} objects."""

    id: ClassVar[str] = "geo"
    entities: ClassVar[frozenset[str]] = frozenset({ENTITY})
    # _PAIR less its look-arounds and optional leading digits and sign; "°" reaches the
    # gate as "?" (gate.py).
    gate: ClassVar[tuple[str, ...]] = (
        rf"\d\.\d{{4}}\d{{0,11}}\??{SPACE}*[NS]?{SPACE}*[,;/ ]{SPACE}*-?\d{{1,3}}\.\d{{4}}",
    )
    structured: ClassVar[bool] = True

    def find(self, text: str, field: Field) -> list[Span]:
        """Coordinate pairs in ``text``."""
        if ENTITY in field.hints:
            whole = _geo_point_string(text, field.mapping_type == "geo_point")
            if whole is not None:
                return [whole]
        if "." not in text:
            return []
        spans: list[Span] = []
        for m in _PAIR.finditer(text):
            lat, lon = float(m.group(1)), float(m.group(2))
            if not _valid(lat, lon):
                continue
            score = 0.6
            if near(words_before(text, m.start()), _CONTEXT_UP):
                score += 0.25
            spans.append(Span(ENTITY, m.start(), m.end(), clamp(score), _normalized(lat, lon)))
        return spans

    def find_structured(self, value: Any, field: Field) -> list[Span]:
        """A {lat, lon} object anywhere, or a [lon, lat] array in a geo field."""
        if isinstance(value, Mapping):
            lat_raw = next((value[k] for k in _LAT_KEYS if k in value), None)
            if lat_raw is None:
                return []
            lon_raw = next((value[k] for k in _LON_KEYS if k in value), None)
            lat, lon = _as_float(lat_raw), _as_float(lon_raw)
            if lat is None or lon is None or not _valid(lat, lon):
                return []
            precision = min(_decimals(str(lat_raw)), _decimals(str(lon_raw)))
            score = 0.75 if precision >= 3 else 0.5  # 3 decimals ~ 100 m; 2 ~ a town
            return [Span(ENTITY, 0, 0, clamp(score), _normalized(lat, lon))]
        if ENTITY in field.hints and len(value) == 2:
            lon, lat = _as_float(value[0]), _as_float(value[1])
            if lat is None or lon is None or not _valid(lat, lon):
                return []
            return [Span(ENTITY, 0, 0, 0.7, _normalized(lat, lon))]
        return []


def _geo_point_string(text: str, mapped: bool) -> Span | None:
    m = _POINT_STRING.fullmatch(text)
    if m:
        lat, lon = float(m.group(1)), float(m.group(2))
    else:
        m = _WKT.fullmatch(text)
        if m is None:
            if mapped and _GEOHASH.fullmatch(text):
                # Only where the mapping says geo_point: "street" is a geohash too.
                return Span(ENTITY, 0, len(text), 0.6, text)
            return None
        lon, lat = float(m.group(1)), float(m.group(2))
    if not _valid(lat, lon):
        return None
    return Span(ENTITY, 0, len(text), 0.7, _normalized(lat, lon))
