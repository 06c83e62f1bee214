"""MinIO for the lab's S3 targets: built once from the Go module proxy, three buckets, three roles.

``public-cases`` has a bucket policy granting everyone s3:ListBucket and s3:GetObject (open),
``readable-cases`` grants everyone s3:GetObject only (partial: objects are readable by key, the
bucket cannot be listed), ``private-cases`` has no policy (secured). Seeding uses boto3 with the
root credentials; nothing in leakhound itself uses boto3.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from . import process
from .errors import LabError
from .exports import ExportObject
from .state import log_tail

MODULE = "github.com/minio/minio"
# MinIO's tags are not semver, so the proxy lists no versions; @latest resolved to this one.
VERSION = "v0.0.0-20260212201848-7aac2a2c5b7c"
REGION = "us-east-1"
BUCKETS = {"public-cases": "open", "readable-cases": "partial", "private-cases": "secured"}
BENCH_BUCKET = "bench-objects"
_GO_TIMEOUT = 1800.0  # a cold module cache: 144 MB of modules, then a 2-core compile


def find_go() -> str:
    """The go executable on PATH (or in /usr/local/go/bin, where the official tarball goes)."""
    found = shutil.which("go") or shutil.which("go", path="/usr/local/go/bin")
    if not found:
        raise LabError("Go not found: install Go 1.24+ (the lab builds MinIO with it)")
    return found


def build(cache: Path) -> Path:
    """The cached MinIO binary, built with ``go install MODULE@VERSION`` on the first call."""
    home = cache / f"minio-{VERSION}"
    binary = home / "minio"
    if (home / "BUILT").is_file():
        return binary
    go = find_go()
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="minio-build-", dir=cache))
    log = work / "go.log"
    argv = [go, "install", "-trimpath", "-ldflags=-s -w", f"{MODULE}@{VERSION}"]
    env = dict(os.environ)
    # CGO off: a static binary, no C toolchain needed. GOTOOLCHAIN=local: never fetch another
    # Go. GOBIN: the binary lands in our work folder, not in ~/go/bin. GOFLAGS cleared: a
    # user's -mod=vendor would break "install pkg@version".
    env.update(CGO_ENABLED="0", GOTOOLCHAIN="local", GOBIN=str(work / "bin"), GOFLAGS="")
    try:
        try:
            with log.open("ab") as out:
                done = subprocess.run(argv, cwd=work, env=env, stdout=out,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      timeout=_GO_TIMEOUT, check=False)  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            raise LabError(f"building MinIO timed out after {_GO_TIMEOUT:.0f} s") from exc
        if done.returncode != 0 or not (work / "bin" / "minio").is_file():
            kept = cache / "minio-build-failed.log"
            shutil.copy2(log, kept)
            raise LabError(f"building MinIO with go install failed ({kept}): {log_tail(kept, 2)}")
        (work / "bin" / "minio").rename(work / "minio")
        (work / "BUILT").write_text(" ".join(argv[1:]) + "\n")
        try:
            work.rename(home)
        except OSError:
            if not (home / "BUILT").is_file():
                raise
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return binary


def start(binary: Path, data: Path, port: int, log: Path, user: str, password: str) -> int:
    """Start MinIO on 127.0.0.1:port with data under data; return its pid (not ready yet)."""
    data.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        MINIO_ROOT_USER=user,
        MINIO_ROOT_PASSWORD=password,
        MINIO_BROWSER="off",  # no web console on a second port
        MINIO_UPDATE="off",  # no update check (no network here anyway)
        MINIO_REGION=REGION,
    )
    # --address: the default ":9000" listens on every interface; the lab is loopback only.
    argv = [str(binary), "server", str(data), "--address", f"127.0.0.1:{port}", "--quiet",
            "--anonymous"]  # fmt: skip
    return process.spawn(argv, log, cwd=data, env=env)


def wait_ready(port: int, pid: int, started: int | None, log: Path, timeout: float) -> None:
    """Wait until MinIO's readiness check answers 200."""
    url = f"http://127.0.0.1:{port}/minio/health/ready"
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=5.0, trust_env=False) as http:
        while time.monotonic() < deadline:
            if not process.alive(pid, started):
                raise LabError(f"MinIO exited during startup; log {log}: {log_tail(log)}")
            try:
                if http.get(url).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise LabError(f"MinIO did not answer on {url} within {timeout:.0f} s; log {log}")


def policy(bucket: str, role: str) -> dict[str, Any] | None:
    """The anonymous bucket policy of a role: list + read, read only, or none."""
    if role == "secured":
        return None
    statements = [{"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": ["s3:GetObject"],
                   "Resource": [f"arn:aws:s3:::{bucket}/*"]}]  # fmt: skip
    if role == "open":
        statements.append({"Effect": "Allow", "Principal": {"AWS": ["*"]},
                           "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                           "Resource": [f"arn:aws:s3:::{bucket}"]})  # fmt: skip
    return {"Version": "2012-10-17", "Statement": statements}


def client(endpoint: str, user: str, password: str, pool: int = 16) -> Any:
    """A boto3 S3 client signed with the root credentials, path-style, no retries to hide."""
    import boto3  # the lab extra; only seeding needs it
    from botocore.config import Config

    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        retries={"max_attempts": 2, "mode": "standard"},
        max_pool_connections=pool,
        proxies={},
    )
    session = boto3.session.Session()
    return session.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=user, aws_secret_access_key=password,
        region_name=REGION, config=config,
    )  # fmt: skip


def _empty(s3: Any, bucket: str) -> None:
    """Delete every object of bucket (it must exist)."""
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


def _fresh_bucket(s3: Any, bucket: str) -> None:
    """Create bucket, or empty it if it exists, so a re-seed leaves nothing from before."""
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket in existing:
        _empty(s3, bucket)
    else:
        s3.create_bucket(Bucket=bucket)


def seed(endpoint: str, user: str, password: str, objects: Sequence[ExportObject]) -> None:
    """Write objects into each lab bucket and set its role's policy."""
    s3 = client(endpoint, user, password)
    for bucket, role in BUCKETS.items():
        _fresh_bucket(s3, bucket)
        wanted = policy(bucket, role)
        if wanted is None:
            with contextlib.suppress(s3.exceptions.ClientError):  # none was set
                s3.delete_bucket_policy(Bucket=bucket)
        else:
            s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(wanted))
    jobs = [(bucket, obj) for bucket in BUCKETS for obj in objects]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in pool.map(
            lambda job: s3.put_object(Bucket=job[0], Key=job[1].key, Body=job[1].body,
                                      ContentType=job[1].content_type),
            jobs,
        ):  # fmt: skip
            pass


def count_objects(endpoint: str, user: str, password: str, bucket: str) -> dict[str, int]:
    """Key -> size of every object of bucket, read back with the root credentials."""
    s3 = client(endpoint, user, password)
    sizes: dict[str, int] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        sizes.update({item["Key"]: item["Size"] for item in page.get("Contents", [])})
    return sizes


def bench_objects(count: int) -> Iterator[tuple[str, bytes]]:
    """(key, body) of the benchmark bucket: 100 folders of small JSON objects, one e-mail each."""
    for n in range(count):
        key = f"cases/{n % 100:02d}/case-{n:06d}.json"
        body = json.dumps({"case_id": f"CS-{n:06d}", "email": f"user{n:06d}@example.org"})
        yield key, body.encode()


def make_many_objects(
    endpoint: str,
    user: str,
    password: str,
    count: int = 100_000,
    bucket: str = BENCH_BUCKET,
    parallel: int = 4,
) -> int:
    """Fill a public (list + read) bucket with count small objects; return their total bytes.

    MinIO unpacks a tar PUT with ``X-Amz-Meta-Snowball-Auto-Extract: true`` into one object per
    member, server side: one request per 10,000 objects instead of 10,000 signed PUTs (100,000
    objects took 90 s here, parallel single PUTs of 32 threads about 250 s). Batches go up in
    parallel.
    """
    s3 = client(endpoint, user, password, pool=parallel)
    _fresh_bucket(s3, bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy(bucket, "open")))
    objects = list(bench_objects(count))
    batches = [objects[i : i + 10_000] for i in range(0, len(objects), 10_000)]

    def put(batch: list[tuple[str, bytes]]) -> None:
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w") as tar:
            for key, body in batch:
                info = tarfile.TarInfo(key)
                info.size = len(body)
                info.mtime = 1577836800  # 2020-01-01: the same tar bytes every time
                tar.addfile(info, io.BytesIO(body))
        s3.put_object(
            Bucket=bucket,
            Key=f"snowball-{batch[0][0].replace('/', '-')}.tar",
            Body=raw.getvalue(),
            Metadata={"snowball-auto-extract": "true"},
        )

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        for _ in pool.map(put, batches):
            pass
    return sum(len(body) for _, body in objects)
