"""A partial cluster whose errors say what a refusal would: a read that answers HTTP 500 with
"403 Forbidden … unauthorized" in its reason is a read that failed, not one refused for want of
credentials. Through the CLI, a full read of each index, its store and ``assess``: the index
that answered 401 is excused from measurement, the one whose words said 403 is not, and the
Art. 33 decision stays open where the regex over the words used to close it."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from leakhound import cli

from . import audited
from . import servers as S

WORDS = "403 Forbidden: access denied, unauthorized, requires authentication"


class Refusing(S.FakeElasticsearch):
    """A 7.17 cluster behind a proxy that guards ``/_search``: its indices are listed; the
    point in time of ``orders`` asks for credentials (401), that of ``crm`` fails (500) with
    a reason in a refusal's words."""

    def route(self, req: S.Request) -> tuple[int, bytes]:
        parts = req.path.strip("/").split("/")
        if len(parts) == 2 and parts[1] == "_pit":
            if parts[0] == "orders":
                return 401, orjson.dumps(
                    {
                        "error": {"type": "security_exception", "reason": "requires auth"},
                        "status": 401,
                    }
                )
            if parts[0] == "crm":
                return 500, orjson.dumps(
                    {"error": {"type": "exception", "reason": WORDS}, "status": 500}
                )
        return super().route(req)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[audited.Scan, Path]]:
    tmp = tmp_path_factory.mktemp("hostile-refusal")
    db = tmp / "f.db"
    indices = [S.FakeIndex("crm"), S.FakeIndex("orders")]
    with S.ServerLoop() as loop:
        port = loop.serve(Refusing(indices, guarded=frozenset({"/_search"})))
        argv = ["scan", f"http://127.0.0.1:{port}", "--depth", "full", "--db", str(db)]
        argv += ["--format", "json", "--workers", "0", "--read-timeout", "5"]
        yield audited.scan(argv, {"cluster": port}), db


def test_only_the_401_marks_a_read_refused_for_credentials(
    scanned: tuple[audited.Scan, Path],
) -> None:
    scan, _ = scanned
    result = scan.by_name["cluster"]
    assert scan.exit_status == 0, scan.stderr
    assert result["service"]["verdict"] == "partial"
    full = {ir["index"]["name"]: ir["full"] for ir in result["indices"]}
    assert full["orders"]["failure"] == "credentials"
    assert "HTTP 401" in full["orders"]["error"]
    assert full["crm"]["failure"] == "other"
    assert WORDS in full["crm"]["error"]  # the words are kept, and weigh nothing


def test_assess_excuses_the_refused_index_and_leaves_the_failed_one_open(
    scanned: tuple[audited.Scan, Path],
) -> None:
    _, db = scanned
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["assess", "last", "--db", str(db), "--format", "json"]) == 0
    doc: dict[str, Any] = json.loads(out.getvalue())
    asked = {i["name"]: i["asked_credentials"] for i in doc["indices"]}
    assert asked == {"crm": False, "orders": True}
    assert all(i["refused"] for i in doc["indices"])  # neither read: listed, not exposed
    art_33 = doc["gdpr"]["art_33"]
    # crm may well be readable: not measured, not excused (its words said 403)
    assert art_33["duty"] == "undetermined", art_33
    assert any("their sample failed" in r for r in art_33["reasons"])
