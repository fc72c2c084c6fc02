# Shared helpers for the loopback scenarios (sourced by each one; runs on the
# host against real sockets and real OpenSSL). Every wait is bounded; a failed
# expectation prints why and exits 1.
. tests/common.sh
B=${KMSCAST_BUILD:?}
W=$(mktemp -d)
DPID=
PORT=
RC=

fail() {
	echo "FAIL: $*"
	[ -n "$DLOG" ] && [ -f "$DLOG" ] && sed 's/^/    daemon: /' "$DLOG" | tail -30
	[ -f "$W/err" ] && sed 's/^/    client: /' "$W/err" | tail -10
	exit 1
}

cleanup() {
	[ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT


# start_daemon STATE ARGS...: kmscastd on 127.0.0.1, any free port.
start_daemon() {
	local state=$1
	shift
	DLOG=$W/$state.log
	: >"$DLOG" # truncate here: the child's redirection may run after our first grep
	"$B/kmscastd" --state-dir "$W/$state" --listen 127.0.0.1:0 "$@" 2>>"$DLOG" &
	DPID=$!
	wait_for 20 grep -q 'listening on' "$DLOG" || fail "kmscastd did not start"
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

# client CONFIG ARGS...: kmscast with its own config dir; sets RC, $W/out, $W/err.
client() {
	local cfg=$1
	shift
	timeout 60 "$B/kmscast" --config-dir "$W/$cfg" "$@" >"$W/out" 2>"$W/err"
	RC=$?
}

fp_of() { "$B/kmscast" id --config-dir "$W/$1" | tail -1; }
authorize() { fp_of "$1" >>"$W/$2/authorized-clients"; }

expect_rc() { [ "$RC" -eq "$1" ] || fail "${2:-client}: exit $RC, want $1"; }
expect_err() { grep -qE -- "$1" "$W/err" || fail "client stderr lacks /$1/"; }
expect_out() { grep -qE -- "$1" "$W/out" || fail "client stdout lacks /$1/"; }
expect_log() { wait_for 5 grep -qE -- "$1" "$DLOG" || fail "daemon log lacks /$1/"; }
