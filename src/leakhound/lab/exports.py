"""The lab's support cases as the files a leaky bucket holds, and the truth counted from them.

The same generated data set as the OpenSearch seeder (``seeder.generate``), each case written
once: CSV for 2005-2009, JSON Lines for 2010-2014, one XLSX workbook a year for 2015-2017 and a
gzipped mysqldump of 2018-2019; the payroll as CSV, the audit trail as JSON Lines, the ransom
note as text, and two objects that are not data (a PNG, a binary) which a scanner must list but
not parse. Every byte is a function of (records, seed): no clock, no set order.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import random
import re
import struct
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .seeder import (
    HIDDEN_INDEX,
    PAYROLL_INDEX,
    RANSOM_INDEX,
    SUPPORT_PREFIX,
    YEARS,
    Dataset,
    Doc,
)

TRUTH_FORMAT = 1

# Which file format holds which year's cases: one format per year, so each case is written once.
CSV_YEARS = tuple(y for y in YEARS if y <= 2009)
JSONL_YEARS = tuple(y for y in YEARS if 2010 <= y <= 2014)
XLSX_YEARS = tuple(y for y in YEARS if 2015 <= y <= 2017)
SQL_YEARS = tuple(y for y in YEARS if y >= 2018)
DUMP_KEY = "backups/2019-12-31/support-cases-2018-2019.sql.gz"
PAYROLL_KEY = "hr/payroll.csv"
AUDIT_KEY = "logs/audit-trail.jsonl"
RANSOM_KEY = "READ_ME.txt"
IMAGE_KEY = "assets/logo.png"
BINARY_KEY = "bin/sync-agent-2.4.1.bin"

# The flat columns of a case in CSV, XLSX and SQL, and the document paths they come from.
CASE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("case_id", "case_id"),
    ("created_at", "created_at"),
    ("customer_name", "customer.name"),
    ("customer_email", "customer.email"),
    ("customer_phone", "customer.phone"),
    ("customer_ip", "customer.ip"),
    ("customer_city", "customer.location.city"),
    ("customer_country", "customer.location.country"),
    ("customer_lat", "customer.location.geo.lat"),
    ("customer_lon", "customer.location.geo.lon"),
    ("agent_email", "agent_email"),
    ("subject", "subject"),
    ("description", "description"),
    ("internal_notes", "internal_notes"),
    ("status", "status"),
    ("product", "product"),
)
PAYROLL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("employee_id", "employee_id"),
    ("name", "name"),
    ("email", "email"),
    ("iban", "iban"),
    ("salary_amount", "salary.amount"),
    ("salary_currency", "salary.currency"),
    ("department", "department"),
    ("hired_at", "hired_at"),
    ("city", "city"),
)
_FIXED_TIME = (2019, 12, 31, 3, 0, 0)  # zip entry times: a fixed date keeps the XLSX bytes stable


@dataclass(frozen=True)
class ExportObject:
    """One object of a bucket: its key, bytes, and the truth of what it holds."""

    key: str
    body: bytes
    content_type: str
    format: str  # csv, jsonl, xlsx, sql.gz, txt, png, bin
    records: int  # rows, lines or INSERTed tuples; 0 for objects that are not data
    customers: frozenset[str]  # the customers (by e-mail) whose cases it holds
    pii: Mapping[str, Mapping[str, int]]  # kind -> column or field path -> records carrying it

    @property
    def prefix(self) -> str:
        """The key's folder with its trailing slash ("" at the bucket's root)."""
        return self.key.rpartition("/")[0] + "/" if "/" in self.key else ""


@dataclass(frozen=True)
class PrefixTruth:
    """Totals of the objects directly under one prefix (or of a whole bucket)."""

    objects: int
    bytes: int
    records: int
    distinct_customers: int


@dataclass(frozen=True)
class ObjectsTruth:
    """What every lab bucket (S3) or container (Azure Blob) holds; saved as JSON by the seeder."""

    kind: str  # "s3" or "azblob"
    records: int
    seed: int
    endpoint: str
    containers: Mapping[str, str]  # bucket or container name -> role (open, partial, secured)
    objects: Mapping[str, ExportObject]
    seconds: float = 0.0

    @property
    def prefixes(self) -> dict[str, PrefixTruth]:
        """Folder -> totals of the objects directly in it."""
        grouped: dict[str, list[ExportObject]] = defaultdict(list)
        for obj in self.objects.values():
            grouped[obj.prefix].append(obj)
        return {prefix: _totals(objs) for prefix, objs in sorted(grouped.items())}

    @property
    def total(self) -> PrefixTruth:
        """Totals of one bucket or container (each holds the same objects)."""
        return _totals(list(self.objects.values()))

    def to_json(self) -> dict[str, Any]:
        """The truth file's document (object bodies are not in it)."""
        return {
            "format": TRUTH_FORMAT,
            "kind": self.kind,
            "records": self.records,
            "seed": self.seed,
            "seconds": round(self.seconds, 3),
            "endpoint": self.endpoint,
            "containers": dict(self.containers),
            "total": vars(self.total),
            "prefixes": {prefix: vars(t) for prefix, t in self.prefixes.items()},
            "objects": {
                key: {
                    "bytes": len(obj.body),
                    "format": obj.format,
                    "content_type": obj.content_type,
                    "records": obj.records,
                    "distinct_customers": len(obj.customers),
                    "pii": {kind: dict(cols) for kind, cols in obj.pii.items()},
                }
                for key, obj in self.objects.items()
            },
        }


def _totals(objs: Sequence[ExportObject]) -> PrefixTruth:
    """Objects, bytes, records and distinct customers of a group of objects."""
    customers: set[str] = set()
    for obj in objs:
        customers |= obj.customers
    return PrefixTruth(
        objects=len(objs),
        bytes=sum(len(o.body) for o in objs),
        records=sum(o.records for o in objs),
        distinct_customers=len(customers),
    )


def export_objects(dataset: Dataset, seed: int) -> list[ExportObject]:
    """Every object a lab bucket holds, in key order."""
    by_index: dict[str, list[Doc]] = defaultdict(list)
    for doc in dataset.docs:
        by_index[doc.index].append(doc)
    cases = {year: by_index.get(f"{SUPPORT_PREFIX}{year}", []) for year in YEARS}
    objects = [
        *(_csv(f"exports/{y}/support-cases-{y}.csv", cases[y], CASE_COLUMNS) for y in CSV_YEARS),
        *(_jsonl(f"exports/{y}/support-cases-{y}.jsonl", cases[y]) for y in JSONL_YEARS),
        *(_xlsx(f"reports/{y}/support-cases-{y}.xlsx", cases[y]) for y in XLSX_YEARS),
        _sql_dump(DUMP_KEY, [doc for y in SQL_YEARS for doc in cases[y]]),
        _csv(PAYROLL_KEY, by_index[PAYROLL_INDEX], PAYROLL_COLUMNS),
        _jsonl(AUDIT_KEY, by_index[HIDDEN_INDEX]),
        _ransom_note(by_index[RANSOM_INDEX]),
        ExportObject(IMAGE_KEY, png(64, 64, seed), "image/png", "png", 0, frozenset(), {}),
        ExportObject(BINARY_KEY, random.Random(f"bin-{seed}").randbytes(48 * 1024),
                     "application/octet-stream", "bin", 0, frozenset(), {}),
    ]  # fmt: skip
    return sorted(objects, key=lambda o: o.key)


def objects_truth(
    kind: str, endpoint: str, containers: Mapping[str, str], objects: Iterable[ExportObject],
    records: int, seed: int, seconds: float = 0.0,
) -> ObjectsTruth:  # fmt: skip
    """The truth of buckets (or containers) that each hold objects."""
    return ObjectsTruth(kind, records, seed, endpoint, dict(containers),
                        {o.key: o for o in objects}, seconds)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Formats


def _value(source: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of a document, or None."""
    node: Any = source
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _column_pii(
    docs: Sequence[Doc], columns: Sequence[tuple[str, str]]
) -> dict[str, dict[str, int]]:
    """kind -> column -> rows carrying it, from each document's PII paths (geo: lat and lon)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    below: dict[str, list[str]] = {}  # PII path -> the columns at or below it
    for doc in docs:
        for kind, paths in doc.pii.items():
            hit: set[str] = set()
            for p in paths:
                if p not in below:
                    # customer.location.geo -> customer_lat and customer_lon
                    below[p] = [c for c, path in columns if path == p or path.startswith(p + ".")]
                hit.update(below[p])
            counts[kind].update(hit)
    return {kind: dict(sorted(c.items())) for kind, c in sorted(counts.items())}


def _path_pii(docs: Sequence[Doc]) -> dict[str, dict[str, int]]:
    """kind -> field path -> documents carrying it, as the OpenSearch truth counts them."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for doc in docs:
        for kind, paths in doc.pii.items():
            counts[kind].update(paths)
    return {kind: dict(sorted(c.items())) for kind, c in sorted(counts.items())}


def _customers(docs: Sequence[Doc]) -> frozenset[str]:
    """The distinct customers of docs."""
    return frozenset(d.customer for d in docs if d.customer)


def _rows(docs: Sequence[Doc], columns: Sequence[tuple[str, str]]) -> list[list[Any]]:
    """One list of values per document, in column order (None where the document has none)."""
    return [[_value(doc.source, path) for _, path in columns] for doc in docs]


def _csv(key: str, docs: Sequence[Doc], columns: Sequence[tuple[str, str]]) -> ExportObject:
    """A CSV export with a header row; free text keeps its line breaks inside quoted fields."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in columns])
    for row in _rows(docs, columns):
        writer.writerow(["" if v is None else v for v in row])
    body = out.getvalue().encode("utf-8")
    return ExportObject(key, body, "text/csv", "csv", len(docs), _customers(docs),
                        _column_pii(docs, columns))  # fmt: skip


def _jsonl(key: str, docs: Sequence[Doc]) -> ExportObject:
    """One JSON document a line, nested as in the OpenSearch index."""
    lines = [json.dumps(doc.source, ensure_ascii=False, separators=(",", ":")) for doc in docs]
    body = "".join(line + "\n" for line in lines).encode("utf-8")
    return ExportObject(key, body, "application/x-ndjson", "jsonl", len(docs), _customers(docs),
                        _path_pii(docs))  # fmt: skip


def _xlsx(key: str, docs: Sequence[Doc]) -> ExportObject:
    """A workbook with one sheet of cases under a header row; dates are real date cells."""
    from openpyxl import Workbook  # the lab extra; only seeding needs it

    book = Workbook(write_only=True)  # streams rows: several times faster for a few 1,000 rows
    sheet = book.create_sheet("cases")
    sheet.append([name for name, _ in CASE_COLUMNS])
    for row in _rows(docs, CASE_COLUMNS):
        row[1] = dt.datetime.strptime(row[1], "%Y-%m-%dT%H:%M:%SZ")  # created_at, naive UTC
        sheet.append(row)
    fixed = dt.datetime(*_FIXED_TIME)
    book.properties.created = book.properties.modified = fixed
    book.properties.creator = "Contoso Support"
    raw = io.BytesIO()
    book.save(raw)
    body = _fixed_zip_times(raw.getvalue())
    return ExportObject(
        key, body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
        len(docs), _customers(docs), _column_pii(docs, CASE_COLUMNS),
    )  # fmt: skip


def _fixed_zip_times(data: bytes) -> bytes:
    """The same workbook with every zip entry dated _FIXED_TIME and its modified property too
    (zipfile stamps entries with 'now', openpyxl's save sets modified to 'now')."""
    out = io.BytesIO()
    stamp = dt.datetime(*_FIXED_TIME).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + stamp + rb"\g<2>", content)  # fmt: skip
            dst.writestr(entry, content)
    return out.getvalue()


def _sql_literal(value: Any) -> str:
    """A value as mysqldump writes it: NULL, a bare number, or a quoted, escaped string."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    for raw, escaped in (("\\", "\\\\"), ("\0", "\\0"), ("\n", "\\n"), ("\r", "\\r"),
                         ("'", "\\'"), ('"', '\\"'), ("\x1a", "\\Z")):  # fmt: skip
        text = text.replace(raw, escaped)
    return f"'{text}'"


_SQL_TYPES = {
    "case_id": "varchar(20) NOT NULL",
    "created_at": "datetime NOT NULL",
    "customer_lat": "double DEFAULT NULL",
    "customer_lon": "double DEFAULT NULL",
    "description": "text",
    "internal_notes": "text",
}
_NET_BUFFER = 16384  # mysqldump's default --net-buffer-length: the size of one extended INSERT


def _sql_dump(key: str, docs: Sequence[Doc]) -> ExportObject:
    """A gzipped mysqldump of the support_cases table: extended INSERTs of about 16 KB."""
    table = "support_cases"
    head = [
        "-- MySQL dump 10.13  Distrib 5.7.28, for Linux (x86_64)",
        "--",
        "-- Host: localhost    Database: support",
        "-- ------------------------------------------------------",
        "-- Server version\t5.7.28-log",
        "",
        "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;",
        "/*!40101 SET NAMES utf8mb4 */;",
        "/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;",
        "/*!40103 SET TIME_ZONE='+00:00' */;",
        "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;",
        "",
        "--",
        f"-- Table structure for table `{table}`",
        "--",
        "",
        f"DROP TABLE IF EXISTS `{table}`;",
        f"CREATE TABLE `{table}` (",
        *(f"  `{name}` {_SQL_TYPES.get(name, 'varchar(255) DEFAULT NULL')},"
          for name, _ in CASE_COLUMNS),
        "  PRIMARY KEY (`case_id`)",
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;",
        "",
        "--",
        f"-- Dumping data for table `{table}`",
        "--",
        "",
        f"LOCK TABLES `{table}` WRITE;",
        f"/*!40000 ALTER TABLE `{table}` DISABLE KEYS */;",
    ]  # fmt: skip
    lines = list(head)
    # A dump file's text, not a query: nothing here is ever sent to a database.
    insert = f"INSERT INTO `{table}` VALUES "  # noqa: S608
    statement: list[str] = []
    size = 0
    for row in _rows(docs, CASE_COLUMNS):
        row[1] = row[1].replace("T", " ").rstrip("Z")  # MySQL datetime literal
        values = "(" + ",".join(_sql_literal(v) for v in row) + ")"
        statement.append(values)
        size += len(values) + 1
        if size >= _NET_BUFFER:
            lines.append(insert + ",".join(statement) + ";")
            statement, size = [], 0
    if statement:
        lines.append(insert + ",".join(statement) + ";")
    lines += [
        f"/*!40000 ALTER TABLE `{table}` ENABLE KEYS */;",
        "UNLOCK TABLES;",
        "/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;",
        "/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;",
        "/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;",
        "",
        "-- Dump completed on 2019-12-31  3:00:01",
        "",
    ]
    body = gzip.compress("\n".join(lines).encode("utf-8"), mtime=0)
    return ExportObject(key, body, "application/gzip", "sql.gz", len(docs), _customers(docs),
                        _column_pii(docs, CASE_COLUMNS))  # fmt: skip


def _ransom_note(docs: Sequence[Doc]) -> ExportObject:
    """The ransom bots' note as the text file they leave at the bucket's root."""
    text = "".join(doc.source["message"] + "\n" for doc in docs)
    kinds = {"EMAIL_ADDRESS": {"text": len(docs)}} if docs else {}
    return ExportObject(RANSOM_KEY, text.encode("utf-8"), "text/plain", "txt", len(docs),
                        frozenset(), kinds)  # fmt: skip


def png(width: int, height: int, seed: int) -> bytes:
    """A small valid RGB PNG (a seeded gradient), written without an imaging library."""
    rng = random.Random(f"png-{seed}")
    r0, g0, b0 = rng.randrange(256), rng.randrange(256), rng.randrange(256)
    raw = b"".join(
        b"\0" + bytes(c for x in range(width)
                      for c in ((r0 + x) % 256, (g0 + y) % 256, (b0 + x + y) % 256))
        for y in range(height)
    )  # fmt: skip

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) \
        + chunk(b"IEND", b"")  # fmt: skip
