"""Which store a MySQL or MariaDB server is of: its own, or the source it replicates.

A replica holds its source's rows: scanned beside it, the two are one store, counted once,
the source speaking for it (``store.records``). What says so, read-only, after the login:

- A Galera node (MariaDB Galera, Percona XtraDB Cluster): the cluster's state UUID
  (``SHOW STATUS LIKE 'wsrep_cluster_state_uuid'``, anyone's to ask), the same at every
  node, made when the cluster was first bootstrapped: ``cluster_uuid``. Every node writes; none
  is a copy of another.
- MySQL (5.6 and later): ``@@server_uuid``, made at the server's first start and kept in its
  data directory (``auto.cnf``), names a source; a replica's status names its source by it
  (``SHOW REPLICA STATUS``'s ``Source_UUID``, ``Master_UUID`` of ``SHOW SLAVE STATUS`` before
  8.0.22). The store of a replica is its source's UUID, of any other server its own, wherever
  each was reached: ``cluster_uuid``. A copy of a data directory (a cloned machine) keeps the
  UUID, as a PostgreSQL copy keeps its system identifier: it too would count as the same store.
- MariaDB has no UUID. Its ``@@server_id`` is a number set by hand, 1 by default on every
  server: alone it names nothing. A replica's status names its source by the address it
  connects to (``Master_Host``, ``Master_Port``) and the source's ``server_id``
  (``Master_Server_Id``, 0 until it first connected). That address is the replica's view (a
  host name, a private address, "127.0.0.1" of its own machine): the replica joins its source
  only in a scan that reached a server at that very address, whose ``@@server_id`` is the one
  named (a source keeps a binary log: its ``server_id`` is kept in ``details.server_id`` only
  then), an address of loopback only where the replica too was reached on loopback (the
  same machine), a private one only where the replica too was reached on loopback or a
  private address (its network, not another's of the same addresses). That joining is
  ``store.records``'s, across one scan's results; the fingerprint carries no identity
  (``cluster_uuid`` None: a store known by its endpoint, as before, its history its
  endpoint's).

A replica says so: ``details.replica`` (it ranks after its source), ``details.replica_of``
(``host:port``), and its reason (``; a replica of 10.0.0.5:3306``, with ``, not replicating
now`` where a thread of its replication is not running: what it holds may be behind). A
replica of several sources (multi-source: several connections or channels) holds none of
them whole: it is a store of its own. A MySQL replica of a replica names the server it
replicates, not that one's source; a MariaDB one joins no store (its source, a replica
itself, is given no ``server_id``). Where the account that logged in may not read the
replica status (it takes a replication privilege; root has every one), or an answer is not
of the shape a server gives, nothing is said: no identity, as for any server that tells
none, never an error.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from ...errors import NetError
from . import sql
from .connection import Connection
from .wire import ResultSet, ServerError, text

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_NO_UUID = "00000000-0000-0000-0000-000000000000"  # a Galera node that joined no cluster
# A source's address as a replica's status gives it: a host name or an address (MariaDB and
# MySQL take up to 255 characters), nothing else a server could slip into a reason.
_HOST = re.compile(r"[A-Za-z0-9._:%-]{1,255}")
_ER_PARSE = 1064  # SHOW REPLICA STATUS before MySQL 8.0.22
# A replica status's columns under each of their names: MySQL 8.0.22's, and the older ones
# MariaDB and MySQL's ``SHOW SLAVE STATUS`` use.
_NAMES = {
    "host": ("Source_Host", "Master_Host"),
    "port": ("Source_Port", "Master_Port"),
    "server_id": ("Source_Server_Id", "Master_Server_Id"),
    "uuid": ("Source_UUID", "Master_UUID"),
    "io": ("Replica_IO_Running", "Slave_IO_Running"),
    "sql": ("Replica_SQL_Running", "Slave_SQL_Running"),
}


@dataclass(frozen=True, slots=True)
class Replication:
    """What a server said of its store: its identity (``Fingerprint.cluster_uuid``), what its
    details gain, and a few words for its verdict's reason."""

    identity: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    said: str = ""


async def replication(conn: Connection, *, mariadb: bool) -> Replication:
    """Which store the server is of (the module's rule); nothing where a statement is refused,
    the connection fails or an answer is odd."""
    try:
        return await _replication(conn, mariadb=mariadb)
    except NetError:  # a ServerError, a timeout, a cut connection: nothing said
        return Replication()


async def _replication(conn: Connection, *, mariadb: bool) -> Replication:
    galera = _uuid(_status_value(await conn.run(sql.GALERA_STATE)))
    if galera is not None:
        return Replication(galera, {"galera": True})
    if mariadb:
        server = await conn.run(sql.MARIADB_SERVER)
        sources = await conn.run(sql.MARIADB_REPLICAS)
    else:
        server = await conn.run(sql.MYSQL_SERVER)
        sources = await conn.run(sql.MYSQL_REPLICAS)
        if isinstance(sources, ServerError) and sources.code == _ER_PARSE:
            sources = await conn.run(sql.MYSQL_REPLICAS_BEFORE_8022)
    if not isinstance(sources, ResultSet) or not sources.columns:
        return Replication()  # refused (no replication privilege): nothing known
    if not sources.rows:  # replicates nothing: a store of its own, maybe a source
        if mariadb:
            row = _one_row(server, 2)
            server_id = _whole(row[0]) if row else None
            if row is not None and server_id and row[1] == b"1":
                return Replication(None, {"server_id": server_id})
            return Replication()
        row = _one_row(server, 1)
        return Replication(_uuid(row[0]) if row else None)
    if len(sources.rows) != 1:
        return Replication()  # several sources: a store of its own
    source = _columns(sources)
    if source is None:
        return Replication()
    host, port = _host(source.get("host")), _whole(source.get("port"))
    if host is None or port is None or not 0 < port < 65536:
        return Replication()
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    details: dict[str, Any] = {"replica": True, "replica_of": address}
    running = [source.get(name) for name in ("io", "sql")]
    stopped = any(v is not None and v != b"Yes" for v in running)
    said = f"; a replica of {address}" + (", not replicating now" if stopped else "")
    if mariadb:
        server_id = _whole(source.get("server_id"))
        if not server_id:  # 0 until it first reached its source: a copy of nothing yet
            return Replication()
        return Replication(None, details | {"source_server_id": server_id}, said)
    uuid = _uuid(source.get("uuid"))
    if uuid is None:  # never connected, or an odd answer
        return Replication()
    return Replication(uuid, details, said)


def _status_value(got: ResultSet | ServerError) -> bytes | None:
    """The value of a ``SHOW STATUS LIKE`` answer of one variable (two columns, one row)."""
    row = _one_row(got, 2)
    return row[1] if row else None


def _one_row(got: ResultSet | ServerError, width: int) -> tuple[bytes | None, ...] | None:
    """The one row of an answer of ``width`` columns; None for an error or another shape."""
    if not isinstance(got, ResultSet) or len(got.columns) != width or len(got.rows) != 1:
        return None
    row = got.rows[0]
    if len(row) != width or not all(v is None or isinstance(v, bytes) for v in row):
        return None
    return tuple(row)


def _columns(got: ResultSet) -> dict[str, bytes | None] | None:
    """The one row of a replica status by what each column says (``_NAMES``); None where a
    column is named twice or a value is not text."""
    row = got.rows[0]
    names = [c.name for c in got.columns]
    if len(row) != len(names) or len(set(names)) != len(names):
        return None
    if not all(v is None or isinstance(v, bytes) for v in row):
        return None
    by_name = dict(zip(names, row, strict=True))
    out: dict[str, bytes | None] = {}
    for key, names_of in _NAMES.items():
        found = [n for n in names_of if n in by_name]
        if len(found) == 1:
            out[key] = by_name[found[0]]
        elif found:  # the old and the new name both: not a server's answer
            return None
    return out


def _uuid(raw: bytes | None) -> str | None:
    """A UUID as a server writes one (lower-cased), not the empty one; else None."""
    if raw is None:
        return None
    value = text(raw, 64).strip().lower()
    return value if _UUID.fullmatch(value) and value != _NO_UUID else None


def _whole(raw: bytes | None) -> int | None:
    """A whole number of at most ten digits (a port, a server id: 32 bits); else None."""
    if raw is None or not raw.isdigit() or len(raw) > 10:
        return None
    return int(raw)


def _host(raw: bytes | None) -> str | None:
    """A source's host as an endpoint writes it: a name lower-cased, an IPv6 address bare."""
    if raw is None:
        return None
    value = text(raw, 300).strip()
    if not _HOST.fullmatch(value):
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return value.lower() if ":" not in value else None
