#!/usr/bin/env bats
# The man pages: lint clean, and every long option of a command documented.
bats_require_minimum_version 1.5.0
load helper

@test "man pages lint clean with mandoc -Tlint, style included" {
	# (a page that other pages name is not installed here: not a fault)
	run sh -c 'mandoc -Tlint -Wstyle "$@" 2>&1 |
	    grep -v -e "referenced manual not found" -e "mandoc.db"' sh "$TOP"/man/*.[1-8]
	echo "$output"
	[ -z "$output" ]
}

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

# the commands whose --help is the long one (the others still print usage)
HELPED="omph-tail omph-parse omph-top omph-collect omph-send"

@test "--help: every option, a line each, on stdout, exit 0; -V and --version" {
	for name in $HELPED; do
		src=$TOP/cmd/$name.c
		run --separate-stderr "$OMPH_BIN/$name" --help
		echo "$name: $status $stderr"
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		[[ "$output" == "usage: $name "* ]]
		opts=$(sed -n '/struct option longopts/,/};/p' "$src" |
		    grep -oE '\{ *"[a-z][a-z0-9-]*" *,' | grep -oE '[a-z][a-z0-9-]*')
		for opt in $opts; do
			grep -qE -- "^ +(-[a-zA-Z], )?--$opt\b" <<<"$output" ||
			    { echo "$name --help lacks a line for --$opt"; return 1; }
		done
		run "$OMPH_BIN/$name" -h
		[ "$status" -eq 0 ]
		for v in -V --version; do
			run --separate-stderr "$OMPH_BIN/$name" $v
			[ "$status" -eq 0 ]
			[[ "$output" =~ ^$name\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
		done
		# a full stdout is a failure, said
		run --separate-stderr sh -c '"$1" --help >/dev/full' sh "$OMPH_BIN/$name"
		[ "$status" -eq 1 ]
		[[ "$stderr" == "$name: stdout: "* ]]
	done
}

@test "a wrong option: the command's own name, the short usage on stderr, exit 2" {
	for name in $HELPED; do
		run --separate-stderr "$OMPH_BIN/$name" --bogus </dev/null
		echo "$name: $status $stderr"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "${stderr_lines[0]}" = "$name: unrecognized option '--bogus'" ]
		[[ "${stderr_lines[1]}" == "usage: $name "* ]]
	done
}
