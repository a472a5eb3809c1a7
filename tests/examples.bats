#!/usr/bin/env bats
# The examples of README.md print what README.md shows (tests/examples.sh
# says how a block is read, run and compared).  The PostgreSQL ones run in
# tests/postgres.bats, against its server.
bats_require_minimum_version 1.5.0
load helper

EX=$BATS_TEST_DIRNAME/examples.sh
README=$TOP/README.md

# blocks KIND: the first lines of README.md's blocks of KIND
blocks() {
	sh "$EX" blocks "$README" | awk -F'\t' -v k="$1" '$2 == k { print $1 }'
}

@test "README.md: every code block is an example or says why it is not run" {
	run sh "$EX" blocks "$README"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output"
	# every block: run, needs:postgres, or not-run with a reason
	! printf '%s\n' "$output" | awk -F'\t' '
	    $2 != "run" && $2 != "needs:postgres" && !($2 == "not-run" && $3 != "")' |
	    grep .
	[ "$(blocks run | wc -l)" -ge 6 ]
	[ "$(blocks needs:postgres | wc -l)" -ge 3 ]
	! grep -n '^ *```' "$README"
}

@test "README.md: the examples print what README.md shows" {
	local l failed=""

	for l in $(blocks run); do
		sh "$EX" run "$README" "$l" || failed="$failed $l"
	done
	echo "blocks that differ, by line:${failed:- none}"
	[ -z "$failed" ]
}

@test "examples.sh: a block is read as a session, its output exactly" {
	# a made-up file: commands, continuations, spacing, markers
	printf '%s\n' 'text' '' \
	    '    $ printf "a\tb\n\n" |' '      cat' '    a	b' '' \
	    '    $ echo x \' '        y' '    x y' '' 'more' '' \
	    '<!-- not run: a picture -->' '' '    a -> b' '' \
	    '<!-- needs: postgres -->' '' '    $ psql' '' 'para' '' \
	    '    plain' '' '<!-- not run: wrong -->' '' '    $ true' >"$T/f.md"
	run sh "$EX" blocks "$T/f.md"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '3\trun\t\n15\tnot-run\ta picture\n19\tneeds:postgres\tpostgres\n23\tunmarked\t\n27\tbad\twrong')" ]
	run sh "$EX" run "$T/f.md" 3
	[ "$status" -eq 0 ]
	# one character off in the expected output: a diff, exit 1
	sed -i 's/^    x y$/    x  y/' "$T/f.md"
	run sh "$EX" run "$T/f.md" 3
	[ "$status" -eq 1 ]
	[[ "$output" == *"-x  y"*"+x y"* ]]
}

@test "examples.sh: ports and a sender's last time are normalised, nothing else" {
	printf '%s\n' '' \
	    '    $ printf "#sender\taddr\tlast\tn\nw\t127.0.0.1:%s\t%s\t9\n#end\t%s\n" 41606 "$(date -u +%FT%TZ)" 127.0.0.1:5140' \
	    '    #sender	addr	last	n' \
	    '    w	127.0.0.1:1	2000-01-01T00:00:00Z	9' \
	    '    #end	127.0.0.1:5140' >"$T/f.md"
	run sh "$EX" run "$T/f.md" 2
	[ "$status" -eq 0 ]
	# the count column is compared
	sed -i 's/	9$/	8/' "$T/f.md"
	run sh "$EX" run "$T/f.md" 2
	[ "$status" -eq 1 ]
}
