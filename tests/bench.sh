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

# best NAME CMD: run CMD (a shell string) 3 times, print its best rate
best() {
	name=$1
	shift
	t=
	for i in 1 2 3; do
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
if command -v goaccess >/dev/null 2>&1; then
	best "goaccess" "goaccess --log-format=COMBINED -o csv $log"
fi
awk 'BEGIN {
	getline m < "'$B'/t.mawk-count-status"; getline p < "'$B'/t.omph-parse-combined"
	printf "omph-parse vs mawk: %.2fx (target >= 1.0, stretch 1.5)\n", m / p }'
rm -f $B/t.*
