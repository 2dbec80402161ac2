# Shared shell functions for the integration tests.  Source it.
set -u
: "${RIKLET:?}"
T=$(mktemp -d /tmp/riklet-it.XXXXXX)
RIKLET_PID=""

cleanup_hooks=""
at_exit() { cleanup_hooks="$1; $cleanup_hooks"; }
_cleanup() {
	eval "$cleanup_hooks"
	if [ -n "$RIKLET_PID" ] && kill -0 "$RIKLET_PID" 2>/dev/null; then
		kill -TERM "$RIKLET_PID" 2>/dev/null
		sleep 0.5
		kill -KILL "$RIKLET_PID" 2>/dev/null
	fi
	pkill -KILL -f "riklet -P .* -d" -P "${RIKLET_PID:-1}" 2>/dev/null
	rm -rf "$T"
}
trap _cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*"; [ -f "$T/riklet.log" ] && { echo "--- riklet log"; tail -n 40 "$T/riklet.log"; }; exit 1; }
skip() { echo "$*"; exit 77; }
ok() { echo "ok: $*"; }

need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root"; }
ensure_user() { id _riklet >/dev/null 2>&1 || useradd -r -s /usr/sbin/nologin -d /nonexistent -M _riklet; }

# wait_for SECONDS COMMAND...: polls every 50 ms until COMMAND succeeds.
wait_for() {
	_limit=$1; shift
	_end=$(( $(date +%s%N) / 1000000 + _limit * 1000 ))
	while [ $(( $(date +%s%N) / 1000000 )) -lt $_end ]; do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# The pid of the child of riklet playing ROLE.
child_pid() { pgrep -P "$RIKLET_PID" -f "^riklet: $1\$" | head -n 1; }

# start_riklet CONF [ARGS...]: riklet -d in the background, log in $T/riklet.log
start_riklet() {
	_conf=$1; shift
	"$RIKLET" -d -f "$_conf" "$@" >"$T/riklet.log" 2>&1 &
	RIKLET_PID=$!
	wait_for 5 sh -c "[ -n \"\$(pgrep -P $RIKLET_PID -f '^riklet: agent\$')\" ] && [ -n \"\$(pgrep -P $RIKLET_PID -f '^riklet: runtime\$')\" ] && [ -n \"\$(pgrep -P $RIKLET_PID -f '^riklet: metrics\$')\" ]" ||
	    fail "riklet did not start its children"
}

stop_riklet() {
	[ -n "$RIKLET_PID" ] || return 0
	kill -TERM "$RIKLET_PID" 2>/dev/null
	wait_for 3 sh -c "! kill -0 $RIKLET_PID 2>/dev/null"
	wait "$RIKLET_PID" 2>/dev/null
	RIKLET_PID=""
}

status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
