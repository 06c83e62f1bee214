"""Text columns in a character set the session's utf8mb4 cannot carry whole (``ascii``,
``cp1250``, ``sjis``…): read as their bytes and decoded in their own character set, so that
two values the server would both send as "jos?@x.com" stay two, in samples and full reads,
their keys paged after in that character set."""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace
from typing import Any

import pytest

from leakhound.errors import ProtocolError
from leakhound.models import Container
from leakhound.probes.base import ReadPlan
from leakhound.probes.keyset import digest
from leakhound.probes.mysql import ALLOW, distinct, sql
from leakhound.probes.mysql import read as mysql_read
from leakhound.probes.mysql import sample as mysql_sample
from leakhound.probes.mysql.charsets import CODECS, STRAY, decode, lossy, strict
from leakhound.probes.mysql.rows import decoder, documents
from leakhound.probes.mysql.tables import TableInfo
from leakhound.probes.mysql.wire import BINARY_CHARSET, Column, ResultSet, scan_rows

_ID, _TEXT = 3, 253  # MYSQL_TYPE_LONG, MYSQL_TYPE_VAR_STRING
_UTF8MB4 = 45
# Two people the server sends alike from an ascii column: "jos?@x.com".
JOSE, JOSE_GRAVE = b"jos\xe9@x.com", b"jos\xe8@x.com"


@pytest.mark.parametrize(
    ("charset", "raw", "text"),
    [
        pytest.param("ascii", JOSE, "josé@x.com", id="ascii-high-byte-as-latin1"),
        pytest.param("ascii", JOSE_GRAVE, "josè@x.com", id="ascii-another-high-byte"),
        pytest.param("ascii", b"plain@x.com", "plain@x.com", id="ascii-plain"),
        pytest.param("cp1250", b"a\xe8@x.com", "ač@x.com", id="cp1250-defined"),
        pytest.param("cp1250", b"a\x81@x.com", "a\x81@x.com", id="cp1250-undefined-as-c1"),
        pytest.param("hebrew", b"\xd7", chr(STRAY + 0xD7), id="hebrew-byte-whose-char-is-taken"),
        pytest.param("hebrew", b"\xaa", "×", id="hebrew-defined-times"),
        pytest.param("sjis", b"\x82\xa0", "あ", id="sjis-defined"),
        pytest.param("sjis", b"a\xff@x", f"a{chr(STRAY + 0xFF)}@x", id="sjis-stray-byte"),
        pytest.param("dec8", b"a\xe9", "a\xe9", id="no-codec-byte-for-byte"),
    ],
)
def test_a_value_is_read_in_its_own_character_set(charset: str, raw: bytes, text: str) -> None:
    assert decode(raw, charset) == text


@pytest.mark.parametrize("charset", sorted(CODECS))
def test_two_values_that_differ_in_a_byte_stay_two(charset: str) -> None:
    # Every byte after "a", then every byte between "a" and "@x": no two of the 256 values
    # read alike, whatever the character set defines.
    for make in (lambda b: b"a" + bytes([b]), lambda b: b"a" + bytes([b]) + b"@x"):
        read = {decode(make(b), charset) for b in range(256)}
        assert len(read) == 256


@pytest.mark.parametrize(
    "codec", sorted({c for c in CODECS.values() if c not in ("ascii",)}), ids=str
)
def test_no_byte_or_pair_a_codec_defines_reads_as_a_stray_byte(codec: str) -> None:
    # A stray byte's character (U+EF00-U+EFFF) is never one a character set gives for a
    # byte or a pair of bytes it defines, so a value holding one is never read as another.
    for n in range(1 << 16):
        raw = bytes([n >> 8, n & 0xFF]) if n > 0xFF else bytes([n])
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        assert not any(STRAY <= ord(ch) <= STRAY + 0xFF for ch in text), (codec, raw)


def test_gb18030_values_of_the_stray_range_and_stray_bytes_stay_apart() -> None:
    # gb18030 maps all of Unicode: U+EF81 and U+EFFF are four bytes of it, while 0x81 alone
    # at the end and 0xFF are bytes it does not define, once read as those characters.
    own = [f"a{chr(c)}" for c in (0xEF00, 0xEF81, 0xEFFF, 0xF000)]
    strays = [b"a\x81", b"a\xff", b"a\x80"]
    raws = [v.encode("gb18030") for v in own] + strays
    raws += [v.encode("gb18030") + s[1:] for v in own for s in strays]
    read = [decode(raw, "gb18030") for raw in raws]
    assert len(set(read)) == len(raws)
    # A page's fast path reads a value each byte of which gb18030 defines as decode does.
    fast = strict("gb18030")
    assert [fast(v.encode("gb18030")) for v in own] == read[: len(own)]


@pytest.mark.parametrize(
    ("charset", "lossy_"),
    [
        ("ascii", True),
        ("cp1250", True),
        ("sjis", True),
        ("dec8", True),
        ("utf8mb4", False),
        ("utf8mb3", False),
        ("latin1", False),
        ("binary", False),
        ("UTF8MB4", False),
        (None, False),
    ],
)
def test_which_character_sets_are_read_as_bytes(charset: str | None, lossy_: bool) -> None:
    assert lossy(charset) is lossy_


def test_columns_read_as_bytes_are_selected_by_name_under_their_own() -> None:
    assert sql.columns(["id", "email"]) == "*"
    assert sql.columns(["id", "email"], {"email"}) == ("`id`, CAST(`email` AS BINARY) AS `email`")
    statement = sql.first_rows("shop", "t", 5, sql.columns(["id", "e`x"], {"e`x"}))
    assert statement == "SELECT `id`, CAST(`e``x` AS BINARY) AS `e``x` FROM `shop`.`t` LIMIT 5"
    assert ALLOW.allows("query", statement)


def test_a_key_read_as_bytes_is_paged_after_in_its_own_character_set() -> None:
    assert sql.literal("text:ascii", JOSE) == "_ascii X'6a6f73e940782e636f6d'"
    assert sql.literal("text", b"a") == "_utf8mb4 X'61'"
    with pytest.raises(ValueError, match="not a character set"):
        sql.literal("text:ascii X'00' OR 1", b"a")
    with pytest.raises(ValueError, match="not a character set"):
        sql.literal("text:klingon", b"a")  # a stored plan's key of a name no server has


def test_a_binary_column_of_a_text_column_read_as_bytes_is_decoded_in_its_character_set() -> None:
    columns = (Column("id", _ID, 63), Column("email", _TEXT, BINARY_CHARSET))
    got = ResultSet(columns, [(b"1", JOSE), (b"2", JOSE_GRAVE), (b"3", None)])
    docs = documents(got, (), {"email": "ascii"})
    assert [d["email"] for d in docs] == ["josé@x.com", "josè@x.com", None]
    # A page read (its fast path, the careful one for a row it does not take) gives the
    # same values.
    page = b"".join(_packet(n, [b"%d" % n, v]) for n, v in enumerate([JOSE, b"a@x.com"], 1))
    rows: list[Any] = []
    scan_rows(page + _packet(3, None), 0, decoder((), {"email": "ascii"})(columns), 1, rows)
    assert rows == [{"id": 1, "email": "josé@x.com"}, {"id": 2, "email": "a@x.com"}]


def _packet(seq: int, values: list[bytes] | None) -> bytes:
    """A text row's packet (None: the EOF after the rows)."""
    body = (
        b"\xfe\x00\x00\x02\x00" if values is None else b"".join(bytes([len(v)]) + v for v in values)
    )
    return len(body).to_bytes(3, "little") + bytes([seq]) + body


@pytest.mark.parametrize(
    ("charset", "stray"),
    [("ascii", b"a\xe8@x"), ("cp1250", b"a\x81@x"), ("sjis", b"a\xff@x"), ("dec8", None)],
)
def test_a_page_s_fast_path_reads_a_value_as_decode_does_or_leaves_it_to_decode(
    charset: str, stray: bytes | None
) -> None:
    # A value the character set defines whole is read as ``decode`` reads it, its codec
    # chosen once a column (not looked up a value: 2.4 times the time a value); one with a
    # byte it does not define is a ValueError, its row then read the careful way
    # (``wire.scan_rows``): each stray byte a character of its own.
    column = Column("v", _TEXT, BINARY_CHARSET)
    (fast,) = [f for _, f in decoder((), {"v": charset})((column,)).fields]
    assert fast(b"plain@x.com") == decode(b"plain@x.com", charset) == "plain@x.com"
    if stray is None:  # no codec: every byte a character, none stray
        assert fast(b"a\xe9") == decode(b"a\xe9", charset)
        return
    with pytest.raises(ValueError):
        fast(stray)
    # A column the server sent as utf8mb4 after all (the table changed) is read as that.
    plain = ResultSet((Column("email", _TEXT, _UTF8MB4),), [("josé@x.com".encode(),)])
    assert documents(plain, (), {"email": "ascii"}) == [{"email": "josé@x.com"}]


class AsciiTable:
    """A table of an ``ascii`` key column ``email`` holding bytes past ASCII, answering as a
    MySQL server does: each such byte "?" where the column is selected itself, the bytes
    where it is selected as binary; keys compared byte for byte (ascii_bin)."""

    def __init__(self, emails: list[bytes]) -> None:
        self.emails = sorted(emails)
        self.sent: list[str] = []
        self.stream = SimpleNamespace(closed=False)

    def _result(self, emails: list[bytes], statement: str) -> ResultSet:
        if "CAST(`email` AS BINARY)" in statement:
            column, values = Column("email", _TEXT, BINARY_CHARSET), emails
        else:
            column = Column("email", _TEXT, _UTF8MB4)
            values = [re.sub(rb"[\x80-\xff]", b"?", e) for e in emails]
        rows = [(v, str(n).encode()) for n, v in enumerate(values)]
        return ResultSet((column, Column("n", _ID, 63)), rows, rows[-1] if rows else ())

    async def query(self, statement: str, decode: Any = None) -> ResultSet:
        assert ALLOW.allows("query", statement), statement
        self.sent.append(statement)
        limit = int(re.search(r" LIMIT (\d+)", statement)[1])  # type: ignore[index]
        after = re.search(r"`email` > _(\w+) X'([0-9a-f]*)'", statement)
        keys = [e for e in self.emails if after is None or e > bytes.fromhex(after[2])]
        got = self._result(keys[:limit], statement)
        if decode is None:
            return got
        careful = decode(got.columns).careful
        return ResultSet(got.columns, [careful(r) for r in got.rows], got.last)


_INFO = TableInfo(
    (("email", "varchar"), ("n", "int")),
    ("email",),
    ("text:ascii",),
    "primary",
    frozenset({"email"}),
    (),
    (("email", "ascii"),),
)
_EMAILS = [JOSE, JOSE_GRAVE, b"jos\xe3@x.com", b"plain@x.com"]


def test_a_sample_of_an_ascii_column_keeps_values_the_server_would_send_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def describe(conn: Any, schema: str, name: str) -> TableInfo:
        return _INFO

    monkeypatch.setattr(mysql_sample, "describe", describe)
    table = AsciiTable(_EMAILS)
    details = {"database": "shop", "table": "t", "charsets": {"email": "ascii"}}
    container = Container("shop.t", 4, 100, docs_exact=True, details=details)
    docs, _ = asyncio.run(mysql_sample.sample_rows(table, container, "shop", "t", 10))  # type: ignore[arg-type]
    assert sorted(d["email"] for d in docs) == [
        "josã@x.com",
        "josè@x.com",
        "josé@x.com",
        "plain@x.com",
    ]


def test_a_full_read_of_an_ascii_key_pages_after_its_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = AsciiTable(_EMAILS)

    async def connect(transport: Any, endpoint: Any) -> AsciiTable:
        return table

    monkeypatch.setattr(mysql_read, "connect", connect)
    state = {
        "database": "shop",
        "table": "t",
        "key": ["email"],
        "kinds": ["text:ascii"],
        "json": [],
        "ends": [],
        "charsets": {"email": "ascii"},
        "columns": ["email", "n"],
    }
    reader = SimpleNamespace(
        transport=SimpleNamespace(limits=SimpleNamespace(max_body=1 << 20)), endpoint=None
    )
    pages = mysql_read.TablePages(reader, ReadPlan("shop.t", 1, "keyset", state, 4), 0, None, 2)  # type: ignore[arg-type]

    async def read() -> list[Any]:
        out = []
        # At most as many pages as the rows need (a key paged after as "?" repeats a page).
        for _ in range(5):
            if (page := await pages.next_page()) is None:
                break
            out += [d["email"] for d in page.docs]
        return out

    assert asyncio.run(read()) == ["josã@x.com", "josè@x.com", "josé@x.com", "plain@x.com"]
    # The second page follows the first's last key as stored, in the column's character set.
    assert "`email` > _ascii X'6a6f73e840782e636f6d'" in table.sent[1]


def unhex(digits: str) -> str:
    """A hex literal's text."""
    return bytes.fromhex(digits).decode()


class AsciiValues:
    """An ascii column's distinct values as a server lists them byte for byte, each beside
    its MD5, in the order of that, after the MD5 of a quoted literal."""

    def __init__(self, values: list[bytes]) -> None:
        self.values = sorted(values, key=digest)
        self.sent: list[str] = []

    async def query(self, statement: str, width: int | None = None) -> ResultSet:
        assert ALLOW.allows("query", statement), statement
        self.sent.append(statement)
        limit = int(re.search(r" LIMIT (\d+)", statement)[1])  # type: ignore[index]
        after = re.search(r" > X'([0-9a-f]{64})'", statement)
        kept = [v for v in self.values if after is None or digest(v) > unhex(after[1])]
        columns = (Column("v", _TEXT, BINARY_CHARSET), Column("h", _TEXT, 45))
        return ResultSet(columns, [(v, digest(v).encode()) for v in kept[:limit]])


def test_a_listing_of_an_ascii_column_gives_values_the_server_would_send_alike() -> None:
    table = AsciiValues(_EMAILS)

    async def listed() -> list[str]:
        got = distinct.values(table, "shop", "t", "email", 2, charset="ascii")  # type: ignore[arg-type]
        return [v async for v in got]

    assert sorted(asyncio.run(listed())) == [
        "josã@x.com",
        "josè@x.com",
        "josé@x.com",
        "plain@x.com",
    ]
    # Each page after the MD5 of the last value listed.
    last = digest(table.values[1])
    assert table.sent[1].endswith(
        f"WHERE MD5(CAST(`email` AS BINARY)) > X'{last.encode().hex()}' ORDER BY 2 LIMIT 2"
    )


def test_a_listing_as_bytes_goes_on_past_a_value_too_long_to_write_back() -> None:
    # Free text of 5,000 bytes: paged after as its bytes, the listing stopped there ("too
    # long to page after"); after its MD5, it goes on.
    long = [b"note \xe9 " + bytes([97 + n]) * 5000 for n in range(5)]
    table = AsciiValues([*long, b"plain@x.com", b"jos\xe9@x.com"])

    async def listed() -> list[str]:
        got = distinct.values(table, "shop", "t", "email", 2, charset="ascii")  # type: ignore[arg-type]
        return [v async for v in got]

    got = asyncio.run(listed())
    assert sorted(got) == sorted([decode(v, "ascii") for v in table.values])
    assert len(table.sent) == 4 and all(len(s) < 300 for s in table.sent)


# Two values of one MD5 (Wang and Yu's collision, 2004): 128 bytes each, six apart.
COLLIDING = [
    bytes.fromhex(
        "d131dd02c5e6eec4693d9a0698aff95c2fcab58712467eab4004583eb8fb7f89"
        "55ad340609f4b30283e488832571415a085125e8f7cdc99fd91dbdf280373c5b"
        "d8823e3156348f5bae6dacd436c919c6dd53e2b487da03fd02396306d248cda0"
        "e99f33420f577ee8ce54b67080a80d1ec69821bcb6a8839396f9652b6ff72a70"
    ),
    bytes.fromhex(
        "d131dd02c5e6eec4693d9a0698aff95c2fcab50712467eab4004583eb8fb7f89"
        "55ad340609f4b30283e4888325f1415a085125e8f7cdc99fd91dbd7280373c5b"
        "d8823e3156348f5bae6dacd436c919c6dd53e23487da03fd02396306d248cda0"
        "e99f33420f577ee8ce54b67080280d1ec69821bcb6a8839396f965ab6ff72a70"
    ),
]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_two_values_of_one_md5_cost_the_listing_one_value_wherever_the_page_ends(
    size: int,
) -> None:
    # Made to collide (MD5 is broken), the second is left out whether it starts the next page
    # (not after the first's MD5) or follows the first in one page: never a ProtocolError.
    assert digest(COLLIDING[0]) == digest(COLLIDING[1]) and COLLIDING[0] != COLLIDING[1]
    table = AsciiValues([*COLLIDING, b"plain@x.com", b"jos\xe9@x.com", b"z@x"])

    async def listed() -> list[str]:
        got = distinct.values(table, "shop", "t", "email", size, charset="ascii")  # type: ignore[arg-type]
        return [v async for v in got]

    kept = [v for v in table.values if v != COLLIDING[1]]
    assert sorted(asyncio.run(listed())) == sorted(decode(v, "ascii") for v in kept)


def test_a_page_out_of_md5_order_is_one_protocol_error() -> None:
    class Unordered(AsciiValues):
        async def query(self, statement: str, width: int | None = None) -> ResultSet:
            got = await super().query(statement, width)
            return ResultSet(got.columns, list(reversed(got.rows)))

    async def listed() -> list[str]:
        table = Unordered([b"a@x.com", b"b@x.com", b"c@x.com"])
        got = distinct.values(table, "shop", "t", "email", 3, charset="ascii")  # type: ignore[arg-type]
        return [v async for v in got]

    with pytest.raises(ProtocolError, match="does not move on"):
        asyncio.run(listed())


def test_a_listing_goes_on_past_two_values_that_read_alike() -> None:
    # cp932 holds two codes of some characters (NEC's and IBM's, 0x8790 and 0x81E0 both "≒";
    # 0xED40 and 0xFA5C both "纊"): two values apart byte for byte, alike as text. Each is
    # listed (the people counted from them are one), and the pages go on after the bytes.
    values = [b"\x81\xe0@x", b"\x87\x90@x", b"\xed\x40@x", b"\xfa\x5c@x", b"z@x"]
    table = AsciiValues(values)

    async def listed() -> list[str]:
        got = distinct.values(table, "shop", "t", "email", 2, charset="cp932")  # type: ignore[arg-type]
        return [v async for v in got]

    assert sorted(asyncio.run(listed())) == ["z@x", "≒@x", "≒@x", "纊@x", "纊@x"]
    last = digest(table.values[3])
    assert table.sent[2].endswith(
        f"WHERE MD5(CAST(`email` AS BINARY)) > X'{last.encode().hex()}' ORDER BY 2 LIMIT 2"
    )
