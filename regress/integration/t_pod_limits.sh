#!/bin/sh
# What bounds a pod: a container that writes 50 MB of output keeps at
# most log max-size x log max-files of it on the node's disk, and
# rikletctl logs still reads it; terminationGracePeriodSeconds stops a
# pod that ignores SIGTERM after its own grace, not stop-grace; a RIK
# Function is FAILED Unsupported.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-limits-$$
EXTRA_CONF="log max-size 1M
log max-files 2
stop-grace 30s" riklet_conf "$NODE"
start_riklet "$T/riklet.conf"
CTL="$(dirname "$RIKLET")/rikletctl"

mkdef() {	# NAME COMMAND [GRACE]
	$PY - "$@" <<'PY'
import json, sys
d = {"kind": "Pod", "name": sys.argv[1], "spec": {"containers": [
     {"name": "c", "image": "riklet/busybox:local",
      "command": ["/bin/sh", "-c", sys.argv[2]]}]}}
if len(sys.argv) > 3:
    d["spec"]["terminationGracePeriodSeconds"] = int(sys.argv[3])
print(json.dumps(d))
PY
}

# 50 000 lines of 1000 bytes, then DONE.
peer_send chatty CREATE "$(mkdef chatty 'head -c 50000000 /dev/zero | tr "\0" x | fold -w 1000; echo; echo DONE; exec sleep 100000')"
wait_status chatty RUNNING 30 || fail "chatty not RUNNING"
logpath=$(docker_api GET /containers/rik-chatty-c/json | $PY -c '
import json, sys
c = json.load(sys.stdin)
lc = c["HostConfig"]["LogConfig"]
assert lc["Type"] == "json-file", lc
assert lc["Config"] == {"max-size": "1048576", "max-file": "2"}, lc
print(c["LogPath"])') || fail "chatty's log configuration"
[ -n "$logpath" ] || fail "no LogPath"
done_() { "$CTL" -s "$T/riklet.sock" logs chatty -n 1 2>/dev/null | grep -qx DONE; }
wait_for 120 done_ || fail "the 50 MB were not written: $("$CTL" -s "$T/riklet.sock" logs chatty -n 1 2>&1 | cut -c1-80)"
bytes=$(cat "$logpath"* | wc -c)
files=$(ls "$logpath"* | wc -l)
# The driver rotates before a write would pass max-size: one line over.
[ "$bytes" -le $((2 * 1048576 + 4096)) ] || fail "$bytes bytes of logs on disk in $files files"
[ "$files" -le 2 ] || fail "$files log files"
ok "50 MB written, $bytes bytes kept in $files files (max 2 x 1M); rikletctl logs reads the last line"

# Grace: SIGTERM ignored, so the stop waits the pod's 2 s, not 30 s.
peer_send slow CREATE "$(mkdef slow 'trap "" TERM; while :; do sleep 0.2; done' 2)"
wait_status slow RUNNING 30 || fail "slow not RUNNING"
docker_api GET /containers/rik-slow-c/json | $PY -c '
import json, sys
assert json.load(sys.stdin)["Config"]["Labels"]["riklet.grace"] == "2"' ||
    fail "no grace label"
t0=$(date +%s%N)
peer_send slow DESTROY
wait_status slow TERMINATED 40 || fail "slow not TERMINATED"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 1900 ] || fail "stopped in $ms ms: the grace was not given"
[ "$ms" -lt 15000 ] || fail "stopped in $ms ms: stop-grace (30 s) was used"
ok "terminationGracePeriodSeconds 2 (stop-grace 30s): TERMINATED in $ms ms"

peer_send fn CREATE '{"apiVersion":"v0","kind":"Function","name":"fn","spec":{"function":{"execution":{"rootfs":"http://example/rootfs.ext4"}}}}'
wait_status fn FAILED 10 || fail "the Function not FAILED"
r=$(expect_reason fn "Unsupported: kind Function (a microVM) is not for this node: riklet runs pods only") || fail "$r"
ok "a Function: $r"

peer_send chatty DESTROY
wait_status chatty TERMINATED 40 || fail "chatty not TERMINATED"
[ "$(containers_of "$NODE")" = 0 ] || fail "containers left: $(names_of "$NODE")"
stop_riklet
