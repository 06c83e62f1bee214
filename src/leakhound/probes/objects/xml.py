"""The XML that object stores answer in, read within bounds.

S3 and Azure Blob answer listings and errors in small XML documents of one shape each: a root
with a few leaf fields (``IsTruncated``, ``NextMarker``, ``Code``…) and repeated records
(``Contents``, ``Blob``, ``Bucket``…). ``read`` pulls them out of a body incrementally, with
namespaces dropped, each text clipped, and at most ``max_records`` records kept: a hostile page
of a million entries costs a bounded amount of memory. A DTD is refused outright (entities are
how XML documents grow without bound).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast

from ...errors import ProtocolError

MAX_TEXT = 4096  # characters kept of one element's text (an S3 key is at most 1024 bytes)
MAX_DEPTH = 16  # nesting: the deepest real answer (an Azure blob's properties) is 5
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Record:
    """One repeated element: its leaf texts by local name (the first of each name)."""

    name: str
    fields: dict[str, str]


@dataclass(slots=True)
class Doc:
    """What a body held: the root's local name, its direct leaf fields, its records."""

    root: str
    fields: dict[str, str] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)
    over: bool = False  # more records than were kept


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rpartition("}")[2]


def read(body: bytes, records: frozenset[str], *, max_records: int) -> Doc:
    """The root, leaf fields and records (elements named in ``records``) of an XML body;
    ProtocolError when it is not XML."""
    head = body[:4096].lstrip()
    if not head.startswith(b"<"):
        raise ProtocolError("not XML")
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise ProtocolError("XML with a DTD refused")
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    doc: Doc | None = None
    stack: list[ET.Element] = []  # open elements; each is dropped from its parent when it ends
    parents: list[bool] = []  # whether each open element has had a child (it is no leaf)
    current: dict[str, str] | None = None  # the record being read
    record_depth = 0
    try:
        for start in range(0, len(body), _CHUNK):
            parser.feed(body[start:start + _CHUNK])
            # start and end events: (event, element)
            events = cast("Iterator[tuple[str, ET.Element]]", parser.read_events())
            for event, elem in events:
                name = local(elem.tag)
                if event == "start":
                    if parents:
                        parents[-1] = True
                    stack.append(elem)
                    parents.append(False)
                    if len(stack) > MAX_DEPTH:
                        raise ProtocolError(f"XML nested over {MAX_DEPTH} deep")
                    if doc is None:
                        doc = Doc(name)
                    elif current is None and name in records:
                        current, record_depth = {}, len(stack)
                    continue
                assert doc is not None
                depth = len(stack)
                leaf = not parents.pop()
                if current is not None:
                    if depth == record_depth:  # the record itself ends
                        if len(doc.records) < max_records:
                            doc.records.append(Record(name, current))
                        else:
                            doc.over = True
                            return doc
                        current = None
                    elif leaf:
                        current.setdefault(name, (elem.text or "")[:MAX_TEXT])
                elif depth == 2 and leaf:
                    doc.fields.setdefault(name, (elem.text or "")[:MAX_TEXT])
                stack.pop()
                if stack:
                    del stack[-1][-1]  # the element that just ended is its parent's last child
        parser.close()
    except ET.ParseError as exc:
        raise ProtocolError(f"invalid XML: {exc}") from None
    if doc is None:
        raise ProtocolError("empty XML")
    return doc
