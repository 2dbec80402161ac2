#!/bin/sh
# make install into a DESTDIR, as a user who is not root: the expected
# files and modes, the installed riklet accepts the example
# configuration, every man page renders without a warning, riklet.conf
# is never overwritten, the unit passes systemd-analyze, the init script
# starts, reloads and stops riklet, make install-user makes the user
# where it is missing (in a mount namespace, over an overlay of /etc)
# and is idempotent.
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
	for r in agent control metrics pause runtime; do
		echo ./usr/local/libexec/riklet/riklet-$r
	done
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
for r in agent control metrics pause runtime; do
	[ "$(mode usr/local/libexec/riklet/riklet-$r)" = 755 ] ||
	    fail "riklet-$r mode"
done
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

# Each executable maps only what its code calls: gRPC in the agent
# alone, libcurl in the runtime alone.
for f in usr/local/sbin/riklet usr/local/sbin/rikletctl \
    usr/local/libexec/riklet/riklet-agent \
    usr/local/libexec/riklet/riklet-metrics \
    usr/local/libexec/riklet/riklet-runtime \
    usr/local/libexec/riklet/riklet-control; do
	ldd "$D/$f" >"$T/ldd" 2>&1 || fail "ldd $f: $(cat "$T/ldd")"
	grep -q 'libc\.so' "$T/ldd" || fail "ldd $f: no libc? $(cat "$T/ldd")"
	case $f in
	*/riklet-agent)	want_grpc=1 want_curl=0 ;;
	*/riklet-runtime) want_grpc=0 want_curl=1 ;;
	*)		want_grpc=0 want_curl=0 ;;
	esac
	n=$(grep -c 'libgrpc\.so\|libgpr\.so\|libprotobuf-c\.so' "$T/ldd")
	[ "$want_grpc" = 1 ] && [ "$n" -eq 0 ] && fail "$f: no gRPC?"
	[ "$want_grpc" = 0 ] && [ "$n" -ne 0 ] && fail "$f maps gRPC: $(cat "$T/ldd")"
	n=$(grep -c 'libcurl' "$T/ldd")
	[ "$want_curl" = 1 ] && [ "$n" -eq 0 ] && fail "$f: no libcurl?"
	[ "$want_curl" = 0 ] && [ "$n" -ne 0 ] && fail "$f maps libcurl: $(cat "$T/ldd")"
done
ok "ldd: gRPC only in riklet-agent, libcurl only in riklet-runtime"

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
command -v systemd-analyze >/dev/null ||
    fail "no systemd-analyze to check the unit (regress/deps.sh installs systemd)"
mkdir -p "$T/unit"
sed "s|/usr/local/sbin/|$D/usr/local/sbin/|g" \
    "$D/usr/local/lib/systemd/system/riklet.service" >"$T/unit/riklet.service"
systemd-analyze verify --man=no "$T/unit/riklet.service" >"$T/verify" 2>&1 ||
    fail "systemd-analyze verify: $(cat "$T/verify")"
! grep -v 'docker.service\|network-online' "$T/verify" | grep -q . ||
    fail "systemd-analyze verify: $(cat "$T/verify")"
ok "systemd-analyze verify riklet.service"

# The init script runs an installed riklet: installed by root under a
# PREFIX of the test's (a DESTDIR tree is not where its riklet looks for
# its children, and files owned by nobody are refused).  The build's
# installed riklet is made again for the default PREFIX at the end.
P=$T/prefix
at_exit "make -s -C '$SRC' BUILD='$BUILD' all >/dev/null 2>&1"
make -s -C "$SRC" BUILD="$BUILD" install PREFIX="$P" SYSCONFDIR="$P/etc" \
    >"$T/out" 2>&1 || fail "make install PREFIX=$P: $(cat "$T/out")"
cat >"$T/riklet.conf" <<CONF
scheduler "127.0.0.1:9"
hostname "t-install"
docker socket "$T/no-docker.sock"
control socket "$T/riklet.sock"
chroot "$T/empty"
CONF
mkdir -p "$T/empty"
chmod 0755 "$T/empty"

# A child's executable missing, or writable by another than root: riklet
# refuses to start and says which and why.
exe=$P/libexec/riklet/riklet-metrics
chmod g+w "$exe"
"$P/sbin/riklet" -d -f "$T/riklet.conf" >"$T/out" 2>&1 &&
    fail "riklet started with a group-writable $exe"
grep -q "$exe: must be owned by root and writable by nobody else" "$T/out" ||
    fail "no reason given for $exe: $(cat "$T/out")"
chmod g-w "$exe"
mv "$exe" "$exe.away"
"$P/sbin/riklet" -d -f "$T/riklet.conf" >"$T/out" 2>&1 &&
    fail "riklet started without $exe"
grep -q "$exe: No such file or directory" "$T/out" ||
    fail "no reason given for a missing $exe: $(cat "$T/out")"
mv "$exe.away" "$exe"
ok "riklet refuses a missing or group-writable child executable"

initd() {
	DAEMON="$P/sbin/riklet" CONFFILE="$T/riklet.conf" \
	    PIDFILE="$T/riklet.pid" LOGFILE="$T/riklet.log" \
	    sh "$P/etc/init.d/riklet" "$@"
}
at_exit 'initd stop >/dev/null 2>&1'
initd status >/dev/null && fail "status says running before start"
initd start >"$T/out" 2>&1 || fail "init start: $(cat "$T/out")"
RIKLET_PID=$(cat "$T/riklet.pid")
initd status | grep -q "riklet is running (pid $RIKLET_PID)" || fail "init status"
wait_for 5 sh -c "'$P/sbin/rikletctl' -s '$T/riklet.sock' show status >/dev/null 2>&1" ||
    fail "the installed rikletctl cannot reach the started riklet"
initd reload || fail "init reload"
wait_for 3 grep -q "configuration reloaded" "$T/riklet.log" || fail "reload not done"
initd stop >"$T/out" || fail "init stop: $(cat "$T/out")"
kill -0 "$RIKLET_PID" 2>/dev/null && fail "riklet still running after stop"
RIKLET_PID=""
[ ! -e "$T/riklet.pid" ] || fail "pid file left"
initd status >/dev/null; [ $? = 3 ] || fail "status after stop is not 3"
ok "init script: start, status, reload, stop"

# install-user twice on a machine without _riklet: the user and the
# directory, then nothing to do.  This machine's user stays: the removal
# and the making happen in a mount namespace of its own, over an overlay
# of /etc whose changes land in $T.
command -v unshare >/dev/null || fail "no unshare (util-linux)"
mkdir -p "$T/etc-upper" "$T/etc-work"
cat >"$T/install-user.sh" <<'SH'
set -eu
T=$1 SRC=$2 BUILD=$3
mount -t overlay overlay \
    -o "lowerdir=/etc,upperdir=$T/etc-upper,workdir=$T/etc-work" /etc
# Not userdel, which refuses while a riklet runs as _riklet.
for f in passwd shadow group gshadow; do
	sed -i '/^_riklet:/d' "/etc/$f"
done
! id _riklet >/dev/null 2>&1 || { echo "cannot remove _riklet"; exit 1; }
make -s -C "$SRC" BUILD="$BUILD" install-user DESTDIR="$T/root" ||
    { echo "install-user failed"; exit 1; }
getent passwd _riklet >>"$T/users" ||
    { echo "install-user made no _riklet"; exit 1; }
make -s -C "$SRC" BUILD="$BUILD" install-user DESTDIR="$T/root" ||
    { echo "install-user failed the second time"; exit 1; }
getent passwd _riklet >>"$T/users"
SH
unshare -m sh "$T/install-user.sh" "$T" "$SRC" "$BUILD" >"$T/out" 2>&1 ||
    fail "install-user without the user: $(cat "$T/out")"
# name:x:uid:gid:gecos:home:shell, twice and the same (make's own
# words, "Entering directory" under make check, stay in $T/out).
[ "$(wc -l <"$T/users")" = 2 ] && [ "$(sort -u "$T/users" | wc -l)" = 1 ] ||
    fail "install-user: $(cat "$T/users" "$T/out")"
IFS=: read -r name x uid gid gecos home shell <"$T/users"
[ "$name" = _riklet ] && [ "$uid" -lt 1000 ] && [ "$home" = /nonexistent ] &&
    [ "$shell" = /usr/sbin/nologin ] || fail "install-user made: $(head -n 1 "$T/users")"
id _riklet >/dev/null || fail "this machine's _riklet is gone"
[ "$(stat -c '%a %U' "$T/root/var/empty")" = "755 root" ] || fail "var/empty"
ok "make install-user where _riklet is missing, then again: $name uid $uid, $shell"
