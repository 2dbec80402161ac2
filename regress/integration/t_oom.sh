#!/bin/sh
# A container over its memory limit is reported FAILED with OOMKilled.
# Not in the Podman pass (Makefile PODMAN_TESTS, README): Podman 4.3.1
# with conmon 2.1.6 on a cgroup v1 host reports such a container as an
# exit with code 137 and OOMKilled false, so riklet sees no OOM there.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-oom-$$
riklet_conf "$NODE"
start_riklet "$T/riklet.conf"
OOM=oom-$$
def=$($PY -c 'import json, sys; print(json.dumps({"name": "oom", "spec": {"containers": [{"name": "c", "image": "riklet/busybox:local", "command": ["/bin/sh", "-c", sys.argv[1]], "resources": {"limits": {"memory": "16Mi"}}}]}}))' \
    'sleep 1; x=0123456789abcdef; while :; do x=$x$x; done')
peer_send "$OOM" CREATE "$def"
wait_status "$OOM" FAILED 30 || fail "$OOM never FAILED: $(statuses "$OOM" | tr '\n' ' ')"
r=$(expect_reason "$OOM" OOMKilled) || fail "$r"
ok "over its memory limit: $r"
