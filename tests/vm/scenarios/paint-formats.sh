# SPDX-License-Identifier: MIT
# Every --format: either it is on screen exactly as the reference frame
# quantized to that format, or kmscast-paint refuses it naming the format and
# what the primary plane supports. XRGB8888 must work everywhere.
# timeout: 240
. tests/vm/lib.sh

shown=0
for f in XRGB8888 ARGB8888 XBGR8888 ABGR8888 RGB565 XRGB2101010; do
	"$B/kmscast-paint" --mode 640x480 --static --start 77 --format $f >"$WORK/f.out" 2>"$WORK/f.err" &
	pid=$!
	wait_for 60 eval 'grep -qx ready "$WORK/f.out" || ! kill -0 $pid 2>/dev/null'
	if grep -qx ready "$WORK/f.out"; then
		r=$("$B/tests/scene-tool" compare "$(host_screendump fmt-$f)" $f 77) ||
			fail "$f on screen is not reference frame 77: $r"
		kill -TERM $pid
		wait $pid || fail "kmscast-paint --format $f did not exit 0"
		ok "$f: on screen, pixel-exact ($r)"
		shown=$((shown + 1))
	else
		wait $pid
		rc=$?
		[ $rc -eq 1 ] || fail "$f refused with exit $rc, not 1"
		grep -q "format $f is not supported by the primary plane of Virtual-1 on /dev/dri/card0 (supported: .*XRGB8888" "$WORK/f.err" ||
			{ cat "$WORK/f.err"; fail "$f refused without the expected message"; }
		ok "$f: refused: $(cat "$WORK/f.err")"
	fi
done
[ $shown -ge 1 ] || fail "no format could be shown"
