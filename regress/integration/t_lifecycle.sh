#!/bin/sh
# A 2-container pod through its whole life: the exact statuses the
# scheduler sees, the containers the engine holds (its 2 and the pod's
# infra container), pod metrics; then an invalid definition and an
# invalid image, a repeated CREATE, a DESTROY of an unknown pod.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-life-$$
riklet_conf "$NODE"
start_riklet "$T/riklet.conf"

wait_for 20 registered "$NODE" ||
    fail "not registered"
wait_for 5 worker_running ||
    fail "no WorkerMetric RUNNING"
ok "registered as $NODE, worker RUNNING"

peer_send pod1 CREATE "$(pod_def web 'web=sleep 100000' 'side=sleep 100000')"
wait_status pod1 RUNNING 30 || fail "pod1 not RUNNING: $(statuses pod1 | tr '\n' ' ')"
[ "$(containers_of "$NODE")" = 3 ] || fail "expected 3 containers, got $(containers_of "$NODE")"
[ "$(names_of "$NODE" | tr '\n' ' ')" = "/rik-pod1-pod /rik-pod1-side /rik-pod1-web " ] ||
    fail "names: $(names_of "$NODE" | tr '\n' ' ')"
ok "pod1 RUNNING with 2 containers and its infra container"

# Pod metrics: InstanceMetric with the current status and a cpu object.
has_memory() { podmetrics pod1 | grep -q totalMemory; }
wait_for 10 has_memory ||
    fail "no pod metrics"
ok "pod metrics: $(podmetrics pod1 | tail -n 1)"

# A repeated CREATE re-reports, creates nothing.
peer_send pod1 CREATE "$(pod_def web 'web=sleep 100000' 'side=sleep 100000')"
rerunning() { [ "$(status_count pod1 RUNNING)" -ge 2 ]; }
wait_for 10 rerunning ||
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

# An image outside Docker's reference grammar (".." was the engine's
# /json once the dot segments were removed): FAILED naming the field,
# before the engine is asked anything.
peer_send bad2 CREATE '{"spec":{"containers":[{"name":"x","image":".."}]}}'
wait_status bad2 FAILED 10 || fail "image .. not FAILED"
[ "$(statuses bad2 | tr '\n' ' ')" = "FAILED " ] ||
    fail "image ..: $(statuses bad2 | tr '\n' ' ')"
why=$($PY -c 'import json, sys
for l in open(sys.argv[1]):
    try:
        m = json.loads(l)
    except ValueError:
        continue
    if m.get("instance_id") == "bad2" and m.get("status") == "FAILED":
        f = json.loads(m["metrics"])
        print(f["reason"], f["message"])' "$T/peer/received.jsonl")
case $why in
'InvalidDefinition spec.containers[0].image: invalid reference "..": '*) ;;
*) fail "image ..: $why" ;;
esac
[ "$(containers_of "$NODE")" = 3 ] || fail "image .. made containers"
ok "image \"..\": $why"

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
