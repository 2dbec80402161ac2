#!/bin/sh
#
# make check-deb: the Debian package, from a clean clone of the committed
# tree to a purge.  As root (debootstrap, chroot); the host is left alone:
#
#   - git clone of the tree; "make deb" in it, as nobody (Rules-Requires-
#     Root: no), gives build/deb/riklet_<VERSION>_<arch>.deb; a VERSION
#     that debian/changelog does not match stops debian/rules;
#   - lintian on the .deb: no error, no warning (one override, in
#     debian/riklet.lintian-overrides with its reason: riklet-pause is
#     static on purpose);
#   - a fresh chroot (debootstrap --variant=minbase, with the package's
#     Depends, systemd and man-db, nothing else): dpkg -i creates the
#     _riklet user, enables the unit and the init script and starts
#     nothing; the installed riklet -n accepts the installed riklet.conf, a
#     conffile; the installed riklet runs, its children ready as _riklet;
#     the installed unit passes systemd-analyze verify; man finds the pages;
#   - dpkg -r stops riklet and leaves the user and the conffiles; dpkg -P
#     leaves the user and nothing else that was not in the chroot before
#     the install but man-db's cache of the pages the test displayed.
#
# RIKLET_DEB_MIRROR (default http://deb.debian.org/debian) is the archive
# debootstrap uses; the suite is the host's.  KEEP=1 keeps the directory.
set -u

SRC=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/riklet-deb.XXXXXX) || exit 1
C=$T/chroot
MIRROR=${RIKLET_DEB_MIRROR:-http://deb.debian.org/debian}

# The pids of the processes running in the chroot (the riklet started
# below and its children).
in_chroot() {
	for _p in /proc/[0-9]*; do
		case $(readlink "$_p/root" 2>/dev/null) in
		"$C"|"$C"/*) echo "${_p#/proc/}" ;;
		esac
	done
}
cleanup() {
	for p in $(in_chroot); do
		kill -KILL "$p" 2>/dev/null
	done
	mountpoint -q "$C/proc" 2>/dev/null && umount "$C/proc"
	if [ -n "${KEEP:-}" ]; then
		echo "kept $T"
	else
		# Never through a mount point into the host.
		rm -rf --one-file-system "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
now() { date +%s; }
# In the chroot, with a clean environment.
inch() {
	chroot "$C" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	    HOME=/root LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"
}
# The chroot's files, directories and links (its own file system only).
snapshot() { (cd "$C" && find . -xdev | sort) >"$1"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP deb: needs root (debootstrap, chroot)"
	exit 77
fi
for c in git dpkg-buildpackage lintian debootstrap systemd-analyze setpriv; do
	command -v "$c" >/dev/null ||
	    fail "no $c: run sh regress/deps.sh deb"
done
. /etc/os-release
SUITE=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
start=$(now)

# --- build, as nobody, from a clone -------------------------------------
[ -z "$(git -C "$SRC" status --porcelain)" ] ||
    echo "note: uncommitted changes in $SRC are not tested: only commits are cloned"
mkdir "$T/b"
chmod 0755 "$T"
# As the tree's owner: git refuses to read a repository root does not own.
chown "$(stat -c %u:%g "$SRC")" "$T/b"
setpriv --reuid="$(stat -c %u "$SRC")" --regid="$(stat -c %g "$SRC")" \
    --clear-groups env HOME="$T/b" git clone -q "$SRC" "$T/b/riklet" ||
    fail "git clone $SRC"
chown -R nobody "$T/b"
asnobody() {
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	    env -u DEB_BUILD_OPTIONS HOME="$T/b" "$@"
}
VERSION=$(cat "$T/b/riklet/VERSION")
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
DEB=$T/b/riklet/build/deb/riklet_${VERSION}_$ARCH.deb
t0=$(now)
asnobody make -C "$T/b/riklet" deb >"$T/build.log" 2>&1 ||
    fail "make deb: $(tail -n 40 "$T/build.log")"
[ -f "$DEB" ] || fail "no $DEB: $(ls "$T/b/riklet/build/deb" "$T/b")"
[ "$(dpkg-deb -f "$DEB" Package Version Architecture | tr '\n' ' ')" = \
    "Package: riklet Version: $VERSION Architecture: $ARCH " ] ||
    fail "control: $(dpkg-deb -f "$DEB" Package Version Architecture)"
grep -q "^[0-9]* passed, 0 failed$" "$T/build.log" ||
    fail "the build ran no configuration tests"
ok "make deb from a clean clone: ${DEB##*/} ($(($(now) - t0)) s)"

deps=$(dpkg-deb -f "$DEB" Depends)
for d in adduser procps libc6 libgrpc29; do
	echo "$deps" | grep -q "\\b$d\\b" || fail "Depends lacks $d: $deps"
done
[ "$(dpkg-deb -f "$DEB" Recommends)" = "docker.io | docker-ce" ] ||
    fail "Recommends: $(dpkg-deb -f "$DEB" Recommends)"
dpkg-deb -c "$DEB" >"$T/contents"
grep -q ' \./usr/sbin/riklet$' "$T/contents" || fail "no /usr/sbin/riklet"
ok "Depends: $deps"

# debian/changelog must follow VERSION.
echo "$VERSION.1" >"$T/b/riklet/VERSION"
(cd "$T/b/riklet" && asnobody debian/rules clean) >"$T/out" 2>&1 &&
    fail "debian/rules accepted VERSION $VERSION.1 with changelog $VERSION"
grep -q "debian/changelog says $VERSION but VERSION says $VERSION.1" "$T/out" ||
    fail "version mismatch: $(cat "$T/out")"
ok "a VERSION the changelog does not match stops debian/rules"

t0=$(now)
asnobody lintian --fail-on error,warning "$DEB" >"$T/lintian" 2>&1 ||
    fail "lintian: $(cat "$T/lintian")"
[ ! -s "$T/lintian" ] || sed 's/^/    /' "$T/lintian"
ok "lintian: no error, no warning ($(($(now) - t0)) s)"

# --- a fresh chroot ------------------------------------------------------
t0=$(now)
include=$(echo "$deps" | sed -e 's/([^)]*)//g' -e 's/|[^,]*//g' \
    -e 's/[[:space:]]//g')
debootstrap --variant=minbase --include="systemd,man-db,$include" "$SUITE" "$C" \
    "$MIRROR" >"$T/debootstrap.log" 2>&1 ||
    fail "debootstrap $SUITE $MIRROR: $(tail -n 20 "$T/debootstrap.log")"
ok "debootstrap $SUITE with $include ($(($(now) - t0)) s)"

# Any service start or stop a maintainer script asks for is refused and
# logged (invoke-rc.d; without systemd running, deb-systemd-invoke does
# nothing).
cat >"$C/usr/sbin/policy-rc.d" <<'EOF'
#!/bin/sh
echo "$*" >>/policy-rc.log
exit 101
EOF
chmod 0755 "$C/usr/sbin/policy-rc.d"
inch getent passwd _riklet >/dev/null && fail "_riklet exists before install"
cp "$C/etc/passwd" "$T/passwd.before"
cp "$C/etc/group" "$T/group.before"
snapshot "$T/before"

# --- install -------------------------------------------------------------
cp "$DEB" "$C/tmp/"
inch dpkg -i "/tmp/${DEB##*/}" >"$T/out" 2>&1 || fail "dpkg -i: $(cat "$T/out")"
rm "$C/tmp/${DEB##*/}"
[ "$(inch dpkg-query -W -f='${Status}' riklet)" = "install ok installed" ] ||
    fail "riklet not installed"
ok "dpkg -i ${DEB##*/}"

pw=$(inch getent passwd _riklet) || fail "postinst created no _riklet"
uid=$(echo "$pw" | cut -d: -f3)
[ "$uid" -lt 1000 ] || fail "_riklet is not a system user: $pw"
[ "$(echo "$pw" | cut -d: -f6-)" = "/nonexistent:/usr/sbin/nologin" ] ||
    fail "_riklet home and shell: $pw"
[ ! -e "$C/nonexistent" ] || fail "a home was created for _riklet"
inch getent group _riklet >/dev/null || fail "no _riklet group"
ok "postinst created the system user: $pw"

link=$C/etc/systemd/system/multi-user.target.wants/riklet.service
[ "$(readlink "$link")" = /lib/systemd/system/riklet.service ] ||
    fail "riklet.service not enabled: $(ls -l "$link" 2>&1)"
[ "$(systemctl --root="$C" is-enabled riklet.service 2>&1)" = enabled ] ||
    fail "systemctl is-enabled: $(systemctl --root="$C" is-enabled riklet.service 2>&1)"
ls "$C"/etc/rc2.d/S*riklet >/dev/null 2>&1 || fail "init script not enabled"
ok "riklet.service and the init script are enabled"

[ ! -e "$C/policy-rc.log" ] || fail "install asked for: $(cat "$C/policy-rc.log")"
[ ! -e "$C/run/riklet.pid" ] || fail "riklet was started"
ok "nothing was started"

inch dpkg-query -W -f='${Conffiles}\n' riklet >"$T/conffiles"
for f in /etc/riklet/riklet.conf /etc/init.d/riklet; do
	grep -q "^ $f " "$T/conffiles" || fail "$f is no conffile: $(cat "$T/conffiles")"
done
cmp -s "$SRC/etc/riklet.conf" "$C/etc/riklet/riklet.conf" ||
    fail "the installed riklet.conf is not etc/riklet.conf"
ok "conffiles: $(awk '{ printf "%s ", $1 }' "$T/conffiles")"

mount -t proc proc "$C/proc" || fail "mount proc in the chroot"
inch riklet -n >"$T/out" 2>&1 || fail "riklet -n: $(cat "$T/out")"
[ "$(cat "$T/out")" = "configuration OK" ] || fail "riklet -n said: $(cat "$T/out")"
# Every program the package installs finds its libraries.
progs=$(inch dpkg -L riklet | grep '^/usr/\(s\?bin\|libexec\)/.' |
    while read -r f; do [ -f "$C$f" ] && [ -x "$C$f" ] && echo "$f"; done)
echo "$progs" | grep -qx /usr/sbin/rikletctl || fail "no programs: $progs"
for b in $progs; do
	case $b in
	*/riklet-pause)
		# Static on purpose: it is the whole of the infra image.
		if inch ldd "$b" >"$T/ldd" 2>&1 ||
		    ! grep -q "not a dynamic executable" "$T/ldd"; then
			fail "$b is not static: $(cat "$T/ldd")"
		fi
		continue ;;
	esac
	inch ldd "$b" >"$T/ldd" 2>&1 || fail "ldd $b: $(cat "$T/ldd")"
	! grep -q "not found" "$T/ldd" || fail "$b: $(grep "not found" "$T/ldd")"
done
ok "installed riklet -n with /etc/riklet/riklet.conf: configuration OK; ldd:" $progs

# The installed riklet runs: its children start from the package's files,
# as _riklet, and rikletctl reaches it.  No scheduler and no engine, as in
# t_install: port 9 and a socket that is not there.
mkdir "$C/tmp/rt"
cat >"$C/tmp/rt/riklet.conf" <<'EOF'
scheduler "127.0.0.1:9"
hostname "t-deb"
docker socket "/tmp/rt/no-docker.sock"
control socket "/tmp/rt/riklet.sock"
chroot "/tmp/rt/empty"
EOF
# Not through inch: $! is riklet's pid (chroot and env exec it).
chroot "$C" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C \
    riklet -d -f /tmp/rt/riklet.conf >"$T/riklet.log" 2>&1 &
pid=$!
# Ready: rikletctl answers and every child is ready.
ready() {
	inch rikletctl -s /tmp/rt/riklet.sock show status >"$T/status" 2>&1 &&
	    awk '/^PROCESS/ { p = 1; next } p && NF { n++; if ($3 != "yes") bad = 1 }
		END { exit !(n >= 4 && !bad) }' "$T/status"
}
i=0
until ready; do
	i=$((i + 1))
	[ "$i" -lt 100 ] ||
	    fail "not ready after 10 s: $(cat "$T/status" "$T/riklet.log")"
	sleep 0.1
done
children=$(ps -o uid= --ppid "$pid" | sort -u | tr -d ' ')
[ "$children" = "$uid" ] || fail "children's uids: $children, not _riklet's $uid"
kill -TERM "$pid"
wait "$pid"
i=0
while [ -n "$(in_chroot)" ]; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || fail "riklet's processes left: $(in_chroot)"
	sleep 0.1
done
rm -r "$C/tmp/rt"
umount "$C/proc"
ok "installed riklet -d: $(awk '/^PROCESS/ { p = 1; next } p && NF { printf "%s ", $1 }' "$T/status")ready as _riklet; rikletctl reaches it"

# The unit as installed; the only complaints allowed are about the
# units it names that the chroot lacks (docker.service).
systemd-analyze --root="$C" verify --man=no riklet.service >"$T/verify" 2>&1 ||
    fail "systemd-analyze verify: $(cat "$T/verify")"
! grep -v 'docker\.service' "$T/verify" | grep -q . ||
    fail "systemd-analyze verify: $(cat "$T/verify")"
ok "systemd-analyze verify riklet.service"

for p in "8 riklet" "5 riklet.conf" "8 rikletctl"; do
	set -- $p
	path=$(inch man -w "$1" "$2" 2>&1) || fail "man -w $p: $path"
	[ "$path" = "/usr/share/man/man$1/$2.$1.gz" ] || fail "man -w $p: $path"
	inch env MANWIDTH=80 man "$1" "$2" >"$T/man.out" 2>"$T/man.err" ||
	    fail "man $p: $(cat "$T/man.err")"
	[ ! -s "$T/man.err" ] || fail "man $p: $(cat "$T/man.err")"
	grep -q "^NAME" "$T/man.out" || fail "man $p rendered no NAME"
done
inch apropos riklet >"$T/out" 2>&1 || fail "apropos riklet: $(cat "$T/out")"
grep -q "^riklet (8)" "$T/out" || fail "man-db's index lacks riklet: $(cat "$T/out")"
ok "man riklet, man 5 riklet.conf, man rikletctl; apropos riklet"

# --- remove, then purge ---------------------------------------------------
inch dpkg -r riklet >"$T/out" 2>&1 || fail "dpkg -r: $(cat "$T/out")"
[ "$(inch dpkg-query -W -f='${Status}' riklet)" = "deinstall ok config-files" ] ||
    fail "after dpkg -r: $(inch dpkg-query -W -f='${Status}' riklet)"
for f in /usr/sbin/riklet /usr/sbin/rikletctl /lib/systemd/system/riklet.service \
    /usr/share/man/man8/riklet.8.gz; do
	[ ! -e "$C$f" ] || fail "$f left after dpkg -r"
done
[ -f "$C/etc/riklet/riklet.conf" ] || fail "dpkg -r removed riklet.conf"
inch getent passwd _riklet >/dev/null || fail "dpkg -r removed _riklet"
[ "$(cat "$C/policy-rc.log" 2>&1)" = "riklet stop" ] ||
    fail "dpkg -r asked for: $(cat "$C/policy-rc.log" 2>&1)"
ok "dpkg -r: riklet stopped, the programs are gone; riklet.conf and _riklet stay"

inch dpkg -P riklet >"$T/out" 2>&1 || fail "dpkg -P: $(cat "$T/out")"
inch dpkg-query -W riklet >/dev/null 2>&1 && fail "dpkg still knows riklet"
inch getent passwd _riklet >/dev/null || fail "dpkg -P removed _riklet"
[ "$(cat "$C/policy-rc.log")" = "riklet stop" ] ||
    fail "dpkg -P asked for: $(cat "$C/policy-rc.log")"
rm "$C/policy-rc.log"
ok "dpkg -P: dpkg knows riklet no more; _riklet stays"

# --- the same under systemd -----------------------------------------------
# With /run/systemd/system, the maintainer scripts take the systemd way;
# systemctl ignores requests in a chroot and deb-systemd-invoke asks
# policy-rc.d first, so the log shows what they ask for.  The user exists
# already: the postinst must accept that.
had_systemd_run=$(test -d "$C/run/systemd" && echo yes)
mkdir -p "$C/run/systemd/system"
cp "$DEB" "$C/tmp/"
inch dpkg -i "/tmp/${DEB##*/}" >"$T/out" 2>&1 ||
    fail "dpkg -i under systemd: $(cat "$T/out")"
[ ! -e "$C/policy-rc.log" ] ||
    fail "install under systemd asked for: $(cat "$C/policy-rc.log")"
[ "$(systemctl --root="$C" is-enabled riklet.service 2>&1)" = enabled ] ||
    fail "under systemd, riklet.service not enabled"
inch dpkg -i "/tmp/${DEB##*/}" >"$T/out" 2>&1 ||
    fail "dpkg -i again under systemd: $(cat "$T/out")"
[ "$(cat "$C/policy-rc.log" 2>&1)" = "riklet.service try-restart" ] ||
    fail "reinstall under systemd asked for: $(cat "$C/policy-rc.log" 2>&1)"
rm "$C/policy-rc.log"
inch dpkg -r riklet >"$T/out" 2>&1 || fail "dpkg -r under systemd: $(cat "$T/out")"
[ "$(cat "$C/policy-rc.log" 2>&1)" = "riklet.service stop" ] ||
    fail "dpkg -r under systemd asked for: $(cat "$C/policy-rc.log" 2>&1)"
rm "$C/policy-rc.log"
inch dpkg -P riklet >"$T/out" 2>&1 || fail "dpkg -P under systemd: $(cat "$T/out")"
[ ! -e "$C/policy-rc.log" ] || fail "dpkg -P asked for: $(cat "$C/policy-rc.log")"
rm "$C/tmp/${DEB##*/}"
if [ -n "$had_systemd_run" ]; then
	rmdir "$C/run/systemd/system"
else
	rm -r "$C/run/systemd"
fi
ok "under systemd: install starts nothing, a reinstall try-restarts riklet, dpkg -r stops it"

# What purge leaves: the user (passwd, group, their shadows, the backups
# and adduser's lock), and man-db's cache of the pages shown above;
# nothing else new, and nothing that was there before is gone.
snapshot "$T/after"
comm -13 "$T/before" "$T/after" >"$T/new"
grep -v -e '^\./etc/\(passwd\|group\|shadow\|gshadow\)-\?$' \
    -e '^\./run/adduser$' -e '^\./var/cache/man/' "$T/new" >"$T/left"
[ ! -s "$T/left" ] || fail "purge left: $(cat "$T/left")"
comm -23 "$T/before" "$T/after" >"$T/gone"
[ ! -s "$T/gone" ] || fail "purge removed: $(cat "$T/gone")"
diff "$T/passwd.before" "$C/etc/passwd" | grep '^[<>]' >"$T/d"
[ "$(cat "$T/d")" = "> $pw" ] || fail "passwd changed by more than _riklet: $(cat "$T/d")"
diff "$T/group.before" "$C/etc/group" | grep '^[<>]' >"$T/d"
[ "$(wc -l <"$T/d")" -eq 1 ] && grep -q '^> _riklet:' "$T/d" ||
    fail "group changed by more than _riklet: $(cat "$T/d")"
ok "after dpkg -P: only the _riklet user and group are left (and $(grep -c '^\./var/cache/man/' "$T/new") paths of man-db's cache)"

echo "check-deb: passed in $(($(now) - start)) s"
