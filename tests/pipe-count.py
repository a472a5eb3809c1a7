#!/usr/bin/env python3
"""pipe-count.py INPUT OUT -- CMD...: runs CMD with its standard input a
pipe and writes INPUT into it without blocking, counting the bytes the pipe
took.  When the pipe has taken nothing for 2 s (the reader stopped: its
backpressure), it writes "PID BYTES" (CMD's pid, the bytes written so far)
to OUT, once, and goes on writing as the reader takes more.  At the end of
INPUT it closes the pipe, waits for CMD and exits with its status."""
import os
import select
import subprocess
import sys
import time

inp, outf = sys.argv[1], sys.argv[2]
cmd = sys.argv[sys.argv.index("--") + 1:]
p = subprocess.Popen(cmd, stdin=subprocess.PIPE)
fd = p.stdin.fileno()
os.set_blocking(fd, False)
data = open(inp, "rb").read()
off, last, told = 0, time.monotonic(), False
while off < len(data):
    _, w, _ = select.select([], [fd], [], 0.1)
    if w:
        try:
            n = os.write(fd, data[off:off + 65536])
        except BlockingIOError:
            n = 0
        if n > 0:
            off += n
            last = time.monotonic()
    if not told and time.monotonic() - last >= 2:
        with open(outf + ".tmp", "w") as f:
            f.write("%d %d\n" % (p.pid, off))
        os.rename(outf + ".tmp", outf)
        told = True
p.stdin.close()
sys.exit(p.wait())
