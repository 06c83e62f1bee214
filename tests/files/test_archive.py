"""Compressed files and archives: every layer opened as it streams, members listed with notes."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile

import pytest

from leakhound.files import Limits, documents

CSV = b"email,phone\njane@example.com,+44 20 7946 0958\nbob@example.org,555 0100\n"
JSONL = b'{"email": "ann@example.net"}\n{"email": "cy@example.net"}\n'


def _emails(docs: tuple[dict[str, object], ...]) -> list[object]:
    return [d.get("email") for d in docs]


@pytest.mark.parametrize(
    ("data", "name", "fmt"),
    [
        pytest.param(gzip.compress(CSV), "x.csv.gz", "gzip+csv", id="gzip"),
        pytest.param(
            gzip.compress(CSV[:40]) + gzip.compress(CSV[40:]),
            "x.csv.gz",
            "gzip+csv",
            id="gzip-two-members",
        ),
        pytest.param(bz2.compress(CSV), "x.csv.bz2", "bz2+csv", id="bzip2"),
        pytest.param(lzma.compress(CSV), "x.csv.xz", "xz+csv", id="xz"),
        pytest.param(
            gzip.compress(gzip.compress(CSV)), "x.csv.gz.gz", "gzip+gzip+csv", id="gzip-in-gzip"
        ),
    ],
)
def test_compressed_streams(data: bytes, name: str, fmt: str) -> None:
    r = documents(data, name)
    assert r.format == fmt
    assert _emails(r.docs) == ["jane@example.com", "bob@example.org"]


def _zip(
    members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED, stream: bool = False
) -> bytes:
    out = io.BytesIO()

    class Unseekable(io.RawIOBase):
        """A pipe: zipfile then writes data descriptors (sizes after the data)."""

        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            return out.write(b)

    target = Unseekable() if stream else out
    with zipfile.ZipFile(target, "w", method) as z:  # type: ignore[arg-type]
        for name, data in members.items():
            if stream:
                with z.open(name, "w") as f:
                    f.write(data)
            else:
                z.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("method", "stream"),
    [
        pytest.param(zipfile.ZIP_DEFLATED, False, id="deflate"),
        pytest.param(zipfile.ZIP_STORED, False, id="stored"),
        pytest.param(zipfile.ZIP_BZIP2, False, id="bzip2"),
        pytest.param(zipfile.ZIP_DEFLATED, True, id="deflate-data-descriptors"),
    ],
)
def test_zip_members_are_read_and_named(method: int, stream: bool) -> None:
    data = _zip(
        {
            "exports/people.csv": CSV,
            "logs/": b"",
            "b.jsonl": JSONL,
            "photo.jpg": b"\xff\xd8\xff\xe0" + bytes(200),
            "inner.csv.gz": gzip.compress(CSV),
        },
        method,
        stream,
    )
    r = documents(data, "backup.zip")
    assert r.format == "zip" and r.stopped is None
    assert [(m.name, m.format, m.rows, m.note) for m in r.members] == [
        ("exports/people.csv", "csv", 2, None),
        ("b.jsonl", "jsonl", 2, None),
        ("photo.jpg", "binary", 0, "listed, not parsed: JPEG image"),
        ("inner.csv.gz", "gzip+csv", 2, None),
    ]
    assert [(d["_member"], d["email"]) for d in r.docs][:3] == [
        ("exports/people.csv", "jane@example.com"),
        ("exports/people.csv", "bob@example.org"),
        ("b.jsonl", "ann@example.net"),
    ]


def test_zip_cut_by_the_byte_cap_keeps_the_members_before_the_cut() -> None:
    big = b"email\n" + b"".join(b"user%d@example.com\n" % i for i in range(20000))
    data = _zip({"a.csv": CSV, "b.csv": big, "c.csv": CSV})
    cut = data[: len(data) // 2]  # the directory at the end is gone
    r = documents(cut, "backup.zip", truncated=True)
    assert [m.name for m in r.members] == ["a.csv", "b.csv"]
    assert r.members[0].rows == 2 and 0 < r.members[1].rows < 20000
    assert r.truncated


def test_encrypted_zip_member_is_listed() -> None:
    data = bytearray(_zip({"secret.csv": CSV, "open.csv": CSV}, zipfile.ZIP_STORED))
    data[6] |= 0x01  # the first member's "encrypted" flag, as zip -e sets it
    r = documents(bytes(data), "x.zip")
    assert [(m.name, m.note) for m in r.members] == [
        ("secret.csv", "encrypted, not read"),
        ("open.csv", None),
    ]
    assert r.rows == 2


@pytest.mark.parametrize("stream", [False, True], ids=["sized", "data-descriptors"])
def test_a_failing_member_ends_alone(stream: bool) -> None:
    data = _zip({"a.json": b'[{"a": 1}]]]' + b" " * 100_000, "b.csv": CSV}, stream=stream)
    r = documents(data, "x.zip")
    assert r.members[0].note is not None and "unbalanced" in r.members[0].note
    assert r.members[1].rows == 2


def _tar(members: dict[str, bytes], mode: str = "w", fmt: int = tarfile.GNU_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode, format=fmt) as t:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.mark.parametrize(
    ("mode", "fmt", "name", "expected"),
    [
        pytest.param("w", tarfile.GNU_FORMAT, "x.tar", "tar", id="gnu"),
        pytest.param("w", tarfile.PAX_FORMAT, "x.tar", "tar", id="pax"),
        pytest.param("w:gz", tarfile.GNU_FORMAT, "x.tgz", "gzip+tar", id="tgz"),
    ],
)
def test_tar_members_with_long_names(mode: str, fmt: int, name: str, expected: str) -> None:
    long = "backups/" + "d" * 120 + "/people.csv"
    r = documents(_tar({long: CSV, "notes.txt": b"call jane@example.com\n"}, mode, fmt), name)
    assert r.format == expected
    assert [(m.name, m.format, m.rows) for m in r.members] == [
        (long, "csv", 2),
        ("notes.txt", "text", 1),
    ]


def test_nesting_past_the_cap_is_listed() -> None:
    data = gzip.compress(gzip.compress(gzip.compress(CSV)))
    r = documents(data, "x.gz", limits=Limits(max_nesting=2))
    assert r.docs == () and r.stopped == "gzip nested 2 deep: not opened"


def test_zstd_is_listed_with_its_reason() -> None:
    r = documents(b"\x28\xb5\x2f\xfd" + bytes(20), "x.csv.zst")
    assert (r.format, r.rows) == ("zstd", 0) and r.stopped is not None and "zstd" in r.stopped
