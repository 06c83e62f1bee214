"""``leakhound lab open|close NAME``: only the secured server's auth_basic changes; a lab
that is not running, or a name it does not have, is one line and exit 3. (Opening and
closing the real nginx is in tests/watch/test_watch_lab.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from leakhound.cli import main
from leakhound.lab import nginx
from leakhound.lab.state import LabPaths


def test_only_the_secured_servers_auth_is_rewritten(tmp_path: Path) -> None:
    text = nginx.render(LabPaths(tmp_path), 9200, 9201, 9202, "leakhound lab")
    opened, count = nginx._SECURED_AUTH.subn(lambda m: f"{m.group(1)}off;", text)
    assert count == 1
    assert (
        opened.count('auth_basic "leakhound lab";') == text.count('auth_basic "leakhound lab";') - 1
    )
    secured = opened.split("# secured", 1)[1].split("server {", 1)[0]
    assert "auth_basic off;" in secured and "9201" in secured


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["lab", "open", "secured"], "not running"),
        (["lab", "close", "nosuch"], "no target 'nosuch'"),
        (["lab", "open"], "needs the target's NAME"),
    ],
)
def test_lab_open_close_mistakes_are_one_line(
    argv: list[str], said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main([*argv, "--dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc in (2, 3) and said in err and err.count("\n") == 1
