"""EMAIL_ADDRESS: plain and obfuscated forms found, prose that merely says "at" left alone."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leakhound.detect import scan_document
from leakhound.detect.base import NO_FIELD, Span
from leakhound.detect.email import EmailDetector

from .util import found, hits

E = "EMAIL_ADDRESS"


@pytest.mark.parametrize(
    ("text", "address", "normalized"),
    [
        pytest.param(
            "write to jane.doe@example.com today",
            "jane.doe@example.com",
            "jane.doe@example.com",
            id="plain",
        ),
        pytest.param(
            "Jane.Doe+tag@Example.CO.UK",
            "Jane.Doe+tag@Example.CO.UK",
            "jane.doe+tag@example.co.uk",
            id="upper-case-and-subdomain",
        ),
        pytest.param(
            "<a href='mailto:jane@example.com'>",
            "jane@example.com",
            "jane@example.com",
            id="mailto",
        ),
        pytest.param(
            "reach me: jane @ example.com", "jane @ example.com", "jane@example.com", id="spaced-at"
        ),
        pytest.param(
            "jane @example com", "jane @example com", "jane@example.com", id="space-for-dot"
        ),
        pytest.param(
            "jane @ example . com",
            "jane @ example . com",
            "jane@example.com",
            id="spaced-at-and-dot",
        ),
        pytest.param(
            "jane at example dot com", "jane at example dot com", "jane@example.com", id="words"
        ),
        pytest.param(
            "JANE AT EXAMPLE DOT COM",
            "JANE AT EXAMPLE DOT COM",
            "jane@example.com",
            id="words-upper-case",
        ),
        pytest.param(
            "jane[at]example[dot]com",
            "jane[at]example[dot]com",
            "jane@example.com",
            id="square-brackets",
        ),
        pytest.param(
            "jane(at)example.com", "jane(at)example.com", "jane@example.com", id="parentheses"
        ),
        pytest.param(
            "jane{at}example{dot}org", "jane{at}example{dot}org", "jane@example.org", id="braces"
        ),
        pytest.param(
            "jane <at> example <dot> fr",
            "jane <at> example <dot> fr",
            "jane@example.fr",
            id="angle-brackets",
        ),
        pytest.param(
            "jane [AT] example [DOT] de",
            "jane [AT] example [DOT] de",
            "jane@example.de",
            id="spaced-brackets-upper",
        ),
        pytest.param(
            "john dot smith at gmail dot com",
            "john dot smith at gmail dot com",
            "john.smith@gmail.com",
            id="dot-in-local-part",
        ),
        pytest.param(
            "GET /unsubscribe?u=jane%40example.com&t=1",
            "jane%40example.com",
            "jane@example.com",
            id="url-encoded",
        ),
        pytest.param("jörg@müller.de", "jörg@müller.de", "jörg@müller.de", id="idn"),
        pytest.param(
            "contact: jane at example.com",
            "jane at example.com",
            "jane@example.com",
            id="word-at-real-dot",
        ),
        pytest.param(
            "mail jane.doe@example.com.",
            "jane.doe@example.com",
            "jane.doe@example.com",
            id="sentence-end",
        ),
        pytest.param(
            "please write to gianni @libero it",
            "gianni @libero it",
            "gianni@libero.it",
            id="space-for-dot-word-tld-after-cue",
        ),
        pytest.param(
            "Please write to me at giulia.mastroianni @libero it",
            "giulia.mastroianni @libero it",
            "giulia.mastroianni@libero.it",
            id="space-for-dot-word-tld-cue-four-words-back",
        ),
        pytest.param(
            "Please write to me at louise_summers @hotmail co uk.",
            "louise_summers @hotmail co uk",
            "louise_summers@hotmail.co.uk",
            id="space-for-dot-second-level-cue-four-words-back",
        ),
        pytest.param(
            "my address is anna @gmx at",
            "anna @gmx at",
            "anna@gmx.at",
            id="space-for-dot-austria-after-cue",
        ),
        pytest.param(
            "Please write to me at jane@example.de. My number is 0123.",
            "jane@example.de",
            "jane@example.de",
            id="full-stop-then-a-country-tld-word",  # not "jane@example.de.my"
        ),
        pytest.param(
            "write to me at jane[at]example[dot]fr. My number is 0123.",
            "jane[at]example[dot]fr",
            "jane@example.fr",
            id="bracketed-then-full-stop",
        ),
        pytest.param(
            "(email: jane @example co uk) thanks",
            "jane @example co uk",
            "jane@example.co.uk",
            id="space-for-dot-second-level",
        ),
        pytest.param(
            "email: jane @example com au",
            "jane @example com au",
            "jane@example.com.au",
            id="space-for-dot-second-level-com",
        ),
    ],
)
def test_email_forms_are_found(text: str, address: str, normalized: str) -> None:
    result = hits(text, E)
    assert [text[h.start : h.end] for h in result] == [address]
    assert result[0].normalized == normalized


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("logged at noon, dot release pending", id="at-noon-dot-release"),
        pytest.param("call back (at) 9am tomorrow", id="bracket-at-time"),
        pytest.param("meet me at the office dot com-style", id="office-dot-com-style"),
        pytest.param("look at example.com for details", id="look-at-url"),
        pytest.param("we arrived at home. Dot was there", id="arrived-at-home"),
        pytest.param("ping @john at the meeting", id="handle-then-at"),
        pytest.param("icon@2x.png and logo@3x.webp", id="retina-asset"),
        pytest.param("npm install lodash@4.17.21", id="package-version"),
        pytest.param("import '@angular/core'", id="scoped-package"),
        pytest.param("user@localhost", id="no-dot"),
        pytest.param("a @ b", id="bare-at"),
        pytest.param("price: 3 @ 4.99 each", id="at-price"),
        pytest.param("x" * 70 + "@example.com", id="local-part-too-long"),
        pytest.param("at at at dot dot", id="words-only"),
        pytest.param("", id="empty"),
        pytest.param("thanks @john it works now", id="handle-then-it"),
        pytest.param("send me the logs, thanks @john it works", id="handle-then-it-cue-ended"),
        pytest.param("I told bob @alice it was fixed", id="handle-then-it-after-words"),
        pytest.param("thanks @acme co uk team", id="handle-then-co-uk-uncued"),
        # A cue four or five words back needs "at", "to"… just before the address.
        pytest.param(
            "email me when you are done @john it works", id="handle-then-it-far-cue-no-at"
        ),
        pytest.param(
            "contact us about the sale @home it was great", id="handle-then-it-far-cue-article"
        ),
    ],
)
def test_prose_and_lookalikes_are_not_emails(text: str) -> None:
    assert found(text, E) == []


# Internationalised domains in their ASCII form ("xn--" and Punycode: "xn--d1acufc.xn--p1ai"
# is "домен.рф"), in every form the plain ones are found in, normalized to the Unicode form.
@pytest.mark.parametrize(
    ("text", "address", "normalized"),
    [
        pytest.param(
            "jane@xn--bcher-kva.de", "jane@xn--bcher-kva.de", "jane@bücher.de", id="punycode-domain"
        ),
        pytest.param(
            "ivan@xn--d1acufc.xn--p1ai",
            "ivan@xn--d1acufc.xn--p1ai",
            "ivan@домен.рф",
            id="punycode-tld",
        ),
        pytest.param(
            "write to ivan@xn--d1acufc.xn--p1ai.",
            "ivan@xn--d1acufc.xn--p1ai",
            "ivan@домен.рф",
            id="punycode-tld-sentence-end",
        ),
        pytest.param(
            "IVAN@XN--D1ACUFC.XN--P1AI",
            "IVAN@XN--D1ACUFC.XN--P1AI",
            "ivan@домен.рф",
            id="punycode-upper-case",
        ),
        pytest.param(
            "jane@mail.xn--bcher-kva.xn--p1ai",
            "jane@mail.xn--bcher-kva.xn--p1ai",
            "jane@mail.bücher.рф",
            id="punycode-subdomain",
        ),
        pytest.param(
            "<a href='mailto:ivan@xn--d1acufc.xn--p1ai'>",
            "ivan@xn--d1acufc.xn--p1ai",
            "ivan@домен.рф",
            id="punycode-mailto",
        ),
        pytest.param(
            "jane @xn--bcher-kva com",
            "jane @xn--bcher-kva com",
            "jane@bücher.com",
            id="punycode-space-for-dot",
        ),
        pytest.param(
            "ivan @xn--d1acufc xn--p1ai",
            "ivan @xn--d1acufc xn--p1ai",
            "ivan@домен.рф",
            id="punycode-tld-after-space-for-dot",
        ),
        pytest.param(
            "ivan @ xn--d1acufc . xn--p1ai",
            "ivan @ xn--d1acufc . xn--p1ai",
            "ivan@домен.рф",
            id="punycode-spaced-at-and-dot",
        ),
        pytest.param(
            "ivan at xn--d1acufc dot xn--p1ai",
            "ivan at xn--d1acufc dot xn--p1ai",
            "ivan@домен.рф",
            id="punycode-words",
        ),
        pytest.param(
            "ivan[at]xn--d1acufc[dot]xn--p1ai",
            "ivan[at]xn--d1acufc[dot]xn--p1ai",
            "ivan@домен.рф",
            id="punycode-square-brackets",
        ),
        pytest.param(
            "ivan(at)xn--d1acufc.xn--p1ai",
            "ivan(at)xn--d1acufc.xn--p1ai",
            "ivan@домен.рф",
            id="punycode-parentheses",
        ),
        pytest.param(
            "GET /unsubscribe?u=ivan%40xn--d1acufc.xn--p1ai&t=1",
            "ivan%40xn--d1acufc.xn--p1ai",
            "ivan@домен.рф",
            id="punycode-url-encoded",
        ),
        pytest.param(
            "jane at bücher dot de", "jane at bücher dot de", "jane@bücher.de", id="unicode-words"
        ),
        pytest.param("ivan@домен.рф", "ivan@домен.рф", "ivan@домен.рф", id="unicode-tld-plain"),
    ],
)
def test_internationalised_domains_are_found(text: str, address: str, normalized: str) -> None:
    result = hits(text, E)
    assert [text[h.start : h.end] for h in result] == [address]
    assert result[0].normalized == normalized


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("ivan@xn--d1acufc.xn--zz", id="tld-not-punycode"),
        pytest.param("ivan@xn--d1acufc.xn--9hbcd", id="tld-punycode-for-digits"),
        pytest.param("ivan at xn--d1acufc dot xn--zz", id="words-tld-not-punycode"),
        pytest.param("jane@xn--bcher-kva", id="punycode-without-tld"),
        pytest.param("see xn--bcher-kva.de at noon", id="punycode-domain-alone"),
        pytest.param("npm i pkg@xn--p1ai", id="punycode-after-package-name"),
    ],
)
def test_punycode_lookalikes_are_not_emails(text: str) -> None:
    assert found(text, E) == []


def test_a_unicode_tld_ends_only_a_plain_address() -> None:
    # No list of the Unicode TLDs is bundled, and in obfuscated forms any word after
    # " dot " or ". " would end an address: Turkish "at" is a horse.
    assert found("ivan@домен.рф", E) == ["ivan@домен.рф"]
    assert found("Beyaz at koşuyor. Şimdi durdu", E) == []
    assert found("ivan at домен dot рф", E) == []
    assert found("ivan at xn--d1acufc dot xn--p1ai", E) == ["ivan at xn--d1acufc dot xn--p1ai"]


def test_an_idn_and_its_punycode_form_are_one_person() -> None:
    (unicode,) = hits("mail jane@bücher.de", E)
    for text in ("mail jane@xn--bcher-kva.de", "mail JANE@XN--BCHER-KVA.DE"):
        (ascii,) = hits(text, E)
        assert (ascii.normalized, ascii.masked) == (unicode.normalized, unicode.masked)
    assert unicode.masked == "j***@b***.de"
    (ru,) = hits("ivan@xn--d1acufc.xn--p1ai", E)
    assert ru.masked == "i***@д***.рф" and "домен" not in ru.masked


def test_two_addresses_in_one_string_are_both_found() -> None:
    text = "from a.b@example.com to c(at)example.org"
    assert found(text, E) == ["a.b@example.com", "c(at)example.org"]


def test_plain_scores_higher_than_obfuscated() -> None:
    plain = hits("jane@example.com", E)[0].score
    words = hits("jane at example dot com", E)[0].score
    assert plain > words


def test_email_field_name_raises_the_score() -> None:
    in_text = hits("jane at example dot com", E)[0].score
    in_email_field = hits("jane at example dot com", E, field="email")[0].score
    assert in_email_field > in_text


def test_masked_value_hides_the_address() -> None:
    (hit,) = scan_document({"contact": {"email": "jane.doe@example.com"}})
    assert hit.path == "contact.email"
    assert hit.masked == "j***@e***.com"
    assert "jane" not in hit.masked and "example" not in hit.masked


# The needles found in one Hyperscan pass (gate.Literals) against str.find on the
# lower-cased text, which the detector falls back to.

_ODD_TEXTS = [
    "Mail: JANE.DOE@EXAMPLE.COM, Jane AT example DOT com, jane[AT]example[DOT]com",
    "\u0130stanbul: ayse @ firma . com.tr or AYSE(at)firma.com",  # lower() adds a character
    "Straße 5, jörg at beispiel dot de, \u212aelvin@example.com, ü%40example.com",
    "\ud800 bob@example.com \u00a0at example dot com",
    "tab\tat example.com and {at} < at >",
    "İİ@ İ ada@example.com",  # offsets past the end of the text, once
]


def test_a_character_that_lower_cases_longer_moves_no_offset() -> None:
    text = "İİ ada@example.com"
    (h,) = hits(text, E)
    assert text[h.start : h.end] == "ada@example.com"
    assert scan_document({"t": "İİ@"}) == []


def _both_ways(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Span], list[Span]]:
    from leakhound.detect import email
    from leakhound.detect.gate import Literals

    fast = EmailDetector().find(text, NO_FIELD)
    with monkeypatch.context() as m:
        m.setattr(email, "_NEEDLE_FINDER", Literals([]))  # no database: the str.find loop
        slow = EmailDetector().find(text, NO_FIELD)
    return fast, slow


def test_one_pass_needles_agree_with_the_find_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    from corpus import tickets  # benchmarks/: multilingual support tickets

    texts = [t.text for t in tickets(300, seed=3)] + _ODD_TEXTS
    found = 0
    for text in texts:
        fast, slow = _both_ways(text, monkeypatch)
        assert fast == slow, text
        found += len(fast)
    assert found > 400


_MARKER_PIECES = [
    "a", "T", "at", "AT", " ", "\t", "@", "%40", "[", "(", "{", "<", "]", ")", ".",
    "dot", "com", "jane", "é", "\u0130", "\u212a", "x.io", "example",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_MARKER_PIECES), max_size=30).map("".join))
def test_one_pass_needles_agree_on_generated_text(text: str) -> None:
    with pytest.MonkeyPatch.context() as mp:
        fast, slow = _both_ways(text, mp)
    assert fast == slow


def _one_address(value: str) -> bool:
    """What an SQL server counts as one address (``ONE_ADDRESS``, ``NOT_ONE_ADDRESS``), as
    ICU and PCRE read it ("$" also before a final line break)."""
    from leakhound.detect.email import NOT_ONE_ADDRESS, ONE_ADDRESS

    shape = re.compile(ONE_ADDRESS)
    not_one = re.compile(NOT_ONE_ADDRESS.replace("[[:cntrl:]]", "[\\x00-\\x1f\\x7f]"))
    return value.isascii() and bool(shape.search(value)) and not not_one.search(value.lower())


_SHAPED_VALUES = [
    "Jane.Doe+tag@Example.CO.UK",
    "j_d-1@mail-1.example.com",
    "a" * 64 + "@x.com",
    "jane@a.b.c.d.e.f.example.com",
    # Shaped like an address by a LIKE '%_@_%._%' and yet no address, or another value's:
    " jane@x.com",
    "jane@x.com ",
    "<jane@x.com>",
    "mailto:jane@x.com",
    "Jane Doe <jane@x.com>",
    "jane @ x.com",
    "jane@x .com",
    "jane@x.com.",
    "jane@x.com\n",
    "jane..doe@x.com",
    "jane.@x.com",
    "a@b.c",
    "a@b.c1",
    "icon@2x.png",
    "jane@x.com.png",
    "jane@xn--bcher-kva.de",
    "jane%40x.com@y.com",
    "a" * 65 + "@x.com",
    "jane@a.b.c.d.e.f.g.example.com",
    "jane@" + "x" * 64 + ".com",
    "jane@x.com, bob@y.com",
]


@pytest.mark.parametrize("value", _SHAPED_VALUES)
def test_a_value_a_server_counts_as_one_address_is_that_address_lower_cased(value: str) -> None:
    # The people's lower end (``StoreDistinct.folded``) counts the values the server sees as
    # one address each: every one must be the address leakhound reads in it, else two
    # values ("jane@x.com", " jane@x.com") are two people where leakhound reads one.
    read = {h.normalized for h in scan_document({"email": value}) if h.entity_type == E}
    if _one_address(value):
        assert read == {value.lower()}, value


def test_values_that_are_no_address_or_another_values_are_not_counted_as_one() -> None:
    assert [v for v in _SHAPED_VALUES if _one_address(v)] == [
        "Jane.Doe+tag@Example.CO.UK",
        "j_d-1@mail-1.example.com",
        "a" * 64 + "@x.com",
        "jane@a.b.c.d.e.f.example.com",
    ]


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"[A-Za-z0-9_.+\-@]{1,90}|[\s\S]{0,90}", fullmatch=True))
def test_any_value_a_server_counts_as_one_address_is_that_address_lower_cased(value: str) -> None:
    read = {h.normalized for h in scan_document({"email": value}) if h.entity_type == E}
    if _one_address(value):
        assert read == {value.lower()}, value


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_every_shape_a_server_counts_as_one_address_is_read_so(data: st.DataObject) -> None:
    from leakhound.detect.email import ONE_ADDRESS

    value = data.draw(st.from_regex(ONE_ADDRESS, fullmatch=True))
    read = {h.normalized for h in scan_document({"email": value}) if h.entity_type == E}
    if _one_address(value):
        assert read == {value.lower()}, value
