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
ok "a busy container limited to 0.5 CPU: totalCpu 0.5, usage $(tail -n 1 "$T/samples" | $PY -c 'import json,sys; print(json.load(sys.stdin)["cpu"]["currentUsage"])') %"
peer_send busy DESTROY
wait_status busy TERMINATED 30 || fail "not TERMINATED"
stop_riklet
