"""The optional NER seam: the extra finds names and places; its absence is a clear error.

The CI installs the ``ner`` extra, so the model tests run unconditionally and fail loudly
when it is missing; the "not installed" path is simulated by hiding the modules.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator

import pytest

from leakhound.detect import scan, scan_batch, scan_document
from leakhound.detect.base import NO_FIELD
from leakhound.detect.hints import field_for
from leakhound.detect.ner import (
    MODEL,
    NerDetector,
    _pipeline,
    _segments,
    available,
)
from leakhound.detect.registry import optional_detectors
from leakhound.errors import UsageError


@pytest.fixture
def without_spacy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As if the ``ner`` extra were not installed: importing spaCy or the model fails."""
    monkeypatch.setitem(sys.modules, "spacy", None)
    monkeypatch.setitem(sys.modules, MODEL, None)
    monkeypatch.setattr(scan, "_SELECTIONS", {})  # forget selections made with NER
    _pipeline.cache_clear()
    yield
    _pipeline.cache_clear()


def test_the_ner_extra_is_installed_here() -> None:
    # Not a skip condition: the CI installs leakhound[ner] and every test below needs it.
    assert available(), "install the ner extra: pip install -e '.[ner]'"
    assert [d.id for d in optional_detectors()] == ["ner"]


def test_without_the_extra_ner_is_not_listed(without_spacy: None) -> None:
    assert not available()
    assert optional_detectors() == ()


def test_asking_for_ner_without_the_extra_is_a_usage_error(without_spacy: None) -> None:
    with pytest.raises(UsageError, match="ner"):
        scan_document({"text": "Jane Doe lives in Paris"}, ner=True)


def test_without_the_extra_names_still_come_from_field_names(without_spacy: None) -> None:
    got = scan_document({"first_name": "Margot", "city": "Paris", "text": "Margot lives in Paris"})
    assert {(h.path, h.entity_type) for h in got} == {
        ("first_name", "PERSON"),
        ("city", "LOCATION"),
    }


def test_the_model_loads_without_touching_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model must load offline")

    _pipeline.cache_clear()
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    nlp = _pipeline(MODEL)
    assert nlp.pipe_names == ["ner"]  # only the recogniser, which has its own embedding


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        pytest.param(
            "Yesterday Angela Merkel visited the office.", "PERSON", "Angela Merkel", id="person"
        ),
        pytest.param("She moved from Berlin last year.", "LOCATION", "Berlin", id="city"),
        pytest.param("We shipped it to France on Monday.", "LOCATION", "France", id="country"),
    ],
)
def test_ner_finds_names_and_places_in_free_text(text: str, entity: str, value: str) -> None:
    got = [(h.entity_type, text[h.start : h.end]) for h in scan_document({"t": text}, ner=True)]
    assert (entity, value) in got


def test_ner_hits_are_masked() -> None:
    (hit,) = scan_document({"t": "Yesterday Angela Merkel visited."}, types={"PERSON"}, ner=True)
    assert "Merkel" not in hit.masked
    assert hit.normalized == "angela merkel"


@pytest.mark.parametrize(
    ("field", "text"),
    [
        pytest.param("email", "Angela Merkel <am@example.org>", id="email-field"),
        pytest.param("order_id", "Angela Merkel 2024", id="id-field"),
        pytest.param("host", "Berlin Paris", id="keyword-mapping"),
    ],
)
def test_ner_reads_only_free_text_fields(field: str, text: str) -> None:
    mapping = "keyword" if field == "host" else None
    assert NerDetector().find(text, field_for(field, mapping)) == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("ok", id="too-short"),
        pytest.param("all lower case words here", id="no-capitals"),
        pytest.param("Word", id="one-word"),
    ],
)
def test_ner_skips_text_it_reads_poorly_without_loading_a_model(text: str) -> None:
    assert NerDetector(model="no_such_model").find(text, NO_FIELD) == []


def test_batched_scan_matches_one_document_at_a_time() -> None:
    docs = [
        {"t": "Yesterday Angela Merkel visited the office in Berlin.", "n": 1},
        {"notes": [{"text": "ok"}, {"text": "She moved from Berlin to Madrid."}]},
        {"email": "jane.doe@example.com", "t": "Call Barack Obama at +1 415 555 2671"},
        {"t": "nothing to see here"},
    ]
    assert scan_batch(docs, ner=True) == [scan_document(d, ner=True) for d in docs]


def test_batched_scan_keeps_document_order_and_paths() -> None:
    (hits,) = scan_batch(
        [{"a": "Angela Merkel", "b": {"c": ["x", "Then Barack Obama left Paris."]}}], ner=True
    )
    assert [(h.path, h.entity_type) for h in hits] == [
        ("a", "PERSON"),
        ("b.c[1]", "PERSON"),
        ("b.c[1]", "LOCATION"),
    ]


def test_batched_scan_honours_types_and_min_score() -> None:
    doc = {"t": "Yesterday Angela Merkel visited Berlin, mail am@example.org"}
    (hits,) = scan_batch([doc], types={"LOCATION"}, ner=True)
    assert {h.entity_type for h in hits} == {"LOCATION"}
    (hits,) = scan_batch([doc], min_score=0.9, ner=True)
    assert {h.entity_type for h in hits} == {"EMAIL_ADDRESS"}


def test_a_pattern_hit_wins_over_an_overlapping_model_guess() -> None:
    text = "Contact Angela.Merkel@example.org today"
    (hits,) = scan_batch([{"t": text}], ner=True)
    emails = [h for h in hits if h.entity_type == "EMAIL_ADDRESS"]
    assert len(emails) == 1
    for h in hits:
        if h is not emails[0]:
            assert h.end <= emails[0].start or h.start >= emails[0].end


@pytest.mark.parametrize(
    ("text", "name"),
    [
        pytest.param("It still fails.\n\nBest regards,\nNoël Bailly", "Noël Bailly", id="regards"),
        pytest.param("See the log.\n\nKind regards, Dale Davies", "Dale Davies", id="same-line"),
        pytest.param("Thanks,\nJ. R. Smith\nACME Corp", "J. R. Smith", id="initials"),
        pytest.param("Merci.\nCordialement,\nAnne-Marie Lévêque", "Anne-Marie Lévêque", id="fr"),
    ],
)
def test_a_signature_names_its_writer(text: str, name: str) -> None:
    got = [text[h.start : h.end] for h in scan_document({"t": text}, types={"PERSON"}, ner=True)]
    assert got == [name]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Thanks,\nThe Support Team", id="team-signature"),
        pytest.param("Tel: +44 1256 428071 after five.", id="tel-label"),
        pytest.param("The update KB5034441 failed on Windows 10 again.", id="product-ids"),
        pytest.param("Running v1.2.2-beta of the desktop app.", id="version"),
    ],
)
def test_labels_products_and_versions_are_not_people_or_places(text: str) -> None:
    assert scan_document({"t": text}, types={"PERSON", "LOCATION"}, ner=True) == []


def test_sentences_without_a_name_like_capital_are_not_given_to_the_model() -> None:
    text = "the app crashes when I open it. The sync stops. Our office in Glasgow has it."
    assert [text[a:b].strip() for a, b in _segments(text)] == ["Our office in Glasgow has it."]


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        pytest.param("Madrid is lovely in spring. we moved.", "LOCATION", "Madrid", id="place"),
        pytest.param("the app broke. Angela Merkel called.", "PERSON", "Angela Merkel", id="name"),
    ],
)
def test_a_name_opening_a_sentence_is_still_read(text: str, entity: str, value: str) -> None:
    got = [(h.entity_type, text[h.start : h.end]) for h in scan_document({"t": text}, ner=True)]
    assert got == [(entity, value)]


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        pytest.param(
            "Das geht nicht.\n\nMit freundlichen Grüßen\nIngo Baum", "PERSON", "Ingo Baum",
            id="de-signature",
        ),
        pytest.param(
            "Me llamo Alejandra Cortina y soy cliente.", "PERSON", "Alejandra Cortina",
            id="es-introduction",
        ),
        pytest.param(
            "L'account è intestato a mio marito, Filippo Bruno.", "PERSON", "Filippo Bruno",
            id="it-relative",
        ),
        pytest.param(
            "Uw collega Mirte van Brunswijk zou mij terugbellen.", "PERSON",
            "Mirte van Brunswijk", id="nl-colleague-with-particle",
        ),
        pytest.param(
            "Ich habe mit Lukas Klein von Ihrer Hotline gesprochen.", "PERSON", "Lukas Klein",
            id="de-from-your-hotline",
        ),
        pytest.param(
            "J'ai eu Claude Lefèvre au téléphone hier soir.", "PERSON", "Claude Lefèvre",
            id="fr-model",
        ),
        pytest.param("Bitte liefern Sie nach Bad Mergentheim.", "LOCATION", "Bad Mergentheim",
                     id="de-ship-to"),
        pytest.param("I'm writing in from Bakerhaven, the UK.", "LOCATION", "Bakerhaven",
                     id="invented-town-then-country"),
        pytest.param("I'm writing in from Bakerhaven, the UK.", "LOCATION", "UK",
                     id="country-after-town"),
        pytest.param("Abito a Bassano del Grappa dal mese scorso.", "LOCATION",
                     "Bassano del Grappa", id="it-town-with-particle"),
        pytest.param("Ik woon sinds maart in Wernhout.", "LOCATION", "Wernhout",
                     id="nl-live-in"),
        pytest.param("Edeltraud Aumann <edeltraud.aumann@gmx.de>", "PERSON",
                     "Edeltraud Aumann", id="display-name"),
    ],
)  # fmt: skip
def test_names_and_places_the_way_support_text_writes_them(
    text: str, entity: str, value: str
) -> None:
    got = [(h.entity_type, text[h.start : h.end]) for h in scan_document({"t": text}, ner=True)]
    assert (entity, value) in got


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        pytest.param("Reading the manual did not help at all.", "LOCATION", id="reading"),
        pytest.param("The Phoenix plan was supposed to include it.", "LOCATION", id="phoenix-plan"),
        pytest.param("I watched the Paris Hilton documentary.", "LOCATION", id="paris-hilton"),
        pytest.param("Das Paket ist leider noch in Bearbeitung.", "LOCATION", id="de-noun"),
        pytest.param("Please send the refund to IBAN GB33BUKB20201555555555.", "LOCATION",
                     id="acronym-after-to"),
        pytest.param("Guten Tag,\n\nDer Drucker meldet bei jedem Auftrag einen Papierstau.",
                     "PERSON", id="de-nouns-are-not-names"),
        pytest.param("Bonsoir,\n\nLa mise à jour Orange du routeur n'a rien changé.", "LOCATION",
                     id="fr-greeting-and-brand"),
        pytest.param("Merci de livrer plutôt à domicile.", "LOCATION", id="lower-case-place"),
    ],
)  # fmt: skip
def test_capitalised_words_without_a_cue_are_not_names_or_places(text: str, entity: str) -> None:
    assert scan_document({"t": text}, types={entity}, ner=True) == []


def test_each_value_is_read_in_its_own_language() -> None:
    from leakhound.detect.ner import language_of

    assert language_of("Ich kann mich seit gestern nicht mehr anmelden.") == "de"
    assert language_of("Le colis est indiqué comme livré mais je n'ai rien reçu.") == "fr"
    assert language_of("Angela Merkel") == "en"  # a few words: the default model's


@pytest.mark.parametrize(
    ("name", "known"),
    [
        pytest.param("Paris", True, id="capital"),
        pytest.param("reading", True, id="any-case"),
        pytest.param("Landshut", True, id="german-town"),
        pytest.param("Williamshaven", False, id="invented-town"),
        pytest.param("Bearbeitung", False, id="german-noun"),
    ],
)
def test_known_places_come_from_the_installed_gazetteer(name: str, known: bool) -> None:
    from leakhound.detect.gazetteer import known_place

    assert known_place(name) is known
