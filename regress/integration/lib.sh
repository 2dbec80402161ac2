# Shared shell functions for the integration tests.  Source it.
set -u
: "${RIKLET:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/riklet-it.XXXXXX")
RIKLET_PID=""
TEST_PID=$$

cleanup_hooks=""
at_exit() { cleanup_hooks="$1; $cleanup_hooks"; }
# riklet first: one still creating pods would make containers after the
# hooks removed the node's.
_cleanup() {
	if [ -n "$RIKLET_PID" ] && kill -0 "$RIKLET_PID" 2>/dev/null; then
		kill -TERM "$RIKLET_PID" 2>/dev/null
		wait_for 3 sh -c "! kill -0 $RIKLET_PID 2>/dev/null"
		pkill -KILL -P "$RIKLET_PID" 2>/dev/null
		kill -KILL "$RIKLET_PID" 2>/dev/null
	fi
	eval "$cleanup_hooks"
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap _cleanup EXIT
trap '[ -s "$T/broken" ] && fail "$(cat "$T/broken")"; exit 1' INT TERM

fail() { echo "FAIL: $*"; [ -f "$T/riklet.log" ] && { echo "--- riklet log"; tail -n 40 "$T/riklet.log"; }; exit 1; }

# broke WHAT: a helper could not answer (a python exception, an engine
# that does not reply).  That fails the test, also from a pipeline, a
# $(...) or a wait_for condition, where an exit would read as "no" or
# "not yet": the test's own shell is told by a signal.
broke() {
	echo "a helper failed: $*" >>"$T/broken"
	kill -TERM "$TEST_PID"
	exit 1
}
skip() { echo "$*"; exit 77; }
ok() { echo "ok: $*"; }

need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root"; }
ensure_user() { id _riklet >/dev/null 2>&1 || useradd -r -s /usr/sbin/nologin -d /nonexistent -M _riklet; }

# wait_for SECONDS COMMAND...: polls every 50 ms until COMMAND succeeds.
wait_for() {
	_limit=$1; shift
	_end=$(( $(date +%s%N) / 1000000 + _limit * 1000 ))
	while [ $(( $(date +%s%N) / 1000000 )) -lt $_end ]; do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# The pid of the child of riklet playing ROLE.
child_pid() { pgrep -P "$RIKLET_PID" -f "^riklet: $1\$" | head -n 1; }

# start_riklet CONF [ARGS...]: riklet -d in the background, log in $T/riklet.log
start_riklet() {
	_conf=$1; shift
	"$RIKLET" -d -f "$_conf" "$@" >"$T/riklet.log" 2>&1 &
	RIKLET_PID=$!
	wait_for 5 sh -c "[ -n \"\$(pgrep -P $RIKLET_PID -f '^riklet: agent\$')\" ] && [ -n \"\$(pgrep -P $RIKLET_PID -f '^riklet: runtime\$')\" ] && [ -n \"\$(pgrep -P $RIKLET_PID -f '^riklet: metrics\$')\" ]" ||
	    fail "riklet did not start its children"
}

stop_riklet() {
	[ -n "$RIKLET_PID" ] || return 0
	kill -TERM "$RIKLET_PID" 2>/dev/null
	wait_for 3 sh -c "! kill -0 $RIKLET_PID 2>/dev/null"
	wait "$RIKLET_PID" 2>/dev/null
	RIKLET_PID=""
}

status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# --- the real engine and the scheduler peer ---------------------------
PY=/usr/bin/python3

# The engine every test runs against, docker (the default) or podman:
# the one variable that chooses it (regress/engine.sh reads it too).
RIKLET_ENGINE=${RIKLET_ENGINE:-docker}
export RIKLET_ENGINE

# engine_name: how riklet names it (rikletctl show status, the log).
engine_name() {
	case $RIKLET_ENGINE in
	podman)	echo Podman ;;
	*)	echo Docker ;;
	esac
}

# engine_up: a private engine (regress/engine.sh) with the test image.
engine_up() {
	_env=$(sh "$REGRESS_DIR/engine.sh" start) || fail "engine did not start"
	eval "$_env"
	[ -S "$DOCKER_SOCK" ] || fail "no engine socket"
	sh "$REGRESS_DIR/engine.sh" image >/dev/null || fail "no test image"
	export DOCKER_SOCK
}

# engine_up_bridge: the engine whose containers have a network (a bridge
# of their own, ports published on 127.0.0.1 only): regress/engine.sh
# with RIKLET_ENGINE_BRIDGE=1, a second engine beside the first.  Podman
# is the same engine: a container that publishes a port gets its default
# network, the CNI bridge "podman" (engine.sh).
engine_up_bridge() {
	if [ "${RIKLET_ENGINE:-docker}" = podman ]; then
		engine_up
		return
	fi
	_env=$(RIKLET_ENGINE_BRIDGE=1 sh "$REGRESS_DIR/engine.sh" start) ||
	    fail "bridge engine did not start"
	eval "$_env"
	[ -S "$DOCKER_SOCK" ] || fail "no bridge engine socket"
	RIKLET_ENGINE_BRIDGE=1 sh "$REGRESS_DIR/engine.sh" image >/dev/null ||
	    fail "no test image on the bridge engine"
	export DOCKER_SOCK
}

# docker_api METHOD PATH: the Engine API, JSON on stdout.
docker_api() {
	curl -s --unix-socket "$DOCKER_SOCK" -X "$1" "http://docker$2"
}

# node_containers NODE PYTHON: PYTHON run on the list (cs) of the engine's
# containers of that node; what it prints.
node_containers() {
	_nc=$(docker_api GET "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22riklet.node%3D$1%22%5D%7D" |
	    $PY -c 'import json, sys
cs = json.load(sys.stdin)
if not isinstance(cs, list):
    sys.exit("the engine answered %r" % (cs,))
'"$2") || broke "the containers of node $1: $_nc"
	[ -z "$_nc" ] || printf '%s\n' "$_nc"
}

# containers_of NODE: how many containers the engine has for that node.
containers_of() { node_containers "$1" 'print(len(cs))'; }

# names_of NODE: the sorted container names of that node, one a line.
names_of() {
	node_containers "$1" '[print(n) for n in sorted(c["Names"][0] for c in cs)]'
}

free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' ||
	    broke "free_port"
}

# peer_up [PORT]: the scheduler test peer, its files in $T/peer.
peer_up() {
	PEER_PORT=${1:-${PEER_PORT:-$(free_port)}}
	mkdir -p "$T/peer"
	rm -f "$T/peer/ready"
	$PY "$REGRESS_DIR/peer/scheduler.py" --port "$PEER_PORT" \
	    --dir "$T/peer" --lifetime "${PEER_LIFETIME:-900}" \
	    >>"$T/peer.log" 2>&1 &
	PEER_PID=$!
	wait_for 30 test -f "$T/peer/ready" || fail "peer did not start: $(tail -n 5 "$T/peer.log")"
}

peer_down() {
	[ -n "${PEER_PID:-}" ] || return 0
	kill -KILL "$PEER_PID" 2>/dev/null
	wait "$PEER_PID" 2>/dev/null
	PEER_PID=""
}
at_exit 'peer_down'

# peer_send INSTANCE CREATE|DESTROY [DEFINITION]
peer_send() {
	$PY -c 'import json,sys; print(json.dumps({"instance_id":sys.argv[1],"action":sys.argv[2],"definition":sys.argv[3]}))' \
	    "$1" "$2" "${3:-}" >>"$T/peer/commands.jsonl" ||
	    broke "peer_send $1 $2"
}

# pod_def NAME [CONTAINER=COMMAND]...: a busybox pod definition.
pod_def() {
	$PY - "$@" <<'PY'
import json, sys
name = sys.argv[1]
ctrs = []
for spec in sys.argv[2:] or ["main=sleep 100000"]:
    cname, cmd = spec.split("=", 1)
    ctrs.append({"name": cname, "image": "riklet/busybox:local",
                 "command": ["/bin/sh", "-c", cmd]})
d = {"api_version": "v0", "kind": "pods", "name": name, "replicas": 1,
     "spec": {"containers": ctrs}}
if len(sys.argv) > 1 and name.startswith("restart-"):
    d["spec"]["restartPolicy"] = name.split("-")[1]
print(json.dumps(d))
PY
}

# peerq_in DIR WHAT [INSTANCE]: peerq.py's answer about what a peer
# recorded in DIR.
peerq_in() {
	_pq=$($PY "$REGRESS_DIR/integration/peerq.py" "$2" "$1" ${3+"$3"}) ||
	    broke "peerq.py $2 $1 ${3:-}"
	[ -z "$_pq" ] || printf '%s\n' "$_pq"
}

# statuses INSTANCE: the state changes the peer saw for it, one a line
# (metrics samples, which carry "cpu", left out).
statuses() { peerq_in "$T/peer" statuses "$1"; }

# status_times INSTANCE: the same, each line "TIME STATUS" (the peer's
# clock, seconds).
status_times() { peerq_in "$T/peer" times "$1"; }

# podmetrics INSTANCE: the metrics JSON of each of its samples.
podmetrics() { peerq_in "$T/peer" podmetrics "$1"; }

# has_status INSTANCE STATUS: the peer saw that state change.
has_status() { statuses "$1" | grep -qx "$2"; }

# status_count INSTANCE STATUS: how many times the peer saw it.
status_count() { statuses "$1" | grep -cx "$2"; }

# wait_status INSTANCE STATUS SECONDS
wait_status() { wait_for "$3" has_status "$1" "$2"; }

# registered NODE: the peer saw NODE register.
registered() { peerq_in "$T/peer" registers | grep -qx "$1"; }

# worker_running: the peer saw a WorkerMetric with status RUNNING.
worker_running() { peerq_in "$T/peer" worker | grep -qx RUNNING; }

# label_cleanup KEY VALUE: removes every container with that label from
# the engine.  Podman refuses to remove an infra container while a
# container in its namespaces exists: a second pass takes it.
label_cleanup() {
	for _pass in 1 2; do
		for _id in $(docker_api GET "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22$1%3D$2%22%5D%7D" |
		    $PY -c 'import json,sys; [print(c["Id"]) for c in json.load(sys.stdin)]' 2>/dev/null); do
			docker_api DELETE "/containers/$_id?force=1" >/dev/null
		done
	done
}

# volumes_of NODE [INSTANCE]: the sorted names of that node's volumes.
# One label asked of the engine, the instance checked here: Podman 4.3
# lists the volumes with any of the labels asked for.
volumes_of() {
	docker_api GET "/volumes?filters=%7B%22label%22%3A%5B%22riklet.node%3D$1%22%5D%7D" |
	    $PY -c 'import json,sys
vs = json.load(sys.stdin)["Volumes"] or []
for v in sorted(vs, key=lambda v: v["Name"]):
    if sys.argv[1] in ("", (v.get("Labels") or {}).get("riklet.instance")):
        print(v["Name"])' "${2:-}"
}

# expect_reason INSTANCE PREFIX: prints its last FAILED "reason: message"
# and fails unless it starts with PREFIX:  r=$(expect_reason ...) || fail "$r"
expect_reason() {
	_r=$(failed_reason "$1")
	case $_r in
	"$2"*) echo "$_r" ;;
	*) echo "$1: [$_r], expected [$2...]"; return 1 ;;
	esac
}

# instance_containers NODE INSTANCE: how many containers of that pod.
instance_containers() {
	docker_api GET "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22riklet.node%3D$1%22%2C%22riklet.instance%3D$2%22%5D%7D" |
	    $PY -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

# failed_reason INSTANCE: "reason: message" of its last FAILED status.
failed_reason() {
	$PY - "$T/peer/received.jsonl" "$1" <<'PY'
import json, sys
last = ""
for line in open(sys.argv[1]):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("instance_id") == sys.argv[2] and m.get("status") == "FAILED":
        try:
            d = json.loads(m.get("metrics") or "{}")
        except ValueError:
            continue
        if "reason" in d:
            last = "%s: %s" % (d["reason"], d.get("message", ""))
print(last)
PY
}

# node_cleanup NODE: removes every container and volume of that node
# from the engine.
node_cleanup() {
	label_cleanup riklet.node "$1"
	for _v in $(volumes_of "$1"); do
		docker_api DELETE "/volumes/$_v" >/dev/null
	done
}

# riklet_conf NODE: a configuration for a riklet against the peer and
# engine; the node's containers are removed when the test ends.  No image
# gc (t_imagegc sets its own): the tests share the engine's images.
riklet_conf() {
	at_exit "node_cleanup '$1'"
	mkdir -p "$T/empty"
	chmod 0755 "$T" "$T/empty"
	cat >"$T/riklet.conf" <<CONF
scheduler "127.0.0.1:$PEER_PORT"
hostname "$1"
metric-resolution ${RESOLUTION:-1s}
engine socket "$DOCKER_SOCK"
control socket "$T/riklet.sock"
chroot "$T/empty"
stop-grace 1s
image-gc high 100% low 99%
${EXTRA_CONF:-}
CONF
}
