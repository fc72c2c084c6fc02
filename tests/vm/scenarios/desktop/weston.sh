# SPDX-License-Identifier: MIT
# weston, a display server nobody here wrote, on the guest's virtio-gpu:
# started as a distribution's user would start it by hand (as root through
# its direct launcher, the drm backend, pixman rendering, udev running so
# libinput finds devices as they appear), with weston-terminal. kmscastd
# runs as the unit starts it (root, sandboxed: streamer and capture helper
# as their own users). A lossless frame equals FFmpeg kmsgrab's of the same
# still desktop pixel for pixel, and H.264 reaches 38 dB against it.
# (Typing into the terminal waits for paced injection: a burst of more
# than 64 events overflows the evdev buffer of a display server that is
# slow to read, see kernel-notes/desktops.md.)
# timeout: 420
. tests/vm/lib.sh
vm_udev_start
mkdir -p "$WORK/d"
"$B/kmscast" id --config-dir "$WORK/a" | tail -1 >>"$WORK/d/authorized-clients"
# First: weston will not start without an input device, and kmscastd's
# keyboard and mouse are the guest's only ones besides the PS/2 keyboard.
start_daemon d --codec lossless --fps 10
udevadm settle -t 30

export XDG_RUNTIME_DIR=/run/user/0
mkdir -p -m 700 "$XDG_RUNTIME_DIR"
weston --tty=2 --backend=drm-backend.so --use-pixman --log="$WORK/weston.log" &
WESTON=$!
wait_for 120 eval 'ls "$XDG_RUNTIME_DIR" | grep -q "^wayland-[0-9]*$"' ||
	fail "weston did not come up: $(tail -20 "$WORK/weston.log")"
export WAYLAND_DISPLAY=$(ls "$XDG_RUNTIME_DIR" | grep -m1 '^wayland-[0-9]*$')
grep -q "event1  - kmscast keyboard: device is a keyboard" "$WORK/weston.log" ||
	fail "weston's libinput did not take kmscast's keyboard: $(cat "$WORK/weston.log")"
kmsgrab "$WORK/desktop.png"
weston-terminal --shell=/bin/bash >"$WORK/term.log" 2>&1 &
# The terminal is up when the screen changed and then held still.
shown() {
	kmsgrab "$WORK/now.png"
	local now
	now=$(pixels "$WORK/now.png")
	[ "$now" != "$(pixels "$WORK/desktop.png")" ] && [ "$now" = "${LAST:-}" ] && return 0
	LAST=$now
	return 1
}
wait_for 120 shown || fail "weston-terminal did not appear: $(cat "$WORK/term.log")"
ok "weston (drm backend, pixman) shows weston-terminal; its libinput took kmscast's devices through udev"

still_frame_equals "$WORK/client.png" "lossless on weston" \
	"$B/kmscast" --config-dir "$WORK/a" --accept-new --snapshot "$WORK/client.png" 127.0.0.1:$PORT
cp "$WORK/client.png" "$OUT/weston-lossless.png"
ok "a lossless frame of weston's desktop equals kmsgrab's pixel for pixel ($(pixels "$WORK/client.png"))"

stop_daemon

# H.264 of the same desktop, at least 38 dB against kmsgrab's frame.
mkdir -p "$WORK/h"
cp "$WORK/d/authorized-clients" "$WORK/h/"
start_daemon h --codec h264 --fps 10
kmsgrab "$WORK/h-grab.png"
"$B/kmscast" --config-dir "$WORK/a" --accept-new --snapshot "$WORK/h264.png" 127.0.0.1:$PORT \
	>"$WORK/h.out" 2>"$WORK/h.err" || fail "the H.264 client: $(cat "$WORK/h.err")"
db=$(psnr "$WORK/h-grab.png" "$WORK/h264.png")
awk -v d="$db" 'BEGIN { exit !(d == "inf" || d >= 38) }' || fail "H.264 of weston's desktop: $db dB"
ok "H.264 of weston's desktop: $db dB against kmsgrab's frame"
stop_daemon

kill -TERM "$WESTON"
wait "$WESTON" 2>/dev/null
