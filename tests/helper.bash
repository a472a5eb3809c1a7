# Shared set-up for the bats files.  OMPH_BIN names the binaries under test
# (bin/ or the sanitized obj/san/bin); DATA is the real logs in shared/data.
TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
OMPH_BIN=${OMPH_BIN:-$TOP/bin}
PATH=$OMPH_BIN:$TOP/bin:$PATH
DATA=${OMPH_DATA:-$TOP/../shared/data}
export PATH DATA

setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/omph-test.XXXXXX")
}

# the background commands a test started, in $pids, are stopped (TERM,
# then waited for) before its directory goes
teardown() {
	local p
	for p in ${pids:-}; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}

# free_port: a TCP port free on 127.0.0.1 now (used for UDP too)
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_until SECONDS COMMAND...: poll COMMAND every 50 ms until it succeeds;
# fails when SECONDS pass first.
wait_until() {
	local limit=$1 i=0
	shift
	while ! "$@"; do
		i=$((i + 1))
		[ "$i" -ge $((limit * 20)) ] && return 1
		sleep 0.05
	done
}

# field NAME: print column NAME of the records on stdin (header-aware).
field() {
	awk -F'\t' -v name="$1" '
		/^#/ { for (i = 1; i <= NF; i++) { h = $i; sub(/^#/, "", h); col[h] = i }; next }
		{ print $(col[name]) }'
}

# ppoll(2), where a started omph-tail or omph-collect waits in its main loop
case $(uname -m) in
x86_64) PPOLL=271 ;;
aarch64 | riscv64) PPOLL=73 ;;
*) PPOLL= ;;
esac

# gone PID: PID has exited (a zombie counts)
gone() {
	[ ! -e "/proc/$1/stat" ] || grep -q '^[0-9]* (.*) [ZX] ' "/proc/$1/stat" 2>/dev/null
}

# looping PID: PID waits in ppoll, its main loop: its files are open and
# watched, its startup reading done
looping() {
	local nr

	if [ -z "$PPOLL" ]; then
		sleep 0.5	# unknown architecture: give it time
		return 0
	fi
	read -r nr _ <"/proc/$1/syscall" 2>/dev/null && [ "$nr" = "$PPOLL" ]
}

# stop_all: TERM every pid in $pids (KILL those still there after 5 s),
# then fail when a background command's $T/*.err holds a sanitizer report
stop_all() {
	local p

	for p in $pids; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $pids; do
		wait_until 5 gone "$p" || kill -KILL "$p" 2>/dev/null
	done
	if grep -l -e 'Sanitizer' -e 'runtime error' "$T"/*.err 2>/dev/null; then
		cat "$T"/*.err
		return 1
	fi
}

# tail_bg NAME ARG...: omph-tail ARG... in the background (environment from
# the array TAIL_ENV), output in $T/NAME.out, messages in $T/NAME.err; its pid
# in $pid and $pids.  Returns once it is in its main loop.
tail_bg() {
	local name=$1

	shift
	env ${TAIL_ENV[@]+"${TAIL_ENV[@]}"} omph-tail "$@" \
	    >"$T/$name.out" 2>"$T/$name.err" 3>&- &
	pid=$!
	pids="$pids $pid"
	wait_until 10 looping "$pid"
}

# has FILE N: FILE has N lines or more
has() {
	local n

	# awk counts a last line without its LF too; fast on millions of lines
	n=$(awk 'END { print NR }' "$1" 2>/dev/null) || return 1
	[ "${n:-0}" -ge "$2" ]
}

# saw FILE LINE: FILE holds the line LINE
saw() {
	grep -qxF -- "$2" "$1" 2>/dev/null
}
