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
# the 50 pods, each process's and the sum, and this build's threads (CPU
# and wake-ups: on a virtual machine a wake-up costs ~0.1 ms).  BASE_REV defaults to the
# parent of the commit that made riklet-agent its own program; it is built
# in a git worktree under the test directory, removed at the end.
#
# PSS shares a page among every process that maps it: other riklets on
# the machine (their agents map the same libgrpc) make both builds look
# smaller.  Each measurement says how many processes outside the riklet
# measured map libgrpc and libcurl, and the load average, and the column
# "alone" is each process's PSS as if no other riklet ran (pss_alone.py:
# a page's share among our processes and the machine's non-riklet ones).
# CPU is clock ticks of user and system time (load moves it less than it
# moves wall-clock figures).
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
# Nanoseconds on a CPU of one process's threads alive now (schedstat):
# finer than ticks, which are 10 ms each and 12 of them the whole goal.
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ n += $1 } END { printf "%.0f\n", n }'; }
procs() {
	echo "parent $RIKLET_PID"
	for r in agent metrics runtime control; do
		echo "$r $(child_pid $r)"
	done
}

# How many processes but those of the riklet measured map a library.
others() {	# LIBRARY
	_own=" $(procs | awk '{ printf "%s ", $2 }')"
	grep -l "$1" /proc/[0-9]*/maps 2>/dev/null | awk -F/ -v own="$_own" \
	    'index(own, " " $3 " ") == 0 { n++ } END { print n + 0 }'
}

# measure NAME LABEL: one line a process and the sum, into $T/NAME.LABEL
measure() {
	_f=$T/$1.$2
	: >"$_f"
	echo "$1 $2: $(others libgrpc) other processes map libgrpc," \
	    "$(others libcurl) libcurl; load $(cut -d' ' -f1-3 /proc/loadavg)" \
	    >>"$T/context"
	procs >"$T/procs"
	$PY "$TOP/bench/pss_alone.py" $(awk '{ print $2 }' "$T/procs") \
	    >"$T/alone" || fail "$1: pss_alone.py"
	while read -r r p; do
		[ -n "$p" ] || fail "$1: no $r process"
		echo "$r $(kb "$p" Pss) $(kb "$p" Private)" \
		    "$(awk -v p="$p" '$1 == p { print $2 }' "$T/alone")" >>"$_f"
	done <"$T/procs"
	awk '{ p += $2; q += $3; a += $4 } END { print "total", p, q, a }' \
	    "$_f" >>"$_f"
}

# One line a process: its name, its ticks and its ns on a CPU so far.
cpu() {
	procs | while read -r r p; do
		echo "$r $(ticks "$p") $(cpu_ns "$p")"
	done
}
# One line a thread: process, tid, name, ns on a CPU and times it ran.
threads() {
	procs | while read -r r p; do
		for t in /proc/"$p"/task/*; do
			echo "$r ${t##*/} $(tr ' ' _ <"$t/comm")" \
			    "$(awk '{ print $1, $3 }' "$t/schedstat")"
		done
	done | LC_ALL=C sort -k 2,2
}

run() {
	name=$1 bin=$2
	node=bench-mem-$name
	RIKLET=$bin
	peer_down
	rm -rf "$T/peer"
	peer_up
	RESOLUTION=1s riklet_conf "$node"
	# The base's grammar: "docker socket", no image-gc.
	[ "$name" = base ] && sed -i -e 's/^engine socket/docker socket/' \
	    -e '/^image-gc/d' "$T/riklet.conf"
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
	cpu >"$T/$name.c0"
	threads >"$T/$name.t0"
	sleep "$CPU_SECONDS"
	cpu >"$T/$name.c1"
	threads >"$T/$name.t1"
	# per thread: ms on a CPU and wake-ups (times it was run) per 60 s
	LC_ALL=C join -j 2 -o 1.1,1.2,1.3,1.4,1.5,2.4,2.5 "$T/$name.t0" "$T/$name.t1" |
	    awk -v s="$CPU_SECONDS" '$7 > $5 { printf "%-8s %-16s %8.1f %8d\n",
		$1, $3, ($6 - $4) / 1e6 * 60 / s, ($7 - $5) * 60 / s }' \
	    >"$T/$name.threads"
	echo "$name cpu: load $(cut -d' ' -f1-3 /proc/loadavg)" >>"$T/context"
	hz=$(getconf CLK_TCK)
	# name, ticks, % of one core, ms on a CPU, its %; then the total
	paste -d' ' "$T/$name.c0" "$T/$name.c1" | awk -v s="$CPU_SECONDS" \
	    -v hz="$hz" '{ d = $5 - $2; t += d; ms = ($6 - $3) / 1e6; tm += ms
		printf "%s %d %.3f %.1f %.3f\n", $1, d, d / hz / s * 100, ms,
		    ms / 10 / s }
	    END { printf "total %d %.3f %.1f %.3f\n", t, t / hz / s * 100, tm,
		tm / 10 / s }' >"$T/$name.cpu"
	stop_riklet
	node_cleanup "$node"
}

run split "$RIKLET"
run base "$T/base/build/riklet"

show() {	# LABEL
	echo "== $1: kB of PSS, private memory and PSS alone, this build and $base"
	printf '%-8s %9s %9s %9s %9s %9s %9s\n' process pss private alone \
	    "pss@base" "priv@base" "alone@bas"
	paste -d' ' "$T/split.$1" "$T/base.$1" | awk '{
		printf "%-8s %9d %9d %9d %9d %9d %9d\n", $1, $2, $3, $4, $6,
		    $7, $8 }'
	paste -d' ' "$T/split.$1" "$T/base.$1" | awk '$1 == "total" {
		printf "total PSS %.1f MiB, base %.1f MiB: ratio %.2f\n",
		    $2 / 1024, $6 / 1024, $2 / $6
		printf "total PSS alone %.1f MiB, base %.1f MiB: ratio %.2f\n",
		    $4 / 1024, $8 / 1024, $4 / $8 }'
}
show idle
show pods
echo "== CPU over ${CPU_SECONDS} s with $PODS pods, 1 s resolution: clock ticks ($(getconf CLK_TCK)/s) and % of one core"
printf '%-8s %10s %10s %10s %10s\n' process ticks % "ticks@base" "%@base"
paste -d' ' "$T/split.cpu" "$T/base.cpu" | awk '{
	printf "%-8s %10d %10.3f %10d %10.3f\n", $1, $2, $3, $7, $8 }'
paste -d' ' "$T/split.cpu" "$T/base.cpu" | awk -v base="$base" \
    '$1 == "total" {
	printf "this build %.3f %% of one core, %s %.3f %%\n", $3, base, $8 }'
echo "== the same from schedstat: ms on a CPU of the threads alive at the end"
printf '%-8s %10s %10s %10s %10s\n' process ms % "ms@base" "%@base"
paste -d' ' "$T/split.cpu" "$T/base.cpu" | awk '{
	printf "%-8s %10.1f %10.3f %10.1f %10.3f\n", $1, $4, $5, $9, $10 }'
paste -d' ' "$T/split.cpu" "$T/base.cpu" | awk -v base="$base" \
    '$1 == "total" {
	printf "this build %.3f %% of one core, %s %.3f %% (schedstat)\n",
	    $5, base, $10 }'
echo "== this build's threads that ran: ms on a CPU and wake-ups, per 60 s"
printf '%-8s %-16s %8s %8s\n' process thread ms wakeups
cat "$T/split.threads"
echo "== conditions"
cat "$T/context"
