#!/bin/sh
# Pod metrics from a real container's cgroups: a busy container limited
# to half a CPU reports totalCpu 0.5 and about 100 % of it; its memory
# limit is its totalMemory.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-podmet-$$
RESOLUTION=1s riklet_conf "$NODE"
start_riklet "$T/riklet.conf"

def=$($PY -c 'import json; print(json.dumps({"name": "busy", "spec": {"containers": [{"name": "spin", "image": "riklet/busybox:local", "command": ["/bin/sh", "-c", "while :; do :; done"], "resources": {"limits": {"cpu": "500m", "memory": "64Mi"}}}]}}))')
peer_send busy CREATE "$def"
wait_status busy RUNNING 30 || fail "busy not RUNNING"
# Three full samples after the first one.
enough() { [ "$(podmetrics busy | wc -l)" -ge 4 ]; }
wait_for 20 enough || fail "too few pod samples"
podmetrics busy | tail -n 3 >"$T/samples"
cat "$T/samples"
$PY - "$T/samples" <<'PY' || fail "pod figures off"
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    assert m["cpu"]["totalCpu"] == 0.5, m
    assert 80 <= m["cpu"]["currentUsage"] <= 100, m
    assert m["memory"]["totalMemory"] == 64 * 1024 * 1024, m
    assert 0 < m["memory"]["freeMemory"] <= 64 * 1024 * 1024, m
PY
# The memory in use is what the container's cgroup file says (within
# 10 %): the cgroup found from the container's process, whatever the
# engine's layout (Docker's /docker/<id>, Podman's libpod-<id>).
pid=$(docker_api GET "/containers/rik-busy-spin/json" |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["State"]["Pid"])')
[ "${pid:-0}" -gt 0 ] || fail "no pid for rik-busy-spin"
cg=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "/proc/$pid/cgroup")
f=/sys/fs/cgroup/memory$cg/memory.usage_in_bytes
if [ -z "$cg" ]; then
	cg=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
	f=/sys/fs/cgroup$cg/memory.current
fi
[ -r "$f" ] || fail "no memory cgroup file for pid $pid ($f)"
# The next sample, then the file at once.
n=$(podmetrics busy | wc -l)
newer() { [ "$(podmetrics busy | wc -l)" -gt "$n" ]; }
wait_for 5 newer || fail "no new sample"
$PY - "$(podmetrics busy | tail -n 1)" "$(cat "$f")" <<'PY' || fail "memory off: $(podmetrics busy | tail -n 1) against $f: $(cat "$f")"
import json, sys
m = json.loads(sys.argv[1])["memory"]
used = m["totalMemory"] - m["freeMemory"]
cg = int(sys.argv[2])
print("used %d, cgroup %d" % (used, cg))
sys.exit(0 if abs(used - cg) <= 0.1 * cg else 1)
PY
ok "memory in use within 10 % of $f"
ok "a busy container limited to 0.5 CPU: totalCpu 0.5, usage $(tail -n 1 "$T/samples" | $PY -c 'import json,sys; print(json.load(sys.stdin)["cpu"]["currentUsage"])') %"
peer_send busy DESTROY
wait_status busy TERMINATED 30 || fail "not TERMINATED"
stop_riklet
