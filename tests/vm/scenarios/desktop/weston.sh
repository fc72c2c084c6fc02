# SPDX-License-Identifier: MIT
# weston, a display server nobody here wrote, on the guest's virtio-gpu:
# started as a distribution's user would start it by hand (as root through
# its direct launcher, the drm backend, pixman rendering, udev running so
# libinput finds devices as they appear), with weston-terminal. kmscastd
# runs as the unit starts it (root, sandboxed: streamer and capture helper
# as their own users). Checked: a lossless frame equals FFmpeg kmsgrab's
# of the same still desktop pixel for pixel and H.264 reaches 38 dB; a
# burst of input and a line typed on a thin client's keyboard run in the
# terminal; absolute clicks land on the pixels aimed at; the cursor weston
# draws itself is in the video where the pointer is; a viewer stays through
# a VT switch away and back, weston stopped and started, the screen blanked
# when idle and lit by a key; last, the desktop's bench rows.
# timeout: 600
. tests/vm/lib.sh
vm_udev_start
desktop_daemon

export XDG_RUNTIME_DIR=/run/user/0
mkdir -p -m 700 "$XDG_RUNTIME_DIR"
# The text consoles' blinking cursors would keep them from holding still.
printf '\033[?25l' >/dev/tty1
printf '\033[?25l' >/dev/tty2
# start_weston [ARGS...]: weston on tty2; its socket in WAYLAND_DISPLAY.
start_weston() {
	weston --tty=2 --backend=drm-backend.so --use-pixman --log="$WORK/weston.log" "$@" &
	WESTON=$!
	wait_for 120 eval 'ls "$XDG_RUNTIME_DIR" | grep -q "^wayland-[0-9]*$"' ||
		fail "weston did not come up: $(tail -20 "$WORK/weston.log")"
	export WAYLAND_DISPLAY=$(ls "$XDG_RUNTIME_DIR" | grep -m1 '^wayland-[0-9]*$')
}
stop_weston() {
	kill -TERM "$WESTON"
	wait "$WESTON" 2>/dev/null
	return 0
}
start_weston
grep -q "event1  - kmscast keyboard: device is a keyboard" "$WORK/weston.log" ||
	fail "weston's libinput did not take kmscast's keyboard: $(cat "$WORK/weston.log")"
kmsgrab "$WORK/desktop.png"
weston-terminal --shell=/bin/bash >"$WORK/term.log" 2>&1 &
TERMINAL=$!
wait_for 120 settled_from "$WORK/desktop.png" || fail "weston-terminal did not appear: $(cat "$WORK/term.log")"
ok "weston (drm backend, pixman) shows weston-terminal; its libinput took kmscast's devices through udev"

desktop_lossless_equals weston
cp "$WORK/client.png" "$OUT/weston-lossless.png"
desktop_burst weston /tmp/kmscast-burst
desktop_controller
desktop_typing weston
kmsgrab "$OUT/weston-typed.png"
kill "$TERMINAL"
desktop_click weston 1280 800

# What weston does to the screen, followed by a viewer that stays: a VT
# switch away and back (its launcher hands the card over), weston stopped
# and started again, then (idle-time in its config) the screen blanked
# when it has been idle and lit by a key pressed through kmscast. The
# kernel's own atomic state (debugfs) says when the CRTC went off.
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug || fail "no debugfs"
crtc_off() { grep -A2 '^crtc\[' /sys/kernel/debug/dri/0/state | grep -q 'active=0'; }
crtc_goes_off() { wait_for 60 crtc_off; }
# Long enough for the started step to see weston's desktop settle first
# (with 8 s, one clean-check run saw it blank before two grabs agreed).
printf '[core]\nidle-time=20\n' >"$WORK/idle.ini"
follow_start
follow vt-away screen timeout 30 chvt 1
follow vt-back screen timeout 30 chvt 2
follow weston-stopped screen stop_weston
follow weston-started screen start_weston --config="$WORK/idle.ini"
follow dpms-off black crtc_goes_off
follow dpms-on screen feed kbd "EV_KEY KEY_LEFTSHIFT 1" SYN "EV_KEY KEY_LEFTSHIFT 0" SYN
follow_check weston
ok "weston: a viewer stayed through a VT switch away and back, weston stopped and started, the screen blanked when idle and lit by a key; each new picture reached it (capture time after the screen showed it): $FOLLOW_DELAYS"
follow_said weston '^console switched from tty2 to tty1;console switched from tty1 to tty2;.*tty2 is a text console again;.*tty2 went into graphics mode;.*(went dark|was blanked by the display server);is lit again;'
kill "$CONTROLLER"
wait "$CONTROLLER" 2>/dev/null
stop_daemon
# Never idle-blanked from here: the bench below measures a lit desktop.
stop_weston
start_weston

# H.264 of the desktop with a terminal, not of an empty one.
start_terminal() {
	kmsgrab "$WORK/empty.png"
	weston-terminal --shell=/bin/bash >"$WORK/term.log" 2>&1 &
	wait_for 120 settled_from "$WORK/empty.png" || fail "weston-terminal did not come back: $(cat "$WORK/term.log")"
}
desktop_h264 weston start_terminal

kill -TERM "$WESTON"
wait "$WESTON" 2>/dev/null
