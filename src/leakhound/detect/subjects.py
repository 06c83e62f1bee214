"""Counting distinct data subjects per entity type: exact while it is cheap, then HyperLogLog.

Values arrive as ``Hit.normalized`` (raw personal data) and are immediately replaced by a
keyed digest (``leakhound.redact.keyed_digest``): nothing here ever holds or writes a raw
value. Up to ``exact_limit`` distinct values per type the count is exact, with digests
kept in sets and spilled to a temporary SQLite file once ``memory_limit`` digests (all
types together) are held in memory; beyond that
the count comes from a HyperLogLog sketch (datasketches ``hll_sketch``) that is fed from
the first value on, so switching costs nothing and merging is always possible.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import sqlite3
import struct
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import sha256

import datasketches

from ..redact import keyed_digest
from .base import Hit

__all__ = ["SubjectCount", "SubjectCounter"]

_MAGIC = b"LHSUBJ1\n"
_DIGEST = 16
# Two standard deviations: the bounds hold about 95% of the time.
_STD_DEVS = 2


@dataclass(frozen=True, slots=True)
class SubjectCount:
    """How many distinct values of one entity type were seen, with the error bound."""

    entity_type: str
    estimate: int
    lower: int  # equal to estimate when exact
    upper: int
    exact: bool


class _Tally:
    """One entity type: an HLL sketch always, exact digests while under the limit."""

    __slots__ = ("exact", "hll", "memory", "spilled")

    def __init__(self, lg_k: int) -> None:
        self.hll = datasketches.hll_sketch(lg_k, datasketches.tgt_hll_type.HLL_8)
        self.memory: set[bytes] = set()
        self.spilled = 0  # digests written to the spill table (distinct)
        self.exact = True


class SubjectCounter:
    """Distinct data subjects per entity type, mergeable and serialisable.

    ``key`` is the findings database's secret (see ``redact.new_key``): counters made
    with different keys cannot be merged, since the same person would hash differently.
    """

    def __init__(
        self,
        key: bytes,
        *,
        exact_limit: int = 1_000_000,
        memory_limit: int = 200_000,
        lg_k: int = 14,
        spill_dir: str | None = None,
    ) -> None:
        if not key:
            raise ValueError("SubjectCounter needs a non-empty key")
        if exact_limit < 0 or memory_limit < 1:
            raise ValueError("exact_limit must be >= 0 and memory_limit >= 1")
        self._key = key
        self._key_id = hmac.new(key, b"leakhound subject counter", sha256).hexdigest()[:16]
        self.exact_limit = exact_limit
        self.memory_limit = memory_limit
        self.lg_k = lg_k
        self._spill_dir = spill_dir
        self._tallies: dict[str, _Tally] = {}
        self._db: sqlite3.Connection | None = None
        self._db_path: str | None = None
        self._held = 0  # digests in memory, all types together

    # -- adding -----------------------------------------------------------------------

    def add(self, entity_type: str, value: str) -> None:
        """Count one normalized value of one entity type."""
        self._add_digest(entity_type, keyed_digest(self._key, value, _DIGEST))

    def add_all(self, entity_types: Iterable[str], value: str) -> None:
        """Count one value under several keys (a type, a type per field…), hashing once."""
        digest = keyed_digest(self._key, value, _DIGEST)
        for entity_type in entity_types:
            self._add_digest(entity_type, digest)

    def add_hits(self, hits: Iterable[Hit]) -> None:
        """Count the normalized value of every hit that has one."""
        for hit in hits:
            if hit.normalized is not None:
                self.add(hit.entity_type, hit.normalized)

    def _tally(self, entity_type: str) -> _Tally:
        tally = self._tallies.get(entity_type)
        if tally is None:
            tally = self._tallies[entity_type] = _Tally(self.lg_k)
        return tally

    def _add_digest(self, entity_type: str, digest: bytes) -> None:
        tally = self._tally(entity_type)
        # The first 8 bytes of a keyed digest are already uniform: feed them as an int.
        tally.hll.update(int.from_bytes(digest[:8], "big", signed=True))
        if not tally.exact:
            return
        self._remember(tally, digest)
        # The cheap upper bound first; the real distinct count only when it is crossed.
        if (
            len(tally.memory) + tally.spilled > self.exact_limit
            and self._exact_count(entity_type, tally) > self.exact_limit
        ):
            self._drop_exact(entity_type, tally)

    # -- exact storage ----------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            fd, path = tempfile.mkstemp(
                prefix="leakhound-subjects-", suffix=".db", dir=self._spill_dir
            )
            os.close(fd)
            self._db_path = path
            self._db = sqlite3.connect(path)
            self._db.execute("PRAGMA journal_mode=OFF")
            self._db.execute("PRAGMA synchronous=OFF")
            self._db.execute(
                "CREATE TABLE seen (entity TEXT NOT NULL, digest BLOB NOT NULL, "
                "PRIMARY KEY (entity, digest)) WITHOUT ROWID"
            )
        return self._db

    def _remember(self, tally: _Tally, digest: bytes) -> None:
        before = len(tally.memory)
        tally.memory.add(digest)
        if len(tally.memory) != before:
            self._held += 1
            if self._held >= self.memory_limit:
                for entity_type, t in self._tallies.items():
                    self._spill(entity_type, t)

    def _spill(self, entity_type: str, tally: _Tally) -> None:
        if not tally.memory:
            return
        db = self._connection()
        before = db.total_changes
        db.executemany(
            "INSERT OR IGNORE INTO seen (entity, digest) VALUES (?, ?)",
            ((entity_type, d) for d in tally.memory),
        )
        db.commit()
        tally.spilled += db.total_changes - before
        self._held -= len(tally.memory)
        tally.memory.clear()

    def _exact_count(self, entity_type: str, tally: _Tally) -> int:
        if tally.spilled:
            self._spill(entity_type, tally)
            return tally.spilled
        return len(tally.memory)

    def _drop_exact(self, entity_type: str, tally: _Tally) -> None:
        tally.exact = False
        self._held -= len(tally.memory)
        tally.memory = set()
        if tally.spilled and self._db is not None:
            self._db.execute("DELETE FROM seen WHERE entity = ?", (entity_type,))
            self._db.commit()
        tally.spilled = 0

    def _digests(self, entity_type: str, tally: _Tally) -> Iterable[bytes]:
        yield from tally.memory
        if tally.spilled and self._db is not None:
            rows = self._db.execute("SELECT digest FROM seen WHERE entity = ?", (entity_type,))
            for (digest,) in rows:
                yield digest

    # -- reading ----------------------------------------------------------------------

    def count(self, entity_type: str) -> SubjectCount:
        """Distinct values of one entity type: exact, or the HLL estimate and its bounds."""
        tally = self._tallies.get(entity_type)
        if tally is None:
            return SubjectCount(entity_type, 0, 0, 0, True)
        if tally.exact:
            n = self._exact_count(entity_type, tally)
            return SubjectCount(entity_type, n, n, n, True)
        hll = tally.hll
        return SubjectCount(
            entity_type,
            round(hll.get_estimate()),
            int(hll.get_lower_bound(_STD_DEVS)),
            int(-(-hll.get_upper_bound(_STD_DEVS) // 1)),
            False,
        )

    def counts(self) -> dict[str, SubjectCount]:
        """Every entity type seen, by name."""
        return {t: self.count(t) for t in sorted(self._tallies)}

    # -- combining and saving ---------------------------------------------------------

    def merge(self, other: SubjectCounter) -> None:
        """Add ``other``'s values into this counter (per-slice counters combine)."""
        if other._key_id != self._key_id:
            raise ValueError("cannot merge subject counters made with different keys")
        for entity_type, theirs in other._tallies.items():
            mine = self._tally(entity_type)
            union = datasketches.hll_union(max(self.lg_k, other.lg_k))
            union.update(mine.hll)
            union.update(theirs.hll)
            mine.hll = union.get_result(datasketches.tgt_hll_type.HLL_8)
            if not (mine.exact and theirs.exact):
                self._drop_exact(entity_type, mine)
                continue
            for digest in other._digests(entity_type, theirs):
                self._remember(mine, digest)
            if self._exact_count(entity_type, mine) > self.exact_limit:
                self._drop_exact(entity_type, mine)

    def to_bytes(self) -> bytes:
        """A checkpoint: digests and sketches only, never a raw value, never the key."""
        header: dict[str, object] = {
            "key_id": self._key_id,
            "exact_limit": self.exact_limit,
            "lg_k": self.lg_k,
            "types": [],
        }
        blobs: list[bytes] = []
        types: list[dict[str, object]] = []
        for entity_type in sorted(self._tallies):
            tally = self._tallies[entity_type]
            hll = tally.hll.serialize_compact()
            digests = b"".join(self._digests(entity_type, tally)) if tally.exact else b""
            types.append(
                {
                    "entity": entity_type,
                    "exact": tally.exact,
                    "hll": len(hll),
                    "digests": len(digests),
                }
            )
            blobs += [hll, digests]
        header["types"] = types
        head = json.dumps(header, separators=(",", ":")).encode()
        return _MAGIC + struct.pack(">I", len(head)) + head + b"".join(blobs)

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        key: bytes,
        *,
        memory_limit: int = 200_000,
        spill_dir: str | None = None,
    ) -> SubjectCounter:
        """A counter restored from ``to_bytes``; ``key`` must be the one it was made with."""
        if not data.startswith(_MAGIC):
            raise ValueError("not a leakhound subject counter checkpoint")
        offset = len(_MAGIC)
        (size,) = struct.unpack_from(">I", data, offset)
        offset += 4
        header = json.loads(data[offset : offset + size])
        offset += size
        counter = cls(
            key,
            exact_limit=header["exact_limit"],
            memory_limit=memory_limit,
            lg_k=header["lg_k"],
            spill_dir=spill_dir,
        )
        if header["key_id"] != counter._key_id:
            raise ValueError("checkpoint was made with a different key")
        for entry in header["types"]:
            tally = counter._tally(entry["entity"])
            tally.hll = datasketches.hll_sketch.deserialize(data[offset : offset + entry["hll"]])
            offset += entry["hll"]
            raw = data[offset : offset + entry["digests"]]
            offset += entry["digests"]
            tally.exact = entry["exact"]
            for i in range(0, len(raw), _DIGEST):
                counter._remember(tally, raw[i : i + _DIGEST])
        if offset != len(data):
            raise ValueError("truncated or corrupt subject counter checkpoint")
        return counter

    # -- lifetime ---------------------------------------------------------------------

    def close(self) -> None:
        """Delete the spill file, if any."""
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._db_path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._db_path)
            self._db_path = None

    def __enter__(self) -> SubjectCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # best effort at interpreter exit
            self.close()
