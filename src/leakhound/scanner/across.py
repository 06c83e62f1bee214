"""People counted once across the stores of a scan: the identifiers of stores read (or
listed) whole in one counter, and the samples of stores each estimated from its sample
pooled, their figure had from each store's own estimate and the share of its people the
others hold (``_union``). A store's own people: ``scanner/people.py``."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from ..count.distinct import DistinctCounter
from ..count.people import Estimate, SampledIdentifiers, Stratum, from_sample
from ..models import Distinct, PeopleAcross


class Pooled(NamedTuple):
    """A store's people estimated from its sample (alone, or beside the values it listed):
    the sample, container by container at its own rate, to be pooled with other stores'
    (``AcrossStores.add_sampled``)."""

    ids: SampledIdentifiers
    strata: tuple[Stratum, ...]
    total: int  # the records the sample stands for
    drawn: str  # how its records were drawn (a key of ``count.people.DRAWN``)
    own: Estimate  # its own figure (from its sample alone, or with the values it listed)


class AcrossStores:
    """The identifiers of every store of a scan whose own were all read (or listed), in one
    counter a type (keyed digests, exact up to a million, then HyperLogLog; bounded memory):
    people counted once across those stores.

    Stores each estimated from its sample (alone, or for what it did not list) are
    estimated once across them, their
    samples pooled as the containers of one store are (each at its own rate): an identifier
    seen in two stores' samples is one person, as one seen in two containers' is. Added,
    their figures would count the people a database, its cache and its backups share once
    in each (the lab's six stores of the same 3,543 people: 22,200). The figure is had
    from each store's own estimate and the share of its people the others hold
    (``_union``); the pooled samples give the range."""

    def __init__(self, key: bytes, keep: Callable[[str, str, bytes], None] | None = None) -> None:
        self._key = key
        self._keep = keep  # where a store's identifiers are kept for a resumed scan
        self._counter: DistinctCounter | None = None
        self._endpoints: dict[str, set[str]] = {}
        self._sampled: dict[str, dict[str, Pooled]] = {}  # type -> endpoint -> its sample

    def add_sampled(self, endpoint: str, pooled: Pooled) -> None:
        """A store's people estimated from its sample alone (kept in memory: a resumed scan
        adds the stores it did not read again apart)."""
        self._sampled.setdefault(pooled.ids.entity_type, {})[endpoint] = pooled

    def add(self, endpoint: str, entity_type: str, digests: Iterable[bytes]) -> None:
        """A store's identifiers, read whole by a sample scan (and kept: ``keep``)."""
        packed = b"".join(digests)
        if self._keep is not None:
            self._keep(endpoint, entity_type, packed)
        self.add_kept(endpoint, entity_type, packed)

    def add_kept(self, endpoint: str, entity_type: str, packed: bytes) -> None:
        """A store's identifiers as ``add`` kept them (a resumed scan's finished stores)."""
        self._counting().add_digests(entity_type, packed)
        self._endpoints.setdefault(entity_type, set()).add(endpoint)

    def add_counted(self, endpoint: str, entity_type: str, counter: DistinctCounter) -> None:
        """A store's identifiers of one type as a full read counted them, every container
        read to its end (exact, or its HyperLogLog sketch)."""
        self._counting().merge_type(counter, entity_type)
        self._endpoints.setdefault(entity_type, set()).add(endpoint)

    def _counting(self) -> DistinctCounter:
        if self._counter is None:
            self._counter = DistinctCounter(self._key)
        return self._counter

    def counts(self) -> tuple[PeopleAcross, ...]:
        """One figure a type, for the stores that held it; and one a type for the stores
        estimated from their samples, where there are two or more."""
        out = []
        if self._counter is not None:
            for etype, endpoints in sorted(self._endpoints.items()):
                c = self._counter.count(etype)
                distinct = Distinct(c.estimate, c.lower, c.upper, c.exact)
                out.append(PeopleAcross(etype, distinct, tuple(sorted(endpoints))))
        for etype, stores in sorted(self._sampled.items()):
            if len(stores) > 1:
                out.append(_pooled(etype, stores))
        return tuple(out)

    def close(self) -> None:
        if self._counter is not None:
            self._counter.close()


# Share of two stores' sampled identifiers they hold both above which their samples are one
# sample: a store and its copy sampled at the same places. Samples drawn apart share far
# fewer (about the share of the records each read), unless they saw nearly everyone.
SAME_SAMPLE = 0.9


def _copies(stores: Mapping[str, Pooled]) -> dict[str, str]:
    """Each store whose sample is another's (nearly every identifier of both in both): its
    endpoint -> that other's, the store of the larger sample kept."""
    kept: list[tuple[str, set[bytes]]] = []
    out: dict[str, str] = {}
    for endpoint, p in sorted(stores.items(), key=lambda e: (-e[1].ids.records, e[0])):
        mine = {d for d, k in p.ids.docs.items() if k}
        same = next(
            (
                other
                for other, theirs in kept
                if mine and len(mine & theirs) >= SAME_SAMPLE * max(len(mine), len(theirs))
            ),
            None,
        )
        if same is None:
            kept.append((endpoint, mine))
        else:
            out[endpoint] = same
    return out


# Identifiers a store's sample would share with the samples of the stores before it, were
# all its people theirs, under which sharing none tells nothing: none shared then has a
# chance of e**-3, 5%, at 3, more below (a store of the same people sampled thinly, 100
# records of 90,000, is expected to share 0.1 and shares none as often as not).
TELLS_SHARE = 3.0
# Stores whose steps the basis names one by one; the rest are summed in one step.
STEPS_SHOWN = 3


def _union(pool: Sequence[Pooled]) -> tuple[float, str]:
    """The people of stores each estimated from its sample, as a figure and how it was had:
    the largest store's own estimate, and each other store's own estimate (largest first) but
    for the share of its people the stores before it hold.

    That share is read from the samples: of the identifiers a store's sample saw, those the
    stores before it also saw in theirs, over the share of those stores' people their samples
    saw (a person they hold is seen by their samples at that rate). A store of the same
    customers shares all of them and adds none; a store of others adds its own estimate.
    The middle of the pooled range instead stands between a bound that counts the unseen
    like Chao's and one that counts every identifier seen once as all the records unread:
    stores of the same people, each sampled thinly, put it at twice their people.

    Samples too thin to share an identifier even were all of a store's people theirs (fewer
    than ``TELLS_SHARE`` expected) that share none, a sample that saw none among them, tell
    nothing of that share: the store adds the middle, on a log scale, of adding none and
    adding its own estimate whole (read as "none held", stores of the same people each
    sampled 100 of 90,000 records were added whole, the same people counted once in each)."""
    ordered = sorted(pool, key=lambda p: -p.own.value)
    seen = {d for d, k in ordered[0].ids.docs.items() if k}
    union = float(max(ordered[0].own.value, len(seen), 1))
    steps: list[tuple[float, int, float | None]] = []  # added, its own, share held (None: untold)
    untold = []  # (identifiers its sample saw, how many of them theirs would, all held)
    for p in ordered[1:]:
        mine = {d for d, k in p.ids.docs.items() if k}
        rate = min(len(seen) / union, 1.0)  # their samples saw this share of their people
        held: float | None
        if not mine & seen and len(mine) * rate < TELLS_SHARE:
            held = None
            new = math.sqrt(union * (union + p.own.value)) - union
            untold.append((len(mine), len(mine) * rate))
        else:
            held = min(len(mine & seen) / len(mine) / rate, 1.0) if mine and rate else 0.0
            new = p.own.value * (1 - held)
        steps.append((new, p.own.value, held))
        seen |= mine
        union = max(union + new, len(seen))  # every identifier seen is someone
    how = f"the figure the largest store's own estimate ({ordered[0].own.value:,})"
    if not steps:
        return union, how
    shown = [f"{new:,.0f} of {own:,} ({_held(held)})" for new, own, held in steps]
    rest = steps[STEPS_SHOWN:]
    if len(rest) > 1:  # one step for the rest, however many stores
        shown[STEPS_SHOWN:] = [
            f"{sum(new for new, _, _ in rest):,.0f} of the {len(rest)} others' "
            f"{sum(own for _, own, _ in rest):,} ({_shares([held for *_, held in rest])})"
        ]
    how += (
        " and each other store's own but for the share of its people the stores before it "
        "hold (of the identifiers its sample saw, those theirs saw too, over the share of "
        f"their people their samples saw): + {' + '.join(shown)}"
    )
    if untold:
        n, expected = max(untold, key=lambda u: u[1])
        how += (
            f" (untold: the samples too thin to tell it, none of the {n:,} identifiers a "
            f"store's sample saw in theirs where about {expected:.1f} would be were all its "
            "people theirs; such a store adds the middle, on a log scale, of none and its own "
            "estimate whole)"
        )
    return union, how


def _held(share: float | None) -> str:
    """A store's share of people held by the stores before it, as the basis says it."""
    return "share untold" if share is None else f"{share:.0%} held before"


def _shares(shares: Sequence[float | None]) -> str:
    """Stores' shares held before, in one phrase however many: their least and most."""
    told = [s for s in shares if s is not None]
    said = []
    if told:
        low, high = _held(min(told)), _held(max(told))
        said.append(low if low == high else f"{low.split()[0]} to {high}")
    if len(told) < len(shares):
        said.append(f"{len(shares) - len(told)} shares untold")
    return "; ".join(said)


def _pooled(etype: str, stores: Mapping[str, Pooled]) -> PeopleAcross:
    """People once across stores each estimated from its sample: their samples pooled, a
    store's whose sample is another's (``_copies``) once."""
    copies = _copies(stores)
    # in the endpoints' order: stores of equal figures are taken in the same order every scan
    pool = [p for endpoint, p in sorted(stores.items()) if endpoint not in copies]
    ids = SampledIdentifiers(etype)
    for p in pool:
        ids.merge(p.ids)
    ways = {p.drawn for p in pool}
    drawn = ways.pop() if len(ways) == 1 else ("mixed" if ways & {"first", "mixed"} else "runs")
    est = from_sample(
        ids,
        sum(p.total for p in pool),
        strata=[st for p in pool for st in p.strata],
        drawn=drawn,
        figure=_union(pool),
    )
    # A store and its copy sampled at the same places (a replica, a backup restored
    # elsewhere: every draw has a fixed seed, ``probes/sampling.py``, and the first records
    # are the same records) give one sample twice: pooled twice, each identifier of it would
    # be "seen twice" and the estimate stand for those seen alone. ``_copies`` finds the
    # copies it can; for the rest, the stores together hold at least as many people as any
    # of them: no figure, nor either end of the range, under the largest store's own.
    same = ", ".join(f"{c}'s sample is {k}'s" for c, k in sorted(copies.items()))
    once = f" ({same}, pooled once: a copy sampled at the same places)" if copies else ""
    basis = (
        f"{etype}: the samples of the {len(stores)} stores pooled{once}, each container at its "
        f"own rate, an identifier seen in two stores' samples one person: {est.basis}"
    )
    largest = max((p.own for p in stores.values()), key=lambda e: e.value)
    own_low = max(p.own.low for p in stores.values())
    own_high = max(p.own.high for p in stores.values())
    value, low, high = est.value, est.low, est.high
    if largest.value > value or own_low > low or own_high > high:
        low, high = max(low, own_low), max(high, own_high)
        value = min(max(value, largest.value), high)
        basis += (
            f"; no fewer than the largest store alone ({largest.value:,}, likely between "
            f"{own_low:,} and {own_high:,}): stores sampled at the same places, a store and "
            "its copy, give the same sample twice, which pooled would stand for those seen "
            "alone"
        )
    return PeopleAcross(
        etype,
        Distinct(value, low, high, est.exact and low == high),
        tuple(sorted(stores)),
        basis,
    )
