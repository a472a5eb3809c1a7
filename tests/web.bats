#!/usr/bin/env bats
# The web face of omph-collect --http: the JSON API, the event stream and
# /metrics read with curl, checked by promtool and scraped by a real
# Prometheus, and the dashboard loaded by a real (headless) Chromium.  A
# collector reads a real log through a FIFO, so lines can be added while it
# serves; loopback only, a free port per server, everything stopped by PID.
bats_require_minimum_version 1.5.0
load helper

LOG=$DATA/combined/elastic-apache.log

setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/omph-test.XXXXXX")
	pids=
	omph-parse combined "$LOG" >"$T/r" 2>/dev/null
	head -n 1 "$T/r" >"$T/h"
}

# web ARGS...: omph-collect --http $P ARGS on the FIFO $T/in (kept open by
# a writer on fd 5 of this shell), snapshots into $T/out; its pid in wpid.
# Returns once /api/snapshot answers.
web() {
	P=$(free_port)
	mkfifo "$T/in"
	omph-collect --http "$P" --interval 0.2 "$@" <"$T/in" >"$T/out" \
	    2>"$T/err" 3>&- &
	wpid=$!
	pids="$pids $wpid"
	exec 5>"$T/in"
	wait_until 10 curl -sf -o /dev/null "http://127.0.0.1:$P/api/snapshot"
}

# get PATH: the body of GET PATH
get() {
	curl -sf "http://127.0.0.1:$P$1"
}

# jrec: the records of the latest JSON snapshot
jrec() {
	get /api/snapshot | jq -r .records
}
is_jrec() {
	[ "$(jrec)" = "$1" ]
}

@test "--http: /api/snapshot is the snapshot as JSON, the same as -o json writes; the page and its files; 404, 405, 400, 431; every answer with its security headers" {
	web -k status -n 5
	cat "$T/r" >&5
	wait_until 10 is_jrec 9999
	get /api/snapshot >"$T/snap.json"
	jq -e '.records == 9999 and .final == false and (.top | length) == 5' "$T/snap.json"
	# the same counts as a batch run's JSON
	omph-collect -k status -n 5 -o json <"$T/r" | jq -c '.top' >"$T/batch"
	jq -c '.top' "$T/snap.json" | diff "$T/batch" -
	[ "$(jq -r '.top[0].status' "$T/snap.json")" = 200 ]
	[ "$(jq -r '.top[0].hits' "$T/snap.json")" = "$(sed 8899d "$LOG" | awk '$9 == 200' | wc -l)" ]
	# the page and its files
	for f in / /index.html /app.js /app.css; do
		curl -s -D "$T/hdr" -o "$T/body" "http://127.0.0.1:$P$f"
		grep -q '^HTTP/1.1 200' "$T/hdr"
		grep -qi "^content-security-policy: default-src 'self'; script-src 'self';" "$T/hdr"
		grep -qi '^x-content-type-options: nosniff' "$T/hdr"
		[ -s "$T/body" ]
	done
	grep -q '<script src="/app.js"' "$T/body" || curl -s "http://127.0.0.1:$P/" | grep -q 'src="/app.js"'
	! curl -s "http://127.0.0.1:$P/" | grep -qi '<script>'
	# what is not there, what is not a GET, what is not HTTP
	run curl -s -D "$T/hdr" -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/nosuch"
	[ "$output" = 404 ]
	grep -qi '^x-content-type-options: nosniff' "$T/hdr"
	run curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$P/api/snapshot"
	[ "$output" = 405 ]
	run curl -s -I -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/api/snapshot"
	[ "$output" = 200 ]
	python3 - "$P" >"$T/raw" <<'PY'
import socket, sys
def ask(data):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(data)
    s.settimeout(5)
    got = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
    print(got.split(b"\r\n")[0].decode())
ask(b"GET / HTTP/1.1\r\nHost: x\r\nBad Field\r\n\r\n")
ask(b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-A: " + b"a" * 9000 + b"\r\n\r\n")
ask(b"GET / HTTP/3.0\r\n\r\n")
PY
	printf '%s\n' 'HTTP/1.1 400 Bad Request' 'HTTP/1.1 431 Request Header Fields Too Large' \
	    'HTTP/1.1 505 HTTP Version Not Supported' | diff - "$T/raw"
	# the collector went on
	kill -0 "$wpid"
	exec 5>&-
	wait "$wpid"
	! grep -E 'runtime error|Sanitizer' "$T/err"
}

events_at_least() {
	[ "$(grep -c '^data: {' "$T/stream")" -ge "$1" ]
}

@test "--http: /api/stream sends the latest snapshot at once and one event per snapshot; the counts follow the lines added" {
	web -k path
	head -n 1001 "$T/r" >&5
	wait_until 10 is_jrec 1000
	timeout 5 curl -sN "http://127.0.0.1:$P/api/stream" >"$T/stream" &
	spid=$!
	wait_until 5 grep -q '^data: {' "$T/stream"
	tail -n +1002 "$T/r" >&5
	# 0.2 s between snapshots: an event each, the last ones with all
	wait_until 10 grep -q '"records":9999' "$T/stream"
	wait_until 5 events_at_least 3
	kill "$spid" 2>/dev/null || true
	wait "$spid" || true
	# each event one JSON document on one line, then an empty line
	grep '^data: ' "$T/stream" | sed 's/^data: //' | jq -e .records >/dev/null
	awk 'NR % 2 == 0 && $0 != "" { bad = 1 } END { exit bad }' "$T/stream"
	exec 5>&-
	wait "$wpid"
}

@test "--http /metrics: Prometheus text 0.0.4 that promtool checks; counters equal the log's; a real Prometheus scrapes them" {
	command -v promtool && command -v prometheus
	web -k path --window 60
	cat "$T/r" >&5
	wait_until 10 is_jrec 9999
	curl -s -D "$T/hdr" "http://127.0.0.1:$P/metrics" >"$T/m"
	grep -qi '^content-type: text/plain; version=0.0.4' "$T/hdr"
	promtool check metrics <"$T/m"
	grep -qx 'omph_records_total 9999' "$T/m"
	grep -qx "omph_responses_total{class=\"5xx\"} $(awk '$9 ~ /^5/' "$LOG" | wc -l)" "$T/m"
	grep -qx "omph_bytes_total $(omph-collect -o json <"$T/r" | jq .total.bytes)" "$T/m"
	grep -qx "omph_visitors $(omph-collect --window 60 -o json <"$T/r" | jq .total.visitors)" "$T/m"
	grep -qx 'omph_keys{panel="path"} [0-9]*' "$T/m"
	grep -qx 'omph_duration_seconds_bucket{le="+Inf"} 0' "$T/m"
	grep -q '^# TYPE omph_duration_seconds histogram$' "$T/m"
	# every family has HELP and TYPE; no timestamps; no path as a label
	[ "$(grep -c '^# HELP ' "$T/m")" = "$(grep -c '^# TYPE ' "$T/m")" ]
	grep -v '^#' "$T/m" | awk 'NF != 2 { bad = 1 } END { exit bad }'
	! grep -q 'path=' "$T/m"
	# a real Prometheus, scraping every second
	PP=$(free_port)
	cat >"$T/prom.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: omph
    static_configs:
      - targets: ['127.0.0.1:$P']
EOF
	prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" \
	    --web.listen-address="127.0.0.1:$PP" >"$T/prom.log" 2>&1 3>&- &
	ppid=$!
	pids="$pids $ppid"
	wait_until 30 prom_has 9999
	kill "$ppid"
	exec 5>&-
	wait "$wpid"
}

# prom_has N: the real Prometheus answers omph_records_total = N
prom_has() {
	curl -sf "http://127.0.0.1:$PP/api/v1/query?query=omph_records_total" |
	    jq -e --arg n "$1" '.data.result[0].value[1] == $n' >/dev/null
}

# page STEP...: tests/cdp.py's steps on the dashboard, in a 1280 x 900 window
page() {
	timeout 90 python3 "$TOP/tests/cdp.py" "$T/chrome" "http://127.0.0.1:$P/" \
	    1280 900 "$@"
}

@test "--http: a real browser shows the log's paths and counts, updated as lines come, a table per panel; a log's <script> and onerror stay text" {
	command -v chromium
	web -k path -n 2000 -k status --alert '4xx>200' --alert-min-hits 1
	head -n 5001 "$T/r" >&5
	wait_until 10 is_jrec 5000
	top=$(get /api/snapshot | jq -c '[.top[0].path, .top[0].hits]')
	# the lines that try to run code in the page come after the rest
	{
		tail -n +5002 "$T/r"
		printf '#time\tclient\tmethod\tpath\tstatus\tbytes\n'
		for i in $(seq 1 20); do
			printf '2026-01-01T00:00:00Z\t1.2.3.4\tGET\t/<script>document.title="pwned"</script>\t200\t1\n'
			printf '2026-01-01T00:00:00Z\t1.2.3.4\tGET\t/"><img src=x onerror=document.title="pwned">\t200\t1\n'
		done
	} >"$T/more"
	mkdir -p "$TOP/obj/test-artifacts"
	page wait:1 \
	    "until:document.getElementById('records').textContent === '5000'" \
	    "eval:(function () { var r = document.querySelector('section.panel tbody tr'); return [r.querySelector('td.key').textContent, +r.querySelector('td.hits').textContent]; })()" \
	    "sh:cat '$T/more' >'$T/in'" \
	    "until:document.getElementById('records').textContent === '10039'" \
	    "eval:(function () { var r = document.querySelector('section.panel tbody tr'); return [r.querySelector('td.key').textContent, +r.querySelector('td.hits').textContent]; })()" \
	    "eval:[].map.call(document.querySelectorAll('td.key'), function (e) { return e.textContent; }).filter(function (t) { return t.indexOf('pwned') >= 0; }).sort()" \
	    "eval:[document.title.indexOf('pwned'), document.querySelectorAll('img').length, document.querySelectorAll('script').length]" \
	    "eval:[].map.call(document.querySelectorAll('section.panel'), function (e) { return e.getAttribute('data-panel'); })" \
	    "eval:(function () { var r = document.querySelector('section.panel[data-panel=status] tbody tr'); return [r.querySelector('td.key').textContent, +r.querySelector('td.hits').textContent]; })()" \
	    "eval:[].map.call(document.querySelectorAll('#alerts li .akey'), function (e) { return e.textContent; })" \
	    "shot:$TOP/obj/test-artifacts/dashboard.png" >"$T/seen" 2>"$T/console" || { cat "$T/seen" "$T/console" "$T/chrome/chrome.err" | tail -20; false; }
	cat "$T/seen" "$T/console"
	# the top path and its count, as the API had them, then updated
	[ "$(sed -n 1p "$T/seen")" = "$top" ]
	[ "$(sed -n 2p "$T/seen")" = "$(get /api/snapshot | jq -c '[.top[0].path, .top[0].hits]')" ]
	[ "$(sed -n 2p "$T/seen")" != "$top" ]
	# the hostile paths are text in their cells; nothing ran, nothing was made
	[ "$(sed -n 3p "$T/seen")" = '["/\"><img src=x onerror=document.title=\"pwned\">","/<script>document.title=\"pwned\"</script>"]' ]
	[ "$(sed -n 4p "$T/seen")" = '[-1,0,1]' ]
	# a table per panel: the status panel's top row as the API has it; its
	# alert is listed with the panel's name
	[ "$(sed -n 5p "$T/seen")" = '["path","status"]' ]
	[ "$(sed -n 6p "$T/seen")" = "$(get /api/snapshot | jq -c '[.panels[1].top[0].status, .panels[1].top[0].hits]')" ]
	[ "$(sed -n 7p "$T/seen")" = '["status: 404"]' ]
	! grep -q EXCEPTION "$T/console"
	[ -s "$TOP/obj/test-artifacts/dashboard.png" ]
	exec 5>&-
	wait "$wpid"
}

@test "--http: 500 idle connections and slow heads do not keep the page from loading, nor a sender over TCP from being counted" {
	LP=$(free_port)
	web -k path --listen "tcp://127.0.0.1:$LP"
	python3 - "$P" 500 >"$T/idle.out" 2>&1 <<'PY' &
import socket, sys, time
socks = []
for i in range(int(sys.argv[2])):
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        if i % 2:
            s.sendall(b"GET / HTTP/1.1\r\nHo")   # a head that never ends
        socks.append(s)
    except OSError:
        pass
print(len(socks), "open", flush=True)
time.sleep(60)
PY
	ipid=$!
	pids="$pids $ipid"
	wait_until 20 grep -q '^500 open' "$T/idle.out"
	omph-send --id w1 --rate 4000 "tcp://127.0.0.1:$LP" <"$T/r" 2>"$T/send.err" 3>&- &
	spid=$!
	pids="$pids $spid"
	# while it flows: the page, its files and the API answer, each in time
	for i in 1 2 3 4 5; do
		curl -sf -m 2 -o /dev/null "http://127.0.0.1:$P/"
		curl -sf -m 2 -o /dev/null "http://127.0.0.1:$P/app.js"
		get /api/snapshot | jq -e '.records >= 0' >/dev/null
		sleep 0.2
	done
	[ "$(get /api/snapshot | jq .records)" -lt 9999 ]	# still flowing
	wait "$spid"
	wait_until 10 is_jrec 9999
	[ "$(get /api/snapshot | jq -r '.senders[0].sender + " " + (.senders[0].records | tostring)')" = "w1 9999" ]
	get /metrics | grep -qx 'omph_sender_records_total{sender="w1"} 9999'
	kill "$ipid"
	# listening, the collector ends at a signal, not at the end of stdin
	kill -TERM "$wpid"
	wait "$wpid"
}

@test "--http with -o json: the API serves the same document stdout gets" {
	web -k status -n 2 -o json
	cat "$T/r" >&5
	wait_until 10 is_jrec 9999
	# what the API serves is a line stdout got, byte for byte
	get /api/snapshot >"$T/doc"
	wait_until 5 grep -qxF -f "$T/doc" "$T/out"
	exec 5>&-
	wait "$wpid"
	jq -e '.final == true and .records == 9999 and (.top | length) == 2' <(tail -n 1 "$T/out")
}
