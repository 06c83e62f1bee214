"""GEO_COORDINATES: pairs in text, geo_point strings, arrays and {lat, lon} objects."""

from __future__ import annotations

import pytest

from leakhound.detect import scan_document

from .util import found, hits

G = "GEO_COORDINATES"


@pytest.mark.parametrize(
    ("text", "pair", "normalized"),
    [
        pytest.param(
            "gps 48.858370, 2.294481 ok", "48.858370, 2.294481", "48.8584,2.2945", id="comma"
        ),
        pytest.param(
            "at -33.856784 151.215297",
            "-33.856784 151.215297",
            "-33.8568,151.2153",
            id="space-negative",
        ),
        pytest.param(
            "40.7484° N, -73.9857° W",
            "40.7484° N, -73.9857° W",
            "40.7484,-73.9857",
            id="degrees-hemispheres",
        ),
    ],
)
def test_coordinate_pairs_in_text_are_found(text: str, pair: str, normalized: str) -> None:
    result = hits(text, G)
    assert [text[h.start : h.end] for h in result] == [pair]
    assert result[0].normalized == normalized


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("ratio 1.5, 2.5", id="short-decimals"),
        pytest.param("version 10.0.19045.2965", id="windows-build"),
        pytest.param("from 81.2.69.160", id="ip-address"),
        pytest.param("95.123456, 200.123456", id="out-of-range"),
        pytest.param("0.000000, 0.000000", id="null-island"),
        pytest.param("prices 12.9900 and 13.4500", id="prices"),
    ],
)
def test_number_pairs_that_are_not_places_are_not_found(text: str) -> None:
    assert found(text, G) == []


@pytest.mark.parametrize(
    ("doc", "field_types", "path"),
    [
        pytest.param(
            {"geoip": {"location": {"lat": 48.8584, "lon": 2.2945}}},
            None,
            "geoip.location",
            id="lat-lon-object",
        ),
        pytest.param(
            {"pos": {"latitude": "48.8584", "longitude": "2.2945"}},
            None,
            "pos",
            id="latitude-longitude-strings",
        ),
        pytest.param({"location": [2.2945, 48.8584]}, None, "location", id="geojson-array"),
        pytest.param({"location": "48.8584,2.2945"}, None, "location", id="point-string"),
        pytest.param({"loc": "POINT (2.2945 48.8584)"}, {"loc": "geo_point"}, "loc", id="wkt"),
        pytest.param({"where": "u09tunq"}, {"where": "geo_point"}, "where", id="geohash-mapped"),
    ],
)
def test_geo_point_values_are_found(
    doc: dict[str, object], field_types: dict[str, str] | None, path: str
) -> None:
    (h,) = scan_document(doc, types={G}, field_types=field_types)
    assert h.path == path
    if h.normalized and "," in h.normalized:
        assert h.normalized == "48.8584,2.2945"


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param({"sizes": [2.5, 48.1]}, id="array-in-unrelated-field"),
        pytest.param({"where": "street"}, id="word-not-geohash"),
        pytest.param({"location": {"lat": 0, "lon": 0}}, id="null-island-object"),
        pytest.param({"point": {"lat": "n/a", "lon": "n/a"}}, id="not-numbers"),
    ],
)
def test_values_that_are_not_geo_points_are_not_found(doc: dict[str, object]) -> None:
    assert scan_document(doc, types={G}) == []


def test_masked_coordinates_keep_whole_degrees_only() -> None:
    (h,) = hits("gps 48.858370, 2.294481", G)
    assert h.masked == "48.*,2.*"
