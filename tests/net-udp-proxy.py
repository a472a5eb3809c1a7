#!/usr/bin/env python3
"""UDP proxy for tests/network.bats: omph datagrams from one sender, passed
on to a collector with chosen ones dropped, swapped or duplicated.

usage: net-udp-proxy.py IN_PORT OUT_PORT STATS [--drop-mod M:R] [--drop SEQ,...]
                        [--swap SEQ,...] [--dup SEQ,...] [--cut-mod M:R]
                        [--reports 1]

--drop-mod M:R	drop the datagrams whose SEQ % M == R
--drop		drop these SEQs
--swap		hold SEQ and deliver it right after SEQ + 1
--dup		deliver SEQ twice in a row
--cut-mod M:R	deliver the datagrams whose SEQ % M == R without their last
		two bytes (cut inside their last line): the collector must
		reject them whole, as if they were dropped
--reports 1	pass what the collector sends back (its reports) on to
		where the sender's last datagram came from (counted: reports)

On SIGTERM it passes on what is still queued, then writes STATS (one line
of NAME=VALUE, written to a temporary file and renamed) and exits.  The
counts model what omph-collect must make of the datagrams delivered, in the
order delivered (man/omph.7 "On the network", lib/wire.h):

  forwarded	datagrams sent to the collector (duplicates included)
  dropped	datagrams dropped whose SEQ is below the highest delivered
		(a sender's loss is only seen below the highest number)
  tail		datagrams dropped above the highest delivered
  swapped	datagrams delivered after their successor
  duplicated	datagrams delivered a second time
  records	record lines delivered under a known header, first copies only
  noschema	record lines delivered before their header was
  lostlines	record lines in the datagrams dropped
  missing	SEQs the proxy itself never received (should be 0)
  cut		datagrams delivered cut (also counted in dropped or tail)
  cutlines	record lines in them (also counted in lostlines)
"""
import os
import select
import signal
import socket
import sys


def seqs(s):
    return {int(x) for x in s.split(",") if x != ""}


def main():
    args = sys.argv[1:]
    if len(args) < 3:
        sys.exit("usage: net-udp-proxy.py IN_PORT OUT_PORT STATS [options]")
    in_port, out_port, stats = int(args[0]), int(args[1]), args[2]
    drop_mod = None
    cut_mod = None
    drop, swap, dup = set(), set(), set()
    reports = False
    sender = []
    i = 3
    while i < len(args):
        opt, val = args[i], args[i + 1]
        if opt == "--drop-mod":
            m, r = val.split(":")
            drop_mod = (int(m), int(r))
        elif opt == "--cut-mod":
            m, r = val.split(":")
            cut_mod = (int(m), int(r))
        elif opt == "--drop":
            drop = seqs(val)
        elif opt == "--swap":
            swap = seqs(val)
        elif opt == "--dup":
            dup = seqs(val)
        elif opt == "--reports":
            reports = val == "1"
        else:
            sys.exit("net-udp-proxy.py: unknown option " + opt)
        i += 2

    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for opt in (getattr(socket, "SO_RCVBUFFORCE", 33), socket.SO_RCVBUF):
        try:
            rx.setsockopt(socket.SOL_SOCKET, opt, 16 * 1024 * 1024)
            break
        except OSError:
            pass
    rx.bind(("127.0.0.1", in_port))
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx.connect(("127.0.0.1", out_port))

    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))

    st = dict(forwarded=0, dropped=0, tail=0, swapped=0, duplicated=0,
              records=0, noschema=0, lostlines=0, missing=0, cut=0,
              cutlines=0, reports=0)
    received = set()
    dropped_seqs = []
    known = set()		# schemas whose header line was delivered
    seen = set()		# SEQs delivered (the collector's window)
    held = None			# a datagram waiting for its successor
    maxdel = [-1]

    def deliver(d, seq, schema, body):
        tx.send(d)
        st["forwarded"] += 1
        maxdel[0] = max(maxdel[0], seq)
        if seq in seen:
            return		# repeated: the collector reads it once
        seen.add(seq)
        lines = body.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        if lines and lines[0].startswith(b"#"):
            known.add(schema)
            lines = lines[1:]
        if schema in known:
            st["records"] += len(lines)
        else:
            st["noschema"] += len(lines)

    def record_lines(body):
        lines = body.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        return len([x for x in lines if not x.startswith(b"#")])

    def handle(d):
        nonlocal held
        nl = d.find(b"\n")
        f = d[:nl].split(b"\t")
        if nl < 0 or len(f) != 8 or f[0] != b"#omph2":
            tx.send(d)		# not ours: passed on as it is
            st["forwarded"] += 1
            return
        seq, schema, body = int(f[3]), f[4], d[nl + 1:]
        received.add(seq)
        if seq in drop or (drop_mod and seq % drop_mod[0] == drop_mod[1]):
            dropped_seqs.append(seq)
            st["lostlines"] += record_lines(body)
            return
        if cut_mod and seq % cut_mod[0] == cut_mod[1]:
            tx.send(d[:-2])
            st["forwarded"] += 1
            st["cut"] += 1
            dropped_seqs.append(seq)
            st["cutlines"] += record_lines(body)
            st["lostlines"] += record_lines(body)
            return
        if seq in swap and held is None:
            held = (d, seq, schema, body)
            return
        deliver(d, seq, schema, body)
        if seq in dup:
            deliver(d, seq, schema, body)
            st["duplicated"] += 1
        if held is not None:
            deliver(*held)
            st["swapped"] += 1
            held = None

    while not stop:
        r, _, _ = select.select([rx, tx] if reports else [rx], [], [], 0.05)
        if rx in r:
            d, a = rx.recvfrom(65536)
            sender[:] = [a]
            handle(d)
        if tx in r:
            try:
                d = tx.recv(65536)
            except ConnectionRefusedError:
                continue
            if sender:
                rx.sendto(d, sender[0])
                st["reports"] += 1
    rx.setblocking(False)
    while True:
        try:
            handle(rx.recv(65536))
        except BlockingIOError:
            break
    if held is not None:
        deliver(*held)		# its successor never came: in order after all
        held = None
    for q in dropped_seqs:
        st["dropped" if q < maxdel[0] else "tail"] += 1
    if received:
        st["missing"] = max(received) + 1 - min(received) - len(received)
    with open(stats + ".tmp", "w") as f:
        f.write(" ".join("%s=%d" % kv for kv in st.items()) + "\n")
    os.rename(stats + ".tmp", stats)


main()
