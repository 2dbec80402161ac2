#!/bin/sh
# Runs every regress/integration/t_*.sh (or those named as arguments).
# A test exits 0 when it passes, 77 when it cannot run here (it says why),
# anything else when it fails; a passing test that could not run a part
# of itself prints "SKIP <test> <part>: <why>", counted as a skip.  A
# skip is not a pass: the run fails on it as on a failure.  Slow tests
# (named t_slow_*) run only with RIKLET_SLOW=1.  Each test gets its own
# TMPDIR, removed after it, pass or fail.  The last line is the tally;
# with TALLY set, each test's result is added to that file too
# (regress/tally.sh).  With RIKLET_ENGINE=podman every test runs against
# a private Podman (regress/engine.sh) and is named podman/<test>.
here=$(cd "$(dirname "$0")" && pwd)
: "${RIKLET:?set RIKLET to the riklet binary}"
export RIKLET REGRESS_DIR="${REGRESS_DIR:-$(dirname "$here")}"
tally=${TALLY:-}

pass=0 fail=0 skip=0 failed="" skipped=""
tests="$*"
[ -n "$tests" ] || tests=$(ls "$here"/t_*.sh)
for t in $tests; do
	name=$(basename "$t" .sh)
	case $name in
	t_slow_*) [ -n "${RIKLET_SLOW:-}" ] || continue ;;
	esac
	[ "${RIKLET_ENGINE:-docker}" = docker ] || name=$RIKLET_ENGINE/$name
	tmp=$(mktemp -d /tmp/riklet-test.XXXXXX)
	chmod 0755 "$tmp"
	log=$tmp.log
	start=$(date +%s)
	TMPDIR=$tmp sh "$t" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0)	pass=$((pass + 1)); r="1 0 0"; echo "PASS $name (${secs}s)"
		# A part that cannot run here says "SKIP <test> <part>: why".
		parts=$(grep -c '^SKIP ' "$log")
		if [ "$parts" -ne 0 ]; then
			grep '^SKIP ' "$log"
			skip=$((skip + parts)); skipped="$skipped $name"
			r="1 0 $parts"
		fi ;;
	77)	skip=$((skip + 1)); r="0 0 1"; skipped="$skipped $name"
		echo "SKIP $name: $(tail -n 1 "$log")" ;;
	*)	fail=$((fail + 1)); r="0 1 0"; failed="$failed $name"
		echo "FAIL $name (${secs}s, exit $rc)"
		sed 's/^/    /' "$log" | tail -n 60 ;;
	esac
	[ -z "$tally" ] || sh "$here/../tally.sh" add "$tally" \
	    "integration/$name" $r
	rm -rf "$tmp" "$log"
done
[ -z "$failed" ] || echo "failed:$failed"
[ -z "$skipped" ] || echo "skipped (a failure here):$skipped"
echo "integration: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$skip" -eq 0 ]
