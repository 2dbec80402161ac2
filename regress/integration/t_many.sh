#!/bin/sh
# 250 pods on one node, created in parallel (create-parallel bounds it)
# and destroyed: every one RUNNING, then every one TERMINATED.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-many-$$
N=${MANY_PODS:-250}
EXTRA_CONF="create-parallel 8" RESOLUTION=5s riklet_conf "$NODE"
start_riklet "$T/riklet.conf"
wait_for 20 sh -c "$PY '$REGRESS_DIR/integration/peerq.py' registers '$T/peer' | grep -qx '$NODE'" ||
    fail "not registered"

count() {	# STATUS: how many pods the peer saw reach it
	$PY - "$T/peer/received.jsonl" "$1" <<'PY'
import json, sys
seen = set()
for line in open(sys.argv[1]):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("kind") == "instance" and m.get("status") == sys.argv[2] \
            and m.get("instance_id", "").startswith("m"):
        seen.add(m["instance_id"])
print(len(seen))
PY
}
t0=$(date +%s)
def=$(pod_def many 'main=sleep 100000')
for i in $(seq 1 $N); do
	$PY -c 'import json,sys; print(json.dumps({"instance_id":sys.argv[1],"action":"CREATE","definition":sys.argv[2]}))' \
	    "m$i" "$def"
done >>"$T/peer/commands.jsonl"
all() { [ "$(count "$1")" -ge "$N" ]; }
wait_for 600 all RUNNING || {
	tail -n 5 "$T/peer/events.log"
	fail "only $(count RUNNING) of $N pods RUNNING"
}
t1=$(date +%s)
[ "$(containers_of "$NODE")" = $((2 * N)) ] || fail "containers: $(containers_of "$NODE")"
ok "$N pods RUNNING in $((t1 - t0)) s"
for i in $(seq 1 $N); do
	$PY -c 'import json,sys; print(json.dumps({"instance_id":sys.argv[1],"action":"DESTROY","definition":""}))' "m$i"
done >>"$T/peer/commands.jsonl"
wait_for 600 all TERMINATED || fail "only $(count TERMINATED) of $N pods TERMINATED"
[ "$(containers_of "$NODE")" = 0 ] || fail "containers left: $(containers_of "$NODE")"
ok "$N pods TERMINATED in $(( $(date +%s) - t1 )) s"
stop_riklet
