"""Target URLs that ask for TLS as their own clients' configurations say it: rediss://,
MongoDB's ?tls=/?ssl=, libpq's ?sslmode=, MySQL's ?ssl-mode=/?ssl=; the kind's own scheme
kept, what was asked kept on the endpoint (``Endpoint.tls``) and in its JSON."""

from __future__ import annotations

import pytest

from leakhound.errors import TargetError
from leakhound.models import Endpoint, to_dict
from leakhound.probes.registry import DEFAULT
from leakhound.targets import parse_one, parse_targets, targets


def _endpoint(url: str) -> Endpoint:
    (target,) = parse_one(url, DEFAULT.target_kinds()).targets
    return target.endpoint


@pytest.mark.parametrize(
    ("url", "scheme", "port", "tls"),
    [
        pytest.param("rediss://10.0.0.5:6380", "redis", 6380, "require", id="rediss"),
        pytest.param("rediss://10.0.0.5", "redis", 6379, "require", id="rediss-default-port"),
        pytest.param("redis://10.0.0.5", "redis", 6379, None, id="redis-asks-nothing"),
        pytest.param("mongodb://10.0.0.5/?tls=true", "mongodb", 27017, "require", id="tls-true"),
        pytest.param("mongodb://10.0.0.5/?ssl=true", "mongodb", 27017, "require", id="ssl-true"),
        pytest.param("mongodb://10.0.0.5?tls=TRUE", "mongodb", 27017, "require", id="no-slash"),
        pytest.param("mongodb://10.0.0.5/?tls=false", "mongodb", 27017, "disable", id="tls-no"),
        pytest.param(
            "mongodb://10.0.0.5/?tls=true&ssl=true", "mongodb", 27017, "require", id="both-agree"
        ),
        pytest.param(
            "postgresql://10.0.0.5/db?sslmode=require", "postgresql", 5432, "require", id="pg-req"
        ),
        pytest.param(
            "postgres://10.0.0.5/db?sslmode=verify-ca", "postgresql", 5432, "verify-ca", id="ca"
        ),
        pytest.param(
            "postgresql://10.0.0.5/db?sslmode=verify-full",
            "postgresql",
            5432,
            "verify-full",
            id="pg-verify-full",
        ),
        pytest.param("postgresql://10.0.0.5/db?sslmode=prefer", "postgresql", 5432, None, id="p"),
        pytest.param("postgresql://10.0.0.5/db?sslmode=allow", "postgresql", 5432, None, id="a"),
        pytest.param(
            "postgresql://10.0.0.5/db?sslmode=disable", "postgresql", 5432, "disable", id="pg-no"
        ),
        pytest.param("mysql://10.0.0.5/?ssl-mode=REQUIRED", "mysql", 3306, "require", id="my"),
        pytest.param(
            "mysql://10.0.0.5/?ssl-mode=verify_ca", "mysql", 3306, "verify-ca", id="my-any-case"
        ),
        pytest.param(
            "mysql://10.0.0.5/?ssl-mode=VERIFY_IDENTITY", "mysql", 3306, "verify-full", id="ident"
        ),
        pytest.param("mysql://10.0.0.5/?ssl-mode=PREFERRED", "mysql", 3306, None, id="my-pref"),
        pytest.param("mysql://10.0.0.5/?ssl-mode=DISABLED", "mysql", 3306, "disable", id="my-no"),
        pytest.param("mariadb://10.0.0.5/?ssl=true", "mariadb", 3306, "require", id="ssl-bool"),
    ],
)
def test_a_url_asking_for_tls_is_read(url: str, scheme: str, port: int, tls: str | None) -> None:
    ep = _endpoint(url)
    assert (ep.scheme, ep.port, ep.tls) == (scheme, port, tls)


def test_rediss_is_the_redis_kind() -> None:
    (target,) = parse_one("rediss://10.0.0.5:6380", DEFAULT.target_kinds()).targets
    assert target.kinds == ("redis",)
    assert target.endpoint.url("redis") == "redis://10.0.0.5:6380"


def test_what_tls_was_asked_is_in_the_endpoint_s_json_only_when_asked() -> None:
    assert to_dict(_endpoint("rediss://10.0.0.5"))["tls"] == "require"
    assert "tls" not in to_dict(_endpoint("redis://10.0.0.5"))


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        pytest.param(
            "postgresql://10.0.0.5/db?sslmode=on",
            "disable, allow, prefer, require, verify-ca, verify-full",
            id="sslmode",
        ),
        pytest.param(
            "mysql://10.0.0.5/?ssl-mode=yes",
            "DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY",
            id="ssl-mode",
        ),
        pytest.param("mongodb://10.0.0.5/?tls=1", "true, false", id="tls"),
        pytest.param("mariadb://10.0.0.5/?ssl=", "true, false", id="empty"),
    ],
)
def test_an_unknown_tls_setting_names_those_accepted(url: str, accepted: str) -> None:
    with pytest.raises(TargetError, match=f"accepted: {accepted}") as caught:
        _endpoint(url)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("mongodb://10.0.0.5/?tls=true&ssl=false", id="mongodb"),
        pytest.param("mysql://10.0.0.5/?ssl=false&ssl-mode=REQUIRED", id="mysql"),
    ],
)
def test_tls_settings_at_odds_are_refused(url: str) -> None:
    with pytest.raises(TargetError, match="at odds"):
        _endpoint(url)


@pytest.mark.parametrize(
    ("url", "only"),
    [
        pytest.param(
            "postgresql://10.0.0.5/db?sslmode=require&password=Pw-9f3k", "sslmode=", id="password"
        ),
        pytest.param("mongodb://10.0.0.5/?tls=true#Pw-9f3k", "tls= or ssl=", id="fragment"),
    ],
)
def test_a_query_beyond_its_tls_setting_is_refused_unquoted(url: str, only: str) -> None:
    # The refusal names what the query may carry, and quotes none of it.
    with pytest.raises(TargetError, match=f"must not carry a query other than {only}") as caught:
        _endpoint(url)
    assert "Pw-9f3k" not in str(caught.value)


def test_redis_with_a_query_is_pointed_to_rediss() -> None:
    with pytest.raises(TargetError, match=r"rediss:// is Redis over TLS"):
        _endpoint("redis://10.0.0.5/?ssl=true")


def test_two_targets_of_one_server_keep_the_tls_asked() -> None:
    specs = parse_targets(
        ["redis://10.0.0.5:6380", "rediss://10.0.0.5:6380"], DEFAULT.target_kinds()
    )
    (merged,) = targets(specs)
    assert merged.endpoint.tls == "require"


@pytest.mark.parametrize(
    ("first", "then", "tls"),
    [
        pytest.param("sslmode=require", "sslmode=verify-full", "verify-full", id="verified-then"),
        pytest.param("sslmode=verify-full", "sslmode=require", "verify-full", id="verified-first"),
        pytest.param("sslmode=verify-ca", "sslmode=verify-full", "verify-full", id="full-over-ca"),
        pytest.param("sslmode=prefer", "sslmode=verify-ca", "verify-ca", id="unasked-first"),
    ],
)
def test_one_server_named_twice_keeps_the_most_verified_tls(
    first: str, then: str, tls: str
) -> None:
    # The verification a URL asks for is never lost to the other URL named first.
    specs = parse_targets(
        [f"postgresql://10.0.0.5/db?{first}", f"postgresql://10.0.0.5/db?{then}"],
        DEFAULT.target_kinds(),
    )
    (merged,) = targets(specs)
    assert merged.endpoint.tls == tls


@pytest.mark.parametrize(
    "pair",
    [
        pytest.param(
            (
                "postgresql://10.0.0.5/db?sslmode=disable",
                "postgresql://10.0.0.5/db?sslmode=verify-full",
            ),
            id="disable-first",
        ),
        pytest.param(("rediss://10.0.0.5:6380", "mongodb://10.0.0.5:6380/?tls=false"), id="kinds"),
    ],
)
def test_one_server_named_with_tls_disabled_and_asked_is_refused(pair: tuple[str, str]) -> None:
    specs = parse_targets(list(pair), DEFAULT.target_kinds())
    with pytest.raises(
        TargetError, match=r"10\.0\.0\.5:\d+ is named twice, one target URL disabling"
    ):
        targets(specs)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("postgresql://10.0.0.5/db?sslmode=require;password=Pw-9f3k", id="semicolon"),
        pytest.param("postgresql://10.0.0.5/db?sslmode=x%26password%3DPw-9f3k", id="escaped-amp"),
        pytest.param("mysql://10.0.0.5/?ssl-mode=Pw-9f3k%20Pw-9f3k", id="spaced"),
    ],
)
def test_an_unknown_tls_setting_quotes_no_parameter_hidden_in_it(url: str) -> None:
    with pytest.raises(TargetError, match="is not a TLS setting") as caught:
        _endpoint(url)
    assert "Pw-9f3k" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("postgresql://10.0.0.5:99999/db?password=Pw-9f3k", id="port-over"),
        pytest.param("postgresql://10.0.0.5:0/db?password=Pw-9f3k", id="port-zero"),
        pytest.param("postgresql://a,b/db?password=Pw-9f3k", id="two-hosts"),
        pytest.param("postgresql:///db?password=Pw-9f3k", id="no-host"),
        pytest.param("postgresql://app:Pw-9f3k@10.0.0.5/db?password=Pw-9f3k", id="user-password"),
        pytest.param("ftp://10.0.0.5/?password=Pw-9f3k", id="unknown-scheme"),
        pytest.param("mongodb://10.0.0.5/#Pw-9f3k", id="fragment"),
    ],
)
def test_a_refused_url_s_query_is_never_quoted(url: str) -> None:
    # Whatever the refusal is about, the query (libpq's ?password=) stays unquoted.
    with pytest.raises(TargetError) as caught:
        _endpoint(url)
    assert "Pw-9f3k" not in str(caught.value)
