"""US_SSN: never-issued ranges refused; bare nine digits need a reason."""

from __future__ import annotations

import pytest

from leakhound.detect import scan_document

from .util import found, hits

S = "US_SSN"


@pytest.mark.parametrize(
    ("text", "ssn"),
    [
        pytest.param("SSN 536-90-4399", "536-90-4399", id="dashed-with-context"),
        pytest.param("applicant 536-90-4399 approved", "536-90-4399", id="dashed"),
        pytest.param("social security number: 536904399", "536904399", id="bare-with-context"),
        pytest.param("536 90 4399", "536 90 4399", id="spaced"),
    ],
)
def test_ssns_are_found(text: str, ssn: str) -> None:
    result = hits(text, S)
    assert [text[h.start : h.end] for h in result] == [ssn]
    assert result[0].normalized == "536904399"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("SSN 000-12-3456", id="area-000"),
        pytest.param("SSN 666-12-3456", id="area-666"),
        pytest.param("SSN 912-12-3456", id="area-9xx"),
        pytest.param("SSN 536-00-4399", id="group-00"),
        pytest.param("SSN 536-90-0000", id="serial-0000"),
        pytest.param("SSN 078-05-1120", id="woolworth-wallet-card"),
        pytest.param("536904399", id="bare-nine-digits"),
        pytest.param("536-90 4399", id="mixed-separators"),
        pytest.param("order 536-90-4399", id="order-id"),
        pytest.param("phone 415-555-0123", id="phone-number"),
        pytest.param("2024-01-1234", id="date-like"),
        pytest.param("v536-90-4399", id="glued-to-letter"),
        pytest.param("1536-90-43991", id="part-of-longer-number"),
    ],
)
def test_invalid_or_unexplained_numbers_are_not_ssns(text: str) -> None:
    assert found(text, S) == []


def test_ssn_field_accepts_bare_digits_and_integers() -> None:
    (h,) = scan_document({"ssn": 536904399}, types={S})
    assert (h.path, h.normalized, h.masked) == ("ssn", "536904399", "5***")
