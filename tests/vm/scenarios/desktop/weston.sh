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
# draws itself is in the video where the pointer is.
# timeout: 480
. tests/vm/lib.sh
vm_udev_start
desktop_daemon

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
kill "$CONTROLLER"
wait "$CONTROLLER" 2>/dev/null
stop_daemon

desktop_h264 weston

kill -TERM "$WESTON"
wait "$WESTON" 2>/dev/null
