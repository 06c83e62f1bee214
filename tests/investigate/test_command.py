"""``leakhound investigate`` end to end through the CLI: outputs, redaction, the result stored
with a scan and read by assess, notify and report, and bad input that never stops the run."""

from __future__ import annotations

import gzip
import html
import re
from pathlib import Path

import orjson
import pytest
from investigate_helpers import SAMPLES

from leakhound.cli import main
from leakhound.investigate import generate
from leakhound.investigate.timeparse import zone_of
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

LINE_BYTES = (
    b'203.0.113.66 - - [05/Mar/2019:04:00:00 +0000] "GET /_cat/indices HTTP/1.1" 200 420 "-" "-"\n'
)
FULL_IP = re.compile(r"\b203\.0\.113\.66\b|\b45\.227\.254\.8\b")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[generate.Truth, Path]:
    path = tmp_path_factory.mktemp("cli") / "access.log"
    with path.open("w", encoding="ascii") as fh:
        truth = generate.write(fh, 30_000, seed=5, days=2)
    return truth, path


def _scan(db: Path) -> str:
    """A real stored scan of an open store holding the generator's indices."""
    ep = Endpoint("198.51.100.7", 9200)
    svc = Service(
        ep,
        ep.url("http"),
        "elasticsearch",
        Verdict.OPEN,
        "open",
        Fingerprint(product="opensearch", version="2.19.1"),
    )
    results = []
    for name, docs in generate.INDICES.items():
        pii = (PiiSummary("EMAIL_ADDRESS", 90, (PiiField("email", 90),), (), 90),)
        index = Container(
            name,
            docs,
            docs * generate.DOC_BYTES[name],
            False,
            False,
            details={"health": "green", "status": "open"},
        )
        results.append(ContainerResult(index, Sample(100, 100, pii)))
    with SqliteStore(db) as store:
        scan_id = store.begin_scan(["198.51.100.7"], {"sample": 100})
        store.record(scan_id, TargetResult(svc, tuple(results)))
        store.finish_scan(scan_id)
    return scan_id


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_keeps_addresses_and_redact_masks_them(
    capsys: pytest.CaptureFixture[str], planted: tuple
) -> None:
    truth, path = planted
    code, out, _ = _cli(capsys, "investigate", path, "--owner", truth.owner, "--format-out", "json")
    assert code == 0
    doc = orjson.loads(out)
    assert {"203.0.113.66", "45.227.254.8"} <= {s["address"] for s in doc["sources"]}
    for fmt in ("json", "markdown", "terminal", "html"):
        code, out, _ = _cli(
            capsys, "investigate", path, "--owner", truth.owner, "--redact", "--format-out", fmt
        )
        assert code == 0
        assert not FULL_IP.search(out), fmt
        assert "203.0.*.*" in out, fmt


def test_html_is_self_contained_with_an_svg_timeline(
    capsys: pytest.CaptureFixture[str], planted: tuple
) -> None:
    _, path = planted
    code, out, _ = _cli(capsys, "investigate", path, "--format-out", "html")
    assert code == 0
    assert "<svg" in out and "Content-Security-Policy" in out and "<script" not in out


def test_stored_with_a_scan_and_read_by_assess_notify_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], planted: tuple
) -> None:
    truth, path = planted
    db = tmp_path / "f.db"
    scan_id = _scan(db)
    code, _, err = _cli(
        capsys,
        "investigate",
        path,
        "--scan",
        scan_id,
        "--db",
        db,
        "--owner",
        truth.owner,
        "--scanners",
        truth.scanners,
        "--since",
        truth.start,
        "--until",
        truth.end,
    )
    assert code == 0 and f"stored with scan {scan_id}" in err
    with SqliteStore(db) as store:
        stored = store.load_investigation(scan_id)
    assert stored is not None and stored["scan_id"] == scan_id

    code, out, _ = _cli(capsys, "assess", scan_id, "--db", db, "--format", "json")
    a = orjson.loads(out)
    crit = a["severity"]["circumstances"]
    assert crit["confidentiality"]["value"] == 0.5
    assert "access logs" in " ".join(crit["confidentiality"]["why"])
    assert crit["malicious_intent"]["value"] == 0.5
    assert any("access logs" in r for r in a["gdpr"]["art_34"]["reasons"])

    code, out, _ = _cli(capsys, "notify", scan_id, "--db", db, "--kind", "authority")
    assert "Access by others:" in out and "unknown sources read" in out
    code, out, _ = _cli(capsys, "notify", scan_id, "--db", db, "--kind", "subjects")
    assert "people we do not know read" in out

    code, out, _ = _cli(capsys, "report", scan_id, "--db", db, "--format", "html")
    assert 'id="investigation"' in out and "<svg" in out and "203.0.113.66" in out
    code, out, _ = _cli(capsys, "report", scan_id, "--db", db, "--format", "html", "--redact")
    assert 'id="investigation"' in out and not FULL_IP.search(out)
    code, out, _ = _cli(capsys, "report", scan_id, "--db", db, "--format", "json")
    assert "investigation" not in orjson.loads(out)  # the scan's JSON keeps its schema


def test_the_scan_sets_the_window_and_the_document_sizes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], planted: tuple
) -> None:
    truth, path = planted
    db = tmp_path / "f.db"
    scan_id = _scan(db)
    # Without --since/--until the window is the scan's history: this 2019 log is outside it.
    code, out, _ = _cli(
        capsys, "investigate", path, "--scan", scan_id, "--db", db, "--format-out", "json"
    )
    assert code == 0
    doc = orjson.loads(out)
    assert "first seen exposed" in doc["window"]["basis"]
    assert doc["files"][0]["outside_window"] == doc["files"][0]["parsed"]
    # With the window given, the meow source's PIT pages (no size in the URL) are converted
    # with the log's own sized pages of tickets, and its estimate names the method.
    code, out, _ = _cli(
        capsys,
        "investigate",
        path,
        "--scan",
        scan_id,
        "--db",
        db,
        "--owner",
        truth.owner,
        "--since",
        truth.start,
        "--format-out",
        "json",
    )
    assert code == 0
    meow = next(s for s in orjson.loads(out)["sources"] if s["address"] == "45.227.254.8")
    assert "bytes out ÷" in meow["records"]["method"]
    assert any(t["personal"] for t in meow["targets"])


def test_a_wrong_format_is_counted_not_fatal(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(
        capsys,
        "investigate",
        SAMPLES / "nginx-combined.log",
        "--format",
        "mongodb",
        "--format-out",
        "json",
    )
    assert code == 2  # no line read: nothing to investigate, the result written saying why
    f = orjson.loads(out)["files"][0]
    assert f["skipped"] == f["lines"]
    assert any("is --format right?" in n for n in f["notes"])
    assert "skipped" in err and "Traceback" not in err


def test_no_readable_log_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _cli(capsys, "investigate", tmp_path / "missing.log")
    assert code == 2
    assert "cannot read" in err and "no log could be read" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("files", "said"),
    [
        pytest.param(
            {"access.log": b"", "access.log.1.gz": gzip.compress(b"")},
            "the 2 files are each empty",
            id="all-empty",
        ),
        pytest.param({"redis.log": b"\n \n\n"}, "is empty (blank lines only)", id="blank-lines"),
    ],
)
def test_every_log_empty_is_one_line_saying_there_is_nothing_to_investigate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, bytes], said: str
) -> None:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    code, out, err = _cli(capsys, "investigate", *(tmp_path / name for name in files))
    # not 0 (no one read the data is not what the logs say), not 3 (no crash): the one line
    # names each file and says it was empty
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "nothing to investigate: no log line read" in err and said in err
    assert all(str(tmp_path / name) in err for name in files)


def test_empty_logs_beside_unreadable_ones_are_counted_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "access.log").write_bytes(b"")
    (tmp_path / "old.log.gz").write_bytes(gzip.compress(LINE_BYTES)[:11])  # cut in its header
    code, _, err = _cli(capsys, "investigate", tmp_path / "access.log", tmp_path / "old.log.gz")
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 2 and "old.log.gz: nothing read: the compressed stream" in lines[0]
    assert lines[1].endswith(
        f"nothing to investigate: no log line read: 1 file(s) empty ({tmp_path / 'access.log'}), "
        "1 other(s) not read (each one's reason above)"
    )


def test_every_log_passed_over_is_not_called_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "error.log"
    path.write_text(
        '2026/12/07 10:00:00 [error] 123#123: *1 open() "/srv/x" failed (2: No such file or '
        'directory), client: 203.0.113.5, server: _, request: "GET /x HTTP/1.1", host: "a"\n'
    )
    code, _, err = _cli(capsys, "investigate", path)
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 2 and "no request line in it, not read" in lines[0]
    assert "nothing to investigate" in lines[1] and "no log could be read" not in lines[1]


def test_the_help_gives_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["investigate", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "Exit status: 0 done" in said and "2 a usage error or nothing to investigate" in said
    assert "3 an internal error" in said


def test_the_readme_gives_the_exit_statuses_the_help_gives(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit):
        main(["investigate", "--help"])
    helped = " ".join(capsys.readouterr().out.split())
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("\n## Detecting personal data on its own", 1)[0].rsplit("\n## ", 1)[1]
    said = " ".join(section.split()).split("Exit status: 0 done (whatever", 1)[1]
    said = "0 done " + said
    for status in ("0 done", "2 a usage error", "3 an internal error or a findings database",
                   "130 interrupted"):  # fmt: skip
        assert status in helped and status in said, status
    # 3: a --db that is no database, as the two say
    db = tmp_path / "findings.db"
    db.write_bytes(b"not sqlite " * 400)
    code, _, err = _cli(
        capsys, "investigate", SAMPLES / "mongodb.log", "--db", db, "--scan", "last"
    )
    assert code == 3 and "findings database" in err


def test_the_log_time_zone_help_names_every_log_it_reads(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # a slow log's short # Time: is read in --log-time-zone as much as a general log's is
    with pytest.raises(SystemExit):
        main(["investigate", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    said = out.split("--log-time-zone ZONE")[-1].split("--since", 1)[0]  # its entry, not usage
    for log in ("general", "slow", "audit", "Redis"):
        assert log in said, log


def test_the_log_time_zone_help_says_what_it_takes_and_what_it_changes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # It named two examples and no kind ("Europe/Berlin, +01:00") in a paragraph of logs, and
    # not what a zone given does to an abbreviation it decides (BST)
    with pytest.raises(SystemExit):
        main(["investigate", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    said = out.split("--log-time-zone ZONE")[-1].split("--since", 1)[0]
    assert "an IANA name (Europe/Berlin) or an offset from UTC (+01:00, -0500)" in said
    assert "are read in it, not as UTC" in said
    assert "abbreviation of several meanings (IST, CST, EST, BST)" in said
    for example in ("Europe/Berlin", "+01:00", "-0500"):  # each example is taken
        zone_of(example)


def test_bad_options_are_one_line_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (
        ["--since", "yesterday"],
        ["--owner", "10.0.0.0/99"],
        ["--since", "2020-01-02", "--until", "2020-01-01"],
    ):
        code, _, err = _cli(capsys, "investigate", SAMPLES / "mongodb.log", *args)
        assert code == 2, args
        assert err.count("\n") == 1 and "Traceback" not in err


def test_a_custom_log_format_like_goaccess(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "custom.log"
    path.write_text(
        "203.0.113.5|2019-03-05T10:00:00Z|GET /_cat/indices HTTP/1.1|200|420|curl/8\n"
        "203.0.113.5|2019-03-05T10:00:01Z|DELETE /customers HTTP/1.1|200|21|curl/8\n"
    )
    code, out, _ = _cli(
        capsys, "investigate", path, "--log-format", "%h|%x|%r|%s|%b|%u", "--format-out", "json"
    )
    s = orjson.loads(out)["sources"][0]
    assert code == 0 and [a["action"] for a in s["actions"]] == ["enumerate", "wipe"]
    tpl = '{"ip": "%h", "at": "%x", "req": {"line": "%r"}, "code": "%s", "sent": "%b"}'
    path.write_text(
        '{"ip":"203.0.113.6","at":1551780000,"req":{"line":"GET /orders/_search?size='
        '10 HTTP/1.1"},"code":200,"sent":900}\n'
    )
    code, out, _ = _cli(capsys, "investigate", path, "--log-format", tpl, "--format-out", "json")
    s = orjson.loads(out)["sources"][0]
    assert code == 0 and s["address"] == "203.0.113.6" and s["first_seen"] == "2019-03-05T10:00:00Z"


@pytest.mark.parametrize(
    ("method", "action"),
    [
        pytest.param("GET", "enumerate", id="get"),
        pytest.param("DELETE", "wipe", id="delete"),
        pytest.param("PURGE", "probe", id="purge"),
        pytest.param("MOVE", "probe", id="webdav-move"),
    ],
)
def test_a_method_skipped_right_after_the_time_is_the_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], method: str, action: str
) -> None:
    # "%t %^ %U": the field skipped after the time, read as its zone where it is one, was the
    # method: a DELETE taken for a GET (the method a path alone is given), a read, and PURGE
    # or MOVE, upper-case words, taken for zones no table knows, every line refused
    path = tmp_path / "custom.log"
    path.write_text(f"203.0.113.5 05/Mar/2019:10:00:00 {method} /customers HTTP/1.1 200 21\n")
    code, out, _ = _cli(
        capsys,
        "investigate",
        path,
        "--log-format",
        "%h %d:%t %^ %U %H %s %b",
        "--format-out",
        "json",
    )
    result = orjson.loads(out)
    assert code == 0 and result["files"][0]["skipped"] == 0
    (source,) = result["sources"]
    assert [a["action"] for a in source["actions"]] == [action]
    assert source["first_seen"] == "2019-03-05T10:00:00Z"


@pytest.mark.parametrize(
    ("text", "want"),
    [
        pytest.param(
            "45.227.254.8 - - [05/Mar/2019:06:00:00 +0000]",
            "45.227.*.* - - [05/Mar/2019:06:00:00 +0000]",
            id="line",
        ),
        pytest.param("203.0.113.66:5000", "203.0.*.*:5000", id="with-port"),
        pytest.param("[2001:db8::7]:9200", "[2001:db8:*:*]:9200", id="v6-bracketed"),
        pytest.param(
            "first at 2019-03-05T10:00:00Z", "first at 2019-03-05T10:00:00Z", id="time-kept"
        ),
        pytest.param("version 1.2.3.4.5", "version 1.2.3.4.5", id="not-an-address"),
    ],
)
def test_addresses_are_masked_inside_text(text: str, want: str) -> None:
    from leakhound.investigate.render import mask_addresses

    assert mask_addresses(text) == want


def test_flow_bytes_become_records_with_the_scans_document_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    scan_id = _scan(db)
    code, out, _ = _cli(
        capsys,
        "investigate",
        SAMPLES / "nsg-flow.json",
        "--scan",
        scan_id,
        "--db",
        db,
        "--since",
        "2018-11-13",
        "--format-out",
        "json",
    )
    assert code == 0
    doc = orjson.loads(out)
    s = next(x for x in doc["sources"] if x["address"] == "203.0.113.66")
    # 104,857,600 bytes out ÷ the scan's average stored size per document (all indices)
    docs = sum(generate.INDICES.values())
    size = sum(n * generate.DOC_BYTES[i] for i, n in generate.INDICES.items())
    assert s["records"]["value"] == round((73400320 + 31457280) / (size / docs))
    assert "average stored size over the indices of scan" in s["records"]["method"]
    assert set(doc["summary"]["unknown_personal_readers"]) == {"203.0.113.66", "10.20.1.5"}


@pytest.mark.parametrize(
    ("log_format", "why"),
    [
        pytest.param("%d %t", "a --log-format needs %h and %r (or %U)", id="no-client"),
        pytest.param("SQUID", "a --log-format names no format known: 'SQUID'", id="unknown-name"),
        # Every line was skipped ("not an ISO 8601 time: None"), exit 0
        pytest.param('%h "%r" %s', "a --log-format needs a time", id="no-time"),
        pytest.param('{"ip": "%h", "r": "%r"}', "a --log-format needs a time", id="json-no-time"),
        pytest.param('{"ip": "%h"', "the JSON --log-format is not JSON", id="bad-json"),
        # Every line was skipped ("no request"), exit 0: a JSON template's keys are all read
        pytest.param('{"ip": "%h", "t": "%x"}', "a --log-format needs %h", id="json-no-request"),
        pytest.param('{"r": "%r", "t": "%x"}', "a --log-format needs %h", id="json-no-client"),
        # An internal error (RecursionError) while its keys were read
        pytest.param(
            '{"a": ' * 990 + '"%x"' + "}" * 990, "a --log-format needs %h", id="json-deep"
        ),
    ],
)
def test_a_log_format_that_cannot_be_read_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], log_format: str, why: str
) -> None:
    # It was an internal error (exit 3, "please report it") once the first file was parsed
    code, out, err = _cli(
        capsys, "investigate", SAMPLES / "nginx-combined.log", "--log-format", log_format
    )
    assert (code, out) == (2, "")
    assert err.startswith(f"leakhound: error: {why}")
    assert "internal error" not in err


def _est_lines(n: int) -> str:
    """``n`` access-log lines of a US server writing EST, none read without --log-time-zone."""
    return "".join(
        f'203.0.113.{i} - - [07/Dec/2026:10:0{i}:00 EST] "GET /customers/_search HTTP/1.1" 200 '
        '9000 "-" "curl/8"\n'
        for i in range(1, n + 1)
    )


@pytest.mark.parametrize("out_format", ["terminal", "json", "markdown", "html"])
def test_a_log_none_of_whose_lines_is_read_is_not_called_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], out_format: str
) -> None:
    # Every time in EST (US Eastern, or Australian Eastern before tzdata 2014f): not one line
    # read is no evidence that nobody came; the result says why, and the exit is not 0
    path = tmp_path / "access.log"
    path.write_text(_est_lines(3))
    code, out, err = _cli(capsys, "investigate", path, "--format-out", out_format)
    assert code == 2 and "Traceback" not in err
    said = (html.unescape(out) if out_format == "html" else out).lower()
    assert "no unknown source" not in said and "as far as the logs show" not in said
    assert "the logs could not be read, not one of their 3 line(s)" in said
    assert "the zone est names several offsets" in said and "give --log-time-zone" in said
    last = err.splitlines()[-1]
    assert "nothing to investigate: the logs could not be read" in last
    assert "give --log-time-zone" in last


def test_a_log_none_of_whose_lines_is_read_is_not_stored_with_its_scan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "findings.db"
    scan_id = _scan(db)
    path = tmp_path / "access.log"
    path.write_text(_est_lines(2))
    code, _, err = _cli(capsys, "investigate", path, "--db", db, "--scan", scan_id)
    assert code == 2 and "stored with scan" not in err
    with SqliteStore(db) as store:
        assert store.load_investigation(scan_id) is None


@pytest.mark.parametrize("out_format", ["terminal", "json", "markdown", "html"])
def test_some_lines_unread_are_counted_beside_the_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], out_format: str
) -> None:
    # Three lines unread, the fourth the owner's: "nobody else came" covers the one line read
    path = tmp_path / "access.log"
    path.write_text(
        _est_lines(3) + '198.51.100.4 - - [07/Dec/2026:10:05:00 -0500] "GET / HTTP/1.1" 200 '
        '100 "-" "curl/8"\n'
    )
    code, out, _ = _cli(
        capsys, "investigate", path, "--owner", "198.51.100.0/24", "--format-out", out_format
    )
    assert code == 0
    said = " ".join((html.unescape(out) if out_format == "html" else out).split())
    assert "as far as the logs show" not in said
    assert (
        "as far as the lines read show (3 of 4 log lines could not be read, so this covers the "
        "1 read only; why, for all of them: the zone EST names several offsets, -05:00, +10:00 "
        "and +11:00: give --log-time-zone (the server's zone))"
    ) in said


def test_the_log_time_zone_help_names_est_as_ambiguous(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["investigate", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    said = out.split("--log-time-zone ZONE")[-1].split("--since", 1)[0]
    assert "several meanings (IST, CST, EST" in said
