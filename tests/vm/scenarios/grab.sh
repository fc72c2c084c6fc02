# SPDX-License-Identifier: MIT
# kmscast-grab against kmscast-paint on the real kernel: pixel-exact PNGs of
# the reference frame, one complete frame per grab while flipping, changes
# under an unchanged fb_id with --front, the cursor listed and composited,
# raw dumps with their sidecar, and --list / --list --json.
# timeout: 300
. tests/vm/lib.sh
G=$B/kmscast-grab
T=$B/tests/scene-tool

# Static frame: every pixel equals reference frame 321 (XRGB8888 is the only
# format virtio-gpu scans out; the others are refused by the plane, see
# paint-formats, and their conversions are unit-tested).
start_paint --mode 1024x768 --static --start 321
$G --output Virtual-1 -o "$WORK/static.png" || fail "grab failed"
$T compare "$WORK/static.png" XRGB8888 321 || fail "static grab is not frame 321"
ok "static grab equals reference frame 321"
$G --raw "$WORK/static.raw" || fail "raw grab failed"
cat "$WORK/static.raw.meta"
grep -qx format=XRGB8888 "$WORK/static.raw.meta" && grep -qx width=1024 "$WORK/static.raw.meta" &&
	grep -qx height=768 "$WORK/static.raw.meta" && grep -q '^modifier=' "$WORK/static.raw.meta" &&
	grep -q '^pitch=4096$' "$WORK/static.raw.meta" || fail "sidecar is wrong"
[ "$(stat -c %s "$WORK/static.raw")" = $((4096 * 768)) ] || fail "raw file has the wrong size"
ok "raw dump: $(stat -c %s "$WORK/static.raw") bytes and its sidecar"
$G --list >"$WORK/list.txt" || fail "--list failed"
cat "$WORK/list.txt"
grep -qE '^  plane [0-9]+ primary crtc [0-9]+ fb [0-9]+ 1024x768 XRGB8888 (implicit|LINEAR) at 0,0 size 1024x768$' \
	"$WORK/list.txt" || fail "--list does not show the primary plane"
$G --list --json >"$WORK/list.json" || fail "--list --json failed"
jq -e '[.cards[].planes[] | select(.type=="primary" and .fb>0)][0] | .width==1024 and .format=="XRGB8888"' \
	"$WORK/list.json" >/dev/null ||
	fail "--list --json is not the same listing as JSON: $(cat "$WORK/list.json")"
ok "--list and --list --json show the primary plane"
stop_paint

# Flipping: every grab is one complete frame, and k moves on.
start_paint --mode 640x480 --fps 30
ks=""
for i in $(seq 12); do
	r=$($G -o "$WORK/f.png" && $T compare "$WORK/f.png" XRGB8888) || fail "grab $i while flipping is not one complete frame: $r"
	ks="$ks ${r%% *}"
done
[ "$(echo $ks | tr ' ' '\n' | sort -u | wc -l)" -ge 3 ] || fail "k did not move while flipping:$ks"
ok "12 grabs while flipping, each one complete frame:$ks"
stop_paint

# --front: the same fb_id, different pixels.
start_paint --mode 640x480 --fps 10 --front
fb1=$(kms_field Virtual-1 fb)
a=$($G -o "$WORK/a.png" && $T compare "$WORK/a.png" XRGB8888 | cut -d' ' -f1)
sleep 1
b=$($G -o "$WORK/b.png" && $T compare "$WORK/b.png" XRGB8888 | cut -d' ' -f1)
fb2=$(kms_field Virtual-1 fb)
[ "$fb1" = "$fb2" ] || fail "fb changed under --front"
[ -n "$a" ] && [ "$a" != "$b" ] || fail "no change seen under fb $fb1: $a $b"
ok "--front: fb $fb1 unchanged, grabs went $a -> $b"
stop_paint

# Cursor: listed as the cursor plane, composited at its place.
start_paint --mode 1024x768 --static --start 55 --cursor
read -r cx cy < <($T cursor 55 1024 768)
$G --list | grep -E "^  plane [0-9]+ cursor crtc [0-9]+ fb [0-9]+ 64x64 ARGB8888 .* at $cx,$cy size 64x64\$" ||
	fail "--list does not show the cursor at $cx,$cy"
$G --cursor -o "$WORK/c.png" || fail "grab --cursor failed"
$T compare "$WORK/c.png" XRGB8888 55 cursor || fail "cursor not composited at $cx,$cy"
$G -o "$WORK/nc.png" && $T compare "$WORK/nc.png" XRGB8888 55 || fail "grab without --cursor shows the cursor"
ok "cursor plane listed and composited at $cx,$cy"
stop_paint
