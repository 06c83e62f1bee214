"""The file parsers over arbitrary and generated input: never an exception, one-line reasons,
round trips through the real writers (csv, json, SQL quoting), chunked reads = whole reads."""

from __future__ import annotations

import csv
import gzip
import io
import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from leakhound.files import FileReader, Limits, documents

from .budget import budget

FAST = budget(2000)
SMALL = Limits(max_record=4096, max_docs=500, max_output=1 << 20)

NAMES = st.sampled_from(
    [
        "x.csv",
        "x.tsv",
        "x.json",
        "x.jsonl",
        "x.sql",
        "x.xlsx",
        "x.log",
        "x.zip",
        "x.tar",
        "x.gz",
        "x.bin",
        "",
    ]
)
# Leading bytes that steer generated input into every parser and layer.
_PREFIXES = st.sampled_from(
    [
        b"",
        b"\x1f\x8b\x08\x00",
        b"PK\x03\x04",
        b"PK\x05\x06",
        b"BZh9",
        b"\xfd7zXZ\x00",
        b"INSERT INTO t VALUES (",
        b"COPY t (a) FROM stdin;\n",
        b"CREATE TABLE t (",
        b"-- MySQL dump\n",
        b"[",
        b"{",
        b'{"a": [',
        b"a,b,c\n",
        b"a\tb\n",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"/*!40101 ",
    ]
)
_PIECES = st.sampled_from(
    [
        b"'",
        b"''",
        b"\\'",
        b'"',
        b",",
        b";",
        b"\t",
        b"\n",
        b"\r\n",
        b"(",
        b")",
        b"[",
        b"]",
        b"{",
        b"}",
        b"\\.",
        b"\\N",
        b"NULL",
        b"$$",
        b"--",
        b"/*",
        b"*/",
        b"\x00",
        b"\xff",
        b"\xc3",
        b"jane@example.com",
        b"12345678",
        b"<row>",
        b'<c t="s"><v>0</v></c>',
    ]
)
INPUT = st.builds(
    lambda p, parts: p + b"".join(parts),
    _PREFIXES,
    st.lists(_PIECES | st.binary(max_size=20), max_size=40),
) | st.binary(max_size=600)


def _check(r: Any) -> None:
    assert r.rows >= len(r.docs)
    for text in (r.stopped, *r.reasons, *(m.note for m in r.members)):
        assert text is None or ("\n" not in text and len(text) <= 400)
    for d in r.docs:
        assert isinstance(d, dict)


@FAST
@given(INPUT, NAMES, st.booleans())
@example(b"INSERT INTO t VALUES ('" + b"x" * 5000, "x.sql", False)
@example(b'[{"a": "\\', "x.json", True)
@example(gzip.compress(b"a,b\n1,2\n")[:-3], "x.gz", False)
def test_any_input_gives_a_result_never_an_exception(data: bytes, name: str, cut: bool) -> None:
    _check(documents(data, name, truncated=cut, limits=SMALL))
    _check(documents(gzip.compress(data), name + ".gz", truncated=cut, limits=SMALL))


@FAST
@given(INPUT, NAMES, st.lists(st.integers(0, 600), max_size=6))
def test_chunked_reads_give_what_a_whole_read_gives(
    data: bytes, name: str, cuts: list[int]
) -> None:
    whole = documents(data, name, limits=SMALL)
    reader = FileReader(name, limits=SMALL)
    docs: list[Any] = []
    start = 0
    for cut in sorted(c for c in cuts if c <= len(data)):
        docs += reader.feed(data[start:cut])
        start = cut
    docs += reader.feed(data[start:])
    docs += reader.close()
    streamed = reader.result()
    assert docs == list(whole.docs)
    assert (streamed.rows, streamed.skipped, streamed.stopped) == (
        whole.rows,
        whole.skipped,
        whole.stopped,
    )


# Values without the other delimiters, so the sniffed delimiter is the one written.
_CELL = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00;\t|\r"), max_size=30
)


@FAST
@given(st.lists(st.tuples(_CELL, _CELL, _CELL), min_size=1, max_size=20))
def test_csv_round_trip(rows: list[tuple[str, str, str]]) -> None:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["email", "name", "note"])
    w.writerows(rows)
    docs = documents(out.getvalue().encode(), "x.csv").docs
    expected = [
        {k: v for k, v in zip(("email", "name", "note"), row, strict=True) if v} for row in rows
    ]
    assert [{k: v for k, v in d.items() if k != "_line"} for d in docs] == [
        e for e, row in zip(expected, rows, strict=True) if any(row)
    ]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@FAST
@given(
    st.lists(
        st.dictionaries(st.text(max_size=8).filter(lambda k: k != "_line"), _JSON, max_size=4),
        min_size=1,
        max_size=10,
    ),
    st.booleans(),
)
def test_json_lines_and_json_round_trip(records: list[dict[str, Any]], array: bool) -> None:
    if array:
        data = json.dumps({"rows": records}, indent=1).encode()
        docs = documents(data, "x.json").docs
    else:
        data = "\n".join(json.dumps(r) for r in records).encode() + b"\n"
        docs = documents(data, "x.jsonl").docs
    assert [{k: v for k, v in d.items() if k != "_line"} for d in docs] == records


_SQL_VALUE = (
    st.none()
    | st.integers(-(10**12), 10**12)
    | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=25)
)


def _quote(value: Any, mysql: bool) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    if mysql:  # mysqldump's escaping
        value = (
            value.replace("\\", "\\\\")
            .replace("'", "\\'")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
        return f"'{value}'"
    return "'" + value.replace("'", "''") + "'"


@FAST
@given(
    st.lists(st.tuples(_SQL_VALUE, _SQL_VALUE), min_size=1, max_size=15),
    st.booleans(),
    st.booleans(),
)
def test_sql_insert_round_trip(rows: list[tuple[Any, Any]], mysql: bool, extended: bool) -> None:
    head = "-- MySQL dump 10.13\n" if mysql else "-- PostgreSQL database dump\n"
    tuples = ["(" + ", ".join(_quote(v, mysql) for v in row) + ")" for row in rows]
    if extended:
        body = "INSERT INTO t (a, b) VALUES " + ",\n".join(tuples) + ";\n"
    else:
        body = "".join(f"INSERT INTO t (a, b) VALUES {t};\n" for t in tuples)
    docs = documents((head + body).encode(), "x.sql").docs
    expected = [
        {k: v for k, v in (("a", a), ("b", b)) if v is not None and v != ""} for a, b in rows
    ]
    assert [{k: v for k, v in d.items() if not k.startswith("_")} for d in docs] == expected
