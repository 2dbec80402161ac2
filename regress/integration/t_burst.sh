#!/bin/sh
# 300 CREATEs in one burst, more than the runtime queues (256), and the
# runtime killed (-9) while they are under way: the parent holds back
# what the runtime has no room for and hands the new runtime what the
# dead one had.  Every pod ends RUNNING, through CREATING and RUNNING
# only, no status anywhere says Busy, and the engine holds exactly one
# container per pod and its infra container.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-burst-$$
N=300
EXTRA_CONF="create-parallel 32" RESOLUTION=60s riklet_conf "$NODE"

# Removes the node's containers 8 at a time, the fastest way the engine
# has (node_cleanup, which runs after this, finds none left).
fast_cleanup() {
	stop_riklet
	docker_api GET "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22riklet.node%3D$NODE%22%5D%7D" |
	    $PY -c 'import json,sys; [print(c["Id"]) for c in json.load(sys.stdin)]' 2>/dev/null |
	    xargs -r -P 8 -I{} curl -s --unix-socket "$DOCKER_SOCK" -X DELETE "http://docker/containers/{}?force=1" >/dev/null
}
at_exit fast_cleanup

start_riklet "$T/riklet.conf"
wait_for 20 sh -c "$PY '$REGRESS_DIR/integration/peerq.py' registers '$T/peer' | grep -qx '$NODE'" ||
    fail "not registered"

census() { $PY "$REGRESS_DIR/integration/peerq.py" census "$T/peer" b | tr '\n' ' '; }
# RUNNING transitions so far (a sample carries "cpu"), cheaper than census.
running() { grep '"RUNNING"' "$T/peer/received.jsonl" | grep -vc cpu; }

# A shell that ends on TERM, so that a stop takes no grace period.
def=$(pod_def burst 'main=trap "exit 0" TERM; sleep 100000 & wait')
t0=$(date +%s)
$PY - "$N" "$def" >>"$T/peer/commands.jsonl" <<'PY'
import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"instance_id": "b%d" % i, "action": "CREATE",
                      "definition": sys.argv[2]}))
PY
wait_for 60 sh -c "[ \$(grep -c 'pod b[0-9]*: create queued' '$T/riklet.log') -ge 256 ]" ||
    fail "the runtime never had 256 creates queued"
some_running() { [ "$(running)" -ge 5 ]; }
wait_for 60 some_running || fail "no pod RUNNING"
old=$(child_pid runtime)
kill -KILL "$old"
ok "killed the runtime ($old) with $(running) of $N pods RUNNING"
wait_for 10 sh -c "p=\$(pgrep -P $RIKLET_PID -f '^riklet: runtime\$'); [ -n \"\$p\" ] && [ \"\$p\" != $old ]" ||
    fail "runtime not restarted"

# A FAILED pod ends the test at once: it would never be RUNNING.
all_running() {
	! grep -q '"FAILED"' "$T/peer/received.jsonl" ||
	    fail "a pod FAILED: $(grep -m 3 '"FAILED"' "$T/peer/received.jsonl")"
	[ "$(running)" -ge "$N" ] || { sleep 0.5; return 1; }
}
wait_for 400 all_running || fail "$(running) of $N pods RUNNING: $(census)"
t1=$(date +%s)
[ "$(census)" = "CREATING $N RUNNING $N " ] || fail "statuses: $(census)"
! grep -q Busy "$T/peer/received.jsonl" || fail "Busy sent: $(grep -m 3 Busy "$T/peer/received.jsonl")"
! grep -q "Busy" "$T/riklet.log" || fail "$(grep -m 3 Busy "$T/riklet.log")"
names_of "$NODE" >"$T/names"
$PY - "$N" >"$T/want" <<'PY'
import sys
for n in sorted("/rik-b%d-%s" % (i, c) for i in range(int(sys.argv[1]))
               for c in ("main", "pod")):
    print(n)
PY
cmp -s "$T/names" "$T/want" ||
    fail "containers: $(wc -l <"$T/names") of $((2 * N)), $(diff "$T/want" "$T/names" | grep -c '^[<>]') differences"
ok "$N pods RUNNING in $((t1 - t0)) s, no Busy, one container and its infra container each"
