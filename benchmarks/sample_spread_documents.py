"""A MongoDB or OpenSearch sample spread over a collection or index, beside its first records.

In the running lab (loopback; ``leakhound lab up`` first, ``LEAKHOUND_LAB_DIR`` naming its
state), writes ``--rows`` support cases ordered by customer (customer p writes 1 + p % 5
cases, one after the other: three cases a customer), as an application that appends a
customer's cases together, or a dump sorted by customer, leaves them: into the open FerretDB
(database ``lh_spread``: ``by_objectid``, ObjectIds as the driver makes them, and
``by_text``, ids ``C0000000001`` …) and into the open OpenSearch node (index
``lh-spread-cases``, one shard). Each is sampled twice (``--size`` records): the first
records the server returns (how leakhound sampled before: natural order, ``_doc`` order) and
the probe's own sample (runs over the ``_id`` range; ``random_score`` on ``_seq_no``).
``--as-mongodb`` adds FerretDB's collections sampled as a MongoDB server is (one document at
a place of each span, ``spread*``: a find each, an index seek on MongoDB but a pass over the
collection on FerretDB, so only its figures, not its time, say what MongoDB gives).
Printed for each: the wall time (the median of ``--repeat`` runs), how the records were
drawn, the customers among them, and the people the estimator of ``count/people.py`` gives
from them with its likely range, beside the truth.

The scratch database and index are dropped at the end (``--keep`` keeps them for another run;
``--kinds mongodb`` or ``opensearch`` seeds and samples one).

Run: LEAKHOUND_LAB_DIR=DIR .venv/bin/python benchmarks/sample_spread_documents.py
     [--rows 100000] [--size 100] [--repeat 3] [--kinds mongodb,opensearch] [--keep]
     [--as-mongodb]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import orjson
from sample_spread import estimate, people_of, timed  # the table benchmark's, beside this file

from leakhound.lab import default_state_dir, status
from leakhound.models import Container, Endpoint
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.elasticsearch import ElasticsearchProbe
from leakhound.probes.mongodb import MongodbProbe
from leakhound.probes.mongodb.connection import connect as mongo_connect
from leakhound.probes.mongodb.sample import find_batch
from leakhound.probes.mongodb.wire import plain

SCRATCH = "lh_spread"
INDEX = "lh-spread-cases"
FILLER = "x" * 300  # text a case besides its customer


def cases(rows: int) -> Iterator[str]:
    """The e-mail address of each case, customer by customer."""
    written, p = 0, 0
    while written < rows:
        p += 1
        for _ in range(1 + p % 5):
            if written == rows:
                return
            written += 1
            yield f"person{p}@example.org"


def seed_mongodb(port: int, rows: int) -> None:
    """Two collections of the cases: ObjectIds the driver makes, and zero-padded text ids."""
    from pymongo import MongoClient

    client: Any = MongoClient(f"mongodb://127.0.0.1:{port}", serverSelectionTimeoutMS=30_000)
    try:
        client.drop_database(SCRATCH)
        db = client[SCRATCH]
        batch: list[dict[str, Any]] = []
        for n, email in enumerate(cases(rows), 1):
            batch.append({"_id": f"C{n:010}", "email": email, "note": FILLER})
            if len(batch) == 10_000:
                db.by_text.insert_many(batch)
                db.by_objectid.insert_many(
                    [{k: v for k, v in d.items() if k != "_id"} for d in batch]
                )
                batch = []
        if batch:
            db.by_text.insert_many(batch)
            db.by_objectid.insert_many([{k: v for k, v in d.items() if k != "_id"} for d in batch])
    finally:
        client.close()


def seed_opensearch(url: str, rows: int) -> None:
    """One index of the cases, one shard, written in order and force-merged."""
    with httpx.Client(base_url=url, timeout=600.0, trust_env=False) as http:
        http.delete(f"/{INDEX}")
        settings = {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"}
        http.put(f"/{INDEX}", json={"settings": settings}).raise_for_status()
        lines: list[bytes] = []
        for email in cases(rows):
            lines += [b'{"index":{}}', orjson.dumps({"email": email, "note": FILLER})]
            if len(lines) >= 40_000:
                _bulk(http, lines)
                lines = []
        if lines:
            _bulk(http, lines)
        http.post(f"/{INDEX}/_refresh").raise_for_status()
        http.post(f"/{INDEX}/_forcemerge?max_num_segments=1").raise_for_status()


def _bulk(http: httpx.Client, lines: list[bytes]) -> None:
    got = http.post(
        f"/{INDEX}/_bulk",
        content=b"\n".join(lines) + b"\n",
        headers={"content-type": "application/x-ndjson"},
    )
    if got.status_code != 200 or got.json().get("errors"):
        raise SystemExit(f"bulk failed: {got.text[:300]}")


def line(store: str, how: str, seconds: float, docs: list[Any], total: int, truth: int) -> None:
    seen, people = estimate(docs, total)
    print(
        f"{store:<24} {how:<11} {seconds * 1000:>9.1f} ms {len(docs):>5} records "
        f"{seen:>5} customers  people {people:<24} truth {truth:,}"
    )


async def bench_mongodb(
    transport: Transport, port: int, args: argparse.Namespace, truth: int
) -> None:
    endpoint = Endpoint("127.0.0.1", port)
    probe = MongodbProbe()
    service = await probe.verdict(transport, endpoint)
    # The same server sampled as MongoDB is (one document a place, a find each): on FerretDB
    # each find is a pass over the collection, so its time here is FerretDB's, not MongoDB's.
    fp = service.fingerprint
    details = {k: v for k, v in fp.details.items() if k != "ferretdb_version"}
    as_mongodb = replace(service, fingerprint=replace(fp, details=details))
    for name in ("by_objectid", "by_text"):
        where = {"database": SCRATCH, "collection": name}
        container = Container(f"{SCRATCH}.{name}", args.rows, None, details=where)

        async def first(name: str = name) -> list[Any]:
            conn = await mongo_connect(transport, endpoint)
            try:
                return [plain(d) for d in await find_batch(conn, SCRATCH, name, {}, args.size)]
            finally:
                await conn.close()

        async def spread(container: Container = container, service: Any = service) -> Any:
            return await probe.sample(transport, service, container, args.size)

        docs, seconds = await timed(first, args.repeat)
        line(f"ferretdb {name}", "first", seconds, docs, args.rows, truth)
        got, seconds = await timed(spread, args.repeat)
        line(f"ferretdb {name}", got.drawn, seconds, list(got.docs), args.rows, truth)
        if args.as_mongodb:
            got, seconds = await timed(partial(spread, service=as_mongodb), args.repeat)
            line(f"ferretdb {name}", f"{got.drawn}*", seconds, list(got.docs), args.rows, truth)


async def bench_opensearch(
    transport: Transport, url: str, args: argparse.Namespace, truth: int
) -> None:
    host, port = url.rsplit("//", 1)[1].split(":")
    probe = ElasticsearchProbe()
    service = await probe.verdict(transport, Endpoint(host, int(port)))
    container = Container(INDEX, args.rows, None)

    async def first() -> list[Any]:
        query = {"size": args.size, "sort": ["_doc"]}
        got = await transport.http.request(
            "POST", f"{url}/{INDEX}/_search", probe.allow, json=query
        )
        return [h["_source"] for h in got.json()["hits"]["hits"]]

    async def spread() -> Any:
        return await probe.sample(transport, service, container, args.size)

    docs, seconds = await timed(first, args.repeat)
    line(f"opensearch {INDEX}", "first", seconds, docs, args.rows, truth)
    got, seconds = await timed(spread, args.repeat)
    line(f"opensearch {INDEX}", got.drawn, seconds, list(got.docs), args.rows, truth)


async def run(args: argparse.Namespace) -> None:
    lab = status(Path(os.environ.get("LEAKHOUND_LAB_DIR") or default_state_dir()))
    kinds = set(args.kinds.split(","))
    mongo = lab.target("open", kind="mongodb")
    search = lab.url("open")
    truth = people_of(args.rows)
    print(f"seeding {args.rows:,} cases of {truth:,} customers, ordered by customer")
    start = time.perf_counter()
    if "mongodb" in kinds:
        seed_mongodb(mongo.port, args.rows)
    if "opensearch" in kinds:
        seed_opensearch(search, args.rows)
    print(f"seeded in {time.perf_counter() - start:.0f} s\n")
    host, port = search.rsplit("//", 1)[1].split(":")
    scope = Scope({("127.0.0.1", mongo.port), (host, int(port))})
    try:
        async with Transport(Limits(), scope) as transport:
            if "mongodb" in kinds:
                await bench_mongodb(transport, mongo.port, args, truth)
            if "opensearch" in kinds:
                await bench_opensearch(transport, search, args, truth)
    finally:
        if not args.keep:
            from pymongo import MongoClient

            client: Any = MongoClient(f"mongodb://127.0.0.1:{mongo.port}")
            client.drop_database(SCRATCH)
            client.close()
            httpx.delete(f"{search}/{INDEX}", trust_env=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kinds", default="mongodb,opensearch")
    parser.add_argument("--keep", action="store_true", help="keep the scratch data")
    parser.add_argument(
        "--as-mongodb",
        action="store_true",
        help="also sample FerretDB as MongoDB is (one document a place: ~102 passes on it)",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
