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


def distinct(d: dict[str, Any] | None) -> str:
    """'489' when exact, '≈12,300 (12,100–12,500)' when estimated."""
    if not d:
        return ""
    if d["exact"]:
        return f"{d['estimate']:,}"
    return f"≈{d['estimate']:,} ({d['lower']:,}–{d['upper']:,})"


def people(full: dict[str, Any] | None) -> str:
    """'489 (EMAIL_ADDRESS in customer.email)': distinct people of a full read."""
    p = (full or {}).get("people")
    if not p:
        return ""
    return f"{distinct(p['distinct'])} ({p['entity_type']} in {p['field']})"


def full_pii_line(full: dict[str, Any] | None, max_fields: int = 4) -> str:
    """'EMAIL_ADDRESS 614 docs: customer.email 614/489 distinct, …' per type, joined by '; '."""
    if not full:
        return ""
    parts = []
    for pii in full["pii"]:
        fields = ", ".join(f"{f['path']} {f['docs']:,}/{distinct(f['distinct'])}"
                           for f in pii["fields"][:max_fields])
        more = len(pii["fields"]) - max_fields
        if more > 0:
            fields += f", +{more}"
        parts.append(f"{pii['entity_type']} {pii['docs']:,} docs ({fields})")
    line = "; ".join(parts)
    if full.get("error"):
        line = f"INCOMPLETE: {full['error']}" + (f"; {line}" if line else "")
    return line


def years(full: dict[str, Any] | None) -> str:
    """'2005: 227, 2006: 252' records per year of the main date field."""
    return ", ".join(f"{y['year']}: {y['docs']:,}" for y in (full or {}).get("years", []))


_SHORT = {"EMAIL_ADDRESS": "email", "PHONE_NUMBER": "phone", "IP_ADDRESS": "ip",
          "PERSON": "name", "LOCATION": "place", "GEO_COORDINATES": "geo",
          "CREDIT_CARD": "card", "IBAN_CODE": "iban", "US_SSN": "ssn", "SECRET": "secret"}


def pii_kinds(sample: dict[str, Any] | None) -> str:
    """The PII kinds of one index's sample in short words: 'email, phone, ip'."""
    if not sample:
        return ""
    if sample.get("error"):
        return f"not sampled: {sample['error']}"
    kinds = [_SHORT.get(p["entity_type"], p["entity_type"].lower()) for p in sample["pii"]]
    return ", ".join(kinds) if kinds else ("none" if sample["docs"] else "")


def pii_by_type(indices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """PII summed over the sampled indices of one endpoint, most frequent type first."""
    acc: dict[str, dict[str, Any]] = {}
    for ir in indices:
        sample = ir.get("sample") or {}
        for pii in sample.get("pii", []):
            row = acc.setdefault(pii["entity_type"], {"type": pii["entity_type"], "indices": 0,
                                                      "docs": 0, "sampled": 0, "fields": {},
                                                      "example": ""})
            row["indices"] += 1
            row["docs"] += pii["docs"]
            row["sampled"] += sample["docs"]
            for f in pii["fields"]:
                row["fields"][f["path"]] = row["fields"].get(f["path"], 0) + f["docs"]
            if not row["example"] and pii["examples"]:
                row["example"] = pii["examples"][0]
    out = sorted(acc.values(), key=lambda r: (-r["docs"], r["type"]))
    for row in out:
        row["fields"] = sorted(row["fields"], key=lambda p: (-row["fields"][p], p))
    return out
