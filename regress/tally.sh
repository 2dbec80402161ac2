#!/bin/sh
# The count of a test run, kept in one file by the steps of make check.
#
#   tally.sh reset FILE
#   tally.sh add FILE STEP PASSED FAILED SKIPPED
#   tally.sh unit FILE PROGRAM LOG RC	a Check program's output and exit
#   tally.sh sum FILE STEP...		the total; exit 1 on a failure,
#					a skip, or a STEP that never ran
set -u
f=$2
case $1 in
reset)
	rm -f "$f"
	mkdir -p "$(dirname "$f")"
	: >"$f"
	;;
add)
	echo "$3 $4 $5 $6" >>"$f"
	;;
unit)
	# Check prints "NN%: Checks: N, Failures: F, Errors: E"; a test that
	# skips says "SKIP name: why" and has passed as far as Check knows.
	prog=$3 log=$4 rc=$5
	line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1)
	n=$(echo "$line" | sed -n 's/.*Checks: \([0-9]*\),.*/\1/p')
	fl=$(echo "$line" | sed -n 's/.*Failures: \([0-9]*\),.*/\1/p')
	er=$(echo "$line" | sed -n 's/.*Errors: \([0-9]*\).*/\1/p')
	sk=$(grep -c '^SKIP ' "$log")
	if [ -z "$n" ]; then
		# It died before Check's summary: one failure at least.
		n=1 fl=1 er=0
	elif [ "$rc" -ne 0 ] && [ $((fl + er)) -eq 0 ]; then
		fl=1 n=$((n + 1))
	fi
	echo "$prog $((n - fl - er - sk)) $((fl + er)) $sk" >>"$f"
	;;
sum)
	[ -s "$f" ] || { echo "tally: nothing ran"; exit 1; }
	shift 2
	awk -v steps="$*" '
	{ p += $2; fl += $3; s += $4
	  st = $1; sub(/\/.*/, "", st); ran[st] = 1
	  if ($3 > 0) failed = failed " " $1
	  if ($4 > 0) skipped = skipped " " $1 }
	END {
		n = split(steps, want, " ")
		for (i = 1; i <= n; i++)
			if (!(want[i] in ran)) {
				fl++
				failed = failed " " want[i] "(did not run)"
			}
		if (failed != "") print "failed in:" failed
		if (skipped != "") print "skipped in:" skipped \
		    " (make check runs as root with the engine: a skip is a failure)"
		printf "check: %d passed, %d failed, %d skipped\n", p, fl, s
		exit (fl > 0 || s > 0) ? 1 : 0
	}' "$f"
	;;
*)
	echo "usage: tally.sh reset|add|unit|sum FILE ..." >&2
	exit 64
	;;
esac
