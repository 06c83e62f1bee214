"""A read refused for want of credentials is marked so from each kind's own protocol code
(``NetError.denied``, ``SampleDocs.denied``), never from its words.

Per kind, a sample against a small server on loopback: the kind's refusal (a recorded one where
``tests/data`` holds it) marks the read; another error (a server error whose words say "403
Forbidden", a timeout, a reset) does not. The full readers raise the mark the same way, and the
kinds' errors keep it when a worker process hands them back (pickled).
"""

from __future__ import annotations

import asyncio
import pickle
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import Any

import bson
import pytest

from hostile.recorded import Answer, RecordedServer, as_json, recorded
from leakhound.errors import (
    ConnectError,
    DeniedError,
    NetError,
    ProtocolError,
    TimeoutError_,
)
from leakhound.models import Container, Endpoint, Service, Verdict
from leakhound.net import Limits, Response, Scope, Transport
from leakhound.probes.azblob.probe import AzblobApi
from leakhound.probes.base import FileBounds, Probe, SampleDocs
from leakhound.probes.couchdb.probe import CouchdbProbe
from leakhound.probes.couchdb.read import CouchdbReader
from leakhound.probes.elasticsearch.probe import ElasticsearchProbe
from leakhound.probes.elasticsearch.read import _body as es_body
from leakhound.probes.mongodb.connection import CommandFailed
from leakhound.probes.mongodb.probe import MongodbProbe
from leakhound.probes.mysql import wire as mysql_wire
from leakhound.probes.mysql.probe import MysqlProbe
from leakhound.probes.objects.api import Chunk, Refused
from leakhound.probes.objects.read import sample_objects
from leakhound.probes.postgresql.probe import PostgresqlProbe
from leakhound.probes.postgresql.wire import ServerError as PgServerError
from leakhound.probes.redis.probe import RedisProbe
from leakhound.probes.redis.resp import RedisError
from leakhound.probes.s3.probe import S3Api

from .mysql.replay import err, replay
from .mysql.replay import recorded as mysql_recorded
from .objects.recorded import answer
from .objects.test_read import SERVICE, Shelf, csv_object

HOSTILE_WORDS = "403 Forbidden: access denied, unauthorized, requires authentication, NOAUTH"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


# -- the errors of each kind, by their codes ---------------------------------------------------


@pytest.mark.parametrize(
    "exc",
    [
        pytest.param(DeniedError("_search: HTTP 401"), id="http-401"),
        pytest.param(
            CommandFailed("find", {"code": 13, "codeName": "Unauthorized", "errmsg": "no"}),
            id="mongodb-unauthorized",
        ),
        pytest.param(
            CommandFailed("saslStart", {"code": 18, "errmsg": "Authentication failed."}),
            id="mongodb-authentication-failed",
        ),
        pytest.param(
            RedisError("NOAUTH Authentication required.").raised("SCAN"), id="redis-noauth"
        ),
        pytest.param(
            RedisError("NOPERM User x has no permissions to run the 'scan' command").raised("SCAN"),
            id="redis-noperm",
        ),
        pytest.param(PgServerError({"C": "42501", "M": "permission denied"}), id="pg-42501"),
        pytest.param(PgServerError({"C": "28P01", "M": "password failed"}), id="pg-28p01"),
        pytest.param(PgServerError({"C": "28000", "M": "no pg_hba.conf entry"}), id="pg-28000"),
        pytest.param(mysql_wire.ServerError(1142, "42000", "SELECT denied"), id="mysql-1142"),
        pytest.param(mysql_wire.ServerError(1044, "42000", "denied to db"), id="mysql-1044"),
        pytest.param(mysql_wire.ServerError(1045, "28000", "Access denied"), id="mysql-1045"),
        pytest.param(Refused(403, "AccessDenied", "Access Denied."), id="s3-403"),
        pytest.param(
            Refused(404, "ResourceNotFound", "", True), id="azure-resourcenotfound-refusal"
        ),
    ],
)
def test_a_refusal_by_its_protocols_code_is_denied_and_stays_so_across_processes(
    exc: NetError,
) -> None:
    assert exc.denied
    again = pickle.loads(pickle.dumps(exc))  # a worker's error, handed back
    assert type(again) is type(exc) and again.denied and str(again) == str(exc)


@pytest.mark.parametrize(
    "exc",
    [
        pytest.param(ProtocolError(f"_search: HTTP 500: {HOSTILE_WORDS}"), id="http-500-words"),
        pytest.param(TimeoutError_("read timed out"), id="timeout"),
        pytest.param(ConnectError("connection reset by peer"), id="reset"),
        pytest.param(
            CommandFailed("find", {"code": 2, "codeName": "BadValue", "errmsg": HOSTILE_WORDS}),
            id="mongodb-other-code-hostile-words",
        ),
        pytest.param(CommandFailed("find", {"errmsg": HOSTILE_WORDS}), id="mongodb-no-code"),
        pytest.param(RedisError(f"ERR {HOSTILE_WORDS}").raised("SCAN"), id="redis-err-words"),
        pytest.param(PgServerError({"C": "XX000", "M": HOSTILE_WORDS}), id="pg-internal-words"),
        pytest.param(mysql_wire.ServerError(1105, "HY000", HOSTILE_WORDS), id="mysql-1105-words"),
        pytest.param(Refused(500, "InternalError", HOSTILE_WORDS), id="s3-500-words"),
        pytest.param(Refused(503, "AccessDenied"), id="s3-503-not-the-kinds-refusal"),
    ],
)
def test_another_error_is_not_denied_whatever_it_says(exc: NetError) -> None:
    assert not exc.denied
    assert not pickle.loads(pickle.dumps(exc)).denied


def test_the_verdicts_reading_of_mongodb_words_is_not_the_mark() -> None:
    # The verdict still reads an old server's "requires authentication" without a code as
    # secured; the mark of a read asks for the code.
    hostile = CommandFailed("find", {"code": 2, "errmsg": "command find requires authentication"})
    assert hostile.refused and not hostile.denied


@pytest.mark.parametrize(
    ("api", "name", "denied"),
    [
        pytest.param(S3Api(), "s3/list-v2-403-minio.json", True, id="minio-list-403"),
        pytest.param(S3Api(), "s3/get-403-minio.json", True, id="minio-get-403"),
        pytest.param(S3Api(), "s3/get-nosuchkey-minio.json", False, id="minio-nosuchkey"),
        pytest.param(S3Api(), "s3/nosuchbucket-aws-docs.json", False, id="aws-nosuchbucket"),
        pytest.param(AzblobApi(), "azblob/list-blobs-403-azurite.json", True, id="azurite-403"),
        pytest.param(
            AzblobApi(), "azblob/resourcenotfound-azure-docs.json", True, id="azure-hidden-404"
        ),
        pytest.param(
            AzblobApi(), "azblob/get-blobnotfound-azurite.json", False, id="azurite-blobnotfound"
        ),
    ],
)
def test_recorded_object_store_answers_are_denied_by_status_or_code(
    api: Any, name: str, denied: bool
) -> None:
    assert api.refusal(answer(name)).denied is denied


def test_an_object_store_error_whose_message_says_forbidden_is_not_denied() -> None:
    body = (
        b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>InternalError</Code>"
        b"<Message>403 Forbidden: AccessDenied</Message></Error>"
    )
    got = S3Api().refusal(Response(500, {}, body, "http://127.0.0.1:9000/b"))
    assert got.code == "InternalError" and not got.denied


# -- samples, end to end on loopback -------------------------------------------------------------


def _service(kind: str, scheme: str, port: int) -> Service:
    endpoint = Endpoint("127.0.0.1", port)
    return Service(endpoint, endpoint.url(scheme), kind, Verdict.PARTIAL, "")


def _sample(probe: Probe, port: int, container: Container, scheme: str = "http") -> SampleDocs:
    async def go() -> SampleDocs:
        scope = Scope()
        scope.add("127.0.0.1", port)
        limits = Limits(connect_timeout=2, read_timeout=1, total_timeout=3)
        async with Transport(limits, scope) as transport:
            return await probe.sample(transport, _service(probe.kind, scheme, port), container, 5)

    return asyncio.run(go())


def _served_sample(handler: Handler, probe: Probe, container: Container, scheme: str) -> SampleDocs:
    async def go() -> SampleDocs:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            scope = Scope()
            scope.add("127.0.0.1", port)
            limits = Limits(connect_timeout=2, read_timeout=1, total_timeout=3)
            async with Transport(limits, scope) as transport:
                return await probe.sample(
                    transport, _service(probe.kind, scheme, port), container, 5
                )
        finally:
            server.close()

    return asyncio.run(go())


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Reads, never answers: the client's read times out."""
    try:
        await reader.read(-1)
    finally:
        writer.close()


async def _reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A TCP reset on the first bytes received."""
    await reader.read(1)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


ES_401 = as_json(
    401,
    {
        "error": {
            "type": "security_exception",
            "reason": "action [indices:data/read/search] requires authentication",
        },
        "status": 401,
    },
    **{"www-authenticate": 'Basic realm="security" charset="UTF-8"'},
)
HOSTILE_500 = as_json(500, {"error": {"type": "exception", "reason": HOSTILE_WORDS}})
HOSTILE_HTML_502 = Answer(502, f"<html><h1>{HOSTILE_WORDS}</h1></html>".encode())


@pytest.mark.parametrize(
    ("probe", "container", "reply", "denied"),
    [
        pytest.param(ElasticsearchProbe(), Container("cases", 10, None), ES_401, True, id="es-401"),
        pytest.param(
            ElasticsearchProbe(),
            Container("cases", 10, None),
            as_json(403, {"error": "forbidden"}),
            True,
            id="es-403",
        ),
        pytest.param(
            ElasticsearchProbe(), Container("cases", 10, None), HOSTILE_500, False, id="es-500"
        ),
        # An index blocked for reads answers everyone so: no credentials would read it.
        pytest.param(
            ElasticsearchProbe(),
            Container("cases", 10, None),
            recorded("elasticsearch/search-403-read-block-opensearch-2.19.1.json"),
            False,
            id="es-403-read-block",
        ),
        pytest.param(
            ElasticsearchProbe(),
            Container("cases", 10, None),
            HOSTILE_HTML_502,
            False,
            id="es-proxy-502",
        ),
        pytest.param(
            CouchdbProbe(),
            Container("crm", 10, None),
            recorded("couchdb/db-401-couchdb-3.json"),
            True,
            id="couchdb-3-401",
        ),
        pytest.param(
            CouchdbProbe(), Container("crm", 10, None), HOSTILE_500, False, id="couchdb-500"
        ),
    ],
)
def test_an_http_kinds_sample_is_denied_by_its_status_alone(
    probe: Probe, container: Container, reply: Answer, denied: bool
) -> None:
    with RecordedServer(lambda seen: reply) as server:
        got = _sample(probe, server.port, container)
    assert not got.docs and got.error
    assert got.denied is denied, got.error


def test_a_couchdb_database_the_inventory_found_refused_is_denied_unasked() -> None:
    refused = Container("crm", 10, None, details={"readable": False})
    got = asyncio.run(CouchdbProbe().sample(None, None, refused, 5))  # type: ignore[arg-type]
    assert got.error == "the database asks for credentials" and got.denied


# Each kind, with a container its sample reads.
KINDS = [
    pytest.param(ElasticsearchProbe(), Container("cases", 10, None), "http", id="elasticsearch"),
    pytest.param(CouchdbProbe(), Container("crm", 10, None), "http", id="couchdb"),
    pytest.param(
        MongodbProbe(),
        Container(
            "shop.customers", 10, None, details={"database": "shop", "collection": "customers"}
        ),
        "mongodb",
        id="mongodb",
    ),
    pytest.param(
        RedisProbe(),
        Container("user:*", 10, None, details={"database": 0, "pattern": "user:*"}),
        "redis",
        id="redis",
    ),
    pytest.param(
        PostgresqlProbe(), Container("shop.public.customers", 10, None), "postgresql", id="pg"
    ),
    pytest.param(MysqlProbe(), Container("shop.customers", 10, None), "mysql", id="mysql"),
]


@pytest.mark.parametrize(("probe", "container", "scheme"), KINDS)
@pytest.mark.parametrize("handler", [_silent, _reset], ids=["timeout", "reset"])
def test_a_sample_that_timed_out_or_was_reset_is_not_denied(
    probe: Probe, container: Container, scheme: str, handler: Handler
) -> None:
    got = _served_sample(handler, probe, container, scheme)
    assert not got.docs and got.error and not got.denied, got.error


# -- the TCP kinds' refusals, as their servers answer them ---------------------------------------


def _op_msg(doc: dict[str, Any]) -> bytes:
    body = struct.pack("<IB", 0, 0) + bson.encode(doc)
    return struct.pack("<iiii", 16 + len(body), 1, 1, 2013) + body


def _mongodb(reply: dict[str, Any]) -> Handler:
    """Answers every command with ``reply``."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                header = await reader.readexactly(16)
                (length,) = struct.unpack_from("<i", header)
                await reader.readexactly(length - 16)
                writer.write(_op_msg(reply))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handle


@pytest.mark.parametrize(
    ("reply", "denied"),
    [
        pytest.param(
            {
                "ok": 0.0,
                "errmsg": "command find requires authentication",
                "code": 13,
                "codeName": "Unauthorized",
            },
            True,
            id="unauthorized",
        ),
        pytest.param(
            {"ok": 0.0, "errmsg": HOSTILE_WORDS, "code": 8000, "codeName": "AtlasError"},
            False,
            id="other-code-hostile-words",
        ),
    ],
)
def test_a_mongodb_sample_is_denied_by_the_code_of_its_refusal(
    reply: dict[str, Any], denied: bool
) -> None:
    got = _served_sample(_mongodb(reply), MongodbProbe(), KINDS[2].values[1], "mongodb")
    assert not got.docs and got.error and got.denied is denied, got.error


def _redis(scan_reply: bytes) -> Handler:
    """+OK to everything but SCAN, which gets ``scan_reply``."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (head := await reader.readline()).startswith(b"*"):
                args = []
                for _ in range(int(head[1:])):
                    size = int((await reader.readline())[1:])
                    args.append((await reader.readexactly(size + 2))[:-2])
                writer.write(scan_reply if args[0].upper() == b"SCAN" else b"+OK\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handle


@pytest.mark.parametrize(
    ("reply", "denied"),
    [
        pytest.param(
            b"-NOAUTH Authentication required.\r\n", True, id="noauth"
        ),  # Redis 6+, requirepass
        pytest.param(
            b"-NOPERM User default has no permissions to run the 'scan' command\r\n",
            True,
            id="noperm",
        ),
        pytest.param(f"-ERR {HOSTILE_WORDS}\r\n".encode(), False, id="err-hostile-words"),
    ],
)
def test_a_redis_sample_is_denied_by_the_code_of_its_error(reply: bytes, denied: bool) -> None:
    got = _served_sample(_redis(reply), RedisProbe(), KINDS[3].values[1], "redis")
    assert not got.docs and got.error and got.denied is denied, got.error


def _pg_msg(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack(">i", len(body) + 4) + body


def _pg_error(code: str, message: str) -> bytes:
    fields = b"SERROR\0" + b"C" + code.encode() + b"\0" + b"M" + message.encode() + b"\0\0"
    return _pg_msg(b"E", fields)


def _postgresql(code: str, message: str, *, asks: int | None = None) -> Handler:
    """Lets anyone in (trust), or asks for a password (``asks``: 3 cleartext, 5 MD5); answers
    the read-only SET, and every other query with an ErrorResponse of SQLSTATE ``code``."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        ready = _pg_msg(b"Z", b"I")
        try:
            (length,) = struct.unpack(">i", await reader.readexactly(4))
            await reader.readexactly(length - 4)
            if asks is not None:
                salt = b"salt" if asks == 5 else b""
                writer.write(_pg_msg(b"R", struct.pack(">i", asks) + salt))
                await writer.drain()
                await reader.read(-1)
                return
            writer.write(_pg_msg(b"R", struct.pack(">i", 0)) + ready)
            while True:
                kind = await reader.readexactly(1)
                (length,) = struct.unpack(">i", await reader.readexactly(4))
                query = await reader.readexactly(length - 4)
                if kind == b"Q" and query.startswith(b"SET "):
                    writer.write(_pg_msg(b"C", b"SET\0") + ready)
                else:
                    writer.write(_pg_error(code, message) + ready)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handle


@pytest.mark.parametrize(
    ("server", "denied"),
    [
        pytest.param(
            _postgresql("42501", "permission denied for table customers"),
            True,
            id="insufficient-privilege",
        ),
        pytest.param(_postgresql("", "", asks=5), True, id="asks-for-a-password"),
        pytest.param(_postgresql("XX000", HOSTILE_WORDS), False, id="internal-error-words"),
        pytest.param(_postgresql("57014", HOSTILE_WORDS), False, id="query-canceled-words"),
    ],
)
def test_a_postgresql_sample_is_denied_by_its_sqlstate_or_its_login(
    server: Handler, denied: bool
) -> None:
    got = _served_sample(server, PostgresqlProbe(), KINDS[4].values[1], "postgresql")
    assert not got.docs and got.error and got.denied is denied, got.error


GREETING = mysql_recorded("mariadb-10.11-greeting")
LOGIN_OK = mysql_recorded("mariadb-10.11-login-ok")
LOGIN_DENIED = mysql_recorded("mariadb-10.11-login-denied")
READ_ONLY = mysql_recorded("mariadb-10.11-set-read-only")
STARTED = READ_ONLY[:3] + b"\x01" + READ_ONLY[4:]  # the recorded OK again


@pytest.mark.parametrize(
    ("replies", "denied"),
    [
        pytest.param(
            [
                LOGIN_OK,
                READ_ONLY,
                STARTED,
                err(
                    1142,
                    "SELECT command denied to user ''@'localhost' for table `shop`.`customers`",
                    1,
                    "42000",
                ),
            ],
            True,
            id="table-access-denied",
        ),
        pytest.param([LOGIN_DENIED], True, id="login-access-denied"),
        pytest.param(
            [LOGIN_OK, READ_ONLY, STARTED, err(1105, HOSTILE_WORDS, 1, "HY000")],
            False,
            id="unknown-error-words",
        ),
        pytest.param(
            [LOGIN_OK, READ_ONLY, STARTED, err(1146, HOSTILE_WORDS, 1, "42S02")],
            False,
            id="no-such-table-words",
        ),
    ],
)
def test_a_mysql_sample_is_denied_by_its_error_code(replies: list[bytes], denied: bool) -> None:
    async def go() -> SampleDocs:
        async with replay(GREETING, replies) as played:
            scope = Scope({("127.0.0.1", played.port)})
            async with Transport(Limits(read_timeout=2, total_timeout=4), scope) as transport:
                return await MysqlProbe().sample(
                    transport,
                    _service("mysql", "mysql", played.port),
                    KINDS[5].values[1],
                    5,
                )

    got = asyncio.run(go())
    assert not got.docs and got.error and got.denied is denied, got.error


# -- the object stores' samples ------------------------------------------------------------------


class Guarded(Shelf):
    """Objects whose reads answer ``errors`` (by key) instead of their bytes."""

    def __init__(self, errors: dict[str, Refused]) -> None:
        super().__init__({k: csv_object(k, 5) for k in errors})
        self.errors = errors

    async def read(
        self, http: Any, base: str, host: str, bucket: str, key: str, *a: Any, **kw: Any
    ) -> Chunk:
        raise self.errors[key]


@pytest.mark.parametrize(
    ("errors", "denied"),
    [
        pytest.param(
            {"f/a.csv": Refused(403, "AccessDenied"), "f/b.csv": Refused(403, "AccessDenied")},
            True,
            id="every-object-refused",
        ),
        pytest.param(
            {
                "f/a.csv": Refused(403, "AccessDenied"),
                "f/b.csv": Refused(500, "InternalError", HOSTILE_WORDS),
            },
            False,
            id="one-refused-one-failed",
        ),
        pytest.param(
            {"f/a.csv": Refused(500, "InternalError", HOSTILE_WORDS)}, False, id="failed-words"
        ),
    ],
)
def test_an_object_stores_sample_is_denied_when_every_object_read_was(
    errors: dict[str, Refused], denied: bool
) -> None:
    folder = Container("b/f/", None, None, details={"bucket": "b", "prefix": "f/", "objects": 2})
    got = asyncio.run(
        sample_objects(Guarded(errors), None, SERVICE, folder, 5, FileBounds())  # type: ignore[arg-type]
    )
    assert not got.docs and got.error and got.denied is denied, got.error


def test_an_object_stores_listing_refused_is_denied() -> None:
    class Unlisted(Shelf):
        async def list_page(self, *a: Any, **kw: Any) -> Any:
            raise S3Api().refusal(answer("s3/list-v2-403-minio.json"))

    folder = Container("b/f/", None, None, details={"bucket": "b", "prefix": "f/", "objects": 2})
    got = asyncio.run(
        sample_objects(Unlisted({}), None, SERVICE, folder, 5, FileBounds())  # type: ignore[arg-type]
    )
    assert got.error is not None and got.error.startswith("cannot list: HTTP 403") and got.denied


# -- full reads: the readers raise the mark ------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "denied"),
    [
        pytest.param(401, ES_401.body, True, id="401"),
        # The status first: a refusal whose words look like a lost search context is a refusal.
        pytest.param(
            403, b'{"error": {"type": "search_context_missing_exception"}}', True, id="403"
        ),
        pytest.param(500, HOSTILE_500.body, False, id="500-hostile-words"),
        pytest.param(502, HOSTILE_HTML_502.body, False, id="proxy-502"),
        pytest.param(
            403,
            recorded("elasticsearch/search-403-read-block-opensearch-2.19.1.json").body,
            False,
            id="403-read-block",
        ),
    ],
)
def test_an_elasticsearch_page_refused_is_denied_by_its_status(
    status: int, body: bytes, denied: bool
) -> None:
    with pytest.raises(NetError) as got:
        es_body(Response(status, {}, body, "http://127.0.0.1:9200/cases/_search"), "_search")
    assert got.value.denied is denied and isinstance(got.value, DeniedError) is denied
    assert str(got.value).startswith(f"_search: HTTP {status}")


@pytest.mark.parametrize(
    ("reply", "denied"),
    [
        pytest.param(recorded("couchdb/db-401-couchdb-3.json"), True, id="couchdb-3-401"),
        pytest.param(HOSTILE_500, False, id="500-hostile-words"),
    ],
)
def test_a_couchdb_page_refused_is_denied_by_its_status(reply: Answer, denied: bool) -> None:
    async def go(url: str, port: int) -> None:
        scope = Scope()
        scope.add("127.0.0.1", port)
        async with Transport(Limits(read_timeout=2, total_timeout=4), scope) as transport:
            reader = CouchdbReader(transport.http, url)
            plan = await reader.open(Container("crm", 10, None), 1)
            await reader.partition(plan, 0, None, size=5).next_page()

    with RecordedServer(lambda seen: reply) as server, pytest.raises(NetError) as got:
        asyncio.run(go(server.url, server.port))
    assert got.value.denied is denied, got.value


def test_a_couchdb_database_the_inventory_found_refused_is_not_read_and_denied() -> None:
    refused = Container("crm", 10, None, details={"readable": False})
    with pytest.raises(DeniedError):
        asyncio.run(CouchdbReader(None, "http://127.0.0.1:5984").open(refused, 1))  # type: ignore[arg-type]
