#!/bin/sh
# Regenerates the dumps in this folder with the real tools: a throw-away PostgreSQL 15 and
# MariaDB server on loopback (unix sockets only), the same rows loaded into both, then
# pg_dump (COPY, --inserts, --column-inserts) and mysqldump (extended, --complete-insert,
# --skip-extended-insert). Run as root on Debian 12: sh tests/data/dumps/make_dumps.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
chmod 755 "$work"
trap 'su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/pg_ctl -D $work/pg stop -m fast" >/dev/null 2>&1 || true; [ -f "$work/my/my.pid" ] && kill "$(cat "$work/my/my.pid")" 2>/dev/null; rm -rf "$work"' EXIT

# The rows: PII as the seeder writes it, and strings that test every escape of both tools.
cat > "$work/rows.sql" <<'SQL'
CREATE TABLE customers (
  id integer NOT NULL PRIMARY KEY,
  full_name varchar(100),
  email varchar(200),
  phone varchar(40),
  notes text,
  balance numeric(10,2),
  created date
);
INSERT INTO customers VALUES
 (1, 'Jane Doe', 'jane.doe@example.com', '+44 20 7946 0958', 'Called back, no answer.', 12.50, '2019-03-04'),
 (2, 'Seán O''Brien', 'sean@example.ie', '+353 1 555 0199', 'Said "hi"; then left', NULL, '2018-01-01'),
 (3, 'Back\Slash', 'b.s@example.org', NULL, E'line one\nline two\ttabbed', -3.00, NULL),
 (4, 'Zoë Müller', 'zoe@example.de', '030 1234567', 'IBAN DE89 3704 0044 0532 0130 00', 0, '2020-12-31'),
 (5, 'Ünïcödé ☃', 'snow@example.com', '', 'semicolon; comma, (parens) ''quote''', 99999.99, '2021-06-30');
CREATE TABLE audit (
  at varchar(30),
  client_ip varchar(45),
  actor varchar(200)
);
INSERT INTO audit VALUES ('2019-03-04T10:00:00Z', '203.0.113.9', 'agent@contoso.com'),
 ('2019-03-04T10:05:00Z', '2001:db8::1', 'jane.doe@example.com');
SQL

# PostgreSQL
chown postgres "$work"
su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/initdb -D $work/pg -A trust -U postgres >/dev/null"
su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/pg_ctl -D $work/pg -o '-k $work -c listen_addresses=' -w start >/dev/null"
su postgres -s /bin/sh -c "psql -q -h $work -U postgres -c 'CREATE DATABASE shop' && psql -q -h $work -U postgres -d shop -f $work/rows.sql"
for mode in copy inserts column-inserts; do
  opt=""; [ "$mode" = copy ] || opt="--$mode"
  su postgres -s /bin/sh -c "pg_dump -h $work -U postgres $opt shop" > "$here/pg_dump-15-$mode.sql"
done

# MariaDB (mysqldump): backslashes in the rows are literal in standard SQL, so load with
# NO_BACKSLASH_ESCAPES and let mysqldump write them its own way.
mkdir "$work/my" && chown mysql "$work/my"
mariadb-install-db --user=mysql --datadir="$work/my" --auth-root-authentication-method=normal >/dev/null 2>&1
sock="$work/my/my.sock"
mariadbd --user=mysql --datadir="$work/my" --socket="$sock" --skip-networking --pid-file="$work/my/my.pid" >/dev/null 2>&1 &
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.2; done
mariadb --socket="$sock" -u root -e "CREATE DATABASE shop"
{ echo "SET sql_mode='NO_BACKSLASH_ESCAPES';"
  sed -e "s/E'line one\\\\nline two\\\\ttabbed'/CONCAT('line one', CHAR(10), 'line two', CHAR(9), 'tabbed')/" "$work/rows.sql"
} | mariadb --socket="$sock" -u root shop
for mode in extended complete-insert skip-extended-insert; do
  opt=""; [ "$mode" = extended ] || opt="--$mode"
  mysqldump --socket="$sock" -u root --skip-dump-date $opt shop > "$here/mysqldump-10.11-$mode.sql"
done
echo "dumps written to $here"
