"""Context words: the lower-cased words around a candidate, ASCII read without a regex."""

from __future__ import annotations

import random

import pytest

from leakhound.detect.context import _lower_words, _words, words_after, words_before


@pytest.mark.parametrize(
    ("text", "start", "words"),
    [
        pytest.param("Please CALL me on 0612", 18, ["call", "me", "on"], id="ascii-lower-cased"),
        pytest.param("code 0xC1900101 then 5", 21, ["code", "xc", "then"], id="digits-split-words"),
        pytest.param("Numéro de série 327", 16, ["numéro", "de", "série"], id="accented"),
        pytest.param("\u212aB 1", 3, ["kb"], id="kelvin-sign-lower-cases-to-ascii"),
        pytest.param("0612", 0, [], id="nothing-before"),
    ],
)
def test_words_before(text: str, start: int, words: list[str]) -> None:
    assert words_before(text, start) == words


def test_words_after_stop_at_the_window() -> None:
    assert words_after("1.2.3.4 Build_Number x", 7, 3) == ["build", "number", "x"]


def test_ascii_words_are_the_regex_words() -> None:
    rng = random.Random(4)
    alphabet = [chr(c) for c in range(128)]
    for _ in range(20000):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 45)))
        assert _lower_words(raw) == _words(raw.lower()), raw
