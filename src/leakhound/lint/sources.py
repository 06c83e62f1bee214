"""Parsers that keep line numbers: YAML (PyYAML node marks), JSON (the stdlib scanner), INI.

Every linter reports the exact line of what it flags, so each parser hands back containers that
remember where their entries start: ``Located`` mappings (``.line``, ``.lines[key]``) and
``LocatedList`` sequences (``.line``, ``.lines[i]``). A file that cannot be parsed raises
``ConfigSyntaxError`` with a one-line reason and the line it points at.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 10 * 1024 * 1024  # a configuration file larger than this is not a configuration


class ConfigSyntaxError(ValueError):
    """A file that does not parse: one-line reason, 1-based line (0 when unknown)."""

    def __init__(self, reason: str, line: int = 0) -> None:
        super().__init__(reason)
        self.reason = " ".join(reason.split())
        self.line = line


class Located(dict[Any, Any]):
    """A mapping that knows its own line and the line of each key."""

    line: int

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        """The line of ``key`` (the mapping's own line when the key is absent)."""
        return self.lines.get(key, self.line)


class LocatedList(list[Any]):
    """A sequence that knows its own line and the line of each item."""

    line: int

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []

    def line_of(self, index: int) -> int:
        """The line of item ``index``."""
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


def child(node: Any, key: Any) -> Located:
    """``node[key]`` when it is a mapping, else an empty one at the node's line."""
    value = node.get(key) if isinstance(node, dict) else None
    if isinstance(value, Located):
        return value
    return Located(getattr(node, "line", 0))


def line_of(container: object, key: Any, default: int = 0) -> int:
    """The line of ``key`` in a located container, or ``default``."""
    if isinstance(container, Located | LocatedList):
        return container.line_of(key)
    return default


def real_path(path: Path) -> Path:
    """A path with its symbolic links followed, even through a loop of links (where
    ``Path.resolve`` raises RuntimeError before Python 3.13): reading it then fails with an
    OSError, which is reported as unreadable."""
    return Path(os.path.realpath(path))


def decode(data: bytes) -> str:
    """File bytes as text (UTF-8, a BOM dropped; at most ``MAX_BYTES``, as
    ``inputs.read_bytes`` reads them); ConfigSyntaxError for binary files."""
    if b"\x00" in data[:8192]:
        raise ConfigSyntaxError("binary file (NUL bytes), not a configuration file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigSyntaxError(f"not UTF-8 text (byte {exc.start})", line) from None


# YAML ----------------------------------------------------------------------------------------

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    """PyYAML's safe loader, building Located/LocatedList from node marks."""


def _construct_map(loader: Any, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)  # resolves "<<" merge keys the way the safe loader does
    out = Located(node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool | type(None)):
            key = str(key)  # a complex key ("? [a, b]") cannot index a dict; keep its text
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _construct_seq(loader: Any, node: yaml.SequenceNode) -> LocatedList:
    out = LocatedList(node.start_mark.line + 1)
    for item in node.value:
        out.append(loader.construct_object(item, deep=True))
        out.lines.append(item.start_mark.line + 1)
    return out


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
# Timestamps stay text: a config's dates are not what is linted, and datetime objects would
# only get in the way of string comparisons.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Base.construct_yaml_str)


def load_yaml_all(text: str) -> list[Any]:
    """Every document of a (multi-document) YAML text, with lines; empty documents dropped."""
    try:
        docs = [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        line = mark.line + 1 if mark else 0
        raise ConfigSyntaxError(f"invalid YAML: {problem}", line) from None
    except (yaml.YAMLError, RecursionError, TypeError, ValueError) as exc:
        raise ConfigSyntaxError(f"invalid YAML: {exc}") from None
    return docs


# JSON ----------------------------------------------------------------------------------------


# The stdlib's pure-Python object and array parsers (not in its type stubs).
_JSON_OBJECT: Any = getattr(json.decoder, "JSONObject")  # noqa: B009
_JSON_ARRAY: Any = getattr(json.decoder, "JSONArray")  # noqa: B009


class _LineIndex:
    """Offset → 1-based line, by bisecting the offsets of line starts."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)


def load_json(text: str) -> Any:
    """A JSON document with Located/LocatedList containers (lines of objects, keys, items)."""
    index = _LineIndex(text)
    decoder = json.JSONDecoder()

    def recording(scan_once: Callable[[str, int], tuple[Any, int]], starts: list[int]) -> Any:
        def scan(s: str, idx: int) -> tuple[Any, int]:
            starts.append(idx)
            return scan_once(s, idx)

        return scan

    def parse_object(s_and_end: tuple[str, int], strict: bool, scan_once: Any, *rest: Any) -> Any:
        end = s_and_end[1]
        starts: list[int] = []
        pairs, after = _JSON_OBJECT(
            s_and_end, strict, recording(scan_once, starts), None, list, *rest[2:]
        )
        out = Located(index.line(end - 1))
        for (key, value), start in zip(pairs, starts, strict=False):
            out[key] = value
            out.lines[key] = index.line(start)
        return out, after

    def parse_array(s_and_end: tuple[str, int], scan_once: Any) -> Any:
        _, end = s_and_end
        starts: list[int] = []
        values, after = _JSON_ARRAY(s_and_end, recording(scan_once, starts))
        out = LocatedList(index.line(end - 1))
        out.extend(values)
        out.lines.extend(index.line(s) for s in starts)
        return out, after

    # The pure-Python scanner reads its parsers from the decoder; the C one cannot be hooked.
    hooked: Any = decoder
    hooked.parse_object = parse_object
    hooked.parse_array = parse_array
    hooked.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        return decoder.decode(text)
    except json.JSONDecodeError as exc:
        reason = f"invalid JSON: {exc.msg} (column {exc.colno})"
        raise ConfigSyntaxError(reason, exc.lineno) from None
    except RecursionError:
        raise ConfigSyntaxError("invalid JSON: nested too deeply") from None


# INI-like files (my.cnf, CouchDB's local.ini) -------------------------------------------------


@dataclass(frozen=True)
class IniEntry:
    """One ``key = value`` (or bare ``key``) line of an INI-like file."""

    section: str
    key: str
    value: str | None
    line: int


_SECTION = re.compile(r"^\[([^\]]*)\]\s*(?:[#;].*)?$")


def ini_entries(text: str, *, bare_keys: bool) -> Iterator[IniEntry]:
    """The entries of an INI-like text, section names and keys lower-cased.

    ``bare_keys``: a line without ``=`` is an option without value (MySQL's ``skip-networking``);
    otherwise such a line is a syntax error. ``!include`` lines and comments are skipped.
    """
    section = ""
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;" or line.startswith("!include"):
            continue
        if line.startswith("["):
            m = _SECTION.match(line)
            if not m:
                raise ConfigSyntaxError(f"unclosed section header {line[:40]!r}", n)
            section = m.group(1).strip().lower()
            continue
        key, sep, value = line.partition("=")
        if not sep:
            if not bare_keys:
                raise ConfigSyntaxError(f"expected 'key = value', got {line[:40]!r}", n)
            yield IniEntry(section, key.strip().lower(), None, n)
            continue
        yield IniEntry(section, key.strip().lower(), _unquote(value.strip()), n)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    for mark in (" #", "\t#", " ;", "\t;"):  # an inline comment after the value
        value = value.split(mark, 1)[0]
    return value.strip()
