#!/usr/bin/python3
"""Questions about what the scheduler peer received (its received.jsonl).

  peerq.py statuses DIR INSTANCE   state changes of INSTANCE, in order
  peerq.py times DIR INSTANCE      the same, each after the peer's time
  peerq.py registers DIR           hostnames registered, in order
  peerq.py worker DIR              statuses of WorkerMetric messages
  peerq.py workermetrics DIR       the metrics JSON of each WorkerMetric
  peerq.py podmetrics DIR INSTANCE the metrics JSON of each pod sample
  peerq.py census DIR PREFIX       "STATUS N" for each state change seen,
                                   N the instances named PREFIX... with it

No file yet is no message yet.  Only the last line may be unreadable (the
peer is writing it); anything else that does not parse is an error, as
is a wrong question: the exit status is then not 0.
"""
import json
import sys

USAGE = "usage: peerq.py statuses|times|podmetrics DIR INSTANCE | " \
    "census DIR PREFIX | registers|worker|workermetrics DIR"


def messages(d):
    try:
        f = open(d + "/received.jsonl")
    except FileNotFoundError:
        return
    with f:
        lines = f.readlines()
    for i, line in enumerate(lines):
        try:
            yield json.loads(line)
        except ValueError:
            if i == len(lines) - 1 and not line.endswith("\n"):
                return
            raise


def census(d, prefix):
    seen = {}
    for m in messages(d):
        i = m.get("instance_id", "")
        if m.get("rpc") == "status" and m.get("kind") == "instance" and \
                i.startswith(prefix) and '"cpu"' not in m.get("metrics", ""):
            seen.setdefault(m["status"], set()).add(i)
    for status in sorted(seen):
        print(status, len(seen[status]))


def main():
    if len(sys.argv) < 3:
        sys.exit(USAGE)
    what, d = sys.argv[1], sys.argv[2]
    if what in ("registers", "worker", "workermetrics"):
        if len(sys.argv) != 3:
            sys.exit(USAGE)
        instance = None
    elif what == "census":
        if len(sys.argv) != 4:
            sys.exit(USAGE)
        census(d, sys.argv[3])
        return
    elif what in ("statuses", "times", "podmetrics"):
        if len(sys.argv) != 4:
            sys.exit(USAGE)
        instance = sys.argv[3]
    else:
        sys.exit(USAGE)
    for m in messages(d):
        rpc, kind = m.get("rpc"), m.get("kind")
        if what == "registers":
            if rpc == "register":
                print(m["hostname"])
        elif what == "worker":
            if rpc == "status" and kind == "worker":
                print(m["status"])
        elif what == "workermetrics":
            if rpc == "status" and kind == "worker":
                print(m["metrics"])
        elif rpc == "status" and kind == "instance" and \
                m["instance_id"] == instance:
            sample = '"cpu"' in m["metrics"]
            if what == "statuses" and not sample:
                print(m["status"])
            elif what == "times" and not sample:
                print("%.3f %s" % (m["t"], m["status"]))
            elif what == "podmetrics" and sample:
                print(m["metrics"])


if __name__ == "__main__":
    main()
