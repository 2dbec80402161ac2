#!/usr/bin/python3
"""Questions about what the scheduler peer received (its received.jsonl).

  peerq.py statuses DIR INSTANCE   state changes of INSTANCE, in order
  peerq.py registers DIR           hostnames registered, in order
  peerq.py worker DIR              statuses of WorkerMetric messages
  peerq.py workermetrics DIR       the metrics JSON of each WorkerMetric
  peerq.py podmetrics DIR INSTANCE the metrics JSON of each pod sample
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


def main():
    what, d = sys.argv[1], sys.argv[2]
    for m in messages(d):
        rpc, kind = m.get("rpc"), m.get("kind")
        if what == "registers" and rpc == "register":
            print(m.get("hostname", ""))
        elif what == "worker" and rpc == "status" and kind == "worker":
            print(m.get("status"))
        elif what == "workermetrics" and rpc == "status" and \
                kind == "worker":
            print(m.get("metrics"))
        elif rpc == "status" and kind == "instance" and \
                m.get("instance_id") == sys.argv[3]:
            sample = '"cpu"' in m.get("metrics", "")
            if what == "statuses" and not sample:
                print(m["status"])
            elif what == "podmetrics" and sample:
                print(m["metrics"])


if __name__ == "__main__":
    main()
