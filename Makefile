# Omphalos.  POSIX make; user CFLAGS/LDFLAGS are respected, warnings and
# required defines are added apart.  O is the object directory and B the
# binary directory, so `make sanitize` builds a second tree in obj/san.

.SUFFIXES:

PREFIX ?= /usr/local
MANDIR ?= $(PREFIX)/share/man
CFLAGS ?= -O2 -g
VERSION = 0.1.0
# CI sets WERROR=-Werror: there, warnings are errors
WERROR ?=
WARN = -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes $(WERROR)
DEFS = -D_GNU_SOURCE -DOMPH_VERSION=\"$(VERSION)\" -Ilib
O = obj
B = bin
SANFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

CMDS = omph-parse omph-tail omph-collect omph-send omph-top
MAN1 = man/omph-parse.1 man/omph-tail.1 man/omph-collect.1 man/omph-send.1 \
	man/omph-top.1
MAN7 = man/omph.7
HDRS = lib/lr.h lib/out.h lib/rec.h lib/tm.h lib/logfmt.h lib/w3c.h \
	lib/opt.h lib/state.h lib/follow.h lib/hist.h lib/agg.h lib/alert.h lib/sig.h \
	lib/net.h lib/wire.h lib/conn.h lib/siphash.h lib/ckpt.h lib/hash.h lib/origin.h \
	lib/pos.h lib/prom.h lib/http.h lib/web.h lib/dash.h lib/snap.h lib/serve.h \
	lib/cols.h lib/tfmt.h lib/inert.h lib/abook.h lib/tline.h lib/tview.h \
	lib/tlist.h lib/tdraw.h lib/par.h
LIBOBJ = $(O)/lr.o $(O)/out.o $(O)/rec.o $(O)/tm.o $(O)/logfmt.o $(O)/w3c.o \
	$(O)/opt.o $(O)/state.o $(O)/follow.o $(O)/hist.o $(O)/agg.o $(O)/alert.o $(O)/sig.o \
	$(O)/net.o $(O)/wire.o $(O)/conn.o $(O)/siphash.o $(O)/ckpt.o $(O)/origin.o \
	$(O)/pos.o $(O)/prom.o $(O)/http.o $(O)/httpparse.o $(O)/web.o $(O)/dash.o $(O)/snap.o $(O)/serve.o \
	$(O)/cols.o $(O)/tfmt.o $(O)/inert.o $(O)/abook.o $(O)/tline.o $(O)/tview.o \
	$(O)/tlist.o $(O)/tdraw.o $(O)/par.o
# the dashboard's files, compiled into $(O)/web.c (lib/web.h)
WEB = lib/web/index.html lib/web/app.js lib/web/app.css

all: $(B)/omph-parse $(B)/omph-tail $(B)/omph-collect $(B)/omph-send $(B)/omph-top \
	$(B)/omph-loggen $(B)/libfault.so

$(O)/libomph.a: $(LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

$(O)/lr.o: lib/lr.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/lr.c
$(O)/out.o: lib/out.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/out.c
$(O)/rec.o: lib/rec.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/rec.c
$(O)/tm.o: lib/tm.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/tm.c
$(O)/logfmt.o: lib/logfmt.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/logfmt.c
$(O)/w3c.o: lib/w3c.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/w3c.c
$(O)/opt.o: lib/opt.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/opt.c
$(O)/state.o: lib/state.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/state.c
$(O)/follow.o: lib/follow.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/follow.c
$(O)/hist.o: lib/hist.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/hist.c
$(O)/agg.o: lib/agg.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/agg.c
$(O)/alert.o: lib/alert.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/alert.c
$(O)/sig.o: lib/sig.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/sig.c
$(O)/net.o: lib/net.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/net.c
$(O)/wire.o: lib/wire.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/wire.c
$(O)/conn.o: lib/conn.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/conn.c
$(O)/siphash.o: lib/siphash.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/siphash.c
$(O)/ckpt.o: lib/ckpt.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/ckpt.c
$(O)/origin.o: lib/origin.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/origin.c
$(O)/pos.o: lib/pos.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/pos.c
$(O)/prom.o: lib/prom.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/prom.c
$(O)/http.o: lib/http.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/http.c
$(O)/dash.o: lib/dash.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/dash.c
$(O)/snap.o: lib/snap.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/snap.c
$(O)/cols.o: lib/cols.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/cols.c
$(O)/serve.o: lib/serve.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/serve.c
$(O)/tfmt.o: lib/tfmt.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/tfmt.c
$(O)/inert.o: lib/inert.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/inert.c
$(O)/abook.o: lib/abook.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/abook.c
$(O)/tline.o: lib/tline.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/tline.c
$(O)/tview.o: lib/tview.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/tview.c
$(O)/tlist.o: lib/tlist.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/tlist.c
$(O)/tdraw.o: lib/tdraw.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/tdraw.c
$(O)/par.o: lib/par.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/par.c
$(O)/web.c: lib/web/embed.sh $(WEB)
	@mkdir -p $(O)
	sh lib/web/embed.sh $(WEB) >$@.tmp && mv $@.tmp $@
$(O)/web.o: $(O)/web.c $(HDRS)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ $(O)/web.c
$(O)/httpparse.o: lib/httpparse.c $(HDRS)
	@mkdir -p $(O)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) -c -o $@ lib/httpparse.c

$(B)/omph-parse: cmd/omph-parse.c $(O)/libomph.a $(HDRS)
	@mkdir -p $(B)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) $(LDFLAGS) -o $@ cmd/omph-parse.c $(O)/libomph.a

$(B)/omph-tail: cmd/omph-tail.c $(O)/libomph.a $(HDRS)
	@mkdir -p $(B)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) $(LDFLAGS) -o $@ cmd/omph-tail.c $(O)/libomph.a

$(B)/omph-collect: cmd/omph-collect.c $(O)/libomph.a $(HDRS)
	@mkdir -p $(B)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) $(LDFLAGS) -o $@ cmd/omph-collect.c $(O)/libomph.a -lm

$(B)/omph-send: cmd/omph-send.c $(O)/libomph.a $(HDRS)
	@mkdir -p $(B)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) $(LDFLAGS) -o $@ cmd/omph-send.c $(O)/libomph.a

# ncurses is the only library beyond libc, and only omph-top links it
$(B)/omph-top: cmd/omph-top.c $(O)/libomph.a $(HDRS)
	@mkdir -p $(B)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) $(LDFLAGS) -o $@ cmd/omph-top.c $(O)/libomph.a -lncursesw

# a seeded generator of realistic logs for tests and bench (not installed)
$(B)/omph-loggen: tests/loggen.c
	@mkdir -p $(B)
	$(CC) $(WARN) $(DEFS) $(CFLAGS) $(LDFLAGS) -o $@ tests/loggen.c

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

bench: all
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

uninstall:
	for c in $(CMDS); do rm -f $(DESTDIR)$(PREFIX)/bin/$$c; done
	for m in $(MAN1); do rm -f $(DESTDIR)$(MANDIR)/man1/$${m#man/}; done
	for m in $(MAN7); do rm -f $(DESTDIR)$(MANDIR)/man7/$${m#man/}; done

clean:
	rm -rf bin obj tests/tmp


.PHONY: all sanitize test bench fuzz valgrind demo install uninstall clean
