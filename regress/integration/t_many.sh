#!/bin/sh
# 250 pods on one node, created in parallel and destroyed: every one
# RUNNING, then every one TERMINATED.  create-parallel bounds the creates
# in flight: from the engine's events, a container created and not yet
# started is a create in flight; there are never more than the setting,
# and more than one at some time.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-many-$$
N=${MANY_PODS:-250}
PARALLEL=8
EXTRA_CONF="create-parallel $PARALLEL" RESOLUTION=5s riklet_conf "$NODE"
start_riklet "$T/riklet.conf"
wait_for 20 registered "$NODE" ||
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
	[ $? = 0 ] || broke "count $1"
}
# The engine's events for this node's containers, from now on.
filter=$($PY -c 'import json, sys, urllib.parse
print(urllib.parse.quote(json.dumps({"type": ["container"],
    "label": ["riklet.node=" + sys.argv[1]]})))' "$NODE") || fail "no filter"
curl -sN --unix-socket "$DOCKER_SOCK" \
    "http://docker/events?since=$(date +%s)&filters=$filter" >"$T/events" &
EVENTS_PID=$!
at_exit 'kill $EVENTS_PID 2>/dev/null'

# events: "CREATES STARTS MOST", MOST the largest number of creates in
# flight at once.
events() {
	$PY - "$T/events" <<'PY' || broke "the engine's events: $(tail -c 300 "$T/events")"
import json, sys
inflight, most, creates, starts = set(), 0, 0, 0
lines = open(sys.argv[1]).readlines()
for n, line in enumerate(lines):
    try:
        e = json.loads(line)
    except ValueError:
        if n == len(lines) - 1 and not line.endswith("\n"):
            break
        raise
    cid, action = e["Actor"]["ID"], e["Action"]
    if action == "create":
        creates += 1
        inflight.add(cid)
        most = max(most, len(inflight))
    elif action in ("start", "destroy"):
        starts += action == "start"
        inflight.discard(cid)
print(creates, starts, most)
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
# Each pod: its infra container, then its container, one after the other.
all_started() { set -- $(events); [ "$2" -ge $((2 * N)) ]; }
wait_for 10 all_started || fail "the engine's events: $(events) (creates, starts, most at once)"
kill "$EVENTS_PID"
set -- $(events)
[ "$1" = $((2 * N)) ] && [ "$2" = $((2 * N)) ] ||
    fail "$1 creates and $2 starts for $N pods (and their infra containers)"
[ "$3" -le "$PARALLEL" ] || fail "$3 creates in flight at once, create-parallel is $PARALLEL"
[ "$3" -gt 1 ] || fail "the creates ran one at a time, create-parallel is $PARALLEL"
ok "creates in flight: at most $3 at once (create-parallel $PARALLEL)"
for i in $(seq 1 $N); do
	$PY -c 'import json,sys; print(json.dumps({"instance_id":sys.argv[1],"action":"DESTROY","definition":""}))' "m$i"
done >>"$T/peer/commands.jsonl"
wait_for 600 all TERMINATED || fail "only $(count TERMINATED) of $N pods TERMINATED"
[ "$(containers_of "$NODE")" = 0 ] || fail "containers left: $(containers_of "$NODE")"
ok "$N pods TERMINATED in $(( $(date +%s) - t1 )) s"
stop_riklet
