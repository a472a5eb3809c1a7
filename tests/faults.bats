#!/usr/bin/env bats
# Fault injection: a full file system under omph-tail's state file, standard
# output closed early, SIGTERM at random moments, a UDP flood into
# omph-collect --listen, inotify failing or running out of watches, corrupt
# state files, and absurd lengths from the network.  System calls fail on
# purpose through the LD_PRELOAD shim bin/libfault.so (tests/fault.c).
bats_require_minimum_version 1.5.0
load helper

# fixtures shared by the tests, made once with the plain build
setup_file() {
	local d=$BATS_FILE_TMPDIR

	"$TOP/bin/omph-loggen" -n 200000 -s 1 >"$d/big.log"
	"$TOP/bin/omph-parse" combined "$d/big.log" >"$d/big.rec" 2>/dev/null
	# 200,000 records with distinct paths: a report of 100,000 rows
	awk 'BEGIN { print "#time\tpath\tstatus"
		for (i = 1; i <= 200000; i++)
			printf "2026-11-23T10:00:%02dZ\t/u/%d\t200\n", i % 60, i }' \
	    >"$d/uniq.rec"
}

setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/omph-test.XXXXXX")
	T=$(cd "$T" && pwd -P)	# as /proc/self/fd shows it to the shim
	BIG=$BATS_FILE_TMPDIR/big.log
	BIGREC=$BATS_FILE_TMPDIR/big.rec
	UNIQREC=$BATS_FILE_TMPDIR/uniq.rec
	pids=
	TAIL_ENV=()
	# the fault shim, plain even under the sanitizer pass: it comes before
	# libasan, which ASan would refuse without verify_asan_link_order=0
	FAULT=(LD_PRELOAD="$TOP/bin/libfault.so"
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
}

teardown() {
	local bad=0

	exec 7>&-
	touch "$T/stop" 2>/dev/null
	# a sanitizer report from any background command fails the test
	stop_all || bad=1
	rm -rf "$T"
	return "$bad"
}

# ---------------------------------------------------------------- helpers

# sigready PID: PID catches SIGTERM: lib/sig has set its handler up
sigready() {
	local m

	m=$(awk '/^SigCgt:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	[ -n "$m" ] && [ $((0x$m & 0x4000)) -ne 0 ]
}

# forget PID: PID was waited for, teardown leaves it alone
forget() {
	local p rest=

	for p in $pids; do
		[ "$p" = "$1" ] || rest="$rest $p"
	done
	pids=$rest
}

# size FILE: its size in bytes
size() {
	stat -c %s "$1"
}

# plain FILE: omph-tail -H output without its origins: NAME<TAB>LINE
plain() {
	sed -E 's/^([^\t]*)\t[0-9a-f]{16}:[0-9]+:[0-9]+\t/\1\t/' "$1"
}

# sawp FILE LINE: the -H output FILE holds LINE but for its origin
sawp() {
	plain "$1" 2>/dev/null | grep -qxF -- "$2"
}

# state_off STATE NAME: the OFFSET of NAME's entry in the state file STATE
state_off() {
	awk -F'\t' -v p="$2" 'NR > 1 && $1 == p { print $6 }' "$1" 2>/dev/null
}

# saved_at STATE NAME OFFSET: NAME's entry in STATE is at OFFSET
saved_at() {
	[ "$(state_off "$1" "$2")" = "$3" ]
}

# consecutive FILE: FILE's lines are numbers, each one more than the last
consecutive() {
	awk 'NR > 1 && $0 != prev + 1 { print FILENAME ": " prev " then " $0; exit 1 }
		{ prev = $0 }' "$1"
}

# alive PID: PID runs on
alive() {
	! gone "$1"
}

# delay MIN MAX: a random number of seconds from MIN to MAX hundredths
# (MAX < 100)
delay() {
	printf '0.%02d' $(($1 + RANDOM % ($2 - $1 + 1)))
}

# snaps_ok FILE: every #snapshot of FILE is closed by #end before the next,
# the last is the only final=1 one, and the file ends with #end
snaps_ok() {
	awk -F'\t' '
		/^#snapshot/ { if (open) { print "snapshot " n " not closed"; bad = 1 }
			open = 1; n++; last = ($4 == "final=1"); finals += last; next }
		/^#end$/ { if (!open) { print "#end outside a snapshot"; bad = 1 }; open = 0 }
		END { if (bad || n == 0 || open || finals != 1 || !last) {
			print n " snapshots, " finals " final, last open: " open; exit 1 } }' "$1"
	[ "$(tail -n 1 "$1")" = '#end' ]
}

# last_snap FILE: the last snapshot of FILE
last_snap() {
	awk '/^#snapshot/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$1"
}

# kv FILE NAME: the NAME= value of the last #snapshot line of FILE
kv() {
	awk -F'\t' -v k="$2" '/^#snapshot/ { v = ""
		for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) v = substr($i, length(k) + 2) }
		END { print v }' "$1"
}

# sender FILE NAME COLUMN: COLUMN of sender NAME's row in the last #sender
# table of FILE (empty when it has none)
sender() {
	last_snap "$1" | awk -F'\t' -v s="$2" -v c="$3" '
		/^#sender/ { for (i = 1; i <= NF; i++) { h = $i; sub(/^#/, "", h); col[h] = i }
			on = 1; next }
		/^#/ { on = 0 }
		on && $1 == s { v = $(col[c]) }
		END { print v }'
}

# count FILE PATTERN: lines of FILE matching the ERE PATTERN
count() {
	grep -cE -- "$2" "$1" 2>/dev/null || true
}

# free_port udp|tcp: a port nobody listens on now
free_port() {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET,
    socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "$1"
}

# ---------------------------------------------------------------- 1. ENOSPC

@test "state on a full file system: told once, the last good state kept, following goes on, saved again after" {
	seq -f 'line %g' 1 5 >"$T/a.log"
	TAIL_ENV=("${FAULT[@]}" OMPH_FAULT_ENOSPC="$T/flag:$T/s.tmp")
	tail_bg t --from-start --state "$T/s" "$T/a.log"
	wait_until 5 saw "$T/t.out" 'line 5'
	wait_until 5 saved_at "$T/s" "$T/a.log" "$(size "$T/a.log")"
	cp "$T/s" "$T/s.good"
	touch "$T/flag"
	seq -f 'line %g' 6 10 >>"$T/a.log"
	wait_until 5 saw "$T/t.out" 'line 10'
	wait_until 5 grep -qF "omph-tail: $T/s: cannot save state (the previous one is kept): No space left on device" "$T/t.err"
	cmp "$T/s" "$T/s.good"
	# it follows on while the disk stays full, and saving keeps failing
	seq -f 'line %g' 11 15 >>"$T/a.log"
	wait_until 5 saw "$T/t.out" 'line 15'
	sleep 1.2	# a save is due: at most one a second
	cmp "$T/s" "$T/s.good"
	# no temporary file left behind
	run ! compgen -G "$T/s.tmp*"
	alive "$pid"
	# space again: the next line brings a good save
	rm "$T/flag"
	echo 'line 16' >>"$T/a.log"
	wait_until 5 saw "$T/t.out" 'line 16'
	wait_until 5 grep -qF "omph-tail: $T/s: state saved again" "$T/t.err"
	wait_until 5 saved_at "$T/s" "$T/a.log" "$(size "$T/a.log")"
	# told once, and its end once
	[ "$(grep -c 'cannot save state' "$T/t.err")" -eq 1 ]
	[ "$(grep -c 'state saved again' "$T/t.err")" -eq 1 ]
	[ "$(wc -l <"$T/t.err")" -eq 2 ]
	seq -f 'line %g' 1 16 | diff - "$T/t.out"
	kill -TERM "$pid"
	wait "$pid"
	forget "$pid"
	run --separate-stderr omph-tail --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "state on a full file system: when the fault ends while no line comes, the state is still saved again" {
	seq -f 'line %g' 1 5 >"$T/a.log"
	TAIL_ENV=("${FAULT[@]}" OMPH_FAULT_ENOSPC="$T/flag:$T/s.tmp")
	tail_bg t --from-start --state "$T/s" "$T/a.log"
	wait_until 5 saved_at "$T/s" "$T/a.log" "$(size "$T/a.log")"
	touch "$T/flag"
	seq -f 'line %g' 6 10 >>"$T/a.log"
	wait_until 5 saw "$T/t.out" 'line 10'
	wait_until 5 grep -qF "omph-tail: $T/s: cannot save state" "$T/t.err"
	rm "$T/flag"
	# "saving is tried again" (omph-tail(1)): the log stays quiet, yet the
	# offset of line 10 must reach the state file, not wait for the next
	# line or the exit
	wait_until 5 saved_at "$T/s" "$T/a.log" "$(size "$T/a.log")"
	wait_until 2 grep -qF "omph-tail: $T/s: state saved again" "$T/t.err"
}

@test "state on a full file system with --once: exit 1 with a message, the old state intact, the lines again next run" {
	seq -f 'line %g' 1 5 >"$T/a.log"
	run --separate-stderr omph-tail --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	cp "$T/s" "$T/s.good"
	seq -f 'line %g' 6 9 >>"$T/a.log"
	touch "$T/flag"
	run --separate-stderr env "${FAULT[@]}" OMPH_FAULT_ENOSPC="$T/flag:$T/s.tmp" \
	    omph-tail --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 1 ]
	[ "$output" = "$(seq -f 'line %g' 6 9)" ]
	[ "$stderr" = "omph-tail: $T/s: cannot save state (the previous one is kept): No space left on device" ]
	cmp "$T/s" "$T/s.good"
	run ! compgen -G "$T/s.tmp*"
	# the next run, with space, writes them again: nothing lost
	rm "$T/flag"
	run --separate-stderr env "${FAULT[@]}" OMPH_FAULT_ENOSPC="$T/flag:$T/s.tmp" \
	    omph-tail --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(seq -f 'line %g' 6 9)" ]
	[ -z "$stderr" ]
	saved_at "$T/s" "$T/a.log" "$(size "$T/a.log")"
}

# ---------------------------------------------------------------- 2. stdout closed

# closed CMD...: CMD... | head -n 1, CMD's status in $status, its messages
# in $T/closed.err, what head read in $T/closed.out
closed() {
	run bash -c '"$@" 2>"$0.err" | head -n 1 >"$0.out"; exit "${PIPESTATUS[0]}"' "$T/closed" "$@"
}

@test "stdout closed early: omph-tail --once exits 1 quietly" {
	closed omph-tail --from-start --once "$BIG"
	[ "$status" -eq 1 ]
	[ ! -s "$T/closed.err" ]
	head -n 1 "$BIG" | cmp - "$T/closed.out"
}

@test "stdout closed early: omph-tail --once --state keeps the offset of what its writes delivered" {
	local off

	[ "$(cat /proc/sys/fs/pipe-max-size)" -ge 262144 ] ||
	    skip "pipes cannot take 256 KiB here"
	closed omph-tail --state "$T/s" --once "$BIG"
	[ "$status" -eq 1 ]
	[ ! -s "$T/closed.err" ]
	# omph-tail(1): OFFSET is past the last line whose write(2) completed;
	# lines that were in the pipe when its reader died are not written
	# again.  The pipe takes 256 KiB at least (F_SETPIPE_SZ), so a write
	# completed before head went away.
	off=$(state_off "$T/s" "$BIG")
	echo "offset $off of $(size "$BIG")"
	[ "$off" -gt 0 ]
	[ "$off" -lt "$(size "$BIG")" ]
	[ "$(tail -c +"$off" "$BIG" | head -c 1 | od -An -c | tr -d ' ')" = '\n' ]
	# the next run writes the rest, from there
	omph-tail --state "$T/s" --once "$BIG" >"$T/rest"
	tail -c +$((off + 1)) "$BIG" | cmp - "$T/rest"
}

@test "stdout closed early: omph-parse exits 1 quietly" {
	closed omph-parse combined "$BIG"
	echo "status $status"
	cat "$T/closed.err"
	[ ! -s "$T/closed.err" ]
	[[ "$(cat "$T/closed.out")" == '#time'* ]]
	[ "$status" -eq 1 ]
}

@test "stdout closed early: omph-collect --interval on an endless stream exits 1 quietly" {
	run bash -c 'while cat "$1"; do :; done | omph-collect --interval 0.01 2>"$2.err" |
	    head -n 1 >"$2.out"; exit "${PIPESTATUS[1]}"' _ "$BIGREC" "$T/closed"
	echo "status $status"
	cat "$T/closed.err"
	[ "$status" -eq 1 ]
	[ ! -s "$T/closed.err" ]
	[[ "$(cat "$T/closed.out")" == '#snapshot'* ]]
}

@test "stdout closed early: omph-collect with a big report exits 1 quietly" {
	run bash -c 'omph-collect -n 1000000 <"$1" 2>"$2.err" | head -n 1 >"$2.out"
	    exit "${PIPESTATUS[0]}"' _ "$UNIQREC" "$T/closed"
	echo "status $status"
	cat "$T/closed.err"
	[ "$status" -eq 1 ]
	[ ! -s "$T/closed.err" ]
	[[ "$(cat "$T/closed.out")" == '#snapshot'*'final=1'* ]]
}

# ---------------------------------------------------------------- 3. SIGTERM

@test "SIGTERM at random moments: omph-tail --state exits 0, each restart goes on right after the last line written" {
	local k p rc d w total

	: >"$T/a.log"
	(
		i=0
		while [ ! -e "$T/stop" ]; do
			i=$((i + 1))
			echo "$i" >>"$T/a.log"
			sleep 0.002
		done
	) 3>&- &
	w=$!
	pids="$pids $w"
	for k in $(seq 1 8); do
		omph-tail --from-start --state "$T/s" "$T/a.log" \
		    >"$T/k$k.out" 2>"$T/k$k.err" 3>&- &
		p=$!
		pids="$pids $p"
		wait_until 10 sigready "$p"
		d=$(delay 0 30)
		sleep "$d"
		kill -TERM "$p"
		rc=0
		wait "$p" || rc=$?
		forget "$p"
		echo "run $k: SIGTERM after $d s, status $rc, $(wc -l <"$T/k$k.out") lines"
		[ "$rc" -eq 0 ]
		[ ! -s "$T/k$k.err" ]
	done
	touch "$T/stop"
	wait "$w"
	forget "$w"
	total=$(wc -l <"$T/a.log")
	run --separate-stderr omph-tail --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	printf '%s\n' "$output" | sed '/^$/d' >"$T/kfinal.out"
	for k in $(seq 1 8) final; do
		consecutive "$T/k$k.out"
	done
	# every line once: none lost, none written twice
	seq 1 "$total" >"$T/exp"
	cat "$T"/k*.out | sort -n | diff "$T/exp" -
}

@test "SIGTERM at random moments: omph-collect --interval writes a complete final snapshot and exits 0" {
	local k d rc f

	for k in 1 2 3 4 5; do
		mkfifo "$T/in$k"
		omph-collect --interval 0.1 <"$T/in$k" >"$T/c$k.out" 2>"$T/c$k.err" 3>&- &
		pid=$!
		pids="$pids $pid"
		( while cat "$BIGREC"; do :; done ) >"$T/in$k" 2>/dev/null 3>&- &
		f=$!
		pids="$pids $f"
		wait_until 10 sigready "$pid"
		d=$(delay 5 45)
		sleep "$d"
		kill -TERM "$pid"
		wait_until 5 gone "$pid"
		rc=0
		wait "$pid" || rc=$?
		forget "$pid"
		echo "run $k: SIGTERM after $d s, status $rc, $(kv "$T/c$k.out" records) records"
		[ "$rc" -eq 0 ]
		[ ! -s "$T/c$k.err" ]
		snaps_ok "$T/c$k.out"
		kill "$f" 2>/dev/null || true
		wait "$f" 2>/dev/null || true
		forget "$f"
	done
}

@test "SIGTERM to omph-tail at random moments: the pipeline to omph-collect ends cleanly, the runs add up to every line" {
	local k d rc tp pp cp w sum=0 n

	omph-loggen -n 20000 -s 3 >"$T/src"
	split -l 100 -d -a 3 "$T/src" "$T/chunk."
	: >"$T/a.log"
	: >"$T/b.log"
	(
		n=0
		for c in "$T"/chunk.*; do
			n=$((n + 1))
			if [ $((n % 2)) -eq 1 ]; then
				cat "$c" >>"$T/a.log"
			else
				cat "$c" >>"$T/b.log"
			fi
			sleep 0.01
		done
	) 3>&- &
	w=$!
	pids="$pids $w"
	for k in 1 2 3; do
		rm -f "$T/f1" "$T/f2"
		mkfifo "$T/f1" "$T/f2"
		omph-tail --from-start --state "$T/s" -H "$T/a.log" "$T/b.log" \
		    >"$T/f1" 2>"$T/tail$k.err" 3>&- &
		tp=$!
		omph-parse --tagged combined <"$T/f1" >"$T/f2" 2>"$T/parse$k.err" 3>&- &
		pp=$!
		omph-collect --interval 0.1 <"$T/f2" >"$T/c$k.out" 2>"$T/collect$k.err" 3>&- &
		cp=$!
		pids="$pids $tp $pp $cp"
		wait_until 10 sigready "$tp"
		d=$(delay 10 60)
		sleep "$d"
		kill -TERM "$tp"
		for p in "$tp" "$pp" "$cp"; do
			wait_until 5 gone "$p"
			rc=0
			wait "$p" || rc=$?
			forget "$p"
			echo "run $k: SIGTERM after $d s: pid $p status $rc"
			[ "$rc" -eq 0 ]
		done
		[ ! -s "$T/tail$k.err" ]
		[ ! -s "$T/parse$k.err" ]
		[ ! -s "$T/collect$k.err" ]
		snaps_ok "$T/c$k.out"
		[ "$(kv "$T/c$k.out" bad)" -eq 0 ]
		n=$(kv "$T/c$k.out" records)
		echo "run $k: $n records"
		sum=$((sum + n))
	done
	wait "$w"
	forget "$w"
	omph-tail --state "$T/s" --once -H "$T/a.log" "$T/b.log" |
	    omph-parse --tagged combined | omph-collect >"$T/cfinal.out"
	n=$(kv "$T/cfinal.out" records)
	echo "last run: $n records, of $(wc -l <"$T/src")"
	[ $((sum + n)) -eq "$(wc -l <"$T/src")" ]
}

# ---------------------------------------------------------------- 4. UDP flood

@test "UDP flood: random datagrams and 800,000 records from two senders; it keeps reporting, stays small, answers SIGTERM at once, counts right" {
	local port cp fp n1 hwm t0 t1 s r m l sent

	awk 'BEGIN { print "#time\tpath\tstatus"
		for (i = 1; i <= 400000; i++)
			printf "2026-11-23T10:00:%02dZ\t/a/%d\t200\n", i % 60, i }' >"$T/a.rec"
	awk 'BEGIN { print "#time\tpath\tstatus"
		for (i = 1; i <= 400000; i++)
			printf "2026-11-23T10:00:%02dZ\t/b/%d\t404\n", i % 60, i }' >"$T/b.rec"
	port=$(free_port udp)
	omph-collect --listen "udp://127.0.0.1:$port" --max-keys 1000 --interval 0.5 \
	    </dev/null >"$T/c.out" 2>"$T/c.err" 3>&- &
	cp=$!
	pids="$pids $cp"
	wait_until 10 looping "$cp"
	# random bytes: 50,000 datagrams of 0 to 1472 bytes and a few up to
	# 65,000, then on at the same pace until $T/stop
	python3 -c '
import os, random, socket, sys, time
port, n, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rnd = random.Random(7)
blob = os.urandom(70000)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
i = 0
while i < n or not os.path.exists(stop):
    k = rnd.randrange(0, 1473) if rnd.random() < 0.99 else rnd.randrange(1473, 65000)
    off = rnd.randrange(0, 4000)
    try:
        s.sendto(blob[off:off + k], ("127.0.0.1", port))
    except OSError:
        pass
    i += 1
    if i % 500 == 0:
        time.sleep(0.01)
print(i, "random datagrams")
' "$port" 50000 "$T/stop" >"$T/flood.out" 2>"$T/flood.err" 3>&- &
	fp=$!
	pids="$pids $fp"
	omph-send --rate 400000 --id a "udp://127.0.0.1:$port" <"$T/a.rec" 2>"$T/sa.err" 3>&- &
	s=$!
	omph-send --rate 400000 --id b "udp://127.0.0.1:$port" <"$T/b.rec" 2>"$T/sb.err" 3>&- &
	r=$!
	pids="$pids $s $r"
	wait "$s"
	wait "$r"
	forget "$s"
	forget "$r"
	cat "$T/sa.err" "$T/sb.err"
	# still reporting under the flood
	alive "$cp"
	n1=$(count "$T/c.out" '^#snapshot')
	wait_until 5 eval '[ "$(count "$T/c.out" "^#snapshot")" -ge $((n1 + 2)) ]'
	alive "$fp"
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$cp/status")
	echo "peak RSS $hwm kB, $(count "$T/c.out" '^#snapshot') snapshots"
	[ "$hwm" -lt $((100 * 1024)) ]
	# SIGTERM in the middle of the flood: the final report within a second
	t0=$(date +%s%N)
	kill -TERM "$cp"
	wait_until 1 gone "$cp"
	t1=$(date +%s%N)
	echo "exit $(((t1 - t0) / 1000000)) ms after SIGTERM"
	wait "$cp"
	forget "$cp"
	touch "$T/stop"
	wait "$fp"
	forget "$fp"
	cat "$T/flood.out"
	snaps_ok "$T/c.out"
	last_snap "$T/c.out" | grep -v '^[/*]'
	[ "$(kv "$T/c.out" keys)" -le 1000 ]
	# each sender: what arrived, counted once; with the datagrams it sent
	# all received, every record
	for s in a b; do
		r=$(sender "$T/c.out" "$s" records)
		m=$(sender "$T/c.out" "$s" messages)
		l=$(sender "$T/c.out" "$s" lost)
		sent=$(sed -n 's/.* lines, \([0-9]*\) datagrams,.*/\1/p' "$T/s$s.err")
		echo "sender $s: $r records, $m of $sent datagrams, $l lost"
		[ -n "$r" ] && [ -n "$sent" ]
		[ "$r" -le 400000 ]
		[ $((m + l)) -le "$sent" ]
		[ "$(sender "$T/c.out" "$s" repeated)" -eq 0 ]
		[ "$(sender "$T/c.out" "$s" bad)" -eq 0 ]
		if [ "$r" -lt 400000 ]; then
			[ "$l" -gt 0 ] || [ "$m" -lt "$sent" ]
		else
			[ "$m" -eq "$sent" ] && [ "$l" -eq 0 ]
		fi
		if [ -z "${OMPH_BIN##*/obj/san/bin}" ]; then
			[ "$r" -eq 400000 ] || [ "$l" -gt 0 ] || [ "$m" -lt "$sent" ]
		else
			# loopback, a 16 MiB buffer, paced senders: nothing lost
			[ "$r" -eq 400000 ]
			[ "$l" -eq 0 ]
		fi
	done
}

# ---------------------------------------------------------------- 5. inotify

@test "inotify unusable at start: it says it polls, follows appends and a rotation, loses nothing" {
	printf 'x\n' >"$T/a.log"
	TAIL_ENV=("${FAULT[@]}" OMPH_FAULT_INOTIFY=init)
	tail_bg t "$T/a.log"
	grep -qF 'inotify unusable, polling' "$T/t.err"
	# no inotify descriptor: it really polls
	run ! bash -c 'ls -l "/proc/$1/fd" | grep -q inotify' _ "$pid"
	printf 'a1\na2\n' >>"$T/a.log"
	wait_until 5 saw "$T/t.out" a2
	# rename rotation; the server writes on into the old file a moment
	exec 7>>"$T/a.log"
	mv "$T/a.log" "$T/a.log.1"
	echo a3 >&7
	echo b1 >"$T/a.log"
	echo a4 >&7
	exec 7>&-
	echo b2 >>"$T/a.log"
	wait_until 5 has "$T/t.out" 6
	# copytruncate
	cp "$T/a.log" "$T/a.log.2"
	truncate -s 0 "$T/a.log"
	wait_until 5 grep -qF "$T/a.log: file truncated" "$T/t.err"
	echo c1 >>"$T/a.log"
	echo END >>"$T/a.log"
	wait_until 5 saw "$T/t.out" END
	printf '%s\n' a1 a2 a3 a4 b1 b2 c1 END | sort >"$T/exp"
	sort "$T/t.out" | diff "$T/exp" -
	printf '%s\n' a1 a2 a3 a4 | diff - <(grep '^a' "$T/t.out")
	printf '%s\n' b1 b2 | diff - <(grep '^b' "$T/t.out")
	[ "$(grep -c 'inotify unusable' "$T/t.err")" -eq 1 ]
}

@test "inotify watches run out mid-run: new files of a glob are polled, every line of every file arrives" {
	local i

	mkdir "$T/d"
	printf 'old\n' >"$T/d/a.log"
	# the directory and a.log take the 2 watches allowed
	TAIL_ENV=("${FAULT[@]}" OMPH_FAULT_WATCHES=2)
	tail_bg t -H "$T/d/*.log"
	echo a1 >>"$T/d/a.log"
	wait_until 5 sawp "$T/t.out" "$T/d/a.log	a1"
	for i in 1 2 3 4 5 6; do
		printf 'f%d first\nf%d second\n' "$i" "$i" >"$T/d/f$i.log"
	done
	wait_until 5 has "$T/t.out" 13
	wait_until 5 grep -qF 'inotify unusable, polling' "$T/t.err"
	for i in 1 2 3 4 5 6; do
		echo "f$i third" >>"$T/d/f$i.log"
	done
	echo a2 >>"$T/d/a.log"
	wait_until 5 has "$T/t.out" 20
	# a polled file rotated
	mv "$T/d/f3.log" "$T/d/f3.old"
	echo 'f3 new' >"$T/d/f3.log"
	wait_until 5 sawp "$T/t.out" "$T/d/f3.log	f3 new"
	{
		printf '%s\t%s\n' "$T/d/a.log" a1 "$T/d/a.log" a2
		for i in 1 2 3 4 5 6; do
			printf '%s\tf%d %s\n' "$T/d/f$i.log" "$i" first "$T/d/f$i.log" "$i" second \
			    "$T/d/f$i.log" "$i" third
		done
		printf '%s\t%s\n' "$T/d/f3.log" 'f3 new'
	} | sort >"$T/exp"
	plain "$T/t.out" | sort | diff "$T/exp" -
	# each file's lines in order
	for i in 1 2 4 5 6; do
		printf 'f%d %s\n' "$i" first "$i" second "$i" third |
		    diff - <(grep -F "$T/d/f$i.log	" "$T/t.out" | cut -f 3)
	done
	run ! grep -v 'inotify unusable, polling' "$T/t.err"
}

# ---------------------------------------------------------------- 6. corrupt state

# bad_state WHAT: the state file $T/s, made bad, read by a --once run over
# $T/a.log: told, the whole file read, a valid state saved in its place
bad_state() {
	run --separate-stderr omph-tail --state "$T/s" --once "$T/a.log"
	echo "$1: status $status, stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$T/a.log")" ]
	[[ "$stderr" == "omph-tail: $T/s: "*"; starting without state" ]] ||
	    [[ "$stderr" == "omph-tail: $T/a.log: truncated since the state was saved, reading from its start" ]]
	[ "$(head -n 1 "$T/s")" = 'omph-tail-state 4' ]
	run --separate-stderr omph-tail --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

# field N VALUE: the good state with field N of its entry set to VALUE
field_set() {
	awk -F'\t' -v OFS='\t' -v n="$1" -v v="$2" 'NR == 2 { $n = v } { print }' "$T/good"
}

@test "corrupt or truncated state files are told and ignored: the files read from their start, never a crash" {
	local len

	seq -f 'line %g, with some padding' 1 50 >"$T/a.log"
	omph-tail --state "$T/s" --once "$T/a.log" >/dev/null
	cp "$T/s" "$T/good"
	len=$(size "$T/good")

	head -c 4096 /dev/urandom >"$T/s"; bad_state 'random bytes'
	head -c 300 /dev/zero >"$T/s"; bad_state 'NUL bytes'
	: >"$T/s"; bad_state 'empty'
	head -c 10 "$T/good" >"$T/s"; bad_state 'cut in the magic line'
	head -c 17 "$T/good" >"$T/s"; bad_state 'magic line without its newline'
	head -c $((len - 20)) "$T/good" >"$T/s"; bad_state 'cut in the middle of the entry'
	head -c $((len - 1)) "$T/good" >"$T/s"; bad_state 'entry without its newline'
	{ echo 'omph-tail-state 5'; tail -n +2 "$T/good"; } >"$T/s"; bad_state 'another version'
	{ echo 'omph-tail-state 3'; tail -n +2 "$T/good"; } >"$T/s"; bad_state 'version 3 with a BASE field'
	{ echo 'omph-tail-state 1'; tail -n +2 "$T/good"; } >"$T/s"; bad_state 'version 1 with a ROLE field'
	{ echo 'omph-tail-state 2'; tail -n +2 "$T/good"; } >"$T/s"; bad_state 'version 2 with an ID field'
	field_set 10 0123456789ABCDEF >"$T/s"; bad_state 'an id in capitals'
	field_set 10 0123456789abcde >"$T/s"; bad_state 'an id of 15 digits'
	field_set 10 0000000000000000 >"$T/s"; bad_state 'the id 0 of a file'
	{ cat "$T/good"; echo; } >"$T/s"; bad_state 'an empty line'
	field_set 6 -5 >"$T/s"; bad_state 'negative offset'
	field_set 6 +5 >"$T/s"; bad_state 'signed offset'
	field_set 6 ' 5' >"$T/s"; bad_state 'offset with a space'
	field_set 6 12abc >"$T/s"; bad_state 'offset not a number'
	field_set 6 '' >"$T/s"; bad_state 'empty offset'
	field_set 6 0x10 >"$T/s"; bad_state 'hexadecimal offset'
	field_set 6 18446744073709551616 >"$T/s"; bad_state 'offset past 2^64'
	field_set 6 99999999999999999999999 >"$T/s"; bad_state 'offset of 23 digits'
	field_set 3 -1 >"$T/s"; bad_state 'negative inode'
	field_set 2 dev >"$T/s"; bad_state 'device not a number'
	field_set 4 99999 >"$T/s"; bad_state 'head length past 1024'
	field_set 7 99999 >"$T/s"; bad_state 'tail length past the offset'
	field_set 5 zz >"$T/s"; bad_state 'head hash not hexadecimal'
	field_set 8 123456789abcdef0123 >"$T/s"; bad_state 'tail hash too long'
	field_set 1 '' >"$T/s"; bad_state 'empty path'
	sed '2s/^[^\t]*\t/\\N\t/' "$T/good" >"$T/s"; bad_state 'path \N (absent)'
	sed '2s/$/\textra/' "$T/good" >"$T/s"; bad_state 'ten fields'
	sed '2s/\t[^\t]*$//' "$T/good" >"$T/s"; bad_state 'eight fields'
	field_set 9 old >"$T/s"; bad_state 'an unknown role'
	field_set 9 '' >"$T/s"; bad_state 'an empty role'
	# a valid entry, then a bad one: the whole file is ignored, the valid
	# entry too
	{ cat "$T/good"; printf 'x\ty\n'; } >"$T/s"; bad_state 'a bad second entry'
	tr '\n' '\r' <"$T/good" >"$T/s"; bad_state 'CR for LF'
}

@test "a state entry with an offset past the file's end is not trusted: no data skipped" {
	seq -f 'line %g, with some padding' 1 50 >"$T/a.log"
	omph-tail --state "$T/s" --once "$T/a.log" >/dev/null
	cp "$T/s" "$T/good"
	seq -f 'line %g, with some padding' 51 60 >>"$T/a.log"
	# the same file (device, inode, head), an offset it never reached
	field_set 6 99999999999 >"$T/s"; bad_state 'offset of 11 digits'
	field_set 6 18446744073709551615 >"$T/s"; bad_state 'offset 2^64 - 1'
	field_set 6 "$(($(size "$T/a.log") + 1))" >"$T/s"; bad_state 'offset one past the end'
	# the tail length and hash of no bytes, so only the offset is wrong
	awk -F'\t' -v OFS='\t' 'NR == 2 { $6 = "99999999999"; $7 = 0; $8 = "cbf29ce484222325" } { print }' \
	    "$T/good" >"$T/s"; bad_state 'offset past the end, no tail hash'
	# an offset inside a line, whatever the hash says, never cuts a line
	awk -F'\t' -v OFS='\t' 'NR == 2 { $6 = 7; $7 = 0; $8 = "cbf29ce484222325" } { print }' \
	    "$T/good" >"$T/s"; bad_state 'offset inside the first line'
}

@test "a corrupt state file in live mode: told, then it starts at the end as without state" {
	seq -f 'line %g' 1 5 >"$T/a.log"
	head -c 2000 /dev/urandom >"$T/s"
	tail_bg t --state "$T/s" "$T/a.log"
	grep -qF "omph-tail: $T/s: not an omph-tail state file; starting without state" "$T/t.err"
	echo new >>"$T/a.log"
	wait_until 5 saw "$T/t.out" new
	wait_until 5 saved_at "$T/s" "$T/a.log" "$(size "$T/a.log")"
	[ "$(cat "$T/t.out")" = new ]
	[ "$(wc -l <"$T/t.err")" -eq 1 ]
}

# ---------------------------------------------------------------- 7. lengths from input

@test "absurd lengths from the network: counted as malformed, no crash, a good sender served after" {
	local pt pu cp

	pt=$(free_port tcp)
	pu=$(free_port udp)
	omph-collect --listen "tcp://127.0.0.1:$pt" --listen "udp://127.0.0.1:$pu" \
	    --interval 0.1 </dev/null >"$T/c.out" 2>"$T/c.err" 3>&- &
	cp=$!
	pids="$pids $cp"
	wait_until 10 looping "$cp"
	python3 -c '
import socket, sys, time
pt, pu = int(sys.argv[1]), int(sys.argv[2])
def tcp(data, half=False):
    c = socket.create_connection(("127.0.0.1", pt))
    c.sendall(data)
    if half:
        c.shutdown(socket.SHUT_WR)
    # wait for the collector to close its end
    c.settimeout(5)
    try:
        while c.recv(4096):
            pass
    except OSError:
        pass
    c.close()
msg = b"<13>1 2026-11-23T10:00:00Z h app - - - hello"
# octet counting: a length of 11 digits, then one of 10 past 1 MiB
tcp(b"99999999999 " + msg, half=True)
tcp(b"4294967297 " + msg, half=True)
# a length longer than the data, then EOF
tcp(b"%d %s" % (len(msg) + 100, msg), half=True)
# a stream preamble whose ID is 200 bytes
tcp(b"#omph1\t" + b"i" * 200 + b"\t0000abcd\t0\n\n#path\n/x\n", half=True)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
# datagram preambles: a SEQ of 20 digits, an ID of 200 bytes
u.sendto(b"#omph1\tbig\t0000abcd\t99999999999999999999\t00000000\n#path\n/x\n",
    ("127.0.0.1", pu))
u.sendto(b"#omph1\t" + b"i" * 200 + b"\t0000abcd\t1\t00000000\n#path\n/x\n",
    ("127.0.0.1", pu))
' "$pt" "$pu"
	wait_until 5 eval '[ "$(kv "$T/c.out" malformed)" = 6 ]'
	alive "$cp"
	# good senders, over TCP and UDP
	awk 'BEGIN { print "#path\tstatus"; for (i = 1; i <= 1000; i++) print "/g/" i "\t200" }' >"$T/g.rec"
	omph-send --id goodt "tcp://127.0.0.1:$pt" <"$T/g.rec" 2>"$T/st.err"
	omph-send --id goodu "udp://127.0.0.1:$pu" <"$T/g.rec" 2>"$T/su.err"
	wait_until 5 eval '[ "$(sender "$T/c.out" goodt records)" = 1000 ]'
	wait_until 5 eval '[ "$(sender "$T/c.out" goodu records)" = 1000 ]'
	kill -TERM "$cp"
	wait "$cp"
	forget "$cp"
	snaps_ok "$T/c.out"
	last_snap "$T/c.out" | grep -v '^/g/'
	[ "$(kv "$T/c.out" malformed)" -eq 6 ]
	[ "$(kv "$T/c.out" records)" -eq 2000 ]
	[ "$(sender "$T/c.out" goodt lost)" -eq 0 ]
	[ "$(sender "$T/c.out" goodu lost)" -eq 0 ]
	# the malformed preambles made no sender
	[ -z "$(sender "$T/c.out" big records)" ]
	[ "$(kv "$T/c.out" senders)" -eq 2 ]
}

# ---------------------------------------------------------------- 8. full disk under stdout

# ends_whole FILE: FILE is empty or ends with a newline
ends_whole() {
	[ ! -s "$1" ] || [ -z "$(tail -c 1 "$1" | tr -d '\n')" ]
}

t_full_stdout() {
	local rc

	seq -f 'line %06g' 1 100000 >"$T/a.log"
	mkdir "$T/out"
	# 300,005 bytes fit (not a whole number of 12-byte lines): the write
	# that fills the disk is short, then ENOSPC
	run --separate-stderr env "${FAULT[@]}" OMPH_FAULT_FULL="300005:$T/out/" \
	    sh -c 'exec "$@" >"$0"' "$T/out/o" omph-tail "$@" --state "$T/s" \
	    --once "$T/a.log"
	echo "status $status, stderr: $stderr, output $(size "$T/out/o") bytes"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "omph-tail: standard output: No space left on device; cut back to its last whole line, at offset "* ]]
	# whole lines only, the first ones, and the state resumes right there
	ends_whole "$T/out/o"
	head -c "$(size "$T/out/o")" "$T/a.log" | cmp - "$T/out/o"
	[ "$(state_off "$T/s" "$T/a.log")" = "$(size "$T/out/o")" ]
	# space again: appended, the next run's output completes it exactly
	omph-tail "$@" --state "$T/s" --once "$T/a.log" >>"$T/out/o"
	cmp "$T/a.log" "$T/out/o"
	# the same in follow mode
	TAIL_ENV=("${FAULT[@]}" OMPH_FAULT_FULL="300005:$T/t.out")
	tail_bg t "$@" --from-start --state "$T/s2" "$T/a.log" || true
	wait_until 5 gone "$pid"
	rc=0
	wait "$pid" || rc=$?
	forget "$pid"
	cat "$T/t.err"
	[ "$rc" -eq 1 ]
	grep -qF "omph-tail: standard output: No space left on device; cut back to its last whole line" "$T/t.err"
	ends_whole "$T/t.out"
	head -c "$(size "$T/t.out")" "$T/a.log" | cmp - "$T/t.out"
	[ "$(state_off "$T/s2" "$T/a.log")" = "$(size "$T/t.out")" ]
}
@test "a full disk under omph-tail's stdout: no half line, cut back to the last whole one, the state right there (inotify)" { t_full_stdout; }
@test "a full disk under omph-tail's stdout: no half line, cut back to the last whole one, the state right there (poll)" { t_full_stdout --poll=0.05; }
