"""The lab's object stores and CouchDB beside OpenSearch: MinIO (S3), Azurite (Azure Blob) and
three pouchdb-servers; their sections of lab.json, their targets, seeding and truth files.

control.py calls this module at a few marked places; everything else about these servers is
here and in s3.py, azurite.py, couchdb.py.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from . import azurite, couchdb, process, s3
from .errors import LabError
from .exports import export_objects, objects_truth
from .seeder import Dataset, Doc, generate, tally
from .state import (
    PASSWORD,
    USERNAME,
    LabPaths,
    default_state_dir,
    free_ports,
    locked,
    read_record,
)

TRUTH_FORMAT = 1
SECTIONS = ("minio", "azurite", *(f"couchdb-{role}" for role in couchdb.ROLES))
KINDS = ("s3", "azblob", "couchdb")
_READY_TIMEOUT = 120.0  # each starts in about a second here; a loaded CI box is slower


@dataclass(frozen=True)
class Installs:
    """What the servers run from: the MinIO binary and the two npm installs."""

    minio: Path
    azurite: Path
    pouchdb: Path


def build(cache: Path) -> Installs:
    """Build MinIO and install Azurite and pouchdb-server into the cache (in parallel) once."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        minio = pool.submit(s3.build, cache)
        az = pool.submit(azurite.install, cache)
        pouch = pool.submit(couchdb.install, cache)
        return Installs(minio.result(), az.result(), pouch.result())


def _folder(paths: LabPaths, section: str) -> Path:
    """The data folder of a section inside the state directory."""
    if section.startswith("couchdb-"):
        return paths.root / "couchdb" / section.removeprefix("couchdb-")
    return paths.root / section


def _log(paths: LabPaths, section: str) -> Path:
    """The stdout/stderr log of a section's process."""
    return paths.root / "logs" / f"{section}.log"


def _get(record: Mapping[str, Any], section: str, key: str) -> Any:
    """record[section][key], or None when lab.json is old, partial or hand-edited."""
    part = record.get(section)
    return part.get(key) if isinstance(part, dict) else None


def start(
    paths: LabPaths, installs: Installs, previous: dict[str, Any], taken: list[int]
) -> dict[str, Any]:
    """Start every server (not waiting for them); return their lab.json sections.

    Ports: each section's previous port when still free, never one of taken (OpenSearch's).
    A server that fails to spawn stops those started before it.
    """
    wanted = [_get(previous, s, "port") for s in SECTIONS]
    ports = [p for p in free_ports(len(SECTIONS) + len(taken), wanted) if p not in taken]
    sections: dict[str, Any] = {}
    admin = (USERNAME, PASSWORD)
    section = SECTIONS[0]
    try:
        for section, port in zip(SECTIONS, ports, strict=False):
            folder, log = _folder(paths, section), _log(paths, section)
            if section == "minio":
                pid = s3.start(installs.minio, folder, port, log, USERNAME, PASSWORD)
            elif section == "azurite":
                pid = azurite.start(installs.azurite, folder, port, log)
            else:
                role = section.removeprefix("couchdb-")
                pid = couchdb.start(installs.pouchdb, folder, port, log,
                                    None if role == "open" else admin)  # fmt: skip
            sections[section] = {"port": port, "pid": pid, "start_time": process.start_time(pid),
                                 "log": str(log)}  # fmt: skip
    except OSError as exc:  # the binary or node went missing under a cache that says "built"
        stop(sections)
        raise LabError(f"cannot start {section}: {exc}") from exc
    except BaseException:
        stop(sections)
        raise
    return sections


def wait_ready(record: dict[str, Any], timeout: float = _READY_TIMEOUT) -> None:
    """Wait for every server of record; note their versions in it."""
    for section in SECTIONS:
        port, pid = _get(record, section, "port"), _get(record, section, "pid")
        started, log = _get(record, section, "start_time"), Path(_get(record, section, "log"))
        if section == "minio":
            s3.wait_ready(port, pid, started, log, timeout)
            record[section]["version"] = s3.VERSION
        elif section == "azurite":
            record[section]["version"] = azurite.wait_ready(port, pid, started, log, timeout)
        else:
            record[section]["version"] = couchdb.wait_ready(port, pid, started, log, timeout)


def stop(record: Mapping[str, Any]) -> None:
    """Stop every server of record (SIGTERM to its group, SIGKILL after 10 s)."""
    for section in SECTIONS:
        process.stop(_get(record, section, "pid"), _get(record, section, "start_time"),
                     timeout=10)  # fmt: skip


def forget(record: dict[str, Any]) -> None:
    """Clear the pids of stopped servers in record (ports stay, for the next up)."""
    for section in SECTIONS:
        if isinstance(record.get(section), dict):
            record[section]["pid"] = None
            record[section]["start_time"] = None


def alive(record: Mapping[str, Any]) -> bool:
    """True when every server of record runs."""
    return all(
        process.alive(_get(record, s, "pid"), _get(record, s, "start_time")) for s in SECTIONS
    )


def targets(record: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(kind, role, url, description) of every target, S3 then Azure Blob then CouchDB."""
    found: list[tuple[str, str, str, str]] = []
    port = _get(record, "minio", "port")
    s3_text = {"open": "anyone lists and reads", "partial": "anyone reads a known key, nobody "
               "lists", "secured": "root credentials only"}  # fmt: skip
    for bucket, role in s3.BUCKETS.items():
        found.append(("s3", role, f"s3://{bucket}@127.0.0.1:{port}",
                      f"MinIO bucket {bucket}: {s3_text[role]}"))  # fmt: skip
    port = _get(record, "azurite", "port")
    for container, (role, access) in azurite.CONTAINERS.items():
        found.append(
            (
                "azblob",
                role,
                f"azblob://127.0.0.1:{port}/{azurite.ACCOUNT}/{container}",
                f"Azurite container {container}: public access {access or 'off'}",
            )
        )
    couch_text = {
        "open": "pouchdb-server, no admin (admin party)",
        "partial": f"pouchdb-server, admin set; {couchdb.READABLE_DB} public, the rest admin-only",
        "secured": "pouchdb-server, admin set; every database admin-only",
    }
    for role in couchdb.ROLES:
        port = _get(record, f"couchdb-{role}", "port")
        found.append(("couchdb", role, f"http://127.0.0.1:{port}", couch_text[role]))
    return found


# ---------------------------------------------------------------------------------------------
# Seeding and truth


def truth_path(state_dir: Path, kind: str) -> Path:
    """truth-<kind>.json in the state directory (kind: s3, azblob, couchdb)."""
    return state_dir / f"truth-{kind}.json"


def read_truth(state_dir: Path, kind: str) -> dict[str, Any] | None:
    """The truth file of one kind, or None when absent or unreadable."""
    try:
        data = json.loads(truth_path(state_dir, kind).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == TRUTH_FORMAT else None


def _write_truth(state_dir: Path, kind: str, data: dict[str, Any]) -> None:
    """Save a truth file atomically."""
    path = truth_path(state_dir, kind)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(path)


def _databases(dataset: Dataset) -> dict[str, list[Doc]]:
    """CouchDB database name -> documents, one database per OpenSearch index (empty ones too)."""
    grouped: dict[str, list[Doc]] = defaultdict(list)
    for doc in dataset.docs:
        grouped[doc.index].append(doc)
    return {couchdb.db_name(index): grouped.get(index, []) for index in dataset.indices}


def populate(
    paths: LabPaths,
    record: Mapping[str, Any],
    records: int,
    seed: int,
    dataset: Dataset | None = None,
) -> dict[str, Any]:
    """Seed S3, Azure Blob and CouchDB with the OpenSearch seeder's data (dataset when the caller
    generated it already: generate(records, seed)); save and return the three truths (kind ->
    truth document), checked against what the servers hold."""
    begin = time.monotonic()
    if dataset is None:
        dataset = generate(records, seed)
    minio_port, azurite_port = _get(record, "minio", "port"), _get(record, "azurite", "port")
    s3_endpoint = f"http://127.0.0.1:{minio_port}"
    databases = _databases(dataset)
    admin = (USERNAME, PASSWORD)

    def timed(job: Callable[[], None]) -> float:
        started = time.monotonic()
        with _one_line("seeding"):
            job()
        return time.monotonic() - started

    with ThreadPoolExecutor(max_workers=5) as pool:
        # CouchDB needs no files: its servers load while Python writes the XLSX and the dump.
        jobs = {
            f"couchdb-{role}": pool.submit(
                timed, partial(couchdb.seed, _couch_url(record, role), role, databases, admin)
            )
            for role in couchdb.ROLES
        }
        objects = export_objects(dataset, seed)
        jobs["s3"] = pool.submit(timed, partial(s3.seed, s3_endpoint, *admin, objects))
        jobs["azblob"] = pool.submit(timed, partial(azurite.seed, azurite_port, objects))
        seconds = {name: job.result() for name, job in jobs.items()}
    truths = {
        "s3": objects_truth("s3", s3_endpoint, s3.BUCKETS, objects, records, seed,
                            seconds["s3"]).to_json(),
        "azblob": objects_truth(
            "azblob", azurite.endpoint(azurite_port),
            {name: role for name, (role, _) in azurite.CONTAINERS.items()}, objects, records,
            seed, seconds["azblob"]).to_json(),
        "couchdb": _couch_truth(dataset, records, seed,
                                max(seconds[f"couchdb-{r}"] for r in couchdb.ROLES)),
    }  # fmt: skip
    for kind, truth in truths.items():
        with _one_line(f"counting back {kind}"):
            mismatch = _mismatch(record, kind, truth)
        if mismatch:
            raise LabError(f"after seeding, {mismatch}")
        truth["seconds_total"] = round(time.monotonic() - begin, 3)
        _write_truth(paths.root, kind, truth)
    return truths


@contextlib.contextmanager
def _one_line(doing: str) -> Iterator[None]:
    """Turn a client library's error (boto3, azure, httpx) into a one-line LabError."""
    try:
        yield
    except LabError:
        raise
    except Exception as exc:
        text = " ".join(str(exc).split())[:300]
        raise LabError(f"{doing} failed: {type(exc).__name__}: {text}") from exc


def _couch_url(record: Mapping[str, Any], role: str) -> str:
    """The URL of the CouchDB server of role."""
    return f"http://127.0.0.1:{_get(record, f'couchdb-{role}', 'port')}"


def _couch_truth(dataset: Dataset, records: int, seed: int, seconds: float) -> dict[str, Any]:
    """The CouchDB truth: per database what the OpenSearch truth says of its index, per server
    which databases anyone may read."""
    counted = tally(dataset, records, seed).to_json()
    databases = {couchdb.db_name(index): body for index, body in counted["indices"].items()}
    servers = {
        role: {
            "admin": role != "open",
            "anonymous_read": sorted(db for db in databases
                                     if couchdb.security(role, db) in (None, couchdb.PUBLIC)),
        }
        for role in couchdb.ROLES
    }  # fmt: skip
    return {
        "format": TRUTH_FORMAT,
        "kind": "couchdb",
        "records": records,
        "seed": seed,
        "seconds": round(seconds, 3),
        "documents": counted["documents"],
        "distinct_customers": counted["distinct_customers"],
        "distinct_emails": counted["distinct_emails"],
        "servers": servers,
        "databases": databases,
    }


def _mismatch(record: Mapping[str, Any], kind: str, truth: dict[str, Any]) -> str | None:
    """What differs between a truth and its servers (counted back as admin), or None."""
    if kind in ("s3", "azblob"):
        expected = {key: body["bytes"] for key, body in truth["objects"].items()}
        for container in truth["containers"]:
            if kind == "s3":
                port = _get(record, "minio", "port")
                got = s3.count_objects(f"http://127.0.0.1:{port}", USERNAME, PASSWORD, container)
            else:
                got = azurite.count_blobs(_get(record, "azurite", "port"), container)
            if got != expected:
                return f"{kind} {container} holds {len(got)} objects, expected {len(expected)}"
        return None
    for role in couchdb.ROLES:
        admin = None if role == "open" else (USERNAME, PASSWORD)
        for db, body in truth["databases"].items():
            got_docs = couchdb.count_docs(_couch_url(record, role), db, admin)
            if got_docs != body["documents"]:
                return f"couchdb {role} {db} holds {got_docs} documents, not {body['documents']}"
    return None


def still_seeded(paths: LabPaths, record: Mapping[str, Any], records: int, seed: int) -> bool:
    """True when every truth file is for (records, seed) and the servers hold exactly it."""
    for kind in KINDS:
        truth = read_truth(paths.root, kind)
        if truth is None or (truth.get("records"), truth.get("seed")) != (records, seed):
            return False
        try:
            if _mismatch(record, kind, truth) is not None:
                return False
        except Exception:  # any failure to count back (a client library's own errors too)
            return False  # means: not seeded as the truth says, seed again
    return True


def truths(state_dir: Path) -> dict[str, dict[str, Any] | None]:
    """kind -> truth document of the last seed (None for a kind never seeded)."""
    return {kind: read_truth(state_dir, kind) for kind in KINDS}


def summary(truth: dict[str, Any]) -> str:
    """One line about one kind's truth, for the CLI."""
    if truth["kind"] == "couchdb":
        return (f"couchdb: {len(truth['servers'])} servers x {len(truth['databases'])} databases,"
                f" {truth['documents']:,} documents each")  # fmt: skip
    total = truth["total"]
    return (
        f"{truth['kind']}: {len(truth['containers'])} containers x {total['objects']} objects"
        f" ({total['bytes'] / 1e6:.1f} MB, {total['records']:,} records each)"
    )


# ---------------------------------------------------------------------------------------------
# A large bucket for benchmarks


@dataclass(frozen=True)
class BenchBucket:
    """A public (list + read) MinIO bucket of many small objects, for benchmarks."""

    target: str  # s3://bench-objects@127.0.0.1:PORT
    objects: int
    bytes: int
    seconds: float  # what making it took; 0.0 when an earlier call's bucket was reused


def bench_bucket(state_dir: Path | None = None, count: int = 100_000) -> BenchBucket:
    """The running lab's benchmark bucket of count objects, made once and reused after."""
    paths = LabPaths(Path(state_dir).expanduser().resolve() if state_dir else default_state_dir())
    marker = paths.root / "bench-s3.json"
    with locked(paths):
        record = read_record(paths) or {}
        port = _get(record, "minio", "port")
        if not process.alive(_get(record, "minio", "pid"), _get(record, "minio", "start_time")):
            raise LabError(f"MinIO is not running in {paths.root}: call leakhound.lab.up() first")
        endpoint, target = f"http://127.0.0.1:{port}", f"s3://{s3.BENCH_BUCKET}@127.0.0.1:{port}"
        try:
            known = json.loads(marker.read_text())
        except (OSError, ValueError):
            known = None
        if isinstance(known, dict) and known.get("objects") == count:
            last_key = list(s3.bench_objects(count))[-1][0]
            client = s3.client(endpoint, USERNAME, PASSWORD)
            # Gone (a fresh data folder) or unreadable: make it again below.
            with contextlib.suppress(Exception):
                client.head_object(Bucket=s3.BENCH_BUCKET, Key=last_key)
                return BenchBucket(target, count, int(known["bytes"]), 0.0)
        begin = time.monotonic()
        with _one_line("making the benchmark bucket"):
            size = s3.make_many_objects(endpoint, USERNAME, PASSWORD, count)
        seconds = time.monotonic() - begin
        marker.write_text(json.dumps({"objects": count, "bytes": size}) + "\n")
        return BenchBucket(target, count, size, round(seconds, 3))
