"""Counting distinct values per entity type: exact while it is cheap, then HyperLogLog.

Values arrive as ``Hit.normalized`` (raw personal data) and are immediately replaced by a
keyed digest (``leakhound.redact.keyed_digest``): nothing here ever holds or writes a raw
value. Up to ``exact_limit`` distinct values per type the count is exact. The digests are
held in memory as packed 16-byte records (``memory_limit`` of them, all types together, is
the whole in-memory budget) and moved to a temporary SQLite file (unlinked as soon as it is
open: nothing is left on disk, even after kill -9), which removes the duplicates, whenever
the budget is full; beyond ``exact_limit`` the count comes from a
HyperLogLog sketch (datasketches ``hll_sketch``) that is fed from the first value on, so
switching costs nothing and merging is always possible.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import sqlite3
import struct
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

import datasketches

from ..detect.base import Hit
from ..redact import keyed_digest

__all__ = ["DistinctCount", "DistinctCounter"]

_MAGIC = b"LHSUBJ1\n"
_DIGEST = 16
# Two standard deviations: the bounds hold about 95% of the time.
_STD_DEVS = 2
# 1 MiB of packed digests.
_MEMORY_LIMIT = 65_536
# SQLite's page cache per spill file (KiB). Its default, 2 MiB, fills only once the file is
# that large, so a bigger scan would hold more of it; inserts arrive sorted, so a small cache
# costs little.
_CACHE_KIB = 512
# Digests sorted at a time (as bytes objects of ~100 bytes each, briefly): to spill, or to count
# a type that never spilled. A type holding more than this is counted on disk.
_CHUNK = 4096


@dataclass(frozen=True, slots=True)
class DistinctCount:
    """How many distinct values of one entity type were seen, with the error bound."""

    entity_type: str
    estimate: int
    lower: int  # equal to estimate when exact
    upper: int
    exact: bool


class _TypeCount:
    """One entity type: an HLL sketch always, exact digests while under the limit."""

    __slots__ = ("dirty", "exact", "hll", "memory", "slack", "spilled")

    def __init__(self, lg_k: int, exact_limit: int) -> None:
        self.hll = datasketches.hll_sketch(lg_k, datasketches.tgt_hll_type.HLL_8)
        # Packed digests, appended as they come: a Python set costs ~100 bytes a digest.
        self.memory = bytearray()
        self.dirty = False  # appended to since the last sort: may hold duplicates
        self.spilled = 0  # digests written to the spill table (distinct)
        self.exact = True
        # Digests that may still be added before the distinct count could pass the limit:
        # each adds at most one, so the count is taken only when this runs out.
        self.slack = exact_limit

    @property
    def held(self) -> int:
        return len(self.memory) // _DIGEST


def _sorted_distinct(packed: bytes | bytearray) -> list[bytes]:
    data = bytes(packed)
    return sorted({data[i : i + _DIGEST] for i in range(0, len(data), _DIGEST)})


class DistinctCounter:
    """Distinct data subjects per entity type, mergeable and serialisable.

    ``key`` is the findings database's secret (see ``redact.new_key``): counters made
    with different keys cannot be merged, since the same person would hash differently.
    Memory stays within ``memory_limit`` digests of 16 bytes whatever the volume counted.
    """

    def __init__(
        self,
        key: bytes,
        *,
        exact_limit: int = 1_000_000,
        memory_limit: int = _MEMORY_LIMIT,
        lg_k: int = 14,
        spill_dir: str | None = None,
    ) -> None:
        if not key:
            raise ValueError("DistinctCounter needs a non-empty key")
        if exact_limit < 0 or memory_limit < 1:
            raise ValueError("exact_limit must be >= 0 and memory_limit >= 1")
        self._key = key
        self._key_id = hmac.new(key, b"leakhound subject counter", sha256).hexdigest()[:16]
        self.exact_limit = exact_limit
        self.memory_limit = memory_limit
        self.lg_k = lg_k
        self._spill_dir = spill_dir
        self._tallies: dict[str, _TypeCount] = {}
        self._ids: dict[str, int] = {}  # entity type -> its number in the spill table
        self._db: sqlite3.Connection | None = None
        self._db_path: str | None = None
        self._held = 0  # digests in memory, all types together

    @property
    def held(self) -> int:
        """Digests held in memory now, all types together (never above ``memory_limit``)."""
        return self._held

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

    def _tally(self, entity_type: str) -> _TypeCount:
        tally = self._tallies.get(entity_type)
        if tally is None:
            tally = self._tallies[entity_type] = _TypeCount(self.lg_k, self.exact_limit)
        return tally

    def _add_digest(self, entity_type: str, digest: bytes) -> None:
        tally = self._tally(entity_type)
        # The first 8 bytes of a keyed digest are already uniform: feed them as an int.
        tally.hll.update(int.from_bytes(digest[:8], "big", signed=True))
        if not tally.exact:
            return
        if self._held + 1 < self.memory_limit:  # the common case, without _absorb's loop
            tally.memory += digest
            tally.dirty = True
            tally.slack -= 1
            self._held += 1
        else:
            self._absorb(tally, digest)
        if tally.slack < 0:
            self._check_limit(entity_type, tally)

    def _check_limit(self, entity_type: str, tally: _TypeCount) -> None:
        if tally.slack >= 0:
            return
        n = self._exact_count(entity_type, tally)
        if n > self.exact_limit:
            self._drop_exact(entity_type, tally)
        else:
            tally.slack = self.exact_limit - n

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
            self._db.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
            # A number per type, not its name on every row: half the file, twice the cache.
            self._db.execute(
                "CREATE TABLE seen (entity INTEGER NOT NULL, digest BLOB NOT NULL, "
                "PRIMARY KEY (entity, digest)) WITHOUT ROWID"
            )
            # Unlinked at once: the connection keeps the open file, and a process killed
            # with SIGKILL leaves nothing behind. Safe with no journal (journal_mode=OFF
            # above), which SQLite would otherwise name after the file.
            os.unlink(path)
            self._db_path = None
        return self._db

    def _entity_id(self, entity_type: str) -> int:
        return self._ids.setdefault(entity_type, len(self._ids))

    def _absorb(self, tally: _TypeCount, packed: bytes | memoryview) -> None:
        """Append packed digests, making room whenever the budget is full."""
        view = memoryview(packed)
        while view:
            room = max(1, self.memory_limit - self._held) * _DIGEST
            part = view[:room]
            tally.memory += part
            tally.dirty = True
            tally.slack -= len(part) // _DIGEST
            self._held += len(part) // _DIGEST
            view = view[len(part) :]
            if self._held >= self.memory_limit:
                self._make_room()

    def _make_room(self) -> None:
        # The spill table removes the repeats; sorting the whole budget here would cost ~100
        # bytes a digest for a moment, what the packed form saves.
        for entity_type, tally in self._tallies.items():
            self._spill(entity_type, tally)

    def _compact(self, tally: _TypeCount) -> None:
        """Sort and deduplicate a type's digests in memory (at most ``_CHUNK`` of them)."""
        if not tally.dirty:
            return
        before = tally.held
        tally.memory = bytearray(b"".join(_sorted_distinct(tally.memory)))
        tally.dirty = False
        self._held -= before - tally.held

    def _spill(self, entity_type: str, tally: _TypeCount) -> None:
        if not tally.memory:
            return
        db = self._connection()
        entity = self._entity_id(entity_type)
        before = db.total_changes
        step = _CHUNK * _DIGEST
        for start in range(0, len(tally.memory), step):
            # In key order: the table's pages are walked through once, not hit at random.
            db.executemany(
                "INSERT OR IGNORE INTO seen (entity, digest) VALUES (?, ?)",
                ((entity, d) for d in _sorted_distinct(tally.memory[start : start + step])),
            )
        db.commit()
        tally.spilled += db.total_changes - before
        self._held -= tally.held
        tally.memory = bytearray()
        tally.dirty = False

    def _exact_count(self, entity_type: str, tally: _TypeCount) -> int:
        if tally.spilled or tally.held > _CHUNK:
            self._spill(entity_type, tally)
            return tally.spilled
        self._compact(tally)
        return tally.held

    def _drop_exact(self, entity_type: str, tally: _TypeCount) -> None:
        tally.exact = False
        self._held -= tally.held
        tally.memory = bytearray()
        tally.dirty = False
        if tally.spilled and self._db is not None:
            self._db.execute("DELETE FROM seen WHERE entity = ?", (self._entity_id(entity_type),))
            self._db.commit()
        tally.spilled = 0

    def _blocks(self, entity_type: str, tally: _TypeCount) -> Iterator[bytes]:
        """Every digest of one type once, in order, as packed blocks of bounded size."""
        self._exact_count(entity_type, tally)  # sorted in memory, or all of it on disk
        if not tally.spilled:
            if tally.memory:
                yield bytes(tally.memory)
            return
        assert self._db is not None
        rows = self._db.execute(
            "SELECT digest FROM seen WHERE entity = ? ORDER BY digest",
            (self._entity_id(entity_type),),
        )
        while chunk := rows.fetchmany(_CHUNK):
            yield b"".join(digest for (digest,) in chunk)

    # -- reading ----------------------------------------------------------------------

    def count(self, entity_type: str) -> DistinctCount:
        """Distinct values of one entity type: exact, or the HLL estimate and its bounds."""
        tally = self._tallies.get(entity_type)
        if tally is None:
            return DistinctCount(entity_type, 0, 0, 0, True)
        if tally.exact:
            n = self._exact_count(entity_type, tally)
            return DistinctCount(entity_type, n, n, n, True)
        hll = tally.hll
        return DistinctCount(
            entity_type,
            round(hll.get_estimate()),
            int(hll.get_lower_bound(_STD_DEVS)),
            int(-(-hll.get_upper_bound(_STD_DEVS) // 1)),
            False,
        )

    def counts(self) -> dict[str, DistinctCount]:
        """Every entity type seen, by name."""
        return {t: self.count(t) for t in sorted(self._tallies)}

    # -- combining and saving ---------------------------------------------------------

    def _union(self, mine: _TypeCount, theirs: Any, lg_k: int) -> None:
        union = datasketches.hll_union(max(self.lg_k, lg_k))
        union.update(mine.hll)
        union.update(theirs)
        mine.hll = union.get_result(datasketches.tgt_hll_type.HLL_8)

    def _merge_exact(
        self, entity_type: str, mine: _TypeCount, exact: bool, blocks: Iterable[bytes | memoryview]
    ) -> None:
        if not (mine.exact and exact):
            self._drop_exact(entity_type, mine)
            return
        for block in blocks:
            self._absorb(mine, block)
            self._check_limit(entity_type, mine)
            if not mine.exact:
                return

    def merge(self, other: DistinctCounter) -> None:
        """Add ``other``'s values into this counter (per-slice counters combine)."""
        if other._key_id != self._key_id:
            raise ValueError("cannot merge subject counters made with different keys")
        for entity_type, theirs in other._tallies.items():
            mine = self._tally(entity_type)
            self._union(mine, theirs.hll, other.lg_k)
            blocks = other._blocks(entity_type, theirs) if theirs.exact else ()
            self._merge_exact(entity_type, mine, theirs.exact, blocks)

    def merge_bytes(self, data: bytes) -> None:
        """Add a checkpoint (``to_bytes``) into this counter without restoring it first."""
        header, entries = _parse(data)
        if header["key_id"] != self._key_id:
            raise ValueError("checkpoint was made with a different key")
        for entry, hll, digests in entries:
            mine = self._tally(entry["entity"])
            self._union(mine, datasketches.hll_sketch.deserialize(hll), header["lg_k"])
            self._merge_exact(entry["entity"], mine, entry["exact"], (digests,))

    def to_bytes(self) -> bytes:
        """A checkpoint: digests and sketches only, never a raw value, never the key."""
        entries = []
        for entity_type in sorted(self._tallies):
            tally = self._tallies[entity_type]
            digests = bytearray()
            if tally.exact:
                for block in self._blocks(entity_type, tally):
                    digests += block
            entries.append(
                (entity_type, tally.hll.serialize_compact(), tally.exact, bytes(digests))
            )
        return self._checkpoint(entries)

    def to_parts(self, digests_per_part: int = 65_536) -> Iterator[bytes]:
        """The same checkpoint as ``to_bytes``, cut into pieces of bounded size: merged
        (``merge_bytes``) into an empty counter with the same key, in any order, they give
        this counter back. The first piece holds every type's sketch and exactness; each
        other one up to ``digests_per_part`` digests of one type. ``to_bytes`` builds every
        digest into one object; this never holds more than a piece (and the counter's own
        budget), however many values were counted.
        """
        if digests_per_part < 1:
            raise ValueError("digests_per_part must be >= 1")
        yield self._checkpoint(
            [(t, self._tallies[t].hll.serialize_compact(), self._tallies[t].exact, b"")
             for t in sorted(self._tallies)]
        )
        empty = datasketches.hll_sketch(self.lg_k, datasketches.tgt_hll_type.HLL_8)
        no_sketch = empty.serialize_compact()
        step = digests_per_part * _DIGEST
        for entity_type in sorted(self._tallies):
            tally = self._tallies[entity_type]
            if not tally.exact:
                continue
            pending = bytearray()
            for block in self._blocks(entity_type, tally):
                pending += block
                while len(pending) >= step:
                    yield self._checkpoint([(entity_type, no_sketch, True, bytes(pending[:step]))])
                    del pending[:step]
            if pending:
                yield self._checkpoint([(entity_type, no_sketch, True, bytes(pending))])

    def _checkpoint(self, entries: list[tuple[str, bytes, bool, bytes]]) -> bytes:
        """The ``to_bytes`` layout for (type, sketch, exact, packed digests) entries."""
        header = {
            "key_id": self._key_id,
            "exact_limit": self.exact_limit,
            "lg_k": self.lg_k,
            "types": [
                {"entity": t, "exact": exact, "hll": len(hll), "digests": len(digests)}
                for t, hll, exact, digests in entries
            ],
        }
        head = json.dumps(header, separators=(",", ":")).encode()
        blobs = [part for _, hll, _, digests in entries for part in (hll, digests)]
        return _MAGIC + struct.pack(">I", len(head)) + head + b"".join(blobs)

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        key: bytes,
        *,
        memory_limit: int = _MEMORY_LIMIT,
        spill_dir: str | None = None,
    ) -> DistinctCounter:
        """A counter restored from ``to_bytes``; ``key`` must be the one it was made with."""
        header, entries = _parse(data)
        counter = cls(
            key,
            exact_limit=header["exact_limit"],
            memory_limit=memory_limit,
            lg_k=header["lg_k"],
            spill_dir=spill_dir,
        )
        if header["key_id"] != counter._key_id:
            raise ValueError("checkpoint was made with a different key")
        for entry, hll, digests in entries:
            tally = counter._tally(entry["entity"])
            tally.hll = datasketches.hll_sketch.deserialize(hll)
            tally.exact = entry["exact"]
            counter._absorb(tally, digests)
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

    def __enter__(self) -> DistinctCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # best effort at interpreter exit
            self.close()


def _parse(data: bytes) -> tuple[dict[str, Any], list[tuple[dict[str, Any], bytes, memoryview]]]:
    """The header and, per type, (entry, sketch, packed digests); checks the layout first."""
    if not data.startswith(_MAGIC):
        raise ValueError("not a leakhound subject counter checkpoint")
    offset = len(_MAGIC)
    try:
        (size,) = struct.unpack_from(">I", data, offset)
        header = json.loads(data[offset + 4 : offset + 4 + size])
        offset += 4 + size
        view = memoryview(data)
        entries = []
        for entry in header["types"]:
            hll = bytes(view[offset : offset + entry["hll"]])
            offset += entry["hll"]
            digests = view[offset : offset + entry["digests"]]
            offset += entry["digests"]
            if entry["digests"] % _DIGEST:
                raise ValueError("a digest block is not a whole number of digests")
            entries.append((entry, hll, digests))
    except (struct.error, KeyError, TypeError) as exc:
        raise ValueError(f"corrupt subject counter checkpoint: {exc}") from exc
    if offset != len(data):
        raise ValueError("truncated or corrupt subject counter checkpoint")
    return header, entries
