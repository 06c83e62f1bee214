"""SQL dumps: the real outputs of pg_dump 15 and mysqldump (MariaDB 10.11) in every insert style,
and hand-written shapes of other tools (sqlite3 .dump, column lists, multi-row statements)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from leakhound.files import Limits, documents

DUMPS = Path(__file__).parent.parent / "data" / "dumps"

# The rows make_dumps.sh loads into both servers (rows.sql there), as text.
CUSTOMERS = [
    {
        "id": "1",
        "full_name": "Jane Doe",
        "email": "jane.doe@example.com",
        "phone": "+44 20 7946 0958",
        "notes": "Called back, no answer.",
        "balance": "12.50",
        "created": "2019-03-04",
    },
    {
        "id": "2",
        "full_name": "Seán O'Brien",
        "email": "sean@example.ie",
        "phone": "+353 1 555 0199",
        "notes": 'Said "hi"; then left',
        "created": "2018-01-01",
    },
    {
        "id": "3",
        "full_name": "Back\\Slash",
        "email": "b.s@example.org",
        "notes": "line one\nline two\ttabbed",
        "balance": "-3.00",
    },
    {
        "id": "4",
        "full_name": "Zoë Müller",
        "email": "zoe@example.de",
        "phone": "030 1234567",
        "notes": "IBAN DE89 3704 0044 0532 0130 00",
        "balance": "0.00",
        "created": "2020-12-31",
    },
    {
        "id": "5",
        "full_name": "Ünïcödé ☃",
        "email": "snow@example.com",
        "notes": "semicolon; comma, (parens) 'quote'",
        "balance": "99999.99",
        "created": "2021-06-30",
    },
]
AUDIT = [
    {"at": "2019-03-04T10:00:00Z", "client_ip": "203.0.113.9", "actor": "agent@contoso.com"},
    {"at": "2019-03-04T10:05:00Z", "client_ip": "2001:db8::1", "actor": "jane.doe@example.com"},
]


def _by_table(docs: tuple[dict[str, Any], ...]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for d in docs:
        table = str(d["_table"]).rsplit(".", 1)[-1]
        out.setdefault(table, []).append({k: str(v) for k, v in d.items() if not k.startswith("_")})
    return out


@pytest.mark.parametrize(
    "name",
    [
        "pg_dump-15-copy.sql",
        "pg_dump-15-inserts.sql",
        "pg_dump-15-column-inserts.sql",
        "mysqldump-10.11-extended.sql",
        "mysqldump-10.11-complete-insert.sql",
        "mysqldump-10.11-skip-extended-insert.sql",
    ],
)
def test_real_dumps_give_every_row_with_its_columns_and_table(name: str) -> None:
    r = documents((DUMPS / name).read_bytes(), name)
    assert r.format == "sql"
    assert (r.skipped, r.stopped) == (0, None)
    # mysqldump writes a zero balance as 0.00, pg's COPY too; the rows.sql zero is 0.
    assert _by_table(r.docs) == {"audit": AUDIT, "customers": CUSTOMERS}


def test_pg_table_name_keeps_its_schema_and_lines_point_at_rows() -> None:
    data = (DUMPS / "pg_dump-15-copy.sql").read_bytes()
    docs = documents(data, "x.sql").docs
    lines = data.decode().split("\n")
    for d in docs:
        assert d["_table"] in ("public.audit", "public.customers")
        assert str(d.get("email", d.get("actor"))) in lines[int(d["_line"]) - 1]


@pytest.mark.parametrize(
    "name", ["pg_dump-15-inserts.sql", "mysqldump-10.11-extended.sql", "pg_dump-15-copy.sql"]
)
def test_cut_dump_keeps_whole_rows_and_drops_the_cut_one(name: str) -> None:
    data = (DUMPS / name).read_bytes()
    cut = data[: data.index(b"zoe@example") + 4]
    r = documents(cut, name, truncated=True)
    assert [d["id"] for d in r.docs if d["_table"].endswith("customers")] in (
        [1, 2, 3],
        ["1", "2", "3"],
    )
    assert r.truncated and r.skipped == 1 and "cut by the byte cap" in r.reasons[0]


@pytest.mark.parametrize(
    ("sql", "rows"),
    [
        pytest.param(
            "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
            "CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT, name TEXT);\n"
            "INSERT INTO users VALUES(1,'a@b.co','Ann');\n"
            "INSERT INTO \"users\" VALUES(2,'c@d.co',NULL);\nCOMMIT;\n",
            [{"id": 1, "email": "a@b.co", "name": "Ann"}, {"id": 2, "email": "c@d.co"}],
            id="sqlite3-dump",
        ),
        pytest.param(
            "INSERT INTO t (email, phone) VALUES ('a@b.co', '555'), ('c@d.co', '666');",
            [{"email": "a@b.co", "phone": "555"}, {"email": "c@d.co", "phone": "666"}],
            id="column-list-multi-row",
        ),
        pytest.param(
            "INSERT INTO t VALUES (1, 'x');", [{"col1": 1, "col2": "x"}], id="no-columns-known"
        ),
        pytest.param(
            "CREATE TABLE t (a int, CONSTRAINT pk PRIMARY KEY (a), b text);\n"
            "INSERT INTO t VALUES (1, 'x') ON DUPLICATE KEY UPDATE b='y';\n"
            "INSERT INTO t VALUES (2, 'z');",
            [{"a": 1, "b": "x"}, {"a": 2, "b": "z"}],
            id="constraint-and-upsert",
        ),
        pytest.param(
            "CREATE FUNCTION f() RETURNS int AS $$ BEGIN; INSERT INTO t VALUES (9); END $$;\n"
            "INSERT INTO t VALUES (X'0A', 0x1F, 1.5e3, -7, TRUE, NOW());",
            [
                {
                    "col1": "X'0A'",
                    "col2": "0x1F",
                    "col3": "1.5e3",
                    "col4": -7,
                    "col5": "TRUE",
                    "col6": "NOW()",
                }
            ],
            id="function-body-and-literals",
        ),
        pytest.param(
            "/*!40101 SET NAMES utf8 */;\n-- comment; with semicolon\n"
            "INSERT INTO `t` VALUES (1,'it\\'s','a\\\\b','tab\\there');",
            [{"col1": 1, "col2": "it's", "col3": "a\\b", "col4": "tab\there"}],
            id="mysql-escapes",
        ),
    ],
)
def test_dump_shapes(sql: str, rows: list[dict[str, Any]]) -> None:
    docs = documents(sql.encode(), "x.sql").docs
    assert [{k: v for k, v in d.items() if not k.startswith("_")} for d in docs] == rows


def test_an_unreadable_row_skips_its_statement_and_the_next_is_read() -> None:
    sql = b"INSERT INTO t VALUES (1, 'a'), (2, ???);\nINSERT INTO t VALUES (3, 'c');\n"
    r = documents(sql, "x.sql")
    assert [d["col1"] for d in r.docs] == [1, 3]
    assert r.skipped == 1 and "row of t unreadable near" in r.reasons[0]


def test_a_row_over_the_cap_is_skipped_and_reading_goes_on() -> None:
    sql = "INSERT INTO t VALUES (1, '" + "x" * 5000 + "');\nINSERT INTO t VALUES (2, 'y');\n"
    r = documents(sql.encode(), "x.sql", limits=Limits(max_record=1000))
    assert [d["col1"] for d in r.docs] == [2]
    assert r.skipped == 1 and "longer than 1000" in r.reasons[0]
