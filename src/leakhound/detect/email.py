"""E-mail addresses, plain and obfuscated ("jane at example dot com", "jane[at]example.com")."""

from __future__ import annotations

import re
from typing import ClassVar

from .base import Detector, Field, Span
from .context import clamp, near, words_before, wordset
from .gate import Literals

ENTITY = "EMAIL_ADDRESS"

# Where a marker can start, found as plain strings in the lower-cased text: far cheaper
# than scanning the whole string with a regex, and most strings contain none of them.
_NEEDLES = ("@", "%40", " at ", "\tat", "[at", "(at", "{at", "<at", "[ at", "( at", "{ at", "< at")
_NEEDLE_FINDER = Literals(_NEEDLES)  # all of them in one pass where Hyperscan is there
# Lower case for the needles' letters only, which keeps every offset where it was.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

# The ways people write "@": the sign itself (maybe spaced: "jane @ example.com"), its
# URL encoding in query strings, the word in brackets ("[at]", "(at)", "{at}", "<at>"),
# and the bare word between spaces ("jane at example dot com").
_MARKER = re.compile(
    r"""
      (?P<sign>[ \t]?@[ \t]?)
    | (?P<pct>%40)
    | (?P<bracket>[ \t]?[\[({<][ \t]?at[ \t]?[\])}>][ \t]?)
    | (?P<word>[ \t]+at[ \t]+)
    """,
    re.IGNORECASE | re.VERBOSE,
)

# The local part, ending right before the marker: dot-atoms ("jane.doe", "j_doe+tag"),
# possibly with the dot obfuscated too ("jane dot doe at …"). It is matched on the
# reversed text just before the marker, anchored, so the regex never scans the string
# (the words are spelled backwards: "tod" is "dot", brackets face the other way). The
# final look-ahead is a look-behind in reading order: a local part does not start in the
# middle of a word.
_LOCAL_REVERSED = re.compile(
    r"""
    [\w%+\-]+
    (?:(?:\.|[ \t]+tod[ \t]+|[ \t]?[\])}>][ \t]?tod[ \t]?[\[({<][ \t]?)[\w%+\-]+)*
    (?![\w.%+\-])
    """,
    re.IGNORECASE | re.VERBOSE,
)
# A character that may continue a local part: one right before a 64-character window
# means the local part is longer than the window and so not an address.
_LOCAL_CHARS = re.compile(r"[\w.%+\-]")
# The spelled-out dots of a local part ("jane dot doe", "jane[dot]doe"), turned back
# into "." for the normalized address.
_LOCAL_DOT = re.compile(r"[ \t]+dot[ \t]+|[ \t]?[\[({<][ \t]?dot[ \t]?[\])}>][ \t]?", re.I)
# What each of its forms holds: a space or tab, or an opening bracket.
_DOT_MARKS = frozenset(" \t[({<")
_LOCAL_MAX = 64  # RFC 5321 limit; also bounds how far back the search looks

# One domain label (letters, digits, inner hyphens; any script for IDNs, and their ASCII
# form, "xn--" and Punycode: "xn--bcher-kva" is "bücher").
_LABEL = re.compile(r"[^\W_](?:[\w\-]{0,61}[^\W_])?")
_ACE_PREFIX = "xn--"  # an IDN label's ASCII form starts so (RFC 5890's A-label)

# What may stand between two labels: a dot (maybe spaced: "example . com"), the word in
# brackets ("[dot]", "(dot)"), the bare word ("example dot com"), or a lone space, which
# only counts once, after a real "@" and before a well-known TLD ("jane @example com").
_DOT = re.compile(
    r"""
      (?P<dot>[ \t]*\.[ \t]*)
    | (?P<bracket>[ \t]?[\[({<][ \t]?dot[ \t]?[\])}>][ \t]?)
    | (?P<word>[ \t]+dot[ \t]+)
    | (?P<space>[ \t])
    """,
    re.IGNORECASE | re.VERBOSE,
)

# Top-level domains accepted in obfuscated forms, where anything else is likely prose.
_GENERIC_TLDS = wordset(
    "com net org edu gov mil int info biz name pro aero coop museum mobi io co ai app dev "
    "xyz online site tech store shop cloud email mail live me tv cc eu asia"
)
_COUNTRY_TLDS = wordset(
    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo "
    "br bs bt bw by bz ca cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do "
    "dz ec ee eg er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs "
    "gt gu gw gy hk hm hn hr ht hu id ie il im in iq ir is it je jm jo jp ke kg kh ki km kn "
    "kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq "
    "mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl "
    "pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st "
    "sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve "
    "vg vi vn vu wf ws ye yt za zm zw"
)
_KNOWN_TLDS = _GENERIC_TLDS | _COUNTRY_TLDS
# After a space standing for a dot, only TLDs that are not also English words.
_SPACE_TLDS = wordset(
    "com net org edu gov io de fr es nl uk ru cn jp br ch se dk fi pl cz pt gr ie au ca info biz eu"
)
# Second-level labels under a country's TLD ("co.uk", "com.au", "ac.jp"), and how a country
# code follows one when spaces stand for the dots: "jane @example co uk".
_SECOND_LEVELS = wordset("co com org net ac gov edu ne or")
_COUNTRY_AFTER_SPACE = re.compile(r"[ \t]([A-Za-z]{2})\b")
# "icon@2x.png", "logo@3x.webp": asset names, not mailboxes.
_FILE_EXTENSIONS = wordset(
    "png jpg jpeg gif svg webp ico bmp tif tiff css js mjs ts map json xml txt log zip gz "
    "tgz pdf html htm md py rb java class jar so dll exe woff woff2 ttf eot mp3 mp4 mov"
)
# A value an SQL server can tell, by itself, is one address this detector reads whole and
# counts as the value lower-cased (``models.StoreDistinct.folded``, the people's lower end):
# a POSIX regular expression MySQL, MariaDB and PostgreSQL read alike (no backslash: MySQL's
# string literals escape with it). Narrower than ``find``, never wider: ASCII, no "%" (its
# "%40" is a marker), a local part of at most 64 characters (``_LOCAL_MAX``), labels of
# letters, digits and inner hyphens (at most 63 each), at most 8 of them (``_domain``), a
# TLD of two letters or more. ``NOT_ONE_ADDRESS``, matched against the value lower-cased,
# leaves out what that shape still lets through: a control character (ICU's and PCRE's "$"
# also match before a final line break), two dots in a row or one before "@", an IDN (its
# Unicode form is counted: "xn--bcher-kva" is "bücher") and a file's name ("icon@2x.png").
ONE_ADDRESS = (
    "^[A-Za-z0-9_+-][A-Za-z0-9_.+-]{0,63}@"
    "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    "([.][A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?){0,6}"
    "[.][A-Za-z]{2,63}$"
)
NOT_ONE_ADDRESS = "[[:cntrl:]]|[.][.]|[.]@|xn--|[.](" + "|".join(sorted(_FILE_EXTENSIONS)) + ")$"
# Words that often precede a plain " at ": "look at example.com", "logged at noon".
_WORD_AT_STOP = wordset(
    """look looks looked looking arrive arrived arriving meet meeting met logged log stay
    stayed staying work works worked working is was are be been were me us you him her them
    it we they i here there available hosted online located live lives living find found see
    seen visit visited visiting go went stop stopped signed sign shop shopping buy bought
    order ordered download downloaded read check checked checkout started start starting
    ended end ending failed fail crashed died born posted published updated created
    deployed running run ran sent received hit hits point points aimed aim good bad best
    better great fine ok okay up down back in out off on now just only even still tomorrow
    today tonight yesterday noon midnight home office desk least most all once"""
)
_CONTEXT_UP = frozenset({"email", "mail", "contact", "reach", "write", "courriel", "mailto"})
# Words that let a country TLD which is also an English word (Italy's "it", Austria's "at",
# Belgium's "be") follow a space standing for a dot: "write to gianni @libero it", "my
# address is anna @gmx at". Without one, "thanks @john it works" is prose.
# What people write before their address in the seven locales' languages: "write to",
# "reply to", "my address" (écrivez, répondez; schreiben, antworten; escríbanme,
# respondan, dirección, correo; scrivetemi, rispondete; schrijf, antwoord, mail me).
_SPACE_TLD_CUES = _CONTEXT_UP | frozenset(
    {
        *("address", "addr", "adresse", "indirizzo", "adres", "reply", "send", "cc"),
        *("écrire", "écrivez", "écrivez-moi", "répondez", "répondre", "envoyez"),
        *("schreiben", "antworten", "senden", "schicken"),
        *("escríbanme", "escribir", "escriba", "respondan", "responder", "dirección"),
        *("correo", "envíen"),
        *("scrivetemi", "scrivere", "scrivete", "rispondete", "rispondere", "inviate"),
        *("schrijf", "schrijven", "antwoord", "antwoorden", "mailen", "stuur"),
    }
)


class EmailDetector(Detector):
    """EMAIL_ADDRESS in plain and obfuscated forms; normalized to a lower-case address."""

    id: ClassVar[str] = "email"
    entities: ClassVar[frozenset[str]] = frozenset({ENTITY})

    def find(self, text: str, field: Field) -> list[Span]:
        """E-mail addresses in ``text``."""
        found = _NEEDLE_FINDER.starts(text)
        if found is None:
            low = text.lower()
            if len(low) != len(text):  # "İ" lower-cases to two characters
                low = text.translate(_ASCII_LOWER)
            found = []
            for needle in _NEEDLES:
                i = low.find(needle)
                while i != -1:
                    found.append(i)
                    i = low.find(needle, i + 1)
        if not found:
            return []
        starts = {i - 1 if i and text[i - 1] in " \t" else i for i in found}
        spans: list[Span] = []
        last_end = 0
        for start in sorted(starts):
            if start < last_end:
                continue
            m = _MARKER.match(text, start) or _MARKER.match(text, start + 1)
            if m is None:
                continue
            span = self._at_marker(text, m)
            if span is not None:
                spans.append(span)
                last_end = span.end
        return spans

    def _at_marker(self, text: str, m: re.Match[str]) -> Span | None:
        kind = m.lastgroup
        assert kind is not None
        # The domain first: anchored and cheap, and prose ("at the office") fails here.
        labels, seps, ends = _domain(text, m.end(), kind == "sign")
        if len(labels) < 2 or (kind != "sign" and seps[0] == "space"):
            return None
        local_start = _local_start(text, m.start())
        if local_start is None:
            return None
        local_raw = text[local_start : m.start()]
        # A spelled-out dot needs a space, a tab or an opening bracket: most local parts
        # have none, and are not searched.
        local_obfuscated = (
            not _DOT_MARKS.isdisjoint(local_raw) and _LOCAL_DOT.search(local_raw) is not None
        )
        local = (_LOCAL_DOT.sub(".", local_raw) if local_obfuscated else local_raw).lower()
        if local.startswith(".") or local.endswith(".") or ".." in local:
            return None
        if kind == "word" and local in _WORD_AT_STOP:
            return None
        if (
            local_start
            and text[local_start - 1] == ":"
            and "://" in text[max(0, local_start - 80) : local_start]
        ):
            return None  # scheme://user:password@host — credentials, secret.py's

        spaced_marker = m.group() != m.group().strip()
        plain = kind == "sign" and not spaced_marker
        # Longest run of labels that ends on an acceptable TLD.
        for n in range(len(labels), 1, -1):
            used = seps[: n - 1]
            tld = labels[n - 1].lower()
            # An internationalised TLD in its ASCII form ("xn--p1ai" is ".рф") is no word
            # of prose in any language: as good as a known TLD in every form.
            idn_tld = tld.startswith(_ACE_PREFIX) and _is_idn_tld(tld)
            if not idn_tld and (not tld.isalpha() or len(tld) < 2):
                continue
            all_dots = used.count("dot") == len(used)
            if "space" in used:
                if kind != "sign" or not (
                    idn_tld
                    or tld in _SPACE_TLDS
                    or (tld in _COUNTRY_TLDS and _cued(text, local_start))
                ):
                    continue
                if used.count("space") == 2 and not (  # "@example co uk" as for "co"
                    labels[n - 2].lower() in _SPACE_TLDS or _cued(text, local_start)
                ):
                    continue
            elif plain and all_dots and not local_obfuscated:
                if tld in _FILE_EXTENSIONS:
                    continue
            elif not idn_tld and tld not in _KNOWN_TLDS:
                continue
            break
        else:
            return None

        if plain and all_dots and not local_obfuscated:
            score = 0.95
        elif kind == "pct" and all_dots:
            score = 0.9
        elif kind == "word" and all_dots:
            # "jane at example.com" — or "look at example.com": half a signal.
            score = 0.55
        elif kind == "word":
            score = 0.75
        elif "space" in used:
            score = 0.7
        else:
            score = 0.85
        if near(words_before(text, local_start), _CONTEXT_UP):
            score += 0.1
        domain = ".".join(labels[:n]).lower()
        if _ACE_PREFIX in domain:
            # One mailbox, one person: an IDN written in Punycode is counted, and masked,
            # in the Unicode form it stands for ("jane@xn--bcher-kva.de" is
            # "jane@bücher.de").
            domain = ".".join(_unicode_label(label) or label for label in domain.split("."))
        return Span(ENTITY, local_start, ends[n - 1], clamp(score), f"{local}@{domain}")


def _unicode_label(label: str) -> str | None:
    """The Unicode form of a lower-case A-label ("xn--bcher-kva" -> "bücher"), or None when
    ``label`` is none: its Punycode must decode to a label of non-ASCII characters that
    encodes back to the same text ("xn--abc-" decodes to plain "abc": not an IDN)."""
    if not label.startswith(_ACE_PREFIX):
        return None
    code = label[len(_ACE_PREFIX) :]
    try:
        decoded = code.encode("ascii").decode("punycode")
    except UnicodeError:
        return None
    if (
        decoded.isascii()
        or not _LABEL.fullmatch(decoded)
        or decoded.encode("punycode") != code.encode()
    ):
        return None
    return decoded.lower()


def _is_idn_tld(label: str) -> bool:
    """True for the A-label of a TLD: its Unicode form is letters ("xn--p1ai" is "рф")."""
    decoded = _unicode_label(label)
    return decoded is not None and decoded.isalpha()


# How many words before an address may hold its cue: the last three, or the last five of
# its own clause ("write to me at gianni @libero it" puts "write" four words back; in
# "send me the logs, thanks @john it works" the comma ends the request).
_CUE_WORDS, _CLAUSE_CUE_WORDS = 3, 5
_CLAUSE_END = re.compile(r"[.!?;,\n][^.!?;,\n]*\Z")
# A cue four or five words back counts only when the word just before the address is one
# that introduces it ("write to me at gianni @libero it", "schreiben Sie an", "scrivete
# a", "mail me op"): in "email me when you are done @john it works" the words between
# make "done" a word of the sentence, not a mailbox.
_ADDRESS_PREPOSITIONS = wordset("at to à a an unter al op naar aan")


def _cued(text: str, local_start: int) -> bool:
    """True when the words before an address say one is coming ("email me at", "write to")."""
    if near(words_before(text, local_start, _CUE_WORDS), _SPACE_TLD_CUES):
        return True
    start = max(0, local_start - 80)
    end = _CLAUSE_END.search(text, start, local_start)
    clause = text[end.start() + 1 if end else start : local_start]
    words = words_before(clause, len(clause), _CLAUSE_CUE_WORDS)
    return bool(words) and words[-1] in _ADDRESS_PREPOSITIONS and near(words, _SPACE_TLD_CUES)


def _local_start(text: str, end: int) -> int | None:
    """Where the local part ending at ``end`` starts, or None when there is none."""
    window_start = max(0, end - _LOCAL_MAX)
    reversed_window = text[window_start:end][::-1]
    m = _LOCAL_REVERSED.match(reversed_window)
    if m is None:
        return None
    start = end - m.end()
    if start == window_start and start > 0 and _LOCAL_CHARS.match(text, start - 1):
        return None  # longer than any local part may be
    return start


def _domain(text: str, pos: int, spaced: bool = True) -> tuple[list[str], list[str], list[int]]:
    """Labels of a domain starting at ``pos``, the kind of each separator, each label's end.

    ``spaced=False`` (after a marker other than "@", where a lone space never stands for
    a dot) stops at a first separator that is a space: one label, no domain.
    """
    labels: list[str] = []
    seps: list[str] = []
    ends: list[int] = []
    lm = _LABEL.match(text, pos)
    if lm is None:
        return labels, seps, ends
    labels.append(lm.group())
    ends.append(lm.end())
    pos = lm.end()
    while len(labels) < 8:
        sm = _DOT.match(text, pos)
        if sm is None:
            break
        kind = sm.lastgroup
        assert kind is not None
        if kind == "space" and (seps or not spaced):
            # "look at the office": prose, whatever follows; a space stands for a dot
            # only as the first separator.
            break
        lm = _LABEL.match(text, sm.end())
        if lm is None:
            break
        if kind == "dot" and sm.group() != ".":
            if sm.group().startswith("."):
                break  # "at jane@example.de. My number…": a full stop, then the next sentence
            kind = "spaced"
        seps.append(kind)
        labels.append(lm.group())
        ends.append(lm.end())
        pos = lm.end()
        if kind == "space":
            # "jane @example com": one space-for-dot, nothing after it, but for a country's
            # second level: "jane @example co uk"
            cm = _COUNTRY_AFTER_SPACE.match(text, pos)
            if cm and lm.group().lower() in _SECOND_LEVELS and cm.group(1).lower() in _COUNTRY_TLDS:
                seps.append("space")
                labels.append(cm.group(1))
                ends.append(cm.end())
            break
    return labels, seps, ends
