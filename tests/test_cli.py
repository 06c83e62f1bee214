"""The command line: exit statuses, one-line errors, private output files."""

from __future__ import annotations

import io
import json
import socket
import socketserver
import stat
import sys
import threading
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
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--db", str(tmp_path / "f.db")] if argv[:1] == ["scan"] else argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("leakhound: error: ")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_closed_ports_give_verdicts_and_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ports = [free_port(), free_port()]
    out = tmp_path / "r.json"
    rc = main(
        [
            "scan",
            *(f"127.0.0.1:{p}" for p in ports),
            "--db",
            str(tmp_path / "f.db"),
            "--format",
            "json",
            "--output",
            str(out),
            "--fail-on",
            "open",
        ]
    )
    assert rc == 0
    doc = json.loads(out.read_text())
    assert sorted(r["service"]["verdict"] for r in doc["results"]) == ["closed", "closed"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert capsys.readouterr().out == ""


def test_report_of_last_scan_and_scans_listing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
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


def test_unwritable_output_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(
        [
            "scan",
            f"127.0.0.1:{free_port()}",
            "--db",
            str(tmp_path / "f.db"),
            "--format",
            "json",
            "--output",
            str(tmp_path / "no" / "such" / "dir.json"),
        ]
    )
    assert rc == 2
    assert "cannot write" in capsys.readouterr().err


def test_detect_reads_json_lines_and_reports_bad_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "docs.jsonl"
    f.write_text('{"text": "write to jane @contoso com"}\n{oops\n{"n": 1}\n')
    rc = main(["detect", str(f), "--types", "email_address"])
    out = capsys.readouterr()
    (finding,) = [json.loads(x) for x in out.out.splitlines()]
    assert finding["line"] == 0 and finding["type"] == "EMAIL_ADDRESS"
    assert finding["path"] == "text" and finding["masked"] == "j***@c***.com"
    assert "jane" not in out.out
    assert out.err.startswith("line 1:") and out.err.count("\n") == 1
    assert rc == 2  # bad input: documented exit status of detect


def test_detect_reads_stdin_when_its_file_is_a_dash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b'{"text": "write to jane @contoso com"}\n'))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["detect", "-", "--types", "email_address"]) == 0
    out = capsys.readouterr()
    (finding,) = [json.loads(x) for x in out.out.splitlines()]
    assert finding["masked"] == "j***@c***.com" and out.err == ""


def test_detect_reads_a_file_named_dash_given_as_a_path(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # "./-" names the file "-", as for cat and grep: only a bare "-" is stdin.
    (tmp_path / "-").write_bytes(b'{"text": "write to jane @contoso com"}\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert main(["detect", "./-", "--types", "email_address"]) == 0
    (finding,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert finding["masked"] == "j***@c***.com"


def test_detect_refuses_unknown_types(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["detect", "--types", "EMAIL_ADDRESS,SHOE_SIZE"]) == 2
    assert "SHOE_SIZE" in capsys.readouterr().err


@pytest.fixture
def stored_scan(tmp_path: Path) -> tuple[str, str]:
    """(db path, scan id) of a stored scan with one open store holding e-mail addresses."""
    from leakhound.models import (
        Container,
        ContainerResult,
        Endpoint,
        Fingerprint,
        PiiField,
        PiiSummary,
        Sample,
        Service,
        TargetResult,
        Verdict,
    )
    from leakhound.store import SqliteStore

    svc = Service(
        Endpoint("127.0.0.1", 9200),
        "http://127.0.0.1:9200",
        "elasticsearch",
        Verdict.OPEN,
        "open",
        Fingerprint(product="opensearch", version="2.19.1"),
    )
    pii = PiiSummary("EMAIL_ADDRESS", 50, (PiiField("customer.email", 50),), ("j***@e***.com",), 40)
    idx = Container(
        "cases",
        1000,
        10_000,
        False,
        False,
        date_min="2005-01-01T00:00:00Z",
        date_max="2019-12-31T00:00:00Z",
        details={"health": "green", "status": "open"},
    )
    db = tmp_path / "f.db"
    with SqliteStore(db) as store:
        scan_id = store.begin_scan(["127.0.0.1:9200"], {})
        store.record(scan_id, TargetResult(svc, (ContainerResult(idx, Sample(100, 100, (pii,))),)))
        store.finish_scan(scan_id)
    return str(db), scan_id


def test_assess_prints_severity_and_deadline(
    stored_scan: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, scan_id = stored_scan
    assert (
        main(
            ["assess", scan_id, "--db", db, "--format", "json", "--aware-since", "2026-11-01T09:00"]
        )
        == 0
    )
    a = json.loads(capsys.readouterr().out)
    text = json.dumps(a)
    assert "2026-11-04T09:00" in text  # aware-since + 72 hours
    from leakhound.assess.severity import level_of

    s = a["severity"]
    assert s["score"] == s["dpc"]["value"] * s["ei"]["value"] + s["cb"]
    assert s["level"] == level_of(s["score"]).value
    assert any("127.0.0.1:9200/cases: EMAIL_ADDRESS identifies" in w for w in s["ei"]["why"])


def test_assess_with_a_bad_context_file_is_one_line(
    stored_scan: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, scan_id = stored_scan
    ctx = tmp_path / "context.yaml"
    ctx.write_text("no_such_key: 1\n")
    assert main(["assess", scan_id, "--db", db, "--context", str(ctx)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no_such_key" in err


def test_bad_aware_since_is_a_usage_error(
    stored_scan: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, scan_id = stored_scan
    assert main(["assess", scan_id, "--db", db, "--aware-since", "yesterday-ish"]) == 2
    assert "ISO 8601" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["authority", "subjects"])
def test_notify_writes_a_private_draft(
    kind: str, stored_scan: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, scan_id = stored_scan
    out = tmp_path / f"{kind}.md"
    assert main(["notify", scan_id, "--kind", kind, "--db", db, "--output", str(out)]) == 0
    text = out.read_text()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "[[TO FILL" in text if kind == "authority" else "password" in text.lower()


@pytest.mark.parametrize("fmt", ["html", "sarif"])
def test_report_html_and_sarif(
    fmt: str, stored_scan: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, scan_id = stored_scan
    assert main(["report", scan_id, "--db", db, "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "html":
        assert out.lstrip().lower().startswith("<!doctype html>") and "cases" in out
    else:
        assert json.loads(out)["version"] == "2.1.0"


def test_scan_outside_scope_is_refused_before_any_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], request_audit: list[object]
) -> None:
    scope = tmp_path / "scope.txt"
    scope.write_text("127.0.0.0/30\n")
    before = len(request_audit)
    rc = main(
        [
            "scan",
            "127.0.0.1:9",
            "127.0.9.9:9",
            "--scope",
            str(scope),
            "--db",
            str(tmp_path / "f.db"),
        ]
    )
    assert rc == 2
    assert "outside the authorised scope" in capsys.readouterr().err
    assert len(request_audit) == before


def test_full_depth_scan_outside_scope_is_refused_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], request_audit: list[object]
) -> None:
    scope = tmp_path / "scope.txt"
    scope.write_text("127.0.0.0/30\n")
    before = len(request_audit)
    rc = main(
        [
            "scan",
            "127.0.9.9:9",
            "--depth",
            "full",
            "--scope",
            str(scope),
            "--db",
            str(tmp_path / "f.db"),
        ]
    )
    assert rc == 2
    assert "outside the authorised scope" in capsys.readouterr().err
    assert len(request_audit) == before


@pytest.mark.parametrize("depth", ["sample", "full"])
def test_a_resumed_scan_keeps_to_the_scope_it_started_under(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], request_audit: list[object], depth: str
) -> None:
    import sqlite3

    scope = tmp_path / "scope.txt"
    scope.write_text("127.0.0.0/30  # the lab\n")
    db = tmp_path / "f.db"
    assert (
        main(
            [
                "scan",
                "127.0.0.1:9",
                "--depth",
                depth,
                "--scope",
                str(scope),
                "--db",
                str(db),
                "--format",
                "jsonl",
            ]
        )
        == 0
    )
    with sqlite3.connect(db) as conn:
        scan_id, options = conn.execute("SELECT scan_id, options FROM scans").fetchone()
    assert json.loads(options)["scope"] == ["127.0.0.0/30"]
    # The address left the authorised ranges since (a name that resolves elsewhere now,
    # here a narrower scope written in): resuming without --scope is refused all the same.
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE scans SET options=json_set(options, '$.scope', "
            "json_array('127.0.5.0/30')), status='interrupted'"
        )
    capsys.readouterr()
    before = len(request_audit)
    assert main(["scan", "--resume", scan_id, "--db", str(db)]) == 2
    assert "outside the authorised scope" in capsys.readouterr().err
    assert len(request_audit) == before
    # And a --scope given on resume is checked too, beside the stored one.
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE scans SET options=json_remove(options, '$.scope')")
    scope.write_text("127.0.6.0/30\n")
    assert main(["scan", "--resume", scan_id, "--scope", str(scope), "--db", str(db)]) == 2
    assert "outside the authorised scope" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("given", "used"), [([], 1), (["--workers", "0"], 0), (["--workers", "3"], 3)]
)
def test_a_resumed_scan_takes_its_workers_from_the_command_line_and_its_reading_from_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: list[str], used: int
) -> None:
    from leakhound import scanner
    from leakhound.scanner.options import FullOptions, ScanOptions
    from leakhound.store.sqlite import SqliteStore

    db = tmp_path / "f.db"
    started = ScanOptions(
        max_containers=7,
        workers=2,
        full=FullOptions(containers=("cases-*",), partitions=3, batch=50),
    )
    assert started.to_json()["workers"] == 2  # stored, for the record only
    with SqliteStore(db) as store:
        scan_id = store.begin_scan(["127.0.0.1:9"], started.to_json())
    seen: list[ScanOptions] = []

    async def read(targets: object, options: ScanOptions, *args: object, **kw: object) -> tuple[()]:
        seen.append(options)  # what the resumed scan would read with, no request sent
        return ()  # no people counted across stores

    monkeypatch.setattr(scanner, "scan_targets", read)
    # What to read and how fast, given again, is ignored: the stored scan's stands.
    again = ["--depth", "full", "--index", "other", "--slices", "1", "--batch", "999"]
    again += ["--kinds", "redis"]  # started without: every kind by port, as then
    argv = ["scan", "--resume", scan_id, *again, *given, "--max-indices", "1", "--db", str(db)]
    assert main([*argv, "--format", "jsonl"]) == 0
    (options,) = seen
    assert options.workers == used  # the machine's: this command line's, else the default 1
    assert options.max_containers == 7
    assert options.full == FullOptions(containers=("cases-*",), partitions=3, batch=50)
    assert options.kinds == ()


def test_insecure_auth_without_credentials_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["scan", "127.0.0.1:1", "--insecure-auth"]) == 2
    assert "--insecure-auth goes with --auth" in capsys.readouterr().err


def test_ca_file_without_credentials_serves_a_scan_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # What a target URL's verify-* TLS trusts: a scan takes it alone; a command where it
    # serves only the owner's credentials (export subjects) does not.
    missing = str(tmp_path / "nope.pem")
    assert main(["scan", "127.0.0.1:1", "--ca-file", missing, "--db", str(tmp_path / "f.db")]) == 2
    assert f"--ca-file: cannot read {missing}" in capsys.readouterr().err
    from argparse import Namespace

    from leakhound.cli.credentials import credentials
    from leakhound.errors import UsageError

    given = Namespace(auth=None, auth_env=None, netrc=None, ca_file="/etc/hostname")
    assert credentials(given, ca_alone=True) is None
    with pytest.raises(UsageError, match="--ca-file goes with --auth"):
        credentials(given)


def test_a_netrc_file_that_does_not_parse_is_named_without_its_tokens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # netrc's own error quotes the token it stumbled on: here the second half of a password
    # with a space in it.
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login app password open sesame9\n")
    netrc.chmod(0o600)
    rc = main(["scan", "127.0.0.1:9", "--netrc", str(netrc), "--db", str(tmp_path / "f.db")])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("leakhound: error: --netrc: ") and " line " in err
    assert "sesame9" not in err


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("postgresql://app:sesame9@127.0.0.1:99999/db", id="bad-port"),
        pytest.param("ftp://app:sesame9@127.0.0.1", id="other-scheme"),
        pytest.param("app:sesame9@127.0.0.1:5432", id="no-scheme"),
        pytest.param("redis://:sesame9@127.0.0.1:6379", id="password-alone"),
    ],
)
def test_a_password_typed_into_a_target_never_reaches_the_error_line(
    target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(["scan", target, "--db", str(tmp_path / "f.db"), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("leakhound: error: credentials in a target")
    assert "sesame9" not in err
    assert not (tmp_path / "f.db").exists() or b"sesame9" not in (tmp_path / "f.db").read_bytes()


class _EchoingRedis(socketserver.BaseRequestHandler):
    """A Redis that asks for credentials and quotes back the password it refuses."""

    def handle(self) -> None:
        f = self.request.makefile("rb")
        while line := f.readline():
            args = [f.read(int(f.readline()[1:]) + 2)[:-2] for _ in range(int(line[1:]))]
            if args and args[0].upper() == b"AUTH":
                reply = b"-WRONGPASS the password '" + args[-1] + b"' is not this user's\r\n"
            else:
                reply = b"-NOAUTH Authentication required.\r\n"
            self.request.sendall(reply)


def test_a_server_quoting_the_password_back_gets_it_recorded_nowhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _EchoingRedis)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("LEAKHOUND_TEST_AUTH", "app:sesame9-quoted")
    db, out = tmp_path / "f.db", tmp_path / "r.json"
    try:
        rc = main(
            [
                "scan",
                f"redis://127.0.0.1:{server.server_address[1]}",
                "--auth-env",
                "LEAKHOUND_TEST_AUTH",
                "--db",
                str(db),
                "--no-progress",
                "--format",
                "json",
                "-o",
                str(out),
            ]
        )
    finally:
        server.shutdown()
        server.server_close()
    assert rc == 0
    (result,) = json.loads(out.read_text())["results"]
    assert "the password '***' is not" in result["service"]["reason"]  # said, without it
    reports = [out.read_text(), capsys.readouterr().err]
    for fmt in ("terminal", "markdown", "html", "sarif"):
        assert main(["report", "last", "--db", str(db), "--format", fmt]) == 0
        reports.append(capsys.readouterr().out)
    files = b"".join(p.read_bytes() for p in tmp_path.glob("f.db*"))
    assert b"sesame9" not in files
    assert not [r for r in reports if "sesame9" in r]


def test_an_internal_error_quoting_a_record_prints_it_masked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from leakhound.cli import commands

    def scans(_args: object) -> int:
        raise KeyError("jane.doe@gmail.com")  # a bug with a record's value in hand

    monkeypatch.setitem(commands.COMMANDS, "scans", scans)
    assert main(["scans"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("leakhound: internal error: KeyError: ") and "j***@g***.com" in err
    assert "jane.doe@gmail.com" not in err


def test_an_error_line_never_quotes_the_password_the_command_line_gave(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from leakhound.cli import commands

    def scan(args: object) -> int:
        raise RuntimeError("login as app with sesame9-given failed")  # a bug echoing it

    monkeypatch.setitem(commands.COMMANDS, "scan", scan)
    monkeypatch.setenv("LEAKHOUND_TEST_AUTH", "app:sesame9-given")
    db = str(tmp_path / "f.db")
    assert main(["scan", "127.0.0.1:9", "--auth-env", "LEAKHOUND_TEST_AUTH", "--db", db]) == 3
    assert main(["scan", "127.0.0.1:9", "--auth", "app:sesame9-given", "--db", db]) == 3
    err = capsys.readouterr().err
    assert err.count("login as app with *** failed") == 2 and "sesame9" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "last"],
        ["assess", "last"],
        ["notify", "last", "--kind", "authority"],
        ["export-subjects", "last"],
        ["purge", "last"],
        ["scan", "--resume", "last"],
        ["investigate", "LOG", "--scan", "last"],
    ],
    ids=lambda a: a[0] if a[0] != "scan" else "resume",
)
def test_a_command_that_reads_the_database_leaves_no_empty_one_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    # Each made an empty 160 KB findings database at a mistyped --db, then said "no scan in".
    db = tmp_path / "typo.db"
    log = tmp_path / "access.log"
    log.write_text('203.0.113.9 - - [05/Dec/2019:10:00:00 +0000] "GET / HTTP/1.1" 200 5\n')
    argv = [str(log) if a == "LOG" else a for a in argv]
    assert main([*argv, "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert f"no findings database at {db}" in err and len(err.strip().splitlines()) == 1
    assert not db.exists()
