#!/bin/sh
# make demo: the main job on a generated sample log, end to end: a log
# followed by omph-tail, parsed, aggregated, shipped over the network to a
# collector on loopback, and shown as the dashboard's text frame.
cd "$(dirname "$0")/.." || exit 1
set -e
mkdir -p bench
bin/omph-loggen -n 20000 -s 7 >bench/demo.log
echo "\$ omph-parse combined bench/demo.log | head -3"
bin/omph-parse combined bench/demo.log | head -3
echo
echo "\$ omph-tail --once bench/demo.log | omph-parse combined | omph-collect -k status -n 5 --alert-total '4xx_ratio>0.05'"
bin/omph-tail --once bench/demo.log | bin/omph-parse combined |
    bin/omph-collect -k status -n 5 --alert-total '4xx_ratio>0.05' || true
echo
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 51400)
echo "\$ omph-collect --listen udp://127.0.0.1:$port -n 8 </dev/null >snap &"
echo "\$ omph-tail --once bench/demo.log | omph-parse combined | omph-send --id web1 udp://127.0.0.1:$port"
bin/omph-collect --listen "udp://127.0.0.1:$port" -n 8 </dev/null >bench/demo.snap &
cp=$!
sleep 0.3
bin/omph-tail --once bench/demo.log | bin/omph-parse combined |
    bin/omph-send --id web1 "udp://127.0.0.1:$port"
sleep 0.3
echo "\$ kill %1; omph-top -b --width 100 <snap     # its final report, as the dashboard draws it"
kill $cp
wait $cp || true
bin/omph-top -b --width 100 <bench/demo.snap
