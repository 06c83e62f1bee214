"""Exported network rules as JSON: Azure NSGs (``az network nsg show/list``, ``nsg rule list``,
ARM templates and REST exports) and AWS security groups (``aws ec2 describe-security-groups``,
``describe-security-group-rules``).

Rules are found by their shape wherever they sit in the document, so one walker reads every
export flavour; each finding points at the rule's source line in the JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .model import NETWORK_RULE, Finding
from .network import Unresolved, judge, stores_label
from .sources import Located, LocatedList


def _walk(node: Any, depth: int = 0) -> Iterator[Located]:
    if depth > 64:
        return
    if isinstance(node, Located):
        yield node
        for v in node.values():
            yield from _walk(v, depth + 1)
    elif isinstance(node, LocatedList):
        for v in node:
            yield from _walk(v, depth + 1)


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _arm(value: Any) -> Any:
    """An ARM template expression ('[parameters(…)]') is a value leakhound cannot resolve."""
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        return Unresolved(value)
    return value


def is_export(doc: Any) -> bool:
    """True when a JSON document holds Azure NSG rules or AWS security groups."""
    return any(_azure_rule(n) is not None or _aws_kind(n) for n in _walk(doc))


def _azure_rule(node: Located) -> Located | None:
    """The properties object of an Azure NSG rule (flattened CLI shape or ARM/REST shape)."""
    inner = node.get("properties")
    props = inner if isinstance(inner, Located) else node
    keys = {k.lower() for k in props}
    if {"direction", "access"} <= keys and any(k.startswith("sourceaddressprefix") for k in keys):
        return props
    return None


def _aws_kind(node: Located) -> str:
    if "IpPermissions" in node and ("GroupId" in node or "GroupName" in node):
        return "group"
    if "SecurityGroupRuleId" in node and "IsEgress" in node:
        return "rule"
    return ""


def _get(props: Located, key: str) -> tuple[Any, int]:
    """A key matched case-insensitively (exports differ in case), with its line."""
    for k in props:
        if isinstance(k, str) and k.lower() == key.lower():
            return props[k], props.line_of(k)
    return None, props.line


def lint(doc: Any, path: str) -> list[Finding]:
    """Findings for every rule in an exported NSG or security-group document."""
    out: list[Finding] = []
    done: set[int] = set()  # an ARM rule's "properties" object is walked after the rule
    for node in _walk(doc):
        props = _azure_rule(node)
        if props is not None and id(props) not in done:
            done.add(id(props))
            out.extend(_azure(node, props, path))
        kind = _aws_kind(node)
        if kind == "group":
            out.extend(_aws_group(node, path))
        elif kind == "rule":
            out.extend(_aws_rule(node, path))
    return out


def _finding(
    path: str, line: int, subject: str, sources: list[Any], ports: list[Any], protocol: Any
) -> Finding | None:
    verdict = judge(sources, ports, protocol)
    if verdict is None:
        return None
    return Finding(
        NETWORK_RULE,
        verdict.severity,
        path,
        line,
        stores_label(verdict.ports, ports),
        subject,
        verdict.why,
        NETWORK_RULE.help,
        verdict.confidence,
    )


def _azure(node: Located, props: Located, path: str) -> list[Finding]:
    direction, _ = _get(props, "direction")
    access, _ = _get(props, "access")
    if str(direction).lower() == "outbound" or str(access).lower() == "deny":
        return []
    src, src_line = _get(props, "sourceAddressPrefix")
    srcs, srcs_line = _get(props, "sourceAddressPrefixes")
    port, _ = _get(props, "destinationPortRange")
    ports, _ = _get(props, "destinationPortRanges")
    protocol, _ = _get(props, "protocol")
    name = node.get("name") or props.get("name") or "?"
    line = src_line if src not in (None, "") else srcs_line
    f = _finding(
        path,
        line,
        f"NSG rule '{_arm(name)}'" if isinstance(name, str) else "NSG rule",
        [_arm(s) for s in _items(src) + _items(srcs) if s != ""],
        [_arm(p) for p in _items(port) + _items(ports) if p != ""],
        _arm(protocol),
    )
    return [f] if f else []


def _aws_ports(perm: Located) -> list[Any]:
    proto = str(perm.get("IpProtocol", "")).strip()
    if proto in ("-1", "all"):
        return ["*"]
    lo, hi = perm.get("FromPort"), perm.get("ToPort", perm.get("FromPort"))
    if isinstance(lo, int) and isinstance(hi, int):
        if lo == -1:  # ICMP's "all types"; TCP/UDP never use -1
            return ["*"]
        return [f"{lo}-{hi}"]
    return []


def _aws_group(group: Located, path: str) -> list[Finding]:
    out: list[Finding] = []
    label = group.get("GroupName") or group.get("GroupId") or "?"
    perms = group.get("IpPermissions")
    for perm in perms if isinstance(perms, LocatedList) else []:
        if not isinstance(perm, Located):
            continue
        ports = _aws_ports(perm)
        for key, cidr_key in (("IpRanges", "CidrIp"), ("Ipv6Ranges", "CidrIpv6")):
            ranges = perm.get(key)
            for entry in ranges if isinstance(ranges, LocatedList) else []:
                if not isinstance(entry, Located) or not isinstance(entry.get(cidr_key), str):
                    continue
                f = _finding(
                    path,
                    entry.line_of(cidr_key),
                    f"security group '{label}'",
                    [entry[cidr_key]],
                    ports,
                    perm.get("IpProtocol"),
                )
                if f:
                    out.append(f)
    return out


def _aws_rule(rule: Located, path: str) -> list[Finding]:
    if rule.get("IsEgress") is True:
        return []
    sources = [rule[k] for k in ("CidrIpv4", "CidrIpv6") if isinstance(rule.get(k), str)]
    line = next((rule.line_of(k) for k in ("CidrIpv4", "CidrIpv6") if k in rule), rule.line)
    label = f"security group rule '{rule.get('SecurityGroupRuleId')}' of {rule.get('GroupId')}"
    f = _finding(path, line, label, sources, _aws_ports(rule), rule.get("IpProtocol"))
    return [f] if f else []
