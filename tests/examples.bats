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

# The man pages whose EXAMPLES are tests (tests/postgres.bats has the list
# too): the literal blocks of their EXAMPLES section, by the line of .Bd
MAN_EXAMPLES="omph-tail.1 omph-parse.1 omph-top.1 omph-collect.1 omph-send.1 omph.7"

# examples PAGE: the lines of .Bd -literal in PAGE's EXAMPLES section
examples() {
	awk '/^\.Sh / { ex = $0 == ".Sh EXAMPLES" }
	    ex && /^\.Bd -literal/ { print NR }' "$TOP/man/$1"
}

@test "man pages: every EXAMPLES block is an example, needs a server or says why it is not run" {
	local page out

	for page in $MAN_EXAMPLES; do
		out=$(sh "$EX" blocks "$TOP/man/$page")
		printf '%s:\n%s\n' "$page" "$out"
		# every .Bd -literal is a block, at its line
		[ "$(printf '%s\n' "$out" | cut -f 1)" = "$(examples "$page")" ]
		! printf '%s\n' "$out" | awk -F'\t' '
		    $2 != "run" && $2 != "needs:postgres" && !($2 == "not-run" && $3 != "")' |
		    grep .
		printf '%s\n' "$out" | grep -q '	run	'
		# no display that examples.sh does not read
		! awk '/^\.Sh / { ex = $0 == ".Sh EXAMPLES" }
		    ex && /^\.(Dl|D1|Bd -unfilled)/' "$TOP/man/$page" | grep .
	done
}

@test "man pages: the examples print what the pages show" {
	local page l failed=""

	for page in $MAN_EXAMPLES; do
		for l in $(sh "$EX" blocks "$TOP/man/$page" |
		    awk -F'\t' '$2 == "run" { print $1 }'); do
			sh "$EX" run "$TOP/man/$page" "$l" || failed="$failed $page:$l"
		done
	done
	echo "blocks that differ:${failed:- none}"
	[ -z "$failed" ]
}

@test "examples.sh: a man page's block: markers in the source, commands over several lines, a TAB shown as a space" {
	cat >"$T/t.1" <<-'EOF'
	.Dd January 1, 2000
	.Dt T 1
	.Os
	.Sh NAME
	.Nm t
	.Nd t
	.Sh DESCRIPTION
	.Bd -literal
	$ not in EXAMPLES
	.Ed
	.Sh EXAMPLES
	.Bd -literal -offset indent
	$ printf 'a\etb\en' | awk '
	    { print $2 }' && echo "it's
	    done"   # a comment's quote
	b
	it's
	    done
	$ echo x &&
	    echo y
	x
	y
	$ printf 'p\etq\en'
	p q
	.Ed
	.Pp
	.\" not run: a picture
	.Bd -literal
	a -> b
	.Ed
	.\" needs: postgres
	.Bd -literal
	$ psql
	.Ed
	.Bd -literal
	plain
	.Ed
	.\" not run: wrong
	.Bd -literal
	$ true
	.Ed
	.Bd -literal
	$ echo 'never closed
	.Ed
	.Sh SEE ALSO
	EOF
	run sh "$EX" blocks "$T/t.1"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '12\trun\t\n28\tnot-run\ta picture\n32\tneeds:postgres\tpostgres\n35\tunmarked\t\n39\tbad\twrong\n42\tbad\t')" ]
	run sh "$EX" run "$T/t.1" 12
	echo "$output"
	[ "$status" -eq 0 ]
	# the TAB is one space, not two
	sed -i 's/^p q$/p  q/' "$T/t.1"
	run sh "$EX" run "$T/t.1" 12
	[ "$status" -eq 1 ]
	[[ "$output" == *"-p  q"*"+p q"* ]]
}

@test "examples.sh: a man page's example that drifts by one character fails" {
	local l

	cp "$TOP/man/omph-parse.1" "$T/omph-parse.1"
	l=$(grep -n '^\$ omph-parse combined elastic-apache.log 2>/dev/null | awk' "$T/omph-parse.1" |
	    cut -d: -f1)
	l=$(sh "$EX" blocks "$T/omph-parse.1" | awk -F'\t' -v l="$l" '$1 < l { b = $1 } END { print b }')
	run sh "$EX" run "$T/omph-parse.1" "$l"
	[ "$status" -eq 0 ]
	sed -i 's/^220$/221/' "$T/omph-parse.1"
	run sh "$EX" run "$T/omph-parse.1" "$l"
	[ "$status" -eq 1 ]
	[[ "$output" == *"-221"*"+220"* ]]
}

@test "examples.sh: EXAMPLES_PORTS gives the port of a server the caller started" {
	# what the command gets, not mapped back: port 1 is never a free one
	printf '%s\n' '' "    \$ echo 127.0.0.1:514 | tr : ' '" '    127.0.0.1 1' >"$T/f.md"
	EXAMPLES_PORTS="99=2 514=1" run sh "$EX" run "$T/f.md" 2
	echo "$output"
	[ "$status" -eq 0 ]
	run sh "$EX" run "$T/f.md" 2
	[ "$status" -eq 1 ]
}
