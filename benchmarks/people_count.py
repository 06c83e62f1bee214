"""How many people a sample scan says a store holds, beside the exact count of a full scan.

Seeds support cases into a private OpenSearch node (loopback only) at several sizes and with
different overlaps of people across the yearly indices (customers writing once, or many
times), then for each:

- the truth: distinct e-mail addresses in every field, from the seeder (never from a scan);
- ``scan --depth full``: people counted exactly over every document read;
- a sample scan as run by default (``--people-read``: the identifying fields of a store up
  to 200,000 records read whole);
- a sample scan with ``--people-read 0``: the keyword fields listed by the store
  (``composite``), free-text-only addresses estimated from the sample (the likely range of
  ``count/people.py``, its log-scale middle the figure);
- the same with listing turned off, as for a store with over a million values: the store's
  ``cardinality`` counts, overlaps between fields from the sample;
- the server-side count alone: ``cardinality`` of ``customer.email`` across the indices
  (``precision_threshold`` 40,000), beside the true number of distinct customers.

``--runs N`` then seeds N small data sets (seeds 1..N, overlaps in turn) and reports how often
the free-text estimate's range holds the truth, and the point estimate's error.

Run: .venv/bin/python benchmarks/people_count.py [--sizes 10000,100000,1000000]
     [--overlaps many,some,few] [--runs 40] [--run-records 10000] [--no-full]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

import leakhound
from leakhound.lab import opensearch, process
from leakhound.lab.seeder import (
    SUPPORT_PREFIX,
    Dataset,
    generate,
    load,
    prepare,
    tally,
)
from leakhound.lab.state import cache_dir, free_ports
from leakhound.models import PeopleCount
from leakhound.scanner import people as people_module
from leakhound.scanner.options import FullOptions, ScanOptions

# Customers per case: "many" repeat visits (a tenth as many customers as cases), "some" (the
# lab's own quarter), "few" (as many customers as cases, drawn with the lab's skew).
OVERLAPS = {"many": 0.1, "some": 0.25, "few": 1.0}
KEYWORD_FIELDS = (("customer", "email"), ("agent_email",), ("email",), ("user_email",))


@dataclass
class Truth:
    records: int
    documents: int
    emails: int  # distinct addresses in every field: leakhound's people
    customers: int  # distinct customer.email
    free_text_only: int  # addresses in no keyword field


def truth_of(dataset: Dataset, records: int, seed: int) -> Truth:
    t = tally(dataset, records, seed)
    keyword: set[str] = set()
    customers: set[str] = set()
    for doc in dataset.docs:
        for path in KEYWORD_FIELDS:
            value = doc.source
            for part in path:
                value = value.get(part) if isinstance(value, dict) else None
            if isinstance(value, str):
                keyword.add(value.lower())
                if path == ("customer", "email"):
                    customers.add(value.lower())
    everyone = {e for d in dataset.docs for e in d.emails}
    return Truth(records, t.documents, t.distinct_emails, len(customers), len(everyone - keyword))


class Node:
    """A private OpenSearch node in a temporary folder."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="leakhound-people-"))
        launcher = opensearch.build(cache_dir())
        (self.port,) = free_ports(1)
        log = self.dir / "node.log"
        self.pid = opensearch.start(launcher, self.dir / "node", self.port, log)
        self.started = process.start_time(self.pid)
        opensearch.wait_ready(self.port, self.pid, self.started, log, 300)
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        process.stop(self.pid, self.started, timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


def seed(node: Node, records: int, seed_: int, overlap: str) -> Truth:
    dataset = generate(records, seed_, customer_count=max(1, int(records * OVERLAPS[overlap])))
    with httpx.Client(base_url=node.url, timeout=600, trust_env=False) as http:
        prepare(http, dataset.indices)
        load(http, dataset.docs)
    return truth_of(dataset, records, seed_)


def cardinality(node: Node) -> int:
    query = {
        "size": 0,
        "aggs": {"c": {"cardinality": {"field": "customer.email", "precision_threshold": 40_000}}},
    }
    with httpx.Client(base_url=node.url, timeout=600, trust_env=False) as http:
        body = http.post(f"/{SUPPORT_PREFIX}*/_search", json=query).json()
    return int(body["aggregations"]["c"]["value"])


async def _scan(url: str, options: ScanOptions) -> tuple[PeopleCount | None, int | None, float]:
    with tempfile.TemporaryDirectory() as tmp, leakhound.SqliteStore(Path(tmp) / "f.db") as store:
        began = time.monotonic()
        scan_id = await leakhound.scan([url], options, store=store)
        seconds = time.monotonic() - began
        (result,) = store.load(scan_id).results
    full = result.full.people.distinct.estimate if result.full and result.full.people else None
    return result.people, full, seconds


def scan(url: str, options: ScanOptions) -> tuple[PeopleCount | None, int | None, float]:
    return asyncio.run(_scan(url, options))


def _err(value: float, truth: int) -> str:
    return f"{100 * (value - truth) / truth:+.2f}%" if truth else "n/a"


def _range(p: PeopleCount) -> str:
    return f"{p.low:,}–{p.high:,}" if p.high is not None else f"≥{p.low:,}"


def compare(node: Node, sizes: list[int], overlaps: list[str], full: bool) -> bool:
    ok = True
    print(
        f"{'records':>9} {'overlap':>7} {'truth':>8} {'full':>8} | {'method':>11} "
        f"{'people':>8} {'error':>8} {'range':>17} {'s':>5} | card. customers vs truth"
    )
    for records in sizes:
        for overlap in overlaps:
            truth = seed(node, records, 1, overlap)
            exact = None
            if full:
                _, exact, _ = scan(node.url, ScanOptions(full=FullOptions(), workers=2))
            rows = []
            for label, opts, listing in (
                ("default", ScanOptions(), True),
                ("list", ScanOptions(people_read=0), True),
                ("count", ScanOptions(people_read=0), False),
            ):
                saved = people_module.LIST_VALUES
                people_module.LIST_VALUES = saved if listing else 0
                try:
                    p, _, secs = scan(node.url, opts)
                finally:
                    people_module.LIST_VALUES = saved
                rows.append((label, p, secs))
            card = cardinality(node)
            card_err = abs(card - truth.customers) / truth.customers
            ok &= card_err <= 0.02
            for n, (label, p, secs) in enumerate(rows):
                head = (
                    (
                        f"{records:>9,} {overlap:>7} {truth.emails:>8,} "
                        f"{(exact if exact is not None else '-'):>8} |"
                    )
                    if n == 0
                    else " " * 36 + "|"
                )
                tail = (
                    f" | {card:,} vs {truth.customers:,} ({_err(card, truth.customers)})"
                    if n == 0
                    else ""
                )
                if p is None:
                    print(f"{head} {label:>11} {'none':>8}{tail}")
                    continue
                inside = p.low <= truth.emails <= (p.high or p.low)
                ok &= inside
                print(
                    f"{head} {p.method:>11} {p.value:>8,} {_err(p.value, truth.emails):>8} "
                    f"{_range(p):>17} {secs:>5.1f}{tail}"
                    + ("" if inside else "  RANGE MISSES THE TRUTH")
                )
            if exact is not None and exact != truth.emails:
                print(f"  full scan {exact:,} differs from the truth {truth.emails:,}")
                ok = False
    return ok


def coverage(node: Node, runs: int, records: int) -> bool:
    inside = 0
    errors: list[float] = []
    names = list(OVERLAPS)
    for n in range(1, runs + 1):
        truth = seed(node, records, n, names[n % len(names)])
        p, _, _ = scan(node.url, ScanOptions(people_read=0))
        assert p is not None
        if p.low <= truth.emails <= (p.high or p.low):
            inside += 1
        errors.append((p.value - truth.emails) / truth.emails)
    share = inside / runs
    print(
        f"\nfree-text estimate over {runs} seeded runs of {records:,} records: range holds "
        f"the truth in {inside}/{runs} ({100 * share:.0f}%; target ≥ 95%); point estimate "
        f"error median {100 * statistics.median(errors):+.2f}%, worst "
        f"{100 * max(errors, key=abs):+.2f}%"
    )
    return share >= 0.95


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--overlaps", default="many,some,few")
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--run-records", type=int, default=10_000)
    ap.add_argument("--no-full", action="store_true", help="skip the full scans")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    overlaps = [o for o in args.overlaps.split(",") if o]
    # A SIGTERM (timeout, kill) unwinds through the finally below: the node is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    node = Node()
    try:
        ok = compare(node, sizes, overlaps, not args.no_full)
        if args.runs:
            ok &= coverage(node, args.runs, args.run_records)
    finally:
        node.close()
    print("PASS" if ok else "MISS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
