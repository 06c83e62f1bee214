"""scan_document: walks any JSON value, builds paths, uses field names and mapping types."""

from __future__ import annotations

import pytest

from leakhound.detect import Hit, entity_types, scan_document


def test_paths_follow_objects_and_arrays() -> None:
    doc = {
        "customer": {"email": "jane@example.com"},
        "notes": [{"text": "none"}, {"text": "none"}, {"text": "from 81.2.69.160"}],
        "tags": ["x", "bob@example.org"],
    }
    got = [(h.path, h.entity_type) for h in scan_document(doc)]
    assert got == [
        ("customer.email", "EMAIL_ADDRESS"),
        ("notes[2].text", "IP_ADDRESS"),
        ("tags[1]", "EMAIL_ADDRESS"),
    ]


def test_nested_arrays_and_root_scalars() -> None:
    assert [h.path for h in scan_document([[1, "a@example.com"]])] == ["[0][1]"]
    assert [h.path for h in scan_document("a@example.com")] == [""]


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param(None, id="null"),
        pytest.param(True, id="bool"),
        pytest.param(3.14, id="float"),
        pytest.param(12, id="small-int"),
        pytest.param({}, id="empty-object"),
        pytest.param([], id="empty-array"),
        pytest.param({"a": {"b": [None, False, 0]}}, id="nothing-inside"),
    ],
)
def test_values_without_personal_data_give_nothing(doc: object) -> None:
    assert scan_document(doc) == []


def test_offsets_index_the_field_value() -> None:
    text = "Hi, I'm Jane, jane.doe@example.com is my address"
    (h,) = scan_document({"text": text})
    assert (h.start, h.end) == (14, 34)
    assert text[h.start : h.end] == "jane.doe@example.com"


def test_types_limit_what_is_looked_for() -> None:
    doc = {"t": "jane@example.com from 81.2.69.160"}
    assert {h.entity_type for h in scan_document(doc)} >= {"EMAIL_ADDRESS", "IP_ADDRESS"}
    assert {h.entity_type for h in scan_document(doc, types={"IP_ADDRESS"})} == {"IP_ADDRESS"}
    assert scan_document(doc, types={"NO_SUCH_TYPE"}) == []


def test_min_score_drops_weak_hits() -> None:
    doc = {"t": "jane at example dot com and jane@example.com"}
    assert len(scan_document(doc)) == 2
    strong = scan_document(doc, min_score=0.9)
    assert [h.normalized for h in strong] == ["jane@example.com"]
    assert strong[0].start == doc["t"].index("jane@")


def test_field_types_use_dotted_paths_without_indices() -> None:
    doc = {"hosts": [{"addr": "81.2.69.160"}]}
    plain = scan_document(doc)[0]
    hinted = scan_document(doc, field_types={"hosts.addr": "ip"})[0]
    assert hinted.path == "hosts[0].addr"
    assert hinted.score > plain.score


def test_hits_are_masked_and_keep_normalized_for_counting() -> None:
    (h,) = scan_document({"email": "JANE@Example.com"})
    assert isinstance(h, Hit)
    assert h.masked == "J***@E***.com" or h.masked == "j***@e***.com"
    assert h.normalized == "jane@example.com"
    assert "JANE" not in h.masked


def test_non_string_keys_and_tuples_are_walked() -> None:
    doc = {1: ("x", "jane@example.com")}
    assert [h.path for h in scan_document(doc)] == ["1[1]"]


def test_entity_types_lists_presidio_names() -> None:
    types = entity_types()
    assert {"EMAIL_ADDRESS", "IP_ADDRESS"} <= types
    assert all(t.isupper() for t in types)


def test_deeply_nested_document_is_walked() -> None:
    doc: object = "jane@example.com"
    for _ in range(200):
        doc = {"a": doc}
    (h,) = scan_document(doc)
    assert h.path == ".".join(["a"] * 200)
