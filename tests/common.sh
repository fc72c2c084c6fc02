# SPDX-License-Identifier: MIT
# Helpers shared by the VM and the loopback scenarios (sourced; cwd = repo).
ok() { echo "ok: $*"; }

# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds.
wait_for() {
	local limit=$(( $1 * 10 )) i
	shift
	for ((i = 0; i < limit; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# kmscastd started as root wants the streamer's user to exist: the VM rig's
# guest makes kmscast the way a package does; on a host without it, the
# tests name nobody.
DUSER=()
[ "$(id -u)" = 0 ] && ! getent passwd kmscast >/dev/null && DUSER=(--user nobody)

# Daemon helpers; the sourcing lib sets B, DWORK and fail.
# start_daemon STATE ARGS...: kmscastd on 127.0.0.1, any free port.
start_daemon() {
	local state=$1
	shift
	DLOG=$DWORK/$state.log
	: >"$DLOG" # truncate here: the child's redirection may run after our first grep
	"$B/kmscastd" --state-dir "$DWORK/$state" --listen 127.0.0.1:0 "${DUSER[@]}" "$@" 2>>"$DLOG" &
	DPID=$!
	wait_for 60 grep -q 'listening on' "$DLOG" || fail "kmscastd did not start: $(tail -5 "$DLOG")"
	PORT=$(sed -n 's/.*listening on .*:\([0-9]*\) as .*/\1/p' "$DLOG" | head -1)
	[ -n "$PORT" ] || fail "no port in the daemon log"
}

# stop_daemon: SIGTERM; it must exit 0 (under ASan that includes no leaks).
stop_daemon() {
	local rc
	kill -TERM "$DPID"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$DPID"
	rc=$?
	DPID=
	[ "$rc" -eq 0 ] || fail "kmscastd exited $rc after SIGTERM"
	grep -q 'info: stopped' "$DLOG" || fail "kmscastd did not stop cleanly"
}

