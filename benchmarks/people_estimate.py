"""The people estimate of one store from a sample, on populations whose truth is known.

No store and no lab: populations of people, each holding some records (``--shapes``: every
person once, every person five times, a geometric spread of 1-11 records a person, many
people once beside a few who write 2-11 times; ``lab``: the lab seeder's support cases
themselves, ``lab.seeder.generate``, each case's e-mail addresses: its customer's, drawn with
a skew that has a few write hundreds of times, its agent's, one of a few dozen, and now and
then a one-off second address), a sample of ``--sample`` records drawn as a sample scan
spreads one over a table (records at random, each once: ``probes/sampling.py``),
the store's size set so that the sample is each of ``--fractions`` of it, and leakhound's own
estimator (``count.people.from_sample``) run on what the sample saw. For each case over
``--runs`` samples (seeds 1..N, one population a case): the truth, the figure as it is shown
(a figure, or "between A and B" where the sample cannot tell within a factor of
``count.people.TOLD_FACTOR``: ``report/text.py``), the range, the figure's ratio to the truth
(median, 10th and 90th percentile), how often the figure is off by more than that factor
whether shown or not, how often the range holds the truth (its coverage), and how often the
figure as shown is within that factor of the truth.

Run: PYTHONPATH=src .venv/bin/python benchmarks/people_estimate.py [--sample 100]
     [--fractions 0.001,0.01,0.1] [--shapes one,five,geometric,singletons,lab] [--runs 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import Counter
from collections.abc import Callable

import numpy as np

from leakhound.count.people import TOLD_FACTOR, SampledIdentifiers, from_sample, told
from leakhound.lab.seeder import generate
from leakhound.scanner.options import ScanOptions


def _geometric(rng: np.random.Generator, people: int) -> np.ndarray:
    # 1-11 records a person, each count about 0.65 times as common as the one before
    return np.minimum(rng.geometric(0.35, people), 11)


def _singletons(rng: np.random.Generator, people: int) -> np.ndarray:
    # four people in five once (one-off customers), the rest 2-11 times
    return np.where(rng.random(people) < 0.8, 1, rng.integers(2, 12, people))


# Records a person, for ``people`` people.
SHAPES: dict[str, Callable[[np.random.Generator, int], np.ndarray]] = {
    "one": lambda rng, people: np.ones(people, dtype=np.int64),
    "five": lambda rng, people: np.full(people, 5, dtype=np.int64),
    "geometric": _geometric,
    "singletons": _singletons,
}
MEAN = {"one": 1.0, "five": 5.0, "geometric": 1 / 0.35, "singletons": 0.8 + 0.2 * 6.5}
LAB = "lab"  # the lab seeder's support cases


def population(shape: str, records: int, seed: int) -> list[tuple[bytes, ...]]:
    """Each record's identifiers (digests), about ``records`` records of ``shape``."""
    if shape == LAB:
        cases = [d for d in generate(records, seed).docs if d.customer]
        return [tuple(sorted(e.encode() for e in d.emails)) for d in cases]
    rng = np.random.default_rng(seed)
    per_person = SHAPES[shape](rng, max(1, round(records / MEAN[shape])))
    owners = np.repeat(np.arange(len(per_person)), per_person)
    return [(int(p).to_bytes(8, "big"),) for p in owners]


def sampled(
    records: list[tuple[bytes, ...]], n: int, rng: np.random.Generator
) -> SampledIdentifiers:
    """What a sample of ``n`` records drawn at random, each once, saw."""
    drawn = [records[i] for i in rng.choice(len(records), n, replace=False)]
    docs = Counter(d for record in drawn for d in record)
    per_record = max(map(len, drawn), default=0)
    return SampledIdentifiers("EMAIL_ADDRESS", records=n, docs=docs, per_record=per_record)


def _pct(values: list[float], p: float) -> float:
    return float(np.percentile(values, p))


def run_case(shape: str, fraction: float, n: int, runs: int) -> tuple[str, bool]:
    records = population(shape, round(n / fraction), seed=1)
    total, truth = len(records), len({d for record in records for d in record})
    ratios, lows, highs, shown_as_range = [], [], [], 0
    inside = within = off = 0
    for seed in range(1, runs + 1):
        est = from_sample(sampled(records, n, np.random.default_rng(seed)), total)
        ratios.append(est.value / truth)
        lows.append(est.low)
        highs.append(est.high)
        inside += est.low <= truth <= est.high
        off += not 1 / TOLD_FACTOR <= est.value / truth <= TOLD_FACTOR
        if told(est.value, est.low, est.high):
            within += 1 / TOLD_FACTOR <= est.value / truth <= TOLD_FACTOR
        else:
            shown_as_range += 1
            within += est.low <= truth <= est.high
    low, high = statistics.median(lows), statistics.median(highs)
    shown = (
        f"≈{statistics.median(e * truth for e in ratios):,.0f}"
        if shown_as_range * 2 < runs
        else f"between {low:,.0f} and {high:,.0f}"
    )
    line = (
        f"{shape:>10} {100 * fraction:>5.1f}% {total:>9,} {n:>6,} {truth:>8,} "
        f"{shown:>28} {f'{low:,.0f}–{high:,.0f}':>17} "
        f"{statistics.median(ratios):>5.2f} [{_pct(ratios, 10):.2f}, {_pct(ratios, 90):.2f}] "
        f"{100 * off / runs:>6.1f}% {100 * shown_as_range / runs:>5.0f}% "
        f"{100 * inside / runs:>6.1f}% {100 * within / runs:>6.1f}%"
    )
    return line, inside / runs >= 0.9 and within / runs >= 0.9


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--sample", type=int, default=ScanOptions().sample)
    ap.add_argument("--fractions", default="0.001,0.01,0.1")
    ap.add_argument("--shapes", default=",".join([*SHAPES, LAB]))
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    fractions = [float(f) for f in args.fractions.split(",") if f]
    shapes = [s for s in args.shapes.split(",") if s]
    print(
        f"{'shape':>10} {'sample':>6} {'records':>9} {'read':>6} {'truth':>8} "
        f"{'shown (median)':>28} {'range (median)':>17} ratio [p10, p90] {'off':>7} "
        f"{'ranged':>6} {'covers':>7} {'fair':>7}"
    )
    ok = True
    for shape in shapes:
        for fraction in fractions:
            line, good = run_case(shape, fraction, args.sample, args.runs)
            ok &= good
            print(line)
    print(
        f"\nratio: the figure over the truth; off: runs whose figure is off by more than "
        f"{TOLD_FACTOR:g}x, whether shown as one figure or not; ranged: runs whose figure is "
        "shown as its range "
        f"(the sample cannot tell within {TOLD_FACTOR:g}x); covers: runs whose range holds "
        f"the truth; fair: runs whose figure as shown holds the truth (a figure: within "
        f"{TOLD_FACTOR:g}x of it; a range: inside it). {args.runs} runs a case."
    )
    print("PASS" if ok else "MISS (a case below 90% covered or fair)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
