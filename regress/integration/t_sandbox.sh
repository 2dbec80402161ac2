#!/bin/sh
# The sandbox (common/sandbox.c): every child and every one of its threads
# runs under a seccomp filter, with its resource limits, survives
# SIGSTOP/SIGCONT; and, with the test-hook build (make test-hooks), a
# forbidden system call kills the child with SIGSYS and the parent
# restarts it.  The installed binary must not carry the hooks.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user

cat >"$T/riklet.conf" <<CONF
scheduler "127.0.0.1:9"
hostname "t-sandbox"
metric-resolution 1s
docker socket "$T/no-docker.sock"
control socket "$T/riklet.sock"
chroot "$T/empty"
CONF
mkdir -p "$T/empty"
chmod 0755 "$T" "$T/empty"

limit() { awk -v k="$2" 'index($0, k) == 1 { print $(NF - 2) }' "/proc/$1/limits"; }

wait_ready() {	# ROLE: a ready child of that role, its pid in $pid
	wait_for 5 sh -c "p=\$(pgrep -P $RIKLET_PID -f '^riklet: $1\$') &&
	    grep -q '$1 ready (pid '\"\$p\"')' '$T/riklet.log'" ||
	    fail "$1 not ready"
	pid=$(child_pid "$1")
}

start_riklet "$T/riklet.conf" -v
for role in agent metrics runtime control; do
	wait_ready $role
	for task in /proc/"$pid"/task/*; do
		s=$(awk '$1 == "Seccomp:" { print $2 }' "$task/status")
		[ "$s" = 2 ] || fail "$role task ${task##*/}: Seccomp $s"
	done
	[ "$(status_field "$pid" NoNewPrivs)" = 1 ] || fail "$role: NoNewPrivs"
	[ "$(limit "$pid" "Max core file size")" = 0 ] ||
	    fail "$role: core files allowed"
	ok "$role (pid $pid): Seccomp 2 in $(ls /proc/"$pid"/task | wc -l) thread(s), no core"
done
for role in metrics runtime control; do
	[ "$(limit "$(child_pid $role)" "Max processes")" = 0 ] ||
	    fail "$role may fork"
done
ok "metrics, runtime and control: RLIMIT_NPROC 0"
if grep -q "metrics: Landlock ABI" "$T/riklet.log"; then
	ok "$(grep -o 'metrics: Landlock ABI.*' "$T/riklet.log" | head -n 1)"
else
	grep -q "metrics: Landlock not available" "$T/riklet.log" ||
	    fail "metrics: neither Landlock nor its absence logged"
	ok "Landlock not available here: skipped"
fi

# A stopped and continued child is still the same, confined, process.
for role in agent metrics runtime control; do
	pid=$(child_pid $role)
	kill -STOP "$pid"
	sleep 0.3
	kill -CONT "$pid"
	sleep 1.2
	[ "$(child_pid $role)" = "$pid" ] && kill -0 "$pid" ||
	    fail "$role did not survive SIGSTOP/SIGCONT"
	! grep -q "killed by signal" "$T/riklet.log" ||
	    fail "$(grep "killed by signal" "$T/riklet.log")"
done
ok "every child survived SIGSTOP/SIGCONT"
stop_riklet

hooks=${RIKLET_HOOKS:-}
[ -n "$hooks" ] && [ -x "$hooks" ] ||
    skip "no test-hook build (make test-hooks; RIKLET_HOOKS=path)"
for role in agent metrics runtime control; do
	exe=$(dirname "$RIKLET")/riklet-$role
	! grep -q "sandbox test hook" "$exe" ||
	    fail "$exe contains the sandbox test hooks"
	exe=$(dirname "$hooks")/riklet-$role
	grep -q "sandbox test hook" "$exe" || fail "$exe has no test hooks"
done
ok "test hooks only in the test build's role executables"

RIKLET=$hooks
start_riklet "$T/riklet.conf" -v
# SIGUSR1: exec, which no child may.  SIGUSR2: the call this child's
# filter refuses by argument (agent: a netlink socket; metrics: open
# for writing; runtime and control: an IP socket).
for sig in USR1 USR2; do
	for role in agent metrics runtime control; do
		wait_ready $role
		old=$pid
		kill -$sig "$old"
		wait_for 5 grep -q "$role (pid $old) killed by signal 31" \
		    "$T/riklet.log" ||
		    fail "$role (pid $old) not killed by SIGSYS on SIG$sig"
		wait_for 5 sh -c "p=\$(pgrep -P $RIKLET_PID -f '^riklet: $role\$'); [ -n \"\$p\" ] && [ \"\$p\" != $old ]" ||
		    fail "$role not restarted after SIGSYS"
		ok "SIG$sig: $role (pid $old) killed by SIGSYS, restarted as $(child_pid $role)"
	done
done
grep -q "exited with status 70" "$T/riklet.log" &&
    fail "a forbidden call returned instead of killing"
stop_riklet
exit 0
