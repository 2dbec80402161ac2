#!/bin/sh
#
# riklet -n and -nv against the files in this directory:
#
#   valid/NAME.conf    "riklet -n" prints only "configuration OK" and exits
#                      0; "riklet -nv" prints NAME.out then that line, and
#                      what it printed is accepted again, unchanged.
#   invalid/NAME.conf  "riklet -n" exits 1, prints nothing on stdout, and
#                      its "file:line: message" lines on stderr (after the
#                      "riklet: " the log puts first) are exactly NAME.err.
#
# Files are named relative to their directory, as the expected output
# names them.  Usage: sh regress/config/run.sh path/to/riklet

set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 riklet" >&2
	exit 2
fi
case $1 in
/*)	RIKLET=$1 ;;
*)	RIKLET=$(pwd)/$1 ;;
esac
if [ ! -x "$RIKLET" ]; then
	echo "$0: $RIKLET: not an executable" >&2
	exit 2
fi
DIR=$(cd "$(dirname "$0")" && pwd) || exit 2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/riklet-config.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 2' HUP INT TERM

passed=0
failed=0

fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}

# Runs riklet -nv on $1 and leaves the printed configuration in $2.
print_conf() {
	"$RIKLET" -nv -f "$1" >"$TMP/stdout" 2>"$TMP/stderr"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "$1: riklet -nv exited $rc"
		cat "$TMP/stderr"
		return 1
	fi
	if [ "$(tail -n 1 "$TMP/stdout")" != "configuration OK" ]; then
		fail "$1: riklet -nv did not end with \"configuration OK\""
		return 1
	fi
	sed '$d' "$TMP/stdout" >"$2"
}

check_valid() {
	conf=$1
	name=${conf%.conf}

	"$RIKLET" -n -f "$conf" >"$TMP/stdout" 2>"$TMP/stderr"
	rc=$?
	if [ "$rc" -ne 0 ] ||
	    [ "$(cat "$TMP/stdout")" != "configuration OK" ]; then
		fail "valid/$conf: riklet -n exited $rc"
		cat "$TMP/stdout" "$TMP/stderr"
		return
	fi
	print_conf "$conf" "$TMP/printed" || return
	if ! cmp -s "$name.out" "$TMP/printed"; then
		fail "valid/$conf: output differs from $name.out"
		diff -u "$name.out" "$TMP/printed"
		return
	fi
	print_conf "$TMP/printed" "$TMP/again" || return
	if ! cmp -s "$TMP/printed" "$TMP/again"; then
		fail "valid/$conf: printed configuration reads back differently"
		diff -u "$TMP/printed" "$TMP/again"
		return
	fi
	passed=$((passed + 1))
}

check_invalid() {
	conf=$1
	name=${conf%.conf}

	"$RIKLET" -n -f "$conf" >"$TMP/stdout" 2>"$TMP/stderr"
	rc=$?
	if [ "$rc" -ne 1 ]; then
		fail "invalid/$conf: riklet -n exited $rc, not 1"
		return
	fi
	if [ -s "$TMP/stdout" ]; then
		fail "invalid/$conf: riklet -n printed on stdout"
		cat "$TMP/stdout"
		return
	fi
	sed -n 's/^riklet: //; /^[^ :][^ :]*:[0-9][0-9]*: /p' \
	    "$TMP/stderr" >"$TMP/errors"
	if ! cmp -s "$name.err" "$TMP/errors"; then
		fail "invalid/$conf: errors differ from $name.err"
		diff -u "$name.err" "$TMP/errors"
		return
	fi
	passed=$((passed + 1))
}

cd "$DIR/valid" || exit 2
for conf in *.conf; do
	check_valid "$conf"
done
cd "$DIR/invalid" || exit 2
for conf in *.conf; do
	check_invalid "$conf"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
