#!/bin/sh
# 300 pods whose definitions are 30 KiB (padded with a field riklet does
# not know, full of quotes, backslashes and brackets), so that the
# listing of the node is about 10 MB: more than the runtime ever reads
# whole.  Then kill -9 of every riklet process and a new riklet: all 300
# adopted and re-reported RUNNING, the same containers (names, and not
# one more), and a crash of an adopted pod's container still seen.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
N=${ADOPT_PODS:-300}
DEF_BYTES=30720
NODE=t-adoptl-$$
# Pod metrics every second for 300 pods would only slow the test down.
RESOLUTION=60s
riklet_conf "$NODE"

# Faster than node_cleanup's one DELETE at a time (it runs after this).
remove_all() {
	docker_api GET "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22riklet.node%3D$NODE%22%5D%7D" |
	    $PY -c 'import json,sys; [print(c["Id"]) for c in json.load(sys.stdin)]' 2>/dev/null |
	    xargs -r -P 8 -I{} curl -s -o /dev/null --unix-socket "$DOCKER_SOCK" \
	    -X DELETE "http://docker/containers/{}?force=1"
}
at_exit remove_all

# wait_all FROM STATUS SECONDS: every pod a0..a(N-1) has had STATUS in
# the peer's received.jsonl after line FROM.
wait_all() {
	$PY - "$T/peer/received.jsonl" "$1" "$2" "$3" "$N" <<'PY'
import json, sys, time
path, start, want, limit, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
    float(sys.argv[4]), int(sys.argv[5])
left = set("a%d" % i for i in range(n))
end, pos, line_no, buf = time.time() + limit, 0, 0, ""
while left and time.time() < end:
    with open(path) as f:
        f.seek(pos)
        buf += f.read()
        pos = f.tell()
    while "\n" in buf:
        line, buf = buf.split("\n", 1)
        line_no += 1
        if line_no <= start:
            continue
        try:
            m = json.loads(line)
        except ValueError:
            continue
        if m.get("kind") == "instance" and m.get("status") == want:
            left.discard(m.get("instance_id"))
    time.sleep(0.2)
if left:
    print("%d pods not %s, e.g. %s" % (len(left), want, sorted(left)[:5]))
    sys.exit(1)
PY
}

t0=$(date +%s)
start_riklet "$T/riklet.conf"
$PY - "$N" "$DEF_BYTES" >>"$T/peer/commands.jsonl" <<'PY'
import json, sys
n, size = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    d = {"apiVersion": "v0", "kind": "Pod", "name": "p%d" % i, "replicas": 1,
         "spec": {"containers": [{"name": "main",
                                  "image": "riklet/busybox:local",
                                  "command": ["sleep", "100000"]}]},
         "padding": ""}
    base = len(json.dumps(d))
    # '"' and '\\' take two bytes each once in JSON, and four in the label.
    unit, pad = 'ab"}]\\[{cd', ""
    while len(json.dumps(dict(d, padding=pad + unit))) <= size:
        pad += unit
    pad += "x" * (size - len(json.dumps(dict(d, padding=pad))))
    d["padding"] = pad
    s = json.dumps(d)
    assert len(s) == size, len(s)
    print(json.dumps({"instance_id": "a%d" % i, "action": "CREATE",
                      "definition": s}))
PY
wait_all 0 RUNNING 600 || fail "pods not RUNNING: $(grep -c 'create failed' "$T/riklet.log") failed creates"
t1=$(date +%s)
before=$(names_of "$NODE")
# Each pod: its container and its infra container.
[ "$(echo "$before" | wc -l)" = $((2 * N)) ] || fail "expected $((2 * N)) containers, got $(echo "$before" | wc -l)"
ok "$N pods RUNNING in $((t1 - t0)) s"

# A listing of the node, as the runtime gets it, is past the old cap.
bytes=$(docker_api GET "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22riklet.node%3D$NODE%22%5D%7D" | wc -c)
[ "$((N * DEF_BYTES))" -le 8388608 ] || [ "$bytes" -gt 8388608 ] ||
    fail "the listing is only $bytes bytes"
ok "the node's listing is $bytes bytes"

# The whole riklet, parent and every child, at once.
pids="$RIKLET_PID $(pgrep -P "$RIKLET_PID" | tr '\n' ' ')"
kill -KILL $pids
wait "$RIKLET_PID" 2>/dev/null
RIKLET_PID=""
# Gone, or a zombie nobody reaps yet.
dead() { [ ! -d "/proc/$1" ] || [ "$(status_field "$1" State)" = Z ]; }
for p in $pids; do
	wait_for 5 dead "$p" || fail "riklet process $p still alive"
done
ok "killed $pids"

n0=$(wc -l <"$T/peer/received.jsonl")
t2=$(date +%s)
"$RIKLET" -d -f "$T/riklet.conf" >"$T/riklet.log" 2>&1 &
RIKLET_PID=$!
wait_all "$n0" RUNNING 120 ||
    fail "not every pod re-reported RUNNING: $(grep -E 'listing|listed' "$T/riklet.log" | tail -n 5)"
t3=$(date +%s)
ok "$N pods adopted and re-reported RUNNING in $((t3 - t2)) s"
grep -q "listed $((2 * N)) containers" "$T/riklet.log" || fail "no whole listing of $((2 * N))"
! grep -q "listing failed" "$T/riklet.log" || fail "a listing failed: $(grep 'listing failed' "$T/riklet.log" | head -n 3)"
[ "$(grep -c 'adopting it from the engine' "$T/riklet.log")" = "$N" ] ||
    fail "$(grep -c 'adopting it from the engine' "$T/riklet.log") pods adopted, not $N"
# Memory stays bounded: the runtime never held the listing whole.  Its
# peak less its mapped files (about 14 MB of libraries, 2.5 MB of its
# own when idle) stays below half the listing.
rt=$(child_pid runtime)
hwm=$(status_field "$rt" VmHWM)
file=$(status_field "$rt" RssFile)
[ -n "$hwm" ] && [ -n "$file" ] &&
    [ "$(((hwm - file) * 1024))" -lt "$((bytes / 2))" ] ||
    fail "the runtime's peak memory, ${hwm:-?} kB with ${file:-?} kB of files, is not below half the listing's $bytes bytes"
ok "the runtime's peak memory: $hwm kB, $((hwm - file)) kB of it not files"
same_names() { [ "$(names_of "$NODE")" = "$before" ]; }
wait_for 10 same_names ||
    fail "containers changed: $(echo "$before" | wc -l) before, $(names_of "$NODE" | wc -l) after"
ok "the same $((2 * N)) containers, none made twice"

# An adopted pod's container dies: the new riklet sees it.
n1=$(wc -l <"$T/peer/received.jsonl")
docker_api POST "/containers/rik-a17-main/kill?signal=KILL" >/dev/null
crashed() {
	tail -n +"$((n1 + 1))" "$T/peer/received.jsonl" |
	    grep '"instance_id": "a17"' | grep -q '"status": "FAILED"'
}
wait_for 30 crashed || fail "the crash of a17 was not reported"
tail -n +"$((n1 + 1))" "$T/peer/received.jsonl" | grep '"instance_id": "a17"' |
    grep -q ContainerExited || fail "a17 FAILED without ContainerExited"
ok "the crash of adopted pod a17 reported FAILED"
stop_riklet
echo "timing: create ${N} $((t1 - t0)) s, adopt $((t3 - t2)) s, total $(($(date +%s) - t0)) s"
