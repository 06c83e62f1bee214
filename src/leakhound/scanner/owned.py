"""Which container a masked, numbered name stood for (``probes/shown.py``): a keyed digest of
the store's own name, kept with a scan's results and checkpoints, never the name.

Names that mask alike are numbered in the store's order: one added or removed since the scan,
and a name stands for another container. A read that goes on from the scan (a resumed full
read, ``export-subjects``) reads a masked container only where today's listing gives it the
same digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..errors import NetError
from ..models import ContainerResult
from ..probes.base import FullReader
from ..redact import keyed_hash

# Why a read of a masked container stored without a digest of its own name is not made.
UNMARKED = (
    "not read: its masked name was stored without what tells which container it stood for"
    " (a scan by an older version, or one that could not find it again), and a name masking"
    " alike added or removed since would make it another's; scan again to read it"
)
# Why a read of a masked container whose name stands for another now is not made.
ANOTHER = (
    "not read: its masked name stands for another container now (names that mask alike are"
    " numbered in the store's order, and one was added or removed since); scan again to read it"
)


def own_mark(key: bytes, own: str) -> str:
    """A keyed digest of the store's own name ``own`` of a masked container (``ReadPlan.own``,
    ``ContainerResult.own``): the findings database's key, as for identifiers."""
    return keyed_hash(key, "container " + own)[:32]


async def marked(
    reader: FullReader, key: bytes, results: Sequence[ContainerResult]
) -> list[ContainerResult]:
    """``results`` with the digest of each masked container's own name (``own_mark``), as the
    inventory that made them named it; one whose own name cannot be found keeps none."""
    out = []
    for cr in results:
        try:
            own = await reader.own_name(cr.container)
        except NetError:
            own = None
        out.append(replace(cr, own=own_mark(key, own)) if own is not None else cr)
    return out


async def not_the_same(reader: FullReader, key: bytes, stored: ContainerResult) -> str | None:
    """Why a masked container of a stored scan is not read again (``UNMARKED``,
    ``ANOTHER``); None where today's listing names the container the scan did, or it is
    shown as named. NetError when its name cannot be found any more."""
    own = await reader.own_name(stored.container)
    if own is None:
        return None
    if stored.own is None:
        return UNMARKED
    return None if own_mark(key, own) == stored.own else ANOTHER
