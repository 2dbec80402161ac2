#!/bin/sh
# Installs, as root, every Debian package riklet needs to build, test and
# run its demo, and creates the unprivileged user.  Idempotent and quick
# when everything is there already.  "deps.sh deb" also installs what
# make deb and make check-deb need: the packaging tools, lintian and
# debootstrap (check-deb installs the package in a fresh chroot).
set -e

PKGS="build-essential clang bison pkg-config libevent-dev libbsd-dev
libjansson-dev libcurl4-openssl-dev libprotobuf-c-dev protobuf-c-compiler
libprotobuf-dev protobuf-compiler libgrpc-dev libseccomp-dev check mandoc
man-db docker.io busybox-static python3-grpcio python3-protobuf curl
openssl valgrind procps iproute2 systemd strace python3-prometheus-client
docker-registry apache2-utils podman catatonit
containernetworking-plugins iptables"

if [ "${1:-}" = deb ]; then
	PKGS="$PKGS debhelper dpkg-dev lintian debootstrap
debian-archive-keyring systemd git"
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing packages:$missing (run as root)" >&2
		exit 1
	fi
	echo "deps.sh: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ "$(id -u)" -eq 0 ] && ! id _riklet >/dev/null 2>&1; then
	useradd -r -s /usr/sbin/nologin -d /nonexistent -M _riklet
fi
exit 0
