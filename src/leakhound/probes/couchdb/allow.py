"""What leakhound may send to CouchDB (and servers of its HTTP API): the read-only allow-list.

Paths: a database segment is a name CouchDB accepts (``^[a-z][a-z0-9_$()+/-]*$``, as
``quote(name, safe="")`` writes it: ``$ ( ) + /`` percent-encoded) or one of the three system
databases by name. Every other segment that starts with "_" is an API (``_config``,
``_replicate``, ``_restart``, ``_session``…) and only the ones below are named. ``_PRE`` allows
the target URL's own path prefix (a server behind a reverse-proxy path); a prefix segment never
starts with "_" either.

``POST /_dbs_info`` reads (database information for a list of names). It is allowed at the
root only, never under a prefix: ``POST /{db}`` creates a document, and pouchdb-server takes
``/_dbs_info`` itself for a database name.
"""

from __future__ import annotations

from ...net import rules

_SEG = r"/(?!\.\.?(?:/|$))[^/_\-+][^/]*"  # never "." or ".." segments
_PRE = rf"(?:{_SEG})*"
SYSTEM_DATABASES = ("_users", "_replicator", "_global_changes")
_DB = r"/(?:[a-z](?:[a-z0-9_\-]|%(?:24|28|29|2B|2F))*|_users|_replicator|_global_changes)"

ALLOW = rules(
    "couchdb",
    [
        ("GET", rf"{_PRE}/?"),
        ("HEAD", rf"{_PRE}/?"),
        ("GET", rf"{_PRE}/_all_dbs"),
        ("GET", rf"{_PRE}/_session"),
        ("POST", r"/_dbs_info"),
        ("GET", rf"{_PRE}{_DB}"),
        ("GET", rf"{_PRE}{_DB}/_all_docs"),
    ],
)
