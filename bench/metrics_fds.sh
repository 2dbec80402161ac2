#!/bin/sh
#
# bench/metrics_fds.sh [count]: riklet -P metrics before and after its
# cgroup counter files were kept open between samples, in one run; or
# before and after any change, with BASE=<revision>.
#
# Builds the revision before that change (BASE; by default the parent of
# the commit that brought met_kept_read) in a git worktree under a
# temporary directory, starts count (100) idle containers on the local
# engine (regress/engine.sh), then runs each build's metrics child on
# those same containers, ROUNDS (3) times in turn: CPU per sample of the
# node and every pod, from the child's /proc/<pid>/schedstat over TICKS
# ticks (each build's own build/bench/metrics_bench -i drives it, RIKLET
# names the build: the harness starts the child the way its tree does,
# riklet -P metrics before the split into role executables,
# riklet-metrics after).
# Prints each figure, the median of each build and their ratio.  Run as
# root; not part of make check.  The worktree, the temporary directory
# and the containers are removed at the end, and the engine is stopped
# only if this script started it.

set -eu

N=${1:-100}
TOP=$(cd "$(dirname "$0")/.." && pwd)
TICKS=${TICKS:-20}
RES_MS=${RES_MS:-500}
ROUNDS=${ROUNDS:-3}
IMAGE=riklet/busybox:local
LABEL=riklet.bench.metrics_fds

[ "$(id -u)" -eq 0 ] || { echo "metrics_fds: run as root" >&2; exit 1; }
if [ -z "${BASE:-}" ]; then
	intro=$(git -C "$TOP" log --reverse --format=%H -S met_kept_read -- \
	    riklet-metrics/metrics_file.c | head -1)
	[ -n "$intro" ] || { echo "metrics_fds: no commit brings" \
	    "met_kept_read: set BASE" >&2; exit 1; }
	BASE=$intro^
	how_before="counter files opened at each sample"
	how_after="counter files kept open"
fi
BASE=$(git -C "$TOP" rev-parse --verify "$BASE^{commit}")
how_before=${how_before:-$(git -C "$TOP" log -1 --format=%h "$BASE")}
how_after=${how_after:-this tree}

api() {
	# api METHOD PATH [JSON body]
	if [ $# -ge 3 ]; then
		curl -sS --fail --max-time 120 --unix-socket "$DOCKER_SOCK" \
		    -X "$1" -H 'Content-Type: application/json' -d "$3" \
		    "http://localhost$2"
	else
		curl -sS --fail --max-time 120 --unix-socket "$DOCKER_SOCK" \
		    -X "$1" "http://localhost$2"
	fi
}

work=$(mktemp -d)
started=0
cleanup() {
	for id in $(cat "$work/ids" 2>/dev/null); do
		api DELETE "/containers/$id?force=1&v=1" >/dev/null 2>&1 || true
	done
	if [ -d "$work/base" ]; then
		git -C "$TOP" worktree remove --force "$work/base" || true
	fi
	rm -rf "$work"
	git -C "$TOP" worktree prune
	if [ "$started" -eq 1 ]; then
		sh "$TOP/regress/engine.sh" stop
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# What a tree's harness runs: riklet, and riklet-metrics where the tree
# has role executables.
targets() {
	echo build/riklet build/bench/metrics_bench
	[ ! -d "$1/riklet-metrics" ] || echo build/riklet-metrics
}

echo "building this tree and $(git -C "$TOP" log -1 --format='%h (%s)' \
    "$BASE")..."
make -C "$TOP" -s -j2 $(targets "$TOP")
git -C "$TOP" worktree add -q --detach "$work/base" "$BASE"
make -C "$work/base" -s -j2 $(targets "$work/base") \
    >"$work/base.log" 2>&1 ||
    { cat "$work/base.log" >&2; exit 1; }

eval "$(sh "$TOP/regress/engine.sh" env | grep '^DOCKER_SOCK=')"
curl -s --max-time 2 --unix-socket "$DOCKER_SOCK" http://localhost/_ping \
    2>/dev/null | grep -q OK || started=1
eval "$(sh "$TOP/regress/engine.sh" start | grep '^DOCKER_SOCK=')"
sh "$TOP/regress/engine.sh" image >/dev/null

echo "starting $N idle containers..."
i=0
while [ $i -lt "$N" ]; do
	id=$(api POST "/containers/create?name=riklet-fds-$$-$i" \
	    "{\"Image\":\"$IMAGE\",\"Cmd\":[\"sleep\",\"1000000\"],
	    \"Labels\":{\"riklet.managed\":\"true\",
	    \"riklet.node\":\"riklet-bench\",\"$LABEL\":\"$$\"},
	    \"HostConfig\":{\"NetworkMode\":\"none\"}}" |
	    sed -n 's/^.*"Id":"\([0-9a-f]*\)".*$/\1/p')
	[ -n "$id" ] || { echo "metrics_fds: create failed" >&2; exit 1; }
	echo "$id" >>"$work/ids"
	api POST "/containers/$id/start" >/dev/null
	pid=$(api GET "/containers/$id/json" |
	    sed -n 's/^.*"Pid":\([0-9]*\).*$/\1/p')
	[ "${pid:-0}" -gt 0 ] || { echo "metrics_fds: $id not running" >&2
	    exit 1; }
	echo "$id $pid" >>"$work/targets"
	i=$((i + 1))
done

# One figure of one build (its top directory): CPU ms per sample of the
# whole child.
sample() {
	RIKLET=$1/build/riklet "$1/build/bench/metrics_bench" -i -n "$TICKS" \
	    -r "$RES_MS" <"$work/targets" 2>/dev/null |
	    sed -n 's/^riklet -P metrics:.*CPU per sample \([0-9.]*\) ms.*$/\1/p'
}

echo "riklet -P metrics, node + $N pods, $TICKS ticks at ${RES_MS}ms," \
    "$ROUNDS rounds:"
r=1
while [ $r -le "$ROUNDS" ]; do
	for b in before after; do
		case $b in
		before)	bin=$work/base
			how=$how_before ;;
		after)	bin=$TOP
			how=$how_after ;;
		esac
		ms=$(sample "$bin")
		[ -n "$ms" ] || { echo "metrics_fds: no figure from $bin" >&2
		    exit 1; }
		echo "$b $ms" >>"$work/figures"
		echo "  round $r, $b ($how): $ms ms"
	done
	r=$((r + 1))
done

for b in before after; do
	sed -n "s/^$b //p" "$work/figures" | sort -n |
	    awk -v b="$b" '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print b, m }'
done >"$work/medians"
awk -v n="$N" '{ m[$1] = $2 } END {
	printf "median CPU per sample, node + %d pods: before %.3f ms, " \
	    "after %.3f ms; after / before = %.2f\n", n, m["before"],
	    m["after"], m["after"] / m["before"]
}' "$work/medians"
