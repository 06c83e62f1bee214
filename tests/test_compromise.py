"""Signs of a wipe or a ransom, whatever the store kind."""

from __future__ import annotations

import pytest

from leakhound import compromise
from leakhound.models import Container


@pytest.mark.parametrize(
    ("name", "flagged"),
    [
        pytest.param("customers-meow", True, id="meow-suffix"),
        pytest.param("meow", True, id="meow"),
        pytest.param("read_me", True, id="read-me"),
        pytest.param("READ_ME_TO_RECOVER_YOUR_DATA", True, id="read-me-to-recover"),
        pytest.param("readme_to_recover", True, id="readme-to-recover"),
        pytest.param("how_to_recover", True, id="how-to-recover"),
        pytest.param("homeowners", False, id="meow-inside-word"),
        pytest.param("readme-docs-archive", False, id="readme-prefix-of-real-index"),
        pytest.param("support-cases-2019", False, id="ordinary"),
    ],
)
def test_wipe_and_ransom_index_names(name: str, flagged: bool) -> None:
    assert bool(compromise.by_name(name)) is flagged


def test_ransom_note_document_is_recognised() -> None:
    note = {"message": "All your data is backed up. You must pay 0.05 BTC to 1Abc… to recover it."}
    assert compromise.ransom_text(note)
    assert not compromise.ransom_text(
        {"description": "Customer asked to recover a deleted invoice."}
    )


def test_a_sampled_ransom_note_marks_the_container() -> None:
    note = {"text": "Pay 0.1 BTC to recover your data"}
    box = Container("readme", 1, None, details={"health": "green", "status": "open"})
    flagged = compromise.flag_sample(box, [{"a": "b"}, note])
    assert flagged.compromised
    assert flagged.compromise_reasons == ("a document reads like a ransom note",)
    assert compromise.flag_sample(box, [{"a": "b"}]) == box


def test_a_container_name_is_named_in_the_kinds_own_word() -> None:
    assert compromise.by_name("READ_ME", noun="collection") == [
        "collection name 'READ_ME' looks like a ransom note"
    ]
