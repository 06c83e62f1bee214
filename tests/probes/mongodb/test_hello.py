"""The verdict's hello: what it carries (a comment that ends a line, padded past Redis's inline
limit off MongoDB's ports), that the allow-list admits it and nothing more, and that a server
refusing the comment is asked the plain hello."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import bson
import pytest

from leakhound.errors import PolicyError
from leakhound.models import Endpoint, Service
from leakhound.net import Limits, Scope, Transport, add_audit_hook, remove_audit_hook
from leakhound.net.policy import Gate, Request
from leakhound.probes.mongodb import ALLOW, MongodbProbe
from leakhound.probes.mongodb.probe import HELLO_COMMENT, INLINE_LIMIT, hello
from leakhound.probes.mongodb.wire import encode

PADDED = pytest.mark.parametrize("padded", [False, True], ids=["own-port", "other-port"])


@PADDED
def test_the_hello_carries_only_a_comment_that_ends_a_line(padded: bool) -> None:
    command = hello(padded)
    assert list(command) == ["hello", "comment"] and command["hello"] == 1
    assert command["comment"].startswith(HELLO_COMMENT) and HELLO_COMMENT.endswith("\r\n")
    assert command["comment"].strip(" ") == HELLO_COMMENT  # padding is spaces, nothing else


@PADDED
def test_the_hellos_bytes_end_a_line_for_memchr_and_not_before_the_lengths_nul(
    padded: bool,
) -> None:
    raw = encode({**hello(padded), "$db": "admin"})
    # A line server reading up to a line's end finds one (memchr: HTTP servers, memcached)…
    assert b"\r\n" in raw
    # …and none before the NUL in the length's second byte: Redis (strchr) never reads a
    # command line of it, and the word before that NUL is one byte, no command's name.
    assert raw[1] == 0 and b"\n" not in raw[:1]
    # Past Redis's inline limit off MongoDB's own ports (it answers "too big inline
    # request"), a few dozen bytes on them.
    assert len(raw) > INLINE_LIMIT if padded else len(raw) < 128
    assert struct.unpack_from("<i", raw)[0] == len(raw)
    assert bson.decode(raw[21:]) == {**hello(padded), "$db": "admin"}


@PADDED
def test_the_allow_list_admits_the_hello_by_its_name_alone(padded: bool) -> None:
    name = next(iter(hello(padded)))
    assert name == "hello" and ALLOW.allows(name)
    gate = Gate(Limits(), Scope({("127.0.0.1", 27017)}))
    gate.admit("127.0.0.1", 27017, name, "", ALLOW, "mongodb://127.0.0.1:27017")


@pytest.mark.parametrize(
    "name",
    ["comment", "ismaster", "Hello", "HELLO", "hello ", "", "$cmd", "shutdown", "eval"],
)
def test_nothing_but_the_listed_commands_is_admitted(name: str) -> None:
    assert not ALLOW.allows(name)
    gate = Gate(Limits(), Scope({("127.0.0.1", 27017)}))
    with pytest.raises(PolicyError, match="allow-list"):
        gate.admit("127.0.0.1", 27017, name, "", ALLOW, "mongodb://127.0.0.1:27017")


def _op_msg(doc: dict[str, Any]) -> bytes:
    body = struct.pack("<IB", 0, 0) + bson.encode(doc)
    return struct.pack("<iiii", 16 + len(body), 1, 1, 2013) + body


HELLO = {"isWritablePrimary": True, "maxWireVersion": 21, "ok": 1.0}
UNKNOWN_FIELD = {"ok": 0.0, "code": 40415, "codeName": "Location40415", "errmsg": "unknown field"}
NO_SUCH_COMMAND = {"ok": 0.0, "code": 59, "codeName": "CommandNotFound", "errmsg": "no such cmd"}


def _verdict(refuse: str) -> tuple[Service, list[dict[str, Any]]]:
    """The verdict of a server that refuses a hello with a comment (``refuse``: "comment"),
    every hello ("hello"), knows no hello ("unknown": a MongoDB before 3.6.21, 4.0.21,
    4.2.10, 4.4.2), or refuses none (""), and the commands it was sent."""
    got: list[dict[str, Any]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                (length,) = struct.unpack("<i", await reader.readexactly(4))
                cmd = bson.decode((await reader.readexactly(length - 4))[17:])
                got.append(cmd)
                name = next(iter(cmd))
                refused = name == "hello" and (refuse == "hello" or refuse in cmd)
                reply = {
                    "hello": NO_SUCH_COMMAND
                    if refuse == "unknown"
                    else UNKNOWN_FIELD
                    if refused
                    else HELLO,
                    "isMaster": {"ismaster": True, "maxWireVersion": 6, "ok": 1.0},
                    "buildInfo": {"version": "4.2.0", "ok": 1.0},
                    "listDatabases": {"databases": [], "ok": 1.0},
                }[name]
                writer.write(_op_msg(reply))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def go() -> Service:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        transport = Transport(Limits(read_timeout=2, total_timeout=4), Scope({("127.0.0.1", port)}))
        try:
            return await MongodbProbe().verdict(transport, Endpoint("127.0.0.1", port))
        finally:
            server.close()
            await transport.aclose()

    sent: list[Request] = []
    add_audit_hook(sent.append)
    try:
        service = asyncio.run(go())
    finally:
        remove_audit_hook(sent.append)
    assert all(ALLOW.allows(r.method) for r in sent)
    return service, got


def test_a_server_that_takes_the_comment_is_asked_one_hello() -> None:
    service, got = _verdict("")
    assert service.verdict.value == "open"
    assert [next(iter(c)) for c in got] == ["hello", "buildInfo", "listDatabases"]
    assert got[0]["comment"].startswith(HELLO_COMMENT)


def test_a_server_that_refuses_the_comment_is_asked_the_plain_hello() -> None:
    service, got = _verdict("comment")
    assert service.verdict.value == "open", service.reason
    assert [(next(iter(c)), "comment" in c) for c in got[:2]] == [
        ("hello", True),
        ("hello", False),
    ]


def test_a_server_that_refuses_every_hello_is_not_mongodb() -> None:
    service, got = _verdict("hello")
    assert service.verdict.value == "not-mongodb"
    assert service.reason.startswith("hello refused:")
    assert len(got) == 2


def test_a_mongodb_that_knows_no_hello_is_asked_its_legacy_name() -> None:
    service, got = _verdict("unknown")
    assert service.verdict.value == "open", service.reason
    assert [next(iter(c)) for c in got] == ["hello", "isMaster", "buildInfo", "listDatabases"]
    assert service.fingerprint.details["max_wire_version"] == 6
