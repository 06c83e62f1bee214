"""DigitRegex reads a string as its pattern does, with ASCII digit classes where that is exact."""

from __future__ import annotations

import re

import pytest

from leakhound.detect import card, phone, ssn
from leakhound.detect.digits import DigitRegex, ascii_digits, only_ascii_digits


@pytest.mark.parametrize(
    ("pattern", "rewritten"),
    [
        pytest.param(r"\d{3}", r"[0-9]{3}", id="outside-a-class"),
        pytest.param(r"[\d ().]", r"[0-9 ().]", id="inside-a-class"),
        pytest.param(r"[^\d]", r"[^0-9]", id="negated-class"),
        pytest.param(r"[]\d]\d", r"[]0-9][0-9]", id="literal-bracket-first"),
        pytest.param(r"[^]\d]", r"[^]0-9]", id="negated-literal-bracket-first"),
        pytest.param(r"\\d\[\d\]", r"\\d\[[0-9]\]", id="escaped-backslash-and-brackets"),
        pytest.param(r"(?<=\d)\w\s\.", r"(?<=[0-9])\w\s\.", id="other-escapes-kept"),
    ],
)
def test_digit_classes_are_rewritten_as_ascii(pattern: str, rewritten: str) -> None:
    assert ascii_digits(pattern) == rewritten


@pytest.mark.parametrize(
    "pattern",
    [
        pytest.param(r"\D", id="non-digit"),
        pytest.param(r"[\d", id="unterminated-class"),
        pytest.param(r"[[:digit:]]", id="set-syntax"),
    ],
)
def test_patterns_it_cannot_rewrite_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError):
        ascii_digits(pattern)


def test_verbose_patterns_are_refused() -> None:
    with pytest.raises(ValueError):
        DigitRegex(r"\d  # a digit", re.VERBOSE)


@pytest.mark.parametrize(
    ("text", "only_ascii"),
    [
        pytest.param("call 0612345678", True, id="ascii"),
        pytest.param("appelez le 06 12 34 56 78, à bientôt", True, id="latin-1"),
        pytest.param("superscripts ² ³ ¹ are no decimal digits", True, id="latin-1-superscripts"),
        pytest.param("it’s 0612345678 – thanks", True, id="wide-but-no-other-digit"),
        pytest.param("اتصل ٠٦١٢٣٤٥٦٧٨", False, id="arabic-indic-digits"),
        pytest.param("ｔｅｌ ０６１２３４５６７８", False, id="full-width-digits"),
        pytest.param("it’s ٣", False, id="wide-with-another-digit"),
    ],
)
def test_only_ascii_digits(text: str, only_ascii: bool) -> None:
    assert only_ascii_digits(text) is only_ascii


SAMPLES = [
    "Please call me on (812) 865-7070 or +44 20 7946 0958, ref 10.0.19041.3337.",
    "Appelez-moi au 06 12 34 56 78 — carte 4111 1111 1111 1111, SSN 532-72-3367.",
    "Rückruf unter 030 12345678; Bestellnummer 4289218401107046; café ² 12:30",
    "it’s +33 6 15 86 83 86 – 3798-386756-50887",
    "Arabic-Indic ٠٦١٢٣٤٥٦٧٨ and full-width ０６１２３４５６７８ and 0612345678",
    "mixed ٣٣٣-٤٤-٥٥٥٥ and 078-05-1120 and 4111-1111-1111-1111",
]


@pytest.mark.parametrize("module", [phone, card, ssn], ids=lambda m: m.__name__.rsplit(".")[-1])
@pytest.mark.parametrize("text", SAMPLES)
def test_candidates_are_the_pattern_as_written(module: object, text: str) -> None:
    regex = module._CANDIDATE  # type: ignore[attr-defined]
    found = [(m.span(), m.groups()) for m in regex.finditer(text)]
    assert found == [(m.span(), m.groups()) for m in regex.unicode.finditer(text)]


def test_other_digits_are_read_by_the_pattern_as_written() -> None:
    regex = DigitRegex(r"\d{3}")
    assert [m.group() for m in regex.finditer("٣٣٣ and 123")] == ["٣٣٣", "123"]
