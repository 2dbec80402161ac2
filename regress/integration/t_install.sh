#!/bin/sh
# make install into a DESTDIR, as a user who is not root: the expected
# files and modes, the installed riklet accepts the example
# configuration, every man page renders without a warning, riklet.conf
# is never overwritten, the unit passes systemd-analyze, the init script
# starts, reloads and stops riklet, make install-user is idempotent.
. "$(dirname "$0")/lib.sh"
need_root
ensure_user
SRC=$(cd "$REGRESS_DIR/.." && pwd)
: "${BUILD:=$SRC/build}"
command -v make >/dev/null || skip "no make"
D=$T/dest
mkdir -p "$D"
chmod 0755 "$T"
chown nobody "$D"

# Built already (make check builds first): install must not need root.
make -s -C "$SRC" BUILD="$BUILD" -q all ||
    skip "the tree is not built; run make first"
setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
    make -s -C "$SRC" BUILD="$BUILD" install DESTDIR="$D" \
    >"$T/install.log" 2>&1 || fail "make install as nobody: $(cat "$T/install.log")"
ok "make install DESTDIR as nobody"

(cd "$D" && find . -type f -o -type l | sort) >"$T/files"
{
	echo ./etc/init.d/riklet
	echo ./etc/riklet/riklet.conf
	echo ./etc/riklet/riklet.conf.example
	echo ./usr/local/lib/systemd/system/riklet.service
	echo ./usr/local/libexec/riklet/riklet-pause
	echo ./usr/local/sbin/riklet
	echo ./usr/local/sbin/rikletctl
	for m in "$SRC"/man/*.5; do echo "./usr/local/share/man/man5/${m##*/}"; done
	for m in "$SRC"/man/*.8; do echo "./usr/local/share/man/man8/${m##*/}"; done
} | sort >"$T/expected"
diff -u "$T/expected" "$T/files" >"$T/diff" || fail "installed files: $(cat "$T/diff")"
for m in riklet.8 rikletctl.8; do
	grep -q "man8/$m\$" "$T/files" || fail "$m not installed"
done
grep -q "man5/riklet.conf.5\$" "$T/files" || fail "riklet.conf.5 not installed"
ok "installed: $(wc -l <"$T/files") files, as expected"

mode() { stat -c %a "$D/$1"; }
[ "$(mode usr/local/sbin/riklet)" = 755 ] || fail "riklet mode"
[ "$(mode usr/local/sbin/rikletctl)" = 755 ] || fail "rikletctl mode"
[ "$(mode usr/local/libexec/riklet/riklet-pause)" = 755 ] || fail "riklet-pause mode"
"$D/usr/local/libexec/riklet/riklet-pause" version | grep -q '^riklet-pause ' ||
    fail "the installed riklet-pause does not run"
[ "$(mode etc/init.d/riklet)" = 755 ] || fail "init script mode"
[ "$(mode etc/riklet/riklet.conf)" = 644 ] || fail "riklet.conf mode"
[ "$(mode usr/local/lib/systemd/system/riklet.service)" = 644 ] || fail "unit mode"
grep -qx 'ExecStart=/usr/local/sbin/riklet -d' \
    "$D/usr/local/lib/systemd/system/riklet.service" || fail "ExecStart not in SBINDIR"
grep -qx 'Restart=on-failure' "$D/usr/local/lib/systemd/system/riklet.service" ||
    fail "no Restart=on-failure"
grep -q '^DAEMON=${DAEMON:-/usr/local/sbin/riklet}$' "$D/etc/init.d/riklet" ||
    fail "init script DAEMON not in SBINDIR"
ok "modes; the unit and the script name the installed riklet"

# The installed binary checks the installed example.
"$D/usr/local/sbin/riklet" -n -f "$D/etc/riklet/riklet.conf.example" >"$T/out" 2>&1 ||
    fail "riklet -n: $(cat "$T/out")"
[ "$(cat "$T/out")" = "configuration OK" ] || fail "riklet -n said: $(cat "$T/out")"
ok "installed riklet -n -f riklet.conf.example: configuration OK"

# Every installed page renders without a warning and is lint-clean.
for m in "$D"/usr/local/share/man/man*/*; do
	MANWIDTH=80 man -l "$m" >"$T/man.out" 2>"$T/man.err" || fail "man -l $m"
	! grep -qi warn "$T/man.out" "$T/man.err" || fail "man -l $m: $(grep -i warn "$T/man.out" "$T/man.err")"
	[ -s "$T/man.out" ] || fail "man -l $m rendered nothing"
	mandoc -Tlint -W warning "$m" >"$T/lint" 2>&1 || fail "mandoc -Tlint $m: $(cat "$T/lint")"
done
ok "man -l: every page renders without a warning"

# A second install keeps the operator's riklet.conf.
echo '# edited by the operator' >>"$D/etc/riklet/riklet.conf"
setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
    make -s -C "$SRC" BUILD="$BUILD" install DESTDIR="$D" >/dev/null 2>&1 ||
    fail "second make install"
tail -n 1 "$D/etc/riklet/riklet.conf" | grep -qx '# edited by the operator' ||
    fail "make install overwrote riklet.conf"
cmp -s "$SRC/etc/riklet.conf" "$D/etc/riklet/riklet.conf.example" ||
    fail "riklet.conf.example not refreshed"
ok "a second install keeps riklet.conf"

# The unit, as systemd reads it (with its ExecStart pointing into DESTDIR).
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$T/unit"
	sed "s|/usr/local/sbin/|$D/usr/local/sbin/|g" \
	    "$D/usr/local/lib/systemd/system/riklet.service" >"$T/unit/riklet.service"
	systemd-analyze verify --man=no "$T/unit/riklet.service" >"$T/verify" 2>&1 ||
	    fail "systemd-analyze verify: $(cat "$T/verify")"
	! grep -v 'docker.service\|network-online' "$T/verify" | grep -q . ||
	    fail "systemd-analyze verify: $(cat "$T/verify")"
	ok "systemd-analyze verify riklet.service"
fi

# The init script runs the installed riklet with a test configuration.
cat >"$T/riklet.conf" <<CONF
scheduler "127.0.0.1:9"
hostname "t-install"
docker socket "$T/no-docker.sock"
control socket "$T/riklet.sock"
chroot "$T/empty"
CONF
mkdir -p "$T/empty"
chmod 0755 "$T/empty"
initd() {
	DAEMON="$D/usr/local/sbin/riklet" CONFFILE="$T/riklet.conf" \
	    PIDFILE="$T/riklet.pid" LOGFILE="$T/riklet.log" \
	    sh "$D/etc/init.d/riklet" "$@"
}
at_exit 'initd stop >/dev/null 2>&1'
initd status >/dev/null && fail "status says running before start"
initd start >"$T/out" 2>&1 || fail "init start: $(cat "$T/out")"
RIKLET_PID=$(cat "$T/riklet.pid")
initd status | grep -q "riklet is running (pid $RIKLET_PID)" || fail "init status"
wait_for 5 sh -c "'$D/usr/local/sbin/rikletctl' -s '$T/riklet.sock' show status >/dev/null 2>&1" ||
    fail "the installed rikletctl cannot reach the started riklet"
initd reload || fail "init reload"
wait_for 3 grep -q "configuration reloaded" "$T/riklet.log" || fail "reload not done"
initd stop >"$T/out" || fail "init stop: $(cat "$T/out")"
kill -0 "$RIKLET_PID" 2>/dev/null && fail "riklet still running after stop"
RIKLET_PID=""
[ ! -e "$T/riklet.pid" ] || fail "pid file left"
initd status >/dev/null; [ $? = 3 ] || fail "status after stop is not 3"
ok "init script: start, status, reload, stop"

# install-user twice: the user and the directory, then nothing to do.
make -s -C "$SRC" BUILD="$BUILD" install-user DESTDIR="$T/root" >"$T/out" 2>&1 ||
    fail "install-user: $(cat "$T/out")"
make -s -C "$SRC" BUILD="$BUILD" install-user DESTDIR="$T/root" >"$T/out" 2>&1 ||
    fail "install-user again: $(cat "$T/out")"
id _riklet >/dev/null || fail "no _riklet user"
[ "$(stat -c '%a %U' "$T/root/var/empty")" = "755 root" ] || fail "var/empty"
ok "make install-user, twice"
