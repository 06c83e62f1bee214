"""The object-store lab's parts that need no server: exported files and their truth, policies,
security objects, target forms, and one-line errors of the launchers."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from leakhound.lab import LabError, azurite, couchdb, exports, npm, objectstores, s3
from leakhound.lab.seeder import generate


@pytest.fixture(scope="module")
def small() -> list[exports.ExportObject]:
    """The objects of a small data set (300 cases, seed 3)."""
    return exports.export_objects(generate(300, 3), 3)


def test_every_case_is_written_once_across_the_formats(small: list[exports.ExportObject]) -> None:
    cases = [o for o in small if "support-cases" in o.key]
    assert sum(o.records for o in cases) == 300
    assert {o.format for o in cases} == {"csv", "jsonl", "xlsx", "sql.gz"}
    assert {o.format for o in small} >= {"png", "bin", "txt"}


def test_csv_rows_are_records_not_lines(small: list[exports.ExportObject]) -> None:
    obj = next(o for o in small if o.key.endswith("support-cases-2009.csv"))
    rows = list(csv.DictReader(io.StringIO(obj.body.decode(), newline="")))
    assert len(rows) == obj.records
    assert obj.body.count(b"\n") > obj.records + 1  # signatures keep their line breaks
    assert len({r["customer_email"] for r in rows}) == len(obj.customers)


def test_column_pii_counts_lat_and_lon_as_locations(small: list[exports.ExportObject]) -> None:
    obj = next(o for o in small if o.key.endswith(".csv") and o.records)
    location = obj.pii["LOCATION"]
    assert location["customer_lat"] == location["customer_lon"] == location["customer_city"]
    assert obj.pii["EMAIL_ADDRESS"]["customer_email"] == obj.records


def test_xlsx_has_a_header_row_and_date_cells(small: list[exports.ExportObject]) -> None:
    from openpyxl import load_workbook

    obj = next(o for o in small if o.format == "xlsx")
    rows = list(load_workbook(io.BytesIO(obj.body), read_only=True)["cases"].iter_rows(
        values_only=True))  # fmt: skip
    assert rows[0][:4] == ("case_id", "created_at", "customer_name", "customer_email")
    assert len(rows) - 1 == obj.records
    assert all(hasattr(row[1], "year") for row in rows[1:])


def test_sql_dump_is_mysqldump_shaped_and_escaped(small: list[exports.ExportObject]) -> None:
    obj = next(o for o in small if o.format == "sql.gz")
    text = gzip.decompress(obj.body).decode()
    assert text.startswith("-- MySQL dump 10.13")
    assert "CREATE TABLE `support_cases`" in text and "LOCK TABLES `support_cases` WRITE;" in text
    assert text.count("('CS-") == obj.records
    assert "\\n\\nRegards," in text or "\\n\\nThanks, " in text  # newlines escaped, not raw
    assert exports._sql_literal('it\'s \\ "x"\n') == "'it\\'s \\\\ \\\"x\\\"\\n'"
    assert exports._sql_literal(None) == "NULL" and exports._sql_literal(1.5) == "1.5"


def test_png_is_a_valid_image() -> None:
    data = exports.png(8, 4, 1)
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR"
    length = int.from_bytes(data[33:37], "big")
    assert data[37:41] == b"IDAT"
    assert len(zlib.decompress(data[41 : 41 + length])) == 4 * (1 + 8 * 3)


def test_truth_totals_and_prefixes_add_up(small: list[exports.ExportObject]) -> None:
    truth = exports.objects_truth("s3", "http://x", s3.BUCKETS, small, 300, 3).to_json()
    assert truth["total"]["objects"] == len(small) == len(truth["objects"])
    assert sum(p["objects"] for p in truth["prefixes"].values()) == len(small)
    assert sum(p["bytes"] for p in truth["prefixes"].values()) == truth["total"]["bytes"]
    assert truth["prefixes"][""]["objects"] == 1  # READ_ME.txt at the root
    assert truth["objects"]["assets/logo.png"]["records"] == 0
    assert set(truth["containers"]) == {"public-cases", "readable-cases", "private-cases"}


def test_exports_are_the_same_bytes_in_another_interpreter(
    small: list[exports.ExportObject],
) -> None:
    code = ("import hashlib,json;from leakhound.lab import exports;from leakhound.lab.seeder "
            "import generate;print(json.dumps({o.key:hashlib.sha256(o.body).hexdigest() for o "
            "in exports.export_objects(generate(300,3),3)}))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": "/usr/bin:/bin"})  # fmt: skip
    import hashlib

    assert json.loads(out.stdout) == {o.key: hashlib.sha256(o.body).hexdigest() for o in small}


def test_s3_policies_per_role() -> None:
    open_ = s3.policy("public-cases", "open")
    assert open_ is not None
    actions = {a for st in open_["Statement"] for a in st["Action"]}
    assert actions == {"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"}
    partial = s3.policy("readable-cases", "partial")
    assert partial is not None
    assert [st["Action"] for st in partial["Statement"]] == [["s3:GetObject"]]
    assert partial["Statement"][0]["Resource"] == ["arn:aws:s3:::readable-cases/*"]
    assert s3.policy("private-cases", "secured") is None


def test_couchdb_security_per_role_and_valid_names() -> None:
    assert couchdb.security("open", "hr-payroll") is None
    assert couchdb.security("partial", couchdb.READABLE_DB) == couchdb.PUBLIC
    assert couchdb.security("partial", "hr-payroll") == couchdb.ADMIN_ONLY
    assert couchdb.security("secured", couchdb.READABLE_DB) == couchdb.ADMIN_ONLY
    assert couchdb.db_name("support-cases-2005") == "support-cases-2005"
    assert couchdb.db_name("9abc-meow") == "db-9abc-meow"


def test_targets_name_each_bucket_container_and_server() -> None:
    record = {
        "minio": {"port": 9001},
        "azurite": {"port": 10000},
        **{f"couchdb-{r}": {"port": 5900 + i} for i, r in enumerate(couchdb.ROLES)},
    }
    urls = [(kind, role, url) for kind, role, url, _ in objectstores.targets(record)]
    assert urls == [
        ("s3", "open", "s3://public-cases@127.0.0.1:9001"),
        ("s3", "partial", "s3://readable-cases@127.0.0.1:9001"),
        ("s3", "secured", "s3://private-cases@127.0.0.1:9001"),
        ("azblob", "open", "azblob://127.0.0.1:10000/devstoreaccount1/public-cases"),
        ("azblob", "partial", "azblob://127.0.0.1:10000/devstoreaccount1/readable-cases"),
        ("azblob", "secured", "azblob://127.0.0.1:10000/devstoreaccount1/private-cases"),
        ("couchdb", "open", "http://127.0.0.1:5900"),
        ("couchdb", "partial", "http://127.0.0.1:5901"),
        ("couchdb", "secured", "http://127.0.0.1:5902"),
    ]  # fmt: skip
    assert azurite.CONTAINERS["readable-cases"] == ("partial", "blob")


def test_missing_go_and_node_are_one_line_lab_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda *a, **k: None)
    with pytest.raises(LabError, match="Go not found"):
        s3.find_go()
    with pytest.raises(LabError, match=r"Node\.js 20\+ not found") as caught:
        npm.find_node()
    assert "\n" not in str(caught.value)


def test_a_failed_npm_install_names_its_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A package folder whose lock does not match its package.json: npm ci refuses it.
    fake = tmp_path / "npm" / "broken"
    fake.mkdir(parents=True)
    (fake / "package.json").write_text('{"name": "x", "dependencies": {"left-pad": "1.3.0"}}')
    (fake / "package-lock.json").write_text('{"name": "x", "lockfileVersion": 3, "packages": {}}')
    monkeypatch.setattr(npm, "_SOURCES", tmp_path / "npm")
    with pytest.raises(LabError) as caught:
        npm.install("broken", tmp_path / "cache")
    message = str(caught.value)
    assert "npm ci of broken failed" in message and "npm-broken-failed.log" in message
    assert "\n" not in message
    assert not list((tmp_path / "cache").glob("npm-broken-*/INSTALLED"))


def test_a_server_that_dies_at_startup_is_reported_with_its_log(tmp_path: Path) -> None:
    from leakhound.lab import process
    from leakhound.lab.state import free_ports

    log = tmp_path / "minio.log"
    pid = process.spawn(["sh", "-c", "echo 'FATAL Unable to use the drive'; exit 1"], log,
                        cwd=tmp_path)  # fmt: skip
    with pytest.raises(LabError) as caught:
        s3.wait_ready(free_ports(1)[0], pid, None, log, timeout=20)
    assert "MinIO exited during startup" in str(caught.value)
    assert "Unable to use the drive" in str(caught.value) and str(log) in str(caught.value)


def test_a_client_library_error_is_a_one_line_lab_error() -> None:
    from leakhound.lab.state import free_ports

    closed = f"http://127.0.0.1:{free_ports(1)[0]}"
    with pytest.raises(LabError) as caught, objectstores._one_line("seeding"):
        s3.seed(closed, "lab", "lab-password", [])
    assert str(caught.value).startswith("seeding failed: EndpointConnectionError: ")
    assert "\n" not in str(caught.value)
