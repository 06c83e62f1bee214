"""The MySQL statement allow-list: every statement leakhound builds fits it; nothing that reads
files, writes, reads mysql.user or smuggles a second statement does; hostile names stay inside
their backticks."""

from __future__ import annotations

import pytest

from leakhound.detect.email import NOT_ONE_ADDRESS, ONE_ADDRESS
from leakhound.errors import PolicyError
from leakhound.net import Gate, Limits, Scope
from leakhound.probes.mysql import ALLOW, sql
from leakhound.probes.mysql.allow import NEVER

from .lexer import idents, tokens

HOSTILE = [
    pytest.param("we`ird", id="backtick"),
    pytest.param("``", id="two-backticks"),
    pytest.param("`", id="one-backtick"),
    pytest.param("a`.`b", id="backtick-dot-backtick"),
    pytest.param("it's", id="single-quote"),
    pytest.param('say "hi"', id="double-quote"),
    pytest.param("x; DROP TABLE y", id="semicolon"),
    pytest.param("/* c */", id="comment-open"),
    pytest.param("-- c", id="dash-comment"),
    pytest.param("# c", id="hash-comment"),
    pytest.param("a\\`b", id="backslash-backtick"),
    pytest.param("line\nbreak", id="newline"),
    pytest.param("ü🙂", id="non-ascii"),
    pytest.param("` UNION SELECT * FROM `mysql`.`user` -- ", id="union-injection"),
]


def _built(db: str, table: str) -> list[str]:
    """Every statement that names a table, built for db.table."""
    return [
        sql.count(db, table),
        sql.count_windows(db, table, table, [(-(2**63), 2**64 - 1)] * 32),
        sql.date_range(db, table, table),
        sql.first_rows(db, table, 100),
        sql.after_key(db, table, ["id"], ["number"], None, 1000),
        sql.after_key(db, table, ["id"], ["number"], [b"42"], 1000),
        sql.after_key(db, table, ["k", table], ["text", "binary"], [b"a'b", b"\x00\xff"], 10),
        sql.after_key(db, table, ["id"], ["number"], [b"42"], 1000, [b"99"]),
        sql.after_key(db, table, ["k", table], ["text", "binary"], None, 10, [b"z", b"\x01"]),
        sql.key_at(db, table, ["k", table], 50_000),
        sql.from_offset(db, table, 5000),
        sql.at_keys(db, table, table, [1, -2, 3]),
        sql.at_random(db, table, 0.015, 400, 1),
        sql.columns_of(db, table),
        sql.keys_of(db, table),
        sql.checks_of(db, table),
        sql.count_distinct(db, table, table),
        sql.distinct_after(db, table, table, None, 10_000),
        sql.distinct_after(db, table, table, "a' OR '1'='1 \\' `x` ü", 10_000),
        # Text in a character set the session cannot carry whole, read as its bytes.
        sql.first_rows(db, table, 100, sql.columns(["id", table], {table})),
        sql.after_key(
            db,
            table,
            [table],
            ["text:ascii"],
            [b"jos\xe9"],
            10,
            [b"z"],
            sql.columns([table], {table}),
        ),
        sql.key_at(db, table, ["k", table], 50_000, {table}),
        sql.distinct_bytes_after(db, table, table, None, 10_000),
        sql.distinct_bytes_after(db, table, table, "0123456789abcdef0123456789abcdef", 10_000),
        sql.from_offset(db, table, 5000, sql.columns([table, "x"], {table, "x"})),
        sql.at_keys(db, table, "id", [1, 2], sql.columns(["id", table], {table})),
        sql.at_random(db, table, 0.015, 400, 1, sql.columns([table, "id"], {table})),
    ]


def test_every_fixed_statement_is_allowed() -> None:
    for statement in (
        sql.READ_ONLY_SESSION,
        sql.START_READ_ONLY,
        sql.START,
        sql.WHO,
        sql.COUNT_TABLES,
        sql.list_tables(1000),
        sql.statement_timeout(10, mariadb=False),
        sql.statement_timeout(10, mariadb=True),
        *sql.stream_session(mariadb=False),
        *sql.stream_session(mariadb=True),
        # which store the server is of (replication.py)
        sql.GALERA_STATE,
        sql.MYSQL_SERVER,
        sql.MARIADB_SERVER,
        sql.MARIADB_REPLICAS,
        sql.MYSQL_REPLICAS,
        sql.MYSQL_REPLICAS_BEFORE_8022,
    ):
        assert ALLOW.allows("query", statement), statement


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_stay_one_read_statement(name: str) -> None:
    for statement in _built(name, name):
        assert ALLOW.allows("query", statement), statement
        found = tokens(statement)
        assert not {kind for kind, _ in found} & {"comment", "semicolon"}, statement
        # The only quoted strings are sql.py's own constants (an address's shape, a space).
        assert {text for kind, text in found if kind == "string"} <= {
            "PRIMARY",
            ONE_ADDRESS,
            NOT_ONE_ADDRESS,
            " ",
        }, statement
    assert idents(sql.first_rows(name, name, 5)) == [name, name]
    assert idents(sql.after_key("d", name, ["id", name], ["number", "text"], [b"1", b"x"], 5)) == [
        "d",
        name,
        "id",
        "id",
        name,
        "id",
        name,
    ]


@pytest.mark.parametrize("statement", NEVER)
def test_what_must_never_leave_is_refused(statement: str) -> None:
    assert not ALLOW.allows("query", statement)


@pytest.mark.parametrize(
    "schema", ["mysql", "MySQL", "MYSQL", "information_schema", "performance_schema", "sys"]
)
def test_the_servers_own_schemas_are_never_read(schema: str) -> None:
    for statement in (
        sql.count(schema, "user"),
        sql.first_rows(schema, "user", 5),
        sql.after_key(schema, "user", ["User"], ["text"], None, 5),
        sql.from_offset(schema, "global_priv", 0),
        sql.date_range(schema, "user", "password_last_changed"),
        sql.count_distinct(schema, "user", "authentication_string"),
        sql.distinct_after(schema, "user", "authentication_string", None, 5),
        sql.distinct_after(schema, "user", "authentication_string", "*6BB4", 5),
    ):
        assert not ALLOW.allows("query", statement), statement
    # A user database merely named like one is read as any other.
    assert ALLOW.allows("query", sql.count(f"{schema}_copy", "user"))


@pytest.mark.parametrize(
    "suffix",
    [
        "; SELECT 1",
        " INTO OUTFILE '/tmp/x'",
        " UNION SELECT 1",
        " /* x */",
        " -- x",
        " FOR UPDATE",
        " LOCK IN SHARE MODE",
        "\nSELECT 1",
    ],
)
def test_nothing_can_follow_a_statement(suffix: str) -> None:
    for statement in _built("support", "cases"):
        assert not ALLOW.allows("query", statement + suffix), statement + suffix


@pytest.mark.parametrize(
    "value", [b"1 OR 1=1", b"1; DROP TABLE x", b"0x41", b"", b"1e5", b"--1", b"1 -- x"]
)
def test_a_number_key_value_that_is_not_digits_is_refused_before_it_is_written(
    value: bytes,
) -> None:
    with pytest.raises(ValueError):
        sql.literal("number", value)


def test_text_key_values_are_hex_whatever_they_hold() -> None:
    assert sql.literal("text", b"a' OR '1'='1") == "_utf8mb4 X'6127204f52202731273d2731'"
    assert sql.literal("binary", b"\x00`") == "_binary X'0060'"
    assert sql.literal("number", b"-12.50") == "-12.50"


def test_a_key_literal_names_only_a_character_set_a_server_has() -> None:
    # The introducer is a name the server gave (its column's character set): the allow-list
    # admits those MySQL and MariaDB have, none made up.
    for charset in ("ascii", "cp1250", "sjis", "utf8mb4", "binary"):
        statement = f"SELECT * FROM `a`.`b` WHERE `k` > _{charset} X'61' ORDER BY `k` LIMIT 5"
        assert ALLOW.allows("query", statement), statement
    for charset in ("klingon", "filename", "utf8mb4x"):
        statement = f"SELECT * FROM `a`.`b` WHERE `k` > _{charset} X'61' ORDER BY `k` LIMIT 5"
        assert not ALLOW.allows("query", statement), statement


def test_a_composite_key_pages_on_a_range_of_its_first_column() -> None:
    statement = sql.after_key(
        "d", "t", ["a", "b", "c"], ["number", "text", "number"], [b"1", b"x", b"3"], 10
    )
    assert statement == (
        "SELECT * FROM `d`.`t` WHERE (`a` > 1 OR (`a` = 1 AND (`b` > "
        "_utf8mb4 X'78' OR (`b` = _utf8mb4 X'78' AND `c` > 3)))) "
        "ORDER BY `a`, `b`, `c` LIMIT 10"
    )
    assert ALLOW.allows("query", statement)


def test_a_partition_reads_after_its_start_and_up_to_its_end() -> None:
    statement = sql.after_key(
        "d", "t", ["a", "b"], ["number", "text"], [b"1", b"x"], 10, [b"7", b"y"]
    )
    assert statement == (
        "SELECT * FROM `d`.`t` WHERE (`a` > 1 OR (`a` = 1 AND `b` > _utf8mb4 X'78')) AND "
        "(`a` < 7 OR (`a` = 7 AND `b` <= _utf8mb4 X'79')) ORDER BY `a`, `b` LIMIT 10"
    )
    assert ALLOW.allows("query", statement)
    first = sql.after_key("d", "t", ["id"], ["number"], None, 10, [b"500"])
    assert first == "SELECT * FROM `d`.`t` WHERE `id` <= 500 ORDER BY `id` LIMIT 10"
    assert ALLOW.allows("query", first)


def test_where_a_partition_ends_is_read_from_the_key_alone() -> None:
    statement = sql.key_at("d", "t", ["a", "b"], 49_999)
    assert statement == "SELECT `a`, `b` FROM `d`.`t` ORDER BY `a`, `b` LIMIT 1 OFFSET 49999"
    assert ALLOW.allows("query", statement)
    assert not ALLOW.allows("query", statement.replace("`a`, `b` FROM", "* FROM"))
    assert not ALLOW.allows("query", statement.replace("LIMIT 1 ", "LIMIT 2 "))
    assert not ALLOW.allows("query", sql.key_at("mysql", "user", ["User"], 0))


def test_names_with_nul_are_not_quoted() -> None:
    with pytest.raises(ValueError):
        sql.ident("a\0b")
    with pytest.raises(ValueError):
        sql.ident("")


def test_the_login_messages_pass_and_other_messages_do_not() -> None:
    assert ALLOW.allows("startup", "") and ALLOW.allows("auth", "")
    assert not ALLOW.allows("quit", "") and not ALLOW.allows("SELECT", "SELECT 1")


def test_the_gate_refuses_an_off_list_statement_before_anything_is_sent() -> None:
    gate = Gate(Limits(), Scope({("127.0.0.1", 3306)}))
    with pytest.raises(PolicyError, match="not on the mysql read-only allow-list"):
        gate.admit(
            "127.0.0.1",
            3306,
            "query",
            "SELECT * FROM `mysql`.`user` LIMIT 5",
            ALLOW,
            "mysql://127.0.0.1:3306",
        )


def test_key_windows_are_counted_at_most_a_batch_a_statement() -> None:
    from leakhound.probes.estimate import BATCH

    ranges = [(1, 513)] * BATCH
    assert ALLOW.allows("query", sql.count_windows("support", "cases", "id", ranges))
    more = sql.count_windows("support", "cases", "id", [*ranges, (1, 513)])
    assert not ALLOW.allows("query", more)


def test_a_columns_distinct_values_page_after_the_last_as_a_hex_literal() -> None:
    first = sql.distinct_after("d", "t", "email", None, 10_000)
    stored = "CONVERT(`email` USING utf8mb4) COLLATE utf8mb4_bin"
    assert first == (
        f"SELECT DISTINCT {stored} FROM `d`.`t` WHERE `email` IS NOT NULL ORDER BY {stored} "
        "LIMIT 10000"
    )
    after = sql.distinct_after("d", "t", "email", "a'b", 10_000)
    assert f"WHERE {stored} > _utf8mb4 X'612762' ORDER BY {stored} LIMIT 10000" in after
    assert ALLOW.allows("query", first) and ALLOW.allows("query", after)
    # another column compared than the one listed, or ordered by: refused
    assert not ALLOW.allows("query", after.replace("WHERE CONVERT(`email`", "WHERE CONVERT(`id`"))
    assert not ALLOW.allows(
        "query", after.replace("ORDER BY CONVERT(`email`", "ORDER BY CONVERT(`id`")
    )
    assert not ALLOW.allows("query", first.replace("WHERE `email`", "WHERE `id`"))


def test_distinct_values_are_counted_and_listed_as_stored_not_in_the_columns_collation() -> None:
    """An accent- and case-insensitive collation holds "josé@x.com" and "jose@x.com" one
    value: they are counted and listed in a binary collation of the value as stored, the
    column of any character set converted first."""
    stored = "CONVERT(`email` USING utf8mb4) COLLATE utf8mb4_bin"
    counted = sql.count_distinct("d", "t", "email")
    assert counted.startswith(f"SELECT COUNT(DISTINCT {stored}), ")
    assert ALLOW.allows("query", counted)
    for statement in (counted, sql.distinct_after("d", "t", "email", "jose@x.com", 10)):
        # The column alone, in its own collation, is no longer what is sent (nor allowed).
        assert "DISTINCT `email`" not in statement and "BY `email`" not in statement
    for other in ("utf8mb4_general_ci", "latin1_bin", "utf8mb4_unicode_ci"):
        assert not ALLOW.allows("query", counted.replace("utf8mb4_bin", other))
    assert not ALLOW.allows("query", "SELECT COUNT(DISTINCT `email`) FROM `d`.`t`")
    assert sql.statement_timeout(10, mariadb=True) == "SET SESSION max_statement_time = 10"
    assert sql.statement_timeout(10, mariadb=False) == "SET SESSION max_execution_time = 10000"


def test_a_column_whose_collation_merges_nothing_is_counted_three_ways_and_paged_itself() -> None:
    """Its own collation, as stored, and both (``distinct.merges_nothing``); then its pages
    in its own order (an index on it reads a page alone), of that column alone."""
    stored = "CONVERT(`email` USING utf8mb4) COLLATE utf8mb4_bin"
    alike = sql.count_alike("d", "t", "email")
    assert alike == (
        f"SELECT COUNT(DISTINCT `email`), COUNT(DISTINCT {stored}), "
        f"COUNT(DISTINCT `email`, {stored}) FROM `d`.`t`"
    )
    first = sql.distinct_after("d", "t", "email", None, 10, own=True)
    after = sql.distinct_after("d", "t", "email", "a'b", 10, own=True)
    assert after == (
        "SELECT DISTINCT `email` FROM `d`.`t` WHERE `email` > _utf8mb4 X'612762' "
        "ORDER BY `email` LIMIT 10"
    )
    assert all(ALLOW.allows("query", s) for s in (alike, first, after))
    for other in (
        alike.replace("COUNT(DISTINCT `email`, C", "COUNT(DISTINCT `pw`, C"),
        alike.replace("`d`.`t`", "`mysql`.`user`"),
        alike.replace("COUNT(DISTINCT `email`),", "COUNT(DISTINCT LOAD_FILE('/etc/passwd')),"),
        alike + "; DROP TABLE `d`.`t`",
        after.replace("ORDER BY `email`", "ORDER BY `id`"),
        after.replace("WHERE `email` >", "WHERE `pw` >"),
    ):
        assert not ALLOW.allows("query", other), other


def test_a_columns_count_also_folds_address_shaped_values_and_counts_bytes() -> None:
    """Beside the count as stored: the values that are one whole address, ASCII, lower-cased
    (a lower bound on the addresses leakhound reads: "Jane@x.com" and "jane@x.com" are two
    values and one address) and the values byte for byte (``HEX``: the conversion turns each
    byte an ``ascii`` column cannot map into "?")."""
    v = "CONVERT(`email` USING utf8mb4) COLLATE utf8mb4_bin"
    counted = sql.count_distinct("d", "t", "email")
    assert counted == (
        f"SELECT COUNT(DISTINCT {v}), COUNT(DISTINCT CASE WHEN {v} REGEXP '{ONE_ADDRESS}' AND "
        f"LOWER({v}) NOT REGEXP '{NOT_ONE_ADDRESS}' AND "
        f"LENGTH({v}) = CHAR_LENGTH({v}) THEN LOWER({v}) END), "
        "COUNT(DISTINCT HEX(TRIM(TRAILING ' ' FROM `email`))) FROM `d`.`t`"
    )
    assert ALLOW.allows("query", counted)
    for other in (
        counted.replace("FROM `email`)", "FROM `password`)"),
        counted.replace("FROM `email`)", "FROM LOAD_FILE('/etc/passwd'))"),
        counted.replace(f"LOWER({v})", "LOWER(CONVERT(`pw` USING utf8mb4) COLLATE utf8mb4_bin)"),
        counted.replace(f"'{ONE_ADDRESS}'", "'%' OR SLEEP(10) OR '%'"),
        counted.replace(f"'{ONE_ADDRESS}'", "'.'"),
        counted.replace(f"'{NOT_ONE_ADDRESS}'", "LOAD_FILE('/etc/passwd')"),
        counted.replace("FROM `d`.`t`", "FROM `mysql`.`user`"),
    ):
        assert not ALLOW.allows("query", other), other
