"""Text and logs: one document a non-blank line."""

from __future__ import annotations

from leakhound.files import Limits, documents


def test_log_lines_are_documents() -> None:
    data = b"\x1b[32mINFO\x1b[0m login user=jane@example.com\r\n\n  \nERROR from 203.0.113.9\n"
    r = documents(data, "app.log")
    assert r.format == "text"
    assert list(r.docs) == [
        {"_line": 1, "text": "\x1b[32mINFO\x1b[0m login user=jane@example.com"},
        {"_line": 4, "text": "ERROR from 203.0.113.9"},
    ]


def test_a_line_over_the_cap_is_skipped_and_numbering_holds() -> None:
    data = b"first\n" + b"x" * 5000 + b"\nthird\n"
    for size in (7, 4096, 1 << 20):  # the long line whole in a chunk, or across many
        from leakhound.files import FileReader

        reader = FileReader("x.log", limits=Limits(max_record=1000))
        docs = []
        for i in range(0, len(data), size):
            docs += reader.feed(data[i : i + size])
        docs += reader.close()
        assert docs == [{"_line": 1, "text": "first"}, {"_line": 3, "text": "third"}]
        assert reader.result().reasons == ("line 2: longer than 1000 characters, skipped",)
