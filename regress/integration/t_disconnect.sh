#!/bin/sh
# Disconnect policy.  By default pods keep running while the scheduler is
# away; with stop-after-disconnect 2s they are removed once it has been
# away 2 s, and the scheduler hears TERMINATED when it comes back.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-disc-$$
EXTRA_CONF="stop-after-disconnect 2s" riklet_conf "$NODE"
start_riklet "$T/riklet.conf"

peer_send d1 CREATE "$(pod_def d1 'main=sleep 100000')"
peer_send d2 CREATE "$(pod_def d2 'main=sleep 100000')"
wait_status d1 RUNNING 30 || fail "d1 not RUNNING"
wait_status d2 RUNNING 30 || fail "d2 not RUNNING"
peer_down
t0=$(date +%s)
sleep 1
[ "$(containers_of "$NODE")" = 4 ] || fail "pods stopped before 2 s"
ok "pods still there 1 s after the scheduler went away"
gone() { [ "$(containers_of "$NODE")" = 0 ]; }
wait_for 15 gone || fail "pods not removed: $(names_of "$NODE")"
dt=$(( $(date +%s) - t0 ))
grep -q "stop-after-disconnect" "$T/riklet.log" || fail "not logged"
ok "pods removed ${dt}s after the scheduler went away"

mv "$T/peer" "$T/peer.old"
peer_up "$PEER_PORT"
wait_status d1 TERMINATED 40 || fail "d1 TERMINATED not reported on return"
wait_status d2 TERMINATED 10 || fail "d2 TERMINATED not reported on return"
ok "TERMINATED reported when the scheduler came back: d1 $(statuses d1 | tr '\n' ' ')"
stop_riklet

# Without the setting, pods stay (fail-static).
NODE=t-disc2-$$
peer_down
rm -rf "$T/peer"
peer_up
EXTRA_CONF="" riklet_conf "$NODE"
start_riklet "$T/riklet.conf"
peer_send e1 CREATE "$(pod_def e1 'main=sleep 100000')"
wait_status e1 RUNNING 30 || fail "e1 not RUNNING"
peer_down
sleep 4
[ "$(containers_of "$NODE")" = 2 ] || fail "fail-static pod was stopped"
ok "without stop-after-disconnect the pod kept running"
stop_riklet
