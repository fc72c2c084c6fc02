# SPDX-License-Identifier: MIT
# kmscast --present kms on the second GPU shows what kmscastd streams from
# the first: card1's scanout, read back with kmscast-grab, is the reference
# frame (pixel-exact at the same size with lossless, PSNR >= 38 dB with
# h264, letterboxed with black bars when the mode's aspect differs), and on
# SIGTERM the kiosk gives the display back; a VT switch releases and
# retakes it; a stream that changes size is followed.
# timeout: 900
. tests/vm/lib.sh
T=$B/tests/scene-tool
mkdir -p "$WORK/d"
"$B/kmscast" id --config-dir "$WORK/a" | tail -1 >"$WORK/d/authorized-clients"
c1=$(ls /sys/class/drm | sed -n 's/^card1-//p' | sort -t- -k2 -n | head -1)
grab() { "$B/kmscast-grab" --device /dev/dri/card1 --output "$c1" -o "$WORK/screen.png" >/dev/null 2>&1; }
exact() { grab && "$T" compare "$WORK/screen.png" XRGB8888 "$1" >/dev/null; }
close_enough() { grab && "$T" psnr "$WORK/screen.png" "$@" >"$WORK/psnr.txt"; }
# kiosk ARGS...: kmscast --present kms on card1 (view-only: this is about the display).
kiosk() {
	"$B/kmscast" --config-dir "$WORK/a" --accept-new -v --view-only --present kms \
		--device /dev/dri/card1 "$@" 127.0.0.1:$PORT >"$WORK/k.out" 2>"$WORK/k.err" &
	KPID=$!
	wait_for 60 grep -q "showing on /dev/dri/card1 $c1" "$WORK/k.err" || fail "kiosk: $(cat "$WORK/k.err")"
}
unkiosk() { term_exits_0 $KPID "the kiosk" "$WORK/k.err"; }
before=$(KMS_CARD=/dev/dri/card1 kms_field "$c1" fb)

start_paint --device /dev/dri/card0 --mode 640x480 --static --start 2024
start_daemon d --device /dev/dri/card0 --codec lossless --fps 10 --no-input
kiosk --mode 640x480
wait_for 60 exact 2024 || fail "card1 does not show frame 2024: $("$T" compare "$WORK/screen.png" XRGB8888 2024)"
ok "lossless, same size: card1 ($c1, 640x480) scans out frame 2024 pixel for pixel"
during=$(KMS_CARD=/dev/dri/card1 kms_field "$c1" fb)
unkiosk
after=$(KMS_CARD=/dev/dri/card1 kms_field "$c1" fb)
# Unlit before; on the last master's exit the kernel puts its fbdev console
# buffer back (drm_fb_helper), so "given back" means: not ours any more.
[ "$after" != "$during" ] || fail "card1 still scans out the kiosk's fb $during"
! grep -q "connection to .* lost" "$WORK/k.err" || fail "the kiosk reported a lost connection on SIGTERM"
ok "SIGTERM: exit 0, card1's $c1 released (fb $before before, the kiosk's $during, then the kernel's $after)"

# 640x480 (4:3) on a 1360x768 (16:9) mode: pillarboxed, 1024x768 at x 168.
kiosk --mode 1360x768
wait_for 60 close_enough 2024 38 640x480 || fail "pillarbox: $(cat "$WORK/psnr.txt")"
grep -q "picture=1024x768+168+0 bars=0" "$WORK/psnr.txt" || fail "pillarbox: $(cat "$WORK/psnr.txt")"
ok "640x480 on 1360x768: $(cat "$WORK/psnr.txt") (black bars, picture scaled)"
unkiosk

# VT switching: switched away, the kiosk lets card1 go (another master
# shows its own frame there); back, it takes card1 again with its picture.
timeout 30 busybox chvt 1 || fail "cannot switch to VT 1"
kiosk --mode 640x480 --vt /dev/tty1
wait_for 60 exact 2024 || fail "vt: card1 does not show frame 2024"
vtfb=$(KMS_CARD=/dev/dri/card1 kms_field "$c1" fb)
timeout 30 busybox chvt 2 || fail "the switch to VT 2 did not finish (the kiosk did not release it?)"
wait_for 30 grep -q "switched to another VT: /dev/dri/card1 released" "$WORK/k.err" ||
	fail "the kiosk did not release card1: $(tail -3 "$WORK/k.err")"
"$B/kmscast-paint" --device /dev/dri/card1 --output "$c1" --mode 640x480 --static --start 99 \
	>"$WORK/p2.out" 2>"$WORK/p2.err" &
P2=$!
wait_for 60 grep -qx ready "$WORK/p2.out" || fail "another master cannot have card1: $(cat "$WORK/p2.err")"
exact 99 || fail "card1 does not show the other master's frame 99"
kill -TERM $P2
wait $P2 || fail "the other master exited $?"
timeout 30 busybox chvt 1 || fail "cannot switch back to VT 1"
wait_for 30 grep -q "back on our VT: showing on /dev/dri/card1 again" "$WORK/k.err" ||
	fail "the kiosk did not come back: $(tail -3 "$WORK/k.err")"
# The switch also gave card0 to the console (kmscast-paint takes no part
# in VT switching), so the stream became the console; paint 2024 again.
stop_paint
start_paint --device /dev/dri/card0 --mode 640x480 --static --start 2024
wait_for 60 exact 2024 || fail "back on VT 1, card1 does not show frame 2024 again: fb $(KMS_CARD=/dev/dri/card1 kms_field "$c1" fb) (the kiosk's was $vtfb); $("$T" compare "$WORK/screen.png" XRGB8888 2024 2>&1 | head -3); $(tail -4 "$WORK/k.err")"
ok "VT 1 -> 2: card1 released (another master showed frame 99 on it); VT 2 -> 1: frame 2024 again"
unkiosk

# The stream changes size (the captured screen goes from 640x480 to
# 1024x768): the kiosk, without --mode, follows with the matching mode.
# (The last kiosk's exit put VT 1 back in text mode: the console took card0.)
stop_paint
start_paint --device /dev/dri/card0 --mode 640x480 --static --start 2024
kiosk
grep -q "showing on /dev/dri/card1 $c1 at 640x480" "$WORK/k.err" || fail "mode: $(cat "$WORK/k.err")"
wait_for 60 exact 2024 || fail "card1 does not show frame 2024 at 640x480"
stop_paint
start_paint --device /dev/dri/card0 --mode 1024x768 --static --start 55
wait_for 90 grep -q "showing on /dev/dri/card1 $c1 at 1024x768" "$WORK/k.err" ||
	fail "the kiosk did not follow: $(tail -5 "$WORK/k.err")"
wait_for 60 exact 55 || fail "card1 does not show frame 55 at 1024x768"
ok "the stream went 640x480 -> 1024x768: card1 followed to 1024x768 and shows frame 55 exactly"
unkiosk
stop_daemon
stop_paint

# h264, same size, and no --mode: the stream's size is chosen because card1 offers it.
start_paint --device /dev/dri/card0 --mode 1024x768 --static --start 777
start_daemon d --device /dev/dri/card0 --codec h264 --fps 10 --no-input
kiosk
grep -q "showing on /dev/dri/card1 $c1 at 1024x768" "$WORK/k.err" || fail "mode: $(cat "$WORK/k.err")"
wait_for 90 close_enough 777 38 || fail "h264: $(cat "$WORK/psnr.txt")"
ok "h264 at the stream's own size (1024x768): $(cat "$WORK/psnr.txt")"
unkiosk

# kmscast HOST on a text console, with no --present: the kiosk, on the first
# free card (card0 is kmscast-paint's, so card1).
"$B/kmscast" --config-dir "$WORK/a" --accept-new -v --view-only 127.0.0.1:$PORT </dev/tty1 \
	>"$WORK/k.out" 2>"$WORK/k.err" &
KPID=$!
wait_for 60 grep -q "showing on /dev/dri/card1 $c1" "$WORK/k.err" || fail "kmscast HOST on a console: $(cat "$WORK/k.err")"
grep -q "showing the stream on this console's display (a text console with a free card" "$WORK/k.err" ||
	fail "the choice was not said: $(cat "$WORK/k.err")"
wait_for 90 close_enough 777 38 || fail "kmscast HOST on a console: $(cat "$WORK/psnr.txt")"
unkiosk
ok "kmscast HOST on a text console shows the host on the free card1: $(cat "$WORK/psnr.txt")"
expect_error 1 "mode 333x333: $c1 offers" "$B/kmscast" --config-dir "$WORK/a" --view-only \
	--present kms --device /dev/dri/card1 --mode 333x333 127.0.0.1:$PORT
stop_daemon
stop_paint
