"""JSON lines and JSON documents: records streamed out of arrays, cuts, bad lines."""

from __future__ import annotations

import json

import pytest

from leakhound.files import Limits, documents


def test_json_lines_each_a_document_with_its_line() -> None:
    data = b'{"email": "a@b.co"}\n\n[1, 2]\n"text"\n{"n": 1234567890123}\n'
    r = documents(data, "x.jsonl")
    assert r.format == "jsonl"
    assert list(r.docs) == [
        {"_line": 1, "email": "a@b.co"},
        {"_line": 3, "value": [1, 2]},
        {"_line": 4, "value": "text"},
        {"_line": 5, "n": 1234567890123},
    ]


def test_bad_json_lines_are_counted_and_reading_goes_on() -> None:
    r = documents(b'{"a": 1}\n{broken\n{"a": 2}\n', "x.jsonl")
    assert [d["a"] for d in r.docs] == [1, 2]
    assert r.skipped == 1 and r.reasons[0].startswith("line 2: not JSON")


@pytest.mark.parametrize(
    ("value", "records"),
    [
        pytest.param([{"a": 1}, {"a": 2}], [{"a": 1}, {"a": 2}], id="array"),
        pytest.param(
            {"took": 3, "hits": {"hits": [{"a": 1}, {"a": 2}]}},
            [{"a": 1}, {"a": 2}],
            id="es-response",
        ),
        pytest.param(
            {"users": [{"a": 1}], "orders": [{"b": 2}]}, [{"a": 1}, {"b": 2}], id="two-arrays"
        ),
        pytest.param(
            [[1, "x"], [2, "y"]], [{"value": [1, "x"]}, {"value": [2, "y"]}], id="rows-of-arrays"
        ),
        pytest.param(
            {"email": "a@b.co", "tags": ["x"]},
            [{"email": "a@b.co", "tags": ["x"]}],
            id="one-object",
        ),
        pytest.param([1, 2, 3], [{"value": [1, 2, 3]}], id="scalars"),
    ],
)
def test_json_records(value: object, records: list[dict[str, object]]) -> None:
    for text in (json.dumps(value), json.dumps(value, indent=2)):
        docs = documents(text.encode(), "x.json").docs
        assert [{k: v for k, v in d.items() if k != "_line"} for d in docs] == records


def test_pretty_json_records_carry_their_line() -> None:
    text = json.dumps([{"a": 1}, {"a": 2}], indent=2)
    assert [d["_line"] for d in documents(text.encode(), "x.json").docs] == [2, 5]


def test_cut_json_array_keeps_the_records_before_the_cut() -> None:
    text = json.dumps({"users": [{"email": f"u{i}@x.io", "s": "a,b}]"} for i in range(50)]})
    r = documents(text[: text.index("u30@") + 5].encode(), "x.json", truncated=True)
    assert r.rows == 30
    assert [d["email"] for d in r.docs] == [f"u{i}@x.io" for i in range(r.rows)]
    assert r.skipped == 1 and "cut by the byte cap" in r.reasons[0]


def test_a_record_over_the_cap_is_skipped() -> None:
    text = json.dumps([{"a": 1}, {"big": "x" * 5000}, {"a": 3}])
    r = documents(text.encode(), "x.json", limits=Limits(max_record=1000))
    assert [d.get("a") for d in r.docs] == [1, 3]
    assert r.reasons == ("line 1: record longer than 1000 characters, skipped",)


def test_a_record_growing_past_the_cap_in_a_stream_stops_the_file() -> None:
    from leakhound.files import FileReader

    reader = FileReader("x.json", limits=Limits(max_record=1000))
    docs = reader.feed(b'[{"a": 1}, {"big": "')
    for _ in range(10):
        docs += reader.feed(b"x" * 500)
    docs += reader.close()
    assert docs == [{"_line": 1, "a": 1}]
    stopped = reader.result().stopped
    assert stopped is not None and "longer than 1000 characters" in stopped
