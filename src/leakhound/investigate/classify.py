"""Who a source is: the owner (``--owner``), a known research scanner, or unknown.

Known scanners come from the dated data file shipped in the package (published ranges and
self-declared user agents), plus ``--scanners @FILE``. An address decides before a user agent:
a user agent is the client's own claim, and the class says which of the two it rests on. A
class resting on a user agent covers the requests carrying it, never the address's others.

leakhound's own user agent is no known scanner (anyone runs it): from an ``--owner`` address it
is the owner's own scan, a source of its own beside the address's other requests; from any
other address it is someone else running leakhound, an unknown source like the rest.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import UsageError
from ..net.http import USER_AGENT

OWNER, SCANNER, UNKNOWN = "owner", "known-scanner", "unknown"
CLASSES = (UNKNOWN, SCANNER, OWNER)
OWN_SCAN = "leakhound"  # the claim that keeps the owner's leakhound scan a source of its own
_OWN_AGENT = USER_AGENT.lower()

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Rule:
    """A network or a user-agent token and the name it stands for."""

    network: Network | None
    agent: str | None
    name: str
    source: str


def _networks_from(text: str, where: str, default_name: str) -> list[Rule]:
    rules = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        value, _, name = line.partition("\t")
        if not name and " " in value:
            value, _, name = value.partition(" ")
        try:
            net = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            raise UsageError(
                f"{where} line {n}: not a CIDR or address: {value.strip()!r}"
            ) from None
        rules.append(Rule(net, None, name.strip() or default_name, where))
    return rules


def networks(specs: list[str], option: str, default_name: str) -> list[Rule]:
    """Rules from ``--owner``/``--scanners`` values: CIDRs, addresses, or ``@FILE``."""
    rules: list[Rule] = []
    for spec in specs:
        if spec.startswith("@"):
            path = Path(spec[1:])
            try:  # utf-8-sig: a byte-order mark (Notepad writes one) is no part of line 1
                text = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"{option} {spec}: cannot read: {exc}") from None
            rules += _networks_from(text, f"{option} {path}", default_name)
        else:
            rules += _networks_from(spec.replace(",", "\n"), option, default_name)
    return rules


def shipped() -> tuple[list[Rule], str]:
    """The research scanners shipped with leakhound, and the data file's date line."""
    text = resources.files(__package__).joinpath("data/scanners.tsv").read_text("utf-8")
    rules: list[Rule] = []
    dated = ""
    for line in text.splitlines():
        if line.startswith("# Dated:"):
            dated = line[2:].strip()
        if not line.strip() or line.startswith("#"):
            continue
        kind, value, name, source = [*line.split("\t"), "", "", ""][:4]
        if kind == "net":
            rules.append(Rule(ipaddress.ip_network(value), None, name, source))
        elif kind == "agent":
            rules.append(Rule(None, value.lower(), name, source))
    return rules, dated


def _address(src: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address in a log's source field (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``)."""
    text = src.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        return addr.ipv4_mapped
    return addr


class Classifier:
    """Decides a source's class once, when it is first seen."""

    def __init__(self, owner: list[Rule], scanners: list[Rule], *, builtin: bool = True) -> None:
        self.owner = owner
        self.dated = ""
        extra, agents = [r for r in scanners if r.network], [r for r in scanners if r.agent]
        if builtin:
            rules, self.dated = shipped()
            extra += [r for r in rules if r.network]
            agents += [r for r in rules if r.agent]
        self.scanners = extra
        self.agents = agents

    def __call__(self, src: str, agent: str | None) -> tuple[str, str]:
        """The class of a source and what it rests on."""
        kind, basis, _claim = self.classify(src, agent)
        return kind, basis

    def classify(self, src: str, agent: str | None) -> tuple[str, str, str | None]:
        """The class of one request's source, what it rests on, and the scanner its user
        agent names when the class rests on that alone (None when it rests on the address:
        then every request of the address has it)."""
        addr = _address(src)
        ours = agent is not None and _OWN_AGENT in agent.lower()
        if addr is not None:
            for r in self.owner:
                if (
                    r.network is not None
                    and addr.version == r.network.version
                    and (addr in r.network)
                ):
                    if ours:
                        return (
                            OWNER,
                            f"the owner's own leakhound scan: leakhound's user agent from "
                            f"{r.network} ({r.source})",
                            OWN_SCAN,
                        )
                    return OWNER, f"in {r.network} ({r.source})", None
            for r in self.scanners:
                if (
                    r.network is not None
                    and addr.version == r.network.version
                    and (addr in r.network)
                ):
                    return SCANNER, f"{r.name}: in {r.network} ({r.source})", None
        if agent:
            low = agent.lower()
            for r in self.agents:
                if r.agent and r.agent in low:
                    return (
                        SCANNER,
                        f"{r.name}: user agent names it ({r.source}); a user agent "
                        "is the client's own claim, so only the requests that carry it are "
                        "counted here",
                        r.name,
                    )
        if addr is None:
            return (
                UNKNOWN,
                "not an IP address: cannot be matched to the owner or a scanner",
                None,
            )
        if ours:
            return (
                UNKNOWN,
                "someone else running leakhound: its user agent, from an address outside "
                "--owner (anyone can run it; whoever read under it is an unknown reader)",
                None,
            )
        return UNKNOWN, "neither in --owner nor in a known scanner's published ranges", None
