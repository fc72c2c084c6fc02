# SPDX-License-Identifier: MIT
# Xorg with the modesetting driver and libinput (an X11 desktop like the
# seeds' MATE), twm as the window manager and xterm, started as root on a
# VT with udev running; kmscastd as the unit starts it. The checks are
# weston.sh's; xev reports where clicks land (root coordinates), and
# modesetting puts the cursor on the cursor plane: the client receives the
# plane's image, and its place follows the pointer.
# timeout: 480
. tests/vm/lib.sh
vm_udev_start
desktop_daemon

cat >"$WORK/twmrc" <<'CONF'
RandomPlacement
UsePPosition "on"
NoTitle
CONF
# fbcon's blinking cursor would keep the text console from holding still.
printf '\033[?25l' >/dev/tty1
export DISPLAY=:1
# start_x: Xorg on VT 3, twm, and xterm where the pointer will give it focus.
start_x() {
	kmsgrab "$WORK/console.png"
	/usr/lib/xorg/Xorg :1 vt3 -nolisten tcp -noreset -logfile "$WORK/Xorg.log" >"$WORK/xorg.out" 2>&1 &
	XORG=$!
	wait_for 120 xdpyinfo >/dev/null 2>&1 || fail "Xorg did not come up: $(tail -20 "$WORK/Xorg.log")"
	grep -q "modeset(0)" "$WORK/Xorg.log" ||
		fail "Xorg did not take the modesetting driver: $(grep -E '\(EE\)' "$WORK/Xorg.log")"
	twm -f "$WORK/twmrc" >"$WORK/twm.log" 2>&1 &
	xterm -geometry 100x30+0+0 -e bash >"$WORK/xterm.log" 2>&1 &
	TERMINAL=$!
	wait_for 120 settled_from "$WORK/console.png" || fail "Xorg showed nothing: $(tail -20 "$WORK/Xorg.log")"
	wait_for 60 eval 'xwininfo -root -tree | grep -q "\"xterm\""' || fail "xterm did not map: $(cat "$WORK/xterm.log")"
}
start_x
grep -q "kmscast keyboard" "$WORK/Xorg.log" || fail "Xorg's libinput did not take kmscast's keyboard"
ok "Xorg (modesetting, libinput) shows twm and xterm; it took kmscast's devices through udev"

desktop_lossless_equals xorg
cp "$WORK/client.png" "$OUT/xorg-lossless.png"
desktop_controller
# The pointer over the terminal, so that twm gives it the keyboard.
tablet_at 100 100 1280 800
sleep 1
desktop_typing xorg
kill "$CONTROLLER"
wait "$CONTROLLER" 2>/dev/null
desktop_burst xorg /tmp/kmscast-burst
kmsgrab "$OUT/xorg-typed.png"
kill "$TERMINAL"

# xev in a window over the whole screen: ButtonPress and MotionNotify
# carry root coordinates.
desktop_controller
xev -geometry 1280x800+0+0 -event mouse >"$WORK/xev.out" 2>&1 &
XEV=$!
wait_for 60 eval 'xwininfo -root -tree | grep -q "Event Tester"' || fail "xev did not map: $(cat "$WORK/xev.out")"
sleep 1
for xy in "400,300" "1234,567"; do
	tablet_at ${xy%,*} ${xy#*,} 1280 800
	wait_for 30 grep -q "root:($xy)" "$WORK/xev.out" || fail "xorg: aimed at $xy, xev saw: $(grep root: "$WORK/xev.out" | tail -2)"
	feed tab "EV_KEY BTN_LEFT 1" SYN "EV_KEY BTN_LEFT 0" SYN
	wait_for 30 eval "grep -A3 '^ButtonRelease' '$WORK/xev.out' | grep -q 'root:($xy)'" ||
		fail "xorg: clicked at $xy, xev saw: $(grep -A3 '^Button' "$WORK/xev.out" | tail -4)"
	# The cursor plane follows: the client's cursor is the plane's.
	"$B/kmscast-grab" --list >"$WORK/planes.txt"
	plane=$(awk '$1 == "plane" && $3 == "cursor" && $4 == "crtc" { print $2 }' "$WORK/planes.txt")
	[ -n "$plane" ] || fail "xorg: no cursor plane in use: $(cat "$WORK/planes.txt")"
	at=$(awk -v p="$plane" '$1 == "plane" && $2 == p { for (i = 1; i < NF; i++) if ($i == "at") print $(i + 1) }' "$WORK/planes.txt")
	desktop_snapshot "$WORK/cur.png" --cursor-raw "$WORK/cursor.raw"
	"$B/kmscast-grab" --plane "$plane" --raw "$WORK/plane.raw" || fail "cannot dump cursor plane $plane"
	cmp -s "$WORK/cursor.raw" "$WORK/plane.raw" || fail "xorg: the client's cursor image is not the plane's"
	grep -qx "cursor 64x64 at $at hotspot 0,0 visible" "$WORK/v.out" ||
		fail "xorg: the client's cursor: $(grep ^cursor "$WORK/v.out"), the plane at $at"
	echo "$xy plane at $at" >>"$WORK/cursor-places"
done
ok "xorg: absolute clicks landed on the pixels aimed at (400,300 and 1234,567)"
# 834,267 apart, as the pointer moved.
awk -F'[ ,]' 'NR == 1 { x = $5; y = $6 } NR == 2 { exit !($5 - x == 834 && $6 - y == 267) }' \
	"$WORK/cursor-places" || fail "xorg: the cursor plane did not follow the pointer: $(cat "$WORK/cursor-places")"
ok "xorg: the cursor is on the cursor plane; the client received its image and place, which followed the pointer ($(tr '\n' ';' <"$WORK/cursor-places"))"
kill "$XEV" "$CONTROLLER"
wait "$CONTROLLER" 2>/dev/null

stop_daemon

# H.264 of the desktop with its terminal, not of an empty root window.
kmsgrab "$WORK/empty.png"
xterm -geometry 100x30+0+0 -e bash >"$WORK/xterm.log" 2>&1 &
wait_for 120 settled_from "$WORK/empty.png" || fail "xterm did not come back: $(cat "$WORK/xterm.log")"
desktop_h264 xorg

kill -TERM "$XORG"
wait "$XORG" 2>/dev/null
