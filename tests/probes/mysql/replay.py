"""Recorded MySQL bytes, and a server that plays a script of them back (or hostile bytes no
real server sends) on loopback, recording every packet the client wrote."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).parent / "data"


def recorded(name: str) -> bytes:
    """Bytes a real server sent (data/NAME.hex beside this file, see the README there)."""
    return bytes.fromhex((DATA / f"{name}.hex").read_text().strip())


def packet(payload: bytes, seq: int) -> bytes:
    """One packet as a server writes it."""
    return len(payload).to_bytes(3, "little") + bytes([seq]) + payload


def err(code: int, message: str, seq: int, state: str | None = "28000") -> bytes:
    """An ERR packet (without SQL state when the server refuses before the handshake)."""
    body = b"\xff" + code.to_bytes(2, "little")
    if state is not None:
        body += b"#" + state.encode()
    return packet(body + message.encode(), seq)


def result_set(names: Sequence[str], rows: Sequence[Sequence[str | None]], seq: int = 1) -> bytes:
    """A text result set of VARCHAR columns, as MySQL 5.x and MariaDB write one."""
    out = [packet(bytes([len(names)]), seq)]
    for name in names:
        raw = name.encode()
        seq += 1
        out.append(
            packet(
                b"\x03def\x00\x00\x00"
                + bytes([len(raw)])
                + raw
                + bytes([len(raw)])
                + raw
                + b"\x0c\x21\x00\x10\x00\x00\x00\xfd\x00\x00\x00\x00\x00",
                seq,
            )
        )
    seq += 1
    out.append(packet(b"\xfe\x00\x00\x02\x00", seq))
    for row in rows:
        seq += 1
        out.append(
            packet(
                b"".join(
                    b"\xfb" if v is None else bytes([len(v.encode())]) + v.encode() for v in row
                ),
                seq,
            )
        )
    out.append(packet(b"\xfe\x00\x00\x02\x00", seq + 1))
    return b"".join(out)


def ok(seq: int) -> bytes:
    """An OK packet."""
    return packet(b"\x00\x00\x00\x02\x00\x00\x00", seq)


def _mysql_8_greeting(capabilities: bytes) -> bytes:
    return packet(
        b"\x0a8.0.20\x00\x0b\x00\x00\x00\x05?r66p\x029\x00"
        + capabilities
        + b"\xff\x02\x00\xff\xc7\x15"
        + bytes(10)
        + b"\x1e\\<PRz\\\x03pNcr\x00caching_sha2_password\x00",
        0,
    )


# MySQL 8.0.20's greeting as a public capture printed it: caching_sha2_password, 20-byte nonce,
# TLS offered (CLIENT_SSL among its capabilities); and the same without that offer, for the
# logins in clear.
MYSQL_8_GREETING_TLS = _mysql_8_greeting(b"\xff\xff")
MYSQL_8_GREETING = _mysql_8_greeting(b"\xff\xf7")


@dataclass
class Played:
    """What the client wrote, packet by packet (payloads), and the port to reach the server."""

    port: int
    received: list[bytes] = field(default_factory=list)


async def _packet(reader: asyncio.StreamReader) -> bytes:
    header = await reader.readexactly(4)
    return await reader.readexactly(int.from_bytes(header[:3], "little"))


@asynccontextmanager
async def replay(
    first: bytes, replies: Sequence[bytes | None] = (), hold: float = 0.0
) -> AsyncIterator[Played]:
    """A server that sends ``first`` on connect, then one reply per packet the client writes
    (None: close the connection); ``hold`` seconds of silence before closing at the end."""
    played = Played(0)

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(first)
            await writer.drain()
            for reply in replies:
                played.received.append(await _packet(reader))
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
            await asyncio.sleep(hold)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    played.port = server.sockets[0].getsockname()[1]
    async with server:
        yield played


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
