"""National ids (FR, UK, DE, ES, IT, NL): stdnum checks; bare digit ids need context."""

from __future__ import annotations

import pytest

from leakhound.detect import scan_document
from leakhound.detect.national_id import NationalIdDetector

from .util import found, hits

TYPES = NationalIdDetector.entities


def _found(text: str) -> list[tuple[str, str]]:
    return [
        (h.entity_type, text[h.start : h.end]) for h in scan_document({"text": text}, types=TYPES)
    ]


@pytest.mark.parametrize(
    ("text", "entity", "value", "normalized"),
    [
        pytest.param(
            "NIR 2 95 10 99 126 111 93",
            "FR_NIR",
            "2 95 10 99 126 111 93",
            "295109912611193",
            id="fr-nir-grouped",
        ),
        pytest.param(
            "n° sécu 295109912611193",
            "FR_NIR",
            "295109912611193",
            "295109912611193",
            id="fr-nir-compact",
        ),
        pytest.param("NINO AB 12 34 56 C", "UK_NINO", "AB 12 34 56 C", "AB123456C", id="uk-nino"),
        pytest.param(
            "ni number: JG103759A", "UK_NINO", "JG103759A", "JG103759A", id="uk-nino-compact"
        ),
        pytest.param(
            "codice fiscale RCCMNL83S18D969H",
            "IT_FISCAL_CODE",
            "RCCMNL83S18D969H",
            "RCCMNL83S18D969H",
            id="it-codice-fiscale",
        ),
        pytest.param("DNI 54362315K", "ES_NIF", "54362315K", "54362315K", id="es-dni"),
        pytest.param("dni: 54362315-K", "ES_NIF", "54362315-K", "54362315K", id="es-dni-dash"),
        pytest.param("NIE X2482300W", "ES_NIE", "X2482300W", "X2482300W", id="es-nie"),
        pytest.param(
            "Steuer-ID 36 574 261 809",
            "DE_TAX_ID",
            "36 574 261 809",
            "36574261809",
            id="de-idnr-grouped",
        ),
        pytest.param("IdNr 36574261809", "DE_TAX_ID", "36574261809", "36574261809", id="de-idnr"),
        pytest.param("BSN 111222333", "NL_BSN", "111222333", "111222333", id="nl-bsn"),
        pytest.param("bsn: 1112.22.333", "NL_BSN", "1112.22.333", "111222333", id="nl-bsn-dotted"),
    ],
)
def test_national_ids_are_found(text: str, entity: str, value: str, normalized: str) -> None:
    result = hits(text, entity)
    assert [text[h.start : h.end] for h in result] == [value]
    assert result[0].normalized == normalized
    assert _found(text) == [(entity, value)]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("NIR 2 95 10 99 126 111 94", id="fr-nir-bad-key"),
        pytest.param("QQ 12 34 56 C", id="uk-nino-never-issued-prefix"),
        pytest.param("GB 12 34 56 A", id="uk-nino-gb-prefix"),
        pytest.param("AB 12 34 56 E", id="uk-nino-bad-suffix"),
        pytest.param("RCCMNL83S18D969X", id="it-cf-bad-check"),
        pytest.param("DNI 54362315A", id="es-dni-bad-letter"),
        pytest.param("36574261809", id="de-idnr-without-context"),
        pytest.param("111222333", id="nl-bsn-without-context"),
        pytest.param("order 36574261809", id="de-digits-in-order"),
        pytest.param("Windows build 10.0.19045.2965", id="windows-build"),
        pytest.param("epoch 1709634121000", id="epoch-millis"),
        pytest.param("KB5034441 0x80070005", id="kb-hresult"),
        pytest.param("2024-03-05T10:22:01Z", id="iso-timestamp"),
        pytest.param("4111111111111111", id="card-number"),
    ],
)
def test_near_misses_are_not_national_ids(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(
    ("doc", "entity"),
    [
        pytest.param({"bsn": "111222333"}, "NL_BSN", id="bsn-field"),
        pytest.param({"bsn": 111222333}, "NL_BSN", id="bsn-int"),
        pytest.param({"person": {"steuer_id": "36574261809"}}, "DE_TAX_ID", id="de-field"),
        pytest.param({"nir": 295109912611193}, "FR_NIR", id="nir-int"),
    ],
)
def test_field_names_allow_bare_digit_ids(doc: dict[str, object], entity: str) -> None:
    (h,) = scan_document(doc, types=TYPES)
    assert h.entity_type == entity


def test_field_name_raises_the_score() -> None:
    text = "RCCMNL83S18D969H"
    assert (
        hits(text, "IT_FISCAL_CODE", field="codice_fiscale")[0].score
        > hits(text, "IT_FISCAL_CODE")[0].score
    )


def test_found_helper_sees_nothing_in_prose() -> None:
    assert found("nothing to see here", "UK_NINO") == []
