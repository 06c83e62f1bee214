"""The optional NER seam: absent extras give a clear error; present ones find names."""

from __future__ import annotations

import pytest

from leakhound.detect import scan_document
from leakhound.detect.ner import NerDetector, available
from leakhound.detect.registry import optional_detectors
from leakhound.errors import UsageError


def test_ner_is_listed_only_when_its_extra_is_installed() -> None:
    ids = [d.id for d in optional_detectors()]
    assert ids == (["ner"] if available() else [])


@pytest.mark.skipif(available(), reason="spaCy and its model are installed here")
def test_asking_for_ner_without_the_extra_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="ner"):
        scan_document({"text": "Jane Doe lives in Paris"}, ner=True)


@pytest.mark.skipif(not available(), reason="needs the ner extra (spaCy + en_core_web_sm)")
@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        pytest.param(
            "Yesterday Angela Merkel visited the office.", "PERSON", "Angela Merkel", id="person"
        ),
        pytest.param("She moved from Berlin last year.", "LOCATION", "Berlin", id="city"),
    ],
)
def test_ner_finds_names_and_places_in_free_text(text: str, entity: str, value: str) -> None:
    got = [(h.entity_type, text[h.start : h.end]) for h in scan_document({"t": text}, ner=True)]
    assert (entity, value) in got


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("ok", id="too-short"),
        pytest.param("all lower case words here", id="no-capitals"),
        pytest.param("Word", id="one-word"),
    ],
)
def test_ner_skips_text_it_reads_poorly_without_loading_a_model(text: str) -> None:
    from leakhound.detect.base import NO_FIELD

    assert NerDetector(model="no_such_model").find(text, NO_FIELD) == []
