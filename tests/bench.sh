#!/bin/sh
# make bench: throughput of each command beside baselines (mawk, wc, cat)
# measured in the same run on the same generated input.  Best of 3 runs.
cd "$(dirname "$0")/.." || exit 1
B=bench
LINES=${BENCH_LINES:-1000000}
mkdir -p $B
log=$B/combined-$LINES.log
[ -s "$log" ] || bin/omph-loggen -n "$LINES" -s 42 >"$log" || exit 1
size=$(wc -c <"$log")

now() { date +%s.%N; }

# best NAME CMD [OUT]: run CMD (a shell string) 3 times, print its best
# rate; OUT, a file CMD writes, is removed before each run, untimed (so
# that freeing the last run's blocks is not counted)
best() {
	name=$1
	shift
	t=
	for i in 1 2 3; do
		[ -z "${2:-}" ] || rm -f "$2"
		s=$(now)
		sh -c "$1" >/dev/null 2>&1
		e=$(now)
		t=$(echo "$s $e ${t:-}" | awk '{ d = $2 - $1; if ($3 == "" || d < $3) d = d; else d = $3; print d }')
	done
	echo "$name $t" | awk -v size="$size" -v lines="$LINES" '{
		printf "%-34s %8.1f MiB/s %10.0f lines/s %7.3f s\n", $1,
		    size / 1048576 / $2, lines / $2, $2 }'
	echo "$t" >"$B/t.$name"
}

echo "input: $log, $LINES lines, $((size / 1048576)) MiB"
best "cat" "cat $log"
best "wc-l" "wc -l $log"
best "mawk-count-status" "mawk '{c[\$9]++}' $log"
best "omph-parse-combined" "bin/omph-parse combined $log"
best "omph-parse-combined-json" "bin/omph-parse -o json combined $log"
best "omph-floor" "bin/omph-floor $log"
if command -v goaccess >/dev/null 2>&1; then
	# GoAccess with every panel, JSON out (issue 16's peer); once, as it
	# takes some fifty times longer than what it is compared with
	s=$(now)
	/usr/bin/time -f "%M" -o $B/rss.goaccess goaccess --log-format=COMBINED -o json $log >/dev/null 2>&1
	e=$(now)
	echo "$s $e" | awk '{ print $2 - $1 }' >$B/t.goaccess
	echo "$(cat $B/t.goaccess) $(cat $B/rss.goaccess)" | awk -v size="$size" -v lines="$LINES" '{
		printf "%-34s %8.1f MiB/s %10.0f lines/s %7.3f s, peak RSS %.1f MiB\n", "goaccess-json",
		    size / 1048576 / $1, lines / $1, $1, $2 / 1024 }'
fi
awk 'BEGIN {
	getline m < "'$B'/t.mawk-count-status"; getline p < "'$B'/t.omph-parse-combined"
	printf "omph-parse vs mawk: %.2fx (target >= 1.0, stretch 1.5)\n", m / p }'

# --- issue 16: omph-parse ratios to mawk, beside their targets -----------
# (each a ratio of best times in this run: below 1 is faster than mawk)
w3clog=$B/w3c-$LINES.log
[ -s "$w3clog" ] || bin/omph-loggen -f w3c -n "$LINES" -s 42 >"$w3clog" || exit 1
best "mawk-w3c-count-status" "mawk '{c[\$12]++}' $w3clog"
best "omph-parse-w3c" "bin/omph-parse w3c $w3clog"
best "omph-parse-nginx-format" "bin/omph-parse 'nginx:\$remote_addr - \$remote_user [\$time_local] \"\$request\" \$status \$body_bytes_sent \"\$http_referer\" \"\$http_user_agent\"' $log"
best "omph-parse-combined-j2" "bin/omph-parse -j 2 combined $log"
best "omph-parse-combined-j2-pipe" "bin/omph-parse -j 2 combined $log | cat"
best "omph-parse-combined-j1-pipe" "bin/omph-parse combined $log | cat"
awk 'BEGIN {
	getline m < "'$B'/t.mawk-count-status"; getline p < "'$B'/t.omph-parse-combined"
	getline j < "'$B'/t.omph-parse-combined-json"; getline ng < "'$B'/t.omph-parse-nginx-format"
	getline mw < "'$B'/t.mawk-w3c-count-status"; getline w < "'$B'/t.omph-parse-w3c"
	getline j2 < "'$B'/t.omph-parse-combined-j2"
	getline p2 < "'$B'/t.omph-parse-combined-j2-pipe"; getline p1 < "'$B'/t.omph-parse-combined-j1-pipe"
	printf "omph-parse combined / mawk:        %.2f (target <= 0.50)\n", p / m
	printf "omph-parse -o json / mawk:         %.2f (target <= 0.80)\n", j / m
	printf "omph-parse w3c / mawk (w3c):       %.2f (target <= 0.60)\n", w / mw
	printf "omph-parse nginx: / combined:      %.2f (target <= 1.0: the same program path)\n", ng / p
	getline f < "'$B'/t.omph-floor"
	printf "omph-parse -j 2 speed-up:          %.2fx to /dev/null, %.2fx to a pipe (target >= 1.8)\n", p / j2, p1 / p2
	printf "omph-parse combined / SIMD floor:  %.2f (target <= 1.6; the floor reads and indexes each byte once, parses and writes nothing)\n", p / f }'
# --- end of issue 16 -------------------------------------------------------

# omph-tail: bytes of a file to a pipe, beside cat to a pipe
best "cat-to-pipe" "cat $log | cat"
best "omph-tail-once-to-pipe" "bin/omph-tail --once $log | cat"
awk 'BEGIN {
	getline c < "'$B'/t.cat-to-pipe"; getline t < "'$B'/t.omph-tail-once-to-pipe"
	printf "omph-tail vs cat to a pipe: %.0f%% (target >= 80%%)\n", 100 * c / t }'
# issue 16: omph-tail --once to a file, beside cat to a file
best "cat-to-file" "cat $log >$B/cat.out" $B/cat.out
best "omph-tail-once-to-file" "bin/omph-tail --once $log >$B/tail.out" $B/tail.out
rm -f $B/cat.out $B/tail.out
awk 'BEGIN {
	getline c < "'$B'/t.cat-to-pipe"; getline t < "'$B'/t.omph-tail-once-to-pipe"
	getline cf < "'$B'/t.cat-to-file"; getline tf < "'$B'/t.omph-tail-once-to-file"
	printf "omph-tail --once / cat:            %.2f to a pipe, %.2f to a file (target <= 1.2)\n", t / c, tf / cf }'

# omph-tail following a file that a writer appends to as fast as it can
grow=$B/grow.log
: >"$grow"
bin/omph-tail "$grow" >$B/grow.out 2>/dev/null &
tp=$!
sleep 0.3
s=$(now)
cat "$log" >>"$grow"
while [ "$(wc -c <$B/grow.out)" -lt "$size" ]; do sleep 0.01; done
e=$(now)
kill $tp
echo "$s $e" | awk -v size="$size" '{ printf "%-34s %8.1f MiB/s (writer: cat >> file)\n", "omph-tail-follow-growing", size / 1048576 / ($2 - $1) }'

# omph-tail with 10,000 idle files: CPU and memory over 5 seconds
idle=$B/idle
rm -rf "$idle"
mkdir -p "$idle"
i=0
while [ $i -lt 10000 ]; do : >"$idle/f$i.log"; i=$((i + 1)); done
bin/omph-tail "$idle"/*.log >/dev/null 2>&1 &
tp=$!
sleep 2
t1=$(awk '{ print $14 + $15 }' /proc/$tp/stat)
sleep 5
t2=$(awk '{ print $14 + $15 }' /proc/$tp/stat)
rss=$(awk '/VmHWM/ { print $2 }' /proc/$tp/status)
kill $tp
hz=$(getconf CLK_TCK)
echo "$t1 $t2 $rss $hz" | awk '{ printf "%-34s %6.2f%% of a core, peak RSS %.1f MiB (targets < 1%%, < 50 MiB)\n",
    "omph-tail-10000-idle-files", 100 * ($2 - $1) / $4 / 5, $3 / 1024 }'
rm -rf "$idle"

# latency from a write to the line on stdout (inotify), median of 50
lat=$B/lat.log
: >"$lat"
mkfifo $B/lat.fifo 2>/dev/null || true
bin/omph-tail "$lat" >$B/lat.fifo &
tp=$!
python3 - "$lat" "$B/lat.fifo" <<'PY'
import os, sys, time
log, fifo = sys.argv[1], sys.argv[2]
r = open(fifo, 'rb', buffering=0)
time.sleep(0.3)
ds = []
for i in range(50):
    with open(log, 'ab', buffering=0) as w:
        t = time.perf_counter()
        w.write(b'latency line %d\n' % i)
    buf = b''
    while not buf.endswith(b'\n'):
        buf += r.read(4096)
    ds.append(time.perf_counter() - t)
    time.sleep(0.01)
ds.sort()
print('%-34s %8.3f ms median, %.3f ms max (target < 10 ms)' % ('omph-tail-latency', ds[25] * 1000, ds[-1] * 1000))
PY
kill $tp 2>/dev/null
rm -f $B/lat.fifo

# omph-collect: aggregation of pre-parsed records (time, path, status,
# bytes: what collect reads), and the whole parse | collect pipeline
rec=$B/records-$LINES.tsv
[ -s "$rec" ] || bin/omph-parse --fields time,path,status,bytes combined "$log" >"$rec" 2>/dev/null
s=$(now); bin/omph-collect -k path <"$rec" >/dev/null; e=$(now)
echo "$s $e" | awk -v n="$LINES" '{ printf "%-34s %8.2f M records/s (target >= 5)\n", "omph-collect-k-path", n / ($2 - $1) / 1e6 }'
s=$(now); bin/omph-collect --window 60 -k path <"$rec" >/dev/null; e=$(now)
echo "$s $e" | awk -v n="$LINES" '{ printf "%-34s %8.2f M records/s\n", "omph-collect-window-60", n / ($2 - $1) / 1e6 }'
# omph-collect -k path on every column of omph-parse combined, as records
# come from the parser (visitors counted from the client column too)
full=$B/full-$LINES.tsv
[ -s "$full" ] || bin/omph-parse combined "$log" >"$full" 2>/dev/null
best "omph-collect-k-path-full" "bin/omph-collect -k path <$full" >/dev/null
awk -v n="$LINES" 'BEGIN { getline t < "'$B'/t.omph-collect-k-path-full"
	printf "%-34s %8.2f M records/s (goal >= 15: 1.5x the 10.0 M records/s of cfa3cac)\n", "omph-collect-k-path-full", n / t / 1e6 }'
# omph-collect --state: the same records, checkpointed each second and at
# exit (encode, write, fsync, rename, fsync of the directory), beside none
st=$B/collect.state
best "omph-collect-plain" "bin/omph-collect -k path <$rec" >/dev/null
best "omph-collect-state" "rm -f $st; bin/omph-collect -k path --state $st <$rec" >/dev/null
awk -v n="$LINES" -v size="$(wc -c <$st)" 'BEGIN {
	getline p < "'$B'/t.omph-collect-plain"; getline s < "'$B'/t.omph-collect-state"
	printf "%-34s %8.2f M records/s, %.2f with --state (%d KiB checkpoint)\n", "omph-collect-k-path-state", n / p / 1e6, n / s / 1e6, size / 1024
	printf "omph-collect --state vs without: %.0f%% (target >= 80%%)\n", 100 * p / s }'
rm -f $st $st.tmp
best "parse-collect-pipeline" "bin/omph-parse combined $log | bin/omph-collect -k path"
awk 'BEGIN {
	getline m < "'$B'/t.mawk-count-status"; getline p < "'$B'/t.parse-collect-pipeline"
	printf "parse|collect vs mawk: %.2fx (target >= 1.0)\n", m / p }'
if [ -s "$B/t.goaccess" ]; then
	# the pipeline's peak memory: both processes at once, beside GoAccess's
	sh -c "/usr/bin/time -f %M -o $B/rss.parse bin/omph-parse combined $log |
	    /usr/bin/time -f %M -o $B/rss.collect bin/omph-collect -k path >/dev/null"
	awk 'BEGIN {
		getline g < "'$B'/t.goaccess"; getline p < "'$B'/t.parse-collect-pipeline"
		getline rg < "'$B'/rss.goaccess"; getline rp < "'$B'/rss.parse"
		getline rc < "'$B'/rss.collect"
		printf "parse|collect / goaccess:          %.3f (target <= 0.02)\n", p / g
		printf "parse|collect peak RSS:            %.1f + %.1f MiB, %.3f of goaccess'"'"'s %.1f MiB (target < 0.1)\n",
		    rp / 1024, rc / 1024, (rp + rc) / rg, rg / 1024 }'
	rm -f $B/rss.goaccess $B/rss.parse $B/rss.collect
fi
# parse -j 2 | collect: the wall time, and each side's share of a core
# over it (two cores busy end to end is 2.0 in all)
s=$(now)
sh -c "/usr/bin/time -f '%U %S' -o $B/cpu.parse bin/omph-parse -j 2 combined $log |
    /usr/bin/time -f '%U %S' -o $B/cpu.collect bin/omph-collect -k path >/dev/null"
e=$(now)
echo "$s $e $(cat $B/cpu.parse) $(cat $B/cpu.collect)" | awk '{ d = $2 - $1
	printf "%-34s %7.3f s: omph-parse -j 2 %.2f cores, omph-collect %.2f (2.0 in all is both cores busy)\n",
	    "parse-j2-collect-pipeline", d, ($3 + $4) / d, ($5 + $6) / d }'
rm -f $B/cpu.parse $B/cpu.collect

# bounded memory: 1,000,000 distinct paths, one path with 10% of the hits
awk 'BEGIN { print "#path"; srand(7); for (i = 0; i < 1000000; i++) print (i % 10 == 0 ? "/hot" : "/p" i) }' >$B/flood.tsv
/usr/bin/time -f "%M" -o $B/rss bin/omph-collect --max-keys 10000 -n 1 <$B/flood.tsv >$B/flood.out
awk -v rss="$(cat $B/rss)" -F'\t' '$1 == "/hot" { printf "%-34s peak RSS %.1f MiB (target < 64), /hot %d hits of 100000 true (%.2f%% off)\n", "omph-collect-1M-keys-max-10000", rss / 1024, $2, ($2 - 100000) / 1000 }' $B/flood.out

# omph-send -> omph-collect on loopback, whole records (all fields of
# omph-parse combined): records/s over UDP (until the collector's report of
# the last datagram, with the loss the collector counted; issue 16: <= 1 %,
# -k status and -k path) and MiB/s over TCP (until the last ack), then UDP
# held to 500,000 records/s, where loss must be 0 ($full: made above)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
net() {	# NAME PROTO SEND-OPTIONS [COLLECT-OPTIONS [INPUT]]
	rm -f $B/net.state
	bin/omph-collect --listen "$2://127.0.0.1:$port" -k "${NETKEY:-status}" -n 1 ${4:-} </dev/null >$B/net.out 2>/dev/null &
	cp=$!
	sleep 0.3
	s=$(now)
	bin/omph-send $3 "$2://127.0.0.1:$port" <"${5:-$full}" 2>/dev/null
	e=$(now)
	echo "$s $e" | awk '{ print $2 - $1 }' >"$B/t.$1"
	sleep 0.3
	kill $cp
	wait $cp
	echo "$s $e" | awk -v n="$LINES" -v size="$(wc -c <"$full")" -v name="$1" \
	    -v got="$(sed -n 's/.*records=\([0-9]*\).*/\1/p' $B/net.out | head -1)" \
	    -v lost="$(awk -F'\t' '/^#sender/ { s = 1; next } s && !/^#/ { l += $6 } END { print l + 0 }' $B/net.out)" \
	    -v msgs="$(awk -F'\t' '/^#sender/ { s = 1; next } s && !/^#/ { m += $5 } END { print m + 0 }' $B/net.out)" '{
		d = $2 - $1
		printf "%-34s %8.2f M records/s %8.1f MiB/s, %d of %d records counted, %d datagrams lost (%.2f%%)\n",
		    name, n / d / 1e6, size / 1048576 / d, got, n, lost, (msgs + lost > 0 ? 100 * lost / (msgs + lost) : 0) }'
}
net omph-send-udp udp ""
NETKEY=path
net omph-send-udp-k-path udp ""
NETKEY=
net omph-send-tcp tcp ""
# TCP with --state: acknowledged only once checkpointed (each second, and
# before each snapshot), so omph-send holds up to a second of lines more;
# then with an origin column too, each record checked against its position
net omph-send-tcp-state tcp "" "--state $B/net.state"
awk 'BEGIN { OFS = "\t" } /^#/ { print $0, "origin"; next }
	{ printf "%s\t0123456789abcdef:%d:%d\n", $0, o, o + length($0) + 1
	  o += length($0) + 1 }' "$full" >$B/origins.tsv
net omph-send-tcp-state-origins tcp "" "--state $B/net.state" $B/origins.tsv
awk 'BEGIN {
	getline p < "'$B'/t.omph-send-tcp"; getline s < "'$B'/t.omph-send-tcp-state"
	getline o < "'$B'/t.omph-send-tcp-state-origins"
	printf "omph-send tcp, --state vs without: %.0f%%, with origins %.0f%% (target >= 80%%)\n", 100 * p / s, 100 * p / o }'
rm -f $B/net.state $B/net.state.tmp $B/origins.tsv
net omph-send-udp-500k-per-s udp "--rate 500000"

# --http: the cost of 50 event-stream clients at a snapshot a second: the
# collector's CPU seconds (utime + stime) over 10 s with records flowing at
# 20,000 a second, with no client and with 50 (target: < 5% of a core more)
cpu() { awk '{ print ($14 + $15) / '"$(getconf CLK_TCK)"' }' "/proc/$1/stat"; }
sse() {
	hport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	bin/omph-send --id b --rate 20000 "tcp://127.0.0.1:$port" <"$full" 2>/dev/null &
	sp=$!
	bin/omph-collect --listen "tcp://127.0.0.1:$port" -k path --http "$hport" \
	    </dev/null >/dev/null 2>&1 &
	cp=$!
	sleep 1
	i=0
	while [ $i -lt "$1" ]; do
		curl -sN "http://127.0.0.1:$hport/api/stream" >/dev/null 2>&1 &
		i=$((i + 1))
	done
	sleep 1
	c0=$(cpu $cp)
	sleep 10
	c1=$(cpu $cp)
	kill $sp $cp 2>/dev/null
	pkill -f "127.0.0.1:$hport/api/stream" 2>/dev/null
	wait 2>/dev/null
	echo "$c0 $c1" | awk '{ print ($2 - $1) / 10 }'
}
# omph-send -> ClickHouse on loopback (a throw-away clickhouse-server in
# $B/ch): records/s until the last batch is answered, and omph-send's CPU
# (user + system) over that time.  Goal: >= 500,000 records/s, < 50 %.
chs=$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)
if [ -x "$chs" ] && command -v curl >/dev/null 2>&1; then
	chd=$(mktemp -d "${TMPDIR:-/tmp}/omph-bench-ch.XXXXXX")
	chp=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cht=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >"$chd/config.xml" <<XML
<?xml version="1.0"?>
<yandex><logger><level>warning</level><log>$chd/log</log><errorlog>$chd/err</errorlog><console>0</console></logger>
<http_port>$chp</http_port><tcp_port>$cht</tcp_port><listen_host>127.0.0.1</listen_host>
<path>$chd/data/</path><tmp_path>$chd/tmp/</tmp_path><user_files_path>$chd/uf/</user_files_path>
<users_config>$chd/users.xml</users_config><default_profile>default</default_profile>
<default_database>default</default_database><timezone>UTC</timezone><mark_cache_size>268435456</mark_cache_size></yandex>
XML
	cat >"$chd/users.xml" <<XML
<?xml version="1.0"?>
<yandex><profiles><default></default></profiles><users><default><password></password>
<networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
<quotas><default></default></quotas></yandex>
XML
	"$chs" --config-file="$chd/config.xml" >/dev/null 2>&1 &
	chpid=$!
	i=0
	while ! curl -sf "http://127.0.0.1:$chp/ping" >/dev/null 2>&1 && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sed -n '/^    CREATE TABLE logs\.access/,/^    ORDER BY/p' README.md |
	    sed 's/^    //; s/logs\.access/default.access/' |
	    curl -sf --data-binary @- "http://127.0.0.1:$chp/" >/dev/null
	s=$(now)
	/usr/bin/time -f "%U %S" -o $B/ch.cpu bin/omph-send \
	    "clickhouse://127.0.0.1:$chp/default.access" <"$full" 2>/dev/null
	e=$(now)
	n=$(echo 'SELECT count() FROM default.access' |
	    curl -sf --data-binary @- "http://127.0.0.1:$chp/")
	echo "$s $e $n $(cat $B/ch.cpu)" | awk '{ d = $2 - $1; printf "%-34s %10.0f records/s %7.3f s, omph-send %.1f%% of a core, %d rows in the table (goal >= 500000/s, < 50%%)\n", "omph-send-clickhouse", $3 / d, d, 100 * ($4 + $5) / d, $3 }'
	kill $chpid
	wait $chpid 2>/dev/null
	rm -rf "$chd" $B/ch.cpu
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if command -v curl >/dev/null 2>&1; then
	z=$(sse 0)
	f=$(sse 50)
	echo "$z $f" | awk '{ printf "%-34s %5.1f%% of a core with none, %5.1f%% with 50 (%+.1f%%, target < 5%%)\n", "omph-collect-http-50-sse", 100 * $1, 100 * $2, 100 * ($2 - $1) }'
fi
rm -f $B/t.* $B/flood.tsv $B/flood.out $B/rss $B/net.out
