# SPDX-License-Identifier: MIT
# kmscast --present sdl under Xvfb shows what kmscastd captures from card0:
# a screenshot of the window (xwd) is the reference frame pixel for pixel
# with lossless, PSNR >= 38 dB with h264; --fullscreen letterboxes it with
# black bars; the stats hotkey draws an overlay and takes it away; and the
# window's keyboard and mouse (xdotool, through the X server) reach the
# host's uinput devices as the keys and stream pixels they were.
# timeout: 700
. tests/vm/lib.sh
T=$B/tests/scene-tool
mkdir -p "$WORK/d"
"$B/kmscast" id --config-dir "$WORK/a" | tail -1 >"$WORK/d/authorized-clients"
export DISPLAY=:5
Xvfb :5 -screen 0 1360x768x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
XPID=$!
wait_for 60 xdotool getdisplaygeometry >/dev/null 2>&1 || fail "Xvfb did not start: $(cat "$WORK/xvfb.log")"

shot() { # xwd ARGS: the picture as $WORK/shot.png
	xwd -silent "$@" >"$WORK/shot.xwd" 2>"$WORK/xwd.err" &&
		ffmpeg -loglevel error -y -i "$WORK/shot.xwd" "$WORK/shot.png" 2>>"$WORK/xwd.err"
}
xdo() { timeout 30 xdotool "$@" || fail "xdotool $* failed"; }
title() { echo "kmscast: 127.0.0.1:$PORT"; }
exact() { shot -name "$(title)" && "$T" compare "$WORK/shot.png" XRGB8888 "$1" >"$WORK/cmp.txt" 2>&1; }
differs() { shot -name "$(title)" && ! "$T" compare "$WORK/shot.png" XRGB8888 "$1" >"$WORK/cmp.txt" 2>&1; }
close_enough() { # root|window K MIN_DB [WxH]
	if [ "$1" = root ]; then shot -root; else shot -name "$(title)"; fi &&
		shift && "$T" psnr "$WORK/shot.png" "$@" >"$WORK/psnr.txt"
}
window() { # ARGS...: kmscast --present sdl in the background, until it shows a frame
	"$B/kmscast" --config-dir "$WORK/a" --accept-new -v --present sdl "$@" 127.0.0.1:$PORT \
		>"$WORK/w.out" 2>"$WORK/w.err" &
	WPID=$!
	wait_for 60 grep -q "^kmscast: window " "$WORK/w.err" || fail "no window: $(cat "$WORK/w.err")"
}
unwindow() { term_exits_0 $WPID "the window's client" "$WORK/w.err"; }

start_paint --mode 640x480 --static --start 2024
start_daemon d --codec lossless --fps 10
window
grep -q "^kmscast: window 640x480 (renderer " "$WORK/w.err" || fail "window size: $(cat "$WORK/w.err")"
wait_for 90 exact 2024 || fail "the window does not show frame 2024: $(cat "$WORK/cmp.txt" "$WORK/xwd.err")"
ok "lossless in a 640x480 window: the screenshot is frame 2024 pixel for pixel ($(grep -o 'renderer [a-z0-9_]*' "$WORK/w.err"))"
unwindow

# kmscast HOST with no --present and a display: a window, showing the host.
"$B/kmscast" --config-dir "$WORK/a" --accept-new -v 127.0.0.1:$PORT >"$WORK/w.out" 2>"$WORK/w.err" &
WPID=$!
wait_for 60 grep -q "^kmscast: window " "$WORK/w.err" || fail "kmscast HOST opened no window: $(cat "$WORK/w.err")"
grep -q "showing the stream in a window (DISPLAY is set" "$WORK/w.err" || fail "the choice was not said: $(cat "$WORK/w.err")"
wait_for 90 exact 2024 || fail "the default window does not show frame 2024: $(cat "$WORK/cmp.txt")"
unwindow
ok "kmscast HOST with DISPLAY set opens a window showing frame 2024 exactly"
window

# The stats overlay: the hotkey shows it (the picture differs), again hides it.
xdo key --clearmodifiers ctrl+alt+shift+s
wait_for 30 grep -q "stats overlay shown" "$WORK/w.err" || fail "no overlay: $(tail -3 "$WORK/w.err")"
wait_for 30 differs 2024 || fail "the overlay is not drawn"
xdo key --clearmodifiers ctrl+alt+shift+s
wait_for 30 grep -q "stats overlay hidden" "$WORK/w.err" || fail "the overlay stays: $(tail -3 "$WORK/w.err")"
wait_for 30 exact 2024 || fail "the overlay left marks: $(cat "$WORK/cmp.txt")"
ok "ctrl+alt+shift+s draws the stats overlay over the picture and takes it away again"

# The window's keyboard and mouse reach the host: keys by position, the
# pointer in stream pixels (window 1:1 here), buttons and the wheel.
reader kb "kmscast keyboard"
reader ab "kmscast absolute pointer"
reader ms "kmscast mouse"
want ab "absinfo ABS_X 0 1279" "absinfo ABS_Y 0 959"
wid=$(timeout 30 xdotool search --name "^$(title)\$" | head -1)
[ -n "$wid" ] || fail "no window called $(title)"
# No window manager: focus the window by hand, as a click would.
xdo windowfocus "$wid"
xdo key k m
want kb "EV_KEY KEY_K 1" SYN "EV_KEY KEY_K 0" SYN "EV_KEY KEY_M 1" SYN "EV_KEY KEY_M 0" SYN
# (SDL reports the pointer at the window's centre when it opens: the
# kernel passes on only changed positions, so the clicks go elsewhere.)
xdo mousemove --window "$wid" 100 50 click 1
want ab "EV_ABS ABS_X 201" "EV_ABS ABS_Y 101" SYN "EV_KEY BTN_LEFT 1" SYN "EV_KEY BTN_LEFT 0" SYN
xdo mousemove --window "$wid" 639 10 click 3
want ab "EV_ABS ABS_X 1279" "EV_ABS ABS_Y 21" SYN "EV_KEY BTN_RIGHT 1" SYN "EV_KEY BTN_RIGHT 0" SYN
xdo click 5
want ms "EV_REL REL_WHEEL -1" "EV_REL REL_WHEEL_HI_RES -120" SYN
ok "SDL keys K M, clicks at 100,50 and 639,10, and a wheel notch arrive on the host as they were"
unwindow

# --fullscreen on the 1360x768 screen: pillarboxed, 1024x768 at x 168,
# and a click there lands on the stream's pixel: (424-168)*640/1024, 192*480/768.
window --fullscreen
grep -q "^kmscast: window 1360x768, full screen" "$WORK/w.err" || fail "fullscreen: $(cat "$WORK/w.err")"
wait_for 90 close_enough root 2024 38 640x480 || fail "fullscreen: $(cat "$WORK/psnr.txt" "$WORK/xwd.err")"
grep -q "picture=1024x768+168+0 bars=0" "$WORK/psnr.txt" || fail "fullscreen: $(cat "$WORK/psnr.txt")"
ok "--fullscreen, 640x480 on 1360x768: $(cat "$WORK/psnr.txt")"
# (A new reader: the window reports the pointer where it opened.)
kill $READER_ab
reader fs "kmscast absolute pointer"
want fs "absinfo ABS_X 0 1279" "absinfo ABS_Y 0 959"
xdo mousemove 424 192 click 1
want fs "EV_ABS ABS_X 321" "EV_ABS ABS_Y 241" SYN "EV_KEY BTN_LEFT 1" SYN "EV_KEY BTN_LEFT 0" SYN
ok "a click at the screen's 424,192 lands on the stream's 160,120"
unwindow
stop_daemon
stop_paint

# h264 in a window of the stream's size.
start_paint --mode 800x600 --static --start 777
start_daemon d --codec h264 --fps 10 --no-input
window --view-only
grep -q "^kmscast: window 800x600 (renderer " "$WORK/w.err" || fail "window size: $(cat "$WORK/w.err")"
wait_for 90 close_enough window 777 38 || fail "h264: $(cat "$WORK/psnr.txt" "$WORK/xwd.err")"
ok "h264 in an 800x600 window: $(cat "$WORK/psnr.txt")"
unwindow
expect_error 1 "present sdl: cannot start SDL's video" env -u DISPLAY SDL_VIDEODRIVER=x11 "$B/kmscast" --config-dir \
	"$WORK/a" --view-only --present sdl 127.0.0.1:$PORT
stop_daemon
stop_paint
kill $XPID
