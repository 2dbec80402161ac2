#!/bin/sh
# The sandbox (common/sandbox.c): every child and every one of its threads
# runs under a seccomp filter, with its resource limits, survives
# SIGSTOP/SIGCONT; and, with the test-hook build (make test-hooks), a
# forbidden system call kills the child with SIGSYS and the parent
# restarts it, and the agent reaches the scheduler's port but no other
# loopback port (Landlock ABI 4, else a counted skip) and no abstract unix
# socket.  The installed binary must not carry the hooks.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user

# Listeners the agent may reach (the scheduler's port) and must not (the
# other port, an abstract unix name); each connection is a line in a file.
SCHED_PORT=$(free_port)
OTHER_PORT=$(free_port)
[ "$SCHED_PORT" != "$OTHER_PORT" ] || OTHER_PORT=$(free_port)
ABSTRACT=riklet-t-sandbox-$$
$PY - "$T/reached" "$SCHED_PORT" "$OTHER_PORT" "$ABSTRACT" <<'PY' &
import select, socket, sys
out, name = sys.argv[1], sys.argv[4]
socks = {}
for p in sys.argv[2:4]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(p)))
    s.listen(16)
    socks[s] = "tcp-" + p
u = socket.socket(socket.AF_UNIX)
u.bind("\0" + name)
u.listen(4)
socks[u] = "abstract"
open(out + ".ready", "w").close()
while True:
    for s in select.select(list(socks), [], [])[0]:
        c = s.accept()[0]
        c.close()
        with open(out + "." + socks[s], "a") as f:
            f.write("connection\n")
PY
LISTEN_PID=$!
at_exit 'kill $LISTEN_PID 2>/dev/null'
wait_for 10 test -f "$T/reached.ready" || fail "listeners did not start"

cat >"$T/riklet.conf" <<CONF
scheduler "127.0.0.1:$SCHED_PORT"
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
RIKLET_HOOK_TCP_PORT=$OTHER_PORT RIKLET_HOOK_ABSTRACT=$ABSTRACT
export RIKLET_HOOK_TCP_PORT RIKLET_HOOK_ABSTRACT
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

# The agent's TCP: its scheduler's port, and no other.  Landlock decides,
# where the kernel has network rules (ABI 4); the agent logs which.
RTMIN=$($PY -c 'import signal; print(int(signal.SIGRTMIN))')
kernel_abi=$($PY -c 'import ctypes
l = ctypes.CDLL(None, use_errno=True)
l.syscall.restype = ctypes.c_long
print(max(l.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1)), 0))')
lsm=/sys/kernel/security/lsm
wait_ready agent
if [ "$kernel_abi" -lt 4 ] || { [ -r $lsm ] && ! grep -q landlock $lsm; }; then
	grep -q "agent: Landlock.*not limited to port $SCHED_PORT" \
	    "$T/riklet.log" || grep -q "agent: Landlock not available" \
	    "$T/riklet.log" || fail "agent: Landlock's absence not logged"
	echo "SKIP t_sandbox agent tcp: kernel Landlock ABI $kernel_abi, network rules need 4$([ -r $lsm ] && echo "; lsm: $(cat $lsm)")"
else
	grep -q "agent: Landlock ABI [0-9]*: TCP connect to port $SCHED_PORT only" \
	    "$T/riklet.log" || fail "agent: no Landlock rule for port $SCHED_PORT (kernel ABI $kernel_abi)"
	kill -$((RTMIN + 1)) "$pid"
	wait_for 5 grep -q "hook: tcp connect to 127.0.0.1:$OTHER_PORT:" \
	    "$T/riklet.log" || fail "agent: the TCP hook did not run"
	grep -q "hook: tcp connect to 127.0.0.1:$SCHED_PORT: ok" \
	    "$T/riklet.log" || fail "agent could not connect to its scheduler's port"
	grep -q "hook: tcp connect to 127.0.0.1:$OTHER_PORT: Permission denied" \
	    "$T/riklet.log" || fail "$(grep "hook: tcp connect to 127.0.0.1:$OTHER_PORT" "$T/riklet.log")"
	[ ! -e "$T/reached.tcp-$OTHER_PORT" ] || fail "port $OTHER_PORT was reached"
	[ -s "$T/reached.tcp-$SCHED_PORT" ] || fail "port $SCHED_PORT was not reached"
	[ "$(child_pid agent)" = "$pid" ] || fail "the TCP hook ended the agent"
	ok "agent (kernel Landlock ABI $kernel_abi): TCP to port $SCHED_PORT, not to $OTHER_PORT (EACCES)"
fi

# No unix socket: a datagram one (syslog's reconnect) is refused, a
# stream one kills; the abstract name is never reached.
old=$pid
kill -$((RTMIN + 2)) "$old"
wait_for 5 grep -q "agent (pid $old) killed by signal 31" "$T/riklet.log" ||
    fail "agent (pid $old) not killed by SIGSYS for a unix stream socket"
grep -q "hook: unix datagram socket: Permission denied" "$T/riklet.log" ||
    fail "agent: unix datagram socket not refused"
! grep -q "hook: unix stream socket" "$T/riklet.log" ||
    fail "$(grep "hook: unix stream" "$T/riklet.log")"
[ ! -e "$T/reached.abstract" ] || fail "the abstract unix socket was reached"
ok "agent: no unix socket (datagram: EACCES; stream: SIGSYS), @$ABSTRACT not reached"

grep -q "exited with status 70" "$T/riklet.log" &&
    fail "a forbidden call returned instead of killing"
stop_riklet
exit 0
