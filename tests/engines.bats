#!/usr/bin/env bats
# omph-send into the engines: a real ClickHouse server (Debian's
# clickhouse-server, a throw-away config in a temp dir, loopback ports),
# and Elasticsearch's _bulk API against tests/es-bulk.py, a receiver that
# checks every body against the documented format.
bats_require_minimum_version 1.5.0
load helper

CH_SERVER=$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)

setup_file() {
	[ -x "$CH_SERVER" ] || skip "clickhouse-server is not installed"
	CHD=$(mktemp -d "${TMPDIR:-/tmp}/omph-ch.XXXXXX")
	CHPORT=$(free_port)
	CHTCP=$(free_port)
	cat >"$CHD/config.xml" <<-XML
	<?xml version="1.0"?>
	<yandex>
	    <logger><level>warning</level><log>$CHD/server.log</log>
	    <errorlog>$CHD/err.log</errorlog><console>0</console></logger>
	    <http_port>$CHPORT</http_port>
	    <tcp_port>$CHTCP</tcp_port>
	    <listen_host>127.0.0.1</listen_host>
	    <path>$CHD/data/</path>
	    <tmp_path>$CHD/tmp/</tmp_path>
	    <user_files_path>$CHD/user_files/</user_files_path>
	    <format_schema_path>$CHD/format_schemas/</format_schema_path>
	    <users_config>$CHD/users.xml</users_config>
	    <default_profile>default</default_profile>
	    <default_database>default</default_database>
	    <timezone>UTC</timezone>
	    <mark_cache_size>268435456</mark_cache_size>
	    <max_connections>64</max_connections>
	    <keep_alive_timeout>10</keep_alive_timeout>
	</yandex>
	XML
	cat >"$CHD/users.xml" <<-XML
	<?xml version="1.0"?>
	<yandex>
	  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
	  <users><default><password></password>
	    <networks><ip>127.0.0.1</ip></networks>
	    <profile>default</profile><quota>default</quota></default></users>
	  <quotas><default><interval><duration>3600</duration><queries>0</queries>
	    <errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows>
	    <execution_time>0</execution_time></interval></default></quotas>
	</yandex>
	XML
	# it runs as root too; as another user only when asked
	"$CH_SERVER" --config-file="$CHD/config.xml" >"$CHD/out" 2>&1 3>&- &
	echo $! >"$CHD/pid"
	export CHD CHPORT
	wait_until 60 curl -sf "http://127.0.0.1:$CHPORT/ping" >/dev/null ||
	    { cat "$CHD/out" "$CHD/err.log" >&2; return 1; }
}

teardown_file() {
	[ -n "${CHD:-}" ] || return 0
	if [ -f "$CHD/pid" ]; then
		kill -CONT "$(cat "$CHD/pid")" 2>/dev/null
		kill "$(cat "$CHD/pid")" 2>/dev/null
		for _ in $(seq 100); do
			kill -0 "$(cat "$CHD/pid")" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$(cat "$CHD/pid")" 2>/dev/null
	fi
	rm -rf "$CHD"
}

# ch SQL: run SQL on the server, print its answer (TSV)
ch() {
	printf '%s' "$1" | curl -sfS --data-binary @- "http://127.0.0.1:$CHPORT/"
}

# the CREATE TABLE of README.md and omph-send(1), as table $1
ch_table() {
	ch "DROP TABLE IF EXISTS default.$1"
	sed -n '/^    CREATE TABLE logs\.access/,/^    ORDER BY/p' "$TOP/README.md" |
	    sed 's/^    //; s/logs\.access/default.'"$1"'/' >"$T/create.sql"
	grep -q MergeTree "$T/create.sql"
	ch "$(cat "$T/create.sql")"
}

# what omph-collect counts of records $1: "records<TAB>bytes"
collected() {
	omph-collect <"$1" 2>/dev/null | awk -F'\t' '$1 == "*" { print $2 "\t" $4; exit }'
}

@test "clickhouse: 9,999 real records land exactly: count and sum(bytes) are omph-collect's" {
	ch_table access
	omph-parse combined "$DATA/combined/elastic-apache.log" >"$T/r.tsv" 2>/dev/null
	run omph-send "clickhouse://127.0.0.1:$CHPORT/default.access" <"$T/r.tsv"
	[ "$status" -eq 0 ]
	[[ "$output" == *"9999 records, 9999 landed, 0 refused"* ]]
	[ "$(ch 'SELECT count(), sum(bytes) FROM default.access')" = "$(collected "$T/r.tsv")" ]
	# times are the records' own, in UTC
	[ "$(ch "SELECT toString(min(time)) FROM default.access")" = "2015-05-17 10:05:00" ]
	[ "$(head -2 "$T/r.tsv" | tail -1 | cut -f1)" = "2015-05-17T10:05:03Z" ]
	[ "$(ch "SELECT count() FROM default.access WHERE time = toDateTime('2015-05-17 10:05:03', 'UTC')")" -ge 1 ]
}

@test "clickhouse: the server stopped for 3 s mid-stream, then going on: still exact" {
	ch_table paused
	omph-parse combined "$DATA/combined/elastic-apache.log" >"$T/r.tsv" 2>/dev/null
	omph-send --rate 2500 "clickhouse://127.0.0.1:$CHPORT/default.paused" \
	    <"$T/r.tsv" 2>"$T/send.err" &
	sp=$!
	pids=$sp
	sleep 1.2
	kill -STOP "$(cat "$CHD/pid")"
	sleep 3
	kill -CONT "$(cat "$CHD/pid")"
	wait_until 60 gone "$sp"
	wait "$sp"
	pids=
	[ "$(ch 'SELECT count(), sum(bytes) FROM default.paused')" = "$(collected "$T/r.tsv")" ]
	grep -q '9999 landed, 0 refused' "$T/send.err"
}

@test "clickhouse: the server away at the start (refused), then there: held, retried, exact" {
	ch_table late
	omph-parse combined "$DATA/combined/elastic-apache.log" >"$T/r.tsv" 2>/dev/null
	port=$(free_port)
	# a proxy that is not there yet: connections refused for 2 s
	omph-send --linger 60 "clickhouse://127.0.0.1:$port/default.late" <"$T/r.tsv" 2>"$T/send.err" &
	sp=$!
	pids=$sp
	sleep 2
	python3 "$TOP/tests/net-tcp-proxy.py" "$port" "$CHPORT" 2>"$T/proxy.err" &
	pp=$!
	pids="$sp $pp"
	wait_until 60 gone "$sp"
	wait "$sp"
	pids=$pp
	[ "$(ch 'SELECT count(), sum(bytes) FROM default.late')" = "$(collected "$T/r.tsv")" ]
	grep -q 'Connection refused; retrying' "$T/send.err"
	grep -q 'taking records again' "$T/send.err"
}

@test "clickhouse: a row the table refuses (status abc into UInt16) is told with the server's words, saved in --rejects; the others land; exit 1" {
	ch_table refused
	{
		omph-parse combined "$DATA/combined/elastic-apache.log" 2>/dev/null | head -501
		printf '2015-05-17T10:05:03Z\t10.0.0.1\t\\N\tGET\t/bad\t\\N\tHTTP/1.1\tabc\t7\t\\N\t\\N\n'
		omph-parse combined "$DATA/combined/elastic-apache.log" 2>/dev/null | sed -n '502,1000p'
	} >"$T/r.tsv"
	run omph-send --rejects "$T/rej.tsv" "clickhouse://127.0.0.1:$CHPORT/default.refused" <"$T/r.tsv"
	[ "$status" -eq 1 ]
	[[ "$output" == *"clickhouse://127.0.0.1:$CHPORT/default.refused: row refused: Code: "* ]]
	[[ "$output" == *"abc"* ]]
	[[ "$output" == *"1000 records, 999 landed, 1 refused"* ]]
	[ "$(ch 'SELECT count() FROM default.refused')" = 999 ]
	[ "$(wc -l <"$T/rej.tsv")" = 2 ]
	[ "$(head -1 "$T/rej.tsv")" = "$(head -1 "$T/r.tsv")" ]
	grep -q '/bad' "$T/rej.tsv"
}

@test "SIGHUP: omph-send reopens --rejects that logrotate moved away, writes its header there again, and goes on" {
	ch_table hup
	mkfifo "$T/in"
	omph-send --rejects "$T/rej.tsv" "clickhouse://127.0.0.1:$CHPORT/default.hup" \
	    <"$T/in" 2>"$T/send.err" &
	sp=$!
	pids=$sp
	exec 5>"$T/in"
	omph-parse combined "$DATA/combined/elastic-apache.log" 2>/dev/null | head -11 >&5
	printf '2015-05-17T10:05:03Z\t10.0.0.1\t\\N\tGET\t/bad1\t\\N\tHTTP/1.1\tabc\t7\t\\N\t\\N\n' >&5
	wait_until 20 grep -q /bad1 "$T/rej.tsv"
	mv "$T/rej.tsv" "$T/rej.1"
	kill -HUP "$sp"
	printf '2015-05-17T10:05:04Z\t10.0.0.1\t\\N\tGET\t/bad2\t\\N\tHTTP/1.1\tabc\t7\t\\N\t\\N\n' >&5
	wait_until 20 grep -q /bad2 "$T/rej.tsv"
	exec 5>&-
	rc=0
	wait "$sp" || rc=$?
	pids=
	[ "$rc" -eq 1 ]		# rows were refused
	[ "$(head -1 "$T/rej.tsv")" = "$(head -1 "$T/rej.1")" ]
	[ "$(wc -l <"$T/rej.tsv")" -eq 2 ]
	! grep -q /bad2 "$T/rej.1"
	[ "$(ch 'SELECT count() FROM default.hup')" = 10 ]
}

@test "clickhouse: escapes arrive as COPY wrote them: TAB, LF, backslash, \\N, invalid UTF-8 as \\xHH text" {
	ch "DROP TABLE IF EXISTS default.esc"
	ch "CREATE TABLE default.esc (time DateTime('UTC'), path Nullable(String), agent Nullable(String)) ENGINE = MergeTree ORDER BY time"
	printf '#time\tpath\tagent\n2015-05-17T10:05:03.123Z\ta\\tb\\nc\\\\d\t\\N\n2015-05-18\t\\\\xe4\tx"y\n' |
	    omph-send "clickhouse://127.0.0.1:$CHPORT/default.esc" 2>/dev/null
	[ "$(ch "SELECT toString(time), hex(path), isNull(agent) FROM default.esc ORDER BY time FORMAT TSV")" = \
	    "$(printf '2015-05-17 10:05:03\t%s\t1\n2015-05-18 00:00:00\t%s\t0' \
	    "$(printf 'a\tb\nc\\d' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" \
	    "$(printf '\\xe4' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)")" ]
}

@test "clickhouse://: usage errors" {
	run -2 omph-send clickhouse://127.0.0.1:1/notable
	[[ "$output" == *"is not DB.TABLE"* ]]
	run -2 omph-send clickhouse://127.0.0.1:1
	run -2 omph-send --syslog clickhouse://127.0.0.1:1/a.b
	run -2 omph-send --rejects x tcp://127.0.0.1:1
	run -2 omph-send --timeout 1 tcp://127.0.0.1:1
	run -2 omph-send --timeout 0 clickhouse://127.0.0.1:1/a.b
}

@test "es: _bulk NDJSON as documented (checked by tests/es-bulk.py); 429 sent again and lands, 409 a duplicate, 400 refused and saved; _id the origin, @timestamp the time" {
	port=$(free_port)
	python3 "$TOP/tests/es-bulk.py" "$port" "$T/es.out" 2>"$T/es.err" &
	pids=$!
	wait_until 10 curl -s -o /dev/null "http://127.0.0.1:$port/"
	{
		printf '#time\tpath\tstatus\tbytes\torigin\n'
		printf '2026-11-23T10:00:01Z\t/p1\t200\t10\t0123456789abcdef:0:10\n'
		printf '2026-11-23T10:00:02Z\t/r429\t200\t5\t0123456789abcdef:10:20\n'
		printf '2026-11-23T10:00:03Z\t/r409\t200\t5\t0123456789abcdef:20:30\n'
		printf '2026-11-23T10:00:04Z\t/r400\t200\t5\t0123456789abcdef:30:40\n'
		printf '2026-11-23T10:00:05Z\t/q\\tx"\\\\\t\\N\tabc\t\\N\n'
	} >"$T/in.tsv"
	run omph-send --rejects "$T/rej.tsv" "es://127.0.0.1:$port/logs" <"$T/in.tsv"
	[ "$status" -eq 1 ]
	[[ "$output" == *"row refused: 400 mapper_parsing_exception: failed to parse field [bytes]"* ]]
	[[ "$output" == *"5 records, 3 landed, 1 refused, 1 duplicates"* ]]
	[ ! -s "$T/es.err" ]
	[ "$(wc -l <"$T/es.out")" = 3 ]
	python3 - "$T/es.out" <<-'PY'
	import json, sys
	d = [json.loads(l) for l in open(sys.argv[1])]
	by = {x["doc"]["path"]: x for x in d}
	assert by["/p1"]["id"] == "0123456789abcdef:0:10", by
	assert by["/p1"]["doc"] == {"@timestamp": "2026-11-23T10:00:01Z", "time": "2026-11-23T10:00:01Z", "path": "/p1", "status": 200, "bytes": 10, "origin": "0123456789abcdef:0:10"}, by
	assert "/r429" in by, by
	q = by['/q\tx"\\']
	assert q["id"] is None and "status" not in q["doc"] and q["doc"]["bytes"] == "abc", q
	PY
	[ "$(sed -n 2p "$T/rej.tsv" | cut -f2)" = /r400 ]
}

# hostile MODE URL-KIND: omph-send --linger 3 to tests/hostile-http.py in
# MODE, 200 real records; sets rc, secs (wall), rss (peak KiB), reqs (the
# requests the server got)
hostile() {
	local port u t0
	port=$(free_port)
	python3 "$TOP/tests/hostile-http.py" "$port" "$1" "$T/$1.log" 2>"$T/$1.py.err" &
	pids=$!
	wait_until 10 python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])))' "$port" 2>/dev/null
	if [ "$2" = ch ]; then u="clickhouse://127.0.0.1:$port/default.t"; else u="es://127.0.0.1:$port/logs"; fi
	omph-parse combined "$DATA/combined/elastic-apache.log" 2>/dev/null | head -201 >"$T/r.tsv"
	: >"$T/$1.log"
	t0=$(date +%s%N)
	rc=0
	/usr/bin/time -f %M -o "$T/rss" omph-send --linger 3 "$u" <"$T/r.tsv" 2>"$T/send.err" || rc=$?
	secs=$((($(date +%s%N) - t0) / 1000000000))
	rss=$(tail -1 "$T/rss")
	reqs=$(wc -l <"$T/$1.log")
	kill "$pids"; wait "$pids" 2>/dev/null || true; pids=
	echo "$1 $2: rc $rc, ${secs} s, peak RSS $rss KiB, $reqs requests" >&3
	cat "$T/send.err"
}

@test "hostile server: an endless body: read and thrown away past what is kept (64 KiB for ClickHouse, 32 MiB for Elasticsearch); at --linger every record told not delivered, exit 1" {
	hostile endless ch
	[ "$rc" -eq 1 ] && [ "$secs" -le 6 ] && [ "$rss" -lt 16384 ]
	grep -q ': 200 records not delivered within --linger' "$T/send.err"
	hostile endless es
	[ "$rc" -eq 1 ] && [ "$secs" -le 6 ] && [ "$rss" -lt 49152 ]
	grep -q ': 200 records not delivered within --linger' "$T/send.err"
}

@test "hostile server: a 100 MB Content-Length: read through in bounded memory, the batch retried, exit 1" {
	hostile big ch
	[ "$rc" -eq 1 ] && [ "$secs" -le 6 ] && [ "$rss" -lt 16384 ] && [ "$reqs" -ge 2 ]
	grep -q 'an answer longer than we keep; retrying' "$T/send.err"
	grep -q ': 200 records not delivered within --linger' "$T/send.err"
}

@test "hostile server: headers that never end: given up at 16 KiB, the batch retried, exit 1" {
	hostile headers ch
	[ "$rc" -eq 1 ] && [ "$secs" -le 6 ] && [ "$rss" -lt 16384 ] && [ "$reqs" -ge 2 ]
	grep -q 'not an HTTP/1.1 answer; retrying' "$T/send.err"
	grep -q ': 200 records not delivered within --linger' "$T/send.err"
}

@test "hostile server: a 200 with garbage instead of the _bulk JSON: nothing counted as landed, retried with backoff, exit 1" {
	hostile garbage es
	[ "$rc" -eq 1 ] && [ "$secs" -le 6 ] && [ "$rss" -lt 16384 ]
	# backoff: 100 ms doubling, not a request every turn
	[ "$reqs" -ge 2 ] && [ "$reqs" -le 8 ]
	[ "$(grep -c 'does not match the request; retrying' "$T/send.err")" -eq 1 ]
	! grep -q 'taking records again' "$T/send.err"
	grep -q '200 records, 0 landed' "$T/send.err"
	grep -q ': 200 records not delivered within --linger' "$T/send.err"
}

@test "hostile server: a body trickling a byte a second: ends at --linger; the answer's --timeout gives up the request and sends the batch again" {
	hostile trickle ch
	[ "$rc" -eq 1 ] && [ "$secs" -le 6 ] && [ "$rss" -lt 16384 ]
	grep -q ': 200 records not delivered within --linger' "$T/send.err"
	# the answer's own timeout
	port=$(free_port)
	python3 "$TOP/tests/hostile-http.py" "$port" trickle "$T/t.log" &
	pids=$!
	wait_until 10 python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])))' "$port" 2>/dev/null
	rc=0
	omph-send --timeout 1.5 --linger 3.5 "clickhouse://127.0.0.1:$port/default.t" <"$T/r.tsv" 2>"$T/send.err" || rc=$?
	[ "$rc" -eq 1 ]
	grep -q 'no whole answer within 1.5 s; retrying' "$T/send.err"
	[ "$(wc -l <"$T/t.log")" -ge 2 ]
	grep -q ': 200 records not delivered within --linger' "$T/send.err"
}

@test "--buffer 1M, the server down: omph-send stops reading its input at the bound (the writer blocks), then drains all when the server comes: exact" {
	ch_table bounded
	omph-parse combined "$DATA/combined/elastic-apache.log" >"$T/r1.tsv" 2>/dev/null
	{ cat "$T/r1.tsv"; tail -n +2 "$T/r1.tsv"; tail -n +2 "$T/r1.tsv"; } >"$T/r.tsv"
	port=$(free_port)
	python3 "$TOP/tests/pipe-count.py" "$T/r.tsv" "$T/count" -- omph-send --buffer 1M \
	    --max-line 64k --linger 120 "clickhouse://127.0.0.1:$port/default.bounded" 2>"$T/send.err" &
	wp=$!
	pids=$wp
	wait_until 30 test -s "$T/count"
	read -r sp written <"$T/count"
	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$sp/status")
	echo "backpressure: the writer blocked after $written of $(wc -c <"$T/r.tsv") bytes; omph-send VmHWM $hwm KiB" >&3
	# held at most 1 MiB (+ a record), plus the pipe (64 KiB) and the line reader
	[ "$written" -ge 1048576 ] && [ "$written" -le $((1048576 + 3 * 65536 + 2 * 65536 + 262144)) ]
	[ "$hwm" -lt 16384 ]
	python3 "$TOP/tests/net-tcp-proxy.py" "$port" "$CHPORT" 2>"$T/proxy.err" &
	pp=$!
	pids="$wp $pp"
	wait_until 60 gone "$wp"
	rc=0
	wait "$wp" || rc=$?
	pids=$pp
	[ "$rc" -eq 0 ]
	[ "$(ch 'SELECT count(), sum(bytes) FROM default.bounded')" = "$(collected "$T/r.tsv")" ]
}
