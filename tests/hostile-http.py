#!/usr/bin/env python3
"""hostile-http.py PORT MODE LOG: an HTTP server that answers badly, for
tests of omph-send's engines (clickhouse://, es://).  Every request is read
whole (its head and Content-Length body), counted as a line "request N
BYTES" in LOG, then answered as MODE says:

  endless   200, no length, a body that never ends (64 KiB blocks)
  big       200 with Content-Length: 104857600, and that much sent
  headers   a status line, then header lines that never end
  trickle   200 with Content-Length: 1000, one body byte a second
  garbage   200 with a body that is not the _bulk JSON (nor ClickHouse's)

It stops writing when the client goes away."""
import socket
import sys
import threading
import time

port, mode, logf = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lock = threading.Lock()
count = [0]


def log(s):
    with lock:
        with open(logf, "a") as f:
            f.write(s + "\n")


def read_request(c):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(65536)
        if not d:
            return None
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    n = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(body) < n:
        d = c.recv(65536)
        if not d:
            return None
        body += d
    return len(body)


def answer(c):
    if mode == "endless":
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
        block = b"x" * 65536
        while True:
            c.sendall(block)
    elif mode == "big":
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n")
        block = b"y" * 65536
        for _ in range(104857600 // 65536):
            c.sendall(block)
    elif mode == "headers":
        c.sendall(b"HTTP/1.1 200 OK\r\n")
        i = 0
        while True:
            c.sendall(b"X-Never-Ending-%d: yes\r\n" % i)
            i += 1
    elif mode == "trickle":
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):
            c.sendall(b"z")
            time.sleep(1)
    elif mode == "garbage":
        b = b"<html><body>502 Bad Gateway (not JSON at all)</body></html>"
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(b) + b)


def serve(c):
    try:
        while True:
            n = read_request(c)
            if n is None:
                return
            with lock:
                count[0] += 1
                k = count[0]
            log("request %d %d" % (k, n))
            answer(c)
    except OSError:
        pass
    finally:
        c.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(16)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
