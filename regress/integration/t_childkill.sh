#!/bin/sh
# kill -9 of each child while 20 pods are being created: every pod ends
# RUNNING, with exactly one container per (instance, container) and one
# infra container per pod.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-childkill-$$
riklet_conf "$NODE"
start_riklet "$T/riklet.conf"
wait_for 20 sh -c "$PY '$REGRESS_DIR/integration/peerq.py' registers '$T/peer' | grep -qx '$NODE'" ||
    fail "not registered"

all_running() {
	for _i in $(seq 0 19); do
		statuses "$1$_i" | grep -qx RUNNING || return 1
	done
}

for role in runtime agent metrics; do
	p=$(echo $role | cut -c1)
	for i in $(seq 0 19); do
		peer_send "$p$i" CREATE "$(pod_def k$i 'a=sleep 100000' 'b=sleep 100000')"
	done
	# Let the creates begin, then kill the child in their midst.
	wait_for 10 sh -c "grep -q 'pod $p[0-9]*: CREATING' '$T/riklet.log'" || fail "no create began"
	sleep 0.1
	old=$(child_pid $role)
	kill -KILL "$old"
	ok "killed $role ($old) during the creation of 20 pods"
	wait_for 90 all_running "$p" || {
		for i in $(seq 0 19); do echo "$p$i: $(statuses "$p$i" | tr '\n' ' ')"; done
		fail "not every pod RUNNING after killing $role"
	}
	names=$(names_of "$NODE" | grep -c "^/rik-$p[0-9]*-[ab]\$")
	[ "$names" = 40 ] || fail "expected 40 containers for the $p pods, found $names"
	infras=$(names_of "$NODE" | grep -c "^/rik-$p[0-9]*-pod\$")
	[ "$infras" = 20 ] || fail "expected 20 infra containers for the $p pods, found $infras"
	dups=$(names_of "$NODE" | sort | uniq -d)
	[ -z "$dups" ] || fail "duplicates: $dups"
	ok "after killing $role: 20 pods RUNNING, 40 containers and 20 infra, no duplicate"
done
[ "$(containers_of "$NODE")" = 180 ] || fail "expected 180 containers, have $(containers_of "$NODE")"
for p in r a m; do
	for i in $(seq 0 19); do peer_send "$p$i" DESTROY; done
done
wait_for 120 sh -c "[ \$(grep -c TERMINATED '$T/peer/received.jsonl') -ge 60 ]" ||
    fail "not every pod TERMINATED"
[ "$(containers_of "$NODE")" = 0 ] || fail "containers left"
ok "all destroyed"
stop_riklet
