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
wait_for 20 registered "$NODE" ||
    fail "not registered"

# respawned ROLE OLDPID: a child of that role that is not OLDPID.
respawned() { _p=$(child_pid "$1"); [ -n "$_p" ] && [ "$_p" != "$2" ]; }
registrations() { peerq_in "$T/peer" registers | grep -cx "$NODE"; }
registered_more() { [ "$(registrations)" -gt "$1" ]; }
# Two samples: the first may have left before the kill.
sampled_more() { [ "$(podmetrics "$1" | wc -l)" -ge $(($2 + 2)) ]; }

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
	[ -n "$old" ] || fail "no $role child to kill"
	regs=$(registrations) samples=$(podmetrics r0 | wc -l)
	kill -KILL "$old" || fail "kill $role ($old)"
	ok "killed $role ($old) during the creation of 20 pods"
	wait_for 10 respawned $role "$old" || fail "no new $role child after $old"
	ok "a new $role child: $(child_pid $role)"
	case $role in
	agent)	wait_for 20 registered_more "$regs" ||
		    fail "the new agent did not register ($regs registrations before)"
		ok "the new agent registered" ;;
	metrics) wait_for 10 sampled_more r0 "$samples" ||
		    fail "no metrics of pod r0 since the kill ($samples before)"
		ok "the new metrics child samples pod r0" ;;
	esac
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
