"""run_jsonl (`leakhound detect`): one JSON line per finding, malformed lines reported."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from leakhound.detect import run_jsonl
from leakhound.errors import UsageError

INPUT = (
    b'{"text": "Please write to jane.doe@example.com"}\n'
    b"{not json\n"
    b"\n"
    b'{"client_ip": "81.2.69.160", "notes": ["none", "call +33 6 12 34 56 78"]}\n'
    b'"a bare string with bob@example.org"\n'
)


def run(data: bytes, **kw: object) -> tuple[int, list[dict[str, object]], str]:
    out, err = io.StringIO(), io.StringIO()
    status = run_jsonl(io.BytesIO(data), out, err, **kw)  # type: ignore[arg-type]
    return status, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_round_trip_writes_one_line_per_finding_in_order() -> None:
    status, rows, err = run(INPUT)
    assert rows[0] == {
        "line": 0,
        "path": "text",
        "type": "EMAIL_ADDRESS",
        "start": 16,
        "end": 36,
        "score": rows[0]["score"],
        "masked": "j***@e***.com",
    }
    assert list(rows[0]) == ["line", "path", "type", "start", "end", "score", "masked"]
    assert [(r["line"], r["path"], r["type"]) for r in rows] == [
        (0, "text", "EMAIL_ADDRESS"),
        (3, "client_ip", "IP_ADDRESS"),
        (3, "notes[1]", "PHONE_NUMBER"),
        (4, "", "EMAIL_ADDRESS"),
    ]
    assert err.startswith("line 1: not valid JSON") and err.count("\n") == 1
    assert status == 2


def test_output_line_format_matches_the_documented_example() -> None:
    out, err = io.StringIO(), io.StringIO()
    run_jsonl(io.BytesIO(b'{"text": "Ticket opened by jane@example.com"}\n'), out, err)
    assert out.getvalue() == (
        '{"line": 0, "path": "text", "type": "EMAIL_ADDRESS", "start": 17, "end": 33, '
        '"score": 0.95, "masked": "j***@e***.com"}\n'
    )
    assert err.getvalue() == ""


def test_malformed_lines_are_named_and_the_run_goes_on() -> None:
    status, rows, err = run(b'{"a": 1}\n[1,\n\xff\xfe\n{"e": "x@example.com"}\n')
    assert status == 2
    assert [line.split(":")[0] for line in err.splitlines()] == ["line 1", "line 2"]
    assert [r["line"] for r in rows] == [3]


def test_clean_input_exits_zero() -> None:
    status, rows, err = run(b'{"e": "x@example.com"}\n{"n": 1}\n')
    assert (status, len(rows), err) == (0, 1, "")


def test_raw_values_never_reach_the_output() -> None:
    _, rows, _ = run(INPUT)
    text = json.dumps(rows)
    for raw in ("jane.doe", "81.2.69.160", "12 34 56 78", "bob@"):
        assert raw not in text


def test_types_and_min_score_filter() -> None:
    _, rows, _ = run(INPUT, types={"IP_ADDRESS"})
    assert {r["type"] for r in rows} == {"IP_ADDRESS"}
    _, rows, _ = run(INPUT, min_score=0.99)
    assert all(float(r["score"]) >= 0.99 for r in rows)  # type: ignore[arg-type]


def test_huge_integers_are_valid_json() -> None:
    status, _, err = run(b'{"n": 123456789012345678901234567890}\n')
    assert (status, err) == (0, "")


def test_text_mode_input_is_accepted() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_jsonl(io.StringIO('{"e": "x@example.com"}\n'), out, err) == 0
    assert '"EMAIL_ADDRESS"' in out.getvalue()


def test_path_input_and_missing_file(tmp_path: Path) -> None:
    f = tmp_path / "docs.jsonl"
    f.write_bytes(INPUT)
    out, err = io.StringIO(), io.StringIO()
    assert run_jsonl(f, out, err) == 2
    assert out.getvalue().count("\n") == 4
    with pytest.raises(UsageError, match="cannot read"):
        run_jsonl(tmp_path / "missing.jsonl", out, err)


def test_workers_preserve_order_across_batches() -> None:
    lines = []
    for i in range(1200):
        if i % 97 == 5:
            lines.append(b"{broken")
        else:
            lines.append(json.dumps({"i": i, "e": f"user{i}@example.com"}).encode())
    data = b"\n".join(lines) + b"\n"
    single = run(data)
    parallel = run(data, workers=2)
    assert parallel == single
    assert [r["line"] for r in single[1]] == [i for i in range(1200) if i % 97 != 5]


def test_workers_must_be_positive() -> None:
    with pytest.raises(UsageError):
        run(b"", workers=0)


def test_ner_without_the_extra_fails_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    from leakhound.detect import ner, scan

    monkeypatch.setitem(sys.modules, "spacy", None)  # as if the extra were not installed
    monkeypatch.setitem(sys.modules, ner.MODEL, None)
    monkeypatch.setattr(scan, "_SELECTIONS", {})
    ner._pipeline.cache_clear()
    with pytest.raises(UsageError, match="ner"):
        run(INPUT, ner=True)
