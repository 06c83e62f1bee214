"""Every entity type leakhound can report has a deliberate place on ENISA's scales."""

from __future__ import annotations

import pytest

from leakhound.assess.categories import (
    ENTITY_CLASSES,
    DataCategory,
    Identifiability,
    category_score,
    entity_class,
)
from leakhound.detect import entity_types, hints


def known_types() -> set[str]:
    named = {
        getattr(hints, n)
        for n in dir(hints)
        if n.isupper() and isinstance(getattr(hints, n), str) and getattr(hints, n).isupper()
    }
    return set(entity_types()) | named


@pytest.mark.parametrize("entity_type", sorted(known_types()))
def test_every_reportable_type_is_mapped_on_purpose(entity_type: str) -> None:
    # An unknown type would silently count as simple data; a new detector must choose.
    assert entity_type in ENTITY_CLASSES, f"add {entity_type} to assess/categories.py"


@pytest.mark.parametrize(
    ("entity_type", "category", "score"),
    [
        pytest.param("EMAIL_ADDRESS", DataCategory.SIMPLE, 1, id="contact-details-simple"),
        pytest.param("IP_ADDRESS", DataCategory.BEHAVIOURAL, 2, id="traffic-data-behavioural"),
        pytest.param("GEO_COORDINATES", DataCategory.BEHAVIOURAL, 2, id="location-behavioural"),
        pytest.param("CREDIT_CARD", DataCategory.FINANCIAL, 3, id="cards-financial"),
        pytest.param("IBAN_CODE", DataCategory.FINANCIAL, 2, id="bare-account-numbers-minus-1"),
        pytest.param("US_SSN", DataCategory.SIMPLE, 2, id="national-id-plus-1"),
        pytest.param("UK_NINO", DataCategory.SIMPLE, 2, id="presidio-national-id-by-name"),
        pytest.param("NRP", DataCategory.SENSITIVE, 4, id="beliefs-sensitive"),
    ],
)
def test_enisa_categories(entity_type: str, category: DataCategory, score: int) -> None:
    assert entity_class(entity_type).category is category
    assert category_score(entity_type) == score


def test_credentials_have_no_category() -> None:
    assert entity_class("SECRET").category is None
    assert category_score("SECRET") is None


def test_unknown_type_defaults_to_simple_data() -> None:
    cls = entity_class("SHOE_SIZE")
    assert cls.category is DataCategory.SIMPLE
    assert cls.identifies is Identifiability.LIMITED


@pytest.mark.parametrize(
    ("level", "score"),
    [
        (Identifiability.NEGLIGIBLE, 0.25),
        (Identifiability.LIMITED, 0.5),
        (Identifiability.SIGNIFICANT, 0.75),
        (Identifiability.MAXIMUM, 1.0),
    ],
)
def test_ease_of_identification_scale(level: Identifiability, score: float) -> None:
    assert level.score == score
    assert Identifiability.from_score(score) is level
