#!/usr/bin/env bats
# omph-parse --no-header output loads unchanged into a real PostgreSQL
# server: a throw-away instance on a Unix socket in a temp dir, no TCP.
# README.md's PostgreSQL examples run here, against it.
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
	export PSQLRC=/dev/null
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

@test "README.md: the PostgreSQL examples print what README.md shows" {
	local l failed=""

	# a database of their own, the blocks in README order, as a reader
	# runs them
	sql "CREATE DATABASE readme"
	for l in $(sh "$TOP/tests/examples.sh" blocks "$TOP/README.md" |
	    awk -F'\t' '$2 == "needs:postgres" { print $1 }'); do
		PGDATABASE=readme sh "$TOP/tests/examples.sh" run "$TOP/README.md" "$l" ||
		    failed="$failed $l"
	done
	echo "blocks that differ, by line:${failed:- none}"
	[ -z "$failed" ]
}

# readme_json_copy: the psql command with which README.md loads -o json
# records into a jsonb column, taken from README.md
readme_json_copy() {
	grep '^ *psql -c "\\copy docs FROM STDIN WITH (FORMAT csv' "$TOP/README.md" |
	    sed 's/^ *//'
}

@test "-o json loads into jsonb as README.md shows: quote, backslash, TAB, control and invalid UTF-8 exact" {
	cmd=$(readme_json_copy)
	[ -n "$cmd" ]
	sql "DROP TABLE IF EXISTS docs; CREATE TABLE docs (doc jsonb)"
	printf '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a\tb\\\\c HTTP/1.1" 200 5 "-" "say \\"hi\\" \033[2J \377"\n' >"$T/log"
	omph-parse -o json combined "$T/log" >"$T/json"
	# plain \copy (text format) takes the JSON's backslashes as its own
	# escapes: refused (a real TAB inside a JSON string)
	run --separate-stderr psql -X -v ON_ERROR_STOP=1 -c '\copy docs FROM STDIN' <"$T/json"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"invalid input syntax for type json"* ]]
	run --separate-stderr sh -c "$cmd" <"$T/json"
	[ "$status" -eq 0 ]
	[ "$output" = "COPY 1" ]
	[ "$(sql "SELECT doc->>'path' = E'/a\\tb\\\\c' FROM docs")" = t ]
	[ "$(sql "SELECT doc->>'agent' = E'say \"hi\" \\\\x1b[2J \\\\xff' FROM docs")" = t ]
	[ "$(sql "SELECT doc->'status' = '200'::jsonb AND doc->'bytes' = '5'::jsonb FROM docs")" = t ]
	# the whole document, as jsonb prints it back
	[ "$(sql "SELECT doc FROM docs")" = '{"path": "/a\tb\\c", "time": "2000-10-10T20:55:36Z", "agent": "say \"hi\" \\x1b[2J \\xff", "bytes": 5, "client": "1.2.3.4", "method": "GET", "status": 200, "protocol": "HTTP/1.1"}' ]
}

@test "HEADER MATCH: a W3C log whose #Fields change loads only with a fixed --fields list" {
	sql "DROP TABLE IF EXISTS w; CREATE TABLE w (time timestamptz,
	    client text, status int, path text)"
	log=$DATA/w3c/beats-iis-test.log
	[ "$(grep -c '^#Fields' "$log")" = 3 ]
	# every #Fields change is a new header line: COPY reads the second
	# as a record
	run --separate-stderr sh -c 'omph-parse w3c "$1" 2>/dev/null | sed "1s/^#//" |
	    psql -X -c "\\copy w (time, client, status, path) FROM STDIN WITH (HEADER MATCH)"' sh "$log"
	[ "$status" -ne 0 ]
	[ "$(sql 'SELECT count(*) FROM w')" = 0 ]
	# --plain-header refuses to write a second header: exit 1, said
	run --separate-stderr omph-parse --plain-header w3c "$log"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"omph-parse: the columns changed mid-stream (a W3C #Fields line); --plain-header writes its header once"* ]]
	[ "$(grep -c . <<<"$output")" -ge 2 ]
	[[ "${lines[0]}" != "#"* ]]
	run --separate-stderr sh -c 'omph-parse --plain-header --fields time,client,status,path w3c "$1" 2>/dev/null |
	    psql -X -c "\\copy w FROM STDIN WITH (HEADER MATCH)"' sh "$log"
	[ "$status" -eq 0 ]
	[ "$output" = "COPY 3" ]
	[ "$(sql 'SELECT count(*) FROM w')" = 3 ]
}

# the man pages whose EXAMPLES are tests (tests/examples.bats has the list
# too)
MAN_EXAMPLES="omph-tail.1 omph-parse.1 omph-top.1 omph-collect.1 omph-send.1 omph.7"

@test "man pages: the PostgreSQL examples print what the pages show" {
	local page db l failed=""

	# a database for each page, its blocks in order, as a reader runs them
	for page in $MAN_EXAMPLES; do
		db=$(echo "man_${page%.*}" | tr -c 'a-z0-9\n' _)
		sql "CREATE DATABASE $db"
		for l in $(sh "$TOP/tests/examples.sh" blocks "$TOP/man/$page" |
		    awk -F'\t' '$2 == "needs:postgres" { print $1 }'); do
			PGDATABASE=$db sh "$TOP/tests/examples.sh" run "$TOP/man/$page" "$l" ||
			    failed="$failed $page:$l"
		done
	done
	echo "blocks that differ:${failed:- none}"
	[ -z "$failed" ]
}
