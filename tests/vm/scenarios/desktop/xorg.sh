# SPDX-License-Identifier: MIT
# Xorg with the modesetting driver and libinput (an X11 desktop like the
# seeds' MATE), twm as the window manager and xterm, started as root on a
# VT with udev running; kmscastd as the unit starts it. The checks are
# weston.sh's; xev reports where clicks land (root coordinates), and
# modesetting puts the cursor on the cursor plane: the client receives the
# plane's image, and its place follows the pointer.
# timeout: 600
. tests/vm/lib.sh
vm_udev_start
# Where no logind runs, the agent's user is named (Xorg runs as root here).
desktop_daemon --agent-user root --listen :7300 # the browser: the forwarded port

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

# The clipboard, through the session agent's XFixes backend.
desktop_agent xorg x11-xfixes
HOST_SET="xclip -i -selection clipboard" HOST_GET="xclip -o -selection clipboard"
desktop_clipboard xorg
desktop_browser_clipboard xorg
kill "$AGENT"

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
# What kmscast's pointer gives the display server, read beside it.
"$B/tests/evdev-tool" read "kmscast absolute pointer" --ready "$WORK/abs.ready" --share >"$WORK/abs.events" 2>&1 &
wait_for 30 test -e "$WORK/abs.ready"
xev -geometry 1280x800+0+0 -event mouse >"$WORK/xev.out" 2>&1 &
XEV=$!
wait_for 60 eval 'xwininfo -root -tree | grep -q "Event Tester"' || fail "xev did not map: $(cat "$WORK/xev.out")"
sleep 1
# input_trail: where input went, for a failure's message.
input_trail() {
	echo "xev: $(grep -E 'root:|^Button' "$WORK/xev.out" | tail -3 | tr '\n' ';')"
	echo "the pointer's events: $(tail -8 "$WORK/abs.events" | tr '\n' ';')"
	echo "the client: $(grep -v '^grep' "$WORK/a.err" | tail -4 | tr '\n' ';')"
	echo "the daemon: $(grep -E 'input|control|joins|leaves' "$DLOG" | tail -6 | tr '\n' ';')"
	echo "Xorg: $(grep -E 'kmscast|thin' "$WORK/Xorg.log" | tail -6 | tr '\n' ';')"
}
# x_saw WHAT PATTERN FRAME CMD...: CMD's input must reach kmscast's
# device as FRAME exactly (kmscast's part), and X's client must report
# PATTERN (Xorg's part).
x_saw() {
	local what=$1 pattern=$2 frame=$3
	shift 3
	"$@"
	wait_for 30 eval "tail -4 '$WORK/abs.events' | tr '\n' ';' | grep -qF '$frame'" ||
		fail "xorg: $what: kmscast's pointer did not get $frame; $(input_trail)"
	wait_for 30 eval "$pattern" || { cp "$WORK/Xorg.log" "$OUT/"; fail "xorg: $what; $(input_trail)"; }
}
for xy in "400,300" "1234,567"; do
	x=${xy%,*} y=${xy#*,}
	x_saw "aimed at $xy" "grep -q 'root:($xy)' '$WORK/xev.out'" \
		"EV_ABS ABS_X $((2 * x + 1));EV_ABS ABS_Y $((2 * y + 1));SYN;" tablet_at $x $y 1280 800
	x_saw "clicked at $xy" "grep -A3 '^ButtonRelease' '$WORK/xev.out' | grep -q 'root:($xy)'" \
		"EV_KEY BTN_LEFT 1;SYN;EV_KEY BTN_LEFT 0;SYN;" feed tab "EV_KEY BTN_LEFT 1" SYN "EV_KEY BTN_LEFT 0" SYN
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

# What Xorg does to the screen, followed by a viewer that stays: DPMS off
# and on, a VT switch away and back, Xorg stopped and started again (which
# brings back the terminal for H.264 below).
stop_x() {
	kill -TERM "$XORG"
	wait "$XORG" 2>/dev/null
	return 0
}
printf '\033[?25l' >/dev/tty3 # the text console Xorg may leave behind
# A terminal on the screen: an empty root window is black already.
kmsgrab "$WORK/empty.png"
xterm -geometry 100x30+0+0 -e bash >"$WORK/xterm.log" 2>&1 &
wait_for 120 settled_from "$WORK/empty.png" || fail "xterm did not come back: $(cat "$WORK/xterm.log")"
# dpms_off, dpms_on: xset; kmscast-grab --list marks the CRTC blanked
# exactly while it is (once X has done it: xset does not wait).
crtc_listed() { # BLANKED (true|false)
	local line=" blanked (DPMS off: the mode is kept, nothing is lit)"
	[ "$1" = true ] || line=
	"$B/kmscast-grab" --list | grep -qx "  crtc [0-9]* 1280x800@[0-9]* fb [1-9][0-9]*$line" &&
		"$B/kmscast-grab" --list --json | grep -q "\"active\":true,\"blanked\":$1,\"mode\":\"1280x800@"
}
dpms_off() {
	xset dpms force off
	wait_for 10 crtc_listed true || fail "xorg: kmscast-grab --list does not say the CRTC is blanked: $("$B/kmscast-grab" --list)"
}
dpms_on() {
	xset dpms force on
	wait_for 10 crtc_listed false || fail "xorg: kmscast-grab --list: $("$B/kmscast-grab" --list)"
}
follow_start
follow dpms-off black dpms_off
follow dpms-on screen dpms_on
follow vt-away screen chvt 1
follow vt-back screen chvt 3
follow xorg-stopped screen stop_x
follow xorg-started screen start_x
follow_check xorg
ok "xorg: a viewer stayed through DPMS off and on, a VT switch away and back, Xorg stopped and started; each new picture reached it (capture time after the screen showed it): $FOLLOW_DELAYS"
# In order. Xorg, stopped, goes back to the VT that was in front when it
# started: another (tty1 after boot) or tty3 itself, left in text mode.
# Xorg, leaving, may take its buffer off the plane before the console has
# the screen: kmscastd may see that moment ("went dark", "is lit again").
follow_said xorg '^was blanked by the display server;is lit again;console switched from tty3 to tty1;console switched from tty1 to tty3;(went dark;(is lit again;)?)?(console switched from tty3 to tty[0-9]+|tty3 is a text console again);(went dark;(is lit again;)?)?(console switched from tty[0-9]+ to tty3|tty3 went into graphics mode);'

stop_daemon

# H.264 of the desktop with its terminal (start_x's), not of an empty root
# window. The bench types into it: twm gives it the keyboard once the
# pointer is over it, and the pointer kmscastd makes anew may reach Xorg
# (hot-added through udev) after a first move: aimed until X says so, at
# two places in turn (a value that did not change is not sent again).
aim_xterm() {
	local i x
	for i in 1 2 3 4 5 6 7 8 9 10; do
		x=$((100 + i % 2))
		tablet_at $x $x 1280 800
		sleep 1
		xdotool getmouselocation | grep -q "^x:$x y:$x " && return 0
	done
	fail "xorg: the pointer never reached the terminal: $(xdotool getmouselocation)"
}
DESKTOP_AIM=aim_xterm desktop_h264 xorg

kill -TERM "$XORG"
wait "$XORG" 2>/dev/null
