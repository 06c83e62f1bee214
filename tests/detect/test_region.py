"""Which countries a document points at: fields, addresses, e-mail domains, IBANs, phones."""

from __future__ import annotations

import pytest

from leakhound.detect import region
from leakhound.detect.hints import field_for
from leakhound.detect.region import IBAN_DIGITS, Regions, address_region, region_named


@pytest.mark.parametrize(
    ("value", "region"),
    [
        pytest.param("FR", "FR", id="alpha-2"),
        pytest.param("uk", "GB", id="uk-for-gb"),
        pytest.param("fr_FR", "FR", id="posix-locale"),
        pytest.param("en-GB", "GB", id="bcp47-tag"),
        pytest.param("de", "DE", id="language-alone"),
        pytest.param("Deutschland", "DE", id="own-name"),
        pytest.param("the Netherlands", "NL", id="english-name"),
        pytest.param("en", None, id="english-names-no-country"),
        pytest.param("Atlantis", None, id="no-such-country"),
        pytest.param("XX", None, id="not-a-region"),
    ],
)
def test_a_country_or_locale_value_names_its_region(value: str, region: str | None) -> None:
    assert region_named(value) == region


@pytest.mark.parametrize(
    ("value", "region"),
    [
        pytest.param("12 rue de la République, 69002 Lyon, France", "FR", id="comma-country"),
        pytest.param("1 Main St, Springfield, United States of America", "US", id="long-name"),
        pytest.param("Dorpsstraat 4, 1012 AB Amsterdam", None, id="no-country"),
    ],
)
def test_an_address_ending_in_a_country_names_it(value: str, region: str | None) -> None:
    assert address_region(value) == region


def _regions(doc: dict[str, str]) -> tuple[str, ...]:
    votes = Regions()
    for path, value in doc.items():
        votes.read(value, field_for(path), sum(c.isdigit() for c in value) >= IBAN_DIGITS)
    return votes.context().regions


@pytest.mark.parametrize(
    ("doc", "regions"),
    [
        pytest.param({"text": "mail me: anna@orange.fr"}, ("FR",), id="email-cctld"),
        pytest.param({"text": "mail me: anna@yahoo.co.uk"}, ("GB",), id="email-co-uk"),
        pytest.param({"text": "anna@startup.io"}, (), id="generic-cctld"),
        pytest.param({"text": "or call +49 30 1234567"}, ("DE",), id="other-phone"),
        pytest.param({"text": "or call 0049 30 1234567"}, ("DE",), id="other-phone-00"),
        pytest.param({"text": "IBAN NL91 ABNA 0417 1643 00"}, ("NL",), id="iban"),
        pytest.param({"text": "IBAN NL91 ABNA 0417 1643 01"}, (), id="invalid-iban"),
        pytest.param(
            {"country": "IT", "text": "anna@orange.fr"}, ("IT", "FR"), id="field-beats-email"
        ),
        pytest.param({"text": "build 10.0.2000.1, v1+2"}, (), id="no-signal"),
    ],
)
def test_what_a_document_says_of_its_country(doc: dict[str, str], regions: tuple[str, ...]) -> None:
    assert _regions(doc) == regions


@pytest.mark.parametrize(
    ("doc", "by_phone"),
    [
        pytest.param({"text": "or call +49 30 1234567"}, {"DE"}, id="other-phone"),
        pytest.param({"text": "or call 0049 30 1234567"}, {"DE"}, id="other-phone-00"),
        pytest.param({"country": "DE", "text": "+49 30 1234567"}, set(), id="field-too"),
        pytest.param(
            {"text": "anna@orange.fr, +49 30 1234567, +33 6 12 34 56 78"},
            {"DE"},
            id="email-too",
        ),
        pytest.param({"country": "FR"}, set(), id="field-alone"),
    ],
)
def test_the_countries_only_phones_point_at_are_told_apart(
    doc: dict[str, str], by_phone: set[str]
) -> None:
    votes = Regions()
    for path, value in doc.items():
        votes.read(value, field_for(path), sum(c.isdigit() for c in value) >= IBAN_DIGITS)
    assert votes.context().by_phone == by_phone


def test_a_documents_context_is_kept_in_a_bounded_cache_and_equal_once_made_again() -> None:
    # Orders of countries grow with the documents read: the cache of answers has a limit,
    # and an answer made again after eviction is the same memo key as the first.
    assert region._context.cache_info().maxsize is not None
    first = region._context(("FR", "DE"))
    region._context.cache_clear()
    again = region._context(("FR", "DE"))
    assert again is not first
    assert again == first and hash(again) == hash(first)
