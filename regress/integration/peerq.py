#!/usr/bin/python3
"""Questions about what the scheduler peer received (its received.jsonl).

  peerq.py statuses DIR INSTANCE   state changes of INSTANCE, in order
  peerq.py registers DIR           hostnames registered, in order
  peerq.py worker DIR              statuses of WorkerMetric messages
  peerq.py podmetrics DIR INSTANCE the metrics JSON of each pod sample
  peerq.py census DIR PREFIX       "STATUS N" for each state change seen,
                                   N the instances named PREFIX... with it
"""
import json
import sys


def messages(d):
    try:
        f = open(d + "/received.jsonl")
    except OSError:
        return
    for line in f:
        try:
            yield json.loads(line)
        except ValueError:
            continue


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
    what, d = sys.argv[1], sys.argv[2]
    if what == "census":
        census(d, sys.argv[3])
        return
    for m in messages(d):
        rpc, kind = m.get("rpc"), m.get("kind")
        if what == "registers" and rpc == "register":
            print(m.get("hostname", ""))
        elif what == "worker" and rpc == "status" and kind == "worker":
            print(m.get("status"))
        elif rpc == "status" and kind == "instance" and \
                m.get("instance_id") == sys.argv[3]:
            sample = '"cpu"' in m.get("metrics", "")
            if what == "statuses" and not sample:
                print(m["status"])
            elif what == "podmetrics" and sample:
                print(m["metrics"])


if __name__ == "__main__":
    main()
