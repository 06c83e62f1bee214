"""Each alert route against a real receiver on loopback: the webhook's signature checked by
hand as the README documents it, e-mail through a real SMTP server with STARTTLS and AUTH,
syslog parsed as RFC 5424, a command fed the alert on its standard input."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import sys
import time
from pathlib import Path

import pytest

from leakhound.watch import Alert
from leakhound.watch.routes import DeliveryError
from leakhound.watch.routes.command import CommandRoute
from leakhound.watch.routes.slack import SlackRoute
from leakhound.watch.routes.smtp import SmtpRoute
from leakhound.watch.routes.syslog import SyslogRoute
from leakhound.watch.routes.teams import TeamsRoute
from leakhound.watch.routes.webhook import WebhookRoute, verify

from .receivers import http_receiver, smtp_server, syslog_tcp, syslog_udp

ALERT = Alert(
    alert_id="a1b2c3d4e5f60718",
    watch="default",
    event="opened",
    severity="critical",
    issue="exposed",
    endpoint="127.0.0.1:9200",
    url="http://127.0.0.1:9200",
    store_kind="elasticsearch",
    verdict="open",
    title="open opensearch store at http://127.0.0.1:9200: 2 container(s), 600 records; "
    "personal data: EMAIL_ADDRESS",
    scan_id="20260105-120000-abcdef",
    at="2026-01-05T12:00:00.000+00:00",
    evidence={
        "verdict": "open",
        "reason": "data APIs answer without credentials",
        "containers": [
            {"name": "cases<b>", "docs": 500, "pii": ["EMAIL_ADDRESS"], "compromised": False}
        ],
        "containers_total": 2,
        "pii": {
            "EMAIL_ADDRESS": {
                "docs": 40,
                "fields": ["customer.email"],
                "examples": ["j***@e***.com"],
            }
        },
    },
    next_steps=(
        "leakhound report 20260105-120000-abcdef",
        "leakhound assess 20260105-120000-abcdef",
        "leakhound notify 20260105-120000-abcdef --kind authority",
    ),
)


def test_the_webhook_is_signed_as_documented() -> None:
    secret = b"shared-s3cret"
    with http_receiver() as rx:
        asyncio.run(WebhookRoute(rx.url(), secret).send(ALERT, "a1b2c3d4e5f60718-0badc0de"))
    [req] = rx.requests
    ts, sig = req.headers["x-leakhound-timestamp"], req.headers["x-leakhound-signature"]
    # the receiver's side, by hand: HMAC-SHA256 over "<timestamp>.<raw body>"
    expected = hmac.new(secret, ts.encode() + b"." + req.body, hashlib.sha256).hexdigest()
    assert sig == f"sha256={expected}"
    assert abs(time.time() - int(ts)) < 60
    assert req.headers["x-leakhound-delivery"] == "a1b2c3d4e5f60718-0badc0de"
    assert req.headers["x-leakhound-event"] == "opened"
    assert req.headers["content-type"] == "application/json"
    body = json.loads(req.body)
    assert body["type"] == "leakhound.alert" and body["alert"]["scan_id"] == ALERT.scan_id
    assert body["alert"]["next_steps"][1] == "leakhound assess 20260105-120000-abcdef"
    assert verify(secret, ts, req.body, sig)
    assert not verify(b"wrong", ts, req.body, sig)
    assert not verify(secret, ts, req.body.replace(b"open", b"shut"), sig)  # tampered
    assert not verify(secret, ts, req.body, sig, now=int(ts) + 301)  # replayed later


@pytest.mark.parametrize("status", [500, 404, 301])
def test_a_webhook_answering_other_than_2xx_is_a_failed_delivery(status: int) -> None:
    with http_receiver(fail_with=[status]) as rx, pytest.raises(DeliveryError) as err:
        asyncio.run(WebhookRoute(rx.url(), b"k").send(ALERT, "d"))
    assert str(err.value) == f"HTTP {status} from the receiver"


def test_a_webhook_nobody_listens_to_is_a_failed_delivery_in_one_line() -> None:
    with http_receiver() as rx:
        url = rx.url()
    with pytest.raises(DeliveryError) as err:
        asyncio.run(WebhookRoute(url, b"k").send(ALERT, "d"))
    assert "ConnectError" in str(err.value) and "\n" not in str(err.value)


def test_slack_gets_text_and_blocks_with_target_text_escaped() -> None:
    with http_receiver() as rx:
        asyncio.run(SlackRoute(rx.url()).send(ALERT, "d"))
    body = json.loads(rx.requests[0].body)
    assert body["text"].startswith("[leakhound critical] open opensearch store")
    details = body["blocks"][1]["text"]["text"]
    assert "cases&lt;b&gt;: 500 records" in details and "<b>" not in details
    assert "leakhound notify 20260105-120000-abcdef --kind authority" in details
    assert "20260105-120000-abcdef" in body["blocks"][2]["elements"][0]["text"]


def test_teams_gets_an_adaptive_card() -> None:
    with http_receiver() as rx:
        asyncio.run(TeamsRoute(rx.url()).send(ALERT, "d"))
    body = json.loads(rx.requests[0].body)
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["body"][0]["text"] == ALERT.title
    facts = {f["title"]: f["value"] for f in card["body"][1]["facts"]}
    assert facts["scan"] == ALERT.scan_id and facts["verdict"] == "open"
    assert "j***@e***.com" in card["body"][2]["text"]


def test_email_goes_through_starttls_and_auth(tmp_path: Path) -> None:
    with smtp_server(tmp_path) as mail:
        route = SmtpRoute(
            f"smtp://alerts@127.0.0.1:{mail.port}?to=sec@example.net,"
            "ops@example.net&from=watch@example.net",
            "mail-s3cret",
            {"ca": str(mail.ca_file)},
        )
        asyncio.run(route.send(ALERT, "a1b2c3d4e5f60718-0badc0de"))
    assert [ok for _mechanism, ok in mail.logins] == [True]
    [(sender, rcpts, tls)] = mail.envelopes
    assert (sender, rcpts, tls) == (
        "watch@example.net",
        ["sec@example.net", "ops@example.net"],
        True,
    )
    [msg] = mail.messages
    assert msg["Subject"] == f"[leakhound critical] {ALERT.title}"
    assert msg["X-Leakhound-Alert"] == ALERT.alert_id
    assert msg["X-Leakhound-Delivery"] == "a1b2c3d4e5f60718-0badc0de"
    text, attached = [p for p in msg.walk() if not p.is_multipart()]
    body = text.get_payload(decode=True).decode()
    assert ALERT.title in body and "leakhound assess 20260105-120000-abcdef" in body
    assert "EMAIL_ADDRESS: 40 sampled records, e.g. j***@e***.com" in body
    assert json.loads(attached.get_payload(decode=True))["alert"]["alert_id"] == ALERT.alert_id


def test_a_wrong_smtp_password_fails_at_once(tmp_path: Path) -> None:
    with smtp_server(tmp_path) as mail:
        route = SmtpRoute(
            f"smtp://alerts@127.0.0.1:{mail.port}?to=sec@example.net",
            "wrong",
            {"ca": str(mail.ca_file), "timeout": 20},
        )
        began = time.monotonic()
        with pytest.raises(DeliveryError, match="535"):
            asyncio.run(route.send(ALERT, "d"))
    assert time.monotonic() - began < 10  # a refused login is an answer, not a timeout
    assert mail.messages == []


def test_an_smtp_server_whose_certificate_is_not_trusted_gets_nothing(tmp_path: Path) -> None:
    with smtp_server(tmp_path) as mail:
        route = SmtpRoute(f"smtp://alerts@127.0.0.1:{mail.port}?to=sec@example.net", "mail-s3cret")
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
            asyncio.run(route.send(ALERT, "d"))
    assert mail.logins == [] and mail.messages == []


RFC5424 = re.compile(
    rb"^<(?P<pri>\d{1,3})>1 (?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (?P<host>\S+) "
    rb"leakhound (?P<pid>\d+) (?P<msgid>\S+) (?P<sd>\[leakhound@32473(?: \w+=\"(?:[^\"\\\]]|"
    rb"\\.)*\")+\]) \xef\xbb\xbf(?P<msg>.+)$",
    re.S,
)


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_syslog_messages_are_rfc_5424(transport: str) -> None:
    receiver = syslog_udp if transport == "udp" else syslog_tcp
    with receiver() as rx:
        scheme = "syslog" if transport == "udp" else "syslog+tcp"
        route = SyslogRoute(f"{scheme}://127.0.0.1:{rx.port}?facility=local3")
        asyncio.run(route.send(ALERT, "d"))
        deadline = time.monotonic() + 5
        while not rx.messages and time.monotonic() < deadline:
            time.sleep(0.02)
    [raw] = rx.messages
    m = RFC5424.match(raw)
    assert m, raw
    assert int(m["pri"]) == 19 * 8 + 2  # local3, critical
    assert m["msgid"] == b"opened"
    assert b'scan_id="20260105-120000-abcdef"' in m["sd"]
    assert b'endpoint="127.0.0.1:9200"' in m["sd"]
    assert m["msg"].decode().startswith(ALERT.title)
    assert b"next: leakhound assess 20260105-120000-abcdef" in m["msg"]


def test_a_command_gets_the_alert_on_stdin_and_its_facts_in_its_environment(tmp_path: Path) -> None:
    out = tmp_path / "got.json"
    script = (
        "import json, os, sys; d = json.load(sys.stdin); "
        "d['env'] = {k: v for k, v in os.environ.items() if k.startswith('LEAKHOUND_')}; "
        f"open({str(out)!r}, 'w').write(json.dumps(d))"
    )
    asyncio.run(CommandRoute([sys.executable, "-c", script]).send(ALERT, "delivery-1"))
    got = json.loads(out.read_text())
    assert got["alert"]["title"] == ALERT.title
    assert got["env"]["LEAKHOUND_EVENT"] == "opened"
    assert got["env"]["LEAKHOUND_SCAN_ID"] == ALERT.scan_id
    assert got["env"]["LEAKHOUND_DELIVERY_ID"] == "delivery-1"


def test_a_command_that_fails_is_a_failed_delivery_with_its_last_words() -> None:
    script = (
        "import sys; sys.stdin.read(); print('pager: quota exceeded', file=sys.stderr); sys.exit(4)"
    )
    with pytest.raises(DeliveryError) as err:
        asyncio.run(CommandRoute([sys.executable, "-c", script]).send(ALERT, "d"))
    assert str(err.value).endswith("exited 4: pager: quota exceeded")


def test_a_command_that_hangs_is_stopped() -> None:
    route = CommandRoute([sys.executable, "-c", "import time; time.sleep(60)"], timeout=0.5)
    with pytest.raises(DeliveryError, match="ran over"):
        asyncio.run(route.send(ALERT, "d"))
