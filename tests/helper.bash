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

teardown() {
	rm -rf "$T"
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
