# SPDX-License-Identifier: MIT
# kmscastd streams what kmscast-paint shows to kmscast on the real kernel:
# lossless snapshots equal the reference frames pixel for pixel (static,
# moving, with the cursor composited), h264 keeps PSNR >= 38 dB, and a
# --record file passes ffprobe with the right codec, size and frame count.
# timeout: 600
. tests/vm/lib.sh
T=$B/tests/scene-tool
mkdir -p "$WORK/d"
"$B/kmscast" id --config-dir "$WORK/c" | tail -1 >"$WORK/d/authorized-clients"
snap() { # FILE ARGS...: a snapshot through the daemon
	local f=$1
	shift
	timeout 120 "$B/kmscast" --present none --config-dir "$WORK/c" --accept-new --snapshot "$f" "$@" \
		127.0.0.1:$PORT >"$WORK/snap.out" 2>"$WORK/snap.err" ||
		fail "snapshot failed: $(cat "$WORK/snap.err" "$DLOG")"
}

start_paint --mode 640x480 --static --start 4242
start_daemon d --codec lossless --fps 30
snap "$WORK/static.png"
$T compare "$WORK/static.png" XRGB8888 4242 || fail "lossless static snapshot is not frame 4242"
ok "lossless: a static snapshot equals reference frame 4242"
stop_paint
start_paint --mode 640x480 --fps 30 --cursor
snap "$WORK/moving.png" --frames 20
r=$($T compare "$WORK/moving.png" XRGB8888) || fail "moving lossless snapshot: $r"
ok "lossless: the 20th frame of a moving scene equals its reference frame ($r)"
snap "$WORK/cursor.png" --frames 5 --cursor
r=$($T compare "$WORK/cursor.png" XRGB8888 cursor) || fail "snapshot with cursor: $r"
ok "lossless: cursor messages composite to the reference cursor ($r)"
stop_daemon
stop_paint

start_paint --mode 640x480 --static --start 777
start_daemon d --codec h264 --fps 30
# A static screen is one frame: no refresh follows it.
snap "$WORK/h264.png" --frames 1
r=$($T psnr "$WORK/h264.png" 777 38) || fail "h264 snapshot: $r"
ok "h264: $r dB against reference frame 777"
grep -q "encoder auto: software h264" "$DLOG" || fail "no log line about the encoder choice"
stop_paint
start_paint --mode 640x480 --fps 30
timeout 120 "$B/kmscast" --present none --config-dir "$WORK/c" --accept-new --frames 30 --record "$WORK/rec.mkv" \
	127.0.0.1:$PORT >"$WORK/rec.out" 2>"$WORK/rec.err" || fail "record: $(cat "$WORK/rec.err")"
probe=$(ffprobe -v error -count_frames -show_entries stream=codec_name,width,height,nb_read_frames \
	-of csv=p=0 "$WORK/rec.mkv") || fail "ffprobe rejects the recording"
[ "$probe" = "h264,640,480,30" ] || fail "ffprobe says $probe, want h264,640,480,30"
ok "h264: --record wrote a Matroska file ffprobe reads as $probe"
stop_daemon
start_daemon d --codec lossless --fps 30
timeout 120 "$B/kmscast" --present none --config-dir "$WORK/c" --accept-new --frames 10 --record "$WORK/ll.mkv" \
	127.0.0.1:$PORT >"$WORK/rec.out" 2>"$WORK/rec.err" || fail "record: $(cat "$WORK/rec.err")"
probe=$(ffprobe -v error -count_frames -show_entries stream=codec_name,width,height,nb_read_frames \
	-of csv=p=0 "$WORK/ll.mkv") || fail "ffprobe rejects the lossless recording"
[ "$probe" = "ffv1,640,480,10" ] || fail "ffprobe says $probe, want ffv1,640,480,10"
ffmpeg -v error -i "$WORK/ll.mkv" -frames:v 1 -f image2 -pix_fmt rgb24 "$WORK/ll0.png" || fail "ffmpeg cannot decode it"
$T compare "$WORK/ll0.png" XRGB8888 >/dev/null || fail "the recording's first frame is not a reference frame"
ok "lossless: --record wrote FFV1 ($probe) whose frames are exact"
stop_daemon
stop_paint
