"""What leakhound may send to MySQL and MariaDB: read statements of a few shapes, nothing else.

Each statement's whole text must match one pattern before it leaves (``net.statements``):
``information_schema`` reads for the inventory (names compared as hex literals),
``COUNT(*)``, ``MIN``/``MAX`` of a date column and its rows a ``YEAR``, ``SELECT *`` of one
table (or its columns by name, a text column in a character set the session cannot carry
whole as ``CAST(… AS BINARY)`` under its own name: ``sql.columns``) with a limit, after a
key (and up to one; a text key's value with its character set's introducer) or from an
offset, at a list of whole-number keys or by a seeded chance ``RAND(n) < p`` (samples
spread over the table), the key columns of one row at an offset (where a partition ends), a
column's distinct values as stored (``CONVERT(… USING utf8mb4) COLLATE utf8mb4_bin``)
counted (``COUNT(DISTINCT``; beside it, those that are one whole address, ``REGEXP``
``email.ONE_ADDRESS``, ``LOWER``-ed and the values byte for byte, ``HEX``) or listed after a
value (a hex literal; listed as bytes, each beside its ``MD5`` and after the MD5 of the
last), or the column itself where its collation merges nothing (its three
counts equal), under the session's statement timeout, and the read-only transaction around
them; for a table read in one statement, its session's write timeout (one value) and no
statement timeout. A table is two backtick-quoted identifiers and never one of the server's
own schemas, whatever the letter case (``mysql.user`` holds the password hashes; servers with
``lower_case_table_names=1`` fold ``MYSQL`` into it). No pattern admits a function call
other than ``YEAR``, ``CONVERT``, ``HEX``, ``TRIM``, ``LENGTH``, ``CHAR_LENGTH``, ``LOWER``,
``MD5`` or ``CAST(… AS BINARY)`` of a column, ``REGEXP`` of ``email.py``'s two patterns and
``RAND`` of a number (never ``LOAD_FILE``), ``INTO``, ``UNION``, a comment or a ``;``.
Beside them, six constant statements say which store the server is of (``replication.py``):
``SHOW STATUS LIKE 'wsrep_cluster_state_uuid'``, ``@@server_uuid``, ``@@server_id`` and
``@@log_bin``, and the replica status (``SHOW ALL SLAVES STATUS``, ``SHOW REPLICA STATUS``,
``SHOW SLAVE STATUS``): reads, none of them a channel's name or anything the server said.
"""

from __future__ import annotations

import re

from ...net import statements
from ..estimate import BATCH
from . import sql
from .charsets import KNOWN

IDENT = r"`(?:[^`\x00]|``)+`"
_SYSTEM = "|".join(sql.SYSTEM_SCHEMAS)
TABLE = rf"(?!(?i:`(?:{_SYSTEM})`)\.){IDENT}\.{IDENT}"
HEX = r"X'(?:[0-9a-f]{2})*'"
# A character set's introducer: the name of one MySQL or MariaDB has (``charsets.KNOWN``;
# no bracket, no space), as ``sql.literal`` writes.
_INTRODUCER = "|".join(sorted(KNOWN))
VALUE = rf"(?:-?\d{{1,65}}(?:\.\d{{1,30}})?|_(?:{_INTRODUCER}) {HEX})"
LIMIT = r"[1-9]\d{0,6}"
# A keyset condition: comparisons of a key column with a value, joined by AND/OR in brackets
# (after a key, and up to the key where a partition ends).
_AFTER = rf"(?:{IDENT} (?:[<>=]|<=) {VALUE}|[()]| AND | OR ){{1,800}}"
_WHOLE = r"-?\d{1,20}"
MAX_IN = 5000  # key values one statement asks for at most (sampling.MAX_ASK)
# One column between two whole numbers: a window of a whole-number key.
_WINDOW = rf"(?P<col>{IDENT}) >= {_WHOLE} AND (?P=col) <= {_WHOLE}"
# Windows of one key of one table counted at once (``estimate.BATCH`` at most), each stopped
# at a number of rows.
_COUNTED = r"\(SELECT COUNT\(\*\) FROM \(SELECT 1 FROM "
_WINDOWS = (
    rf"SELECT {_COUNTED}(?P<tbl>{TABLE}) WHERE {_WINDOW} LIMIT {LIMIT}\) AS w\)"
    rf"(?:, {_COUNTED}(?P=tbl) WHERE (?P=col) >= {_WHOLE} AND (?P=col) <= {_WHOLE} "
    rf"LIMIT {LIMIT}\) AS w\)){{0,{BATCH - 1}}}"
)
_KEY = rf"{IDENT}(?:, {IDENT}){{0,{sql.MAX_KEY_COLUMNS - 1}}}"
# What a read selects (``sql.columns``): every column, or each by name, a text column in a
# character set utf8mb4 cannot carry whole as its bytes under its own name.
_COLUMN = rf"(?:{IDENT}|CAST\((?P<c>{IDENT}) AS BINARY\) AS (?P=c))"
_COLUMN_AGAIN = _COLUMN.replace("?P<c>", "?P<c2>").replace("(?P=c)", "(?P=c2)")
_MAX_COLUMNS = 4096  # MySQL's limit on a table's columns
COLUMNS = rf"(?:\*|{_COLUMN}(?:, {_COLUMN_AGAIN}){{0,{_MAX_COLUMNS - 1}}})"
_KEY_COLUMNS = rf"{_COLUMN}(?:, {_COLUMN_AGAIN}){{0,{sql.MAX_KEY_COLUMNS - 1}}}"
# A text column's value as stored (``sql.AS_STORED``), the column named once and the same
# column after.
_STORED = re.escape(sql.AS_STORED).replace(r"\{column\}", f"(?P<col>{IDENT})")
_STORED_AGAIN = re.escape(sql.AS_STORED).replace(r"\{column\}", "(?P=col)")
# The same column's value as stored, lower-cased where it is one whole address.
_FOLDED = re.escape(sql.ADDRESS_FOLDED).replace(r"\{v\}", _STORED_AGAIN)


def _literal(text: str) -> str:
    """A statement of sql.py as a pattern, with its ``{schema}``/``{table}`` hex literals."""
    return re.escape(text).replace(r"\{schema\}", HEX).replace(r"\{table\}", HEX)


ALLOW = statements(
    "mysql",
    [
        re.escape(sql.READ_ONLY_SESSION),
        re.escape(sql.START_READ_ONLY),
        re.escape(sql.START),
        re.escape(sql.UTC_SESSION),
        re.escape(sql.WHO),
        # Which store the server is of (``replication.py``): constants alone.
        re.escape(sql.GALERA_STATE),
        re.escape(sql.MYSQL_SERVER),
        re.escape(sql.MARIADB_SERVER),
        re.escape(sql.MARIADB_REPLICAS),
        re.escape(sql.MYSQL_REPLICAS),
        re.escape(sql.MYSQL_REPLICAS_BEFORE_8022),
        re.escape(sql.COUNT_TABLES),
        re.escape(sql.LIST_TABLES) + LIMIT,
        _literal(sql.COLUMNS_OF),
        _literal(sql.KEYS_OF),
        _literal(sql.CHECKS_OF),
        rf"SELECT COUNT\(\*\) FROM {TABLE}",  # noqa: S608 - a pattern
        # A column's distinct values, counted and listed in keyset pages (``distinct.py``),
        # under the session's statement timeout.
        re.escape(sql.MAX_EXECUTION_TIME) + r"\d{1,9}",
        re.escape(sql.MAX_STATEMENT_TIME) + r"\d{1,6}",
        # A table read in one statement: the server waits for a slow reader (one value).
        re.escape(sql.STREAM_WRITE_TIMEOUT),
        rf"SELECT COUNT\(DISTINCT {_STORED}\), COUNT\(DISTINCT {_FOLDED}\), "  # noqa: S608 - a pattern
        rf"COUNT\(DISTINCT HEX\(TRIM\(TRAILING ' ' FROM (?P=col)\)\)\) FROM {TABLE}",
        rf"SELECT DISTINCT {_STORED} FROM {TABLE} WHERE (?:(?P=col) IS NOT NULL|"  # noqa: S608 - a pattern
        rf"{_STORED_AGAIN} > _utf8mb4 {HEX}) ORDER BY {_STORED_AGAIN} LIMIT {LIMIT}",
        # A text column of a character set the session cannot carry whole, as its bytes.
        # Each beside its MD5, in the order of that, a page after the MD5 of the last.
        rf"SELECT DISTINCT CAST\((?P<col>{IDENT}) AS BINARY\), MD5\(CAST\((?P=col) AS "  # noqa: S608 - a pattern
        rf"BINARY\)\) FROM {TABLE} WHERE (?:(?P=col) IS NOT NULL|MD5\(CAST\((?P=col) AS "
        rf"BINARY\)\) > X'(?:3[0-9]|6[1-6]){{32}}') ORDER BY 2 LIMIT {LIMIT}",
        # The column itself, in its own collation and order, where that merges nothing
        # (``distinct.merges_nothing``): its three counts, and its pages.
        rf"SELECT COUNT\(DISTINCT (?P<col>{IDENT})\), COUNT\(DISTINCT {_STORED_AGAIN}\), "  # noqa: S608 - a pattern
        rf"COUNT\(DISTINCT (?P=col), {_STORED_AGAIN}\) FROM {TABLE}",
        rf"SELECT DISTINCT (?P<col>{IDENT}) FROM {TABLE} WHERE (?P=col) "  # noqa: S608 - a pattern
        rf"(?:IS NOT NULL|> _utf8mb4 {HEX}) ORDER BY (?P=col) LIMIT {LIMIT}",
        # A window of a whole-number key (a large table's rows estimated, probes/estimate.py).
        _WINDOWS,
        rf"SELECT MIN\({IDENT}\), MAX\({IDENT}\) FROM {TABLE}",  # noqa: S608 - a pattern
        rf"SELECT YEAR\({IDENT}\), COUNT\(\*\) FROM {TABLE} GROUP BY 1",  # noqa: S608 - a pattern
        rf"SELECT {COLUMNS} FROM {TABLE} LIMIT {LIMIT}",  # noqa: S608 - a pattern
        rf"SELECT {COLUMNS} FROM {TABLE}(?: WHERE {_AFTER})? ORDER BY {_KEY} LIMIT {LIMIT}",  # noqa: S608 - a pattern
        # A table without a usable key: every row from an offset, in one statement.
        rf"SELECT {COLUMNS} FROM {TABLE} LIMIT {sql.ALL_ROWS} OFFSET \d{{1,19}}",  # noqa: S608 - a pattern
        # A sample: each row by a seeded chance (one pass over a table of a bounded size).
        rf"SELECT {COLUMNS} FROM {TABLE} WHERE RAND\(\d{{1,10}}\) < (?:0\.\d{{1,12}}|1) "  # noqa: S608 - a pattern
        rf"LIMIT {LIMIT}",
        # A sample's places: rows of whole-number keys, numbers alone.
        rf"SELECT {COLUMNS} FROM {TABLE} WHERE {IDENT} IN "  # noqa: S608 - a pattern
        rf"\({_WHOLE}(?:, {_WHOLE}){{0,{MAX_IN - 1}}}\)",
        rf"SELECT {_KEY_COLUMNS} FROM {TABLE} ORDER BY {_KEY} LIMIT 1 OFFSET \d{{1,19}}",  # noqa: S608 - a pattern
    ],
)
# What must never leave, for the tests and the reader (none can match a pattern above).
NEVER = (
    "SELECT LOAD_FILE('/etc/passwd')",
    "SELECT * FROM `support`.`cases` LIMIT 5 INTO OUTFILE '/tmp/x'",
    "SELECT * FROM `mysql`.`user` LIMIT 5",
    "SELECT * FROM mysql.user LIMIT 5",
    "SELECT * FROM `MySQL`.`user` LIMIT 5",
    "SELECT COUNT(*) FROM `mysql`.`global_priv`",
    "INSERT INTO `support`.`cases` VALUES (1)",
    "DROP DATABASE `support`",
    "DELETE FROM `support`.`cases`",
    "UPDATE `support`.`cases` SET `status` = 'x'",
    "SELECT * FROM `a`.`b` LIMIT 5; DROP TABLE `a`.`b`",
    "SELECT * FROM `a`.`b` LIMIT 5 /* x */",
    "SELECT * FROM `a`.`b` UNION SELECT * FROM `mysql`.`user` LIMIT 5",
    "SELECT * FROM `a`.`b` LIMIT 5 FOR UPDATE",
    "SET GLOBAL read_only = 0",
    "SET SESSION sql_log_bin = 0",
    "SHOW GRANTS",
    "SHOW STATUS",
    "SHOW STATUS LIKE 'wsrep%'",
    "SHOW SLAVE HOSTS",
    "SHOW PROCESSLIST",
    "SHOW SLAVE STATUS FOR CHANNEL 'x'",
    "SHOW ALL SLAVES STATUS; SELECT 1",
    "SELECT @@server_uuid, LOAD_FILE('/etc/passwd')",
    "STOP SLAVE",
    "START SLAVE",
    "CHANGE MASTER TO MASTER_HOST='10.0.0.5'",
    "RESET SLAVE ALL",
    "GRANT ALL ON *.* TO 'x'@'%'",
    "CREATE USER 'x'@'%'",
    "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE `a`.`b`",
    "SELECT * FROM `a`.`b` WHERE `id` > (SELECT LOAD_FILE('/etc/passwd')) ORDER BY `id` LIMIT 5",
    "SELECT * FROM `a`.`b` WHERE `id` > 1 OR SLEEP(10) ORDER BY `id` LIMIT 5",
    "SELECT * FROM `a`.`b` LIMIT 5 OFFSET 1 INTO DUMPFILE '/tmp/x'",
    "SELECT `id` FROM `mysql`.`user` ORDER BY `id` LIMIT 1 OFFSET 5",
    "SELECT `authentication_string` FROM `mysql`.`user` ORDER BY `user` LIMIT 1 OFFSET 0",
    "SELECT `id`, LOAD_FILE('/etc/passwd') FROM `a`.`b` ORDER BY `id` LIMIT 1 OFFSET 5",
    "SELECT `id` FROM `a`.`b` ORDER BY `id` LIMIT 1 OFFSET 5 INTO OUTFILE '/tmp/x'",
    "SELECT * FROM `a`.`b` WHERE `id` <= 5 OR SLEEP(10) ORDER BY `id` LIMIT 5",
    "SELECT * FROM `a`.`b` WHERE `id` IN (1, SLEEP(10))",
    # Columns read as their bytes: a column alone, under its own name, of a user's table.
    "SELECT CAST(LOAD_FILE('/etc/passwd') AS BINARY) AS `x` FROM `a`.`b` LIMIT 5",
    "SELECT CAST(`pw` AS BINARY) AS `pw` FROM `mysql`.`user` LIMIT 5",
    "SELECT `id`, CAST(`e` AS BINARY) AS `e`, LOAD_FILE('/etc/passwd') FROM `a`.`b` LIMIT 5",
    "SELECT * FROM `a`.`b` WHERE `k` > _ascii X'61' OR SLEEP(10) ORDER BY `k` LIMIT 5",
    "SELECT * FROM `a`.`b` WHERE `k` > _ascii(X'61') ORDER BY `k` LIMIT 5",
    "SELECT * FROM `a`.`b` WHERE `k` > _klingon X'61' ORDER BY `k` LIMIT 5",
    "SELECT DISTINCT CAST(`pw` AS BINARY) FROM `mysql`.`user` WHERE `pw` IS NOT NULL "
    "ORDER BY CAST(`pw` AS BINARY) LIMIT 5",
    "SELECT DISTINCT CAST(`e` AS BINARY) FROM `a`.`b` WHERE CAST(`pw` AS BINARY) > "
    "_binary X'61' ORDER BY CAST(`e` AS BINARY) LIMIT 5",
    "SELECT * FROM `a`.`b` WHERE `id` IN (1) UNION SELECT * FROM `mysql`.`user`",
    "SELECT * FROM `mysql`.`user` WHERE `id` IN (1)",
    "SELECT * FROM `a`.`b` WHERE RAND(1) < 0.5 OR SLEEP(10) LIMIT 5",
    "SELECT * FROM `a`.`b` WHERE RAND(SLEEP(10)) < 0.5 LIMIT 5",
    "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM `a`.`b` WHERE `id` >= 1 AND `id` <= 5 OR "
    "SLEEP(10) LIMIT 5) AS w)",
    "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM `a`.`b` WHERE `id` >= 1 AND `id` <= (SELECT 5) "
    "LIMIT 5) AS w)",
    "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM `mysql`.`user` WHERE `id` >= 1 AND `id` <= 5 "
    "LIMIT 5) AS w)",
    "SELECT (SELECT COUNT(*) FROM (SELECT * FROM `a`.`b` WHERE `id` >= 1 AND `id` <= 5 "
    "LIMIT 5) AS w)",
    # A second window of another table, or of another column, than the first's
    "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM `a`.`b` WHERE `id` >= 1 AND `id` <= 5 "
    "LIMIT 5) AS w), (SELECT COUNT(*) FROM (SELECT 1 FROM `mysql`.`user` WHERE `id` >= 1 AND "
    "`id` <= 5 LIMIT 5) AS w)",
    "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM `a`.`b` WHERE `id` >= 1 AND `id` <= 5 "
    "LIMIT 5) AS w), (SELECT COUNT(*) FROM (SELECT 1 FROM `a`.`b` WHERE `pw` >= 1 AND "
    "`pw` <= 5 LIMIT 5) AS w)",
    "SELECT COUNT(*) FROM `a`.`b` WHERE `id` >= 1 AND `id` <= 5",
    # A column's distinct values: of one column, after a hex literal alone, never the
    # server's own tables, nothing after the limit.
    "SELECT COUNT(DISTINCT `authentication_string`) FROM `mysql`.`user`",
    "SELECT COUNT(DISTINCT LOAD_FILE('/etc/passwd')) FROM `a`.`b`",
    "SELECT DISTINCT `authentication_string` FROM `mysql`.`user` WHERE "
    "`authentication_string` IS NOT NULL ORDER BY `authentication_string` LIMIT 5",
    "SELECT DISTINCT `e` FROM `a`.`b` WHERE `e` > 'x' ORDER BY `e` LIMIT 5",
    "SELECT DISTINCT `e` FROM `a`.`b` WHERE `e` > _utf8mb4 X'78' OR SLEEP(10) ORDER BY `e` LIMIT 5",
    "SELECT DISTINCT `e`, `pw` FROM `a`.`b` WHERE `e` IS NOT NULL ORDER BY `e` LIMIT 5",
    "SELECT DISTINCT `e` FROM `a`.`b` WHERE `e` IS NOT NULL ORDER BY `e` LIMIT 5 INTO "
    "OUTFILE '/tmp/x'",
    "SET GLOBAL max_execution_time = 0",
    "SET SESSION max_execution_time = 0, sql_log_bin = 0",
    # Counted and listed as stored: of one column throughout, no other function, no other
    # character set or collation named by the statement.
    "SELECT COUNT(DISTINCT CONVERT(LOAD_FILE('/etc/passwd') USING utf8mb4) COLLATE "
    "utf8mb4_bin) FROM `a`.`b`",
    "SELECT COUNT(DISTINCT CONVERT(`pw` USING utf8mb4) COLLATE utf8mb4_bin) FROM `mysql`.`user`",
    "SELECT DISTINCT CONVERT(`e` USING utf8mb4) COLLATE utf8mb4_bin FROM `a`.`b` WHERE "
    "CONVERT(`pw` USING utf8mb4) COLLATE utf8mb4_bin > _utf8mb4 X'78' ORDER BY "
    "CONVERT(`e` USING utf8mb4) COLLATE utf8mb4_bin LIMIT 5",
    "SELECT DISTINCT CONVERT(`e` USING utf8mb4) COLLATE utf8mb4_bin FROM `a`.`b` WHERE "
    "`pw` IS NOT NULL ORDER BY CONVERT(`e` USING utf8mb4) COLLATE utf8mb4_bin LIMIT 5",
    "SELECT DISTINCT CONVERT(`e` USING utf8mb4) COLLATE utf8mb4_bin FROM `a`.`b` WHERE "
    "`e` IS NOT NULL ORDER BY CONVERT(`e` USING utf8mb4) COLLATE utf8mb4_bin LIMIT 5 INTO "
    "OUTFILE '/tmp/x'",
)
