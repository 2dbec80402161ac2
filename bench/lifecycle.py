#!/usr/bin/python3
"""bench/lifecycle: what riklet adds to the engine's own create+start.

Run by bench/lifecycle.sh with a riklet, the scheduler peer and the engine
up.  Measures, in one run:
  - riklet: time from the peer sending CREATE (its events.log) to the peer
    receiving RUNNING (received.jsonl), one pod at a time, N times;
  - raw: POST /containers/create + /start of the same container straight
    to the engine, N times;
  - raw pod: the same with riklet's infra container first (riklet/pause,
    which riklet imported), the container joining its namespaces: what
    the infra container costs the engine per pod;
  - a burst of 100 pods through riklet (create-parallel P), against 100
    raw create+starts one after the other and P at a time.
Prints medians and the overhead, and the burst's ratio to each: riklet
against raw creates with the same parallelism is the like-for-like one.

  lifecycle.py PEER_DIR DOCKER_SOCK RUNS PARALLEL
"""
import http.client
import concurrent.futures
import json
import os
import socket
import statistics
import sys
import time

PEER, SOCK, N, PARALLEL = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    int(sys.argv[4])
# Fewer than 100 on a loaded machine: BENCH_BURST=40.
BURST = int(os.environ.get("BENCH_BURST", "100"))
IMAGE = "riklet/busybox:local"


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def api(method, path, body=None):
    c = UnixHTTP(SOCK)
    hdr = {"Content-Type": "application/json"} if body is not None else {}
    c.request(method, path, json.dumps(body) if body is not None else None,
              hdr)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def definition(name):
    return json.dumps({"name": name, "spec": {"containers": [
        {"name": "main", "image": IMAGE, "command": ["sleep", "100000"]}]}})


def send(instance, action):
    with open(PEER + "/commands.jsonl", "a") as f:
        f.write(json.dumps({"instance_id": instance, "action": action,
                            "definition": definition(instance)}) + "\n")


def command_time(instance):
    for line in open(PEER + "/events.log"):
        t, _, rest = line.partition(" ")
        if rest.startswith("command %s " % instance):
            return float(t)
    return None


def status_time(instance, status):
    for line in open(PEER + "/received.jsonl"):
        m = json.loads(line)
        if m.get("instance_id") == instance and m.get("status") == status \
                and '"cpu"' not in m.get("metrics", ""):
            return m["t"]
    return None


def wait(instance, status, limit=60):
    end = time.time() + limit
    while time.time() < end:
        t = status_time(instance, status)
        if t is not None:
            return t
        time.sleep(0.005)
    sys.exit("bench: %s never %s" % (instance, status))


def raw_create_start(name):
    t0 = time.time()
    st, data = api("POST", "/containers/create?name=" + name,
                   {"Image": IMAGE, "Cmd": ["sleep", "100000"],
                    "Labels": {"riklet.bench": "lifecycle"},
                    "HostConfig": {"Init": True}})
    if st != 201:
        sys.exit("raw create: %d %s" % (st, data))
    cid = json.loads(data)["Id"]
    st, data = api("POST", "/containers/%s/start" % cid)
    if st != 204:
        sys.exit("raw start: %d %s" % (st, data))
    return time.time() - t0, cid


def raw_remove(cid):
    api("DELETE", "/containers/%s?force=1" % cid)


def pause_image():
    st, data = api("GET", "/images/json?filters=" +
                   '%7B%22reference%22%3A%5B%22riklet%2Fpause%22%5D%7D')
    tags = [t for i in json.loads(data) for t in (i.get("RepoTags") or [])]
    if st != 200 or not tags:
        sys.exit("bench: no riklet/pause image in the engine")
    return tags[0]


def raw_pod_create_start(name, image):
    t0 = time.time()
    st, data = api("POST", "/containers/create?name=" + name + "-pod",
                   {"Image": image, "HostConfig": {"IpcMode": "shareable"}})
    if st != 201:
        sys.exit("raw infra create: %d %s" % (st, data))
    infra = json.loads(data)["Id"]
    st, data = api("POST", "/containers/%s/start" % infra)
    if st != 204:
        sys.exit("raw infra start: %d %s" % (st, data))
    mode = "container:" + infra
    st, data = api("POST", "/containers/create?name=" + name,
                   {"Image": IMAGE, "Cmd": ["sleep", "100000"],
                    "HostConfig": {"Init": True, "NetworkMode": mode,
                                   "IpcMode": mode}})
    if st != 201:
        sys.exit("raw create: %d %s" % (st, data))
    cid = json.loads(data)["Id"]
    st, data = api("POST", "/containers/%s/start" % cid)
    if st != 204:
        sys.exit("raw start: %d %s" % (st, data))
    return time.time() - t0, (cid, infra)


def main():
    rik, raw, rawpod = [], [], []
    image = pause_image()
    for i in range(N):
        inst = "bl%d" % i
        send(inst, "CREATE")
        t1 = wait(inst, "RUNNING")
        t0 = command_time(inst)
        rik.append(t1 - t0)
        send(inst, "DESTROY")
        wait(inst, "TERMINATED")
        d, cid = raw_create_start("bench-raw-%d" % i)
        raw.append(d)
        raw_remove(cid)
        d, ids = raw_pod_create_start("bench-rawpod-%d" % i, image)
        rawpod.append(d)
        for c in ids:
            raw_remove(c)
    mr, mw = statistics.median(rik) * 1000, statistics.median(raw) * 1000
    mp = statistics.median(rawpod) * 1000
    print("single pod, %d runs (median):" % N)
    print("  riklet CREATE -> RUNNING     %8.1f ms" % mr)
    print("  raw engine create+start      %8.1f ms" % mw)
    print("  raw engine, infra + one      %8.1f ms" % mp)
    print("  infra container per pod      %8.1f ms (%.2f x raw create+start)"
          % (mp - mw, (mp - mw) / mw))
    print("  riklet overhead              %8.1f ms (ratio %.2f)"
          % (mr - mw, mr / mw))
    print("  riklet over a raw pod        %8.1f ms (ratio %.2f)"
          % (mr - mp, mr / mp))

    t0 = time.time()
    for i in range(BURST):
        send("bb%d" % i, "CREATE")
    last = max(wait("bb%d" % i, "RUNNING", 300) for i in range(BURST))
    first = command_time("bb0")
    burst = last - first
    for i in range(BURST):
        send("bb%d" % i, "DESTROY")
    for i in range(BURST):
        wait("bb%d" % i, "TERMINATED", 300)
    t0 = time.time()
    cids = [raw_create_start("bench-seq-%d" % i)[1] for i in range(BURST)]
    seq = time.time() - t0
    for c in cids:
        raw_remove(c)
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(PARALLEL) as ex:
        cids = [r[1] for r in ex.map(raw_create_start,
                                     ["bench-par-%d" % i for i in range(BURST)])]
    par = time.time() - t0
    for c in cids:
        raw_remove(c)
    print("%d-pod burst:" % BURST)
    print("  riklet, %2d at a time         %8.2f s" % (PARALLEL, burst))
    print("  raw, one at a time           %8.2f s" % seq)
    print("  raw, %2d at a time            %8.2f s" % (PARALLEL, par))
    print("  ratio riklet / raw, %2d at a time %6.2f  (like for like)"
          % (PARALLEL, burst / par))
    print("  ratio riklet / raw, one at a time %5.2f" % (burst / seq))


if __name__ == "__main__":
    main()
