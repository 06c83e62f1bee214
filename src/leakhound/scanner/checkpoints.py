"""The full scan's sink: every page counted into its partition's tally and checkpointed.

A page's tally (``count.tally.count_batch``, run in a worker) and the partition's new
position are written in ONE transaction, so a scan killed at any moment resumes (``--resume``)
without counting a record twice or losing one. A partition's rows are folded into its tally
(each digest once) as they grow and when it ends. A container read to its end keeps only its
figures: its tally joins the endpoint's (one for the whole scan, a person in many containers
held once), written in the same transaction that drops the container's rows, and folded as it
grows. The findings database holds a few times the scan's distinct values and a few
``FOLD_BYTES`` of batches, not one row a batch nor one tally a container.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from ..count.tally import Tally, count_batch, merged
from ..models import (
    Container,
    FullRead,
    FullTotals,
    YearCount,
    failure_of,
    from_dict,
    to_dict,
)
from ..probes.base import NOTE, ReadPlan, note_of
from ..store.sqlite import SqliteStore
from .full import PartitionState, Sink, Stop
from .owned import own_mark

# Batch rows a partition (and container pieces the endpoint's tally) accumulate before they
# are folded, each digest once; past the first fold, as many bytes as the fold wrote. A batch
# of 1,000 support cases writes ~0.1-0.5 MB, mostly digests of people met before, so this
# floor is the one part of the checkpoints that records, not distinct values, decide. At
# 32 MiB it was up to 32 MiB for each partition being read and as much for the endpoint's
# pieces, which a container of few people and many records filled. A fold writes what the
# tally holds, once per as many new bytes: more folds of fewer bytes when there are few
# people, never more bytes than the batches themselves took to write.
FOLD_BYTES = 2 << 20


class TallyCollector:
    """Page tallies merged into one where they are read (a Dask task's partition)."""

    def __init__(self, key: bytes) -> None:
        self._tally = Tally(key)

    def add(self, result: bytes) -> None:
        """Merge one page's serialised tally."""
        self._tally.merge_bytes(result)

    def result(self) -> bytes:
        """The partition's tally, serialised; the collector is spent."""
        try:
            return self._tally.to_bytes()
        finally:
            self._tally.close()


class TallySink(Sink):
    """Counts a full read into tallies checkpointed in the findings database."""

    def __init__(
        self,
        store: SqliteStore,
        scan_id: str,
        endpoint: str,
        *,
        field_types: Callable[[Container], dict[str, str]],
        min_score: float,
    ) -> None:
        self.store, self.scan_id, self.endpoint = store, scan_id, endpoint
        self.key = store.hash_key
        self._field_types = field_types
        self.min_score = min_score
        self.collector = partial(TallyCollector, self.key)
        self._tallies: dict[tuple[str, int], Tally] = {}
        self._stored: dict[tuple[str, int], int] = {}  # bytes of batch rows since the last fold
        self._folded: dict[tuple[str, int], int] = {}  # bytes that fold wrote
        self._plans: dict[str, ReadPlan] = {}  # the newest plan of each container
        self._restored: dict[str, FullRead] = {}  # containers a resumed scan had finished
        self._notes: dict[str, str] = {}  # the last note a page's position held (Page)
        # The endpoint's tally: every container read to its end (a resume starts from its
        # checkpoint), and the bytes of its pieces written since it was last folded.
        self.total = merged(self.key, store.total_tallies(scan_id, endpoint))
        self._total_stored = self._total_folded = 0
        # Containers whose read stopped before their end: in this scan's totals, never in the
        # endpoint's checkpointed tally (a resume reads them on from their own checkpoints,
        # and would count what they hold twice).
        self._cut = Tally(self.key)

    def work(self, container: Container) -> Callable[[Sequence[Any]], Any]:
        """Detect and count one page (``count_batch``) with the container's field types."""
        return partial(
            count_batch,
            field_types=self._field_types(container),
            date_field=container.date_field,
            min_score=self.min_score,
            key=self.key,
        )

    def restore(self, container: Container) -> tuple[ReadPlan, list[PartitionState]] | None:
        """The plan and partitions the checkpoints kept, their tallies merged back one row
        at a time."""
        rows = self.store.partitions(self.scan_id, self.endpoint, container.name)
        if not rows:
            return None
        figures = self.store.finished(self.scan_id, self.endpoint, container.name)
        if figures is not None:  # read to its end: its figures kept, its tally in the total
            self._restored[container.name] = from_dict(FullRead, figures)
            plan = ReadPlan.from_json(rows[0].plan)
            return plan, [PartitionState(r.partition, r.position, True, r.docs) for r in rows]
        for r in rows:
            self._note(container.name, r.position)
            self._reset(
                container.name,
                r.partition,
                merged(
                    self.key,
                    self.store.partition_tallies(
                        self.scan_id, self.endpoint, container.name, r.partition
                    ),
                ),
            )
        states = [
            PartitionState(
                r.partition, r.position, r.done, self._tallies[container.name, r.partition].docs
            )
            for r in rows
        ]
        plan = self._plans[container.name] = ReadPlan.from_json(rows[0].plan)
        return plan, states

    def start(self, container: Container, plan: ReadPlan, partitions: Sequence[int]) -> None:
        """Partitions from zero: their rows and tallies emptied, the plan recorded."""
        self._plans[container.name] = plan
        self._notes.pop(container.name, None)  # of a read whose rows are counted no more
        self.store.start_partitions(
            self.scan_id, self.endpoint, container.name, plan.to_json(), partitions
        )
        for n in partitions:
            self._reset(container.name, n, Tally(self.key))

    def mark(self, own: str) -> str:
        """A keyed digest of the store's own name of a masked container (``ReadPlan.own``):
        the findings database's key, as for identifiers; never the name."""
        return own_mark(self.key, own)

    def forget(self, container: Container) -> None:
        """What ``restore`` took back of ``container`` dropped: its checkpoints stay as kept."""
        self._restored.pop(container.name, None)
        self._plans.pop(container.name, None)
        self._notes.pop(container.name, None)
        for k in [k for k in self._tallies if k[0] == container.name]:
            self._tallies.pop(k).close()
            self._stored.pop(k, None)
            self._folded.pop(k, None)

    def moved(self, container: Container, mark: str) -> int | None:
        """The figures of the container read to its end under another name whose own name's
        digest is ``mark``, taken back for ``container``: its tally is in the endpoint's
        already. Its records; None when there is none."""
        figures = self.store.finished_by_own(self.scan_id, self.endpoint, mark)
        if figures is None:
            return None
        full = self._restored[container.name] = from_dict(FullRead, figures)
        return full.docs

    def _reset(self, name: str, n: int, tally: Tally) -> None:
        old = self._tallies.pop((name, n), None)
        if old is not None:
            old.close()
        self._tallies[name, n] = tally
        self._stored[name, n] = self._folded[name, n] = 0

    def page(
        self,
        container: Container,
        plan: ReadPlan,
        partition: int,
        result: Any,
        docs: int,
        position: Any,
    ) -> None:
        """Merge a page's tally and checkpoint it with the partition's new position."""
        k = (container.name, partition)
        self._tallies[k].merge_bytes(result)
        self._note(container.name, position)
        self._checkpoint(container, partition, result, docs, position)
        self._stored[k] += len(result)
        if self._stored[k] > max(FOLD_BYTES, self._folded[k]):
            # The partition's tally is exactly what its rows hold: write it instead, each
            # digest once. Waiting for as many new bytes as the last fold wrote keeps the
            # rewriting to at most twice the batches' own bytes.
            self._folded[k] = self.store.fold_partition(
                self.scan_id, self.endpoint, container.name, partition, self._tallies[k].to_parts()
            )
            self._stored[k] = 0

    def _note(self, name: str, position: Any) -> None:
        """Keep the note a position holds: the report shows it beside the read."""
        if (note := note_of(position)) is not None:
            self._notes[name] = note

    def _checkpoint(
        self,
        container: Container,
        partition: int,
        tally: bytes,
        docs: int,
        position: Any,
        *,
        done: bool = False,
    ) -> None:
        """One batch of the partition's tally and its new position, in the store."""
        self.store.checkpoint(
            self.scan_id,
            self.endpoint,
            container.name,
            partition,
            tally=tally,
            docs=docs,
            position=position,
            done=done,
        )

    def partition_done(self, container: Container, plan: ReadPlan, partition: int) -> None:
        """Its rows become its tally, each digest once, in pieces of bounded size (a finished
        partition's rows stay until the scan ends: a scan of many containers would otherwise
        keep every batch of each); then it is marked done."""
        k = (container.name, partition)
        if self._stored[k]:
            self.store.fold_partition(
                self.scan_id, self.endpoint, container.name, partition, self._tallies[k].to_parts()
            )
        empty = Tally(self.key)
        try:
            blob = empty.to_bytes()
        finally:
            empty.close()
        self._checkpoint(container, partition, blob, 0, None, done=True)

    def partition_result(
        self,
        container: Container,
        plan: ReadPlan,
        partition: int,
        result: Any,
        *,
        done: bool = True,
        note: str | None = None,
    ) -> int:
        """A partition counted elsewhere (a Dask task): its tally kept as one row; one that
        stopped before its end (``done=False``) is kept unfinished, without a position. Its
        ``note`` is shown beside the read, as a page's would be."""
        tally = Tally.from_bytes(result, self.key)
        self._note(container.name, {NOTE: note})
        if done:
            self.store.finish_partition(
                self.scan_id, self.endpoint, container.name, partition, result
            )
        else:
            self._checkpoint(container, partition, result, tally.docs, None)
        self._reset(container.name, partition, tally)
        return tally.docs

    def finish(self, container: Container, method: str, stop: Stop | None) -> FullRead:
        """The container's figures; read to its end (``stop`` None), they are kept and its
        tally joins the endpoint's (its own rows dropped in the same transaction)."""
        error = stop.reason if stop is not None else None
        restored = self._restored.pop(container.name, None)
        plan = self._plans.pop(container.name, None)
        note = self._notes.pop(container.name, None)
        if restored is not None:
            return restored
        total = Tally(self.key)
        try:
            for name, n in [k for k in self._tallies if k[0] == container.name]:
                part = self._tallies.pop((name, n))
                total.merge(part)
                part.close()
            full = FullRead(
                method=plan.method if plan is not None else method,
                partitions=plan.partitions if plan is not None else 0,
                docs=total.docs,
                pii=total.pii(),
                people=total.people(),
                years=tuple(YearCount(y, n) for y, n in total.year_counts()),
                pii_fields=total.pii_fields(),
                complete=error is None,
                error=error,
                failure=failure_of(stop.denied) if stop is not None else None,
                date_field=total.dated_by()[0],
                note=note,
            )
            if error is None and plan is not None:
                self._total_stored += self.store.finish_container(
                    self.scan_id, self.endpoint, container.name, to_dict(full), total.to_parts()
                )
                self.total.merge(total)
                if self._total_stored > max(FOLD_BYTES, self._total_folded):
                    # The pieces hold each container's people once: fold them into the
                    # endpoint's, each once.
                    self._total_folded = self.store.fold_total(
                        self.scan_id, self.endpoint, self.total.to_parts()
                    )
                    self._total_stored = 0
            else:
                self._cut.merge(total)
        finally:
            total.close()
        return full

    def totals(self) -> FullTotals:
        """Every container's records, PII and people, each person once across them (what
        the containers stopped early counted too)."""
        both = Tally(self.key)
        try:
            both.merge(self.total)
            both.merge(self._cut)
            return FullTotals(both.docs, both.pii(), both.people())
        finally:
            both.close()

    def close(self) -> None:
        """Delete what the tallies still hold on disk."""
        for t in self._tallies.values():
            t.close()
        self._tallies.clear()
        self.total.close()
        self._cut.close()
