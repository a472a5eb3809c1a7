#!/bin/sh
# make fuzz FUZZ_SECONDS=N: builds the libFuzzer targets tests/fuzz/fuzz-X.c
# with clang (AddressSanitizer + UndefinedBehaviorSanitizer) into obj/fuzz/,
# then, one target after another, runs every file of the seed corpus
# tests/fuzz/X/ once (regression: kept crash-* inputs must pass once fixed)
# and fuzzes for N seconds (default 10) on a scratch copy of it in
# obj/fuzz/corpus-X; nothing new is written into tests/.  Prints one line
# per target and exits non-zero if any target crashed, naming the input.
#
# CC_FUZZ names the compiler (default: clang, else clang-NN found on PATH);
# FUZZ_TARGETS may name a subset ("wire tm"); FUZZ_SEED fixes libFuzzer's
# random seed, so that a run can be repeated (CI sets it).
cd "$(dirname "$0")/.." || exit 1

secs=${1:-10}
case $secs in
''|*[!0-9]*)
	echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, not '$secs'" >&2
	exit 2 ;;
esac

out=obj/fuzz
mkdir -p "$out" || exit 1

# the compiler: clang with libFuzzer (compiler-rt)
cc=${CC_FUZZ:-}
if [ -z "$cc" ]; then
	for c in clang clang-20 clang-19 clang-18 clang-17 clang-16 clang-15 \
	    clang-14 clang-13; do
		if command -v "$c" >/dev/null 2>&1; then
			cc=$c
			break
		fi
	done
fi
if [ -z "$cc" ] || ! command -v "$cc" >/dev/null 2>&1; then
	echo "fuzz: clang not found: make fuzz needs clang with libFuzzer" \
	    "(e.g. apt-get install clang; or set CC_FUZZ)" >&2
	exit 2
fi
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
    >"$out/probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined -o "$out/probe" \
    "$out/probe.c" >"$out/probe.log" 2>&1; then
	echo "fuzz: $cc cannot build libFuzzer targets" \
	    "(-fsanitize=fuzzer,address,undefined); see $out/probe.log" >&2
	exit 2
fi
rm -f "$out/probe" "$out/probe.c" "$out/probe.log"

CFLAGS_FUZZ="-std=c11 -D_GNU_SOURCE -DOMPH_VERSION=\"fuzz\" -Ilib -g -O1 \
-fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
-fno-sanitize-recover=all"

start=$(date +%s)
echo "fuzz: $($cc --version | sed -n 1p); $secs s per target"

# lib/*.c once, shared by every target (no lib module needs ncurses)
mkdir -p "$out/lib" || exit 1
objs=
for src in lib/*.c; do
	o=$out/lib/$(basename "$src" .c).o
	objs="$objs $o"
	# shellcheck disable=SC2086
	if ! $cc $CFLAGS_FUZZ -c -o "$o" "$src" 2>"$o.log"; then
		cat "$o.log" >&2
		echo "fuzz: build failed: $src" >&2
		exit 1
	fi
done
# and the dashboard's files, as the Makefile compiles them (lib/web.h)
if ! sh lib/web/embed.sh lib/web/index.html lib/web/app.js lib/web/app.css \
    >"$out/lib/web.c" || ! $cc $CFLAGS_FUZZ -c -o "$out/lib/web.o" \
    "$out/lib/web.c" 2>"$out/lib/web.o.log"; then
	cat "$out/lib/web.o.log" >&2 2>/dev/null
	echo "fuzz: build failed: lib/web" >&2
	exit 1
fi
objs="$objs $out/lib/web.o"

targets=
for src in tests/fuzz/fuzz-*.c; do
	t=$(basename "$src" .c)
	t=${t#fuzz-}
	if [ -n "${FUZZ_TARGETS:-}" ]; then
		case " $FUZZ_TARGETS " in
		*" $t "*) ;;
		*) continue ;;
		esac
	fi
	# shellcheck disable=SC2086
	if ! $cc $CFLAGS_FUZZ -Wall -Wextra -o "$out/fuzz-$t" "$src" $objs -lm \
	    2>"$out/fuzz-$t.build.log"; then
		cat "$out/fuzz-$t.build.log" >&2
		echo "fuzz: build failed: $src" >&2
		exit 1
	fi
	targets="$targets $t"
done
if [ -z "$targets" ]; then
	echo "fuzz: no target to run" >&2
	exit 2
fi
echo "fuzz: built$targets in $(($(date +%s) - start)) s"

# why a run stopped: the sanitizer's summary, or libFuzzer's own verdict
# (a harness's own check first: it aborts, which libFuzzer calls deadly)
verdict() {
	s=$(grep -a -m1 -E '^fuzz-[a-z]+: ' "$1")
	[ -n "$s" ] || s=$(grep -a -m1 '^SUMMARY: ' "$1" | sed 's/^SUMMARY: //')
	[ -n "$s" ] || s=$(grep -a -m1 -E '^==[0-9]+== ERROR: libFuzzer: ' "$1" |
	    sed 's/^==[0-9]*== ERROR: libFuzzer: //')
	[ -n "$s" ] || s="exit status $2 (see $1)"
	# and the innermost frame in lib/
	f=$(grep -a -m1 -E '^ +#[0-9]+ 0x[0-9a-f]+ in [A-Za-z_0-9]+ .*/lib/[a-z0-9_]+\.c' "$1" |
	    sed -E 's/.* in ([A-Za-z_0-9]+) .*\/(lib\/[a-z0-9_]+\.c:[0-9]+).*/\1 \2/')
	[ -n "$f" ] && s="$s [in $f]"
	echo "$s" | cut -c1-300
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0
for t in $targets; do
	bin=$out/fuzz-$t
	seeds=tests/fuzz/$t
	case $t in
	wire) maxlen=65535 ;;		# a datagram, a syslog message
	*) maxlen=65536 ;;
	esac
	log=$out/$t.log
	rm -f "$out/$t"-crash-* "$out/$t"-leak-* "$out/$t"-timeout-* \
	    "$out/$t"-oom-* "$out/$t"-slow-unit-*

	# regression: every seed once, each on its own
	nseeds=0
	if [ -d "$seeds" ]; then
		nseeds=$(find "$seeds" -type f | wc -l | tr -d ' ')
	fi
	if [ "$nseeds" -gt 0 ]; then
		# shellcheck disable=SC2046
		"$bin" -timeout=25 -rss_limit_mb=2048 \
		    $(find "$seeds" -type f | sort) >"$out/$t.regress.log" 2>&1
		rc=$?
		if [ $rc -ne 0 ]; then
			f=$(grep -a '^Running: ' "$out/$t.regress.log" | tail -n 1 |
			    sed 's/^Running: //')
			printf '%-7s REGRESSION  %s crashes: %s\n' "$t" "${f:-?}" \
			    "$(verdict "$out/$t.regress.log" $rc)"
			echo "        log: $out/$t.regress.log"
			failed=1
			continue
		fi
	fi

	# fuzz: on a scratch copy of the seeds
	corpus=$out/corpus-$t
	rm -rf "$corpus"
	mkdir -p "$corpus"
	[ "$nseeds" -gt 0 ] && cp "$seeds"/* "$corpus"/
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -max_len=$maxlen -timeout=25 \
	    ${FUZZ_SEED:+-seed=$FUZZ_SEED} -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$out/$t-" "$corpus" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	new=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -n 1)
	last=$(grep -a -E '^#[0-9]+' "$log" | grep -a ' cov: ' | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	if [ $rc -eq 0 ]; then
		res=ok
	else
		res=CRASH
		failed=1
	fi
	printf '%-7s %-6s %10s runs %7s/s  new %5s  cov %5s  ft %6s  corpus %s -> %s\n' \
	    "$t" "$res" "${runs:-?}" "${rate:-?}" "${new:-?}" "${cov:-?}" \
	    "${ft:-?}" "$nseeds" "${corp:-?}"
	if [ $rc -ne 0 ]; then
		a=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
		echo "        $(verdict "$log" $rc)"
		echo "        input: ${a:-none written}  log: $log"
	fi
done

echo "fuzz: $(($(date +%s) - start)) s in all"
if [ $failed -ne 0 ]; then
	echo "fuzz: FAILED: a target crashed (a new input found by fuzzing" \
	    "belongs in tests/fuzz/TARGET/crash-WHAT, so it stays a regression test)" >&2
	exit 1
fi
exit 0
