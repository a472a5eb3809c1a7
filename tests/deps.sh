#!/bin/sh
# deps.sh WHAT: make sure this machine has what `make WHAT` needs, WHAT being
# build (a C compiler and the ncurses headers), demo, test, fuzz, valgrind or
# bench.
# Each need is a check and the Debian package that satisfies it.  As root
# with apt-get, what is missing is installed (quietly, saying what); anyone
# else is told every missing package and the command that installs it, and
# the script exits 1 before anything runs.  Exit 0: all is there.
what=${1:-test}
missing=""

# need PACKAGE CHECK...: PACKAGE is missing unless the shell command CHECK
# succeeds
need() {
	pkg=$1
	shift
	if ! eval "$*" >/dev/null 2>&1; then
		case " $missing " in
		*" $pkg "*) ;;
		*) missing="$missing $pkg" ;;
		esac
	fi
}

build() {
	need gcc 'command -v "${CC:-cc}"'
	need libncurses-dev 'test -f /usr/include/ncurses.h'
}

case $what in
build | demo)
	build
	;;
test)
	build
	need bats 'command -v bats'
	need mawk 'command -v mawk'
	need groff-base 'command -v groff'
	need mandoc 'command -v mandoc'
	need tmux 'command -v tmux'
	need python3 'command -v python3'
	need time 'test -x /usr/bin/time'
	need rsyslog 'command -v rsyslogd || test -x /usr/sbin/rsyslogd'
	need postgresql 'ls /usr/lib/postgresql/*/bin/initdb'
	need curl 'command -v curl'
	need chromium 'command -v chromium'
	need prometheus 'command -v prometheus && command -v promtool'
	need clickhouse-server 'command -v clickhouse-server || test -x /usr/sbin/clickhouse-server'
	need jq 'command -v jq'
	need systemd 'command -v systemd-analyze && command -v systemd-escape'
	need victoria-metrics 'command -v victoria-metrics || test -x /usr/bin/victoria-metrics'
	;;
fuzz)
	need clang 'command -v clang || ls /usr/bin/clang-[0-9]*'
	need libclang-rt-dev 'ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a ||
	    ls /usr/lib/llvm-*/lib/clang/*/lib/*/libclang_rt.fuzzer.a'
	;;
valgrind)
	build
	need valgrind 'command -v valgrind'
	;;
bench)
	build
	need mawk 'command -v mawk'
	need time 'test -x /usr/bin/time'
	need python3 'command -v python3'
	need curl 'command -v curl'
	need goaccess 'command -v goaccess'
	need clickhouse-server 'command -v clickhouse-server || test -x /usr/sbin/clickhouse-server'
	;;
*)
	echo "deps.sh: $what: not one of build, demo, test, fuzz, valgrind, bench" >&2
	exit 2
	;;
esac

[ -z "$missing" ] && exit 0
missing=${missing# }
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "make $what: installing $missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	log=$(mktemp)
	# shellcheck disable=SC2086
	if { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } \
	    >"$log" 2>&1; then
		rm -f "$log"
		exit 0
	fi
	cat "$log" >&2
	rm -f "$log"
	echo "make $what: could not install $missing" >&2
	exit 1
fi
echo "make $what: missing packages: $missing" >&2
echo "make $what: install them with: sudo apt-get install $missing" >&2
exit 1
