"""Parsing of target specifications: hosts, host:port, URLs, CIDR ranges, files, scanner exports."""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit, urlunsplit

from .errors import ScopeError, TargetError
from .models import Endpoint, Target
from .redact import hide_password
from .target_exports import Export, load_export, target_path

# RFC 1123 labels; underscores are tolerated because internal DNS names carry them.
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?$")
# "host:port" where host has no colon (IPv6 needs brackets when a port follows).
_HOST_PORT = re.compile(r"^(?P<host>[^:\[\]/]+):(?P<port>\d{1,5})$")
# A scheme and a colon, then no "//" and no port: a URL short of its slashes.
_SLASHED_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):(?!//)(?!\d+/*$)")
_BRACKETED = re.compile(r"^\[(?P<host>[^\[\]/]+)\](?::(?P<port>\d{1,5}))?$")

DEFAULT_MAX_HOSTS = 4096
MAX_RANGE = 2**24  # addresses of one range, even with --yes
MAX_FILE_BYTES = 64 * 1024 * 1024


# (host, path, user part) of a URL -> (base path, containers it names); ValueError when the
# URL cannot name them (``Probe.locate``). A base path found so names an account.
Locator = Callable[[str, str, str | None], tuple[str, tuple[str, ...]] | None]


@dataclass(frozen=True, slots=True)
class Kinds:
    """What the probes tell the parser: their default ports, and the URL schemes naming them.

    A plain sequence of ports stands for kinds left unnamed (the scan then tries every kind,
    those of the port first), with http:// and https:// URLs only. ``locators``: kinds whose
    URLs name containers (an object store's buckets), and how; ``url_ports``: the port a URL
    of such a kind means without one.
    """

    ports: tuple[tuple[int, str], ...]  # (default port, kind), most likely first
    schemes: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: {"http": (), "https": ()}
    )
    locators: Mapping[str, Locator] = field(default_factory=dict)
    url_ports: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, ports: Kinds | Sequence[int]) -> Kinds:
        """``ports`` as Kinds (a sequence of ports: kinds left unnamed)."""
        return ports if isinstance(ports, Kinds) else cls(tuple((p, "") for p in ports))

    def default_ports(self) -> list[int]:
        """Each default port once, in order."""
        return list(dict.fromkeys(p for p, _ in self.ports))

    def at(self, port: int) -> tuple[str, ...]:
        """The kinds whose default ports hold ``port`` (none: every kind may try)."""
        return tuple(dict.fromkeys(k for p, k in self.ports if p == port and k))

    def of_scheme(self, scheme: str, port: int | None) -> tuple[str, ...]:
        """The kinds a URL scheme names, those listening on ``port`` first."""
        named = self.schemes[scheme]
        here = [k for k in self.at(port) if k in named] if port else []
        return (*here, *(k for k in named if k not in here))

    def port_of(self, kind: str) -> int | None:
        """The port a URL of the kind's own scheme means without one: its URL port, else its
        first default port."""
        return self.url_ports.get(kind) or next((p for p, k in self.ports if k == kind), None)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """One parsed target: the endpoints it stands for, with the kinds to try on each; a
    range's network too (its targets left out where it was parsed not to list them)."""

    text: str
    targets: tuple[Target, ...]
    network: Network | None = None

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """The endpoints alone."""
        return tuple(t.endpoint for t in self.targets)


def _port(text: str, spec: str) -> int:
    try:
        port = int(text)
    except ValueError:  # scanner exports are untrusted: "x", "None", "1.5"
        raise TargetError(f"bad port in target {spec!r}") from None
    if not 1 <= port <= 65535:
        raise TargetError(f"port out of range in target {spec!r}")
    return port


def _host(text: str, spec: str) -> str:
    """Validate and canonicalise a host: IP addresses compressed (an IPv4 address mapped
    into IPv6 written as itself: one host, one key), names lower-cased without their
    trailing dot."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
            # The HTTP client reaches no scoped address, and a scope is not checked.
            raise TargetError(f"IPv6 zone ids (%{address.scope_id}) are not supported: {spec!r}")
        mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
        return str(mapped or address)
    if not _HOSTNAME.match(text) or text.replace(".", "").isdigit():
        raise TargetError(f"not a host name or IP address: {spec!r}")
    if _inet_aton(text):
        # 0x7f000001 and 0x7f.1 are 127.0.0.1 to the resolver: another key for one host.
        raise TargetError(f"an IPv4 address in a form of its own, not a host name: {spec!r}")
    return text.rstrip(".").lower()


def _is_address(text: str) -> bool:
    """Whether ``text`` is an IP address (the start of a CIDR range)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _inet_aton(text: str) -> bool:
    """Whether the resolver reads ``text`` as an IPv4 address (hex, octal, fewer parts)."""
    try:
        socket.inet_aton(text)
    except OSError:
        return False
    return True


def _with_ports(host: str, kinds: Kinds) -> tuple[Target, ...]:
    return tuple(Target(Endpoint(host, p), kinds.at(p)) for p in kinds.default_ports())


def _at(ep: Endpoint, kinds: Kinds) -> tuple[Target, ...]:
    return (Target(ep, kinds.at(ep.port)),)


def parse_one(
    spec: str,
    default_ports: Kinds | Sequence[int],
    *,
    max_hosts: int = DEFAULT_MAX_HOSTS,
    yes: bool = False,
    expand: bool = True,
) -> TargetSpec:
    """Parse one target specification (not a @file) into endpoints and their kinds; a
    range's addresses left unlisted where ``expand`` is false (its ``network`` says which)."""
    kinds = Kinds.of(default_ports)
    text = spec.strip()
    if not text:
        raise TargetError("empty target")
    if "\x00" in text or any(ord(c) < 32 for c in text):
        raise TargetError("target contains control characters")
    scheme, sep, _ = text.partition("://")
    if hide_password(text) != text:  # refused before anything else echoes the text
        raise TargetError(
            f"credentials in a target are not accepted (give them with --auth-env, --auth "
            f"or --netrc): {_unqueried(hide_password(text)) if sep else hide_password(text)!r}"
        )
    shown = hide_password(text, loose=True)  # what any other error quotes (a password
    # URL parsers cut apart, or read none of: a user part with a space)
    if sep:
        shown = _unqueried(shown)
    if sep:
        if scheme.lower() not in kinds.schemes:
            known = ", ".join(f"{s}://" for s in kinds.schemes)
            raise TargetError(f"unsupported URL scheme in target {shown!r} (use {known})")
        return TargetSpec(text, (_parse_url(text, kinds),))
    slashed = _SLASHED_SCHEME.match(text)
    if slashed and slashed["scheme"].lower() in kinds.schemes:
        # http:127.0.0.1 or http:/h: a URL short of its slashes ("redis:6379" is a host).
        raise TargetError(f"a URL needs // after its scheme: {shown!r}")
    if text.startswith("//"):
        raise TargetError(f"a URL needs a scheme (http://, postgresql://…): {shown!r}")
    if "/" in text:
        head, _, tail = text.partition("/")
        if head and not tail.strip("/"):  # host/ or host:port/: a trailing slash
            same = parse_one(head, kinds, max_hosts=max_hosts, yes=yes, expand=expand)
            return replace(same, text=text)
        if not _is_address(head[1:-1] if head.startswith("[") else head):
            raise TargetError(
                f"a path needs a URL (http://HOST:PORT/PATH, postgresql://HOST/DATABASE): {shown!r}"
            )
        net = _parse_cidr(text, max_hosts, yes)
        return TargetSpec(text, _range_targets(net, kinds) if expand else (), net)
    m = _BRACKETED.match(text)
    if m:
        if ":" not in m["host"]:
            raise TargetError(f"brackets are for IPv6 addresses: {shown!r}")
        host = _host(m["host"], shown)
        if m["port"]:
            return TargetSpec(text, _at(Endpoint(host, _port(m["port"], shown)), kinds))
        return TargetSpec(text, _with_ports(host, kinds))
    if text.count(":") >= 2:  # a bare IPv6 literal; a port would need brackets
        try:
            ipaddress.IPv6Address(text)
        except ValueError as exc:
            raise TargetError(
                f"not an IPv6 address (use [addr]:port for a port): {shown!r}"
            ) from exc
        return TargetSpec(text, _with_ports(_host(text, shown), kinds))
    m = _HOST_PORT.match(text)
    if m:
        ep = Endpoint(_host(m["host"], shown), _port(m["port"], shown))
        return TargetSpec(text, _at(ep, kinds))
    if ":" in text:
        raise TargetError(f"cannot parse target {shown!r}")
    return TargetSpec(text, _with_ports(_host(text, shown), kinds))


# One scheme a kind whose URL's path means something (postgres:// is postgresql://): two
# targets of one server merge under one name, their paths compared as the same kind's; and
# the kind's one scheme for a scheme saying TLS (rediss://, ``_TLS_SCHEMES``).
_SCHEME_NAMES = {"postgres": "postgresql", "rediss": "redis"}
# Schemes that ask for TLS from the start, as their clients do (``Endpoint.tls``).
_TLS_SCHEMES = {"rediss": "require"}
# The query parameters through which a database URL asks for TLS, as its own clients read
# them (libpq's sslmode, MySQL's --ssl-mode, MongoDB's tls/ssl, MariaDB's and JDBC's ssl):
# scheme -> parameter (lower case) -> value (any case) -> ``Endpoint.tls`` (None: as a
# scan does it unasked, in clear first, then over TLS where the server asks for it: what
# "prefer" and "allow" say). A database URL's query carries nothing else here: another
# parameter may be a password (libpq's ?password=), so it is refused, unquoted.
_BOOLEAN: dict[str, str | None] = {"true": "require", "false": "disable"}
_MYSQL_MODES: dict[str, str | None] = {
    "DISABLED": "disable",
    "PREFERRED": None,
    "REQUIRED": "require",
    "VERIFY_CA": "verify-ca",
    "VERIFY_IDENTITY": "verify-full",
}
_MYSQL_TLS = {"ssl-mode": _MYSQL_MODES, "sslmode": _MYSQL_MODES, "ssl": _BOOLEAN}
_TLS_PARAMETERS: dict[str, dict[str, dict[str, str | None]]] = {
    "mongodb": {"tls": _BOOLEAN, "ssl": _BOOLEAN},
    "postgresql": {
        "sslmode": {
            "disable": "disable",
            "allow": None,
            "prefer": None,
            "require": "require",
            "verify-ca": "verify-ca",
            "verify-full": "verify-full",
        }
    },
    "mysql": _MYSQL_TLS,
    "mariadb": _MYSQL_TLS,
}
_HTTP = frozenset({"http", "https"})
# Database schemes whose URL's path the probe reads (the PostgreSQL database to log in to).
_PATH_SCHEMES = frozenset({"postgresql"})


def _unqueried(url: str) -> str:
    """A URL an error quotes, its password already hidden (``hide_password``), cut before
    its query or fragment: they may carry a password (libpq's ?password=), whatever the
    error is about."""
    return re.split(r"[?#]", url, maxsplit=1)[0]


def _parse_url(url: str, kinds: Kinds) -> Target:
    text = _unqueried(hide_password(url, loose=True))  # what an error quotes
    if "," in url.partition("://")[2].split("/", 1)[0]:
        raise TargetError(
            f"a target URL names one host (name each member of a replica set or cluster "
            f"as a target of its own): {text!r}"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        if "@" in url:  # a password holding / or ? unescaped reads as a port: not echoed
            raise TargetError(
                "bad URL: its host and port cannot be read (a target URL takes no password; "
                "the URL is not shown, in case it holds one)"
            ) from None
        raise TargetError(f"bad URL {text!r}: {exc}") from exc
    if not parts.hostname:
        raise TargetError(f"URL without a host: {text!r}")
    if port == 0:
        raise TargetError(f"port out of range in target {text!r}")
    scheme = parts.scheme.lower()
    if parts.password or (parts.username and scheme in ("http", "https")):
        raise TargetError(f"credentials in a target URL are not accepted: {hide_password(text)!r}")
    tls = _tls_of(scheme, parts)
    host = _host(parts.hostname, text)
    named = kinds.of_scheme(scheme, port)
    if port is None:
        if scheme in ("http", "https"):
            port = 443 if scheme == "https" else 80
        else:
            port = next((p for k in named if (p := kinds.port_of(k))), None)
            if port is None:
                raise TargetError(f"URL without a port, and no default port for it: {text!r}")
    user = unquote(parts.username) if parts.username else None
    scheme = _SCHEME_NAMES.get(scheme, scheme)
    located = _locate(kinds, named, host, parts.path, user, text)
    if located is None and "@" in parts.path:
        # No path of a proxy or a database holds an @; a password whose unescaped / cut
        # the URL short does (http://reader:123/rest@host reads as host "reader").
        raise TargetError(
            f"credentials in a target are not accepted (an @ in a URL's path: a password "
            f"holding '/' cut the URL short): {text!r}"
        )
    if located is not None:
        base, containers = located
        # The base path a kind locates names an account: a store of its own at the host:port.
        account = base.strip("/") or None
        return Target(
            Endpoint(host, port, scheme, base, containers=containers, account=account, tls=tls),
            named,
        )
    if user is not None and (not user or len(user) > 128 or not user.isprintable()):
        raise TargetError(f"not a user name in target URL {text!r}")
    return Target(Endpoint(host, port, scheme, parts.path.rstrip("/"), user, tls=tls), named)


# What a TLS setting's value the user mistyped may be quoted as: a word, never a parameter.
_SETTING_WORD = re.compile(r"[A-Za-z0-9_-]{0,24}")


def _tls_of(scheme: str, parts: SplitResult) -> str | None:
    """What a URL asks of TLS (``Endpoint.tls``): its scheme's (rediss://), or its query's
    TLS parameter (``_TLS_PARAMETERS``); TargetError for any other query or a fragment
    (unquoted: they may carry a password), an unknown value (naming those accepted), or
    parameters at odds."""
    shown = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    known = _TLS_PARAMETERS.get(_SCHEME_NAMES.get(scheme, scheme), {})
    asked: dict[str | None, str] = {}
    if scheme in _TLS_SCHEMES:
        asked[_TLS_SCHEMES[scheme]] = f"{scheme}://"
    pairs = parse_qsl(parts.query, keep_blank_values=True) if parts.query else []
    if (
        parts.fragment
        or (parts.query and not pairs)
        or any(k.lower() not in known for k, _ in pairs)
    ):
        # Not quoted: a query may carry a password (libpq's ?password=, a signed URL's).
        only = f" other than {' or '.join(f'{k}=' for k in known)}" if known else ""
        tls = " (rediss:// is Redis over TLS)" if scheme == "redis" else ""
        raise TargetError(
            f"target URL must not carry a query{only} or a fragment: {shown!r} (they are not "
            f"quoted){tls}"
        )
    for key, value in pairs:
        values = {v.lower(): mode for v, mode in known[key.lower()].items()}
        if value.lower() not in values:
            accepted = ", ".join(known[key.lower()])
            # Quoted only where it is a word: ``;`` or an escaped ``&`` in it can carry a
            # parameter more (``sslmode=require;password=…``), a password.
            said = f"{key}={value!r}" if _SETTING_WORD.fullmatch(value) else f"{key}= (unquoted)"
            raise TargetError(
                f"{said} is not a TLS setting of a {scheme} URL (accepted: {accepted}): {shown!r}"
            )
        asked[values[value.lower()]] = f"{key}={value}"
    if len(asked) > 1:
        said = ", ".join(asked.values())
        raise TargetError(f"the target URL asks for TLS in ways at odds ({said}): {shown!r}")
    return next(iter(asked), None)


def _locate(
    kinds: Kinds, named: Sequence[str], host: str, path: str, user: str | None, text: str
) -> tuple[str, tuple[str, ...]] | None:
    """The base path and containers a URL names for kinds whose URLs name containers (an
    object store's buckets); None for the other kinds. Kinds that would read the same URL
    differently cannot share it."""
    locators = {kinds.locators.get(k) for k in named}
    if locators <= {None}:
        return None
    if len(locators) > 1:
        raise TargetError(
            f"{text!r} reads differently for {', '.join(named)}: name one kind with --kinds"
        )
    locate = next(iter(locators))
    assert locate is not None
    try:
        found = locate(host, unquote(path), user)
    except ValueError as exc:
        raise TargetError(f"{exc}: {text!r}") from None
    if found is None:
        return None
    base, containers = found
    if any(not c or len(c) > 2048 or not c.isprintable() for c in containers):
        raise TargetError(f"not a bucket or object name in target URL {text!r}")
    return base, containers


def _parse_cidr(text: str, max_hosts: int, yes: bool) -> Network:
    """The range ``text`` names, within the bounds (ScopeError) and authorised (--yes)."""
    try:
        net = ipaddress.ip_network(text.replace("[", "", 1).replace("]", "", 1), strict=False)
    except ValueError as exc:
        shown = hide_password(text, loose=True)  # ipaddress quotes the text whole
        why = f": {exc}" if shown == text else ""
        raise TargetError(f"bad CIDR range {shown!r}{why}") from None
    if "%" in text:  # a zone id, which the range's addresses would not keep
        raise TargetError(f"IPv6 zone ids are not supported: {text!r}")
    mapped = net.network_address.ipv4_mapped if isinstance(net, ipaddress.IPv6Network) else None
    if mapped is not None and net.prefixlen >= 96:
        # IPv4 addresses mapped into IPv6 are those addresses, as one of them is (``_host``).
        net = ipaddress.IPv4Network((mapped, net.prefixlen - 96))
    if net.num_addresses > MAX_RANGE:
        # Each address becomes a target before the first is scanned: an IPv6 /64 with --yes
        # never finished parsing.
        raise ScopeError(
            f"{text} holds {net.num_addresses} addresses, more than can be scanned one by one "
            f"(at most {MAX_RANGE}, a /8): name smaller ranges"
        )
    if net.num_addresses > max_hosts and not yes:
        raise ScopeError(
            f"{text} holds {net.num_addresses} addresses, over the bound of {max_hosts}: "
            "pass --yes to confirm, or --max-hosts to raise the bound"
        )
    # Public addresses are scanned when named one by one; a public range is a sweep of other
    # people's hosts unless the user confirms they are authorised for all of it.
    if _has_public(net) and net.num_addresses > 1 and not yes:
        raise ScopeError(
            f"{text} is a public range: pass --yes to confirm you are "
            "authorised to scan every address in it"
        )
    return net


def _range_targets(net: Network, kinds: Kinds) -> tuple[Target, ...]:
    """Every address of the range at each default port."""
    # Network and broadcast addresses answer nothing on IPv4 /30 and wider.
    hosts = net.hosts() if net.version == 4 and net.prefixlen < 31 else iter(net)
    return tuple(t for ip in hosts for t in _with_ports(str(ip), kinds))


def _has_public(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    return net.is_global or net[0].is_global or net[-1].is_global


def _read_file(path_text: str) -> str:
    path = target_path(path_text)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise TargetError(f"target file {path} is larger than {MAX_FILE_BYTES // 2**20} MiB")
        # utf-8-sig: a byte-order mark (Notepad, PowerShell 5 write one) is no part of line 1
        return path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise TargetError(f"cannot read target file {path}: {exc.strerror or exc}") from exc


def _parse_masscan(text: str, origin: str, kinds: Kinds) -> list[TargetSpec]:
    """masscan -oJ: a JSON list of {"ip": ..., "ports": [{"port": N, "status": "open"}]}."""
    try:
        data = json.loads(text.strip().rstrip(",").replace(",\n]", "\n]"))
    except ValueError as exc:
        raise TargetError(f"{origin}: not a valid masscan JSON export: {exc}") from exc
    if not isinstance(data, list):
        raise TargetError(f"{origin}: masscan JSON export must be a list")
    specs = []
    for number, row in enumerate(data, 1):
        if not isinstance(row, dict):
            continue
        ip, ports = row.get("ip"), row.get("ports")
        for p in ports if isinstance(ports, list) else ():
            # masscan -sU writes UDP ports beside TCP ones: no store kind speaks UDP.
            if (
                isinstance(p, dict)
                and p.get("status", "open") == "open"
                and p.get("proto", "tcp") == "tcp"
                and isinstance(ip, str)
            ):
                ep = _exported(ip, p.get("port"), f"{origin} record {number}")
                specs.append(TargetSpec(ep.netloc, _at(ep, kinds)))
    return specs


def _exported(host: str, port: object, where: str) -> Endpoint:
    """A scanner export's host and port, or a TargetError naming the record (``where``) and
    what is wrong with it: the export is untrusted ("x", "None", 99999)."""
    try:
        name = _host(host, host)
    except TargetError as exc:
        raise TargetError(f"{where}: {exc}") from None
    try:
        number = int(str(port))
    except ValueError:
        raise TargetError(f"{where}: bad port: {str(port)!r}") from None
    if not 1 <= number <= 65535:
        raise TargetError(f"{where}: port out of range: {number}")
    return Endpoint(name, number)


def _parse_nmap_xml(text: str, origin: str, kinds: Kinds) -> list[TargetSpec]:
    """nmap -oX: every open TCP port of every host."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise TargetError(f"{origin}: nmap XML with a DTD or entities is refused")
    try:
        root = ET.fromstring(text)  # noqa: S314 - DTDs/entities refused above
    except ET.ParseError as exc:
        raise TargetError(f"{origin}: not a valid nmap XML export: {exc}") from exc
    specs = []
    for host in root.iter("host"):
        addr = next(
            (a.get("addr") for a in host.iter("address") if a.get("addrtype") in ("ipv4", "ipv6")),
            None,
        )
        if not addr:
            continue
        for port in host.iter("port"):
            state = port.find("state")
            if port.get("protocol") == "tcp" and state is not None and state.get("state") == "open":
                ep = _exported(addr, port.get("portid", "0"), f"{origin} host {addr}")
                specs.append(TargetSpec(f"{ep.netloc}", _at(ep, kinds)))
    return specs


def _parse_file(
    path_text: str, kinds: Kinds, max_hosts: int, yes: bool, expand: bool = True
) -> list[TargetSpec]:
    origin = f"@{path_text}"
    # Search-engine exports (Shodan, Censys, LeakIX, BinaryEdge, ZoomEye, FOFA).
    export = load_export(path_text, origin)
    if export is not None:
        return _export_specs(export, kinds, origin)
    text = _read_file(path_text)
    head = text.lstrip()[:200]
    if head.startswith("<"):
        return _parse_nmap_xml(text, origin, kinds)
    if head.startswith("[") and '"ip"' in text[:4096]:
        return _parse_masscan(text, origin, kinds)
    specs = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("@"):
            raise TargetError(f"{origin} line {lineno}: target files cannot include other files")
        try:
            specs.append(parse_one(line, kinds, max_hosts=max_hosts, yes=yes, expand=expand))
        except TargetError as exc:
            raise TargetError(f"{origin} line {lineno}: {exc}") from exc
    return specs


def _export_specs(export: Export, kinds: Kinds, origin: str) -> list[TargetSpec]:
    """A search-engine export's records as targets: the kind the engine named first (if it
    is one asked for), then the kinds of the port; a record whose host is neither an address
    nor a name is left out, and an export with no usable record is an error."""
    asked = {k for _, k in kinds.ports if k}
    specs, refused = [], list(export.reasons)
    for r in export.records:
        try:
            ep = Endpoint(_host(r.host, r.host), _port(str(r.port), r.host), r.scheme)
        except TargetError as exc:
            refused.append(f"{origin}: {exc}")
            continue
        named = (r.kind,) if r.kind is not None and (not asked or r.kind in asked) else ()
        tried = tuple(dict.fromkeys((*named, *kinds.at(ep.port))))
        specs.append(TargetSpec(f"{r.engine}:{ep.netloc}", (Target(ep, tried),)))
    if not specs and refused:
        raise TargetError(f"no usable record in this {export.engine} export: {refused[0]}")
    return specs


def parse_targets(
    specs: Iterable[str],
    default_ports: Kinds | Sequence[int],
    *,
    max_hosts: int = DEFAULT_MAX_HOSTS,
    yes: bool = False,
    expand: bool = True,
) -> list[TargetSpec]:
    """Parse every specification (expanding @files and scanner exports), in order; with
    ``expand`` false, a range's addresses are left unlisted (``TargetSpec.network``)."""
    kinds = Kinds.of(default_ports)
    out: list[TargetSpec] = []
    for spec in specs:
        if spec.startswith("@"):
            out.extend(_parse_file(spec[1:], kinds, max_hosts, yes, expand))
        else:
            out.append(parse_one(spec, kinds, max_hosts=max_hosts, yes=yes, expand=expand))
    total = sum(len(s.targets) for s in out)
    if total > max_hosts * max(1, len(kinds.default_ports())) and not yes:
        raise ScopeError(f"the targets expand to {total} endpoints: pass --yes to confirm")
    return out


def endpoints(specs: Iterable[TargetSpec]) -> list[Endpoint]:
    """The distinct endpoints of the specifications, first occurrence first."""
    return [t.endpoint for t in targets(specs)]


def targets(specs: Iterable[TargetSpec]) -> list[Target]:
    """The distinct endpoints of the specifications with every kind named for each, first
    occurrence first."""
    # Buckets of one endpoint are containers of one store: their targets become one. So do
    # the targets of one host:port under different schemes (redis:// and mongodb://, http://
    # and a bare port): one port is one service, and a scan keeps one result a host:port, so
    # two targets there would have the last one to finish replace the other's verdict, an
    # open store's with a timeout. Each kind named is tried in turn; schemes that differ
    # leave the kind to choose (an HTTP kind tries http and https).
    # Accounts of one host:port (``Endpoint.account``) are stores apart, and so are the
    # paths of an HTTP host:port (two stores behind one proxy): one result each. A database
    # URL's path names what to log in to (postgresql://h/db1 and /db2 are one server): the
    # first path named is kept. ``Endpoint.key`` says which, as the scan's results are kept.
    seen: dict[str, tuple[Endpoint, tuple[str, ...]]] = {}
    for spec in specs:
        for t in spec.targets:
            place = t.endpoint.key
            known = seen.get(place)
            if known is None:
                seen[place] = (t.endpoint, t.kinds)
                continue
            ep, kinds = known
            # No kind named: every kind may try (``Kinds.at``), those named included.
            tried = tuple(dict.fromkeys((*kinds, *t.kinds))) if kinds and t.kinds else ()
            seen[place] = (_merged(ep, t.endpoint), tried)
    return [Target(ep, kinds) for ep, kinds in seen.values()]


def _merged(ep: Endpoint, other: Endpoint) -> Endpoint:
    """Two targets of one store (one ``Endpoint.key``) as one, ``ep`` named first: its
    buckets and the other's, a user and an account from either. One scheme: it, with the
    first path named. http and https of one store (behind a path or not): both tried, the
    first named first (``Endpoint.other_scheme``), as a bare port tries both; the one that
    answers is kept. Schemes apart: none (each kind chooses), and only a PostgreSQL
    database's path, the first named (another kind's path means nothing to the kinds tried
    beside it, HTTP ones on a bare port would be sent there): a scheme-less endpoint's path
    is always one."""
    other_scheme = ep.other_scheme
    if ep.scheme == other.scheme or ep.behind_path:
        scheme, base = ep.scheme, ep.base_path
        if ep.scheme in _HTTP and other.scheme in _HTTP and other.scheme != ep.scheme:
            other_scheme = other.scheme
    elif ep.scheme in _HTTP and other.scheme in _HTTP:  # http:// and https:// of one port
        scheme, base, other_scheme = ep.scheme, ep.base_path, other.scheme
    else:
        scheme, other_scheme = None, None
        base = next((e.base_path for e in (ep, other) if _database_path(e)), "")
    return replace(
        ep,
        scheme=scheme,
        other_scheme=other_scheme,
        base_path=base,
        containers=tuple(dict.fromkeys((*ep.containers, *other.containers))),
        user=ep.user or other.user,
        account=ep.account or other.account,
        tls=_tls_merged(ep, other),
    )


# ``Endpoint.tls`` from the least to the most that a URL asks of a certificate.
_TLS_STRENGTH = ("require", "verify-ca", "verify-full")


def _tls_merged(ep: Endpoint, other: Endpoint) -> str | None:
    """What two targets of one store ask of TLS, as one: what either asks where the other
    asks nothing; the most verified of two that ask for it (a ``verify-full`` is never
    lost to a ``require`` named first); TargetError for TLS disabled by one and asked by
    the other (neither can be honoured without dropping the other)."""
    if ep.tls is None or other.tls is None or ep.tls == other.tls:
        return ep.tls or other.tls
    if "disable" in (ep.tls, other.tls):
        raise TargetError(
            f"{ep.netloc} is named twice, one target URL disabling TLS, the other asking "
            f"for it ({ep.tls}, {other.tls}): name it once"
        )
    return max(ep.tls, other.tls, key=_TLS_STRENGTH.index)


def _database_path(ep: Endpoint) -> bool:
    """Whether ``ep``'s path names a database the probe logs in to: a PostgreSQL URL's, or
    one a merge kept (``_merged``)."""
    return ep.scheme in _PATH_SCHEMES or (ep.scheme is None and bool(ep.base_path))


def check_scope(eps: Iterable[Endpoint], scope: Sequence[Network]) -> None:
    """Refuse (ScopeError) any endpoint whose address, or any address its name resolves to,
    lies outside the authorised ranges."""
    import socket

    for ep in eps:
        try:
            addrs = {ipaddress.ip_address(ep.host)}
        except ValueError:
            try:
                infos = socket.getaddrinfo(ep.host, ep.port, proto=socket.IPPROTO_TCP)
            except OSError as exc:
                raise ScopeError(
                    f"{ep.host} does not resolve, so it cannot be checked "
                    f"against the scope: {exc.strerror or exc}"
                ) from exc
            addrs = {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos}
        for addr in addrs:
            if not any(addr in net for net in scope):
                raise ScopeError(f"{ep.netloc} ({addr}) is outside the authorised scope")


def load_scope(path: str) -> list[Network]:
    """Read a --scope file: one CIDR or address a line, '#' comments."""
    nets = []
    for lineno, line in enumerate(_read_file(path).splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            nets.append(ipaddress.ip_network(line, strict=False))
        except ValueError as exc:
            raise TargetError(f"scope file {path} line {lineno}: {exc}") from exc
    if not nets:
        raise TargetError(f"scope file {path} lists no range")
    return nets
