"""Search-engine exports over arbitrary JSON: None or an Export, valid endpoints, never a crash."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from leakhound.target_exports import KINDS, parse_export

from .budget import budget

FAST = budget(1000)

_KEYS = st.sampled_from(
    [
        "ip_str",
        "ip",
        "port",
        "transport",
        "_shodan",
        "module",
        "product",
        "ssl",
        "http",
        "services",
        "service_name",
        "transport_protocol",
        "host_v1",
        "resource",
        "event_source",
        "event_type",
        "protocol",
        "target",
        "origin",
        "type",
        "portinfo",
        "service",
        "matches",
        "result",
        "hits",
        "data",
        "code",
        "results",
        "mode",
        "Services",
        "host",
        "hostname",
    ]
)
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(-5, 70000)
    | st.sampled_from(
        [
            "192.0.2.1",
            "2001:db8::1",
            "tcp",
            "udp",
            "9200",
            "elastic",
            "MONGODB",
            "https",
            "x" * 300,
            "",
            "a b",
            "[::1]:9200",
            "https://192.0.2.3:9243",
            "999.1.1.1",
            "٩٢٠٠",
        ]
    )
    | st.text(max_size=8)
)
_JSON = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=25,
)


def _ok(export: Any) -> None:
    if export is None:
        return
    assert export.skipped >= 0 and len(export.reasons) <= 5
    for reason in export.reasons:
        assert "\n" not in reason
    for record in export.records:
        assert 1 <= record.port <= 65535 and record.host == record.host.strip() != ""
        assert record.scheme in (None, "http", "https")
        assert record.kind is None or record.kind in KINDS


@FAST
@given(_JSON, st.booleans())
def test_any_json_is_an_export_or_not_never_an_error(value: Any, lines: bool) -> None:
    if lines and isinstance(value, list):
        text = "\n".join(json.dumps(v) for v in value)
    else:
        text = json.dumps(value)
    _ok(parse_export(text, "t"))


@FAST
@given(st.text(max_size=300))
def test_any_text_is_an_export_or_not_never_an_error(text: str) -> None:
    _ok(parse_export(text, "t"))
