#!/bin/sh
# make valgrind: one bench-size pipeline under valgrind, every stage:
# omph-tail --once | omph-parse combined | omph-collect --window 60.
# Fails when valgrind reports an invalid access or a leak in any stage.
cd "$(dirname "$0")/.." || exit 1
command -v valgrind >/dev/null 2>&1 || { echo "valgrind: not installed" >&2; exit 1; }
LINES=${VALGRIND_LINES:-1000000}
d=$(mktemp -d "${TMPDIR:-/tmp}/omph-vg.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
bin/omph-loggen -n "$LINES" -s 42 >"$d/access.log" || exit 1
vg="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect"
start=$(date +%s)
$vg --log-file="$d/tail.vg" bin/omph-tail --state "$d/state" --once "$d/access.log" |
    $vg --log-file="$d/parse.vg" bin/omph-parse combined 2>"$d/parse.err" |
    $vg --log-file="$d/collect.vg" bin/omph-collect --window 60 -k path -n 5 \
    --alert '5xx_ratio>0.1' >"$d/report" 2>"$d/collect.err"
rc=$?
end=$(date +%s)
fail=0
for s in tail parse collect; do
	if [ -s "$d/$s.vg" ]; then
		echo "valgrind: omph-$s:" >&2
		cat "$d/$s.vg" >&2
		fail=1
	fi
done
records=$(sed -n 's/.*records=\([0-9]*\).*/\1/p' "$d/report" | head -1)
if [ "$records" != "$LINES" ]; then
	echo "valgrind: the report counts ${records:-no} records, not $LINES" >&2
	fail=1
fi
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
	echo "valgrind: omph-collect exited $rc" >&2
	fail=1
fi
echo "valgrind: $LINES lines through tail | parse | collect in $((end - start)) s:" \
    "$([ $fail -eq 0 ] && echo 'no error, no leak' || echo FAILED)"
exit $fail
