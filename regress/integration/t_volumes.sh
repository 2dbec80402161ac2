#!/bin/sh
# hostPath volumes against riklet.conf's "volume allow": a directory
# under the allowed one is mounted (read-write and read-only), and stays
# on the node after DESTROY; one outside, one reached through a symbolic
# link that leaves the allowed directory, a relative one and one with
# ".." are FAILED VolumeNotAllowed naming the path, and leave nothing in
# the engine.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
engine_up
peer_up
NODE=t-vol-$$
mkdir -p "$T/allowed/data" "$T/outside"
ln -s "$T/outside" "$T/allowed/link"
EXTRA_CONF="volume allow \"$T/allowed\"" riklet_conf "$NODE"
start_riklet "$T/riklet.conf"
CTL="$(dirname "$RIKLET")/rikletctl"

hostdef() {	# NAME PATH
	$PY - "$@" <<'PY'
import json, sys
rw = "echo written >/data/hello && exec sleep 100000"
ro = ("if touch /data/x 2>/dev/null; then echo WRITABLE; "
      "else echo READONLY; fi; exec sleep 100000")
d = {"kind": "Pod", "name": sys.argv[1], "spec": {
     "volumes": [{"name": "h", "hostPath": {"path": sys.argv[2]}}],
     "containers": [
         {"name": "rw", "image": "riklet/busybox:local",
          "command": ["/bin/sh", "-c", rw],
          "volumeMounts": [{"name": "h", "mountPath": "/data"}]},
         {"name": "ro", "image": "riklet/busybox:local",
          "command": ["/bin/sh", "-c", ro],
          "volumeMounts": [{"name": "h", "mountPath": "/data",
                            "readOnly": True}]}]}}
print(json.dumps(d))
PY
}

peer_send h1 CREATE "$(hostdef h1 "$T/allowed/data")"
wait_status h1 RUNNING 30 || fail "h1 not RUNNING: $(statuses h1 | tr '\n' ' '): $(failed_reason h1)"
wait_for 10 test -f "$T/allowed/data/hello" || fail "the container did not write the hostPath"
[ "$(cat "$T/allowed/data/hello")" = written ] || fail "hello: $(cat "$T/allowed/data/hello")"
ro_says() { "$CTL" -s "$T/riklet.sock" logs h1 ro 2>/dev/null | grep -qx "$1"; }
wait_for 10 ro_says READONLY || fail "readOnly mount: $("$CTL" -s "$T/riklet.sock" logs h1 ro 2>&1)"
[ ! -e "$T/allowed/data/x" ] || fail "the read-only mount was written"
ok "hostPath under the allowed directory mounted: written by rw, read-only in ro"

refused() {	# INSTANCE PATH WHAT
	peer_send "$1" CREATE "$(hostdef "$1" "$2")"
	wait_status "$1" FAILED 20 || fail "$1 not FAILED: $(statuses "$1" | tr '\n' ' ')"
	_r=$(expect_reason "$1" "VolumeNotAllowed: hostPath $2: $3") || fail "$_r"
	[ "$(instance_containers "$NODE" "$1")" = 0 ] || fail "$1 made containers"
	[ "$(statuses "$1" | tr '\n' ' ')" = "FAILED " ] || fail "$1: $(statuses "$1" | tr '\n' ' ')"
	ok "$1: $_r"
}
refused h2 "$T/outside" "outside the directories this node allows"
refused h3 "$T/allowed/link" "leads to $T/outside"
refused h4 "allowed/data" "not an absolute path"
refused h5 "$T/allowed/../outside" 'a ".." component'

peer_send h1 DESTROY
wait_status h1 TERMINATED 30 || fail "h1 not TERMINATED"
[ "$(containers_of "$NODE")" = 0 ] || fail "containers left: $(names_of "$NODE")"
[ -f "$T/allowed/data/hello" ] || fail "DESTROY removed the node's files"
ok "DESTROY leaves the node's directory as it was"
stop_riklet
