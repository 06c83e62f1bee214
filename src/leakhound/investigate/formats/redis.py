"""Redis's own log at ``loglevel verbose``: its connections and each one's last command.

Redis 7 writes ``PID:ROLE DD Mon YYYY HH:MM:SS.mmm LEVEL message`` in the server's local time
(no zone: read as UTC unless ``--log-time-zone``); at ``verbose`` it logs ``Accepted
ADDR:PORT`` for a connection and, when the client closes it, ``Client closed connection`` with
the client's ``CLIENT LIST`` fields: ``addr=``, ``db=``, ``name=``, ``cmd=`` (the LAST command
it ran; ``NULL`` for none), ``user=``, and from 7.2 ``tot-net-out=`` (bytes sent to it). As
redis-server 7.0.15 wrote them on loopback:

    30065:M 07 Dec 2026 01:50:43.287 - Accepted ::1:56494
    … - Client closed connection id=3 addr=[::1]:56494 … db=0 … cmd=keys user=default …

So one connection is one request here, its action that of its last command (a replica's or a
MONITOR's, by its ``flags=``, a bulk read): the commands
before it are not in the log (``KEYS *`` then ``GET`` × 1,000 then ``QUIT`` is one probe). A
command refused for want of ``AUTH`` is logged like one that ran (``cmd=keys``): the log shows
what was sent, not what was answered. No record count is logged; a connection still open at
the log's end, or dropped without its fields (a reset, a kill), is a probe. The notes say so.

A transaction is logged by its end alone. ``MULTI``, ``GET``, ``HGETALL``, ``EXEC`` closes as
``cmd=exec multi=-1``: the commands it ran are in no field, and a transaction is how a client
reads many keys in one round trip, so it is a read (that all were writes, or that ``EXEC``
was refused, the log cannot say: the note says so). redis-server 7.0.15 closes ``MULTI``,
``SET``, ``INCR``, ``EXEC``; an ``EXEC`` answered ``EXECABORT`` (a queued command unknown or
of the wrong arity); an ``EXEC`` with no ``MULTI`` before it; one that ran nothing because a
key it ``WATCH``ed changed (``EXEC``'s null reply: its last command is still ``exec``, set
before the command runs); and ``MULTI``, ``EXEC`` with
the very line of the reads' (every field alike but the read buffer's ``rbs``, ``rbp`` and
the ``tot-mem`` they count in, which vary with the buffer's resizing, not with what ran): what
was queued is nowhere to tell a read from the rest by, and a read missed is the worse mistake.
One still queuing when the client left (``MULTI``, ``GET``, then a close: ``cmd=get multi=1
flags=x``) ran nothing: Redis drops the queued commands with the connection, so whatever it
queued last, it is a probe.
"""

from __future__ import annotations

import re

from ..actions import BULK_READ, CTX_NONE, ENUMERATE, NO_RECORDS, PROBE, READ, WIPE, WRITE
from ..activity import Activity, FileState
from ..reader import Lines
from ..timeparse import BadTime, local_time
from .base import ParseOptions, first_lines, local_time_note

NAME = "redis"
DOC = "Redis server log (loglevel verbose: connections and each one's last command)"
_LINE = re.compile(
    rb"^\d+:[XCSM] (\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d)\.\d{3} [.\-*#] (.*)$"
)
_MONTHS = {
    m: i for i, m in enumerate(b"Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)
}
_FIELD = re.compile(rb"(?:^| )([a-z-]+)=(\S*)")
MAX_OPEN = 65536  # connections awaiting their close line; past it the oldest count as probes

# A command (lower case, ``config|get`` for a subcommand) → action; the rest are probes.
_READ = (
    "get mget getex getrange getdel hget hgetall hmget hvals hscan hrandfield lrange lindex lpos "
    "smembers sscan srandmember sinter sunion sdiff zrange zrangebyscore zrevrange "
    "zrevrangebyscore zrangebylex zscan zrandmember xrange xrevrange xread xreadgroup dump sort "
    "sort_ro substr json.get ft.search georadius geosearch"
)
_ENUMERATE = (
    "keys scan type ttl pttl exists dbsize randomkey strlen hlen hkeys llen scard zcard xlen "
    "object|encoding memory|usage config|get info|keyspace"
)
_BULK = "sync psync monitor"  # a whole data set as an RDB (redis-cli --rdb), or every command
# CLIENT LIST flags of a client that was sent the data set (S: a replica, fed an RDB and then
# every write) or every command (O: MONITOR), whatever command it ran last: a replica's is
# its REPLCONF ACK
_FED = frozenset("SO")
# EXEC ran the commands queued since MULTI, which the log does not name: read as a read
_TRANSACTION = "exec"
_WIPE = "flushall flushdb del unlink"
_WRITE = (
    "set setex psetex setnx mset msetnx append incr incrby decr decrby hset hsetnx hmset hdel "
    "lpush rpush lset lpop rpop sadd srem zadd zrem xadd expire pexpire rename restore "
    "config|set config|rewrite save bgsave bgrewriteaof slaveof replicaof module|load eval "
    "evalsha fcall function|load script|load acl|setuser shutdown migrate move copy swapdb"
)
COMMANDS: dict[str, int] = {
    c: action
    for words, action in (
        (_READ, READ),
        (_TRANSACTION, READ),
        (_ENUMERATE, ENUMERATE),
        (_BULK, BULK_READ),
        (_WIPE, WIPE),
        (_WRITE, WRITE),
    )
    for c in words.split()
}
NOTE = (
    "Redis logs a connection's last command only (cmd=): a connection's action is that "
    "command's, the ones before it are not in the log, and a command refused for want of AUTH "
    "is logged like one that ran; no record count is logged"
)
TRANSACTION_NOTE = (
    "a connection that ended with a transaction (cmd=exec) is counted a read: the commands "
    "it ran are not in the log (they may all have been writes, or the EXEC refused, "
    "EXECABORT or without MULTI, or run nothing, a WATCHed key having changed: Redis logs "
    "those alike); one closed inside MULTI ran "
    "nothing it queued and is a probe"
)


def sniff(head: bytes) -> bool:
    """Most first lines are Redis log lines (``PID:ROLE DD Mon YYYY HH:MM:SS.mmm LEVEL``)."""
    lines = first_lines(head)
    return bool(lines) and sum(1 for ln in lines if _LINE.match(ln)) * 2 > len(lines)


def _endpoint(text: str) -> tuple[str, str]:
    """(host, port) of ``1.2.3.4:5678``, ``[::1]:5678`` (``addr=``) or ``::1:5678``
    (``Accepted``)."""
    if text.startswith("["):
        host, _, port = text[1:].partition("]:")
        return host, port
    host, _, port = text.rpartition(":")
    return host, port


def parse(stream: Lines, sink: Activity, options: ParseOptions) -> None:
    """Each connection into ``sink`` once, by client address, as its last command."""
    f = sink.file
    zone = options.log_zone
    opened: dict[tuple[str, str], tuple[float, int, bytes]] = {}  # (host, port) → accepted
    lineno = f.lines
    how = [NOTE, local_time_note(zone)]  # how connections are read: said by each file with one
    noted: FileState | None = None

    def probe(key: tuple[str, str], t: float, n: int, line: bytes) -> None:
        sink.add(key[0], t, PROBE, None, 0, NO_RECORDS, 0, True, None, CTX_NONE, line, n)

    for batch in stream.batches():
        for line in batch:
            lineno += 1
            line = line.rstrip(b"\r")
            if not line.strip():
                continue
            m = _LINE.match(line)
            if m is None:
                sink.skip(lineno, line, "not a Redis log line")
                continue
            message = m.group(7)
            accepted = message.startswith(b"Accepted ")
            if not accepted and not message.startswith(b"Client closed connection "):
                continue  # the server's own events: no client in them
            day, mon, year, hh, mi, ss = m.group(1, 2, 3, 4, 5, 6)
            try:
                t = local_time((int(year), _MONTHS[mon], int(day), int(hh), int(mi), int(ss)), zone)
            except (BadTime, KeyError) as exc:
                sink.skip(lineno, line, str(exc) if isinstance(exc, BadTime) else "no month")
                continue
            if sink.file is not noted:  # its lines are its own: a Redis entry is one line
                noted = sink.file
                for note in how:
                    sink.note(lineno, note)
            if accepted:
                where = message[9:].decode("utf-8", "replace").strip()
                if where.startswith("connection to "):  # a Unix socket: the host's own
                    continue
                key = _endpoint(where)
                if key in opened:  # its port again: the earlier connection ended unlogged
                    probe(key, *opened.pop(key))
                elif len(opened) >= MAX_OPEN:
                    oldest = next(iter(opened))
                    probe(oldest, *opened.pop(oldest))
                opened[key] = (t, lineno, line)
                continue
            fields = {k.decode(): v.decode("utf-8", "replace") for k, v in _FIELD.findall(message)}
            addr = fields.get("addr", "")
            if not addr or addr.startswith("/"):
                continue  # a Unix socket, or Redis before 7 (no fields): the accept stands
            key = _endpoint(addr)
            first = opened.pop(key, None)
            cmd = fields.get("cmd", "NULL").lower()
            action = COMMANDS.get(cmd, PROBE)
            queuing = fields.get("multi", "-1").isdigit()
            if queuing:
                action = PROBE  # inside MULTI still: its queued commands never ran
            if queuing or cmd == _TRANSACTION:
                sink.note(lineno, TRANSACTION_NOTE)
            if _FED.intersection(fields.get("flags", "")):
                action = max(action, BULK_READ)  # whatever it sent last (REPLCONF ACK…)
            name = fields.get("name")
            out = fields.get("tot-net-out", "")
            sink.add(
                key[0],
                first[0] if first else t,
                action,
                f"db{fields['db']}" if fields.get("db", "").isdigit() else None,
                0,
                NO_RECORDS,
                int(out) if out.isdigit() else 0,
                True,
                f"client name {name}" if name else None,
                CTX_NONE,
                line,
                lineno,
                seen=t,
            )
    for key, accepted_at in opened.items():  # never closed in the log, or closed unlogged
        probe(key, *accepted_at)
    f.lines = lineno
