"""Context words around a candidate: the few words before and after it, lower-cased."""

from __future__ import annotations

import re

# Words are runs of letters, accented ones too ("téléphone", "llámenme"); digits and
# punctuation around a candidate are not context. ASCII text takes the plain class,
# which `re` scans in two thirds of the time.
_WORD = re.compile(r"[^\W\d_]+")
_ASCII_WORD = re.compile(r"[a-z]+")


def _words(text: str) -> list[str]:
    return (_ASCII_WORD if text.isascii() else _WORD).findall(text)


# An ASCII byte's letter in lower case, or a space for any other byte: split() of the
# translated text is what _ASCII_WORD finds in the lower-cased text, at a third of the
# cost (words are read around every candidate, several times a document).
_ASCII_LETTERS = bytes(c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 else 32 for c in range(256))


def _lower_words(raw: str) -> list[str]:
    """``_words(raw.lower())``."""
    if raw.isascii():
        return raw.encode("ascii").translate(_ASCII_LETTERS).decode("ascii").split()
    return _words(raw.lower())


WINDOW = 40  # characters each side: a few words, not the whole sentence


def words_before(text: str, start: int, n: int = 3) -> list[str]:
    """Up to ``n`` lower-cased words just before ``start``."""
    if start <= 0:
        return []
    return _lower_words(text[max(0, start - WINDOW) : start])[-n:]


def words_after(text: str, end: int, n: int = 2) -> list[str]:
    """Up to ``n`` lower-cased words just after ``end``."""
    if end >= len(text):
        return []
    return _lower_words(text[end : end + WINDOW])[:n]


def near(words: list[str], vocabulary: frozenset[str]) -> bool:
    """True when any of ``words`` is in ``vocabulary``."""
    return not vocabulary.isdisjoint(words)


def wordset(words: str) -> frozenset[str]:
    """A vocabulary written as one whitespace-separated string."""
    return frozenset(words.split())


def clamp(score: float) -> float:
    """A score kept in 0..1 and rounded so output is stable."""
    return round(min(1.0, max(0.0, score)), 2)
