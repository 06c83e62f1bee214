"""How MySQL's lexer splits a statement, as far as quoting goes: enough to prove that a name
stays one identifier and that nothing (a comment, a string, a ``;``) starts outside it."""

from __future__ import annotations

Token = tuple[str, str]


def tokens(sql: str) -> list[Token]:
    """(kind, text) tokens: ident (backtick-quoted, unquoted), hex, string, comment, semicolon,
    word, punct. ValueError for an unterminated quote."""
    out: list[Token] = []
    i = 0
    while i < len(sql):
        c = sql[i]
        if c.isspace():
            i += 1
        elif c == "`":
            name, i = _quoted(sql, i, "`")
            out.append(("ident", name))
        elif sql.startswith(("X'", "x'"), i):
            text, i = _quoted(sql, i + 1, "'")
            out.append(("hex", text))
        elif c in "'\"":
            text, i = _quoted(sql, i, c)
            out.append(("string", text))
        elif sql.startswith(("/*", "--", "#"), i):
            out.append(("comment", sql[i:]))
            break
        elif c == ";":
            out.append(("semicolon", c))
            i += 1
        elif c.isalnum() or c in "_@$":
            j = i
            while j < len(sql) and (sql[j].isalnum() or sql[j] in "_@$."):
                j += 1
            out.append(("word", sql[i:j]))
            i = j
        else:
            out.append(("punct", c))
            i += 1
    return out


def _quoted(sql: str, start: int, quote: str) -> tuple[str, int]:
    """The text between ``quote`` at ``start`` and its end (a doubled quote is one character)."""
    parts, j = [], start + 1
    while True:
        k = sql.find(quote, j)
        if k < 0:
            raise ValueError(f"unterminated {quote}")
        parts.append(sql[j:k])
        if sql[k + 1 : k + 2] == quote:
            parts.append(quote)
            j = k + 2
            continue
        return "".join(parts), k + 1


def idents(sql: str) -> list[str]:
    """The backtick-quoted identifiers of a statement, in order."""
    return [text for kind, text in tokens(sql) if kind == "ident"]
