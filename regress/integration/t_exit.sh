#!/bin/sh
# A container's exit as the engine reports it: exit code 3 reported
# FAILED (ContainerExited, exitCode 3) within 1 s of the exit the engine
# recorded (its FinishedAt).  On both engines.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-exit-$$
riklet_conf "$NODE"
start_riklet "$T/riklet.conf"
CR=crash-$$

mkdef() {	# NAME COMMAND [MEMORY]
	$PY - "$@" <<'PY'
import json, sys
c = {"name": "c", "image": "riklet/busybox:local",
     "command": ["/bin/sh", "-c", sys.argv[2]]}
if len(sys.argv) > 3:
    c["resources"] = {"limits": {"memory": sys.argv[3]}}
print(json.dumps({"name": sys.argv[1], "spec": {"containers": [c]}}))
PY
}

peer_send "$CR" CREATE "$(mkdef crash 'sleep 1; exit 3')"

wait_status "$CR" FAILED 30 || fail "$CR never FAILED: $(statuses "$CR" | tr '\n' ' ')"
r=$(expect_reason "$CR" ContainerExited) || fail "$r"
grep "\"instance_id\": \"$CR\"" "$T/peer/received.jsonl" | grep FAILED |
    grep -q 'exitCode[^0-9]*3' || fail "no exitCode 3 for $CR"
failed_at=$(status_times "$CR" | awk '$2 == "FAILED" { print $1; exit }')
docker_api GET "/containers/rik-$CR-c/json" >"$T/inspect" ||
    fail "no inspect of rik-$CR-c"
$PY - "$T/inspect" "$failed_at" <<'PY' >"$T/delay" || fail "$(cat "$T/delay")"
import json, sys, datetime
s = json.load(open(sys.argv[1]))["State"]["FinishedAt"]
# RFC 3339 with nanoseconds: keep microseconds for fromisoformat.
main, frac = s.rstrip("Z").split(".")
t = datetime.datetime.fromisoformat(main + "." + frac[:6]).replace(
    tzinfo=datetime.timezone.utc).timestamp()
d = float(sys.argv[2]) - t
print("%.3f" % d)
sys.exit(0 if -0.5 <= d <= 1.0 else 1)
PY
ok "exit 3 reported FAILED ContainerExited, exitCode 3, $(cat "$T/delay") s after the exit"

