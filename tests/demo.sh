#!/bin/sh
# make demo: the main job on a generated sample log, end to end.
cd "$(dirname "$0")/.." || exit 1
set -e
mkdir -p bench
bin/omph-loggen -n 20000 -s 7 >bench/demo.log
echo "\$ omph-parse combined bench/demo.log | head -3"
bin/omph-parse combined bench/demo.log | head -3
echo
echo "\$ omph-parse --fields status combined bench/demo.log | sort | uniq -c | sort -rn"
bin/omph-parse --no-header --fields status combined bench/demo.log | sort | uniq -c | sort -rn
