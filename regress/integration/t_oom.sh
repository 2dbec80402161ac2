#!/bin/sh
# A container over its memory limit is reported FAILED with OOMKilled,
# on both engines (Makefile PODMAN_TESTS): Podman 4.3 says OOMKilled only
# with conmon run in the container's bundle directory (engine.sh).
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
