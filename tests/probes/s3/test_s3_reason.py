"""An object store's reason names the buckets it checked, the most open first, in 500
characters: those the room leaves out are counted by what they allow, never cut mid-name."""

from __future__ import annotations

import asyncio

from hostile.recorded import Answer, RecordedServer, Seen
from leakhound.models import Endpoint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.s3.probe import S3Probe

HEADERS = {"content-type": "application/xml", "server": "AmazonS3", "x-amz-request-id": "0"}
BUCKETS = [f"bucket-{n:02d}-" + "x" * 40 for n in range(30)]
DENIED = b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"


def route(seen: Seen) -> Answer:
    """An S3 store that lists its 30 buckets to anyone and refuses everything else."""
    if seen.path == "/":
        names = "".join(
            f"<Bucket><Name>{b}</Name><CreationDate>2020-01-01T00:00:00.000Z</CreationDate>"
            "</Bucket>"
            for b in BUCKETS
        )
        body = (
            '<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"<Buckets>{names}</Buckets></ListAllMyBucketsResult>"
        )
        return Answer(200, body.encode(), HEADERS)
    return Answer(403, DENIED, HEADERS)


def test_buckets_past_the_room_are_counted_by_what_they_allow() -> None:
    with RecordedServer(route) as server:

        async def go() -> Service:
            scope = Scope({("127.0.0.1", server.port)})
            async with Transport(Limits(read_timeout=5, total_timeout=20), scope) as transport:
                return await S3Probe().verdict(transport, Endpoint("127.0.0.1", server.port))

        got = asyncio.run(go())
    assert got.verdict == Verdict.SECURED, got.reason
    assert len(got.reason) <= 500
    assert got.reason.startswith(f"anyone lists its buckets (30); {BUCKETS[0]}: ")
    assert got.reason.endswith("; 27 more buckets checked (27 secured)")
