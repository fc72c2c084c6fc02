# SPDX-License-Identifier: MIT
# --cursor puts the arrow on the cursor plane where paint_cursor_pos says,
# and it moves with the animation.
# timeout: 150
. tests/vm/lib.sh

start_paint --mode 1024x768 --static --start 100 --cursor
"$B/tests/kms-query" /dev/dri/card0 Virtual-1 --planes >"$WORK/planes"
cat "$WORK/planes"
cur=$(grep 'type=cursor' "$WORK/planes") || fail "no cursor plane on the CRTC"
read -r x y < <("$B/tests/scene-tool" cursor 100 1024 768)
echo "$cur" | grep -q " crtc_x=$x crtc_y=$y crtc_w=64 crtc_h=64" || fail "cursor is not 64x64 at $x,$y: $cur"
echo "$cur" | grep -q ' fb=0 ' && fail "cursor plane has no framebuffer"
ok "cursor plane shows 64x64 at ($x,$y) for frame 100"
stop_paint
! "$B/tests/kms-query" /dev/dri/card0 Virtual-1 --planes | grep -q 'type=cursor' ||
	fail "cursor left on screen after exit"
ok "cursor removed on exit"

start_paint --mode 1024x768 --fps 10 --cursor
p1=$("$B/tests/kms-query" /dev/dri/card0 Virtual-1 --planes | grep type=cursor)
sleep 1
p2=$("$B/tests/kms-query" /dev/dri/card0 Virtual-1 --planes | grep type=cursor)
[ -n "$p1" ] && [ "$p1" != "$p2" ] || fail "cursor did not move: $p1 / $p2"
ok "cursor moves while animating"
stop_paint
