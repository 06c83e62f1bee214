"""Every output names the user agents a source sent, made safe for where it is shown."""

from __future__ import annotations

from pathlib import Path

from investigate_helpers import Run

from leakhound.investigate.render import render_html, render_markdown, render_text

HOSTILE = "\x1b[31mred\x1b[0m<script>alert(1)</script>"


def test_user_agents_are_shown_in_every_format_and_neutralised(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "access.log"
    path.write_text(
        f'203.0.113.2 - - [06/Dec/2026:10:00:01 +0000] "GET /cust/_search HTTP/1.1" 200 5000 '
        f'"-" "{HOSTILE}"\n'
        '203.0.113.2 - - [06/Dec/2026:10:00:02 +0000] "GET /cust/_doc/1 HTTP/1.1" 200 900 '
        '"-" "python-requests/2.31.0"\n'
    )
    inv = run(path)
    text = render_text(inv)
    assert "  user agents: red<script>alert(1)</script>; python-requests/2.31.0" in text
    assert "\x1b" not in text
    markdown = render_markdown(inv)
    assert "User agents: `red<script>alert(1)</script>; python-requests/2.31.0`." in markdown
    page = render_html(inv)
    assert "red&lt;script&gt;alert(1)&lt;/script&gt;; python-requests/2.31.0" in page
    assert "<script>" not in page and "\x1b" not in page
