#!/bin/sh
# rikletctl against a riklet with pods, from the engine and the scheduler
# peer: show status registered with the engine's version, show pods and
# show pod with the engine's own container ids, a failed pod's reason
# and exit code, show metrics with the figures last sent, a destroyed
# pod gone from the table.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
[ -f "$REGRESS_DIR/engine.sh" ] && [ -f "$REGRESS_DIR/peer/scheduler.py" ] ||
    skip "needs regress/engine.sh and regress/peer (the pod lifecycle)"
CTL=${RIKLETCTL:-$(dirname "$RIKLET")/rikletctl}
[ -x "$CTL" ] || fail "no rikletctl at $CTL"
engine_up
peer_up
NODE=t-ctl-$$
riklet_conf "$NODE"
SOCK=$T/riklet.sock
start_riklet "$T/riklet.conf"

jcheck() {
	$PY - "$1" "$2" <<'PY' || fail "JSON check failed: $2: $(cat "$1")"
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

wait_for 20 sh -c "'$CTL' -s '$SOCK' -j show status 2>/dev/null | grep -q '\"state\": \"registered\"'" &&
    wait_for 20 sh -c "'$CTL' -s '$SOCK' show status 2>/dev/null | grep -q '^Engine:      up'" ||
    fail "show status never says registered: $("$CTL" -s "$SOCK" show status 2>&1)"
"$CTL" -s "$SOCK" show status >"$T/out" || fail "show status"
grep -q '^Connection:  registered for [0-9]' "$T/out" || fail "status: $(cat "$T/out")"
grep -q "^Engine:      up, $(engine_name) [0-9]" "$T/out" || fail "engine: $(cat "$T/out")"
grep -qx "Hostname:    $NODE" "$T/out" || fail "hostname: $(cat "$T/out")"
"$CTL" -s "$SOCK" -j show status >"$T/json"
version=$(docker_api GET /version | $PY -c 'import json,sys; print(json.load(sys.stdin)["Version"])')
jcheck "$T/json" "j['engine']['state'] == 'up' and j['engine']['version'] == '$version'"
jcheck "$T/json" "j['scheduler']['address'] == '127.0.0.1:$PEER_PORT' and j['scheduler']['backoff_ms'] >= 0"
ok "show status: registered, $(engine_name) $version"

peer_send pod1 CREATE "$(pod_def web 'web=sleep 100000' 'side=sleep 100000')"
peer_send crash CREATE "$(pod_def crash 'main=exit 3')"
wait_status pod1 RUNNING 30 || fail "pod1 not RUNNING"
wait_status crash FAILED 30 || fail "crash not FAILED"

# READY counts the containers the engine's events said started, which
# may come after the pod's RUNNING (Podman's events are read from its
# events file): wait for both.
pods_ready() {
	"$CTL" -s "$SOCK" show pods >"$T/out" &&
	    grep -q '^pod1  *web  *RUNNING  *2/2 ' "$T/out"
}
wait_for 5 pods_ready
"$CTL" -s "$SOCK" show pods >"$T/out" || fail "show pods"
head -n 1 "$T/out" | grep -q '^INSTANCE  *NAME  *STATUS  *READY  *RESTARTS  *AGE  *REASON$' ||
    fail "header: $(cat "$T/out")"
grep -q '^pod1  *web  *RUNNING  *2/2  *0  *[0-9][0-9a-z]*  *-$' "$T/out" ||
    fail "pod1 line: $(cat "$T/out")"
grep -q '^crash  *crash  *FAILED  *0/1  *0  *[0-9][0-9a-z]*  *[A-Za-z]' "$T/out" ||
    fail "crash line: $(cat "$T/out")"
[ "$(wc -l <"$T/out")" = 3 ] || fail "show pods: $(cat "$T/out")"
"$CTL" -s "$SOCK" -j show pods >"$T/json"
jcheck "$T/json" '[p["instance"] for p in j["pods"]] == ["crash", "pod1"]'
jcheck "$T/json" '{k: j["pods"][1][k] for k in ("name", "status", "ncontainers", "running", "restarts", "reason")} == {"name": "web", "status": "RUNNING", "ncontainers": 2, "running": 2, "restarts": 0, "reason": ""}'
jcheck "$T/json" 'j["pods"][0]["status"] == "FAILED" and j["pods"][0]["reason"] != "" and j["pods"][0]["running"] == 0'
ok "show pods: pod1 RUNNING 2/2, crash FAILED"

idweb=$(docker_api GET /containers/rik-pod1-web/json | $PY -c 'import json,sys; print(json.load(sys.stdin)["Id"])')
idside=$(docker_api GET /containers/rik-pod1-side/json | $PY -c 'import json,sys; print(json.load(sys.stdin)["Id"])')
"$CTL" -s "$SOCK" show pod pod1 >"$T/out" || fail "show pod pod1"
grep -qx 'Instance:        pod1' "$T/out" || fail "pod table: $(cat "$T/out")"
grep -qx 'Status:          RUNNING' "$T/out" || fail "pod status: $(cat "$T/out")"
grep -q "^web  *$(echo "$idweb" | cut -c1-12)  *\(docker.io/\)\{0,1\}riklet/busybox:local  *running  *-  *[0-9]" "$T/out" ||
    fail "web line: $(cat "$T/out")"
grep -q "^side  *$(echo "$idside" | cut -c1-12)  *\(docker.io/\)\{0,1\}riklet/busybox:local  *running  *-  *[0-9]" "$T/out" ||
    fail "side line: $(cat "$T/out")"
"$CTL" -s "$SOCK" -j show pod pod1 >"$T/json"
jcheck "$T/json" "sorted((c['name'], c['id'], c['state']) for c in j['pod']['containers']) == [('side', '$idside', 'running'), ('web', '$idweb', 'running')]"
jcheck "$T/json" 'all(c["pid"] > 0 and "exit_code" not in c for c in j["pod"]["containers"])'
ok "show pod pod1: the engine's container ids"

"$CTL" -s "$SOCK" -j show pod crash >"$T/json" || fail "show pod crash"
jcheck "$T/json" 'j["pod"]["status"] == "FAILED" and j["pod"]["reason"] != ""'
jcheck "$T/json" '[(c["state"], c["exit_code"]) for c in j["pod"]["containers"]] == [("exited", 3)]'
"$CTL" -s "$SOCK" show pod crash >"$T/out"
grep -q '^Reason:  *[A-Za-z]' "$T/out" || fail "no reason line: $(cat "$T/out")"
grep -q '^main  *[0-9a-f]\{12\}  *\(docker.io/\)\{0,1\}riklet/busybox:local  *exited  *3  *-$' "$T/out" ||
    fail "crash container line: $(cat "$T/out")"
ok "show pod crash: $(grep '^Reason:' "$T/out")"

# The figures last sent to the scheduler (kept by the parent's report hook).
wait_for 10 sh -c "'$CTL' -s '$SOCK' -j show metrics | $PY -c 'import json,sys; j=json.load(sys.stdin); sys.exit(0 if j[\"node\"] and any(p[\"instance\"] == \"pod1\" for p in j[\"pods\"]) else 1)'" ||
    fail "show metrics: $("$CTL" -s "$SOCK" -j show metrics)"
"$CTL" -s "$SOCK" -j show metrics >"$T/json"
jcheck "$T/json" 'j["node"]["metrics"]["cpu"]["totalCpu"] > 0 and j["node"]["metrics"]["memory"]["totalMemory"] > 0 and j["node"]["age_ms"] < 5000'
jcheck "$T/json" '[p for p in j["pods"] if p["instance"] == "pod1"][0]["metrics"]["memory"]["totalMemory"] > 0'
"$CTL" -s "$SOCK" show metrics >"$T/out"
grep -q '^node  *[0-9]' "$T/out" || fail "metrics table: $(cat "$T/out")"
grep -q '^pod1  ' "$T/out" || fail "metrics table: $(cat "$T/out")"
ok "show metrics: node and pod1"

peer_send pod1 DESTROY
peer_send crash DESTROY
wait_status pod1 TERMINATED 30 || fail "pod1 not TERMINATED"
wait_status crash TERMINATED 30 || fail "crash not TERMINATED"
wait_for 5 sh -c "[ \"\$('$CTL' -s '$SOCK' show pods | wc -l)\" = 1 ]" ||
    fail "pods left: $("$CTL" -s "$SOCK" show pods)"
"$CTL" -s "$SOCK" -j show metrics >"$T/json"
jcheck "$T/json" 'j["pods"] == []'
"$CTL" -s "$SOCK" show pod pod1 2>"$T/err" && fail "destroyed pod still shown"
[ "$(cat "$T/err")" = "rikletctl: no pod pod1" ] || fail "$(cat "$T/err")"
ok "destroyed pods gone from show pods and show metrics"
stop_riklet
