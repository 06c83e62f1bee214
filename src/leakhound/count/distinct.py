"""Counting distinct values per entity type: exact while it is cheap, then HyperLogLog.

Values arrive as ``Hit.normalized`` (raw personal data) and are immediately replaced by a
keyed digest (``leakhound.redact.keyed_digest``): nothing here ever holds or writes a raw
value. Up to ``exact_limit`` distinct values per type the count is exact. The digests are
held in memory as packed 16-byte records (``memory_limit`` of them, all types together, is
the whole in-memory budget); whenever the budget is full each type's are sorted, deduplicated
and appended to a temporary file as one sorted run (the file is unlinked as soon as it is
open: nothing is left on disk, even after kill -9). Runs of about the same size are merged
into one, LSM-style, so a type holds a few runs whatever the volume, and every digest is
written a few times, not inserted one by one into a B-tree. Merges read the runs one range of
first bytes at a time: memory stays bounded however many values a type holds.

While a type is exact its digests are the whole truth and no sketch is kept. Past
``exact_limit`` (decided when the budget is full and whenever a count is asked) the type
switches to a HyperLogLog sketch (datasketches ``hll_sketch``) built from every digest it held
— the sketch a type fed from its first value on would hold — and fed from then on.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import struct
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

import datasketches
import numpy as np

from ..detect.base import Hit
from ..redact import keyed_digest

__all__ = ["PART_DIGESTS", "DistinctCount", "DistinctCounter"]

_MAGIC = b"LHSUBJ1\n"
_DIGEST = 16
_DTYPE = np.dtype(f"S{_DIGEST}")  # compared and sorted as bytes (memcmp order)
# Two standard deviations: the bounds hold about 95% of the time.
_STD_DEVS = 2
# 1 MiB of packed digests.
_MEMORY_LIMIT = 65_536
# Digests a merge holds at once per range of first bytes (1 MiB), and per block handed out.
_CHUNK = 65_536
# A run's index: where the digests of each first byte start (uint32: 4 billion a run).
_FIRST = 256
_BOUNDS = np.array([bytes([b]) for b in range(_FIRST)], dtype=_DTYPE)
# Digests a piece of ``to_parts`` holds (256 KiB): what a fold writes at a time. Writing one
# takes a few copies of it (the block read, the piece, the tally's and SQLite's records), and
# glibc keeps such blocks in its heap once one was freed: at 65,536 (1 MiB) a fold at
# 1,000,000 support cases raised the scan process's peak by 8-12 MiB.
PART_DIGESTS = 16_384
# Runs one type may keep before all are merged into one.
_MAX_RUNS = 8
# The spill file is rewritten without its merged-away runs once these outweigh the live ones.
_DEAD_BYTES = 8 << 20


@dataclass(frozen=True, slots=True)
class DistinctCount:
    """How many distinct values of one entity type were seen, with the error bound."""

    entity_type: str
    estimate: int
    lower: int  # equal to estimate when exact
    upper: int
    exact: bool


@dataclass(slots=True)
class _Run:
    """Sorted digests, each once, at ``offset`` bytes into the spill file."""

    offset: int
    count: int
    index: np.ndarray  # uint32[257]: digests before the first whose first byte is >= b


class _TypeCount:
    """One entity type: its digests (in memory, then sorted runs) while exact, else a sketch."""

    __slots__ = ("exact", "hll", "memory", "runs")

    def __init__(self) -> None:
        self.exact = True
        self.hll: Any = None  # the sketch, once past the limit
        # Packed digests, appended as they come (unsorted, may repeat): a Python set costs
        # ~100 bytes a digest.
        self.memory = bytearray()
        self.runs: list[_Run] = []

    @property
    def held(self) -> int:
        return len(self.memory) // _DIGEST


def _sorted_unique(digests: np.ndarray) -> np.ndarray:
    """The digests sorted, each once (a stable sort: concatenated sorted runs merge fast)."""
    if len(digests) < 2:
        return digests
    digests = np.sort(digests, kind="stable")
    keep = np.empty(len(digests), dtype=bool)
    keep[0] = True
    np.not_equal(digests[1:], digests[:-1], out=keep[1:])
    return digests[keep]


def _index(digests: np.ndarray) -> np.ndarray:
    index = np.empty(_FIRST + 1, dtype=np.uint32)
    index[:_FIRST] = np.searchsorted(digests, _BOUNDS)
    index[_FIRST] = len(digests)
    return index


def _hll_items(block: bytes | bytearray | memoryview) -> list[int]:
    """What a sketch is fed for each digest: its first 8 bytes, already uniform, as an int."""
    items: list[int] = np.frombuffer(block, dtype=">i8")[::2].tolist()
    return items


class _Spill:
    """An unlinked temporary file of sorted runs, appended to and read at offsets."""

    def __init__(self, folder: str | None) -> None:
        fd, path = tempfile.mkstemp(prefix="leakhound-subjects-", suffix=".runs", dir=folder)
        # Unlinked at once: the descriptor keeps the file, and a process killed with SIGKILL
        # leaves nothing behind.
        os.unlink(path)
        self.fd = fd
        self.size = 0  # bytes written
        self.live = 0  # bytes of runs still in use

    def append(self, data: bytes) -> int:
        offset = self.size
        view = memoryview(data)
        while view:
            n = os.pwrite(self.fd, view, self.size)
            view = view[n:]
            self.size += n
        self.live += len(data)
        return offset

    def read(self, offset: int, nbytes: int) -> bytes:
        parts = []
        while nbytes > 0:
            part = os.pread(self.fd, nbytes, offset)
            if not part:
                raise OSError("the subject counter's spill file is shorter than its runs")
            parts.append(part)
            offset += len(part)
            nbytes -= len(part)
        return b"".join(parts) if len(parts) != 1 else parts[0]

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


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
        self._key_id = key_id(key)
        self.exact_limit = exact_limit
        self.memory_limit = memory_limit
        self.lg_k = lg_k
        self._spill_dir = spill_dir
        self._tallies: dict[str, _TypeCount] = {}
        self._spill: _Spill | None = None
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

    def add_digests(self, entity_type: str, packed: bytes | bytearray | memoryview) -> None:
        """Count keyed digests (``keyed_digest`` with this counter's key, 16 bytes each,
        packed end to end, in any order, repeats allowed): the bulk form of ``add``."""
        if len(packed) % _DIGEST:
            raise ValueError("packed digests must be 16 bytes each")
        tally = self._tally(entity_type)
        if tally.exact:
            self._absorb(tally, packed)
        else:
            self._feed(tally, packed)

    def _tally(self, entity_type: str) -> _TypeCount:
        tally = self._tallies.get(entity_type)
        if tally is None:
            tally = self._tallies[entity_type] = _TypeCount()
        return tally

    def _add_digest(self, entity_type: str, digest: bytes) -> None:
        tally = self._tally(entity_type)
        if not tally.exact:
            tally.hll.update(int.from_bytes(digest[:8], "big", signed=True))
            return
        tally.memory += digest
        self._held += 1
        if self._held >= self.memory_limit:
            self._make_room()

    def _absorb(self, tally: _TypeCount, packed: bytes | bytearray | memoryview) -> None:
        """Append packed digests, making room whenever the budget is full."""
        view = memoryview(packed)
        while view:
            room = max(1, self.memory_limit - self._held) * _DIGEST
            part = view[:room]
            tally.memory += part
            self._held += len(part) // _DIGEST
            view = view[len(part) :]
            if self._held >= self.memory_limit:
                self._make_room()

    def _feed(self, tally: _TypeCount, packed: bytes | bytearray | memoryview) -> None:
        update = tally.hll.update
        for item in _hll_items(packed):
            update(item)

    # -- exact storage ----------------------------------------------------------------

    def _make_room(self) -> None:
        # Every type's digests become a run; a type that may have passed its limit is
        # counted (its runs merged) and switches to a sketch if it has.
        for entity_type, tally in self._tallies.items():
            if tally.memory:
                self._spill_memory(tally)
                if sum(r.count for r in tally.runs) > self.exact_limit:
                    self._settle(entity_type, tally)
        self._maybe_rewrite()

    def _file(self) -> _Spill:
        if self._spill is None:
            self._spill = _Spill(self._spill_dir)
        return self._spill

    def _write_run(self, digests: np.ndarray) -> _Run:
        spill = self._file()
        return _Run(spill.append(digests.tobytes()), len(digests), _index(digests))

    def _take_memory(self, tally: _TypeCount) -> np.ndarray:
        """A type's digests in memory, sorted and each once; its memory emptied."""
        data, tally.memory = tally.memory, bytearray()
        self._held -= len(data) // _DIGEST
        return _sorted_unique(np.frombuffer(data, dtype=_DTYPE))

    def _spill_memory(self, tally: _TypeCount) -> None:
        self._memory_to_run(tally)
        runs = tally.runs
        # Two runs of about the same size become one: a type keeps O(log n) runs.
        while len(runs) >= 2 and runs[-2].count <= 2 * runs[-1].count:
            runs[-2:] = [self._merge_runs(runs[-2:])]
        if len(runs) > _MAX_RUNS:
            tally.runs = [self._merge_runs(runs)]

    def _memory_to_run(self, tally: _TypeCount) -> None:
        digests = self._take_memory(tally)
        if len(digests):
            tally.runs.append(self._write_run(digests))

    def _read(self, run: _Run, start: int, stop: int) -> np.ndarray:
        if stop <= start:
            return np.empty(0, dtype=_DTYPE)
        assert self._spill is not None
        data = self._spill.read(run.offset + start * _DIGEST, (stop - start) * _DIGEST)
        return np.frombuffer(data, dtype=_DTYPE)

    def _ranges(
        self, sources: list[_Run], extra: np.ndarray | None = None
    ) -> Iterator[tuple[int, int, np.ndarray]]:
        """(first byte from, to, the sorted distinct digests there) over several runs and a
        sorted array, a range of first bytes at a time (about ``_CHUNK`` digests each)."""
        total = sum(r.count for r in sources) + (len(extra) if extra is not None else 0)
        # A merge holds a few copies of one range: a quarter of the budget keeps it below
        # what sorting the budget itself takes.
        chunk = max(1, min(_CHUNK, self.memory_limit // 4))
        step = _FIRST
        while step > 1 and total * step // _FIRST > chunk:
            step //= 2
        extra_index = _index(extra) if extra is not None else None
        for lo in range(0, _FIRST, step):
            hi = lo + step
            pieces = [self._read(r, int(r.index[lo]), int(r.index[hi])) for r in sources]
            if extra is not None and extra_index is not None:
                pieces.append(extra[extra_index[lo] : extra_index[hi]])
            pieces = [p for p in pieces if len(p)]
            if not pieces:
                continue
            merged = pieces[0] if len(pieces) == 1 else _sorted_unique(np.concatenate(pieces))
            yield lo, hi, merged

    def _merge_runs(self, runs: list[_Run], extra: np.ndarray | None = None) -> _Run:
        """One run holding what ``runs`` (and ``extra``) hold, each digest once."""
        spill = self._file()
        index = np.zeros(_FIRST + 1, dtype=np.uint32)
        offset, count = spill.size, 0
        filled = 0
        for lo, hi, merged in self._ranges(runs, extra):
            index[filled:lo] = count
            index[lo:hi] = count + np.searchsorted(merged, _BOUNDS[lo:hi])
            filled = hi
            spill.append(merged.tobytes())
            count += len(merged)
        index[filled:] = count
        for r in runs:
            spill.live -= r.count * _DIGEST
        return _Run(offset, count, index)

    def _maybe_rewrite(self) -> None:
        """Copy the live runs to a fresh file once the merged-away ones outweigh them."""
        spill = self._spill
        if spill is None or spill.size - spill.live <= max(_DEAD_BYTES, spill.live):
            return
        fresh = _Spill(self._spill_dir)
        try:
            for tally in self._tallies.values():
                moved = []
                for r in tally.runs:
                    offset = fresh.size
                    for start in range(0, r.count, _CHUNK):
                        fresh.append(
                            spill.read(
                                r.offset + start * _DIGEST, min(_CHUNK, r.count - start) * _DIGEST
                            )
                        )
                    moved.append(_Run(offset, r.count, r.index))
                tally.runs = moved
        except BaseException:
            fresh.close()
            raise
        spill.close()
        self._spill = fresh

    def _exact_count(self, tally: _TypeCount) -> int:
        """The type's distinct digests, counted: its memory sorted in place, or merged with its
        runs into one run."""
        if not tally.runs:
            if tally.memory:
                digests = self._take_memory(tally)
                tally.memory = bytearray(digests.tobytes())
                self._held += len(digests)
            return tally.held
        if tally.memory or len(tally.runs) > 1:
            extra = self._take_memory(tally)
            tally.runs = [self._merge_runs(tally.runs, extra if len(extra) else None)]
            self._maybe_rewrite()
        return tally.runs[0].count

    def _settle(self, entity_type: str, tally: _TypeCount) -> None:
        """Count an exact type; past the limit, it switches to a sketch of all its digests."""
        if tally.exact and self._exact_count(tally) > self.exact_limit:
            hll = datasketches.hll_sketch(self.lg_k, datasketches.tgt_hll_type.HLL_8)
            update = hll.update
            for block in self._blocks(tally):
                for item in _hll_items(block):
                    update(item)
            self._drop_digests(tally)
            tally.exact = False
            tally.hll = hll

    def _drop_digests(self, tally: _TypeCount) -> None:
        self._held -= tally.held
        tally.memory = bytearray()
        if self._spill is not None:
            for r in tally.runs:
                self._spill.live -= r.count * _DIGEST
        tally.runs = []

    def _blocks(self, tally: _TypeCount, chunk: int | None = None) -> Iterator[bytes]:
        """Every digest of an exact type once, in order, as packed blocks of at most
        ``chunk`` digests (the counter's chunk unless given)."""
        self._exact_count(tally)
        if chunk is None:
            chunk = min(_CHUNK, self.memory_limit)
        if not tally.runs:
            step = chunk * _DIGEST
            for start in range(0, len(tally.memory), step):
                yield bytes(tally.memory[start : start + step])
            return
        (run,) = tally.runs
        for start in range(0, run.count, chunk):
            yield self._read(run, start, min(run.count, start + chunk)).tobytes()

    def _sketch(self, entity_type: str, tally: _TypeCount) -> Any:
        """The type's sketch (settled first); None while it is exact."""
        self._settle(entity_type, tally)
        return tally.hll

    # -- reading ----------------------------------------------------------------------

    def count(self, entity_type: str) -> DistinctCount:
        """Distinct values of one entity type: exact, or the HLL estimate and its bounds."""
        tally = self._tallies.get(entity_type)
        if tally is None:
            return DistinctCount(entity_type, 0, 0, 0, True)
        hll = self._sketch(entity_type, tally)
        if hll is None:
            n = self._exact_count(tally)
            return DistinctCount(entity_type, n, n, n, True)
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

    def _inexact(self, entity_type: str, mine: _TypeCount) -> None:
        """Make a type a sketch whatever its count (it meets a sketch of the same type)."""
        if mine.exact:
            hll = datasketches.hll_sketch(self.lg_k, datasketches.tgt_hll_type.HLL_8)
            update = hll.update
            for block in self._blocks(mine):
                for item in _hll_items(block):
                    update(item)
            self._drop_digests(mine)
            mine.exact = False
            mine.hll = hll

    def _union(self, entity_type: str, mine: _TypeCount, theirs: Any, lg_k: int) -> None:
        self._inexact(entity_type, mine)
        union = datasketches.hll_union(max(self.lg_k, lg_k))
        union.update(mine.hll)
        union.update(theirs)
        mine.hll = union.get_result(datasketches.tgt_hll_type.HLL_8)

    def merge(self, other: DistinctCounter) -> None:
        """Add ``other``'s values into this counter (per-slice counters combine)."""
        for entity_type in list(other._tallies):
            self.merge_type(other, entity_type)

    def merge_type(self, other: DistinctCounter, entity_type: str) -> None:
        """Add ``other``'s values of one type into this counter (a store's people into a
        count across stores)."""
        if other._key_id != self._key_id:
            raise ValueError("cannot merge subject counters made with different keys")
        theirs = other._tallies.get(entity_type)
        if theirs is None:
            return
        mine = self._tally(entity_type)
        sketch = other._sketch(entity_type, theirs)
        if sketch is not None:
            self._union(entity_type, mine, sketch, other.lg_k)
            return
        for block in other._blocks(theirs):
            if mine.exact:
                self._absorb(mine, block)
            else:
                self._feed(mine, block)

    def merge_bytes(self, data: bytes) -> None:
        """Add a checkpoint (``to_bytes``) into this counter without restoring it first."""
        header, entries = _parse(data)
        if header["key_id"] != self._key_id:
            raise ValueError("checkpoint was made with a different key")
        for entry, hll, digests in entries:
            mine = self._tally(entry["entity"])
            if not entry["exact"]:
                self._union(
                    entry["entity"], mine, datasketches.hll_sketch.deserialize(hll), header["lg_k"]
                )
            elif mine.exact:  # an exact entry's digests are all of it (its sketch, if any, too)
                self._absorb(mine, digests)
            else:
                self._feed(mine, digests)

    def to_bytes(self) -> bytes:
        """A checkpoint: digests and sketches only, never a raw value, never the key."""
        entries = []
        for entity_type in sorted(self._tallies):
            tally = self._tallies[entity_type]
            hll = self._sketch(entity_type, tally)
            digests = bytearray()
            if hll is None:
                for block in self._blocks(tally):
                    digests += block
            entries.append(
                (
                    entity_type,
                    hll.serialize_compact() if hll is not None else b"",
                    hll is None,
                    bytes(digests),
                )
            )
        return self._checkpoint(entries)

    def to_parts(self, digests_per_part: int = PART_DIGESTS) -> Iterator[bytes]:
        """The same checkpoint as ``to_bytes``, cut into pieces of bounded size: merged
        (``merge_bytes``) into an empty counter with the same key, in any order, they give
        this counter back. The first piece holds every type's sketch and exactness; each
        other one up to ``digests_per_part`` digests of one type. ``to_bytes`` builds every
        digest into one object; this never holds more than a piece (and the counter's own
        budget), however many values were counted.
        """
        if digests_per_part < 1:
            raise ValueError("digests_per_part must be >= 1")
        first = []
        for t in sorted(self._tallies):
            hll = self._sketch(t, self._tallies[t])
            first.append((t, hll.serialize_compact() if hll is not None else b"", hll is None, b""))
        yield self._checkpoint(first)
        for entity_type in sorted(self._tallies):
            tally = self._tallies[entity_type]
            if tally.exact:
                # A piece is one block as read: no buffer of pieces to cut again.
                for block in self._blocks(tally, digests_per_part):
                    yield self._checkpoint([(entity_type, b"", True, block)])

    def _checkpoint(self, entries: list[tuple[str, bytes, bool, bytes]]) -> bytes:
        """The ``to_bytes`` layout for (type, sketch, exact, packed digests) entries."""
        return checkpoint(self._key_id, self.exact_limit, self.lg_k, entries)

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
        header, _ = _parse(data)
        counter = cls(
            key,
            exact_limit=header["exact_limit"],
            memory_limit=memory_limit,
            lg_k=header["lg_k"],
            spill_dir=spill_dir,
        )
        if header["key_id"] != counter._key_id:
            raise ValueError("checkpoint was made with a different key")
        counter.merge_bytes(data)
        return counter

    @property
    def key_id(self) -> str:
        """What a checkpoint names the key by (never the key)."""
        return self._key_id

    # -- lifetime ---------------------------------------------------------------------

    def close(self) -> None:
        """Delete the spill file, if any."""
        if self._spill is not None:
            self._spill.close()
            self._spill = None

    def __enter__(self) -> DistinctCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # best effort at interpreter exit
            self.close()


def key_id(key: bytes) -> str:
    """The name a checkpoint gives ``key``: a keyed hash of a constant, never the key."""
    return hmac.new(key, b"leakhound subject counter", sha256).hexdigest()[:16]


def checkpoint(
    key_id: str, exact_limit: int, lg_k: int, entries: list[tuple[str, bytes, bool, bytes]]
) -> bytes:
    """The ``DistinctCounter.to_bytes`` layout for (type, sketch, exact, packed digests)
    entries: what a worker writes for one page without building a counter."""
    header = {
        "key_id": key_id,
        "exact_limit": exact_limit,
        "lg_k": lg_k,
        "types": [
            {"entity": t, "exact": exact, "hll": len(hll), "digests": len(digests)}
            for t, hll, exact, digests in entries
        ],
    }
    head = json.dumps(header, separators=(",", ":")).encode()
    blobs = [part for _, hll, _, digests in entries for part in (hll, digests)]
    return _MAGIC + struct.pack(">I", len(head)) + head + b"".join(blobs)


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
            if not entry["exact"] and not hll:
                raise ValueError("a type past its exact limit without its sketch")
            entries.append((entry, hll, digests))
    except (struct.error, KeyError, TypeError) as exc:
        raise ValueError(f"corrupt subject counter checkpoint: {exc}") from exc
    if offset != len(data):
        raise ValueError("truncated or corrupt subject counter checkpoint")
    return header, entries
