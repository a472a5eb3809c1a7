#!/usr/bin/env bats
# omph-collect: totals, windows, clocks, snapshots, alerts, percentiles,
# bad input, bounded memory, JSON, signals and usage, against
# man/omph-collect.1.  Expected values come from awk over the raw data.
bats_require_minimum_version 1.5.0
load helper

LOG=$DATA/combined/elastic-apache.log
TAB=$(printf '\t')

teardown() {
	exec 5>&-
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
	rm -rf "$T"
}

# elastic: the real log's records in $T/r; omph-parse rejects its line 8899
# (cut off), which the awk counts leave out too (raw).
elastic() {
	omph-parse combined "$LOG" >"$T/r" 2>"$T/perr"
	grep -q ':8899: ' "$T/perr"
	grep -q '1 of 10000 lines rejected' "$T/perr"
}
raw() {
	sed 8899d "$LOG"
}

# snap NAME: the NAME= value of the last #snapshot line on stdin
snap() {
	awk -F'\t' -v f="$1" '/^#snapshot/ { v = ""
		for (i = 2; i <= NF; i++) if (index($i, f "=") == 1) v = substr($i, length(f) + 2) }
		END { print v }'
}

# val KEY METRIC: METRIC of the row whose key fields, TAB-joined, are KEY
# in the last snapshot on stdin (empty when there is no such row)
val() {
	# through the environment: awk -v would take the backslash of \N
	KEY=$1 M=$2 awk -F'\t' '
		BEGIN { key = ENVIRON["KEY"]; m = ENVIRON["M"] }
		/^#snapshot/ { v = ""; rows = 0; next }
		/^#event/ { rows = 0; next }
		/^#/ { split("", c); nk = 0
			for (i = 1; i <= NF; i++) { h = $i; sub(/^#/, "", h); c[h] = i
				if (h == "hits" && nk == 0) nk = i - 1 }
			rows = 1; next }
		rows { k = $1; for (i = 2; i <= nk; i++) k = k "\t" $i
			if (k == key) v = $(c[m]) }
		END { print v }'
}

# rows: the table rows (site first) of the last snapshot on stdin
rows() {
	awk '/^#snapshot/ { n = 0; h = 0; next } /^#event/ { h = 0; next }
		/^#/ { h = 1; next } h { r[++n] = $0 }
		END { for (i = 1; i <= n; i++) print r[i] }'
}

# events: the event lines (raise, resolve, active) of all snapshots on stdin
events() {
	grep -E '^(raise|resolve|active)	' || true
}

# live ARGS...: omph-collect ARGS reading the fifo $T/in, which fd 5 holds
# open for writing, into $T/out and $T/err; done_live closes it and
# sets rc to its exit status.
live() {
	mkfifo "$T/in"
	omph-collect "$@" <"$T/in" >"$T/out" 2>"$T/err" 3>&- &
	pid=$!
	exec 5>"$T/in"
}
done_live() {
	exec 5>&-
	rc=0
	wait "$pid" || rc=$?
	pid=
}

# the count of complete snapshots in $T/out is at least N
snapshots_ge() {
	[ "$(grep -c '^#end$' "$T/out")" -ge "$1" ]
}

# the last complete snapshot in $T/out has keys=0
last_empty() {
	awk '/^#snapshot/ { s = $0 } /^#end$/ { done = s } END { exit done !~ /keys=0$/ }' "$T/out"
}

# every #snapshot is closed by #end before the next, the file ends with one
well_formed() {
	awk '/^#snapshot/ { if (open) exit 1; open = 1; n++ }
		/^#end$/ { if (!open) exit 1; open = 0 }
		END { exit open || n == 0 }' "$1"
}

@test "totals: hits per status equal the raw log's, 9999 records" {
	elastic
	run --separate-stderr omph-collect -k status -n 100 <"$T/r"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	printf '%s\n' "$output" >"$T/out"
	raw | awk '{ print $9 }' | sort | uniq -c | awk '{ print $2 "\t" $1 }' | sort >"$T/want"
	rows <"$T/out" | awk -F'\t' '$1 != "*" { print $1 "\t" $2 }' | sort >"$T/got"
	diff "$T/want" "$T/got"
	[ "$(snap records <"$T/out")" = 9999 ]
	[ "$(snap keys <"$T/out")" = "$(wc -l <"$T/want")" ]
	[ "$(snap window <"$T/out")" = 0 ]
	[ "$(snap final <"$T/out")" = 1 ]
	[ "$(snap late <"$T/out")" = 0 ]
	[ "$(snap bad <"$T/out")" = 0 ]
	[ "$(snap evicted <"$T/out")" = 0 ]
	# the site row: every record, and the status classes
	[ "$(val '*' hits <"$T/out")" = 9999 ]
	for c in 2 3 4 5; do
		want=$(raw | awk -v c=$c 'int($9 / 100) == c' | wc -l)
		[ "$(val '*' ${c}xx <"$T/out")" = "$want" ]
	done
	[ "$(val '*' err <"$T/out")" = 0 ]
	[ "$(tail -n 1 "$T/out")" = '#end' ]
}

@test "totals: site row bytes, rate over the records' time span, the top path" {
	elastic
	run --separate-stderr omph-collect -k path -n 1 <"$T/r"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(val '*' hits <"$T/out")" = 9999 ]
	want=$(raw | awk '{ s += ($10 == "-" ? 0 : $10) } END { printf "%.0f\n", s }')
	[ "$(val '*' bytes <"$T/out")" = "$want" ]
	# all of May 2015: seconds since May 0, oldest and newest, both included
	raw | awk '{ split($4, a, /[\[\/:]/); if (a[3] != "May" || a[4] != 2015) bad = 1
		t = a[2] * 86400 + a[5] * 3600 + a[6] * 60 + a[7]
		if (min == "" || t < min) min = t; if (t > max) max = t; n++ }
		END { if (bad) exit 1; printf "%.6g\n", n / (max - min + 1)
			printf "2015-05-%02dT%02d:%02d:%02dZ\n", int(max / 86400),
			    int(max % 86400 / 3600), int(max % 3600 / 60), max % 60 }' >"$T/want"
	[ "$(val '*' rate <"$T/out")" = "$(sed -n 1p "$T/want")" ]
	[ "$(snap time <"$T/out")" = "$(sed -n 2p "$T/want")" ]
	# the top path: the target up to its first ?
	top=$(raw | awk '{ split($7, p, "?"); print p[1] }' | sort | uniq -c | sort -rn | head -n 1)
	rows <"$T/out" >"$T/rows"
	[ "$(wc -l <"$T/rows")" -eq 2 ]
	[ "$(sed -n 2p "$T/rows" | cut -f 1,2)" = "$(echo $top | awk '{ print $2 "\t" $1 }')" ]
	path=$(echo $top | awk '{ print $2 }')
	want=$(raw | awk -v p="$path" '{ split($7, q, "?") } q[1] == p { s += ($10 == "-" ? 0 : $10) }
		END { printf "%.0f\n", s }')
	[ "$(val "$path" bytes <"$T/out")" = "$want" ]
	[ "$(val "$path" err <"$T/out")" = 0 ]
}

@test "-n 3 limits the rows; --sort bytes ranks by bytes" {
	elastic
	raw | awk '{ split($7, p, "?"); print p[1] }' | sort | uniq -c | sort -rn |
	    head -n 3 | awk '{ print $2 "\t" $1 }' >"$T/want"
	run --separate-stderr omph-collect -n 3 <"$T/r"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | rows >"$T/rows"
	[ "$(wc -l <"$T/rows")" -eq 4 ]
	sed 1d "$T/rows" | cut -f 1,2 | diff "$T/want" -
	raw | awk '{ split($7, p, "?"); b[p[1]] += ($10 == "-" ? 0 : $10) }
		END { for (k in b) printf "%s\t%.0f\n", k, b[k] }' |
	    sort -t "$TAB" -k 2,2nr | head -n 3 >"$T/want"
	run --separate-stderr omph-collect --sort bytes -n 3 <"$T/r"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | rows | sed 1d | cut -f 1,4 | diff "$T/want" -
}

@test "--sort: ties go to the shorter key, then byte order; absent metrics last" {
	printf '#path\tstatus\tduration\n/bb\t200\t0.5\n/c\t200\t-\n/a\t200\t0.001\n/B\t200\t0.5\n' >"$T/in"
	run --separate-stderr omph-collect <"$T/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | rows | sed 1d | cut -f 1 | tr '\n' ' ')" = "/B /a /c /bb " ]
	run --separate-stderr omph-collect --sort p50 <"$T/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | rows | sed 1d | cut -f 1 | tr '\n' ' ')" = "/B /bb /a /c " ]
}

@test "composite keys: -k status,method, and -k vhost,path with vhost absent" {
	elastic
	run --separate-stderr omph-collect -k status,method -n 1 <"$T/r"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(sed -n 2p "$T/out" | cut -f 1-3)" = "#status${TAB}method${TAB}hits" ]
	grep -qx "#event${TAB}rule${TAB}value${TAB}time${TAB}status${TAB}method" "$T/out"
	[ "$(rows <"$T/out" | sed -n 1p | cut -f 1-3)" = "*${TAB}*${TAB}9999" ]
	want=$(raw | awk '$6 == "\"GET" && $9 == 200' | wc -l)
	[ "$(rows <"$T/out" | sed -n 2p | cut -f 1-3)" = "200${TAB}GET${TAB}$want" ]
	want=$(raw | awk '{ print $9, $6 }' | sort -u | wc -l)
	[ "$(snap keys <"$T/out")" = "$want" ]

	run --separate-stderr omph-collect -k vhost,path -n 1 <"$T/r"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(sed -n 2p "$T/out" | cut -f 1-3)" = "#vhost${TAB}path${TAB}hits" ]
	want=$(raw | awk '{ split($7, p, "?") } p[1] == "/favicon.ico"' | wc -l)
	[ "$(val "\\N${TAB}/favicon.ico" hits <"$T/out")" = "$want" ]
}

# panel NAME: the lines of panel NAME in the last snapshot on stdin, from
# its #panel line to the next panel's (or the senders', or #end)
panel() {
	awk -F'\t' -v n="name=$1" '/^#snapshot/ { out = ""; on = 0; next }
		/^#panel/ { on = $2 == n } /^#(sender|end)/ { on = 0 }
		on { out = out $0 "\n" } END { printf "%s", out }'
}

@test "panels: -k path -k status -k client,method in one pass, each table its own run's, with its -n, --max-keys and alerts" {
	elastic
	rc=0
	omph-collect -n 5 -k path -k status -n 3 -k client,method --max-keys 50 \
	    --alert '4xx>20' --alert-min-hits 1 <"$T/r" >"$T/all" || rc=$?
	[ "$rc" -eq 3 ]
	[ "$(grep -c '^#panel' "$T/all")" -eq 3 ]
	[ "$(grep -c '^#end$' "$T/all")" -eq 1 ]
	single() {	# NAME ARGS...: panel NAME against a run of its own
		local name=$1 got=0
		shift
		omph-collect --alert '4xx>20' --alert-min-hits 1 "$@" <"$T/r" \
		    >"$T/one" || got=$?
		[ "$got" -eq 0 ] || [ "$got" -eq 3 ]
		panel "$name" <"$T/all" >"$T/mine"
		# the panel line gives its keys and evictions, as the summary
		[ "$(head -1 "$T/mine")" = "#panel${TAB}name=$name${TAB}keys=$(snap keys <"$T/one")${TAB}evicted=$(snap evicted <"$T/one")" ]
		sed 1d "$T/mine" | diff - <(sed '1d;/^#end$/d' "$T/one")
	}
	single path -k path -n 5
	single status -k status -n 3
	single client,method -k client,method --max-keys 50 -n 5
	# the summary's keys and evictions are the first panel's
	[ "$(snap keys <"$T/all")" = "$(omph-collect -k path <"$T/r" | snap keys)" ]
	[ "$(panel client,method <"$T/all" | head -1 | cut -f 4)" != "evicted=0" ]
	# alerts in more than one panel: of paths, of the status 404
	panel path <"$T/all" | events | grep -q "^raise${TAB}4xx>20${TAB}61${TAB}.*${TAB}/files/logstash/logstash-1.3.2-monolithic.jar$"
	panel status <"$T/all" | events | grep -q "^raise${TAB}4xx>20${TAB}213${TAB}.*${TAB}404$"
	# one site alert, in the first panel only
	rc=0
	omph-collect -k path -k status --alert-total 'hits>1' <"$T/r" >"$T/all" || rc=$?
	[ "$rc" -eq 3 ]
	[ "$(events <"$T/all" | grep -c "${TAB}\*$")" -eq 2 ]
	[ "$(panel path <"$T/all" | events | grep -c "${TAB}\*$")" -eq 2 ]

	# JSON: the first panel as ever, then "panels", events with their panel
	omph-collect -o json -n 5 -k path -k status -n 3 --alert '4xx>20' \
	    --alert-min-hits 1 <"$T/r" >"$T/j" || true
	[ "$(jq -c '[.panels[] | .name]' "$T/j")" = '["path","status"]' ]
	[ "$(jq -c '.panels[1].keys' "$T/j")" = '["status"]' ]
	[ "$(jq '.panels[0].top == .top and .panels[0].total == .total' "$T/j")" = true ]
	omph-collect -o json -k status -n 3 <"$T/r" >"$T/j1"
	[ "$(jq -c '.panels[1].top' "$T/j")" = "$(jq -c .top "$T/j1")" ]
	[ "$(jq '.panels[1].count' "$T/j")" = "$(jq .keys "$T/j1")" ]
	jq -e '.events | map(select(.panel == "status" and .status == "404")) | length == 1' "$T/j"
	jq -e '.active | map(select(.panel == "path")) | length > 0' "$T/j"
	# one panel: no #panel line, no "panels", no "panel" in events
	omph-collect -o json --alert '4xx>20' <"$T/r" >"$T/j1" || true
	jq -e '(has("panels") | not) and (.events | all(has("panel") | not))' "$T/j1"
	! omph-collect <"$T/r" | grep -q '^#panel'
}

# within PCT GOT WANT: GOT is within PCT percent of WANT
within() {
	awk -v p="$1" -v g="$2" -v w="$3" 'BEGIN { d = g - w; if (d < 0) d = -d
		printf "# %s for %s: %.2f%%\n", g, w, 100 * d / w >"/dev/stderr"
		exit !(d <= w * p / 100) }'
}

@test "visitors: distinct clients per key and for the site, within three standard errors, over a window too; \\N without clients; kept by a checkpoint" {
	elastic
	omph-collect -k status -n 4 -k path -n 12 <"$T/r" >"$T/out"
	# the site: 1.6 % standard error; a key: 3.3 %
	within 4.8 "$(val '*' visitors <"$T/out")" "$(raw | awk '{ print $1 }' | sort -u | wc -l)"
	for st in 200 404 301 304; do
		want=$(raw | awk -v s="$st" '$9 == s { print $1 }' | sort -u | wc -l)
		within 10 "$(panel status <"$T/out" | val "$st" visitors)" "$want"
	done
	# small counts are near exact
	for p in /robots.txt /blog/tags/puppet; do
		want=$(raw | awk -v p="$p" '{ split($7, q, "?") } q[1] == p { print $1 }' | sort -u | wc -l)
		[ "$want" -lt 200 ]
		within 8 "$(panel path <"$T/out" | val "$p" visitors)" "$want"
	done
	# a client panel: one visitor a client
	omph-collect -k client -n 5 <"$T/r" | rows | sed 1d | cut -f 15 | sort -u | grep -qx 1
	# over a window: only the clients of its last 600 s of log time
	omph-collect --window 600 <"$T/r" >"$T/out"
	end=$(snap time <"$T/out")
	start=$(date -u -d "$(echo "$end" | tr T ' ' | tr -d Z) UTC 599 seconds ago" +%Y-%m-%dT%H:%M:%SZ)
	want=$(awk -F'\t' -v s="$start" -v e="$end" 'NR > 1 && $1 >= s && $1 <= e { print $2 }' "$T/r" | sort -u | wc -l)
	[ "$want" -gt 10 ]
	within 4.8 "$(val '*' visitors <"$T/out")" "$want"
	# no client column: absent
	printf '#path\n/a\n' | omph-collect >"$T/out"
	[ "$(val '*' visitors <"$T/out")" = '\N' ]
	[ "$(val /a visitors <"$T/out")" = '\N' ]
	# --alert and --sort on visitors
	omph-collect -k status --sort visitors -n 1 --alert 'visitors>1000' <"$T/r" >"$T/out" || true
	[ "$(rows <"$T/out" | sed -n 2p | cut -f 1)" = 200 ]
	events <"$T/out" | grep -q "^raise${TAB}visitors>1000${TAB}"
	# a checkpoint keeps the sketches: a run in two lives counts the same
	omph-collect --window 3600 -k status <"$T/r" | val 200 visitors >"$T/one"
	rm -f "$T/S"
	head -n 5000 "$T/r" | omph-collect --window 3600 -k status --state "$T/S" >/dev/null
	{ head -n 1 "$T/r"; tail -n +5001 "$T/r"; } |
	    omph-collect --window 3600 -k status --state "$T/S" | val 200 visitors >"$T/two"
	cmp "$T/one" "$T/two"
}

@test "--window 10: a record exactly 10 s older than the newest is out, 9 s older in" {
	printf '#time\tpath\tstatus\tbytes\n' >"$T/in"
	printf '2026-11-23T10:00:00Z\t/old\t200\t1\n' >>"$T/in"
	printf '2026-11-23T10:00:01Z\t/edge\t200\t2\n' >>"$T/in"
	printf '2026-11-23T10:00:10Z\t/new\t500\t4\n' >>"$T/in"
	run --separate-stderr omph-collect --window 10 <"$T/in"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(snap time <"$T/out")" = 2026-11-23T10:00:10Z ]
	[ "$(snap window <"$T/out")" = 10 ]
	[ "$(snap records <"$T/out")" = 3 ]
	[ "$(snap late <"$T/out")" = 0 ]
	[ "$(snap keys <"$T/out")" = 2 ]
	[ "$(val '*' hits <"$T/out")" = 2 ]
	[ "$(val '*' bytes <"$T/out")" = 6 ]
	[ "$(val '*' 5xx <"$T/out")" = 1 ]
	[ "$(val '*' rate <"$T/out")" = 0.2 ]
	[ "$(val /edge hits <"$T/out")" = 1 ]
	[ "$(val /new hits <"$T/out")" = 1 ]
	[ -z "$(val /old hits <"$T/out")" ]
}

@test "--window: late records are counted in late= and dropped, silently" {
	{
		printf '#time\tpath\tstatus\n'
		printf '2026-11-23T10:00:00Z\t/a\t200\n'
		printf '2026-11-23T10:00:20Z\t/b\t200\n'
		printf '2026-11-23T10:00:10Z\t/late\t200\n'	# exactly 10 s: late
		printf '2026-11-23T10:00:11Z\t/ok\t200\n'	# out of order, inside
		printf '2026-11-23T10:00:05Z\t/late\t200\n'
		printf '2026-11-23T10:00:15Z\t/ok\t200\n'
	} >"$T/in"
	run --separate-stderr omph-collect --window 10 <"$T/in"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(snap late <"$T/out")" = 2 ]
	[ "$(snap records <"$T/out")" = 4 ]
	[ "$(snap bad <"$T/out")" = 0 ]
	[ "$(snap time <"$T/out")" = 2026-11-23T10:00:20Z ]
	[ "$(val '*' hits <"$T/out")" = 3 ]
	[ "$(val /ok hits <"$T/out")" = 2 ]
	[ -z "$(val /late hits <"$T/out")" ]
	[ -z "$(val /a hits <"$T/out")" ]
}

@test "--window: fractions of a second are ignored" {
	{
		printf '#time\tpath\n'
		printf '2026-11-23T10:00:00.999Z\t/a\n'
		printf '2026-11-23T10:00:01.5Z\t/b\n'
		printf '2026-11-23T10:00:10.001Z\t/c\n'
	} >"$T/in"
	run --separate-stderr omph-collect --window 10 <"$T/in"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(snap time <"$T/out")" = 2026-11-23T10:00:10Z ]
	[ "$(val '*' hits <"$T/out")" = 2 ]
	[ -z "$(val /a hits <"$T/out")" ]
}

@test "--window: records without a valid time or time column are bad lines" {
	{
		printf '#time\tpath\n'
		printf '2026-11-23T10:00:00Z\t/a\n'
		printf '\\N\t/b\n'
		printf 'yesterday\t/c\n'
		printf '#path\n'
		printf '/d\n'
	} >"$T/in"
	run --separate-stderr omph-collect --window 10 <"$T/in"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(snap bad <"$T/out")" = 3 ]
	[ "$(val '*' hits <"$T/out")" = 1 ]
	[[ "$stderr" == *"stdin:3: no valid time"* ]]
	[[ "$stderr" == *"stdin:4: no valid time"* ]]
	[[ "$stderr" == *"stdin:6: no time column (use --clock arrival)"* ]]
	[[ "$stderr" == *"3 of 6 lines were not records"* ]]
}

@test "--clock arrival: records count at the second they are read, not their time" {
	{
		printf '#time\tpath\n'
		printf '2030-01-01T00:00:00Z\t/a\n'
		printf '2000-01-01T00:00:00Z\t/b\n'
		printf '#path\n'
		printf '/c\n/c\n'
	} >"$T/in"
	before=$(date +%s)
	run --separate-stderr omph-collect --window 60 --clock arrival <"$T/in"
	after=$(date +%s)
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(snap late <"$T/out")" = 0 ]
	[ "$(snap bad <"$T/out")" = 0 ]
	[ "$(val '*' hits <"$T/out")" = 4 ]
	[ "$(val /c hits <"$T/out")" = 2 ]
	[ "$(val '*' rate <"$T/out")" = "$(awk 'BEGIN { printf "%.6g\n", 4 / 60 }')" ]
	t=$(date -u -d "$(snap time <"$T/out")" +%s)
	[ "$t" -ge "$before" ]
	[ "$t" -le "$after" ]
}

@test "--clock arrival: the window empties when traffic stops" {
	# 2 s: the records' second is in the window for a second at least,
	# whatever its fraction when they come
	live --window 2 --clock arrival --interval 0.1
	printf '#path\tstatus\n/a\t200\n/a\t200\n/b\t500\n' >&5
	wait_until 5 grep -q "^\\*${TAB}3${TAB}" "$T/out"
	# no more records: the window moves at each report and empties
	wait_until 5 last_empty
	done_live
	[ "$rc" -eq 0 ]
	[ "$(val '*' hits <"$T/out")" = 0 ]
	[ "$(snap records <"$T/out")" = 3 ]
	[ "$(snap final <"$T/out")" = 1 ]
}

@test "--interval: snapshots with or without records, each ending #end, the last final=1" {
	live --interval 0.1
	# before any record: snapshots still come, time \N
	wait_until 5 snapshots_ge 2
	grep -q "^#snapshot${TAB}time=\\\\N${TAB}window=0${TAB}final=0${TAB}records=0${TAB}" "$T/out"
	printf '#time\tpath\tstatus\n2026-11-23T10:00:00Z\t/a\t200\n2026-11-23T10:00:01Z\t/b\t404\n' >&5
	wait_until 5 grep -q "records=2${TAB}" "$T/out"
	printf '2026-11-23T10:00:02Z\t/a\t200\n' >&5
	wait_until 5 grep -q "records=3${TAB}" "$T/out"
	done_live
	[ "$rc" -eq 0 ]
	[ ! -s "$T/err" ]
	well_formed "$T/out"
	[ "$(grep -c '^#snapshot' "$T/out")" -ge 4 ]
	# only the last is final; totals mode: counts so far, never fewer
	[ "$(grep '^#snapshot' "$T/out" | grep -c "${TAB}final=1${TAB}")" -eq 1 ]
	grep '^#snapshot' "$T/out" | tail -n 1 | grep -q "${TAB}final=1${TAB}"
	grep '^#snapshot' "$T/out" | sed 's/.*records=\([0-9]*\).*/\1/' |
	    awk '$1 < last { exit 1 } { last = $1 }'
	[ "$(val '*' hits <"$T/out")" = 3 ]
	[ "$(val /a hits <"$T/out")" = 2 ]
	[ "$(snap time <"$T/out")" = 2026-11-23T10:00:02Z ]
}

@test "SIGTERM and SIGINT during --interval: a final snapshot, exit 0" {
	for sig in TERM INT; do
		rm -f "$T/in"
		live --interval 0.1 --window 60
		printf '#time\tpath\n2026-11-23T10:00:00Z\t/a\n2026-11-23T10:00:01Z\t/a\n' >&5
		wait_until 5 grep -q "records=2${TAB}" "$T/out"
		kill -s $sig "$pid"
		# fd 5 stays open: only the signal ends the input
		rc=0
		wait "$pid" || rc=$?
		pid=
		exec 5>&-
		[ "$rc" -eq 0 ]
		well_formed "$T/out"
		grep '^#snapshot' "$T/out" | tail -n 1 | grep -q "${TAB}final=1${TAB}records=2${TAB}"
		[ "$(val /a hits <"$T/out")" = 2 ]
	done
}

@test "alerts: --alert holds per key with enough hits; exit 3 in batch, else 0" {
	{
		printf '#time\tpath\tstatus\n'
		for i in 1 2 3; do
			printf '2026-11-23T10:00:00Z\t/a\t200\n'
			printf '2026-11-23T10:00:00Z\t/b\t503\n'
		done
	} >"$T/in"
	run --separate-stderr omph-collect --alert '5xx_ratio>0.5' --alert-min-hits 3 <"$T/in"
	[ "$status" -eq 3 ]
	printf '%s\n' "$output" | events >"$T/ev"
	printf 'raise\t5xx_ratio>0.5\t1\t2026-11-23T10:00:00Z\t/b\nactive\t5xx_ratio>0.5\t1\t2026-11-23T10:00:00Z\t/b\n' |
	    diff - "$T/ev"
	printf '%s\n' "$output" | grep -qx "#event${TAB}rule${TAB}value${TAB}time${TAB}path"
	# one hit short of --alert-min-hits, or the default 20: no alert
	run --separate-stderr omph-collect --alert '5xx_ratio>0.5' --alert-min-hits 4 <"$T/in"
	[ "$status" -eq 0 ]
	[ -z "$(printf '%s\n' "$output" | events)" ]
	run --separate-stderr omph-collect --alert '5xx_ratio>0.5' <"$T/in"
	[ "$status" -eq 0 ]
	[ -z "$(printf '%s\n' "$output" | events)" ]
	# strictly greater: 0.5 is not > 0.5
	run --separate-stderr omph-collect --alert '5xx_ratio>1' --alert-min-hits 0 <"$T/in"
	[ "$status" -eq 0 ]
	[ -z "$(printf '%s\n' "$output" | events)" ]
}

@test "alerts: --alert-total on the real log, with per-key alerts outside the top" {
	elastic
	ratio=$(raw | awk 'int($9 / 100) == 4 { n++ } END { printf "%.6g\n", n / NR }')
	n404=$(raw | awk '$9 == 404' | wc -l)
	[ "$n404" -ge 20 ]
	run --separate-stderr omph-collect -k status -n 1 \
	    --alert-total '4xx_ratio>0.02' --alert '4xx_ratio>0.5' <"$T/r"
	[ "$status" -eq 3 ]
	printf '%s\n' "$output" >"$T/out"
	# 403 and 416 hold too, but have fewer than 20 hits; 404 is not in the top
	[ "$(rows <"$T/out" | sed -n 2p | cut -f 1)" = 200 ]
	events <"$T/out" | grep '^raise' | sort >"$T/ev"
	printf 'raise\t4xx_ratio>0.02\t%s\t2015-05-20T21:05:59Z\t*\nraise\t4xx_ratio>0.5\t1\t2015-05-20T21:05:59Z\t404\n' "$ratio" |
	    diff - "$T/ev"
	# active: the site's first
	events <"$T/out" | grep '^active' | cut -f 2,5 >"$T/act"
	printf '4xx_ratio>0.02\t*\n4xx_ratio>0.5\t404\n' | diff - "$T/act"
	# strictly greater and less than; no alert: exit 0
	n5=$(raw | awk 'int($9 / 100) == 5' | wc -l)
	run --separate-stderr omph-collect -k status --alert-total "5xx>$n5" <"$T/r"
	[ "$status" -eq 0 ]
	run --separate-stderr omph-collect -k status --alert-total "5xx>$((n5 - 1))" <"$T/r"
	[ "$status" -eq 3 ]
	run --separate-stderr omph-collect -k status --alert-total 'hits<10000' <"$T/r"
	[ "$status" -eq 3 ]
	run --separate-stderr omph-collect -k status --alert-total 'hits<9999' <"$T/r"
	[ "$status" -eq 0 ]
	# a percentile without durations never holds
	run --separate-stderr omph-collect -k status --alert-total 'p99<1' <"$T/r"
	[ "$status" -eq 0 ]
	[ -z "$(printf '%s\n' "$output" | events)" ]
}

@test "alerts: raised, then resolved when the rule stops holding, in a live window" {
	live --window 60 --interval 0.1 --alert '5xx_ratio>0.5' --alert-total '5xx_ratio>0.2'
	# each batch in one write, under PIPE_BUF: read at once
	{
		printf '#time\tpath\tstatus\n'
		for i in $(seq 30); do
			printf '2026-11-23T10:00:00Z\t/a\t200\n2026-11-23T10:00:00Z\t/b\t503\n'
		done
	} >"$T/b1"
	for i in $(seq 100); do
		printf '2026-11-23T10:00:30Z\t/b\t200\n'
	done >"$T/b2"
	[ "$(wc -c <"$T/b2")" -lt 4096 ]
	cat "$T/b1" >&5
	wait_until 5 grep -q "^raise${TAB}5xx_ratio>0.2" "$T/out"
	cat "$T/b2" >&5
	wait_until 5 grep -q "^resolve${TAB}5xx_ratio>0.2" "$T/out"
	done_live
	# in --interval mode an alert does not set the exit status
	[ "$rc" -eq 0 ]
	events <"$T/out" | grep -v '^active' >"$T/ev"
	{
		printf 'raise\t5xx_ratio>0.5\t1\t2026-11-23T10:00:00Z\t/b\n'
		printf 'raise\t5xx_ratio>0.2\t0.5\t2026-11-23T10:00:00Z\t*\n'
		awk 'BEGIN { printf "resolve\t5xx_ratio>0.5\t%.6g\t2026-11-23T10:00:30Z\t/b\n", 30 / 130
			printf "resolve\t5xx_ratio>0.2\t%.6g\t2026-11-23T10:00:30Z\t*\n", 30 / 160 }'
	} | diff - "$T/ev"
	# active while they held, site first; none in the last snapshot
	grep -A 2 "^raise${TAB}5xx_ratio>0.2" "$T/out" | sed 1d |
	    cut -f 1,2,5 | tr '\t\n' '  ' | grep -q '^active 5xx_ratio>0.2 \* active 5xx_ratio>0.5 /b $'
	tac "$T/out" | sed '/^#snapshot/q' | { ! grep -q '^active'; }
}

@test "alerts: a key whose seconds leave the window resolves, value \\N, at the window's end that pushed it out" {
	live --window 10 --interval 0.1 --alert '5xx_ratio>0.5' --alert-min-hits 2
	printf '#time\tpath\tstatus\n2026-11-23T10:00:00Z\t/b\t503\n2026-11-23T10:00:00Z\t/b\t503\n2026-11-23T10:00:01Z\t/a\t200\n' >&5
	wait_until 5 grep -q '^raise' "$T/out"
	printf '2026-11-23T10:00:30Z\t/a\t200\n' >&5
	wait_until 5 grep -q '^resolve' "$T/out"
	done_live
	[ "$rc" -eq 0 ]
	events <"$T/out" | grep -v '^active' >"$T/ev"
	printf 'raise\t5xx_ratio>0.5\t1\t2026-11-23T10:00:01Z\t/b\nresolve\t5xx_ratio>0.5\t\\N\t2026-11-23T10:00:30Z\t/b\n' |
	    diff - "$T/ev"
	[ "$(snap keys <"$T/out")" = 1 ]
}

@test "alerts: --interval exits 0 with an alert active at the end" {
	printf '#path\tstatus\n/a\t500\n' >"$T/in"
	run --separate-stderr omph-collect --interval 60 --alert-total '5xx>0' <"$T/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | events | cut -f 1,2,3,5 | tr '\t\n' '  ')" = 'raise 5xx>0 1 * active 5xx>0 1 * ' ]
}

@test "alerts: rules that do not parse are usage errors" {
	for rule in 'hits' 'foo>1' '5xx_ratio>abc' 'hits>' '5xx_ratio=1' '>1' 'hits>1x'; do
		for opt in --alert --alert-total; do
			run --separate-stderr omph-collect $opt "$rule" </dev/null
			[ "$status" -eq 2 ]
			[ -z "$output" ]
			[[ "$stderr" == "omph-collect: $opt: "* ]]
			[[ "$stderr" == *"usage: omph-collect "* ]]
		done
	done
}

@test "percentiles of 100 known durations are within 1/64 of the true ones" {
	{
		printf '#path\tduration\n'
		# 0.001 to 0.100, in a scrambled order
		awk 'BEGIN { for (i = 0; i < 100; i++) printf "/d\t%.3f\n", ((i * 37) % 100 + 1) / 1000 }'
	} >"$T/in"
	[ "$(sed 1d "$T/in" | cut -f 2 | sort -u | wc -l)" -eq 100 ]
	run --separate-stderr omph-collect <"$T/in"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	for k in '*' /d; do
		for p in p50:0.050 p90:0.090 p99:0.099; do
			v=$(val "$k" "${p%:*}" <"$T/out")
			awk -v v="$v" -v e="${p#*:}" 'BEGIN { d = v - e; if (d < 0) d = -d
				exit !(v != "" && d <= e / 64) }'
		done
	done
}

@test "status, bytes and duration: what is counted, what is absent" {
	{
		printf '#path\tstatus\tbytes\tduration\n'
		printf '/a\t199\t-\t-\n'
		printf '/a\t600\tabc\tabc\n'
		printf '/a\t\\N\t\\N\t\\N\n'
		printf '/a\t599\t5\t0.000005\n'
		printf '/a\t200\t7\t0.000005\n'
		printf '/n\t301\t1\t\\N\n'
	} >"$T/in"
	run --separate-stderr omph-collect <"$T/in"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	printf '%s\n' "$output" >"$T/out"
	# hits, then bytes to err (the rate has its own test)
	[ "$(rows <"$T/out" | grep '^/a' | cut -f 2,4- | tr '\t' ' ')" = '5 12 1 0 0 1 0 0.2 5e-06 5e-06 5e-06 0 \N' ]
	# no duration at all: percentiles absent
	[ "$(val /n p50 <"$T/out")" = '\N' ]
	[ "$(val /n p99 <"$T/out")" = '\N' ]
	[ "$(val /n 3xx <"$T/out")" = 1 ]
}

@test "a header mid-stream changes the columns; cat of two record streams" {
	{
		printf '#path\tstatus\tbytes\n/a\t200\t10\n/b\t404\t20\n'
		printf '#bytes\tstatus\tpath\n30\t500\t/a\n40\t200\t/c\n'
		printf '#status\tbytes\n204\t50\n'
	} >"$T/in"
	run --separate-stderr omph-collect <"$T/in"
	[ "$status" -eq 0 ]
	# the third header has no path: told once
	[ "$stderr" = "omph-collect: -k path: no such column in the input's header; its records are counted under \\N" ]
	printf '%s\n' "$output" >"$T/out"
	# key, hits, bytes, 2xx, 3xx, 4xx, 5xx, 4xx_ratio
	rows <"$T/out" | cut -f 1,2,4-9 | tr '\t' ' ' | sort >"$T/got"
	printf '%s\n' '* 5 150 3 0 1 1 0.2' '/a 2 40 1 0 0 1 0' '/b 1 20 0 0 1 0 1' \
	    '/c 1 40 1 0 0 0 0' '\N 1 50 1 0 0 0 0' | sort | diff - "$T/got"
	# two omph-parse runs with their columns in other orders, concatenated
	head -n 5000 "$LOG" | omph-parse --fields status,path combined >"$T/r1"
	tail -n +5001 "$LOG" | omph-parse --fields path,bytes,status combined >"$T/r2" 2>/dev/null
	run --separate-stderr sh -c 'cat "$1" "$2" | omph-collect -k status -n 100' sh "$T/r1" "$T/r2"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	raw | awk '{ print $9 }' | sort | uniq -c | awk '{ print $2 "\t" $1 }' | sort >"$T/want"
	printf '%s\n' "$output" | rows | awk -F'\t' '$1 != "*" { print $1 "\t" $2 }' | sort | diff "$T/want" -
	[ "$(printf '%s\n' "$output" | snap bad)" = 0 ]
}

@test "bad lines: counted in bad=, told with their line number, not fatal" {
	{
		printf '/nohdr\t200\n'
		printf '#path\tstatus\n'
		printf '/a\t200\n'
		printf '/a\t200\textra\n'
		printf '\001\002\377\376\000junk\n'
		printf '\n'
		printf '/b\t404\n'
	} >"$T/in"
	run --separate-stderr omph-collect <"$T/in"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(snap bad <"$T/out")" = 3 ]
	[ "$(snap records <"$T/out")" = 2 ]
	[ "$(val '*' hits <"$T/out")" = 2 ]
	[ "$(val /b 4xx <"$T/out")" = 1 ]
	[ "$stderr" = "$(printf '%s\n' \
	    'omph-collect: stdin:1: a record before any header line' \
	    "omph-collect: stdin:4: field count differs from the header's" \
	    "omph-collect: stdin:5: field count differs from the header's" \
	    'omph-collect: 3 of 7 lines were not records')" ]
}

@test "bad lines: ten are told, the tenth followed by a notice; a line over 1 MiB is one" {
	{
		printf '#path\tstatus\n'
		for i in 1 2 3 4 5 6 7 8 9; do
			printf 'x\n'
		done
		head -c 1100000 /dev/zero | tr '\0' a
		printf '\n/a\t200\nx\nx\n'
	} >"$T/in"
	run --separate-stderr omph-collect <"$T/in"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(snap bad <"$T/out")" = 12 ]
	[ "$(val /a hits <"$T/out")" = 1 ]
	[ "${#stderr_lines[@]}" -eq 12 ]
	[ "$(printf '%s\n' "$stderr" | grep -c ': stdin:')" -eq 10 ]
	[ "${stderr_lines[9]}" = 'omph-collect: stdin:11: line longer than 1 MiB' ]
	[ "${stderr_lines[10]}" = 'omph-collect: further bad lines are only counted' ]
	[ "${stderr_lines[11]}" = 'omph-collect: 12 of 14 lines were not records' ]
}

@test "bounded memory: a million distinct paths in --max-keys 10000" {
	[ -x /usr/bin/time ] || skip "no /usr/bin/time to measure the peak RSS"
	awk 'BEGIN { print "#path\tstatus"
		for (i = 0; i < 1000000; i++) { print "/p" i "\t200"; if (i % 10 == 0) print "/hot\t200" } }' >"$T/in"
	hot=$(grep -c "^/hot${TAB}" "$T/in")
	run --separate-stderr /usr/bin/time -f 'rss %M' -o "$T/rss" omph-collect --max-keys 10000 -n 3 <"$T/in"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	rss=$(awk '$1 == "rss" { print $2 }' "$T/rss")
	echo "peak RSS ${rss} KiB"
	[ "$rss" -lt $((64 * 1024)) ]
	[ "$(snap records <"$T/out")" = 1100000 ]
	[ "$(snap keys <"$T/out")" = 10000 ]
	[ "$(snap evicted <"$T/out")" -gt 0 ]
	[ "$(val '*' hits <"$T/out")" = 1100000 ]
	[ "$(rows <"$T/out" | sed -n 2p | cut -f 1)" = /hot ]
	h=$(val /hot hits <"$T/out")
	e=$(val /hot err <"$T/out")
	awk -v h="$h" -v e="$e" -v t="$hot" 'BEGIN { d = h - t; if (d < 0) d = -d
		exit !(d <= t / 100 && h - e <= t) }'
}

@test "-o json: one valid object per snapshot, with the totals" {
	elastic
	want_bytes=$(raw | awk '{ s += ($10 == "-" ? 0 : $10) } END { printf "%.0f\n", s }')
	want_top=$(raw | awk '{ split($7, p, "?"); print p[1] }' | sort | uniq -c | sort -rn | head -n 1)
	run --separate-stderr omph-collect -o json -n 3 --alert-total '4xx_ratio>0.02' <"$T/r"
	[ "$status" -eq 3 ]
	printf '%s\n' "$output" >"$T/out"
	python3 - "$T/out" "$want_bytes" $want_top <<-'EOF'
		import json, sys
		lines = open(sys.argv[1]).read().splitlines()
		assert len(lines) == 1, lines
		s = json.loads(lines[0])
		assert s["final"] is True and s["window"] == 0, s
		assert s["records"] == 9999 and s["late"] == 0 and s["bad"] == 0, s
		assert s["evicted"] == 0 and s["keys"] > 3, s
		assert s["time"] == "2015-05-20T21:05:59Z", s["time"]
		t = s["total"]
		assert t["path"] is None and t["hits"] == 9999, t
		assert t["bytes"] == int(sys.argv[2]) and t["err"] == 0, t
		assert list(t)[1:] == ["hits", "rate", "bytes", "2xx", "3xx", "4xx",
		    "5xx", "4xx_ratio", "5xx_ratio", "p50", "p90", "p99", "err",
		    "visitors"], list(t)
		assert t["p50"] is None, t
		assert len(s["top"]) == 3, s["top"]
		assert s["top"][0]["path"] == sys.argv[4], s["top"][0]
		assert s["top"][0]["hits"] == int(sys.argv[3]), s["top"][0]
		e = s["events"]
		assert len(e) == 1 and e[0]["event"] == "raise", e
		assert e[0]["rule"] == "4xx_ratio>0.02" and e[0]["path"] is None, e
		assert e[0]["time"] == "2015-05-20T21:05:59Z", e
		assert [a["event"] for a in s["active"]] == ["active"], s["active"]
	EOF
	# escaped and absent key fields come out as JSON strings and null
	printf '#path\tstatus\n/a\\tb\t200\n\\N\t200\n\\N\t200\n' |
	    omph-collect -o json -n 5 >"$T/out"
	python3 -c '
import json, sys
s = json.loads(open(sys.argv[1]).read())
assert [r["path"] for r in s["top"]] == [None, "/a\tb"], s["top"]' "$T/out"
	# before any record, and every snapshot of a live run
	omph-collect -o json </dev/null >"$T/out"
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    s = json.loads(l)
    assert s["records"] == 0 and s["total"]["hits"] == 0, s' "$T/out"
}

@test "-o json --interval: every line is a JSON snapshot" {
	live -o json --interval 0.1 --window 60 --alert '5xx>0' --alert-min-hits 1
	wait_until 5 grep -q '"final":false' "$T/out"
	printf '#time\tpath\tstatus\n2026-11-23T10:00:00Z\t/a\t500\n' >&5
	wait_until 5 grep -q '"records":1,' "$T/out"
	done_live
	[ "$rc" -eq 0 ]
	python3 -c '
import json, sys
snaps = [json.loads(l) for l in open(sys.argv[1])]
assert len(snaps) >= 3, snaps
assert [s["final"] for s in snaps] == [False] * (len(snaps) - 1) + [True]
assert sum(len(s["events"]) for s in snaps) == 1, snaps
last = snaps[-1]
assert last["total"]["hits"] == 1 and last["top"][0]["path"] == "/a", last
assert last["active"][0]["path"] == "/a" and last["active"][0]["rule"] == "5xx>0", last' "$T/out"
}

@test "totals mode: when no record has a time, rates are over the seconds since start, the time is \\N" {
	# the input lasts over a second: the span is 2 or 3 whole seconds
	run --separate-stderr sh -c '{ printf "#path\n/a\n/a\n"; sleep 1.2; } | omph-collect'
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | val '*' rate | awk '{ exit !($1 >= 2 / 3 - 0.001 && $1 <= 1) }'
	printf '%s\n' "$output" | grep -q "^#snapshot${TAB}time=\\\\N${TAB}"
}

@test "count suffixes and --opt=value: --max-keys=1k keeps 1024 keys" {
	awk 'BEGIN { print "#path"; for (i = 0; i < 2000; i++) print "/k" i }' >"$T/in"
	run --separate-stderr omph-collect --max-keys=1k -n 1 <"$T/in"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(snap keys <"$T/out")" = 1024 ]
	[ "$(snap evicted <"$T/out")" = 976 ]
	[ "$(val '*' hits <"$T/out")" = 2000 ]
}

@test "usage errors exit 2 with a message; --help and --version exit 0" {
	for args in '--window 0' '--window 86401' '-n 0' '-n 1000001' \
	    '--max-keys abc' '--max-keys 0' '--sort x' '--clock x' \
	    '--clock arrival' '-o xml' '--interval 0' '--interval x' \
	    '--alert-min-hits -1' '-k a,b,c,d,e,f,g,h,i' '-k path -k path' \
	    '-k ,a' '-k a,' '-k a,,b' "$(printf -- '-k p%d ' $(seq 17))"; do
		run --separate-stderr omph-collect $args </dev/null
		echo "$args: $status $stderr"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[[ "${stderr_lines[0]}" == "omph-collect: "* ]]
		[[ "$stderr" == *"usage: omph-collect "* ]]
	done
	run --separate-stderr omph-collect /nonexistent </dev/null
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "omph-collect: /nonexistent: extra operand: records are read from stdin or --listen" ]
	[[ "${stderr_lines[1]}" == "usage: omph-collect "* ]]
	run --separate-stderr omph-collect --help
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "$output" == "usage: omph-collect "* ]]
	run --separate-stderr omph-collect --version
	[ "$status" -eq 0 ]
	[[ "$output" == "omph-collect "* ]]
}

@test "stdout: a write error exits 1 with a message; a reader gone is not told" {
	printf '#path\n/a\n' >"$T/in"
	run --separate-stderr sh -c 'omph-collect >/dev/full' <"$T/in"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "omph-collect: stdout: "* ]]
	# the reader exits before the snapshot is written
	run --separate-stderr bash -c '{ sleep 0.3; cat "$1"; } | omph-collect | true
	    exit ${PIPESTATUS[1]}' sh "$T/in"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
}

@test "a -k naming no column of the input is told once; its records go under \\N" {
	printf '#path\tstatus\n/a\t200\n/b\t404\n#path\tstatus\n/c\t200\n' >"$T/in"
	run --separate-stderr omph-collect -k nosuch,status <"$T/in"
	[ "$status" -eq 0 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "omph-collect: -k nosuch: no such column in the input's header;"* ]]
	echo "$output" | grep -q $'^\\\\N\t200\t2\t'
	# a key that exists is never told
	run --separate-stderr omph-collect -k status <"$T/in"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "--max-keys 100000000 on a small input: memory and time follow the keys seen" {
	[ -x /usr/bin/time ] || skip "no /usr/bin/time to measure the peak RSS"
	awk 'BEGIN { print "#path\tstatus"; for (i = 0; i < 1000; i++) print "/p" (i % 300) "\t200" }' >"$T/in"
	# a plain build must not even reserve the whole table (sanitizers
	# reserve address space of their own: no limit there)
	case $OMPH_BIN in
	*/san/*) lim=unlimited ;;
	*) lim=$((1024 * 1024)) ;;	# KiB
	esac
	run --separate-stderr bash -c 'ulimit -v "$1"; shift; exec timeout 10 /usr/bin/time -f "rss %M time %e" -o "$1" omph-collect --max-keys 100000000 -n 2 <"$2"' \
	    sh "$lim" "$T/rss" "$T/in"
	echo "$stderr"
	cat "$T/rss"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(snap keys <"$T/out")" = 300 ]
	[ "$(snap evicted <"$T/out")" = 0 ]
	[ "$(val '*' hits <"$T/out")" = 1000 ]
	rss=$(awk '$1 == "rss" { print $2 }' "$T/rss")
	secs=$(awk '$1 == "rss" { print $4 }' "$T/rss")
	[ "$rss" -lt $((64 * 1024)) ]
	awk -v s="$secs" 'BEGIN { exit !(s < 1) }'
}

@test "keys grow past many table sizes and evict at --max-keys, also in a window" {
	awk 'BEGIN { print "#time\tpath\tstatus"
		for (i = 0; i < 50000; i++) print "2026-01-01T00:00:" sprintf("%02d", i % 60) "Z\t/k" i "\t200"
		for (i = 0; i < 5000; i++) print "2026-01-01T00:00:59Z\t/hot\t200" }' >"$T/in"
	run --separate-stderr omph-collect --max-keys 40000 -n 1 <"$T/in"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(snap keys <"$T/out")" = 40000 ]
	[ "$(snap evicted <"$T/out")" = 10001 ]
	[ "$(val '*' hits <"$T/out")" = 55000 ]
	[ "$(rows <"$T/out" | sed -n 2p | cut -f 1)" = /hot ]
	run --separate-stderr omph-collect --max-keys 100000 --window 30 -n 1 <"$T/in"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(snap evicted <"$T/out")" = 0 ]
	[ "$(rows <"$T/out" | sed -n 2p | cut -f 1)" = /hot ]
}

# --- --state: the checkpoint (lib/ckpt.h) ---

# state_data: the real log's records in $T/r, its header in $T/h and its
# records without it in $T/rec
state_data() {
	elastic
	head -n 1 "$T/r" >"$T/h"
	tail -n +2 "$T/r" >"$T/rec"
}

# life ARGS...: one life of a collector: as live, with the environment of
# the array LIFE_ENV, a new fifo each time
life() {
	rm -f "$T/in"
	mkfifo "$T/in"
	env ${LIFE_ENV[@]+"${LIFE_ENV[@]}"} omph-collect "$@" <"$T/in" \
	    >"$T/out" 2>"$T/err" 3>&- &
	pid=$!
	exec 5>"$T/in"
}

# lines FROM TO: records FROM to TO of $T/rec, under the header
lines() {
	cat "$T/h"
	sed -n "$1,$2p" "$T/rec"
}

# seen FILE N: the last snapshot in FILE has N records, counted or late
seen() {
	local r l

	r=$(snap records <"$1")
	l=$(snap late <"$1")
	[ -n "$r" ] && [ $((r + l)) -eq "$2" ]
}

# counted N ARGS...: the checkpoint of omph-collect ARGS (with --state)
# holds N records, counted or late.  A run on no input changes nothing,
# so it writes nothing back.
counted() {
	local n=$1

	shift
	omph-collect "$@" </dev/null >"$T/probe" 2>/dev/null || return 1
	seen "$T/probe" "$n"
}

@test "--state: a run split in two by SIGTERM resumes; its last snapshot is an uninterrupted run's, row for row" {
	state_data
	for opts in "-k path" "-k path --window 3600 --max-keys 300" \
	    "-k status,method --window 30" \
	    "-k path -k status -n 3 -k client --max-keys 50 --window 30"; do
		rm -f "$T/S"
		# shellcheck disable=SC2086
		omph-collect $opts -n 100000 <"$T/r" >"$T/full"
		# shellcheck disable=SC2086
		life $opts -n 100000 --interval 0.05 --state "$T/S"
		lines 1 5000 >&5
		wait_until 10 seen "$T/out" 5000
		kill -TERM "$pid"
		done_live
		[ "$rc" -eq 0 ]
		# shellcheck disable=SC2086
		lines 5001 9999 | omph-collect $opts -n 100000 --state "$T/S" >"$T/p2"
		[ "$(grep '^#snapshot' "$T/p2")" = "$(grep '^#snapshot' "$T/full")" ]
		diff <(rows <"$T/full") <(rows <"$T/p2")
		[ "$(rows <"$T/full" | wc -l)" -gt 3 ]
	done
}

@test "--state: kill -9 twenty times mid-stream, each life fed once the last one's lines are checkpointed: the last snapshot is an uninterrupted run's" {
	state_data
	opts=(-k path --window 30 --max-keys 20 -n 1000)
	lines 1 2000 | omph-collect "${opts[@]}" >"$T/full"
	# the run evicts keys, drops late records, expires seconds
	[ "$(snap evicted <"$T/full")" -gt 100 ]
	[ "$(snap late <"$T/full")" -gt 100 ]
	for i in $(seq 1 20); do
		life "${opts[@]}" --state "$T/S"
		# in one write: a save at once, with the whole chunk in it
		lines $((i * 100 - 99)) $((i * 100)) >"$T/chunk"
		cat "$T/chunk" >&5
		[ "$i" -eq 20 ] && break
		wait_until 10 counted $((i * 100)) "${opts[@]}" --state "$T/S"
		kill -KILL "$pid"
		wait "$pid" || true
		pid=
		exec 5>&-
		[ ! -s "$T/out" ]
	done
	done_live
	[ "$rc" -eq 0 ]
	diff "$T/full" "$T/out"
}

@test "--state: alerts raised stay raised in the next run, with their time, and are not told again" {
	state_data
	opts=(-k status --alert '4xx_ratio>0.5' --alert-total '4xx_ratio>0.02')
	run omph-collect "${opts[@]}" --state "$T/S" <"$T/r"
	[ "$status" -eq 3 ]
	[ "$(printf '%s\n' "$output" | events | grep -c '^raise')" -eq 2 ]
	printf '%s\n' "$output" | events | grep '^active' >"$T/active"
	[ "$(wc -l <"$T/active")" -eq 2 ]
	run omph-collect "${opts[@]}" --state "$T/S" </dev/null
	[ "$status" -eq 3 ]
	diff "$T/active" <(printf '%s\n' "$output" | events)
	[ "$(printf '%s\n' "$output" | snap records)" = 9999 ]
}

# flip FILE OFFSET: invert the byte at OFFSET
flip() {
	python3 -c 'import sys
p, o = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read()); b[o] ^= 0xff; open(p, "wb").write(b)' "$@"
}

# reseal FILE: the checksum and length of FILE made right again (lib/ckpt.h)
reseal() {
	python3 -c 'import sys, struct
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
b[16:24] = struct.pack("<Q", len(b))
h = 1469598103934665603
for c in bytes(b[:24]) + bytes(b[32:]):
    h = ((h ^ c) * 1099511628211) & 0xffffffffffffffff
b[24:32] = struct.pack("<Q", h); open(p, "wb").write(b)' "$1"
}

# refused REASON ARGS...: omph-collect ARGS --state $T/S refuses $T/S, which
# it leaves as it was, with REASON (a glob), no snapshot, exit 1
refused() {
	local why=$1

	shift
	cp "$T/S" "$T/before"
	run --separate-stderr omph-collect "$@" --state "$T/S" </dev/null
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	# shellcheck disable=SC2053
	[[ "$stderr" == "omph-collect: $T/S: "$why"; not resumed (move it away to start from zero)" ]]
	cmp "$T/S" "$T/before"
	[ ! -e "$T/S.tmp" ]
}

@test "--state: a damaged, truncated, foreign or newer checkpoint, or one made with other options, is refused with a message and exit 1" {
	state_data
	opts=(-k path --window 600 --alert 'hits>10')
	lines 1 3000 | omph-collect "${opts[@]}" --state "$T/S" >/dev/null || true
	cp "$T/S" "$T/good"
	size=$(stat -c %s "$T/good")
	# a byte flipped anywhere
	for off in 0 7 8 12 16 23 24 31 32 40 100 1000 $((size / 2)) $((size - 1)); do
		cp "$T/good" "$T/S"
		flip "$T/S" "$off"
		case $off in
		0 | 7) why='not an omph-collect checkpoint' ;;
		8) why='version 251; this omph-collect reads versions 1 to 4' ;;
		12) why='flags this omph-collect does not know' ;;
		16)	# the length's low byte: longer or shorter than the file
			if [ $(((size & 255) ^ 255)) -gt $((size & 255)) ]; then
				why="truncated: $size bytes of the * written"
			else
				why="$size bytes, * written: bytes after its end"
			fi ;;
		23) why="truncated: $size bytes of the * written" ;;
		*) why='checksum mismatch: the file is damaged' ;;
		esac
		refused "$why" "${opts[@]}"
	done
	# truncated, or longer
	for len in 0 5 20 31 32 100 $((size / 2)) $((size - 1)); do
		head -c "$len" "$T/good" >"$T/S"
		case $len in
		0) why='empty: not an omph-collect checkpoint' ;;
		5) why='not an omph-collect checkpoint' ;;
		20 | 31) why="truncated: $len bytes, not even a header" ;;
		*) why="truncated: $len bytes of the $size written" ;;
		esac
		refused "$why" "${opts[@]}"
	done
	{ cat "$T/good"; printf x; } >"$T/S"
	refused "$((size + 1)) bytes, $size written: bytes after its end" "${opts[@]}"
	# a later version; a section unknown, or damaged, under a right checksum
	cp "$T/good" "$T/S"
	printf '\005' | dd of="$T/S" bs=1 seek=8 conv=notrunc 2>/dev/null
	refused 'version 5; this omph-collect reads versions 1 to 4' "${opts[@]}"
	{ cat "$T/good"; printf '\011\0\0\0\0\0\0\0\0\0\0\0'; } >"$T/S"
	reseal "$T/S"
	refused 'a section of type 9, unknown to this omph-collect' "${opts[@]}"
	# (a section's type, its count of options, the last counts since the
	# start; a byte of a key's text or of a second's delta can change
	# unseen: only the checksum guards them)
	for off in 32 44 $((size - 9)); do
		cp "$T/good" "$T/S"
		flip "$T/S" "$off"
		reseal "$T/S"
		refused '*' "${opts[@]}"
	done
	# other options
	cp "$T/good" "$T/S"
	refused "made with -k path, but run with -k status" -k status --window 600 \
	    --alert 'hits>10'
	refused "made with -k path, but run with -k path -k status" -k path -k status \
	    --window 600 --alert 'hits>10'
	refused "made with --window 600, but run with no --window" -k path \
	    --alert 'hits>10'
	refused "made with --window 600, but run with --window 60" -k path \
	    --window 60 --alert 'hits>10'
	refused "made with --clock record, but run with --clock arrival" \
	    "${opts[@]}" --clock arrival
	refused "made with --max-keys 100000, but run with --max-keys 10" \
	    "${opts[@]}" --max-keys 10
	refused "made with --alert-min-hits 20, but run with --alert-min-hits 5" \
	    "${opts[@]}" --alert-min-hits 5
	refused "made with --alert 'hits>10', but run with --alert 'hits>11'" \
	    -k path --window 600 --alert 'hits>11'
	refused "made with --alert 'hits>10', but run with no --alert" -k path \
	    --window 600
	refused "made with no --alert-total, but run with --alert-total 'hits>1'" \
	    "${opts[@]}" --alert-total 'hits>1'
	# the good one loads, output options may change; none at all is a start
	run omph-collect "${opts[@]}" -n 1 -o json --sort bytes --state "$T/S" </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *'"records":3000,'* ]]
	rm "$T/S"
	run omph-collect "${opts[@]}" --state "$T/S" </dev/null
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | snap records)" = 0 ]
	[ ! -e "$T/S" ]
}

@test "--state on a full disk or failing writes: told once, counting goes on, the old checkpoint kept, saved again after; exit 1 when the last save fails" {
	state_data
	T=$(cd "$T" && pwd -P)	# as /proc/self/fd shows it to the shim
	FAULT=(LD_PRELOAD="$TOP/bin/libfault.so"
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
	for fault in ENOSPC WEIO; do
		rm -f "$T/S" "$T/flag"
		LIFE_ENV=("${FAULT[@]}" "OMPH_FAULT_$fault=$T/flag:$T/S.tmp")
		life -k path --interval 0.05 --state "$T/S"
		lines 1 1000 >&5
		wait_until 10 counted 1000 -k path --state "$T/S"
		cp "$T/S" "$T/kept"
		touch "$T/flag"
		lines 1001 2000 >&5
		wait_until 10 grep -q 'cannot save the checkpoint' "$T/err"
		wait_until 10 seen "$T/out" 2000
		lines 2001 3000 >&5
		wait_until 10 seen "$T/out" 3000
		sleep 1.5	# saves are tried again each second
		[ "$(grep -c 'cannot save' "$T/err")" -eq 1 ]
		[ "$fault" = WEIO ] && msg='Input/output error' ||
		    msg='No space left on device'
		grep -qF "omph-collect: $T/S: cannot save the checkpoint (the file keeps the last one saved; trying again each second): $msg" "$T/err"
		kill -0 "$pid"
		cmp "$T/S" "$T/kept"
		# no temp file left behind (a save tried meanwhile has one
		# for a moment)
		wait_until 2 test ! -e "$T/S.tmp"
		rm "$T/flag"
		wait_until 10 grep -q 'checkpoint saved again' "$T/err"
		wait_until 10 counted 3000 -k path --state "$T/S"
		done_live
		[ "$rc" -eq 0 ]
		[ "$(wc -l <"$T/err")" -eq 2 ]
	done
	# the last save fails: the snapshot is written, exit 1
	rm -f "$T/S"
	touch "$T/flag"
	run --separate-stderr env "${FAULT[@]}" OMPH_FAULT_ENOSPC="$T/flag:$T/S.tmp" \
	    omph-collect -k path --state "$T/S" <"$T/r"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | snap records)" = 9999 ]
	[[ "$stderr" == *"omph-collect: $T/S: the last checkpoint could not be saved (No space left on device): what was counted since the one before is not in it" ]]
	[ ! -e "$T/S" ] && [ ! -e "$T/S.tmp" ]
}

# origins N ID [FROM]: a header with an origin column, then records FROM
# (1) to N of stream ID, 20 bytes each, contiguous (ID:START:END)
origins() {
	awk -v n="$1" -v id="$2" -v from="${3:-1}" 'BEGIN {
		if (from == 1) print "#time\tstatus\tpath\torigin"
		for (i = from; i <= n; i++)
			printf "2026-01-01T00:00:%02dZ\t%d\t/p%d\t%s:%d:%d\n",
			    i % 60, i % 7 == 0 ? 404 : 200, i % 5, id,
			    (i - 1) * 20, i * 20 }'
}

@test "origins on stdin: a repeated record counted once (dup=), skipped bytes told (gaps=, gapbytes=), a bad origin counted as none" {
	origins 100 00000000000000aa >"$T/a"
	omph-collect -k path <"$T/a" >"$T/want"
	# the same records, lines 11-30 again, then 41-50 again, a stream b
	# with two gaps (records 3-4 and 8-10 of 12 missing), a bad origin
	{
		cat "$T/a"
		sed -n 12,31p "$T/a"
		sed -n 42,51p "$T/a"
		origins 12 00000000000000bb | sed '4,5d;9,11d'
		printf '2026-01-01T00:00:00Z\t200\t/x\tnot-an-origin\n'
		printf '2026-01-01T00:00:00Z\t200\t/x\t00000000000000cc:5:5\n'
	} >"$T/in"
	run --separate-stderr omph-collect -k path <"$T/in"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(snap dup <"$T/out")" = 30 ]
	[ "$(snap gaps <"$T/out")" = 2 ]
	[ "$(snap gapbytes <"$T/out")" = $((5 * 20)) ]
	[ "$(snap badorigin <"$T/out")" = 2 ]
	[ "$(snap streams <"$T/out")" = 2 ]
	# a: counted as once; b: its 7 records; the two bad ones counted
	[ "$(snap records <"$T/out")" = $((100 + 7 + 2)) ]
	# row for row those of the input without its repeats
	{
		cat "$T/a"
		origins 12 00000000000000bb | sed '1d;4,5d;9,11d'
		printf '2026-01-01T00:00:00Z\t200\t/x\tnot-an-origin\n'
		printf '2026-01-01T00:00:00Z\t200\t/x\t00000000000000cc:5:5\n'
	} | omph-collect -k path >"$T/once"
	diff <(rows <"$T/once") <(rows <"$T/out")
	[ "$(val '/x' hits <"$T/out")" = 2 ]
	# a repeat across runs with --state: still once
	omph-collect -k path --state "$T/S" <"$T/a" >/dev/null
	omph-collect -k path --state "$T/S" <"$T/a" >"$T/again"
	[ "$(snap records <"$T/again")" = 100 ]
	[ "$(snap dup <"$T/again")" = 100 ]
	diff <(rows <"$T/want") <(rows <"$T/again")
	# records without an origin column: as before, no new fields
	omph-parse combined "$LOG" 2>/dev/null >"$T/r"
	omph-collect -k status <"$T/r" | grep '^#snapshot' >"$T/plain"
	grep -q 'keys=[0-9]*$' "$T/plain"
	! grep -q 'dup=' "$T/plain"
}

@test "origins: 100,000 streams of one sender: 4096 held (the least recently advanced forgotten), memory within the bound" {
	awk 'BEGIN { print "#time\tstatus\tpath\torigin"
		for (i = 1; i <= 100000; i++)
			printf "2026-01-01T00:00:00Z\t200\t/p\t%016x:0:10\n", i
		# the most recent again: a repeat; the first again: forgotten, new
		printf "2026-01-01T00:00:00Z\t200\t/p\t%016x:0:10\n", 100000
		printf "2026-01-01T00:00:00Z\t200\t/p\t%016x:0:10\n", 1 }' >"$T/in"
	awk 'BEGIN { print "#time\tstatus\tpath" }' >"$T/none"
	omph-collect -k path --state "$T/S" <"$T/in" >"$T/out" 2>"$T/err" &
	pid=$!
	wait "$pid"
	pid=
	[ "$(snap streams <"$T/out")" = 4096 ]
	[ "$(snap forgotten <"$T/out")" = $((100000 - 4096 + 1)) ]
	[ "$(snap dup <"$T/out")" = 1 ]
	[ "$(snap records <"$T/out")" = 100001 ]
	# peak memory: the table's 6 MiB and the checkpoint's, well under 40 MiB
	/usr/bin/time -f '%M' -o "$T/kb" omph-collect -k path --state "$T/S2" \
	    <"$T/in" >/dev/null
	echo "max RSS $(cat "$T/kb") KiB"
	[ "$(cat "$T/kb")" -lt $((40 * 1024)) ]
	# the checkpoint holds the 4096, not 100,000
	[ "$(stat -c %s "$T/S")" -lt $((4096 * 20 + 100000)) ]
	omph-collect -k path --state "$T/S" </dev/null >"$T/again"
	[ "$(snap streams <"$T/again")" = 4096 ]
}

@test "every real log: the same counts with the portable scalar code (OMPH_SCALAR=1), fields split only up to the last one read, with wrong field counts told as before" {
	for f in "$DATA"/combined/*.log "$DATA"/w3c/*.log "$DATA"/awkward/*.log; do
		case $f in */w3c/*) fmt=w3c ;; */combined/*) fmt=combined ;; *) fmt=auto ;; esac
		omph-parse --all-fields "$fmt" "$f" >"$T/r" 2>/dev/null || true
		# records of a field too few and too many, one too many at the end
		awk -F'\t' 'NR == 2 { print; sub(/\t[^\t]*$/, ""); print; print $0 "\tx\ty" }
		    { print } END { print "x\t\t" }' "$T/r" >"$T/r2"
		for opt in "-k path" "-k path --window 60" "-k status -k client,method -o json" "-k agent --sort visitors"; do
			omph-collect $opt <"$T/r2" >"$T/simd" 2>"$T/simd.err" || true
			OMPH_SCALAR=1 omph-collect $opt <"$T/r2" >"$T/scalar" 2>"$T/scalar.err" || true
			grep -v '^#snapshot' "$T/simd" >"$T/a"
			grep -v '^#snapshot' "$T/scalar" >"$T/b"
			cmp "$T/a" "$T/b" || { echo "$f $opt: counts differ"; return 1; }
			cmp "$T/simd.err" "$T/scalar.err" || { echo "$f $opt: messages differ"; return 1; }
		done
	done
	# a record of one field more than its header is told, however long
	{ printf '#time\tpath\tstatus\n'; printf '2015-05-17T10:05:03Z\t/a\t200\t%0300d\n' 0
	  printf '2015-05-17T10:05:03Z\t/b\t200\n'; } | omph-collect -k path >"$T/o" 2>"$T/e"
	grep -q 'stdin:2: field count differs' "$T/e"
	grep -q "^/b$TAB" "$T/o"
	! grep -q "^/a$TAB" "$T/o"
}
