#!/bin/sh
# Private registries, against a real one: Debian's docker-registry on
# 127.0.0.1 with htpasswd auth, filled from the test's engine.  The
# right credentials pull; none, or a wrong password, is FAILED
# ImagePullFailed with the engine's words; a password file others may
# read is refused by riklet -n; Always pulls a re-pushed :latest,
# IfNotPresent does not pull, Never on an absent image is FAILED
# ImageNotPresent; a stopped registry is FAILED RegistryUnavailable (or
# starts the node's image with pull-fallback yes) and the next pod runs
# once it is back.  The password is in no log and no output.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
command -v docker-registry >/dev/null || skip "SKIP t_registry: no docker-registry (regress/deps.sh)"
command -v htpasswd >/dev/null || skip "SKIP t_registry: no htpasswd (apache2-utils)"
engine_up
peer_up
NODE=t-registry-$$
CTL="$(dirname "$RIKLET")/rikletctl"
PASS="Pw-$$-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
RP=$(free_port)
REG=127.0.0.1:$RP
R=$T/registry

# The registry: its own configuration, storage and log under $T.
mkdir -p "$R/data"
htpasswd -Bbn ci "$PASS" >"$R/htpasswd" || fail "htpasswd"
cat >"$R/config.yml" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $R/data
  delete:
    enabled: true
http:
  addr: $REG
auth:
  htpasswd:
    realm: riklet-test
    path: $R/htpasswd
EOF
REG_PID=
registry_up() {
	docker-registry serve "$R/config.yml" >>"$R/log" 2>&1 &
	REG_PID=$!
	wait_for 10 sh -c "curl -s -o /dev/null -w '%{http_code}' http://$REG/v2/ | grep -q 401" ||
	    fail "the registry did not start: $(tail -n 5 "$R/log")"
}
registry_down() { kill "$REG_PID" 2>/dev/null; wait "$REG_PID" 2>/dev/null; REG_PID=; }
at_exit '[ -z "$REG_PID" ] || kill "$REG_PID" 2>/dev/null'
registry_up

# The engine's copies of the registry's images go with the test.
at_exit 'for i in $(docker_api GET /images/json | $PY -c "
import json, sys
for i in json.load(sys.stdin):
    for t in i.get(\"RepoTags\") or []:
        if t.startswith((\"$REG/\", \"localhost:$RP/\")): print(t)"); do
	docker_api DELETE "/images/$i?force=1" >/dev/null; done'

AUTH=$(printf '{"username":"ci","password":"%s","serveraddress":"%s"}' "$PASS" "$REG" |
    base64 -w0 | tr '+/' '-_')
# push SOURCE TAG: SOURCE (an id or name) to $REG/t/bb:TAG, then the
# engine forgets that name, so that a pod must pull it.
push() {
	docker_api POST "/images/$1/tag?repo=$REG/t/bb&tag=$2" >/dev/null
	curl -s --unix-socket "$DOCKER_SOCK" -X POST -H "X-Registry-Auth: $AUTH" \
	    "http://docker/images/$REG/t/bb/push?tag=$2" >"$T/push.out"
	grep -q '"Digest"' "$T/push.out" || fail "push $2: $(tail -c 300 "$T/push.out")"
	docker_api DELETE "/images/$REG/t/bb:$2" >/dev/null
}
# image_id NAME: the engine's id of an image.
image_id() {
	docker_api GET "/images/$1/json" | $PY -c 'import json,sys; print(json.load(sys.stdin)["Id"])' ||
	    broke "image_id $1"
}
# A second image: busybox with one more label, a new id.
newer_image() {
	_c=$(curl -s --unix-socket "$DOCKER_SOCK" -X POST \
	    -H 'Content-Type: application/json' \
	    -d '{"Image":"riklet/busybox:local","Cmd":["true"]}' \
	    http://docker/containers/create |
	    $PY -c 'import json,sys; print(json.load(sys.stdin)["Id"])') || broke "create"
	docker_api POST "/commit?container=$_c&repo=$REG/t/new&tag=g2&changes=LABEL%20riklet.gen%3D$$" |
	    $PY -c 'import json,sys; print(json.load(sys.stdin)["Id"])' || broke "commit"
	docker_api DELETE "/containers/$_c" >/dev/null
}
OLD=$(image_id riklet/busybox:local)
push riklet/busybox:local v1
push riklet/busybox:local v2
push riklet/busybox:local latest
ok "registry on $REG with htpasswd auth, t/bb:v1, :v2 and :latest pushed"

printf '%s\n' "$PASS" >"$T/registry.pass"
EXTRA_CONF="registry \"$REG\" {
	username \"ci\"
	password-file \"$T/registry.pass\"
}" riklet_conf "$NODE"
pwline=$(grep -n password-file "$T/riklet.conf" | cut -d: -f1)

# A password file others may read is refused, with its line.
chmod 0644 "$T/registry.pass"
"$RIKLET" -n -f "$T/riklet.conf" >"$T/n.out" 2>&1 && fail "riklet -n took a 0644 password file"
grep -q "riklet.conf:$pwline: registry: password-file \"$T/registry.pass\": mode 644" "$T/n.out" ||
    fail "riklet -n: $(cat "$T/n.out")"
ok "a password file readable by others: $(sed 's/^riklet: //' "$T/n.out" | head -n 1 | sed "s|$T/||g")"
chmod 0600 "$T/registry.pass"
"$RIKLET" -nv -f "$T/riklet.conf" >"$T/nv.out" 2>&1 || fail "riklet -nv: $(cat "$T/nv.out")"
grep -q "password-file \"$T/registry.pass\"" "$T/nv.out" || fail "riklet -nv names no password file"

start_riklet "$T/riklet.conf"

mkdef() {	# NAME IMAGE [POLICY]
	$PY - "$@" <<'PY'
import json, sys
c = {"name": "c", "image": sys.argv[2], "command": ["sleep", "100000"]}
if len(sys.argv) > 3:
    c["imagePullPolicy"] = sys.argv[3]
print(json.dumps({"kind": "Pod", "name": sys.argv[1],
                  "spec": {"containers": [c]}}))
PY
}
running() {	# NAME IMAGE [POLICY]
	peer_send "$1" CREATE "$(mkdef "$@")"
	wait_status "$1" RUNNING 30 || fail "$1 not RUNNING: $(failed_reason "$1")"
}
failed() {	# NAME REASON IMAGE [POLICY]
	_n=$1 _r=$2
	shift 2
	peer_send "$_n" CREATE "$(mkdef "$_n" "$@")"
	wait_status "$_n" FAILED 30 || fail "$_n not FAILED"
	expect_reason "$_n" "$_r"
}
ctr_image() { docker_api GET "/containers/rik-$1-c/json" | $PY -c 'import json,sys; print(json.load(sys.stdin)["Image"])'; }
manifest_gets() { grep -c "\"[A-Z]* /v2/t/bb/manifests/" "$R/log"; }

# The same registry by another name has no credentials.
r=$(failed nocreds ImagePullFailed "localhost:$RP/t/bb:v1") || fail "$r"
case $r in *auth*|*unauthorized*) ;; *) fail "no credentials: $r" ;; esac
ok "no credentials: $r"

running good "$REG/t/bb:v1"
[ "$(ctr_image good)" = "$OLD" ] || fail "good runs $(ctr_image good)"
ok "the right credentials: RUNNING"

before=$(manifest_gets)
running again "$REG/t/bb:v1" IfNotPresent
[ "$(manifest_gets)" = "$before" ] || fail "IfNotPresent asked the registry"
ok "IfNotPresent, the image on the node: RUNNING, no request to the registry"

r=$(failed never ImageNotPresent "$REG/t/bb:absent" Never) || fail "$r"
ok "Never, no image: $r"

# Always: :latest moves in the registry, the node's copy stays old.
running lat1 "$REG/t/bb:latest"
[ "$(ctr_image lat1)" = "$OLD" ] || fail "lat1 runs $(ctr_image lat1)"
NEW=$(newer_image)
push "$NEW" latest
docker_api POST "/images/$OLD/tag?repo=$REG/t/bb&tag=latest" >/dev/null
[ "$(image_id "$REG/t/bb:latest")" = "$OLD" ] || fail "the node's :latest moved"
running lat2 "$REG/t/bb:latest"
[ "$(ctr_image lat2)" = "$NEW" ] || fail "lat2 runs $(ctr_image lat2), not the new $NEW"
ok "Always (the :latest default): a re-pushed :latest pulled, the new image runs"

# A wrong password, by a reload.
reloads() { grep -c "configuration reloaded" "$T/riklet.log"; }
reload() {
	_n=$(reloads)
	kill -HUP "$RIKLET_PID"
	wait_for 10 sh -c "[ \$(grep -c 'configuration reloaded' '$T/riklet.log') -gt $_n ]" ||
	    fail "no reload: $(tail -n 3 "$T/riklet.log")"
}
printf 'not-%s\n' "$PASS" >"$T/registry.pass"
reload
r=$(failed wrongpw ImagePullFailed "$REG/t/bb:v2") || fail "$r"
case $r in *unauthorized*|*auth*) ;; *) fail "wrong password: $r" ;; esac
ok "a wrong password: $r"
printf '%s\n' "$PASS" >"$T/registry.pass"
reload

# The registry stopped, then back.
registry_down
r=$(failed down RegistryUnavailable "$REG/t/bb:v2") || fail "$r"
case $r in *"connection refused"*) ;; *) fail "registry down: $r" ;; esac
ok "registry stopped: $r"
r=$(failed downlat RegistryUnavailable "$REG/t/bb:latest") || fail "$r"
ok "registry stopped, Always, pull-fallback no: $r"
printf 'pull-fallback yes\n' >>"$T/riklet.conf"
reload
running fallback "$REG/t/bb:latest"
grep -q "registry is unreachable, starting the node's image" "$T/riklet.log" ||
    fail "no pull-fallback in the log"
ok "registry stopped, Always, pull-fallback yes: RUNNING from the node's image"
registry_up
running back "$REG/t/bb:v2"
ok "registry back: RUNNING"

# The password: nowhere.
for a in "show status" "show pods" "show pod good" "show pod lat2" "-j show pods" "-j show pod back"; do
	# shellcheck disable=SC2086
	"$CTL" -s "$T/riklet.sock" $a >>"$T/ctl.out" 2>&1
done
grep -q "lat2" "$T/ctl.out" || fail "rikletctl shows no pods: $(head -n 5 "$T/ctl.out")"
for f in "$T/riklet.log" "$T/nv.out" "$T/n.out" "$T/ctl.out" "$T/peer/received.jsonl"; do
	! grep -qF "$PASS" "$f" || fail "the password is in $f"
	! grep -qF "$(printf '%s' "$AUTH" | cut -c1-40)" "$f" || fail "the auth header is in $f"
done
ok "the password is in no log, no riklet -nv, no rikletctl output, no status"

for p in nocreds good again never lat1 lat2 wrongpw down downlat fallback back; do
	peer_send "$p" DESTROY
done
for p in good again lat1 lat2 fallback back; do
	wait_status "$p" TERMINATED 30 || fail "$p not TERMINATED"
done
docker_api DELETE "/images/$NEW?force=1" >/dev/null
stop_riklet
