"""Where a ticket's detection time goes: each detector alone, the gates, and the rest.

Run: .venv/bin/python benchmarks/detect_profile.py [N_DOCS=6000]

The ``detect_speed.py`` tickets (seed 1), pinned to one CPU, CPU time of this process.
Each detector runs over every ticket its gate lets it read, as ``scan_batch`` runs it
(one detector over the whole list), caches cleared before each; then ``scan_batch`` in
pages of 256 with every detector, and the same with each detector's answers looked up
instead of computed: what walking, scoring, masking and building hits cost. Figures are
µs per ticket, averaged over all tickets (a detector that reads half of them shows half
its cost per read).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from arguments import counts
from corpus import tickets

from leakhound.detect import scan_batch
from leakhound.detect.base import Context, Field, Span
from leakhound.detect.hints import field_for
from leakhound.detect.registry import DETECTORS
from leakhound.detect.scan import _select, clear_caches

PAGE = 256


class _Ready:
    """A detector whose answers were computed beforehand: looking them up is all it costs."""

    def __init__(self, answers: dict[str, list[Span]]) -> None:
        self.answers = answers

    def find(self, text: str, field: Field) -> list[Span]:
        return self.answers[text]

    def find_in(self, text: str, field: Field, context: Context) -> list[Span]:
        return self.answers[text]


def per_ticket(n: int, fn: Callable[[], object]) -> float:
    clear_caches()
    start = time.process_time()
    fn()
    return (time.process_time() - start) / n * 1e6


def main() -> int:
    (n,) = counts(__doc__, (6000,))
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    texts = [t.text for t in tickets(n, seed=1)]
    scan_batch([{"text": t} for t in tickets(200, seed=2)])  # warm: imports, compiled regexes

    def paged() -> None:
        for i in range(0, n, PAGE):
            scan_batch([{"text": t} for t in texts[i : i + PAGE]])

    total = per_ticket(n, paged)
    sel = _select(None, False)
    field = field_for("text", None)
    opened = [sel.gates.open_in(t) for t in texts]
    gates = per_ticket(n, lambda: [sel.gates.open_in(t) for t in texts])
    rows: list[tuple[str, float, float]] = []
    for i, d in enumerate(DETECTORS):
        gate = sel.text[i][2]
        read = [t for t, o in zip(texts, opened, strict=True) if gate < 0 or o is None or gate in o]
        rows.append(
            (
                d.id,
                per_ticket(n, lambda d=d, read=read: [d.find(t, field) for t in read]),
                len(read) / n,
            )
        )
    # The same scan with every detector's answer ready: what is left is the framework.
    answers = [{t: d.find(t, field) for t in texts} for _, d, _, _, _ in sel.text]
    steps = sel.text
    ready = tuple(
        (m, _Ready(a), g, h, 0) for (m, _, g, h, _), a in zip(steps, answers, strict=True)
    )
    object.__setattr__(sel, "text", ready)  # the selection is frozen: put it back below
    try:
        rest = per_ticket(n, paged)
    finally:
        object.__setattr__(sel, "text", steps)
    print(
        f"{n} tickets, scan_batch in pages of {PAGE}: {total:.1f} µs a ticket "
        f"({1e6 / total:,.0f} docs/CPU-s)\n"
    )
    print(f"  {'part':<34}{'µs/ticket':>10}  reads")
    for name, us, share in sorted(rows, key=lambda r: -r[1]):
        print(f"  {'detector ' + name:<34}{us:>10.1f}  {share:.0%} of tickets")
    print(f"  {'gates (one Hyperscan pass)':<34}{gates:>10.1f}")
    print(f"  {'walk, scores, masks, hits, gates':<34}{rest:>10.1f}")
    summed = sum(us for _, us, _ in rows) + rest
    print(f"  {'sum of the parts':<34}{summed:>10.1f}  (the detectors alone, warmer caches)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
