"""PERSON from field names: name-like values in name fields; other "name"s left alone."""

from __future__ import annotations

import pytest

from leakhound.detect import scan_document

P = "PERSON"


@pytest.mark.parametrize(
    ("doc", "path", "normalized"),
    [
        pytest.param(
            {"customer": {"name": "Jane Doe-Smith"}},
            "customer.name",
            "jane doe-smith",
            id="customer-name",
        ),
        pytest.param({"first_name": "Zoë"}, "first_name", "zoë", id="first-name"),
        pytest.param({"lastName": "O'Brien"}, "lastName", "o'brien", id="camel-last-name"),
        pytest.param(
            {"contacts": [{"full_name": " Jean-Luc  Picard "}]},
            "contacts[0].full_name",
            "jean-luc picard",
            id="full-name-in-array",
        ),
        pytest.param({"name": "Ada Lovelace"}, "name", "ada lovelace", id="bare-name-two-words"),
        pytest.param({"nom": "Dupont"}, "nom", "dupont", id="french"),
    ],
)
def test_names_in_name_fields_are_found(doc: dict[str, object], path: str, normalized: str) -> None:
    (h,) = scan_document(doc, types={P})
    assert (h.path, h.normalized) == (path, normalized)
    assert h.masked.endswith("***") and normalized not in h.masked.lower()


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param({"file": {"name": "report.pdf"}}, id="file-name"),
        pytest.param({"host": {"name": "web-01"}}, id="host-name"),
        pytest.param({"product_name": "Blue Shirt"}, id="product-name"),
        pytest.param({"index_name": "logs"}, id="index-name"),
        pytest.param({"customer": {"name": "test"}}, id="placeholder"),
        pytest.param({"customer": {"name": "R2-D2 unit 7"}}, id="digits"),
        pytest.param({"customer": {"name": "x" * 100}}, id="too-long"),
        pytest.param({"text": "Jane Doe called"}, id="free-text-without-ner"),
        pytest.param({"first_name": "jane@example.com"}, id="email-in-name-field"),
    ],
)
def test_other_names_are_not_people(doc: dict[str, object]) -> None:
    assert scan_document(doc, types={P}) == []


def test_strong_field_scores_higher_than_bare_name() -> None:
    (bare,) = scan_document({"name": "Ada Lovelace"}, types={P})
    (strong,) = scan_document({"first_name": "Ada"}, types={P})
    assert strong.score > bare.score
