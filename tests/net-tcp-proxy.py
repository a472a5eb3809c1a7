#!/usr/bin/env python3
"""net-tcp-proxy.py LISTEN_PORT TARGET_PORT: forward TCP connections on
127.0.0.1:LISTEN_PORT to 127.0.0.1:TARGET_PORT, both ways, until killed.
A test starts it late to have a server that refuses connections first."""
import selectors
import socket
import sys

sel = selectors.DefaultSelector()
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(sys.argv[1])))
ls.listen(16)
target = int(sys.argv[2])
sel.register(ls, selectors.EVENT_READ, None)
while True:
    for key, _ in sel.select():
        if key.data is None:
            c, _ = ls.accept()
            u = socket.create_connection(("127.0.0.1", target))
            sel.register(c, selectors.EVENT_READ, u)
            sel.register(u, selectors.EVENT_READ, c)
            continue
        src, dst = key.fileobj, key.data
        try:
            b = src.recv(65536)
        except OSError:
            b = b""
        if b:
            dst.sendall(b)
            continue
        for s in (src, dst):
            try:
                sel.unregister(s)
            except (KeyError, ValueError):
                pass
            s.close()
