#!/usr/bin/env bats
# omph-collect --push: snapshots as metrics into a real VictoriaMetrics
# (Debian's victoria-metrics, started here on loopback): OpenTSDB put lines
# on its -opentsdbListenAddr, InfluxDB line protocol on its HTTP /write.

load helper

LOG=combined/elastic-apache.log

# vm_start: VictoriaMetrics in $T/vm on $VMP (HTTP) and $VMQ (OpenTSDB),
# ports taken before unless set; returns once it answers
vm_start() {
	command -v victoria-metrics >/dev/null || skip "victoria-metrics is not installed (tests/deps.sh)"
	: "${VMP:=$(free_port)}" "${VMQ:=$(free_port)}"
	# the log is of 2015: a retention that keeps it; no latency offset
	victoria-metrics -storageDataPath "$T/vm" -httpListenAddr "127.0.0.1:$VMP" \
	    -opentsdbListenAddr "127.0.0.1:$VMQ" -retentionPeriod 100y \
	    -search.latencyOffset 0s >"$T/vm.log" 2>&1 3>&- 5>&- &
	vm=$!
	pids="$pids $vm"
	wait_until 20 curl -sf "http://127.0.0.1:$VMP/health" -o /dev/null
}

# export SELECTOR: the series matching SELECTOR, JSON lines
export_series() {
	curl -sf "http://127.0.0.1:$VMP/internal/force_flush" >/dev/null
	curl -sf "http://127.0.0.1:$VMP/api/v1/export" --data-urlencode "match[]=$1"
}

# last SELECTOR: the value at the latest timestamp of the one series
last() {
	export_series "$1" | python3 -c '
import json, sys
s = [json.loads(l) for l in sys.stdin if l.strip()]
assert len(s) == 1, s
v = sorted(zip(s[0]["timestamps"], s[0]["values"]))
print("%d" % v[-1][1])'
}

# stamps SELECTOR: how many distinct seconds the one series has samples at
stamps() {
	export_series "$1" | python3 -c '
import json, sys
s = [json.loads(l) for l in sys.stdin if l.strip()]
print(len(set(t for x in s for t in x["timestamps"])) if len(s) == 1 else -len(s))'
}

# snapshots FILE N: FILE holds N snapshots or more
snapshots() {
	[ "$(grep -c '^#snapshot' "$1")" -ge "$2" ]
}

# is VALUE COMMAND...: COMMAND prints VALUE (for wait_until)
is() {
	local v=$1

	shift
	[ "$("$@")" = "$v" ]
}

# at_least N COMMAND...: COMMAND prints N or more
at_least() {
	local n=$1

	shift
	[ "$("$@")" -ge "$n" ]
}

# figure FILE KEY COLUMN: in the last snapshot of FILE, COLUMN of row KEY
figure() {
	awk -F'\t' -v key="$2" -v col="$3" '
		/^#snapshot/ { v = "" }
		/^#status/ { for (i = 1; i <= NF; i++) if ($i == col) c = i }
		!/^#/ && $1 == key { v = $c }
		END { print v }' "$1"
}

@test "--push opentsdb:// and influx://: the hits of the site and of status 200 in VictoriaMetrics equal the snapshot's" {
	vm_start
	omph-parse combined <"$DATA/$LOG" 2>/dev/null |
	    omph-collect -k status --push "opentsdb://127.0.0.1:$VMQ" \
	    --push "influx://127.0.0.1:$VMP" >"$T/out" 2>"$T/err"
	[ ! -s "$T/err" ]
	site=$(figure "$T/out" '*' hits)
	ok=$(figure "$T/out" 200 hits)
	bytes=$(figure "$T/out" 200 bytes)
	[ "$site" -eq 9999 ]
	[ "$ok" -gt 9000 ]
	# OpenTSDB names: omph.METRIC; Influx: omph_FIELD (measurement_field)
	wait_until 10 is "$site" last '{__name__="omph.hits",panel="status",site="1"}'
	[ "$(last '{__name__="omph.hits",panel="status",status="200"}')" = "$ok" ]
	[ "$(last '{__name__="omph.bytes",panel="status",status="200"}')" = "$bytes" ]
	[ "$(last '{__name__="omph_hits",panel="status",site="1"}')" = "$site" ]
	[ "$(last '{__name__="omph_hits",panel="status",status="200"}')" = "$ok" ]
	[ "$(last '{__name__="omph_bytes",panel="status",status="200"}')" = "$bytes" ]
	# every status row of the snapshot is a series, and no other
	n=$(awk -F'\t' '/^#status/ { t = 1; next } /^#/ { t = 0 } t && $1 != "*"' "$T/out" | wc -l)
	[ "$(export_series '{__name__="omph.hits",status!=""}' | wc -l)" -eq "$n" ]
	[ "$(export_series '{__name__="omph_hits",status!=""}' | wc -l)" -eq "$n" ]
}

@test "--push: a server away at the start and started later gets the queued snapshots, every one" {
	VMP=$(free_port)
	VMQ=$(free_port)
	mkfifo "$T/in"
	exec 5<>"$T/in"
	omph-collect -k status --clock arrival --window 600 --interval 1 \
	    --push "opentsdb://127.0.0.1:$VMQ" --push "influx://127.0.0.1:$VMP" \
	    <"$T/in" >"$T/out" 2>"$T/err" 3>&- 5>&- &
	oc=$!
	pids="$pids $oc"
	omph-parse combined <"$DATA/$LOG" 2>/dev/null >&5
	# three snapshots made with nobody to take them
	wait_until 10 snapshots "$T/out" 3
	vm_start
	wait_until 20 at_least 3 stamps '{__name__="omph.hits",site="1"}'
	wait_until 20 at_least 3 stamps '{__name__="omph_hits",site="1"}'
	exec 5>&-
	wait_until 10 gone "$oc"
	wait "$oc"
	[ ! -s "$T/err" ]
	n=$(grep '^#snapshot' "$T/out" | cut -f2 | sort -u | wc -l)
	site=$(figure "$T/out" '*' hits)
	[ "$site" -eq 9999 ]
	echo "# $(grep -c '^#snapshot' "$T/out") snapshots in $n seconds, 3 made while away" >&3
	[ "$(stamps '{__name__="omph.hits",site="1"}')" -eq "$n" ]
	[ "$(stamps '{__name__="omph_hits",site="1"}')" -eq "$n" ]
	[ "$(last '{__name__="omph.hits",site="1"}')" = "$site" ]
	[ "$(last '{__name__="omph_hits",site="1"}')" = "$site" ]
}

@test "--push to servers that accept and never read: snapshots on time, memory bounded, the drop told" {
	P1=$(free_port)
	P2=$(free_port)
	# each takes connections and never reads them, with a small buffer
	python3 -c '
import socket, sys, time, select
ls = []
for p in sys.argv[1:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind(("127.0.0.1", int(p)))
    s.listen(16)
    ls.append(s)
kept = []
while True:
    r, _, _ = select.select(ls, [], [])
    for s in r:
        kept.append(s.accept()[0])
' "$P1" "$P2" 3>&- &
	pids="$pids $!"
	wait_until 10 sh -c "ss -ltn | grep -q ':$P2 '"
	mkfifo "$T/in"
	exec 5<>"$T/in"
	# two panels of a thousand rows, five snapshots a second: over 10 MB/s
	# of put lines, 2 MB/s of line protocol (the sanitizer's quarantine of
	# freed memory would count as resident)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4 \
	    omph-collect -k path -n 1000 -k client -n 1000 --clock arrival \
	    --window 600 --interval 0.2 \
	    --push "opentsdb://127.0.0.1:$P1" --push "influx://127.0.0.1:$P2" \
	    <"$T/in" >"$T/out" 2>"$T/err" 3>&- 5>&- &
	oc=$!
	pids="$pids $oc"
	omph-parse combined <"$DATA/$LOG" 2>/dev/null >&5
	wait_until 10 snapshots "$T/out" 1
	rss0=$(awk '/^VmRSS/ { print $2 }' "/proc/$oc/status")
	sleep 5
	rss1=$(awk '/^VmRSS/ { print $2 }' "/proc/$oc/status")
	s1=$(grep -c '^#snapshot' "$T/out")
	sleep 3
	rss2=$(awk '/^VmRSS/ { print $2 }' "/proc/$oc/status")
	s2=$(grep -c '^#snapshot' "$T/out")
	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$oc/status")
	echo "# rss $rss0 kB, $rss1 kB, $rss2 kB, peak $hwm kB; snapshots $s1, $s2" >&3
	# on time: 15 snapshots in 3 s (a few may be late on a busy machine)
	[ $((s2 - s1)) -ge 12 ]
	# the queues filled (two of 8 MiB and a chunk) and stay full (an eighth
	# more under the sanitizer: its shadow of the queues is resident too)
	[ "$hwm" -lt $((rss0 + 2 * 8448 * 9 / 8 + 4096)) ]
	[ "$rss2" -lt $((rss1 + 2048)) ]
	exec 5>&-
	wait_until 10 gone "$oc"
	run wait "$oc"
	[ "$status" -eq 0 ]
	grep -q "^omph-collect: --push opentsdb://127.0.0.1:$P1: [0-9]* lines dropped while the server was away$" "$T/err"
	grep -q "^omph-collect: --push influx://127.0.0.1:$P2: [0-9]* lines dropped while the server was away$" "$T/err"
	echo "# $(cat "$T/err")" >&3
	[ "$(wc -l <"$T/err")" -eq 2 ]
}

@test "--push: a URL of another kind is a usage error" {
	run omph-collect --push http://127.0.0.1:1 </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"not opentsdb://HOST:PORT or influx://HOST:PORT[/DB]"* ]]
	run omph-collect --push "influx://127.0.0.1:1/a b" </dev/null
	[ "$status" -eq 2 ]
}
