"""CSV and TSV: dialects, headers, quoting, cuts and bad rows."""

from __future__ import annotations

import csv
import io

import pytest

from leakhound.files import documents


def _rows(data: bytes, name: str = "x.csv", truncated: bool = False) -> list[dict[str, object]]:
    return [dict(d) for d in documents(data, name, truncated=truncated).docs]


def test_header_names_the_fields_so_hints_work() -> None:
    docs = _rows(b"id,email,phone\r\n1,jane@example.com,+44 20 7946 0958\r\n2,b@x.org,555\r\n")
    assert docs == [
        {"_line": 2, "id": "1", "email": "jane@example.com", "phone": "+44 20 7946 0958"},
        {"_line": 3, "id": "2", "email": "b@x.org", "phone": "555"},
    ]


def test_excel_export_semicolons_quotes_and_embedded_newlines() -> None:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL)
    w.writerow(["Name", "Adresse", "Notiz"])
    w.writerow(["Zoë Müller", "Hauptstr. 1\n10115 Berlin", 'sagte "hallo"; ging'])
    w.writerow(["Bob", "", "x"])
    docs = _rows(out.getvalue().encode("cp1252"), "kunden.csv")
    assert docs == [
        {
            "_line": 2,
            "Name": "Zoë Müller",
            "Adresse": "Hauptstr. 1\n10115 Berlin",
            "Notiz": 'sagte "hallo"; ging',
        },
        {"_line": 4, "Name": "Bob", "Notiz": "x"},
    ]


def test_tsv() -> None:
    r = documents(b"first_name\tlast_name\temail\nJane\tDoe\tj@x.io\n", "x.tsv")
    assert r.format == "tsv"
    assert r.docs == ({"_line": 2, "first_name": "Jane", "last_name": "Doe", "email": "j@x.io"},)


def test_no_header_numbers_the_columns() -> None:
    docs = _rows(b"Jane,jane@example.com,1985\nBob,bob@example.com,1990\n")
    assert docs[0] == {"_line": 1, "col1": "Jane", "col2": "jane@example.com", "col3": "1985"}


@pytest.mark.parametrize(
    ("first", "is_header"),
    [
        pytest.param("name,mail,city", True, id="hint-words"),
        pytest.param("a,b,c", True, id="names-over-data-with-digits"),
        pytest.param("Jane,jane@x.com,12", False, id="email-in-first-row"),
        pytest.param("1,2,3", False, id="numbers"),
        pytest.param("x,x,y", False, id="duplicate-names"),
        pytest.param(",b,c", True, id="blank-name-allowed"),
    ],
)
def test_header_or_data(first: str, is_header: bool) -> None:
    data = f"{first}\n7,jane@example.com,2019-01-01\n8,bob@example.com,2020-02-02\n".encode()
    docs = _rows(data)
    assert (docs[0]["_line"] == 2) is is_header


def test_blank_header_names_are_numbered_without_clashing() -> None:
    docs = _rows(b"col2,,email\na@b.co,x,c@d.co\n")
    assert docs == [{"_line": 2, "col2": "a@b.co", "col2_2": "x", "email": "c@d.co"}]


def test_rows_of_empty_cells_are_no_documents() -> None:
    assert _rows(b'email,name\n,\n"",""\na@b.co,\n') == [{"_line": 4, "email": "a@b.co"}]


def test_rows_longer_than_the_header_keep_their_extra_cells() -> None:
    assert _rows(b"email,phone\na@b.co,1,extra\n") == [
        {"_line": 2, "email": "a@b.co", "phone": "1", "col3": "extra"}
    ]


def test_cut_last_row_is_dropped_not_half_read() -> None:
    r = documents(b"email,name\na@b.co,Ann\nc@d.co,Bo", "x.csv", truncated=True)
    assert [d["email"] for d in r.docs] == ["a@b.co"]
    assert r.truncated and r.skipped == 1 and "cut by the byte cap" in r.reasons[0]


def test_cut_inside_a_quoted_field_drops_that_row_only() -> None:
    r = documents(b'email,note\na@b.co,"one\ntwo"\nc@d.co,"three\nfou', "x.csv", truncated=True)
    assert [d["note"] for d in r.docs] == ["one\ntwo"]


def test_unclosed_quote_costs_one_record_then_reading_goes_on() -> None:
    from leakhound.files import Limits

    data = b'email,note\na@b.co,"never closed\n' + b"c@d.co,fine\n" * 200
    r = documents(data, "x.csv", limits=Limits(max_record=1000))
    assert r.skipped >= 1 and "unclosed quote" in r.reasons[0]
    assert sum(1 for d in r.docs if d.get("email") == "c@d.co") >= 150


def test_last_row_without_newline_is_read_when_not_cut() -> None:
    assert _rows(b"email\na@b.co\nc@d.co")[-1] == {"_line": 3, "email": "c@d.co"}
