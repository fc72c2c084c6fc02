# SPDX-License-Identifier: MIT
# No viewer, no capture, on the real kernel: while kmscast-paint animates
# and nobody watches, the daemon's two processes (the streamer and the
# capture helper) grab nothing and sleep; the first viewer starts capture
# and gets its first frame at once; the last one leaving stops it again.
# timeout: 400
. tests/vm/lib.sh
mkdir -p "$WORK/d"
"$B/kmscast" id --config-dir "$WORK/a" | tail -1 >>"$WORK/d/authorized-clients"
ticks() { # utime + stime of the streamer and its helper, in clock ticks
	local t=0 p
	for p in $DPID $(pgrep -P "$DPID"); do
		t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo $t
}
start_paint --mode 640x480 --fps 30
start_daemon d --codec h264 --fps 30 --metrics-listen 127.0.0.1:9730
[ -n "$(pgrep -P "$DPID")" ] || fail "no capture helper under the daemon"
sleep 3
c0=$(ticks); sleep 60; c1=$(ticks)
idle=$((c1 - c0))
echo "no viewer, screen animating: $idle ticks of CPU in 60 s (both processes; $(getconf CLK_TCK)/s)"
# 0.1 % of one core over 60 s is 60 ms.
[ $((idle * 1000 / $(getconf CLK_TCK))) -le 60 ] || fail "no viewer costs $idle ticks in 60 s"
grep -q "a viewer: capturing" "$DLOG" && fail "capture started with no viewer"
ok "no viewer: $idle ticks in 60 s, no capture"

timeout 120 "$B/kmscast" --present none --config-dir "$WORK/a" --accept-new --frames 5 127.0.0.1:$PORT \
	>"$WORK/a.out" 2>"$WORK/a.err" || fail "the first viewer got no frames: $(cat "$WORK/a.err")"
wait_for 30 grep -q "no viewer: capture stopped" "$DLOG" || fail "capture did not stop: $(tail -5 "$DLOG")"
grep -q "a viewer: capturing Virtual-1" "$DLOG" || fail "capture did not start: $(tail -5 "$DLOG")"
grabs=$(sed -n 's/.*no viewer: capture stopped (\([0-9]*\) grabs so far).*/\1/p' "$DLOG" | tail -1)
[ "${grabs:-0}" -gt 0 ] || fail "the viewer's frames came without grabs?"
ok "the first viewer starts capture and gets its frames; leaving stops it ($grabs grabs)"

sleep 2
c0=$(ticks); sleep 20; c1=$(ticks)
after=$((c1 - c0))
echo "after the viewer left: $after ticks in 20 s"
[ $((after * 1000 / $(getconf CLK_TCK))) -le 20 ] || fail "after the last viewer: $after ticks in 20 s"
# What Prometheus would read of that session (scraped after the CPU was counted).
curl -sf --max-time 10 http://127.0.0.1:9730/metrics >"$WORK/m" || fail "no metrics"
promtool check metrics <"$WORK/m" >"$WORK/pc" 2>&1 || fail "promtool: $(cat "$WORK/pc")"
metric() { awk -v n="$1" '$1 == n { print $2 }' "$WORK/m"; }
[ "$(metric kmscast_capture_running)" = 0 ] || fail "capture running after the viewer left"
[ "$(metric 'kmscast_sessions_total{kind="native"}')" = 1 ] || fail "sessions: $(grep sessions "$WORK/m")"
[ "$(metric kmscast_frames_captured_total)" -ge 5 ] || fail "captured: $(grep captured "$WORK/m")"
[ "$(metric kmscast_frames_encoded_total)" -ge 5 ] || fail "encoded: $(grep encoded "$WORK/m")"
[ "$(metric kmscast_frames_sent_total)" -ge 5 ] || fail "sent: $(grep frames_sent "$WORK/m")"
[ "$(metric kmscast_frames_cpu_copied_total)" = "$(metric kmscast_frames_sent_total)" ] ||
	fail "software encoding copies every frame it sends: $(grep frames_ "$WORK/m")"
[ "$(metric kmscast_capture_to_encoded_seconds_count)" -ge 5 ] || fail "latency: $(grep seconds_count "$WORK/m")"
[ "$(metric kmscast_capture_errors_total)" = 0 ] || fail "capture errors: $(grep errors "$WORK/m")"
grep -qx 'kmscast_encoder_info{encoder="software",codec="h264"} 1' "$WORK/m" || fail "encoder_info"
ok "metrics of the session: $(metric kmscast_frames_captured_total) captured, $(metric kmscast_frames_encoded_total) encoded, $(metric kmscast_frames_sent_total) sent; promtool accepts them"
stop_daemon
final=$(sed -n 's/.* idle peeks, \([0-9]*\) grabs, .*/\1/p' "$DLOG" | tail -1)
[ "$final" = "$grabs" ] || fail "$final grabs at exit, $grabs when the viewer left: it kept grabbing"
ok "after the last viewer: $after ticks in 20 s, no grab"
stop_paint
