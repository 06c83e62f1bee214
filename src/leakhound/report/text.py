"""Small formatting helpers shared by the human-readable formats."""

from __future__ import annotations

from typing import Any


def size(n: int | None) -> str:
    """Bytes as a short human figure."""
    if n is None:
        return "?"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def count(n: int | None, exact: bool = True) -> str:
    """A count with thousands separators, '?' when unknown, '~' when not exact."""
    return "?" if n is None else f"{'' if exact else '~'}{n:,}"


def dates(index: dict[str, Any]) -> str:
    """The index's date range as 'YYYY-MM-DD – YYYY-MM-DD'."""
    lo, hi = index.get("date_min"), index.get("date_max")
    if not lo and not hi:
        return ""
    return f"{(lo or '?')[:10]} – {(hi or '?')[:10]}"


def product(fp: dict[str, Any]) -> str:
    """'OpenSearch 2.19.1' and the like."""
    name = {"elasticsearch": "Elasticsearch", "opensearch": "OpenSearch"}.get(fp["product"], "")
    text = " ".join(x for x in (name, fp.get("version") or "") if x)
    if fp.get("compatibility_mode"):
        text += " (compatibility mode)"
    return text


def pii_line(sample: dict[str, Any] | None) -> str:
    """'EMAIL_ADDRESS 87/100 (customer.email, description)' per type, joined by '; '."""
    if not sample:
        return ""
    if sample.get("error"):
        return f"sample failed: {sample['error']}"
    parts = []
    for pii in sample["pii"]:
        fields = ", ".join(f["path"] for f in pii["fields"][:4])
        more = len(pii["fields"]) - 4
        if more > 0:
            fields += f", +{more}"
        parts.append(f"{pii['entity_type']} {pii['docs']}/{sample['docs']} ({fields})")
    return "; ".join(parts)
