"""A folder given as LOG: its files read oldest first, rotated and compressed ones included,
and a line saying why for everything in it that is not read."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from investigate_helpers import Run, by_address

from leakhound.cli import main
from leakhound.investigate.reader import expand


def _line(src: str, day: int, path: str) -> str:
    return (
        f'{src} - - [{day:02d}/Dec/2026:10:00:00 +0000] "GET {path} HTTP/1.1" 200 900 "-" '
        '"curl/8.5.0"\n'
    )


ERROR = '2026/12/06 10:00:00 [error] 812#812: *9 open() "/srv/x" failed (2: No such file)\n'


@pytest.fixture
def nginx_folder(tmp_path: Path) -> Path:
    """/var/log/nginx as logrotate leaves it: three days of access logs, two error logs and a
    folder of old ones."""
    d = tmp_path / "nginx"
    d.mkdir()
    (d / "access.log.2.gz").write_bytes(gzip.compress(_line("203.0.113.5", 4, "/").encode()))
    (d / "access.log.1").write_text(_line("203.0.113.5", 5, "/_cat/indices"))
    (d / "access.log").write_text(_line("203.0.113.5", 6, "/customers/_search?size=10"))
    (d / "error.log").write_text(ERROR)
    (d / "error.log.1").write_text(ERROR * 3)
    (d / "old").mkdir()
    return d


def test_a_folder_is_read_oldest_first_with_why_for_the_rest(nginx_folder: Path, run: Run) -> None:
    inv = run(nginx_folder)
    assert [Path(f.path).name for f in inv.files] == [
        "access.log.2.gz",
        "access.log.1",
        "access.log",
    ]
    assert all(f.format == "nginx" for f in inv.files)
    assert not any("minutes before" in n for f in inv.files for n in f.notes)
    src = by_address(inv)["203.0.113.5"]
    assert src.first_seen == "2026-12-04T10:00:00Z" and src.requests == 3
    assert src.action_names == ("probe", "enumerate", "read")
    assert inv.problems == ()
    passed = [Path(p.split(": ", 1)[0]).name + ": " + p.split(": ", 1)[1] for p in inv.passed_over]
    assert passed == [
        f"old: a folder inside {nginx_folder}: not read (give it as a LOG)",
        "error.log.1: an nginx error log: no request line in it, not read",
        "error.log: an nginx error log: no request line in it, not read",
    ]
    assert "could not be read" not in inv.summary.sentence  # an error log is no log unread


def test_the_cli_reads_a_folder_and_says_why_each_file_is_passed_over(
    nginx_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["investigate", str(nginx_folder), "--format-out", "json"])
    out, err = capsys.readouterr()
    assert code == 0
    assert '"203.0.113.5"' in out
    lines = err.strip().splitlines()
    assert len(lines) == 3 and all(ln.startswith("leakhound: ") for ln in lines)
    assert "Traceback" not in err


def test_an_empty_folder_is_a_problem(tmp_path: Path) -> None:
    paths, problems, passed = expand([str(tmp_path)])
    assert paths == [] and passed == []
    assert problems == [f"{tmp_path}: a folder with no file in it"]


def test_dated_rotations_are_read_oldest_first(tmp_path: Path) -> None:
    names = ["access.log", "access.log-20261205.gz", "access.log-20261130", "access.log-20261204"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    paths, _, _ = expand([str(tmp_path)])
    assert [Path(p).name for p in paths] == [
        "access.log-20261130",
        "access.log-20261204",
        "access.log-20261205.gz",
        "access.log",
    ]


def test_a_folder_a_glob_matches_is_passed_over(nginx_folder: Path) -> None:
    paths, problems, passed = expand([str(nginx_folder / "*")])
    assert "access.log" in [Path(p).name for p in paths]
    assert problems == []
    assert passed == [
        f"{nginx_folder / 'old'}: a folder matched by {nginx_folder / '*'}: not read "
        "(give it as a LOG)"
    ]


@pytest.mark.parametrize(
    ("head", "want"),
    [
        pytest.param(ERROR.encode(), "an nginx error log", id="nginx"),
        pytest.param(
            b"[Sun Dec 06 10:00:00.123456 2026] [core:error] [pid 42] [client 203.0.113.5:5000] "
            b"AH00126: Invalid URI in request GET /.. HTTP/1.1\n",
            "an Apache error log",
            id="apache-2.4",
        ),
        pytest.param(
            b"[Sun Dec 06 10:00:00 2026] [error] [client 203.0.113.5] File does not exist\n",
            "an Apache error log",
            id="apache-2.2",
        ),
        pytest.param(_line("203.0.113.5", 6, "/").encode(), None, id="access-log-is-not"),
        pytest.param(b"", None, id="empty"),
    ],
)
def test_error_logs_are_told_from_access_logs(head: bytes, want: str | None) -> None:
    from leakhound.investigate.formats import error_log

    assert error_log.recognise(head) == want


def test_a_symlink_loop_in_a_folder_is_passed_over(
    nginx_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (nginx_folder / "loop").symlink_to("loop")
    paths, problems, passed = expand([str(nginx_folder)])
    assert [Path(p).name for p in paths if "access" in p] == [
        "access.log.2.gz",
        "access.log.1",
        "access.log",
    ]
    assert f"{nginx_folder / 'loop'}: cannot tell what it is (" in passed[0]
    assert problems == []
    code = main(["investigate", str(nginx_folder), "--format-out", "json"])
    _, err = capsys.readouterr()
    assert code == 0 and "internal error" not in err


def test_a_file_reached_by_two_names_is_read_once(nginx_folder: Path, run: Run) -> None:
    # A link beside its target (``current``), and a file of the folder given again.
    (nginx_folder / "current").symlink_to("access.log")
    inv = run(nginx_folder, f"{nginx_folder}/./access.log.1")
    assert [Path(f.path).name for f in inv.files] == [
        "access.log.2.gz",
        "access.log.1",
        "access.log",
    ]
    assert by_address(inv)["203.0.113.5"].requests == 3
    assert (
        f"{nginx_folder / 'current'}: the same file as {nginx_folder / 'access.log'}: read once"
        in (inv.passed_over)
    )
    assert any(
        p.endswith(f"the same file as {nginx_folder / 'access.log.1'}: read once")
        for p in inv.passed_over
    )


def test_dated_rotations_of_other_shapes_are_read_oldest_first(tmp_path: Path) -> None:
    # MongoDB's logRotate renames to .<ISO time>; logrotate's dateformat may dash the date;
    # Apache's rotatelogs names each file by the epoch second it was started.
    names = [
        "mongod.log",
        "mongod.log.2026-12-06T10-00-00",
        "mongod.log.2026-12-05T23-59-59",
        "access_log.1733097600",
        "access_log.1733011200",
        "access.log",
        "access.log-2026-12-02.gz",
        "access.log-2026-12-01",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    paths, _, _ = expand([str(tmp_path)])
    assert [Path(p).name for p in paths] == [
        "access.log-2026-12-01",
        "access.log-2026-12-02.gz",
        "access.log",
        "access_log.1733011200",
        "access_log.1733097600",
        "mongod.log.2026-12-05T23-59-59",
        "mongod.log.2026-12-06T10-00-00",
        "mongod.log",
    ]


@pytest.mark.parametrize("fmt", ["auto", "nginx"])
def test_an_access_log_that_starts_with_error_notices_is_read(
    tmp_path: Path, run: Run, fmt: str
) -> None:
    # docker logs of nginx (its startup notices on stderr first), or error_log and access_log
    # set to one file: the access lines after the notices were passed over, --format or not.
    notice = "2026/12/06 09:59:59 [notice] 1#1: start worker process {}\n"
    log = tmp_path / "nginx.log"
    log.write_text(
        "".join(notice.format(n) for n in range(6))
        + _line("203.0.113.5", 6, "/customers/_search?size=10") * 3
    )
    inv = run(log, format=fmt)
    assert inv.passed_over == ()
    assert [f.format for f in inv.files] == ["nginx"]
    assert by_address(inv)["203.0.113.5"].requests == 3


def test_a_link_out_of_the_folder_is_passed_over(nginx_folder: Path, tmp_path: Path) -> None:
    # An archive of logs may link to this machine's files: their lines would be quoted in the
    # report as lines that could not be read.
    secret = tmp_path / "id_rsa"
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    (nginx_folder / "access.log.3").symlink_to(secret)
    (nginx_folder / "current").symlink_to("access.log")  # inside: the same file, read once
    paths, _, passed = expand([str(nginx_folder)])
    assert str(nginx_folder / "access.log.3") not in paths
    assert (
        f"{nginx_folder / 'access.log.3'}: a link to {secret}, not in {nginx_folder}: not read "
        "(give it as a LOG to read it)"
    ) in passed
    assert (
        f"{nginx_folder / 'current'}: the same file as {nginx_folder / 'access.log'}: read once"
        in (passed)
    )
