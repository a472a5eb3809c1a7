#!/bin/sh
# Runs the bats suite twice, side by side: on bin/ (plain build) and on
# obj/san/bin (AddressSanitizer + UndefinedBehaviorSanitizer), then prints
# one line
# "N passed, N failed, N skipped", after the reason of every skip.  Exit
# status 0 only when nothing failed.
# OMPH_TESTS may name a subset of tests/*.bats.
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)
files=${OMPH_TESTS:-$(ls tests/*.bats)}
# two groups a pass, about even in time: four bats at once (most tests wait
# on a process, a socket or a file: the two cores stay shared well)
heavy="tests/network.bats tests/omph-collect.bats tests/web.bats tests/push.bats
    tests/omph-tail.bats"
group_a=
group_b=
for f in $files; do
	case " $heavy " in
	*" $f "*) group_a="$group_a $f" ;;
	*) group_b="$group_b $f" ;;
	esac
done
pass=0
fail=0
skip=0
skips=$(mktemp)
# the two passes run side by side, each in its two groups; their logs are
# told in turn
logs=$(mktemp -d)
for pass_name in plain sanitize; do
	if [ "$pass_name" = plain ]; then
		bindir=$top/bin
	else
		bindir=$top/obj/san/bin
	fi
	echo "$bindir" >"$logs/$pass_name.bin"
	for g in a b; do
		eval "gfiles=\$group_$g"
		[ -n "$gfiles" ] || continue
		# shellcheck disable=SC2086
		OMPH_BIN=$bindir ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		    bats --tap $gfiles >"$logs/$pass_name.$g" 2>&1 &
	done
done
wait
for pass_name in plain sanitize; do
	echo "== $pass_name: $(cat "$logs/$pass_name.bin")"
	for log in "$logs/$pass_name".[ab]; do
		[ -e "$log" ] || continue
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
	done
done
rm -rf "$logs"
if [ -s "$skips" ]; then
	echo "skipped:"
	sed 's/^/  /' "$skips"
fi
rm -f "$skips"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
