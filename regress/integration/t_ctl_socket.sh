#!/bin/sh
# The control socket: 0660 root:root even under umask 000 in a set-group-ID
# directory of another group, and never reachable before that: its path
# appears by a rename, over a stale socket, with no create or attribute
# change on it (watched with inotify) and nothing left beside it.  The
# parent's descriptors for it are close-on-exec, the copy it passes to
# each control child is made with F_DUPFD_CLOEXEC (seen with strace), and
# no other child holds it.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
CTL=${RIKLETCTL:-$(dirname "$RIKLET")/rikletctl}
[ -x "$CTL" ] || fail "no rikletctl at $CTL"
command -v strace >/dev/null || fail "needs strace (regress/deps.sh installs it)"
getent group nogroup >/dev/null || fail "no group nogroup"
RUN=$T/run
SOCK=$RUN/riklet.sock
mkdir -p "$T/empty" "$RUN"
chmod 0755 "$T" "$T/empty"
chgrp nogroup "$RUN"
chmod 2775 "$RUN"
cat >"$T/riklet.conf" <<CONF
scheduler "127.0.0.1:9"
hostname "t-ctl-socket"
metric-resolution 1s
docker socket "$T/no-docker.sock"
control socket "$SOCK"
chroot "$T/empty"
CONF

# A stale socket, as a riklet killed with -9 leaves it.
$PY -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SOCK" ||
    fail "no stale socket"

# Every inotify event in $RUN, "MASK NAME" a line, until killed.
$PY - "$RUN" "$T/events" <<'PY' &
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init()
names = {0x4: "ATTRIB", 0x80: "MOVED_TO", 0x100: "CREATE", 0x200: "DELETE",
         0x40: "MOVED_FROM", 0x8: "CLOSE_WRITE"}
if fd < 0 or libc.inotify_add_watch(fd, sys.argv[1].encode(),
                                    sum(names)) < 0:
    sys.exit("inotify: %s" % os.strerror(ctypes.get_errno()))
out = open(sys.argv[2], "w", buffering=1)
out.write("READY\n")
while True:
    buf = os.read(fd, 65536)
    i = 0
    while i < len(buf):
        wd, mask, cookie, n = struct.unpack_from("iIII", buf, i)
        name = buf[i + 16:i + 16 + n].rstrip(b"\0").decode()
        i += 16 + n
        for bit, what in names.items():
            if mask & bit:
                out.write("%s %s\n" % (what, name))
PY
WATCH_PID=$!
at_exit "kill $WATCH_PID 2>/dev/null"
wait_for 10 grep -qsx READY "$T/events" || fail "no inotify watcher"

old_umask=$(umask)
umask 000
start_riklet "$T/riklet.conf"
umask "$old_umask"
wait_for 5 grep -q "control ready" "$T/riklet.log" || fail "control not ready"
wait_for 5 sh -c "'$CTL' -s '$SOCK' show status >/dev/null 2>&1" || fail "rikletctl does not answer"

[ "$(stat -c '%F %a %U %G' "$SOCK")" = "socket 660 root root" ] ||
    fail "socket: $(stat -c '%F %a %U %G' "$SOCK")"
[ "$(ls -A "$RUN")" = riklet.sock ] || fail "left in $RUN: $(ls -A "$RUN" | tr '\n' ' ')"
sleep 0.2
grep "riklet.sock\$" "$T/events" >"$T/sockevents"
[ "$(cat "$T/sockevents")" = "MOVED_TO riklet.sock" ] ||
    fail "events on the socket's path: $(tr '\n' ' ' <"$T/sockevents")"
ok "socket 0660 root:root under umask 000 in a set-group-ID nogroup directory; its path appeared by a rename only: $(grep -v READY "$T/events" | tr '\n' ' ')"

# The listening socket's inode: the parent's only listening unix socket.
for _l in /proc/$RIKLET_PID/fd/*; do
	readlink "$_l"
done | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' >"$T/inodes"
inode=$(awk 'NR == FNR { mine[$1] = 1; next } $4 == "00010000" && ($7 in mine) { print $7 }' \
    "$T/inodes" /proc/net/unix)
[ -n "$inode" ] && [ "$(echo "$inode" | wc -l)" = 1 ] || fail "listening sockets of the parent: [$inode]"
# fds_of PID: the descriptors of PID open on the socket.
fds_of() {
	for _l in /proc/$1/fd/*; do
		[ "$(readlink "$_l" 2>/dev/null)" = "socket:[$inode]" ] && basename "$_l"
	done
}
pfds=$(fds_of "$RIKLET_PID")
[ -n "$pfds" ] || fail "the parent does not hold the socket"
for fd in $pfds; do
	flags=$(awk '$1 == "flags:" { print $2 }' "/proc/$RIKLET_PID/fdinfo/$fd")
	[ $(( 0$flags & 02000000 )) -ne 0 ] || fail "parent fd $fd: flags $flags, not close-on-exec"
done
ok "the parent's descriptors $(echo $pfds) on the socket are close-on-exec"

# A new control child: the parent's copy for it, seen as it is made.
lfd=$(echo $pfds | cut -d' ' -f1)
strace -qq -p "$RIKLET_PID" -e trace=dup,dup2,dup3,fcntl -o "$T/strace" &
STRACE_PID=$!
at_exit "kill $STRACE_PID 2>/dev/null"
sleep 0.5
ctlpid=$(child_pid control)
rtpid=$(child_pid runtime)
kill -KILL "$ctlpid" "$rtpid"
wait_for 5 sh -c "[ \$(grep -c 'control ready' '$T/riklet.log') -ge 2 ] && [ \$(grep -c 'runtime ready' '$T/riklet.log') -ge 2 ]" ||
    fail "control and runtime not restarted"
wait_for 5 sh -c "'$CTL' -s '$SOCK' show status >/dev/null 2>&1" || fail "rikletctl does not answer after the restart"
kill "$STRACE_PID"
wait "$STRACE_PID" 2>/dev/null
grep -q "^fcntl($lfd, F_DUPFD_CLOEXEC, 0) *= [0-9]" "$T/strace" ||
    fail "no F_DUPFD_CLOEXEC of fd $lfd: $(cat "$T/strace")"
! grep -q "^dup[23]*($lfd[,)]" "$T/strace" || fail "fd $lfd duplicated otherwise: $(grep "^dup" "$T/strace")"
ok "the new control child's copy: $(grep -m 1 F_DUPFD_CLOEXEC "$T/strace")"

for role in agent metrics runtime; do
	[ -z "$(fds_of "$(child_pid $role)")" ] || fail "$role holds the control socket"
done
[ -n "$(fds_of "$(child_pid control)")" ] || fail "the control child does not hold the socket"
ok "only the control child holds the socket"

stop_riklet
[ ! -e "$SOCK" ] || fail "socket left after SIGTERM"
[ -z "$(ls -A "$RUN")" ] || fail "left in $RUN: $(ls -A "$RUN")"
ok "socket removed on SIGTERM"
