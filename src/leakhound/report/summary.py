"""Figures over a whole scan: what every report format leads with."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..models import Documents, Words, to_dict
from ..probes.registry import words as kind_words
from ..store.records import ScanRecord


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts by verdict, exposed containers and records, PII types, compromised containers.

    A container a partial store listed but would not let anyone read
    (``ContainerResult.refused``) is not exposed: it is counted apart, with the records its
    store said it holds, in ``refused_containers`` and ``refused_documents``.
    """

    endpoints: int
    by_verdict: dict[str, int]  # verdict name -> endpoints, sorted by name
    exposed_endpoints: int
    exposed_containers: int = field(metadata={"json": "exposed_indices"})
    exposed_documents: int
    compromised_containers: int = field(metadata={"json": "compromised_indices"})
    pii_types: tuple[str, ...]
    containers_with_pii: int = field(metadata={"json": "indices_with_pii"})
    # Rows of containers of copies (materialized views) not in exposed_documents
    copied_documents: int = field(default=0, metadata={"omit_empty": True})
    # Exposed containers whose records nobody counted (not in exposed_documents)
    uncounted_containers: int = field(
        default=0, metadata={"json": "uncounted_indices", "omit_empty": True}
    )
    # Containers listed but refused (asked for credentials, or failed), and their records:
    # in neither exposed_containers nor exposed_documents
    refused_containers: int = field(
        default=0, metadata={"json": "refused_indices", "omit_empty": True}
    )
    refused_documents: int = field(default=0, metadata={"omit_empty": True})
    # Of those, the containers refused for want of credentials (the probe's mark); the rest
    # failed otherwise (a timeout, an error), and whether anyone could read them is not known
    refused_for_credentials: int = field(default=0, metadata={"omit_empty": True})
    # The kinds of the stores behind exposed_containers and refused_containers, with their
    # containers: what the reports call them (registry.words); never written in the JSON
    exposed_by_kind: dict[str, int] = field(default_factory=dict, metadata={"skip": True})
    refused_by_kind: dict[str, int] = field(default_factory=dict, metadata={"skip": True})
    # Of exposed_documents, and of refused_documents, the records of containers their store
    # estimated, not counted
    estimated_documents: int = field(default=0, metadata={"omit_empty": True})
    refused_estimated_documents: int = field(default=0, metadata={"omit_empty": True})
    # Of copied_documents, likewise
    copied_estimated_documents: int = field(default=0, metadata={"omit_empty": True})

    @property
    def words(self) -> Words:
        """The words every exposed store shares, else the neutral ones ("records")."""
        some = [k for k, n in self.exposed_by_kind.items() if n] or self.exposed_by_kind
        return Words.common(kind_words(k) for k in some)

    @property
    def all_words(self) -> Words:
        """The words every store listed shares (exposed or refused), else the neutral ones."""
        return Words.common(kind_words(k) for k in {**self.exposed_by_kind, **self.refused_by_kind})

    def named(self, before: str = "") -> str:
        """The exposed containers in their stores' words: '112 indices', or '130 containers
        (112 indices, 6 tables, 12 collections)' over kinds that name them differently
        ('112 exposed indices' with ``before``)."""
        if not self.exposed_by_kind:
            return Words().containers(self.exposed_containers, before)
        return Words.tally(((kind_words(k), n) for k, n in self.exposed_by_kind.items()), before)

    @property
    def documents(self) -> Documents:
        return Documents(
            self.exposed_documents,
            self.copied_documents,
            self.uncounted_containers,
            self.estimated_documents,
            self.copied_estimated_documents,
        )

    def to_dict(self) -> dict[str, Any]:
        """The summary as the JSON reports write it (schema/scan-result.schema.json)."""
        return to_dict(self)


def summarise(scan: ScanRecord) -> Summary:
    """Counts by verdict, exposed containers and records, PII types, compromised containers.

    Two endpoints of one store (a node and a proxy in front of it) expose the same containers:
    each container of a store counts once, with the fullest view any endpoint gave. A
    container its store listed but refused to read is counted apart, its records too.
    """
    verdicts: Counter[str] = Counter(r.service.verdict.value for r in scan.results)
    pii_types: set[str] = set()
    containers = docs = copies = uncounted = compromised = with_pii = refused = refused_docs = 0
    guessed = refused_guessed = copies_guessed = 0
    credentials = 0
    exposed_by: Counter[str] = Counter()
    refused_by: Counter[str] = Counter()
    for store in scan.stores:
        verdict = store.service.verdict
        listed = [cr for _, cr in store.containers]
        read = [cr for cr in listed if not cr.refused(verdict)]
        shut = [cr for cr in listed if cr.refused(verdict)]
        counted = Documents.of(cr.container for cr in read)
        docs, copies = docs + counted.records, copies + counted.copies
        uncounted += counted.uncounted
        guessed, copies_guessed = (
            guessed + counted.estimated,
            copies_guessed + counted.copies_estimated,
        )
        containers += len(read)
        refused += len(shut)
        exposed_by[store.service.kind] += len(read)
        refused_by[store.service.kind] += len(shut)
        credentials += sum(cr.asked_credentials() for cr in shut)
        held = Documents.of(cr.container for cr in shut)
        refused_docs, refused_guessed = (
            refused_docs + held.records,
            refused_guessed + held.estimated,
        )
        for cr in listed:
            # A name can show a wipe (a ransom note's database) even where reading is refused.
            compromised += cr.container.compromised
            found = [p.entity_type for p in (cr.sample.pii if cr.sample else ())]
            found += [p.entity_type for p in (cr.full.pii if cr.full else ())]  # --depth full
            pii_types.update(found)
            with_pii += bool(found)
    return Summary(
        endpoints=len(scan.results),
        by_verdict=dict(sorted(verdicts.items())),
        exposed_endpoints=sum(1 for _ in scan.exposed),
        exposed_containers=containers,
        exposed_documents=docs,
        compromised_containers=compromised,
        pii_types=tuple(sorted(pii_types)),
        containers_with_pii=with_pii,
        copied_documents=copies,
        uncounted_containers=uncounted,
        refused_containers=refused,
        refused_documents=refused_docs,
        refused_for_credentials=credentials,
        exposed_by_kind=dict(exposed_by),
        refused_by_kind=dict(refused_by),
        estimated_documents=guessed,
        refused_estimated_documents=refused_guessed,
        copied_estimated_documents=copies_guessed,
    )
