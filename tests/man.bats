#!/usr/bin/env bats
# The man pages: lint clean, and every long option of a command documented.
bats_require_minimum_version 1.5.0
load helper

@test "man pages lint clean with groff -ww" {
	run --separate-stderr groff -mandoc -ww -z "$TOP"/man/*.[1-8]
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ -z "$output" ]
}

@test "every command has a man page naming each of its long options" {
	for src in "$TOP"/cmd/omph-*.c; do
		name=$(basename "$src" .c)
		page="$TOP/man/$name.1"
		[ -f "$page" ] || { echo "no $page"; return 1; }
		opts=$(sed -n '/struct option longopts/,/};/p' "$src" |
		    grep -oE '\{ *"[a-z][a-z0-9-]*" *,' | grep -oE '[a-z][a-z0-9-]*')
		[ -n "$opts" ] || { echo "$src: no longopts"; return 1; }
		for opt in $opts; do
			grep -qE -- "(\\\\-\\\\-|--|Fl \\\\-|Fl -)$opt\\b" "$page" ||
			    { echo "$page lacks --$opt"; return 1; }
		done
	done
}

@test "the SYNOPSIS of each page names what usage() prints" {
	for src in "$TOP"/cmd/omph-*.c; do
		name=$(basename "$src" .c)
		run --separate-stderr "$OMPH_BIN/$name" --help
		[ "$status" -eq 2 ]
		[[ "$stderr" == "usage: $name "* ]]
	done
}
