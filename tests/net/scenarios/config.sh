# SPDX-License-Identifier: MIT
# kmscastd takes its settings from a config file whose keys are the long
# options' names: they take effect, the command line wins over them, and a
# bad file stops the daemon before it listens, naming the file, the line and
# the reason.
. tests/net/lib.sh
mkdir -p "$W/d"
authorize a d
authorize b d
cat >"$W/kmscastd.conf" <<CONF
# one seat of a lab pool
source = test:3000
fps = 20   # slow
max-viewers = 0
idle-timeout = 5000
CONF
start_daemon d --config "$W/kmscastd.conf"
client a --accept-new --frames 3 -v 127.0.0.1:$PORT
expect_rc 0 "client under the config file"
expect_err "stream 1280x720 test at 20.000 fps"
ok "fps = 20 from the file reaches the client's stream config"
"$B/kmscast" --present none --config-dir "$W/a" 127.0.0.1:$PORT >"$W/a.out" 2>"$W/a.err" &
A=$!
two_in_control() { [ "$(grep -c 'joins in control' "$DLOG")" -ge 2 ]; }
wait_for 30 two_in_control || fail "the second session of a never took control"
client b --accept-new --frames 1 127.0.0.1:$PORT
expect_rc 3 "a viewer past max-viewers = 0"
expect_err "viewer limit \(0\)"
kill -INT $A
wait $A || fail "the controlling client exited $?: $(cat "$W/a.err")"
ok "max-viewers = 0 from the file refuses a second client"
stop_daemon

start_daemon d --config "$W/kmscastd.conf" --fps 25
client a --accept-new --frames 2 -v 127.0.0.1:$PORT
expect_rc 0 "client with --fps on the command line"
expect_err "at 25.000 fps"
stop_daemon
ok "--fps 25 on the command line wins over the file's 20"

bad() { # FILE-CONTENT EXPECTED-STDERR: the daemon refuses to start
	printf "$1" >"$W/bad.conf"
	timeout 20 "$B/kmscastd" --state-dir "$W/d" --listen 127.0.0.1:0 --config "$W/bad.conf" \
		>"$W/out" 2>"$W/err"
	RC=$?
	expect_rc 2 "kmscastd with a bad config file"
	expect_err "$2"
	! grep -q "listening" "$W/err" || fail "it listened anyway"
}
bad 'fps = 20\nframes = 3\n' "^kmscastd: $W/bad.conf: line 2: unknown setting 'frames'\$"
bad 'source = test\ncursor-in-video = yes\n' "line 2: 'cursor-in-video' is a flag: write it alone"
bad 'codec\n' "line 1: 'codec' needs a value"
bad 'fps = 999\n' "--fps"
bad 'config = /etc/other.conf\n' "line 1: unknown setting 'config'"
timeout 20 "$B/kmscastd" --state-dir "$W/d" --config "$W/missing.conf" >"$W/out" 2>"$W/err"
RC=$?
expect_rc 2 "kmscastd with a missing config file"
expect_err "missing.conf"
ok "bad files are refused with file, line and reason; a missing --config file is an error"
