#!/bin/sh
# The foundation: a root parent, three unprivileged re-executed children,
# supervision with restart, SIGHUP with a broken file, SIGTERM.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user

cat >"$T/riklet.conf" <<CONF
scheduler "127.0.0.1:9"
hostname "t-privsep"
metric-resolution 1s
docker socket "$T/no-docker.sock"
control socket "$T/riklet.sock"
chroot "$T/empty"
CONF
mkdir -p "$T/empty"
chmod 0755 "$T" "$T/empty"

# Not root: an error, exit 1, nothing started.
if setpriv --reuid=nobody --regid=nogroup --clear-groups "$RIKLET" -d \
    -f "$T/riklet.conf" >"$T/nonroot" 2>&1; then
	fail "riklet ran without root"
fi
grep -q "need root privileges" "$T/nonroot" || fail "non-root: $(cat "$T/nonroot")"
ok "without root: $(cat "$T/nonroot")"

start_riklet "$T/riklet.conf"
ps -o user=,args= --ppid "$RIKLET_PID" --pid "$RIKLET_PID" >"$T/ps"
grep -q '^root  *riklet: parent' "$T/ps" || fail "no parent title: $(cat "$T/ps")"
for role in agent metrics runtime; do
	pid=$(child_pid $role)
	[ -n "$pid" ] || fail "no $role"
	uid=$(status_field "$pid" Uid)
	gid=$(status_field "$pid" Gid)
	[ "$uid" != 0 ] && [ -n "$uid" ] || fail "$role runs as uid $uid"
	[ "$gid" != 0 ] && [ -n "$gid" ] || fail "$role runs as gid $gid"
	[ "$(status_field "$pid" NoNewPrivs)" = 1 ] || fail "$role: NoNewPrivs"
	[ "$(status_field "$pid" CapEff)" = 0000000000000000 ] ||
	    fail "$role: CapEff $(status_field "$pid" CapEff)"
	ok "$role (pid $pid) uid $uid gid $gid, no caps, no new privs"
done
root=$(readlink "/proc/$(child_pid agent)/root")
[ "$root" = "$T/empty" ] || fail "agent root is $root, not $T/empty"
ok "agent chrooted in $root"
for role in metrics runtime; do
	[ "$(readlink "/proc/$(child_pid $role)/root")" = / ] ||
	    fail "$role should not be chrooted"
done

# kill -9 each child: a new one of the same role within 2 s.
for role in agent metrics runtime; do
	old=$(child_pid $role)
	kill -KILL "$old"
	wait_for 2 sh -c "p=\$(pgrep -P $RIKLET_PID -f '^riklet: $role\$'); [ -n \"\$p\" ] && [ \"\$p\" != $old ]" ||
	    fail "$role not restarted within 2 s"
	grep -q "$role (pid $old) killed by signal 9" "$T/riklet.log" ||
	    fail "death of $role not logged"
	ok "$role restarted: $old -> $(child_pid $role)"
done
wait_for 2 grep -q "agent ready" "$T/riklet.log" || fail "agent not ready"

# SIGHUP with a broken file: logged with file:line, daemon stays.
cp "$T/riklet.conf" "$T/good.conf"
printf 'metric-resolution 0s\n' >>"$T/riklet.conf"
kill -HUP "$RIKLET_PID"
wait_for 2 grep -q "$T/riklet.conf:7: " "$T/riklet.log" ||
    fail "broken reload not reported as file:line"
sleep 0.3
kill -0 "$RIKLET_PID" || fail "riklet died on a broken reload"
grep -q "keeping the old one" "$T/riklet.log" || fail "old configuration not kept"
ok "broken reload reported: $(grep "$T/riklet.conf:7:" "$T/riklet.log" | head -n 1)"
cp "$T/good.conf" "$T/riklet.conf"
kill -HUP "$RIKLET_PID"
wait_for 2 grep -q "configuration reloaded" "$T/riklet.log" || fail "reload"

# SIGTERM: every process gone within 2 s.
pids="$RIKLET_PID $(pgrep -P "$RIKLET_PID" | tr '\n' ' ')"
kill -TERM "$RIKLET_PID"
wait_for 2 sh -c "for p in $pids; do kill -0 \$p 2>/dev/null && exit 1; done; exit 0" ||
    fail "processes left 2 s after SIGTERM: $(ps -o pid=,args= -p "$(echo $pids | tr ' ' ',')")"
wait "$RIKLET_PID" 2>/dev/null
RIKLET_PID=""
ok "SIGTERM stopped every process"
