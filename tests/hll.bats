#!/usr/bin/env bats
# lib/hll: tests/hll-check.c, built against the library the binaries under
# test were built from, measures the distinct counts' errors, windows,
# memory, checkpoints and the time of an add; its numbers are shown.
load helper

@test "lib/hll: distinct counts within the standard error, windows, memory, checkpoints" {
	lib=$TOP/obj/libomph.a
	flags=
	adds=10000000
	if [ "$OMPH_BIN" = "$TOP/obj/san/bin" ]; then
		lib=$TOP/obj/san/libomph.a
		flags="-fsanitize=address,undefined -fno-sanitize-recover=all"
		adds=100000
	fi
	cc -std=c11 -Wall -Wextra -D_GNU_SOURCE -O2 -I"$TOP/lib" $flags \
	    -o "$T/hc" "$TOP/tests/hll-check.c" "$lib" -lm
	run "$T/hc" "$adds"
	printf '# %s\n' "${lines[@]}" >&3
	[ "$status" -eq 0 ]
	[ "${lines[${#lines[@]} - 1]}" = "hll: ok" ]
	! printf '%s\n' "$output" | grep -q FAILED
}
