# SPDX-License-Identifier: MIT
# A connector unplugged and plugged back while a client watches: the forced
# Virtual-3 is set disconnected through sysfs (a hotplug uevent) and the
# program lighting it turns its CRTC off and stops, as a compositor does
# with a disconnected output; the daemon says the output is not lit, once, and it and the
# session stay up. Plugged back and lit at another size, it is found
# (without a uevent for the modeset: by the rescans failed grabs ask for),
# the same session gets the new config and a new one exact pixels.
# timeout: 300
. tests/vm/lib.sh
ST=/sys/class/drm/card1-Virtual-3/status
ms() { date +%s%3N; }
trap 'cleanup; echo on >$ST' EXIT
mkdir -p "$WORK/d"
"$B/kmscast" id --config-dir "$WORK/c" | tail -1 >"$WORK/d/authorized-clients"
start_paint --device /dev/dri/card1 --output Virtual-3 --mode 1024x768 --static --start 3303 --leave-off
start_daemon d --device /dev/dri/card1 --output Virtual-3 --codec lossless --fps 30
"$B/kmscast" --present none --config-dir "$WORK/c" --accept-new -v --frames 1000000 127.0.0.1:$PORT \
	>"$WORK/m.out" 2>"$WORK/m.err" &
M=$!
wait_for 60 grep -q "stream 1024x768" "$WORK/m.err" || fail "no 1024x768 stream: $(cat "$WORK/m.err")"

t0=$(ms)
echo off >$ST
stop_paint
wait_for 20 grep -q "is not lit" "$DLOG" || fail "the daemon did not notice: $(tail -5 "$DLOG")"
off_ms=$(( $(ms) - t0 ))
grep -q "output Virtual-3 is not lit (no active CRTC); still running, and streaming again when it is back" "$DLOG" ||
	fail "the daemon did not say why: $(tail -3 "$DLOG")"
sleep 2
kill -0 "$DPID" 2>/dev/null || fail "the daemon died: $(tail -5 "$DLOG")"
kill -0 "$M" 2>/dev/null || fail "the session ended: $(tail -3 "$WORK/m.err")"
[ "$(grep -c "is not lit" "$DLOG")" -eq 1 ] || fail "said more than once: $(grep "is not lit" "$DLOG")"
echo "unplugged: the daemon said so $off_ms ms after the sysfs write (kmscast-paint's exit included)"
ok "connector unplugged: the daemon says the output is not lit, once, and it and the session stay up"

echo on >$ST
start_paint --device /dev/dri/card1 --output Virtual-3 --mode 800x600 --static --start 77
t0=$(ms)
wait_for 20 grep -q "Virtual-3 is back on CRTC" "$DLOG" || fail "the daemon did not find it back: $(tail -5 "$DLOG")"
back_ms=$(( $(ms) - t0 ))
wait_for 60 grep -q "stream 800x600" "$WORK/m.err" || fail "the session got no 800x600 config: $(tail -3 "$WORK/m.err")"
timeout 120 "$B/kmscast" --present none --config-dir "$WORK/c" --snapshot "$WORK/new.png" 127.0.0.1:$PORT \
	>"$WORK/n.out" 2>"$WORK/n.err" || fail "snapshot: $(cat "$WORK/n.err")"
r=$("$B/tests/scene-tool" compare "$WORK/new.png" XRGB8888 77) || fail "after the replug: $r"
term_exits_0 "$M" "the watching client" "$WORK/m.err"
echo "plugged back and lit: the daemon streamed it $back_ms ms after kmscast-paint said ready"
ok "connector plugged back at 800x600: the same session gets the new config, a new one frame 77 exactly ($r)"
stop_daemon
stop_paint
