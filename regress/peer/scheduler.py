#!/usr/bin/python3
"""A test peer that plays RIK's scheduler: the server side of worker.Worker.

Run it with Debian's interpreter (its grpcio and protobuf modules):

  /usr/bin/python3 regress/peer/scheduler.py --port P --dir D [--lifetime S]
      [--tls-cert F --tls-key F [--client-ca F]]
      [--reject-empty-hostname | --accept-empty-hostname]
      [--strict-pings] [--proto-dir DIR]

It binds 127.0.0.1:P only and exits by itself after --lifetime seconds
(default 120).  In D it writes:

  D/ready           once it listens (contains the port)
  D/received.jsonl  one JSON line per message received, e.g.
      {"t": 1700000000.1, "rpc": "register", "hostname": "node1"}
      {"t": ..., "rpc": "status", "identifier": "node1", "kind": "worker",
       "host_address": "127.0.0.1",
       "status": "RUNNING", "metrics": "{}"}
      {"t": ..., "rpc": "status", "identifier": "node1", "kind": "instance",
       "status": "FAILED", "instance_id": "a", "metrics": "{...}"}
      {"t": ..., "rpc": "refused", "hostname": "", "code": "FAILED_PRECONDITION"}
  D/events.log      a line per stream opened or closed

It tails D/commands.jsonl every 50 ms and sends each new line
  {"instance_id": "a", "definition": "<json string>", "action": "CREATE"}
(action CREATE, DESTROY or a number) to every registered worker.

Like RIK's scheduler it refuses an empty hostname with FAILED_PRECONDITION
(unless --accept-empty-hostname) and a hostname whose Register stream is
still open with ALREADY_EXISTS.  Without --strict-pings the server lets
clients ping every 5 s; with it, gRPC's default ping policy applies.
The *_pb2.py modules are generated with protoc into --proto-dir (default
D/pb) from the repository's proto/ files.
"""

import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time
from concurrent import futures

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO = os.path.join(HERE, "..", "..", "proto")


def generate(outdir):
    os.makedirs(outdir, exist_ok=True)
    subprocess.run(["protoc", "-I" + PROTO, "-I/usr/include",
                    "--python_out=" + outdir,
                    os.path.join(PROTO, "common.proto"),
                    os.path.join(PROTO, "worker.proto")], check=True)
    sys.path.insert(0, outdir)


class Recorder:
    def __init__(self, d):
        self.lock = threading.Lock()
        self.received = open(os.path.join(d, "received.jsonl"), "a",
                             buffering=1)
        self.events = open(os.path.join(d, "events.log"), "a", buffering=1)

    def record(self, **kw):
        kw = dict(t=time.time(), **kw)
        with self.lock:
            self.received.write(json.dumps(kw) + "\n")

    def event(self, text):
        with self.lock:
            self.events.write("%.3f %s\n" % (time.time(), text))


class Scheduler:
    def __init__(self, args, rec, pb):
        self.args = args
        self.rec = rec
        self.common_pb2, self.worker_pb2 = pb
        self.lock = threading.Lock()
        self.workers = {}       # hostname -> queue of InstanceScheduling

    def register(self, request, context):
        grpc = sys.modules["grpc"]
        host = request.hostname
        if host == "" and self.args.reject_empty_hostname:
            self.rec.record(rpc="refused", hostname=host,
                            code="FAILED_PRECONDITION")
            context.abort(grpc.StatusCode.FAILED_PRECONDITION,
                          "hostname must not be empty")
        with self.lock:
            if host in self.workers:
                self.rec.record(rpc="refused", hostname=host,
                                code="ALREADY_EXISTS")
                context.abort(grpc.StatusCode.ALREADY_EXISTS,
                              "worker %s is already registered" % host)
            q = queue.Queue()
            self.workers[host] = q
        self.rec.record(rpc="register", hostname=host, peer=context.peer())
        self.rec.event("register open %s" % host)
        # Headers now, as RIK's (tonic) scheduler does.
        context.send_initial_metadata(())
        try:
            while context.is_active():
                try:
                    cmd = q.get(timeout=0.1)
                except queue.Empty:
                    continue
                yield cmd
        finally:
            with self.lock:
                if self.workers.get(host) is q:
                    del self.workers[host]
            self.rec.event("register close %s" % host)

    def status(self, request_iterator, context):
        c = self.common_pb2
        self.rec.event("status open %s" % context.peer())
        try:
            for ws in request_iterator:
                kind = ws.WhichOneof("status")
                rec = dict(rpc="status", identifier=ws.identifier,
                           kind=kind, host_address=ws.host_address)
                if kind is not None:
                    m = getattr(ws, kind)
                    rec["status"] = c.ResourceStatus.Name(m.status)
                    rec["metrics"] = m.metrics
                    if kind == "instance":
                        rec["instance_id"] = m.instance_id
                self.rec.record(**rec)
        finally:
            self.rec.event("status close %s" % context.peer())
        from google.protobuf import empty_pb2
        return empty_pb2.Empty()

    def broadcast(self, line):
        cmd = json.loads(line)
        action = cmd.get("action", "CREATE")
        if isinstance(action, str):
            action = self.common_pb2.WorkloadRequestKind.Value(action)
        msg = self.worker_pb2.InstanceScheduling(
            instance_id=cmd.get("instance_id", ""),
            definition=cmd.get("definition", ""), action=action)
        with self.lock:
            targets = list(self.workers.values())
        for q in targets:
            q.put(msg)
        self.rec.event("command %s to %d workers" %
                       (cmd.get("instance_id"), len(targets)))


def tail_commands(path, sched, stop):
    pos = 0
    buf = ""
    while not stop.is_set():
        try:
            with open(path) as f:
                f.seek(pos)
                data = f.read()
                pos = f.tell()
        except FileNotFoundError:
            data = ""
        buf += data
        while "\n" in buf:
            line, buf = buf.split("\n", 1)
            if line.strip():
                sched.broadcast(line)
        stop.wait(0.05)


def main():
    ap = argparse.ArgumentParser(description="RIK scheduler test peer")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--lifetime", type=float, default=120)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--client-ca")
    ap.add_argument("--reject-empty-hostname", dest="reject_empty_hostname",
                    action="store_true", default=True)
    ap.add_argument("--accept-empty-hostname", dest="reject_empty_hostname",
                    action="store_false")
    ap.add_argument("--strict-pings", action="store_true")
    ap.add_argument("--proto-dir")
    args = ap.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    generate(args.proto_dir or os.path.join(args.dir, "pb"))
    import grpc
    import common_pb2
    import worker_pb2
    from google.protobuf import empty_pb2

    rec = Recorder(args.dir)
    sched = Scheduler(args, rec, (common_pb2, worker_pb2))
    handlers = {
        "Register": grpc.unary_stream_rpc_method_handler(
            sched.register,
            request_deserializer=common_pb2.WorkerRegistration.FromString,
            response_serializer=worker_pb2.InstanceScheduling
            .SerializeToString),
        "SendStatusUpdates": grpc.stream_unary_rpc_method_handler(
            sched.status,
            request_deserializer=common_pb2.WorkerStatus.FromString,
            response_serializer=empty_pb2.Empty.SerializeToString),
    }
    options = [("grpc.so_reuseport", 0)]
    if not args.strict_pings:
        options += [
            ("grpc.http2.min_ping_interval_without_data_ms", 5000),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.max_ping_strikes", 0),
        ]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32),
                         handlers=[grpc.method_handlers_generic_handler(
                             "worker.Worker", handlers)],
                         options=options)
    addr = "127.0.0.1:%d" % args.port
    if args.tls_cert:
        with open(args.tls_key, "rb") as f:
            key = f.read()
        with open(args.tls_cert, "rb") as f:
            cert = f.read()
        ca = None
        if args.client_ca:
            with open(args.client_ca, "rb") as f:
                ca = f.read()
        creds = grpc.ssl_server_credentials(
            [(key, cert)], root_certificates=ca,
            require_client_auth=ca is not None)
        port = server.add_secure_port(addr, creds)
    else:
        port = server.add_insecure_port(addr)
    if port == 0:
        sys.exit("scheduler.py: cannot listen on %s" % addr)
    server.start()
    stop = threading.Event()
    t = threading.Thread(target=tail_commands, daemon=True,
                         args=(os.path.join(args.dir, "commands.jsonl"),
                               sched, stop))
    t.start()
    with open(os.path.join(args.dir, "ready.tmp"), "w") as f:
        f.write("%d\n" % port)
    os.rename(os.path.join(args.dir, "ready.tmp"),
              os.path.join(args.dir, "ready"))
    rec.event("listening on %s" % addr)
    time.sleep(args.lifetime)
    stop.set()
    rec.event("lifetime over")
    server.stop(0)


if __name__ == "__main__":
    main()
