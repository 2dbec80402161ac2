#!/bin/sh
# A crashing container under each restart policy: the statuses, the
# exit code in the FAILED report, and the crash-loop backoff (10 s first).
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-restart-$$
riklet_conf "$NODE"
start_riklet "$T/riklet.conf"

mkdef() {	# NAME POLICY COMMAND
	$PY - "$@" <<'PY'
import json, sys
d = {"name": sys.argv[1], "spec": {"containers": [{"name": "c",
     "image": "riklet/busybox:latest",
     "command": ["/bin/sh", "-c", sys.argv[3]]}]}}
if sys.argv[2] != "-":
    d["spec"]["restartPolicy"] = sys.argv[2]
print(json.dumps(d))
PY
}

# Never (the default): exit 3 -> FAILED with exitCode 3, nothing more.
peer_send never CREATE "$(mkdef never - 'sleep 1; exit 3')"
# OnFailure: exit 3 -> FAILED, CREATING again after ~10 s, RUNNING.
peer_send onfail CREATE "$(mkdef onfail OnFailure 'sleep 1; exit 3')"
# OnFailure with a clean exit: FAILED and no restart.
peer_send clean CREATE "$(mkdef clean OnFailure 'sleep 1; exit 0')"
# Always: even a clean exit restarts.
peer_send always CREATE "$(mkdef always Always 'sleep 1; exit 0')"

for i in never onfail clean always; do
	wait_status $i FAILED 30 || fail "$i never FAILED: $(statuses $i | tr '\n' ' ')"
done
grep '"instance_id": "never"' "$T/peer/received.jsonl" | grep FAILED |
    grep -q 'exitCode\\":3' || fail "no exitCode 3 for never: $(grep never "$T/peer/received.jsonl" | tail -n 2)"
grep '"instance_id": "never"' "$T/peer/received.jsonl" | grep FAILED |
    grep -q 'ContainerExited' || fail "no ContainerExited reason"
ok "exit 3 reported as ContainerExited with exitCode 3"

t0=$(date +%s)
wait_for 20 sh -c "[ \$($PY '$REGRESS_DIR/integration/peerq.py' statuses '$T/peer' onfail | grep -c RUNNING) -ge 2 ]" ||
    fail "onfail not restarted: $(statuses onfail | tr '\n' ' ')"
dt=$(( $(date +%s) - t0 ))
[ "$dt" -ge 7 ] || fail "restarted after ${dt}s, backoff is 10 s"
ok "OnFailure restarted after ~${dt}s more: $(statuses onfail | tr '\n' ' ')"
wait_for 15 sh -c "[ \$($PY '$REGRESS_DIR/integration/peerq.py' statuses '$T/peer' always | grep -c RUNNING) -ge 2 ]" ||
    fail "always not restarted: $(statuses always | tr '\n' ' ')"
ok "Always restarted: $(statuses always | tr '\n' ' ')"

seq=$(statuses never | tr '\n' ' ')
[ "$seq" = "CREATING RUNNING FAILED " ] || fail "never: $seq"
seq=$(statuses clean | tr '\n' ' ')
[ "$seq" = "CREATING RUNNING FAILED " ] || fail "clean: $seq"
ok "Never and OnFailure+exit 0 stay FAILED"
seq=$(statuses onfail | head -n 5 | tr '\n' ' ')
[ "$seq" = "CREATING RUNNING FAILED CREATING RUNNING " ] || fail "onfail: $seq"
# The second crash waits twice as long: no third RUNNING within 15 s of
# the second FAILED.
wait_for 10 sh -c "[ \$($PY '$REGRESS_DIR/integration/peerq.py' statuses '$T/peer' onfail | grep -c FAILED) -ge 2 ]" ||
    fail "onfail did not crash again"
sleep 12
[ "$(statuses onfail | grep -c RUNNING)" = 2 ] || fail "backoff did not double: $(statuses onfail | tr '\n' ' ')"
ok "backoff doubled to 20 s"
for i in never onfail clean always; do peer_send $i DESTROY; done
for i in never onfail clean always; do
	wait_status $i TERMINATED 30 || fail "$i not TERMINATED"
done
[ "$(containers_of "$NODE")" = 0 ] || fail "containers left"
stop_riklet
