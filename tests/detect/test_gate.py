"""Gates (one Hyperscan pass) skip detectors that cannot find anything, never a finding."""

from __future__ import annotations

import pytest
from corpus import tickets  # benchmarks/, put on the path by conftest.py
from hypothesis import given, settings
from hypothesis import strategies as st

from leakhound.detect import scan as scan_module
from leakhound.detect import scan_document
from leakhound.detect.gate import Gates
from leakhound.detect.national_id import NationalIdDetector
from leakhound.detect.registry import DETECTORS


def test_every_gate_compiles_into_one_database() -> None:
    gated = [d for d in DETECTORS if d.gate]
    assert {d.id for d in gated} >= {"card", "iban", "ssn", "ip", "national_id", "secret", "geo"}
    gates = Gates([(i, p) for i, d in enumerate(DETECTORS) for p in d.gate])
    assert gates.active
    assert gates.ids == {i for i, d in enumerate(DETECTORS) if d.gate}


def test_a_shut_gate_skips_the_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = NationalIdDetector.find

    def spy(self: NationalIdDetector, text: str, field: object) -> object:
        calls.append(text)
        return original(self, text, field)  # type: ignore[arg-type]

    monkeypatch.setattr(NationalIdDetector, "find", spy)
    monkeypatch.setattr(scan_module, "_SELECTIONS", {})  # rebind the patched method
    scan_document({"note": "order 123456 shipped on 2024-03-05, ref 98765"})
    assert calls == []  # digits enough for the detector, but no id's shape anywhere
    scan_document({"note": "NIR 1 84 12 76 451 089 46 on file"})
    assert calls == ["NIR 1 84 12 76 451 089 46 on file"]
    scan_document({"note": "Numéro de commande 123456, livrée le 05/03/2024 à Orléans"})
    assert len(calls) == 1  # accented text is gated too
    scan_document({"note": "Numéro\u00a0de commande 123456"})
    assert len(calls) == 2  # a non-ASCII space could matter to a detector: all gates open


def test_a_hinted_field_opens_every_gate_of_its_kind() -> None:
    # No secret's needle in the value: only the field name says what it is.
    doc = {"user": {"password": "Tr0ub4dor&3x"}}
    found = scan_document(doc)
    assert [h.entity_type for h in found] == ["SECRET"]
    assert found == scan_document(doc, gated=False)


@pytest.mark.parametrize("seed", [0, 7])
def test_gated_and_ungated_scans_agree_on_the_multilingual_corpus(seed: int) -> None:
    for ticket in tickets(350, seed=seed):
        doc = {"text": ticket.text}
        assert scan_document(doc) == scan_document(doc, gated=False), ticket.text


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("card ４１１１ １１１１ １１１１ １１１１ thanks", id="fullwidth-card"),
        pytest.param("SSN ٠٧٨-٠٥-١١٢٠", id="arabic-indic-digits"),
        pytest.param("at 48.85661°\u00a0N,\u00a02.35222°\u00a0E", id="nbsp-coordinates"),
        pytest.param("at 48.85661\x1c,\x1c2.35222 é", id="c0-separator-coordinates"),
        pytest.param("à 48.85661, 2.35222", id="coordinates-in-french"),
        pytest.param("BSN 111222333 é", id="bsn-in-accented-text"),
        pytest.param("éNIR 1 84 12 76 451 089 46", id="id-after-a-letter"),
        pytest.param("ÀB123456C and AB 12 34 56 C", id="nino-after-accented-letter"),
        pytest.param("client 2001:db8:85a3::8a2e:370:7334 é", id="ipv6"),
        pytest.param("PASSWORD=Sup3rS3cret!", id="upper-case-needle"),
        pytest.param("api_\u212aey=Sup3rS3cret!", id="kelvin-sign-lower-cases-to-k"),
        pytest.param("mot de passe: \u0130stanbul2024! password=\u0130st4nbul", id="dotted-i"),
        pytest.param("à 48.85661°, 2.35222° près de l'église", id="degree-sign"),
        pytest.param("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVl", id="jwt"),
        pytest.param("IBAN DE89 3704 0044 0532 0130 00 ü", id="iban-grouped"),
        pytest.param("\ud800 4111 1111 1111 1111", id="lone-surrogate"),
        pytest.param("x" * 5000 + " 078-05-1121 " + "é" * 3000, id="long-text"),
    ],
)
def test_gated_and_ungated_scans_agree_on_unusual_text(text: str) -> None:
    assert scan_document({"t": text}) == scan_document({"t": text}, gated=False)


_PIECES = st.sampled_from(
    [
        "0", "1", "4", "7", "9", "٣", "４", " ", "-", ".", ":", "/", "(", ")", "+", "\u00a0",
        "é", "A", "B", "Z", "x", "KB", "at", "@", "::", "ssn ", "iban ", "tel ", "pwd=",
        "4111", "0612", "078", "05", "1120", "DE89", "1 84", "48.8566", ", ", "2.3522",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=40).map("".join))
def test_gated_and_ungated_scans_agree_on_generated_text(text: str) -> None:
    assert scan_document({"t": text}) == scan_document({"t": text}, gated=False)
