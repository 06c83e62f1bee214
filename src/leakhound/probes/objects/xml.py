"""The XML that object stores answer in, read within bounds.

S3 and Azure Blob answer listings and errors in small XML documents of one shape each: a root
with a few leaf fields (``IsTruncated``, ``NextMarker``, ``Code``…) and repeated records
(``Contents``, ``Blob``, ``Bucket``…). ``read`` pulls them out of a body incrementally, with
namespaces dropped, each text clipped, and at most ``max_records`` records kept; the number of
elements is bounded before anything is parsed, so a hostile page of a million entries costs
nothing but a count. A DTD is refused outright (entities are how XML documents grow without
bound).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ...errors import ProtocolError

MAX_TEXT = 4096  # characters kept of one element's text (an S3 key is at most 1024 bytes)
MAX_DEPTH = 16  # nesting: the deepest real answer (an Azure blob's properties) is 5
MAX_ELEMENTS = 400_000  # elements of one answer (a tree of them costs some 60 MB at most)
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


_LOCAL: dict[str, str] = {}


def _name(tag: str) -> str:
    """``local`` for the few tag names a store uses, remembered."""
    name = _LOCAL.get(tag)
    if name is None:
        name = local(tag)
        if len(_LOCAL) < 1024:
            _LOCAL[tag] = name
    return name


def read(body: bytes, records: frozenset[str], *, max_records: int) -> Doc:
    """The root, leaf fields and records (elements named in ``records``, not inside another
    record) of an XML body; ProtocolError when it is not XML, or not a bounded one."""
    head = body[:4096].lstrip()
    if not head.startswith(b"<"):
        raise ProtocolError("not XML")
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise ProtocolError("XML with a DTD refused")
    # Every element costs a "<" (two, closed): a cheap bound on the tree built below, whose
    # parsing runs in C (a page of 5,000 blobs is about 80,000 elements).
    if body.count(b"<") > 2 * MAX_ELEMENTS:
        raise ProtocolError(f"XML of over {MAX_ELEMENTS:,} elements")
    try:
        root = ET.fromstring(body)  # noqa: S314 - DTDs and entities refused above
    except ET.ParseError as exc:
        raise ProtocolError(f"invalid XML: {exc}") from None
    except LookupError as exc:  # an encoding Python has no codec for (expat's own: ParseError)
        raise ProtocolError(f"invalid XML: {exc}") from None
    doc = Doc(_name(root.tag))
    stack: list[tuple[ET.Element, int]] = [(root, 1)]
    while stack:
        elem, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ProtocolError(f"XML nested over {MAX_DEPTH} deep")
        for child in elem:
            name = _name(child.tag)
            if name in records:
                if len(doc.records) >= max_records:
                    doc.over = True
                    return doc
                fields: dict[str, str] = {}
                for leaf in child.iter():
                    if leaf is not child and len(leaf) == 0:
                        fields.setdefault(_name(leaf.tag), (leaf.text or "")[:MAX_TEXT])
                doc.records.append(Record(name, fields))
            elif len(child):
                stack.append((child, depth + 1))
            elif depth == 1:
                doc.fields.setdefault(name, (child.text or "")[:MAX_TEXT])
    return doc


def begun(body: bytes) -> Doc | None:
    """The root and the leaf fields whole in the first bytes of a body cut short (a refusal
    over the size cap, ``Response.cut``: an S3 error's ``Code`` comes before its words),
    bounded and refused as ``read`` bounds and refuses a body; None where they are not XML."""
    if not body[:4096].lstrip().startswith(b"<") or b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        return None
    if body.count(b"<") > 2 * MAX_ELEMENTS:
        return None
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    doc: Doc | None = None
    depth = 0
    try:
        parser.feed(body)
        for item in parser.read_events():
            event, elem = item[0], item[-1]
            if not isinstance(elem, ET.Element):  # only "start" and "end" were asked for
                continue
            if event == "start":
                depth += 1
                doc = doc or Doc(_name(elem.tag))
                continue
            if doc is not None and depth == 2 and len(elem) == 0:
                doc.fields.setdefault(_name(elem.tag), (elem.text or "")[:MAX_TEXT])
            depth -= 1
    except ET.ParseError:  # where the cut (or the page) stops being XML: what came before
        pass
    except LookupError:  # an encoding Python has no codec for: nothing read
        return None
    return doc
