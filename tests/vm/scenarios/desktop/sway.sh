# SPDX-License-Identifier: MIT
# sway (wlroots), started as a distribution starts it: as a user (sway
# refuses root) whose seat comes from seatd, software rendering
# (WLR_RENDERER=pixman), udev running; foot as its terminal. kmscastd runs
# as the unit starts it. The checks are weston.sh's; sway puts the
# application's cursor on the cursor plane, so it would arrive as cursor
# messages when it can; here it falls back to drawing it in software and
# draws none, and the checks hold kmscast to kmsgrab's picture of that.
# A viewer then stays through DPMS off and on, a VT switch away and back,
# and sway stopped and started; last, the desktop's bench rows.
# timeout: 600
. tests/vm/lib.sh
vm_udev_start
# A desktop user, as on a lab PC: in group video for seatd's socket. No
# logind runs here: kmscastd is told whose session agent to admit.
id kdesk >/dev/null 2>&1 || useradd -m -s /bin/bash -G video kdesk || fail "cannot add user kdesk"
desktop_daemon --agent-user kdesk --listen :7300 # the browser: the forwarded port
uid=$(id -u kdesk)
export XDG_RUNTIME_DIR=/run/user/$uid
mkdir -p -m 700 "$XDG_RUNTIME_DIR" && chown kdesk: "$XDG_RUNTIME_DIR"
seatd -g video >"$WORK/seatd.log" 2>&1 &
SEATD=$!
wait_for 30 test -S /run/seatd.sock || fail "seatd did not start: $(cat "$WORK/seatd.log")"
# No bar, no clock: a still desktop is still. foot is the terminal.
cat >"$WORK/sway.config" <<'CONF'
default_border none
exec foot
CONF
chmod 644 "$WORK/sway.config"
as_kdesk() {
	setpriv --reuid kdesk --regid kdesk --init-groups env HOME=/home/kdesk XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" \
		LIBSEAT_BACKEND=seatd WLR_RENDERER=pixman "$@"
}
# The text consoles' blinking cursors would keep them from holding still.
printf '\033[?25l' >/dev/tty1
printf '\033[?25l' >/dev/tty2
# start_sway: sway on the VT in front, with foot.
start_sway() {
	kmsgrab "$WORK/console.png"
	# (with a WAYLAND_DISPLAY, wlroots would run nested in it)
	unset WAYLAND_DISPLAY
	as_kdesk sway -c "$WORK/sway.config" >"$WORK/sway.log" 2>&1 &
	SWAY=$!
	wait_for 120 eval 'ls "$XDG_RUNTIME_DIR" | grep -q "^wayland-[0-9]*$"' ||
		fail "sway did not come up: $(tail -20 "$WORK/sway.log")"
	export WAYLAND_DISPLAY=$(ls "$XDG_RUNTIME_DIR" | grep -m1 '^wayland-[0-9]*$')
	wait_for 120 settled_from "$WORK/console.png" || fail "sway showed nothing: $(tail -20 "$WORK/sway.log")"
	wait_for 60 pgrep -u kdesk -x foot >/dev/null || fail "foot did not start: $(tail -20 "$WORK/sway.log")"
}
# (SWAY is the subshell that runs as_kdesk: the signal goes to sway.)
stop_sway() {
	pkill -TERM -u kdesk -x sway
	wait_for 60 eval '! pgrep -u kdesk -x sway >/dev/null' || fail "sway did not stop"
	wait "$SWAY" 2>/dev/null
	return 0
}
# swaymsg_to CMD: one command through sway's IPC socket.
swaymsg_to() {
	as_kdesk swaymsg -s "$(ls "$XDG_RUNTIME_DIR"/sway-ipc.*.sock | head -1)" "$1" >/dev/null
}
start_sway
ok "sway (seatd, pixman) shows foot"

# The clipboard, through the session agent (as kdesk) and wlr-data-control;
# wl-copy and wl-paste are the desktop's applications.
desktop_agent sway wlr-data-control as_kdesk
HOST_SET="as_kdesk wl-copy" HOST_GET="as_kdesk wl-paste -n"
desktop_clipboard sway
desktop_browser_clipboard sway
kill "$AGENT"
pkill -u kdesk -x wl-copy

desktop_lossless_equals sway
cp "$WORK/client.png" "$OUT/sway-lossless.png"
desktop_burst sway /tmp/kmscast-burst
desktop_controller
desktop_typing sway
kmsgrab "$OUT/sway-typed.png"
pkill -u kdesk -x foot
# wlroots 0.15 finds no cursor format with the pixman renderer on
# virtio-gpu ("Failed to pick cursor format"), falls back to a software
# cursor and, with pixman, draws none (kernel-notes/desktops.md).
DESKTOP_NO_CURSOR="sway with pixman draws none on virtio-gpu" desktop_click sway 1280 800
kill "$CONTROLLER"
wait "$CONTROLLER" 2>/dev/null

# What sway does to the screen, followed by a viewer that stays: DPMS off
# and on (swaymsg), a VT switch away and back (seatd hands the seat over),
# sway stopped and started again (which brings back foot).
kmsgrab "$WORK/empty.png"
as_kdesk foot >"$WORK/foot.log" 2>&1 &
wait_for 120 settled_from "$WORK/empty.png" || fail "foot did not come back: $(cat "$WORK/foot.log")"
follow_start
follow dpms-off black swaymsg_to 'output * dpms off'
follow dpms-on screen swaymsg_to 'output * dpms on'
follow vt-away screen timeout 30 chvt 2
follow vt-back screen timeout 30 chvt 1
follow sway-stopped screen stop_sway
follow sway-started screen start_sway
follow_check sway
ok "sway: a viewer stayed through DPMS off and on, a VT switch away and back, sway stopped and started; each new picture reached it (capture time after the screen showed it): $FOLLOW_DELAYS"
follow_said sway '^(went dark|was blanked by the display server);is lit again;console switched from tty1 to tty2;console switched from tty2 to tty1;(.*;)?tty1 is a text console again;(.*;)?tty1 went into graphics mode;'
stop_daemon

# H.264 of the desktop with its terminal (sway's own, started again above).
desktop_h264 sway

stop_sway
kill -TERM "$SEATD"
wait "$SEATD" 2>/dev/null
