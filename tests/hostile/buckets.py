"""Misbehaving object stores, for what neither MinIO nor Azurite does.

``FakeS3`` answers like an S3 store that refuses the bucket list (``GET /``: AccessDenied),
then does to one bucket whatever its ``behaviour`` says: a listing that never ends, one that
lies about its truncation, pages for ever, a redirect to another host, objects that are gzip
bombs or cut gzip streams, a store that ignores ranges, XML with a DTD… ``FakeAzure`` does the
same in Azure's words for two of them. Each is one handler on ``servers.ServerLoop``.
"""

from __future__ import annotations

import asyncio
import gzip
import zlib
from urllib.parse import parse_qs, quote_plus, unquote, urlsplit

from . import servers as S

NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied.</Message></Error>"
)
INTERNAL = (
    b"<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>"
)
S3_HEADERS = {"Server": "FakeS3", "x-amz-request-id": "0"}
CASES_CSV = (
    "id,email,phone\n"
    + "".join(f"{n},user{n}@example.org,+33 6 12 34 {n % 100:02d} 78\n" for n in range(200))
).encode()


def contents(keys: list[tuple[str, int]], encode: bool = False) -> str:
    """<Contents> of (key, size) pairs (keys URL-encoded when asked: XML cannot carry every
    character a key may hold)."""
    return "".join(
        f"<Contents><Key>{quote_plus(k, safe='/') if encode else k}</Key>"
        f"<LastModified>2019-05-01T10:00:00.000Z</LastModified><Size>{n}</Size>"
        f"</Contents>"
        for k, n in keys
    )


def listing(keys: list[tuple[str, int]], token: str | None = None) -> bytes:
    """A ListObjectsV2 page, its keys URL-encoded (``encoding-type=url``)."""
    more = (
        f"<IsTruncated>true</IsTruncated><NextContinuationToken>{token}</NextContinuationToken>"
        if token
        else "<IsTruncated>false</IsTruncated>"
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult {NS}><Name>b</Name>'
        f"<EncodingType>url</EncodingType>{more}{contents(keys, True)}"
        f"</ListBucketResult>"
    ).encode()


def gzip_bomb(plain: int) -> bytes:
    """``plain`` bytes of zeros, gzipped (about a thousandth of it)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    return b"".join(c.compress(block) for _ in range(plain >> 20)) + c.flush()


def cut_gzip() -> bytes:
    """A gzipped CSV cut in its middle: the rows before the cut are still there to read."""
    whole = gzip.compress(CASES_CSV * 20)
    return whole[: len(whole) // 2]


BIG = 64 * 2**20  # what the range-ignoring store answers whole


class FakeS3:
    """One misbehaving S3 store; ``behaviour`` names what it does wrong."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.objects: dict[str, bytes] = {"cases/a.csv": CASES_CSV}
        if behaviour == "gzip-bomb":
            self.objects = {"dumps/db.sql.gz": gzip_bomb(2 * 2**30)}
        elif behaviour == "cut-gzip":
            self.objects = {"dumps/cases.csv.gz": cut_gzip()}
        elif behaviour == "hostile-keys":
            self.objects = {
                "../../etc/passwd": CASES_CSV,
                "a/./b/../c.csv": CASES_CSV,
                "\x1b]0;pwned\x07/x.csv": CASES_CSV,
            }

    def handler(self) -> S.Handler:
        """The server's connection handler."""

        async def handle(conn: S.Conn) -> None:
            while (req := await conn.request_or_400()) is not None:
                if not await self.answer(conn, req):
                    return

        return handle

    async def answer(self, conn: S.Conn, req: S.Request) -> bool:
        """Answer one request; False when the connection must end."""
        parts = urlsplit(req.target)
        query = parse_qs(parts.query, keep_blank_values=True)
        path = unquote(parts.path)
        if path == "/" and not query:
            await conn.reply(403, DENIED, headers=S3_HEADERS, content_type="application/xml")
            return True
        bucket, _, key = path.lstrip("/").partition("/")
        if self.behaviour == "one-secured-one-failing" and bucket != "b":
            await conn.reply(500, INTERNAL, headers=S3_HEADERS, content_type="application/xml")
            return True
        if self.behaviour == "many-secured-one-failing" and bucket == "broken":
            await conn.reply(500, INTERNAL, headers=S3_HEADERS, content_type="application/xml")
            return True
        if self.behaviour in ("one-secured-one-failing", "many-secured-one-failing"):
            await conn.reply(403, DENIED, headers=S3_HEADERS, content_type="application/xml")
            return True
        if "list-type" in query:
            return await self.list(conn, query)
        if self.behaviour == "refused-listing-failing-reads":  # neither reads nor refuses
            await conn.reply(500, INTERNAL, headers=S3_HEADERS, content_type="application/xml")
            return True
        if self.behaviour == "redirect-elsewhere":
            await conn.reply(307, b"", headers={"Location": "http://10.255.255.1:9000/b/k"})
            return True
        data = self.objects.get(key)
        if data is None:
            await conn.reply(
                404,
                b"<Error><Code>NoSuchKey</Code></Error>",
                headers=S3_HEADERS,
                content_type="application/xml",
            )
            return True
        if self.behaviour == "ignores-range":
            await conn.send(S.response(200, length=BIG, content_type="text/csv"))
            block = CASES_CSV * (2**20 // len(CASES_CSV) + 1)
            for _ in range(BIG // len(block) + 1):
                await conn.send(block)  # the client hangs up at its cap
            return False
        start, _, end = req.headers.get("range", "bytes=0-").removeprefix("bytes=").partition("-")
        lo, hi = int(start), min(int(end) if end else len(data) - 1, len(data) - 1)
        if lo >= len(data):
            await conn.reply(416, b"", headers={"Content-Range": f"bytes */{len(data)}"})
            return True
        await conn.reply(
            206,
            data[lo : hi + 1],
            content_type="application/octet-stream",
            headers={"Content-Range": f"bytes {lo}-{hi}/{len(data)}"},
        )
        return True

    async def list(self, conn: S.Conn, query: dict[str, list[str]]) -> bool:
        token = query.get("continuation-token", [""])[0]
        size = int(query.get("max-keys", ["1000"])[0])
        b = self.behaviour
        if b == "refused-listing-failing-reads":
            await conn.reply(403, DENIED, headers=S3_HEADERS, content_type="application/xml")
            return True
        if b == "endless-listing":  # one page whose XML never ends
            await conn.send(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            head = f'<?xml version="1.0"?><ListBucketResult {NS}><IsTruncated>false</IsTruncated>'
            await conn.send(b"%x\r\n%s\r\n" % (len(head), head.encode()))
            chunk = contents([(f"k{n:07d}", 1) for n in range(500)]).encode()
            while True:
                await conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        if b == "lying-truncation":  # truncated, and the same token again and again
            body = listing(list(self.sized()), token="same")
        elif b == "endless-pages":  # a new page of new keys for ever
            n = int(token or 0)
            body = listing([(f"p{n:09d}/{i:04d}.csv", 10) for i in range(size)], str(n + 1))
        elif b == "empty-pages":  # no key, and a next page, for ever
            body = listing([], str(int(token or 0) + 1))
        elif b == "backwards":  # its second page starts before its first
            body = (
                listing([("m/2.csv", 10), ("m/3.csv", 10)], "2")
                if not token
                else listing([("a/1.csv", 10)])
            )
        elif b == "billion-laughs":
            body = (
                b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
                b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><ListBucketResult>&b;'
                b"</ListBucketResult>"
            )
        elif b == "huge-page":  # past the 10,000 a page may hold, where one was asked for (not
            # far past: a larger page only slows a loaded machine into the 5 s deadline)
            body = listing([(f"k{n:06d}", 1) for n in range(12_000)])
        elif b == "slow-listing":
            await conn.send(S.response(200, length=10_000, content_type="application/xml"))
            for byte in listing(list(self.sized())):  # a byte a second: never done in time
                await conn.send(bytes([byte]))
                await asyncio.sleep(1)
            return False
        else:
            body = listing(list(self.sized()))
        await conn.reply(200, body, headers=S3_HEADERS, content_type="application/xml")
        return True

    def sized(self) -> list[tuple[str, int]]:
        """(key, size) of every object, in key order."""
        return sorted((k, len(v)) for k, v in self.objects.items())


AZ_HEADERS = {"Server": "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0", "x-ms-request-id": "0"}


class FakeAzure:
    """One misbehaving Azure Blob account (``/acct``)."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour

    def handler(self) -> S.Handler:
        """The server's connection handler."""

        async def handle(conn: S.Conn) -> None:
            while (req := await conn.request_or_400()) is not None:
                await self.answer(conn, req)

        return handle

    async def answer(self, conn: S.Conn, req: S.Request) -> None:
        parts = urlsplit(req.target)
        query = parse_qs(parts.query, keep_blank_values=True)
        if query.get("restype") == ["container"] and query.get("comp") == ["list"]:
            if self.behaviour == "redirect-elsewhere":
                await conn.reply(302, b"", headers={"Location": "https://evil.example/acct/c"})
                return
            marker = int(query.get("marker", ["0"])[0] or 0)
            body = (
                f'<?xml version="1.0"?><EnumerationResults ContainerName="c"><Blobs/>'
                f"<NextMarker>{marker + 1}</NextMarker></EnumerationResults>"
            ).encode()
            await conn.reply(200, body, headers=AZ_HEADERS, content_type="application/xml")
            return
        await conn.reply(
            403,
            b"<Error><Code>AuthorizationFailure</Code></Error>",
            headers={**AZ_HEADERS, "x-ms-error-code": "AuthorizationFailure"},
            content_type="application/xml",
        )
