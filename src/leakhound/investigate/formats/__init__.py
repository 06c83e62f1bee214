"""The log formats, one module each, and the sniffing that recognises a file's format."""

from __future__ import annotations

from types import ModuleType

from . import clf

# name → module; "apache" is the same grammar as nginx's (both default to combined/common).
FORMATS: dict[str, ModuleType] = {
    "nginx": clf,
    "apache": clf,
}
# The order sniffing tries them in: the most specific shapes first.
SNIFF_ORDER: tuple[str, ...] = ("nginx",)


def by_name(name: str) -> ModuleType:
    """The module of a format name (KeyError when unknown)."""
    return FORMATS[name]


def sniff(head: bytes) -> str | None:
    """The format the first bytes of a file look like, or None."""
    for name in SNIFF_ORDER:
        if FORMATS[name].sniff(head):
            return name
    return None
