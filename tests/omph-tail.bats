#!/usr/bin/env bats
# omph-tail(1): following names through rotation, truncation, deletion, late
# files, symlinks and globs; partial, long and NUL lines; W3C directives; the
# state file across cron runs, restarts and kill -9; descriptors and read
# errors; usage and exit.  Each behaviour is a function taking the mode
# options, run twice: with inotify (no option) and polling ($POLL).
bats_require_minimum_version 1.5.0
load helper

POLL=--poll=0.05
# the hot rotation loops wait for each new file to be seen: poll faster there
FASTPOLL=--poll=0.01

setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/omph-test.XXXXXX")
	pids=
	TAIL_ENV=()
}

teardown() {
	local bad=0

	exec 7>&-
	# a sanitizer report from any background omph-tail fails the test
	stop_all || bad=1
	rm -rf "$T"
	return "$bad"
}

# wait_fast SECONDS COMMAND...: wait_until, looking every 5 ms (hot loops)
wait_fast() {
	local limit=$1 i=0

	shift
	while ! "$@"; do
		i=$((i + 1))
		[ "$i" -ge $((limit * 200)) ] && return 1
		sleep 0.005
	done
}

# fds PID: how many descriptors PID has open
fds() {
	ls "/proc/$1/fd" | wc -l
}

# watches PID: how many inotify watches PID has (0 without inotify)
watches() {
	local fd

	for fd in /proc/"$1"/fd/*; do
		if [ "$(readlink "$fd")" = 'anon_inode:inotify' ]; then
			grep -c '^inotify' "/proc/$1/fdinfo/${fd##*/}"
			return
		fi
	done
	echo 0
}

# forget PID: PID was waited for, teardown leaves it alone
forget() {
	local p rest=

	for p in $pids; do
		[ "$p" = "$1" ] || rest="$rest $p"
	done
	pids=$rest
}

# holds_deleted PID: PID keeps a deleted file open
holds_deleted() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -q '(deleted)'
}

# expect LINE...: the lines, into $T/exp
expect() {
	printf '%s\n' "$@" >"$T/exp"
}

# tagged NAME LINE...: the lines as -H writes them for $T/NAME, into $T/exp
tagged() {
	local name=$1 l

	shift
	for l in "$@"; do
		printf '%s\t%s\n' "$T/$name" "$l"
	done >"$T/exp"
}

# same_set FILE: FILE holds the lines of $T/exp, each once, in any order
same_set() {
	diff <(sort "$T/exp") <(sort "$1")
}

# plain FILE: the -H output FILE without its origins: NAME<TAB>LINE
plain() {
	# (awk: sed -E with a group takes seconds on millions of lines)
	LC_ALL=C awk -F'\t' '{
		if (NF >= 3 && split($2, o, ":") == 3 && length(o[1]) == 16 &&
		    o[1] !~ /[^0-9a-f]/ && o[2] ~ /^[0-9]+$/ && o[3] ~ /^[0-9]+$/) {
			i = index($0, "\t")
			r = substr($0, i + 1)
			print substr($0, 1, i) substr(r, index(r, "\t") + 1)
		} else
			print
	}' "$1"
}

# sawp FILE LINE: the -H output FILE holds LINE (NAME<TAB>LINE) but for
# its origin
sawp() {
	plain "$1" 2>/dev/null | grep -qxF -- "$2"
}

# contiguous FILE...: in the -H output FILE every line has an origin
# ID:START:END, START < END, END - START the line's length and LF (but for
# cut lines and NULs), and in each stream (ID) a line's START is the END of
# the line before it
contiguous() {
	LC_ALL=C awk -F'\t' '
		{
			if (split($2, o, ":") != 3 || length(o[1]) != 16 || o[1] ~ /[^0-9a-f]/ ||
			    o[2] !~ /^[0-9]+$/ || o[3] !~ /^[0-9]+$/ ||
			    o[2] + 0 >= o[3] + 0) {
				print FILENAME ": bad origin: " $0
				exit 1
			}
			if ((o[1] in end) && end[o[1]] != o[2]) {
				print FILENAME ": " o[1] " ends at " end[o[1]] ", then " $0
				exit 1
			}
			end[o[1]] = o[3]
			line = substr($0, length($1) + length($2) + 3)
			if (exact && o[3] - o[2] != length(line) + 1) {
				print FILENAME ": length: " $0
				exit 1
			}
		}' exact="${EXACT:-1}" "$@"
}

# origins FILE NAME: the origins of the lines of NAME ($T/NAME) in the -H
# output FILE, a line each: "ID START END LINE" with the ID as a letter (A
# for the first stream seen, B...), so that tests need not know ids
origins() {
	awk -F'\t' -v n="$T/$2" '
		$1 == n {
			split($2, o, ":")
			if (!(o[1] in id))
				id[o[1]] = substr("ABCDEFGHIJ", ++k, 1)
			print id[o[1]], o[2], o[3], substr($0, length($1) + length($2) + 3)
		}' "$1"
}

# ---------------------------------------------------------------- following

t_append() {
	printf 'old 1\nold 2\n' >"$T/a.log"
	tail_bg t "$@" "$T/a.log"
	printf 'one\ntwo\n' >>"$T/a.log"
	wait_until 5 saw "$T/t.out" two
	printf 'three\n' >>"$T/a.log"
	wait_until 5 saw "$T/t.out" three
	expect one two three
	diff "$T/exp" "$T/t.out"
	[ ! -s "$T/t.err" ]
}
@test "append: lines added later are written, the old ones not (inotify)" { t_append; }
@test "append: lines added later are written, the old ones not (poll)" { t_append $POLL; }

t_start() {
	local o

	seq 1 10 >"$T/a.log"
	printf '1\n2\n3\npart' >"$T/b.log"
	tail_bg end "$@" "$T/a.log"
	tail_bg n0 "$@" -n 0 "$T/a.log"
	tail_bg n3 "$@" -n 3 "$T/a.log"
	tail_bg n20 "$@" --lines=20 "$T/a.log"
	tail_bg fs "$@" --from-start "$T/a.log"
	tail_bg part "$@" -n 2 "$T/b.log"
	echo new >>"$T/a.log"
	echo ial >>"$T/b.log"
	for o in end n0 n3 n20 fs; do
		wait_until 5 saw "$T/$o.out" new
	done
	wait_until 5 saw "$T/part.out" partial
	expect new
	diff "$T/exp" "$T/end.out"
	diff "$T/exp" "$T/n0.out"
	expect 8 9 10 new
	diff "$T/exp" "$T/n3.out"
	expect 1 2 3 4 5 6 7 8 9 10 new
	diff "$T/exp" "$T/n20.out"
	diff "$T/exp" "$T/fs.out"
	# -n counts complete lines: the partial last one is not one of them
	expect 2 3 partial
	diff "$T/exp" "$T/part.out"
}
@test "start: at the end, -n N lines before it, --from-start (inotify)" { t_start; }
@test "start: at the end, -n N lines before it, --from-start (poll)" { t_start $POLL; }

t_rename_rotation() {
	printf 'x\n' >"$T/a.log"
	tail_bg t "$@" "$T/a.log"
	printf 'a1\na2\n' >>"$T/a.log"
	wait_until 5 saw "$T/t.out" a2
	# the server holds its log open, and writes on into the renamed file
	# until it is told to reopen it; the new file comes a moment later
	exec 7>>"$T/a.log"
	mv "$T/a.log" "$T/a.log.1"
	echo a3 >&7
	sleep 0.1
	echo b1 >"$T/a.log"
	echo a4 >&7
	sleep 0.1
	echo a5 >&7
	exec 7>&-
	echo b2 >>"$T/a.log"
	wait_until 5 has "$T/t.out" 7
	# renamed and created at once (logrotate's create), seen in one look
	exec 7>>"$T/a.log"
	kill -STOP "$pid"
	mv "$T/a.log" "$T/a.log.2"
	echo c1 >"$T/a.log"
	kill -CONT "$pid"
	echo b3 >&7
	sleep 0.1
	echo b4 >&7
	exec 7>&-
	echo c2 >>"$T/a.log"
	wait_until 5 has "$T/t.out" 11
	echo END >>"$T/a.log"
	wait_until 5 saw "$T/t.out" END
	expect a1 a2 a3 a4 a5 b1 b2 b3 b4 c1 c2 END
	same_set "$T/t.out"
	# each file's lines in their order
	expect a1 a2 a3 a4 a5
	grep '^a' "$T/t.out" | diff "$T/exp" -
	expect b1 b2 b3 b4
	grep '^b' "$T/t.out" | diff "$T/exp" -
	expect c1 c2 END
	grep -e '^c' -e END "$T/t.out" | diff "$T/exp" -
}
@test "rename rotation: the old file's late lines are not lost, the new one read from its start (inotify)" { t_rename_rotation; }
@test "rename rotation: the old file's late lines are not lost, the new one read from its start (poll)" { t_rename_rotation $POLL; }

t_copytruncate() {
	seq -f 'pre %g' 1 20 >"$T/a.log"
	tail_bg t "$@" "$T/a.log"
	printf 'a1\na2\n' >>"$T/a.log"
	wait_until 5 saw "$T/t.out" a2
	cp "$T/a.log" "$T/a.log.1"
	truncate -s 0 "$T/a.log"
	printf 'b1\nb2\n' >>"$T/a.log"
	wait_until 5 saw "$T/t.out" b2
	echo END >>"$T/a.log"
	wait_until 5 saw "$T/t.out" END
	expect a1 a2 b1 b2 END
	diff "$T/exp" "$T/t.out"
	grep -qF "omph-tail: $T/a.log: file truncated, reading from its start" "$T/t.err"
}
@test "copytruncate: the truncated file is read again from its start (inotify)" { t_copytruncate; }
@test "copytruncate: the truncated file is read again from its start (poll)" { t_copytruncate $POLL; }

t_truncate_longer() {
	seq -f 'pre %g' 1 5 >"$T/a.log"
	tail_bg t "$@" "$T/a.log"
	printf 'a1\na2\n' >>"$T/a.log"
	wait_until 5 saw "$T/t.out" a2
	# truncated and written again past the old offset between two looks
	kill -STOP "$pid"
	seq -f 'b%g' 1 30 >"$T/a.log"
	kill -CONT "$pid"
	wait_until 5 saw "$T/t.out" b30
	echo END >>"$T/a.log"
	wait_until 5 saw "$T/t.out" END
	{ echo a1; echo a2; seq -f 'b%g' 1 30; echo END; } >"$T/exp"
	diff "$T/exp" "$T/t.out"
	grep -qF "omph-tail: $T/a.log: file truncated, reading from its start" "$T/t.err"
}
@test "truncated and rewritten longer between two looks: read again from its start (inotify)" { t_truncate_longer; }
@test "truncated and rewritten longer between two looks: read again from its start (poll)" { t_truncate_longer $POLL; }

t_delete_recreate() {
	local ino1 ino2

	printf 'x\n' >"$T/a.log"
	tail_bg t "$@" "$T/a.log"
	printf 'a1\na2\n' >>"$T/a.log"
	wait_until 5 saw "$T/t.out" a2
	ino1=$(stat -c %i "$T/a.log")
	rm "$T/a.log"
	echo b1 >"$T/a.log"
	ino2=$(stat -c %i "$T/a.log")
	echo "inode $ino1, then $ino2"
	echo b2 >>"$T/a.log"
	wait_until 5 saw "$T/t.out" b2
	echo END >>"$T/a.log"
	wait_until 5 saw "$T/t.out" END
	expect a1 a2 b1 b2 END
	diff "$T/exp" "$T/t.out"
	# the deleted file is let go at once, not after --rotate-wait (5 s)
	wait_until 2 eval '! holds_deleted "$pid"'
}
@test "delete and recreate: no line lost, the deleted file closed at once (inotify)" { t_delete_recreate; }
@test "delete and recreate: no line lost, the deleted file closed at once (poll)" { t_delete_recreate $POLL; }

t_delete_recreate_between() {
	local ino1 ino2

	printf 'x\n' >"$T/a.log"
	tail_bg t "$@" "$T/a.log"
	printf 'a1\na2\n' >>"$T/a.log"
	wait_until 5 saw "$T/t.out" a2
	# deleted, and created again longer, between two looks
	ino1=$(stat -c %i "$T/a.log")
	kill -STOP "$pid"
	rm "$T/a.log"
	seq -f 'b%g' 1 30 >"$T/a.log"
	ino2=$(stat -c %i "$T/a.log")
	kill -CONT "$pid"
	echo "inode $ino1, then $ino2"
	wait_until 5 saw "$T/t.out" b30
	echo END >>"$T/a.log"
	wait_until 5 saw "$T/t.out" END
	{ echo a1; echo a2; seq -f 'b%g' 1 30; echo END; } >"$T/exp"
	diff "$T/exp" "$T/t.out"
	wait_until 2 eval '! holds_deleted "$pid"'
}
@test "delete and recreate between two looks: the new file read whole, once (inotify)" { t_delete_recreate_between; }
@test "delete and recreate between two looks: the new file read whole, once (poll)" { t_delete_recreate_between $POLL; }

t_later() {
	tail_bg t "$@" "$T/sub/dir/a.log"
	wait_until 5 grep -qF "omph-tail: $T/sub/dir/a.log: no such file, waiting for it" "$T/t.err"
	mkdir -p "$T/sub/dir"
	printf 'l1\nl2\n' >"$T/sub/dir/a.log"
	wait_until 5 saw "$T/t.out" l2
	echo l3 >>"$T/sub/dir/a.log"
	wait_until 5 saw "$T/t.out" l3
	expect l1 l2 l3
	diff "$T/exp" "$T/t.out"
}
@test "a file and its directory that appear later: read from the start (inotify)" { t_later; }
@test "a file and its directory that appear later: read from the start (poll)" { t_later $POLL; }

t_symlink() {
	printf 'x0\n' >"$T/one.log"
	printf 'y0\n' >"$T/two.log"
	ln -s one.log "$T/a.log"
	tail_bg t "$@" "$T/a.log"
	echo x1 >>"$T/one.log"
	wait_until 5 saw "$T/t.out" x1
	ln -sfn two.log "$T/a.log"
	echo x2 >>"$T/one.log"	# the old target is drained
	echo y1 >>"$T/two.log"
	wait_until 5 has "$T/t.out" 4
	echo END >>"$T/two.log"
	wait_until 5 saw "$T/t.out" END
	expect x1 x2 y0 y1 END
	same_set "$T/t.out"
	expect x1 x2
	grep '^x' "$T/t.out" | diff "$T/exp" -
	expect y0 y1 END
	grep -v '^x' "$T/t.out" | diff "$T/exp" -
}
@test "symlink retargeted: the old target drained, the new one read from its start (inotify)" { t_symlink; }
@test "symlink retargeted: the old target drained, the new one read from its start (poll)" { t_symlink $POLL; }

# tick N: a line into the other file b.log, waited for: omph-tail has looked
# at what was written before
tick() {
	echo "tick$1" >>"$T/b.log"
	wait_until 5 saw "$T/t.out" "tick$1"
}

t_partial() {
	printf 'x\n' >"$T/a.log"
	: >"$T/b.log"
	tail_bg t "$@" "$T/a.log" "$T/b.log"
	printf 'abc' >>"$T/a.log"
	tick 1
	tick 2
	expect tick1 tick2
	diff "$T/exp" "$T/t.out"
	printf 'def\n' >>"$T/a.log"
	wait_until 5 saw "$T/t.out" abcdef
	tick 3
	tick 4
	expect tick1 tick2 abcdef tick3 tick4
	diff "$T/exp" "$T/t.out"
}
@test "a partial last line waits for its newline, then is written once (inotify)" { t_partial; }
@test "a partial last line waits for its newline, then is written once (poll)" { t_partial $POLL; }

t_partial_closed() {
	printf 'x\n' >"$T/a.log"
	printf 'x\n' >"$T/b.log"
	tail_bg t "$@" --rotate-wait 0.2 "$T/a.log" "$T/b.log"
	printf 'a1\nunterminated a' >>"$T/a.log"
	printf 'b1\nunterminated b' >>"$T/b.log"
	wait_until 5 has "$T/t.out" 2
	# closed for good: drained after a rename rotation, or deleted
	mv "$T/a.log" "$T/a.log.1"
	rm "$T/b.log"
	wait_until 5 has "$T/t.out" 4
	echo a2 >"$T/a.log"
	echo b2 >"$T/b.log"
	wait_until 5 has "$T/t.out" 6
	expect a1 b1 'unterminated a' 'unterminated b' a2 b2
	same_set "$T/t.out"
	expect a1 'unterminated a' a2
	grep -e '^a' -e ' a$' "$T/t.out" | diff "$T/exp" -
}
@test "a file closed for good hands out its unterminated last line once (inotify)" { t_partial_closed; }
@test "a file closed for good hands out its unterminated last line once (poll)" { t_partial_closed $POLL; }

t_two_files() {
	printf 'x\n' >"$T/a.log"
	printf 'x\n' >"$T/b.log"
	tail_bg t "$@" -H "$T/a.log" "$T/b.log"
	echo a1 >>"$T/a.log"
	echo b1 >>"$T/b.log"
	echo a2 >>"$T/a.log"
	echo b2 >>"$T/b.log"
	wait_until 5 has "$T/t.out" 4
	plain "$T/t.out" >"$T/t.plain"
	{ printf '%s\t%s\n' "$T/a.log" a1 "$T/a.log" a2 "$T/b.log" b1 "$T/b.log" b2; } >"$T/exp"
	same_set "$T/t.plain"
	tagged a.log a1 a2
	grep -F "$T/a.log	" "$T/t.plain" | diff "$T/exp" -
	tagged b.log b1 b2
	grep -F "$T/b.log	" "$T/t.plain" | diff "$T/exp" -
	# NAME<TAB>ID:START:END<TAB>LINE: one stream a file, offsets in it
	contiguous "$T/t.out"
	printf '%s\n' 'A 2 5 a1' 'A 5 8 a2' >"$T/exp"
	origins "$T/t.out" a.log | diff "$T/exp" -
	printf '%s\n' 'A 2 5 b1' 'A 5 8 b2' >"$T/exp"
	origins "$T/t.out" b.log | diff "$T/exp" -
	[ "$(cut -f 2 "$T/t.out" | cut -d: -f 1 | sort -u | wc -l)" -eq 2 ]
	# a TAB or a backslash in a name is escaped: the prefix ends at the
	# first TAB
	printf 'x\n' >"$T/t	a\\b.log"
	tail_bg t2 "$@" -H "$T/t	a\\b.log"
	echo c1 >>"$T/t	a\\b.log"
	wait_until 5 has "$T/t2.out" 1
	printf '%s\t%s\n' "$T/t\\ta\\\\b.log" c1 >"$T/exp"
	plain "$T/t2.out" | diff "$T/exp" -
	contiguous "$T/t2.out"
}
@test "-H: two files, each line prefixed by its name and a TAB (inotify)" { t_two_files; }
@test "-H: two files, each line prefixed by its name and a TAB (poll)" { t_two_files $POLL; }

t_thousand() {
	local i

	mkdir "$T/m"
	for i in $(seq 1 1000); do
		echo old >"$T/m/f$i.log"
	done
	tail_bg t "$@" -H "$T"/m/f*.log
	for i in $(seq 1 1000); do
		echo "line $i" >>"$T/m/f$i.log"
	done
	wait_until 10 has "$T/t.out" 1000
	for i in $(seq 1 1000); do
		printf '%s\tline %d\n' "$T/m/f$i.log" "$i"
	done >"$T/exp"
	plain "$T/t.out" >"$T/t.plain"
	same_set "$T/t.plain"
	for i in 1 500 1000; do
		echo "more $i" >>"$T/m/f$i.log"
	done
	wait_until 5 has "$T/t.out" 1003
	sawp "$T/t.out" "$T/m/f500.log	more 500"
	contiguous "$T/t.out"
	[ "$(cut -f 2 "$T/t.out" | cut -d: -f 1 | sort -u | wc -l)" -eq 1000 ]
	[ ! -s "$T/t.err" ]
}
@test "1,000 files in one process with -H: every line once, under its name (inotify)" { t_thousand; }
@test "1,000 files in one process with -H: every line once, under its name (poll)" { t_thousand $POLL; }

t_glob() {
	printf 'x\n' >"$T/a.log"
	tail_bg t "$@" -H "$T/*.log"
	echo a1 >>"$T/a.log"
	wait_until 5 has "$T/t.out" 1
	printf 'b1\nb2\n' >"$T/b.log"	# matched later: read from its start
	echo c1 >"$T/c.txt"		# not matched
	wait_until 5 has "$T/t.out" 3
	echo b3 >>"$T/b.log"
	echo c2 >>"$T/c.txt"
	echo a2 >>"$T/a.log"
	wait_until 5 has "$T/t.out" 5
	{ printf '%s\t%s\n' "$T/a.log" a1 "$T/a.log" a2 "$T/b.log" b1 "$T/b.log" b2 "$T/b.log" b3; } >"$T/exp"
	plain "$T/t.out" >"$T/t.plain"
	same_set "$T/t.plain"
	tagged b.log b1 b2 b3
	grep -F "$T/b.log	" "$T/t.plain" | diff "$T/exp" -
	contiguous "$T/t.out"
	printf '%s\n' 'A 0 3 b1' 'A 3 6 b2' 'A 6 9 b3' >"$T/exp"
	origins "$T/t.out" b.log | diff "$T/exp" -
}
@test "a quoted glob picks up files created later (inotify)" { t_glob; }
@test "a quoted glob picks up files created later (poll)" { t_glob $POLL; }

t_rotations() {
	local r n=0

	: >"$T/a.log"
	tail_bg t "$@" "$T/a.log"
	for r in $(seq 1 200); do
		printf '%d\n%d\n' $((n + 1)) $((n + 2)) >>"$T/a.log"
		n=$((n + 2))
		mv "$T/a.log" "$T/a.log.1"
		n=$((n + 1))
		echo "$n" >"$T/a.log"
		# the new file must be seen before the next rotation
		wait_fast 5 has "$T/t.out" "$n"
	done
	echo END >>"$T/a.log"
	wait_until 5 saw "$T/t.out" END
	seq 1 "$n" >"$T/exp"
	grep -vx END "$T/t.out" | sort -n | diff "$T/exp" -
	[ "$(wc -l <"$T/t.out")" -eq $((n + 1)) ]
}
@test "200 rename rotations in a row: every line exactly once (inotify)" { t_rotations; }
@test "200 rename rotations in a row: every line exactly once (poll)" { t_rotations $FASTPOLL; }

t_max_line() {
	local x256 x300

	printf 'x\n' >"$T/a.log"
	tail_bg t "$@" --max-line 256 "$T/a.log"
	x256=$(printf '%0256d' 0 | tr 0 x)
	x300=$(printf '%0300d' 0 | tr 0 x)
	printf '%s\n%s\nnext\n' "$x256" "$x300" >>"$T/a.log"
	wait_until 5 saw "$T/t.out" next
	# a long line arriving in two writes: cut once, its tail skipped; it
	# is held until its LF comes (its origin ends past its skipped rest)
	printf 'y%s' "$x300" >>"$T/a.log"
	sleep 0.3
	[ "$(wc -l <"$T/t.out")" -eq 3 ]
	printf 'yyy\nnext2\n' >>"$T/a.log"
	wait_until 5 saw "$T/t.out" next2
	expect "$x256" "$x256" next "y${x256%x}" next2
	diff "$T/exp" "$T/t.out"
	[ "$(grep -cF "omph-tail: $T/a.log: line longer than 256 bytes cut" "$T/t.err")" -eq 2 ]
}
@test "--max-line: a longer line is cut and told, the next one intact (inotify)" { t_max_line; }
@test "--max-line: a longer line is cut and told, the next one intact (poll)" { t_max_line $POLL; }

t_nul() {
	printf 'x\n' >"$T/a.log"
	tail_bg t "$@" "$T/a.log"
	printf 'a\0\0b\n\0\0\0\0\nc\n' >>"$T/a.log"
	head -c 5000 /dev/zero >>"$T/a.log"
	printf 'after zeros\n' >>"$T/a.log"
	wait_until 5 saw "$T/t.out" 'after zeros'
	expect ab c 'after zeros'
	diff "$T/exp" "$T/t.out"
	grep -qF "omph-tail: $T/a.log: 2 NUL bytes skipped" "$T/t.err"
	grep -qF "omph-tail: $T/a.log: 4 NUL bytes skipped" "$T/t.err"
	grep -qF "omph-tail: $T/a.log: 5000 NUL bytes skipped" "$T/t.err"
}
@test "NUL runs are skipped and told (inotify)" { t_nul; }
@test "NUL runs are skipped and told (poll)" { t_nul $POLL; }

t_w3c() {
	cat >"$T/a.log" <<-'EOF'
	#Software: Microsoft Internet Information Services 10.0
	#Version: 1.0
	#Date: 2020-01-01 00:00:00
	#Fields: date time cs-uri-stem sc-status
	2020-01-01 00:00:01 /a 200
	2020-01-01 00:00:02 /b 200
	#Software: Microsoft Internet Information Services 10.0
	#Version: 1.0
	#Date: 2020-01-01 01:00:00
	#Fields: date time cs-uri-stem sc-status time-taken
	2020-01-01 01:00:01 /c 200 5
	EOF
	tail_bg t "$@" "$T/a.log"
	echo '2020-01-01 01:00:02 /d 200 7' >>"$T/a.log"
	wait_until 5 saw "$T/t.out" '2020-01-01 01:00:02 /d 200 7'
	{ sed -n 7,10p "$T/a.log"; echo '2020-01-01 01:00:02 /d 200 7'; } >"$T/exp"
	diff "$T/exp" "$T/t.out"
	# rotated: the new file's own block, then its lines
	mv "$T/a.log" "$T/a.log.1"
	cat >"$T/a.log" <<-'EOF'
	#Software: Microsoft Internet Information Services 10.0
	#Version: 1.0
	#Date: 2020-01-02 00:00:00
	#Fields: date time cs-uri-stem sc-status time-taken
	2020-01-02 00:00:01 /e 200 3
	EOF
	wait_until 5 saw "$T/t.out" '2020-01-02 00:00:01 /e 200 3'
	echo '2020-01-02 00:00:02 /f 404 1' >>"$T/a.log"
	wait_until 5 saw "$T/t.out" '2020-01-02 00:00:02 /f 404 1'
	{ sed -n 7,10p "$T/a.log.1"; echo '2020-01-01 01:00:02 /d 200 7'; cat "$T/a.log"; } >"$T/exp"
	diff "$T/exp" "$T/t.out"
}
@test "W3C from the end: the latest directive block first, and again after rotation (inotify)" { t_w3c; }
@test "W3C from the end: the latest directive block first, and again after rotation (poll)" { t_w3c $POLL; }

# ---------------------------------------------------------------- origins

t_origin_rotation() {
	printf 'a1\na2\n' >"$T/a.log"
	tail_bg t "$@" -H --from-start "$T/a.log"
	wait_until 5 has "$T/t.out" 2
	# renamed away, written on by the server: the same stream goes on
	exec 7>>"$T/a.log"
	mv "$T/a.log" "$T/a.log.1"
	echo a3 >&7
	echo b1 >"$T/a.log"
	wait_until 5 has "$T/t.out" 4
	echo a4 >&7
	exec 7>&-
	wait_until 5 has "$T/t.out" 5
	echo b2 >>"$T/a.log"
	wait_until 5 has "$T/t.out" 6
	contiguous "$T/t.out"
	# lines of the old file under the old stream, offsets in it; the new
	# file a new stream from 0
	origins "$T/t.out" a.log | grep ' a' >"$T/o"
	printf '%s\n' 'A 0 3 a1' 'A 3 6 a2' 'A 6 9 a3' 'A 9 12 a4' | diff - "$T/o"
	origins "$T/t.out" a.log | grep ' b' >"$T/o"
	printf '%s\n' 'B 0 3 b1' 'B 3 6 b2' | diff - "$T/o"
}
@test "-H origins through a rename rotation: the old stream's offsets go on, the new file a new id from 0 (inotify)" { t_origin_rotation; }
@test "-H origins through a rename rotation: the old stream's offsets go on, the new file a new id from 0 (poll)" { t_origin_rotation $POLL; }

t_origin_copytruncate() {
	# live: truncated, the file is a new stream
	printf 'a1\na2\n' >"$T/a.log"
	tail_bg t "$@" -H --from-start "$T/a.log"
	wait_until 5 has "$T/t.out" 2
	cp "$T/a.log" "$T/a.log.1"
	truncate -s 0 "$T/a.log"
	printf 'b1\nb2\n' >>"$T/a.log"
	wait_until 5 has "$T/t.out" 4
	contiguous "$T/t.out"
	printf '%s\n' 'A 0 3 a1' 'A 3 6 a2' 'B 0 3 b1' 'B 3 6 b2' >"$T/exp"
	origins "$T/t.out" a.log | diff "$T/exp" -
	# while down: the copy found after the restart goes on with the old
	# stream and its offsets, the truncated file is a new one
	seq -f 'c%g' 1 5 >"$T/c.log"
	omph-tail "$@" -H --state "$T/s" --once "$T/c.log" >"$T/o1"
	seq -f 'c%g' 6 7 >>"$T/c.log"
	cp "$T/c.log" "$T/c.log.1"
	truncate -s 0 "$T/c.log"
	printf 'n1\nn2\n' >>"$T/c.log"
	omph-tail "$@" -H --state "$T/s" --once "$T/c.log" >"$T/o2"
	cat "$T/o1" "$T/o2" >"$T/o"
	contiguous "$T/o"
	printf '%s\n' 'A 0 3 c1' 'A 3 6 c2' 'A 6 9 c3' 'A 9 12 c4' 'A 12 15 c5' \
	    'A 15 18 c6' 'A 18 21 c7' 'B 0 3 n1' 'B 3 6 n2' >"$T/exp"
	origins "$T/o" c.log | diff "$T/exp" -
}
@test "-H origins and copytruncate: a new id after the truncation; a copy found after a restart goes on with the old id and offsets (inotify)" { t_origin_copytruncate; }
@test "-H origins and copytruncate: a new id after the truncation; a copy found after a restart goes on with the old id and offsets (poll)" { t_origin_copytruncate $POLL; }

t_origin_state() {
	local rc

	printf 'a1\n' >"$T/a.log"
	tail_bg t "$@" -H --from-start --state "$T/s" "$T/a.log"
	echo a2 >>"$T/a.log"
	wait_until 5 has "$T/t.out" 2
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	forget "$pid"
	[ "$rc" -eq 0 ]
	printf 'a3\na4\n' >>"$T/a.log"
	tail_bg t2 "$@" -H --state "$T/s" "$T/a.log"
	wait_until 5 has "$T/t2.out" 2
	echo a5 >>"$T/a.log"
	wait_until 5 has "$T/t2.out" 3
	kill -TERM "$pid"
	wait "$pid"
	forget "$pid"
	# and a cron run after it
	echo a6 >>"$T/a.log"
	omph-tail "$@" -H --state "$T/s" --once "$T/a.log" >"$T/t3.out"
	cat "$T/t.out" "$T/t2.out" "$T/t3.out" >"$T/all"
	contiguous "$T/all"
	printf '%s\n' 'A 0 3 a1' 'A 3 6 a2' 'A 6 9 a3' 'A 9 12 a4' 'A 12 15 a5' \
	    'A 15 18 a6' >"$T/exp"
	origins "$T/all" a.log | diff "$T/exp" -
	# the id is the one in the state file
	[ "$(awk -F'\t' 'NR == 2 { print $10 }' "$T/s")" = "$(cut -f 2 "$T/all" | cut -d: -f 1 | sort -u)" ]
}
@test "-H origins across --state restarts: the same id, the offsets go on (inotify)" { t_origin_state; }
@test "-H origins across --state restarts: the same id, the offsets go on (poll)" { t_origin_state $POLL; }

t_origin_cut_nul() {
	local x300

	printf 'x\n' >"$T/a.log"
	tail_bg t "$@" -H --max-line 256 "$T/a.log"
	x300=$(printf '%0300d' 0 | tr 0 x)
	# a cut line whole, one in two writes, NULs in a line, a line of NULs
	# only, NULs before a line
	printf '%s\nn1\n' "$x300" >>"$T/a.log"
	wait_until 5 has "$T/t.out" 2
	printf 'y%s' "$x300" >>"$T/a.log"
	sleep 0.3
	printf 'yyy\nn2\n' >>"$T/a.log"
	wait_until 5 has "$T/t.out" 4
	printf 'a\0\0b\n\0\0\0\0\nc\n\0\0d\nn3\n' >>"$T/a.log"
	wait_until 5 has "$T/t.out" 8
	EXACT=0 contiguous "$T/t.out"
	origins "$T/t.out" a.log | cut -d ' ' -f 1-3 >"$T/o"
	# x300 LF: 2..303; n1: 303..306; y x300 yyy LF: 306..611; n2: ..614;
	# a NUL NUL b LF: ..619; NULs LF and c LF: ..626; NUL NUL d LF: ..630
	printf '%s\n' 'A 2 303' 'A 303 306' 'A 306 611' 'A 611 614' 'A 614 619' \
	    'A 619 626' 'A 626 630' 'A 630 633' | diff - "$T/o"
	plain "$T/t.out" | cut -f 2 | cut -c 1-3 >"$T/o"
	printf '%s\n' xxx n1 yxx n2 ab c d n3 | diff - "$T/o"
}
@test "-H origins of a cut line and of NULs: END past the skipped rest and the NUL bytes (inotify)" { t_origin_cut_nul; }
@test "-H origins of a cut line and of NULs: END past the skipped rest and the NUL bytes (poll)" { t_origin_cut_nul $POLL; }

# ---------------------------------------------------------------- state file

t_state_once() {
	seq -f 'line %g' 1 5 >"$T/a.log"
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(seq -f 'line %g' 1 5)" ]
	[ -z "$stderr" ]
	[ "$(head -n 1 "$T/s")" = 'omph-tail-state 4' ]
	awk -F'\t' -v p="$T/a.log" 'NR == 2 && NF == 11 && $1 == p && $9 == "current" && length($10) == 16 && $10 !~ /[^0-9a-f]/ && $11 == 0 { ok = 1 } END { exit !ok }' "$T/s"
	seq -f 'line %g' 6 8 >>"$T/a.log"
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(seq -f 'line %g' 6 8)" ]
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
@test "--state: two --once runs read disjoint parts (inotify)" { t_state_once; }
@test "--state: two --once runs read disjoint parts (poll)" { t_state_once $POLL; }

t_state_rotated() {
	printf 'one\ntwo\n' >"$T/a.log"
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'one\ntwo')" ]
	printf 'three\nhalf' >>"$T/a.log"
	mv "$T/a.log" "$T/a.log.1"
	printf 'four\nfive\nsix' >"$T/a.log"
	# rotated a while ago: not modified for --rotate-wait (5 s)
	touch -d '-10 seconds' "$T/a.log.1"
	run --separate-stderr omph-tail "$@" -v --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	# the old file is done with: its unterminated line is written; the
	# current file's waits for its end
	[ "$output" = "$(printf 'three\nhalf\nfour\nfive')" ]
	[[ "$stderr" == *"$T/a.log: rotated since the state was saved"* ]]
	printf 'teen\n' >>"$T/a.log"
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	[ "$output" = sixteen ]
	# again, resumed by a live run
	echo six >>"$T/a.log"
	mv "$T/a.log" "$T/a.log.1"
	printf 'seven\n' >"$T/a.log"
	tail_bg t "$@" --state "$T/s" "$T/a.log"
	wait_until 5 has "$T/t.out" 2
	echo eight >>"$T/a.log"
	wait_until 5 saw "$T/t.out" eight
	expect six seven eight
	diff "$T/exp" "$T/t.out"
}
@test "--state: rotation while down: the rest of the old file, then the new one (inotify)" { t_state_rotated; }
@test "--state: rotation while down: the rest of the old file, then the new one (poll)" { t_state_rotated $POLL; }

t_state_truncated() {
	# the same inode, another head
	printf 'aaa 1\naaa 2\n' >"$T/a.log"
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	printf 'new1\nnew2\n' >"$T/a.log"
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'new1\nnew2')" ]
	[[ "$stderr" == *"$T/a.log: truncated since the state was saved, reading from its start"* ]]
	# the same head (1,024 bytes and more kept), shorter than the offset
	seq -f 'line %03g, with some padding' 1 100 >"$T/b.log"
	run --separate-stderr omph-tail "$@" --state "$T/s2" --once "$T/b.log"
	[ "${#lines[@]}" -eq 100 ]
	head -n 60 "$T/b.log" >"$T/b.tmp"
	cat "$T/b.tmp" >"$T/b.log"
	echo after >>"$T/b.log"
	run --separate-stderr omph-tail "$@" --state "$T/s2" --once "$T/b.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$T/b.log")" ]
	[[ "$stderr" == *"$T/b.log: truncated since the state was saved, reading from its start"* ]]
	# the same head, rewritten longer than the offset
	run --separate-stderr omph-tail "$@" --state "$T/s2" --once "$T/b.log"
	[ -z "$output" ]
	head -n 40 "$T/b.log" >"$T/b.tmp"
	cat "$T/b.tmp" >"$T/b.log"
	seq -f 'other %03g, with some more padding' 1 60 >>"$T/b.log"
	run --separate-stderr omph-tail "$@" --state "$T/s2" --once "$T/b.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$T/b.log")" ]
	[[ "$stderr" == *"$T/b.log: truncated since the state was saved, reading from its start"* ]]
	# copytruncate while down: the rest of the copy first, then the file
	seq -f 'c%g' 1 5 >"$T/c.log"
	run --separate-stderr omph-tail "$@" --state "$T/s3" --once "$T/c.log"
	[ "$output" = "$(seq -f 'c%g' 1 5)" ]
	seq -f 'c%g' 6 7 >>"$T/c.log"
	cp "$T/c.log" "$T/c.log.1"
	truncate -s 0 "$T/c.log"
	printf 'n1\nn2\n' >>"$T/c.log"
	run --separate-stderr omph-tail "$@" --state "$T/s3" --once "$T/c.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'c6\nc7\nn1\nn2')" ]
}
@test "--state: truncated while down: read from 0 (inotify)" { t_state_truncated; }
@test "--state: truncated while down: read from 0 (poll)" { t_state_truncated $POLL; }

t_state_sigterm() {
	local rc

	printf 'x\n' >"$T/a.log"
	tail_bg t "$@" --state "$T/s" "$T/a.log"
	printf 'a1\na2\n' >>"$T/a.log"
	wait_until 5 saw "$T/t.out" a2
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	forget "$pid"
	[ "$rc" -eq 0 ]
	printf 'b1\nb2\n' >>"$T/a.log"
	tail_bg t2 "$@" --state "$T/s" "$T/a.log"
	wait_until 5 saw "$T/t2.out" b2
	echo END >>"$T/a.log"
	wait_until 5 saw "$T/t2.out" END
	expect a1 a2
	diff "$T/exp" "$T/t.out"
	expect b1 b2 END
	diff "$T/exp" "$T/t2.out"
	[ ! -s "$T/t.err" ]
}
@test "--state: SIGTERM, then a restart writes exactly the new lines (inotify)" { t_state_sigterm; }
@test "--state: SIGTERM, then a restart writes exactly the new lines (poll)" { t_state_sigterm $POLL; }

t_state_empty_log() {
	# an empty log leaves an entry without head: nothing to tell a copy by
	printf 'archive-line\n' >"$T/app.log.5"
	printf 'gzip bytes' | gzip >"$T/app.log.4.gz"
	: >"$T/app.log"
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/app.log"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	echo real >>"$T/app.log"
	mv "$T/app.log" "$T/app.log.1"
	: >"$T/app.log"
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/app.log"
	echo "status $status, output: $output, stderr: $stderr"
	[ "$status" -eq 0 ]
	# the renamed file is found by its inode, no other one by its name
	[ "$output" = real ]
	[ -z "$stderr" ]
	# the rotated file compressed away before the next run: not found,
	# told, and no other file taken for it
	echo more >>"$T/app.log"
	mv "$T/app.log" "$T/app.log.2"
	: >"$T/app.log"
	gzip "$T/app.log.2"	# (after: the new file does not reuse its inode)
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/app.log"
	echo "status $status, output: $output, stderr: $stderr"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ "$stderr" == "omph-tail: $T/app.log: the file read before is not found"* ]]
	echo new >>"$T/app.log"
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/app.log"
	[ "$output" = new ]
	[ -z "$stderr" ]
}
@test "--state: an empty log's entry matches no other file after a rotation (inotify)" { t_state_empty_log; }
@test "--state: an empty log's entry matches no other file after a rotation (poll)" { t_state_empty_log $POLL; }

# rotated STATE: how many rotated entries STATE holds
rotated() {
	awk -F'\t' 'NR > 1 && $9 == "rotated"' "$1" | wc -l
}

t_once_rotated_written() {
	printf 'a1\n' >"$T/a.log"
	# the server holds its log open, and writes on into the renamed file
	# until it is told to reopen it
	exec 7>>"$T/a.log"
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/a.log"
	[ "$output" = a1 ]
	mv "$T/a.log" "$T/a.log.1"
	echo a2 >&7
	echo b1 >"$T/a.log"
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a2\nb1')" ]
	[ -z "$stderr" ]
	# written to the rotated file after that run: the next run reads it
	echo a3 >&7
	echo b2 >>"$T/a.log"
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/a.log"
	echo "status $status, output: $output, stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a3\nb2')" ]
	[ "$(rotated "$T/s")" -eq 1 ]
	# rotated again meanwhile: the unfinished file is found under its new
	# name; an unterminated last line waits while the file may grow
	mv "$T/a.log.1" "$T/a.log.2"
	mv "$T/a.log" "$T/a.log.1"
	echo c1 >"$T/a.log"
	printf 'a4\na' >&7
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a4\nc1')" ]
	# a live run takes the unfinished files over and drains them
	tail_bg t "$@" --state "$T/s" "$T/a.log"
	printf '5\n' >&7
	wait_until 5 saw "$T/t.out" a5
	kill -TERM "$pid"
	wait "$pid"
	forget "$pid"
	[ "$(rotated "$T/s")" -eq 2 ]
	# the server let go of them: not modified for --rotate-wait, they are
	# finished, their unterminated last line written, their entries gone
	printf 'a6' >&7
	exec 7>&-
	touch -d '-10 seconds' "$T/a.log.1" "$T/a.log.2"
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	[ "$output" = a6 ]
	[ "$(rotated "$T/s")" -eq 0 ]
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/a.log"
	[ -z "$output" ]
	[ -z "$stderr" ]
}
@test "--once: what the server writes into the rotated file after a run is read by the next one (inotify)" { t_once_rotated_written; }
@test "--once: what the server writes into the rotated file after a run is read by the next one (poll)" { t_once_rotated_written $POLL; }

t_state_v1() {
	local ino

	seq -f 'line %g' 1 5 >"$T/a.log"
	ino=$(stat -c %i "$T/a.log")
	# a state file of version 1 (no ROLE), as earlier releases wrote it
	omph-tail "$@" --state "$T/s" --once "$T/a.log" >/dev/null
	{ echo 'omph-tail-state 1'; awk -F'\t' -v OFS='\t' 'NR > 1 { NF = 8; print }' "$T/s"; } >"$T/s1"
	mv "$T/s1" "$T/s"
	seq -f 'line %g' 6 7 >>"$T/a.log"
	run --separate-stderr omph-tail "$@" --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(seq -f 'line %g' 6 7)" ]
	[ -z "$stderr" ]
	[ "$(head -n 1 "$T/s")" = 'omph-tail-state 4' ]
	awk -F'\t' -v i="$ino" 'NR == 2 && NF == 11 && $3 == i && $9 == "current" && length($10) == 16 && $10 !~ /[^0-9a-f]/ { ok = 1 } END { exit !ok }' "$T/s"
	# of version 2 (no ID): it loads, its entry gets an id, kept after
	{ echo 'omph-tail-state 2'; awk -F'\t' -v OFS='\t' 'NR > 1 { NF = 9; print }' "$T/s"; } >"$T/s2"
	mv "$T/s2" "$T/s"
	seq -f 'line %g' 8 9 >>"$T/a.log"
	run --separate-stderr omph-tail "$@" -H --state "$T/s" --once "$T/a.log"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	printf '%s\n' "$output" >"$T/o1"
	printf '%s\n' 'A 49 56 line 8' 'A 56 63 line 9' >"$T/exp"
	origins "$T/o1" a.log | diff "$T/exp" -
	[ "$(head -n 1 "$T/s")" = 'omph-tail-state 4' ]
	[ "$(awk -F'\t' 'NR == 2 { print $10 }' "$T/s")" = "$(cut -f 2 "$T/o1" | cut -d: -f 1 | sort -u)" ]
}
@test "--state: state files of versions 1 and 2 still load (inotify)" { t_state_v1; }
@test "--state: state files of versions 1 and 2 still load (poll)" { t_state_v1 $POLL; }

t_sigterm_unsaved() {
	local rc

	mkdir "$T/sd"
	printf 'x\n' >"$T/a.log"
	tail_bg t "$@" --state "$T/sd/s" "$T/a.log"
	echo a1 >>"$T/a.log"
	wait_until 5 saw "$T/t.out" a1
	wait_until 5 test -s "$T/sd/s"
	echo a2 >>"$T/a.log"
	wait_until 5 saw "$T/t.out" a2
	# the state directory is gone (or read-only) when the state is saved
	# at exit
	rm -rf "$T/sd"
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	forget "$pid"
	cat "$T/t.err"
	[ "$rc" -eq 1 ]
	grep -qF "omph-tail: $T/sd/s: cannot save state" "$T/t.err"
	if [ "$(id -u)" -ne 0 ]; then
		mkdir "$T/ro"
		tail_bg t2 "$@" --state "$T/ro/s" "$T/a.log"
		chmod a-w "$T/ro"
		kill -TERM "$pid"
		rc=0
		wait "$pid" || rc=$?
		forget "$pid"
		chmod u+w "$T/ro"
		[ "$rc" -eq 1 ]
		grep -qF "omph-tail: $T/ro/s: cannot save state" "$T/t2.err"
	fi
}
@test "--state: SIGTERM when the state cannot be saved: told, exit 1 (inotify)" { t_sigterm_unsaved; }
@test "--state: SIGTERM when the state cannot be saved: told, exit 1 (poll)" { t_sigterm_unsaved $POLL; }

t_finish_lines() {
	local n=3500000

	printf 'x\n' >"$T/a.log"
	printf 'x\n' >"$T/b.log"
	tail_bg t "$@" -H --rotate-wait 0 "$T/a.log" "$T/b.log"
	# more than the follower reads of one file at a time (8 MiB), three
	# times over, left unread when the files are closed for good
	kill -STOP "$pid"
	seq -w 1 "$n" >>"$T/a.log"
	seq -w 1 "$n" >>"$T/b.log"
	mv "$T/a.log" "$T/a.log.1"
	rm "$T/b.log"
	kill -CONT "$pid"
	wait_until 20 has "$T/t.out" $((2 * n))
	echo END >"$T/a.log"
	wait_until 5 sawp "$T/t.out" "$T/a.log	END"
	# every line once, on a line of its own, with its prefix
	run awk -F'\t' '$1 != a && $1 != b { bad++ } END { print bad + 0, NR }' \
	    a="$T/a.log" b="$T/b.log" "$T/t.out"
	echo "unprefixed and lines: $output"
	[ "$output" = "0 $((2 * n + 1))" ]
	seq -w 1 "$n" | diff - <(grep -F "$T/b.log	" "$T/t.out" | cut -f 3)
	{ seq -w 1 "$n"; echo END; } | diff - <(grep -F "$T/a.log	" "$T/t.out" | cut -f 3)
	contiguous "$T/t.out"
}
@test "a file closed for good with much left: every line on its own, prefixed (inotify)" { t_finish_lines; }
@test "a file closed for good with much left: every line on its own, prefixed (poll)" { t_finish_lines $POLL; }

# complete FILE: FILE's lines without an unterminated last one (a write cut
# by kill -9)
complete() {
	if [ -s "$1" ] && [ "$(tail -c 1 "$1" | wc -l)" -eq 0 ]; then
		sed '$d' "$1"
	else
		cat "$1"
	fi
}

t_state_kill9() {
	local k p w total dups

	: >"$T/a.log"
	(
		i=0
		while [ ! -e "$T/stop" ]; do
			i=$((i + 1))
			echo "$i" >>"$T/a.log"
			sleep 0.005
		done
	) 3>&- &
	w=$!
	pids="$pids $w"
	for k in $(seq 1 20); do
		omph-tail "$@" --from-start --state "$T/s" "$T/a.log" \
		    >"$T/k$k.out" 2>"$T/k$k.err" 3>&- &
		p=$!
		pids="$pids $p"
		sleep "$(printf '0.%02d' $((RANDOM % 30)))"
		kill -KILL "$p"
		wait "$p" 2>/dev/null || true
	done
	touch "$T/stop"
	wait "$w"
	total=$(wc -l <"$T/a.log")
	omph-tail "$@" --from-start --state "$T/s" --once "$T/a.log" >"$T/kfinal.out"
	# each run writes a stretch of consecutive lines, in order
	for k in $(seq 1 20) final; do
		complete "$T/k$k.out" >"$T/c$k"
		awk 'NR > 1 && $0 != prev + 1 { print FILENAME ": " prev " then " $0; exit 1 } { prev = $0 }' "$T/c$k"
	done
	# none lost
	seq 1 "$total" >"$T/exp"
	cat "$T"/c* | sort -n -u | diff "$T/exp" -
	dups=$(cat "$T"/c* | sort -n | uniq -d | wc -l)
	echo "$total lines, $dups written again after kill -9"
}
@test "--state: 20 kill -9 while a writer appends: no line lost (inotify)" { t_state_kill9; }
@test "--state: 20 kill -9 while a writer appends: no line lost (poll)" { t_state_kill9 $POLL; }

t_once_missing() {
	printf 'ok\n' >"$T/b.log"
	run --separate-stderr omph-tail "$@" --once "$T/none.log" "$T/b.log"
	[ "$status" -eq 1 ]
	[ "$output" = ok ]
	[[ "$stderr" == "omph-tail: $T/none.log: "* ]]
}
@test "--once on a missing file: exit 1 with a message, the others read (inotify)" { t_once_missing; }
@test "--once on a missing file: exit 1 with a message, the others read (poll)" { t_once_missing $POLL; }

# ---------------------------------------------------------------- resources

t_fd_leak() {
	local r n=0 fd0 w0 fd1 w1

	: >"$T/a.log"
	tail_bg t "$@" --rotate-wait 0.1 "$T/a.log"
	fd0=$(fds "$pid")
	w0=$(watches "$pid")
	for r in $(seq 1 300); do
		n=$((n + 1))
		echo "$n" >>"$T/a.log"
		# rename rotation and delete-and-recreate by turns
		if [ $((r % 2)) -eq 1 ]; then
			mv "$T/a.log" "$T/a.log.1"
		else
			rm "$T/a.log"
		fi
		n=$((n + 1))
		echo "$n" >"$T/a.log"
		wait_fast 5 has "$T/t.out" "$n"
	done
	# the old files drained, and closed after --rotate-wait
	wait_until 5 eval '[ "$(fds "$pid")" -le $((fd0 + 1)) ]'
	fd1=$(fds "$pid")
	w1=$(watches "$pid")
	echo "descriptors $fd0 then $fd1, inotify watches $w0 then $w1"
	[ "$fd1" -ge $((fd0 - 1)) ] && [ "$fd1" -le $((fd0 + 1)) ]
	[ "$w1" -ge $((w0 - 1)) ] && [ "$w1" -le $((w0 + 1)) ]
	seq 1 "$n" | diff - <(sort -n "$T/t.out")
}
@test "no descriptor or watch leaked over 300 rotations (inotify)" { t_fd_leak; }
@test "no descriptor or watch leaked over 300 rotations (poll)" { t_fd_leak $FASTPOLL; }

t_eio() {
	local i

	printf 'x\n' >"$T/bad.log"
	printf 'x\n' >"$T/good.log"
	TAIL_ENV=(LD_PRELOAD="$TOP/bin/libfault.so"
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	    OMPH_FAULT_EIO="$T/flag:bad.log")
	tail_bg t "$@" -H "$T/bad.log" "$T/good.log"
	echo b1 >>"$T/bad.log"
	echo g1 >>"$T/good.log"
	wait_until 5 has "$T/t.out" 2
	touch "$T/flag"
	echo b2 >>"$T/bad.log"
	wait_until 5 grep -qF "omph-tail: $T/bad.log: will retry: Input/output error" "$T/t.err"
	# the other file flows on while the bad one is retried
	for i in 2 3 4 5 6; do
		echo "g$i" >>"$T/good.log"
		wait_until 5 sawp "$T/t.out" "$T/good.log	g$i"
		sleep 0.2	# a second of retries
	done
	echo b3 >>"$T/bad.log"
	run ! sawp "$T/t.out" "$T/bad.log	b2"
	rm "$T/flag"
	wait_until 5 sawp "$T/t.out" "$T/bad.log	b3"
	echo END >>"$T/bad.log"
	wait_until 5 sawp "$T/t.out" "$T/bad.log	END"
	plain "$T/t.out" >"$T/t.plain"
	tagged bad.log b1 b2 b3 END
	grep -F "$T/bad.log	" "$T/t.plain" | diff "$T/exp" -
	tagged good.log g1 g2 g3 g4 g5 g6
	grep -F "$T/good.log	" "$T/t.plain" | diff "$T/exp" -
	# the file read again after the error goes on with its stream
	contiguous "$T/t.out"
	printf '%s\n' 'A 2 5 b1' 'A 5 8 b2' 'A 8 11 b3' 'A 11 15 END' >"$T/exp"
	origins "$T/t.out" bad.log | diff "$T/exp" -
	# told once for the kind of error, however many retries
	[ "$(grep -c 'will retry' "$T/t.err")" -eq 1 ]
}
@test "a file failing with EIO is told and retried, the other flows, it resumes without loss (inotify)" { t_eio; }
@test "a file failing with EIO is told and retried, the other flows, it resumes without loss (poll)" { t_eio $POLL; }

# ---------------------------------------------------------------- usage and exit

t_usage() {
	printf 'x\n' >"$T/a.log"
	run --separate-stderr omph-tail "$@" --poll=0 "$T/a.log"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *--poll* ]]
	[[ "$stderr" == *"usage: omph-tail"* ]]
	run --separate-stderr omph-tail "$@" --poll=3601 "$T/a.log"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *--poll* ]]
	run --separate-stderr omph-tail "$@" -n -1 "$T/a.log"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *-n* ]]
	[[ "$stderr" == *"usage: omph-tail"* ]]
	run --separate-stderr omph-tail "$@" -n 100000001 "$T/a.log"
	[ "$status" -eq 2 ]
	run --separate-stderr omph-tail "$@" -n 3 --from-start "$T/a.log"
	[ "$status" -eq 2 ]
	run --separate-stderr omph-tail "$@" --max-line 255 "$T/a.log"
	[ "$status" -eq 2 ]
	run --separate-stderr omph-tail "$@" --bogus "$T/a.log"
	[ "$status" -eq 2 ]
	[[ "$output$stderr" == *"usage: omph-tail"* ]]
	run --separate-stderr omph-tail "$@"
	[ "$status" -eq 2 ]
}
@test "usage: out-of-range numbers and bad options exit 2 with a message (inotify)" { t_usage; }
@test "usage: out-of-range numbers and bad options exit 2 with a message (poll)" { t_usage $POLL; }

t_signals() {
	local sig rc

	printf 'x\n' >"$T/a.log"
	for sig in INT TERM; do
		tail_bg "$sig" "$@" "$T/a.log"
		echo "$sig" >>"$T/a.log"
		wait_until 5 saw "$T/$sig.out" "$sig"
		kill -"$sig" "$pid"
		rc=0
		wait "$pid" || rc=$?
		forget "$pid"
		[ "$rc" -eq 0 ]
		[ ! -s "$T/$sig.err" ]
	done
}
@test "SIGINT and SIGTERM end it with status 0 (inotify)" { t_signals; }
@test "SIGINT and SIGTERM end it with status 0 (poll)" { t_signals $POLL; }

# closed OUT ARG...: omph-tail ARG... | head -n 1 >$T/OUT.out in the
# background; omph-tail's status lands in $T/OUT.rc
closed() {
	local name=$1 rc

	shift
	{
		omph-tail "$@" 2>"$T/$name.err" &
		echo $! >"$T/$name.pid"
		rc=0
		wait $! || rc=$?
		echo "$rc" >"$T/$name.rc"
	} 3>&- | head -n 1 >"$T/$name.out" 3>&- &
	wait_until 5 test -s "$T/$name.pid"
	pid=$(cat "$T/$name.pid")
	pids="$pids $pid"
}

t_closed_stdout() {
	# with lines to write
	seq 1 200000 >"$T/big.log"
	closed big "$@" --from-start "$T/big.log"
	wait_until 5 test -s "$T/big.rc"
	[ "$(cat "$T/big.rc")" -eq 1 ]
	[ "$(cat "$T/big.out")" = 1 ]
	[ ! -s "$T/big.err" ]
	# the reader goes away while no lines come
	printf 'x\n' >"$T/a.log"
	closed idle "$@" "$T/a.log"
	wait_until 5 looping "$pid"
	echo only >>"$T/a.log"
	wait_until 5 test -s "$T/idle.rc"
	[ "$(cat "$T/idle.rc")" -eq 1 ]
	[ "$(cat "$T/idle.out")" = only ]
	[ ! -s "$T/idle.err" ]
}
@test "closed stdout (| head -1): it exits quietly (inotify)" { t_closed_stdout; }
@test "closed stdout (| head -1): it exits quietly (poll)" { t_closed_stdout $POLL; }

# ---------------------------------------------------------------- --acked

# acked FILE ID END: a positions file as omph-send --acked writes it
acked() {
	python3 - "$@" <<'PY'
import sys
body = "omph-acked 1\n%s\t%s\n" % (sys.argv[2], sys.argv[3])
h = 1469598103934665603  # lib/hash.h
for b in body.encode():
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
open(sys.argv[1], "w").write(body + "end\t1\t%016x\n" % h)
PY
}

@test "--acked: a stream resumes where the collector's acknowledgements end, from its base when none, every stream read again from its base when the file is damaged" {
	local id end2
	for i in 1 2 3 4 5; do echo "line $i"; done >"$T/a.log"
	omph-tail --once --from-start --state "$T/S" -H "$T/a.log" >"$T/first"
	[ "$(wc -l <"$T/first")" -eq 5 ]
	id=$(cut -f 2 "$T/first" | head -n 1 | cut -d: -f 1)
	end2=$(sed -n 2p "$T/first" | cut -f 2 | cut -d: -f 3)
	# acknowledged up to line 2: lines 3 to 5 again, with their origins
	acked "$T/A" "$id" "$end2"
	cp "$T/S" "$T/S0"
	run --separate-stderr omph-tail --once --state "$T/S" --acked "$T/A" -H "$T/a.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(sed -n 3,5p "$T/first")" ]
	[[ "$stderr" == *"a.log: reading 21 bytes again that the collector did not acknowledge"* ]]
	# until the collector acknowledges more, every run reads them again
	run --separate-stderr omph-tail --once --state "$T/S" --acked "$T/A" -H "$T/a.log"
	[ "$output" = "$(sed -n 3,5p "$T/first")" ]
	# acknowledged past the state: nothing again
	acked "$T/A" "$id" 999999
	cp "$T/S0" "$T/S"
	run --separate-stderr omph-tail --once --state "$T/S" --acked "$T/A" -H "$T/a.log"
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	# no positions file: nothing of it acknowledged, all of it again
	cp "$T/S0" "$T/S"
	run --separate-stderr omph-tail --once --state "$T/S" --acked "$T/nosuch" -H "$T/a.log"
	[ "$output" = "$(cat "$T/first")" ]
	# a damaged one is refused, and trusted for nothing
	acked "$T/A" "$id" "$end2"
	sed -i "2s/\t$end2\$/\t$((end2 + 1))/" "$T/A"	# under the old checksum
	cp "$T/S0" "$T/S"
	run --separate-stderr omph-tail --once --state "$T/S" --acked "$T/A" -H "$T/a.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$T/first")" ]
	[[ "$stderr" == *"A: checksum mismatch: the file is damaged; reading every stream of the state again from where it began"* ]]
	# renamed away since: the old file from there, then the new one
	acked "$T/A" "$id" "$end2"
	cp "$T/S0" "$T/S"
	mv "$T/a.log" "$T/a.log.1"
	echo new >"$T/a.log"
	run --separate-stderr omph-tail --once --rotate-wait 0 --state "$T/S" --acked "$T/A" -H "$T/a.log"
	[ "$(echo "$output" | head -n 3)" = "$(sed -n 3,5p "$T/first")" ]
	[ "$(echo "$output" | sed -n 4p | cut -f 3)" = new ]
}

@test "--acked: a stream that began mid-file (-n) is read again from where it began, not from 0; usage errors" {
	local id
	for i in 1 2 3 4 5; do echo "line $i"; done >"$T/a.log"
	omph-tail --once -n 2 --state "$T/S" -H "$T/a.log" >"$T/first"
	[ "$(cut -f 3 "$T/first")" = "$(printf 'line 4\nline 5')" ]
	grep -q '	21$' "$T/S"	# BASE: where line 4 starts
	run --separate-stderr omph-tail --once --state "$T/S" --acked "$T/A" -H "$T/a.log"
	[ "$output" = "$(cat "$T/first")" ]
	# a state of version 3 (no BASE): its offset is its base
	sed -i '1s/ 4$/ 3/; 2s/\t21$//' "$T/S"
	run omph-tail --once --state "$T/S" --acked "$T/A" -H "$T/a.log"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run --separate-stderr omph-tail --acked "$T/A" -H "$T/a.log"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--acked needs --state and -H"* ]]
	run --separate-stderr omph-tail --state "$T/S" --acked "$T/A" "$T/a.log"
	[ "$status" -eq 2 ]
}

@test "--acked: a rotated file read to its end and finished is kept in the state until the collector acknowledged it to its end; deleted meanwhile, what was lost is told" {
	local id end2
	for i in 1 2 3 4 5; do echo "line $i"; done >"$T/a.log"
	omph-tail --once --from-start --state "$T/S" -H "$T/a.log" >"$T/first"
	id=$(cut -f 2 "$T/first" | head -n 1 | cut -d: -f 1)
	end2=$(sed -n 2p "$T/first" | cut -f 2 | cut -d: -f 3)
	acked "$T/A" "$id" "$end2"
	mv "$T/a.log" "$T/a.log.1"
	echo new >"$T/a.log"
	# finished at once (--rotate-wait 0): its unacknowledged lines again
	run --separate-stderr omph-tail --once --rotate-wait 0 --state "$T/S" --acked "$T/A" -H "$T/a.log"
	[ "$(echo "$output" | head -n 3)" = "$(sed -n 3,5p "$T/first")" ]
	grep -q "	rotated	$id	0\$" "$T/S"
	cp "$T/S" "$T/S1"
	# not acknowledged yet (a stage died): the next run reads them again
	run --separate-stderr omph-tail --once --rotate-wait 0 --state "$T/S" --acked "$T/A" -H "$T/a.log"
	[ "$(echo "$output" | head -n 3)" = "$(sed -n 3,5p "$T/first")" ]
	grep -q "	rotated	$id	0\$" "$T/S"
	# acknowledged to its end: forgotten
	acked "$T/A" "$id" 35
	run --separate-stderr omph-tail --once --rotate-wait 0 --state "$T/S" --acked "$T/A" -H "$T/a.log"
	[ "$(echo "$output" | grep -c 'line ')" -eq 0 ]
	! grep -q "	rotated	" "$T/S"
	# deleted before it was acknowledged: told from where lines are lost
	cp "$T/S1" "$T/S"
	acked "$T/A" "$id" "$end2"
	rm "$T/a.log.1"
	run --separate-stderr omph-tail --once --rotate-wait 0 --state "$T/S" --acked "$T/A" -H "$T/a.log"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"a.log: the file read before is not found (compressed, moved or deleted): lines written to it after offset $end2, if any, are lost"* ]]
	! grep -q "	rotated	" "$T/S"
}

@test "--once without -H: lines read in blocks go out as one by one: cut lines, NULs, the last line without LF held" {
	python3 - "$T/b.log" <<'PY'
import random, sys
random.seed(5)
with open(sys.argv[1], 'wb') as f:
    for i in range(30000):
        n = random.randint(1000, 300000) if random.random() < 0.001 else random.randint(0, 300)
        f.write(b'x' * n + b'\n')
    f.write(b'tail without lf')
PY
	for ml in 500 100000 1048576 4194304; do
		omph-tail --once --max-line "$ml" "$T/b.log" >"$T/b.out" 2>"$T/b.err"
		head -n 30000 "$T/b.log" | awk -v m="$ml" '{ print substr($0, 1, m) }' |
		    cmp - "$T/b.out"
	done
	printf 'a\nb\0c\nd\n' >"$T/nul.log"
	run --separate-stderr omph-tail --once "$T/nul.log"
	[ "$output" = "$(printf 'a\nbc\nd')" ]
	[ "$stderr" = "omph-tail: $T/nul.log: 1 NUL bytes skipped" ]
}
