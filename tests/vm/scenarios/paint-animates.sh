# SPDX-License-Identifier: MIT
# Flipping between two buffers: the fb on the CRTC alternates, host
# screenshots are complete reference frames with k increasing, -v reports
# consecutive frames, and --frames N exits by itself after frames 0..N-1.
# timeout: 180
. tests/vm/lib.sh

start_paint --output Virtual-1 --mode 800x600 --fps 10 -v
fbs=""
for i in $(seq 40); do
	fbs="$fbs $(kms_field Virtual-1 fb)"
	[ "$(echo $fbs | tr ' ' '\n' | sort -u | wc -l)" -ge 2 ] && break
	sleep 0.1
done
[ "$(echo $fbs | tr ' ' '\n' | sort -u | wc -l)" -eq 2 ] || fail "expected two alternating framebuffers, saw:$fbs"
ok "the CRTC flips between two framebuffers:$(echo $fbs | tr ' ' '\n' | sort -u | tr '\n' ' ')"
[ "$(kms_field Virtual-1 mode)" = 800x600 ] || fail "mode is not 800x600"
a=$("$B/tests/scene-tool" compare "$(host_screendump anim1)" XRGB8888) || fail "first screenshot is not a reference frame: $a"
sleep 1
b=$("$B/tests/scene-tool" compare "$(host_screendump anim2)" XRGB8888) || fail "second screenshot is not a reference frame: $b"
ka=${a#k=}; ka=${ka%% *}; kb=${b#k=}; kb=${kb%% *}
[ "$kb" -gt "$ka" ] || fail "k did not advance: $ka then $kb"
ok "screenshots are exact reference frames $ka then $kb"
stop_paint
# -v prints "frame K fb N" per frame shown: K must run 0, 1, 2, ... without gaps.
awk '$1 == "frame" { if ($2 != n) { print "gap at " n ": " $0; exit 1 } n++ }
     END { if (n < 3) { print "only " n " frames"; exit 1 } }' n=0 "$WORK/paint.out" ||
	fail "frames shown were not consecutive"
ok "$(grep -c '^frame' "$WORK/paint.out") consecutive frames reported"

timeout 60 "$B/kmscast-paint" --mode 640x480 --fps 30 --frames 12 -v >"$WORK/n.out" 2>"$WORK/n.err"
rc=$?
[ $rc -eq 0 ] || { cat "$WORK/n.err"; fail "--frames 12 exited $rc"; }
[ "$(grep -c '^frame' "$WORK/n.out")" -eq 12 ] || fail "--frames 12 showed $(grep -c '^frame' "$WORK/n.out") frames"
[ "$(grep '^frame' "$WORK/n.out" | tail -n1 | cut -d' ' -f2)" = 11 ] || fail "last frame is not 11"
ok "--frames 12 showed frames 0..11 and exited 0"
