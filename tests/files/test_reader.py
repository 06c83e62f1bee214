"""One design for a piece and for a stream: chunked reads give what a whole read gives."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from leakhound.detect import scan_batch
from leakhound.files import FileReader, documents, stream_documents

from .xlsxmake import real_workbook

DUMPS = Path(__file__).parent.parent / "data" / "dumps"
CSV = b'email,note\r\njane@example.com,"two\nlines"\r\nbob@example.org,\xc3\xa9t\xc3\xa9\r\n'


def _tgz() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as t:
        for name, data in (("a.csv", CSV), ("b.sql", (DUMPS / "pg_dump-15-copy.sql").read_bytes())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.csv", CSV)
        z.writestr("b.jsonl", b'{"email": "c@example.net"}\n')
    return out.getvalue()


SAMPLES = {
    "people.csv": CSV,
    "people.tsv": CSV.replace(b",", b"\t"),
    "events.jsonl": b'{"email": "a@example.com"}\n{"ip": "203.0.113.9"}\n',
    "dump.json": json.dumps(
        {"users": [{"email": f"u{i}@example.com"} for i in range(20)]}, indent=1
    ).encode(),
    "app.log": b"login jane@example.com\nlogout\n",
    "people.csv.gz": gzip.compress(CSV),
    "backup.zip": _zip(),
    "backup.tgz": _tgz(),
    "book.xlsx": real_workbook({"S": [["email"], ["x@example.com"]]}),
    **{p.name: p.read_bytes() for p in sorted(DUMPS.glob("*.sql"))},
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("size", [1, 7, 4096])
def test_chunks_give_what_a_whole_read_gives(name: str, size: int) -> None:
    data = SAMPLES[name]
    whole = documents(data, name)
    assert whole.rows > 0 and whole.stopped is None
    reader = FileReader(name)
    docs = []
    for i in range(0, len(data), size):
        docs += reader.feed(data[i : i + size])
    docs += reader.close()
    streamed = reader.result()
    assert docs == list(whole.docs)
    assert (streamed.format, streamed.rows, streamed.skipped, streamed.members) == (
        whole.format,
        whole.rows,
        whole.skipped,
        whole.members,
    )


@pytest.mark.parametrize(
    "name",
    [
        "people.csv",
        "events.jsonl",
        "dump.json",
        "app.log",
        "pg_dump-15-inserts.sql",
        "mysqldump-10.11-extended.sql",
    ],
)
def test_a_cut_piece_gives_a_prefix_of_the_whole(name: str) -> None:
    data = SAMPLES[name]
    whole = documents(data, name).docs
    for end in range(1, len(data), max(1, len(data) // 40)):
        part = documents(data[:end], name, truncated=True)
        assert list(part.docs) == list(whole[: len(part.docs)]), end
        assert part.truncated


def test_stream_documents_pages_and_summary() -> None:
    gen = stream_documents(iter([CSV[:30], CSV[30:]]), "x.csv")
    pages = []
    while True:
        try:
            pages.append(next(gen))
        except StopIteration as end:
            summary = end.value
            break
    assert [d["email"] for page in pages for d in page] == ["jane@example.com", "bob@example.org"]
    assert (summary.rows, summary.docs) == (2, ())


def test_detector_reads_the_documents_with_their_field_names() -> None:
    docs = documents(b"customer_email,phone\njane.doe@example.com,+44 20 7946 0958\n", "x.csv").docs
    (hits,) = scan_batch(docs)
    assert {(h.path, h.entity_type) for h in hits} == {
        ("customer_email", "EMAIL_ADDRESS"),
        ("phone", "PHONE_NUMBER"),
    }
