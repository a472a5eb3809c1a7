#!/usr/bin/env python3
"""Hostile TCP connections for tests/network.bats, to 127.0.0.1:PORT.

usage: net-flood.py silent|hold PORT N ADDRS SECONDS
       net-flood.py partial PORT N ADDRS SECONDS SIZE

silent		keep N connections open that never send a byte
hold		the same, but those closed are not opened again
partial		keep N connections open that each send SIZE bytes of a line
		that never ends, then nothing

The connections come from ADDRS source addresses, 127.0.0.2 and up, in
turn (Linux answers for all of 127.0.0.0/8); ADDRS 0 is 127.0.0.1 alone.  A connection the collector
closes is opened again at once, so the pressure lasts SECONDS.  "ready" is
printed once N connections were opened; at the end, "opened O closed C" (C: closed by the collector).
"""
import errno
import resource
import selectors
import socket
import sys
import time


def main():
    mode, port, n, addrs, secs = (sys.argv[1], int(sys.argv[2]),
                                  int(sys.argv[3]), int(sys.argv[4]),
                                  float(sys.argv[5]))
    size = int(sys.argv[6]) if mode == "partial" else 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
    chunk = b"x" * 65536
    sel = selectors.DefaultSelector()
    # socket -> bytes still to send
    todo = {}
    opened = closed = 0
    turn = [0]

    def open_one():
        nonlocal opened
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind(("127.0.0.%d" % (2 + turn[0] % addrs) if addrs else
                "127.0.0.1", 0))
        turn[0] += 1
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            return
        opened += 1
        todo[s] = size
        sel.register(s, selectors.EVENT_READ |
                     (selectors.EVENT_WRITE if size else 0))

    def drop(s):
        nonlocal closed
        sel.unregister(s)
        del todo[s]
        s.close()
        closed += 1

    start = time.monotonic()
    ready = False
    while len(todo) < n:
        open_one()
    while time.monotonic() - start < secs:
        if not ready:
            print("ready", flush=True)
            ready = True
        for key, ev in sel.select(0.05):
            s = key.fileobj
            if ev & selectors.EVENT_READ:
                try:
                    if s.recv(65536) == b"":
                        drop(s)
                        continue
                except BlockingIOError:
                    pass
                except OSError:
                    drop(s)
                    continue
            if ev & selectors.EVENT_WRITE and todo.get(s, 0) > 0:
                try:
                    k = s.send(chunk[:min(len(chunk), todo[s])])
                    todo[s] -= k
                except BlockingIOError:
                    pass
                except OSError as e:
                    if e.errno not in (errno.ENOTCONN, errno.EAGAIN):
                        drop(s)
                        continue
                if todo.get(s, 1) == 0:
                    sel.modify(s, selectors.EVENT_READ)
        # what the collector closed comes back
        while mode != "hold" and len(todo) < n:
            open_one()
    print("opened %d closed %d" % (opened, closed), flush=True)


main()
