#!/bin/sh
# The Prometheus endpoint ("metrics listen"), scraped with curl while five
# pods run: every line taken by prometheus_client's parser and the
# naming conventions checked (promcheck.py; promtool's lint too where
# Debian's prometheus package is installed); every series there with
# sane figures: a pod's memory as its cgroup says (the engine's stats),
# a crash counted as a restart, a failed pull counted.  The limits hold
# (a request over 8 KiB, a slow client, the 17th connection: closed and
# logged) and riklet stays up; only the parent and the control child
# hold the socket; without "metrics listen" nothing listens.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
$PY -c 'import prometheus_client' 2>/dev/null ||
    fail "no prometheus_client for $PY (sh regress/deps.sh installs python3-prometheus-client)"
engine_up
# The scheduler comes after riklet: the agent has to try again.
PEER_PORT=$(free_port)
NODE=t-prom-$$
PORT=$(free_port)
EXTRA_CONF="metrics listen \"127.0.0.1:$PORT\"" riklet_conf "$NODE"
start_riklet "$T/riklet.conf" -v
wait_for 10 grep -q "agent: scheduler .*; retrying" "$T/riklet.log" ||
    fail "the agent never failed to connect"
peer_up "$PEER_PORT"
# The peer gives a command to the workers registered then.
wait_for 15 grep -q "agent: registered with scheduler" "$T/riklet.log" ||
    fail "the agent did not register"
URL=http://127.0.0.1:$PORT/metrics
CHECK="$PY $REGRESS_DIR/integration/promcheck.py"
# expect EXPR: checked with the others by check_all, in one run.
expect() { printf '%s\n' "$1" >>"$T/expect"; }
check_all() { $CHECK eval "$T/scrape" <"$T/expect" >"$T/false" || fail "$(cat "$T/false")"; rm -f "$T/expect"; }
scrape() { curl -sf --max-time 5 -o "$T/scrape" "$URL"; }

# Five pods that run, one whose image cannot be pulled (no registry here).
busy=$($PY -c 'import json; print(json.dumps({"name": "busy", "spec": {"containers": [{"name": "spin", "image": "riklet/busybox:local", "command": ["/bin/sh", "-c", "while :; do :; done"], "resources": {"limits": {"cpu": "100m"}}}]}}))')
nopull=$($PY -c 'import json; print(json.dumps({"name": "nopull", "spec": {"containers": [{"name": "c", "image": "riklet/no-such-image:1"}]}}))')
peer_send mem CREATE "$(pod_def mem 'main=dd if=/dev/zero of=/dev/shm/fill bs=1M count=24 2>/dev/null; sleep 100000')"
peer_send two CREATE "$(pod_def two 'web=sleep 100000' 'side=sleep 100000')"
peer_send idle CREATE "$(pod_def idle)"
peer_send busy CREATE "$busy"
peer_send crash CREATE "$(pod_def restart-Always 'main=sleep 1; exit 1')"
peer_send nopull CREATE "$nopull"
for i in mem two idle busy crash; do
	wait_status $i RUNNING 30 || fail "$i not RUNNING: $(statuses $i | tr '\n' ' ')"
done
wait_status crash FAILED 10 || fail "crash did not crash"
wait_status nopull FAILED 30 || fail "nopull not FAILED"
ok "five pods run, one crashed, one could not pull its image"

scrape || fail "no scrape at $URL: $(curl -sv "$URL" 2>&1 | tail -n 5)"
$CHECK lint "$T/scrape" >"$T/lint" || fail "$(cat "$T/lint")"
ok "scraped with curl: $(cat "$T/lint"), all parsed, named by the conventions"
if command -v promtool >/dev/null; then
	promtool check metrics <"$T/scrape" >"$T/promtool" 2>&1 ||
	    fail "promtool: $(cat "$T/promtool")"
	[ ! -s "$T/promtool" ] || fail "promtool: $(cat "$T/promtool")"
	ok "promtool check metrics: clean"
fi

# The limits, while the crashed pod waits out its 10 s backoff: a
# request over 8 KiB, then 16 clients that never finish theirs, the 17th
# closed at once, the 16 closed after 10 s.
$PY - "$PORT" >"$T/limits" 2>&1 <<'PY' || fail "limits: $(cat "$T/limits")"
import socket, sys, time
port = int(sys.argv[1])

def conn():
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(15)
    return s

def closed(s):
    """What the server sent before it closed, b'' for nothing."""
    data = b""
    try:
        while True:
            b = s.recv(4096)
            if not b:
                break
            data += b
    except ConnectionResetError:
        pass
    s.close()
    return data

s = conn()
try:
    s.sendall(b"GET /metrics HTTP/1.1\r\nX-Long: " + b"a" * 9000)
except (BrokenPipeError, ConnectionResetError):
    pass
t0 = time.time()
got = closed(s)
assert got == b"" and time.time() - t0 < 2, ("oversized", got[:100])
print("oversized request: closed, nothing answered")

slow = []
for i in range(16):
    s = conn()
    s.sendall(b"GET /metrics HTTP/1.1\r\n")
    slow.append(s)
t0 = time.time()
time.sleep(0.2)
got = closed(conn())
assert got == b"" and time.time() - t0 < 2, ("17th", got[:100])
print("17th connection: closed at once")
for s in slow:
    got = closed(s)
    assert got == b"", ("slow", got[:100])
dt = time.time() - t0
assert 9 <= dt <= 13, ("slow clients closed after %.1f s" % dt)
print("16 slow clients: closed after %.1f s" % dt)
PY
sed 's/^/ok: /' "$T/limits"
kill -0 "$RIKLET_PID" || fail "riklet died"
for what in "closed: request larger than 8 KiB" \
    "refused: 16 connections already" "closed: no answer within 10 s"; do
	grep -q "control: metrics client 127.0.0.1:[0-9]* .*$what" "$T/riklet.log" ||
	    fail "not logged: $what"
done
ok "each refusal logged at debug level"

# The crash loop's first restart, counted; riklet itself unharmed.
wait_for 20 sh -c "scrape() { curl -sf --max-time 5 -o '$T/scrape' '$URL'; }; scrape &&
    $CHECK eval '$T/scrape' 'v(\"riklet_container_restarts_total\", instance=\"crash\", container=\"main\") >= 1' >/dev/null" ||
    fail "no restart counted: $(grep crash "$T/scrape")"
ok "crash: $(grep 'riklet_container_restarts_total{instance="crash"' "$T/scrape")"
scrape || fail "scrape after the limits"
$CHECK lint "$T/scrape" >"$T/lint" || fail "$(cat "$T/lint")"

# Every series, with figures that make sense.
for f in riklet_build_info riklet_scheduler_connected \
    riklet_scheduler_registrations_total riklet_scheduler_reconnects_total \
    riklet_statuses_sent_total riklet_statuses_queued \
    riklet_imsg_violations_total riklet_child_restarts_total \
    riklet_process_resident_memory_bytes riklet_process_cpu_seconds_total \
    riklet_node_cpus riklet_node_cpu_usage_ratio \
    riklet_node_memory_total_bytes riklet_node_memory_free_bytes \
    riklet_node_disk_total_bytes riklet_node_disk_used_bytes \
    riklet_node_disk_available_bytes riklet_pod_state \
    riklet_container_restarts_total riklet_pod_cpus \
    riklet_pod_cpu_usage_ratio riklet_pod_memory_usage_bytes \
    riklet_pod_memory_limit_bytes riklet_image_pulls_total \
    riklet_image_pull_bytes_total riklet_image_pull_seconds_total; do
	grep -q "^# TYPE $f " "$T/scrape" || fail "no $f"
	grep -q "^$f[{ ]" "$T/scrape" || fail "no sample of $f"
done
expect "v('riklet_build_info', version='$(cat "$REGRESS_DIR/../VERSION")') == 1"
expect "v('riklet_scheduler_connected') == 1"
expect "v('riklet_scheduler_registrations_total') == 1 and v('riklet_scheduler_reconnects_total') >= 1"
expect "v('riklet_statuses_sent_total') >= 12"
expect "0 <= v('riklet_statuses_queued', queue='agent') <= 16384 and v('riklet_statuses_queued', queue='parent') == 0"
for p in agent metrics runtime control; do
	expect "v('riklet_imsg_violations_total', process='$p') == 0 and v('riklet_child_restarts_total', process='$p') == 0"
done
for p in parent agent metrics runtime control; do
	expect "(1 << 20) < v('riklet_process_resident_memory_bytes', process='$p') < (1 << 30) and v('riklet_process_cpu_seconds_total', process='$p') >= 0"
done
# The parent's, as /proc says it now (within 4 MiB).
rss=$(( $(awk '{ print $2 }' "/proc/$RIKLET_PID/statm") * $(getconf PAGESIZE) ))
expect "abs(v('riklet_process_resident_memory_bytes', process='parent') - $rss) < 4 << 20"
expect "v('riklet_node_cpus') == $(getconf _NPROCESSORS_ONLN) and 0 <= v('riklet_node_cpu_usage_ratio') <= 1"
expect "v('riklet_node_memory_total_bytes') == $(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo) * 1024"
expect "0 < v('riklet_node_memory_free_bytes') <= v('riklet_node_memory_total_bytes')"
expect "series('riklet_node_disk_total_bytes') and all(0 < t and 0 <= v('riklet_node_disk_used_bytes', **l) <= t and 0 <= v('riklet_node_disk_available_bytes', **l) <= t for l, t in series('riklet_node_disk_total_bytes'))"
for i in mem two idle busy crash; do
	expect "sum(x for l, x in series('riklet_pod_state') if l['instance'] == '$i') == 1"
done
for i in mem two idle busy; do
	expect "v('riklet_pod_state', instance='$i', state='running') == 1"
done
# In its crash loop: running a second, failed for the backoff.
expect "v('riklet_pod_state', instance='crash', state='running') + v('riklet_pod_state', instance='crash', state='failed') == 1"
# Its create failed before it had a container: FAILED was reported, and
# the pod table keeps no such pod (riklet(8)), so neither does a scrape.
expect "not [l for l, x in series('riklet_pod_state') if l['instance'] == 'nopull']"
expect "v('riklet_container_restarts_total', instance='two', container='web') == 0 and v('riklet_container_restarts_total', instance='two', container='side') == 0"
# The node may be busy with more than this test: busy gets what it can.
expect "v('riklet_pod_cpus', instance='busy') == 0.1 and 0 < v('riklet_pod_cpu_usage_ratio', instance='busy') <= 1"
expect "v('riklet_pod_cpus', instance='idle') == $(getconf _NPROCESSORS_ONLN) and v('riklet_pod_cpu_usage_ratio', instance='idle') < 0.1"
expect "v('riklet_pod_memory_limit_bytes', instance='idle') == v('riklet_node_memory_total_bytes')"
expect "v('riklet_image_pulls_total') >= 1 and v('riklet_image_pull_seconds_total') > 0 and v('riklet_image_pull_bytes_total') >= 0"
check_all
ok "every series, with sane figures"

# The pod's memory against its cgroup's, as the engine reads it.
cgmem=$(docker_api GET "/containers/rik-mem-main/stats?stream=false&one-shot=true" |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["memory_stats"]["usage"])')
expect "v('riklet_pod_memory_usage_bytes', instance='mem') >= 24 << 20"
expect "abs(v('riklet_pod_memory_usage_bytes', instance='mem') - $cgmem) <= $cgmem // 10 + (2 << 20)"
check_all
ok "mem: $(grep 'riklet_pod_memory_usage_bytes{instance="mem"}' "$T/scrape"), its cgroup $cgmem"

# Who holds the socket: the parent and the control child, nobody else.
ctl=$(child_pid control)
ss -Hltnp >"$T/ss"
holders=$(grep "127.0.0.1:$PORT " "$T/ss" | grep -o 'pid=[0-9]*' | cut -d= -f2 |
    sort -u | tr '\n' ' ')
[ "$holders" = "$(printf '%s\n' "$RIKLET_PID" "$ctl" | sort -u | tr '\n' ' ')" ] ||
    fail "port $PORT held by $holders, not only $RIKLET_PID and $ctl: $(cat "$T/ss")"
for role in agent metrics runtime; do
	grep -q "pid=$(child_pid $role)," "$T/ss" && fail "$role listens: $(cat "$T/ss")"
done
ok "only the parent ($RIKLET_PID) and the control child ($ctl) hold the listener"

# A reload cannot move the socket: it says so and keeps serving.
grep -v '^metrics listen' "$T/riklet.conf" >"$T/nolisten.conf"
cp "$T/nolisten.conf" "$T/riklet.conf"
kill -HUP "$RIKLET_PID"
wait_for 5 grep -q "metrics listen changes take effect when riklet restarts" "$T/riklet.log" ||
    fail "reload: no word of metrics listen"
wait_for 5 grep -q "configuration reloaded" "$T/riklet.log" || fail "not reloaded"
scrape || fail "no scrape after the reload"
ok "reload without metrics listen: logged, still served until riklet restarts"
stop_riklet

# Without "metrics listen": nothing listens.
start_riklet "$T/nolisten.conf"
wait_for 5 sh -c "[ -n \"\$(pgrep -P $RIKLET_PID -f '^riklet: control\$')\" ]" ||
    fail "no control child"
pids="$RIKLET_PID $(pgrep -P "$RIKLET_PID" | tr '\n' ' ')"
ss -Hltnp >"$T/ss"
for p in $pids; do
	grep -q "pid=$p," "$T/ss" && fail "pid $p listens: $(grep "pid=$p," "$T/ss")"
done
curl -s --max-time 2 "$URL" >/dev/null && fail "something answers at $URL"
ok "without metrics listen no riklet process listens ($pids)"
stop_riklet
