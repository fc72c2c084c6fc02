# kmscast --present kms on the second GPU shows what kmscastd streams from
# the first: card1's scanout, read back with kmscast-grab, is the reference
# frame (pixel-exact at the same size with lossless, PSNR >= 38 dB with
# h264, letterboxed with black bars when the mode's aspect differs), and on
# SIGTERM the kiosk gives the display back.
# timeout: 500
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
unkiosk() {
	kill -TERM $KPID
	wait $KPID
	local rc=$?
	[ $rc -eq 0 ] || fail "the kiosk exited $rc on SIGTERM: $(tail -3 "$WORK/k.err")"
}
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
expect_error 1 "mode 333x333: $c1 offers" "$B/kmscast" --config-dir "$WORK/a" --view-only \
	--present kms --device /dev/dri/card1 --mode 333x333 127.0.0.1:$PORT
stop_daemon
stop_paint
