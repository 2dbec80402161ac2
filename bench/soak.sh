#!/bin/sh
# Soak: riklet with SOAK_PODS pods (50) at a 1 s metric resolution for
# SOAK_SECONDS (600), the scheduler peer restarted every minute and one
# child killed every 30 s (agent, runtime, metrics, control in turn).
# Each recovery is checked by itself: after a kill, a new child of the
# role, ready (rikletctl show status), and the agent registered again,
# the metrics child sampling again, the runtime with the engine up; after
# a peer restart, a new registration.  Prints the RSS and PSS of every
# riklet process before and after, and fails if a recovery did not
# happen, the pods did not all stay running, a child broke the protocol
# or a seccomp filter killed one.
#
#	sh bench/soak.sh		(root; from the top of the tree)
#
# Needs build/riklet (or RIKLET=path), regress/engine.sh's private engine
# and its busybox image, and regress/peer/scheduler.py.  Not part of check.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
RIKLET=${RIKLET:-$top/build/riklet}
CTL=${RIKLETCTL:-$(dirname "$RIKLET")/rikletctl}
SECONDS_TOTAL=${SOAK_SECONDS:-600}
PODS=${SOAK_PODS:-50}
PORT=${SOAK_PORT:-$((40000 + $$ % 20000))}
NODE=soak-$$
IMAGE=riklet/busybox:local

[ "$(id -u)" -eq 0 ] || { echo "soak: needs root" >&2; exit 1; }
[ -x "$RIKLET" ] || { echo "soak: no $RIKLET (make first)" >&2; exit 1; }
[ -x "$CTL" ] || { echo "soak: no $CTL (make first)" >&2; exit 1; }
id _riklet >/dev/null 2>&1 ||
    useradd -r -s /usr/sbin/nologin -d /nonexistent -M _riklet

T=$(mktemp -d /tmp/riklet-soak.XXXXXX)
mkdir -p "$T/empty" "$T/peer"
chmod 0755 "$T" "$T/empty"
RIKLET_PID="" PEER_PID=""

now() { date +%s; }
log() { echo "soak: $(date +%T) $*"; }
die() { log "FAIL: $*"; tail -n 30 "$T/riklet.log"; exit 1; }

wait_for() {	# SECONDS COMMAND...
	_end=$(($(now) + $1)); shift
	while [ "$(now)" -lt "$_end" ]; do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

cleanup() {
	[ -n "$RIKLET_PID" ] && kill -TERM "$RIKLET_PID" 2>/dev/null
	[ -n "$PEER_PID" ] && kill -TERM "$PEER_PID" 2>/dev/null
	sleep 2
	# Whatever is left of this node's containers.
	for id in $(api "/containers/json?all=1&filters=$(label_filter)" |
	    grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4); do
		api "/containers/$id?force=1" -X DELETE >/dev/null 2>&1
	done
	rm -rf "$T"
}

api() {	# PATH [curl args]
	_p=$1; shift
	curl -sS --max-time 30 --unix-socket "$DOCKER_SOCK" "$@" \
	    "http://localhost$_p"
}

label_filter() {	# {"label":["riklet.node=NODE"]}, URL-encoded
	printf '%%7B%%22label%%22%%3A%%5B%%22riklet.node%%3D%s%%22%%5D%%7D' \
	    "$NODE"
}

running_containers() {
	api "/containers/json?filters=$(label_filter)" |
	    grep -o '"Id":"' | wc -l
}

start_peer() {
	rm -f "$T/peer/ready"
	/usr/bin/python3 "$top/regress/peer/scheduler.py" --port "$PORT" \
	    --dir "$T/peer" --lifetime $((SECONDS_TOTAL + 600)) \
	    >>"$T/peer.log" 2>&1 &
	PEER_PID=$!
	wait_for 30 test -f "$T/peer/ready" || die "the peer did not start"
}

# peerq WHAT [INSTANCE]: regress/integration/peerq.py about the peer's
# record; the soak ends if it cannot answer.
peerq() {
	_pq=$(/usr/bin/python3 "$top/regress/integration/peerq.py" "$1" \
	    "$T/peer" ${2+"$2"}) || die "peerq.py $*"
	[ -z "$_pq" ] || printf '%s\n' "$_pq"
}
# Counted into a variable, never in a pipeline, so that die ends the soak.
registrations() { _r=$(peerq registers) && echo "$_r" | grep -cx "$NODE"; }
samples() { _r=$(peerq podmetrics soak-1) && echo "$_r" | grep -c .; }
more_registrations() { _n=$(registrations); [ "$_n" -gt "$1" ]; }
more_samples() { _n=$(samples); [ "$_n" -ge $(($1 + 2)) ]; }

# ready ROLE OLDPID: rikletctl shows a child of that role, not OLDPID,
# ready (and so the control child answers).
ready() {
	"$CTL" -s "$T/riklet.sock" -j show status >"$T/status" 2>/dev/null ||
	    return 1
	/usr/bin/python3 - "$T/status" "$1" "$2" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
new = [c for c in s["children"] if c["name"] == sys.argv[2] and
       c["pid"] != int(sys.argv[3]) and c["ready"]]
sys.exit(0 if new else 1)
EOF
}
engine_seen() {
	"$CTL" -s "$T/riklet.sock" -j show status 2>/dev/null |
	    grep -q '"state": "up"'
}

# Instances whose last status received is $1.
count_status() {
	/usr/bin/python3 - "$T/peer/received.jsonl" "$1" <<'EOF'
import json, sys
last = {}
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("kind") == "instance":
        last[m["instance_id"]] = m["status"]
print(sum(1 for s in last.values() if s == sys.argv[2]))
EOF
}

command() {	# ACTION INSTANCE
	_def='{"api_version":"v0","kind":"pods","name":"'$2'","replicas":1,"spec":{"containers":[{"name":"main","image":"'$IMAGE'","command":["sleep","1000000"]}]}}'
	/usr/bin/python3 -c 'import json, sys
print(json.dumps({"instance_id": sys.argv[1], "definition": sys.argv[2],
    "action": sys.argv[3]}))' "$2" "$_def" "$1" >>"$T/peer/commands.jsonl"
}

all_pods() {	# ACTION: one command per pod
	_i=1
	while [ $_i -le "$PODS" ]; do
		command "$1" "soak-$_i"
		_i=$((_i + 1))
	done
}

child_pid() { pgrep -P "$RIKLET_PID" -f "^riklet: $1\$" | head -n 1; }

memory() {	# one line per process: role, RSS and PSS in kB, open fds
	for role in parent agent metrics runtime control; do
		if [ $role = parent ]; then pid=$RIKLET_PID
		else pid=$(child_pid $role); fi
		[ -n "$pid" ] || { echo "$role - - -"; continue; }
		rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status")
		pss=$(awk '$1 == "Pss:" { print $2 }' "/proc/$pid/smaps_rollup")
		fds=$(ls "/proc/$pid/fd" | wc -l)
		echo "$role $rss $pss $fds"
	done
}

trap cleanup EXIT
trap 'exit 1' INT TERM

eval "$(sh "$top/regress/engine.sh" start | grep '^DOCKER_SOCK=')"
[ -n "${DOCKER_SOCK:-}" ] || die "no engine"
sh "$top/regress/engine.sh" image >/dev/null || die "no test image"

cat >"$T/riklet.conf" <<CONF
scheduler "127.0.0.1:$PORT"
hostname "$NODE"
metric-resolution 1s
docker socket "$DOCKER_SOCK"
control socket "$T/riklet.sock"
chroot "$T/empty"
CONF

start_peer
"$RIKLET" -d -f "$T/riklet.conf" >"$T/riklet.log" 2>&1 &
RIKLET_PID=$!
wait_for 30 sh -c "[ \$(grep -c '\"rpc\": \"register\"' '$T/peer/received.jsonl' 2>/dev/null) -ge 1 ]" ||
    die "riklet did not register"
log "registered as $NODE on port $PORT; creating $PODS pods"
all_pods CREATE
end=$(($(now) + 300))
while [ "$(count_status RUNNING)" -lt "$PODS" ] && [ "$(now)" -lt "$end" ]; do
	sleep 1
done
[ "$(count_status RUNNING)" -ge "$PODS" ] ||
    die "only $(count_status RUNNING) of $PODS pods running"
log "$PODS pods running; settling 30 s"
sleep 30
memory >"$T/mem.before"

log "soak for $SECONDS_TOTAL s: a child killed every 30 s, the peer restarted every 60 s"
start=$(now) tick=0 kills=0 restarts=0
roles="agent runtime metrics control"
while [ $(($(now) - start)) -lt "$SECONDS_TOTAL" ]; do
	sleep 30
	tick=$((tick + 1))
	role=$(echo $roles | cut -d" " -f$(((tick - 1) % 4 + 1)))
	pid=$(child_pid $role)
	[ -n "$pid" ] || die "no $role child to kill"
	regs=$(registrations) || die "no registrations"
	smp=$(samples) || die "no samples"
	kill -KILL "$pid" || die "kill $role ($pid)"
	kills=$((kills + 1))
	wait_for 15 ready $role "$pid" || die "no new $role child ready after $pid"
	case $role in
	agent)	wait_for 30 more_registrations "$regs" ||
		    die "the new agent did not register" ;;
	metrics) wait_for 10 more_samples "$smp" ||
		    die "no metrics of soak-1 from the new metrics child" ;;
	runtime) wait_for 10 engine_seen ||
		    die "the new runtime does not see the engine" ;;
	esac
	if [ $((tick % 2)) -eq 0 ]; then
		regs=$(registrations) || die "no registrations"
		kill -TERM "$PEER_PID" 2>/dev/null
		wait "$PEER_PID" 2>/dev/null
		start_peer
		restarts=$((restarts + 1))
		wait_for 30 more_registrations "$regs" ||
		    die "riklet did not register with the restarted peer"
	fi
	kill -0 "$RIKLET_PID" || die "the parent died"
	log "t=$(($(now) - start))s killed $role ($pid), recovered; peer restarts $restarts; containers running $(running_containers)"
done

log "settling 30 s"
sleep 30
memory >"$T/mem.after"

echo
echo "RSS and PSS in kB (a killed child is a new process after)"
printf '%-8s %10s %10s %10s %10s %8s %8s\n' process "RSS before" \
    "RSS after" "PSS before" "PSS after" "fds bef" "fds aft"
paste -d' ' "$T/mem.before" "$T/mem.after" |
    awk '{ printf "%-8s %10s %10s %10s %10s %8s %8s\n", $1, $2, $6, $3, $7, $4, $8 }'
echo

running=$(running_containers)
violations=$(grep -c "protocol violation" "$T/riklet.log")
regs=$(registrations)
log "children killed: $kills, peer restarts: $restarts, registrations: $regs"
log "containers running: $running of $PODS; protocol violations: $violations"
log "restart lines: $(grep -c 'killed by signal 9' "$T/riklet.log"), SIGSYS deaths: $(grep -c 'killed by signal 31' "$T/riklet.log")"
[ "$running" -eq "$PODS" ] || die "$running of $PODS containers running"
[ "$violations" -eq 0 ] || die "protocol violations: $(grep "protocol violation" "$T/riklet.log" | head -n 3)"
! grep -q "killed by signal 31" "$T/riklet.log" || die "a child was killed by its seccomp filter"

log "destroying the pods"
all_pods DESTROY
end=$(($(now) + 180))
while [ "$(running_containers)" -gt 0 ] && [ "$(now)" -lt "$end" ]; do
	sleep 1
done
log "containers left: $(running_containers); terminated reported: $(count_status TERMINATED)"
exit 0
