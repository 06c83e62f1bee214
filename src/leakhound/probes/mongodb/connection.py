"""One connection to a MongoDB server: commands out through the allow-list, and the owner's
login (SCRAM-SHA-256, ``probes/scram.py``) when their credentials were given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import bson

from ...errors import ProtocolError
from ...models import Endpoint
from ...net import FrameReader, TcpStream, Transport
from ..scram import MECHANISM, Scram
from ..shown import masked_name
from ..tls import tls_context, tls_from_start
from .allow import ALLOW
from .wire import encode, read_message

AUTH_DATABASE = "admin"
DENIED_CODES = frozenset({13, 18})  # Unauthorized, AuthenticationFailed
# A member of a replica set that is not its primary refuses the commands that read data
# unless the client says it may read from a secondary: NotPrimaryNoSecondaryOk (13435, "not
# primary and secondaryOk=false"). Over OP_MSG, which has no secondaryOk bit, that is said by
# a ``$readPreference`` other than primary; a client connected to one server (not through
# the set) sends primaryPreferred (the drivers' Server Selection specification, "Topology
# type: Single": ``{"mode": "primaryPreferred"}`` on OP_MSG, to a member; never to a
# standalone server, FerretDB's among them). These are the commands MongoDB lets a secondary
# answer only so (``AllowedOnSecondary::kOptIn``: listDatabases, count, find…); hello,
# buildInfo and replSetGetConfig always answer, and getMore and killCursors follow the
# cursor their find opened (the drivers send no read preference with them).
SECONDARY_READS = frozenset(
    {"listDatabases", "listCollections", "listIndexes", "collStats", "count", "find"}
)
READ_PREFERENCE = {"mode": "primaryPreferred"}


class CommandFailed(ProtocolError):
    """The server answered ``ok: 0``: code and message kept for the verdict."""

    def __init__(self, command: str, reply: dict[str, Any]) -> None:
        code = reply.get("code")
        self.command = command
        self.code = code if isinstance(code, int) and not isinstance(code, bool) else None
        self.name = str(reply.get("codeName") or "")[:100]
        message = " ".join(str(reply.get("errmsg") or "")[:300].split())  # one line
        # Its personal data masked: a message names the database and collection ("not
        # authorized on jane.doe@gmail.com to execute command { find: …"), masked elsewhere.
        self.message = masked_name(message) or message
        super().__init__(f"{command}: {self.name or self.code}: {self.message}"[:300])

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its fields: a worker process hands it back to the scan.
        reply = {"code": self.code, "codeName": self.name, "errmsg": self.message}
        return (type(self), (self.command, reply))

    @property
    def refused(self) -> bool:
        """Whether the server asked for credentials (Unauthorized, AuthenticationFailed), as
        the verdict reads it: by its code, or by the words of a server that gave none."""
        return self.denied or "requires authentication" in self.message.lower()

    @property
    def denied(self) -> bool:
        """Whether its code refuses for want of credentials: 13 (Unauthorized), 18
        (AuthenticationFailed). Never its words: a server writes what it likes there."""
        return self.code in DENIED_CODES


@dataclass
class Connection:
    """A connection; ``run`` sends one command to a database and returns its reply."""

    stream: TcpStream
    reply_bytes: int = 0  # the size of the last reply read
    # A member of a replica set (hello's ``setName``): its reads carry ``READ_PREFERENCE``,
    # so that a secondary answers them as the primary does.
    member: bool = False

    async def _reply(self, frames: FrameReader) -> dict[str, Any]:
        budget = frames.budget
        reply = await read_message(frames)
        self.reply_bytes = budget - frames.budget
        return reply

    async def run(
        self, db: str, command: dict[str, Any], *, wait: float | None = None
    ) -> dict[str, Any]:
        """The command's reply; CommandFailed when it says ``ok: 0``. ``wait``: seconds the
        server may take to start its reply, when longer than the read deadline."""
        name = next(iter(command))
        if self.member and name in SECONDARY_READS:
            command = {**command, "$readPreference": READ_PREFERENCE}
        payload = encode({**command, "$db": db})
        reply = await self.stream.exchange(name, payload, self._reply, wait=wait)
        assert reply is not None
        if reply.get("ok") not in (1, 1.0, True):
            raise CommandFailed(name, reply)
        return reply

    async def close(self) -> None:
        """Close the connection."""
        await self.stream.close()


async def connect(
    transport: Transport, endpoint: Endpoint, *, member: bool = False, tls: bool | None = None
) -> Connection:
    """A connection, logged in as the owner when their credentials were given; ``member``: to
    a member of a replica set (``Connection.member``). Over TLS from its first byte with
    ``tls``, by default where the endpoint took no connection in clear
    (``Transport.tls_first``: a server of ``net.tls.mode: requireTLS``)."""
    if tls is None:
        tls = tls_from_start(transport, endpoint)
    context = tls_context(transport, endpoint) if tls else None
    stream = await transport.tcp(endpoint.host, endpoint.port, ALLOW, scheme="mongodb", tls=context)
    conn = Connection(stream, member=member)
    try:
        login = transport.login(endpoint.host, encrypted=stream.verified)
        if login is not None:
            await _scram_sha_256(conn, *login)
    except BaseException:
        await conn.close()
        raise
    return conn


async def _scram_sha_256(conn: Connection, user: str, password: str) -> None:
    """The owner's SCRAM-SHA-256 login through saslStart/saslContinue."""
    scram = Scram(user, password)
    start = await conn.run(
        AUTH_DATABASE,
        {
            "saslStart": 1,
            "mechanism": MECHANISM,
            "payload": bson.Binary(scram.first()),
            "autoAuthorize": 1,
            "options": {"skipEmptyExchange": True},
        },
    )
    reply = await conn.run(
        AUTH_DATABASE,
        {
            "saslContinue": 1,
            "conversationId": start.get("conversationId"),
            "payload": bson.Binary(scram.final(bytes(start.get("payload") or b""))),
        },
    )
    scram.verify(bytes(reply.get("payload") or b""))
    while not reply.get("done"):
        reply = await conn.run(
            AUTH_DATABASE,
            {
                "saslContinue": 1,
                "conversationId": start.get("conversationId"),
                "payload": bson.Binary(b""),
            },
        )
