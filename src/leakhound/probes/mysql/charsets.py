"""Text columns whose values the connection's character set cannot carry, read as stored.

leakhound's session reads results in utf8mb4: the server converts each text value from its
column's character set, and a byte that set cannot map (0xE9 in an ``ascii`` column, 0x81 in
a ``cp1250`` one, a broken sequence in ``sjis``) arrives as "?". Two values that differ only
there arrive alike ("jos\\xe9@x.com" and "jos\\xe8@x.com" both "jos?@x.com"): one person
where the table holds two. Such columns (every character set but those that map each value
they can hold: ``LOSSLESS``) are selected as binary (``sql.columns``) and decoded here, in
their own character set; a byte it does not define becomes one character of its own
(``_stray``), so that two values that differ stay two.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Mapping
from functools import cache

# Character sets whose every value converts to utf8mb4 as it is: UTF-8 itself (utf8 and
# utf8mb3 are its 3-byte subset), MySQL's latin1 (cp1252 whose five undefined bytes map to
# the C1 controls: every byte a character), the UTF-16/32 forms and binary (never
# converted).
LOSSLESS = frozenset(
    {"utf8mb4", "utf8mb3", "utf8", "latin1", "binary", "ucs2", "utf16", "utf16le", "utf32"}
)
# MySQL's character sets (SHOW CHARACTER SET) and Python's codec for each; those without one
# (dec8, hp8, swe7, armscii8, keybcs2, geostd8) are read byte for byte (``latin_1``: each
# byte one character, two values apart stay apart).
CODECS: Mapping[str, str] = {
    "ascii": "ascii",
    "big5": "big5",
    "cp1250": "cp1250",
    "cp1251": "cp1251",
    "cp1256": "cp1256",
    "cp1257": "cp1257",
    "cp850": "cp850",
    "cp852": "cp852",
    "cp866": "cp866",
    "cp932": "cp932",
    "euckr": "euc_kr",
    "eucjpms": "euc_jp",
    "gb18030": "gb18030",
    "gb2312": "gb2312",
    "gbk": "gbk",
    "greek": "iso8859_7",
    "hebrew": "iso8859_8",
    "koi8r": "koi8_r",
    "koi8u": "koi8_u",
    "latin2": "iso8859_2",
    "latin5": "iso8859_9",
    "latin7": "iso8859_13",
    "macce": "mac_latin2",
    "macroman": "mac_roman",
    "sjis": "shift_jis",
    "tis620": "tis_620",
    "ujis": "euc_jp",
}
# Every character set MySQL and MariaDB have (SHOW CHARACTER SET): a column said to be of
# another is a server's lie, and its name would go back in a key's literal (``_<name> X'…'``).
KNOWN = LOSSLESS | CODECS.keys() | {"dec8", "hp8", "swe7", "armscii8", "keybcs2", "geostd8"}
# Where a byte a character set does not define becomes a character of the Private Use Area
# (U+EF00 plus the byte: U+EF00-U+EFFF), which no codec of ``CODECS`` gives for a byte or a
# pair of bytes it defines. gb18030 alone maps all of Unicode (in four bytes): a value of it
# may hold U+EF81 as much as a stray 0x81 becomes it, so in a codec that maps all of Unicode
# (``_ANY``) each character of U+EF00-U+F000 a value holds is given after ``ESCAPE`` (U+F000,
# itself so given): a character of that range alone is a stray byte's, one after ``ESCAPE``
# the value's own, and two values that differ stay apart.
STRAY = 0xEF00
ESCAPE = chr(STRAY + 0x100)
_OURS = re.compile(f"[{chr(STRAY)}-{ESCAPE}]")


def lossy(charset: str | None) -> bool:
    """Whether a text column of this character set may hold values the server would send
    with "?" in place of some bytes (None: not a text column)."""
    return charset is not None and charset.lower() not in LOSSLESS


def _codec(charset: str) -> str:
    """Python's codec for a MySQL character set (``CODECS``; else each byte one character)."""
    return CODECS.get(charset.lower(), "latin_1")


@cache
def _stray(codec: str) -> dict[int, str]:
    """What each byte a single-byte codec does not define becomes: the character of its
    number (0xE9 in ``ascii``: "é", as latin1 reads it), unless the codec gives that
    character for another byte (0xD7 in ``iso8859_8``, whose 0xAA is "×"), then ``STRAY``'s.
    Empty for a codec of more than one byte a character (every stray byte ``STRAY``'s)."""
    if codecs.lookup(codec).name in _MULTI:
        return {}
    given = {bytes([b]).decode(codec, "ignore") for b in range(256)}
    out: dict[int, str] = {}
    for b in range(256):
        try:
            bytes([b]).decode(codec)
        except UnicodeDecodeError:
            out[b] = chr(b) if chr(b) not in given else chr(STRAY + b)
    return out


_MULTI = frozenset(
    codecs.lookup(c).name
    for c in ("big5", "cp932", "euc_kr", "euc_jp", "gb18030", "gb2312", "gbk", "shift_jis")
)
# Codecs that map all of Unicode, U+EF00-U+F000 with it (``ESCAPE``).
_ANY = frozenset({codecs.lookup("gb18030").name})


def _escaped(text: str) -> str:
    """A value's own characters of U+EF00-U+F000 each after ``ESCAPE`` (``STRAY``)."""
    return _OURS.sub(lambda m: ESCAPE + m[0], text) if _OURS.search(text) else text


def strict(charset: str) -> Callable[[bytes], str]:
    """``decode`` of a value each byte of which ``charset`` defines, its codec chosen once (a
    page's fast path, ``rows.converter``); UnicodeDecodeError, a ValueError, for any other
    value: ``decode`` reads it then."""
    codec = _codec(charset)
    if codecs.lookup(codec).name in _ANY:

        def read_any(raw: bytes) -> str:
            return _escaped(raw.decode(codec))

        return read_any

    def read(raw: bytes) -> str:
        return raw.decode(codec)

    return read


def decode(raw: bytes, charset: str) -> str:
    """A value stored in ``charset``, as text: each byte it defines as it defines it, each
    byte it does not as a character of its own (``_stray``, ``STRAY``)."""
    codec = _codec(charset)
    own = _escaped if codecs.lookup(codec).name in _ANY else str
    try:
        return own(raw.decode(codec))
    except UnicodeDecodeError:
        pass
    stray = _stray(codec)
    out: list[str] = []
    at = 0
    while at < len(raw):
        try:
            out.append(own(raw[at:].decode(codec)))
            break
        except UnicodeDecodeError as exc:
            out.append(own(raw[at : at + exc.start].decode(codec)))
            for b in raw[at + exc.start : at + exc.end]:
                out.append(stray.get(b) or chr(STRAY + b))
            at += exc.end
    return "".join(out)
