"""The command line: exit statuses, one-line errors, private output files."""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path

import pytest

from leakhound.cli import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param([], id="no-command"),
        pytest.param(["scan"], id="no-target"),
        pytest.param(["scan", "not a host"], id="bad-target"),
        pytest.param(["scan", "127.0.0.1", "--sample", "-3"], id="negative-sample"),
        pytest.param(["scan", "127.0.0.1", "--format", "xml"], id="unknown-format"),
        pytest.param(["scan", "10.0.0.0/8"], id="large-range-without-yes"),
        pytest.param(["scan", "@/nonexistent/targets.txt"], id="missing-file"),
        pytest.param(["frobnicate"], id="unknown-command"),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv: list[str], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--db", str(tmp_path / "f.db")] if argv[:1] == ["scan"] else argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("leakhound: error: ")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_closed_ports_give_verdicts_and_exit_0(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    ports = [free_port(), free_port()]
    out = tmp_path / "r.json"
    rc = main(["scan", *(f"127.0.0.1:{p}" for p in ports), "--db", str(tmp_path / "f.db"),
               "--format", "json", "--output", str(out), "--fail-on", "open"])
    assert rc == 0
    doc = json.loads(out.read_text())
    assert sorted(r["service"]["verdict"] for r in doc["results"]) == ["closed", "closed"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert capsys.readouterr().out == ""


def test_report_of_last_scan_and_scans_listing(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "f.db")
    assert main(["scan", f"[::1]:{free_port()}", "--db", db, "--format", "jsonl"]) == 0
    first = capsys.readouterr().out.splitlines()
    scan_id = json.loads(first[0])["scan_id"]
    assert main(["report", "last", "--db", db, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["scan_id"] == scan_id
    assert main(["scans", "--db", db]) == 0
    assert scan_id in capsys.readouterr().out


def test_purge_removes_the_scan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "f.db")
    main(["scan", f"127.0.0.1:{free_port()}", "--db", db, "--format", "jsonl"])
    scan_id = json.loads(capsys.readouterr().out.splitlines()[0])["scan_id"]
    assert main(["purge", scan_id, "--db", db]) == 0
    assert main(["report", scan_id, "--db", db]) == 2
    assert "no scan" in capsys.readouterr().err


def test_unwritable_output_is_a_usage_error(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["scan", f"127.0.0.1:{free_port()}", "--db", str(tmp_path / "f.db"),
               "--format", "json", "--output", str(tmp_path / "no" / "such" / "dir.json")])
    assert rc == 2
    assert "cannot write" in capsys.readouterr().err


def test_detect_reads_json_lines_and_reports_bad_lines(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "docs.jsonl"
    f.write_text('{"text": "write to jane @contoso com"}\n{oops\n{"n": 1}\n')
    rc = main(["detect", str(f), "--types", "email_address"])
    out = capsys.readouterr()
    (finding,) = [json.loads(x) for x in out.out.splitlines()]
    assert finding["line"] == 0 and finding["type"] == "EMAIL_ADDRESS"
    assert finding["path"] == "text" and finding["masked"] == "j***@c***.com"
    assert "jane" not in out.out
    assert out.err.startswith("line 1:") and out.err.count("\n") == 1
    assert rc != 0


def test_detect_refuses_unknown_types(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["detect", "--types", "EMAIL_ADDRESS,SHOE_SIZE"]) == 2
    assert "SHOE_SIZE" in capsys.readouterr().err
