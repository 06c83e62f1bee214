"""The policy's rules: allow-lists refuse writes by construction."""

from __future__ import annotations

import pytest

from leakhound import net


def test_rules_refuse_delete_outside_release_rules() -> None:
    with pytest.raises(ValueError):
        net.rules("bad", [("DELETE", "/_pit")])
    with pytest.raises(ValueError):
        net.rules("bad", [], releases=[r"/[^/]+"])
    assert net.rules("ok", [], releases=["/_pit"]).allows("DELETE", "/_pit")


def _only_get(query: str) -> bool:
    return query == "method=GET"


def test_a_rule_with_a_query_check_admits_only_the_queries_it_accepts() -> None:
    allow = net.rules("proxy", [("POST", "/proxy", _only_get), ("GET", "/status")])
    assert allow.allows("POST", "/proxy", "method=GET")
    assert not allow.allows("POST", "/proxy", "method=DELETE")
    assert not allow.allows("POST", "/proxy")  # no query: nothing for the check to accept
    assert not allow.allows("POST", "/other", "method=GET")


def test_a_rule_without_a_query_check_judges_the_path_alone() -> None:
    allow = net.rules("plain", [("GET", "/status")])
    assert allow.allows("GET", "/status", "anything=at&all")
    assert allow.allows("GET", "/status")


def test_command_and_statement_lists_take_and_ignore_a_query() -> None:
    assert net.commands("c", {"PING"}).allows("PING", "", "x=1")
    assert net.statements("s", [r"SELECT 1"]).allows("query", "SELECT 1", "x=1")


def test_a_statement_list_takes_copy_only_as_a_query_s_rows_to_the_client() -> None:
    assert net.statements("s", [r"COPY \(SELECT 1\) TO STDOUT"]).allows(
        "query", "COPY (SELECT 1) TO STDOUT"
    )
    assert net.statements("s", [r"EXPLAIN \(COSTS OFF\) SELECT 1"]).allows(
        "query", "EXPLAIN (COSTS OFF) SELECT 1"
    )
    for pattern in (
        r"COPY t TO STDOUT",
        r"COPY \(SELECT 1\) TO PROGRAM 'sh'",
        r"COPY \(SELECT 1\) TO '/tmp/x'",
        r"COPY t FROM STDIN",
        r"DELETE FROM t",
        r"EXPLAIN ANALYZE DELETE FROM t",  # ANALYZE runs what it plans
        r"EXPLAIN \(ANALYZE\) SELECT 1",
        r"EXPLAIN \(COSTS OFF\) DELETE FROM t",
    ):
        with pytest.raises(ValueError, match="not a read statement"):
            net.statements("s", [pattern])


def test_a_request_for_tls_passes_the_sql_kinds_alone() -> None:
    # PostgreSQL's SSLRequest and MySQL's SSL request are protocol messages, as a startup is;
    # a command list (Redis, MongoDB) knows no such message and sends nothing by that name.
    from leakhound.probes.mongodb.allow import ALLOW as MONGODB
    from leakhound.probes.mysql.allow import ALLOW as MYSQL
    from leakhound.probes.postgresql.allow import ALLOW as POSTGRESQL
    from leakhound.probes.redis.allow import ALLOW as REDIS

    assert POSTGRESQL.allows("tls", "") and MYSQL.allows("tls", "")
    assert not REDIS.allows("tls") and not MONGODB.allows("tls")
    assert not POSTGRESQL.allows("TLS", "") and not MYSQL.allows("tls ", "")
