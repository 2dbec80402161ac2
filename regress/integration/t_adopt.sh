#!/bin/sh
# kill -9 of the whole riklet with 10 pods running, then a new riklet:
# every pod adopted from the engine's labels, its state re-reported,
# nothing created twice, nothing left behind.  A half-made pod found at
# start is removed and reported FAILED.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-adopt-$$
riklet_conf "$NODE"
start_riklet "$T/riklet.conf"

for i in 0 1 2 3 4 5 6 7 8 9; do
	peer_send "a$i" CREATE "$(pod_def p$i 'main=sleep 100000')"
done
for i in 0 1 2 3 4 5 6 7 8 9; do
	wait_status "a$i" RUNNING 60 || fail "a$i not RUNNING"
done
before=$(names_of "$NODE" | tr '\n' ' ')
[ "$(containers_of "$NODE")" = 20 ] || fail "expected 10 containers and 10 infra containers"
ok "10 pods RUNNING"

# The whole riklet, all four processes, at once.
pids="$RIKLET_PID $(pgrep -P "$RIKLET_PID" | tr '\n' ' ')"
kill -KILL $pids
wait "$RIKLET_PID" 2>/dev/null
RIKLET_PID=""
ok "killed $pids"

# Half-made pod: one of two containers, as if riklet died mid-create.
# Made with the engine API and riklet's labels (a pod of a riklet from
# before infra containers: no riklet.role).
def=$(pod_def half 'x=sleep 100000' 'y=sleep 100000')
body=$($PY - "$NODE" "$def" <<'PY'
import json, sys
print(json.dumps({"Image": "riklet/busybox:local", "Cmd": ["sleep", "100000"],
    "Labels": {"riklet.managed": "true", "riklet.node": sys.argv[1],
               "riklet.instance": "half1", "riklet.container": "x",
               "riklet.pod": "half", "riklet.restart": "Never",
               "riklet.index": "0", "riklet.count": "2",
               "riklet.definition": sys.argv[2]}}))
PY
)
curl -s --unix-socket "$DOCKER_SOCK" -H 'Content-Type: application/json' \
    -d "$body" -X POST "http://docker/containers/create?name=rik-half1-x" >/dev/null
[ "$(containers_of "$NODE")" = 21 ] || fail "half-made pod not made"

n0=$(wc -l <"$T/peer/received.jsonl")
"$RIKLET" -d -f "$T/riklet.conf" >"$T/riklet2.log" 2>&1 &
RIKLET_PID=$!
for i in 0 1 2 3 4 5 6 7 8 9; do
	wait_for 30 sh -c "tail -n +$n0 '$T/peer/received.jsonl' | grep '\"instance_id\": \"a$i\"' | grep -q RUNNING" ||
	    fail "a$i not re-reported RUNNING after restart: $(tail -n 20 "$T/riklet2.log")"
done
ok "10 pods re-reported RUNNING"
wait_status half1 FAILED 30 || fail "half-made pod not FAILED: $(tail -n 20 "$T/riklet2.log")"
grep half1 "$T/peer/received.jsonl" | grep -q CreateInterrupted || fail "no CreateInterrupted"
same_names() { [ "$(names_of "$NODE" | tr '\n' ' ')" = "$before" ]; }
wait_for 10 same_names ||
    fail "containers changed: before [$before] after [$(names_of "$NODE" | tr '\n' ' ')]"
ok "half-made pod removed and FAILED; the 10 others untouched"
grep -q "adopting" "$T/riklet2.log" || fail "adoption not logged"

# The adopted pods are fully managed: destroy them.
for i in 0 1 2 3 4 5 6 7 8 9; do peer_send "a$i" DESTROY; done
for i in 0 1 2 3 4 5 6 7 8 9; do
	wait_status "a$i" TERMINATED 60 || fail "a$i not TERMINATED"
done
[ "$(containers_of "$NODE")" = 0 ] || fail "containers left: $(names_of "$NODE")"
ok "adopted pods destroyed"
stop_riklet
