#!/bin/sh
# The scheduler killed in the middle of a burst of state changes and
# started again: riklet re-registers, and the scheduler ends up with every
# pod's state, each pod's statuses in order.  (A status the agent handed
# to the transport just before the crash can be lost with the scheduler;
# that is why riklet re-sends every pod's state after registering.)
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-schedrestart-$$
riklet_conf "$NODE"
start_riklet "$T/riklet.conf"
wait_for 20 registered "$NODE" ||
    fail "not registered"

N=30
for i in $(seq 1 $N); do
	peer_send "s$i" CREATE "$(pod_def s$i 'main=sleep 100000')"
done
wait_for 20 sh -c "[ \$(grep -c 'pod s[0-9]*: CREATING' '$T/riklet.log') -ge $N ]" ||
    fail "the creates did not all arrive"
peer_down
ok "scheduler killed with $(grep -c 'pod s[0-9]*: RUNNING' "$T/riklet.log") of $N pods RUNNING"
sleep 2
first=$T/peer
T_SAVE=$T
mkdir -p "$T/peer2"
# The new scheduler, same port, its own record.
PEER_LIFETIME=600
$PY "$REGRESS_DIR/peer/scheduler.py" --port "$PEER_PORT" --dir "$T/peer2" \
    --lifetime 600 >>"$T/peer.log" 2>&1 &
PEER_PID=$!
wait_for 30 test -f "$T/peer2/ready" || fail "peer did not restart"

merged() {
	mkdir -p "$T/all"
	cat "$first/received.jsonl" "$T/peer2/received.jsonl" \
	    >"$T/all/received.jsonl" 2>/dev/null
}
all_running() {
	merged
	for _i in $(seq 1 $N); do
		peerq_in "$T/all" statuses "s$_i" | grep -qx RUNNING || return 1
	done
}
wait_for 60 all_running || fail "not every pod's RUNNING reached the scheduler"
wait_for 5 sh -c "grep -q '\"register\"' '$T/peer2/received.jsonl'" || fail "no re-registration"
ok "re-registered; every pod's RUNNING arrived"

# In order: once RUNNING was seen for a pod, no CREATING after it.
for i in $(seq 1 $N); do
	seq=$(peerq_in "$T/all" statuses "s$i" | uniq | tr '\n' ' ')
	case "$seq" in
	"CREATING RUNNING "|"RUNNING ") ;;
	*) fail "s$i: out of order: $seq" ;;
	esac
done
ok "every pod's statuses in order"
[ "$(containers_of "$NODE")" = $((2 * N)) ] || fail "containers: $(containers_of "$NODE")"
stop_riklet
