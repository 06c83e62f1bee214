"""scan_document: walks any JSON value, builds paths, uses field names and mapping types."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leakhound.detect import Hit, entity_types, masked_text, scan_document


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


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Windows 10 build 10.0.19045.2965", id="windows-build"),
        pytest.param("build 22631.3296", id="windows-build-short"),
        pytest.param("KB5034441 failed", id="kb-article"),
        pytest.param("HRESULT 0x80070005", id="hresult"),
        pytest.param("crc32 0xDEADBEEF", id="hex-code"),
        pytest.param("id 1234567812345678", id="16-digit-non-luhn-id"),
        pytest.param("ref 9876543210987654", id="16-digit-ref"),
        pytest.param("2024-03-05T10:22:01.123Z", id="iso-timestamp"),
        pytest.param("2024-03-05 10:22:01,123 INFO started", id="log-timestamp"),
        pytest.param("took 1709634121000 ms", id="epoch-millis"),
        pytest.param("version 2.14.10.120", id="version"),
        pytest.param("v1.2.3.4", id="v-version"),
        pytest.param("Chrome/120.0.6099.109 Safari/537.36", id="user-agent"),
        pytest.param("OID 1.3.6.1.4.1.311.21.8", id="oid"),
        pytest.param("SN: 4829-1739-5521", id="serial-dashed"),
        pytest.param("serial number C02XK1JHJG5J", id="serial-alnum"),
        pytest.param("order #100234567", id="order-hash"),
        pytest.param("invoice INV-2024-000123", id="invoice"),
        pytest.param("tracking 1Z999AA10123456784", id="tracking"),
        pytest.param("EAN 4006381333931", id="ean"),
        pytest.param("ISBN 978-3-16-148410-0", id="isbn"),
        pytest.param("IMEI 490154203237518", id="imei"),
        pytest.param("uuid 550e8400-e29b-41d4-a716-446655440000", id="uuid"),
        pytest.param("commit 9fceb02d0ae598e95dc970b74767f19372d61af8", id="git-sha"),
        pytest.param("MAC 00:1A:2B:3C:4D:5E", id="mac"),
        pytest.param("amount 1234567.89 and $1,234,567.89", id="amounts"),
        pytest.param("port 8080 listening on 0.0.0.0", id="bind-address"),
        pytest.param("logged at noon, dot release pending", id="at-dot-prose"),
        pytest.param("call back (at) 9am tomorrow", id="bracket-at-prose"),
        pytest.param("meet me at the office dot com-style", id="dot-com-prose"),
    ],
)
def test_hard_negatives_give_no_hit_of_any_type(text: str) -> None:
    assert scan_document({"text": text}) == []


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param({"ts": 1709634121000}, id="epoch-int"),
        pytest.param({"order_id": 4111111111111111}, id="luhn-valid-order-id"),
        pytest.param({"tweet_id": 1709634121000123456}, id="snowflake-id"),
        pytest.param({"count": 123456789}, id="count"),
        pytest.param({"bytes": 4155550123}, id="bytes-like-a-phone"),
    ],
)
def test_numeric_ids_are_not_personal_data_at_the_usual_threshold(doc: object) -> None:
    assert scan_document(doc, min_score=0.5) == []


def test_one_document_with_every_kind() -> None:
    doc = {
        "customer": {
            "name": "Jane Doe",
            "email": "jane.doe@example.com",
            "phone": "+33 6 12 34 56 78",
            "address": {"city": "Lyon"},
            "ssn": "536-90-4399",
            "iban": "DE89 3704 0044 0532 0130 00",
        },
        "payment": {"card": "4111 1111 1111 1111"},
        "client_ip": "81.2.69.160",
        "geo": {"location": {"lat": 45.764, "lon": 4.8357}},
        "password": "hunter2!",
        "notes": "codice fiscale RCCMNL83S18D969H",
    }
    got = {(h.path, h.entity_type) for h in scan_document(doc, min_score=0.5)}
    assert got == {
        ("customer.name", "PERSON"),
        ("customer.email", "EMAIL_ADDRESS"),
        ("customer.phone", "PHONE_NUMBER"),
        ("customer.address.city", "LOCATION"),
        ("customer.ssn", "US_SSN"),
        ("customer.iban", "IBAN_CODE"),
        ("payment.card", "CREDIT_CARD"),
        ("client_ip", "IP_ADDRESS"),
        ("geo.location", "GEO_COORDINATES"),
        ("password", "SECRET"),
        ("notes", "IT_FISCAL_CODE"),
    }


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(_JSON)
def test_any_json_value_is_walked_without_error(doc: object) -> None:
    for h in scan_document(doc):
        assert 0 <= h.start <= h.end
        assert 0.0 < h.score <= 1.0


_PII_ALPHABET = st.sampled_from(list("0123456789 .-+@()[]:/abcdeATxo\n\t"))


@settings(max_examples=300, deadline=None)
@given(st.text(_PII_ALPHABET, max_size=60) | st.text(max_size=60))
def test_offsets_stay_inside_the_value_and_masks_hide_it(text: str) -> None:
    for h in scan_document({"text": text}):
        assert 0 <= h.start < h.end <= len(text)
        raw = text[h.start : h.end]
        if len(raw) >= 6 and "*" not in raw:
            assert raw not in h.masked


def test_clear_caches_forgets_raw_values() -> None:
    from leakhound.detect import ip, phone
    from leakhound.detect.scan import clear_caches

    scan_document({"t": "call 06 12 34 56 78 from 81.2.69.160"})
    assert phone._numbers_in.cache_info().currsize and ip._judge_v4.cache_info().currsize
    clear_caches()
    assert phone._numbers_in.cache_info().currsize == 0
    assert ip._judge_v4.cache_info().currsize == 0


# Known short values (scan.MEMO_*): reused hits must be the hits a fresh read gives.


def test_a_repeated_value_gives_the_same_hits_under_its_own_path() -> None:
    from leakhound.detect.scan import clear_caches

    doc = {
        "cases": [{"email": "jane.doe@example.com", "ip": "81.2.69.160"} for _ in range(3)],
        "agent": "jane.doe@example.com",
    }
    clear_caches()
    first = scan_document(doc)
    again = scan_document(doc)
    assert first == again
    assert [h.path for h in first] == [
        "cases[0].email", "cases[0].ip", "cases[1].email", "cases[1].ip",
        "cases[2].email", "cases[2].ip", "agent",
    ]  # fmt: skip
    clear_caches()
    assert scan_document(doc, gated=False) == first


def test_mapping_type_and_min_score_are_part_of_what_is_known() -> None:
    doc = {"addr": "10.1.2.3"}
    plain = scan_document(doc)
    mapped = scan_document(doc, field_types={"addr": "ip"})
    assert plain[0].score < mapped[0].score  # the mapping hint counts, even on a known value
    assert scan_document(doc, min_score=0.99) == []
    assert scan_document(doc) == plain


def test_known_values_are_bounded_and_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    from leakhound.detect import scan as scan_module

    monkeypatch.setattr(scan_module, "MEMO_ENTRIES", 50)
    scan_module.clear_caches()
    for n in range(500):
        scan_document({"email": f"user{n}@example.com"})
    memo = scan_module._select(None, False).memo
    assert 0 < len(memo) <= 50
    scan_module.clear_caches()
    assert len(memo) == 0


def test_a_batch_gives_each_document_what_scanning_it_alone_gives() -> None:
    from corpus import tickets

    from leakhound.detect import scan_batch
    from leakhound.detect.scan import clear_caches

    docs: list[object] = [{"text": t.text} for t in tickets(120, seed=4)]
    docs += [
        {"customer": {"email": "jane@example.com", "phone": "+33 6 12 34 56 78"}},
        {"customer": {"email": "jane@example.com"}, "notes": ["call 0612345678", 4111111111111111]},
        {"location": {"lat": 48.8584, "lon": 2.2945}, "ip": "81.2.69.160", "n": 33612345678},
        [{"ssn": "078-05-1120"}, "not a document but a value", None, 3.5, True],
        "jane@example.com",
        {},
    ]  # repeated short values inside the batch, numbers, a geo object, odd shapes
    fields = {"location": "geo_point", "ip": "ip"}
    for kwargs in ({}, {"types": {"EMAIL_ADDRESS", "PHONE_NUMBER"}}, {"min_score": 0.8}):
        clear_caches()
        alone = [scan_document(d, field_types=fields, **kwargs) for d in docs]  # type: ignore[arg-type]
        clear_caches()
        together = scan_batch(docs, field_types=fields, **kwargs)  # type: ignore[arg-type]
        assert together == alone
        assert scan_batch(docs, field_types=fields, **kwargs) == alone  # from the memo
    assert sum(map(len, alone)) > 300
    assert scan_batch([]) == []


def test_clear_caches_asks_every_detector_to_forget_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from leakhound.detect import registry
    from leakhound.detect.base import Detector
    from leakhound.detect.scan import clear_caches

    asked: list[str] = []
    monkeypatch.setattr(Detector, "clear_caches", lambda self: asked.append(self.id))
    for d in (*registry.DETECTORS, *registry.optional_detectors()):
        if "clear_caches" in type(d).__dict__:  # a detector with caches of its own
            monkeypatch.setattr(type(d), "clear_caches", lambda self: asked.append(self.id))
    clear_caches()
    assert sorted(asked) == sorted(
        d.id for d in (*registry.DETECTORS, *registry.optional_detectors())
    )


def test_a_batched_detector_reads_a_whole_page_in_one_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from leakhound.detect import registry, scan_batch

    (ner,) = registry.optional_detectors()
    calls: list[int] = []
    real = type(ner).find_many

    def counting(self: object, texts: list[str], fields: list[object]) -> object:
        calls.append(len(texts))
        return real(self, texts, fields)  # type: ignore[arg-type]

    monkeypatch.setattr(type(ner), "find_many", counting)
    docs = [{"t": f"Ticket {i}: Anna Berg wrote from Lyon.", "n": "Hi there"} for i in range(10)]
    scan_batch(docs, ner=True)
    assert calls == [11]  # ten tickets, and "Hi there" read once for all its places


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param(
            "KeyError: 'jane.doe@gmail.com'", "KeyError: 'j***@g***.com'", id="email-in-a-bug"
        ),
        pytest.param(
            "ValueError: not a float: '+33 6 12 34 56 78'",
            "ValueError: not a float: '+33 ***78'",
            id="phone",
        ),
        pytest.param("card 4111 1111 1111 1111 refused", "card ****1111 refused", id="card"),
        pytest.param(
            "read stopped: ProtocolError: cases: the server keeps paging",
            "read stopped: ProtocolError: cases: the server keeps paging",
            id="nothing-personal",
        ),
    ],
)
def test_masked_text_masks_what_an_error_line_quotes(text: str, shown: str) -> None:
    assert masked_text(text) == shown


def test_masked_text_of_a_huge_error_is_quick_and_masks_what_it_keeps() -> None:
    # A bug may quote a whole body in its message (megabytes of records): the line keeps a
    # few hundred characters, and masking must not hold the event loop for a minute.
    import time

    text = "ValueError: bad page: " + "note from jane.doe@gmail.com, +33 6 12 34 56 78; " * 40_000
    started = time.perf_counter()
    shown = masked_text(text)
    assert time.perf_counter() - started < 3
    assert shown.startswith("ValueError: bad page: note from j***@g***.com, +33 ***78; note")
    assert "jane.doe" not in shown  # the text cut in the middle of one: none of it shown
    # (the phone detector tries 32 places a string: the first 300 characters, what a line
    # keeps, are masked whole)
    assert "12 34 56" not in shown[:300]
