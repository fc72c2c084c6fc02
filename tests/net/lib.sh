# SPDX-License-Identifier: MIT
# Shared helpers for the loopback scenarios (sourced by each one; runs on the
# host against real sockets and real OpenSSL). Every wait is bounded; a failed
# expectation prints why and exits 1.
. tests/common.sh
B=${KMSCAST_BUILD:?}
W=$(mktemp -d)
chmod 755 "$W" # the daemon, started as root, serves as another user
DWORK=$W
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


# client CONFIG ARGS...: kmscast with its own config dir; sets RC, $W/out, $W/err.
client() {
	local cfg=$1
	shift
	timeout 60 "$B/kmscast" --present none --config-dir "$W/$cfg" "$@" >"$W/out" 2>"$W/err"
	RC=$?
}

fp_of() { "$B/kmscast" id --config-dir "$W/$1" | tail -1; }
authorize() { fp_of "$1" >>"$W/$2/authorized-clients"; }

expect_rc() { [ "$RC" -eq "$1" ] || fail "${2:-client}: exit $RC, want $1"; }
expect_err() { grep -qE -- "$1" "$W/err" || fail "client stderr lacks /$1/"; }
expect_out() { grep -qE -- "$1" "$W/out" || fail "client stdout lacks /$1/"; }
expect_log() { wait_for 5 grep -qE -- "$1" "$DLOG" || fail "daemon log lacks /$1/"; }
