#!/bin/sh
# bench/lifecycle: riklet's CREATE -> RUNNING against the raw engine, and
# a 100-pod burst, on each engine in the same run (BENCH_ENGINES, by
# default "docker podman"; regress/engine.sh starts each privately).
# Run as root from the top of the tree after `make`:
#   sh bench/lifecycle.sh [runs]
if [ -z "${RIKLET_BENCH_ONE:-}" ]; then
	rc=0
	for e in ${BENCH_ENGINES:-docker podman}; do
		echo "== engine: $e"
		RIKLET_BENCH_ONE=1 RIKLET_ENGINE=$e sh "$0" "$@" || rc=1
	done
	exit $rc
fi
REGRESS_DIR=$(cd "$(dirname "$0")/../regress" && pwd)
RIKLET=${RIKLET:-$(cd "$(dirname "$0")/.." && pwd)/build/riklet}
export RIKLET REGRESS_DIR
. "$REGRESS_DIR/integration/lib.sh"
need_root
ensure_user
engine_up
peer_up
PARALLEL=8
# The raw containers lifecycle.py makes, should it stop half-way.
at_exit 'label_cleanup riklet.bench lifecycle'
RESOLUTION=5s EXTRA_CONF="create-parallel $PARALLEL" riklet_conf bench-lifecycle
start_riklet "$T/riklet.conf"
wait_for 20 registered bench-lifecycle ||
    fail "not registered"
$PY "$(dirname "$0")/lifecycle.py" "$T/peer" "$DOCKER_SOCK" "${1:-20}" \
    "$PARALLEL" || fail "bench/lifecycle.py"
stop_riklet
