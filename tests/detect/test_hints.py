"""Field names and mapping types as hints: what a field is called says what it may hold."""

from __future__ import annotations

import pytest

from leakhound.detect.hints import field_for


@pytest.mark.parametrize(
    ("path", "mapping", "hint"),
    [
        pytest.param("customer.email", None, "EMAIL_ADDRESS", id="email"),
        pytest.param("email.keyword", None, "EMAIL_ADDRESS", id="keyword-subfield"),
        pytest.param("client_ip", None, "IP_ADDRESS", id="client-ip"),
        pytest.param("clientIP", None, "IP_ADDRESS", id="camel-case"),
        pytest.param("remote_addr", None, "IP_ADDRESS", id="remote-addr"),
        pytest.param("phone.number", None, "PHONE_NUMBER", id="generic-leaf-uses-parent"),
        pytest.param("mobile", None, "PHONE_NUMBER", id="mobile"),
        pytest.param("customer.name", None, "PERSON", id="customer-name"),
        pytest.param("firstName", None, "PERSON", id="first-name"),
        pytest.param("city", None, "LOCATION", id="city"),
        pytest.param("user.password", None, "SECRET", id="password"),
        pytest.param("api_key", None, "SECRET", id="api-key"),
        pytest.param("whatever", "geo_point", "GEO_COORDINATES", id="geo-point-mapping"),
        pytest.param("host", "ip", "IP_ADDRESS", id="ip-mapping"),
        pytest.param("iban", None, "IBAN_CODE", id="iban"),
        pytest.param("ssn", None, "US_SSN", id="ssn"),
        pytest.param("bsn", None, "NATIONAL_ID", id="bsn"),
    ],
)
def test_field_names_hint_entities(path: str, mapping: str | None, hint: str) -> None:
    assert hint in field_for(path, mapping).hints


@pytest.mark.parametrize(
    ("path", "not_hint"),
    [
        pytest.param("file.name", "PERSON", id="file-name"),
        pytest.param("product_name", "PERSON", id="product-name"),
        pytest.param("email_address", "LOCATION", id="email-address"),
        pytest.param("ip_address", "LOCATION", id="ip-address"),
        pytest.param("token_type", "SECRET", id="token-type"),
        pytest.param("password_changed_at", "SECRET", id="password-metadata"),
        pytest.param("notes.text", "PERSON", id="text"),
    ],
)
def test_lookalike_names_do_not_hint(path: str, not_hint: str) -> None:
    assert not_hint not in field_for(path).hints


@pytest.mark.parametrize(
    ("path", "mapping", "numeric_id"),
    [
        pytest.param("order_id", None, True, id="order-id"),
        pytest.param("build.version", None, True, id="version"),
        pytest.param("created", "date", True, id="date-mapping"),
        pytest.param("phone_id", None, False, id="phone-beats-id"),
        pytest.param("text", None, False, id="text"),
        pytest.param("Ticket Description", None, False, id="prose-about-a-ticket"),
        pytest.param("order_notes", None, False, id="notes-on-an-order"),
        pytest.param("ticket_number", None, True, id="ticket-number"),
    ],
)
def test_numeric_id_names(path: str, mapping: str | None, numeric_id: bool) -> None:
    assert field_for(path, mapping).numeric_id is numeric_id
