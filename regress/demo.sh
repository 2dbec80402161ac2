#!/bin/sh
# make demo: riklet against a private Docker engine and the scheduler test
# peer, on this machine only.  Schedules a two-container pod, shows what
# the scheduler receives, destroys the pod and cleans everything up.
BUILD=${1:-$(pwd)/build}
REGRESS_DIR=$(cd "$(dirname "$0")" && pwd)
export RIKLET="$BUILD/riklet" REGRESS_DIR
. "$REGRESS_DIR/integration/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "make demo must run as root"; exit 1; }
ensure_user
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() {
	# What the peer received since line $1, one readable line each.
	tail -n +"$1" "$T/peer/received.jsonl" | $PY -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m["rpc"] == "register":
        print("  Register       hostname=%s" % m["hostname"])
    elif m["rpc"] == "status" and m["kind"] == "worker":
        print("  WorkerMetric   %-10s %s" % (m["status"], m["metrics"][:110]))
    elif m["rpc"] == "status":
        print("  InstanceMetric %-10s %-5s %s" % (m["status"],
            m.get("instance_id", ""), m.get("metrics", "")[:100]))
'
}
lines() { wc -l <"$T/peer/received.jsonl" 2>/dev/null || echo 0; }

say "starting a private Docker engine (regress/engine.sh)"
engine_up
at_exit 'sh "$REGRESS_DIR/engine.sh" stop >/dev/null 2>&1'
echo "  engine at $DOCKER_SOCK, test image riklet/busybox:local"

say "starting the scheduler test peer (regress/peer/scheduler.py)"
peer_up
echo "  listening on 127.0.0.1:$PEER_PORT"

say "starting riklet -d (log in $T/riklet.log)"
RESOLUTION=2s riklet_conf demo-node
cat "$T/riklet.conf" | sed 's/^/  | /'
start_riklet "$T/riklet.conf"
ps -o pid=,user=,args= --pid "$RIKLET_PID" --ppid "$RIKLET_PID" | sed 's/^/  /'
wait_for 20 registered demo-node ||
    fail "riklet did not register"
sleep 2
show 1
n=$(( $(lines) + 1 ))

say "scheduling pod demo-1: containers web and side (busybox)"
def=$(pod_def demo 'web=while :; do echo hello; sleep 1; done' 'side=sleep 100000')
echo "  $def"
peer_send demo-1 CREATE "$def"
wait_status demo-1 RUNNING 60 || fail "the pod did not start"
sleep 5
show "$n"
n=$(( $(lines) + 1 ))
echo
names_of demo-node | sed 's/^/  engine has container /'

say "destroying pod demo-1"
peer_send demo-1 DESTROY
wait_status demo-1 TERMINATED 60 || fail "the pod was not destroyed"
show "$n"
echo "  containers left for demo-node: $(containers_of demo-node)"

say "stopping riklet, the peer and the engine"
stop_riklet
echo "  done; riklet's log:"
sed 's/^/  | /' "$T/riklet.log" | head -n 40
