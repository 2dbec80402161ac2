#!/bin/sh
# rikletctl logs end to end: rikletctl, the control child, the parent,
# the runtime and the engine.  A pod whose containers print known lines
# (one longer than a message) on stdout and stderr: the whole output
# split back into the two streams, a named container, -n, -j, -f that
# follows new output until interrupted, errors for unknown pods and
# containers, bad requests on the socket, the bound on requests freed by
# clients that go away, and a follow ended by the runtime's death.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
[ -f "$REGRESS_DIR/peer/scheduler.py" ] || skip "needs regress/peer (the scheduler peer)"
CTL=${RIKLETCTL:-$(dirname "$RIKLET")/rikletctl}
[ -x "$CTL" ] || fail "no rikletctl at $CTL"
engine_up
peer_up
NODE=t-logs-$$
riklet_conf "$NODE"
SOCK=$T/riklet.sock
start_riklet "$T/riklet.conf" -v

# app's stdout: out 1, a 20000-byte line, out 2; its stderr: err 1, late.
peer_send lg1 CREATE "$(pod_def lg1 \
    'app=echo out 1; echo err 1 >&2; sleep 1; head -c 20000 /dev/zero | tr "\0" x; echo; echo out 2; sleep 1; echo late >&2; exec sleep 100000' \
    'side=echo side; exec sleep 100000' \
    'tick=i=0; while :; do i=$((i+1)); echo tick $i; sleep 1; done')"
wait_status lg1 RUNNING 30 || fail "pod lg1 not RUNNING"
wait_for 10 sh -c "docker_api() { curl -s --unix-socket '$DOCKER_SOCK' \"http://docker\$1\"; }; docker_api '/containers/rik-lg1-app/logs?stderr=1' | grep -q late" ||
    fail "the container did not print late"
ok "pod lg1 RUNNING, 3 containers"

# --- the whole output, streams apart; the first container by default
{ echo "out 1"; head -c 20000 /dev/zero | tr '\0' x; echo; echo "out 2"; } >"$T/want"
"$CTL" -s "$SOCK" logs lg1 >"$T/out" 2>"$T/err" || fail "logs lg1: $(cat "$T/err")"
cmp -s "$T/out" "$T/want" || fail "stdout differs: $(head -c 200 "$T/out")"
[ "$(cat "$T/err")" = "$(printf 'err 1\nlate')" ] || fail "stderr: $(cat "$T/err")"
"$CTL" -s "$SOCK" logs lg1 app >"$T/out2" 2>/dev/null && cmp -s "$T/out2" "$T/want" ||
    fail "logs lg1 app differs"
ok "logs lg1: stdout $(wc -c <"$T/out") bytes with the long line, stderr apart"

[ "$("$CTL" -s "$SOCK" logs lg1 side 2>&1)" = side ] || fail "logs lg1 side"
"$CTL" -s "$SOCK" logs lg1 -n 1 >"$T/out" 2>"$T/err" || fail "logs -n 1"
[ ! -s "$T/out" ] && [ "$(cat "$T/err")" = late ] || fail "-n 1: [$(cat "$T/out")] [$(cat "$T/err")]"
"$CTL" -s "$SOCK" -j logs lg1 app -n 2 >"$T/json" || fail "-j logs"
$PY - "$T/json" <<'PY' || fail "-j lines: $(cat "$T/json")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if lines == [{"stream": "stdout", "data": "out 2\n"},
    {"stream": "stderr", "data": "late\n"}, {"end": True}] else 1)
PY
ok "a named container, -n, -j"

# --- errors: clear words, exit 1
"$CTL" -s "$SOCK" logs nope >/dev/null 2>"$T/err" && fail "logs of no pod succeeded"
[ "$(cat "$T/err")" = "rikletctl: no pod nope" ] || fail "$(cat "$T/err")"
"$CTL" -s "$SOCK" logs lg1 nosuch >/dev/null 2>"$T/err" && fail "logs of no container succeeded"
[ "$(cat "$T/err")" = "rikletctl: pod lg1 has no container nosuch" ] || fail "$(cat "$T/err")"
"$CTL" -s "$SOCK" logs lg1 -n 10001 >/dev/null 2>"$T/err" && fail "-n 10001 accepted"
[ "$(cat "$T/err")" = "rikletctl: -n 10001: lines must be 0 to 10000" ] ||
    fail "-n 10001: $(cat "$T/err")"
"$CTL" -s "$SOCK" logs lg1 -x >/dev/null 2>"$T/err" && fail "-x accepted"
head -n 1 "$T/err" | grep -q '^usage: rikletctl ' || fail "-x: $(cat "$T/err")"
# The control child's own checks, past rikletctl's: each request, then
# the answer it must get.
while IFS='|' read -r req want; do
	a=$($PY - "$SOCK" "$req" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
a = s.makefile().readline()
print(json.loads(a).get("error", a.strip()))
PY
) || fail "'$req': no answer"
	[ "$a" = "$want" ] || fail "'$req' answered $a, want the error $want"
done <<'REQ'
logs lg1 -n abc|logs -n: lines must be 0 to 10000
logs lg1 a b|usage: logs id [container] [-n lines] [-f]
logs|logs needs an instance id
logs lg1 -n 1 -n 2|usage: logs id [container] [-n lines] [-f]
logs ../x|invalid instance id
logs lg1 ../x|invalid container name
REQ
kill -0 "$(child_pid control)" || fail "control child died"
ok "unknown pod and container, bad -n, malformed requests: errors"

# --- -f follows new output until interrupted
"$CTL" -s "$SOCK" logs lg1 tick -n 0 -f >"$T/follow" 2>&1 &
fpid=$!
sleep 3.5
kill -0 $fpid || fail "rikletctl -f ended: $(cat "$T/follow")"
kill -TERM $fpid	# background sh ignores SIGINT
wait $fpid 2>/dev/null
n=$(grep -c '^tick [0-9]*$' "$T/follow")
[ "$n" -ge 2 ] && [ "$n" -le 5 ] || fail "followed $n ticks: $(cat "$T/follow")"
ok "-f: $n new lines in 3.5 s, then interrupted"

# --- clients that go away free their requests (at most 8 at once)
pids=""
for i in 1 2 3 4 5 6 7 8; do
	"$CTL" -s "$SOCK" logs lg1 side -f >/dev/null 2>&1 &
	pids="$pids $!"
done
sleep 1
"$CTL" -s "$SOCK" logs lg1 side -f >/dev/null 2>"$T/err" && fail "a ninth request ran"
[ "$(cat "$T/err")" = "rikletctl: too many log requests at once" ] || fail "ninth: $(cat "$T/err")"
kill $pids
wait $pids 2>/dev/null
wait_for 5 sh -c "[ \"\$('$CTL' -s '$SOCK' logs lg1 side 2>&1)\" = side ]" ||
    fail "requests not freed: $("$CTL" -s "$SOCK" logs lg1 side 2>&1)"
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "$("$CTL" -s "$SOCK" logs lg1 side 2>&1)" = side ] || fail "request $i after the cancels"
done
grep -q "cancelled by client" "$T/riklet.log" || fail "no cancellation logged"
ok "8 followers at most; their going frees the places"

# --- the runtime dies under a follower: it hears why
"$CTL" -s "$SOCK" logs lg1 tick -n 0 -f >"$T/follow" 2>"$T/err" &
fpid=$!
sleep 1.5
kill -KILL "$(child_pid runtime)"
wait_for 5 sh -c "! kill -0 $fpid 2>/dev/null" || fail "follower still running"
wait $fpid && fail "follower exited 0"
grep -q "the runtime process died" "$T/err" || fail "follower: $(cat "$T/err")"
wait_for 30 sh -c "[ \"\$('$CTL' -s '$SOCK' logs lg1 side 2>&1)\" = side ]" ||
    fail "no logs after the runtime's restart"
ok "runtime killed: the follower ends with an error; logs work again after its restart"
stop_riklet
