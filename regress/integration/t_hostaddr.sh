#!/bin/sh
# host_address (field 4 of WorkerStatus): the node's source address
# towards the scheduler, learned by the parent, in every status; or
# "host address" from riklet.conf when set.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up

# host_addresses NODE: the distinct host_address values of NODE's statuses
host_addresses() {
	$PY - "$T/peer/received.jsonl" "$1" <<'PY'
import json, sys
seen = set()
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("rpc") == "status" and m.get("identifier") == sys.argv[2]:
        seen.add(m["host_address"])
print(" ".join(sorted(seen)))
PY
}

riklet_conf t-hostaddr
start_riklet "$T/riklet.conf" -v
peer_send t-hostaddr-1 CREATE "$(pod_def web)"
wait_status t-hostaddr-1 RUNNING 30 || fail "pod not RUNNING"
wait_for 5 sh -c "grep -q '\"kind\": \"worker\"' '$T/peer/received.jsonl'" ||
    fail "no WorkerMetric"
got=$(host_addresses t-hostaddr) || fail "reading the peer's records"
[ "$got" = "127.0.0.1" ] || fail "learned host_address: '$got', not 127.0.0.1"
grep -q "this node is 127.0.0.1 towards the scheduler" "$T/riklet.log" ||
    fail "the parent did not say what it learned"
ok "learned: every status of the node carries host_address 127.0.0.1"
stop_riklet

# The configuration's address wins; the parent does not look.
peer_down
rm -rf "$T/peer"
peer_up
EXTRA_CONF='host address "192.0.2.7"' riklet_conf t-hostaddr2
start_riklet "$T/riklet.conf" -v
wait_for 20 sh -c "grep -q '\"identifier\": \"t-hostaddr2\", \"kind\": \"worker\"' '$T/peer/received.jsonl'" ||
    fail "no WorkerMetric from t-hostaddr2"
got=$(host_addresses t-hostaddr2) || fail "reading the peer's records"
[ "$got" = "192.0.2.7" ] || fail "configured host_address: '$got', not 192.0.2.7"
! grep -q "towards the scheduler" "$T/riklet.log" ||
    fail "the parent looked for an address although one was configured"
ok "configured: host address \"192.0.2.7\" in every status"
stop_riklet
exit 0
