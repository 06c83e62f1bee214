"""MongoDB structured log (4.4+, one JSON document a line: ``{"t":{"$date":…},"s","c","id",
"ctx","msg","attr"}``).

From MongoDB's "Log Messages" reference: ``Connection accepted`` (id 22943, ctx ``listener``,
``attr.remote`` ``ip:port``, ``attr.connectionId`` N) ties later lines of ctx ``connN`` to the
client; ``client metadata`` (51800) names the driver or tool (``application.name``: mongodump…);
``Authentication succeeded/failed`` (20250/20249); ``Slow query`` (51803) carries the command
(its first key is its name), ``ns``, ``nreturned`` and ``reslen`` (bytes sent back) — every
operation when ``slowms`` is 0 or the profiler logs all, else only slow ones.
"""

from __future__ import annotations

from typing import Any

from ..actions import (
    BULK_READ,
    CTX_NONE,
    CTX_PAGE,
    ENUMERATE,
    EXACT,
    NO_RECORDS,
    PROBE,
    RANSOM_NOTE,
    READ,
    WIPE,
    WRITE,
)
from ..activity import Activity
from ..reader import Lines
from ..timeparse import BadTime, iso
from .base import ParseOptions, host_of, json_lines, sniff_json
from .http import BULK_SIZE, RANSOM_NAMES

NAME = "mongodb"
DOC = "MongoDB structured JSON log (4.4+)"
DUMP_TOOLS = ("mongodump", "mongoexport")

COMMANDS = {
    "listDatabases": ENUMERATE,
    "listCollections": ENUMERATE,
    "listIndexes": ENUMERATE,
    "dbStats": ENUMERATE,
    "collStats": ENUMERATE,
    "serverStatus": PROBE,
    "buildInfo": PROBE,
    "isMaster": PROBE,
    "ismaster": PROBE,
    "hello": PROBE,
    "ping": PROBE,
    "find": READ,
    "aggregate": READ,
    "count": READ,
    "distinct": READ,
    "getMore": BULK_READ,
    "insert": WRITE,
    "update": WRITE,
    "findAndModify": WRITE,
    "create": WRITE,
    "createIndexes": WRITE,
    "delete": WIPE,
    "drop": WIPE,
    "dropDatabase": WIPE,
}


def sniff(head: bytes) -> bool:
    """JSON lines with ``"t":{"$date"`` and ``"ctx"``."""
    return sniff_json(head, (b'"$date"', b'"ctx"', b'"msg"'), need=3)


def parse(stream: Lines, sink: Activity, options: ParseOptions) -> None:
    """Connections, authentications and commands into ``sink``, by client address."""
    conns: dict[str, str] = {}  # ctx "conn12" → client address
    apps: dict[str, str] = {}  # ctx → application name from client metadata

    def handle(e: dict[str, Any], lineno: int, line: bytes) -> str | None:
        date = e.get("t")
        when = date.get("$date") if isinstance(date, dict) else None
        if not isinstance(when, str):
            return "no t.$date"
        try:
            t, _ = iso(when)
        except BadTime as exc:
            return str(exc)
        attr = e.get("attr") if isinstance(e.get("attr"), dict) else {}
        assert isinstance(attr, dict)
        ctx = str(e.get("ctx", ""))
        msg = str(e.get("msg", ""))
        remote = attr.get("remote")
        if msg == "Connection accepted" and isinstance(remote, str):
            cid = attr.get("connectionId")
            conns[f"conn{cid}"] = host_of(remote)
            if len(conns) > 100_000:  # connections that never logged their end
                conns.pop(next(iter(conns)))
            sink.add(
                host_of(remote),
                t,
                PROBE,
                None,
                0,
                NO_RECORDS,
                0,
                True,
                None,
                CTX_NONE,
                line,
                lineno,
            )
            return None
        if msg == "Connection ended":
            conns.pop(ctx, None)
            apps.pop(ctx, None)
            return None
        addr = host_of(remote) if isinstance(remote, str) else conns.get(ctx)
        if addr is None:
            return None  # the server's own work (replication, TTL monitor, startup)
        if msg == "client metadata":
            doc = attr.get("doc") if isinstance(attr.get("doc"), dict) else {}
            app = (doc or {}).get("application", {})
            if isinstance(app, dict) and app.get("name"):
                apps[ctx] = str(app["name"])
            return None
        if msg.startswith("Authentication failed"):
            sink.add(
                addr, t, PROBE, None, 0, NO_RECORDS, 0, False, apps.get(ctx), CTX_NONE, line, lineno
            )
            return None
        command = attr.get("command")
        if not isinstance(command, dict) or not command:
            return None
        name = next(iter(command))
        action = COMMANDS.get(name, PROBE)
        ns = str(attr.get("ns") or "")
        named = command.get(name)
        if isinstance(named, str):  # find/insert/drop…: the collection is the command's value
            coll = named
        elif name in ("listDatabases", "dropDatabase"):
            coll = ns.split(".", 1)[0] or "*"
        else:
            coll = str(command.get("collection") or (ns.split(".", 1)[1] if "." in ns else ns))
        if action == WRITE and RANSOM_NAMES.match(coll.rsplit(".", 1)[-1]):
            action = RANSOM_NOTE
        app = apps.get(ctx)
        returned = attr.get("nreturned")
        limit = command.get("batchSize") or command.get("limit") or 0
        big = isinstance(limit, int) and limit >= BULK_SIZE
        if action == READ and (app in DUMP_TOOLS or big):
            action = BULK_READ
        records, how = (returned, EXACT) if isinstance(returned, int) else (0, NO_RECORDS)
        reslen = attr.get("reslen")
        sink.add(
            addr,
            t,
            action,
            coll or None,
            records,
            how,
            reslen if isinstance(reslen, int) else 0,
            not attr.get("errCode"),
            app,
            CTX_PAGE if name == "getMore" else CTX_NONE,
            line,
            lineno,
        )
        return None

    json_lines(stream, sink, handle)
