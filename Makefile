# Omphalos.  GNU make (one pattern rule builds every module); user
# CFLAGS/LDFLAGS are respected, warnings and required defines are added apart.  O is the object directory and B the
# binary directory, so `make sanitize` builds a second tree in obj/san.

.SUFFIXES:

PREFIX ?= /usr/local
MANDIR ?= $(PREFIX)/share/man
# systemd reads units from /usr/local/lib/systemd/system too
SYSTEMDDIR ?= $(PREFIX)/lib/systemd/system
CFLAGS ?= -O2 -g
VERSION = 0.1.0
# CI sets WERROR=-Werror: there, warnings are errors
WERROR ?=
WARN = -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes $(WERROR)
DEFS = -D_GNU_SOURCE -DOMPH_VERSION=\"$(VERSION)\" -Ilib -fno-math-errno
# sqrt (lib/hll) is then one instruction: libm is linked only where a
# compiler still calls it, and not loaded (its pages are RSS) otherwise
LIBM = -Wl,--as-needed -lm
O = obj
B = bin
SANFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

CMDS = omph-parse omph-tail omph-collect omph-send omph-top
MAN1 = man/omph-parse.1 man/omph-tail.1 man/omph-collect.1 man/omph-send.1 \
	man/omph-top.1
MAN7 = man/omph.7
HDRS = lib/lr.h lib/out.h lib/rec.h lib/tm.h lib/logfmt.h lib/w3c.h \
	lib/opt.h lib/state.h lib/follow.h lib/followint.h lib/hist.h lib/agg.h \
	lib/alert.h lib/sig.h \
	lib/net.h lib/wire.h lib/conn.h lib/siphash.h lib/ckpt.h lib/hash.h lib/origin.h \
	lib/pos.h lib/prom.h lib/http.h lib/web.h lib/dash.h lib/snap.h lib/serve.h \
	lib/cols.h lib/tfmt.h lib/inert.h lib/abook.h lib/tline.h lib/tview.h \
	lib/tlist.h lib/tdraw.h lib/hll.h lib/ship.h lib/uship.h lib/tship.h \
	lib/hcli.h lib/jscan.h lib/sink.h lib/ingest.h lib/ingint.h lib/par.h lib/tally.h \
	lib/chfmt.h lib/esfmt.h lib/push.h lib/pj.h lib/pend.h lib/wsrc.h lib/ocol.h \
	lib/intake.h lib/lfint.h
LIBOBJ = $(O)/lr.o $(O)/out.o $(O)/rec.o $(O)/tm.o $(O)/logfmt.o $(O)/w3c.o \
	$(O)/opt.o $(O)/state.o $(O)/follow.o $(O)/followrd.o $(O)/followst.o \
	$(O)/followev.o $(O)/hist.o $(O)/agg.o $(O)/alert.o $(O)/sig.o \
	$(O)/net.o $(O)/wire.o $(O)/conn.o $(O)/siphash.o $(O)/ckpt.o $(O)/origin.o \
	$(O)/pos.o $(O)/prom.o $(O)/http.o $(O)/httpparse.o $(O)/web.o $(O)/dash.o $(O)/snap.o $(O)/serve.o \
	$(O)/cols.o $(O)/tfmt.o $(O)/inert.o $(O)/abook.o $(O)/tline.o $(O)/tview.o \
	$(O)/tlist.o $(O)/tdraw.o $(O)/hll.o $(O)/ship.o $(O)/uship.o $(O)/tship.o \
	$(O)/hcli.o $(O)/jscan.o $(O)/sink.o $(O)/ingest.o $(O)/ingsnd.o \
	$(O)/ingtcp.o $(O)/par.o $(O)/tally.o $(O)/hcliparse.o $(O)/chfmt.o \
	$(O)/esfmt.o $(O)/push.o $(O)/pj.o $(O)/pend.o $(O)/wsrc.o $(O)/ocol.o \
	$(O)/intake.o $(O)/lfscan.o
# the dashboard's files, compiled into $(O)/web.c (lib/web.h)
WEB = lib/web/index.html lib/web/app.js lib/web/app.css
# systemd units, installed with the path of the commands in place of @BINDIR@
UNITS = omph-collect.service omph-ship@.service

all: $(B)/omph-parse $(B)/omph-tail $(B)/omph-collect $(B)/omph-send $(B)/omph-top \
	$(B)/omph-loggen $(B)/omph-floor $(B)/libfault.so

$(O)/libomph.a: $(LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

# every module: lib/NAME.c to $(O)/NAME.o, rebuilt when any header changes
$(O)/%.o: lib/%.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ $<
$(O)/web.c: lib/web/embed.sh $(WEB)
	@mkdir -p $(O)
	sh lib/web/embed.sh $(WEB) >$@.tmp && mv $@.tmp $@
$(O)/web.o: $(O)/web.c $(HDRS)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ $(O)/web.c

$(B)/omph-parse: cmd/omph-parse.c $(O)/libomph.a $(HDRS)
	@mkdir -p $(B)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) $(LDFLAGS) -o $@ cmd/omph-parse.c $(O)/libomph.a

$(B)/omph-tail: cmd/omph-tail.c $(O)/libomph.a $(HDRS)
	@mkdir -p $(B)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) $(LDFLAGS) -o $@ cmd/omph-tail.c $(O)/libomph.a

$(B)/omph-collect: cmd/omph-collect.c $(O)/libomph.a $(HDRS)
	@mkdir -p $(B)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) $(LDFLAGS) -o $@ cmd/omph-collect.c $(O)/libomph.a $(LIBM)

$(B)/omph-send: cmd/omph-send.c $(O)/libomph.a $(HDRS)
	@mkdir -p $(B)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) $(LDFLAGS) -o $@ cmd/omph-send.c $(O)/libomph.a

# ncurses is the only library beyond libc, and only omph-top links it
$(B)/omph-top: cmd/omph-top.c $(O)/libomph.a $(HDRS)
	@mkdir -p $(B)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) $(LDFLAGS) -o $@ cmd/omph-top.c $(O)/libomph.a -lncursesw $(LIBM)

# a seeded generator of realistic logs for tests and bench (not installed)
$(B)/omph-loggen: tests/loggen.c
	@mkdir -p $(B)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) $(LDFLAGS) -o $@ tests/loggen.c

# the floor of the bench's parse ratios: one SIMD pass indexing a file's
# spaces, quotes, brackets, backslashes and LFs (not installed)
$(B)/omph-floor: tests/floor.c
	@mkdir -p $(B)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) $(LDFLAGS) -o $@ tests/floor.c

# an LD_PRELOAD shim for the fault tests (not installed)
$(B)/libfault.so: tests/fault.c
	@mkdir -p $(B)
	$(CC) -std=c11 -Wall -Wextra -O1 -g -fPIC -shared -o $@ tests/fault.c -ldl

# the same binaries under AddressSanitizer + UndefinedBehaviorSanitizer
sanitize:
	$(MAKE) O=obj/san B=obj/san/bin CFLAGS="$(SANFLAGS)" LDFLAGS="-fsanitize=address,undefined" all

# both passes of the bats suite: plain, then sanitized; ends "N passed,
# N failed, N skipped".  tests/deps.sh first installs (as root) or names
# every package the suite needs.
test:
	@sh tests/deps.sh test
	@$(MAKE) all sanitize
	@sh tests/run.sh

bench:
	@sh tests/deps.sh bench
	@$(MAKE) all
	@sh tests/bench.sh

# libFuzzer targets (clang), each run FUZZ_SECONDS after its regression inputs
FUZZ_SECONDS = 10
fuzz:
	@sh tests/deps.sh fuzz
	@sh tests/fuzz.sh $(FUZZ_SECONDS)

# one bench-size pipeline, tail | parse | collect, under valgrind
valgrind:
	@sh tests/deps.sh valgrind
	@$(MAKE) all
	@sh tests/valgrind.sh

demo:
	@sh tests/deps.sh demo
	@$(MAKE) all
	@sh tests/demo.sh

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	for c in $(CMDS); do cp $(B)/$$c $(DESTDIR)$(PREFIX)/bin/$$c && chmod 755 $(DESTDIR)$(PREFIX)/bin/$$c || exit 1; done
	for m in $(MAN1); do sed 's/^\.Os.*/.Os Omphalos $(VERSION)/' $$m >$(DESTDIR)$(MANDIR)/man1/$${m#man/} || exit 1; done
	for m in $(MAN7); do sed 's/^\.Os.*/.Os Omphalos $(VERSION)/' $$m >$(DESTDIR)$(MANDIR)/man7/$${m#man/} || exit 1; done
	mkdir -p $(DESTDIR)$(SYSTEMDDIR)
	for u in $(UNITS); do sed 's|@BINDIR@|$(PREFIX)/bin|g' lib/systemd/$$u.in >$(DESTDIR)$(SYSTEMDDIR)/$$u || exit 1; done

uninstall:
	for c in $(CMDS); do rm -f $(DESTDIR)$(PREFIX)/bin/$$c; done
	for m in $(MAN1); do rm -f $(DESTDIR)$(MANDIR)/man1/$${m#man/}; done
	for m in $(MAN7); do rm -f $(DESTDIR)$(MANDIR)/man7/$${m#man/}; done
	for u in $(UNITS); do rm -f $(DESTDIR)$(SYSTEMDDIR)/$$u; done

clean:
	rm -rf bin obj tests/tmp


.PHONY: all sanitize test bench fuzz valgrind demo install uninstall clean
