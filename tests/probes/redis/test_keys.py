"""Key patterns as containers, values as documents, and the command allow-list."""

from __future__ import annotations

import pytest

from leakhound.probes.redis import ALLOW
from leakhound.probes.redis.keys import (
    MAX_VALUE_BYTES,
    VALUE_FIELD,
    document,
    glob_of,
    pattern_of,
    reads,
)


@pytest.mark.parametrize(
    ("key", "pattern"),
    [
        pytest.param("case:1042", "case:*", id="numeric-id"),
        pytest.param("customer:jane.doe@example.org", "customer:*", id="email-in-the-key"),
        pytest.param("customer:jane.doe@example.org:cases", "customer:*:cases", id="nested"),
        pytest.param("cases:by_created", "cases:by_created", id="literal"),
        pytest.param("READ_ME", "READ_ME", id="ransom-note"),
        pytest.param("session:3f2a9c1b7e6d4a5f8c0b", "session:*", id="hex-token"),
        pytest.param("cache:user:42:profile", "cache:user:*:profile", id="deep"),
    ],
)
def test_keys_group_by_their_pattern(key: str, pattern: str) -> None:
    assert pattern_of(key) == pattern


def test_a_glob_escapes_what_scan_would_read_as_wildcards() -> None:
    assert glob_of("a[b]?:*") == r"a\[b\]\?:*"


def test_values_become_documents_with_their_key() -> None:
    key = b"customer:jane@example.org"
    assert document(key, "string", b'{"name": "Jane"}') == {
        "name": "Jane",
        "_key": "customer:jane@example.org",
    }
    assert document(key, "string", b"plain text") == {
        "_key": "customer:jane@example.org",
        "_value": "plain text",
    }
    assert document(b"case:1", "hash", [b"0", [b"customer.email", b"j@x.org"]]) == {
        "_key": "case:1",
        "customer.email": "j@x.org",
    }
    assert document(b"s", "set", [b"0", [b"1", b"2"]]) == {"_key": "s", "members": ["1", "2"]}
    assert document(b"z", "zset", [b"a", b"1.5"]) == {"_key": "z", "members": {"a": "1.5"}}
    assert document(b"l", "list", [b"x"]) == {"_key": "l", "items": ["x"]}
    assert document(b"x", "stream", [[b"1-0", [b"email", b"j@x.org"]]]) == {
        "_key": "x",
        "entries": [{"email": "j@x.org"}],
    }
    # a hostile reply shape costs the value, never the scan
    assert document(b"h", "hash", [b"only-a-cursor"]) == {"_key": "h"}


def test_a_string_longer_than_the_range_asked_is_cut_to_it() -> None:
    doc = document(b"k", "string", b"x" * (MAX_VALUE_BYTES + 1000))
    assert doc[VALUE_FIELD] == "x" * MAX_VALUE_BYTES
    # JSON past the range is text, not millions of values built
    bomb = b'{"a": [' + b"{}," * 1_000_000 + b"{}]}"
    assert document(b"k", "string", bomb)[VALUE_FIELD] == bomb[:MAX_VALUE_BYTES].decode()


def test_every_read_is_bounded() -> None:
    assert reads(b"k", "string") == ("GETRANGE", [b"k", 0, 65535])
    for kind in ("hash", "list", "set", "zset", "stream"):
        _command, args = reads(b"k", kind) or ("", [])
        assert {199, 200} & set(args), kind  # MAX_ITEMS elements at most (LRANGE: up to 199)
    assert reads(b"k", "ReJSON-RL") is None  # a module's type: listed, not read


@pytest.mark.parametrize(
    "command",
    [
        "CONFIG",
        "KEYS",
        "FLUSHALL",
        "EVAL",
        "MONITOR",
        "DEBUG",
        "SAVE",
        "REPLICAOF",
        "SLAVEOF",
        "MODULE",
        "SET",
        "DEL",
    ],
)
def test_no_write_or_dangerous_command_is_allowed(command: str) -> None:
    assert not ALLOW.allows(command, "")
    assert command in ALLOW.never


def test_every_command_the_probe_sends_is_allowed() -> None:
    for command in (
        "INFO",
        "SCAN",
        "TYPE",
        "SELECT",
        "GETRANGE",
        "HSCAN",
        "LRANGE",
        "SSCAN",
        "ZRANGE",
        "XRANGE",
    ):
        assert ALLOW.allows(command, "")
