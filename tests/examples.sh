#!/bin/sh
# examples.sh: the examples of a Markdown file (README.md) or of the EXAMPLES
# section of a man page (man/*.[1-9], mdoc(7)) as tests, so that what the
# file shows is what the commands print.
#
#   examples.sh blocks FILE      one line per code block of FILE:
#                                LINE<TAB>KIND<TAB>REASON (see below)
#   examples.sh run FILE LINE    run the block that starts at LINE, in a new
#                                temp dir; print a diff and exit 1 when the
#                                output is not the one FILE shows
#
# A block is what Markdown shows as one code box: lines indented by four
# spaces (or a TAB), after a blank line, blank lines inside included.  It is
# an example when its first line starts with "$ ": each "$ " line is a
# command, and the lines after it continue it while the shell would wait for
# more (a quote still open, or a line ending in "\", "|", "|&", "&&" or
# "||", a "#" comment aside; here-documents are not read as such); every
# other line is the expected output, stdout and stderr as a terminal shows
# them, blank lines too, compared byte for byte (trailing spaces too: psql
# ends a header line with one).  A Markdown block cannot end in a blank
# line: blank lines at the end of the output are not compared.
# The HTML comment just before a block (blank lines between allowed) says
# what is special about it:
#   <!-- not run: REASON -->   not an example (a diagram, a crontab line,
#                              paths of a server): must have no "$ " line
#   <!-- needs: NAME -->       an example run only where the server NAME is
#                              (postgres: tests/postgres.bats runs them)
# KIND is then run, not-run, needs:NAME, unmarked (no "$ " line and no
# marker) or bad (a marker on a block it does not fit, a "$ " line after a
# first line that is not one, a block that ends inside a command); REASON is
# the marker's text.
#
# A man page: its blocks are the literal displays (.Bd -literal ... .Ed) of
# its EXAMPLES section, each read as above from what mandoc -Tmarkdown makes
# of it (the escapes \e, \-, \(aq... as the reader sees them), and LINE is
# the line of its .Bd in the page.  Its marker is the comment line just
# before the .Bd, as a roff comment is not shown:
#   .\" not run: REASON
#   .\" needs: NAME
# A man page shows a TAB as one space (groff and mandoc would align it on a
# tab stop, which the text cannot say): the output's TABs are compared as
# single spaces, so a page writes records with a space between fields, and
# the columns of its expected text that are normalised (below) are split at
# single spaces.  Other displays (.Dl, .D1, .Bd -unfilled) are not read:
# an example is a .Bd -literal.
#
# How a block runs: bash (the shell behind the "$ " prompt) runs its commands
# as one script, in order, in a new temp dir where every file under $DATA
# (the real logs of ../shared/data) is there by its base name, with the
# commands under test first on PATH (OMPH_BIN), stdin /dev/null, stdout and
# stderr into one file, in the order they were written, as on a terminal.
# A command ending in "&" is waited for until it waits in ppoll(2), its main
# loop (its sockets are bound then), as a person typing the next command
# gives it the time to; at the end the block's background jobs are waited
# for.  Job control is off, so no "[1] PID" or "Done" lines.  A block gets 60
# seconds.  Its exit status is not compared: the output is.
#
# What differs between runs and is normalised, in the output and in the
# expected text alike (nothing else is):
# - ports: each 127.0.0.1:PORT (or bash's /dev/tcp/127.0.0.1/PORT) in the
#   commands becomes a free port of the
#   machine for the run, and back to PORT in the output; EXAMPLES_PORTS, a
#   list of PORT=PORT2, gives the port of a server the caller started for
#   the block instead (an rsyslogd relay that the example sends to);
# - in a table whose "#" header has a column "addr", the port after the last
#   ":" of that column (a sender's ephemeral source port) becomes PORT;
# - in a table whose header has a column "last" (when a sender was last
#   heard from, wall-clock time), the value becomes TIME.
#
# The code blocks of a Markdown FILE must be plain indented blocks (no ```
# fences).
top=$(cd "$(dirname "$0")/.." && pwd)
DATA=${DATA:-$top/../shared/data}
OMPH_BIN=${OMPH_BIN:-$top/bin}

usage() {
	echo "usage: examples.sh blocks FILE | run FILE LINE" >&2
	exit 2
}

# split FILE [LINE MODE]: without LINE, the list of blocks; with LINE, of the
# block at LINE the script (MODE script) or the expected output (MODE want).
# FILE is Markdown (a man page goes through frommdoc first).
split() {
	awk -v at="${2:-0}" -v mode="${3:-blocks}" '
	function marker(s) {
		if (s ~ /^<!-- line: [0-9]+ -->$/) {
			# frommdoc: where the block is in the man page
			srcline = s
			gsub(/[^0-9]/, "", srcline)
			return 1
		}
		if (s ~ /^<!-- not run: .* -->$/) {
			mkind = "not-run"
			sub(/^<!-- not run: /, "", s)
		} else if (s ~ /^<!-- needs: [a-z]+ -->$/) {
			sub(/^<!-- needs: /, "", s)
			sub(/ -->$/, "", s)
			mkind = "needs:" s
		} else
			return 0
		sub(/ -->$/, "", s)
		mreason = s
		return 1
	}
	# scan(l): read l as the shell does, q being the quote still open from
	# the lines before ("", "\047", "\"" or "$\047"); leaves in u the
	# characters of l outside quotes and comments (a quoted one as "x");
	# 1 when the shell waits for more: a quote open, a trailing \, or a
	# line ending in |, |&, && or ||
	function scan(l,   i, c, len) {
		u = ""
		len = length(l)
		for (i = 1; i <= len; i++) {
			c = substr(l, i, 1)
			if (q == "\047") {
				if (c == "\047")
					q = ""
			} else if (q == "\"" || q == "$\047") {
				if (c == "\\")
					i++
				else if ((q == "\"" && c == "\"") ||
				    (q != "\"" && c == "\047"))
					q = ""
			} else if (c == "\\") {
				if (i == len)
					return 1
				i++
				u = u "x"
			} else if (c == "\047" || c == "\"") {
				q = c
				u = u "x"
			} else if (c == "$" && substr(l, i + 1, 1) == "\047") {
				q = "$\047"
				i++
				u = u "x"
			} else if (c == "#" && (i == 1 ||
			    substr(l, i - 1, 1) ~ /[ \t;&|(]/))
				break
			else
				u = u c
		}
		if (q != "")
			return 1
		sub(/[ \t]+$/, "", u)
		return u ~ /(\||\|&|&&)$/
	}
	# parse(): what each line of blk[1..n] is, in what[i]: "cmd" (a "$ "
	# line), "cont" (a line of the command before), "out" (output); and
	# bg[i] when the command ending at line i ends in "&".  Returns the
	# number of commands, -1 when the block ends inside one.
	function parse(   i, cont, cmds) {
		cont = cmds = 0
		q = ""
		for (i = 1; i <= n; i++) {
			bg[i] = 0
			if (cont)
				what[i] = "cont"
			else if (blk[i] ~ /^\$ /) {
				what[i] = "cmd"
				cmds++
			} else {
				what[i] = "out"
				continue
			}
			cont = scan(what[i] == "cmd" ? substr(blk[i], 3) : blk[i])
			bg[i] = !cont && u ~ /(^|[^&|>])&$/
		}
		return cont ? -1 : cmds
	}
	function endblock(   kind, cmds, first) {
		first = blk[1] ~ /^\$ /
		cmds = parse()
		if (cmds < 0)
			kind = "bad"
		else if (mkind == "not-run")
			kind = cmds ? "bad" : "not-run"
		else if (cmds && !first)
			kind = "bad"
		else if (mkind != "")
			kind = cmds ? mkind : "bad"
		else
			kind = cmds ? "run" : "unmarked"
		if (mode == "blocks")
			printf "%d\t%s\t%s\n", start, kind, mreason
		else if (start == at)
			emit()
		n = 0
		mkind = mreason = srcline = ""
	}
	# the script or the expected output of blk[1..n]
	function emit(   i) {
		for (i = 1; i <= n; i++) {
			if (what[i] == "out") {
				if (mode == "want")
					print blk[i]
				continue
			}
			if (mode != "script")
				continue
			print what[i] == "cmd" ? substr(blk[i], 3) : blk[i]
			if (bg[i])
				print "__ready $!"
		}
		found = 1
	}
	{
		indented = $0 ~ /^(    |\t)/
		blank = $0 ~ /^[ \t]*$/
		if (n > 0 && (indented || blank)) {
			l = $0
			if (blank)
				l = ""
			else
				sub(/^(    |\t)/, "", l)
			blk[++n] = l
		} else if (n == 0 && indented && prevblank) {
			start = srcline != "" ? srcline : NR
			l = $0
			sub(/^(    |\t)/, "", l)
			blk[n = 1] = l
		} else {
			if (n > 0) {
				while (n > 0 && blk[n] == "")
					n--
				endblock()
			}
			if (!blank && !marker($0))
				mkind = mreason = srcline = ""
		}
		prevblank = blank
	}
	END {
		if (n > 0) {
			while (n > 0 && blk[n] == "")
				n--
			endblock()
		}
		if (mode != "blocks" && !found) {
			printf "examples.sh: no code block starts at line %d\n", at \
			    >"/dev/stderr"
			exit 1
		}
	}' "$1"
}

# frommdoc FILE: the literal blocks (.Bd -literal) of the EXAMPLES section of
# the mdoc(7) page FILE as the Markdown that split reads: each as mandoc(1)
# renders it, after "<!-- line: N -->" (N: the line of its .Bd in FILE) and
# its marker, the comment line of FILE just before the .Bd, if any, made
# an HTML comment.  Each block is rendered alone, at the top level of a page
# of its own: as the reader sees it, whatever list it is in.
frommdoc() {
	awk '
	/^\.Sh / {
		ex = $0 == ".Sh EXAMPLES"
		in_bd = 0
	}
	ex && /^\.Bd -literal/ {
		in_bd = 1
		printf ".Pp\nBLOCK %d\n.Bd -literal\n", NR
		next
	}
	in_bd && /^\.Ed/ {
		in_bd = 0
		print
		next
	}
	in_bd
	BEGIN {
		print ".Dd January 1, 2000\n.Dt EXAMPLES 1\n.Os\n.Sh NAME\n.Nm x\n.Nd x\n.Sh EXAMPLES"
	}' "$1" | mandoc -Tmarkdown | awk -v src="$1" '
	BEGIN {
		# the comment line just before each .Bd -literal of src
		while ((getline l <src) > 0) {
			nr++
			if (l ~ /^\.Bd -literal/ && prev ~ /^\.\\" /) {
				sub(/^\.\\" /, "", prev)
				mark[nr] = prev
			}
			prev = l
		}
	}
	/^BLOCK [0-9]+$/ {
		if (inblk)
			print ""
		inblk = 1
		print "<!-- line: " $2 " -->"
		if ($2 in mark)
			print "<!-- " mark[$2] " -->"
		print ""
		next
	}
	inblk && /^(\t|$)/
	inblk && !/^(\t|$)/ {
		inblk = 0
		print ""
	}'
}

# blocks FILE [LINE MODE]: split on FILE, Markdown or a man page
blocks() {
	case $1 in
	*.[1-9])
		frommdoc "$1" | split - "$2" "$3"
		;;
	*)
		split "$@"
		;;
	esac
}

# normalise [man]: the filter for what varies between runs (see above), on
# columns separated by TABs, or with "man" by single spaces
normalise() {
	if [ "${1:-}" = man ]; then
		set -- '[ ]' ' '
	else
		set -- '\t' '\t'
	fi
	awk -F"$1" -v OFS="$2" '
	/^#/ {
		addr = last = 0
		for (i = 1; i <= NF; i++) {
			if ($i == "addr")
				addr = i
			if ($i == "last")
				last = i
		}
		print
		next
	}
	{
		if (addr && addr <= NF)
			sub(/:[0-9]+$/, ":PORT", $addr)
		if (last && last <= NF)
			$last = "TIME"
		print
	}'
}

# free_port: a TCP port free on 127.0.0.1 now (for UDP too)
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ppoll(2), the system call of every command's main loop
case $(uname -m) in
x86_64) ppoll=271 ;;
aarch64 | riscv64) ppoll=73 ;;
*) ppoll= ;;
esac

# subst FROM TO: the sed(1) commands that make 127.0.0.1:FROM 127.0.0.1:TO
subst() {
	printf 's/127\\.0\\.0\\.1:%s$/127.0.0.1:%s/\n' "$1" "$2"
	printf 's/127\\.0\\.0\\.1:%s\\([^0-9]\\)/127.0.0.1:%s\\1/g\n' "$1" "$2"
	# bash's /dev/tcp/127.0.0.1/PORT alike
	printf 's|/dev/tcp/127\\.0\\.0\\.1/%s$|/dev/tcp/127.0.0.1/%s|\n' "$1" "$2"
	printf 's|/dev/tcp/127\\.0\\.0\\.1/%s\\([^0-9]\\)|/dev/tcp/127.0.0.1/%s\\1|g\n' "$1" "$2"
}

# shown: stdin as $file shows it (a man page: each TAB a space)
shown() {
	if [ -n "$man" ]; then
		tr '\t' ' '
	else
		cat
	fi
}

run() {
	file=$1
	line=$2
	d=$(mktemp -d "${TMPDIR:-/tmp}/omph-example.XXXXXX") || exit 1
	trap 'rm -rf "$d"' EXIT
	mkdir "$d/run"
	for f in "$DATA"/*/*; do
		ln -s "$f" "$d/run/${f##*/}"
	done
	blocks "$file" "$line" script >"$d/cmds" || exit 1
	blocks "$file" "$line" want >"$d/want" || exit 1
	# ports of the commands: free ones for the run, back in the output
	: >"$d/ports.sed"
	: >"$d/back.sed"
	# shellcheck disable=SC2013 # port numbers, one a word
	for p in $(grep -oE '127\.0\.0\.1[:/][0-9]+' "$d/cmds" | cut -c 11- | sort -u); do
		q=
		for m in ${EXAMPLES_PORTS:-}; do
			[ "${m%%=*}" = "$p" ] && q=${m#*=}
		done
		[ -n "$q" ] || q=$(free_port) || exit 1
		subst "$p" "$q" >>"$d/ports.sed"
		subst "$q" "$p" >>"$d/back.sed"
	done
	{
		cat <<-EOF
		# __ready PID: PID waits in ppoll(2), or 10 s passed
		__ready() {
			local i=0 nr
			if [ -z "$ppoll" ]; then
				sleep 1
				return
			fi
			while [ \$i -lt 200 ]; do
				read -r nr _ 2>/dev/null </proc/\$1/syscall || return
				[ "\$nr" = "$ppoll" ] && return
				sleep 0.05
				i=\$((i + 1))
			done
		}
		EOF
		sed -f "$d/ports.sed" "$d/cmds"
		echo wait
	} >"$d/script"
	(cd "$d/run" && PATH=$OMPH_BIN:$top/bin:$PATH \
	    timeout -k 5 60 bash "$d/script" </dev/null >"$d/out" 2>&1)
	# a man page shows a TAB as one space
	man=
	case $file in
	*.[1-9]) man="man" ;;
	esac
	# without the blank lines at the end
	sed -f "$d/back.sed" "$d/out" | normalise | shown |
	    awk '/^$/ { b++; next } { for (; b > 0; b--) print ""; print }' >"$d/got"
	normalise $man <"$d/want" >"$d/want.n"
	if ! diff -u --label "$file:$line (shown)" --label "$file:$line (printed)" \
	    "$d/want.n" "$d/got"; then
		echo "ran:"
		grep -v '^__ready ' "$d/cmds" | sed 's/^/	/'
		exit 1
	fi
}

case $1 in
blocks)
	[ $# -eq 2 ] || usage
	blocks "$2"
	;;
run)
	[ $# -eq 3 ] || usage
	run "$2" "$3"
	;;
*)
	usage
	;;
esac
