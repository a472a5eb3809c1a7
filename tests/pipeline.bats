#!/usr/bin/env bats
# End-to-end pipelines: omph-tail | omph-parse, live and cron.
bats_require_minimum_version 1.5.0
load helper

teardown() {
	[ -n "${pids:-}" ] && kill $pids 2>/dev/null
	rm -rf "$T"
}

@test "live: a line appended to a log is a record downstream within a second" {
	head -n 5 "$DATA/combined/elastic-apache.log" >"$T/access.log"
	omph-tail -n 1 "$T/access.log" | omph-parse combined >"$T/out" 2>"$T/err" &
	pids="$! $(pgrep -f "omph-tail -n 1 $T/access.log")"
	# the last line's record shows the pipeline runs
	wait_until 5 grep -q 'notes/notes.js' "$T/out"
	sed -n 6p "$DATA/combined/elastic-apache.log" >>"$T/access.log"
	wait_until 1 grep -q 'sad-medic.png' "$T/out"
	[ "$(grep -vc '^#' "$T/out")" -eq 2 ]
}

@test "W3C tailed from the end parses from the first new line" {
	cp "$DATA/w3c/lnav-logfile_w3c_big.0.log" "$T/u_ex.log"
	omph-tail -n 1 "$T/u_ex.log" | omph-parse w3c >"$T/out" 2>"$T/err" &
	pids="$! $(pgrep -f "omph-tail -n 1 $T/u_ex.log")"
	# the directive block, then the last line: parsed as a record
	wait_until 5 grep -q '^2015-01-13' "$T/out"
	printf '2015-01-13 00:40:00 100.79.192.81 GET /new.html - 80 - 1.2.3.4 Agent - 200 0 0 512 242 7\n' >>"$T/u_ex.log"
	wait_until 2 grep -q '/new.html' "$T/out"
	run field path <"$T/out"
	[ "${lines[1]}" = /new.html ]
	run field duration <"$T/out"
	[ "${lines[1]}" = 0.007 ]
	[ ! -s "$T/err" ]
}

@test "-H into --tagged: two W3C files with different #Fields, each its own columns" {
	printf '#Fields: date time c-ip cs-uri-stem sc-status\n2020-01-01 00:00:00 1.1.1.1 /a 200\n' >"$T/a.log"
	printf '#Fields: date time cs-uri-stem sc-status c-ip time-taken\n2020-01-01 00:00:01 /b 404 2.2.2.2 15\n' >"$T/b.log"
	omph-tail -H --from-start --once "$T/a.log" "$T/b.log" |
	    omph-parse --tagged --fields source,time,client,path,status,duration w3c >"$T/out"
	grep -q "^$T/a.log	2020-01-01T00:00:00Z	1.1.1.1	/a	200	\\\\N\$" "$T/out"
	grep -q "^$T/b.log	2020-01-01T00:00:01Z	2.2.2.2	/b	404	0.015\$" "$T/out"
}

@test "cron: --state --once runs through a rotation give every record once" {
	log=$DATA/combined/elastic-apache.log
	head -n 3000 "$log" >"$T/access.log"
	omph-tail --state "$T/s" --once "$T/access.log" | omph-parse --no-header combined >"$T/r1"
	sed -n 3001,5000p "$log" >>"$T/access.log"
	mv "$T/access.log" "$T/access.log.1"
	sed -n 5001,10000p "$log" >"$T/access.log"
	omph-tail --state "$T/s" --once "$T/access.log" | omph-parse --no-header combined >"$T/r2" 2>/dev/null
	[ "$(cat "$T/r1" "$T/r2" | wc -l)" -eq 9999 ]
	[ "$(cat "$T/r1" "$T/r2" | sort | uniq -d | wc -l)" -eq "$(omph-parse --no-header combined "$log" 2>/dev/null | sort | uniq -d | wc -l)" ]
}

# records_read: the records count of the dashboard on the demo's terminal
records_read() {
	tmux -L "$SOCK" capture-pane -p | sed -n 's/^\([0-9][0-9]*\) records\{0,1\} read.*/\1/p' | head -1
}

# grew N: the dashboard shows more than N records read
grew() {
	local n
	n=$(records_read)
	[ -n "$n" ] && [ "$n" -gt "$1" ]
}

@test "make demo ends with the live dashboard in a terminal and stops all it started; without one it prints the frame" {
	SOCK=omphdemo$$_$BATS_TEST_NUMBER
	printf '%s\n' "cd '$TOP' && OMPH_DEMO_DIR='$T/demo' OMPH_DEMO_SECONDS=4 CI= sh tests/demo.sh 2>'$T/err'; echo \$? >'$T/rc'; exec sleep 60" >"$T/cmd"
	tmux -L "$SOCK" -f /dev/null new-session -d -x 100 -y 30 "OMPH_BIN='$OMPH_BIN' PATH='$PATH' sh '$T/cmd'"
	pids="$(tmux -L "$SOCK" display -p '#{pid}')"
	local sid n
	sid=$(tmux -L "$SOCK" display -p '#{pane_pid}')
	# the live dashboard of the demo's pipeline: its records grow
	wait_until 15 eval 'tmux -L "$SOCK" capture-pane -p | grep -q "hits over the last 10 s"'
	wait_until 5 grew 0
	n=$(records_read)
	wait_until 5 grew "$n"
	# it ends by itself, exit 0, the terminal given back, nothing left running
	wait_until 15 test -s "$T/rc"
	[ "$(cat "$T/rc")" = 0 ]
	[ "$(tmux -L "$SOCK" display -p '#{alternate_on} #{cursor_flag}')" = "0 1" ]
	wait_until 5 eval '[ "$(pgrep -s "$sid" | grep -vx "$sid")" = "" ]' ||
	    { ps -s "$sid" -o pid,args; false; }
	tmux -L "$SOCK" capture-pane -p | grep -q 'press q to quit'
	! grep -e Sanitizer -e 'runtime error' "$T/err"
	tmux -L "$SOCK" kill-server
	# no terminal: the static frame, at once
	OMPH_DEMO_DIR=$T/demo run sh "$TOP/tests/demo.sh" </dev/null
	[ "$status" -eq 0 ]
	grep -q '^stdin  hits over all input' <<<"$output"
	grep -q '^alerts: ' <<<"$output"
	! grep -q 'press q to quit' <<<"$output"
}

# ends_fast PIPELINE: run the shell PIPELINE (on an idle $T/idle.log) under
# timeout 3; it must end in under two seconds; leftovers are killed by pid
ends_fast() {
	local t0 t1 rc=0 p

	head -n 5 "$DATA/combined/elastic-apache.log" >"$T/idle.log"
	t0=$(date +%s%N)
	timeout 3 sh -c "$1" "$T/idle.log" 2>"$T/err" || rc=$?
	t1=$(date +%s%N)
	for p in $(pgrep -f "$T/idle.log"); do
		kill "$p" 2>/dev/null
	done
	echo "rc $rc, $(((t1 - t0) / 1000000)) ms; $(cat "$T/err")"
	[ "$rc" -ne 124 ]
	# at once: well before --interval 30 or the timeout (2 s, not 1: the
	# sanitized pass starts each command slower while the others run)
	[ $((t1 - t0)) -lt 2000000000 ]
	# quietly, as for any closed pipe
	! grep -v -e '^omph-collect: ' "$T/err" | grep -q .
	! grep -q -e Sanitizer -e 'runtime error' "$T/err"
}

@test "a reader gone: omph-tail | omph-parse | true ends at once on an idle log" {
	ends_fast 'omph-tail "$0" | omph-parse combined | true'
	ends_fast 'omph-tail "$0" | omph-parse combined | sleep 0.3'
	ends_fast 'omph-tail "$0" | omph-parse --tagged combined - | sleep 0.3'
}

@test "a reader gone: omph-collect in the middle, or last before the reader, ends at once" {
	ends_fast 'omph-tail "$0" | omph-parse combined | omph-collect | sleep 0.3'
	ends_fast 'omph-tail "$0" | omph-parse combined | omph-collect --window 60 --interval 30 | sleep 0.3'
	# a reader that read a snapshot and quits (as omph-top does on q)
	ends_fast 'omph-tail "$0" | omph-parse combined | omph-collect --window 60 --interval 0.1 | head -n 1 >/dev/null'
	port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	ends_fast "omph-tail \"\$0\" | omph-parse combined | omph-collect --listen udp://127.0.0.1:$port --window 60 --interval 30 | sleep 0.3"
}

@test "make test's check names every missing package and how to install them (not root)" {
	command -v setpriv >/dev/null || skip "no setpriv to run as another user"
	# a PATH with the shell and the few tools deps.sh uses, nothing else
	mkdir "$T/bin"
	for c in sh id ls; do
		ln -s "$(command -v $c)" "$T/bin/$c"
	done
	chmod 755 "$T" "$T/bin"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
	    env PATH="$T/bin" sh "$TOP/tests/deps.sh" test
	echo "$stderr"
	[ "$status" -eq 1 ]
	[[ "${stderr_lines[0]}" == "make test: missing packages: gcc bats mawk groff-base mandoc tmux python3"* ]]
	[[ "${stderr_lines[1]}" == "make test: install them with: sudo apt-get install gcc bats mawk groff-base mandoc tmux python3"* ]]
	# all there: quiet, 0
	run --separate-stderr sh "$TOP/tests/deps.sh" test
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run --separate-stderr sh "$TOP/tests/deps.sh" nosuch
	[ "$status" -eq 2 ]
}

@test "cron with origins: omph-tail -H --once --state | omph-parse --tagged over a rotation: every line's bytes in exactly one record, each stream contiguous" {
	log=$DATA/combined/elastic-apache.log
	head -n 3000 "$log" >"$T/access.log"
	omph-tail -H --state "$T/s" --once "$T/access.log" |
	    omph-parse --tagged combined >"$T/r1" 2>"$T/e1"
	sed -n 3001,5000p "$log" >>"$T/access.log"
	mv "$T/access.log" "$T/access.log.1"
	# rotated a while ago: finished by the next run
	touch -d '-10 seconds' "$T/access.log.1"
	sed -n 5001,10000p "$log" >"$T/access.log"
	omph-tail -H --state "$T/s" --once "$T/access.log" |
	    omph-parse --tagged combined >"$T/r2" 2>"$T/e2"
	# line 8899 of the log is rejected: 9999 records
	{ field origin <"$T/r1"; field origin <"$T/r2"; } >"$T/o"
	[ "$(wc -l <"$T/o")" -eq 9999 ]
	[ -z "$(sort "$T/o" | uniq -d)" ]
	# two streams (the rotated file, the new one), each from 0 to its
	# file's end without a gap or an overlap
	tr ':' ' ' <"$T/o" | sort -k 1,1 -k 2,2n | awk '
		$1 != id { if (id != "") print id, end; id = $1; if ($2 != 0) { print "starts at " $2; exit 1 } }
		$1 == id && NR > 1 && $2 != end && prev == id { print "gap or overlap at " $0; exit 1 }
		{ end = $3; prev = $1 }
		END { print id, end }' >"$T/ends"
	cat "$T/ends"
	[ "$(wc -l <"$T/ends")" -eq 2 ]
	cut -d ' ' -f 2 "$T/ends" | sort -n >"$T/got"
	stat -c %s "$T/access.log" "$T/access.log.1" | sort -n | diff - "$T/got"
	# the records of one stream come in order, contiguous, run after run
	{ field origin <"$T/r1"; field origin <"$T/r2"; } | tr ':' ' ' | awk '
		($1 in end) && end[$1] != $2 { print "not contiguous: " $0; exit 1 }
		{ end[$1] = $3 }'
}
