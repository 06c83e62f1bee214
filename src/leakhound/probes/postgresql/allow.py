"""What leakhound may send to PostgreSQL: the session made read-only first, its names
looked up in ``pg_catalog`` alone (``OWN_NAMES``), then only the statements below, each
matched whole (names from the server are double-quoted, a quote doubled, so a name can never
end a statement or start another). COPY only as ``COPY
(SELECT …) TO STDOUT`` of a page of one table, the form pg_dump reads in: never to or from a
file, never ``PROGRAM`` (which runs a command). A sample asks for the rows at a list of
ctids (``ctid = ANY ('{"(b,i)",…}'::tid[])``, numbers alone). Never a file-reading function,
never DDL or DML.

A table is read ``FROM ONLY`` itself: an inheritance parent's rows without its children's,
each child being a table of its own. A partitioned table holds no rows (its partitions do,
listed as tables) and is not listed: read whole, its partitions' rows would be counted twice
and its ctids, one series a partition, cannot page. A materialized view is listed and read
(it stores its rows), marked as derived: its rows are copies of its tables'.

A column's distinct values are counted (``count(DISTINCT …)``) and listed a page after the
last value, each as stored (``AS_STORED``: text in "C"), the last given back as an escape
string of code points alone (``E'\\U00000061…'``, ``distinct.py``), beside the count
those that are one whole address counted lower-cased (``ADDRESS_FOLDED``), under a statement
timeout, their aggregate, operator, type and collation named in ``pg_catalog`` (never one
a user made in ``public``). In a database of encoding SQL_ASCII, a value is counted as
leakhound reads it (``AS_READ``) and listed as its bytes, a page after the MD5 of the last
(``MD5``).

The verdict of a server that lets us in reads its system identifier and whether it is a
standby (``SYSTEM_IDENTIFIER``, ``IN_RECOVERY``): a primary and its standbys are one store."""

from __future__ import annotations

import re

from ...detect.email import NOT_ONE_ADDRESS, ONE_ADDRESS
from ...net import statements
from ..estimate import BATCH
from ..keyset import MAX_VALUE_BYTES

READ_ONLY = "SET default_transaction_read_only = on"
# Then every name a statement leaves unqualified is the server's own: a function or operator
# a user made in ``public`` (anyone may, before PostgreSQL 15) with a closer match for its
# arguments than the built-in one would be called instead, as the user the scan logs in as,
# read-only session or not (a ``COPY … TO PROGRAM`` inside it runs a command).
OWN_NAMES = "SET search_path = pg_catalog"
# A database of encoding SQL_ASCII holds any bytes: its values read as they are (a UTF8
# session has the server stop at the first that is not UTF-8), decoded by us (``wire.STRAY``).
RAW_ENCODING = "SET client_encoding = 'SQL_ASCII'"
_NAME = r'"(?:[^"]|"")+"'  # a quoted identifier
# A table of a user's schema: never the server's own catalogs (pg_authid holds the password
# hashes), whatever the inventory was told (the TABLES query leaves them out, the pattern
# again: a quoted name is case-sensitive, "PG_CATALOG" is some other schema).
_SYSTEM = r'(?!"(?:pg_catalog|information_schema|pg_toast)"\.)'
_TABLE = rf"{_SYSTEM}{_NAME}\.{_NAME}"
_COUNTED = r"\(SELECT count\(\*\) FROM \(SELECT 1 FROM ONLY "
_WHOLE = r"-?\d{1,19}"
# A text as an escape string of its code points alone (``distinct.escaped``).
_CODES = rf"E'(?:\\U[0-9a-f]{{8}}){{0,{MAX_VALUE_BYTES}}}'"
_TID = r'"\(\d{1,10},\d{1,5}\)"'  # a ctid in an array literal: "(block,item)"
MAX_TIDS = 5000  # ctids one statement asks for at most (sampling.MAX_ASK)

# A text column's value as stored, compared byte for byte: a nondeterministic collation
# (PostgreSQL 12+, ICU: ``CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level1',
# deterministic = false)``) holds "josé@x.com" and "jose@x.com", "Jane" and "jane", one
# value, and its DISTINCT would list one of them: one person where leakhound's reading of
# each value counts two (letter case folded, accents kept). "C" is deterministic, and a
# deterministic collation's equal values are the same bytes. As text first: a ``name``
# column takes no collation before PostgreSQL 12, and char(n) read as text has its padding
# left out (as the identifier read in it leaves it out).
AS_STORED = '{column}::pg_catalog.text COLLATE pg_catalog."C"'
# The same, as a pattern: the column named once (``col``) and the same column after.
_STORED = re.escape(AS_STORED).replace(r"\{column\}", f"(?P<col>{_NAME})")
_STORED_AGAIN = re.escape(AS_STORED).replace(r"\{column\}", "(?P=col)")
# A value as stored (``{v}``) lower-cased where it is one address leakhound reads whole and
# counts as that (``email.ONE_ADDRESS``, ``email.NOT_ONE_ADDRESS``), ASCII alone (else NULL,
# which no count counts): each such value is one address (``models.StoreDistinct.folded``).
# Not merely shaped like one: "jane@x.com " (text keeps trailing spaces), "<jane@x.com>"
# and "jane @ x.com" are three values and jane@x.com's one address, "a@b.c" none. ASCII,
# since ``lower`` in "C" folds ASCII letters alone: a value it would leave apart from
# another that leakhound folds into it would count more people than leakhound reads.
ADDRESS_FOLDED = (
    f"CASE WHEN {{v}} OPERATOR(pg_catalog.~) '{ONE_ADDRESS}' AND pg_catalog.lower({{v}}) "
    f"OPERATOR(pg_catalog.!~) '{NOT_ONE_ADDRESS}' AND pg_catalog.octet_length({{v}}) "
    "OPERATOR(pg_catalog.=) pg_catalog.char_length({v}) THEN pg_catalog.lower({v}) END"
)
_FOLDED = re.escape(ADDRESS_FOLDED).replace(r"\{v\}", _STORED_AGAIN)
# A value as stored, as its bytes (``distinct.as_bytes``: a database of encoding SQL_ASCII,
# whose values a text literal cannot always spell), and the bytes a page starts after.
AS_BYTES = "pg_catalog.convert_to({v}, 'SQL_ASCII')"
_BYTES = re.escape(AS_BYTES).replace(r"\{v\}", _STORED)
_BYTES_AGAIN = re.escape(AS_BYTES).replace(r"\{v\}", _STORED_AGAIN)
# A value of a database of encoding SQL_ASCII (``{v}``: as stored) as leakhound reads it,
# as UTF-8 bytes (``wire.STRAY``): a value of UTF-8 alone as it is, else each of its
# characters (``regexp_matches``, one a match: a UTF-8 sequence, the longest alternative,
# else one byte past ASCII) as it is or, a byte that is not UTF-8, as its Latin-1
# character. So "jos\xe9@x.com" and its UTF-8 spelling are one value to count, as a read
# of each or a listing by bytes finds them one address. The UTF-8 sequences are RFC 3629's
# (Python's decoder's: no surrogate, no overlong form), the bytes each "\xhh" of the regular
# expression (one character a byte in SQL_ASCII).
UTF8_CHAR = (
    r"[\x01-\x7f]|[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|"
    r"[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]|"
    r"\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
AS_READ = (
    f"CASE WHEN {{v}} OPERATOR(pg_catalog.~) '^(?:{UTF8_CHAR})*$' "
    "THEN pg_catalog.convert_to({v}, 'SQL_ASCII') ELSE (SELECT pg_catalog.string_agg("
    "CASE WHEN m.t[2] IS NULL THEN pg_catalog.convert_to(m.t[1], 'SQL_ASCII') "
    "ELSE pg_catalog.convert(pg_catalog.convert_to(m.t[2], 'SQL_ASCII'), 'LATIN1', 'UTF8') "
    "END, ''::pg_catalog.bytea ORDER BY m.n) FROM pg_catalog.regexp_matches("
    f"{{v}}, '((?:{UTF8_CHAR}))|([\\x80-\\xff])', 'g') WITH ORDINALITY AS m(t, n)) END"
)
_READ = re.escape(AS_READ).replace(r"\{v\}", _STORED, 1).replace(r"\{v\}", _STORED_AGAIN)
# Its MD5, in "C": what a listing of them is ordered by and pages after (``keyset_bytes``).
MD5 = 'pg_catalog.md5({v}) COLLATE pg_catalog."C"'
_MD5 = re.escape(MD5).replace(r"\{v\}", _BYTES_AGAIN)

# The cluster's identity: the system identifier initdb chose, which a streaming standby (a
# copy made by pg_basebackup) shares with its primary: one store at both (9.6+; EXECUTE is
# PUBLIC's unless an owner revoked it, then the store is known by its endpoint). And whether
# the server is a standby (in recovery: read-only, its rows its primary's). Both read the
# server's own state, nothing of a table.
SYSTEM_IDENTIFIER = "SELECT system_identifier FROM pg_catalog.pg_control_system()"
IN_RECOVERY = "SELECT pg_catalog.pg_is_in_recovery()"
DATABASES = (
    "SELECT datname FROM pg_catalog.pg_database WHERE datallowconn AND NOT "
    "datistemplate ORDER BY datname"
)
TABLES = (
    "SELECT n.nspname, c.relname, c.reltuples::bigint, "
    "pg_catalog.pg_total_relation_size(c.oid), "
    "pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::bigint, "
    "c.relkind::text, c.relallvisible::bigint "
    "FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'm') "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1, 2"
)
COLUMNS = (
    "SELECT table_schema, table_name, column_name, data_type "
    "FROM information_schema.columns "
    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
    "ORDER BY table_schema, table_name, ordinal_position"
)
INDEXED = (
    "SELECT n.nspname, c.relname, a.attname FROM pg_catalog.pg_index i "
    "JOIN pg_catalog.pg_class c ON c.oid = i.indrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0] "
    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
)
# The tables' keys that are one whole-number column, NOT NULL, under a valid unique index of
# it alone (no predicate): a large table's rows are estimated along one (probes/estimate.py).
WHOLE_KEYS = (
    "SELECT n.nspname, c.relname, a.attname FROM pg_catalog.pg_index i "
    "JOIN pg_catalog.pg_class c ON c.oid = i.indrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0] "
    "WHERE i.indisunique AND i.indisvalid AND i.indnatts = 1 AND i.indpred IS NULL "
    "AND a.attnotnull AND a.atttypid IN (20, 21, 23) "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
)


def _literal(sql: str) -> str:
    """A fixed statement as a pattern matching itself only."""
    return re.escape(sql)


ALLOW = statements(
    "postgresql",
    [
        _literal(READ_ONLY),
        _literal(OWN_NAMES),
        _literal(RAW_ENCODING),
        _literal(SYSTEM_IDENTIFIER),
        _literal(IN_RECOVERY),
        _literal(DATABASES),
        _literal(TABLES),
        _literal(COLUMNS),
        _literal(INDEXED),
        rf"SELECT count\(\*\) FROM ONLY {_TABLE}",
        _literal(WHOLE_KEYS),
        # A window of a whole-number key (a large table's rows estimated along it).
        # Windows of one key of one table, a column each (``estimate.BATCH`` at most), each
        # stopped at a number of rows.
        rf"SELECT {_COUNTED}(?P<tbl>{_TABLE}) WHERE (?P<key>{_NAME}) >= {_WHOLE} AND "
        rf"(?P=key) <= {_WHOLE} LIMIT \d{{1,7}}\) AS w\)(?:, {_COUNTED}(?P=tbl) WHERE "
        rf"(?P=key) >= {_WHOLE} AND (?P=key) <= {_WHOLE} LIMIT \d{{1,7}}\) AS w\))"
        rf"{{0,{BATCH - 1}}}",
        rf"SELECT extract\(year FROM {_NAME}\)::text, count\(\*\) FROM ONLY {_TABLE} GROUP BY 1",
        rf"SELECT min\({_NAME}\)::text, max\({_NAME}\)::text FROM ONLY {_TABLE}",
        # A large table's rows a year along the index on its date, and its undated ones.
        rf"SELECT y::text, \(SELECT count\(\*\) FROM ONLY {_TABLE} WHERE {_NAME} >= "
        rf"make_date\(y, 1, 1\) AND {_NAME} < make_date\(y \+ 1, 1, 1\)\) "
        rf"FROM generate_series\(\d{{1,4}}, \d{{1,4}}\) AS y UNION ALL "
        rf"SELECT NULL, count\(\*\) FROM ONLY {_TABLE} WHERE {_NAME} IS NULL",
        rf"SELECT \* FROM ONLY {_TABLE} LIMIT \d{{1,7}}",
        # A column's distinct values, counted and listed in keyset pages (``distinct.py``).
        r"SET statement_timeout = \d{1,9}",
        # Each value as stored (``AS_STORED``). Its aggregate and operator named in pg_catalog
        # (a closer one in public would be called instead), the value after which a page
        # starts as code points alone (``distinct.py``).
        rf"SELECT pg_catalog\.count\(DISTINCT {_STORED}\), "
        rf"pg_catalog\.count\(DISTINCT {_FOLDED}\) FROM ONLY {_TABLE}",
        # A database of encoding SQL_ASCII: each value as leakhound reads it (``AS_READ``).
        rf"SELECT pg_catalog\.count\(DISTINCT {_READ}\), "
        rf"pg_catalog\.count\(DISTINCT {_FOLDED}\) FROM ONLY {_TABLE}",
        rf"SELECT DISTINCT {_STORED} FROM ONLY {_TABLE} WHERE (?:(?P=col) IS NOT NULL|"
        rf"{_STORED_AGAIN} OPERATOR\(pg_catalog\.>\) {_CODES}) "
        rf"ORDER BY {_STORED_AGAIN} LIMIT \d{{1,7}}",
        # The same, each value as its bytes (a database of encoding SQL_ASCII) beside its
        # MD5, in the order of that, a page after the MD5 of the last.
        rf"SELECT DISTINCT {_BYTES}, {_MD5} FROM ONLY {_TABLE} WHERE (?:(?P=col) IS NOT NULL|"
        rf"{_MD5} OPERATOR\(pg_catalog\.>\) '[0-9a-f]{{32}}') ORDER BY 2 LIMIT \d{{1,7}}",
        # The column itself, in its own collation and order, where that merges nothing
        # (``distinct.merges_nothing``): its two counts, and its pages.
        rf"SELECT pg_catalog\.count\(DISTINCT (?P<col>{_NAME})\), "
        rf"pg_catalog\.count\(DISTINCT {_STORED_AGAIN}\) FROM ONLY {_TABLE}",
        rf"SELECT DISTINCT (?P<col>{_NAME}) FROM ONLY {_TABLE} WHERE (?P=col) "
        rf"(?:IS NOT NULL|OPERATOR\(pg_catalog\.>\) {_CODES}) "
        r"ORDER BY (?P=col) LIMIT \d{1,7}",
        # A sample spread over the table: the rows at some ctids (a TID scan of their blocks).
        rf"SELECT \* FROM ONLY {_TABLE} WHERE ctid = ANY "
        rf"\('\{{{_TID}(?:,{_TID}){{0,{MAX_TIDS - 1}}}\}}'::tid\[\]\)",
        rf"COPY \(SELECT \* FROM ONLY {_TABLE} WHERE ctid > '\(\d{{1,10}},\d{{1,5}}\)'::tid "
        rf"AND ctid < '\(\d{{1,10}},0\)'::tid LIMIT \d{{1,9}}\) TO STDOUT",
        rf"COPY \(SELECT \*, ctid::text AS \"\?ctid\" FROM ONLY {_TABLE} "
        rf"WHERE ctid > '\(\d{{1,10}},\d{{1,5}}\)'"
        rf"::tid( AND ctid < '\(\d{{1,10}},0\)'::tid)? ORDER BY ctid LIMIT \d{{1,7}}\) TO STDOUT",
        # A server that cannot scan a range of ctids alone (``read.ranges_ctids``): the
        # question, the plan of one (planned, never run), then the table after a ctid in one
        # COPY, in a session that scans it from its first block in one process, to its end.
        rf"EXPLAIN \(COSTS OFF\) SELECT \* FROM ONLY {_TABLE} "
        r"WHERE ctid > '\(0,0\)'::tid AND ctid < '\(8,0\)'::tid",
        _literal("SET synchronize_seqscans = off"),
        _literal("SET max_parallel_workers_per_gather = 0"),
        rf"COPY \(SELECT \*, ctid::text AS \"\?ctid\" FROM ONLY {_TABLE}"
        rf"(?: WHERE ctid > '\(\d{{1,10}},\d{{1,5}}\)'::tid)?\) TO STDOUT",
    ],
)


def quote(name: str) -> str:
    """An identifier, double-quoted (a double quote inside doubled)."""
    if "\0" in name:
        raise ValueError("a name with a NUL character")
    return '"' + name.replace('"', '""') + '"'
