#!/bin/sh
# Runs the bats suite twice: on bin/ (plain build) and on obj/san/bin
# (AddressSanitizer + UndefinedBehaviorSanitizer), then prints one line
# "N passed, N failed, N skipped", after the reason of every skip.  Exit
# status 0 only when nothing failed.
# OMPH_TESTS may name a subset of tests/*.bats.
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)
files=${OMPH_TESTS:-$(ls tests/*.bats)}
pass=0
fail=0
skip=0
skips=$(mktemp)
for pass_name in plain sanitize; do
	if [ "$pass_name" = plain ]; then
		bindir=$top/bin
	else
		bindir=$top/obj/san/bin
	fi
	log=$(mktemp)
	echo "== $pass_name: $bindir"
	OMPH_BIN=$bindir ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    bats --tap $files >"$log" 2>&1
	cat "$log"
	# TAP: "ok N name # skip reason" is a skip, not a pass
	p=$(grep '^ok ' "$log" | grep -vc ' # skip')
	s=$(grep '^ok ' "$log" | grep -c ' # skip')
	grep '^ok .* # skip' "$log" | sed "s/^ok [0-9]* /$pass_name: /" >>"$skips"
	f=$(grep -c '^not ok ' "$log")
	if ! grep -q '^1\.\.' "$log"; then
		f=$((f + 1))	# bats itself failed to run
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
	rm -f "$log"
done
if [ -s "$skips" ]; then
	echo "skipped:"
	sed 's/^/  /' "$skips"
fi
rm -f "$skips"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
