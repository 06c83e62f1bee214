"""leakhound watch over the real lab: the secured target opened (nginx's basic auth taken away
and nginx reloaded) is one alert through every route, staying open is silence, closing it
again is one resolution; nothing raw from the store reaches an alert or the record."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from leakhound import lab as lab_
from leakhound.cli import main

from .receivers import (
    HttpReceiver,
    MailServer,
    SyslogReceiver,
    http_receiver,
    smtp_server,
    syslog_udp,
)

SECRET = "lab-webhook-s3cret"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@pytest.fixture
def secured_closed_after(lab: Any) -> Iterator[str]:
    """The lab's secured target URL; closed again whatever the test does."""
    try:
        yield lab.status.url("secured")
    finally:
        lab_.toggle(lab.status.state_dir, "secured", opened=False)


def _raw_emails(lab: Any) -> set[str]:
    """E-mail addresses the open node really holds (the test reads them directly)."""
    with httpx.Client(trust_env=False, timeout=30) as http:
        text = http.get(lab.status.url("open") + "/_search", params={"size": 200}).text
    found = set(_EMAIL.findall(text))
    assert len(found) > 20
    return found


def test_opening_and_closing_a_lab_store_alerts_once_through_every_route(
    lab: Any,
    secured_closed_after: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = lab.status
    secured = secured_closed_after
    endpoint = secured.removeprefix("http://")
    db = tmp_path / "findings.db"
    commands = tmp_path / "command-alerts.jsonl"
    monkeypatch.setenv("LEAKHOUND_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("LEAKHOUND_SMTP_PASSWORD", "mail-s3cret")
    script = f"import sys; open({str(commands)!r}, 'a').write(sys.stdin.read() + '\\n')"

    with (
        http_receiver() as hook,
        http_receiver() as slack,
        http_receiver() as teams,
        smtp_server(tmp_path) as mail,
        syslog_udp() as syslog,
    ):
        argv = [
            "watch",
            status.url("open"),
            secured,
            status.url("partial"),
            "--once",
            "--db",
            str(db),
            "--sample",
            "20",
            "--alert",
            hook.url("/leakhound"),
            "--alert",
            f"slack+{slack.url('/slack')}",
            "--alert",
            f"teams+{teams.url('/teams')}",
            "--alert",
            f"smtp://alerts@127.0.0.1:{mail.port}?to=sec@example.net"
            f"&from=watch@example.net&ca={mail.ca_file}",
            "--alert",
            f"syslog://127.0.0.1:{syslog.port}",
            "--alert",
            f'exec:{sys.executable} -c "{script}"',
        ]

        def round_() -> list[dict[str, Any]]:
            seen = len(hook.requests)
            assert main(argv) == 0, capsys.readouterr().err
            return [json.loads(r.body)["alert"] for r in hook.requests[seen:]]

        baseline = round_()
        assert {a["endpoint"] for a in baseline} == {
            status.url("open").removeprefix("http://"),
            status.url("partial").removeprefix("http://"),
        }
        assert not any(a["endpoint"] == endpoint for a in baseline)  # secured: nothing

        lab_.toggle(status.state_dir, "secured", opened=True)
        assert httpx.get(secured + "/", trust_env=False).status_code == 200  # really open
        opened = round_()
        assert {a["endpoint"] for a in opened} == {endpoint}
        assert sorted(a["event"] for a in opened) == ["compromised", "opened"]  # read_me
        alert = next(a for a in opened if a["event"] == "opened")
        assert alert["verdict"] == "open" and alert["severity"] == "critical"
        assert f"open opensearch store at {secured}" in alert["title"]
        assert alert["evidence"]["pii"]["EMAIL_ADDRESS"]["examples"]
        assert alert["next_steps"][1] == f"leakhound assess {alert['scan_id']} --db {db}"

        assert round_() == []  # still open: no second alert

        lab_.toggle(status.state_dir, "secured", opened=False)
        resolved = round_()
        # Due deliveries go out together (asyncio.gather): the webhook may get the two in
        # either order.
        assert sorted((a["event"], a["issue"]) for a in resolved) == [
            ("resolved", "compromised"),
            ("resolved", "exposed"),
        ]
        assert all(a["endpoint"] == endpoint for a in resolved)

        every = baseline + opened + resolved
        _check_every_route(every, hook, slack, teams, mail, syslog, commands, alert, secured)

    raw = _raw_emails(lab)
    with sqlite3.connect(db) as conn:
        stored = json.dumps(
            conn.execute("SELECT * FROM watch_alerts, watch_deliveries, watch_issues").fetchall()
        )
        rounds = conn.execute("SELECT status, evaluated FROM watch_rounds").fetchall()
        states = conn.execute("SELECT DISTINCT status FROM watch_deliveries").fetchall()
    assert rounds == [("done", 1)] * 4
    assert states == [("delivered",)]
    sent = b"".join(r.body for rx in (hook, slack, teams) for r in rx.requests)
    sent += b"".join(m.as_bytes() for m in mail.messages) + b"".join(syslog.messages)
    sent += commands.read_bytes() + capsys.readouterr().err.encode()
    leaked = sorted(e for e in raw if e.encode() in sent or e in stored)
    assert leaked == []


def _check_every_route(
    every: list[dict[str, Any]],
    hook: HttpReceiver,
    slack: HttpReceiver,
    teams: HttpReceiver,
    mail: MailServer,
    syslog: SyslogReceiver,
    commands: Path,
    alert: dict[str, Any],
    secured: str,
) -> None:
    ids = [a["alert_id"] for a in every]
    # webhook: each signed as documented, checked by hand
    for r in hook.requests:
        ts = r.headers["x-leakhound-timestamp"].encode()
        mac = hmac.new(SECRET.encode(), ts + b"." + r.body, hashlib.sha256).hexdigest()
        assert r.headers["x-leakhound-signature"] == f"sha256={mac}"
    # every route got every alert, once
    assert len(slack.requests) == len(teams.requests) == len(every)
    slack_titles = [json.loads(r.body)["text"] for r in slack.requests]
    assert sum(secured in t and "open opensearch store" in t for t in slack_titles) == 1
    teams_titles = [
        json.loads(r.body)["attachments"][0]["content"]["body"][0]["text"] for r in teams.requests
    ]
    assert teams_titles.count(alert["title"]) == 1
    assert sorted(m["X-Leakhound-Alert"] for m in mail.messages) == sorted(ids)
    assert all(tls for _f, _t, tls in mail.envelopes)
    assert sorted(
        re.search(rb'alert_id="(\w+)"', m)[1].decode()  # type: ignore[index]
        for m in syslog.messages
    ) == sorted(ids)
    lines = [json.loads(line) for line in commands.read_text().splitlines() if line.strip()]
    assert sorted(x["alert"]["alert_id"] for x in lines) == sorted(ids)
