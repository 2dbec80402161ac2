#!/bin/sh
# Health probes, all pods at once to share the waits (periodSeconds 1,
# failureThreshold 2): an httpGet probe on a busybox httpd whose page is
# removed -> FAILED Unhealthy and restarted (Always), FAILED Unhealthy
# with the probe's words (Never); a tcpSocket probe on a port nothing
# listens on; an exec probe that starts failing; a startup probe that
# holds the liveness probe off until it passes, and one that never does;
# an image's HEALTHCHECK turning unhealthy; a DESTROY while a probe is in
# flight.  rikletctl show pod shows the probes' state.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-probe-$$
riklet_conf "$NODE"
CTL="$(dirname "$RIKLET")/rikletctl"
HCIMG=riklet/hc-test
HCTAG=t$$
at_exit "docker_api DELETE '/images/$HCIMG:$HCTAG?force=1' >/dev/null"

# NAME POLICY COMMAND LIVENESS [STARTUP]: a one-container pod "web" whose
# probes are JSON ("" for none).
probedef() {
	$PY - "$@" <<'PY'
import json, sys
name, policy, cmd, live = sys.argv[1:5]
start = sys.argv[5] if len(sys.argv) > 5 else ""
image = sys.argv[6] if len(sys.argv) > 6 else "riklet/busybox:local"
c = {"name": "web", "image": image, "command": ["/bin/sh", "-c", cmd]}
if live:
    c["livenessProbe"] = json.loads(live)
if start:
    c["startupProbe"] = json.loads(start)
print(json.dumps({"apiVersion": "v0", "kind": "Pod", "name": name,
                  "spec": {"restartPolicy": policy,
                           "terminationGracePeriodSeconds": 1,
                           "containers": [c]}}))
PY
}
FAST='"periodSeconds": 1, "failureThreshold": 2'
HTTPD='mkdir -p /www && echo ok >/www/index.html && exec httpd -f -p 8080 -h /www'
HTTP='{"httpGet": {"path": "/index.html", "port": 8080}, '"$FAST"'}'

# api_post PATH JSON: a POST with a JSON body to the engine.
api_post() {
	curl -s --unix-socket "$DOCKER_SOCK" -X POST -H 'Content-Type: application/json' \
	    -d "$2" "http://docker$1"
}

# An image with a HEALTHCHECK: riklet/busybox committed with one that
# passes while /tmp/ok exists.
hcid=$(api_post "/containers/create" '{"Image": "riklet/busybox:local", "Cmd": ["true"]}' |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["Id"])') ||
    fail "cannot create a container to commit"
api_post "/commit?container=$hcid&repo=$HCIMG&tag=$HCTAG" '{"Image": "riklet/busybox:local",
    "Cmd": ["/bin/sh", "-c", "touch /tmp/ok; exec sleep 100000"],
    "Healthcheck": {"Test": ["CMD-SHELL", "test -f /tmp/ok"],
    "Interval": 500000000, "Timeout": 1000000000, "Retries": 1}}' >/dev/null
docker_api DELETE "/containers/$hcid" >/dev/null
docker_api GET "/images/$HCIMG:$HCTAG/json" | grep -q Healthcheck ||
    fail "no image with a HEALTHCHECK"

start_riklet "$T/riklet.conf"
RT0=$(child_pid runtime)
T0=$(date +%s)
peer_send always CREATE "$(probedef always Always "$HTTPD" "$HTTP")"
peer_send never CREATE "$(probedef never Never "$HTTPD" "$HTTP")"
peer_send tcp CREATE "$(probedef tcp Never 'exec sleep 100000' \
    '{"tcpSocket": {"port": 9999}, '"$FAST"'}')"
peer_send exec CREATE "$(probedef exec Never 'touch /tmp/alive; exec sleep 100000' \
    '{"exec": {"command": ["test", "-f", "/tmp/alive"]}, '"$FAST"'}')"
peer_send startup CREATE "$(probedef startup Never 'exec sleep 100000' \
    '{"exec": {"command": ["false"]}, '"$FAST"'}' \
    '{"exec": {"command": ["test", "-f", "/tmp/started"]}, "periodSeconds": 1, "failureThreshold": 60}')"
peer_send nostart CREATE "$(probedef nostart Never 'exec sleep 100000' '' \
    '{"exec": {"command": ["false"]}, '"$FAST"'}')"
peer_send hc CREATE "$(probedef hc Never 'touch /tmp/ok; exec sleep 100000' '' '' "$HCIMG:$HCTAG")"
peer_send inflight CREATE "$(probedef inflight Never 'exec sleep 100000' \
    '{"exec": {"command": ["sleep", "2"]}, "periodSeconds": 1, "timeoutSeconds": 5}')"
for i in always never tcp exec startup nostart hc inflight; do
	wait_status $i RUNNING 60 || fail "$i not RUNNING: $(statuses $i | tr '\n' ' ')"
done
ok "8 pods with probes RUNNING in $(( $(date +%s) - T0 )) s"

dexec() {	# INSTANCE COMMAND: runs COMMAND in rik-INSTANCE-web
	_e=$(api_post "/containers/rik-$1-web/exec" \
	    "{\"Cmd\": [\"/bin/sh\", \"-c\", \"$2\"]}" |
	    $PY -c 'import json,sys; print(json.load(sys.stdin)["Id"])') || broke "exec in $1"
	api_post "/exec/$_e/start" '{"Detach": true}' >/dev/null
}
show() { "$CTL" -s "$T/riklet.sock" show pod "$1"; }
showj() { "$CTL" -j -s "$T/riklet.sock" show pod "$1"; }
probe_json() {	# INSTANCE PYTHON-EXPR on p (the container's "probe")
	showj "$1" | $PY -c '
import json, sys
c = json.load(sys.stdin)["pod"]["containers"][0]
p = c.get("probe") or {}
sys.exit(0 if eval(sys.argv[1]) else 1)' "$2"
}

# The probes pass: rikletctl says so.
wait_for 10 probe_json always 'p.get("probe") == "livenessProbe" and p["last"] == "success"' ||
    fail "always: no probe state: $(showj always)"
show always | grep -q '^web .* ok$' || fail "show pod: no HEALTH ok: $(show always)"
ok "rikletctl show pod: the liveness probe passes (HEALTH ok)"
wait_for 5 probe_json tcp 'p.get("failures", 0) >= 1 and "refused" in p["message"]' ||
    fail "tcp: $(showj tcp)"

# Startup holds liveness (false) off: still RUNNING with no failure,
# after the time liveness would take to fail twice.
sleep 3
has_status startup FAILED && fail "startup: liveness ran before the startup probe passed"
probe_json startup 'p.get("probe", "startupProbe") == "startupProbe"' ||
    fail "startup: $(showj startup)"
dexec startup 'touch /tmp/started'
ok "startup probe holds liveness off while it fails"

# Break what the probes see.
dexec always 'rm /www/index.html'
dexec never 'rm /www/index.html'
dexec exec 'rm /tmp/alive'
dexec hc 'rm /tmp/ok'

for i in never tcp exec startup nostart hc; do
	wait_status $i FAILED 20 || fail "$i not FAILED: $(statuses $i | tr '\n' ' ')"
done
r=$(expect_reason never "Unhealthy: container web: liveness probe failed 2 times: HTTP 404") || fail "$r"
ok "httpGet, Never: $r"
r=$(expect_reason tcp "Unhealthy: container web: liveness probe failed 2 times: connect to port 9999: Connection refused") || fail "$r"
ok "tcpSocket: $r"
r=$(expect_reason exec "Unhealthy: container web: liveness probe failed 2 times: exit code 1") || fail "$r"
ok "exec: $r"
r=$(expect_reason startup "Unhealthy: container web: liveness probe failed 2 times: exit code 1") || fail "$r"
ok "startup passed, then liveness: $r"
r=$(expect_reason nostart "Unhealthy: container web: startup probe failed 2 times: exit code 1") || fail "$r"
ok "startup never passes: $r"
r=$(expect_reason hc "Unhealthy: container web: image HEALTHCHECK unhealthy") || fail "$r"
ok "HEALTHCHECK: $r"
show never | grep -q 'Unhealthy' || fail "show pod never: no reason Unhealthy: $(show never)"
probe_json never 'p["unhealthy"] and p["failures"] == 2 and p["message"].endswith("HTTP 404")' ||
    fail "never: $(showj never)"
ok "rikletctl show pod never: Unhealthy, the probe's failures and message"
for i in never tcp exec; do
	statuses $i | grep -qx RUNNING || fail "$i"
	[ "$(status_count $i RUNNING)" = 1 ] || fail "$i restarted under Never"
done

# Always: FAILED Unhealthy, then restarted by the policy (10 s backoff).
wait_status always FAILED 20 || fail "always not FAILED: $(statuses always | tr '\n' ' ')"
r=$(expect_reason always "Unhealthy: container web: liveness probe failed 2 times: HTTP 404") || fail "$r"
wait_for 20 sh -c "[ \$($PY '$REGRESS_DIR/integration/peerq.py' statuses '$T/peer' always | grep -cx RUNNING) -ge 2 ]" ||
    fail "always not restarted: $(statuses always | tr '\n' ' ')"
grep -q "pod always: container web is unhealthy" "$T/riklet.log" || fail "no Unhealthy in the log"
ok "httpGet, Always: $r, then RUNNING again: $(statuses always | tr '\n' ' ')"
wait_for 5 probe_json always 'p["last"] == "success" and not p["unhealthy"]' ||
    fail "always: probe after the restart: $(showj always)"
ok "after the restart its probe passes again"

# A DESTROY while a probe (sleep 2) is in flight.
RT=$(child_pid runtime)
probe_json inflight 'True' || fail "inflight"
peer_send inflight DESTROY
wait_status inflight TERMINATED 20 || fail "inflight not TERMINATED"
[ "$(instance_containers "$NODE" inflight)" = 0 ] || fail "inflight left containers"
[ "$(child_pid runtime)" = "$RT" ] || fail "the runtime restarted"
ok "DESTROY with a probe in flight: TERMINATED, the runtime unharmed"
# Every kind of probe ran in the runtime's sandbox: it never died.
[ "$RT" = "$RT0" ] || fail "the runtime was restarted during the test"
! grep "violation\|killed by signal" "$T/riklet.log" || fail "a child died"
ok "total $(( $(date +%s) - T0 )) s"
