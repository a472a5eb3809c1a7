#!/usr/bin/env bats
# omph-top: the live dashboard in a real terminal (tmux on a private socket):
# live pipelines, resizing down to 1x1, hostile keys shown inert, input that
# ends, the keys, batch frames checked against awk over the raw log, and
# --connect with reconnection, against man/omph-top.1.
bats_require_minimum_version 1.5.0
load helper

# widths of wide characters are checked: a UTF-8 locale, in tmux too
export LC_ALL=C.UTF-8
LOG=$DATA/combined/elastic-apache.log
TAB=$(printf '\t')
HDR="#path${TAB}hits${TAB}rate${TAB}bytes${TAB}2xx${TAB}3xx${TAB}4xx${TAB}5xx${TAB}4xx_ratio${TAB}5xx_ratio${TAB}p50${TAB}p90${TAB}p99${TAB}err"

setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/omph-test.XXXXXX")
	SOCK=omphtest$$_$BATS_TEST_NUMBER
}

teardown() {
	exec 5>&- 6>&-
	tmux -L "$SOCK" kill-server 2>/dev/null || true
	for p in ${pids:-}; do kill "$p" 2>/dev/null || true; done
	rm -rf "$T"
}

tm() {
	tmux -L "$SOCK" "$@"
}

# top W H ARGS...: omph-top ARGS in a W x H terminal, its stdin from
# $T/stdin (made by the caller: a file or a fifo), stderr to $T/err, exit
# status to $T/rc
top() {
	local w=$1 h=$2 a
	shift 2
	printf '%s' "exec <'$T/stdin'; '$OMPH_BIN/omph-top'" >"$T/cmd"
	for a in "$@"; do printf " '%s'" "$a"; done >>"$T/cmd"
	printf " 2>'%s'; echo \$? >'%s'\n" "$T/err" "$T/rc" >>"$T/cmd"
	tm -f /dev/null new-session -d -x "$w" -y "$h" "sh '$T/cmd'"
}

screen() {
	tm capture-pane -p 2>/dev/null
}

shows() {
	screen | grep -qF -- "$1"
}

showsre() {
	screen | grep -qE -- "$1"
}

# alive: omph-top runs (it writes $T/rc when it exits)
alive() {
	[ ! -e "$T/rc" ] && tm has-session 2>/dev/null
}

# quits: q makes it exit 0, and it said nothing on stderr (sanitizers)
quits() {
	tm send-keys q
	wait_until 5 test -s "$T/rc"
	[ "$(cat "$T/rc")" = 0 ]
	[ ! -s "$T/err" ] || { cat "$T/err"; return 1; }
}

# snapshot TIME ROWS... EVENTS...: one snapshot with the site row first;
# arguments are lines (rows, then "#event..." and event lines)
snapshot() {
	printf '#snapshot\ttime=%s\twindow=60\tfinal=0\trecords=9\tlate=0\tbad=0\tevicted=0\tkeys=3\n' "$1"
	printf '%s\n' "$HDR"
	shift
	printf '%s\n' "$@"
	printf '#end\n'
}

# row KEY HITS 4XX 5XX: a table row
row() {
	printf '%s\t%s\t1\t100\t%s\t0\t%s\t%s\t0\t0\t\\N\t\\N\t\\N\t0' "$1" "$2" \
	    $(($2 - $3 - $4)) "$3" "$4"
}

@test "usage: bad options and operands exit 2, --version" {
	run --separate-stderr omph-top --bogus
	[ "$status" -eq 2 ]
	[[ "${stderr_lines[1]}" == "usage: omph-top "* ]]
	run --separate-stderr omph-top /nonexistent
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "omph-top: /nonexistent: extra operand: snapshots are read from stdin or --connect" ]
	run --separate-stderr omph-top -n 3
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"-n and --width need -b"* ]]
	run --separate-stderr omph-top -b -n 0
	[ "$status" -eq 2 ]
	run --separate-stderr omph-top --connect nowhere
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--connect: nowhere: no :PORT"* ]]
	run omph-top --version
	[ "$status" -eq 0 ]
	[[ "$output" == "omph-top "* ]]
}

@test "it shows the top keys of a live pipeline, and follows them" {
	mkfifo "$T/in"
	printf '%s\n' "exec <'$T/in'; omph-collect --window 60 --interval 0.2 | '$OMPH_BIN/omph-top' 2>'$T/err'; echo \$? >'$T/rc'" >"$T/cmd"
	tm -f /dev/null new-session -d -x 100 -y 30 "PATH='$PATH' sh '$T/cmd'"
	exec 5>"$T/in"
	printf '#time\tpath\tstatus\tbytes\n' >&5
	for i in $(seq 30); do printf '2026-11-23T10:00:00Z\t/hot\t200\t10\n'; done >&5
	for i in $(seq 10); do printf '2026-11-23T10:00:01Z\t/cold\t404\t10\n'; done >&5
	wait_until 5 showsre '^  /hot +30 '
	# the first key row is the one with the most hits
	[[ "$(screen | grep -A1 -E '^  \* ' | tail -1)" =~ ^\ \ /hot\ +30\  ]]
	showsre '^  \* +40 '
	shows 'stdin: live'
	shows 'hits over the last 60 s'
	showsre '4xx 25\.0%'
	# more traffic: the view follows at the next snapshot
	for i in $(seq 50); do printf '2026-11-23T10:00:02Z\t/cold\t404\t10\n'; done >&5
	wait_until 5 showsre '^  /cold +60 '
	[[ "$(screen | grep -A1 -E '^  \* ' | tail -1)" =~ ^\ \ /cold\ +60\  ]]
	showsre '^  \* +90 '
	alive
	exec 5>&-
	wait_until 5 shows 'input ended at'
	quits
}

@test "after the input ends it keeps the last data, says since when, answers keys, q exits 0" {
	omph-parse combined "$LOG" 2>/dev/null | omph-collect -n 5 >"$T/stdin"
	top 100 30
	wait_until 5 shows 'stdin: input ended at'
	shows '/favicon.ico'
	showsre '^  \* +9999 '
	# the clock counts
	wait_until 5 showsre 'ended at [0-9:]{8} \([1-9][0-9]*s ago\)'
	alive
	tm send-keys s
	wait_until 5 showsre '^  path +\*hits '
	tm send-keys '?'
	wait_until 5 shows 'What is shown'
	tm send-keys x
	wait_until 5 shows '/favicon.ico'
	alive
	quits
}

@test "resized to 30x8, 12x4, 220x70, 1x1 and back it stays alive and redraws" {
	# 3: alerts were active at the end
	omph-parse combined "$LOG" 2>/dev/null |
	    omph-collect -n 30 --alert '4xx_ratio>0.5' --alert-min-hits 5 >"$T/stdin" ||
	    [ $? -eq 3 ]
	top 100 30
	wait_until 5 shows '/favicon.ico'
	tm resize-window -x 30 -y 8
	wait_until 5 showsre '^  path +hits +4xx$'
	[ "$(screen | wc -L)" -le 30 ]
	alive
	tm resize-window -x 12 -y 4
	wait_until 5 shows 'omph-top: m'
	alive
	tm resize-window -x 220 -y 70
	wait_until 5 shows '/presentations/logstash-puppetconf-2012/images/office-space-printer-beat-down-gif.gif'
	shows 'alerts: 7 active, 0 resolved'
	alive
	tm resize-window -x 1 -y 1
	sleep 0.3
	alive
	tm resize-window -x 100 -y 30
	wait_until 5 showsre '^  /favicon.ico +807 '
	alive
	quits
}

@test "keys with escape sequences are shown escaped, never sent to the terminal" {
	local cjk
	cjk=$(printf '/%.0s\xe4\xb8\xad\xe6\x96\x87' $(seq 40))
	{
		snapshot 2026-11-23T10:00:00Z "$(row '*' 9 0 0)" \
		    "$(row "/a$(printf '\033]2;pwned\007')b$(printf '\033[2J')c" 3 0 0)" \
		    "$(row "$cjk" 2 0 0)" \
		    "$(row "/tab\\there$(printf '\xff\xc3(')" 2 0 0)" \
		    "$(row /visible 2 0 0)" \
		    "#event${TAB}rule${TAB}value${TAB}time${TAB}path"
	} >"$T/stdin"
	top 80 20
	wait_until 5 shows '/visible'
	shows '/a\x1b]2;pwned\x07b\x1b[2Jc'
	shows '/tab\x09here\xff\xc3('
	# nothing cleared the screen: what was drawn before the key is there
	showsre '^  \* +9 '
	shows 'stdin: input ended'
	[[ "$(tm display -p '#{pane_title}')" != *pwned* ]]
	# wide characters are cut by columns: the numbers stay in place
	[ "$(screen | grep -F '/visible' | wc -L)" -eq 80 ]
	[ "$(screen | grep -F "$(printf '\xe4\xb8\xad')" | wc -L)" -eq 80 ]
	# the key is cut in the column before the wide character that does not fit
	screen | grep -F "$(printf '\xe4\xb8\xad')" | grep -qE "^  (/$(printf '\xe4\xb8\xad\xe6\x96\x87')){7}/$(printf '\xe2\x80\xa6')  +2 "
	quits
}

@test "a log line with escape sequences in its path shows as text through the pipeline" {
	printf '1.2.3.4 - - [23/Nov/2026:10:00:00 +0000] "GET /x\033]2;title\007y\033[2J HTTP/1.1" 200 5 "-" "a"\n' |
	    omph-parse combined | omph-collect >"$T/stdin"
	run omph-top -b --width 100 <"$T/stdin"
	[ "$status" -eq 0 ]
	[[ "$output" == *'/x\x1b]2;title\x07y\x1b[2J '* ]]
	! grep -q "$(printf '\033')" <<<"$output"
	! grep -q "$(printf '\007')" <<<"$output"
}

@test "alerts stay listed when resolved; c clears the selected key's, C all" {
	local ev="#event${TAB}rule${TAB}value${TAB}time${TAB}path"
	{
		snapshot 2026-11-23T10:00:00Z "$(row '*' 90 30 30)" \
		    "$(row /a 40 30 0)" "$(row /b 30 0 30)" "$(row /c 20 0 0)" "$ev" \
		    "raise${TAB}4xx_ratio>0.5${TAB}0.75${TAB}2026-11-23T10:00:00Z${TAB}/a" \
		    "raise${TAB}5xx_ratio>0.5${TAB}1${TAB}2026-11-23T10:00:00Z${TAB}/b" \
		    "raise${TAB}hits>10${TAB}20${TAB}2026-11-23T10:00:00Z${TAB}/c" \
		    "raise${TAB}5xx_ratio>0.2${TAB}0.33${TAB}2026-11-23T10:00:00Z${TAB}*" \
		    "active${TAB}5xx_ratio>0.2${TAB}0.33${TAB}2026-11-23T10:00:00Z${TAB}*" \
		    "active${TAB}4xx_ratio>0.5${TAB}0.75${TAB}2026-11-23T10:00:00Z${TAB}/a" \
		    "active${TAB}5xx_ratio>0.5${TAB}1${TAB}2026-11-23T10:00:00Z${TAB}/b" \
		    "active${TAB}hits>10${TAB}20${TAB}2026-11-23T10:00:00Z${TAB}/c"
		# /a resolves; /c is no longer listed active: it resolved unseen
		snapshot 2026-11-23T10:00:05Z "$(row '*' 90 30 30)" \
		    "$(row /a 40 10 0)" "$(row /b 30 0 30)" "$(row /c 20 0 0)" "$ev" \
		    "resolve${TAB}4xx_ratio>0.5${TAB}0.25${TAB}2026-11-23T10:00:05Z${TAB}/a" \
		    "active${TAB}5xx_ratio>0.2${TAB}0.33${TAB}2026-11-23T10:00:00Z${TAB}*" \
		    "active${TAB}5xx_ratio>0.5${TAB}1${TAB}2026-11-23T10:00:00Z${TAB}/b"
		printf '#snapshot\ttime=2026-11-23T10:00:09Z\n%s\n' "$HDR"	# cut
	} >"$T/stdin"
	top 100 30
	wait_until 5 shows 'alerts: 2 active, 2 resolved'
	showsre '^> resolved +10:00:00-10:00:05  4xx_ratio>0.5 = 0.25  /a$'
	showsre 'resolved +10:00:00-10:00:05  hits>10 = 20  /c$'
	showsre 'ACTIVE +10:00:00  5xx_ratio>0.5 = 1  /b$'
	showsre 'ACTIVE +10:00:00  5xx_ratio>0.2 = 0.33  \*$'
	showsre '^! /b '
	showsre '^\. /a '
	shows '1 snapshot cut short'
	# /a is selected (the first key row): c clears its alert only
	tm send-keys c
	wait_until 5 shows 'alerts: 2 active, 1 resolved'
	! showsre '/a$'
	showsre '/c$'
	# C: resolved ones go, active ones stay as cleared until they resolve
	tm send-keys C
	wait_until 5 shows 'alerts: 2 active, 0 resolved'
	showsre 'cleared +10:00:00  5xx_ratio>0.5 = 1  /b$'
	showsre 'cleared +10:00:00  5xx_ratio>0.2 = 0.33  \*$'
	! showsre '^[ >] resolved '
	! shows 'ACTIVE'
	quits
}

@test "/ filters the keys by substring; Esc cancels, an empty filter shows all" {
	snapshot 2026-11-23T10:00:00Z "$(row '*' 9 0 0)" "$(row /alpha 4 0 0)" \
	    "$(row /beta 3 0 0)" "$(row /ALPHABET 2 0 0)" "#event${TAB}rule" >"$T/stdin"
	top 100 30
	wait_until 5 shows '/beta'
	tm send-keys /
	tm send-keys -l alpha
	wait_until 5 shows 'filter: alpha'
	shows '/beta'	# not applied before Enter
	tm send-keys Enter
	wait_until 5 shows 'only keys holding "alpha"'
	! shows '/beta'
	showsre '^  /alpha +4 '
	showsre '^  /ALPHABET +2 '
	showsre '^  \* +9 '
	tm send-keys /
	tm send-keys -l zzz
	wait_until 5 shows 'filter: alphazzz'
	tm send-keys Escape
	wait_until 5 shows 'only keys holding "alpha"'
	! shows 'zzz'
	tm send-keys / C-u
	tm send-keys -l nothing-has-this
	tm send-keys Enter
	wait_until 5 shows 'no key matches the filter'
	tm send-keys / C-u Enter
	wait_until 5 shows '/beta'
	shows '/alpha'
	quits
}

@test "p pauses the view while snapshots are still read; s sorts, j moves" {
	mkfifo "$T/stdin"
	top 100 30
	exec 5>"$T/stdin"
	snapshot 2026-11-23T10:00:00Z "$(row '*' 9 0 0)" "$(row /one 2 0 0)" \
	    "$(row /two 5 0 2)" "#event${TAB}rule" >&5
	wait_until 5 showsre '^  /one +2 '
	# input order, then by hits: /two first; by 5xx: still /two
	[[ "$(screen | grep -A1 -E '^  \* ' | tail -1)" == "  /one "* ]]
	tm send-keys s
	wait_until 5 shows 'sorted by hits'
	[[ "$(screen | grep -A1 -E '^  \* ' | tail -1)" == "  /two "* ]]
	tm send-keys p
	wait_until 5 shows 'PAUSED, 0 newer'
	snapshot 2026-11-23T10:00:01Z "$(row '*' 99 0 0)" "$(row /three 50 0 0)" \
	    "#event${TAB}rule" >&5
	wait_until 5 shows 'PAUSED, 1 newer'
	shows '/two'
	! shows '/three'
	tm send-keys p
	wait_until 5 showsre '^  /three +50 '
	! shows 'PAUSED'
	! shows '/two'
	# the selection follows its key from snapshot to snapshot
	snapshot 2026-11-23T10:00:02Z "$(row '*' 99 0 0)" "$(row /three 50 0 0)" \
	    "$(row /four 40 0 0)" "#event${TAB}rule" >&5
	wait_until 5 shows '/four'
	tm send-keys j
	snapshot 2026-11-23T10:00:03Z "$(row '*' 99 0 0)" "$(row /five 60 0 0)" \
	    "$(row /six 55 0 0)" "$(row /four 40 0 0)" "$(row /three 30 0 0)" \
	    "#event${TAB}rule" >&5
	wait_until 5 shows '/five'
	# in reverse video: /four, now third, not /six, now where it was
	tm capture-pane -p -e | grep -F '/four' | grep -qF $'\e[7m'
	! tm capture-pane -p -e | grep -F '/six' | grep -qF $'\e[7m'
	exec 5>&-
	wait_until 5 shows 'input ended'
	quits
}

@test "--batch -n 2: two frames of header lines and rows, the top key as awk counts it" {
	omph-parse combined "$LOG" 2>/dev/null | omph-collect -n 3 >"$T/one"
	cat "$T/one" "$T/one" "$T/one" >"$T/three"
	run --separate-stderr omph-top --batch -n 2 --width 100 <"$T/three"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(grep -c '^stdin  hits over all input (3d11h of log time)  log time 2015-05-20T21:05:59Z  final report$' <<<"$output")" -eq 2 ]
	[ "$(grep -cE '^  path +hits +visitors +rate +bytes +4xx +5xx$' <<<"$output")" -eq 2 ]
	# line 8899 is cut off and not a record: awk leaves it out too
	local top n total
	top=$(sed 8899d "$LOG" | awk '{ print $7 }' | sort | uniq -c | sort -rn | head -1)
	n=${top% *}
	n=${n##* }
	total=$(sed 8899d "$LOG" | wc -l)
	[ "$(sed -n 5p <<<"$output" | awk '{ print $1, $2 }')" = "* $total" ]
	[ "$(sed -n 6p <<<"$output" | awk '{ print $1, $2 }')" = "${top##* } $n" ]
	# -n bigger than the input: a frame per complete snapshot, then exit 0
	{ cat "$T/three"; head -5 "$T/one"; } >"$T/cut"
	run omph-top -b -n 10 <"$T/cut"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^stdin  hits over all input' <<<"$output")" -eq 3 ]
	# COLUMNS sets the width
	run env COLUMNS=40 omph-top -b <"$T/one"
	[ "$(wc -L <<<"$output")" -le 40 ]
}

@test "--batch survives garbage, JSON and cut input, and writes a frame at the end" {
	omph-parse combined "$LOG" 2>/dev/null | omph-collect -n 3 >"$T/one"
	run omph-top -b </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == "stdin  no snapshot"* ]]
	omph-parse combined "$LOG" 2>/dev/null | omph-collect -o json | omph-top -b >"$T/out"
	grep -q "no snapshot in the 1 line read (omph-top reads omph-collect's tsv, not -o json)" "$T/out"
	{
		head -c 3000 /dev/urandom
		printf '\n#end\n#event\nraise\n#snapshot\n#end\n'
		cat "$T/one"
		head -c 100 "$T/one"
	} >"$T/bad"
	run omph-top -b --width 1 <"$T/bad"
	[ "$status" -eq 0 ]
	run omph-top -b --width 80 <"$T/bad"
	[ "$status" -eq 0 ]
	grep -q '^  /favicon.ico  *807 ' <<<"$output"
}

@test "stdin that is a terminal is a usage error" {
	tm -f /dev/null new-session -d -x 80 -y 10 "'$OMPH_BIN/omph-top' 2>'$T/err'; echo \$? >'$T/rc'"
	wait_until 5 test -s "$T/rc"
	[ "$(cat "$T/rc")" = 2 ]
	grep -q 'stdin is a terminal' "$T/err"
}

@test "idle, with the input ended, it uses next to no CPU" {
	omph-parse combined "$LOG" 2>/dev/null | omph-collect -n 5 >"$T/stdin"
	top 100 30
	wait_until 5 shows 'input ended'
	local pid a b
	pid=$(pgrep -f "^$OMPH_BIN/omph-top\$" | head -1)
	[ -n "$pid" ]
	a=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	sleep 3
	b=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	# clock ticks are 1/100 s: a busy loop would take about 300
	[ $((b - a)) -le 10 ]
	quits
}

# serve PORT FILE: a TCP server on 127.0.0.1:PORT (0: any; the port is then
# written to $T/port) sending FILE to each viewer, keeping it connected
serve() {
	python3 -c '
import os, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
open(sys.argv[3] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
data = open(sys.argv[2], "rb").read()
keep = []
while True:
    c, _ = s.accept()
    c.sendall(data)
    keep.append(c)
' "$1" "$2" "$T/port" &
	server=$!
	pids="${pids:-} $server"
	wait_until 5 test -s "$T/port"
}

@test "--connect shows a server's snapshots and reconnects after it restarts" {
	omph-parse combined "$LOG" 2>/dev/null | omph-collect -n 5 >"$T/a"
	omph-parse combined "$LOG" 2>/dev/null | omph-collect -k status -n 5 >"$T/b"
	serve 0 "$T/a"
	local port
	port=$(cat "$T/port")
	: >"$T/stdin"
	top 100 30 --connect "127.0.0.1:$port"
	wait_until 5 showsre '^  /favicon.ico +807 '
	shows "127.0.0.1:$port: connected"
	kill "$server"
	wait "$server" 2>/dev/null || true
	wait_until 5 shows "127.0.0.1:$port: down since"
	showsre '^  /favicon.ico +807 '	# the last data stays
	alive
	rm -f "$T/port"
	serve "$port" "$T/b"
	wait_until 8 showsre '^  200 +9125 '
	shows "127.0.0.1:$port: connected"
	shows 'status'
	quits
	# batch: a frame from the server, then exit
	run omph-top -b -n 1 --connect "127.0.0.1:$port"
	[ "$status" -eq 0 ]
	grep -qE '^  200 +9125 ' <<<"$output"
	kill "$server"
	wait "$server" 2>/dev/null || true
	run --separate-stderr omph-top -b --connect "127.0.0.1:$port"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"127.0.0.1:$port: Connection refused"* ]]
}

@test "--connect to omph-collect --serve: live snapshots and the senders panel" {
	local ports p1 p2
	ports=$(python3 -c '
import socket
a = socket.socket(); a.bind(("127.0.0.1", 0))
b = socket.socket(); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
	p1=${ports% *}
	p2=${ports#* }
	mkfifo "$T/in"
	omph-collect --window 60 --interval 0.2 --listen "tcp+text://127.0.0.1:$p1" \
	    --serve "127.0.0.1:$p2" <"$T/in" >/dev/null 2>"$T/cerr" &
	pids="$!"
	exec 5>"$T/in"
	printf '#time\tpath\tstatus\tbytes\n' >&5
	for i in $(seq 12); do printf '2026-11-23T10:00:00Z\t/served\t200\t10\n'; done >&5
	: >"$T/stdin"
	top 120 30 --connect "127.0.0.1:$p2"
	wait_until 5 showsre '^  /served +12 '
	# records over TCP to --listen: the senders table shows
	exec 6<>"/dev/tcp/127.0.0.1/$p1"
	printf '#time\tpath\tstatus\n2026-11-23T10:00:01Z\t/net\t503\n' >&6
	wait_until 5 showsre '^  /net +1 '
	shows 'sender'
	showsre '^127\.0\.0\.1 +text +127\.0\.0\.1:[0-9]+ +1 '
	quits
}

@test "visitors: after hits when the site row has them, - in a row without, dropped after p99 when narrow" {
	{
		printf '#snapshot\ttime=2026-11-23T10:00:00Z\twindow=60\tfinal=0\trecords=9\tlate=0\tbad=0\tevicted=0\tkeys=2\n'
		printf '%s\tvisitors\n' "$HDR"
		printf '%s\t%s\n' "$(row '*' 9 0 3)" 5 "$(row /a 6 0 0)" '\N' \
		    "$(row /b 3 0 3)" 2
		printf '#end\n'
	} >"$T/vis"
	run omph-top -b --width 100 <"$T/vis"
	grep -qE '^  path +hits +visitors +rate +bytes +4xx +5xx$' <<<"$output"
	grep -qE '^  \* +9 +5 +1\.00/s ' <<<"$output"
	grep -qE '^  /a +6 +- +1\.00/s ' <<<"$output"
	grep -qE '^  /b +3 +2 +1\.00/s ' <<<"$output"
	# narrow: bytes and rate go first, then visitors, before 5xx and 4xx
	run omph-top -b --width 50 <"$T/vis"
	grep -qE '^  path +hits +visitors +4xx +5xx$' <<<"$output"
	run omph-top -b --width 40 <"$T/vis"
	grep -qE '^  path +hits +4xx +5xx$' <<<"$output"
	# the site row without visitors (no clients): no column
	sed 's/\t5$/\t\\N/' "$T/vis" >"$T/novis"
	run omph-top -b --width 100 <"$T/novis"
	grep -qE '^  path +hits +rate +bytes +4xx +5xx$' <<<"$output"
}

# visitors KEY FILE: the visitors of KEY in the snapshots FILE (the last)
visitors() {
	awk -F'\t' -v key="$1" '
		/^#/ { for (i = 1; i <= NF; i++) if ($i == "visitors") c = i; next }
		$1 == key { v = $c }
		END { print v }' "$2"
}

# noexp FILE: no number in FILE is written with an exponent (9.1e-04)
noexp() {
	! grep -E '[0-9]e[-+]?[0-9]' "$1"
}

@test "the title says what the figures are; rates have units, never an exponent (real log, totals and --window)" {
	omph-parse combined "$LOG" 2>/dev/null | omph-collect -n 30 >"$T/tot"
	run --separate-stderr omph-top -b --width 100 <"$T/tot"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	noexp "$T/out"
	# the log's records span 3 days 11 hours: the title says so
	[ "$(head -1 "$T/out")" = 'stdin  hits over all input (3d11h of log time)  log time 2015-05-20T21:05:59Z  final report' ]
	# rates per minute or per hour, as omph-collect's per-second rate says
	local want
	want=$(awk -F'\t' '$1 == "*" { printf "%.2f/min", $3 * 60 }' "$T/tot")
	grep -qE "^  \\* +9999 +$(visitors '*' "$T/tot") +$want " "$T/out"
	want=$(awk -F'\t' '$1 == "/favicon.ico" { printf "%.2f/h", $3 * 3600 }' "$T/tot")
	grep -qE "^  /favicon.ico +807 +$(visitors /favicon.ico "$T/tot") +$want " "$T/out"
	# a window of an hour: one hit (one visitor) is 1.00/h
	omph-parse combined "$LOG" 2>/dev/null | omph-collect -n 30 --window 3600 >"$T/win"
	omph-top -b --width 100 <"$T/win" >"$T/out"
	noexp "$T/out"
	[ "$(grep -c '^stdin  hits over the last 3600 s  log time ' "$T/out")" -ge 1 ]
	grep -qE '^  /[^ ]+ +1 +1 +1\.00/h ' "$T/out"
	# the same on the screen, with the input's state and the sort order
	cp "$T/tot" "$T/stdin"
	top 140 40
	wait_until 5 shows 'stdin: input ended at'
	shows 'hits over all input (3d11h of log time)'
	shows "in omph-collect's order"
	screen >"$T/screen"
	noexp "$T/screen"
	grep -qE "^  /favicon.ico +807 +$(visitors /favicon.ico "$T/tot") +9\\.72/h " "$T/screen"
	quits
	cp "$T/win" "$T/stdin"
	rm -f "$T/rc"
	tm kill-server 2>/dev/null || true
	top 140 40
	wait_until 5 shows 'hits over the last 3600 s'
	screen >"$T/screen"
	noexp "$T/screen"
	quits
}

# fits W: the screen, wrapped lines joined, is W columns or less; its title
# and statistics lines have whole fields, none cut or written as name=value
fits() {
	local w=$1
	tm capture-pane -p -J >"$T/screen" 2>/dev/null
	[ "$(wc -L <"$T/screen")" -le "$w" ] &&
	    ! head -2 "$T/screen" | grep -qF -e "$(printf '\xe2\x80\xa6')" -e '='
}

# full W: the screen is drawn for W columns: the table's header fills its
# line and ends with its last column, 5xx.  Not the width alone: tmux sends
# the pane a resize (SIGWINCH) up to 250 ms after the previous one, and shows
# the old lines cut at the new width meanwhile; the old header cut can fill
# the line too (at 40 columns the 80-column one ends "hits" there).
full() {
	[ "$(tm capture-pane -p | grep -E '^  path .* 5xx$' | wc -L)" -eq "$1" ]
}

@test "every line fits the width, fields whole, at 200, 80 and 40 columns, with a network sender" {
	local p w
	p=$(free_port)
	printf '%s\n' "exec </dev/null; omph-collect --window 60 --interval 0.2 --listen 'udp://127.0.0.1:$p' 2>'$T/cerr' | tee '$T/snaps' | '$OMPH_BIN/omph-top' 2>'$T/err'; echo \$? >'$T/rc'" >"$T/cmd"
	tm -f /dev/null new-session -d -x 200 -y 40 "PATH='$PATH' sh '$T/cmd'"
	wait_until 5 shows 'waiting for the first snapshot'
	wait_until 5 shows 'status classes: no hits yet'
	# 10,000 a second: the collector here also makes a window's snapshot
	# each 0.2 s for a dashboard; under both test passes at once a faster
	# flood lost datagrams once (omph-send then says so and exits 1)
	omph-parse combined "$LOG" 2>/dev/null |
	    omph-send --id web1 --rate 10000 "udp://127.0.0.1:$p" 2>"$T/send.err"
	wait_until 10 shows '9999 records read'
	wait_until 5 shows '1 sender'
	shows 'UDP datagrams'
	showsre '^web1 +udp +127\.0\.0\.1:[0-9]+ +9999 '
	for w in 200 80 40; do
		tm resize-window -x "$w" -y 40
		wait_until 5 full "$w"
		fits "$w"
		# the help screen too
		tm send-keys '?'
		wait_until 5 shows 'Keys (any key closes this help)'
		fits "$w"
		tm send-keys x
		wait_until 5 full "$w"
		fits "$w"
	done
	grep -qxE '9999 records read( \([^)]*\))?  60 keys  1 sender *' "$T/screen"
	alive
	quits
	# batch frames of the same snapshots, at each width
	for w in 200 80 40; do
		omph-top -b --width "$w" <"$T/snaps" >"$T/out"
		[ "$(wc -L <"$T/out")" -le "$w" ]
		! grep -A1 '^stdin' "$T/out" | grep -qF -e "$(printf '\xe2\x80\xa6')" -e '='
	done
	grep -qE '^9999 records read  60 keys  1 sender  [0-9]+ UDP datagrams$' <(omph-top -b --width 200 <"$T/snaps")
}

# panels TIME: a snapshot of three panels (-k path -k status -k client), the
# third's name carrying a raw ESC byte; site events in the first panel only
panels() {
	local ev="#event${TAB}rule${TAB}value${TAB}time"
	printf '#snapshot\ttime=%s\twindow=60\tfinal=0\trecords=9\tlate=0\tbad=0\tevicted=0\tkeys=2\n' "$1"
	printf '#panel\tname=path\tkeys=2\n%s\n' "$HDR"
	printf '%s\n' "$(row '*' 9 0 3)" "$(row /index 6 0 0)" "$(row /api 3 0 3)"
	printf '%s\n' "$ev${TAB}path" \
	    "raise${TAB}hits>5${TAB}6${TAB}$1${TAB}/index" \
	    "active${TAB}hits>5${TAB}6${TAB}$1${TAB}/index"
	printf '#panel\tname=status\tkeys=2\n%s\n' "${HDR/#\#path/#status}"
	printf '%s\n' "$(row '*' 9 0 3)" "$(row 200 6 0 0)" "$(row 503 3 0 3)"
	printf '%s\n' "$ev${TAB}status" \
	    "raise${TAB}5xx>1${TAB}3${TAB}$1${TAB}503" \
	    "active${TAB}5xx>1${TAB}3${TAB}$1${TAB}503"
	printf '#panel\tname=cl\033]2;pwned\007ient\tkeys=1\n%s\n' "${HDR/#\#path/#client}"
	printf '%s\n' "$(row '*' 9 0 3)" "$(row 10.9.8.7 9 0 3)"
	printf '#end\n'
}

@test "panels: the names shown, Tab and Shift-Tab switch the table, alerts of a panel say its name" {
	panels 2026-11-23T10:00:00Z >"$T/stdin"
	top 100 30
	wait_until 5 shows 'panels: path status cl'
	# the name's escape byte is text, never sent to the terminal
	shows 'cl\x1b]2;pwned\x07ient'
	[[ "$(tm display -p '#{pane_title}')" != *pwned* ]]
	showsre '^[!. ] /index +6 '
	! showsre '^[!. ] 503 '
	# the alerts of every panel; the second's key says its panel
	showsre 'ACTIVE +10:00:00  5xx>1 = 3  status: 503$'
	showsre 'ACTIVE +10:00:00  hits>5 = 6  /index$'
	tm send-keys Tab
	wait_until 5 showsre '^! 503 +3 '
	showsre '^  200 +6 '
	! showsre '^[!. ] /index '
	showsre '^  status +hits'
	tm send-keys Tab
	wait_until 5 showsre '^  10\.9\.8\.7 +9 '
	tm send-keys BTab
	wait_until 5 showsre '^! 503 +3 '
	# the selection is back on the first row (200); j: 503, whose alert
	# c clears, the status panel's only
	tm send-keys j c
	wait_until 5 showsre 'cleared +10:00:00  5xx>1 = 3  status: 503$'
	showsre 'ACTIVE +10:00:00  hits>5 = 6  /index$'
	tm send-keys BTab
	wait_until 5 showsre '^! /index +6 '
	# the help tells of Tab
	tm send-keys '?'
	wait_until 5 shows 'Tab Shift-Tab'
	tm send-keys x
	quits
}

@test "panels: the panel shown is kept by name across snapshots; batch frames show each" {
	mkfifo "$T/stdin"
	top 100 30
	exec 5>"$T/stdin"
	panels 2026-11-23T10:00:00Z >&5
	wait_until 5 shows 'panels: path status'
	tm send-keys Tab
	wait_until 5 showsre '^! 503 +3 '
	panels 2026-11-23T10:00:05Z >&5
	wait_until 5 shows 'log time 2026-11-23T10:00:05Z'
	showsre '^! 503 +3 '
	exec 5>&-
	quits
	panels 2026-11-23T10:00:00Z >"$T/in"
	run omph-top -b --width 100 <"$T/in"
	[ "$status" -eq 0 ]
	[[ "$output" == *'panels: [path] status'* ]]
	[[ "$output" == *'panels: path [status]'* ]]
	grep -qE '^! 503 +3 ' <<<"$output"
	grep -qE '^  10\.9\.8\.7 +9 ' <<<"$output"
	! grep -q "$(printf '\033')" <<<"$output"
}

@test "panels: malformed multi-panel streams are counted, never crash, never mix rows" {
	{
		# a #panel without a table, a duplicate name, a table without #panel
		printf '#snapshot\ttime=2026-11-23T10:00:00Z\twindow=60\tfinal=0\trecords=9\tlate=0\tbad=0\tevicted=0\tkeys=2\n'
		printf '#panel\tname=path\tkeys=2\n%s\n%s\n%s\n' "$HDR" "$(row '*' 9 0 0)" "$(row /one 9 0 0)"
		printf '#panel\tname=empty\tkeys=0\n'
		printf '#panel\tname=path\tkeys=1\n%s\n%s\n%s\n' "$HDR" "$(row '*' 9 0 0)" "$(row /dup 9 0 0)"
		printf '%s\n%s\n%s\n' "${HDR/#\#path/#status}" "$(row '*' 9 0 0)" "$(row 404 9 0 0)"
		printf '#panel\n#panel\tkeys=1\n'
		for i in $(seq 20); do
			printf '#panel\tname=p%s\tkeys=1\n%s\n%s\n%s\n' "$i" "${HDR/#\#path/#p}" "$(row '*' 9 0 0)" "$(row "/p$i" 1 0 0)"
		done
		printf '#end\n'
		# a table, then #panel lines: the first table is dropped whole
		printf '#snapshot\ttime=2026-11-23T10:00:05Z\twindow=60\tfinal=0\trecords=9\tlate=0\tbad=0\tevicted=0\tkeys=2\n'
		printf '%s\n%s\n%s\n' "$HDR" "$(row '*' 9 0 0)" "$(row /lone 9 0 0)"
		printf '#panel\tname=path\tkeys=2\n%s\n%s\n%s\n' "$HDR" "$(row '*' 9 0 0)" "$(row /named 9 0 0)"
		printf '#panel\tname=status\tkeys=2\n#end\n'
	} >"$T/in"
	run omph-top -b --width 100 <"$T/in"
	[ "$status" -eq 0 ]
	# the first: path (/one only) and p1..p15: 16 panels
	grep -qE '^  /one +9 ' <<<"$output"
	! grep -qE '/dup|404|/p16 ' <<<"$output"
	grep -qE '^  /p15 +1 ' <<<"$output"
	# the second: one named panel, the lone table gone
	grep -qE '^  /named +9 ' <<<"$output"
	! grep -q '/lone' <<<"$output"
	grep -qE 'lines? not understood' <<<"$output"
	cp "$T/in" "$T/stdin"
	top 80 24
	wait_until 5 shows 'input ended'
	tm send-keys Tab Tab BTab
	sleep 0.3
	alive
	quits
}
