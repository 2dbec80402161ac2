#!/bin/sh
# The parent's message tables (riklet-parent/msgtable.h), end to end:
# each child of the test-hook build, on SIGRTMIN+3 queued with a value,
# sends the parent a message of the type and size the value says
# (common/sandbox.c).  For every row of every child's table a size its
# rule refuses, and for each child a type it may not send: the parent
# logs the violation, kills the child and starts a new one, ready again.
# The rows come from the tables themselves (test_msgtable -l).  A child's
# restarts back off (250 ms doubling), so riklet starts afresh every two
# rounds.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user

hooks=${RIKLET_HOOKS:-}
[ -n "$hooks" ] && [ -x "$hooks" ] ||
    skip "no test-hook build (make test-hooks; RIKLET_HOOKS=path)"
lister=${BUILD:-$(dirname "$RIKLET")}/regress/test_msgtable
[ -x "$lister" ] || fail "no $lister (make $lister)"
RIKLET=$hooks
SIG=$(($($PY -c 'import signal; print(int(signal.SIGRTMIN))') + 3))

cat >"$T/riklet.conf" <<CONF
scheduler "127.0.0.1:9"
hostname "t-msgtable"
metric-resolution 1s
docker socket "$T/no-docker.sock"
control socket "$T/riklet.sock"
chroot "$T/empty"
CONF
mkdir -p "$T/empty"
chmod 0755 "$T" "$T/empty"

"$lister" -l >"$T/rows" || fail "test_msgtable -l"
[ "$(wc -l <"$T/rows")" -ge 30 ] || fail "too few rows: $(cat "$T/rows")"
# One file per child: its rows, one a line.
for role in agent metrics runtime control; do
	awk -v r=$role '$1 == r' "$T/rows" >"$T/rows.$role"
	[ -s "$T/rows.$role" ] || fail "no rows for $role"
done

ready_pid() { sed -n "s/^.*$1 ready (pid \([0-9]*\)).*\$/\1/p" "$T/riklet.log" | tail -n 1; }
# ready_other ROLE OLDPID: a ready child of that role that is not OLDPID.
ready_other() { _p=$(ready_pid "$1"); [ -n "$_p" ] && [ "$_p" != "$2" ] && kill -0 "$_p" 2>/dev/null; }

round=0 sent=0
while :; do
	left=0
	for role in agent metrics runtime control; do
		[ "$(wc -l <"$T/rows.$role")" -gt "$round" ] && left=1
	done
	[ $left = 1 ] || break
	if [ $((round % 2)) = 0 ]; then
		stop_riklet
		start_riklet "$T/riklet.conf"
		for role in agent metrics runtime control; do
			wait_for 5 ready_other $role 0 || fail "$role not ready"
		done
	fi
	round=$((round + 1))
	# One message from each child that has a row left, all at once.
	: >"$T/sent"
	for role in agent metrics runtime control; do
		row=$(sed -n "${round}p" "$T/rows.$role")
		[ -n "$row" ] || continue
		set -- $row
		pid=$(ready_pid $role)
		/bin/kill -s $SIG -q $(($2 | $4 << 8)) "$pid" ||
		    fail "$role: cannot signal $pid"
		echo "$role $pid $3 $4" >>"$T/sent"
	done
	while read -r role pid name size; do
		wait_for 5 grep -q "protocol violation by $role (pid $pid): .*$name" "$T/riklet.log" ||
		    fail "$role (pid $pid): $name of $size bytes taken"
		wait_for 5 ready_other $role "$pid" ||
		    fail "$role not restarted after $name of $size bytes"
		ok "$role: $name of $size bytes: $(grep -o "protocol violation by $role (pid $pid): [^;]*" "$T/riklet.log" | head -n 1 | sed 's/.*: //'); restarted as $(ready_pid $role)"
		sent=$((sent + 1))
	done <"$T/sent"
done
[ "$sent" = "$(wc -l <"$T/rows")" ] || fail "$sent of $(wc -l <"$T/rows") sent"
kill -0 "$RIKLET_PID" || fail "riklet died"
stop_riklet
ok "$sent messages refused, each child restarted each time"
