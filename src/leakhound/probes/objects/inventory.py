"""A bucket's listing as containers: one per key prefix (the folder of each key), with counts.

A bucket has no tables: people put files in folders (``exports/2019/``, ``backups/``), and a
folder is what holds one kind of file from one source, so each folder is a container and
personal data is reported per folder. A bucket whose folders outnumber what the inventory may
keep has its deepest ones folded into their parents (``users/*``: everything below
``users/``), level by level, until they fit. A folder named by personal data (one folder a
customer: ``users/jane.doe@gmail.com/``) is folded into the folder above that name whatever
the room: a folder's name is written in every report, and it is the store's data.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ... import compromise
from ...models import Container
from ..shown import masked_name
from .api import Entry

MAX_LABELS = 12  # extensions and content types kept per container (the rest: "other")
MAX_DEPTH = 64  # folder levels a container name keeps


def folder_of(key: str) -> str:
    """The key's folder with its trailing slash ("" at the bucket's root)."""
    return key.rpartition("/")[0] + "/" if "/" in key else ""


def extension_of(key: str) -> str:
    """The key's extension, lower-cased, compressions kept (``.csv.gz``); "" when none."""
    name = key.rpartition("/")[2].lower()
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 10:
        return ""
    if ext in ("gz", "bz2", "xz", "zst", "zip") and "." in stem:
        inner = stem.rpartition(".")[2]
        if 0 < len(inner) <= 10:
            return f".{inner}.{ext}"
    return f".{ext}"


def _counted(counter: Counter[str], label: str) -> None:
    if label in counter or len(counter) < MAX_LABELS:
        counter[label] += 1
    else:
        counter["other"] += 1


@dataclass
class Folder:
    """What a listing showed of the objects in one folder (or below it, once folded)."""

    objects: int = 0
    bytes: int = 0
    largest: int = 0
    oldest: str | None = None
    newest: str | None = None
    extensions: Counter[str] = field(default_factory=Counter)
    content_types: Counter[str] = field(default_factory=Counter)
    compromise: list[str] = field(default_factory=list)

    def add(self, entry: Entry) -> None:
        """Count one object."""
        self.objects += 1
        size = entry.size or 0
        self.bytes += size
        self.largest = max(self.largest, size)
        if entry.modified:
            self.oldest = min(self.oldest or entry.modified, entry.modified)
            self.newest = max(self.newest or entry.modified, entry.modified)
        _counted(self.extensions, extension_of(entry.key) or "(none)")
        if entry.content_type:
            _counted(self.content_types, entry.content_type.split(";")[0].strip().lower())
        name = entry.key.rpartition("/")[2]
        low = name[:1].lower()
        # Ransom notes start read_me/how_to/recover/warning/please/restore; wipers end -meow:
        # the two regular expressions run on those names only (100,000 keys a listing).
        if len(self.compromise) < 3 and (low in "rhwp" or "meow" in name.lower()):
            stem = name.split(".", 1)[0] if not name.startswith(".") else name
            for reason in compromise.by_name(stem, noun="object"):
                if reason not in self.compromise and len(self.compromise) < 3:
                    self.compromise.append(reason)

    def merge(self, other: Folder) -> None:
        """Fold another folder's counts into this one."""
        self.objects += other.objects
        self.bytes += other.bytes
        self.largest = max(self.largest, other.largest)
        for when in (other.oldest, other.newest):
            if when:
                self.oldest = min(self.oldest or when, when)
                self.newest = max(self.newest or when, when)
        for mine, theirs in (
            (self.extensions, other.extensions),
            (self.content_types, other.content_types),
        ):
            for label, n in theirs.items():
                if label in mine or len(mine) < MAX_LABELS:
                    mine[label] += n
                else:
                    mine["other"] += n
        for reason in other.compromise:
            if reason not in self.compromise and len(self.compromise) < 3:
                self.compromise.append(reason)


@dataclass
class Listing:
    """A bucket's folders as its listing went; ``complete``: the listing reached its end."""

    bucket: str
    access: str  # "open" or "partial"
    named: bool = False  # the objects the target named (not a listing)
    folders: dict[str, Folder] = field(default_factory=dict)
    complete: bool = True
    error: str | None = None
    skipped: int = 0  # entries the listing gave that could not be read

    def add(self, entry: Entry) -> None:
        """Count one object in its folder."""
        if entry.marker:
            return
        self.folders.setdefault(folder_of(entry.key), Folder()).add(entry)

    @property
    def objects(self) -> int:
        """Objects counted."""
        return sum(f.objects for f in self.folders.values())

    def containers(self, room: int) -> list[Container]:
        """Up to ``room`` (at least 1) containers, the deepest folders folded into their
        parents until they fit (named objects are never folded: they are few)."""
        if self.named:  # names the user typed
            return [self._container(name, f, False) for name, f in sorted(self.folders.items())]
        named, above = unnamed(self.folders)
        folded, deep = fold(named, max(1, room))
        deep |= above & folded.keys()
        return [self._container(name, f, name in deep) for name, f in sorted(folded.items())]

    def _container(self, prefix: str, f: Folder, below: bool) -> Container:
        name = f"{self.bucket}/{prefix}" + ("*" if below else "")
        details: dict[str, Any] = {
            "bucket": self.bucket,
            "prefix": prefix,
            "below": below,
            "access": self.access,
            "objects": f.objects,
            "largest_object": f.largest,
            "extensions": dict(f.extensions.most_common()),
        }
        if f.content_types:
            details["content_types"] = dict(f.content_types.most_common())
        # When the files were written, not the dates of the records in them: details, not
        # the container's date range (which says which years the records are from).
        details["modified_oldest"], details["modified_newest"] = f.oldest, f.newest
        if self.named:
            details["named_keys"] = True
        if not self.complete:
            details["listed_whole"] = False
        return Container(
            name=name,
            docs=None,
            store_bytes=f.bytes,
            compromised=bool(f.compromise),
            compromise_reasons=tuple(f.compromise),
            error=self.error,
            docs_exact=False,
            details=details,
        )


def shown_key(key: str) -> str:
    """An object's key as an error line may quote it: the personal data in it masked (a
    key is the store's data: ``users/jane.doe@gmail.com/cv.pdf``), 80 characters at most."""
    return (masked_name(key) or key)[:80]


def unnamed(folders: dict[str, Folder]) -> tuple[dict[str, Folder], set[str]]:
    """The folders with each one named by personal data folded into the folder above the
    first such name (``users/jane.doe@gmail.com/2020/`` into ``users/``), and the folders
    that now stand for what is below them. Such a folder is read with everything below it
    (``users/*``), so every folder below it is folded in too (``users/archive/``): left a
    container of its own, its objects would be listed, sampled and read twice."""
    personal: dict[str, bool] = {}

    def carries(segment: str) -> bool:
        if segment not in personal:
            personal[segment] = masked_name(segment) is not None
        return personal[segment]

    above: set[str] = set()
    for name in folders:
        parts = name.split("/")[:-1]
        cut = next((n for n, part in enumerate(parts) if carries(part)), None)
        if cut is not None:
            above.add("/".join(parts[:cut]) + "/" if cut else "")
    if not above:
        return folders, above
    out: dict[str, Folder] = {}
    for name, f in folders.items():
        # the outermost folder standing for what is below it, at or above this one
        target = next((p for p in (*reversed(_ancestors(name)), name) if p in above), name)
        out.setdefault(target, Folder()).merge(f)
    return out, above & out.keys()


def _ancestors(name: str) -> list[str]:
    """The folders above a folder, nearest first, the bucket's root ("") last."""
    parts = name.split("/")[:-1]
    return ["/".join(parts[:n]) + "/" if n else "" for n in range(len(parts) - 1, -1, -1)]


def fold(folders: dict[str, Folder], room: int) -> tuple[dict[str, Folder], set[str]]:
    """At most ``room`` containers: the deepest folders folded into their parents first,
    among them those that fold the most at once, until the rest fit; and the names that now
    stand for everything below them."""
    groups = sorted(folders)
    folded: set[str] = set()
    if len(groups) > room:
        below: dict[str, int] = {}
        for name in folders:
            for parent in _ancestors(name)[:MAX_DEPTH]:
                below[parent] = below.get(parent, 0) + 1
        for parent in sorted(below, key=lambda p: (-p.count("/"), -below[p], p)):
            if len(groups) <= room:
                break
            lo = bisect.bisect_left(groups, parent)
            hi = lo
            while hi < len(groups) and groups[hi].startswith(parent):
                hi += 1
            if hi - lo > 1:  # folding one folder into its parent would gain nothing
                groups[lo:hi] = [parent]
                folded.add(parent)
    out: dict[str, Folder] = {}
    deep: set[str] = set()
    for name, f in folders.items():
        # the outermost folded folder above it (or itself), else itself
        target = next((p for p in (*reversed(_ancestors(name)), name) if p in folded), name)
        if target in folded:
            deep.add(target)
        out.setdefault(target, Folder()).merge(f)
    return out, deep
