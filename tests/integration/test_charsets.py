"""Text the session's character set cannot carry, against a MariaDB and a PostgreSQL this
module starts itself (the lab's code, a free loopback port each, stopped at the end; the
lab's own servers are never touched: other tests count their databases).

MariaDB: an ``ascii`` column holding bytes past ASCII (the server sends each as "?" to a
utf8mb4 session: two people one "jos?@x.com"), a ``cp1250`` one holding bytes cp1250 does
not define, an ascii key read in two partitions, and values that differ in trailing spaces
alone. PostgreSQL: a database of encoding SQL_ASCII holding Latin-1 bytes (a UTF8 session
has the server refuse them). Each counts its people as they are: every one, once. Both, for
two tests: a column of short addresses holding values too long to page after, listed whole;
a listing whose page is over a small reply cap, asked again smaller on a new connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from reports import report
from sqlclient import mariadb as client

from leakhound.lab.databases import serving
from leakhound.models import Container, Endpoint, Service, StoreDistinct, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.mysql import MysqlProbe, distinct
from leakhound.probes.mysql.connection import connect as mysql_connect
from leakhound.probes.postgresql import PostgresqlProbe
from leakhound.probes.postgresql import distinct as pg_distinct
from leakhound.probes.postgresql.connection import connect as pg_connect
from leakhound.probes.postgresql.wire import STRAY

# Rows of the ascii table: three people the server would send as one "jos?@x.com", and one
# more written twice, the second time with a trailing space (one value in a PAD SPACE
# collation, one address read).
ASCII_ROWS = ("6a6f73e940782e636f6d", "6a6f73e840782e636f6d", "6a6f73e340782e636f6d")
MARIADB_SETUP = (
    "SET SESSION sql_mode = '';\n"
    "CREATE DATABASE lh_cs;\n"
    "CREATE TABLE lh_cs.people (id INT PRIMARY KEY, email VARCHAR(60) CHARACTER SET ascii);\n"
    "INSERT INTO lh_cs.people VALUES "
    + ", ".join(f"({n}, X'{h}')" for n, h in enumerate(ASCII_ROWS, 1))
    + ", (4, 'plain@x.com'), (5, 'plain@x.com ');\n"
    # Another table of the same people and one more: listed, none is one "jos?@x.com".
    "CREATE TABLE lh_cs.more (id INT PRIMARY KEY, email VARCHAR(60) CHARACTER SET ascii);\n"
    "INSERT INTO lh_cs.more VALUES (1, X'6a6f73e940782e636f6d'), (2, X'6a6f73e140782e636f6d');\n"
    # Bytes cp1250 does not define (0x81, 0x83): "?" each to a utf8mb4 session.
    "CREATE TABLE lh_cs.legacy (id INT PRIMARY KEY, note VARCHAR(60) CHARACTER SET cp1250);\n"
    "INSERT INTO lh_cs.legacy VALUES (1, X'6181'), (2, X'6183'), (3, X'61e8');\n"
    # An ascii key past ASCII, 5,000 rows: two partitions of a full read, paged after it.
    "CREATE DATABASE lh_keys;\n"
    "CREATE TABLE lh_keys.by_email (email VARCHAR(60) CHARACTER SET ascii PRIMARY KEY, n INT);\n"
    "INSERT INTO lh_keys.by_email SELECT CONCAT('u', seq, UNHEX(IF(seq % 2, 'E9', 'E8')), "
    "'@x.com'), seq FROM lh_keys.seq_1_to_5000;\n"
    # Values apart in trailing spaces alone, in a PAD SPACE collation and a NO PAD one.
    "CREATE DATABASE lh_pad;\n"
    "CREATE TABLE lh_pad.spaces (id INT PRIMARY KEY, email VARCHAR(60) CHARACTER SET utf8mb4 "
    "COLLATE utf8mb4_general_ci, nopad VARCHAR(60) CHARACTER SET utf8mb4 COLLATE "
    "utf8mb4_nopad_bin);\n"
    "INSERT INTO lh_pad.spaces VALUES (1, 'a@x.com', 'a@x.com'), (2, 'a@x.com ', 'a@x.com '), "
    "(3, 'A@x.com', 'A@x.com'), (4, 'b@x.com', 'b@x.com');\n"
    # Free text past ASCII, longer than a value a page can go on after as its bytes.
    "CREATE DATABASE lh_long;\n"
    "CREATE TABLE lh_long.notes (id INT PRIMARY KEY, note TEXT CHARACTER SET ascii);\n"
    "INSERT INTO lh_long.notes VALUES "
    + ", ".join(f"({n}, CONCAT(X'e9', REPEAT('{c}', 3000)))" for n, c in enumerate("abcde", 1))
    + ";\n"
)
LONG_NOTES = sorted("é" + c * 3000 for c in "abcde")
# Short addresses and three values of 5,000 bytes among them: with pages of 10, one last of
# the first page, two in a row last of the second (each too long to page after).
MIXED_SHORT = [f"customer{n:03d}@gmail.com" for n in range(30)]
MIXED_LONG = [
    "customer008@gmail.com " + "x" * 5000,
    "customer017@gmail.com " + "y" * 5000,
    "customer017@gmail.com " + "z" * 5000,
]
# Rows of both servers' table of them (CONCAT and REPEAT in both).
MIXED_ROWS = ", ".join(
    f"({n}, CONCAT('{v[:22]}', REPEAT('{v[22]}', {len(v) - 22})))"
    if len(v) > 100
    else f"({n}, '{v}')"
    for n, v in enumerate(MIXED_SHORT + MIXED_LONG, 1)
)
SPELLINGS = [
    t.encode("latin-1").hex()
    for t in (
        "caf\xc3\xa9 \xe9",
        "caf\xe9 \xe9",
        "caf\xc3\xa9 \xc3\xa9",
        "\xc3\xa9",
        "\xe9",
        "\xc3",
        "\xc3\x83",
        "\xe2\x82\xac",
        "\xe2\x82",
        "\xc3\xa2\xc2\x82",
        "\x80",
        "\xed\xa0\x80",
    )
]


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A MariaDB of this module's own, its tables made: its port."""
    with serving("mysql", tmp_path_factory.mktemp("charsets")) as got:
        client(got.target.port, MARIADB_SETUP)
        yield got.target.port


@pytest.fixture(scope="module")
def postgresql(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A PostgreSQL of this module's own with a SQL_ASCII database of Latin-1 bytes (and the
    same address once in UTF-8, one person): its port."""
    import psycopg

    with serving("postgresql", tmp_path_factory.mktemp("charsets")) as got:
        port = got.target.port
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(
                "CREATE DATABASE lh_ascii ENCODING 'SQL_ASCII' TEMPLATE template0 "
                "LC_COLLATE 'C' LC_CTYPE 'C'"
            )
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="lh_ascii", autocommit=True
        ) as conn:
            conn.execute("CREATE TABLE people (id int PRIMARY KEY, email text)")
            rows = (*ASCII_ROWS[:2], "6a6f73c3a940782e636f6d", "706c61696e40782e636f6d")
            for n, h in enumerate(rows, 1):
                conn.execute(
                    "INSERT INTO people VALUES (%s, convert_from(decode(%s, 'hex'), 'SQL_ASCII'))",
                    (n, h),
                )
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(
                "CREATE DATABASE lh_long ENCODING 'SQL_ASCII' TEMPLATE template0 "
                "LC_COLLATE 'C' LC_CTYPE 'C'"
            )
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="lh_long", autocommit=True
        ) as conn:
            # One text spelt in Latin-1, in UTF-8, in both; bytes that are not UTF-8.
            conn.execute("CREATE TABLE spellings (id int PRIMARY KEY, v text)")
            for n, h in enumerate(SPELLINGS, 1):
                conn.execute(
                    "INSERT INTO spellings VALUES (%s, convert_from(decode(%s, 'hex'), "
                    "'SQL_ASCII'))",
                    (n, h),
                )
            conn.execute("CREATE TABLE notes (id int PRIMARY KEY, note text)")
            for n, c in enumerate("abcde", 1):
                conn.execute(
                    "INSERT INTO notes VALUES (%s, convert_from(decode(%s, 'hex'), 'SQL_ASCII'))",
                    (n, "e9" + c.encode().hex() * 3000),
                )
        yield port


def _mysql(port: int) -> tuple[MysqlProbe, Transport, Service]:
    transport = Transport(Limits(), Scope({("127.0.0.1", port)}), None)
    endpoint = Endpoint("127.0.0.1", port, "mysql")
    service = Service(endpoint, f"mysql://127.0.0.1:{port}", "mysql", Verdict.OPEN, "")
    return MysqlProbe(), transport, service


def _tables(port: int) -> dict[str, Container]:
    probe, transport, service = _mysql(port)
    got = asyncio.run(probe.inventory(transport, service, max_containers=20))
    return {c.name: c for c in got.containers}


def test_an_ascii_column_s_people_are_each_counted_once(mariadb: int, tmp_path: Path) -> None:
    doc, _ = report(tmp_path, f"mysql://root@127.0.0.1:{mariadb}")
    (result,) = doc["results"]
    people = result["people"]
    assert people["method"] == "read" and people["exact"], people
    # josé, josè, josã, josá and plain (its two spellings one address); u1é … u5000è; a, b.
    assert people["value"] == 5 + 5000 + 2, people


def test_an_ascii_column_s_people_listed_by_the_server_are_each_counted_once(
    mariadb: int, tmp_path: Path
) -> None:
    # Not read whole: the server lists each column's values, byte for byte where the
    # session cannot carry them (as stored, the people of both tables were one "jos?").
    doc, _ = report(tmp_path, f"mysql://root@127.0.0.1:{mariadb}", "--people-read", "0")
    (result,) = doc["results"]
    people = result["people"]
    assert people["method"] == "store-list", people
    assert people["value"] == people["low"] == 5 + 5000 + 2, people
    assert people["exact"] and people["high"] == people["value"], people


def test_bytes_a_character_set_does_not_define_keep_values_apart(mariadb: int) -> None:
    probe, transport, service = _mysql(mariadb)
    legacy = _tables(mariadb)["lh_cs.legacy"]
    sample = asyncio.run(probe.sample(transport, service, legacy, 10))
    assert sorted(d["note"] for d in sample.docs) == ["a\x81", "a\x83", "ač"]


def test_an_ascii_key_past_ascii_is_read_whole_in_partitions(mariadb: int) -> None:
    probe, transport, service = _mysql(mariadb)
    table = _tables(mariadb)["lh_keys.by_email"]
    reader = probe.reader(transport, service)

    async def read() -> list[Any]:
        plan = await reader.open(table, 2)
        assert plan.partitions == 2
        out = []
        for n in range(plan.partitions):
            part = reader.partition(plan, n, None, size=700)
            while (page := await part.next_page()) is not None:
                out += [(d["n"], d["email"]) for d in page.docs]
            await part.close()
        return out

    got = asyncio.run(read())
    assert sorted(got) == [(n, f"u{n}{'é' if n % 2 else 'è'}@x.com") for n in range(1, 5001)]


def test_the_server_s_count_of_an_ascii_column_says_it_merged_values(mariadb: int) -> None:
    probe, transport, service = _mysql(mariadb)
    people = _tables(mariadb)["lh_cs.people"]
    got = asyncio.run(probe.count_distinct(transport, service, [people], ["email"]))
    assert got is not None
    counted = got["email"]
    # As stored, the three ascii addresses are one "jos?@x.com" (said so: not exact, up to
    # the byte-for-byte count); "plain@x.com " is "plain@x.com" in both. Its listing is byte
    # for byte: it merges none of them (``as_bytes`` no more than the count as stored).
    assert isinstance(counted, StoreDistinct) and counted.upper == 4
    assert counted.estimate == 2 and not counted.exact and counted.as_bytes == 2


def test_a_listing_of_ascii_columns_keeps_values_the_server_would_send_alike(
    mariadb: int,
) -> None:
    probe, transport, service = _mysql(mariadb)
    tables = _tables(mariadb)
    both = [tables["lh_cs.people"], tables["lh_cs.more"]]

    async def listed() -> list[str]:
        return [v async for v in probe.distinct_values(transport, service, both, "email")]

    values = asyncio.run(listed())
    assert sorted(values) == sorted(
        [
            "josã@x.com",
            "josè@x.com",
            "josé@x.com",
            "plain@x.com",
            "plain@x.com ",  # byte for byte: read as the same address
            "josá@x.com",
            "josé@x.com",  # in both tables: listed for each, counted once
        ]
    )


@pytest.mark.parametrize("column", ["email", "nopad"])
def test_trailing_spaces_alone_make_no_second_value(mariadb: int, column: str) -> None:
    # "a@x.com " is the address a@x.com as a read of each row finds it: the server's count
    # (as stored, and byte for byte but trailing spaces) holds it one value with "a@x.com",
    # whatever the column's own collation pads; its addresses lower-cased are a and b.
    probe, transport, service = _mysql(mariadb)
    spaces = _tables(mariadb)["lh_pad.spaces"]
    got = asyncio.run(probe.count_distinct(transport, service, [spaces], [column]))
    assert got is not None
    counted = got[column]
    assert isinstance(counted, StoreDistinct) and counted.exact
    assert (counted.estimate, counted.as_bytes, counted.folded) == (3, 3, 2)

    async def listed() -> list[str]:
        return [v async for v in probe.distinct_values(transport, service, [spaces], column)]

    values = asyncio.run(listed())
    assert len(values) == 3 and {v.rstrip(" ").lower() for v in values} == {"a@x.com", "b@x.com"}


def test_a_sql_ascii_database_s_people_are_each_counted_once(
    postgresql: int, tmp_path: Path
) -> None:
    probe = PostgresqlProbe()
    transport = Transport(Limits(), Scope({("127.0.0.1", postgresql)}), None)
    endpoint = Endpoint("127.0.0.1", postgresql, "postgresql")
    url = f"postgresql://postgres@127.0.0.1:{postgresql}/"
    service = Service(endpoint, url, "postgresql", Verdict.OPEN, "")
    inventory = asyncio.run(probe.inventory(transport, service, max_containers=20))
    (table,) = [c for c in inventory.containers if c.name.startswith("lh_ascii.")]
    sample = asyncio.run(probe.sample(transport, service, table, 10))
    assert sample.error is None
    assert sorted(d["email"] for d in sample.docs) == [
        "josè@x.com",
        "josé@x.com",
        "josé@x.com",  # its UTF-8 spelling
        "plain@x.com",
    ]
    doc, _ = report(tmp_path, url)
    (result,) = doc["results"]
    people = result["people"]
    assert people["method"] == "read" and people["exact"] and people["value"] == 3, people


def test_a_sql_ascii_database_s_values_are_listed_by_the_server_each_apart(
    postgresql: int,
) -> None:
    # As text, the Latin-1 and UTF-8 spellings of josé read alike in one page ("a page that
    # does not move on"), and a page after a value past ASCII is refused (no code point past
    # it converts to SQL_ASCII): listed by their bytes, each value once.
    probe = PostgresqlProbe()
    transport = Transport(Limits(), Scope({("127.0.0.1", postgresql)}), None)
    endpoint = Endpoint("127.0.0.1", postgresql, "postgresql")
    url = f"postgresql://postgres@127.0.0.1:{postgresql}/"
    service = Service(endpoint, url, "postgresql", Verdict.OPEN, "")
    inventory = asyncio.run(probe.inventory(transport, service, max_containers=20))
    (table,) = [c for c in inventory.containers if c.name.startswith("lh_ascii.")]

    async def listed() -> list[str]:
        return [v async for v in probe.distinct_values(transport, service, [table], "email")]

    assert sorted(asyncio.run(listed())) == [
        "josè@x.com",
        "josé@x.com",
        "josé@x.com",
        "plain@x.com",
    ]


def test_a_listing_as_bytes_goes_on_past_values_too_long_to_write_back(
    mariadb: int, postgresql: int
) -> None:
    # Values of 3,001 bytes, two a page: each page after the MD5 of the last (as its bytes,
    # past 1,024 of them, the listing stopped: "too long to page after").
    mysql_transport = Transport(Limits(), Scope({("127.0.0.1", mariadb)}), None)
    pg_transport = Transport(Limits(), Scope({("127.0.0.1", postgresql)}), None)

    async def listed() -> tuple[list[str], list[str]]:
        conn = await mysql_connect(mysql_transport, Endpoint("127.0.0.1", mariadb, "mysql"))
        try:
            mysql = distinct.values(conn, "lh_long", "notes", "note", 2, charset="ascii")
            got = [v async for v in mysql]
        finally:
            await conn.close()
        endpoint = Endpoint("127.0.0.1", postgresql, "postgresql")
        pg = await pg_connect(pg_transport, endpoint, "lh_long")
        try:
            listing = pg_distinct.values(pg, "public", "notes", "note", 2, as_bytes=True)
            return got, [v async for v in listing]
        finally:
            await pg.close()

    mysql, pg = asyncio.run(listed())
    assert sorted(mysql) == sorted(pg) == LONG_NOTES


def test_a_sql_ascii_database_s_count_of_values_is_of_them_as_read(postgresql: int) -> None:
    # As stored, "jos\xe9@x.com" and its UTF-8 spelling were two values (one person counted
    # twice); counted as read, as a read of each row and a listing by bytes give them.
    probe = PostgresqlProbe()
    transport = Transport(Limits(), Scope({("127.0.0.1", postgresql)}), None)
    endpoint = Endpoint("127.0.0.1", postgresql, "postgresql")
    url = f"postgresql://postgres@127.0.0.1:{postgresql}/"
    service = Service(endpoint, url, "postgresql", Verdict.OPEN, "")
    inventory = asyncio.run(probe.inventory(transport, service, max_containers=20))
    (table,) = [c for c in inventory.containers if c.name.startswith("lh_ascii.")]
    got = asyncio.run(probe.count_distinct(transport, service, [table], ["email"]))
    assert got is not None
    counted = got["email"]
    assert isinstance(counted, StoreDistinct) and counted.exact
    assert counted.estimate == 3 and counted.folded == 1

    async def spellings() -> tuple[int, list[str]]:
        conn = await pg_connect(transport, endpoint, "lh_long")
        try:
            n = await pg_distinct.count(conn, "public", "spellings", "v", raw=True)
            listing = pg_distinct.values(conn, "public", "spellings", "v", 5, as_bytes=True)
            return n.stored, [v async for v in listing]
        finally:
            await conn.close()

    n, listed = asyncio.run(spellings())
    read = {bytes.fromhex(h).decode("utf-8", STRAY) for h in SPELLINGS}
    assert len(listed) == len(SPELLINGS) and set(listed) == read
    assert n == len(read) == 7


@pytest.mark.parametrize("own", [False, True], ids=["as-stored", "own-collation"])
def test_a_listing_goes_on_past_values_too_long_to_page_after(
    mariadb: int, postgresql: int, own: bool
) -> None:
    # Pages of 10 of short addresses and values of 5,000 bytes: a page ending in one went on
    # after it no more ("too long to page after": the listing, and its exact people count,
    # ended); each page now goes on after its last short value, the long ones after it
    # asked again, each listed once, in either order.
    mysql_transport = Transport(Limits(), Scope({("127.0.0.1", mariadb)}), None)
    pg_transport = Transport(Limits(), Scope({("127.0.0.1", postgresql)}), None)

    async def listed() -> tuple[list[str], list[str]]:
        conn = await mysql_connect(mysql_transport, Endpoint("127.0.0.1", mariadb, "mysql"))
        try:
            mysql = distinct.values(conn, "lh_mixed", "people", "email", 10, own=own)
            got = [v async for v in mysql]
        finally:
            await conn.close()
        endpoint = Endpoint("127.0.0.1", postgresql, "postgresql")
        pg = await pg_connect(pg_transport, endpoint, "postgres")
        try:
            listing = pg_distinct.values(pg, "public", "mixed", "email", 10, own=own)
            return got, [v async for v in listing]
        finally:
            await pg.close()

    import psycopg

    # Made here and dropped at the end: the other tests count every person of both servers.
    client(
        mariadb,
        "CREATE DATABASE lh_mixed;\n"
        "CREATE TABLE lh_mixed.people (id INT PRIMARY KEY, email TEXT);\n"
        f"INSERT INTO lh_mixed.people VALUES {MIXED_ROWS};\n",
    )
    with psycopg.connect(
        host="127.0.0.1", port=postgresql, user="postgres", dbname="postgres", autocommit=True
    ) as admin:
        admin.execute("CREATE TABLE mixed (id int PRIMARY KEY, email text)")
        admin.execute(f"INSERT INTO mixed VALUES {MIXED_ROWS}")
        try:
            mysql, pg = asyncio.run(listed())
        finally:
            admin.execute("DROP TABLE mixed")
            client(mariadb, "DROP DATABASE lh_mixed;\n")
    assert len(mysql) == len(pg) == 33
    assert sorted(mysql) == sorted(pg) == sorted(MIXED_SHORT + MIXED_LONG)


def test_a_listing_page_over_the_reply_cap_is_asked_again_smaller(
    mariadb: int, postgresql: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reply cap of 4 MB (a page's budget 1 MB) and tables whose statistics say 10 bytes a
    # row: the first page, 38,461 values, reaches the 300-byte values after the 20,000
    # addresses and is over the cap (TooLargeError closed the connection and ended the
    # listing); it is asked again at 10,000 on a new connection, read-only as the first.
    from leakhound.models import FieldInfo
    from leakhound.probes.mysql import probe as mysql_module
    from leakhound.probes.postgresql import probe as pg_module

    limits = Limits(max_body=4_000_000)
    short = [f"a{n:05d}@example.org" for n in range(1, 20_001)]
    long = [f"b{n:05d}" + "y" * 294 for n in range(1, 20_001)]
    opened: list[str] = []

    def counting(kind: str, connect: Any) -> Any:
        async def counted(*args: Any) -> Any:
            opened.append(kind)
            return await connect(*args)

        return counted

    monkeypatch.setattr(mysql_module, "connect", counting("mysql", mysql_module.connect))
    monkeypatch.setattr(pg_module, "connect", counting("postgresql", pg_module.connect))

    def table(name: str, native: str, **where: str) -> Container:
        return Container(
            name, 40_000, 40_000 * 10, fields=(FieldInfo("email", native),), details=where
        )

    async def listed() -> tuple[list[str], list[str]]:
        got = []
        for probe, port, kind, container in (
            (
                MysqlProbe(),
                mariadb,
                "mysql",
                table("lh_cap.people", "text", database="lh_cap", table="people", engine="InnoDB"),
            ),
            (
                PostgresqlProbe(),
                postgresql,
                "postgresql",
                table(
                    "postgres.public.capped",
                    "text",
                    database="postgres",
                    schema="public",
                    table="capped",
                ),
            ),
        ):
            transport = Transport(limits, Scope({("127.0.0.1", port)}), None)
            endpoint = Endpoint("127.0.0.1", port, kind)
            service = Service(endpoint, f"{kind}://127.0.0.1:{port}", kind, Verdict.OPEN, "")
            values = probe.distinct_values(transport, service, [container], "email")
            got.append([v async for v in values])
        return got[0], got[1]

    import psycopg

    # Made here and dropped at the end: the other tests count every person of both servers.
    try:
        client(
            mariadb,
            "CREATE DATABASE lh_cap;\n"
            "CREATE TABLE lh_cap.people (id INT PRIMARY KEY, email TEXT);\n"
            "INSERT INTO lh_cap.people SELECT seq, "
            "CONCAT('a', LPAD(seq, 5, '0'), '@example.org') FROM lh_cap.seq_1_to_20000;\n"
            "INSERT INTO lh_cap.people SELECT 20000 + seq, "
            "CONCAT('b', LPAD(seq, 5, '0'), REPEAT('y', 294)) FROM lh_cap.seq_1_to_20000;\n",
        )
        with psycopg.connect(
            host="127.0.0.1", port=postgresql, user="postgres", dbname="postgres", autocommit=True
        ) as admin:
            try:
                admin.execute("CREATE TABLE capped (id int PRIMARY KEY, email text)")
                admin.execute(
                    "INSERT INTO capped SELECT g, 'a' || lpad(g::text, 5, '0') || '@example.org' "
                    "FROM generate_series(1, 20000) AS g"
                )
                admin.execute(
                    "INSERT INTO capped SELECT 20000 + g, 'b' || lpad(g::text, 5, '0') || "
                    "repeat('y', 294) FROM generate_series(1, 20000) AS g"
                )
                mysql, pg = asyncio.run(listed())
            finally:
                admin.execute("DROP TABLE IF EXISTS capped")
    finally:
        client(mariadb, "DROP DATABASE IF EXISTS lh_cap;\n")
    assert sorted(mysql) == sorted(pg) == short + long
    # One connection each, and one more for the page asked again.
    assert opened == ["mysql", "mysql", "postgresql", "postgresql"], opened
