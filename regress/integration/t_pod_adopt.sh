#!/bin/sh
# kill -9 of every riklet process with 5 pods running, each with its infra
# container, a published port and an emptyDir volume, then a new riklet:
# every pod adopted with its infra container and its volume, the same
# container and volume ids, no second infra container, pages still
# served; a half-made pod (its volume and a container, no infra
# container yet) removed, volume too, and FAILED; then destroyed,
# nothing left.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up_bridge
peer_up
NODE=t-podadopt-$$
riklet_conf "$NODE"
start_riklet "$T/riklet.conf"

poddef() {	# NAME PORT
	$PY - "$@" <<'PY'
import json, sys
web = ("echo %s >/www/index.html && exec httpd -f -p 8080 -h /www"
       % sys.argv[1])
d = {"kind": "Pod", "name": sys.argv[1], "spec": {
     "restartPolicy": "Always",
     "volumes": [{"name": "www", "emptyDir": {}}],
     "containers": [
         {"name": "web", "image": "riklet/busybox:local",
          "command": ["/bin/sh", "-c", web],
          "volumeMounts": [{"name": "www", "mountPath": "/www"}],
          "ports": {"port": int(sys.argv[2]), "target_port": 8080}},
         {"name": "side", "image": "riklet/busybox:local",
          "command": ["sleep", "100000"],
          "volumeMounts": [{"name": "www", "mountPath": "/www",
                            "readOnly": True}]}]}}
print(json.dumps(d))
PY
}

# Every container's name and id, every volume's name and creation time.
inventory() {
	docker_api GET "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22riklet.node%3D$NODE%22%5D%7D" |
	    $PY -c 'import json,sys; [print(c["Names"][0], c["Id"], c["State"]) for c in sorted(json.load(sys.stdin), key=lambda c: c["Names"][0])]'
	for _v in $(volumes_of "$NODE"); do
		docker_api GET "/volumes/$_v" |
		    $PY -c 'import json,sys; v=json.load(sys.stdin); print(v["Name"], v["CreatedAt"])'
	done
}

ports=""
for i in 1 2 3 4 5; do
	p=$(free_port)
	ports="$ports $p"
	peer_send "ad$i" CREATE "$(poddef "ad$i" "$p")"
done
for i in 1 2 3 4 5; do
	wait_status "ad$i" RUNNING 90 || fail "ad$i not RUNNING: $(statuses "ad$i" | tr '\n' ' ')"
done
serving() {
	_i=1
	for _p in $ports; do
		[ "$(curl -s -m 2 "http://127.0.0.1:$_p/index.html")" = "ad$_i" ] ||
		    return 1
		_i=$((_i + 1))
	done
}
wait_for 10 serving || fail "not every pod serves its page"
before=$(inventory)
[ "$(echo "$before" | grep -c ' running$')" = 15 ] || fail "expected 15 running containers: $before"
[ "$(echo "$before" | grep -c '^rik-ad[1-5]-www ')" = 5 ] || fail "expected 5 volumes: $before"
ok "5 pods RUNNING: 15 containers (5 infra), 5 volumes, 5 pages served"

pids="$RIKLET_PID $(pgrep -P "$RIKLET_PID" | tr '\n' ' ')"
kill -KILL $pids
wait "$RIKLET_PID" 2>/dev/null
RIKLET_PID=""
ok "killed $pids"

# Half-made, as if riklet died in the midst of a create: the volume and
# one container of a pod with an infra container, which is not there yet.
docker_api_json() {	# PATH BODY
	curl -s --unix-socket "$DOCKER_SOCK" -H 'Content-Type: application/json' \
	    -d "$2" -X POST "http://docker$1"
}
labels=$($PY - "$NODE" <<'PY'
import json, sys
print(json.dumps({"riklet.managed": "true", "riklet.node": sys.argv[1],
                  "riklet.instance": "half2", "riklet.container": "web",
                  "riklet.pod": "half", "riklet.restart": "Always",
                  "riklet.index": "0", "riklet.count": "1",
                  "riklet.role": "container"}))
PY
)
docker_api_json /volumes/create "{\"Name\": \"rik-half2-www\", \"Labels\": $labels}" >/dev/null
docker_api_json "/containers/create?name=rik-half2-web" \
    "{\"Image\": \"riklet/busybox:local\", \"Cmd\": [\"sleep\", \"100000\"], \"Labels\": $labels}" >/dev/null
[ "$(instance_containers "$NODE" half2)" = 1 ] || fail "half-made pod not made"
[ "$(volumes_of "$NODE" half2)" = rik-half2-www ] || fail "half-made volume not made"

n0=$(wc -l <"$T/peer/received.jsonl")
"$RIKLET" -d -f "$T/riklet.conf" >"$T/riklet2.log" 2>&1 &
RIKLET_PID=$!
for i in 1 2 3 4 5; do
	wait_for 30 sh -c "tail -n +$n0 '$T/peer/received.jsonl' | grep '\"instance_id\": \"ad$i\"' | grep -q RUNNING" ||
	    fail "ad$i not re-reported RUNNING: $(tail -n 20 "$T/riklet2.log")"
done
grep -q "pod ad1: adopting" "$T/riklet2.log" || fail "adoption not logged"
wait_status half2 FAILED 30 || fail "half-made pod not FAILED: $(tail -n 20 "$T/riklet2.log")"
r=$(expect_reason half2 "CreateInterrupted: ") || fail "$r"
half_gone() { [ "$(instance_containers "$NODE" half2)" = 0 ] && [ -z "$(volumes_of "$NODE" half2)" ]; }
wait_for 10 half_gone || fail "half-made pod left: $(names_of "$NODE" | grep half2) $(volumes_of "$NODE" half2)"
grep -q "pod half2: only 1 of 1 containers exist, and no infra container" "$T/riklet2.log" ||
    fail "the half-made pod's missing infra container not logged"
ok "a half-made pod without its infra container: removed with its volume, $r"
after=$(inventory)
[ "$after" = "$before" ] || fail "the engine changed:
before: $before
after:  $after"
[ "$(names_of "$NODE" | grep -c -- '-pod$')" = 5 ] || fail "infra containers: $(names_of "$NODE")"
serving || fail "pages not served after the restart"
! grep -v "pod half2:" "$T/riklet2.log" | grep -q "removing the rest\|restart of the whole pod" ||
    fail "the new riklet touched the pods: $(grep 'removing\|restart' "$T/riklet2.log")"
ok "adopted: the same 15 container ids and 5 volumes, one infra container each, pages served"

for i in 1 2 3 4 5; do peer_send "ad$i" DESTROY; done
for i in 1 2 3 4 5; do
	wait_status "ad$i" TERMINATED 60 || fail "ad$i not TERMINATED"
done
[ "$(containers_of "$NODE")" = 0 ] || fail "containers left: $(names_of "$NODE")"
[ -z "$(volumes_of "$NODE")" ] || fail "volumes left: $(volumes_of "$NODE")"
ok "adopted pods destroyed: no container, no volume left"
stop_riklet
