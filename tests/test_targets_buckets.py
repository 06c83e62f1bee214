"""Object stores' targets: buckets and containers named in URLs, one store per endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from leakhound.errors import TargetError
from leakhound.models import Endpoint
from leakhound.probes.registry import DEFAULT
from leakhound.targets import parse_targets, targets


def parse(*specs: str, kinds: tuple[str, ...] = ()) -> list[tuple[Endpoint, tuple[str, ...]]]:
    found = targets(parse_targets(list(specs), DEFAULT.target_kinds(kinds)))
    return [(t.endpoint, t.kinds) for t in found]


def one(spec: str, kinds: tuple[str, ...] = ()) -> Endpoint:
    (found,) = parse(spec, kinds=kinds)
    return found[0]


@pytest.mark.parametrize(
    ("spec", "host", "port", "base", "containers"),
    [
        pytest.param(
            "s3://public-cases@127.0.0.1:9000",
            "127.0.0.1",
            9000,
            "",
            ("public-cases",),
            id="bucket-before-host",
        ),
        pytest.param(
            "s3://public-cases@127.0.0.1:9000/hr/payroll.csv",
            "127.0.0.1",
            9000,
            "",
            ("public-cases/hr/payroll.csv",),
            id="bucket-and-key",
        ),
        pytest.param(
            "s3://public-cases@127.0.0.1:9000/exports/",
            "127.0.0.1",
            9000,
            "",
            ("public-cases/exports/",),
            id="bucket-and-folder",
        ),
        pytest.param(
            "s3://127.0.0.1:9000/public-cases/hr/payroll.csv",
            "127.0.0.1",
            9000,
            "",
            ("public-cases/hr/payroll.csv",),
            id="path-style",
        ),
        pytest.param("s3://127.0.0.1:9000", "127.0.0.1", 9000, "", (), id="no-bucket"),
        pytest.param(
            "s3://my-bucket.s3.eu-west-1.amazonaws.com",
            "my-bucket.s3.eu-west-1.amazonaws.com",
            443,
            "",
            ("my-bucket",),
            id="aws-virtual-host-443",
        ),
        pytest.param(
            "s3://my-bucket.s3.amazonaws.com/a%20b.csv",
            "my-bucket.s3.amazonaws.com",
            443,
            "",
            ("my-bucket/a b.csv",),
            id="virtual-host-key-unquoted",
        ),
        pytest.param(
            "azblob://127.0.0.1:10000/devstoreaccount1/public-cases",
            "127.0.0.1",
            10000,
            "/devstoreaccount1",
            ("public-cases",),
            id="emulator-account-in-path",
        ),
        pytest.param(
            "azblob://127.0.0.1:10000/devstoreaccount1/public-cases/hr/payroll.csv",
            "127.0.0.1",
            10000,
            "/devstoreaccount1",
            ("public-cases/hr/payroll.csv",),
            id="emulator-blob",
        ),
        pytest.param(
            "azblob://contoso.blob.core.windows.net/backups",
            "contoso.blob.core.windows.net",
            443,
            "",
            ("backups",),
            id="azure-account-in-host",
        ),
        pytest.param(
            "azblob://127.0.0.1:10000/devstoreaccount1",
            "127.0.0.1",
            10000,
            "/devstoreaccount1",
            (),
            id="emulator-account-only",
        ),
    ],
)
def test_object_store_urls_name_buckets(
    spec: str, host: str, port: int, base: str, containers: tuple[str, ...]
) -> None:
    ep = one(spec)
    assert (ep.host, ep.port, ep.base_path, ep.containers) == (host, port, base, containers)
    assert ep.user is None  # the bucket is no user name


def test_buckets_of_one_endpoint_become_one_target_in_order() -> None:
    found = parse(
        "s3://b@127.0.0.1:9000",
        "s3://a@127.0.0.1:9000/k.csv",
        "s3://b@127.0.0.1:9000",
        "s3://c@127.0.0.1:9001",
    )
    assert [(ep.port, ep.containers, kinds) for ep, kinds in found] == [
        (9000, ("b", "a/k.csv"), ("s3",)),
        (9001, ("c",), ("s3",)),
    ]


def test_containers_of_two_accounts_stay_two_targets() -> None:
    found = parse("azblob://127.0.0.1:10000/one/c", "azblob://127.0.0.1:10000/two/c")
    assert [(ep.base_path, ep.containers) for ep, _ in found] == [
        ("/one", ("c",)),
        ("/two", ("c",)),
    ]


@pytest.mark.parametrize(
    ("spec", "account", "key"),
    [
        pytest.param(
            "azblob://127.0.0.1:10000/one/c", "one", "127.0.0.1:10000/one", id="emulator-path"
        ),
        pytest.param(
            "azblob://127.0.0.1:10000/one", "one", "127.0.0.1:10000/one", id="account-only"
        ),
        pytest.param(
            "azblob://contoso.blob.core.windows.net/c",
            None,
            "contoso.blob.core.windows.net:443",
            id="azure-account-in-host",
        ),
        pytest.param("s3://b@127.0.0.1:9000", None, "127.0.0.1:9000", id="s3-bucket"),
        pytest.param("s3://127.0.0.1:9000/b/k", None, "127.0.0.1:9000", id="s3-path-style"),
    ],
)
def test_an_account_in_the_path_is_part_of_the_endpoint_key(
    spec: str, account: str | None, key: str
) -> None:
    ep = one(spec)
    assert (ep.account, ep.key) == (account, key)


def test_a_bare_url_and_an_account_url_of_one_place_keep_the_account() -> None:
    # The first names no account (an HTTP kind's base path): the place's account is kept.
    (found,) = parse("http://127.0.0.1:10000/one", "azblob://127.0.0.1:10000/one/c")
    assert (found[0].account, found[0].key) == ("one", "127.0.0.1:10000/one")


def test_https_url_names_a_bucket_only_when_the_kind_is_chosen() -> None:
    ep = one("https://minio.example.net/public-cases", kinds=("s3",))
    assert (ep.scheme, ep.port, ep.base_path, ep.containers) == (
        "https",
        443,
        "",
        ("public-cases",),
    )
    other = one("https://minio.example.net/public-cases")
    assert (other.base_path, other.containers) == ("/public-cases", ())
    assert "s3" not in parse("https://minio.example.net/x")[0][1]


def test_https_url_of_an_azure_account_with_kind_chosen() -> None:
    ep = one("https://contoso.blob.core.windows.net/backups/2019/", kinds=("azblob",))
    assert (ep.host, ep.base_path, ep.containers) == (
        "contoso.blob.core.windows.net",
        "",
        ("backups/2019/",),
    )


def test_a_url_two_chosen_kinds_read_differently_is_refused() -> None:
    with pytest.raises(TargetError, match="name one kind"):
        parse("https://storage.example.net/b", kinds=("s3", "azblob"))
    with pytest.raises(TargetError, match="name one kind"):
        parse("http://127.0.0.1:9000/b", kinds=("elasticsearch", "s3"))


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("s3://a@mybucket.s3.amazonaws.com", id="user-and-virtual-host"),
        pytest.param("azblob://c@127.0.0.1:10000/acct", id="container-before-host"),
        pytest.param("s3://a%0Ab@127.0.0.1:9000", id="control-character-in-bucket"),
        pytest.param("s3://b@127.0.0.1:9000?list-type=2", id="query"),
    ],
)
def test_bad_bucket_urls_are_refused(spec: str) -> None:
    with pytest.raises(TargetError):
        parse(spec)


def test_a_bucket_list_file_is_one_target(tmp_path: Path) -> None:
    listed = tmp_path / "buckets.txt"
    listed.write_text(
        "# the buckets the owner gave\ns3://a@127.0.0.1:9000\n"
        "s3://b@127.0.0.1:9000\ns3://c@127.0.0.1:9000/exports/\n"
    )
    (found,) = parse(f"@{listed}")
    assert found[0].containers == ("a", "b", "c/exports/")


def test_a_bare_host_tries_the_object_stores_on_their_emulator_ports() -> None:
    ports = {ep.port: kinds for ep, kinds in parse("127.0.0.1", kinds=("s3", "azblob"))}
    assert ports == {9000: ("s3",), 10000: ("azblob",)}
