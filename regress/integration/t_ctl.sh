#!/bin/sh
# rikletctl against a running riklet without pods: the control child's
# privilege drop, the socket's mode, every command's table and JSON field
# by field, malformed requests answered with an error and nothing else,
# a non-root user refused, the connection limit, a restarted control
# child, a stale socket.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
CTL=${RIKLETCTL:-$(dirname "$RIKLET")/rikletctl}
[ -x "$CTL" ] || fail "no rikletctl at $CTL"
PY=/usr/bin/python3
SOCK=$T/riklet.sock

cat >"$T/riklet.conf" <<CONF
scheduler "127.0.0.1:9"
hostname "t-ctl"
metric-resolution 1s
docker socket "$T/no-docker.sock"
control socket "$SOCK"
chroot "$T/empty"
CONF
mkdir -p "$T/empty"
chmod 0755 "$T" "$T/empty"

start_riklet "$T/riklet.conf"
wait_for 5 sh -c "[ -n \"\$(pgrep -P $RIKLET_PID -f '^riklet: control\$')\" ]" ||
    fail "no control child"
wait_for 5 grep -q "control ready" "$T/riklet.log" || fail "control not ready"
ctlpid=$(child_pid control)

# The control child: unprivileged, chrooted, no new privileges.
uid=$(status_field "$ctlpid" Uid)
[ "$uid" = "$(id -u _riklet)" ] ||
    fail "control runs as uid $uid"
[ "$(status_field "$ctlpid" NoNewPrivs)" = 1 ] || fail "control: NoNewPrivs"
[ "$(status_field "$ctlpid" CapEff)" = 0000000000000000 ] || fail "control: caps"
[ "$(readlink "/proc/$ctlpid/root")" = "$T/empty" ] || fail "control not chrooted"
ok "control (pid $ctlpid) runs as _riklet, chrooted in $T/empty"

[ -S "$SOCK" ] || fail "no control socket"
[ "$(stat -c '%a %U %G' "$SOCK")" = "660 root root" ] ||
    fail "socket mode: $(stat -c '%a %U %G' "$SOCK")"
ok "control socket 0660 root:root"

# jcheck FILE PYTHON-EXPRESSION: the expression, with j the parsed JSON,
# must be true.
jcheck() {
	$PY - "$1" "$2" <<'PY' || fail "JSON check failed: $2: $(cat "$1")"
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

# --- show status
"$CTL" -s "$SOCK" show status >"$T/out" 2>&1 || fail "show status: $(cat "$T/out")"
grep -qx 'Scheduler:   127.0.0.1:9' "$T/out" || fail "status table: $(cat "$T/out")"
grep -q '^Connection:  \(disconnected\|connecting\) for [0-9]' "$T/out" ||
    fail "connection line: $(cat "$T/out")"
grep -qx 'Hostname:    t-ctl' "$T/out" || fail "hostname line"
grep -q '^Uptime:      [0-9]' "$T/out" || fail "uptime line"
grep -q '^Engine:      ' "$T/out" || fail "engine line"
grep -qx 'Pods:        0' "$T/out" || fail "pods line"
grep -qx 'Log:         brief' "$T/out" || fail "log line"
grep -qx 'PROCESS  PID  *READY  RESTARTS  UPTIME' "$T/out" || fail "process header"
for role in agent metrics runtime control; do
	grep -q "^$role  *$(child_pid $role)  *yes  *0  *[0-9]" "$T/out" ||
	    fail "process line of $role: $(cat "$T/out")"
done
ok "show status table"

"$CTL" -s "$SOCK" -j show status >"$T/json" || fail "show status -j"
jcheck "$T/json" 'j["scheduler"]["address"] == "127.0.0.1:9"'
jcheck "$T/json" 'j["scheduler"]["state"] in ("disconnected", "connecting")'
jcheck "$T/json" 'isinstance(j["scheduler"]["since_ms"], int) and j["scheduler"]["since_ms"] >= 0'
jcheck "$T/json" 'isinstance(j["scheduler"]["backoff_ms"], int)'
jcheck "$T/json" 'isinstance(j["scheduler"]["reason"], str)'
jcheck "$T/json" 'j["hostname"] == "t-ctl"'
jcheck "$T/json" 'isinstance(j["uptime_ms"], int) and 0 <= j["uptime_ms"] < 600000'
jcheck "$T/json" 'j["engine"]["state"] in ("unknown", "down")'
jcheck "$T/json" 'j["pods"] == 0 and j["log"] == "brief" and j["verbose"] == 0'
jcheck "$T/json" '[c["name"] for c in j["children"]] == ["agent", "metrics", "runtime", "control"]'
jcheck "$T/json" 'all(c["ready"] is True and c["restarts"] == 0 for c in j["children"])'
for role in agent metrics runtime control; do
	jcheck "$T/json" "[c['pid'] for c in j['children'] if c['name'] == '$role'] == [$(child_pid $role)]"
done
ok "show status JSON"

# --- show pods, show pod, show metrics with no pods
"$CTL" -s "$SOCK" show pods >"$T/out" || fail "show pods"
[ "$(cat "$T/out")" = "INSTANCE  NAME  STATUS  READY  RESTARTS  AGE  REASON" ] ||
    fail "show pods: $(cat "$T/out")"
"$CTL" -s "$SOCK" -j show pods >"$T/json" || fail "show pods -j"
jcheck "$T/json" 'j == {"pods": []}'
ok "show pods: empty table, {\"pods\": []}"

if "$CTL" -s "$SOCK" show pod nosuch >"$T/out" 2>"$T/err"; then
	fail "show pod of an unknown pod succeeded"
fi
[ "$(cat "$T/err")" = "rikletctl: no pod nosuch" ] || fail "show pod nosuch: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "show pod nosuch wrote: $(cat "$T/out")"
"$CTL" -s "$SOCK" -j show pod nosuch >"$T/json" 2>/dev/null && fail "-j show pod nosuch"
jcheck "$T/json" 'j == {"error": "no pod nosuch"}'
ok "show pod of an unknown pod: an error, exit 1"

"$CTL" -s "$SOCK" show metrics >"$T/out" || fail "show metrics"
head -n 1 "$T/out" | grep -qx 'WHAT  *CPUS  *CPU  *MEMORY  *FREE  *AGE' || fail "metrics header: $(cat "$T/out")"
# Node metrics come 200 ms after the start: the node row is there.
grep -q '^node  ' "$T/out" || fail "no node row: $(cat "$T/out")"
"$CTL" -s "$SOCK" -j show metrics >"$T/json" || fail "show metrics -j"
jcheck "$T/json" 'set(j) == {"node", "pods"} and j["pods"] == []'
jcheck "$T/json" 'j["node"] is None or (isinstance(j["node"]["age_ms"], int) and "cpu" in j["node"]["metrics"])'
ok "show metrics"

# --- log verbose|brief: the parent and the children change their level
"$CTL" -s "$SOCK" log verbose >"$T/out" || fail "log verbose"
[ "$(cat "$T/out")" = "log level set to verbose" ] || fail "log verbose: $(cat "$T/out")"
grep -q "parent: log level set to verbose" "$T/riklet.log" || fail "not logged"
"$CTL" -s "$SOCK" -j show status >"$T/json"
jcheck "$T/json" 'j["log"] == "verbose" and j["verbose"] == 1'
wait_for 2 grep -q "control: client [0-9]* (uid 0) connected" "$T/riklet.log" ||
    fail "the control child did not turn verbose"
"$CTL" -s "$SOCK" -j log brief >"$T/json" || fail "log brief"
jcheck "$T/json" 'j == {"log": "brief", "verbose": 0}'
ok "log verbose, log brief"

# --- reload: the same as SIGHUP
"$CTL" -s "$SOCK" reload >"$T/out" || fail "reload"
[ "$(cat "$T/out")" = "reload requested" ] || fail "reload: $(cat "$T/out")"
wait_for 3 grep -q "configuration reloaded" "$T/riklet.log" || fail "no reload"
ok "reload"

# --- malformed requests: one error line each, and nothing else happens
pids_before=$(for r in agent metrics runtime control; do child_pid $r; done | tr '\n' ' ')
$PY - "$SOCK" >"$T/bad" 2>&1 <<'PY' || fail "malformed requests: $(cat "$T/bad")"
import json, socket, sys
cases = [
    (b"\x00\x01\xff\xfe garbage\n", "request is not printable text"),
    (b"show\x00status\n", "request is not printable text"),
    (b"A" * 600, "request too long"),
    (b"show pods " + b"x" * 600 + b"\n", "request too long"),
    (b"\n", "empty request"),
    (b"rm -rf /\n", "unknown command"),
    (b"show pod ../../etc/passwd\n", "invalid instance id"),
    (b"show pod a b\n", "show pod needs one instance id"),
    (b"show pods extra\n", "unexpected argument"),
    (b"log verbose please\n", "unexpected argument"),
    (b"{\"json\": true}\n", "unknown command"),
]
for req, want in cases:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(sys.argv[1])
    s.sendall(req)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    lines = data.split(b"\n")
    assert len(lines) == 2 and lines[1] == b"", (req[:40], data)
    ans = json.loads(lines[0])
    assert ans == {"error": want}, (req[:40], ans)
    print("ok", req[:30], ans)
PY
sleep 0.3
kill -0 "$RIKLET_PID" || fail "riklet died"
pids_after=$(for r in agent metrics runtime control; do child_pid $r; done | tr '\n' ' ')
[ "$pids_before" = "$pids_after" ] || fail "children changed: $pids_before -> $pids_after"
! grep -q "protocol violation\|killed by signal\|exited with status" "$T/riklet.log" ||
    fail "a child died: $(grep 'violation\|killed\|exited' "$T/riklet.log")"
"$CTL" -s "$SOCK" -j show status >"$T/json"
jcheck "$T/json" 'all(c["restarts"] == 0 for c in j["children"])'
ok "11 malformed requests answered with an error; no child restarted"

# --- a non-root user may not connect
for user in nobody _riklet; do
	if setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups \
	    "$CTL" -s "$SOCK" show status >"$T/out" 2>"$T/err"; then
		fail "$user could use the control socket"
	fi
	[ "$(cat "$T/err")" = "rikletctl: $SOCK: Permission denied (only root, or the socket's group, may use it)" ] ||
	    fail "$user: $(cat "$T/err")"
done
ok "nobody and _riklet refused: $(cat "$T/err")"

# --- at most 32 clients at once; the 33rd is told, then all is well
$PY - "$SOCK" >"$T/busy" 2>&1 <<'PY' || fail "connection limit: $(cat "$T/busy")"
import json, socket, sys, time
idle = []
for i in range(32):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    idle.append(s)
time.sleep(0.3)
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
assert json.loads(s.recv(4096)) == {"error": "too many clients"}
for s in idle:
    s.close()
PY
sleep 0.3
"$CTL" -s "$SOCK" show pods >/dev/null || fail "no answer after the limit"
ok "the 33rd client refused, served again afterwards"

# --- a silent client is dropped after the timeout, which keeps the 32
# slots from being held forever; it takes 10 s, so only with RIKLET_SLOW.
if [ -n "${RIKLET_SLOW:-}" ]; then
	$PY - "$SOCK" <<'PY' || fail "idle client not dropped"
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(15)
s.connect(sys.argv[1])
t = time.time()
assert s.recv(10) == b""
assert 9 <= time.time() - t <= 13, time.time() - t
PY
	ok "an idle client is dropped after 10 s"
fi

# --- a second riklet on the same socket refuses to start, the first goes on
if "$RIKLET" -d -f "$T/riklet.conf" >"$T/second.log" 2>&1; then
	fail "a second riklet started on the same control socket"
fi
grep -q "control socket $SOCK: another riklet is listening on it" "$T/second.log" ||
    fail "second riklet: $(cat "$T/second.log")"
"$CTL" -s "$SOCK" show pods >/dev/null || fail "the first riklet lost its socket"
ok "a second riklet on the same socket: $(tail -n 1 "$T/second.log")"

# --- a new control child gets the socket again
kill -KILL "$ctlpid"
wait_for 3 sh -c "p=\$(pgrep -P $RIKLET_PID -f '^riklet: control\$'); [ -n \"\$p\" ] && [ \"\$p\" != $ctlpid ]" ||
    fail "control not restarted"
wait_for 3 sh -c "'$CTL' -s '$SOCK' show status >/dev/null 2>&1" ||
    fail "rikletctl does not work after a control restart"
"$CTL" -s "$SOCK" -j show status >"$T/json"
jcheck "$T/json" '[c["restarts"] for c in j["children"] if c["name"] == "control"] == [1]'
ok "control restarted ($ctlpid -> $(child_pid control)), socket passed again"

# --- the socket goes away with riklet; errors say why
"$CTL" -s "$T/none.sock" show status 2>"$T/err" && fail "connected to nothing"
[ "$(cat "$T/err")" = "rikletctl: $T/none.sock: No such file or directory (is riklet running? see -s and \"control socket\" in riklet.conf)" ] ||
    fail "missing socket: $(cat "$T/err")"
kill -KILL "$RIKLET_PID"
wait "$RIKLET_PID" 2>/dev/null
RIKLET_PID=""
sleep 0.3
[ -S "$SOCK" ] || fail "socket gone after kill -9?"
"$CTL" -s "$SOCK" show status 2>"$T/err" && fail "stale socket answered"
grep -q "Connection refused (riklet is not running; the socket is stale)" "$T/err" ||
    fail "stale socket: $(cat "$T/err")"
ok "errors: $(cat "$T/err")"

# A stale socket is replaced; a clean stop removes it.
start_riklet "$T/riklet.conf"
wait_for 5 sh -c "'$CTL' -s '$SOCK' show status >/dev/null 2>&1" ||
    fail "no control socket after restart over a stale one"
stop_riklet
[ ! -e "$SOCK" ] || fail "socket left after SIGTERM"
ok "stale socket replaced; removed on SIGTERM"
