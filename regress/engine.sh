#!/bin/sh
#
# A private engine for riklet's tests, demo and CI: Docker's (dockerd), or
# with RIKLET_ENGINE=podman Podman's Docker-compatible API service.
#
#   sh regress/engine.sh start	start (or reuse) it; prints DOCKER_SOCK=<path>
#   sh regress/engine.sh image	import riklet/busybox:latest (busybox-static),
#				also tagged riklet/busybox:local
#   sh regress/engine.sh stop	remove riklet's containers, stop the engine
#   sh regress/engine.sh purge	stop, then remove its state (make check's end)
#   sh regress/engine.sh env	prints DOCKER_SOCK=<path>
#
# State lives in ${RIKLET_ENGINE_DIR:-/tmp/rikeng}.  The flags keep the
# host's network untouched; the exec-root path stays short because
# containerd's socket paths must fit in 104 bytes.  Only the Engine API is
# used (curl --unix-socket): a docker CLI on PATH may not be Debian's.
#
# With RIKLET_ENGINE_BRIDGE=1 it is another engine, in that directory
# plus "-bridge", whose containers have a network: a bridge of its own
# (rk<hash of the directory>, a private /24 of 10.251.0.0/16) made here
# and deleted at stop.  No iptables rule and no forwarding: published
# ports are served by the engine's userland proxy on 127.0.0.1 only.
#
# With RIKLET_ENGINE=podman it is `podman system service --time=0` on a
# socket of its own, in that directory plus "-podman": its own storage
# (graphroot, runroot), containers.conf (CONTAINERS_CONF: cgroupfs, file
# events and file locks of its own, netns none for podman's own CLI) and
# storage.conf.  A container made through the Docker-compatible API
# without a network, as riklet makes them, gets Podman's default network
# all the same, "podman": the CNI bridge cni-podman0, 10.88.0.0/16, with
# the iptables rules of the CNI portmap and firewall plugins, which Podman
# makes for the container and removes with it (Podman 4.3 has no userland
# proxy).  Podman makes its socket root:root 0600; it is given the
# group docker and mode 0660 here, what riklet(8) asks of an engine
# socket.  The default ulimits are the test machine's (a sandbox whose
# hard limits are lower than Podman's defaults), not riklet's.
# With RIKLET_PODMAN_NOINIT=1 it is a Podman without an init, as without
# catatonit (t_podman_noinit): the service runs in a mount namespace of
# its own where /usr/libexec/podman is an empty tmpfs.

set -eu

ENGINE=${RIKLET_ENGINE:-docker}
case $ENGINE in
docker|podman) ;;
*)	echo "engine.sh: RIKLET_ENGINE=$ENGINE: docker or podman" >&2
	exit 64 ;;
esac

D=${RIKLET_ENGINE_DIR:-/tmp/rikeng}
BRIDGE=
if [ -n "${RIKLET_ENGINE_BRIDGE:-}" ]; then
	D=$D-bridge
	BRIDGE=rk$(printf '%s' "$D" | md5sum | cut -c1-8)
fi
SOCK=$D/docker.sock
PIDFILE=$D/dockerd.pid
if [ "$ENGINE" = podman ] && [ -n "$BRIDGE" ]; then
	echo "engine.sh: no bridge engine for podman (the one engine" \
	    "gives a container that publishes a port its network)" >&2
	exit 64
fi
if [ "$ENGINE" = podman ]; then
	D=$D-podman
	SOCK=$D/podman.sock
	PIDFILE=$D/podman.pid
fi
IMAGE_REPO=riklet/busybox
IMAGE_TAG=latest
# The name the integration tests use: a fixed tag, so that a pod's
# imagePullPolicy defaults to IfNotPresent (a :latest is pulled Always,
# from a registry that has no such image).
LOCAL_TAG=local

api() {
	# api METHOD PATH [curl args...]: the body on stdout, fails on >= 400
	m=$1 p=$2
	shift 2
	curl -sS --fail --max-time 60 --unix-socket "$SOCK" -X "$m" \
	    "$@" "http://localhost$p"
}

ping() {
	curl -s --max-time 2 --unix-socket "$SOCK" \
	    http://localhost/_ping 2>/dev/null | grep -q OK
}

running_pid() {
	[ -f "$PIDFILE" ] || return 1
	pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

# A dockerd (and its containerd) on our state without a pidfile: the
# leftover of a start that went wrong.  Killed, it cannot hold the state.
kill_strays() {
	if [ "$ENGINE" = podman ]; then
		for p in $(pgrep -f -- "system service --time=0 unix://$SOCK" \
		    2>/dev/null); do
			echo "engine.sh: killing stray podman $p" >&2
			kill -9 "$p" 2>/dev/null || true
		done
		return 0
	fi
	for p in $(pgrep -f -- "--data-root $D/data " 2>/dev/null) \
	    $(pgrep -f -- "containerd --config $D/x/" 2>/dev/null); do
		echo "engine.sh: killing stray engine process $p" >&2
		kill -9 "$p" 2>/dev/null || true
	done
}

need_pkg() {
	# need_pkg COMMAND PACKAGE
	[ -x "$1" ] && return 0
	echo "engine.sh: installing $2" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q "$2" >&2 ||
	    { apt-get update -q >&2 && apt-get install -y -q "$2" >&2; }
}

# The bridge and its address, made once; a /24 no route of the host uses.
bridge_up() {
	if ip link show "$BRIDGE" >/dev/null 2>&1; then
		return 0
	fi
	n=$(( 0x$(printf '%s' "$D" | md5sum | cut -c9-10) ))
	i=0
	while ip -4 route show | grep -q "^10\.251\.$n\." ||
	    ip -4 addr show | grep -q " 10\.251\.$n\."; do
		n=$(( (n + 1) % 256 ))
		i=$((i + 1))
		[ $i -lt 256 ] || { echo "engine.sh: no free /24" >&2; exit 1; }
	done
	ip link add name "$BRIDGE" type bridge
	ip addr add "10.251.$n.1/24" dev "$BRIDGE"
	ip link set "$BRIDGE" up
}

bridge_down() {
	[ -n "$BRIDGE" ] || return 0
	ip link del "$BRIDGE" 2>/dev/null || true
}

podman_conf() {
	mkdir -p "$D/storage" "$D/run" "$D/tmp" "$D/net"
	cat >"$D/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$D/storage"
runroot = "$D/run"
EOF
	cat >"$D/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"
[engine]
conmon_path = ["$D/conmon"]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$D/events.log"
lock_type = "file"
tmp_dir = "$D/tmp"
image_copy_tmp_dir = "$D/tmp"
static_dir = "$D/storage/libpod"
volume_path = "$D/storage/volumes"
[network]
network_backend = "cni"
network_config_dir = "$D/net"
EOF
	# Podman 4.3 starts conmon in the service's working directory, where
	# conmon writes the "oom" file Podman looks for in the container's
	# bundle directory: without this, OOMKilled is never true.  The
	# wrapper runs conmon in the bundle directory (-b).  riklet(8).
	cat >"$D/conmon" <<'EOF'
#!/bin/sh
b= p=
for a; do
	[ "$p" = -b ] && b=$a
	p=$a
done
[ -z "$b" ] || cd "$b" || exit 125
exec /usr/bin/conmon "$@"
EOF
	chmod 0755 "$D/conmon"
}

podman_start() {
	need_pkg /usr/bin/podman podman
	need_pkg /usr/libexec/podman/catatonit catatonit
	podman_conf
	# Not the caller's TMPDIR: a test's is removed after it.
	export TMPDIR="$D/tmp" CONTAINERS_CONF="$D/containers.conf" \
	    CONTAINERS_STORAGE_CONF="$D/storage.conf"
	# Nothing of the engine is written in the caller's directory.
	cd "$D"
	if [ -n "${RIKLET_PODMAN_NOINIT:-}" ]; then
		# shellcheck disable=SC2016
		nohup unshare -m --propagation private sh -c \
		    'mount -t tmpfs none /usr/libexec/podman && exec "$0" "$@"' \
		    /usr/bin/podman system service --time=0 "unix://$SOCK" \
		    </dev/null >"$D/podman.log" 2>&1 9>&- &
	else
		nohup /usr/bin/podman system service --time=0 "unix://$SOCK" \
		    </dev/null >"$D/podman.log" 2>&1 9>&- &
	fi
	echo $! >"$PIDFILE"
}

start() {
	if [ "$ENGINE" = docker ]; then
		need_pkg /usr/sbin/dockerd docker.io
	fi
	mkdir -p "$D"
	chmod 0755 "$D"
	if running_pid >/dev/null && ping; then
		echo "DOCKER_SOCK=$SOCK"
		return 0
	fi
	if pid=$(running_pid); then
		# Alive but not answering: give it the time a start takes.
		i=0
		while [ $i -lt 100 ] && ! ping; do
			sleep 0.1
			i=$((i + 1))
		done
		if ping; then
			echo "DOCKER_SOCK=$SOCK"
			return 0
		fi
		echo "engine.sh: $ENGINE $pid does not answer" >&2
		exit 1
	fi
	kill_strays
	rm -f "$SOCK" "$PIDFILE"
	if [ "$ENGINE" = podman ]; then
		podman_start
		wait_up "$D/podman.log"
		getent group docker >/dev/null || groupadd -r docker
		chgrp docker "$SOCK"
		chmod 0660 "$SOCK"
		echo "DOCKER_SOCK=$SOCK"
		return 0
	fi
	mkdir -p "$D/data" "$D/x"
	net="--bridge=none"
	if [ -n "$BRIDGE" ]; then
		bridge_up
		net="--bridge=$BRIDGE --ip=127.0.0.1 --userland-proxy=true"
	fi
	# containerd must not inherit our stdout: callers read it to the end.
	# Nor the TMPDIR of the test that happens to start it, removed after
	# that test: runc writes each exec's process file there.
	mkdir -p "$D/tmp"
	# shellcheck disable=SC2086
	TMPDIR="$D/tmp" nohup /usr/sbin/dockerd --data-root "$D/data" --exec-root "$D/x" \
	    --pidfile "$PIDFILE" --host "unix://$SOCK" $net \
	    --iptables=false --ip-masq=false --ip-forward=false \
	    </dev/null >"$D/dockerd.log" 2>&1 9>&- &
	wait_up "$D/dockerd.log"
	echo "DOCKER_SOCK=$SOCK"
}

wait_up() {
	i=0
	while ! ping; do
		if [ $i -ge 300 ]; then
			echo "engine.sh: $ENGINE did not answer in 30 s," \
			    "see $1" >&2
			tail -5 "$1" >&2
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}

image() {
	ping || { echo "engine.sh: no engine at $SOCK; run start" >&2; exit 1; }
	if api GET "/images/$IMAGE_REPO:$IMAGE_TAG/json" >/dev/null 2>&1; then
		api POST "/images/$IMAGE_REPO:$IMAGE_TAG/tag?repo=$IMAGE_REPO&tag=$LOCAL_TAG" >/dev/null
		return 0
	fi
	need_pkg /bin/busybox busybox-static
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/root/bin" "$tmp/root/tmp" "$tmp/root/etc" \
	    "$tmp/root/proc" "$tmp/root/sys" "$tmp/root/dev"
	cp /bin/busybox "$tmp/root/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "$tmp/root/bin/$a"
	done
	echo "root:x:0:0:root:/:/bin/sh" >"$tmp/root/etc/passwd"
	echo "root:x:0:" >"$tmp/root/etc/group"
	tar -C "$tmp/root" -cf "$tmp/rootfs.tar" .
	api POST "/images/create?fromSrc=-&repo=$IMAGE_REPO&tag=$IMAGE_TAG" \
	    -H 'Content-Type: application/x-tar' \
	    --data-binary "@$tmp/rootfs.tar" >/dev/null
	api GET "/images/$IMAGE_REPO:$IMAGE_TAG/json" >/dev/null
	api POST "/images/$IMAGE_REPO:$IMAGE_TAG/tag?repo=$IMAGE_REPO&tag=$LOCAL_TAG" >/dev/null
}

stop() {
	if ! pid=$(running_pid); then
		kill_strays
		rm -f "$SOCK" "$PIDFILE"
		bridge_down
		return 0
	fi
	# Containers left running make dockerd's shutdown slow: remove them.
	# Podman keeps an infra container while a container joined it: a
	# second pass takes it.
	for pass in 1 2; do
		ping || break
		ids=$(api GET '/containers/json?all=1&filters=%7B%22label%22%3A%5B%22riklet.managed%3Dtrue%22%5D%7D' |
		    tr ',' '\n' | sed -n 's/^.*"Id":"\([0-9a-f]*\)".*$/\1/p')
		for id in $ids; do
			api DELETE "/containers/$id?force=1&v=1" >/dev/null \
			    2>&1 || true
		done
	done
	kill "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		if [ $i -ge 300 ]; then
			echo "engine.sh: $ENGINE $pid still alive, killing" >&2
			kill -9 "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	[ "$ENGINE" = docker ] || podman_reap
	rm -f "$SOCK" "$PIDFILE"
	bridge_down
}

# Podman's containers outlive its service (each has a conmon); their
# removal above stops them, and a conmon left by a killed service goes
# here, by its pidfile under our state, never by name.
podman_reap() {
	for f in $(find "$D/storage" "$D/run" -name conmon.pid 2>/dev/null); do
		p=$(cat "$f" 2>/dev/null) || continue
		[ -z "$p" ] || kill -9 "$p" 2>/dev/null || true
	done
}

# What the tests made under /tmp goes with them: the engine's state and
# its lock too (make check purges once, at its end, when nothing waits).
purge() {
	stop
	for m in $(awk -v d="$D/" 'index($2, d) == 1 { print $2 }' \
	    /proc/mounts | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$D" "$D.lock"
}

# One engine command at a time per state directory: two test programs
# starting it at once would start two dockerds on one state.
locked() {
	mkdir -p "$D"
	exec 9>"$D.lock"
	flock 9
	"$@"
}

case "${1:-}" in
start)	locked start ;;
image)	locked image ;;
stop)	locked stop ;;
purge)	locked purge ;;
env)	echo "DOCKER_SOCK=$SOCK" ;;
*)	echo "usage: sh regress/engine.sh start|image|stop|purge|env" >&2
	exit 64 ;;
esac
