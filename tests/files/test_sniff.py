"""Format decisions from first bytes, name and content type: hits and non-hits."""

from __future__ import annotations

import bz2
import gzip
import lzma

import pytest

from leakhound.files import sniff


@pytest.mark.parametrize(
    ("head", "name", "ctype", "expected"),
    [
        pytest.param(gzip.compress(b"a,b\n"), "x.csv.gz", None, "gzip", id="gzip"),
        pytest.param(bz2.compress(b"a"), "x.bz2", None, "bz2", id="bz2"),
        pytest.param(lzma.compress(b"a"), "x.xz", None, "xz", id="xz"),
        pytest.param(b"\x28\xb5\x2f\xfd\x00", "x.zst", None, "zstd", id="zstd"),
        pytest.param(b"PK\x03\x04rest", "backup.zip", None, "zip", id="zip"),
        pytest.param(b"PK\x03\x04rest", "book.xlsx", None, "xlsx", id="xlsx-by-name"),
        pytest.param(
            b"PK\x03\x04rest",
            "blob",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            id="xlsx-by-type",
        ),
        pytest.param(b"x" * 257 + b"ustar\x0000", "a.tar", None, "tar", id="tar"),
        pytest.param(b'[{"a": 1}]', "dump", None, "json", id="json-array"),
        pytest.param(b'{"a": 1}\n{"a": 2}\n', "x.json", None, "jsonl", id="jsonl-named-json"),
        pytest.param(b'{\n  "a": 1\n}\n', "x.jsonl", None, "json", id="pretty-json"),
        pytest.param(b"-- MySQL dump 10.13\n", "x", None, "sql", id="mysqldump"),
        pytest.param(b"--\n-- PostgreSQL database dump\n--\n", "x", None, "sql", id="pg_dump"),
        pytest.param(b"INSERT INTO t VALUES (1);\n", "x.txt", None, "sql", id="insert"),
        pytest.param(b"a;b;c\n1;2;3\n4;5;6\n", "x", None, "csv", id="semicolon-csv"),
        pytest.param(b"a\tb\tc\n1\t2\t3\n4\t5\t6\n", "x", None, "tsv", id="tsv"),
        pytest.param(b"email\njane@example.com\n", "list.csv", None, "csv", id="one-column-csv"),
        pytest.param(
            b"Hello, world. It is late, and cold.\nBye.\n",
            "x",
            None,
            "text",
            id="prose-with-commas",
        ),
        pytest.param(b"2024-01-01 12:00:00 INFO started\n", "app.log", None, "text", id="log"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", "x.csv", None, "binary", id="png-named-csv"),
        pytest.param(b"SQLite format 3\x00", "db", None, "binary", id="sqlite"),
        pytest.param(b"\x00\x01\x02\x03garbage", "x", None, "binary", id="nul-bytes"),
        pytest.param(b"PGDMP\x01\x0e", "x.dump", None, "binary", id="pg-custom-format"),
        pytest.param(b"", "x.csv", None, "empty", id="empty"),
        pytest.param(
            "nom;prénom\nDupont;Zoë\n".encode("cp1252"), "x.csv", None, "csv", id="cp1252-csv"
        ),
    ],
)
def test_format_is_sniffed(head: bytes, name: str, ctype: str | None, expected: str) -> None:
    assert sniff(head, name, ctype).format == expected


def test_binary_gets_a_label() -> None:
    assert sniff(b"%PDF-1.7\n", "x").label == "PDF document"


@pytest.mark.parametrize(
    ("head", "encoding"),
    [
        pytest.param(b"\xef\xbb\xbfa,b\n", "utf-8-sig", id="bom"),
        pytest.param("a,b\n".encode("utf-16"), "utf-16", id="utf-16"),
        pytest.param("é,b\n".encode(), "utf-8", id="utf-8"),
        pytest.param("é,b\n".encode("cp1252"), "cp1252", id="windows"),
        pytest.param("aé".encode()[:-1], "utf-8", id="cut-multibyte-char"),
    ],
)
def test_text_encoding(head: bytes, encoding: str) -> None:
    assert sniff(head, "x.csv").encoding == encoding
