#!/bin/sh
# An engine whose riklet/pause:<version> was made from another program
# (here: the test image tagged so, as a rebuilt riklet of the same
# version would leave it) gets this riklet's riklet-pause imported over
# it, and a pod runs; the image the tag held is not lost.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-infrastale-$$
VERSION=$(cat "$REGRESS_DIR/../VERSION")
PAUSE="riklet/pause:$VERSION"

image_id() { docker_api GET "/images/$1/json" | $PY -c 'import json, sys
print(json.load(sys.stdin).get("Id", ""))' 2>/dev/null; }
pause_label() { docker_api GET "/images/riklet%2Fpause:$VERSION/json" |
    $PY -c 'import json, sys
c = json.load(sys.stdin).get("Config") or {}
print((c.get("Labels") or {}).get("riklet.pause.sum", ""))' 2>/dev/null; }

old=$(image_id riklet/busybox:local)
[ -n "$old" ] || broke "no test image"
docker_api DELETE "/images/riklet%2Fpause:$VERSION?force=1&noprune=1" >/dev/null
docker_api POST "/images/riklet%2Fbusybox:local/tag?repo=riklet%2Fpause&tag=$VERSION" >/dev/null
[ "$(image_id "riklet%2Fpause:$VERSION")" = "$old" ] ||
    broke "could not tag the test image $PAUSE"

riklet_conf "$NODE"
start_riklet "$T/riklet.conf"
I=stale-$$
peer_send "$I" CREATE "$(pod_def "$I")"
wait_status "$I" RUNNING 60 ||
    fail "$I never RUNNING: $(statuses "$I" | tr '\n' ' ')"
grep -q "was made from another riklet-pause: importing" "$T/riklet.log" ||
    fail "the runtime did not say it imported over a stale $PAUSE"
sum=$(pause_label)
[ -n "$sum" ] || fail "$PAUSE has no riklet.pause.sum label"
[ "$(image_id "riklet%2Fpause:$VERSION")" != "$old" ] ||
    fail "$PAUSE is still the test image"
[ "$(image_id riklet/busybox:local)" = "$old" ] ||
    fail "the image $PAUSE held before was lost"
ok "a stale $PAUSE replaced (sum $sum), the pod RUNNING, the old image kept"

# A second riklet finds the image current and imports nothing.
stop_riklet
: >"$T/riklet.log"
start_riklet "$T/riklet.conf"
wait_for 20 grep -q "engine up" "$T/riklet.log" || fail "no engine up"
sleep 1
! grep -q "importing the infra image" "$T/riklet.log" ||
    fail "a current $PAUSE was imported again"
ok "a current $PAUSE is kept"
peer_send "$I" DESTROY
wait_status "$I" TERMINATED 30 || fail "$I never TERMINATED"
