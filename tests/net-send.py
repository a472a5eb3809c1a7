#!/usr/bin/env python3
"""Raw traffic for tests/network.bats, to 127.0.0.1:PORT.

usage: net-send.py MODE PORT [ARG]

udp		stdin as one datagram
tcp		stdin over one connection; then half-close and wait for the
		collector to close (it has read everything then)
connect		connect and wait for the collector to close at once
		(--allow): exit 0 when it did within 5 s
random-udp N	N datagrams of /dev/urandom bytes in many sizes (0 to 65507)
random-tcp N	N connections each sending /dev/urandom bytes
bad-udp		datagrams omph-collect must count as malformed: truncated
		omph preambles, bad fields, garbage syslog
bad-tcp		connections omph-collect must count as malformed, once each
		(one more for the frames of the last two)
random-small N	N datagrams of 0 to 1472 random bytes, seeded, paced to
		get through a small receive buffer
forge-sessions ID SECONDS
		a datagram of sender ID under a new random session every
		20 ms for SECONDS, each one line under an unknown header
forge-ids N	N datagrams each from a sender ID of its own (f0, f1, ...)
tagged KEYFILE AGE N
		N datagrams of sender "tagged", one record each under a
		header "#status" (in the first), tagged with the key of
		KEYFILE by this file's own SipHash-2-4, TIME AGE seconds ago

Modes sending junk print how many datagrams (udp) or malformed (tcp) they
sent.  TCP modes wait for the collector to close each connection.
"""
import random
import socket
import sys
import time

SIZES = [0, 1, 2, 3, 6, 7, 8, 15, 16, 64, 127, 128, 129, 255, 500, 1399,
         1400, 1401, 1500, 4096, 8192, 9000, 16384, 32768, 65507]


def urandom(n):
    with open("/dev/urandom", "rb") as f:
        return f.read(n)


def udp_socket(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    return s


def paced_send(s, d):
    s.send(d)
    # the collector's receive buffer may be small (rmem_max): let it read
    time.sleep(0.001 + len(d) / 20e6)


def tcp_exchange(port, data):
    """send data, half-close, wait for the peer to close; True if it did"""
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        if data:
            c.sendall(data)
        c.shutdown(socket.SHUT_WR)
        while c.recv(65536):
            pass
        return True
    except socket.timeout:
        return False
    except OSError:
        return True	# reset, our bytes unread: closed all the same
    finally:
        c.close()


def omph_dgram(ident, session, seq, schema, body, tag=b"-", when=None):
    """a datagram in the wire format of lib/wire.h, untagged by default"""
    when = int(time.time()) if when is None else when
    return b"#omph2\t%s\t%08x\t%d\t%08x\t%d\t%d\t%s\n" % (
        ident, session, seq, schema, when, len(body), tag) + body


def sip24(key, data):
    """SipHash-2-4 (written apart from lib/siphash.c, to check it)"""
    m64 = (1 << 64) - 1
    k0 = int.from_bytes(key[:8], "little")
    k1 = int.from_bytes(key[8:], "little")
    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d,
         k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573]

    def rotl(x, b):
        return ((x << b) | (x >> (64 - b))) & m64

    def rnd():
        v[0] = (v[0] + v[1]) & m64; v[1] = rotl(v[1], 13); v[1] ^= v[0]
        v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & m64; v[3] = rotl(v[3], 16); v[3] ^= v[2]
        v[0] = (v[0] + v[3]) & m64; v[3] = rotl(v[3], 21); v[3] ^= v[0]
        v[2] = (v[2] + v[1]) & m64; v[1] = rotl(v[1], 17); v[1] ^= v[2]
        v[2] = rotl(v[2], 32)

    tail = len(data) % 8
    words = [int.from_bytes(data[i:i + 8], "little")
             for i in range(0, len(data) - tail, 8)]
    words.append(int.from_bytes(data[len(data) - tail:], "little") |
                 ((len(data) & 0xff) << 56))
    for m in words:
        v[3] ^= m
        rnd()
        rnd()
        v[0] ^= m
    v[2] ^= 0xff
    for _ in range(4):
        rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def tagged(keyfile, age, n):
    with open(keyfile) as f:
        key = bytes.fromhex(f.read().strip())
    s = udp_socket(port)
    when = int(time.time()) - age
    for i in range(n):
        body = (b"#status\n" if i == 0 else b"") + b"%d\n" % (200 + i % 2)
        pre = b"#omph2\ttagged\t%08x\t%d\t%08x\t%d\t%d\t" % (
            0xabc, i, 0x2ed91d5c, when, len(body))
        s.send(pre + b"%016x\n" % sip24(key, pre + body) + body)
        time.sleep(0.001)
    print(n)


def random_small(n):
    rnd = random.Random(11)
    s = udp_socket(port)
    for i in range(n):
        s.send(rnd.randbytes(rnd.randrange(1473)))
        if i % 100 == 99:
            time.sleep(0.004)
    print(n)


def forge_sessions(ident, secs):
    rnd = random.Random()
    s = udp_socket(port)
    n = 0
    end = time.time() + secs
    while time.time() < end:
        s.send(omph_dgram(ident, rnd.getrandbits(32), rnd.randrange(1000),
                          0x12345678, b"x\n"))
        n += 1
        time.sleep(0.02)
    print(n)


def forge_ids(n):
    rnd = random.Random()
    s = udp_socket(port)
    for i in range(n):
        s.send(omph_dgram(b"f%d" % i, rnd.getrandbits(32), 0, 0x12345678,
                          b""))
        if i % 100 == 99:
            time.sleep(0.002)
    print(n)


def bad_udp():
    pre = b"#omph1\tjunk\t0000abcd\t7\t12345678\n"
    out = [pre[:k] for k in range(7, len(pre))]	# every truncation
    out += [
        b"#omph1\tbad id\t0000abcd\t7\t12345678\nx\n",
        b"#omph1\t\t0000abcd\t7\t12345678\nx\n",
        b"#omph1\t" + b"i" * 65 + b"\t0000abcd\t7\t12345678\nx\n",
        b"#omph1\tjunk\tABCDEF01\t7\t12345678\nx\n",
        b"#omph1\tjunk\t0000abcd0\t7\t12345678\nx\n",
        b"#omph1\tjunk\t0000abcd\t-7\t12345678\nx\n",
        b"#omph1\tjunk\t0000abcd\t" + b"9" * 20 + b"\t12345678\nx\n",
        b"#omph1\tjunk\t0000abcd\t7\t1234567z\nx\n",
        b"#omph1\tjunk\t0000abcd\t7\t12345678 " + b"x" * 200 + b"\n",
        b"#omph1\tjunk\t0000abcd\t7\n",
        b"<", b"<>", b"<1>", b"<abc>x", b"<99999>x", b"<13>", b"<13>\r\n\0\0",
        b"<13>1 ", b"<13>1 - host", b"<13>1 - h a p m x y", b"<13> x",
        b"<13>123",
    ]
    s = udp_socket(port)
    for d in out:
        paced_send(s, d)
    print(len(out))


def bad_tcp():
    conns = [
        b"#omph1\tbad id\t00000001\t0\n",
        b"#omph1\tid\t0000000g\t0\n",
        b"#omph1\tid\t00000001\t5\t00000001\n",
        b"#omph1\tid\t00000001\t0 trailing\n",
        b"99999999999 x",
        b"12x <13>",
        b"5 ab",
        b"2000000 <13>1 - h omph p - - x",
        b"3 <1>",			# a frame malformed; the stream fine
        b"<>\n<abc>x\n<13>\n",		# three lines malformed
    ]
    for d in conns:
        if not tcp_exchange(port, d):
            sys.exit("net-send.py: the collector kept a connection open")
    # each one once, the last line three times
    n = len(conns) - 1 + 3
    print(n)


mode, port = sys.argv[1], int(sys.argv[2])
arg = sys.argv[3] if len(sys.argv) > 3 else None
if mode == "udp":
    udp_socket(port).send(sys.stdin.buffer.read())
elif mode == "tcp":
    sys.exit(0 if tcp_exchange(port, sys.stdin.buffer.read()) else 1)
elif mode == "connect":
    sys.exit(0 if tcp_exchange(port, b"") else 1)
elif mode == "random-udp":
    s = udp_socket(port)
    for i in range(int(arg)):
        d = urandom(SIZES[i % len(SIZES)])
        paced_send(s, d)
    print(int(arg))
elif mode == "random-tcp":
    for i in range(int(arg)):
        if not tcp_exchange(port, urandom(SIZES[i % len(SIZES)] or 1)):
            sys.exit("net-send.py: the collector kept a connection open")
    print(int(arg))
elif mode == "random-small":
    random_small(int(arg))
elif mode == "forge-sessions":
    forge_sessions(arg.encode(), float(sys.argv[4]))
elif mode == "tagged":
    tagged(arg, int(sys.argv[4]), int(sys.argv[5]))
elif mode == "forge-ids":
    forge_ids(int(arg))
elif mode == "bad-udp":
    bad_udp()
elif mode == "bad-tcp":
    bad_tcp()
else:
    sys.exit("net-send.py: unknown mode " + mode)
