"""Access logs with planted activity, deterministic from a seed, and the truth beside them.

For the benchmark and the end-to-end tests: an nginx combined log of an Elasticsearch store,
mostly the owner's application and internet noise, with planted on top: the owner's nightly
backups, a research scanner (Censys's published range and user agent), a scanner from a
``--scanners`` range, an enumeration then an elasticdump-style scroll exfiltration from one
address, and a point-in-time read then a meow wipe from another.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

START = datetime(2019, 3, 1, tzinfo=UTC).timestamp()
OWNER_NET = "10.20.0.0/16"
GIVEN_SCANNER_NET = "198.51.100.0/24"
INDICES = {"customers": 20_000, "orders": 8_000, "tickets": 12_000}
DOC_BYTES = {"customers": 820, "orders": 540, "tickets": 1_300}  # JSON _source per document
HIT_OVERHEAD = 95  # _index, _id, _score, sort around each _source in a search response
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/72.0",
    "curl/7.58.0",
    "python-requests/2.21.0",
    "Go-http-client/1.1",
    "-",
)
_NOISE_PATHS = (
    "/",
    "/favicon.ico",
    "/.env",
    "/wp-login.php",
    "/robots.txt",
    "/admin",
    "/phpmyadmin/",
    "/actuator/health",
    "/.git/config",
    "/solr/",
)


@dataclass
class Planted:
    """One planted source and what the report should say of it."""

    address: str
    kind: str
    actions: list[str]
    records: int | None = None  # documents it read, when it read
    note: str = ""


@dataclass
class Truth:
    """What was planted, for the tests and the benchmark."""

    seed: int
    lines: int
    start: str
    end: str
    owner: str = OWNER_NET
    scanners: str = GIVEN_SCANNER_NET
    indices: dict[str, int] = field(default_factory=lambda: dict(INDICES))
    doc_bytes: dict[str, int] = field(default_factory=lambda: dict(DOC_BYTES))
    planted: list[Planted] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def _clf_time(t: float) -> str:
    d = datetime.fromtimestamp(t, UTC)
    return f"{d.day:02d}/{_MONTHS[d.month - 1]}/{d.year}:{d:%H:%M:%S} +0000"


def _line(ip: str, t: float, req: str, status: int, size: int, agent: str) -> str:
    return f'{ip} - - [{_clf_time(t)}] "{req}" {status} {size} "-" "{agent}"\n'


def _page(rng: random.Random, index: str, n: int) -> int:
    """Bytes of a search response holding ``n`` hits of ``index``."""
    per = DOC_BYTES[index] + HIT_OVERHEAD
    return (
        180 + sum(int(per * rng.uniform(0.9, 1.1)) for _ in range(n))
        if n < 50
        else (180 + int(n * per * rng.uniform(0.97, 1.03)))
    )


def _planted(rng: random.Random, span: float) -> tuple[list[tuple[float, str]], list[Planted]]:
    """The planted lines (time, text) and their truth."""
    out: list[tuple[float, str]] = []
    truth: list[Planted] = []
    # The owner's nightly backup: a scroll over every index, from the owner's network.
    backup = "10.20.1.5"
    for night in range(max(1, int(span // 86400))):
        t = START + night * 86400 + 2 * 3600
        for index, docs in INDICES.items():
            out.append(
                (
                    t,
                    _line(
                        backup,
                        t,
                        f"POST /{index}/_search?scroll=5m&size=1000 HTTP/1.1",
                        200,
                        _page(rng, index, 1000),
                        "curator/5.8",
                    ),
                )
            )
            for _ in range(docs // 1000):
                t += 0.4
                out.append(
                    (
                        t,
                        _line(
                            backup,
                            t,
                            "POST /_search/scroll HTTP/1.1",
                            200,
                            _page(rng, index, 1000),
                            "curator/5.8",
                        ),
                    )
                )
    truth.append(Planted(backup, "owner", ["bulk-read"], note="nightly backups"))
    # A research scanner: Censys's published range and its self-declared user agent.
    censys = "162.142.125.41"
    censys_agent = "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)"
    t = START + span * 0.05
    for req, size in (("GET / HTTP/1.1", 490), ("GET /_cat/indices?v HTTP/1.1", 410)):
        out.append((t, _line(censys, t, req, 200, size, censys_agent)))
        t += 1
    truth.append(Planted(censys, "known-scanner", ["probe", "enumerate"]))
    given = "198.51.100.23"  # in a range given with --scanners
    t = START + span * 0.07
    out.append((t, _line(given, t, "GET / HTTP/1.1", 200, 490, "Mozilla/5.0 zgrab/0.x")))
    truth.append(Planted(given, "known-scanner", ["probe"]))
    # Attacker A: enumeration, then an elasticdump-style scroll over customers (size=100).
    thief = "203.0.113.66"
    t = START + span * 0.30
    for req, size in (
        ("GET / HTTP/1.1", 490),
        ("GET /_cat/indices?v&bytes=b HTTP/1.1", 420),
        ("GET /customers/_mapping HTTP/1.1", 2900),
    ):
        out.append((t, _line(thief, t, req, 200, size, "-")))
        t += 2
    docs = INDICES["customers"]
    out.append(
        (
            t,
            _line(
                thief,
                t,
                "POST /customers/_search?scroll=10m&size=100 HTTP/1.1",
                200,
                _page(rng, "customers", 100),
                "-",
            ),
        )
    )
    for left in range(docs - 100, -100, -100):
        t += 0.25
        out.append(
            (
                t,
                _line(
                    thief,
                    t,
                    "POST /_search/scroll HTTP/1.1",
                    200,
                    _page(rng, "customers", max(0, min(100, left))),
                    "-",
                ),
            )
        )
    out.append((t + 0.1, _line(thief, t + 0.1, "DELETE /_search/scroll HTTP/1.1", 200, 40, "-")))
    truth.append(Planted(thief, "unknown", ["probe", "enumerate", "bulk-read"], records=docs))
    # Attacker B: a point-in-time read of tickets (size in the body: bytes are all the log
    # says), then the meow wipe: every index deleted, <random>-meow indices created.
    meow = "45.227.254.8"
    t = START + span * 0.60
    out.append((t, _line(meow, t, "GET /_cat/indices HTTP/1.1", 200, 380, "python-requests/2.22")))
    t += 1
    out.append(
        (
            t,
            _line(
                meow,
                t,
                "POST /tickets/_search/point_in_time?keep_alive=1m HTTP/1.1",
                200,
                160,
                "python-requests/2.22",
            ),
        )
    )
    pages = 8
    for _ in range(pages):
        t += 0.5
        out.append(
            (
                t,
                _line(
                    meow,
                    t,
                    "POST /_search HTTP/1.1",
                    200,
                    _page(rng, "tickets", 500),
                    "python-requests/2.22",
                ),
            )
        )
    for index in INDICES:
        t += 1
        out.append(
            (t, _line(meow, t, f"DELETE /{index} HTTP/1.1", 200, 21, "python-requests/2.22"))
        )
        out.append(
            (
                t,
                _line(
                    meow,
                    t,
                    f"PUT /{rng.randrange(16**8):08x}-meow HTTP/1.1",
                    200,
                    80,
                    "python-requests/2.22",
                ),
            )
        )
    truth.append(
        Planted(
            meow,
            "unknown",
            ["enumerate", "bulk-read", "wipe"],
            records=pages * 500,
            note="PIT pages: records from bytes out",
        )
    )
    # The tickets calibration comes from the owner's sized backup pages of the same index.
    out.sort(key=lambda x: x[0])
    return out, truth


def _background(rng: random.Random, n: int, span: float) -> Iterator[tuple[float, str]]:
    """The owner's application (most lines) and internet noise, in time order."""
    app = [f"10.20.2.{i}" for i in range(1, 41)]
    noise = [
        f"{rng.choice((5, 31, 45, 61, 77, 89, 91, 103, 185, 193))}.{rng.randrange(256)}."
        f"{rng.randrange(256)}.{rng.randrange(1, 255)}"
        for _ in range(5000)
    ]
    names = list(INDICES)
    step = span / max(n, 1)
    t = START
    for _ in range(n):
        t += step
        if rng.random() < 0.92:
            index = rng.choice(names)
            size = rng.choice((10, 10, 20, 50))
            req = f"GET /{index}/_search?q=customer_id:{rng.randrange(10**6)}&size={size} HTTP/1.1"
            yield (
                t,
                _line(
                    rng.choice(app),
                    t,
                    req,
                    200,
                    _page(rng, index, rng.randrange(size)),
                    "elasticsearch-py/6.3.1",
                ),
            )
        else:
            path = rng.choice(_NOISE_PATHS)  # the store answers / and 404s the rest
            yield (
                t,
                _line(
                    rng.choice(noise),
                    t,
                    f"GET {path} HTTP/1.1",
                    200 if path == "/" else 404,
                    rng.randrange(100, 600),
                    rng.choice(_AGENTS),
                ),
            )


def write(out: TextIO, lines: int, seed: int = 13, days: float = 7.0) -> Truth:
    """Write an nginx combined log of about ``lines`` lines; return what was planted."""
    rng = random.Random(seed)
    span = days * 86400
    planted, truth = _planted(rng, span)
    n = max(0, lines - len(planted))
    i = 0
    buf: list[str] = []
    for t, text in _background(rng, n, span):
        while i < len(planted) and planted[i][0] <= t:
            buf.append(planted[i][1])
            i += 1
        buf.append(text)
        if len(buf) >= 8192:
            out.write("".join(buf))
            buf.clear()
    buf += [p[1] for p in planted[i:]]
    out.write("".join(buf))
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return Truth(
        seed,
        n + len(planted),
        datetime.fromtimestamp(START, UTC).strftime(fmt),
        datetime.fromtimestamp(START + span, UTC).strftime(fmt),
        planted=truth,
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m leakhound.investigate.generate OUT.log --lines N [--seed S]``: log + truth."""
    import argparse
    import json

    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("out")
    p.add_argument("--lines", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--days", type=float, default=7.0)
    a = p.parse_args(argv)
    with open(a.out, "w", encoding="ascii") as fh:
        truth = write(fh, a.lines, a.seed, a.days)
    with open(a.out + ".truth.json", "w", encoding="utf-8") as fh:
        json.dump(truth.to_dict(), fh, indent=2)
    print(f"wrote {truth.lines:,} lines to {a.out} and the truth to {a.out}.truth.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
