"""redact: masks never reveal the value, keyed hashes depend on the key, terminals stay safe."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leakhound.models import (
    Container,
    ContainerResult,
    Endpoint,
    FieldInfo,
    Sample,
    Service,
    TargetResult,
    Verdict,
)
from leakhound.redact import hide_password, hide_secrets, keyed_hash, mask, neutralize, new_key
from leakhound.store.sqlite import SqliteStore


@pytest.mark.parametrize(
    ("entity", "value", "masked"),
    [
        pytest.param("EMAIL_ADDRESS", "jane.doe@example.com", "j***@e***.com", id="email"),
        pytest.param("EMAIL_ADDRESS", "a@mail.example.co.uk", "a***@m***.uk", id="email-sub"),
        pytest.param("PHONE_NUMBER", "+33612345678", "+33 ***78", id="phone-e164-fr"),
        pytest.param("PHONE_NUMBER", "+14155550123", "+1 ***23", id="phone-e164-us"),
        pytest.param("PHONE_NUMBER", "+442079460958", "+44 ***58", id="phone-e164-uk"),
        pytest.param("PHONE_NUMBER", "06 12 34 56 78", "***78", id="phone-national"),
        pytest.param("CREDIT_CARD", "4111 1111 1111 1111", "****1111", id="card"),
        pytest.param("IP_ADDRESS", "81.2.69.160", "81.2.*.*", id="ipv4"),
        pytest.param("IP_ADDRESS", "2a00:1450:4007:80e::200e", "2a00:1450:*:*", id="ipv6"),
        pytest.param("IP_ADDRESS", "0.0.0.0", "0.0.*.*", id="ipv4-zeros"),
        pytest.param("IP_ADDRESS", "010.1.2.3", "0***", id="ipv4-leading-zero-is-not-an-ip"),
        pytest.param("IP_ADDRESS", "256.1.2.3", "2***", id="ipv4-octet-over-255"),
        pytest.param("IP_ADDRESS", "::ffff:81.2.69.160", "0:0:*:*", id="ipv4-mapped"),
        pytest.param("IBAN_CODE", "DE89370400440532013000", "DE***", id="iban"),
        pytest.param("SECRET", "AKIAIOSFODNN7EXAMPLE", "AKIA***", id="aws-key"),
        pytest.param("SECRET", "hunter2hunter2", "***", id="password"),
        pytest.param("GEO_COORDINATES", "48.858370, 2.294481", "48.*,2.*", id="geo"),
        pytest.param("PERSON", "Jane Doe", "J***", id="person"),
        pytest.param("US_SSN", "123-45-6789", "1***", id="generic"),
        pytest.param("PERSON", "Al", "***", id="too-short-for-a-hint"),
        pytest.param("EMAIL_ADDRESS", "not an address", "n***", id="malformed-email"),
        pytest.param("IP_ADDRESS", "not an ip", "n***", id="malformed-ip"),
        pytest.param("PHONE_NUMBER", "", "***", id="empty"),
    ],
)
def test_mask_shows_shape_not_value(entity: str, value: str, masked: str) -> None:
    assert mask(entity, value) == masked


ENTITIES = [
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IP_ADDRESS",
    "IBAN_CODE",
    "SECRET",
    "GEO_COORDINATES",
    "PERSON",
    "LOCATION",
    "US_SSN",
    "UNKNOWN",
]


@given(entity=st.sampled_from(ENTITIES), value=st.text(min_size=4, max_size=40))
def test_mask_never_contains_the_raw_value(entity: str, value: str) -> None:
    value = value.strip()
    if len(value) >= 4:
        assert value not in mask(entity, value)


@given(st.emails())
def test_mask_never_contains_an_email(value: str) -> None:
    masked = mask("EMAIL_ADDRESS", value)
    local = value.rsplit("@", 1)[0]
    assert value not in masked
    if len(local) > 1 and "*" not in local:
        assert local not in masked


def test_keyed_hash_is_hmac_sha256_hex() -> None:
    import hashlib
    import hmac

    key = b"k" * 32
    assert (
        keyed_hash(key, "+33612345678")
        == hmac.new(key, b"+33612345678", hashlib.sha256).hexdigest()
    )


def test_keyed_hash_depends_on_the_key() -> None:
    assert keyed_hash(new_key(), "123-45-6789") != keyed_hash(new_key(), "123-45-6789")
    assert len(keyed_hash(b"x", "v")) == 64


def test_keyed_hash_refuses_an_empty_key() -> None:
    with pytest.raises(ValueError, match="key"):
        keyed_hash(b"", "value")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("plain text", "plain text", id="untouched"),
        pytest.param("héllo wörld ✓", "héllo wörld ✓", id="unicode-untouched"),
        pytest.param("\x1b[31mred\x1b[0m", "red", id="csi-colour"),
        pytest.param("\x1b[2J\x1b[Hclear", "clear", id="clear-screen"),
        pytest.param("\x1b]0;pwned\x07title", "title", id="osc-title-bel"),
        pytest.param("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link", id="osc-hyperlink"),
        pytest.param("\x1b]52;c;ZXZpbA==\x07x", "x", id="osc-clipboard"),
        pytest.param("\x1bPq#0\x1b\\ok", "ok", id="dcs"),
        pytest.param("a\x9b31mb", "ab", id="c1-csi"),
        pytest.param("bell\x07", "bell\\x07", id="bell"),
        pytest.param("fake\rreal", "fake\\x0dreal", id="carriage-return"),
        pytest.param("back\x08space", "back\\x08space", id="backspace"),
        pytest.param("line\nbreak", "line\\x0abreak", id="newline"),
        pytest.param("a\u202eevil", "a\\u202eevil", id="bidi-override"),
        pytest.param("zero\u200bwidth", "zero\\u200bwidth", id="zero-width"),
        pytest.param("dangling \x1b", "dangling \\x1b", id="lone-escape"),
        pytest.param("nul\x00", "nul\\x00", id="nul"),
    ],
)
def test_neutralize_makes_target_text_inert(text: str, shown: str) -> None:
    assert neutralize(text) == shown


def test_neutralize_can_keep_newlines() -> None:
    assert neutralize("a\nb\tc\x1b[1m", keep_newlines=True) == "a\nb\tc"


@given(st.text())
def test_neutralized_text_has_no_control_characters(text: str) -> None:
    out = neutralize(text)
    assert "\x1b" not in out
    assert all(ch.isprintable() or ch == " " or not _dangerous(ch) for ch in out)


def _dangerous(ch: str) -> bool:
    cp = ord(ch)
    return cp < 0x20 or 0x7F <= cp < 0xA0 or 0x202A <= cp <= 0x202E or 0x2066 <= cp <= 0x2069


def test_fast_masks_agree_with_reading_the_value_in_full() -> None:
    # _mask_ip reads IPv6 with inet_pton and _mask_phone E.164 without regexes: both
    # must give what reading the value with ipaddress / the digit regexes gives.
    import ipaddress
    import random
    import re

    from leakhound import redact

    def phone_by_regex(value: str) -> str:
        digits = re.sub(r"\D", "", value)
        if len(digits) < 6:
            return "***"
        m = re.match(r"\+(\d{1,15})", value.replace(" ", ""))
        cc = redact._country_code(m.group(1)) if m else None
        return f"+{cc} ***{digits[-2:]}" if cc else f"***{digits[-2:]}"

    rnd = random.Random(6)
    values = ["::", "::1", "1::", "::ffff:1.2.3.4", "::1.2.3.4", "fe80::1%eth0", "[2001:db8::1]"]
    values += ["1:2", ":::", "1::2::3", "12345::", "g::1", "1:2:3:4:5:6:7:8:9"]
    for _ in range(3000):
        addr = ipaddress.IPv6Address(rnd.getrandbits(128) >> rnd.choice([0, 16, 64, 120]))
        values += [str(addr), addr.exploded]
    for value in values:
        try:
            expected = redact._mask_ip_parsed(value.strip("[]"))
        except ValueError:
            expected = redact._mask_generic(value)
        assert mask("IP_ADDRESS", value) == expected, value
    for _ in range(5000):
        value = rnd.choice(["+", "+", "", "+0"]) + "".join(
            rnd.choice("0123456789") for _ in range(rnd.randint(1, 16))
        )
        assert redact._mask_phone(value) == phone_by_regex(value), value


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("postgresql://app:s3cret@db/x", "postgresql://app:***@db/x", id="url"),
        pytest.param("redis://:s3cret@127.0.0.1:6379", "redis://:***@127.0.0.1:6379", id="no-user"),
        pytest.param("app:s3cret@10.0.0.5:3306", "app:***@10.0.0.5:3306", id="no-scheme"),
        pytest.param("mysql://app:s3/cr?et@db", "mysql://app:***@db", id="slash-and-query"),
        pytest.param("mongodb://app:p@ss@db/x", "mongodb://app:***@db/x", id="at-in-password"),
        pytest.param("mongodb://app:s3 cr#et@db", "mongodb://app:***@db", id="space-and-hash"),
        pytest.param("mongodb://app:s3cret@[::1]:27017", "mongodb://app:***@[::1]:27017", id="v6"),
        pytest.param("app:9200@db", "app:***@db", id="digits-password"),
        # No password: left as typed.
        pytest.param("mysql://root@db:3306", "mysql://root@db:3306", id="user-alone"),
        pytest.param("s3://bucket@127.0.0.1:9000/a@b", "s3://bucket@127.0.0.1:9000/a@b", id="s3"),
        pytest.param("http://10.0.0.5:9200/es@eu", "http://10.0.0.5:9200/es@eu", id="port-path"),
        pytest.param("http://[::1]:9200/a@b", "http://[::1]:9200/a@b", id="v6-path"),
        pytest.param("10.0.0.5:9200", "10.0.0.5:9200", id="host-port"),
    ],
)
def test_hide_password_hides_the_password_of_a_typed_target(text: str, shown: str) -> None:
    assert hide_password(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("http://10.0.0.5:9200/es@eu", "http://10.0.0.5:***@eu", id="port-path"),
        pytest.param("//app:s3cret@db", "//app:***@db", id="no-scheme-slashes"),
        pytest.param("read er:s3://cr3t@db", "read er:***@db", id="space-in-user"),
        pytest.param("http://app@x:s3cret@db", "http://app@x:***@db", id="at-in-user"),
        pytest.param("s3://bucket@127.0.0.1:9000", "s3://bucket@127.0.0.1:9000", id="s3"),
        pytest.param("10.0.0.5:9200", "10.0.0.5:9200", id="host-port"),
    ],
)
def test_a_loose_hide_password_hides_what_may_be_a_password(text: str, shown: str) -> None:
    """What an error line quotes of a target: the strict reading's password, hidden alike,
    and what a URL parser would read none of."""
    assert hide_password(text, loose=True) == shown
    strict = hide_password(text)
    assert strict in (text, shown)


@dataclass(frozen=True, slots=True)
class _Inner:
    reason: str
    honeypot: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Outer:
    inner: _Inner
    notes: dict[str, list[str]]
    count: int = 0


def test_hide_secrets_replaces_each_secret_in_the_words_a_server_said() -> None:
    value = _Outer(
        _Inner(
            "AUTH refused: the password 'sesame9' is wrong",
            ("ok", "xsesame9x"),
            ("sesame9",),
        ),
        {"sesame9": ["Basic bGFiOnNlc2FtZTk=", "fine"]},
        3,
    )
    hidden = hide_secrets(value, {"sesame9", "bGFiOnNlc2FtZTk="})
    assert hidden == _Outer(
        _Inner("AUTH refused: the password '***' is wrong", ("ok", "x***x"), ("sesame9",)),
        {"sesame9": ["Basic bGFiOnNlc2FtZTk=", "fine"]},  # keys and details: as they are
        3,
    )
    assert hide_secrets("Basic bGFiOnNlc2FtZTk=", {"bGFiOnNlc2FtZTk="}) == "Basic ***"
    assert hide_secrets(value, set()) is value
    untouched = _Outer(_Inner("nothing here"), {"a": ["b"]})
    assert hide_secrets(untouched, {"sesame9"}) is untouched  # nothing rebuilt


@pytest.mark.parametrize(
    ("text", "secret", "shown"),
    [
        pytest.param("password 'ab' refused", "ab", "password '***' refused", id="quoted"),
        pytest.param('user "app" password "ab"', "ab", 'user "app" password "***"', id="dquoted"),
        pytest.param("password ab is wrong", "ab", "password *** is wrong", id="after-password"),
        pytest.param("Password: on", "on", "Password: ***", id="after-password-colon"),
        pytest.param("pw=7; retry", "7", "pw=***; retry", id="one-digit"),
        pytest.param("secret `!q` refused", "!q", "secret `***` refused", id="punctuation-in-it"),
        # Not the password: the same letters inside a longer word or number, or a word or
        # figure of a reason that no server quoted as a password.
        pytest.param("about a tab", "ab", "about a tab", id="in-words"),
        pytest.param("17 tries in 2017", "7", "17 tries in 2017", id="in-numbers"),
        pytest.param("table ab_test", "ab", "table ab_test", id="in-a-name"),
        pytest.param("password 'abc'", "ab", "password 'abc'", id="in-a-quoted-word"),
        pytest.param(
            "1 of 19 databases read without credentials",
            "1",
            "1 of 19 databases read without credentials",
            id="a-figure",
        ),
        pytest.param(
            "read in every one of its 1,132 records",
            "1",
            "read in every one of its 1,132 records",
            id="a-figure-with-a-comma",
        ),
        pytest.param("HTTP 401 on _search", "on", "HTTP 401 on _search", id="a-word"),
        pytest.param("ok: 3 of 5 indices", "ok", "ok: 3 of 5 indices", id="a-word-first"),
    ],
)
def test_a_short_secret_is_hidden_where_a_server_quotes_it(
    text: str, secret: str, shown: str
) -> None:
    assert hide_secrets(text, {secret}) == shown


def test_a_short_secret_is_hidden_in_a_result_and_long_ones_still_anywhere() -> None:
    result = _result("the password 'ab' (Basic x9ab9x) is not 'abc'")
    hidden = hide_secrets(result, {"ab", "x9ab9x"})
    assert hidden.service.reason == "the password '***' (Basic ***) is not 'abc'"
    assert hidden.containers[0].container.name == result.containers[0].container.name


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("refused: the password sesam", "refused: the password ***", id="cut-in-it"),
        pytest.param("Basic bGFiOnNl", "Basic ***", id="cut-in-the-header-value"),
        pytest.param("sesame9 then sesa", "*** then ***", id="whole-then-cut"),
        pytest.param("refused: the password ses", "refused: the password ses", id="too-short"),
        pytest.param("sesam is not at the end", "sesam is not at the end", id="not-at-the-end"),
        pytest.param("refused: esame9", "refused: esame9", id="its-end-not-its-start"),
    ],
)
def test_a_text_cut_inside_a_secret_hides_the_start_it_ends_in(text: str, shown: str) -> None:
    # A server's words are cut to a length (an error's ERROR_CHARS) before the owner's
    # password is looked for in them: a cut inside it must not leave its first characters.
    assert hide_secrets(text, {"sesame9", "bGFiOnNlc2FtZTk="}) == shown


def _result(reason: str) -> TargetResult:
    """An open Elasticsearch whose index ``support-cases-2019`` had a sample refused."""
    ep = Endpoint("127.0.0.1", 9200, "http")
    service = Service(ep, "http://127.0.0.1:9200", "elasticsearch", Verdict.OPEN, reason)
    index = Container(
        "support-cases-2019",
        1132,
        706_355,
        fields=(FieldInfo("customer.email", "keyword"),),
        error="mapping refused: password 'open' is wrong",
        details={"health": "green", "uuid": "open-2019"},
    )
    sample = Sample(100, 0, error="403: user 'app' (password 'open') may not read", failure=None)
    return TargetResult(
        service,
        (ContainerResult(index, sample),),
        inventory_error="the server said: open",
        inventory_note="which indices are hidden is unknown (the server said: open)",
        honeypot=("banner quotes open",),
    )


@pytest.mark.parametrize("password", ["open", "2019", "elastic", "cases", "keyword"])
def test_hide_secrets_hides_what_a_server_said_never_names_kinds_or_verdicts(
    password: str,
) -> None:
    # A 4-to-7-character password is also a word of the verdict ("open"), the kind
    # ("elasticsearch"), an index's name or a field's type: only the words a server said
    # (reasons, errors) are searched; what other code matches on is written as it is.
    result = _result(f"_cat/indices answers; the server echoed {password}")
    hidden = hide_secrets(result, {password})
    assert hidden.service.verdict is Verdict.OPEN and hidden.exposed
    assert hidden.service.kind == "elasticsearch"
    assert hidden.service.endpoint == result.service.endpoint
    assert hidden.service.url == result.service.url
    (cr,) = hidden.containers
    assert cr.container.name == "support-cases-2019"
    assert cr.container.fields == result.containers[0].container.fields
    assert cr.container.details == result.containers[0].container.details
    assert cr.container.docs == 1132 and cr.container.store_bytes == 706_355
    assert hidden.service.reason == "_cat/indices answers; the server echoed ***"
    said = [
        cr.container.error,
        cr.sample.error if cr.sample else None,
        hidden.inventory_error,
        hidden.inventory_note,
        *hidden.honeypot,
    ]
    if password == "open":
        assert all(s is not None and password not in s for s in said), said


def test_a_result_hidden_with_a_password_like_open_is_stored_and_read_back(
    tmp_path: Path,
) -> None:
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["127.0.0.1:9200"], {})
        store.record(scan_id, hide_secrets(_result("echoed open"), {"open"}))
        (got,) = store.load(scan_id).results
    assert got.service.verdict == Verdict.OPEN and got.exposed
    assert got.containers[0].container.name == "support-cases-2019"
    assert got.service.reason == "echoed ***"
