#!/usr/bin/env bats
# omph-parse --no-header output loads unchanged into a real PostgreSQL
# server: a throw-away instance on a Unix socket in a temp dir, no TCP.
bats_require_minimum_version 1.5.0
load helper

setup_file() {
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -x "$PGBIN/initdb" ] || skip "PostgreSQL is not installed"
	PGD=$(mktemp -d "${TMPDIR:-/tmp}/omph-pg.XXXXXX")
	chmod 755 "$PGD"
	as=""
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$PGD"
		as="runuser -u postgres --"
	fi
	$as "$PGBIN/initdb" -D "$PGD/data" -A trust -U omph >"$PGD/initdb.log" 2>&1
	$as "$PGBIN/pg_ctl" -D "$PGD/data" -l "$PGD/pg.log" -w -t 60 \
	    -o "-k $PGD -c listen_addresses= -p 5439" start >/dev/null
	export PGBIN PGD PGHOST=$PGD PGPORT=5439 PGUSER=omph PGDATABASE=postgres
	export as
}

teardown_file() {
	[ -n "${PGD:-}" ] || return 0
	$as "$PGBIN/pg_ctl" -D "$PGD/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$PGD"
}

sql() {
	psql -X -q -v ON_ERROR_STOP=1 -At -c "$1"
}

make_table() {
	sql "DROP TABLE IF EXISTS t; CREATE TABLE t (time timestamptz,
	    client text, \"user\" text, method text, path text, query text,
	    protocol text, status int, bytes bigint, referer text, agent text)"
}

@test "combined records of a real log load with \\copy, counts and sums exact" {
	make_table
	omph-parse --no-header combined "$DATA/combined/elastic-apache.log" \
	    >"$T/rec" 2>/dev/null
	run --separate-stderr psql -X -v ON_ERROR_STOP=1 -c '\copy t FROM STDIN' <"$T/rec"
	[ "$status" -eq 0 ]
	[ "$(sql 'SELECT count(*) FROM t')" = 9999 ]
	# the truncated line 8899 is the one rejected; the rest agree with awk
	want=$(sed 8899d "$DATA/combined/elastic-apache.log" |
	    awk '{ s += ($10 == "-" ? 0 : $10) } END { printf "%.0f\n", s }')
	[ "$(sql 'SELECT sum(bytes) FROM t')" = "$want" ]
	want=$(sed 8899d "$DATA/combined/elastic-apache.log" | awk '$9 == 404' | wc -l)
	[ "$(sql 'SELECT count(*) FROM t WHERE status = 404')" = "$want" ]
	[ "$(sql "SELECT to_char(min(time) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM t")" = "2015-05-17 10:05:00" ]
	# the \xe4 escapes of line 8331 stay text, valid in a UTF8 database
	[ "$(sql "SELECT count(*) FROM t WHERE referer LIKE 'http://\\\\xe4%'")" = 3 ]
}

@test "escapes round-trip: TAB, backslash, quote, control and invalid UTF-8" {
	sql "DROP TABLE IF EXISTS e; CREATE TABLE e (client text, path text,
	    status int, bytes bigint, agent text)"
	printf '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a\tb\\\\c HTTP/1.1" 200 5 "-" "say \\"hi\\" \033[2J \377"\n' >"$T/log"
	omph-parse --no-header --fields client,path,status,bytes,agent \
	    combined "$T/log" >"$T/rec"
	run --separate-stderr psql -X -v ON_ERROR_STOP=1 -c '\copy e FROM STDIN' <"$T/rec"
	[ "$status" -eq 0 ]
	[ "$(sql "SELECT path = E'/a\\tb\\\\c' FROM e")" = t ]
	[ "$(sql "SELECT agent = E'say \"hi\" \\\\x1b[2J \\\\xff' FROM e")" = t ]
}
