#!/bin/sh
# Probes survive the runtime: kill -9 of the runtime while exec and
# httpGet probes run (one in flight most of the time); the new runtime
# re-arms them from its listing (the probes are the containers' labels):
# what then breaks is FAILED Unhealthy; the engine holds no more running
# execs for the containers than the probes in flight.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-probeadopt-$$
riklet_conf "$NODE"

probedef() {	# NAME COMMAND LIVENESS
	$PY - "$@" <<'PY'
import json, sys
name, cmd, live = sys.argv[1:4]
print(json.dumps({"apiVersion": "v0", "kind": "Pod", "name": name,
                  "spec": {"restartPolicy": "Never",
                           "terminationGracePeriodSeconds": 1,
                           "containers": [{"name": "web",
                               "image": "riklet/busybox:local",
                               "command": ["/bin/sh", "-c", cmd],
                               "livenessProbe": json.loads(live)}]}}))
PY
}
api_post() {
	curl -s --unix-socket "$DOCKER_SOCK" -X POST -H 'Content-Type: application/json' \
	    -d "$2" "http://docker$1"
}
dexec() {	# INSTANCE COMMAND
	_e=$(api_post "/containers/rik-$1-web/exec" \
	    "{\"Cmd\": [\"/bin/sh\", \"-c\", \"$2\"]}" |
	    $PY -c 'import json,sys; print(json.load(sys.stdin)["Id"])') || broke "exec in $1"
	api_post "/exec/$_e/start" '{"Detach": true}' >/dev/null
}
# CONTAINER: how many execs the engine lists for it (running ones)
execs() {
	docker_api GET "/containers/$1/json" |
	    $PY -c 'import json,sys; print(len(json.load(sys.stdin)["ExecIDs"] or []))'
}

start_riklet "$T/riklet.conf"
peer_send ex CREATE "$(probedef ex 'touch /tmp/alive; exec sleep 100000' \
    '{"exec": {"command": ["/bin/sh", "-c", "sleep 0.3; test -f /tmp/alive"]}, "periodSeconds": 1, "failureThreshold": 2}')"
peer_send http CREATE "$(probedef http \
    'mkdir -p /www && echo ok >/www/index.html && exec httpd -f -p 8080 -h /www' \
    '{"httpGet": {"path": "/index.html", "port": 8080}, "periodSeconds": 1, "failureThreshold": 2}')"
wait_status ex RUNNING 60 || fail "ex not RUNNING"
wait_status http RUNNING 60 || fail "http not RUNNING"
sleep 2
ok "two pods with probes RUNNING"

for round in 1 2; do
	RT=$(child_pid runtime)
	[ -n "$RT" ] || fail "no runtime"
	kill -KILL "$RT"
	new_rt() { _p=$(child_pid runtime); [ -n "$_p" ] && [ "$_p" != "$RT" ]; }
	wait_for 15 new_rt || fail "no new runtime after kill -9 $RT"
	sleep 1
done
ok "the runtime killed twice with probes running; a new one runs"

# Still probing: nothing failed, and the engine has at most the probes
# in flight running for each container.
sleep 2
has_status ex FAILED && fail "ex FAILED while healthy: $(failed_reason ex)"
has_status http FAILED && fail "http FAILED while healthy: $(failed_reason http)"
n=$(execs rik-ex-web)
[ "$n" -le 1 ] || fail "ex: $n execs running in the engine"
n=$(execs rik-http-pod)
[ "$n" -le 1 ] || fail "http: $n execs running in its infra container"
ok "no exec left running in the engine beyond the one in flight"

dexec ex 'rm /tmp/alive'
dexec http 'rm /www/index.html'
wait_status ex FAILED 15 || fail "ex: probes did not resume: $(statuses ex | tr '\n' ' ')"
wait_status http FAILED 15 || fail "http: probes did not resume: $(statuses http | tr '\n' ' ')"
r=$(expect_reason ex "Unhealthy: container web: liveness probe failed 2 times: exit code 1") || fail "$r"
ok "exec probe resumed: $r"
r=$(expect_reason http "Unhealthy: container web: liveness probe failed 2 times: HTTP 404") || fail "$r"
ok "httpGet probe resumed: $r"
