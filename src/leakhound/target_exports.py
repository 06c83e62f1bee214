"""Search-engine exports as targets: Shodan, Censys, LeakIX, BinaryEdge, ZoomEye and FOFA.

Each engine's JSON (JSON lines, a JSON array, or its API's response object) is recognised from
its wrapper or its first record; every record gives a host, a port, a scheme when the engine
saw TLS or HTTP, and the service the engine thinks it is, mapped to a leakhound store kind
(``KINDS``) so the right probe can be chosen. A malformed record is counted with a one-line
reason and the rest are read. Hosts are taken as addresses where the engine gives one, so the
``--scope`` check needs no DNS answer.
"""

from __future__ import annotations

import ipaddress
import json
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import TargetError

MAX_EXPORT_BYTES = 256 * 1024 * 1024  # an export decompressed: Shodan's are gzipped JSON lines
MAX_REASONS = 5

# The store kinds an engine's service name can map to (probes/ names them the same way).
KINDS = frozenset(
    {
        "elasticsearch",
        "kibana",
        "mongodb",
        "redis",
        "postgresql",
        "mysql",
        "couchdb",
        "s3",
        "azure-blob",
    }
)
# Words of an engine's service, module or product name -> a store kind. The names are the
# engines' own: Shodan's "elastic" module, LeakIX's "ElasticSearchOpenPlugin", Censys'
# "ELASTICSEARCH", BinaryEdge's "mongodb" module, products such as "Redis key-value store".
_WORDS = {
    "elastic": "elasticsearch",
    "elasticsearch": "elasticsearch",
    "opensearch": "elasticsearch",
    "kibana": "kibana",
    "mongodb": "mongodb",
    "mongo": "mongodb",
    "redis": "redis",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "pgsql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "couchdb": "couchdb",
    "couch": "couchdb",
    "s3": "s3",
    "minio": "s3",
}
# Words of a name: "ElasticSearchOpenPlugin" -> elastic, search…; "AmazonS3" -> amazon, s3.
_TOKENS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z0-9]+(?![a-z])")
# Names that say only "some HTTP or TLS service": no kind from them.
_GENERIC = frozenset(
    {
        "http",
        "https",
        "ssl",
        "tls",
        "tcp",
        "web",
        "webv2",
        "unknown",
        "",
        "service-simple",
        "service",
        "banner",
    }
)


def store_kind(*names: str | None) -> str | None:
    """The leakhound store kind that the first telling name suggests, or None."""
    for name in names:
        if not name:
            continue
        words = [w.lower() for w in _TOKENS.findall(str(name))]
        if "azure" in words and "blob" in words:
            return "azure-blob"
        if "amazon" in words and "s3" in words:
            return "s3"
        joined = "".join(words)
        if joined in _WORDS:
            return _WORDS[joined]
        for word in words:
            if word in _WORDS:
                return _WORDS[word]
    return None


@dataclass(frozen=True, slots=True)
class ExportRecord:
    """One service an engine saw: where it is, the engine's name for it, the store kind.

    ``host`` is as the engine wrote it (an address, or a name where it gave no address):
    targets.py checks and canonicalises it as it does every target.
    """

    engine: str
    host: str
    port: int
    scheme: str | None  # "https" where the engine saw TLS, "http" where it saw HTTP
    kind: str | None  # one of KINDS, or None when the engine's name tells none
    service: str | None  # what the engine called it, as written (for the report)


@dataclass(frozen=True, slots=True)
class Export:
    """A whole export: the engine, its usable records, and the malformed ones counted."""

    engine: str
    records: tuple[ExportRecord, ...]
    skipped: int
    reasons: tuple[str, ...]  # the first reasons, one line each


class _Bad(Exception):
    """One record that gives no target."""


# ------------------------------------------------------------------------------ loading


def target_path(path_text: str) -> Path:
    """A target file's path, ``~`` expanded; TargetError where it names the home of a user
    this machine does not know (or none can be found): a stored scan's targets are read
    again on ``--resume`` and by a migration, maybe by another user or machine."""
    try:
        return Path(path_text).expanduser()
    except RuntimeError as exc:
        raise TargetError(f"cannot read target file {path_text}: {exc}") from None


def read_bytes(path_text: str, origin: str) -> bytes:
    """A target file's bytes, gunzipped if gzipped (``shodan download`` writes .json.gz)."""
    path = target_path(path_text)
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_EXPORT_BYTES + 1)
    except OSError as exc:
        raise TargetError(f"cannot read target file {path}: {exc.strerror or exc}") from exc
    if raw.startswith(b"\x1f\x8b"):
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out = d.decompress(raw, MAX_EXPORT_BYTES + 1)
        except zlib.error as exc:
            raise TargetError(f"{origin}: corrupt gzip ({exc})") from None
        while d.eof and d.unused_data and len(out) <= MAX_EXPORT_BYTES:  # gzip members
            rest = d.unused_data
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                out += d.decompress(rest, MAX_EXPORT_BYTES + 1 - len(out))
            except zlib.error:
                break
        raw = out
    if len(raw) > MAX_EXPORT_BYTES:
        raise TargetError(f"{origin}: larger than {MAX_EXPORT_BYTES // 2**20} MiB")
    return raw


def load_export(path_text: str, origin: str) -> Export | None:
    """The export in a target file, or None when it is no search engine's export."""
    raw = read_bytes(path_text, origin)
    if raw.startswith(b"\x1f\x8b"):
        return None
    return parse_export(raw.decode("utf-8", errors="replace"), origin)


def parse_export(text: str, origin: str) -> Export | None:
    """Recognise and read an export's text; None when no engine's shape is found."""
    body = text.lstrip("\ufeff \t\r\n")
    if not body.startswith(("{", "[")):
        return None
    rows, bad_lines = _values(body)
    if not rows:
        return None
    found = _recognise(rows[0])
    if found is None:
        return None
    engine = found[0]
    records: dict[tuple[str, int, str | None], ExportRecord] = {}
    skipped = len(bad_lines)
    reasons = [f"{origin}: {r}" for r in bad_lines[:MAX_REASONS]]
    parse = _PARSERS[engine]
    number = 0
    for row in rows:
        found = _recognise(row)
        for item in found[1] if found is not None and found[0] == engine else [row]:
            number += 1
            try:
                found_records = list(parse(item))
            except _Bad as exc:
                found_records = [exc]
            for record in found_records:
                if isinstance(record, _Bad):  # the record, or one service of it, refused
                    skipped += 1
                    if len(reasons) < MAX_REASONS:
                        reasons.append(f"{origin} record {number}: {_one_line(str(record))}")
                    continue
                key = (record.host.lower(), record.port, record.scheme)
                known = records.get(key)
                if known is None or (known.kind is None and record.kind is not None):
                    records[key] = record
    return Export(engine, tuple(records.values()), skipped, tuple(reasons))


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def _values(body: str) -> tuple[list[Any], list[str]]:
    """The JSON values of the text: one document, or one per line (JSON lines)."""
    try:
        whole = json.loads(body)
    except ValueError:
        pass
    except RecursionError:
        return [], []
    else:
        return ([whole] if not isinstance(whole, list) else whole), []
    values, bad = [], []
    for number, line in enumerate(body.splitlines(), 1):
        if not line.strip():
            continue
        try:
            values.append(json.loads(line))
        except (ValueError, RecursionError):
            bad.append(f"line {number}: not JSON")
    return values, bad


# ------------------------------------------------------------------------------ recognising


def _recognise(value: Any) -> tuple[str, list[Any]] | None:
    """(engine, its records) from an export's first value, or None."""
    if isinstance(value, list):
        return ("fofa", [value]) if _fofa_row(value) else None
    if not isinstance(value, dict):
        return None
    # API responses wrap the records.
    result = value.get("result")
    if isinstance(result, dict) and isinstance(result.get("hits"), list):
        return "censys", result["hits"]
    if isinstance(value.get("matches"), list):
        first = next((m for m in value["matches"] if isinstance(m, dict)), {})
        return ("zoomeye" if "portinfo" in first else "shodan"), value["matches"]
    if isinstance(value.get("data"), list) and "ip_str" in value:  # Shodan's host view
        return "shodan", [
            {**b, "ip_str": b.get("ip_str", value["ip_str"])}
            for b in value["data"]
            if isinstance(b, dict)
        ]
    if isinstance(value.get("data"), list) and "code" in value:  # ZoomEye v2 /v2/search
        return "zoomeye", value["data"]
    if isinstance(value.get("results"), list) and ("mode" in value or "query" in value):
        return "fofa", value["results"]
    if isinstance(value.get("Services"), list) or isinstance(value.get("Leaks"), list):
        return "leakix", [*(value.get("Services") or []), *(value.get("Leaks") or [])]
    # A bare record.
    if "ip_str" in value or "_shodan" in value:
        return "shodan", [value]
    if "event_source" in value or "event_type" in value:
        return "leakix", [value]
    if isinstance(value.get("target"), dict) and "origin" in value:
        return "binaryedge", [value]
    if "host_v1" in value or "webproperty_v1" in value or isinstance(value.get("services"), list):
        return "censys", [value]
    if "portinfo" in value or "geoinfo" in value:
        return "zoomeye", [value]
    if "base_protocol" in value or "lastupdatetime" in value or "link" in value:
        return "fofa", [value]
    return None


def _fofa_row(row: list[Any]) -> bool:
    return (
        bool(row)
        and all(isinstance(v, str | int) for v in row)
        and any(_is_ip(str(v)) or "://" in str(v) or ":" in str(v) for v in row)
    )


# ------------------------------------------------------------------------------ endpoints


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


_Where = tuple[str, int, str | None]


def _where(host: Any, port: Any, scheme: str | None) -> _Where:
    """Host, port and scheme of a record, their types and ranges checked."""
    if isinstance(host, int) and not isinstance(host, bool) and 0 <= host < 2**32:
        host = str(ipaddress.IPv4Address(host))  # Shodan's "ip" is an integer
    if not isinstance(host, str) or not host.strip():
        raise _Bad("no host")
    if isinstance(port, bool) or not isinstance(port, int | str):
        raise _Bad(f"bad port {port!r}")
    text = str(port).strip()
    if not text.isdecimal() or not text.isascii() or not 1 <= int(text) <= 65535:
        raise _Bad(f"bad port {text[:20]!r}")
    return host.strip(), int(text), scheme


def _tcp(transport: Any) -> None:
    if isinstance(transport, str) and transport.lower() not in ("tcp", ""):
        raise _Bad(f"{transport} service: leakhound reads TCP services")


def _scheme(tls: bool, http: bool) -> str | None:
    return "https" if tls else ("http" if http else None)


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _record(engine: str, where: _Where, *names: Any) -> ExportRecord:
    texts = [n for n in names if isinstance(n, str) and n]
    service = next((n for n in texts if n.lower() not in _GENERIC), texts[0] if texts else None)
    return ExportRecord(engine, *where, store_kind(*texts), service)


# ------------------------------------------------------------------------------ engines

# A parser yields records, and a _Bad for each part of its record it refuses (a Censys host's
# UDP service); it raises _Bad when the whole record is unusable.
_Records = Iterator["ExportRecord | _Bad"]


def _shodan(b: Any) -> _Records:
    """A Shodan banner (https://datapedia.shodan.io, the banner specification)."""
    if not isinstance(b, dict):
        raise _Bad("not a banner object")
    _tcp(b.get("transport"))
    module = _get(b, "_shodan", "module")
    tls = "ssl" in b or (isinstance(module, str) and module.endswith(("https", "-ssl")))
    ep = _where(b.get("ip_str", b.get("ip")), b.get("port"), _scheme(tls, "http" in b))
    # A banner names the store twice: its module and a property of the store's own name.
    props = [k for k in ("elastic", "mongodb", "redis", "couchdb", "kibana") if k in b]
    yield _record("shodan", ep, module, *props, b.get("product"))


def _censys(hit: Any) -> _Records:
    """A Censys host: Search 2.0 hits (services[].service_name) and Platform hits (host_v1)."""
    if not isinstance(hit, dict):
        raise _Bad("not a host object")
    web = _get(hit, "webproperty_v1", "resource")
    if isinstance(web, dict):
        port = web.get("port")
        ep = _where(web.get("hostname"), port, "https" if str(port) == "443" else "http")
        software = [s.get("product") for s in web.get("software") or [] if isinstance(s, dict)]
        yield _record("censys", ep, *software)
        return
    host = _get(hit, "host_v1", "resource") or hit
    services = host.get("services") if isinstance(host, dict) else None
    if not isinstance(services, list) or not services:
        raise _Bad("no services")
    ip = host.get("ip")
    for s in services:
        try:
            if not isinstance(s, dict):
                raise _Bad("a service is not an object")
            _tcp(s.get("transport_protocol"))
            name = s.get("service_name") or s.get("protocol")
            extended = s.get("extended_service_name")
            tls = "tls" in s or extended == "HTTPS" or name == "HTTPS"
            http = "http" in s or str(name).upper() in ("HTTP", "HTTPS")
            ep = _where(ip, s.get("port"), _scheme(tls, http))
            software = [x.get("product") for x in s.get("software") or [] if isinstance(x, dict)]
            yield _record("censys", ep, name, extended, *software)
        except _Bad as exc:
            yield exc


def _leakix(event: Any) -> _Records:
    """A LeakIX event (l9format: ip, host, port as a string, protocol, transport list)."""
    if not isinstance(event, dict):
        raise _Bad("not an event object")
    transport = event.get("transport") or []
    if isinstance(transport, list) and "udp" in transport:
        raise _Bad("udp service: leakhound reads TCP services")
    protocol = event.get("protocol")
    tls = (isinstance(transport, list) and "tls" in transport) or protocol == "https"
    http = (isinstance(transport, list) and "http" in transport) or protocol == "http"
    ep = _where(event.get("ip") or event.get("host"), event.get("port"), _scheme(tls, http))
    yield _record(
        "leakix",
        ep,
        event.get("event_source"),
        protocol,
        _get(event, "service", "software", "name"),
    )


def _binaryedge(event: Any) -> _Records:
    """A BinaryEdge event (target.ip/port/protocol, origin.type is the module that ran)."""
    if not isinstance(event, dict) or not isinstance(event.get("target"), dict):
        raise _Bad("no target object")
    target = event["target"]
    _tcp(target.get("protocol"))
    module = _get(event, "origin", "type")
    service = _get(event, "result", "data", "service")
    service = service if isinstance(service, dict) else {}
    tls = module == "ssl" or service.get("tunnel") == "ssl"
    http = module in ("webv2", "http", "https") or service.get("name") in ("http", "https")
    ep = _where(target.get("ip"), target.get("port"), _scheme(tls, http))
    yield _record("binaryedge", ep, module, service.get("name"), service.get("product"))


def _zoomeye(m: Any) -> _Records:
    """A ZoomEye host match: v1 (portinfo.port/service/app) or v2 (port, service, product)."""
    if not isinstance(m, dict):
        raise _Bad("not a match object")
    portinfo = m.get("portinfo")
    info: dict[str, Any] = portinfo if isinstance(portinfo, dict) else m
    transport = _get(m, "protocol", "transport") or m.get("transport")
    _tcp(transport)
    service = info.get("service")
    tls = isinstance(service, str) and ("https" in service or "ssl" in service)
    http = isinstance(service, str) and "http" in service
    ep = _where(m.get("ip"), info.get("port"), _scheme(tls, http))
    yield _record("zoomeye", ep, info.get("app"), service, info.get("product"))


_FOFA_PROTOCOLS = frozenset({"http", "https", *_WORDS, "elasticsearch", "kibana"})


def _fofa(row: Any) -> _Records:
    """A FOFA result: a row of the fields asked for (their order is not in the response:
    each value is recognised by its shape), or an object of the CLI's JSON output."""
    if isinstance(row, str):
        row = [row]
    fields: dict[str, Any]
    if isinstance(row, dict):
        fields = row
    elif isinstance(row, list):
        fields = {}
        for v in row:
            text = str(v).strip()
            if _is_ip(text):
                fields.setdefault("ip", text)
            elif text.isdecimal() and 0 < int(text) < 65536:
                fields.setdefault("port", text)
            elif text.lower() in _FOFA_PROTOCOLS:
                fields.setdefault("protocol", text.lower())
            elif "://" in text or re.match(r"^[\w.-]+:\d+$", text) or "." in text:
                fields.setdefault("host", text)
    else:
        raise _Bad("not a result row")
    protocol = fields.get("protocol")
    _tcp(fields.get("base_protocol"))
    host, port = fields.get("ip"), fields.get("port")
    scheme = protocol if protocol in ("http", "https") else None
    hosted = fields.get("host")
    if isinstance(hosted, str) and hosted:
        url = hosted if "://" in hosted else f"{scheme or 'tcp'}://{hosted}"
        m = re.match(r"^(\w+)://(\[[^\]]+\]|[^/:]+)(?::(\d+))?", url)
        if m:
            if m[1] in ("http", "https"):
                scheme = m[1]
            host = host or m[2].strip("[]")
            port = port or m[3] or (443 if scheme == "https" else 80 if scheme == "http" else None)
    ep = _where(host, port, scheme)
    yield _record("fofa", ep, protocol, fields.get("server"), fields.get("product"))


_PARSERS: dict[str, Callable[[Any], _Records]] = {
    "shodan": _shodan,
    "censys": _censys,
    "leakix": _leakix,
    "binaryedge": _binaryedge,
    "zoomeye": _zoomeye,
    "fofa": _fofa,
}
ENGINES = tuple(_PARSERS)

__all__ = [
    "ENGINES",
    "KINDS",
    "Export",
    "ExportRecord",
    "load_export",
    "parse_export",
    "store_kind",
]
