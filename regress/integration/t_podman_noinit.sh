#!/bin/sh
# Podman only, whatever RIKLET_ENGINE says: an engine without an init
# (Podman whose init binary is missing, as without catatonit) refuses a
# create that asks for one; the runtime says so once and makes that
# container, and the next ones, without an init: the pods run.  Its own
# Podman, in the engine directory plus "-noinit", purged at the end.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
RIKLET_ENGINE=podman
RIKLET_ENGINE_DIR=${RIKLET_ENGINE_DIR:-/tmp/rikeng}-noinit
RIKLET_PODMAN_NOINIT=1
export RIKLET_ENGINE_DIR RIKLET_PODMAN_NOINIT
at_exit "sh '$REGRESS_DIR/engine.sh' purge >/dev/null 2>&1"
engine_up
peer_up
NODE=t-noinit-$$
riklet_conf "$NODE"
start_riklet "$T/riklet.conf"

peer_send a-$$ CREATE "$(pod_def a 'main=sleep 100000')"
peer_send b-$$ CREATE "$(pod_def b 'main=sleep 100000')"
wait_status a-$$ RUNNING 30 || fail "a not RUNNING: $(statuses a-$$ | tr '\n' ' ')"
wait_status b-$$ RUNNING 30 || fail "b not RUNNING: $(statuses b-$$ | tr '\n' ' ')"
n=$(grep -c "engine has no init" "$T/riklet.log")
[ "$n" -eq 1 ] || fail "said $n times: $(grep 'no init' "$T/riklet.log")"
ok "$(grep -m 1 'engine has no init' "$T/riklet.log" | cut -c1-160)"
for i in a b; do
	# Without an init the command is the container's first process.
	first=$(docker_api GET "/containers/rik-$i-$$-main/json" |
	    $PY -c 'import json,sys; j = json.load(sys.stdin); print(j["Path"], bool(j["HostConfig"].get("Init")))') ||
	    broke "inspect rik-$i-$$-main"
	[ "$first" = "/bin/sh False" ] ||
	    fail "rik-$i-$$-main: first process and Init: $first"
done
ok "both pods RUNNING, their containers without an init"
peer_send a-$$ DESTROY
peer_send b-$$ DESTROY
wait_status a-$$ TERMINATED 30 || fail "a not TERMINATED"
wait_status b-$$ TERMINATED 30 || fail "b not TERMINATED"
