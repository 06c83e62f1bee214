"""Each store's own client, opened on a lab target with or without credentials (tests only)."""

from __future__ import annotations

from typing import Any

import psycopg
import pymysql
import redis
from pymongo import MongoClient
from redis.backoff import NoBackoff
from redis.retry import Retry

from leakhound.lab import LabTarget

# What each kind's client raises when the server refuses it.
REFUSALS: dict[str, tuple[type[BaseException], ...]] = {
    "redis": (redis.AuthenticationError, redis.ResponseError),
    "postgresql": (psycopg.OperationalError,),
    "mysql": (pymysql.err.OperationalError,),
    "mongodb": (Exception,),  # pymongo.errors.OperationFailure, checked by code in the tests
}


def connect(target: LabTarget, password: str | None = None, username: str | None = None) -> Any:
    """A client of target's kind, authenticated with the given credentials (none by default)."""
    port = target.port
    if target.kind == "redis":
        # No retries: redis-py's AuthenticationError is a ConnectionError, retried with backoff
        # (3-4 s per refusal) by default.
        return redis.Redis(
            host="127.0.0.1",
            port=port,
            password=password,
            username=username,
            socket_timeout=30,
            retry=Retry(NoBackoff(), 0),
        )
    if target.kind == "postgresql":
        return psycopg.connect(
            host="127.0.0.1",
            port=port,
            dbname="postgres",
            user=username or "postgres",
            password=password,
            autocommit=True,
            connect_timeout=10,
        )
    if target.kind == "mysql":
        return pymysql.connect(
            host="127.0.0.1",
            port=port,
            user=username or "root",
            password=password or "",
            charset="utf8mb4",
            connect_timeout=10,
        )
    auth: dict[str, Any] = {}
    if password is not None:
        auth = {"username": username, "password": password, "authSource": "admin"}
    return MongoClient(
        "127.0.0.1", port, directConnection=True, serverSelectionTimeoutMS=10_000, **auth
    )


def read_something(kind: str, client: Any) -> Any:
    """One request that needs a session allowed to read (a refused one raises)."""
    if kind == "redis":
        return client.dbsize()
    if kind == "postgresql":
        return client.execute("SELECT count(*) FROM pg_database").fetchone()[0]
    if kind == "mysql":
        with client.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM information_schema.schemata")
            return cur.fetchone()[0]
    return client.list_database_names()


def close(kind: str, client: Any) -> None:
    """Close a client of any kind."""
    client.close()
