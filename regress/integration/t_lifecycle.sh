#!/bin/sh
# A 2-container pod through its whole life: the exact statuses the
# scheduler sees, the containers the engine holds (its 2 and the pod's
# infra container), pod metrics; then an invalid definition, a repeated
# CREATE, a DESTROY of an unknown pod.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-life-$$
riklet_conf "$NODE"
start_riklet "$T/riklet.conf"

wait_for 20 sh -c "$PY '$REGRESS_DIR/integration/peerq.py' registers '$T/peer' | grep -qx '$NODE'" ||
    fail "not registered"
wait_for 5 sh -c "$PY '$REGRESS_DIR/integration/peerq.py' worker '$T/peer' | grep -qx RUNNING" ||
    fail "no WorkerMetric RUNNING"
ok "registered as $NODE, worker RUNNING"

peer_send pod1 CREATE "$(pod_def web 'web=sleep 100000' 'side=sleep 100000')"
wait_status pod1 RUNNING 30 || fail "pod1 not RUNNING: $(statuses pod1 | tr '\n' ' ')"
[ "$(containers_of "$NODE")" = 3 ] || fail "expected 3 containers, got $(containers_of "$NODE")"
[ "$(names_of "$NODE" | tr '\n' ' ')" = "/rik-pod1-pod /rik-pod1-side /rik-pod1-web " ] ||
    fail "names: $(names_of "$NODE" | tr '\n' ' ')"
ok "pod1 RUNNING with 2 containers and its infra container"

# Pod metrics: InstanceMetric with the current status and a cpu object.
wait_for 10 sh -c "$PY '$REGRESS_DIR/integration/peerq.py' podmetrics '$T/peer' pod1 | grep -q totalMemory" ||
    fail "no pod metrics"
ok "pod metrics: $($PY "$REGRESS_DIR/integration/peerq.py" podmetrics "$T/peer" pod1 | tail -n 1)"

# A repeated CREATE re-reports, creates nothing.
peer_send pod1 CREATE "$(pod_def web 'web=sleep 100000' 'side=sleep 100000')"
wait_for 10 sh -c "[ \$($PY '$REGRESS_DIR/integration/peerq.py' statuses '$T/peer' pod1 | grep -c RUNNING) -ge 2 ]" ||
    fail "repeated CREATE not re-reported"
[ "$(containers_of "$NODE")" = 3 ] || fail "repeated CREATE made containers"
ok "repeated CREATE idempotent"

# An invalid definition: FAILED with a reason, riklet still up.
peer_send bad1 CREATE '{"spec":{"containers":[{"name":"x"}]}}'
wait_status bad1 FAILED 10 || fail "invalid definition not FAILED"
grep bad1 "$T/peer/received.jsonl" | grep FAILED |
    grep -q 'reason\\":\\"InvalidDefinition' || fail "FAILED without reason"
kill -0 "$RIKLET_PID" || fail "riklet died"
ok "invalid definition FAILED with a reason"

peer_send pod1 DESTROY
wait_status pod1 TERMINATED 30 || fail "pod1 not TERMINATED: $(statuses pod1 | tr '\n' ' ')"
[ "$(containers_of "$NODE")" = 0 ] || fail "containers left: $(names_of "$NODE")"
seq=$(statuses pod1 | uniq | tr '\n' ' ')
[ "$seq" = "CREATING RUNNING DESTROYING TERMINATED " ] ||
    fail "status sequence: $seq"
ok "sequence: $seq"

peer_send ghost DESTROY
wait_status ghost TERMINATED 10 || fail "unknown DESTROY not TERMINATED"
[ "$(statuses ghost | tr '\n' ' ')" = "TERMINATED " ] || fail "ghost: $(statuses ghost)"
ok "DESTROY of an unknown pod: TERMINATED"
stop_riklet
