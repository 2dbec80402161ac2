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
     "image": "riklet/busybox:local",
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

runs() { [ "$(status_count "$1" RUNNING)" -ge "$2" ]; }
wait_for 20 runs onfail 2 || fail "onfail not restarted: $(statuses onfail | tr '\n' ' ')"
ok "OnFailure restarted: $(statuses onfail | tr '\n' ' ')"
wait_for 15 runs always 2 || fail "always not restarted: $(statuses always | tr '\n' ' ')"
ok "Always restarted: $(statuses always | tr '\n' ' ')"

seq=$(statuses never | tr '\n' ' ')
[ "$seq" = "CREATING RUNNING FAILED " ] || fail "never: $seq"
seq=$(statuses clean | tr '\n' ' ')
[ "$seq" = "CREATING RUNNING FAILED " ] || fail "clean: $seq"
ok "Never and OnFailure+exit 0 stay FAILED"

# The crash loop: a third start, after 10 s and then 20 s of backoff
# (from the FAILED the peer saw to the next CREATING).
wait_for 35 runs onfail 3 || fail "onfail not restarted a second time: $(statuses onfail | tr '\n' ' ')"
status_times onfail >"$T/onfail"
seq=$(awk '{ print $2 }' "$T/onfail" | head -n 8 | tr '\n' ' ')
[ "$seq" = "CREATING RUNNING FAILED CREATING RUNNING FAILED CREATING RUNNING " ] ||
    fail "onfail: $seq"
gaps=$(awk '$2 == "FAILED" { f = $1 } $2 == "CREATING" && f { printf "%.1f ", $1 - f; f = 0 }' "$T/onfail")
set -- $gaps
[ $# -ge 2 ] || fail "onfail: backoffs $gaps"
awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= 9 && a <= 13 && b >= 19 && b <= 24) }' ||
    fail "onfail: backoffs of $1 s and $2 s, want about 10 s and 20 s"
ok "backoff $1 s, then doubled to $2 s"
for i in never onfail clean always; do peer_send $i DESTROY; done
for i in never onfail clean always; do
	wait_status $i TERMINATED 30 || fail "$i not TERMINATED"
done
[ "$(containers_of "$NODE")" = 0 ] || fail "containers left"
stop_riklet
