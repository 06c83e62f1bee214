"""A PostgreSQL database's tables inventoried on one connection, and on a new one where a
statement past the read deadline closed it."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from leakhound.errors import ClosedError, TimeoutError_
from leakhound.models import Endpoint
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.estimate import BATCH
from leakhound.probes.postgresql import ALLOW, probe
from leakhound.probes.postgresql.allow import COLUMNS, INDEXED, TABLES, WHOLE_KEYS
from leakhound.probes.postgresql.wire import Result
from leakhound.probes.reconnect import RECONNECTS


class Server:
    """Tables of ``rows[name]`` rows each (one text column, ``email``), every statement
    checked against the allow-list; a statement naming a table of ``slow`` never answers: its
    connection is closed, as the stream closes it at the read deadline."""

    def __init__(self, rows: dict[str, int], slow: frozenset[str] = frozenset()) -> None:
        self.rows, self.slow = rows, slow
        self.logins = 0
        self.sent: list[str] = []

    async def connect(self, transport: Any, endpoint: Any, db: str) -> Any:
        self.logins += 1
        stream = SimpleNamespace(closed=False)
        server = self

        class Conn:
            def __init__(self) -> None:
                self.stream = stream

            async def close(self) -> None:
                stream.closed = True

            async def run(self, sql: str, **_: Any) -> Result:  # width=, wait=
                assert ALLOW.allows("query", sql), sql
                if stream.closed:
                    raise ClosedError("the connection was closed after an error")
                server.sent.append(sql)
                if sql == TABLES:
                    listed = [
                        ["public", t, str(n), "8192", "1", "r", "1"] for t, n in server.rows.items()
                    ]
                    return Result([], listed)  # type: ignore[arg-type]
                if sql == COLUMNS:
                    return Result([], [["public", t, "email", "text"] for t in server.rows])
                if sql in (INDEXED, WHOLE_KEYS):
                    return Result()
                for table, n in server.rows.items():
                    if f'"{table}"' in sql:
                        if table in server.slow:
                            stream.closed = True
                            raise TimeoutError_("read timed out after 10s")
                        return Result([("count", 20)], [[str(n)]])
                raise AssertionError(sql)

        return Conn()


def _inventory(server: Server, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    monkeypatch.setattr(probe, "connect", server.connect)
    transport = Transport(Limits(), Scope({("127.0.0.1", 5432)}))
    got = probe._tables(transport, Endpoint("127.0.0.1", 5432, "postgresql"), "shop", 100)
    return asyncio.run(got)


def test_a_table_past_the_read_timeout_leaves_the_next_tables_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = Server({"a_slow": 5, "b_next": 7}, frozenset({"a_slow"}))
    slow, after = _inventory(server, monkeypatch)
    assert "timed out" in (slow.error or "") and not slow.docs_exact
    assert after.name == "shop.public.b_next" and after.error is None
    assert after.docs == 7 and after.docs_exact
    assert server.logins == 2


def test_a_server_that_stalls_on_every_table_is_logged_into_again_a_few_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = [f"t{i}" for i in range(6)]
    server = Server(dict.fromkeys(names, 3), frozenset(names))
    tables = _inventory(server, monkeypatch)
    assert server.logins == 1 + RECONNECTS
    assert [t.docs for t in tables] == [3] * 6  # every table listed, with its estimate
    assert all(t.error and not t.docs_exact for t in tables)
    assert tables[-1].error == "count: the connection was closed after an error"


def _counted(table: str, condition: str, limit: str = "1000001") -> str:
    return (
        f"(SELECT count(*) FROM (SELECT 1 FROM ONLY {table} WHERE {condition} LIMIT {limit}) AS w)"
    )


def _window(table: str, condition: str, limit: str = "1000001") -> str:
    return f"SELECT {_counted(table, condition, limit)}"


_ONE = ('"s"."t"', '"id" >= 1 AND "id" <= 5')


@pytest.mark.parametrize(
    ("statement", "allowed"),
    [
        (_window('"s"."t"', '"id" >= -5 AND "id" <= 9223372036854775807'), True),
        (_window('"s"."t"', '"a""b" >= 1 AND "a""b" <= 5'), True),
        (_window('"s"."t"', '"id" >= 1 AND "other" <= 5'), False),
        (_window('"s"."t"', '"id" >= 1 AND "id" < 5'), False),
        (_window('"s"."t"', '"id" >= 1 AND "id" <= 5 OR pg_sleep(9) IS NULL'), False),
        (_window('"s"."t"', '"id" >= 1 AND "id" <= (SELECT 5)'), False),
        (_window('"pg_catalog"."pg_authid"', '"oid" >= 1 AND "oid" <= 5'), False),
        (_window('"s"."t"', '"id" >= 1 AND "id" <= 5', "ALL"), False),
        # The uncapped count of old: a window past a dense cluster counted every row of it.
        ('SELECT count(*) FROM ONLY "s"."t" WHERE "id" >= 1 AND "id" <= 5', False),
        # Windows counted at once: of one key of one table, BATCH at most.
        ("SELECT " + ", ".join([_counted(*_ONE)] * BATCH), True),
        ("SELECT " + ", ".join([_counted(*_ONE)] * (BATCH + 1)), False),
        ("SELECT " + _counted(*_ONE) + ", " + _counted('"s"."u"', _ONE[1]), False),
        ("SELECT " + _counted(*_ONE) + ", " + _counted(_ONE[0], '"pw" >= 1 AND "pw" <= 5'), False),
        ("SELECT " + _counted(*_ONE) + ", " + _counted('"pg_catalog"."pg_authid"', _ONE[1]), False),
        ("SELECT " + _counted(*_ONE) + ", pg_sleep(9)", False),
    ],
)
def test_a_key_window_is_one_column_between_two_numbers(statement: str, allowed: bool) -> None:
    assert ALLOW.allows("query", statement) is allowed


def test_a_large_tables_estimate_of_none_is_unknown_not_empty(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """reltuples is 0 until a table's first VACUUM or ANALYZE: for a table too large to count
    that says nothing (an empty container is not sampled), so its rows are unknown."""
    monkeypatch.setattr(probe, "EXACT_COUNT_BYTES", 1)
    (fresh,) = _inventory(Server({"fresh": 0}), monkeypatch)
    assert fresh.docs is None and not fresh.docs_exact
