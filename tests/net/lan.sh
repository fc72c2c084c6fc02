# SPDX-License-Identifier: MIT
# A LAN of several hosts on this machine (sourced after tests/net/lib.sh):
# network namespaces joined by a bridge in a namespace of their own, each
# host with a private /run (a mount namespace), its own dbus-daemon and
# avahi-daemon, then its command. Addresses are 10.73.0.0/24 and exist
# only inside these namespaces. Everything goes at exit.
[ "$(id -u)" = 0 ] || fail "the LAN scenarios need root (network namespaces)"
command -v avahi-daemon >/dev/null && command -v dbus-daemon >/dev/null ||
	fail "avahi-daemon and dbus-daemon are needed (tools/install-deps)"
LAN=kcl$$
LAN_NS=()
lan_down() {
	local ns
	disown -a # their deaths need no report
	for ns in "${LAN_NS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	done
	for ns in "${LAN_NS[@]}" "$LAN-sw"; do
		ip netns del "$ns" 2>/dev/null
	done
}
trap 'lan_down; cleanup' EXIT
ip netns add "$LAN-sw" || fail "cannot make a network namespace"
ip -n "$LAN-sw" link add br0 type bridge && ip -n "$LAN-sw" link set br0 up || fail "no bridge"

# host.sh runs inside each host: its /run, then its daemons unless they
# run, then the command. AVAHI=none starts no avahi-daemon, BUS=none no
# bus either; RESOLV=FILE becomes its /etc/resolv.conf.
cat >"$W/host.sh" <<'EOF'
#!/bin/bash
# A host's /run is its own and lasts across runs, as its daemons do.
mount --bind "$RUNDIR" /run || exit 1
mkdir -p /run/dbus /run/avahi-daemon
[ -n "$RESOLV" ] && { mount --bind "$RESOLV" /etc/resolv.conf || exit 1; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
if [ "$BUS" != none ] && ! alive /run/dbus/pid; then
	dbus-daemon --system --fork || exit 1
fi
if [ "$BUS" != none ] && [ "$AVAHI" != none ] && ! alive /run/avahi-daemon/pid; then
	avahi-daemon -f "$CONF" --no-chroot -D || exit 1
	# Ready once it answers on the bus.
	for i in $(seq 50); do avahi-daemon -c -f "$CONF" 2>/dev/null && break; sleep 0.1; done
fi
# The command as a child, so that SIGTERM goes on to it.
"$@" &
child=$!
trap 'kill -TERM $child' TERM
wait $child
rc=$?
[ $rc -gt 128 ] && { wait $child; rc=$?; }
exit $rc
EOF
chmod 755 "$W/host.sh"

# lan_join NAME OCTET: a namespace on the bridge at 10.73.0.OCTET, with an
# avahi-daemon configuration whose host name is NAME.
lan_join() {
	local name=$1 ns=$LAN-$1
	ip netns add "$ns" || fail "netns $ns"
	LAN_NS+=("$ns")
	ip -n "$LAN-sw" link add "v$2" type veth peer name eth0 netns "$ns" &&
		ip -n "$LAN-sw" link set "v$2" master br0 up &&
		ip -n "$ns" addr add "10.73.0.$2/24" dev eth0 &&
		ip -n "$ns" link set eth0 up && ip -n "$ns" link set lo up || fail "cannot wire $name"
	mkdir -p "$W/run-$name"
	cat >"$W/avahi-$name.conf" <<EOF
[server]
host-name=$name
domain-name=local
use-ipv4=yes
use-ipv6=no
allow-interfaces=eth0
enable-dbus=yes
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
EOF
}

# lan_run NAME CMD...: CMD in NAME's namespace with its own /run, bus and
# avahi-daemon (started on the first run, as the environment says);
# SIGTERM to it reaches CMD.
lan_run() {
	local name=$1
	shift
	CONF=$W/avahi-$name.conf RUNDIR=$W/run-$name ip netns exec "$LAN-$name" \
		unshare -m --propagation private \
		"$W/host.sh" "$@"
}

# lan_bg NAME CMD...: the same in the background; LAN_PID is the process
# a SIGTERM goes to (the subshell becomes it).
lan_bg() {
	local name=$1
	shift
	(CONF=$W/avahi-$name.conf RUNDIR=$W/run-$name exec ip netns exec "$LAN-$name" \
		unshare -m --propagation private "$W/host.sh" "$@") &
	LAN_PID=$!
}
