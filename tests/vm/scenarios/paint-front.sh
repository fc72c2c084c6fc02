# SPDX-License-Identifier: MIT
# --front redraws the one scanned-out buffer: the CRTC's fb id never changes
# while the screen moves on through complete reference frames.
# timeout: 150
. tests/vm/lib.sh

start_paint --mode 1024x768 --front --fps 10
fb1=$(kms_field Virtual-1 fb)
a=$("$B/tests/scene-tool" compare "$(host_screendump front1)" XRGB8888) || fail "screenshot is not a reference frame: $a"
sleep 1
b=$("$B/tests/scene-tool" compare "$(host_screendump front2)" XRGB8888) || fail "screenshot is not a reference frame: $b"
fb2=$(kms_field Virtual-1 fb)
[ "$fb1" = "$fb2" ] && [ "$fb1" != 0 ] || fail "fb changed under --front: $fb1 -> $fb2"
[ "$a" != "$b" ] || fail "the screen did not change: $a"
ok "fb $fb1 throughout while the screen went from ${a%% *} to ${b%% *}"
stop_paint
