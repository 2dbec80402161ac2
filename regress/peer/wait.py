#!/usr/bin/python3
"""Waits until the scheduler peer has received what a test expects.

  /usr/bin/python3 regress/peer/wait.py D TIMEOUT EXPR [COUNT]

EXPR is a Python expression over r, one record of D/received.jsonl (see
scheduler.py), e.g. 'r["rpc"] == "register" and r["hostname"] == "n1"'.
Exits 0 as soon as COUNT (default 1) records match, 1 after TIMEOUT
seconds, printing how many matched and the last matching record.
"""

import json
import os
import sys
import time


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    d, timeout, expr = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    want = int(sys.argv[4]) if len(sys.argv) == 5 else 1
    code = compile(expr, "EXPR", "eval")
    path = os.path.join(d, "received.jsonl")
    deadline = time.time() + timeout
    pos, n, last, buf = 0, 0, None, ""
    while True:
        try:
            with open(path) as f:
                f.seek(pos)
                buf += f.read()
                pos = f.tell()
        except FileNotFoundError:
            pass
        while "\n" in buf:
            line, buf = buf.split("\n", 1)
            r = json.loads(line)
            if eval(code, {}, {"r": r}):
                n, last = n + 1, r
        if n >= want:
            print("%d matched: %s" % (n, json.dumps(last)))
            return 0
        if time.time() >= deadline:
            print("timeout: %d of %d matched" % (n, want))
            return 1
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
