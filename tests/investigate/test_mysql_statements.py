"""MySQL and MariaDB statements to actions (``mysql_statements``): what a statement does and the
table it names, whichever log it was read from."""

from __future__ import annotations

import pytest

from leakhound.investigate.actions import (
    BULK_READ,
    ENUMERATE,
    FILE_WRITE,
    PROBE,
    RANSOM_NOTE,
    READ,
    WIPE,
)
from leakhound.investigate.formats.mysql_statements import statement_action, statements


@pytest.mark.parametrize(
    ("sql", "database", "want"),
    [
        ("SELECT * FROM cases", "support", (READ, "support.cases")),
        ("select * from `sup.port`.`ca``ses` where 1", None, (READ, "sup.port.ca`ses")),
        ("SELECT COUNT(*) FROM cases", "support", (ENUMERATE, "support.cases")),
        ("SELECT MIN(d) AS lo, MAX(d) FROM t", None, (ENUMERATE, "t")),
        ("SELECT YEAR(d), COUNT(*) FROM t GROUP BY 1", None, (ENUMERATE, "t")),
        # a group of any other column returns its values: a read
        ("SELECT email, COUNT(*) FROM t GROUP BY email", None, (READ, "t")),
        ("SELECT * FROM information_schema.TABLES", None, (ENUMERATE, None)),
        ("SELECT VERSION()", None, (PROBE, None)),
        # the server writes the rows into a file on its disk: whatever the table, or none
        ("SELECT * INTO OUTFILE '/tmp/x' FROM cases", "s", (FILE_WRITE, "s.cases")),
        ("SELECT * FROM cases WHERE id <= 100 INTO OUTFILE '/tmp/x'", "s", (FILE_WRITE, "s.cases")),
        ("SELECT *\nFROM cases\nINTO OUTFILE '/tmp/x'", None, (FILE_WRITE, "cases")),
        ("select email from cases where id = 5 into dumpfile '/x'", "s", (FILE_WRITE, "s.cases")),
        ("SELECT * FROM mysql.user INTO OUTFILE '/tmp/u'", None, (FILE_WRITE, "mysql.user")),
        (
            "SELECT '<?php system($_GET[1]); ?>' INTO OUTFILE '/var/www/s.php'",
            None,
            (FILE_WRITE, None),
        ),
        # not a file: a variable, or the words inside a string
        ("SELECT id INTO @last FROM cases", "s", (READ, "s.cases")),
        ("SELECT * FROM cases WHERE subject = 'x INTO OUTFILE y'", "s", (READ, "s.cases")),
        ("SELECT /*!40001 SQL_NO_CACHE */ * FROM `cases`", "s", (BULK_READ, "s.cases")),
        ("/*!40101 SET NAMES utf8mb4 */", None, (PROBE, None)),
        ("/* app */ DELETE FROM cases", "s", (WIPE, "s.cases")),
        ("DROP DATABASE IF EXISTS support", "x", (WIPE, "support")),
        ("CREATE DATABASE PLEASE_READ_ME_XMG", None, (RANSOM_NOTE, "PLEASE_READ_ME_XMG")),
        ("INSERT INTO WARNING VALUES ('pay')", "db", (RANSOM_NOTE, "db.WARNING")),
        ("SHOW TABLES", None, (ENUMERATE, None)),
        # a string's content is no name; no space after the keyword; a parenthesised select
        ("SELECT * FROM customers WHERE host = 'mysql.example.com'", None, (READ, "customers")),
        ("select*from customers", None, (READ, "customers")),
        ("(SELECT * FROM customers)", None, (READ, "customers")),
        # FROM inside a function call names no table
        ("SELECT id, EXTRACT(YEAR FROM created) FROM orders", "s", (READ, "s.orders")),
        # a count beside a union's read is a read
        ("SELECT COUNT(*) FROM orders UNION ALL SELECT card FROM payments", None, (READ, None)),
    ],
)
def test_a_statements_action_and_table(
    sql: str, database: str | None, want: tuple[int, str | None]
) -> None:
    action, table = statement_action(sql, None, database)
    assert action == want[0], sql
    if want[1] is not None:
        assert table == want[1], sql


def test_a_read_of_many_rows_is_a_bulk_read() -> None:
    assert statement_action("SELECT * FROM t", 999)[0] == READ
    assert statement_action("SELECT * FROM t", 1000)[0] == BULK_READ


def test_a_logged_query_is_split_at_the_semicolons_outside_quotes() -> None:
    assert statements("SELECT 1; DROP DATABASE shop") == ["SELECT 1", "DROP DATABASE shop"]
    assert statements("SELECT ';' FROM t WHERE a = 'x;y';") == ["SELECT ';' FROM t WHERE a = 'x;y'"]
    assert statements(";") == [";"]
