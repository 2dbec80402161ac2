#!/bin/sh
# Pod metrics from a real container's cgroups: a busy container limited
# to half a CPU reports totalCpu 0.5 and, over three samples, the share of
# it the cgroup's own CPU counter says it got (within 15 points: about
# 100 % on a quiet machine, less when the machine cannot give it its half
# CPU); its memory limit is its totalMemory and its memory in use what
# the cgroup file says.
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
# The cgroups found from the container's process, whatever the engine's
# layout (Docker's /docker/<id>, Podman's libpod-<id>).
pid=$(docker_api GET "/containers/rik-busy-spin/json" |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["State"]["Pid"])')
[ "${pid:-0}" -gt 0 ] || fail "no pid for rik-busy-spin"
# cpu_ns: the container's CPU time so far, in nanoseconds.
cpu_ns() {
	_c=$(awk -F: '$2 ~ /(^|,)cpuacct(,|$)/ { print $3 }' "/proc/$pid/cgroup")
	if [ -n "$_c" ]; then
		cat "/sys/fs/cgroup/cpuacct$_c/cpuacct.usage" 2>/dev/null ||
		    cat "/sys/fs/cgroup/cpu,cpuacct$_c/cpuacct.usage"
	else
		_c=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
		awk '$1 == "usage_usec" { print $2 * 1000 }' \
		    "/sys/fs/cgroup$_c/cpu.stat"
	fi
}
# One full sample, then three more, with the cgroup's counter and the
# clock read at the first and the last.
enough() { [ "$(podmetrics busy | wc -l)" -ge 2 ]; }
wait_for 20 enough || fail "too few pod samples"
n=$(podmetrics busy | wc -l)
c0=$(cpu_ns) && t0=$(date +%s%N) || fail "no CPU counter for pid $pid"
three() { [ "$(podmetrics busy | wc -l)" -ge $((n + 3)) ]; }
wait_for 20 three || fail "too few pod samples"
c1=$(cpu_ns) && t1=$(date +%s%N) || fail "no CPU counter for pid $pid"
podmetrics busy | tail -n 3 >"$T/samples"
cat "$T/samples"
$PY - "$T/samples" "$c0" "$t0" "$c1" "$t1" <<'PY' >"$T/cpu" || fail "pod figures off: $(cat "$T/cpu")"
import json, sys
got = []
for line in open(sys.argv[1]):
    m = json.loads(line)
    assert m["cpu"]["totalCpu"] == 0.5, m
    assert 0 <= m["cpu"]["currentUsage"] <= 105, m
    assert m["memory"]["totalMemory"] == 64 * 1024 * 1024, m
    assert 0 < m["memory"]["freeMemory"] <= 64 * 1024 * 1024, m
    got.append(m["cpu"]["currentUsage"])
c0, t0, c1, t1 = (int(float(x)) for x in sys.argv[2:])
cgroup = 100.0 * (c1 - c0) / (t1 - t0) / 0.5
mean = sum(got) / len(got)
print("riklet %.1f %% of its half CPU over three samples, cgroup %.1f %%"
      % (mean, cgroup))
sys.exit(0 if abs(mean - cgroup) <= 15 else 1)
PY
cat "$T/cpu"
# The memory in use is what the container's cgroup file says (within
# 10 %).
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
ok "a busy container limited to 0.5 CPU: totalCpu 0.5, $(cat "$T/cpu")"
peer_send busy DESTROY
wait_status busy TERMINATED 30 || fail "not TERMINATED"
stop_riklet
