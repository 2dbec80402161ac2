#!/bin/sh
# A pod is one network with shared storage: on the engine with a bridge
# network, a sidecar fetches the page its web container serves on
# 127.0.0.1 from their emptyDir volume, the host fetches it from the port
# the pod publishes (on 127.0.0.1), both through the pod's infra
# container, riklet's own riklet/pause image; the volume is gone after
# DESTROY; a second pod on the same node port is FAILED PortInUse and
# leaves nothing; the infra container killed by hand makes the pod restart
# whole (Always) or FAILED InfraExited (Never).
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up_bridge
peer_up
NODE=t-pod-$$
riklet_conf "$NODE"
start_riklet "$T/riklet.conf"
CTL="$(dirname "$RIKLET")/rikletctl"
PORT=$(free_port)
PAGE="hello from pod $$"

# NAME POLICY PORT: web writes $PAGE into the emptyDir www and serves it
# on 8080, published on PORT; side fetches it from 127.0.0.1:8080 into
# the same volume (its /shared) and prints it.
webdef() {
	$PY - "$@" "$PAGE" <<'PY'
import json, sys
name, policy, port, page = sys.argv[1:5]
web = "echo '%s' >/www/index.html && exec httpd -f -p 8080 -h /www" % page
side = ("until wget -q -O /shared/fetched http://127.0.0.1:8080/index.html;"
        " do sleep 0.2; done; cat /shared/fetched; exec sleep 100000")
d = {"apiVersion": "v0", "kind": "Pod", "name": name,
     "spec": {"restartPolicy": policy,
              "volumes": [{"name": "www", "emptyDir": {}}],
              "containers": [
         {"name": "web", "image": "riklet/busybox:local",
          "command": ["/bin/sh", "-c", web],
          "volumeMounts": [{"name": "www", "mountPath": "/www"}],
          "ports": {"port": int(port), "target_port": 8080,
                    "protocol": "TCP", "type": "NodePort"}},
         {"name": "side", "image": "riklet/busybox:local",
          "command": ["/bin/sh", "-c", side],
          "volumeMounts": [{"name": "www", "mountPath": "/shared/"}]}]}}
print(json.dumps(d))
PY
}

# INSTANCE FILE: a file of the pod's volume www, read on the host.
volume_file() {
	_mp=$(docker_api GET "/volumes/rik-$1-www" |
	    $PY -c 'import json,sys; print(json.load(sys.stdin)["Mountpoint"])')
	cat "$_mp/$2" 2>/dev/null
}

fetch() { curl -s -m 2 "http://127.0.0.1:$1/index.html"; }
page_on() { [ "$(fetch "$1")" = "$PAGE" ]; }
infra_of() {	# INSTANCE: the infra container's id
	docker_api GET "/containers/rik-$1-pod/json" |
	    $PY -c 'import json,sys; print(json.load(sys.stdin)["Id"])'
}

peer_send web1 CREATE "$(webdef web Always "$PORT")"
wait_status web1 RUNNING 60 || fail "web1 not RUNNING: $(statuses web1 | tr '\n' ' ')"
[ "$(instance_containers "$NODE" web1)" = 3 ] || fail "web1: expected 3 containers"
INFRA=$(infra_of web1)
docker_api GET "/containers/rik-web1-pod/json" | $PY -c '
import json, sys
c = json.load(sys.stdin)
l = c["Config"]["Labels"]
assert l["riklet.role"] == "infra", l
assert l["riklet.instance"] == "web1" and l["riklet.managed"] == "true", l
# Podman names the image with its registry, docker.io.
img = c["Config"]["Image"].removeprefix("docker.io/")
assert img.startswith("riklet/pause:"), c["Config"]["Image"]
assert c["Path"] == "/pause", c["Path"]
assert c["HostConfig"]["IpcMode"] == "shareable", c["HostConfig"]["IpcMode"]
' || fail "infra container: $(docker_api GET /containers/rik-web1-pod/json | head -c 300)"
for c in web side; do
	docker_api GET "/containers/rik-web1-$c/json" | $PY -c '
import json, sys
c = json.load(sys.stdin)
want = "container:" + sys.argv[1]
assert c["HostConfig"]["NetworkMode"] == want, c["HostConfig"]["NetworkMode"]
assert c["HostConfig"]["IpcMode"] == want, c["HostConfig"]["IpcMode"]
assert c["Config"]["Labels"]["riklet.role"] == "container"
assert not c["HostConfig"].get("PortBindings"), c["HostConfig"]["PortBindings"]
' "$INFRA" || fail "$c does not join the infra container"
done
ok "web1 RUNNING: web, side and the infra container rik-web1-pod (riklet/pause) whose namespaces they join"

wait_for 10 page_on "$PORT" || fail "host: 127.0.0.1:$PORT gave [$(fetch "$PORT")]"
ok "the host fetches the page from the published port 127.0.0.1:$PORT"
side_saw() { "$CTL" -s "$T/riklet.sock" logs web1 side 2>/dev/null | grep -qx "$PAGE"; }
wait_for 10 side_saw || fail "side did not fetch the page: $("$CTL" -s "$T/riklet.sock" logs web1 side 2>&1 | tail -n 3)"
ok "the sidecar fetched it from 127.0.0.1:8080 (rikletctl logs web1 side)"
[ "$(volumes_of "$NODE" web1)" = "rik-web1-www" ] || fail "volumes: $(volumes_of "$NODE" web1)"
docker_api GET /volumes/rik-web1-www | $PY -c '
import json, sys
l = json.load(sys.stdin)["Labels"]
assert l["riklet.instance"] == "web1" and l["riklet.volume"] == "www", l
' || fail "volume labels"
[ "$(volume_file web1 index.html)" = "$PAGE" ] || fail "web did not write the volume"
[ "$(volume_file web1 fetched)" = "$PAGE" ] || fail "side did not write the volume"
ok "one emptyDir, rik-web1-www: web wrote index.html, side wrote fetched"

# The same node port again: FAILED PortInUse naming it, nothing left.
peer_send web2 CREATE "$(webdef web2 Never "$PORT")"
wait_status web2 FAILED 30 || fail "web2 not FAILED: $(statuses web2 | tr '\n' ' ')"
r=$(expect_reason web2 "PortInUse: node port $PORT is in use") || fail "$r"
gone2() { [ "$(instance_containers "$NODE" web2)" = 0 ] && [ -z "$(volumes_of "$NODE" web2)" ]; }
wait_for 10 gone2 || fail "web2 left containers or volumes: $(volumes_of "$NODE" web2)"
page_on "$PORT" || fail "web1 lost its port"
ok "a second pod on port $PORT: $r; nothing of it left"
peer_send web2 DESTROY
wait_status web2 TERMINATED 20 || fail "web2 not TERMINATED"

# The infra container killed by hand, Always: the pod restarts whole.
n0=$(statuses web1 | grep -c RUNNING)
docker_api POST "/containers/$INFRA/kill?signal=KILL" >/dev/null
wait_status web1 FAILED 20 || fail "web1 not FAILED after its infra died"
r=$(expect_reason web1 "InfraExited: ") || fail "$r"
ok "infra killed: web1 $r"
again() { [ "$(statuses web1 | grep -c RUNNING)" -gt "$n0" ]; }
wait_for 40 again || fail "web1 not restarted: $(statuses web1 | tr '\n' ' ')"
wait_for 10 page_on "$PORT" || fail "after the restart: [$(fetch "$PORT")]"
[ "$(infra_of web1)" = "$INFRA" ] || fail "a new infra container was made"
[ "$(instance_containers "$NODE" web1)" = 3 ] || fail "web1: containers after restart"
[ "$(volume_file web1 fetched)" = "$PAGE" ] || fail "the volume lost its file"
seq=$(statuses web1 | uniq | tr '\n' ' ')
[ "$seq" = "CREATING RUNNING FAILED CREATING RUNNING " ] || fail "web1: $seq"
ok "Always: restarted whole ($seq), the page served again, same containers"

# Never: FAILED InfraExited, and it stays so.
P3=$(free_port)
peer_send web3 CREATE "$(webdef web3 Never "$P3")"
wait_status web3 RUNNING 60 || fail "web3 not RUNNING"
docker_api POST "/containers/$(infra_of web3)/kill?signal=KILL" >/dev/null
wait_status web3 FAILED 20 || fail "web3 not FAILED"
r=$(expect_reason web3 "InfraExited: ") || fail "$r"
sleep 2
seq=$(statuses web3 | uniq | tr '\n' ' ')
[ "$seq" = "CREATING RUNNING FAILED " ] || fail "web3: $seq"
ok "Never: $r, not restarted"

for i in web1 web3; do peer_send $i DESTROY; done
for i in web1 web3; do
	wait_status $i TERMINATED 30 || fail "$i not TERMINATED"
done
[ "$(containers_of "$NODE")" = 0 ] || fail "containers left: $(names_of "$NODE")"
[ -z "$(volumes_of "$NODE")" ] || fail "volumes left: $(volumes_of "$NODE")"
ok "destroyed: no container, no volume left"
stop_riklet
