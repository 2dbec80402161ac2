#!/bin/sh
# Runs every regress/integration/t_*.sh (or those named as arguments).
# A test exits 0 when it passes, 77 when it cannot run here (it says why),
# anything else when it fails; a passing test that could not run a part
# of itself prints "SKIP <test> <part>: <why>", counted as a skip.  Slow
# tests (named t_slow_*) run only with RIKLET_SLOW=1.  The last line is
# the tally CI reads.
here=$(cd "$(dirname "$0")" && pwd)
: "${RIKLET:?set RIKLET to the riklet binary}"
export RIKLET REGRESS_DIR="${REGRESS_DIR:-$(dirname "$here")}"

pass=0 fail=0 skip=0 failed=""
tests="$*"
[ -n "$tests" ] || tests=$(ls "$here"/t_*.sh)
for t in $tests; do
	name=$(basename "$t" .sh)
	case $name in
	t_slow_*) [ -n "$RIKLET_SLOW" ] || continue ;;
	esac
	log=$(mktemp /tmp/riklet-test.XXXXXX)
	start=$(date +%s)
	sh "$t" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0)	pass=$((pass + 1)); echo "PASS $name (${secs}s)"
		# A part that cannot run here says "SKIP <test> <part>: why".
		parts=$(grep -c '^SKIP ' "$log")
		[ "$parts" -eq 0 ] || grep '^SKIP ' "$log"
		skip=$((skip + parts)) ;;
	77)	skip=$((skip + 1)); echo "SKIP $name: $(tail -n 1 "$log")" ;;
	*)	fail=$((fail + 1)); failed="$failed $name"
		echo "FAIL $name (${secs}s, exit $rc)"
		sed 's/^/    /' "$log" | tail -n 60 ;;
	esac
	rm -f "$log"
done
[ -z "$failed" ] || echo "failed:$failed"
echo "integration: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
