"""A small document model — headings, paragraphs, lists, tables, blanks to fill — and its
Markdown and HTML renderings.

Drafts and assessments are written once as blocks and rendered to either format. Text comes
in kinds: plain ``str`` is leakhound's own prose; ``Target`` is text a scanned server chose
(index names, URLs), neutralised and escaped for the format; ``Fill`` is a blank only the
data's owner can fill, shown as ``[[TO FILL: …]]``. HTML escapes everything, always.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..redact import neutralize

FILL_MARK = "[[TO FILL: {}]]"

# The Content-Security-Policy of every HTML page leakhound writes: no script, no fetch, no
# external asset; inline styles and data: images only.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@dataclass(frozen=True, slots=True)
class Target:
    """Text from a scanned server: never trusted, always escaped."""

    text: str


@dataclass(frozen=True, slots=True)
class Fill:
    """A blank for the data's owner: what only they know."""

    prompt: str


@dataclass(frozen=True, slots=True)
class Strong:
    """Emphasised prose."""

    text: str


@dataclass(frozen=True, slots=True)
class Code:
    """An identifier (entity type, command), shown as code."""

    text: str


Inline = str | Target | Fill | Strong | Code
Text = Inline | tuple["Text", ...]  # nested tuples are flattened


@dataclass(frozen=True, slots=True)
class Heading:
    """A section title; level 1 is the document's title."""

    text: Text
    level: int = 2


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph."""

    text: Text


@dataclass(frozen=True, slots=True)
class Bullets:
    """A list."""

    items: tuple[Text, ...]
    ordered: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A table with a header row."""

    header: tuple[str, ...]
    rows: tuple[tuple[Text, ...], ...]


@dataclass(frozen=True, slots=True)
class Note:
    """A highlighted remark (a warning, an instruction to the editor of a draft)."""

    text: Text


Block = Heading | Para | Bullets | Table | Note


def fill(prompt: str) -> Fill:
    """A blank to fill."""
    return Fill(prompt)


def _parts(text: Text) -> list[Inline]:
    if not isinstance(text, tuple):
        return [text]
    return [p for t in text for p in _parts(t)]


# ---------------------------------------------------------------- Markdown

# Inline markup: emphasis, code, links and images (brackets), raw HTML, table cells, strike.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
# Markup that only counts at the start of a line: headings, lists, quotes, setext rules.
_MD_LINE_START = re.compile(r"^([#+\-=])")
_MD_ORDERED = re.compile(r"^(\d+)([.)])")


def md_escape(text: str) -> str:
    """Target-controlled text made inert in Markdown: controls shown, markup escaped."""
    flat = " ".join(neutralize(text).split())
    flat = _MD_SPECIAL.sub(r"\\\1", flat)
    return _MD_ORDERED.sub(r"\1\\\2", _MD_LINE_START.sub(r"\\\1", flat))


def _md_inline(text: Text, *, cell: bool = False) -> str:
    out = []
    for p in _parts(text):
        if isinstance(p, Target):
            out.append(md_escape(p.text))  # pipes already escaped
            continue
        if isinstance(p, Fill):
            piece = FILL_MARK.format(p.prompt)
        elif isinstance(p, Strong):
            # "**Type: **" is not emphasis in CommonMark: keep outer spaces outside.
            core = p.text.strip()
            piece = (
                p.text[: len(p.text) - len(p.text.lstrip())]
                + f"**{core}**"
                + p.text[len(p.text.rstrip()) :]
            )
        elif isinstance(p, Code):
            piece = f"`{p.text.replace('`', '')}`"
        else:
            piece = p
        if cell:
            piece = " ".join(piece.split()).replace("|", "\\|")
        out.append(piece)
    return "".join(out)


def to_markdown(blocks: Iterable[Block]) -> str:
    """The blocks as a Markdown document."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out += ["#" * b.level + " " + _md_inline(b.text), ""]
        elif isinstance(b, Para):
            out += [_md_inline(b.text), ""]
        elif isinstance(b, Note):
            out += ["> " + _md_inline(b.text).replace("\n", "\n> "), ""]
        elif isinstance(b, Bullets):
            for n, item in enumerate(b.items, 1):
                mark = f"{n}." if b.ordered else "-"
                out.append(f"{mark} {_md_inline(item)}")
            out.append("")
        elif isinstance(b, Table):
            out.append("| " + " | ".join(b.header) + " |")
            out.append("|" + "---|" * len(b.header))
            for row in b.rows:
                out.append("| " + " | ".join(_md_inline(c, cell=True) for c in row) + " |")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------- HTML


def h(text: str) -> str:
    """HTML-escaped text with control characters shown, not passed through."""
    return html.escape(neutralize(text, keep_newlines=True), quote=True)


def _html_inline(text: Text) -> str:
    out = []
    for p in _parts(text):
        if isinstance(p, Target):
            out.append(f'<span class="target">{h(p.text)}</span>')
        elif isinstance(p, Fill):
            out.append(f'<mark class="fill">{h(FILL_MARK.format(p.prompt))}</mark>')
        elif isinstance(p, Strong):
            out.append(f"<strong>{h(p.text)}</strong>")
        elif isinstance(p, Code):
            out.append(f"<code>{h(p.text)}</code>")
        else:
            out.append(h(p))
    return "".join(out)


def to_html_body(blocks: Iterable[Block]) -> str:
    """The blocks as HTML elements (no page around them)."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            level = max(1, min(6, b.level))
            out.append(f"<h{level}>{_html_inline(b.text)}</h{level}>")
        elif isinstance(b, Para):
            out.append(f"<p>{_html_inline(b.text)}</p>")
        elif isinstance(b, Note):
            out.append(f'<aside class="note"><p>{_html_inline(b.text)}</p></aside>')
        elif isinstance(b, Bullets):
            tag = "ol" if b.ordered else "ul"
            items = "".join(f"<li>{_html_inline(i)}</li>" for i in b.items)
            out.append(f"<{tag}>{items}</{tag}>")
        elif isinstance(b, Table):
            head = "".join(f'<th scope="col">{h(c)}</th>' for c in b.header)
            rows = "".join(
                "<tr>" + "".join(f"<td>{_html_inline(c)}</td>" for c in row) + "</tr>"
                for row in b.rows
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return "\n".join(out)


_PAGE_CSS = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;
color:#1c2430;max-width:46rem;margin:2rem auto;padding:0 1.2rem}
h1{font-size:1.6rem;line-height:1.25}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #d8dde4;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;font-size:.92rem;margin:.6rem 0}
th,td{border:1px solid #d8dde4;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f4f7}code{font-size:.9em;background:#f2f4f7;padding:0 .2em;border-radius:3px}
.target{overflow-wrap:anywhere}
mark.fill{background:#fff1b8;padding:0 .2em}
aside.note{border-left:4px solid #c7882b;background:#fdf6ea;padding:.1rem .9rem;margin:1rem 0}
@media print{body{margin:0;max-width:none}aside.note{break-inside:avoid}}
"""


def to_html_page(title: str, blocks: Sequence[Block], *, lang: str = "en") -> str:
    """A standalone HTML page: no script, no external asset, a strict CSP."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{h(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{h(title)}</title>\n<style>{_PAGE_CSS}</style>\n</head>\n<body>\n"
        f"{to_html_body(blocks)}\n</body>\n</html>\n"
    )
