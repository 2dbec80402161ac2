#!/bin/sh
# bench/probes: what an httpGet liveness probe costs.  N pods (default
# 100), each a busybox httpd with a livenessProbe httpGet every 10 s.
# Two windows of WINDOW seconds (default 60) on the same pods:
#   1. the same probes run from the shell, `docker exec rik-I-pod /pause
#      probe http 8080 /index.html 1` (the docker CLI against the private
#      engine), N spread over each 10 s, riklet stopped (its containers
#      stay);
#   2. riklet started again: it adopts the pods and its runtime probes
#      them through the Engine API.
# Each reports the CPU per probe of the engine (dockerd, containerd and
# the shims, found before the window, their reaped children included:
# runc and the probe), of
# riklet's runtime, and of the docker CLI; probes counted from the
# engine's exec_die events as they come.  Run as root from the top of the tree after
# `make`:  sh bench/probes.sh [N] [WINDOW]
REGRESS_DIR=$(cd "$(dirname "$0")/../regress" && pwd)
RIKLET=${RIKLET:-$(cd "$(dirname "$0")/.." && pwd)/build/riklet}
export RIKLET REGRESS_DIR
. "$REGRESS_DIR/integration/lib.sh"
need_root
ensure_user
N=${1:-100}
WINDOW=${2:-60}
PERIOD=10
DOCKER=${DOCKER:-$(command -v docker)} || skip "no docker CLI"
engine_up
peer_up
ENGINE_DIR=$(dirname "$DOCKER_SOCK")
RESOLUTION=10s EXTRA_CONF="create-parallel 8" riklet_conf bench-probes
HZ=$(getconf CLK_TCK)

def() {
	$PY - "$1" <<'PY'
import json, sys
cmd = "mkdir -p /www && echo ok >/www/index.html && exec httpd -f -p 8080 -h /www"
print(json.dumps({"apiVersion": "v0", "kind": "Pod", "name": sys.argv[1],
    "spec": {"restartPolicy": "Always", "containers": [{"name": "web",
        "image": "riklet/busybox:local", "command": ["/bin/sh", "-c", cmd],
        "livenessProbe": {"httpGet": {"path": "/index.html", "port": 8080},
                          "periodSeconds": 10}}]}}))
PY
}

# ticks PIDS...: their CPU, reaped children included, in clock ticks.
ticks() {
	for _p in "$@"; do
		awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' \
		    "/proc/$_p/stat" 2>/dev/null
	done | awk '{ s += $1 } END { print s + 0 }'
}
engine_pids() {
	for _p in /proc/[0-9]*; do
		tr '\0' ' ' 2>/dev/null <"$_p/cmdline" | grep -qF "$ENGINE_DIR/" &&
		    echo "${_p#/proc/}"
	done 2>/dev/null
}
now() { date +%s; }
# The engine's exec_die events, counted live (its history keeps only the
# last 256 events, too few to count afterwards): count_start FILE, then
# count_stop prints how many came since.
count_start() {
	curl -s -N --unix-socket "$DOCKER_SOCK" -G "http://docker/events" \
	    --data-urlencode 'filters={"event":["exec_die"]}' >"$1" &
	COUNT_PID=$!
	COUNT_FILE=$1
	sleep 0.5
}
count_stop() {
	kill "$COUNT_PID" 2>/dev/null
	wait "$COUNT_PID" 2>/dev/null
	grep -c exec_die "$COUNT_FILE"
}

start_riklet "$T/riklet.conf"
wait_for 20 registered bench-probes || fail "not registered"
T0=$(now)
i=0
while [ $i -lt "$N" ]; do
	peer_send "p$i" CREATE "$(def "p$i")"
	i=$((i + 1))
done
i=0
while [ $i -lt "$N" ]; do
	wait_status "p$i" RUNNING 600 || fail "p$i not RUNNING"
	i=$((i + 1))
done
echo "$N pods RUNNING in $(( $(now) - T0 )) s (load: $(cut -d' ' -f1-3 /proc/loadavg))"

# 1. docker exec from the shell, riklet stopped.
stop_riklet
sleep 2
EP=$(engine_pids)
count_start "$T/cli.events"
e0=$(ticks $EP)
cat >"$T/driver.sh" <<SH
end=\$((\$(date +%s) + $WINDOW))
while [ \$(date +%s) -lt \$end ]; do
	i=0
	while [ \$i -lt $N ]; do
		DOCKER_HOST=unix://$DOCKER_SOCK "$DOCKER" exec rik-p\$i-pod \
		    /pause probe http 8080 /index.html 1 >/dev/null 2>&1 &
		sleep $(echo "$PERIOD $N" | awk '{ printf "%.3f", $1 / $2 }')
		i=\$((i + 1))
	done
done
wait
SH
/usr/bin/time -f "%U %S" -o "$T/cli.time" sh "$T/driver.sh"
e1=$(ticks $EP)
n_cli=$(count_stop)
cli=$(awk '{ print ($1 + $2) * 1000 }' "$T/cli.time")

# 2. riklet's probes, after it adopted the pods.
start_riklet "$T/riklet.conf"
sleep 15
RT=$(child_pid runtime)
EP=$(engine_pids)
count_start "$T/rik.events"
r0=$(ticks "$RT"); e2=$(ticks $EP)
sleep "$WINDOW"
r1=$(ticks "$RT"); e3=$(ticks $EP)
n_rik=$(count_stop)
[ "$n_rik" -gt 0 ] && [ "$n_cli" -gt 0 ] || fail "no probes counted ($n_rik, $n_cli)"

awk -v hz="$HZ" -v n="$N" -v w="$WINDOW" \
    -v ncli="$n_cli" -v ecli=$((e1 - e0)) -v cli="$cli" \
    -v nrik="$n_rik" -v erik=$((e3 - e2)) -v rt=$((r1 - r0)) '
BEGIN {
	tick = 1000 / hz
	printf "%d pods, httpGet liveness every 10 s, %d s windows " \
	    "(%d probes due in each)\n", n, w, n * w / 10
	printf "%-22s %7s %14s %14s %14s\n", "", "probes",
	    "engine ms/pr", "runtime ms/pr", "CLI ms/pr"
	printf "%-22s %7d %14.2f %14s %14.2f\n", "docker exec (shell)",
	    ncli, ecli * tick / ncli, "-", cli / ncli
	printf "%-22s %7d %14.2f %14.2f %14s\n", "riklet (Engine API)",
	    nrik, erik * tick / nrik, rt * tick / nrik, "-"
}'
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
stop_riklet
