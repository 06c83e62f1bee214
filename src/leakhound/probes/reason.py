"""A verdict's reason: one line of at most ``REASON_CHARS`` characters, its end kept.

A reason is fixed words (what was asked, what it means) around variable parts (names, lists,
a server's words, another probe's reason). Cut at its last character, a long one loses its
end, the part that says why: the variable parts are fitted to the room the fixed words leave
instead (``fitted``), and a list names its first few and counts the rest (``few``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

REASON_CHARS = 500  # a verdict's reason: one line to read, not a log
NAMED = 3  # items of one list a reason names; the rest are counted
NAME_CHARS = 60  # of one name in a reason
_CUT_MIN = 8  # characters of a variable part worth showing cut; fewer: its short form


@dataclass(frozen=True, slots=True)
class Fit:
    """A variable part of a reason: ``text``, or the first of its ``fewer`` forms (a list
    naming fewer items, ``listed``) that fits the room left; else ``text`` cut with "…" (its
    ``end``, which it ends with, kept after the cut: a closing bracket) where it has no other
    forms; else ``short`` (a count), where too little room is left to show any of it."""

    text: str
    short: str = ""
    end: str = ""
    fewer: tuple[str, ...] = ()

    def within(self, width: int) -> str:
        """The part in at most ``width`` characters (``short`` at the least)."""
        for form in (self.text, *self.fewer):
            if len(form) <= width:
                return form
        keep = width - len(self.end) - 1
        if self.fewer or width - len(self.short) < _CUT_MIN or keep <= 0:
            return self.short
        return self.text[:keep].rstrip() + "…" + self.end


def listed(
    items: Sequence[str],
    before: str,
    after: str = ")",
    *,
    short: str = "",
    sep: str = ", ",
    width: int = NAME_CHARS,
) -> Fit:
    """``before``, the first few of ``items`` (``few``), ``after``: fitted by naming fewer of
    them (the rest counted), then shorter, then none (``short``), never cut in a name's
    middle with the count lost."""
    forms = [f"{before}{few(items, sep, width, k)}{after}" for k in range(NAMED, 0, -1)]
    forms.append(f"{before}{few(items, sep, NAME_CHARS // 3, 1)}{after}")
    return Fit(forms[0], short, after, tuple(forms[1:]))


def fitted(*parts: str | Fit, limit: int = REASON_CHARS) -> str:
    """The parts joined in at most ``limit`` characters: the fixed ones (``str``) whole, the
    variable ones (``Fit``) shortened to the room the fixed ones leave, shared out evenly
    (a short part whole, the room it leaves to the longer ones). Where the fixed parts alone
    are over the limit, the whole is cut at its end (with "…")."""
    fits = [i for i, p in enumerate(parts) if isinstance(p, Fit)]
    fixed = sum(len(p) for p in parts if isinstance(p, str))
    room = limit - fixed - sum(len(p.short) for p in parts if isinstance(p, Fit))
    extra = {i: len(p.text) - len(p.short) for i, p in enumerate(parts) if isinstance(p, Fit)}
    widths: dict[int, int] = {}
    for n, i in enumerate(sorted(fits, key=lambda i: extra[i])):
        share = max(0, min(extra[i], room // (len(fits) - n)))
        room -= share
        part = parts[i]
        assert isinstance(part, Fit)
        widths[i] = len(part.short) + share
    said = "".join(p.within(widths[i]) if isinstance(p, Fit) else p for i, p in enumerate(parts))
    return said if len(said) <= limit else said[: limit - 1] + "…"


def short(text: str, width: int = NAME_CHARS) -> str:
    """``text`` in at most ``width`` characters: cut with "…" where longer."""
    return text if len(text) <= width else text[: width - 1] + "…"


def few(items: Sequence[str], sep: str = ", ", width: int = NAME_CHARS, named: int = NAMED) -> str:
    """The first ``named`` of ``items`` (each cut at ``width`` characters), and how many more.

    Items said alike are said once with how many they are (``userdb-j***@g***.com ×2``): two
    databases whose names mask alike, or fail alike, are two, and the count says so."""
    counts: dict[str, int] = {}
    for item in items:
        said = short(item, width)
        counts[said] = counts.get(said, 0) + 1
    shown = list(counts.items())[:named]
    more = len(items) - sum(n for _, n in shown)
    names = sep.join(s if n == 1 else f"{s} ×{n}" for s, n in shown)
    return f"{names} and {more} more" if more > 0 else names
