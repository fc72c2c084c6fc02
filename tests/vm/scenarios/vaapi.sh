# SPDX-License-Identifier: MIT
# The VA-API decisions on the real kernel: kmscastd --probe reports the
# card, its driver, VA-API and each codec's encoders; --encoder auto falls
# back to software with one log line naming VA-API and the probe's reason
# and streams; --encoder vaapi fails cleanly naming VA-API; the software
# path counts its CPU copies. The zero-copy hardware path runs only where
# the probe finds an encoder, and otherwise says in one line why not.
# timeout: 300
. tests/vm/lib.sh
T=$B/tests/scene-tool
mkdir -p "$WORK/d"
"$B/kmscast" id --config-dir "$WORK/c" | tail -1 >"$WORK/d/authorized-clients"

"$B/kmscastd" --probe >"$WORK/probe.out" 2>"$WORK/probe.err" || fail "--probe failed: $(cat "$WORK/probe.err")"
sed 's/^/    probe: /' "$WORK/probe.out"
drv=$(basename "$(readlink /sys/class/drm/card0/device/driver)")
grep -qx "card: /dev/dri/card0 (driver virtio_gpu)" "$WORK/probe.out" || fail "probe names no card/driver (kernel says $drv)"
render=$(ls /sys/class/drm/card0/device/drm | grep renderD)
grep -qx "render node: /dev/dri/$render" "$WORK/probe.out" || fail "probe names the wrong render node (want $render)"
grep -qE "^VA-API: " "$WORK/probe.out" || fail "probe has no VA-API line"
grep -qE "^h264: vaapi (yes|no \(.+\)); software yes \(libx264\)$" "$WORK/probe.out" || fail "probe h264 line"
grep -qE "^hevc: vaapi (yes|no \(.+\)); software yes \(libx265\)$" "$WORK/probe.out" || fail "probe hevc line"
grep -qE "^av1: vaapi no \(.+\); software no" "$WORK/probe.out" || fail "probe av1 line"
ok "--probe reports card0 (virtio_gpu), /dev/dri/$render, VA-API and three codecs"

start_paint --mode 640x480 --static --start 321
if grep -q "^h264: vaapi yes" "$WORK/probe.out"; then
	start_daemon d --codec h264 --encoder vaapi --fps 30 -v
	timeout 120 "$B/kmscast" --present none --config-dir "$WORK/c" --accept-new --snapshot "$WORK/va.png" \
		127.0.0.1:$PORT >"$WORK/va.out" 2>"$WORK/va.err" || fail "vaapi snapshot: $(cat "$WORK/va.err")"
	r=$($T psnr "$WORK/va.png" 321 38) || fail "vaapi snapshot: $r"
	stop_daemon
	grep -qE "frames sent \(0 copied by the CPU\)" "$DLOG" || fail "the VA-API path copied pixels"
	ok "VA-API h264: $r dB, 0 CPU copies"
else
	reason=$(sed -n 's/^h264: vaapi no (\(.*\)); software.*/\1/p' "$WORK/probe.out")
	echo "skip: VA-API hardware encode (zero-copy import, VPP, h264_vaapi): $reason"
fi

# auto: the probe's reason, in one line, then software streams.
start_daemon d --codec h264 --fps 30 -v
if ! grep -q "^h264: vaapi yes" "$WORK/probe.out"; then
	grep -qF "encoder auto: software h264 ($reason)" "$DLOG" ||
		fail "no fallback line with the probe's reason: $(grep encoder "$DLOG")"
	[ "$(grep -c 'encoder auto' "$DLOG")" = 1 ] || fail "the fallback was logged more than once"
	timeout 120 "$B/kmscast" --present none --config-dir "$WORK/c" --accept-new --snapshot "$WORK/sw.png" \
		127.0.0.1:$PORT >"$WORK/sw.out" 2>"$WORK/sw.err" || fail "software snapshot: $(cat "$WORK/sw.err")"
	r=$($T psnr "$WORK/sw.png" 321 38) || fail "software snapshot after fallback: $r"
	stop_daemon
	sent=$(grep -oE "[0-9]+ frames sent \([0-9]+ copied by the CPU\)" "$DLOG") ||
		fail "no per-stream copy count: $(grep 'frames sent' "$DLOG")"
	echo "$sent" | grep -qE "^([1-9][0-9]*) frames sent \(\1 copied" || fail "software copies miscounted: $sent"
	ok "auto fell back with one line naming VA-API and why, then streamed ($r dB; $sent)"

	"$B/kmscastd" --state-dir "$WORK/d" --listen 127.0.0.1:0 --codec h264 --encoder vaapi \
		>"$WORK/forced.out" 2>"$WORK/forced.err"
	rc=$?
	[ $rc = 1 ] || fail "--encoder vaapi without VA-API exited $rc"
	grep -qF "kmscastd: --encoder vaapi: $reason" "$WORK/forced.err" || fail "forced vaapi: $(cat "$WORK/forced.err")"
	! grep -q listening "$WORK/forced.err" || fail "forced vaapi listened anyway"
	ok "--encoder vaapi exits 1: $(grep kmscastd: "$WORK/forced.err")"
else
	stop_daemon
fi
"$B/kmscastd" --state-dir "$WORK/d" --listen 127.0.0.1:0 --codec lossless --encoder vaapi \
	>"$WORK/ll.out" 2>"$WORK/ll.err"
rc=$?
[ $rc = 1 ] && grep -qF "kmscastd: --encoder vaapi: VA-API has no lossless mode" "$WORK/ll.err" ||
	fail "lossless with --encoder vaapi: exit $rc, $(cat "$WORK/ll.err")"
ok "--codec lossless --encoder vaapi is refused naming VA-API"
stop_paint
