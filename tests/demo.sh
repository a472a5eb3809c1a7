#!/bin/sh
# make demo: the main job on a generated sample log, end to end: a log
# followed by omph-tail, parsed, aggregated, shipped over the network to a
# collector on loopback, and shown as the dashboard's text frame.  Then, when
# there is a terminal (stdin and stdout are one, CI is not true, TERM is not
# dumb), the live dashboard for OMPH_DEMO_SECONDS seconds (8) of a log that a
# writer appends to: it ends by itself or with q, and everything it started is
# stopped by its PID.  Needs only what the build needs (python3 is optional).
cd "$(dirname "$0")/.." || exit 1
set -e
B=${OMPH_BIN:-bin}
D=${OMPH_DEMO_DIR:-bench}	# where its files go (the tests: a temp dir)
mkdir -p "$D"
"$B/omph-loggen" -n 20000 -s 7 >$D/demo.log
echo "\$ omph-parse combined $D/demo.log | head -3"
"$B/omph-parse" combined $D/demo.log | head -3
echo
echo "\$ omph-tail --once $D/demo.log | omph-parse combined | omph-collect -k status -n 5 --alert-total '4xx_ratio>0.05'"
"$B/omph-tail" --once $D/demo.log | "$B/omph-parse" combined |
    "$B/omph-collect" -k status -n 5 --alert-total '4xx_ratio>0.05' || true
echo
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 51400)
echo "\$ omph-collect --listen udp://127.0.0.1:$port -n 8 </dev/null >snap &"
echo "\$ omph-tail --once $D/demo.log | omph-parse combined | omph-send --id web1 udp://127.0.0.1:$port"
"$B/omph-collect" --listen "udp://127.0.0.1:$port" -n 8 </dev/null >$D/demo.snap &
cp=$!
sleep 0.3
"$B/omph-tail" --once $D/demo.log | "$B/omph-parse" combined |
    "$B/omph-send" --id web1 "udp://127.0.0.1:$port"
sleep 0.3
echo "\$ kill %1; omph-top -b --width 100 <snap     # its final report, as the dashboard draws it"
kill $cp
wait $cp || true
"$B/omph-top" -b --width 100 <$D/demo.snap

# ---- the live dashboard, in a terminal only ----
if [ ! -t 0 ] || [ ! -t 1 ] || [ "${CI:-}" = true ] ||
    [ -z "${TERM:-}" ] || [ "$TERM" = dumb ] || ! : 2>/dev/null </dev/tty; then
	exit 0
fi
set +e
secs=${OMPH_DEMO_SECONDS:-8}
log=$D/live.log
d=$(mktemp -d "${TMPDIR:-/tmp}/omph-demo.XXXXXX") || exit 1
pids=
top=
writer=
rc=0

# stop: everything started, by PID, omph-top first (it gives the terminal
# back), then the pipeline; the writer ends when its run file goes
stop() {
	trap - EXIT INT TERM
	rm -f "$d/run"
	for p in $top $pids; do
		kill -TERM "$p" 2>/dev/null
	done
	if [ -n "$top" ]; then
		wait "$top"
		rc=$?
	fi
	for p in $pids $writer; do
		wait "$p" 2>/dev/null
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 130 ] && [ "$rc" -ne 143 ]; then
		cat "$d/err" >&2
	fi
	rm -rf "$d"
}
trap stop EXIT
trap 'rc=130; exit 130' INT
trap 'rc=143; exit 143' TERM

# running PID: PID has not exited (a zombie not yet waited for has)
running() {
	kill -0 "$1" 2>/dev/null &&
	    ! grep -qs '^[0-9]* (.*) Z' "/proc/$1/stat"
}

: >"$log"
mkfifo "$d/tail" "$d/parse" "$d/collect" || exit 1
: >"$d/run"
# the writer: 10 generated lines every 0.2 s, stamped with the time now
(
	i=0
	while [ -e "$d/run" ]; do
		"$B/omph-loggen" -n 10 -s "$i" -t "$(date +%s)" >>"$log"
		i=$((i + 1))
		sleep 0.2
	done
) &
writer=$!
"$B/omph-tail" "$log" >"$d/tail" 2>>"$d/err" &
pids="$pids $!"
"$B/omph-parse" combined <"$d/tail" >"$d/parse" 2>>"$d/err" &
pids="$pids $!"
"$B/omph-collect" --window 10 --interval 1 <"$d/parse" >"$d/collect" \
    2>>"$d/err" &
pids="$pids $!"
echo
echo "\$ omph-tail $log | omph-parse combined | omph-collect --window 10 --interval 1 | omph-top"
echo "# the live dashboard, while a writer appends 50 generated lines a second to"
echo "# $log: it ends by itself after $secs seconds; press q to quit sooner."
sleep 2
"$B/omph-top" <"$d/collect" &
top=$!
i=0
while [ "$i" -lt $((secs * 10)) ] && running "$top"; do
	sleep 0.1
	i=$((i + 1))
done
stop
if [ "$rc" -ne 0 ]; then
	echo "demo: omph-top exited with status $rc" >&2
	exit 1
fi
echo "# the demo is over: the writer and the pipeline are stopped."
