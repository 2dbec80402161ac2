#!/bin/sh
# A new agent, and what it owes the scheduler.  Every WorkerMetric
# carries a node sample, never "{}": a restarted agent gets the latest
# from the parent and sends it at once, long before the next sample
# (metric-resolution 60s here).  A reload that names another scheduler
# restarts the agent (its sandbox may only connect to the old port), and
# the new one registers there.  No engine needed.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
peer_up
NODE=t-agentrestart-$$
mkdir -p "$T/empty"
chmod 0755 "$T" "$T/empty"
write_conf() {
	cat >"$T/riklet.conf" <<CONF
scheduler "127.0.0.1:$1"
hostname "$NODE"
metric-resolution 60s
docker socket "$T/no-docker.sock"
control socket "$T/riklet.sock"
chroot "$T/empty"
CONF
}
q() { $PY "$REGRESS_DIR/integration/peerq.py" "$@"; }
registers() { [ "$(q registers "$1" | grep -cx "$NODE")" -ge "$2" ]; }
workers() { [ "$(q workermetrics "$1" | wc -l)" -ge "$2" ]; }
all_samples() {	# DIR: every WorkerMetric a node sample
	q workermetrics "$1" | while read -r m; do
		case $m in
		*'"cpu"'*'"memory"'*) ;;
		*) echo "WorkerMetric without a node sample: $m"; return 1 ;;
		esac
	done
}

write_conf "$PEER_PORT"
start_riklet "$T/riklet.conf" -v
wait_for 20 registers "$T/peer" 1 || fail "not registered"
wait_for 10 workers "$T/peer" 1 || fail "no WorkerMetric"
all_samples "$T/peer" || fail "first WorkerMetric"
first=$(q workermetrics "$T/peer" | head -n 1)
ok "registered; the first WorkerMetric carries a node sample"

old=$(child_pid agent)
t0=$(date +%s)
kill -KILL "$old"
wait_for 15 registers "$T/peer" 2 || fail "the new agent did not register"
wait_for 5 workers "$T/peer" 2 || fail "no WorkerMetric from the new agent"
dt=$(( $(date +%s) - t0 ))
all_samples "$T/peer" || fail "WorkerMetric of the new agent"
# No new sample in 60 s: the new agent's is the parent's latest.
[ "$(q workermetrics "$T/peer" | sed -n 2p)" = "$first" ] ||
    fail "the new agent's WorkerMetric is not the parent's latest sample"
ok "agent $old killed: its successor sent the parent's latest sample ${dt}s later"

# Another scheduler, on another port, named by a reload.
PORT2=$(free_port)
mkdir -p "$T/peer2"
$PY "$REGRESS_DIR/peer/scheduler.py" --port "$PORT2" --dir "$T/peer2" \
    --lifetime 300 >>"$T/peer2.log" 2>&1 &
PEER2_PID=$!
at_exit 'kill -KILL $PEER2_PID 2>/dev/null'
wait_for 30 test -f "$T/peer2/ready" || fail "second peer did not start"
old=$(child_pid agent)
write_conf "$PORT2"
kill -HUP "$RIKLET_PID"
wait_for 5 grep -q "restarting agent (pid $old): the scheduler's settings changed" \
    "$T/riklet.log" || fail "agent not restarted on a new scheduler"
wait_for 15 registers "$T/peer2" 1 || fail "not registered with the new scheduler"
wait_for 5 workers "$T/peer2" 1 || fail "no WorkerMetric to the new scheduler"
all_samples "$T/peer2" || fail "WorkerMetric to the new scheduler"
grep -q "agent (pid $old) exited\|agent (pid $old) killed" "$T/riklet.log" &&
    fail "the restart was logged as a failure"
if grep -q "agent: Landlock ABI [0-9]*: TCP connect to port" "$T/riklet.log"; then
	grep -q "agent: Landlock ABI [0-9]*: TCP connect to port $PORT2 only" \
	    "$T/riklet.log" || fail "the new agent's Landlock rule is not for $PORT2"
fi
ok "reload to port $PORT2: agent $old restarted as $(child_pid agent), registered there"
stop_riklet
