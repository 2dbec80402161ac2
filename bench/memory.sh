#!/bin/sh
# bench/memory: what riklet's five processes cost a node, this build
# against the single-executable build before the split into role
# executables, measured in the same run on the same engine and peer.
#
#   sh bench/memory.sh [BASE_REV]	(root, from the top of the tree,
#					after make)
#
# For each build: riklet registered with the scheduler peer, reporting
# every 1 s; PSS and private memory of every process idle with no pods,
# then with 50 running pods, then the CPU all five use over 60 s with
# the 50 pods.  BASE_REV defaults to the parent of the commit that made
# riklet-agent its own program; it is built in a git worktree under the
# test directory, removed at the end.
REGRESS_DIR=$(cd "$(dirname "$0")/../regress" && pwd)
TOP=$(dirname "$REGRESS_DIR")
RIKLET=${RIKLET:-$TOP/build/riklet}
export RIKLET REGRESS_DIR
. "$REGRESS_DIR/integration/lib.sh"
need_root
ensure_user
PODS=${BENCH_PODS:-50}
CPU_SECONDS=${BENCH_CPU_SECONDS:-60}

base=${1:-$(git -C "$TOP" log --diff-filter=A --format=%H -- \
    riklet-agent/riklet-agent.c | tail -n 1)^}
base=$(git -C "$TOP" rev-parse --short "$base") || fail "no base revision"
echo "memory: building the base $base in a worktree"
at_exit "git -C '$TOP' worktree remove --force '$T/base' 2>/dev/null"
git -C "$TOP" worktree add -q --detach "$T/base" "$base" ||
    fail "git worktree add"
make -s -C "$T/base" -j2 all >"$T/base-build.log" 2>&1 ||
    fail "base build: $(tail -n 5 "$T/base-build.log")"

engine_up

# kB of field F (Pss, Private) of one process.
kb() {
	case $2 in
	Pss) awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup" ;;
	Private) awk '/^Private_(Clean|Dirty):/ { n += $2 } END { print n }' \
	    "/proc/$1/smaps_rollup" ;;
	esac
}
# Clock ticks of user and system time of one process.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
procs() {
	echo "parent $RIKLET_PID"
	for r in agent metrics runtime control; do
		echo "$r $(child_pid $r)"
	done
}

# measure NAME LABEL: one line a process and the sum, into $T/NAME.LABEL
measure() {
	_f=$T/$1.$2
	: >"$_f"
	procs >"$T/procs"
	while read -r r p; do
		[ -n "$p" ] || fail "$1: no $r process"
		echo "$r $(kb "$p" Pss) $(kb "$p" Private)" >>"$_f"
	done <"$T/procs"
	awk '{ p += $2; q += $3 } END { print "total", p, q }' "$_f" >>"$_f"
}

cpu() {
	_sum=0
	for p in $(procs | awk '{ print $2 }'); do
		_sum=$((_sum + $(ticks "$p")))
	done
	echo "$_sum"
}

run() {
	name=$1 bin=$2
	node=bench-mem-$name
	RIKLET=$bin
	peer_down
	rm -rf "$T/peer"
	peer_up
	RESOLUTION=1s riklet_conf "$node"
	start_riklet "$T/riklet.conf"
	wait_for 30 sh -c "$PY '$REGRESS_DIR/integration/peerq.py' registers '$T/peer' | grep -qx '$node'" ||
	    fail "$name: not registered"
	sleep 15
	measure "$name" idle
	i=0
	while [ $i -lt "$PODS" ]; do
		peer_send "$node-$i" CREATE "$(pod_def "mem$i")"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt "$PODS" ]; do
		wait_status "$node-$i" RUNNING 120 || fail "$name: pod $i not RUNNING"
		i=$((i + 1))
	done
	sleep 10
	measure "$name" pods
	c0=$(cpu)
	sleep "$CPU_SECONDS"
	c1=$(cpu)
	hz=$(getconf CLK_TCK)
	echo "$c0 $c1 $hz" | awk -v s="$CPU_SECONDS" \
	    '{ printf "%.3f\n", ($2 - $1) / $3 / s * 100 }' >"$T/$name.cpu"
	stop_riklet
	node_cleanup "$node"
}

run split "$RIKLET"
run base "$T/base/build/riklet"

show() {	# LABEL
	echo "== $1: kB of PSS and private memory, this build and $base"
	printf '%-8s %10s %10s %10s %10s\n' process pss private \
	    "pss@base" "priv@base"
	paste -d' ' "$T/split.$1" "$T/base.$1" | awk '{
		printf "%-8s %10d %10d %10d %10d\n", $1, $2, $3, $5, $6 }'
	paste -d' ' "$T/split.$1" "$T/base.$1" | awk '$1 == "total" {
		printf "total PSS %.1f MiB, base %.1f MiB: ratio %.2f\n",
		    $2 / 1024, $5 / 1024, $2 / $5 }'
}
show idle
show pods
echo "== CPU of the five processes over ${CPU_SECONDS} s with $PODS pods, 1 s resolution"
echo "this build $(cat "$T/split.cpu") % of one core, $base $(cat "$T/base.cpu") %"
