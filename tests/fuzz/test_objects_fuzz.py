"""Object stores' answers over arbitrary bytes and arbitrary XML: a page, a store answer or one
ProtocolError, never another exception; what comes out is bounded and storable."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from leakhound.errors import ProtocolError
from leakhound.net import Response
from leakhound.probes.azblob import probe as azblob
from leakhound.probes.objects import xml
from leakhound.probes.objects.api import MAX_KEY, http_date, iso_date, quote_key
from leakhound.probes.s3 import probe as s3

from .budget import budget

FAST = budget(2000)
NAMES = st.sampled_from(
    [
        "ListBucketResult",
        "EnumerationResults",
        "ListAllMyBucketsResult",
        "Error",
        "Contents",
        "Blob",
        "Blobs",
        "Bucket",
        "Buckets",
        "Key",
        "Name",
        "Size",
        "Content-Length",
        "LastModified",
        "Last-Modified",
        "Code",
        "IsTruncated",
        "NextContinuationToken",
        "NextMarker",
        "EncodingType",
        "Properties",
        "Container",
        "Containers",
        "x",
    ]
)
TEXTS = st.one_of(
    st.sampled_from(
        [
            "true",
            "false",
            "url",
            "12",
            "-1",
            "1e9",
            "",
            "2019-05-01T10:00:00.000Z",
            "Sat, 05 Dec 2026 17:36:56 GMT",
            "AccessDenied",
            "a%2Fb+c",
            "%ZZ",
            "9" * 30,
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40),
)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


ELEMENTS = st.recursive(
    st.builds(lambda n, t: f"<{n}>{_escape(t)}</{n}>", NAMES, TEXTS),
    lambda kids: st.builds(
        lambda n, ks: f"<{n}>{''.join(ks)}</{n}>", NAMES, st.lists(kids, max_size=6)
    ),
    max_leaves=40,
)
DOCUMENTS = st.builds(
    lambda n, ks: f'<?xml version="1.0"?><{n}>{"".join(ks)}</{n}>'.encode(),
    NAMES,
    st.lists(ELEMENTS, max_size=8),
)
BODIES = st.one_of(DOCUMENTS, st.binary(max_size=400))


def _check_page(page: object) -> None:
    assert isinstance(page, s3.ListPage)
    for e in page.entries:
        assert e.key and len(e.key) <= MAX_KEY
        assert e.size is None or 0 <= e.size < 2**63
        assert e.modified is None or iso_date(e.modified) == e.modified


@FAST
@given(BODIES)
def test_listings_read_as_a_page_or_one_protocol_error(body: bytes) -> None:
    for parse in (s3.parse_listing, azblob.parse_listing):
        try:
            _check_page(parse(body))
        except ProtocolError as exc:
            assert "\n" not in str(exc)


@FAST
@given(
    st.sampled_from([200, 301, 307, 400, 403, 404, 409, 500]),
    BODIES,
    st.dictionaries(
        st.sampled_from(
            [
                "server",
                "x-amz-request-id",
                "x-ms-error-code",
                "x-ms-request-id",
                "location",
                "content-type",
            ]
        ),
        TEXTS,
        max_size=4,
    ),
)
def test_any_answer_is_a_store_answer_and_a_refusal(
    status: int, body: bytes, headers: dict[str, str]
) -> None:
    resp = Response(status, headers, body, "http://127.0.0.1:9/")
    for module, api in ((s3, s3.S3Api()), (azblob, azblob.AzblobApi())):
        answer = module.store_answer(resp)
        assert "\n" not in answer.why and len(answer.why) <= 600
        if answer.buckets is not None:
            assert all(b and "/" not in b for b in answer.buckets)
        refusal = api.refusal(resp)
        assert "\n" not in str(refusal) and len(str(refusal)) <= 600


@FAST
@given(BODIES, st.integers(0, 20))
def test_xml_records_never_exceed_their_cap(body: bytes, cap: int) -> None:
    try:
        doc = xml.read(body, frozenset({"Contents", "Blob"}), max_records=cap)
    except ProtocolError:
        return
    assert len(doc.records) <= cap
    assert all(len(v) <= xml.MAX_TEXT for r in doc.records for v in r.fields.values())


@FAST
@given(st.text(max_size=80))
def test_dates_are_iso_or_nothing(text: str) -> None:
    for parsed in (http_date(text), iso_date(text)):
        assert parsed is None or iso_date(parsed) == parsed


@FAST
@given(st.text(min_size=1, max_size=60))
def test_a_quoted_key_has_no_dot_segment_and_no_query(key: str) -> None:
    quoted = quote_key(key)
    assert "?" not in quoted and "#" not in quoted
    assert not any(seg in (".", "..") for seg in quoted.split("/"))
