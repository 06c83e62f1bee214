"""LOCATION from field names: addresses, cities, postcodes; placeholders and numbers left alone."""

from __future__ import annotations

import pytest

from leakhound.detect import scan_document

L = "LOCATION"


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        pytest.param(
            {"customer": {"address": "12 rue de la Paix, Paris"}},
            "customer.address",
            id="street-address",
        ),
        pytest.param({"city": "Lyon"}, "city", id="city"),
        pytest.param({"geoip": {"city_name": "München"}}, "geoip.city_name", id="geoip-city"),
        pytest.param({"zip": "75001"}, "zip", id="zip"),
        pytest.param({"postcode": "SW1A 1AA"}, "postcode", id="uk-postcode"),
        pytest.param({"billing": {"country": "France"}}, "billing.country", id="country"),
    ],
)
def test_places_in_place_fields_are_found(doc: dict[str, object], path: str) -> None:
    (h,) = scan_document(doc, types={L})
    assert h.path == path


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param({"city": "unknown"}, id="placeholder"),
        pytest.param({"zip": "not a postcode at all"}, id="zip-not-a-postcode"),
        pytest.param({"location": "48.8584,2.2945"}, id="coordinates-are-geo"),
        pytest.param({"email_address": "jane@example.com"}, id="email-address-field"),
        pytest.param({"ip_address": "81.2.69.160"}, id="ip-address-field"),
        pytest.param({"text": "I live in Paris"}, id="free-text-without-ner"),
    ],
)
def test_non_places_are_not_found(doc: dict[str, object]) -> None:
    assert scan_document(doc, types={L}) == []


def test_street_address_weighs_more_than_country() -> None:
    (street,) = scan_document({"address": "1 Main St"}, types={L})
    (country,) = scan_document({"country": "France"}, types={L})
    assert street.score > country.score
