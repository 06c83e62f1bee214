"""Object stores' XML, read within bounds: namespaces, records, caps, DTDs, depth."""

from __future__ import annotations

import pytest

from leakhound.errors import ProtocolError
from leakhound.probes.objects import xml

RECORDS = frozenset({"Contents"})


def test_namespaced_fields_and_records_are_read_by_local_name() -> None:
    doc = xml.read(
        b'<?xml version="1.0"?><R xmlns="urn:x"><IsTruncated>true</IsTruncated>'
        b"<Contents><Key>a</Key><Owner><ID>o</ID></Owner></Contents>"
        b"<Contents><Key>b</Key><Key>shadow</Key></Contents></R>",
        RECORDS,
        max_records=10,
    )
    assert doc.root == "R" and doc.fields == {"IsTruncated": "true"}
    assert [r.fields for r in doc.records] == [{"Key": "a", "ID": "o"}, {"Key": "b"}]


def test_records_past_the_cap_stop_the_reading() -> None:
    body = b"<R>" + b"<Contents><Key>k</Key></Contents>" * 50_000 + b"</R>"
    doc = xml.read(body, RECORDS, max_records=1000)
    assert doc.over and len(doc.records) == 1000


def test_texts_are_clipped() -> None:
    doc = xml.read(
        b"<R><Contents><Key>" + b"k" * 100_000 + b"</Key></Contents></R>", RECORDS, max_records=1
    )
    assert len(doc.records[0].fields["Key"]) == xml.MAX_TEXT


@pytest.mark.parametrize(
    ("body", "why"),
    [
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><R>&lol2;</R>',
            "DTD",
            id="billion-laughs",
        ),
        pytest.param(b"<R>" + b"<a>" * 100 + b"</a>" * 100 + b"</R>", "nested", id="deep"),
        pytest.param(b"<R><Contents>", "invalid XML", id="cut"),
        pytest.param(b"not xml at all", "not XML", id="text"),
        pytest.param(b"", "not XML", id="empty"),
        pytest.param(
            b'<?xml version="1.0" encoding="ebcdic"?><R/>',
            "unknown encoding",
            id="no-such-encoding",
        ),
    ],
)
def test_what_is_not_a_bounded_xml_answer_is_refused(body: bytes, why: str) -> None:
    with pytest.raises(ProtocolError, match=why):
        xml.read(body, RECORDS, max_records=10)


def test_many_non_record_elements_do_not_pile_up() -> None:
    body = b"<R>" + b"<x/>" * 300_000 + b"<IsTruncated>false</IsTruncated></R>"
    doc = xml.read(body, RECORDS, max_records=10)
    assert doc.fields["IsTruncated"] == "false" and doc.records == []


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param(
            b'<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Den',
            {"Code": "AccessDenied"},
            id="cut-in-a-field",
        ),
        pytest.param(
            b"<Error><Code>A</Code><Sub><Code>B</Code></Sub><Message>m</Message>",
            {"Code": "A", "Message": "m"},
            id="only-the-root-s-leaves",
        ),
    ],
)
def test_a_cut_body_gives_the_fields_whole_in_its_first_bytes(
    body: bytes, fields: dict[str, str]
) -> None:
    doc = xml.begun(body)
    assert doc is not None and doc.root == "Error" and doc.fields == fields


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<html><p>log in</p>", id="a-page"),
        pytest.param(b"not xml", id="text"),
        pytest.param(b'<!DOCTYPE x [<!ENTITY a "b">]><Error><Code>&a;</Code>', id="dtd"),
        pytest.param(b'<?xml version="1.0" encoding="ebcdic"?><Error>', id="no-such-encoding"),
    ],
)
def test_a_cut_body_that_is_no_xml_error_gives_none_of_one(body: bytes) -> None:
    doc = xml.begun(body)
    assert doc is None or doc.root != "Error"
