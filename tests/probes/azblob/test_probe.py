"""The Azure Blob dialect on recorded answers of Azurite and of the Azure reference."""

from __future__ import annotations

import pytest

from leakhound.net import Response
from leakhound.probes.azblob.probe import AzblobApi, AzblobProbe, parse_listing, store_answer

from ..objects.recorded import answer

API = AzblobApi()


def test_azurite_refusing_the_container_list_is_azure() -> None:
    got = store_answer(answer("azblob/list-containers-403-azurite.json"))
    assert got.mine and got.buckets is None and got.why.startswith("AuthorizationFailure")
    assert (got.fingerprint.product, got.fingerprint.version) == ("azurite", "3.37.0")


def test_azure_itself_is_told_by_its_headers() -> None:
    got = store_answer(answer("azblob/resourcenotfound-azure-docs.json"))
    assert got.mine and got.fingerprint.product == "azure-blob"
    assert "\n" not in got.why


def test_a_container_list_anyone_reads_names_its_containers() -> None:
    body = (
        b"<EnumerationResults><Containers><Container><Name>backups</Name></Container>"
        b"<Container><Name>logs</Name></Container></Containers></EnumerationResults>"
    )
    got = store_answer(Response(200, {"x-ms-request-id": "1"}, body, "http://h:1/"))
    assert got.mine and got.buckets == ("backups", "logs")


def test_an_answer_without_azure_headers_is_not_azure() -> None:
    got = store_answer(
        Response(
            403,
            {"content-type": "application/xml"},
            b"<Error><Code>AuthorizationFailure</Code></Error>",
            "http://h/",
        )
    )
    assert not got.mine


def test_azurite_listing_reads_names_sizes_dates_types_and_marker() -> None:
    page = parse_listing(answer("azblob/list-blobs-azurite.json").body)
    assert [(e.key, e.size, e.content_type) for e in page.entries] == [
        ("READ_ME.txt", 415, "text/plain"),
        ("assets/logo.png", 11519, "image/png"),
        ("backups/2019-12-31/support-cases-2018-2019.sql.gz", 224733, "application/gzip"),
    ]
    assert page.entries[0].modified == "2026-12-05T17:36:56Z"
    assert page.token == "backups/2019-12-31/support-cases-2018-2019.sql.gz"


def test_azure_listing_keeps_the_blob_name_not_its_metadata_and_skips_prefixes() -> None:
    page = parse_listing(answer("azblob/list-blobs-azure-docs.json").body)
    assert [(e.key, e.size, e.modified) for e in page.entries] == [
        ("customers.csv", 4096, "2020-02-18T11:30:00Z")
    ]
    assert page.token is not None and page.token.startswith("2!80!")


def test_refusals_and_missing_blobs_are_told_apart() -> None:
    for name in (
        "azblob/list-blobs-403-azurite.json",
        "azblob/get-403-azurite.json",
        "azblob/resourcenotfound-azure-docs.json",
    ):
        got = API.refusal(answer(name))
        assert API.refused(got) and not API.missing_object(got), name
    missing = API.refusal(answer("azblob/get-blobnotfound-azurite.json"))
    assert API.missing_object(missing) and not API.refused(missing)


def test_a_head_refusal_is_read_from_its_header() -> None:
    got = API.refusal(Response(404, {"x-ms-error-code": "BlobNotFound"}, b"", "http://h/"))
    assert API.missing_object(got)


@pytest.mark.parametrize(
    ("host", "path", "expected"),
    [
        pytest.param(
            "127.0.0.1", "/devstoreaccount1/cases", ("/devstoreaccount1", ("cases",)), id="emulator"
        ),
        pytest.param(
            "127.0.0.1",
            "/devstoreaccount1/cases/a/b.csv",
            ("/devstoreaccount1", ("cases/a/b.csv",)),
            id="emulator-blob",
        ),
        pytest.param(
            "contoso.blob.core.windows.net", "/cases/2019/", ("", ("cases/2019/",)), id="azure"
        ),
        pytest.param("contoso.blob.core.chinacloudapi.cn", "/", ("", ()), id="azure-china-account"),
        pytest.param("127.0.0.1", "", ("", ()), id="nothing"),
    ],
)
def test_locate_reads_account_and_container(
    host: str, path: str, expected: tuple[str, tuple[str, ...]]
) -> None:
    assert AzblobProbe.locate(host, path, None) == expected
