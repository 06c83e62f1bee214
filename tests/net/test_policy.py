"""The policy's rules: allow-lists refuse writes by construction."""

from __future__ import annotations

import pytest

from leakhound import net


def test_rules_refuse_delete_outside_release_rules() -> None:
    with pytest.raises(ValueError):
        net.rules("bad", [("DELETE", "/_pit")])
    with pytest.raises(ValueError):
        net.rules("bad", [], releases=[r"/[^/]+"])
    assert net.rules("ok", [], releases=["/_pit"]).allows("DELETE", "/_pit")

