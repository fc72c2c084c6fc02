# SPDX-License-Identifier: MIT
# Clipboard helpers for the loopback scenarios (sourced after lib.sh): the
# daemon's agent socket in $W, viewers that keep running with their
# clipboard in files, and xclip on $DISPLAY as the desktop's application.
ASOCK=$W/run/agent.sock
# What a scenario starts in the background (Xvfb, agents, viewers, xclip
# holding a selection) goes with it.
trap 'kill $(jobs -p) 2>/dev/null; cleanup' EXIT
host_set() { xclip -i -selection clipboard; }
host_get() { xclip -o -selection clipboard 2>/dev/null; }
host_is() { [ "$(host_get)" = "$1" ]; }
file_is() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
big_text() { head -c 2097152 /dev/zero | tr '\0' x; }

# clip_daemon ARGS...: kmscastd on test frames with its agent socket here.
clip_daemon() {
	start_daemon d --source test:1000 --fps 20 --agent-socket "$ASOCK" --agent-user root "$@"
	expect_log "session agents connect at $ASOCK \(clipboard ${CLIPMODE:-both}, at most 1048576 bytes\)"
}

# start_agent NAME BACKEND [ARGS...]: kmscast-agent, connected, with BACKEND.
start_agent() {
	local name=$1 backend=$2
	shift 2
	"$B/kmscast-agent" -v --socket "$ASOCK" "$@" >"$W/$name.log" 2>&1 &
	AGENT=$!
	wait_for 20 grep -q "^kmscast-agent: connected to kmscastd at $ASOCK" "$W/$name.log" ||
		fail "agent $name did not connect: $(cat "$W/$name.log")"
	grep -q "^kmscast-agent: clipboard backend: $backend\$" "$W/$name.log" ||
		fail "agent $name did not take $backend: $(cat "$W/$name.log")"
	expect_log "agent: pid $AGENT \(uid 0\) connected, clipboard backend: $backend"
}

# stop_agent: SIGTERM; it must exit 0 (under ASan: leak-free).
stop_agent() {
	kill -TERM "$AGENT"
	wait "$AGENT"
	local rc=$?
	[ "$rc" -eq 0 ] || fail "kmscast-agent exited $rc after SIGTERM"
}

# viewer NAME ARGS...: a viewer that keeps running, its clipboard from the
# host written to $W/NAME.clip; once the host has said its policy.
viewer() {
	local name=$1
	shift
	timeout 120 "$B/kmscast" --present none --config-dir "$W/$name" --accept-new -v \
		--clipboard-out "$W/$name.clip" "$@" 127.0.0.1:$PORT >"$W/$name.out" 2>"$W/$name.err" &
	VIEWER=$!
	wait_for 20 grep -q "^kmscast: clipboard: " "$W/$name.err" ||
		fail "viewer $name was told no clipboard policy: $(cat "$W/$name.err")"
}
