#!/usr/bin/env bats
# The systemd units of `make install` (lib/systemd/*.service.in): installed
# with the commands' path in place, checked by systemd-analyze verify, and
# their command lines run here as systemd would run them (specifiers and
# variables expanded the same way), a shipper into a collector on loopback;
# a reload (SIGHUP to the shipper's process group) saves and goes on.
bats_require_minimum_version 1.5.0
load helper

LOG=$DATA/combined/elastic-apache.log

# no process left in group $1 (each stage saves its state as it ends)
group_gone() {
	! kill -0 -- "-$1" 2>/dev/null
}

teardown() {
	local p
	for p in ${pids:-}; do
		kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true
	done
	for p in ${pids:-}; do
		wait_until 10 group_gone "$p" || true
	done
	rm -rf "$T"
}

# unit_cmd UNIT KEY: the value of KEY= in the installed UNIT
unit_cmd() {
	sed -n "s/^$2=//p" "$T/prefix/lib/systemd/system/$1"
}

# expand CMD INSTANCE: CMD as systemd runs it for instance INSTANCE of a
# template (%i the instance, %f the path it names, %H the host, $$ a $)
expand() {
	I=$2 F=$(systemd-escape --unescape --path "$2") N=$(hostname) \
	    awk '{ gsub(/%i/, ENVIRON["I"]); gsub(/%f/, ENVIRON["F"])
		gsub(/%H/, ENVIRON["N"]); gsub(/\$\$/, "$"); print }' <<<"$1"
}

@test "make install: the units, with the commands' path; systemd-analyze verify passes on both" {
	command -v systemd-analyze
	make -s -C "$TOP" install PREFIX="$T/prefix" >/dev/null
	for u in omph-collect.service omph-ship@.service; do
		[ -s "$T/prefix/lib/systemd/system/$u" ]
		! grep -q '@BINDIR@' "$T/prefix/lib/systemd/system/$u"
		grep -q "$T/prefix/bin/omph-" "$T/prefix/lib/systemd/system/$u"
	done
	cp "$T/prefix/lib/systemd/system/omph-ship@.service" \
	    "$T/prefix/lib/systemd/system/omph-ship@var-log-nginx-access.log.service"
	(cd "$T/prefix/lib/systemd/system" && MANPATH="$T/prefix/share/man" \
	    systemd-analyze verify ./omph-collect.service \
	    ./omph-ship@var-log-nginx-access.log.service)
	# the man pages say how to use them
	grep -q 'omph-ship@' "$TOP/man/omph-collect.1"
	make -s -C "$TOP" uninstall PREFIX="$T/prefix" >/dev/null
	[ ! -e "$T/prefix/lib/systemd/system/omph-collect.service" ]
}

@test "the units' command lines: a shipper of a log into the collector; a reload saves and goes on; stop and start again loses nothing" {
	make -s -C "$TOP" install PREFIX="$T/prefix" >/dev/null
	P=$(free_port)
	H=$(free_port)
	mkdir -p "$T/log" "$T/cstate" "$T/sstate"
	head -n 5000 "$LOG" >"$T/log/access.log"
	# the collector, with the options an operator sets in /etc/default
	ccmd=$(unit_cmd omph-collect.service ExecStart)
	[[ "$ccmd" == *'--state ${STATE_DIRECTORY}/collect.ckpt $OMPH_COLLECT_OPTS' ]]
	STATE_DIRECTORY=$T/cstate OMPH_COLLECT_OPTS="--listen tcp://127.0.0.1:$P --http 127.0.0.1:$H" \
	    setsid sh -c "exec $ccmd" </dev/null >/dev/null 2>"$T/collect.err" &
	cpid=$!
	pids=$cpid
	wait_until 10 curl -sf "http://127.0.0.1:$H/api/snapshot" -o /dev/null
	# the shipper of $T/log/access.log, as systemctl start omph-ship@INST
	inst=$(systemd-escape --path "$T/log/access.log")
	scmd=$(expand "$(unit_cmd 'omph-ship@.service' ExecStart)" "$inst")
	[[ "$scmd" == "/bin/sh -c '"* ]]
	eval "set -- $scmd"
	shift
	STATE_DIRECTORY=$T/sstate OMPH_COLLECTOR=tcp://127.0.0.1:$P OMPH_FORMAT=combined \
	    setsid /bin/sh -c "$2" </dev/null 2>"$T/ship.err" &
	spid=$!
	pids="$spid $cpid"
	records() { curl -sf "http://127.0.0.1:$H/api/snapshot" | jq .records; }
	is_records() { [ "$(records)" = "$1" ]; }
	wait_until 20 is_records 5000
	# a reload, as ExecReload sends it: to the shipper's process group
	kill -HUP -- "-$spid"
	tail -n +5001 "$LOG" | head -n 3000 >>"$T/log/access.log"
	wait_until 20 is_records 8000
	kill -0 "$spid"
	[ -s "$T/sstate/$inst.state" ]
	# stopped (SIGTERM to the group, as systemd does) and started again:
	# the lines written meanwhile arrive, none twice
	kill -TERM -- "-$spid"
	wait "$spid" || true
	wait_until 10 group_gone "$spid"
	tail -n +8001 "$LOG" >>"$T/log/access.log"
	STATE_DIRECTORY=$T/sstate OMPH_COLLECTOR=tcp://127.0.0.1:$P OMPH_FORMAT=combined \
	    setsid /bin/sh -c "$2" </dev/null 2>>"$T/ship.err" &
	spid=$!
	pids="$spid $cpid"
	# the log's line 8899 is cut off: 9,999 records
	wait_until 20 is_records 9999
	sleep 0.5
	is_records 9999
	# the collector's reload: a checkpoint now, and it goes on
	kill -HUP "$cpid"
	wait_until 5 test -s "$T/cstate/collect.ckpt"
	kill -0 "$cpid"
	kill -TERM "$cpid"
	wait "$cpid"
	! grep -q 'rror' "$T/collect.err"
}
