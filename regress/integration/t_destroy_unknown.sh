#!/bin/sh
# 3,000 DESTROYs of instances this node never had, in one burst: each is
# answered TERMINATED and nothing else, none leaves a pod-table entry
# (the pod count stays 0, the parent's memory comes back), and a CREATE
# afterwards runs.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
CTL=${RIKLETCTL:-$(dirname "$RIKLET")/rikletctl}
[ -x "$CTL" ] || fail "no rikletctl at $CTL"
engine_up
peer_up
NODE=t-unknown-$$
N=3000
SOCK=$T/riklet.sock
RESOLUTION=5s riklet_conf "$NODE"
start_riklet "$T/riklet.conf"
wait_for 20 sh -c "$PY '$REGRESS_DIR/integration/peerq.py' registers '$T/peer' | grep -qx '$NODE'" ||
    fail "not registered"
# Once the engine's containers are listed the table knows the node.
wait_for 10 grep -q "the engine's listing is in" "$T/riklet.log" || fail "no listing"
pods() { "$CTL" -s "$SOCK" -j show status | $PY -c 'import json,sys; print(json.load(sys.stdin)["pods"])'; }
[ "$(pods)" = 0 ] || fail "pods at start: $(pods)"
rss0=$(status_field "$RIKLET_PID" VmRSS)
ok "registered; parent RSS $rss0 kB"

census() { $PY "$REGRESS_DIR/integration/peerq.py" census "$T/peer" "$1" | tr '\n' ' '; }
t0=$(date +%s%N)
$PY - "$N" >>"$T/peer/commands.jsonl" <<'PY'
import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"instance_id": "gone-%d" % i, "action": "DESTROY",
                      "definition": ""}))
PY
all_answered() { [ "$(grep -c '"instance_id": "gone-' "$T/peer/received.jsonl")" -ge "$N" ]; }
wait_for 60 all_answered || fail "answered: $(census gone-) of $N"
t1=$(date +%s%N)
[ "$(census gone-)" = "TERMINATED $N " ] || fail "for $N DESTROYs: $(census gone-)"
grep -q "TooManyPods\|Busy" "$T/riklet.log" && fail "$(grep -m 3 'TooManyPods\|Busy' "$T/riklet.log")"
[ "$(pods)" = 0 ] || fail "the table holds $(pods) pods after the DESTROYs"
ok "$N DESTROYs answered TERMINATED in $(( (t1 - t0) / 1000000 )) ms, the table still empty"

peer_send p1 CREATE "$(pod_def web 'web=sleep 100000')"
wait_status p1 RUNNING 30 || fail "p1 not RUNNING: $(statuses p1 | tr '\n' ' ')"
[ "$(statuses p1 | tr '\n' ' ')" = "CREATING RUNNING " ] || fail "p1: $(statuses p1 | tr '\n' ' ')"
[ "$(pods)" = 1 ] || fail "the table holds $(pods) pods, not 1"
rss1=$(status_field "$RIKLET_PID" VmRSS)
[ "$rss1" -le $((rss0 + 1024)) ] || fail "parent RSS $rss0 kB -> $rss1 kB"
ok "a CREATE after them RUNNING; parent RSS $rss0 kB -> $rss1 kB"

peer_send p1 DESTROY
wait_status p1 TERMINATED 30 || fail "p1 not TERMINATED"
[ "$(pods)" = 0 ] || fail "the table holds $(pods) pods after p1's end"
ok "p1 TERMINATED, its entry freed"
stop_riklet
