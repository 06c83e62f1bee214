"""gzip, bzip2 and xz streams, zip and tar archives: read as they stream, output and ratio capped.

Every node takes bytes with ``feed`` and ends with ``close(cut)``. Decompression goes in steps
of at most STEP output bytes, each counted against the object's cap and this stream's ratio,
so a zip bomb stops after a bounded amount of work. Zip members are found by their local
headers, in order, so a zip cut by the byte cap (its directory is at the end) still gives
the members before the cut.
"""

from __future__ import annotations

import bz2
import lzma
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .base import READ_ERRORS, Full, Limits, MiB, Stop, reason_of

STEP = 64 * 1024  # decompressed bytes per step: what one step may cost in memory
RATIO_SLACK = 1 * MiB  # the ratio cap applies past this much output


class Node(Protocol):
    """A stage that takes bytes."""

    def feed(self, data: bytes) -> None:
        """Take the next bytes."""

    def close(self, cut: bool) -> None:
        """End of input; ``cut``: the input ends early."""


@dataclass
class Report:
    """What one file or archive member tells of itself beside its documents."""

    formats: list[str] = field(default_factory=list)  # outermost first: gzip, csv
    notes: list[str] = field(default_factory=list)  # why it was not read to its end
    truncated: bool = False


@dataclass
class Budget:
    """Decompressed bytes of the whole object, against Limits.max_output."""

    limits: Limits
    output: int = 0

    @property
    def over(self) -> bool:
        """Whether the cap was passed."""
        cap = self.limits.max_output
        return cap is not None and self.output > cap

    def spend(self, n: int) -> None:
        """Count n more decompressed bytes; Full past the cap."""
        self.output += n
        cap = self.limits.max_output
        if cap is not None and self.output > cap:
            raise Full(f"stopped at the cap of {cap // MiB} MiB of decompressed data")


_NAMES = {"gzip": "gzip", "deflate": "deflate", "bz2": "bzip2", "xz": "xz"}


class Decompress:
    """One compressed stream (gzip with its members, raw deflate, bzip2, xz) into a node."""

    def __init__(self, kind: str, down: Node, budget: Budget, report: Report) -> None:
        self.kind = kind
        self._down = down
        self._budget = budget
        self._report = report
        self._ratio = budget.limits.max_ratio
        self._zlib = kind in ("gzip", "deflate")  # zlib's API: max_length, unconsumed_tail
        self._d = self._new()
        self.input = 0
        self.output = 0
        self.eof = False  # the stream ended (raw deflate: the zip member's data is all read)
        self.unused = b""  # bytes after the end of the stream
        self._dead = False
        self._failed: Exception | None = None  # what the next node raised

    def _new(self) -> Any:  # zlib's, bz2's or lzma's decompressor
        if self.kind == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self.kind == "deflate":
            return zlib.decompressobj(-zlib.MAX_WBITS)
        if self.kind == "bz2":
            return bz2.BZ2Decompressor()
        return lzma.LZMADecompressor()

    def feed(self, data: bytes) -> None:
        """Decompress the next bytes, step by step, into the next node."""
        if self._dead or self.eof:
            return  # past the end (zeros padding a gzip file), or broken: nothing to read
        self.input += len(data)
        try:
            self._pump(data)
        except (zlib.error, OSError, EOFError, lzma.LZMAError) as exc:
            self._dead = True
            raise Stop(f"{_NAMES[self.kind]} data is corrupt ({exc})") from None
        except Stop:
            self._dead = True
            raise
        if self._failed is not None:
            # The reader after this stream failed: say so now that the stream is at rest.
            failed, self._failed = self._failed, None
            raise failed

    def _pump(self, data: bytes) -> None:
        d = self._d
        while True:
            if self._zlib:
                out = d.decompress(data, STEP)
                data = d.unconsumed_tail
                more = bool(data) or len(out) >= STEP
            else:
                out = d.decompress(data, STEP)
                data = b""
                more = not d.needs_input and not d.eof
            if out:
                self._emit(out)
            if d.eof:
                rest = d.unused_data + data
                if self.kind in ("gzip", "bz2", "xz") and rest.strip(b"\x00"):
                    d = self._d = self._new()  # concatenated streams (gzip members, pbzip2)
                    data = rest
                    continue
                self.eof = True
                self.unused = rest
                return
            if not more:
                return

    def _emit(self, out: bytes) -> None:
        self.output += len(out)
        self._budget.spend(len(out))
        # Input still waiting in zlib's tail is not counted: one big chunk buys no slack.
        used = self.input - (len(self._d.unconsumed_tail) if self._zlib else 0)
        if self.output > self._ratio * used + RATIO_SLACK:
            raise Stop(
                f"{_NAMES[self.kind]} expands more than {self._ratio}:1 (a "
                f"decompression bomb?): stopped after {self.output // MiB} MiB"
            )
        try:
            self._down.feed(out)
        except Full:
            raise
        except READ_ERRORS as exc:
            # Keep decompressing (into nothing) so the stream's end is still found.
            self._down = _Discard()
            self._failed = exc

    def detach(self) -> bool:
        """Send what follows to nowhere (its reader failed); False if the stream is broken."""
        self._down = _Discard()
        return not self._dead

    def close(self, cut: bool) -> None:
        """End of the compressed input; a stream that did not reach its end is truncated."""
        if not self.eof and not self._dead and self.input:
            if not cut:
                self._report.notes.append(
                    f"{_NAMES[self.kind]} stream ends early: the file is truncated"
                )
            self._report.truncated = True
            cut = True
        self._down.close(cut or self._dead)


# ---------------------------------------------------------------------------------------- zip

_LOCAL = b"PK\x03\x04"
_CENTRAL = (b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07")
_DESCRIPTOR = b"PK\x07\x08"
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_METHODS = {0: "stored", 8: "deflate", 12: "bz2", 14: "lzma"}

MemberOpener = Callable[[str], tuple[Node, Callable[[str], None]]]


class ZipWalk:
    """The members of a zip archive, in the order of their local headers, each into a node.

    ``open_member(name)`` returns the member's node and a function taking a note (why the
    member is not read). Encrypted members and unknown methods are listed, not read.
    """

    def __init__(self, open_member: MemberOpener, budget: Budget, report: Report) -> None:
        self._open = open_member
        self._budget = budget
        self._report = report
        self._max_members = budget.limits.max_members
        self._buf = bytearray()
        self._offset = 0  # archive offset of _buf[0], for reasons
        self._state = "header"
        self._members = 0
        self._left = 0  # compressed bytes left in the current member (known size)
        self._member: Node | None = None
        self._inflate: Decompress | None = None
        self._sized = True
        self._done = False
        self._name = ""
        self._note: Callable[[str], None] = _ignore

    def feed(self, data: bytes) -> None:
        """Take the next bytes of the archive."""
        if self._done:
            return
        self._buf += data
        while not self._done:
            step = (
                self._header()
                if self._state == "header"
                else (self._data() if self._state == "data" else self._descriptor())
            )
            if not step:
                break

    def close(self, cut: bool) -> None:
        """End of the archive's bytes: a member still open is cut."""
        if self._member is not None:
            node, self._member = self._member, None
            if self._inflate is not None:
                self._inflate.close(True)
            else:
                node.close(True)
            self._report.truncated = True
            if not cut:
                self._report.notes.append("zip ends inside a member: the file is truncated")
        elif not self._done and self._buf and not cut:
            self._report.notes.append("zip ends inside a header: the file is truncated")

    def _header(self) -> bool:
        buf = self._buf
        if len(buf) < 4:
            return False
        sig = bytes(buf[:4])
        if sig in _CENTRAL:
            self._done = True  # the central directory: every member was met
            return False
        if sig != _LOCAL:
            self._done = True
            raise Stop(f"zip: no member header at offset {self._offset}")
        if len(buf) < _LOCAL_HEADER.size:
            return False
        (_, _, flags, method, _, _, _, csize, usize, nlen, xlen) = _LOCAL_HEADER.unpack_from(buf)
        end = _LOCAL_HEADER.size + nlen + xlen
        if len(buf) < end:
            return False
        raw = bytes(buf[_LOCAL_HEADER.size : _LOCAL_HEADER.size + nlen])
        name = raw.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
        extra = bytes(buf[_LOCAL_HEADER.size + nlen : end])
        if csize == 0xFFFFFFFF or usize == 0xFFFFFFFF:
            csize = _zip64_size(extra, usize, csize)
        self._consume(end)
        sized = not flags & 0x08
        self._sized = sized
        self._left = csize
        folder = name.endswith("/")
        node: Node = _Discard()
        if not folder:
            self._members += 1
            if self._members > self._max_members:
                self._done = True
                raise Stop(f"zip holds more than {self._max_members} members: the rest not read")
            node, note = self._open(name)
            self._name, self._note = name, note
            why = ("encrypted, not read" if flags & 0x01 else None) or (
                None
                if method in (0, 8, 12)
                else f"compression method {_METHODS.get(method, method)} not supported, not read"
            )
            if why is not None:
                note(why)
                node = _Discard()
        readable = method in (8, 12) and not flags & 0x01
        if not sized and not readable and not (folder and method == 0):
            # Without sizes, a member's end is found only by inflating it.
            self._done = True
            raise Stop(
                f"zip: member {name!r} without its size cannot be skipped: the rest not read"
            )
        self._member = node
        self._inflate = None
        if readable and (not sized or not isinstance(node, _Discard)):
            kind = "deflate" if method == 8 else "bz2"
            self._inflate = Decompress(kind, node, self._budget, self._report)
        self._state = (
            "data"
            if (sized and csize) or self._inflate is not None
            else ("header" if sized else "descriptor")
        )
        return True

    def _data(self) -> bool:
        node = self._member
        assert node is not None
        target: Node = self._inflate if self._inflate is not None else node
        if self._sized:
            take = min(self._left, len(self._buf))
            chunk = bytes(self._buf[:take])
            self._consume(take)
            self._left -= take
            self._guarded(target, chunk)
            if self._left:
                return False
            self._end_member()
            self._state = "header"
            return True
        inflate = self._inflate
        assert inflate is not None
        chunk = bytes(self._buf)
        self._consume(len(chunk))
        self._guarded(inflate, chunk)
        if not inflate.eof:
            return False
        # The deflate stream ended: what follows it is the data descriptor, then a header.
        self._buf[:0] = inflate.unused
        self._offset -= len(inflate.unused)
        self._end_member()
        self._state = "descriptor"
        return True

    def _guarded(self, target: Node, chunk: bytes | None) -> None:
        """Feed (or, with None, end) one member; a member that fails ends alone, noted."""
        if isinstance(self._member, _Discard) and self._inflate is None:
            return  # listed only: its bytes are skipped
        try:
            if chunk is None:
                target.close(False)
            else:
                target.feed(chunk)
        except Full:
            raise
        except READ_ERRORS as exc:
            if not isinstance(self._member, _Discard):
                self._note(reason_of(exc))
            self._member = _Discard()
            inflate = self._inflate
            alive = inflate is not None and inflate.detach()
            if inflate is not None and chunk is not None and not alive and not self._sized:
                # The stream itself is broken: where this member ends, and the next starts,
                # cannot be found.
                self._done = True
                raise Stop(f"zip: member {self._name!r} is corrupt: the rest not read") from None
            if inflate is not None and self._sized:
                self._inflate = None  # its bytes are skipped by count

    def _end_member(self) -> None:
        target: Node | None = self._inflate if self._inflate is not None else self._member
        if target is not None:
            self._guarded(target, None)
        self._member, self._inflate = None, None

    def _descriptor(self) -> bool:
        buf = self._buf
        if len(buf) < 28:
            return False
        # With or without its signature, with 32- or 64-bit sizes: take the length after
        # which the next member's header (or the central directory) starts.
        start = 4 if buf[:4] == _DESCRIPTOR else 0
        for length in (start + 12, start + 20):
            nxt = bytes(buf[length : length + 4])
            if nxt == _LOCAL or nxt in _CENTRAL:
                self._consume(length)
                self._state = "header"
                return True
        self._consume(start + 12)
        self._state = "header"
        return True

    def _consume(self, n: int) -> None:
        del self._buf[:n]
        self._offset += n


def _zip64_size(extra: bytes, usize: int, csize: int) -> int:
    """The compressed size from a zip64 extra field (its order: sizes present, usize first)."""
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + size]
        if tag == 0x0001:
            values = [struct.unpack_from("<Q", body, i)[0] for i in range(0, len(body) - 7, 8)]
            if usize == 0xFFFFFFFF and values:
                values.pop(0)
            if csize == 0xFFFFFFFF and values:
                return int(values[0])
            return csize
        pos += 4 + size
    return csize


class _Discard:
    """A node that takes bytes and does nothing: members listed, not read."""

    def feed(self, data: bytes) -> None:
        """Drop the bytes."""

    def close(self, cut: bool) -> None:
        """Nothing to end."""


# ---------------------------------------------------------------------------------------- tar

_BLOCK = 512


class TarWalk:
    """The regular files of a tar archive (ustar, GNU long names, pax paths), each into a node."""

    def __init__(self, open_member: MemberOpener, limits: Limits, report: Report) -> None:
        self._open = open_member
        self._report = report
        self._max_members = limits.max_members
        self._buf = bytearray()
        self._members = 0
        self._left = 0  # data bytes left in the current entry
        self._pad = 0  # padding after it
        self._node: Node | None = None
        self._long_name: str | None = None
        self._collect: bytearray | None = None  # a GNU long name or pax header's data
        self._collect_kind = ""
        self._done = False
        self._note: Callable[[str], None] = _ignore

    def feed(self, data: bytes) -> None:
        """Take the next bytes of the archive."""
        if self._done:
            return
        self._buf += data
        while not self._done and self._step():
            pass

    def close(self, cut: bool) -> None:
        """End of the archive's bytes: a member still open is cut."""
        if self._node is not None:
            self._node.close(True)
            self._node = None
            self._report.truncated = True
            if not cut:
                self._report.notes.append("tar ends inside a member: the file is truncated")

    def _step(self) -> bool:
        buf = self._buf
        if self._left or self._pad:
            take = min(self._left, len(buf))
            if take:
                chunk = bytes(buf[:take])
                del buf[:take]
                self._left -= take
                if self._collect is not None:
                    if len(self._collect) < 64 * 1024:
                        self._collect += chunk
                elif self._node is not None:
                    self._guarded(chunk)
            if self._left:
                return False
            if self._pad:
                take = min(self._pad, len(buf))
                del buf[:take]
                self._pad -= take
                if self._pad:
                    return False
            self._end_entry()
            return True
        if len(buf) < _BLOCK:
            return False
        block = bytes(buf[:_BLOCK])
        del buf[:_BLOCK]
        if block == b"\x00" * _BLOCK:
            return True  # end-of-archive blocks (two), or padding
        size = _tar_size(block[124:136])
        if size is None:
            self._done = True
            raise Stop("tar: a header with a bad size: the rest not read")
        kind = block[156:157]
        name = _cstr(block[0:100])
        if block[257:262] == b"ustar" and block[345:346] != b"\x00":
            name = _cstr(block[345:500]) + "/" + name
        if self._long_name is not None:
            name, self._long_name = self._long_name, None
        self._left, self._pad = size, (-size) % _BLOCK
        self._collect = None
        self._node = None
        if kind in (b"L", b"x"):
            self._collect, self._collect_kind = bytearray(), kind.decode()
        elif kind in (b"0", b"\x00", b"7"):
            self._members += 1
            if self._members > self._max_members:
                self._done = True
                raise Stop(f"tar holds more than {self._max_members} files: the rest not read")
            self._node, self._note = self._open(name)
        return True

    def _guarded(self, chunk: bytes | None) -> None:
        """Feed (or, with None, end) one member; a member that fails ends alone, noted."""
        node = self._node
        if node is None:
            return
        try:
            if chunk is None:
                node.close(False)
            else:
                node.feed(chunk)
        except Full:
            raise
        except READ_ERRORS as exc:
            self._note(reason_of(exc))
            self._node = _Discard()

    def _end_entry(self) -> None:
        if self._collect is not None:
            data = bytes(self._collect)
            self._collect = None
            if self._collect_kind == "L":
                self._long_name = _cstr(data)
            else:
                self._long_name = _pax_path(data) or self._long_name
        self._guarded(None)
        self._node = None


def _cstr(raw: bytes) -> str:
    return raw.split(b"\x00", 1)[0].decode("utf-8", errors="replace")


def _tar_size(field_: bytes) -> int | None:
    if field_[:1] == b"\x80":  # GNU base-256 for sizes past 8 GiB
        return int.from_bytes(field_[1:], "big")
    text = field_.split(b"\x00", 1)[0].strip()
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        return None


def _pax_path(data: bytes) -> str | None:
    """The path= record of a pax extended header ("<len> path=<value>\\n" records)."""
    for record in data.split(b"\n"):
        _, _, kv = record.partition(b" ")
        key, sep, value = kv.partition(b"=")
        if sep and key == b"path":
            return value.decode("utf-8", errors="replace")
    return None


def _ignore(note: str) -> None:
    """No member open: nothing to note."""
