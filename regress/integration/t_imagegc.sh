#!/bin/sh
# Image garbage collection: with image-gc high set just under what the
# engine's filesystem holds now, a reload makes a run happen; it removes
# the images no container uses, least recently used first (by riklet's
# pods, else by when the image was made), and keeps the image a running
# pod uses and riklet's infra image.  rikletctl show status shows the
# run.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-imagegc-$$
CTL="$(dirname "$RIKLET")/rikletctl"
REPO=riklet-gc-$$

root=$(docker_api GET /info | $PY -c 'import json,sys; print(json.load(sys.stdin)["DockerRootDir"])') ||
    broke "DockerRootDir"
pct=$($PY -c 'import os, sys
s = os.statvfs(sys.argv[1])
total = s.f_blocks * s.f_frsize
print((total - s.f_bavail * s.f_frsize) * 100 // total)' "$root") || broke "statvfs"
[ "$pct" -ge 3 ] || skip "SKIP t_imagegc: $root is only $pct% full, no threshold below it"

# Four images of our own, each with a new id.
at_exit 'for t in a b c d; do docker_api DELETE "/images/$REPO/$t:1?force=1" >/dev/null; done'
for t in d a b c; do
	_c=$(curl -s --unix-socket "$DOCKER_SOCK" -X POST -H 'Content-Type: application/json' \
	    -d '{"Image":"riklet/busybox:local","Cmd":["true"]}' http://docker/containers/create |
	    $PY -c 'import json,sys; print(json.load(sys.stdin)["Id"])') || broke "create"
	docker_api POST "/commit?container=$_c&repo=$REPO/$t&tag=1&changes=LABEL%20gc%3D$t$$" >/dev/null
	docker_api DELETE "/containers/$_c" >/dev/null
done
has_image() { docker_api GET "/images/$1/json" | grep -q '"Id"'; }
for t in a b c d; do has_image "$REPO/$t:1" || fail "no image $REPO/$t:1"; done

EXTRA_CONF="image-gc high 100% low 99% min-age 1s" riklet_conf "$NODE"
start_riklet "$T/riklet.conf"

mkdef() {	# NAME IMAGE
	$PY - "$@" <<'PY'
import json, sys
print(json.dumps({"kind": "Pod", "name": sys.argv[1], "spec": {"containers": [
    {"name": "c", "image": sys.argv[2], "command": ["sleep", "100000"],
     "imagePullPolicy": "Never"}]}}))
PY
}
# Used in the order c, a, b, a second apart (the uses are in seconds);
# d is never used.  keeper holds riklet/busybox.
peer_send keeper CREATE "$(mkdef keeper riklet/busybox:local)"
wait_status keeper RUNNING 30 || fail "keeper not RUNNING"
for t in c a b; do
	sleep 1.1
	peer_send "u$t" CREATE "$(mkdef "u$t" "$REPO/$t:1")"
	wait_status "u$t" RUNNING 30 || fail "u$t not RUNNING: $(failed_reason "u$t")"
	peer_send "u$t" DESTROY
	wait_status "u$t" TERMINATED 30 || fail "u$t not TERMINATED"
done
sleep 1.1
for t in a b c d; do has_image "$REPO/$t:1" || fail "$REPO/$t:1 gone before the run"; done

# A threshold under the filesystem's use: the reload's check must run.
sed -i "s/^image-gc .*/image-gc high $((pct - 1))% low 1% min-age 1s/" "$T/riklet.conf"
kill -HUP "$RIKLET_PID"
wait_for 30 grep -q "image gc: removed [0-9]* images" "$T/riklet.log" ||
    fail "no image gc run: $(grep 'image gc' "$T/riklet.log" | tail -n 3)"
grep -q "image gc: .* full, above $((pct - 1))%" "$T/riklet.log" || fail "the run's cause is not logged"
for t in a b c d; do ! has_image "$REPO/$t:1" || fail "$REPO/$t:1 not removed"; done
has_image riklet/busybox:local || fail "the image keeper runs was removed"
has_image "riklet/pause:$(cat "$REGRESS_DIR/../VERSION")" || fail "the infra image was removed"
order=$(grep -o "image gc: removed $REPO/.:1 " "$T/riklet.log" | sed "s|.*$REPO/||; s|:1 ||" | tr -d '\n')
[ "$order" = dcab ] || fail "removed in the order $order, not dcab (LRU)"
ok "image gc: $(grep 'image gc: removed [0-9]* images' "$T/riklet.log" | sed 's/.*image gc: //'); ours in LRU order $order; keeper's and the infra image kept"

"$CTL" -s "$T/riklet.sock" show status >"$T/status.out" 2>&1 || fail "show status: $(cat "$T/status.out")"
grep -q "^Image GC: .* ago, $pct% full: [0-9]* images removed, [0-9]* bytes" "$T/status.out" ||
    fail "show status: $(grep -i gc "$T/status.out")"
"$CTL" -s "$T/riklet.sock" -j show status | $PY -c 'import json, sys
g = json.load(sys.stdin)["image_gc"]
assert g["runs"] >= 1 and g["removed"] >= 4 and g["bytes"] > 0, g' || fail "show status -j: no image_gc"
ok "rikletctl show status: $(grep '^Image GC:' "$T/status.out")"

peer_send keeper DESTROY
wait_status keeper TERMINATED 30 || fail "keeper not TERMINATED"
stop_riklet
