"""The terminal summary never passes a target's control characters or markup through."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from leakhound.report import terminal


def render(doc: dict[str, Any], **kw: Any) -> str:
    buf = io.StringIO()
    terminal.render(doc, Console(file=buf, width=200, force_terminal=True), **kw)
    return buf.getvalue()


def test_terminal_lists_exposed_indices_and_scan_id(scan_doc: dict[str, Any]) -> None:
    out = render(scan_doc)
    assert "support-cases-2019" in out
    assert "OpenSearch 2.19.1" in out
    assert f"scan_id: {scan_doc['scan_id']}" in out
    assert "1 endpoint(s) closed or silent" in out


def test_terminal_strips_escape_sequences_from_targets(scan_doc: dict[str, Any]) -> None:
    out = render(scan_doc)
    assert "\x07" not in out
    assert "\x1b]" not in out  # no OSC sequence (window title etc.); rich's own SGR stay


def test_closed_endpoints_listed_on_request(scan_doc: dict[str, Any]) -> None:
    assert "connection refused" in render(scan_doc, show_closed=True)
    assert "connection refused" not in render(scan_doc)
