"""The S3 dialect on recorded answers of MinIO and of the AWS reference: what each means."""

from __future__ import annotations

import asyncio
import socket

import pytest

from leakhound.errors import ProtocolError
from leakhound.models import Endpoint, Verdict
from leakhound.net import Limits, Response, Scope, Transport
from leakhound.probes.objects.api import Refused
from leakhound.probes.s3.probe import S3Api, S3Probe, parse_listing, store_answer, virtual_bucket

from ..objects.recorded import answer

API = S3Api()


def test_minio_refusing_the_bucket_list_is_s3() -> None:
    got = store_answer(answer("s3/list-buckets-403-minio.json"))
    assert got.mine and got.buckets is None
    assert got.why.startswith("AccessDenied")
    assert got.fingerprint.product == "minio"
    assert got.fingerprint.details["region"] == "us-east-1"


def test_a_bucket_list_anyone_reads_names_its_buckets() -> None:
    got = store_answer(answer("s3/list-buckets-aws-docs.json"))
    assert got.mine and got.buckets == ("DOC-EXAMPLE-BUCKET", "DOC-EXAMPLE-BUCKET2")
    assert got.fingerprint.product == "amazon-s3"


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        pytest.param(
            200, {"content-type": "text/html"}, b"<html><body>It works</body></html>", id="web-page"
        ),
        pytest.param(
            200,
            {"content-type": "application/json"},
            b'{"tagline": "You Know, for Search"}',
            id="elasticsearch",
        ),
        pytest.param(
            403,
            {"content-type": "application/xml"},
            b"<Error><Code>Forbidden</Code></Error>",
            id="some-other-xml-error",
        ),
        pytest.param(401, {}, b"", id="bare-401"),
    ],
)
def test_other_answers_are_not_s3(status: int, headers: dict[str, str], body: bytes) -> None:
    got = store_answer(Response(status, headers, body, "http://h:1/"))
    assert not got.mine
    assert f"HTTP {status}" in got.why


def test_a_plain_http_request_to_a_tls_port_asks_for_https() -> None:
    got = store_answer(
        Response(
            400,
            {"content-type": "text/html"},
            b"The plain HTTP request was sent to HTTPS port",
            "http://h:1/",
        )
    )
    assert not got.mine and got.wants_tls


def test_minio_listing_reads_keys_sizes_dates_and_next_token() -> None:
    page = parse_listing(answer("s3/list-v2-truncated-minio.json").body)
    assert [(e.key, e.size, e.modified) for e in page.entries] == [
        ("exports/2005/support-cases-2005.csv", 106724, "2026-12-05T17:36:57Z"),
        ("exports/2006/support-cases-2006.csv", 120319, "2026-12-05T17:36:57Z"),
    ]
    assert page.token is not None and page.token.startswith("c:ZXhwb3J0cy8y")


def test_a_whole_listing_ends_and_decodes_nothing_it_was_not_told_to() -> None:
    page = parse_listing(answer("s3/list-v2-aws-docs.json").body)
    assert page.token is None
    assert [e.key for e in page.entries] == ["my-image.jpg", "notes/customers 2009.csv"]


def test_url_encoded_keys_are_decoded() -> None:
    body = (
        b"<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
        b"<Contents><Key>a+b%2Fc%0A%2B.csv</Key><Size>1</Size></Contents></ListBucketResult>"
    )
    assert [e.key for e in parse_listing(body).entries] == ["a b/c\n+.csv"]


def test_a_v1_listing_continues_after_its_next_marker() -> None:
    page = parse_listing(answer("s3/list-v1-truncated.json").body)
    assert page.token == "a:b.csv"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        pytest.param(b"<ListAllMyBucketsResult/>", "a listing answered", id="not-a-listing"),
        pytest.param(
            b"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
            "no way to the next page",
            id="truncated-without-a-way-on",
        ),
        pytest.param(b"{}", "not XML", id="json"),
    ],
)
def test_listings_that_cannot_be_followed_say_why(body: bytes, why: str) -> None:
    with pytest.raises(ProtocolError, match=why):
        parse_listing(body)


def test_entries_without_key_or_with_nonsense_are_skipped_or_blanked() -> None:
    body = (
        b"<ListBucketResult><IsTruncated>false</IsTruncated>"
        b"<Contents><Size>1</Size></Contents>"
        b"<Contents><Key>k</Key><Size>-5</Size><LastModified>yesterday</LastModified>"
        b"</Contents></ListBucketResult>"
    )
    page = parse_listing(body)
    assert page.skipped == 1
    assert [(e.key, e.size, e.modified) for e in page.entries] == [("k", None, None)]


def refusal(name: str) -> Refused:
    return API.refusal(answer(name))


def test_refusals_absence_and_missing_objects_are_told_apart() -> None:
    denied = refusal("s3/list-v2-403-minio.json")
    assert API.refused(denied) and not API.absent(denied) and denied.code == "AccessDenied"
    assert API.absent(refusal("s3/nosuchbucket-aws-docs.json"))
    missing = refusal("s3/get-nosuchkey-minio.json")
    assert API.missing_object(missing) and not API.refused(missing)
    assert not API.missing_object(refusal("s3/get-403-minio.json"))


def test_a_redirect_says_where_to_and_is_no_refusal() -> None:
    got = API.refusal(Response(307, {"location": "http://elsewhere.example/b"}, b"", "http://h/"))
    assert not API.refused(got) and "redirects to http://elsewhere.example/b" in str(got)


def test_path_style_and_virtual_host_urls() -> None:
    assert (
        API.bucket_url("http://127.0.0.1:9000", "127.0.0.1", "a b") == "http://127.0.0.1:9000/a%20b"
    )
    host = "cases.s3.eu-west-1.amazonaws.com"
    assert virtual_bucket(host) == "cases"
    assert API.bucket_url(f"https://{host}", host, "cases") == f"https://{host}"
    assert (
        API.object_url("http://h:1", "h", "b", "x/../y/./z %.csv")
        == "http://h:1/b/x/%2E%2E/y/%2E/z%20%25.csv"
    )


def test_locate_reads_the_three_url_forms() -> None:
    assert S3Probe.locate("127.0.0.1", "/k.csv", "b") == ("", ("b/k.csv",))
    assert S3Probe.locate("127.0.0.1", "/b/", None) == ("", ("b",))
    assert S3Probe.locate("127.0.0.1", "/", None) == ("", ())
    assert S3Probe.locate("bk1.s3.amazonaws.com", "/dir/", None) == ("", ("bk1/dir/",))
    assert S3Probe.locate("s3.amazonaws.com", "/bk1/dir/", None) == ("", ("bk1/dir/",))


def test_a_closed_port_is_named_as_the_target_named_it() -> None:
    """Nothing answered: an s3:// target keeps its scheme (it read http://, a scheme the
    target never named); a bare port, the URL tried first."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])

    async def verdicts() -> list[tuple[str, str]]:
        scope = Scope()
        scope.add("127.0.0.1", port)
        async with Transport(Limits(read_timeout=5, total_timeout=10), scope) as transport:
            out = []
            for scheme in (None, "s3", "http"):
                svc = await S3Probe().verdict(transport, Endpoint("127.0.0.1", port, scheme))
                out.append((svc.verdict.value, svc.url))
            return out

    assert asyncio.run(verdicts()) == [
        (Verdict.CLOSED, f"http://127.0.0.1:{port}"),
        (Verdict.CLOSED, f"s3://127.0.0.1:{port}"),
        (Verdict.CLOSED, f"http://127.0.0.1:{port}"),
    ]
