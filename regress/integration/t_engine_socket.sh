#!/bin/sh
# The engine socket at start (riklet(8), ENGINE SOCKET): one whose group
# is root (as Podman makes it) or that its group may not read and write
# is refused at once with what to change; one of group docker, mode 0660,
# is taken.  The old spelling "docker socket" still names it.  No engine
# needed: the socket is a plain listening one.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
getent group docker >/dev/null || groupadd -r docker
mkdir -p "$T/empty"
chmod 0755 "$T" "$T/empty"
S=$T/engine.sock
$PY -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
time.sleep(60)' "$S" &
SOCK_PID=$!
at_exit "kill $SOCK_PID 2>/dev/null"
wait_for 5 test -S "$S" || fail "no socket"

conf() {
	cat >"$T/riklet.conf" <<CONF
scheduler "127.0.0.1:1"
hostname "t-enginesock-$$"
$1 socket "$S"
control socket "$T/riklet.sock"
chroot "$T/empty"
CONF
}

# refused WHY: riklet exits 1 at once, saying WHY and what to change.
refused() {
	timeout 10 "$RIKLET" -d -f "$T/riklet.conf" >"$T/out" 2>&1
	rc=$?
	[ $rc -eq 1 ] || fail "exit $rc, not 1: $(cat "$T/out")"
	grep -q "engine socket $S $1" "$T/out" || fail "no reason: $(cat "$T/out")"
	grep -q "chmod 0660 $S" "$T/out" || fail "no remedy: $(cat "$T/out")"
}

chown root:root "$S"
chmod 0600 "$S"
conf engine
refused "belongs to the group root"
ok "root:root 0600 refused: $(cat "$T/out")"

chgrp docker "$S"
chmod 0640 "$S"
conf docker
refused "is not readable and writable by its group"
ok "root:docker 0640 refused"

chmod 0660 "$S"
start_riklet "$T/riklet.conf"
grep -q "engine socket $S" "$T/riklet.log" && fail "refused: $(cat "$T/riklet.log")"
ok "root:docker 0660 taken, by its old name docker socket"
