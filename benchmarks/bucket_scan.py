"""Listing and sampling a public bucket of 100,000 objects, beside bare anonymous listers.

Starts its own MinIO on 127.0.0.1 (the lab's build, ``leakhound.lab.s3``), fills a public
bucket (anyone lists and reads it) with N small JSON objects in 100 folders, kept in --dir for
the next run, then measures in the same run:
(a) bare anonymous listers of the whole bucket: ListObjectsV2 pages of 1,000 keys with httpx,
    and boto3 with UNSIGNED requests (when boto3 is installed: the lab extra);
(b) leakhound's scan of the bucket as a library call, its inventory alone (``sample=0``) and
    with its sample (``--sample``, ``--max-bytes``): every request counted through the audit
    hook, the bytes of every object read counted as they arrive.
Prints seconds and requests side by side with the ratio, and the bytes read per object beside
--max-bytes (the bound a sample must keep).

Run: .venv/bin/python benchmarks/bucket_scan.py [--objects 100000] [--dir PATH]
     [--sample 100] [--max-bytes 1048576]
(loopback only: MinIO listens on 127.0.0.1.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

import leakhound
from leakhound import net
from leakhound.lab import process, s3
from leakhound.lab.state import PASSWORD, USERNAME, cache_dir, free_ports
from leakhound.net.http import Http
from leakhound.probes.base import FileBounds
from leakhound.store import SqliteStore

BUCKET = s3.BENCH_BUCKET


@contextmanager
def minio(folder: Path) -> Iterator[str]:
    """A MinIO of our own on a free loopback port, data in ``folder``; its endpoint."""
    binary = s3.build(cache_dir())
    (port,) = free_ports(1)
    log = folder / "minio.log"
    pid = s3.start(binary, folder / "data", port, log, USERNAME, PASSWORD)
    started = process.start_time(pid)
    try:
        s3.wait_ready(port, pid, started, log, 120)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stop(pid, started, timeout=10)


def filled(endpoint: str, folder: Path, count: int) -> float:
    """The public bucket of ``count`` objects, made once per --dir; seconds it took now."""
    marker = folder / "bucket.json"
    try:
        if json.loads(marker.read_text())["objects"] == count:
            last = list(s3.bench_objects(count))[-1][0]
            s3.client(endpoint, USERNAME, PASSWORD).head_object(Bucket=BUCKET, Key=last)
            return 0.0
    except Exception:  # no marker, or the data is gone: make it again
        pass
    begin = time.monotonic()
    size = s3.make_many_objects(endpoint, USERNAME, PASSWORD, count)
    marker.write_text(json.dumps({"objects": count, "bytes": size}) + "\n")
    return time.monotonic() - begin


def bare_httpx(endpoint: str) -> tuple[float, int, int]:
    """(seconds, requests, objects) of a bare anonymous ListObjectsV2 loop."""
    begin = time.perf_counter()
    requests = objects = 0
    token = None
    with httpx.Client(timeout=60, trust_env=False) as http:
        while True:
            params = {"list-type": "2", "max-keys": "1000"}
            if token:
                params["continuation-token"] = token
            body = http.get(f"{endpoint}/{BUCKET}", params=params).text
            requests += 1
            objects += body.count("<Key>")
            if "<IsTruncated>true</IsTruncated>" not in body:
                break
            token = body.split("<NextContinuationToken>")[1].split("<")[0]
    return time.perf_counter() - begin, requests, objects


def bare_boto3(endpoint: str) -> tuple[float, int, int] | None:
    """(seconds, requests, objects) of boto3's paginator with unsigned requests, if present."""
    try:
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config
    except ImportError:
        return None
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=s3.REGION,
        config=Config(signature_version=UNSIGNED, s3={"addressing_style": "path"}, proxies={}),
    )
    begin = time.perf_counter()
    requests = objects = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        requests += 1
        objects += len(page.get("Contents", []))
    return time.perf_counter() - begin, requests, objects


def ours(endpoint: str, sample: int, max_bytes: int) -> dict[str, Any]:
    """leakhound's scan of the bucket: seconds, requests by shape, bytes per object read."""
    sent: list[net.Request] = []
    reads: list[int] = []
    plain = Http.request

    async def counted(self: Http, method: str, url: str, *args: Any, **kw: Any) -> Any:
        resp = await plain(self, method, url, *args, **kw)
        if method == "GET" and "Range" in (kw.get("headers") or {}) and resp.status in (200, 206):
            reads.append(len(resp.body))  # as stored: a ranged read is never decoded
        return resp

    Http.request = counted  # type: ignore[method-assign]
    net.add_audit_hook(sent.append)
    target = f"s3://{BUCKET}@{endpoint.removeprefix('http://')}"
    options = leakhound.ScanOptions(sample=sample, files=FileBounds(max_bytes=max_bytes))
    try:
        with tempfile.TemporaryDirectory() as tmp, SqliteStore(Path(tmp) / "f.db") as store:
            begin = time.perf_counter()
            scan_id = asyncio.run(leakhound.scan([target], options, store=store))
            seconds = time.perf_counter() - begin
            (result,) = store.load(scan_id).results
    finally:
        Http.request = plain  # type: ignore[method-assign]
        net.remove_audit_hook(sent.append)
    shapes: Counter[str] = Counter()
    for r in sent:
        query = parse_qs(urlsplit(r.url).query)
        shapes["list" if "list-type" in query else r.method.lower()] += 1
    containers = result.containers
    return {
        "seconds": seconds,
        "requests": len(sent),
        "shapes": shapes,
        "reads": reads,
        "containers": len(containers),
        "verdict": result.service.verdict.value,
        "objects": sum(int(c.container.details.get("objects", 0)) for c in containers),
        "records": sum(c.container.docs or 0 for c in containers),
        "pii": sum(1 for c in containers if c.sample and c.sample.pii),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "lh-bench-bucket")
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--max-bytes", type=int, default=FileBounds().max_bytes)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    with minio(args.dir) as endpoint:
        made = filled(endpoint, args.dir, args.objects)
        print(
            f"bucket: {args.objects:,} objects in 100 folders, public (list + read)"
            + (f", made in {made:.0f} s" if made else ", reused from " + str(args.dir))
        )
        bare = bare_httpx(endpoint)
        boto = bare_boto3(endpoint)
        listed = ours(endpoint, 0, args.max_bytes)
        sampled = ours(endpoint, args.sample, args.max_bytes)
    print(f"{'':<44}{'seconds':>9}{'requests':>10}{'objects':>10}")
    print(f"{'bare lister, httpx ListObjectsV2':<44}{bare[0]:9.2f}{bare[1]:10,}{bare[2]:10,}")
    if boto:
        print(
            f"{'bare lister, boto3 UNSIGNED paginator':<44}{boto[0]:9.2f}{boto[1]:10,}{boto[2]:10,}"
        )
    for name, got in (
        ("leakhound, inventory only (--sample 0)", listed),
        (f"leakhound, inventory + sample (--sample {args.sample})", sampled),
    ):
        print(
            f"{name:<44}{got['seconds']:9.2f}{got['requests']:10,}{got['objects']:10,}"
            f"   {got['seconds'] / bare[0]:.1f}x time, {got['requests'] / bare[1]:.1f}x "
            f"requests of the httpx lister"
        )
    for name, got in (("inventory only", listed), ("inventory + sample", sampled)):
        shapes = ", ".join(f"{k} {v:,}" for k, v in sorted(got["shapes"].items()))
        print(f"  {name}: {got['verdict']}, {got['containers']} folders, {shapes}")
    reads = sampled["reads"]
    if reads:
        print(
            f"objects read by the sample: {len(reads):,}; bytes per object: max "
            f"{max(reads):,}, mean {statistics.mean(reads):,.0f} (--max-bytes "
            f"{args.max_bytes:,}: {'kept' if max(reads) <= args.max_bytes else 'EXCEEDED'})"
        )
    print(
        f"records counted or extrapolated by the sample: {sampled['records']:,}; "
        f"folders with personal data found: {sampled['pii']}"
    )


if __name__ == "__main__":
    main()
