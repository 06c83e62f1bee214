"""Azure network security group flow logs, version 1 and 2 (``PT1H.json`` blobs).

From Microsoft's "Flow logging for network security groups" (log format): ``{"records":[{"time",
"category":"NetworkSecurityGroupFlowEvent","properties":{"Version":2,"flows":[{"rule","flows":
[{"mac","flowTuples":["1542110377,94.102.49.190,10.0.0.4,28746,443,T,I,A,B,,,,", …]}]}]}}]}``.
A version 2 tuple: time (epoch), source IP, destination IP, source port, destination port,
protocol (T/U), direction (I/O), decision (A/D), flow state (B begin, C continuing, E end),
then packets and bytes source→destination and destination→source since the last update.
The tuples are read straight from the bytes, chunk by chunk: an hour's blob can be hundreds
of megabytes and is never loaded whole.
"""

from __future__ import annotations

import re

from ..actions import BULK_READ, CTX_NONE, NO_RECORDS, PROBE, READ
from ..activity import Activity
from ..reader import Lines
from .base import ParseOptions

NAME = "azure-nsg"
DOC = "Azure NSG flow log (v1/v2 JSON)"
READ_BYTES = 64 * 1024  # a response this large carried data, not a banner or an error
TUPLE = re.compile(
    rb'"(\d{9,11}),([0-9A-Fa-f.:]+),([0-9A-Fa-f.:]+),(\d+),(\d+),([TU]),([IO]),([AD])'
    rb'(?:,([BCE]),(\d*),(\d*),(\d*),(\d*))?"'
)


def sniff(head: bytes) -> bool:
    """The head names the NSG flow event category or holds ``flowTuples``."""
    return b"flowTuples" in head or b"NetworkSecurityGroupFlowEvent" in head


def parse(stream: Lines, sink: Activity, options: ParseOptions) -> None:
    """Every flow tuple into ``sink``: the remote side is the source, its bytes received are
    the bytes out."""
    f = sink.file
    n = f.lines
    buf = b""
    for chunk in stream.chunks():
        buf = buf + chunk if buf else chunk
        last = 0
        for m in TUPLE.finditer(buf):
            last = m.end()
            n += 1
            (
                ts,
                src,
                dst,
                sport,
                dport,
                _proto,
                direction,
                decision,
                state,
                _p1,
                b_sd,
                _p2,
                b_ds,
            ) = m.groups()
            inbound = direction == b"I"
            remote = src if inbound else dst
            port = dport if inbound else sport
            out = b_ds if inbound else b_sd
            nbytes = int(out) if out else 0
            if state == b"B" or not state:
                action = PROBE
            else:
                action = (
                    BULK_READ
                    if nbytes >= options.bulk_bytes
                    else (READ if nbytes >= READ_BYTES else PROBE)
                )
            sink.add(
                remote.decode(),
                float(ts),
                action,
                f"port {port.decode()}",
                0,
                NO_RECORDS,
                nbytes,
                decision == b"A",
                None,
                CTX_NONE,
                m.group(0),
                n,
            )
        buf = buf[max(last, len(buf) - 512) :]
    if n == f.lines:
        f.notes.append("no flow tuple found: is this an NSG flow log?")
    f.lines = n
