"""AWS VPC flow logs, versions 2 to 5 (space-separated; a header line names the fields).

From AWS's "Flow log records": the default format is version 2, ``version account-id
interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action
log-status``; custom formats (v3–v5) add ``vpc-id``, ``pkt-srcaddr``, ``flow-direction``
(ingress/egress) and more, in the order the header line gives. A record counts the packets
and bytes sent from ``srcaddr`` to ``dstaddr``: the bytes out to a client are the records whose
destination is the client. Without ``flow-direction``, the store's side is the one on a
well-known store port (else the lower port).
"""

from __future__ import annotations

from ..actions import BULK_READ, CTX_NONE, NO_RECORDS, PROBE, READ
from ..activity import Activity
from ..reader import Lines
from .azure_nsg import READ_BYTES
from .base import ParseOptions, first_lines

NAME = "aws-vpc"
DOC = "AWS VPC flow log (v2–v5)"
DEFAULT = [
    "version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
    "protocol", "packets", "bytes", "start", "end", "action", "log-status",
]  # fmt: skip
STORE_PORTS = frozenset((9200, 9243, 9300, 27017, 5432, 3306, 6379, 5984, 443, 80, 8080))


def sniff(head: bytes) -> bool:
    """A header naming ``srcaddr``/``dstaddr``, or default-format records (version 2..5)."""
    lines = first_lines(head)
    if not lines:
        return False
    if b"srcaddr" in lines[0] and b"dstaddr" in lines[0]:
        return True
    return sum(1 for ln in lines if _default_record(ln)) * 2 > len(lines)


def _default_record(line: bytes) -> bool:
    parts = line.split()
    return (
        len(parts) == 14
        and parts[0] in (b"2", b"3", b"4", b"5")
        and parts[12] in (b"ACCEPT", b"REJECT", b"-")
        and parts[13] in (b"OK", b"NODATA", b"SKIPDATA")
    )


def parse(stream: Lines, sink: Activity, options: ParseOptions) -> None:
    """Every record into ``sink``, the remote address as the source."""
    f = sink.file
    lineno = f.lines
    names = DEFAULT
    pos: dict[str, int] = {n: i for i, n in enumerate(names)}
    for batch in stream.batches():
        for line in batch:
            lineno += 1
            parts = line.decode("utf-8", "replace").split()
            if not parts:
                continue
            if "srcaddr" in parts and "dstaddr" in parts:
                names = [p.replace("_", "-") for p in parts]
                pos = {n: i for i, n in enumerate(names)}
                continue
            if len(parts) != len(names):
                sink.skip(lineno, line, f"{len(parts)} fields, the header gives {len(names)}")
                continue
            try:
                src, dst = parts[pos["srcaddr"]], parts[pos["dstaddr"]]
                if src == "-" or parts[pos["start"]] == "-":
                    continue  # NODATA / SKIPDATA records carry no flow
                sport, dport = int(parts[pos["srcport"]]), int(parts[pos["dstport"]])
                nbytes = int(parts[pos["bytes"]])
                t = float(parts[pos["start"]])
            except (KeyError, ValueError) as exc:
                sink.skip(lineno, line, f"unreadable record ({exc})")
                continue
            direction = parts[pos["flow-direction"]] if "flow-direction" in pos else None
            if direction in ("ingress", "egress"):
                egress = direction == "egress"
            else:
                egress = sport in STORE_PORTS or (dport not in STORE_PORTS and sport < dport)
            remote, port = (dst, sport) if egress else (src, dport)
            out = nbytes if egress else 0
            action = PROBE
            if out >= options.bulk_bytes:
                action = BULK_READ
            elif out >= READ_BYTES:
                action = READ
            ok = "action" not in pos or parts[pos["action"]] != "REJECT"
            sink.add(
                remote,
                t,
                action,
                f"port {port}",
                0,
                NO_RECORDS,
                out,
                ok,
                None,
                CTX_NONE,
                line,
                lineno,
            )
    f.lines = lineno
