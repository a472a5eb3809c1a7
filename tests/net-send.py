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

Modes sending junk print how many datagrams (udp) or malformed (tcp) they
sent.  TCP modes wait for the collector to close each connection.
"""
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
elif mode == "bad-udp":
    bad_udp()
elif mode == "bad-tcp":
    bad_tcp()
else:
    sys.exit("net-send.py: unknown mode " + mode)
