"""probes/foreign.py: another protocol named from a server's first bytes (hits and non-hits),
and the race between a probe's own answer and the question of who is there."""

from __future__ import annotations

import asyncio
import struct

import pytest

from leakhound.errors import ConnectError, ProtocolError, TimeoutError_
from leakhound.probes import foreign
from leakhound.probes.foreign import Named

MARIADB = b"\x0a5.5.5-10.11.19-MariaDB-0+deb12u1\x00" + b"\x01" * 40


@pytest.mark.parametrize(
    ("first", "protocol", "shown"),
    [
        pytest.param(b"HTTP/1.1 400 Bad Request\r\n\r\n", "http", "HTTP/1.1 400", id="http"),
        pytest.param(b"HT", "http", "", id="first-bytes-of-a-status-line"),
        pytest.param(b"\x15\x03\x03\x00\x02\x02\x46", "tls", "an alert", id="tls-alert"),
        pytest.param(b"-ERR unknown command 'HEAD'\r\n", "redis", "-ERR unknown", id="redis"),
        pytest.param(b"-NOAUTH Authentication required.\r\n", "redis", "NOAUTH", id="noauth"),
        pytest.param(
            struct.pack("<I", len(MARIADB))[:3] + b"\x00" + MARIADB,
            "mysql",
            "'10.11.19-MariaDB-0+deb12u1'",
            id="mariadb-greeting",
        ),
        pytest.param(
            b"J\x00\x00\x00\x0a5.5.5-10.1", "mysql", "(greeting)", id="greeting-cut-short"
        ),
        pytest.param(
            b"\x17\x00\x00\x00\xff\x69\x04Host is blocked", "mysql", "Host", id="mysql-error"
        ),
        pytest.param(
            b"E\x00\x00\x00\x2aSFATAL\x00C0A000\x00Munsupported frontend protocol\x00\x00",
            "postgresql",
            "unsupported frontend protocol",
            id="postgresql-error",
        ),
        pytest.param(
            struct.pack("<iiii", 40, 1, 1, 2013) + b"\x00" * 24, "mongodb", "", id="op-msg"
        ),
        pytest.param(b"SSH-2.0-OpenSSH_9.2\r\n", "ssh", "OpenSSH", id="ssh"),
        pytest.param(b"220 mail.example ESMTP\r\n", "text", "220 mail", id="smtp"),
        pytest.param(b"", "closed", "closes the connection", id="closed"),
    ],
)
def test_a_protocol_is_named_from_its_first_bytes(first: bytes, protocol: str, shown: str) -> None:
    said = foreign.named(first)
    assert said is not None and said.protocol == protocol
    assert shown in said.said and "\n" not in said.said


@pytest.mark.parametrize(
    "first",
    [
        pytest.param(bytes(range(0x80, 0xC0)), id="binary"),
        pytest.param(b"\x00\x01\x02\x03\x04\x05", id="nul-bytes"),
        pytest.param(b"E\x7f\xff\xff\xffSFATAL", id="pg-error-of-absurd-length"),
        pytest.param(b"J\x00\x00\x01\x0a5.5", id="mysql-packet-of-sequence-1"),
    ],
)
def test_bytes_of_no_known_protocol_are_not_named(first: bytes) -> None:
    assert foreign.named(first) is None


def test_what_a_server_says_is_shown_printable_and_short() -> None:
    said = foreign.named(b"-ERR \x1b[31m" + b"x" * 500 + b"\r\n")
    assert said is not None and "\x1b" not in said.said and len(said.said) < 120


REDIS = Named("redis", "a Redis server")
CLOSED = Named(foreign.CLOSED, "it closes the connection without a byte")


async def _after(seconds: float, value: object = None, error: Exception | None = None) -> object:
    await asyncio.sleep(seconds)
    if error is not None:
        raise error
    return value


def _race(reply: object, said: Named | None, ask_takes: float, **kw: object) -> object:
    asked: list[float] = []

    async def ask() -> Named | None:
        asked.append(asyncio.get_running_loop().time())
        await asyncio.sleep(ask_takes)
        return said

    async def run() -> object:
        return await foreign.racing(reply, ask, **kw)  # type: ignore[arg-type]

    got = asyncio.run(run())
    return got, bool(asked)


def test_a_reply_in_time_is_never_asked_about() -> None:
    assert _race(_after(0.01, "greeting"), REDIS, 0, after=0.5) == ("greeting", False)


def test_an_error_in_time_is_raised_as_it_is() -> None:
    with pytest.raises(ProtocolError, match="not MySQL"):
        _race(_after(0.01, error=ProtocolError("not MySQL")), REDIS, 0, after=0.5)


def test_a_late_reply_loses_to_a_server_named() -> None:
    assert _race(_after(5, "greeting"), REDIS, 0.01, after=0.05) == (REDIS, True)


def test_a_late_reply_is_awaited_when_the_name_is_not_decisive() -> None:
    got = _race(
        _after(0.2, "answer"),
        CLOSED,
        0.01,
        decisive=lambda said: said.protocol != foreign.CLOSED,
    )
    assert got == ("answer", True)


def test_a_reply_that_fails_gives_way_to_any_name_with_its_failure() -> None:
    for error, ask_takes in (
        (TimeoutError_("connect timed out after 3s"), 0.01),  # named before the timeout
        (ConnectError("connection reset by peer"), 0.2),
    ):
        got, _ = _race(_after(0.05, error=error), CLOSED, ask_takes, decisive=lambda said: False)
        assert got == CLOSED._replace(failure=str(error))


def test_a_reply_that_times_out_is_not_held_for_a_question_still_unanswered() -> None:
    """A silent port: the kind's own request timed out while the question, asked later,
    still waited for its own deadline; the verdict waited for both (a second more for each
    HTTP kind on a silent port)."""

    async def run() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()

        async def ask() -> Named | None:
            await asyncio.sleep(5)
            return CLOSED

        with pytest.raises(TimeoutError_):
            await foreign.racing(
                _after(0.2, error=TimeoutError_("read timed out")), ask, after=0.05
            )
        return loop.time() - start

    assert asyncio.run(run()) < 2


def test_a_reply_that_fails_keeps_its_error_when_nothing_is_named() -> None:
    with pytest.raises(TimeoutError_):
        _race(_after(0.05, error=TimeoutError_("read timed out")), None, 0.01, after=0.01)
